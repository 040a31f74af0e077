"""The algorithms: one per ictgis command, each running the command on a workspace."""

import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from . import cli

LANGUAGES = ("vi", "en")
STEPS = ("stats", "siting", "coverage", "maps", "qgis", "report")
INDICATORS = ("radius_km", "pop_per_point", "masts_per_100km2", "pop_pct_any_2g",
              "pop_pct_any_3g", "pop_pct_any_4g")
SCHEMES = ("quantiles", "natural_breaks")
#: The project ictgis writes in the outputs folder.
PROJECT = "ictgis.qgz"


class IctgisAlgorithm(QgsProcessingAlgorithm):
    """Runs ``ictgis COMMAND`` on a workspace into an output folder."""

    COMMAND = ""
    TITLE = ""
    HELP = ""

    def tr(self, text):
        """Qt translation of ``text``."""
        return QCoreApplication.translate("ictgis", text)

    def createInstance(self):  # noqa: N802 (QGIS's name)
        """A new instance (Processing runs each in its own)."""
        return type(self)()

    def name(self):
        """The id after ``ictgis:``."""
        return self.COMMAND

    def displayName(self):  # noqa: N802 (QGIS's name)
        """The name in the toolbox."""
        return self.tr(self.TITLE)

    def shortHelpString(self):  # noqa: N802 (QGIS's name)
        """What the algorithm does."""
        return self.tr(self.HELP) + "\n\n" + self.tr(
            "Runs the ictgis command (Processing > Options > Providers > ictgis, or the "
            "environment variable ICTGIS_CLI). Layers come styled like ictgis's HTML maps.")

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS's name)
        """The workspace, the output folder, the language, the command's options."""
        self.addParameter(QgsProcessingParameterFile(
            "WORKSPACE", self.tr("Workspace (its ictgis.toml)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="ictgis.toml (*.toml)"))
        self.add_options()
        self.addParameter(QgsProcessingParameterEnum(
            "LANGUAGE", self.tr("Language of the outputs"), options=["Tiếng Việt", "English"],
            defaultValue=0))
        extra = QgsProcessingParameterString(
            "ARGUMENTS", self.tr("Further options of the command"), optional=True,
            defaultValue="")
        extra.setFlags(extra.flags() | extra.FlagAdvanced)
        self.addParameter(extra)
        self.addParameter(QgsProcessingParameterFolderDestination(
            "OUTPUT", self.tr("Output folder")))
        self.addOutput(QgsProcessingOutputMultipleLayers("LAYERS", self.tr("Layers written")))
        self.addOutput(QgsProcessingOutputFile("PROJECT", self.tr("QGIS project")))

    def add_options(self):
        """Parameters of this command (none by default)."""

    def options(self, parameters, context, feedback):
        """Command-line options from this command's parameters."""
        return []

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS's name)
        """Run the command, stream its output, turn a failure into a Processing error."""
        from .provider import configured_cli

        try:
            program = cli.find_cli(configured_cli())
        except cli.CliNotFoundError as exc:
            raise QgsProcessingException(self.tr(
                "ictgis command not found: {}. Install ictgis and set its path in Processing > "
                "Options > Providers > ictgis, or in ICTGIS_CLI.").format(exc)) from None
        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        out = self.parameterAsString(parameters, "OUTPUT", context)
        lang = LANGUAGES[self.parameterAsEnum(parameters, "LANGUAGE", context)]
        extra = self.parameterAsString(parameters, "ARGUMENTS", context).split()
        args = cli.command_line(program, self.COMMAND, workspace=workspace, out=out, lang=lang,
                                options=[*self.options(parameters, context, feedback), *extra])
        feedback.pushCommandInfo(" ".join(args))

        def on_line(text, is_error):
            if is_error:  # ictgis's warnings and data problems; the error ends the run
                feedback.pushWarning(text)
            else:
                feedback.pushConsoleInfo(text)

        status, last_error, canceled = cli.run(args, on_line=on_line,
                                               is_canceled=feedback.isCanceled)
        if canceled:
            raise QgsProcessingException(self.tr("Canceled: the previous outputs are unchanged."))
        if status != 0:
            raise QgsProcessingException(cli.error_message(last_error) or self.tr(
                "ictgis stopped with exit status {}").format(status))
        layers, _files = cli.written(out)
        sources = self.load_layers(layers, context)
        project = os.path.join(out, PROJECT)
        return {"OUTPUT": out, "LAYERS": sources,
                "PROJECT": project if os.path.isfile(project) else None}

    def load_layers(self, paths, context):
        """Layer URIs of the GeoPackages and GeoTIFFs written, loaded into the project at the end."""
        from osgeo import ogr

        sources = []
        for path in paths:
            if path.endswith(".gpkg"):
                data = ogr.Open(path)
                names = [data.GetLayer(i).GetName() for i in range(data.GetLayerCount())
                         if data.GetLayer(i).GetGeomType() != ogr.wkbNone] if data else []
                data = None
                items = [(f"{path}|layername={name}", name) for name in names]
            else:
                items = [(path, os.path.splitext(os.path.basename(path))[0])]
            for uri, name in items:
                sources.append(uri)
                if context.project() is not None:
                    context.addLayerToLoadOnCompletion(uri, QgsProcessingContext.LayerDetails(
                        name, context.project(), "LAYERS"))
        return sources


class RunAlgorithm(IctgisAlgorithm):
    """``ictgis run``."""

    COMMAND, TITLE = "run", "Run every step (ictgis run)"
    HELP = ("Validates the workspace and runs statistics, siting, coverage, maps, the QGIS "
            "project and the report; writes a manifest of inputs and outputs.")

    def add_options(self):
        """Steps to leave out."""
        self.addParameter(QgsProcessingParameterEnum(
            "SKIP", self.tr("Steps to leave out"), options=list(STEPS), allowMultiple=True,
            optional=True, defaultValue=[]))

    def options(self, parameters, context, feedback):
        """``--skip STEP`` for each step left out."""
        skipped = self.parameterAsEnums(parameters, "SKIP", context)
        return [arg for i in skipped for arg in ("--skip", STEPS[i])]


class StatsAlgorithm(IctgisAlgorithm):
    """``ictgis stats``."""

    COMMAND, TITLE = "stats", "Postal and telecom indicators (ictgis stats)"
    HELP = ("Indicators per commune, district, urban/rural zone, economic region and the "
            "province: service radius R, people per point Dp, BTS density, subscribers.")


class SitingAlgorithm(IctgisAlgorithm):
    """``ictgis siting``."""

    COMMAND, TITLE = "siting", "Check BTS siting against the plan (ictgis siting)"
    HELP = ("Every mast against the passive-infrastructure plan: findings by severity, "
            "compliance by operator, district and region; proposed masts approved, "
            "co-located or refused.")

    def add_options(self):
        """An optional layer of proposed masts."""
        self.addParameter(QgsProcessingParameterFeatureSource(
            "PROPOSALS", self.tr("Proposed masts (optional)"),
            [QgsProcessing.TypeVectorPoint], optional=True))

    def options(self, parameters, context, feedback):
        """``--proposals FILE`` (a layer of the project is written to a file ictgis reads)."""
        if parameters.get("PROPOSALS") in (None, ""):
            return []
        path = self.parameterAsCompatibleSourceLayerPath(
            parameters, "PROPOSALS", context, ["gpkg", "shp", "geojson", "csv"], "gpkg",
            feedback)
        return ["--proposals", path.split("|")[0]] if path else []


class CoverageAlgorithm(IctgisAlgorithm):
    """``ictgis coverage``."""

    COMMAND, TITLE = "coverage", "Coverage rasters (ictgis coverage)"
    HELP = ("Best-server signal rasters per operator and technology, and the population "
            "covered per commune and region.")


class MapAlgorithm(IctgisAlgorithm):
    """``ictgis map``."""

    COMMAND, TITLE = "map", "Offline HTML maps (ictgis map)"
    HELP = "Offline HTML maps of the province and its regions, and static PNG maps."

    def add_options(self):
        """The indicator and classes of the choropleth."""
        self.addParameter(QgsProcessingParameterEnum(
            "INDICATOR", self.tr("Indicator"), options=list(INDICATORS), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "SCHEME", self.tr("Classes"), options=list(SCHEMES), defaultValue=0))

    def options(self, parameters, context, feedback):
        """``--indicator`` and ``--scheme``."""
        return ["--indicator", INDICATORS[self.parameterAsEnum(parameters, "INDICATOR", context)],
                "--scheme", SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)]]


class ReportAlgorithm(IctgisAlgorithm):
    """``ictgis report``."""

    COMMAND, TITLE = "report", "Yearly report (ictgis report)"
    HELP = "The yearly report (HTML, XLSX, Word) from the outputs of the other steps."


class PrioritiesAlgorithm(IctgisAlgorithm):
    """``ictgis priorities``."""

    COMMAND, TITLE = "priorities", "Where to build next (ictgis priorities)"
    HELP = ("Planned sites and candidates ranked by the people they newly cover; options "
            "such as --tech 4g --sites 50 go in the further options.")


ALGORITHMS = (RunAlgorithm, StatsAlgorithm, SitingAlgorithm, CoverageAlgorithm, MapAlgorithm,
              ReportAlgorithm, PrioritiesAlgorithm)
