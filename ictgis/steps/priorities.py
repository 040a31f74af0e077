"""Step ``priorities``: where to build next, ranked by newly covered people -> ``OUT/priorities/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.errors import DataError
from ictgis.steps import StepContext, output_title

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    from ictgis.coverage.calibration import Calibration
    from ictgis.coverage.terrain import Terrain
    from ictgis.priorities import Ranking
    from ictgis.workspace import Workspace

NAME = outputs.PRIORITIES
NEEDS_BTS = True


@dataclass(frozen=True)
class PrioritiesResult:
    """The ranking (None when the workspace has no candidate), and how to label it."""

    ranking: Ranking | None
    crs: str
    title: str
    synthetic: bool


def compute(ws: Workspace, ctx: StepContext, *, tech: str | None = None,
            operator: str | None = None, candidates: Path | None = None,
            grid_m: float | None = None, sites: int | None = None,
            target_pct: float | None = None, budget_vnd: float | None = None,
            required: bool = False, **_options: Any) -> PrioritiesResult:
    """Rank the candidates of the workspace (see :func:`ictgis.priorities.prioritise`).

    In a whole run (not ``required``), a workspace without planned sites, when no candidate
    is given, gets no ranking rather than an error.
    """
    asked = required or candidates is not None or grid_m is not None
    if not asked and not _has_plan(ws):
        return PrioritiesResult(None, ws.config.crs, output_title(ws.config), ws.config.synthetic)
    from ictgis.steps.coverage import model_inputs

    rasters = _rasters(ws)
    try:
        ranking = _rank(ws, ctx, tech=tech, operator=operator, candidates=candidates,
                        grid_m=grid_m, sites=sites, target_pct=target_pct,
                        budget_vnd=budget_vnd, rasters=rasters, model=model_inputs(ws))
    except DataError as exc:  # every planned site built: nothing to rank in a whole run
        if asked or exc.message_id != "priorities.error.no_candidates":
            raise
        ranking = None
    return PrioritiesResult(ranking, ws.config.crs, output_title(ws.config), ws.config.synthetic)


def _rank(ws: Workspace, ctx: StepContext, *, tech: str | None, operator: str | None,
          candidates: Path | None, grid_m: float | None, sites: int | None,
          target_pct: float | None, budget_vnd: float | None,
          rasters: dict[str, np.ndarray],
          model: tuple[Terrain | None, Calibration | None] = (None, None)) -> Ranking:
    from ictgis import priorities

    settings = ws.config.priorities  # [priorities]; the command's options come first
    costs = {**priorities.COST_VND_BY_CLASS, **settings.cost_vnd}
    return priorities.prioritise(
        ws, tech=tech or settings.technology, operator=operator or settings.operator,
        candidates=candidates, grid_m=grid_m if grid_m is not None else settings.grid_m,
        max_sites=sites, target_pct=target_pct, budget_vnd=budget_vnd, progress=ctx.progress,
        population=rasters.get("population"), landcover=rasters.get("landcover"),
        cost_by_class=costs,
        costs_synthetic=bool(set(priorities.COST_VND_BY_CLASS) - set(settings.cost_vnd)),
        terrain=model[0], calibration=model[1])


def _has_plan(ws: Workspace) -> bool:
    return ws.planned_sites is not None and not ws.planned_sites.empty


def _rasters(ws: Workspace) -> dict[str, np.ndarray]:
    """The population and land-cover rasters of [coverage] on the province grid, if any."""
    from ictgis import coverage, io

    settings = ws.config.coverage
    grid = coverage.province_grid(ws.communes, settings,
                                  file=ws.config.layers["communes"].label)
    found = {}
    for key, path, resampling in (("population", settings.population_raster, "sum"),
                                  ("landcover", settings.landcover_raster, "nearest")):
        if path:
            found[key] = io.read_raster_on_grid(ws.config.root / path, grid.transform,
                                                grid.width, grid.height, grid.crs,
                                                resampling=resampling)
    return found


def write(result: PrioritiesResult, ctx: StepContext) -> list[Path]:
    """Write ``priorities/``: ranking (CSV, XLSX), excluded.csv, curve.png, priorities.gpkg.

    The CSVs carry ids (sources, actions, verdicts); the workbook, the curve and the layer
    names are in ``ctx.lang``.
    """
    from ictgis import io
    from ictgis.i18n import language

    folder = ctx.outputs.folder(NAME)
    ranking = result.ranking
    if ranking is None:
        return []
    with language(ctx.lang), io.staged_dir(folder) as tmp:
        table, excluded = _labelled(ranking.table, result), _labelled(ranking.excluded, result)
        io.write_csv(table, tmp / outputs.RANKING_CSV)
        io.write_csv(excluded, tmp / outputs.EXCLUDED_CSV)
        sheets, headers = _workbook(table, excluded)
        io.write_xlsx(sheets, tmp / outputs.RANKING_XLSX, headers=headers,
                      title=_title(result), formats=_NUMBER_FORMATS)
        io.write_layers(_layers(table, excluded, result.crs), tmp / outputs.PRIORITIES_GPKG)
        curve_figure(ranking).savefig(tmp / outputs.CURVE_PNG, dpi=150)
        written = sorted(tmp.iterdir())
    return [folder / p.name for p in written]


#: Excel number formats of the workbook's columns.
_NUMBER_FORMATS = {"marginal_people": "#,##0", "cumulative_people": "#,##0",
                   "cumulative_covered_pct": "0.00", "cost_vnd": "#,##0",
                   "cumulative_cost_vnd": "#,##0", "people_per_bn_vnd": "#,##0.0",
                   "height_m": "0.0"}


def _labelled(table: pd.DataFrame, result: PrioritiesResult) -> pd.DataFrame:
    """The table with the synthetic-data column a synthetic workspace carries."""
    if not result.synthetic:
        return table
    from ictgis.stats import SYNTHETIC

    return table.assign(synthetic=SYNTHETIC)


def _title(result: PrioritiesResult) -> str:
    from ictgis.i18n import t

    ranking = result.ranking
    notes = [result.title]
    if ranking is not None and ranking.costs_synthetic:
        notes.append(t("priorities.costs_synthetic"))
    return " – ".join(notes)


def _workbook(table: pd.DataFrame, excluded: pd.DataFrame
              ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The sheets (labels translated) and the headers of :func:`ictgis.io.write_xlsx`."""
    from ictgis.i18n import labels, t

    sources, actions = labels("priorities.source"), labels("priorities.action")
    verdicts = labels("priorities.verdict")
    shown = table.assign(source=table["source"].map(sources).fillna(table["source"]),
                         action=table["action"].map(actions).fillna(table["action"]))
    left = excluded.assign(source=excluded["source"].map(sources).fillna(excluded["source"]),
                           verdict=excluded["verdict"].map(verdicts).fillna(excluded["verdict"]))
    sheets = {str(t("priorities.sheet.ranking")): shown,
              str(t("priorities.sheet.excluded")): left}
    return sheets, labels("priorities.header")


def _layers(table: pd.DataFrame, excluded: pd.DataFrame, crs: str) -> dict[str, Any]:
    import geopandas as gpd

    def points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
        located = frame[frame["x"].notna()]
        return gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["x"], located["y"]),
                                crs=crs)

    return {"ranking": points(table), "excluded": points(excluded)}


def curve_figure(ranking: Ranking) -> Figure:
    """Covered % of the population against the number of sites built (Figure API, no pyplot)."""
    from matplotlib.figure import Figure

    from ictgis.i18n import number, t

    curve = ranking.curve()
    figure = Figure(figsize=(7.5, 4.2), layout="constrained")
    axes = figure.subplots()
    axes.plot(curve["sites"], curve["covered_pct"], marker="o" if len(curve) <= 40 else None,
              markersize=3, color="#1f5fa8")
    axes.axhline(ranking.baseline_pct, color="#888888", linestyle="--", linewidth=0.8)
    axes.annotate(t("priorities.curve.today", pct=number(ranking.baseline_pct, 2)),
                  (0, ranking.baseline_pct), textcoords="offset points", xytext=(4, 4),
                  fontsize=8, color="#555555")
    who = t("priorities.any_operator") if ranking.operator == "any" else ranking.operator
    axes.set_title(t("priorities.curve.title", tech=ranking.tech, operator=who), fontsize=10)
    axes.set_xlabel(t("priorities.curve.x"))
    axes.set_ylabel(t("priorities.curve.y"))
    axes.grid(True, linewidth=0.3)
    return figure
