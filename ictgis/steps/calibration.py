"""Step ``calibration``: the model against drive-test measurements -> ``OUT/calibration/``.

Each usable measurement is matched to the level the *uncalibrated* model predicts at its
position (:mod:`ictgis.coverage.calibration`; over the DEM of ``[layers.dem]`` when there is
one, with the terrain term the coverage applies); offsets per technology × environment are
fitted by robust least squares. ``write`` writes the table (CSV, XLSX), every matched
measurement, a predicted-vs-measured scatter and an error-vs-distance plot, the rejected rows
into ``rejects/``, and, when asked (``apply``, as ``ictgis calibrate`` does), the offsets into
``calibration.toml`` beside ictgis.toml, which ``ictgis coverage`` then applies. Calibrating
is an explicit act: a whole run (``ictgis run``) neither re-fits nor changes an input, and
``calibration/`` keeps what the last ``ictgis calibrate`` wrote (the fit in force).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.steps import StepContext, our_warnings, output_title

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from ictgis.workspace import Workspace

NAME = outputs.CALIBRATION
NEEDS_BTS = True


@dataclass(frozen=True)
class CalibrationResult:
    """The fit (None when there are no measurements to use), and where to write it.

    Attributes
    ----------
    table
        Per technology × environment (:func:`~ictgis.coverage.calibration.fit_table`).
    matched
        Every usable measurement with its prediction, error before and after.
    rejected
        Rejected rows with their ``problem``; ``problems`` the same as problem rows.
    source, source_sha256
        The measurement file and its SHA-256.
    calibration_toml
        Where the offsets go when ``apply`` (``calibration.toml`` beside ictgis.toml).
    dem
        The DEM the predictions were made over (``[layers.dem]``; None: none).
    """

    table: pd.DataFrame | None
    matched: pd.DataFrame | None
    rejected: pd.DataFrame | None
    problems: pd.DataFrame | None
    source: Path | None
    source_sha256: str
    calibration_toml: Path
    root: Path
    apply: bool
    slope: bool
    title: str
    synthetic: bool
    warnings: tuple[str, ...] = ()
    dem: Path | None = None


def compute(ws: Workspace, ctx: StepContext, *, measurements: Path | None = None,
            slope: bool = False, apply: bool = False, required: bool = False,
            strict: bool = False, **_options: Any) -> CalibrationResult:
    """Match the measurements to the model and fit the offsets.

    Parameters
    ----------
    measurements
        The measurement file (default: ``[layers.measurements]``).
    slope
        Also fit a slope per decade of distance (reported, not applied).
    apply
        ``write`` writes ``calibration.toml``.
    required
        Fail when there is no measurement file (a whole run without one fits nothing).
    strict
        Refuse any rejected measurement (nothing is fitted or written).

    Raises
    ------
    DataError
        When ``required`` and no file is given or declared, or when no measurement is usable.
    """
    import numpy as np
    import pandas as pd

    from ictgis import coverage, io
    from ictgis.coverage import calibration as cal
    from ictgis.coverage.population import environment_codes
    from ictgis.errors import DataError
    from ictgis.i18n import number, t

    config = ws.config
    root = config.root
    empty = CalibrationResult(None, None, None, None, None, "", root / cal.CALIBRATION_TOML,
                              root, apply, slope, output_title(config), config.synthetic)
    if measurements is None and not required:  # a whole run does not re-fit
        return empty
    settings = config.coverage
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", coverage.ModelRangeWarning)
        points, problems, rejected, layer = cal.load_measurements(
            config, ws.communes, settings, ws.bts, measurements)
        grid = coverage.province_grid(ws.communes, settings,
                                      file=config.layers["communes"].label)
        landcover = None
        if settings.landcover_raster:
            landcover = io.read_raster_on_grid(root / settings.landcover_raster,
                                               grid.transform, grid.width, grid.height,
                                               grid.crs, resampling="nearest")
        _, env = coverage.rasterize_communes(ws.communes, grid, settings, landcover)
        terrain = None
        if (dem := config.layers.get("dem")) is not None:  # the coverage's terrain term too
            from ictgis.coverage.terrain import read_dem

            terrain = read_dem(dem.path, grid, crs=dem.crs)
        kinds = pd.Series(environment_codes(ws.communes, settings), index=ws.communes["code"])
        fallback = points["commune"].map(kinds).fillna(-1).to_numpy(np.int64)
        matched = cal.match(points, ws.bts, env, grid, settings, fallback=fallback,
                            terrain=terrain)
    lost = ~np.isfinite(matched["predicted_dbm"].to_numpy(float))
    if lost.any():
        from ictgis import validate

        mask = pd.Series(lost, index=matched.index)
        text = validate.texts("coverage.calibration.reject.no_server", mask,
                              operator=matched["operator"].astype("string"),
                              technology=matched["technology"].astype("string"),
                              km=number(settings.max_range_km,
                                        0 if float(settings.max_range_km).is_integer() else 1))
        problems = validate.concat([problems, validate.problems(
            matched, mask, layer=layer.name, file=layer.label, severity="rejected",
            problem=text, code="no_server")])
        rejected = pd.concat([rejected, matched.loc[lost].assign(problem=text[mask])],
                             ignore_index=True)
        matched = matched.loc[~lost]
    if strict:
        from ictgis import validate

        validate.raise_if_any(problems[(problems["severity"] == "rejected").to_numpy()],
                              what=t("errors.strict"))
    if matched.empty:
        msg = t("coverage.calibration.error.none_usable", file=layer.label,
                n=number(len(rejected), 0))
        raise DataError(msg, file=layer.label)
    table, after = cal.fit_table(matched, slope=slope)
    matched = matched.assign(error_after_db=after.loc[matched.index])
    said = list(our_warnings(caught))
    return CalibrationResult(
        table, matched, rejected, problems, layer.path, io.sha256(layer.path),
        root / cal.CALIBRATION_TOML, root, apply, slope, output_title(config),
        config.synthetic, tuple(said), config.layers["dem"].path if terrain is not None else None)


def write(result: CalibrationResult, ctx: StepContext) -> list[Path]:
    """Write ``calibration/`` (and ``calibration.toml`` when ``result.apply``).

    The CSVs keep ids (technology, environment); the workbook and the plots are in
    ``ctx.lang``. The rejected measurements go to ``rejects/measurements.csv`` and
    ``rejects/problems.csv``.
    """
    from ictgis import io
    from ictgis.coverage import calibration as cal
    from ictgis.i18n import labels, language, t
    from ictgis.stats import SYNTHETIC

    if result.table is None or result.matched is None:
        return []
    folder = ctx.outputs.folder(NAME)
    table, matched = result.table, result.matched
    if result.synthetic:
        table, matched = table.assign(synthetic=SYNTHETIC), matched.assign(synthetic=SYNTHETIC)
    written = []
    with language(ctx.lang):
        _write_rejects(result, ctx)
        with io.staged_dir(folder) as tmp:
            io.write_tables(tmp, {outputs.CALIBRATION: table}, formats=("csv", "xlsx"),
                            name=NAME, headers=labels("coverage.calibration.header"),
                            number_formats={c: "0.00" for c in table.columns
                                            if c.endswith(("_db", "_decade", "_low", "_high"))},
                            title=_title(result),
                            sheet_names={outputs.CALIBRATION: str(
                                t("coverage.calibration.sheet"))},
                            readable=_readable)
            io.write_csv(matched, tmp / outputs.CALIBRATION_MEASUREMENTS_CSV)
            scatter_figure(result).savefig(tmp / outputs.CALIBRATION_SCATTER_PNG, dpi=150)
            distance_figure(result).savefig(tmp / outputs.CALIBRATION_DISTANCE_PNG, dpi=150)
            written = [folder / p.name for p in sorted(tmp.iterdir())]
        if result.apply and result.source is not None:
            io.write_text(result.calibration_toml, cal.calibration_text(
                result.table, source=result.source, source_sha256=result.source_sha256,
                root=result.root, dem=result.dem,
                dem_sha256=io.sha256(result.dem) if result.dem is not None else ""))
    return written


def _write_rejects(result: CalibrationResult, ctx: StepContext) -> None:
    """The rejected measurements in ``rejects/``, beside the other layers' rejects."""
    from ictgis import io, validate

    if result.rejected is None or result.rejected.empty:
        return
    folder = ctx.outputs.folder(outputs.REJECTS)
    folder.mkdir(parents=True, exist_ok=True)
    io.write_csv(result.rejected.drop(columns=["geometry"], errors="ignore"),
                 folder / outputs.rejected_rows_csv("measurements"))
    before = ctx.outputs.problems()
    found = result.problems if before is None else validate.concat(
        [before[before["layer"] != "measurements"], result.problems])
    io.write_csv(found, folder / outputs.PROBLEMS_CSV)


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """The fit table for readers: environments by name."""
    from ictgis.i18n import labels

    names = labels("coverage.calibration.environment")
    return table.assign(environment=table["environment"].map(names).fillna(
        table["environment"]))


def _title(result: CalibrationResult) -> str:
    from ictgis.i18n import t

    return " – ".join([result.title, str(t("coverage.calibration.title",
                                            file=result.source.name if result.source else ""))])


#: The most measurements a plot shows (a fixed random sample beyond: points overlap anyway).
PLOTTED = 6000


def _plotted(result: CalibrationResult) -> pd.DataFrame:
    """The measurements a plot shows: all, or :data:`PLOTTED` of them drawn at random."""
    matched = result.matched
    if matched is None:
        msg = "no measurements to plot"  # Python's own wording: a caller's mistake
        raise ValueError(msg)
    if len(matched) <= PLOTTED:
        return matched
    return matched.sample(PLOTTED, random_state=0)


def scatter_figure(result: CalibrationResult) -> Figure:
    """Measured against predicted (uncalibrated) level, one colour per technology."""
    from matplotlib.figure import Figure

    from ictgis.i18n import t

    matched = _plotted(result)
    figure = Figure(figsize=(6.5, 6.0), layout="constrained")
    axes = figure.subplots()
    for tech, group in matched.groupby("technology", sort=True):
        axes.scatter(group["predicted_dbm"], group["level_dbm"], s=2, alpha=0.3,
                     label=str(tech), rasterized=True)
    low = float(min(matched["predicted_dbm"].min(), matched["level_dbm"].min()))
    high = float(max(matched["predicted_dbm"].max(), matched["level_dbm"].max()))
    axes.plot([low, high], [low, high], color="#333333", linewidth=0.8)
    axes.set_title(t("coverage.calibration.scatter.title", file=result.source.name
                     if result.source else ""), fontsize=10)
    axes.set_xlabel(t("coverage.calibration.scatter.x"))
    axes.set_ylabel(t("coverage.calibration.scatter.y"))
    axes.legend(markerscale=4, fontsize=8)
    axes.grid(True, linewidth=0.3)
    return figure


def distance_figure(result: CalibrationResult) -> Figure:
    """Error (measured - predicted, uncalibrated) against distance to the server, log scale."""
    from matplotlib.figure import Figure

    from ictgis.i18n import t

    matched = _plotted(result)
    figure = Figure(figsize=(7.5, 4.5), layout="constrained")
    axes = figure.subplots()
    for tech, group in matched.groupby("technology", sort=True):
        axes.scatter(group["distance_km"], group["error_db"], s=2, alpha=0.3, label=str(tech),
                     rasterized=True)
    axes.axhline(0.0, color="#333333", linewidth=0.8)
    axes.set_xscale("log")
    axes.set_title(t("coverage.calibration.distance.title"), fontsize=10)
    axes.set_xlabel(t("coverage.calibration.distance.x"))
    axes.set_ylabel(t("coverage.calibration.distance.y"))
    axes.legend(markerscale=4, fontsize=8)
    axes.grid(True, linewidth=0.3)
    return figure
