"""The outputs folder's contract: every file name a step writes, and the readers later steps use.

No other module spells a path inside the outputs folder. A step writes into
``Outputs(stage).<folder>``; the maps, the report and ``--compare`` read earlier results with the
readers below, which return ``None`` (or an empty mapping) for what has not been written yet.

Layout::

    OUT/
      manifest.json                   inputs with checksums, config, versions, timings, outputs
      rejects/problems.csv            every problem found while loading; <layer>.csv rejected rows
      stats/<level>.csv               indicators per level; stats.xlsx; stats.gpkg (map layers).
                                      Levels (admin.levels): commune, district, zone, region,
                                      region_zone, province (the whole); national: commune,
                                      district, province (one row each), macro_region, zone,
                                      country (the whole)
      siting/findings.csv|.gpkg       one row per finding; summary_<table>.csv; summary.xlsx;
                                      planned_not_built.csv; proposals.csv|.xlsx
      coverage/level_<op>_<tech>.tif  received level; class_any_<tech>.tif signal classes;
                                      <level>.csv; coverage.xlsx; coverage.gpkg; uncovered_areas.csv
      priorities/ranking.csv|.xlsx    candidate sites ranked by newly covered people; excluded.csv;
                                      curve.png (covered % by sites built); priorities.gpkg
      maps/index.html                 the province; region_<slug>.html; static_<name>.png
      report.html, .xlsx, .docx       the yearly report (page, workbook, Word document)
      ictgis.qgz                      the QGIS project of every layer above, styled
      qgis/layers.gpkg                the workspace layers the project shows (validated)
      coverage/*.qml                  QGIS style of each GeoTIFF (beside it)
      calibration/calibration.csv     drive test against the model: fit per technology and
                                      environment (.xlsx too); measurements.csv;
                                      predicted_measured.png; error_distance.png
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

MANIFEST = "manifest.json"
REPORT_HTML = "report.html"
REPORT_XLSX = "report.xlsx"
REPORT_DOCX = "report.docx"

#: The folder of each step, and the base name of its workbook and GeoPackage.
STATS, SITING, COVERAGE, MAPS, REJECTS = "stats", "siting", "coverage", "maps", "rejects"

PROBLEMS_CSV = "problems.csv"
FINDINGS_CSV = "findings.csv"
FINDINGS_GPKG = "findings.gpkg"
SITING_SUMMARY_XLSX = "summary.xlsx"
PLANNED_NOT_BUILT_CSV = "planned_not_built.csv"
PROPOSALS_CSV = "proposals.csv"
PROPOSALS_XLSX = "proposals.xlsx"
UNCOVERED_AREAS = "uncovered_areas"
PRIORITIES = "priorities"
RANKING_CSV = "ranking.csv"
RANKING_XLSX = "ranking.xlsx"
EXCLUDED_CSV = "excluded.csv"
CURVE_PNG = "curve.png"
PRIORITIES_GPKG = "priorities.gpkg"
#: ``calibration/``: the fit per technology x environment (calibration.csv|.xlsx), every
#: matched measurement, predicted-vs-measured and error-vs-distance plots.
CALIBRATION = "calibration"
CALIBRATION_MEASUREMENTS_CSV = "measurements.csv"
CALIBRATION_SCATTER_PNG = "predicted_measured.png"
CALIBRATION_DISTANCE_PNG = "error_distance.png"
MAP_INDEX = "index.html"
#: The QGIS project, and the folder of the workspace layers it shows.
QGIS_PROJECT = "ictgis.qgz"
QGIS, QGIS_LAYERS_GPKG = "qgis", "layers.gpkg"

#: The levels whose tables later steps read (``province`` is the whole province in a
#: one-province workspace, one row per province in a national one, whose whole is ``country``).
READ_LEVELS = ("country", "macro_region", "province", "zone", "region", "district")


def rejected_rows_csv(layer: str) -> str:
    """File name of the rejected rows of one layer, in ``rejects/``."""
    return f"{layer}.csv"


def level_csv(level: str) -> str:
    """File name of one level's table (``stats/`` or ``coverage/``)."""
    return f"{level}.csv"


def siting_summary_csv(table: str) -> str:
    """File name of one siting summary table (``rules``, ``compliance_region``, ...)."""
    return f"summary_{table}.csv"


def level_raster(operator: str, technology: str) -> str:
    """File name of a best-server received-level GeoTIFF (``operator`` may be ``any``)."""
    return f"level_{operator.lower()}_{technology.lower()}.tif"


def class_raster(technology: str) -> str:
    """File name of the classified signal raster of any operator."""
    return f"class_any_{technology.lower()}.tif"


def qml_sidecar(name: str) -> str:
    """File name of the QGIS style beside a raster (``class_any_4g.tif`` -> ``class_any_4g.qml``)."""
    return f"{Path(name).stem}.qml"


def step_gpkg(step: str) -> str:
    """File name of a step's GeoPackage in its folder (``stats.gpkg``, ``findings.gpkg``...)."""
    return FINDINGS_GPKG if step == SITING else f"{step}.gpkg"


def region_page(slug: str) -> str:
    """File name of one region's map page."""
    return f"region_{slug}.html"


def province_page(slug: str) -> str:
    """File name of one province's map page (national workspace): ``province_<slug>.html``."""
    return f"province_{slug}.html"


def static_map(name: str) -> str:
    """File name of a static PNG map (``radius``, ``coverage``)."""
    return f"static_{name}.png"


@dataclass(frozen=True)
class Outputs:
    """An outputs folder (the real one, or the staging copy a run writes into)."""

    root: Path

    def folder(self, step: str) -> Path:
        """The folder of a step (``stats``, ``siting``, ``coverage``, ``maps``, ``rejects``)."""
        return self.root / step

    @property
    def manifest(self) -> Path:
        """``manifest.json``."""
        return self.root / MANIFEST

    @property
    def qgis_project(self) -> Path:
        """``ictgis.qgz``."""
        return self.root / QGIS_PROJECT

    def gpkg(self, step: str) -> Path:
        """The GeoPackage of a step (``stats``, ``siting``, ``coverage``, ``qgis``)."""
        return self.folder(step) / (QGIS_LAYERS_GPKG if step == QGIS else step_gpkg(step))

    def rasters(self) -> list[Path]:
        """The GeoTIFFs of ``coverage/`` that exist, sorted by name."""
        folder = self.folder(COVERAGE)
        return sorted(folder.glob("*.tif")) if folder.is_dir() else []

    @property
    def report_html(self) -> Path:
        """``report.html``."""
        return self.root / REPORT_HTML

    @property
    def report_xlsx(self) -> Path:
        """``report.xlsx``."""
        return self.root / REPORT_XLSX

    @property
    def report_docx(self) -> Path:
        """``report.docx``."""
        return self.root / REPORT_DOCX

    # ---------------------------------------------------------------- readers for later steps

    def tables(self) -> dict[str, dict[str, pd.DataFrame]]:
        """The tables earlier steps wrote, as far as they exist.

        Returns
        -------
        dict
            ``{"stats": {level: table}, "coverage": {level: table}, "siting": {level or
            "rules": table}}`` for the levels of :data:`READ_LEVELS`; a step that has not run
            is absent.
        """
        from ictgis import io

        names = {
            STATS: {lvl: f"{STATS}/{level_csv(lvl)}" for lvl in READ_LEVELS},
            COVERAGE: {lvl: f"{COVERAGE}/{level_csv(lvl)}" for lvl in READ_LEVELS},
            SITING: {**{lvl: f"{SITING}/{siting_summary_csv('compliance_' + lvl)}"
                        for lvl in READ_LEVELS},
                     "rules": f"{SITING}/{siting_summary_csv('rules')}"},
        }
        found = {}
        for step, files in names.items():
            tables = {key: io.read_output_table(self.root / name) for key, name in files.items()}
            present = {key: table for key, table in tables.items() if table is not None}
            if present:
                found[step] = present
        return found

    def stats_communes(self) -> gpd.GeoDataFrame | None:
        """The commune layer of ``stats.gpkg`` (None before ``ictgis stats``)."""
        from ictgis import io

        return io.read_output_layer(self.folder(STATS) / f"{STATS}.gpkg", "communes")

    def coverage_communes(self) -> gpd.GeoDataFrame | None:
        """The commune layer of ``coverage.gpkg`` (None before ``ictgis coverage``)."""
        from ictgis import io

        return io.read_output_layer(self.folder(COVERAGE) / f"{COVERAGE}.gpkg", "communes")

    def findings(self, layer: str = "findings", columns: Sequence[str] | None = None
                 ) -> gpd.GeoDataFrame | None:
        """A layer of ``findings.gpkg``: ``findings`` or ``links`` (None before siting).

        With ``columns``, only those attributes, without the geometry (a large BTS file
        has a million findings).
        """
        from ictgis import io

        return io.read_output_layer(self.folder(SITING) / FINDINGS_GPKG, layer, columns)

    def class_rasters(self, technologies: Iterable[str]
                      ) -> dict[str, tuple[np.ndarray, object, object]]:
        """``{technology: (classes, transform, crs)}`` of the class rasters that exist."""
        from ictgis import io

        found = {}
        for tech in technologies:
            path = self.folder(COVERAGE) / class_raster(tech)
            if path.is_file():
                found[tech] = io.read_raster(path)
        return found

    def layer(self, step: str, layer: str) -> gpd.GeoDataFrame | None:
        """A layer of a step's GeoPackage (:meth:`gpkg`); None when it has not been written."""
        from ictgis import io

        return io.read_output_layer(self.gpkg(step), layer)

    def uncovered_areas(self) -> pd.DataFrame | None:
        """``coverage/uncovered_areas.csv`` (None before ``ictgis coverage``)."""
        from ictgis import io

        return io.read_output_table(self.folder(COVERAGE) / level_csv(UNCOVERED_AREAS))

    def ranking(self) -> pd.DataFrame | None:
        """``priorities/ranking.csv`` (None before ``ictgis priorities``)."""
        from ictgis import io

        return io.read_output_table(self.folder(PRIORITIES) / RANKING_CSV)

    def priorities_curve(self) -> bytes | None:
        """``priorities/curve.png`` (None before ``ictgis priorities``)."""
        path = self.folder(PRIORITIES) / CURVE_PNG
        return path.read_bytes() if path.is_file() else None

    def problems(self) -> pd.DataFrame | None:
        """``rejects/problems.csv`` (None when no run has written it)."""
        from ictgis import io

        return io.read_output_table(self.folder(REJECTS) / PROBLEMS_CSV)

    def static_maps(self) -> list[tuple[str, bytes]]:
        """``(stem, PNG bytes)`` of the static maps, sorted by name."""
        from ictgis import io

        return io.read_files(self.folder(MAPS), static_map("*"))


def files(root: Path, *, exclude: Mapping[str, None] | Iterable[str] = (MANIFEST,)) -> list[str]:
    """Every output file below ``root`` (relative, sorted), hidden and excluded names left out."""
    left_out = set(exclude)
    return [str(p.relative_to(root)) for p in sorted(Path(root).rglob("*"))
            if p.is_file() and not p.name.startswith(".") and p.name not in left_out]
