"""Where to build next: candidate sites ranked by the people they newly cover.

Candidates come from the plan (planned positions not yet built), from a file of positions
and from a grid over the populated places no signal reaches. The siting rules decide on
each as on a proposal (:func:`ictgis.siting.judge_proposals`): a candidate in a prohibited
zone is out; one closer than d_min to an existing mast becomes "co-locate on mast X", whose
gain is that of adding the operator (and the technology) to mast X.

A candidate covers a fixed set of pixels: a pixel is covered when the best server's level,
less the margin, reaches the threshold, and the best server is a maximum, so adding sites
only adds pixels. With the coverage engine's own kernels, environment corrections and
population grid (:mod:`ictgis.coverage`), and the coverage's DEM (``[layers.dem]``) and
calibration (``calibration.toml``) when the workspace has them, each candidate's set among the
pixels not covered
today is computed once; the ranking is then greedy maximum coverage with lazy evaluation
(CELF, Leskovec et al. 2007): the gains only shrink as sites are added, so a stale gain is an
upper bound and only the top of the heap is re-evaluated. The greedy result is at least
1 - 1/e of the optimum; adding the first k sites to the BTS layer and running the coverage
gives exactly the covered population the ranking predicts.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import coverage, siting, telecom
from ictgis.config import CoverageConfig
from ictgis.errors import DataError
from ictgis.i18n import number, plain_number, t

if TYPE_CHECKING:
    from ictgis.coverage.calibration import Calibration
    from ictgis.coverage.terrain import Terrain
    from ictgis.workspace import Workspace

# ----------------------------------------------------------- settings ([priorities], to declare)

#: Technology ranked when none is asked for ([priorities] technology).
DEFAULT_TECHNOLOGY = "4G"
#: Operator whose coverage counts: a name, or ``any`` (SDG 9.c.1: covered by any operator).
DEFAULT_OPERATOR = "any"
#: Spacing (m) of the grid of candidate positions over uncovered populated places; None: no
#: grid unless asked for (``--grid``).
DEFAULT_GRID_M: float | None = None
#: Mast class of a candidate that has none (a grid position, a blank cell of the file), in
#: an urban and in a rural commune (A1 where plans often allow only A1).
DEFAULT_CLASS: Mapping[str, str] = MappingProxyType({"urban": "A1b", "rural": "A2b"})
#: SYNTHETIC cost of a site by mast class, and of co-locating on an existing mast (VND):
#: illustrative orders of magnitude for the demo, not prices; every output says so.
COST_VND_BY_CLASS: Mapping[str, float] = MappingProxyType({
    "A1a": 250e6, "A1b": 350e6, "A2a": 700e6, "A2b": 1.2e9, "A2c": 900e6, "colocate": 200e6})

# input vocabulary, not display text
#: Columns of a candidates file read as the cost of a site (VND), first found.
COST_COLUMNS = ("cost_vnd", "chi_phi_vnd", "chi_phi")

#: Where a candidate comes from.
SOURCES = ("planned", "file", "grid")
#: What a candidate asks for: a new mast, or an operator added to an existing mast.
ACTIONS = ("new", "colocate")
#: Operator written on a new mast of a candidate for ``any`` operator that names none.
CANDIDATE_OPERATOR = "candidate"
#: The one operator the baseline stamps (every mast counted, the union computed once).
_ALL = "all"
#: Why the selection stopped.
STOPS = ("sites", "target", "budget", "no_gain", "exhausted")

#: Columns of the ranking, in order (``district`` only where the communes have districts).
RANKING_COLUMNS = (
    "rank", "candidate", "source", "action", "colocate_with", "planned_site", "commune",
    "commune_name", "district", "mast_class", "height_m", "operator", "marginal_people",
    "cumulative_people", "cumulative_covered_pct", "cost_vnd", "cumulative_cost_vnd",
    "people_per_bn_vnd", "x", "y",
)
#: Columns of the candidates left out.
EXCLUDED_COLUMNS = ("candidate", "source", "verdict", "reasons", "x", "y")


# ------------------------------------------------------------------------------ baseline


@dataclass(frozen=True)
class Baseline:
    """Today's coverage of one technology and operator, on the coverage engine's grid.

    Attributes
    ----------
    grid
        The province grid (:func:`ictgis.coverage.province_grid`).
    index
        Commune position of every pixel (-1 outside).
    env
        Environment code of every pixel (-1 outside).
    people
        Population of every pixel (the coverage engine's spread).
    covered
        Pixels covered today (bool).
    settings
        The coverage settings, reduced to the technology.
    tech, operator
        What is ranked (``operator`` may be ``any``).
    terrain
        The DEM on the grid (None: none), for the candidates' kernels as for today's.
    calibration
        The offsets applied to every level (None: uncalibrated).
    """

    grid: coverage.Grid
    index: np.ndarray
    env: np.ndarray
    people: np.ndarray
    covered: np.ndarray
    settings: CoverageConfig
    tech: str
    operator: str
    terrain: Terrain | None = None
    calibration: Calibration | None = None

    @property
    def population(self) -> float:
        """Population of the province (people)."""
        return float(self.people[self.index >= 0].sum())

    @property
    def covered_people(self) -> float:
        """People covered today."""
        return float(self.people[self.covered & (self.index >= 0)].sum())

    @property
    def open_pixels(self) -> np.ndarray:
        """Populated pixels inside the province that no signal covers today (bool)."""
        return (self.index >= 0) & ~self.covered & (self.people > 0)


def single_technology(settings: CoverageConfig, tech: str) -> CoverageConfig:
    """The coverage settings reduced to one technology (name as configured, any case).

    Raises
    ------
    DataError
        When the technology is not configured.
    """
    names = {name.casefold(): name for name in settings.technologies}
    name = names.get(tech.casefold())
    if name is None:
        msg = t("priorities.error.technology", tech=tech, known=", ".join(settings.technologies))
        raise DataError(msg)
    return dataclasses.replace(settings, technologies={name: settings.technologies[name]})


def operator_of(name: str, sites: pd.DataFrame | None = None,
                aliases: Mapping[str, str] | None = None) -> str:
    """The canonical operator of ``name`` (``any`` stays ``any``).

    Raises
    ------
    DataError
        When ``name`` is no operator of the alias table.
    """
    if name.strip().casefold() == "any":
        return "any"
    known, _ = telecom.match_operators(pd.Series([name]), telecom.operator_aliases(aliases))
    if len(known.iloc[0]) == 1:
        return str(known.iloc[0][0])
    present = sorted({o for ops in sites["operators"] for o in ops}) if sites is not None else []
    msg = t("priorities.error.operator", name=name, known=", ".join(["any", *present]))
    raise DataError(msg)


def baseline(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, settings: CoverageConfig, *,
             tech: str, operator: str = "any", population: np.ndarray | None = None,
             landcover: np.ndarray | None = None, terrain: Terrain | None = None,
             calibration: Calibration | None = None) -> Baseline:
    """Today's coverage of ``tech`` by ``operator`` (or any operator), as the coverage step has it.

    Parameters
    ----------
    sites
        The BTS layer (working CRS).
    communes
        Commune polygons with ``code``, ``kind`` and ``population``.
    settings
        Coverage settings.
    tech
        A configured technology.
    operator
        An operator's canonical name, or ``any``.
    population, landcover
        Optional rasters on the province grid (as for :func:`ictgis.coverage.compute_coverage`).
    terrain, calibration
        The DEM on the province grid and the calibration, as the coverage step reads them
        (:func:`ictgis.steps.coverage.model_inputs`); None: none.
    """
    one = single_technology(settings, tech)
    (name, cfg), = one.technologies.items()
    index, env = coverage.rasterize_communes(communes, coverage.province_grid(communes, one),
                                             one, landcover)
    with_tech = sites[sites["technologies"].map(lambda techs: name in techs).to_numpy(bool)]
    if operator != "any":
        with_tech = with_tech[with_tech["operators"].map(lambda ops: operator in ops)
                              .to_numpy(bool)]
    # one operator for all: the same union, stamped once
    ours = with_tech.assign(operators=[(_ALL,)] * len(with_tech))
    result = coverage.compute_coverage(ours, communes, one, population=population,
                                       landcover=landcover, terrain=terrain,
                                       calibration=calibration)
    level = result.layers.get(("any", name))
    covered = coverage.covered_mask(level, cfg) if level is not None else np.zeros(index.shape, bool)
    people = result.people  # kept: keep_layers is True
    assert people is not None
    return Baseline(result.grid, index, env, people, covered, one, name, operator, terrain,
                    calibration)


# ---------------------------------------------------------------------------- candidates


def _frame(data: Mapping[str, object], geometry: object, crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(dict(data), geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


def planned_candidates(ctx: siting.SitingContext) -> gpd.GeoDataFrame:
    """The planned positions no mast has built yet (the ``plan.not_built`` findings).

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``source`` (``planned``), ``operators``, ``mast_class``, ``height`` (NaN: the
        class default), ``cost_vnd`` (NaN), point geometry.
    """
    planned = ctx.planned
    if planned is None or planned.empty:
        return _frame({"id": [], "source": [], "operators": [], "mast_class": [], "height": [],
                       "cost_vnd": []}, [], ctx.sites.crs)
    findings = siting.check_sites(ctx, groups=("plan",))
    unbuilt = set(findings.loc[findings["rule"] == "plan.not_built", "site_id"])
    chosen = planned[planned["id"].isin(unbuilt).to_numpy(bool)]
    return _frame({"id": chosen["id"].astype(str).to_numpy(dtype=object), "source": "planned",
                   "operators": chosen["operators"].to_numpy(dtype=object)
                   if "operators" in chosen else [()] * len(chosen),
                   "mast_class": chosen["mast_class"].to_numpy(dtype=object),
                   "height": np.nan, "cost_vnd": np.nan},
                  chosen.geometry.array, chosen.crs)


def file_candidates(ws: Workspace, path: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Candidate positions of a file, read like proposals ([layers.proposals], else [layers.bts]).

    Operators, mast class, height and a cost column (:data:`COST_COLUMNS`) are optional.

    Returns
    -------
    tuple
        The usable candidates (columns of :func:`planned_candidates`), and the rows left out
        (:data:`EXCLUDED_COLUMNS`): without usable coordinates, outside the province, of an
        unknown mast class.
    """
    from ictgis import io
    from ictgis.io import WHERE
    from ictgis.parse import parse_number
    from ictgis.text import fold
    from ictgis.validate import where_text
    from ictgis.workspace import load_points

    config = ws.config
    base = config.layers.get("proposals") or config.layers.get("bts")
    if base is None:
        msg = t("errors.workspace.proposals_layer", config=config.path.name)
        raise DataError(msg)
    cfg = dataclasses.replace(base, name="candidates", path=Path(path))
    columns = {fold(c) for c in io.read_layer(cfg).columns}
    optional = ("operators", "mast_class", "height", "commune", "technologies")
    cfg = dataclasses.replace(cfg, fields={k: v for k, v in cfg.fields.items()
                                           if k not in optional or fold(v) in columns})
    points, _, rejected = load_points(cfg, ws.communes, config.crs, checks=config.checks)
    label = cfg.label
    excluded = [pd.DataFrame({
        "candidate": rejected["id"].astype(str).to_numpy(dtype=object) if len(rejected) else [],
        "source": "file", "verdict": "invalid",
        "reasons": [f"{label}, {where_text(w)}: {p}"
                    for w, p in zip(rejected[WHERE], rejected["problem"], strict=True)]
        if len(rejected) else [], "x": np.nan, "y": np.nan})]
    operators = pd.Series([()] * len(points), index=points.index, dtype=object)
    if "operators" in points:
        operators, _ = telecom.match_operators(points["operators"].fillna(""),
                                               telecom.operator_aliases(config.operators))
    known = {c.casefold(): c for c in config.siting.mast_classes}
    raw = points["mast_class"].astype("string").str.strip() if "mast_class" in points else \
        pd.Series(pd.NA, index=points.index, dtype="string")
    blank = (raw.isna() | (raw == "")).to_numpy(bool)
    classes = raw.map(lambda v: known.get(str(v).replace(" ", "").casefold())
                      if pd.notna(v) else None)
    unknown = classes.isna().to_numpy(bool) & ~blank
    x, y = shapely.get_x(points.geometry.array), shapely.get_y(points.geometry.array)
    if unknown.any():
        excluded.append(pd.DataFrame({
            "candidate": points["id"].astype(str).to_numpy(dtype=object)[unknown],
            "source": "file", "verdict": "invalid",
            "reasons": [f"{label}, {where_text(w)}: " + t(
                "priorities.reason.unknown_class", value=v,
                known=", ".join(config.siting.mast_classes))
                for w, v in zip(points[WHERE][unknown], raw[unknown], strict=True)],
            "x": x[unknown], "y": y[unknown]}))
    cost_col = next((c for c in COST_COLUMNS if c in points), None)
    cost = parse_number(points[cost_col]).to_numpy(float) if cost_col else np.full(
        len(points), np.nan)
    height = parse_number(points["height"]).to_numpy(float) if "height" in points else \
        np.full(len(points), np.nan)
    keep = ~unknown
    found = _frame({"id": points["id"].astype(str).to_numpy(dtype=object)[keep],
                    "source": "file", "operators": operators.to_numpy(dtype=object)[keep],
                    "mast_class": classes.to_numpy(dtype=object)[keep], "height": height[keep],
                    "cost_vnd": cost[keep]}, points.geometry.array[keep], points.crs)
    return found, pd.concat(excluded, ignore_index=True)


def grid_candidates(base: Baseline, spacing_m: float) -> gpd.GeoDataFrame:
    """One candidate per grid cell of ``spacing_m`` holding uncovered people.

    The candidate stands at the centre of the cell's uncovered pixel with the most people
    (the first such pixel, in row order, on a tie), so that it is always inside a commune.

    Raises
    ------
    DataError
        When ``spacing_m`` is not positive.
    """
    if not spacing_m > 0:
        msg = t("priorities.error.grid", value=plain_number(spacing_m))
        raise DataError(msg)
    open_ = base.open_pixels
    rows, cols = np.nonzero(open_)
    grid = base.grid
    x = grid.transform.c + (cols + 0.5) * grid.resolution
    y = grid.transform.f - (rows + 0.5) * grid.resolution
    cell_x = np.floor((x - grid.transform.c) / spacing_m).astype(np.int64)
    cell_y = np.floor((grid.transform.f - y) / spacing_m).astype(np.int64)
    order = np.lexsort((np.arange(len(rows)), -base.people[rows, cols], cell_x, cell_y))
    cells = np.column_stack([cell_y, cell_x])[order]
    first = order[np.unique(cells, axis=0, return_index=True)[1]]
    first = first[np.lexsort((cell_x[first], cell_y[first]))]
    ids = [f"grid-{cy}-{cx}" for cy, cx in zip(cell_y[first], cell_x[first], strict=True)]
    return _frame({"id": np.array(ids, dtype=object), "source": "grid",
                   "operators": [()] * len(first), "mast_class": None,
                   "height": np.nan, "cost_vnd": np.nan},
                  shapely.points(x[first], y[first]), grid.crs)


def appraise(candidates: gpd.GeoDataFrame, ctx: siting.SitingContext, communes: pd.DataFrame,
             *, tech: str, operator: str,
             cost_by_class: Mapping[str, float] = COST_VND_BY_CLASS
             ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The siting rules on the candidates, and each kept one as the site it would add.

    The rules are those of proposals (:func:`ictgis.siting.judge_proposals`) without the
    requirement of a planned position (a candidate off the plan is kept; ``planned_site``
    says which are on it). A refused candidate is left out; one that must co-locate with an
    existing mast becomes that mast with the operator and technology added; one that must
    co-locate with an earlier candidate is left out (the earlier one stands for it).

    Returns
    -------
    tuple
        The sites to rank: ``id``, ``source``, ``action`` (:data:`ACTIONS`),
        ``colocate_with``, ``planned_site``, ``operators``, ``technologies``, ``mast_class``,
        ``height``, ``commune``, ``cost_vnd``, ``x``, ``y`` (the candidate's position) and the
        geometry of the transmitting mast; and the candidates left out
        (:data:`EXCLUDED_COLUMNS`).
    """
    from ictgis import admin

    if candidates.empty:
        return _sites_frame(candidates), pd.DataFrame(columns=list(EXCLUDED_COLUMNS))
    cands = candidates.reset_index(drop=True)
    duplicate = cands["id"].duplicated().to_numpy(bool)
    x, y = shapely.get_x(cands.geometry.array), shapely.get_y(cands.geometry.array)
    excluded = [pd.DataFrame({"candidate": cands["id"][duplicate], "source": cands["source"][
        duplicate], "verdict": "invalid", "reasons": str(t("priorities.reason.duplicate_id")),
        "x": x[duplicate], "y": y[duplicate]})]
    cands = cands[~duplicate].reset_index(drop=True)
    x, y = x[~duplicate], y[~duplicate]
    cands["commune"] = admin.locate(cands, communes).to_numpy(dtype=object)
    urban = pd.Series(cands["commune"]).map(communes.set_index("code")["urban"])
    cands["urban"] = urban.fillna(False).astype(bool).to_numpy()
    default = np.where(cands["urban"], DEFAULT_CLASS["urban"], DEFAULT_CLASS["rural"])
    cands["mast_class"] = cands["mast_class"].astype(object).where(
        cands["mast_class"].notna(), pd.Series(default, index=cands.index))
    loose = dataclasses.replace(ctx, settings=dataclasses.replace(
        ctx.settings, proposals_require_plan=False))
    verdicts = siting.judge_proposals(cands, loose)
    existing = ctx.sites.assign(_id=ctx.sites["id"].astype(str)).set_index("_id")
    partner = verdicts["colocate_with"].astype(str).to_numpy(dtype=object)
    verdict = verdicts["verdict"].to_numpy(dtype=object)
    on_mast = (verdict == "co-locate") & pd.Series(partner).isin(existing.index).to_numpy(bool)
    out = (verdict == "refuse") | ((verdict == "co-locate") & ~on_mast)
    excluded.append(pd.DataFrame({"candidate": cands["id"][out], "source": cands["source"][out],
                                  "verdict": verdict[out], "reasons": verdicts["reasons"][out],
                                  "x": x[out], "y": y[out]}))
    keep = ~out
    sites = cands[keep].reset_index(drop=True)
    moved = on_mast[keep]
    masts = existing.loc[partner[keep][moved]]
    ops = [tuple(o) if isinstance(o, tuple) else () for o in sites["operators"]]
    new_ops = [(operator,) if operator != "any" else (o or (CANDIDATE_OPERATOR,)) for o in ops]
    geometry = np.asarray(sites.geometry.array, dtype=object).copy()
    geometry[moved] = np.asarray(masts.geometry.array, dtype=object)
    classes = sites["mast_class"].to_numpy(dtype=object).copy()
    classes[moved] = masts["mast_class"].to_numpy(dtype=object)
    height = sites["height"].to_numpy(float).copy()
    height[moved] = masts["height"].to_numpy(float) if "height" in masts else np.nan
    operators = np.empty(len(sites), dtype=object)
    operators[:] = new_ops
    mast_ops = masts["operators"].to_numpy(dtype=object)
    operators[np.flatnonzero(moved)] = [
        tuple(sorted({*m, *(n if operator != "any" else ())})) or n
        for m, n in zip(mast_ops, np.asarray(new_ops, dtype=object)[moved], strict=True)]
    technologies = np.empty(len(sites), dtype=object)
    technologies[:] = [(tech,)] * len(sites)
    mast_techs = masts["technologies"].to_numpy(dtype=object)
    technologies[np.flatnonzero(moved)] = [tuple(sorted({*m, tech})) for m in mast_techs]
    cost = sites["cost_vnd"].to_numpy(float).copy()
    by_class = pd.Series(classes).map(lambda c: cost_by_class.get(c, np.nan)).to_numpy(float)
    cost = np.where(np.isnan(cost), np.where(moved, cost_by_class.get("colocate", np.nan),
                                             by_class), cost)
    planned_site = verdicts["planned_site"].to_numpy(dtype=object)[keep]
    sectors = {}
    for col in ("azimuth", "beamwidth"):  # a co-located sectored mast keeps its sectors
        if col in existing and moved.any():
            values = np.full(len(sites), np.nan, dtype=object)
            values[moved] = masts[col].to_numpy(dtype=object)
            sectors[col] = values
    frame = _frame({**sectors,
        "id": sites["id"].to_numpy(dtype=object), "source": sites["source"].to_numpy(dtype=object),
        "action": np.where(moved, "colocate", "new").astype(object),
        "colocate_with": np.where(moved, partner[keep], "").astype(object),
        "planned_site": np.where(sites["source"] == "planned", sites["id"], planned_site
                                 ).astype(object),
        "operators": operators, "technologies": technologies, "mast_class": classes,
        "height": height, "commune": sites["commune"].to_numpy(dtype=object),
        "urban": sites["urban"].to_numpy(bool), "cost_vnd": cost,
        "cost_from_file": sites["cost_vnd"].notna().to_numpy(bool), "x": x[keep], "y": y[keep]},
        geometry, cands.crs)
    return frame, pd.concat([e for e in excluded if len(e)] or [excluded[0]], ignore_index=True)


def _sites_frame(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    columns = ["id", "source", "action", "colocate_with", "planned_site", "operators",
               "technologies", "mast_class", "height", "commune", "urban", "cost_vnd",
               "cost_from_file", "x", "y"]
    return _frame({c: [] for c in columns}, [], candidates.crs)


# ---------------------------------------------------------------------------- coverage sets


def coverage_sets(sites: gpd.GeoDataFrame, base: Baseline) -> tuple[list[np.ndarray],
                                                                     np.ndarray]:
    """The uncovered populated pixels each site would cover, and their people.

    A site covers a pixel when its own level there (the coverage engine's kernel, less the
    environment correction of the pixel) passes :func:`covered_mask`; the best server being
    a maximum, a pixel is covered after adding sites exactly when it was covered before or
    one of them covers it.

    Parameters
    ----------
    sites
        Sites as :func:`appraise` gives them (``technologies`` holding the baseline's).
    base
        Today's coverage.

    Returns
    -------
    tuple
        Per site, the positions (into the open pixels, in row order) it covers; and the
        people of every open pixel.
    """
    open_ = base.open_pixels
    slot = np.full(open_.shape, -1, dtype=np.int64)
    slot[open_] = np.arange(int(open_.sum()))
    weights = base.people[open_]
    (name, cfg), = base.settings.technologies.items()
    correction = coverage.environment_tile(
        base.env[open_], cfg,
        None if base.calibration is None else base.calibration.offsets(name))
    empty = np.zeros(0, dtype=np.int64)
    if sites.empty or not len(weights):
        return [empty] * len(sites), weights
    frame = sites.reset_index(drop=True)
    tx = coverage.transmitters(frame, base.grid, name, base.settings,
                               per_site=base.terrain is not None)
    owner = _owners(frame)
    kernels = coverage.KernelCache(base.settings, base.grid.resolution, base.terrain)
    height, width = open_.shape
    parts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(len(sites))]
    for k in range(len(tx)):
        params = tx.params[tx.group[k]]
        kernel = kernels.kernel(params, tx.azimuth[k], tx.beamwidth[k])
        radius = kernels.radius_px(params)
        top, left = int(tx.row[k]) - radius, int(tx.col[k]) - radius
        a0, a1 = max(top, 0), min(top + 2 * radius + 1, height)
        b0, b1 = max(left, 0), min(left + 2 * radius + 1, width)
        if a0 >= a1 or b0 >= b1:
            continue
        window = slot[a0:a1, b0:b1]
        rr, cc = np.nonzero(window >= 0)
        parts[owner[k]].append((window[rr, cc], kernel[rr + a0 - top, cc + b0 - left]))
    sets = []
    for found in parts:
        if not found:
            sets.append(empty)
            continue
        ids = np.concatenate([f[0] for f in found])
        stamped = np.concatenate([f[1] for f in found])
        if len(found) > 1:  # sectors of one mast: the best of them, as np.maximum stamps
            order = np.lexsort((-stamped.astype(np.int32), ids))
            ids, stamped = ids[order], stamped[order]
            first = np.r_[True, ids[1:] != ids[:-1]]
            ids, stamped = ids[first], stamped[first]
        level = coverage.received_level(stamped, correction[ids], base.settings.floor_dbm)
        sets.append(np.sort(ids[coverage.covered_mask(level, cfg)]))
    return sets, weights


def _owners(sites: pd.DataFrame) -> np.ndarray:
    """The site of every transmitter, as :func:`ictgis.coverage.transmitters` orders them."""
    if "azimuth" not in sites:
        return np.arange(len(sites))
    count = sites["azimuth"].map(lambda a: len(a) if isinstance(a, tuple) and a else 1)
    return np.repeat(np.arange(len(sites)), count.to_numpy(int))


# ------------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """The sites chosen, in order, and what each added.

    Attributes
    ----------
    order
        Positions of the chosen sites, first chosen first.
    gains
        People each newly covered when it was chosen.
    stop
        Why the selection stopped (:data:`STOPS`).
    evaluations
        Gains computed (the work lazy evaluation saves).
    """

    order: np.ndarray
    gains: np.ndarray
    stop: str
    evaluations: int


def marginal_gain(pixels: np.ndarray, weights: np.ndarray, taken: np.ndarray) -> float:
    """People of ``pixels`` not yet ``taken``."""
    return float(weights[pixels[~taken[pixels]]].sum())


def greedy(sets: Sequence[np.ndarray], weights: np.ndarray, *,
           costs: np.ndarray | None = None, max_sites: int | None = None,
           target_people: float | None = None, budget: float | None = None,
           lazy: bool = True) -> Selection:
    """Greedy maximum coverage: each step adds the site with the largest marginal gain.

    With ``costs``, the gain per unit of cost decides (ties: the lower position). With
    ``lazy`` (CELF), a gain computed earlier is an upper bound of today's and only the top of
    a heap is re-evaluated; the choices are those of the plain greedy (``lazy=False``).

    Parameters
    ----------
    sets
        Per site, the positions of the pixels it covers.
    weights
        People of every pixel.
    costs
        Cost of every site (VND), or None.
    max_sites
        Stop after this many sites.
    target_people
        Stop once the sites have newly covered this many people.
    budget
        Total cost not to exceed (sites that no longer fit are passed over).
    lazy
        Lazy evaluation (CELF).

    Examples
    --------
    >>> sets = [np.array([0, 1]), np.array([1, 2, 3]), np.array([3])]
    >>> greedy(sets, np.array([5.0, 1.0, 1.0, 1.0])).order.tolist()
    [0, 1]
    """
    n = len(sets)
    taken = np.zeros(len(weights), dtype=bool)
    cost = np.ones(n) if costs is None else np.asarray(costs, dtype=float)
    limit = n if max_sites is None else max_sites
    spent, covered = 0.0, 0.0
    order: list[int] = []
    gains: list[float] = []
    evaluations = 0
    alive = np.ones(n, dtype=bool)

    def score(gain: float, k: int) -> float:
        return gain / cost[k] if costs is not None else gain

    heap: list[tuple[float, int, int]] = []
    if lazy:
        for k in range(n):
            evaluations += 1
            heap.append((-score(marginal_gain(sets[k], weights, taken), k), k, 0))
        heapq.heapify(heap)
    while True:
        if len(order) >= limit:
            return Selection(np.array(order, int), np.array(gains), "sites", evaluations)
        if target_people is not None and covered >= target_people:
            return Selection(np.array(order, int), np.array(gains), "target", evaluations)
        if budget is not None:
            alive &= spent + cost <= budget
        best, best_gain = -1, 0.0
        if lazy:
            while heap:
                neg, k, stamp = heapq.heappop(heap)
                if not alive[k]:
                    continue
                if stamp == len(order):
                    best, best_gain = k, -neg * (cost[k] if costs is not None else 1.0)
                    break
                evaluations += 1
                heapq.heappush(heap, (-score(marginal_gain(sets[k], weights, taken), k), k,
                                      len(order)))
            if best >= 0:  # the exact gain, not the score times the cost
                best_gain = marginal_gain(sets[best], weights, taken)
        else:
            best_score = 0.0
            for j in np.flatnonzero(alive).tolist():
                evaluations += 1
                gain = marginal_gain(sets[j], weights, taken)
                if score(gain, j) > best_score:
                    best, best_gain, best_score = j, gain, score(gain, j)
        if best < 0 or best_gain <= 0:
            stop = "budget" if budget is not None and not alive.any() else (
                "exhausted" if len(order) == n else "no_gain")
            return Selection(np.array(order, int), np.array(gains), stop, evaluations)
        order.append(best)
        gains.append(best_gain)
        alive[best] = False
        taken[sets[best]] = True
        covered += best_gain
        spent += cost[best]


# --------------------------------------------------------------------------------- ranking


@dataclass(frozen=True)
class Ranking:
    """The ranked sites and what they buy.

    Attributes
    ----------
    table
        One row per chosen site (:data:`RANKING_COLUMNS`).
    excluded
        Candidates left out, with reasons (:data:`EXCLUDED_COLUMNS`).
    population
        People in the province.
    baseline_people
        People covered today.
    tech, operator
        What was ranked.
    stop
        Why the selection stopped (:data:`STOPS`).
    per_vnd
        Whether the gain per VND decided (else the gain).
    costs_synthetic
        Whether the costs are the built-in SYNTHETIC ones (:data:`COST_VND_BY_CLASS`).
    candidates
        How many candidates were ranked (after the rules).
    sites
        The sites as ranked (:func:`appraise`), for :func:`with_selected`.
    """

    table: pd.DataFrame
    excluded: pd.DataFrame
    population: float
    baseline_people: float
    tech: str
    operator: str
    stop: str
    per_vnd: bool
    costs_synthetic: bool
    candidates: int
    sites: gpd.GeoDataFrame

    @property
    def baseline_pct(self) -> float:
        """Covered % of the population today."""
        return 100.0 * self.baseline_people / self.population if self.population else 0.0

    def curve(self) -> pd.DataFrame:
        """Covered % against the number of sites, from today (0 sites)."""
        pct = [self.baseline_pct, *self.table["cumulative_covered_pct"].tolist()]
        cost = [0.0, *self.table["cumulative_cost_vnd"].tolist()]
        return pd.DataFrame({"sites": np.arange(len(pct)), "covered_pct": pct,
                             "cumulative_cost_vnd": cost})


def rank(base: Baseline, sites: gpd.GeoDataFrame, communes: pd.DataFrame, *,
         excluded: pd.DataFrame | None = None, max_sites: int | None = None,
         target_pct: float | None = None, budget_vnd: float | None = None,
         per_vnd: bool | None = None, costs_synthetic: bool = True,
         lazy: bool = True) -> Ranking:
    """Rank appraised sites (:func:`appraise`) by the people they newly cover.

    Parameters
    ----------
    base
        Today's coverage.
    sites
        The sites to rank.
    communes
        The commune table (names and districts of the ranking).
    excluded
        Candidates already left out, carried into the result.
    max_sites, target_pct, budget_vnd
        Stop after this many sites, once this % of the population is covered, or before the
        costs pass this total (VND); none: every site that adds people.
    per_vnd
        Rank by people per VND (default: with a budget, or when a file gave costs).
    costs_synthetic
        Whether the costs by class are the SYNTHETIC defaults (said in the outputs).
    lazy
        Lazy evaluation (CELF); False: the plain greedy (same choices, slower).

    Raises
    ------
    DataError
        When more than one stopping rule is given, a target is not a percentage, or the
        budget is smaller than the cheapest site that adds people.
    """
    if sum(v is not None for v in (max_sites, target_pct, budget_vnd)) > 1:
        msg = t("priorities.error.one_stop")
        raise DataError(msg)
    if target_pct is not None and not 0 < target_pct <= 100:
        msg = t("priorities.error.target", value=number(target_pct, 1))
        raise DataError(msg)
    sets, weights = coverage_sets(sites, base)
    costs = sites["cost_vnd"].to_numpy(float) if len(sites) else np.zeros(0)
    if per_vnd is None:
        per_vnd = budget_vnd is not None or bool(sites["cost_from_file"].any())
    if (per_vnd or budget_vnd is not None) and np.isnan(costs).any():
        missing = sites["mast_class"][np.isnan(costs)].astype(str).iloc[0]
        msg = t("priorities.error.no_cost", mast_class=missing)
        raise DataError(msg)
    gains0 = np.array([weights[s].sum() for s in sets])
    if budget_vnd is not None:
        useful = gains0 > 0
        cheapest = float(costs[useful].min()) if useful.any() else np.nan
        if useful.any() and budget_vnd < cheapest:
            which = str(sites["id"].to_numpy(dtype=object)[useful][np.argmin(costs[useful])])
            msg = t("priorities.error.budget", budget=number(budget_vnd, 0),
                    cheapest=number(cheapest, 0), candidate=which)
            raise DataError(msg)
    population, today = base.population, base.covered_people
    target_people = None if target_pct is None else target_pct / 100 * population - today
    chosen = greedy(sets, weights, costs=costs if per_vnd else None, max_sites=max_sites,
                    target_people=target_people, budget=budget_vnd, lazy=lazy)
    table = _ranking_table(sites.iloc[chosen.order], chosen.gains, communes, population,
                           today)
    stop = "target" if target_people is not None and target_people <= 0 else chosen.stop
    return Ranking(table, excluded if excluded is not None else pd.DataFrame(
        columns=list(EXCLUDED_COLUMNS)), population, today, base.tech, base.operator, stop,
        bool(per_vnd), costs_synthetic, len(sites), sites)


def _ranking_table(chosen: gpd.GeoDataFrame, gains: np.ndarray, communes: pd.DataFrame,
                   population: float, today: float) -> pd.DataFrame:
    by_code = communes.drop(columns="geometry", errors="ignore").set_index("code")
    code = chosen["commune"].to_numpy(dtype=object)
    cumulative = today + np.cumsum(gains)
    cost = chosen["cost_vnd"].to_numpy(float)
    table = pd.DataFrame({
        "rank": np.arange(1, len(chosen) + 1), "candidate": chosen["id"].to_numpy(dtype=object),
        "source": chosen["source"].to_numpy(dtype=object),
        "action": chosen["action"].to_numpy(dtype=object),
        "colocate_with": chosen["colocate_with"].to_numpy(dtype=object),
        "planned_site": chosen["planned_site"].to_numpy(dtype=object),
        "commune": code,
        "commune_name": by_code["name"].reindex(code).to_numpy(dtype=object)
        if "name" in by_code else code,
        "district": by_code["district"].reindex(code).to_numpy(dtype=object)
        if "district" in by_code else None,
        "mast_class": chosen["mast_class"].to_numpy(dtype=object),
        "height_m": chosen["height"].to_numpy(float),
        "operator": ["; ".join(o) for o in chosen["operators"]],
        "marginal_people": gains.astype(float), "cumulative_people": cumulative,
        "cumulative_covered_pct": 100.0 * cumulative / population if population else np.nan,
        "cost_vnd": cost, "cumulative_cost_vnd": np.cumsum(cost),
        "people_per_bn_vnd": np.divide(gains * 1e9, cost, out=np.full(len(cost), np.nan),
                                       where=cost > 0),
        "x": chosen["x"].to_numpy(float), "y": chosen["y"].to_numpy(float),
    })
    if "district" not in by_code:
        table = table.drop(columns="district")
    return table


def prioritise(ws: Workspace, *, tech: str = DEFAULT_TECHNOLOGY,
               operator: str = DEFAULT_OPERATOR, candidates: Path | None = None,
               grid_m: float | None = DEFAULT_GRID_M, planned: bool = True,
               max_sites: int | None = None, target_pct: float | None = None,
               budget_vnd: float | None = None, per_vnd: bool | None = None,
               population: np.ndarray | None = None, landcover: np.ndarray | None = None,
               cost_by_class: Mapping[str, float] = COST_VND_BY_CLASS,
               costs_synthetic: bool | None = None,
               progress: Callable[[str], None] | None = None,
               terrain: Terrain | None = None, calibration: Calibration | None = None
               ) -> Ranking:
    """Candidates of a workspace, the siting rules on them, and the ranking.

    Parameters
    ----------
    ws
        A loaded workspace with a BTS layer.
    tech, operator
        What is ranked: a configured technology; an operator or ``any``.
    candidates
        A file of candidate positions (besides the plan's unbuilt sites).
    grid_m
        Spacing (m) of candidate positions over uncovered populated places; None: none.
    planned
        Include the planned positions not yet built.
    max_sites, target_pct, budget_vnd, per_vnd
        See :func:`rank`.
    population, landcover
        Optional rasters on the province grid, as the coverage step reads them.
    cost_by_class
        Cost of a site by mast class (and ``colocate``), VND.
    costs_synthetic
        Whether any of these costs is an illustration rather than the province's price
        (default: whether they are the built-in :data:`COST_VND_BY_CLASS`).
    progress
        Called with a short text as the work advances.
    terrain, calibration
        The DEM on the province grid and the calibration the coverage step applies
        (:func:`ictgis.steps.coverage.model_inputs`); None: none.

    Raises
    ------
    DataError
        Without a BTS layer; on an unknown technology or operator; without any candidate.
    """
    from ictgis.workspace import siting_context

    say = progress or (lambda _text: None)
    if ws.bts is None:
        msg = t("coverage.error.no_bts", file=ws.config.path.name)
        raise DataError(msg)
    who = operator_of(operator, ws.bts, ws.config.operators)
    ctx = siting_context(ws)
    say(t("priorities.progress.baseline"))
    base = baseline(ws.bts, ws.communes, ws.config.coverage, tech=tech, operator=who,
                    population=population, landcover=landcover, terrain=terrain,
                    calibration=calibration)
    parts = [planned_candidates(ctx)] if planned else []
    excluded = []
    if candidates is not None:
        found, bad = file_candidates(ws, candidates)
        parts.append(found)
        excluded.append(bad)
    if grid_m is not None:
        parts.append(grid_candidates(base, grid_m))
    parts = [p for p in parts if len(p)]
    if not parts and not any(len(e) for e in excluded):
        msg = t("priorities.error.no_candidates")
        raise DataError(msg)
    say(t("priorities.progress.rules"))
    every = pd.concat(parts, ignore_index=True) if parts else planned_candidates(ctx)
    every = gpd.GeoDataFrame(every, geometry="geometry", crs=ws.communes.crs)
    sites, refused = appraise(every, ctx, ws.communes, tech=base.tech, operator=who,
                              cost_by_class=cost_by_class)
    say(t("priorities.progress.ranking", n=number(len(sites), 0)))
    left_out = pd.concat([e for e in [*excluded, refused] if len(e)] or [refused],
                         ignore_index=True)
    return rank(base, sites, ws.communes, excluded=left_out, max_sites=max_sites,
                target_pct=target_pct, budget_vnd=budget_vnd, per_vnd=per_vnd,
                costs_synthetic=(cost_by_class is COST_VND_BY_CLASS if costs_synthetic is None
                                 else costs_synthetic))


def with_selected(bts: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, ids: Sequence[str]
                  ) -> gpd.GeoDataFrame:
    """The BTS layer with sites of a ranking built: new masts added, co-locations applied.

    Parameters
    ----------
    bts
        The BTS layer.
    sites
        :attr:`Ranking.sites` (or :func:`appraise`'s sites).
    ids
        The sites to build (e.g. the first k candidates of the ranking).
    """
    chosen = sites[sites["id"].isin(list(ids)).to_numpy(bool)]
    out = bts.copy()
    moved = chosen[chosen["action"] == "colocate"]
    if len(moved):
        row = pd.Index(out["id"].astype(str)).get_indexer(moved["colocate_with"])
        ops = out["operators"].to_numpy(dtype=object).copy()
        techs = out["technologies"].to_numpy(dtype=object).copy()
        for r, new_ops, new_techs in zip(row, moved["operators"], moved["technologies"],
                                         strict=True):
            ops[r] = tuple(sorted({*ops[r], *new_ops}))
            techs[r] = tuple(sorted({*techs[r], *new_techs}))
        out["operators"], out["technologies"] = ops, techs
    new = chosen[chosen["action"] == "new"]
    added = gpd.GeoDataFrame({
        "id": new["id"].to_numpy(dtype=object), "operators": new["operators"].to_numpy(
            dtype=object), "technologies": new["technologies"].to_numpy(dtype=object),
        "mast_class": new["mast_class"].to_numpy(dtype=object),
        "height": new["height"].to_numpy(float), "commune": new["commune"].to_numpy(
            dtype=object), "urban": new["urban"].to_numpy(bool)},
        geometry=gpd.GeoSeries(new.geometry.array, crs=bts.crs), crs=bts.crs)
    return gpd.GeoDataFrame(pd.concat([out, added], ignore_index=True), geometry=bts.geometry.name,
                            crs=bts.crs)
