"""Load a workspace: read every layer, map fields, validate, reproject and build the admin model."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ictgis import admin, io, postal, siting, telecom, validate
from ictgis import crosswalk as crosswalk_
from ictgis import crs as crs_
from ictgis.config import CONFIG_NAME, ChecksConfig, Config, LayerConfig
from ictgis.crs import areas_km2, to_crs
from ictgis.errors import ConfigError, DataError, IctgisError
from ictgis.i18n import number, t
from ictgis.io import WHERE
from ictgis.parse import parse_coordinate, parse_number
from ictgis.text import NameMatcher, map_unique, same_name
from ictgis.threads import in_background
from ictgis.validate import texts

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: Key of a commune whose code is empty: ``NOCODE-<feature number>`` (the locator's number,
#: as in ``rejects/problems.csv``), so that its area and population still count.
NO_CODE_PREFIX = "NOCODE-"

#: Problem codes that ``strict`` refuses besides rejected rows.
STRICT_CODES = ("no_code",)

#: At most this many points are tried against each candidate CRS.
_CRS_SAMPLE = 2000


@dataclass(frozen=True)
class Workspace:
    """Every layer of a workspace, validated and in the working CRS.

    Attributes
    ----------
    config
        The configuration it was loaded from.
    communes
        One row per commune: ``code``, ``name``, ``kind``, ``urban``, ``zone``, ``district``
        and ``region`` (when configured), ``population``, ``area_km2``, geometry.
    post_offices
        Usable postal points: ``id``, ``name``, ``type`` (canonical), ``counted``, ``commune``
        (code of the commune it falls in), geometry.
    bts
        Usable BTS masts (``operators`` and ``technologies`` as tuples, ``commune``), or None.
    subscribers
        Subscriber counts by commune code or by district (see ``config.layers``), or None.
    zones
        Plan zones and buffered plan features (see :func:`load_zones`), or None.
    planned_sites
        Planned mast positions with their deviation radius (see :func:`load_planned`), or None.
    problems
        Every problem found, with its severity (rejected, repaired, warning).
    rejects
        Layer -> the rows that could not be used, with a ``problem`` column.
    crosswalk
        Former commune -> new commune (:mod:`ictgis.crosswalk`), when ``[layers.crosswalk]``
        is configured, else None.
    """

    config: Config
    communes: gpd.GeoDataFrame
    post_offices: gpd.GeoDataFrame
    bts: gpd.GeoDataFrame | None = None
    subscribers: pd.DataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    planned_sites: gpd.GeoDataFrame | None = None
    problems: pd.DataFrame = field(default_factory=validate.empty_problems)
    rejects: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    crosswalk: pd.DataFrame | None = None

    @property
    def tiers(self) -> int:
        """3 when the communes have a district level, else 2 (the structure from July 2025)."""
        return 3 if "district" in self.communes else 2


@dataclass(frozen=True)
class _Placed:
    """The postal points and masts placed in their communes (:func:`_place_layers`)."""

    posts: gpd.GeoDataFrame
    bts: gpd.GeoDataFrame | None
    problems: list[pd.DataFrame]
    rejects: dict[str, pd.DataFrame]


def _read_once(points: dict[str, ReadPoints], name: str, config: Config) -> ReadPoints:
    """:func:`read_points` of layer ``name``, kept in ``points`` (read there if not yet)."""
    if name not in points:
        points[name] = read_points(config.layers[name], config.crs)
    return points[name]


def _place_layers(config: Config, points: dict[str, ReadPoints],
                  communes: gpd.GeoDataFrame, crosswalk: pd.DataFrame | None,
                  step: Progress) -> _Placed:
    """Place the postal points and the masts (read into ``points`` once) in ``communes``."""
    problems, rejects = [], {}
    step("post offices")
    posts, found, rejected = place_points(_read_once(points, "post_offices", config), communes,
                                          checks=config.checks, crosswalk=crosswalk)
    types = postal.point_type(posts["type"], config.type_aliases)
    unknown = types.isna()
    if unknown.any():
        msg = texts("problems.posts.unknown_type", unknown, value=posts["type"].astype("string"),
                    known=", ".join(postal.POINT_TYPES))
        bad = validate.problems(posts, unknown, layer="post_offices",
                                file=config.layers["post_offices"].label,
                                severity="rejected", problem=msg, code="unknown_type")
        found = validate.concat([found, bad])
        rejected = pd.concat([rejected, _reject_rows(posts, unknown, msg)])
        posts, types = posts.loc[~unknown], types.loc[~unknown]
    posts = posts.assign(type=types, counted=types.isin(config.count_types))
    problems.append(found)
    rejects["post_offices"] = rejected

    bts = None
    if "bts" in config.layers:
        step("BTS")
        bts, found, rejected = place_points(_read_once(points, "bts", config), communes,
                                            checks=config.checks, crosswalk=crosswalk)
        bts, more, more_rejected = prepare_masts(bts, config.layers["bts"], communes,
                                                 config=config)
        problems += [found, more]
        rejects["bts"] = pd.concat([rejected, more_rejected])
    return _Placed(posts, bts, problems, rejects)


def load_workspace(config: Config, *, strict: bool = False,
                   progress: Progress | None = None) -> Workspace:
    """Read and validate every configured layer of a workspace.

    Parameters
    ----------
    config
        The workspace configuration.
    strict
        Refuse any rejected row and any commune kept under a generated key
        (:data:`NO_CODE_PREFIX`).
    progress
        Called with the name of each step, for a progress display.

    Raises
    ------
    DataError, LayerReadError, ConfigError
        When a layer as a whole cannot be used (missing file or column, no CRS or coordinates
        that cannot be in it, most points outside the province, unusable communes, unmapped
        district...). Problems of single points do not raise: the rows are rejected and
        listed in ``problems`` and ``rejects``.
    """
    with _collector_paused():
        return _load(config, strict=strict, progress=progress)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the layers are read; back as it was afterwards.

    Reading a national workspace allocates some 100,000 shapely geometries, which the
    collector tracks, and next to no reference cycles: about twice a load it walked the
    whole heap and freed nothing (0.1 s of the 1.7 s of the legacy country, measured with
    ``gc.callbacks``). What cycles there are go at the next collection after the load.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(config: Config, *, strict: bool, progress: Progress | None) -> Workspace:
    """:func:`load_workspace`, with the collector as it is."""
    step = progress or (lambda _name: None)
    crosswalk = None
    all_problems = []
    if "crosswalk" in config.layers:
        step("crosswalk")
        crosswalk, found = crosswalk_.read_crosswalk(config.layers["crosswalk"])
        all_problems.append(found)
    step("communes")
    read = read_communes(config, crosswalk=crosswalk)
    # overlaps and gaps are looked for (GEOS, without the GIL) while the point layers are read
    # and placed in the communes as read (pandas, with the GIL); in a layer with overlaps, the
    # points are placed again once they are resolved
    checking = in_background(check_coverage, read.polygons, file=read.file,
                             tolerance_pct=config.checks.overlap_tolerance_pct)
    communes, more = finish_communes(read, Coverage.assumed(read), config, crosswalk=crosswalk)
    points: dict[str, ReadPoints] = {}  # read once, placed once or twice
    placed = _place_layers(config, points, communes, crosswalk, step)
    coverage = checking.result()
    if coverage.communes is not read.polygons:
        communes, more = finish_communes(read, coverage, config, crosswalk=crosswalk)
        placed = _place_layers(config, points, communes, crosswalk, step)
    all_problems += [read.problems, coverage.problems, more, *placed.problems]
    posts, bts, rejects = placed.posts, placed.bts, dict(placed.rejects)

    subscribers = None
    if "subscribers" in config.layers:
        step("subscribers")
        subscribers = load_subscribers(config.layers["subscribers"], communes,
                                       crosswalk=crosswalk)

    zones = planned = None
    if {"zones", "plan_features"} & set(config.layers):
        step("plan zones")
        zones, found = load_zones(config)
        all_problems.append(found)
    if "planned_sites" in config.layers:
        step("planned sites")
        planned, found, rejected = load_planned(config, communes,
                                                read=_read_once(points, "planned_sites", config))
        all_problems.append(found)
        rejects["planned_sites"] = rejected

    found = validate.concat(all_problems)
    if strict:
        refused = (found["severity"] == "rejected") | found["code"].isin(STRICT_CODES)
        validate.raise_if_any(found[refused.to_numpy(bool)], what=t("errors.strict"))
    return Workspace(
        zones=zones, planned_sites=planned,
        config=config, communes=communes, post_offices=posts, bts=bts,
        subscribers=subscribers, problems=found,
        rejects={k: v for k, v in rejects.items() if not v.empty}, crosswalk=crosswalk,
    )


# ------------------------------------------------------------------------------- communes


def load_communes(config: Config, *, crosswalk: pd.DataFrame | None = None
                  ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read the commune layer and build the admin model (kind, zone, district, region, P, S).

    With ``[admin] tiers = 2`` (inferred when no district field is mapped) the communes have
    no district. With a ``crosswalk`` (:mod:`ictgis.crosswalk`), every commune gets the list
    of its former communes and districts; a commune layer of ``era = "former"`` is dissolved
    into the new communes (areas and populations summed), and regions may be given by former
    district (``region_by = "former_district"``).

    The three stages, :func:`read_communes`, :func:`check_coverage` and
    :func:`finish_communes`, one after the other (:func:`load_workspace` runs the coverage
    check beside the point layers).

    Returns
    -------
    tuple
        The communes in the working CRS, and the problems that were repaired.

    Raises
    ------
    DataError
        Listing every unusable commune (every commune is needed for S and P).
    """
    read = read_communes(config, crosswalk=crosswalk)
    coverage = check_coverage(read.polygons, tolerance_pct=config.checks.overlap_tolerance_pct,
                              file=read.file)
    communes, more = finish_communes(read, coverage, config, crosswalk=crosswalk)
    return communes, validate.concat([read.problems, coverage.problems, more])


@dataclass(frozen=True)
class ReadCommunes:
    """The commune layer read, its attributes checked, its polygons repaired (working CRS).

    What :func:`read_communes` gives :func:`check_coverage` and :func:`finish_communes`.
    """

    polygons: gpd.GeoDataFrame
    kinds: pd.Series
    problems: pd.DataFrame
    file: str
    #: Former polygons get a population table's figures after the dissolve, by new commune.
    late_population: bool
    #: ``[admin] tiers`` (:func:`_tiers`).
    tiers: int


@dataclass(frozen=True)
class Coverage:
    """What :func:`check_coverage` found of the commune polygons as a whole.

    Attributes
    ----------
    communes
        The polygons, with every overlap counted once (the same frame when none).
    problems
        One row per overlap removed and per gap between polygons.
    """

    communes: gpd.GeoDataFrame
    problems: pd.DataFrame

    @staticmethod
    def assumed(read: ReadCommunes) -> Coverage:
        """No overlap, the usual case (gaps do not change the communes).

        What :func:`finish_communes` may start from before :func:`check_coverage` answers.
        """
        return Coverage(read.polygons, validate.empty_problems())


def read_communes(config: Config, *, crosswalk: pd.DataFrame | None = None) -> ReadCommunes:
    """Read the commune layer, check every commune's attributes and repair its polygon.

    Raises
    ------
    DataError
        Listing every unusable commune.
    """
    cfg = config.layers["communes"]
    tiers = _tiers(config)
    raw = io.map_fields(io.read_layer(cfg), cfg)
    if not isinstance(raw, gpd.GeoDataFrame):
        msg = t("errors.workspace.communes_not_polygons")
        raise DataError(msg, file=cfg.label)
    file = cfg.label
    _check_communes_crs(raw, config)
    gdf = raw.copy()
    gdf["code"] = gdf["code"].astype("string").str.strip()
    gdf, no_code = _key_without_code(gdf, file)
    gdf["name"] = gdf["name"].astype("string").str.strip()
    kinds = admin.commune_kind(gdf.get("kind"), gdf["name"])
    for unit in ("district", "province"):
        if unit in gdf:
            gdf[unit] = gdf[unit].astype("string").str.strip()

    checks: list[tuple[pd.Series, str | pd.Series]] = [
        (validate.blank(gdf["name"]), t("problems.communes.no_name")),
        (kinds.isna(), t("problems.communes.no_kind")),
        (pd.Series(shapely.is_missing(gdf.geometry.array) | shapely.is_empty(gdf.geometry.array),
                   index=gdf.index), t("problems.empty_geometry")),
        (~gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]) & gdf.geometry.notna(),
         t("problems.not_polygon")),
    ]
    if "district" in gdf:
        checks.append((validate.blank(gdf["district"]), t("problems.communes.no_district")))
    if "province" in gdf:
        checks.append((validate.blank(gdf["province"]), t("problems.communes.no_province")))
    dup = validate.duplicated_ids(gdf, "code", "problems.communes.duplicate_code")
    checks.append((dup.notna(), dup))
    late_population = (cfg.era == "former" and crosswalk is not None
                       and "population" not in gdf.columns)
    if not late_population:
        gdf, population_checks = _attach_population(gdf, config, crosswalk)
        checks += population_checks

    fatal = validate.concat([
        validate.problems(gdf, mask, layer="communes", file=file, severity="rejected",
                          problem=problem)
        for mask, problem in checks
    ])
    validate.raise_if_any(fatal, what=t("errors.unusable", file=file))
    gdf, repaired = validate.repair_polygons(gdf, layer="communes", file=file)
    return ReadCommunes(to_crs(gdf, config.crs), kinds, validate.concat([no_code, repaired]),
                        file, late_population, tiers)


def check_coverage(polygons: gpd.GeoDataFrame, *, tolerance_pct: float, file: str) -> Coverage:
    """Overlaps (counted once) and gaps of the commune polygons: GEOS, without the GIL."""
    clean = validate.is_coverage(polygons)  # no overlap: the usual case, checked once
    resolved, overlaps = validate.resolve_overlaps(polygons, tolerance_pct=tolerance_pct,
                                                   layer="communes", file=file, clean=clean)
    gaps = validate.find_gaps(resolved, tolerance_pct=tolerance_pct, layer="communes",
                              file=file, clean=clean)
    return Coverage(resolved, validate.concat([overlaps, gaps]))


def finish_communes(read: ReadCommunes, coverage: Coverage, config: Config, *,
                    crosswalk: pd.DataFrame | None = None
                    ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Areas, zones, regions and former units of the communes of ``coverage``.

    Returns
    -------
    tuple
        The communes (the columns of :class:`Workspace`), and the problems found here (the
        crosswalk's).

    Raises
    ------
    DataError
        For an official area that is not a positive number, or former communes the
        crosswalk cannot place.
    """
    cfg, file, kinds = config.layers["communes"], read.file, read.kinds
    gdf = coverage.communes.copy()
    # a national layer spans several TM-3 zones: areas on the ellipsoid
    computed = (areas_km2(gdf) if "province" in gdf else gdf.geometry.area.to_numpy() / 1e6)
    gdf["area_computed_km2"] = computed
    if "area_km2" in gdf:
        official = parse_number(gdf["area_km2"])
        bad = official.isna() | (official <= 0)
        validate.raise_if_any(
            validate.problems(gdf, bad, layer="communes", file=file, severity="rejected",
                              problem=texts("problems.communes.bad_area", bad,
                                            value=gdf["area_km2"].astype("string"))),
            what=t("errors.unusable", file=file),
        )
        gdf["area_km2"] = official
        gdf["area_source"] = "field"
    elif config.official_area_km2:
        gdf["area_km2"] = computed * config.official_area_km2 / computed.sum()
        gdf["area_source"] = "computed, scaled to official total"
    else:
        gdf["area_km2"] = computed
        gdf["area_source"] = "computed"

    gdf["kind"] = kinds
    more = validate.empty_problems()
    if crosswalk is not None:
        gdf, more, crosswalk = _rebase_communes(gdf, crosswalk, cfg,
                                                config.layers["crosswalk"].label)
        kinds = gdf["kind"]
        if read.late_population:
            gdf, population_checks = _attach_population(gdf, config, crosswalk)
            validate.raise_if_any(validate.concat([
                validate.problems(gdf, mask, layer="communes", file=file, severity="rejected",
                                  problem=problem) for mask, problem in population_checks]),
                what=t("errors.unusable", file=file))
    if read.tiers == 2:
        gdf = gdf.drop(columns="district", errors="ignore")
    gdf["urban"] = kinds.isin(config.urban_kinds).to_numpy()
    gdf["zone"] = admin.zone_id(gdf["urban"])
    if config.regions:
        gdf["region"] = _regions(gdf, config, crosswalk, file=file)
    if "province" in gdf:
        gdf["macro_region"] = admin.macro_regions(gdf["province"], config.macro_regions,
                                                  file=file)
    keep = [c for c in ("code", "name", "kind", "urban", "zone", "province", "macro_region",
                        "district", "region",
                        *crosswalk_.FORMER_COLUMNS, "population", "area_km2",
                        "area_computed_km2", "area_source", WHERE)
            if c in gdf]
    return gdf[[*keep, "geometry"]].reset_index(drop=True), more


def _tiers(config: Config) -> int:
    """``[admin] tiers``, or 3 when the commune layer maps a district field (current era)."""
    cfg = config.layers["communes"]
    inferred = 3 if "district" in cfg.fields and cfg.era == "current" else 2
    tiers = config.tiers or inferred
    if tiers == 3 and inferred == 2:
        msg = t("admin.error.three_tiers", config=config.path.name, file=cfg.label)
        raise ConfigError(msg)
    return tiers


def _rebase_communes(gdf: gpd.GeoDataFrame, crosswalk: pd.DataFrame, cfg: LayerConfig,
                     crosswalk_file: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """The communes with their former communes and districts (``era = "former"``: dissolved).

    Returns
    -------
    tuple
        The communes, warnings, and the crosswalk with the former names and districts the
        former polygons give where it has none.
    """
    found = validate.empty_problems()
    if cfg.era == "former":
        own = gdf.set_index("code")
        former = crosswalk["former_code"]
        crosswalk = crosswalk.assign(
            former_name=crosswalk["former_name"].fillna(former.map(own["name"])),
            former_district=crosswalk["former_district"].fillna(
                former.map(own["district"]) if "district" in own else pd.NA))
        gdf, found = crosswalk_.dissolve(gdf, crosswalk, file=cfg.label)
        gdf["name"] = gdf["name"].astype("string")
        gdf["kind"] = admin.commune_kind(gdf["kind"], gdf["name"])
        unknown = gdf["kind"].isna()
        validate.raise_if_any(validate.problems(
            gdf, unknown, layer="communes", file=cfg.label, severity="rejected",
            problem=t("problems.communes.no_kind")), what=t("errors.unusable", file=cfg.label))
        gdf["area_source"] = "former communes"
    crosswalk_.check_targets(crosswalk, gdf["code"], file=crosswalk_file)
    lists = crosswalk_.former_lists(crosswalk)
    gdf = gdf.join(lists, on="code")
    for col in crosswalk_.FORMER_COLUMNS:
        gdf[col] = gdf[col].fillna("")
    return gdf, found, crosswalk


def _regions(gdf: gpd.GeoDataFrame, config: Config, crosswalk: pd.DataFrame | None, *,
             file: str) -> pd.Series:
    """The economic region of every commune, from [regions] and ``[admin] region_by``."""
    unit = config.region_by
    if unit == "commune":
        return admin.assign_regions(gdf["name"], config.regions, file=file, unit=unit)
    if "district" in gdf:
        return admin.assign_regions(gdf["district"], config.regions, file=file, unit=unit)
    if crosswalk is None:
        two_tiers = "district" in config.layers["communes"].fields
        msg = t("errors.workspace.regions_two_tiers" if two_tiers
                else "errors.workspace.regions_need_district", config=config.path.name)
        raise DataError(msg)
    # two tiers: the districts are the former districts of the crosswalk (DOMAIN.md §3, §7)
    rows = crosswalk[crosswalk["code"].isin(gdf["code"])]
    label = config.layers["crosswalk"].label
    region = admin.assign_regions(rows["former_district"], config.regions, file=label,
                                  unit="district")
    return admin.regions_of_units(gdf["code"], rows["code"], region, names=gdf["name"],
                                  file=label)


def _key_without_code(gdf: gpd.GeoDataFrame, file: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Give communes with an empty code the key ``NOCODE-<feature number>``, with a warning."""
    empty = validate.blank(gdf["code"])
    if not empty.any():
        return gdf, validate.empty_problems()
    number_of = gdf[WHERE].astype("string").str.extract(r"(\d+)\s*$", expand=False)
    keys = (NO_CODE_PREFIX + number_of.fillna(pd.Series(gdf.index.astype(str), index=gdf.index)))
    out = gdf.assign(code=gdf["code"].where(~empty, keys))
    found = validate.problems(out, empty, layer="communes", file=file, severity="warning",
                              problem=validate.texts("problems.communes.no_code_key", empty,
                                                     key=keys),
                              code="no_code")
    return out, found


def _check_communes_crs(raw: gpd.GeoDataFrame, config: Config) -> None:
    """Stop when the commune layer's coordinates cannot be in its CRS, naming one that fits.

    The coordinates cannot be in the declared CRS when they are not finite, beyond ±180°/±90°
    in a geographic CRS, or nowhere in Vietnam (:data:`ictgis.crs.VIETNAM_BOUNDS`). The CRS
    suggested is the candidate (:data:`ictgis.crs.CANDIDATE_CRS`) that puts most postal
    points and masts inside the communes.
    """
    if raw.crs is None or raw.empty:
        return
    xy = shapely.get_coordinates(raw.geometry.array)
    if not len(xy):
        return
    sample = xy[np.linspace(0, len(xy) - 1, min(len(xy), 10 * _CRS_SAMPLE)).astype(int)]
    impossible = crs_.impossible(sample[:, 0], sample[:, 1], raw.crs)
    if not impossible.any() and crs_.in_vietnam(sample[:, 0], sample[:, 1], raw.crs).any():
        return
    cfg = config.layers["communes"]
    points = _reference_points(config)
    polygons = np.asarray(raw.geometry.array, dtype=object)

    def _score(candidate: object) -> float:
        if points is None:
            return 0.0
        moved = gpd.GeoSeries(polygons, crs=candidate)
        try:
            with np.errstate(all="ignore"):
                metric = to_crs(gpd.GeoDataFrame(geometry=moved), config.crs).geometry.array
        except Exception:  # noqa: BLE001 - a candidate that cannot be applied does not fit
            return 0.0
        return _share_inside(points, metric)

    tried = [c for c in crs_.candidates() if not c.equals(raw.crs)]
    fit = crs_.best_fit(tried, _score, minimum=0.5)
    params: dict[str, Any] = {"declared": crs_.label(raw.crs), "config": CONFIG_NAME,
              "x": _span(sample[:, 0]), "y": _span(sample[:, 1])}
    if fit is not None:
        msg = t("errors.crs.communes_look_like", suggested=crs_.label(fit), code=crs_.code(fit),
                **params)
    else:
        msg = t("errors.crs.communes_impossible", **params)
    raise DataError(msg, file=cfg.label)


def _span(values: np.ndarray) -> str:
    """``590000–620000`` or ``106.574–106.848``: the range of coordinates, as read."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return "?"
    low, high = finite.min(), finite.max()
    return "–".join(f"{v:.0f}" if abs(v) >= 1e4 else f"{v:.6g}" for v in (low, high))


def _reference_points(config: Config) -> np.ndarray | None:
    """Postal points and masts that can be read, in the working CRS (a sample), or None."""
    found = []
    for name in ("post_offices", "bts"):
        if name not in config.layers:
            continue
        cfg = config.layers[name]
        try:
            frame = io.map_fields(io.read_layer(cfg), cfg)
            gdf, problem = _points_geometry(frame, cfg)
            gdf = gdf.loc[problem.isna().to_numpy() & gdf.geometry.notna().to_numpy()]
            if gdf.crs is None or gdf.empty:
                continue
            xy = shapely.get_coordinates(gdf.geometry.array)
            gdf = gdf.loc[~crs_.impossible(xy[:, 0], xy[:, 1], gdf.crs)]
            with np.errstate(all="ignore"):
                found.append(np.asarray(to_crs(gdf, config.crs).geometry.array))
        except (IctgisError, OSError, ValueError):
            continue
    points = np.concatenate(found) if found else np.array([], dtype=object)
    if not len(points):
        return None
    return points[np.linspace(0, len(points) - 1, min(len(points), _CRS_SAMPLE)).astype(int)]


def _share_inside(points: np.ndarray, polygons: np.ndarray) -> float:
    """Share of ``points`` that fall in any of ``polygons`` (same CRS)."""
    points = np.asarray(points, dtype=object)
    points = points[~shapely.is_missing(points)]
    points = points[np.isfinite(shapely.get_coordinates(points)).all(axis=1)]
    polygons = np.asarray(polygons, dtype=object)
    if not len(points):
        return 0.0
    polygons = polygons[~shapely.is_missing(polygons)]
    polygons = polygons[np.isfinite(shapely.bounds(polygons)).all(axis=1)]
    if not len(polygons):
        return 0.0
    _, inside = shapely.STRtree(points).query(polygons, predicate="intersects")
    return len(np.unique(inside)) / len(points)


def _attach_population(gdf: gpd.GeoDataFrame, config: Config,
                       crosswalk: pd.DataFrame | None = None
                       ) -> tuple[gpd.GeoDataFrame, list[tuple[pd.Series, str | pd.Series]]]:
    """Population from the commune layer's field or from a separate table.

    A table of ``era = "former"`` is re-based onto the new communes through the crosswalk
    (with former commune polygons, after their dissolve: the figures do not depend on which
    former communes have a polygon).
    """
    if "population" in gdf.columns:
        pop = parse_number(gdf["population"], integer=True)
        text = gdf["population"].astype("string")
        bad = pop.isna() | (pop < 0)
        out = gdf.assign(population=pop)
        return out, [(bad, texts("problems.population.bad", bad,
                                 value=text.fillna(t("problems.empty"))))]
    if "population" not in config.layers:
        msg = t("errors.workspace.no_population", config=config.path.name)
        raise DataError(msg)
    cfg = config.layers["population"]
    if cfg.era == "former" and cfg.by != "code":
        msg = t("errors.workspace.population_era", config=config.path.name, file=cfg.label)
        raise ConfigError(msg)
    pop = join_population(gdf, cfg, crosswalk=crosswalk if cfg.era == "former" else None)
    return gdf.assign(population=pop), [(pop.isna(), t("problems.population.no_row"))]


def join_population(communes: pd.DataFrame, cfg: LayerConfig, *,
                    crosswalk: pd.DataFrame | None = None) -> pd.Series:
    """Population of each commune from a table joined by code or by district + name.

    Table rows that match no commune, or several, raise one :class:`DataError` listing them
    (real boundaries and census lists often come from different years). Communes with no
    table row get NA; the caller reports them. With a ``crosswalk``, the table is by former
    commune code: each row must have a crosswalk row, and the populations are summed onto
    the new communes (divided communes split by share, totals exact).

    Returns
    -------
    pandas.Series
        Population aligned with ``communes``.
    """
    table = io.map_fields(io.read_layer(cfg), cfg)
    values = parse_number(table["population"], integer=True)
    bad = values.isna() | (values < 0)
    validate.raise_if_any(
        validate.problems(table, bad, layer="population", file=cfg.label, severity="rejected",
                          problem=texts("problems.population.bad", bad,
                                        value=table["population"].astype("string"))),
        what=t("errors.unusable", file=cfg.label),
    )
    if crosswalk is not None:
        keys = table["code"].astype("string").str.strip()
        validate.raise_if_any(validate.concat([
            crosswalk_.check_former_codes(table, keys, crosswalk, layer="population",
                                          file=cfg.label),
            validate.problems(table, keys.duplicated(keep=False), layer="population",
                              file=cfg.label, severity="rejected",
                              problem=texts("problems.population.several",
                                            keys.duplicated(keep=False), commune=keys))]),
            what=t("errors.population_rows"))
        rebased = crosswalk_.rebase(pd.DataFrame({"population": values.to_numpy()},
                                                 index=keys.to_numpy()), crosswalk)
        return communes["code"].map(rebased["population"])
    if cfg.by == "code":
        keys = table["code"].astype("string").str.strip()
        target = communes["code"]
        matched = keys.where(keys.isin(target))
    else:
        matched = _match_by_name(table, communes)
    problems = validate.problems(
        table, matched.isna(), layer="population", file=cfg.label, severity="rejected",
        problem=t("problems.population.no_commune"),
    )
    repeated = matched.duplicated(keep=False) & matched.notna()
    problems = validate.concat([problems, validate.problems(
        table, repeated, layer="population", file=cfg.label, severity="rejected",
        problem=texts("problems.population.several", repeated,
                      commune=matched.astype("string")),
    )])
    validate.raise_if_any(problems, what=t("errors.population_rows"))
    by_code = pd.Series(values.to_numpy(), index=matched.to_numpy())
    return communes["code"].map(by_code)


def _match_by_name(table: pd.DataFrame, communes: pd.DataFrame) -> pd.Series:
    """Commune code of each table row, matching district (if both have one) and name."""
    out = pd.Series(pd.NA, index=table.index, dtype="string")
    use_district = "district" in table and "district" in communes
    if use_district:
        district_of = NameMatcher(communes["district"].dropna())
        districts = table["district"].map(district_of.match)
    groups = communes.groupby("district") if use_district else [(None, communes)]
    for district, members in groups:
        matcher = NameMatcher(members["name"])
        code_of = dict(zip(members["name"], members["code"], strict=True))
        rows = table.index if district is None else table.index[districts == district]
        names = table.loc[rows, "name"].map(matcher.match)
        out.loc[rows] = names.map(code_of).astype("string")
    return out


# --------------------------------------------------------------------------------- points


def load_points(cfg: LayerConfig, communes: gpd.GeoDataFrame, work_crs: str, *,
                checks: ChecksConfig | None = None, crosswalk: pd.DataFrame | None = None
                ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Read a point layer, put it in the working CRS and locate every point in its commune.

    Rows are rejected (and reported) when the id is empty or repeated, the coordinates do
    not parse, the point falls in no commune, or lat/lon (or easting/northing) look swapped.
    A point whose stated commune differs from the one it falls in is kept, with a warning.

    Parameters
    ----------
    cfg
        The layer.
    communes
        The communes, in ``work_crs``.
    work_crs
        The working CRS.
    checks
        With ``max_outside_pct``: when more than that share of the rows whose coordinates
        could be read falls outside the province, the layer stops (see :class:`DataError`).
    crosswalk
        For a layer of ``era = "former"``: the commune written in the data is a former
        commune, compared with the one the point falls in through its successor.

    Returns
    -------
    tuple
        Usable points (with ``commune`` = code), problems, and the rejected rows.

    Raises
    ------
    DataError
        When most points fall outside the province: the message names the CRS (WGS 84 or a
        VN-2000 zone of the province) in which they would fall inside, when one does.
    """
    return place_points(read_points(cfg, work_crs), communes, checks=checks,
                        crosswalk=crosswalk)


@dataclass(frozen=True)
class ReadPoints:
    """A point layer read, its rows checked and put in the working CRS, not yet located.

    What :func:`load_points` does before it needs the communes (:func:`read_points`): a
    layer read once can be placed in the communes as read, and again once their overlaps are
    resolved (:func:`place_points` leaves it unchanged).
    """

    cfg: LayerConfig
    frame: pd.DataFrame
    raw: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    reasons: _Reasons


def read_points(cfg: LayerConfig, work_crs: str) -> ReadPoints:
    """Read a point layer, check ids and coordinates, and put it in ``work_crs``.

    The first half of :func:`load_points`; :func:`place_points` is the second.
    """
    frame = io.map_fields(io.read_layer(cfg), cfg)
    if "id" not in frame:  # a layer without ids (measurements): rows are named by where
        frame["id"] = frame[io.WHERE]
    frame["id"] = frame["id"].astype("string").str.strip()
    gdf, coord_problem = _points_geometry(frame, cfg)
    reasons = _Reasons(gdf.index)
    reasons.add(coord_problem.notna(), coord_problem, "coordinates")
    reasons.add(gdf["id"].fillna("") == "", t("problems.points.no_id"), "no_id")  # stripped
    duplicated = validate.duplicated_ids(gdf).astype("string")
    reasons.add(duplicated.notna(), duplicated, "duplicate_id")
    with np.errstate(all="ignore"):
        moved = to_crs(gdf, work_crs)
    return ReadPoints(cfg, frame, gdf, moved, reasons)


def place_points(read: ReadPoints, communes: gpd.GeoDataFrame, *,
                 checks: ChecksConfig | None = None, crosswalk: pd.DataFrame | None = None
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Locate the points of :func:`read_points` in their communes: the rest of :func:`load_points`.

    Returns and raises as :func:`load_points`.
    """
    cfg, frame, raw, gdf = read.cfg, read.frame, read.raw, read.points
    reasons = read.reasons.copy()  # ``read`` is left as it was: it may be placed again
    file, layer = cfg.label, cfg.name
    raw_points = np.asarray(raw.geometry.array, dtype=object)  # as read: a CRS diagnosis
    ok = reasons.text.isna()
    located = pd.Series(pd.NA, index=gdf.index, dtype="string")
    located.loc[ok] = admin.locate(gdf.loc[ok], communes)
    lost = ok & located.isna()
    if lost.any():
        with np.errstate(all="ignore"):
            swapped = to_crs(_swap_xy(raw.loc[lost]), gdf.crs)
        swapped_in = pd.Series(False, index=gdf.index)
        swapped_in.loc[lost] = admin.locate(swapped, communes).notna()
        hint = t("problems.points.swapped_xy" if "easting" in cfg.fields
                 else "problems.points.swapped_lonlat")
        reasons.add(lost & swapped_in, hint, "swapped")
        reasons.add(lost & ~swapped_in, t("problems.points.outside"), "outside")
        outside = int((lost & ~swapped_in).sum())
        if checks is not None and outside > checks.max_outside_pct / 100 * int(ok.sum()):
            _raise_points_crs(raw_points[ok.to_numpy(bool)], raw.crs, cfg, communes,
                              n=outside, total=int(ok.sum()), limit=checks.max_outside_pct)
    gdf = gdf.assign(commune=located)

    bad = reasons.text.notna()
    found = validate.problems(gdf, bad, layer=layer, file=file, severity="rejected",
                              problem=reasons.text, code=reasons.code)
    rejected = _reject_rows(gdf, bad, reasons.text)
    kept = gdf.loc[~bad].copy()
    if "commune" in cfg.fields:
        successors = crosswalk if cfg.era == "former" else None
        kept, mismatched = _check_stated_commune(kept, frame.loc[kept.index, "commune"],
                                                 communes, layer=layer, file=file,
                                                 crosswalk=successors)
        found = validate.concat([found, mismatched])
    return kept, found, rejected


def _raise_points_crs(raw: np.ndarray, declared: CRS | None, cfg: LayerConfig,
                      communes: gpd.GeoDataFrame, *, n: int, total: int, limit: float) -> None:
    """Stop on a point layer that mostly falls outside, naming the CRS that would fit.

    ``raw`` holds the points whose coordinates could be read, as read (in ``declared``).
    WGS 84 and the VN-2000 zones whose area of use holds the province are tried; one fits
    when most points fall inside the communes.
    """
    raw = raw[np.linspace(0, len(raw) - 1, min(len(raw), _CRS_SAMPLE)).astype(int)]
    west, south, east, north = communes.total_bounds
    lon, lat = crs_.transform_xy(np.array([(west + east) / 2]), np.array([(south + north) / 2]),
                                 communes.crs, 4326)
    polygons = np.asarray(communes.geometry.array, dtype=object)

    def _score(candidate: object) -> float:
        with np.errstate(all="ignore"):
            moved = to_crs(gpd.GeoDataFrame(geometry=gpd.GeoSeries(raw, crs=candidate)),
                           communes.crs)
        return _share_inside(np.asarray(moved.geometry.array, dtype=object), polygons)

    tried = [c for c in crs_.candidates((float(lon[0]), float(lat[0])))
             if declared is None or not c.equals(declared)]
    fit = crs_.best_fit(tried, _score, minimum=0.5)
    params: dict[str, Any] = {
        "n": n, "total": total, "layer": cfg.name, "config": CONFIG_NAME,
        "declared": crs_.label(declared) if declared is not None else t("errors.crs.none")}
    if fit is not None:
        msg = t("errors.crs.points_look_like", suggested=crs_.label(fit), code=crs_.code(fit),
                **params)
    else:
        msg = t("errors.crs.points_outside", limit=number(limit, 0), **params)
    raise DataError(msg, file=cfg.label)


class _Reasons:
    """The first reason (text and code) for rejecting each row."""

    def __init__(self, index: pd.Index) -> None:
        self.text = pd.Series(pd.NA, index=index, dtype="string")
        self.code = pd.Series(pd.NA, index=index, dtype="string")

    def copy(self) -> _Reasons:
        """The same reasons, to add to without changing these."""
        out = _Reasons(self.text.index)
        out.text, out.code = self.text.copy(), self.code.copy()
        return out

    def add(self, mask: pd.Series, text: str | pd.Series, code: str) -> None:
        new = mask.to_numpy(bool) & self.text.isna().to_numpy()
        values = text.loc[new] if isinstance(text, pd.Series) else text
        self.text.loc[new] = values
        self.code.loc[new] = code


def _points_geometry(frame: pd.DataFrame, cfg: LayerConfig
                     ) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Point geometry from a vector layer or from coordinate columns, and coordinate problems."""
    if isinstance(frame, gpd.GeoDataFrame) and not {"lon", "easting"} & set(cfg.fields):
        gdf = frame.copy()
        geoms = gdf.geometry.array
        single = shapely.get_num_geometries(geoms) == 1
        gdf = gdf.set_geometry(
            gpd.GeoSeries(np.where(single, shapely.get_geometry(geoms, 0), geoms),
                          index=gdf.index, crs=gdf.crs))
        is_point = gdf.geometry.geom_type == "Point"
        problem = pd.Series(t("problems.empty_geometry"), index=gdf.index, dtype="string").where(
            gdf.geometry.isna() | gdf.geometry.is_empty)
        problem = problem.fillna(texts("problems.points.not_point", ~is_point,
                                       geom_type=gdf.geometry.geom_type.astype("string")))
        return gdf, problem
    xcol, ycol = ("easting", "northing") if "easting" in cfg.fields else ("lon", "lat")
    if xcol not in frame:
        msg = t("errors.workspace.no_coordinates", layer=cfg.name)
        raise DataError(msg, file=cfg.label)
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    if xcol == "lon":
        x, y = parse_coordinate(table["lon"]), parse_coordinate(table["lat"])
    else:
        x, y = parse_number(table["easting"]), parse_number(table["northing"])
    bad = x.isna() | y.isna()
    rows, empty = bad.to_numpy(bool), t("problems.empty")  # the cells of the rows it names
    text = texts("problems.points.bad_coordinates", bad,
                 x=table.loc[rows, xcol].astype("string").replace("", empty),
                 y=table.loc[rows, ycol].astype("string").replace("", empty))
    crs = cfg.crs or "EPSG:4326"
    # one (n, 2) array: a third faster than x and y apart
    geoms = shapely.points(np.column_stack([x.fillna(0).to_numpy(), y.fillna(0).to_numpy()]))
    geoms[bad.to_numpy()] = None
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, index=table.index), crs=crs)
    return gdf, text


def _swap_xy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same points with x and y exchanged (to recognise swapped lat/lon)."""
    swapped = shapely.transform(gdf.geometry.array, lambda c: c[:, ::-1])
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(swapped, index=gdf.index), crs=gdf.crs)


def _check_stated_commune(points: gpd.GeoDataFrame, stated: pd.Series,
                          communes: gpd.GeoDataFrame, *, layer: str, file: str,
                          crosswalk: pd.DataFrame | None = None
                          ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Warn where the commune written in the data differs from where the point falls.

    With a ``crosswalk`` the written commune is a former one: its successor is compared.
    """
    names = communes.set_index("code")["name"]
    where_name = points["commune"].map(names)
    stated = stated.astype("string").fillna("").str.strip()
    same_code = stated == points["commune"]
    if crosswalk is not None:
        same_code = same_code | (crosswalk_.successor(stated, crosswalk) == points["commune"]
                                 ).fillna(False).astype(bool)
    where_name = where_name.astype("string")
    # the same text is the same name: the name matcher only for the others
    differs = ((stated != "") & ~same_code & (stated != where_name).fillna(True)).astype(bool)
    if differs.any():
        differs[differs] = ~same_name(stated[differs], where_name[differs])
    msg = texts("problems.points.commune_mismatch", differs, stated=stated,
                name=where_name.astype("string"), code=points["commune"])
    points = points.assign(stated_commune=stated)
    return points, validate.problems(points, differs, layer=layer, file=file,
                                     severity="warning", problem=msg, code="commune_mismatch")


def _reject_rows(frame: pd.DataFrame, mask: pd.Series, reason: pd.Series) -> pd.DataFrame:
    rows = pd.DataFrame(frame.loc[mask.to_numpy()].drop(columns="geometry", errors="ignore"))
    return rows.assign(problem=reason.loc[mask.to_numpy()].to_numpy())


def prepare_masts(bts: gpd.GeoDataFrame, cfg: LayerConfig, communes: gpd.GeoDataFrame, *,
                  config: Config | None = None
                  ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Parse operators, technologies and heights of masts (BTS or proposals); add ``urban``.

    Operators are matched with the alias table (:func:`ictgis.telecom.operator_aliases`,
    extended by ``[operators]``). A name that matches no operator never becomes one: a mast
    with no recognised operator is rejected (what it carries is unknown, so it cannot be
    counted); a mast with a recognised operator beside an unknown name is kept with its
    recognised operators and a warning. A height that is not a number is a warning (the
    mast is kept, its height unknown); a height outside ``[checks]`` min/max_mast_height_m
    is rejected.
    """
    checks = config.checks if config is not None else ChecksConfig()
    aliases = telecom.operator_aliases(config.operators if config is not None else None)
    out = bts.copy()
    out["urban"] = out["commune"].map(communes.set_index("code")["urban"]).fillna(False)
    out["urban"] = out["urban"].astype(bool)
    written = out["operators"]
    out["operators"], unknown = telecom.match_operators(written, aliases)
    techs = out["technologies"] if "technologies" in out else pd.Series(None, index=out.index)
    out["technologies"] = telecom.split_values(techs, telecom.TECHNOLOGIES)
    reasons = _Reasons(out.index)
    has_unknown = map_unique(unknown, bool)  # tuples: empty or not
    no_ops = ~map_unique(out["operators"], bool)
    names = map_unique(unknown, "; ".join).astype("string")
    reasons.add(no_ops & has_unknown, validate.texts("problems.masts.unknown_operator",
                                                     no_ops & has_unknown, value=names),
                "unknown_operator")
    reasons.add(no_ops, t("problems.masts.no_operator"), "no_operator")
    problems = []
    warn = has_unknown & ~no_ops
    problems.append(validate.problems(
        out, warn, layer=cfg.name, file=cfg.label, severity="warning", code="unknown_operator",
        problem=validate.texts("problems.masts.unknown_operator_kept", warn, value=names)))
    if "height" in out:
        written_height = out["height"]
        height = parse_number(written_height)
        bad = height.isna()
        bad[bad] = ~validate.blank(written_height[bad])  # the text only where no number
        problems.append(validate.problems(
            out, bad, layer=cfg.name, file=cfg.label, severity="warning",
            problem=validate.texts("problems.masts.bad_height", bad,
                                   value=written_height[bad].astype("string")), code="bad_height"))
        low, high = checks.min_mast_height_m, checks.max_mast_height_m
        implausible = (height < low) | (height > high)
        reasons.add(implausible, validate.texts(
            "problems.masts.implausible_height", implausible,
            value=written_height[implausible].astype("string").str.strip(),
            low=number(low, 0), high=number(high, 0)), "implausible_height")
        out["height"] = height.where(~bad)
    refused = reasons.text.notna()
    problems.insert(0, validate.problems(out, refused, layer=cfg.name, file=cfg.label,
                                         severity="rejected", problem=reasons.text,
                                         code=reasons.code))
    for column in ("azimuth", "beamwidth"):
        if column in out:  # "0;120;240": one value per sector
            out[column] = map_unique(out[column].astype("string"), _numbers)
    rejected = _reject_rows(out.assign(operators=written), refused, reasons.text)
    return out.loc[~refused], validate.concat(problems), rejected


def _numbers(cell: object) -> tuple[float, ...]:
    parts = [p for p in str(cell).replace(",", ";").replace("/", ";").split(";") if p.strip()]
    values = pd.to_numeric(pd.Series(parts, dtype="string").str.strip(), errors="coerce")
    return tuple(float(v) for v in values.dropna())


# ------------------------------------------------------------------------------- the plan


def load_zones(config: Config) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Plan zones and buffered plan features as one polygon layer in the working CRS.

    Returns
    -------
    tuple
        Zones (``id``, ``name``, ``zone_class`` in :data:`ictgis.siting.ZONE_CLASSES`,
        ``allowed_classes`` tuples, ``max_height``, ``source``), and repaired problems.

    Raises
    ------
    DataError
        Listing every zone with an unknown class, an unknown mast class in its list or a
        height that is not a number, and every feature without a positive buffer.
    """
    known = config.siting.mast_classes
    parts, found = [], []
    if "zones" in config.layers:
        cfg = config.layers["zones"]
        zones = _polygons(cfg, config.crs)
        zones, repaired = validate.repair_polygons(zones, layer="zones", file=cfg.label)
        found.append(repaired)
        allowed = siting.split_classes(zones.get("allowed_classes", pd.Series("", index=zones.index)),
                                       known)
        bad_class = allowed.map(lambda a: [c for c in a if c not in known])
        height = parse_number(zones["max_height"]) if "max_height" in zones else pd.Series(
            np.nan, index=zones.index)
        zones = zones.assign(allowed_classes=allowed, max_height=height, source="zone")
        unknown = bad_class.map(len) > 0
        _raise_zone_problems(zones, cfg, [
            (unknown, texts("problems.zones.unknown_mast_class", unknown,
                            classes=bad_class.map(", ".join), known=", ".join(known))),
            (height.isna() & ~validate.blank(zones.get("max_height", pd.Series("", index=zones.index))),
             t("problems.zones.bad_height")),
        ])
        parts.append(zones)
    if "plan_features" in config.layers:
        cfg = config.layers["plan_features"]
        features = _polygons(cfg, config.crs, polygons_only=False)
        buffer = parse_number(features["buffer"])
        bad = buffer.isna() | (buffer <= 0)
        _raise_zone_problems(features, cfg, [
            (bad, texts("problems.zones.bad_buffer", bad,
                        value=features["buffer"].astype("string")))])
        geoms = shapely.buffer(features.geometry.array, buffer.to_numpy())
        features = features.set_geometry(gpd.GeoSeries(geoms, index=features.index,
                                                        crs=features.crs))
        features = features.assign(allowed_classes=[()] * len(features), max_height=np.nan,
                                   source="feature")
        parts.append(features)
    zones = pd.concat(parts, ignore_index=True)
    keep = ["id", "name", "zone_class", "allowed_classes", "max_height", "source", WHERE,
            "geometry"]
    zones = gpd.GeoDataFrame(zones[[c for c in keep if c in zones]], crs=config.crs)
    return zones, validate.concat(found)


def _polygons(cfg: LayerConfig, crs: str, *, polygons_only: bool = True) -> gpd.GeoDataFrame:
    """Read a plan layer (zones or features), map its fields, check classes, reproject."""
    raw = io.map_fields(io.read_layer(cfg), cfg)
    if not isinstance(raw, gpd.GeoDataFrame):
        msg = t("errors.workspace.plan_not_vector")
        raise DataError(msg, file=cfg.label)
    gdf = raw.copy()
    if "id" not in gdf:
        gdf["id"] = [f"{cfg.name}-{i}" for i in range(1, len(gdf) + 1)]
    gdf["id"] = gdf["id"].astype("string")
    gdf["zone_class"] = siting.zone_class(gdf["zone_class"])
    geom_type = gdf.geometry.geom_type
    unknown = gdf["zone_class"].isna()
    checks = [
        (unknown, texts("problems.zones.unknown_class", unknown,
                        value=raw["zone_class"].astype("string"),
                        classes=", ".join(siting.ZONE_CLASSES))),
        (gdf.geometry.isna() | gdf.geometry.is_empty, t("problems.empty_geometry")),
    ]
    if polygons_only:
        checks.append((~geom_type.isin(["Polygon", "MultiPolygon"]) & gdf.geometry.notna(),
                       t("problems.not_polygon")))
    _raise_zone_problems(gdf, cfg, checks)
    return to_crs(gdf, crs)


def _raise_zone_problems(gdf: pd.DataFrame, cfg: LayerConfig,
                         checks: list[tuple[pd.Series, str | pd.Series]]) -> None:
    validate.raise_if_any(validate.concat([
        validate.problems(gdf, mask, layer=cfg.name, file=cfg.label, severity="rejected",
                          problem=text) for mask, text in checks
    ]), what=t("errors.unusable", file=cfg.label))


def load_planned(config: Config, communes: gpd.GeoDataFrame, *, read: ReadPoints | None = None
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Planned mast positions with their allowed deviation radius (own, or urban/rural default).

    ``read`` is the layer as :func:`read_points` gives it, when it was read already (None:
    read here).

    Returns
    -------
    tuple
        Planned sites (``id``, ``mast_class``, ``operators``, ``radius`` in m, ``urban``,
        ``commune``), problems and rejected rows (e.g. positions outside the province).
    """
    cfg = config.layers["planned_sites"]
    planned, found, rejected = place_points(read or read_points(cfg, config.crs), communes,
                                            checks=config.checks)
    settings = config.siting
    urban = planned["commune"].map(communes.set_index("code")["urban"]).fillna(False).astype(bool)
    default = np.where(urban, settings.deviation_urban_m, settings.deviation_rural_m)
    own = parse_number(planned["radius"]) if "radius" in planned else pd.Series(
        np.nan, index=planned.index)
    bad = own.notna() & (own <= 0)
    _raise_zone_problems(planned, cfg, [(bad, t("problems.planned.bad_radius"))])
    classes = siting.mast_class(planned["mast_class"], settings.mast_classes, file=cfg.label,
                                where=planned[WHERE]) if "mast_class" in planned else pd.Series(
        pd.NA, index=planned.index, dtype="string")
    operators = pd.Series([()] * len(planned), index=planned.index, dtype=object)
    if "operators" in planned:
        operators, unknown = telecom.match_operators(
            planned["operators"], telecom.operator_aliases(config.operators))
        has_unknown = unknown.map(len) > 0
        found = validate.concat([found, validate.problems(
            planned, has_unknown, layer=cfg.name, file=cfg.label, severity="warning",
            code="unknown_operator", problem=validate.texts(
                "problems.masts.unknown_operator_kept", has_unknown,
                value=unknown.map("; ".join).astype("string")))])
    planned = planned.assign(radius=own.fillna(pd.Series(default, index=planned.index)),
                             urban=urban, mast_class=classes, operators=operators)
    return planned, found, rejected


# ---------------------------------------------------------------------------- subscribers


def load_subscribers(cfg: LayerConfig, communes: gpd.GeoDataFrame, *,
                     crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read the subscribers table and key it by commune code or district name.

    A table by commune of ``era = "former"`` is re-based onto the communes through the
    ``crosswalk`` (counts summed, divided communes split by share, totals exact).

    Returns
    -------
    pandas.DataFrame
        Indexed by commune code (``by = "commune"``) or by the district name as written in
        the commune layer (``by = "district"``), with the :data:`telecom.SUBSCRIBER_COLUMNS`
        that the table has.

    Raises
    ------
    DataError
        Listing every row whose key matches no unit or whose count is not a number.
    """
    table = io.map_fields(io.read_layer(cfg), cfg)
    file = cfg.label
    columns = [c for c in telecom.SUBSCRIBER_COLUMNS if c in table]
    if not columns:
        msg = t("errors.workspace.no_subscriber_column",
                columns=", ".join(telecom.SUBSCRIBER_COLUMNS))
        raise DataError(msg, file=file)
    found = []
    values = pd.DataFrame(index=table.index)
    for col in columns:
        parsed = parse_number(table[col], integer=True)
        values[col] = parsed
        bad = parsed.isna() | (parsed < 0)
        found.append(validate.problems(
            table, bad, layer="subscribers", file=file, severity="rejected",
            problem=texts("problems.subscribers.bad_count", bad, column=col,
                          value=table[col].astype("string").replace("", t("problems.empty")))))
    former = cfg.era == "former" and crosswalk is not None
    if cfg.by == "commune" and former:
        assert crosswalk is not None
        keys = table["commune"].astype("string").str.strip()
        found.append(crosswalk_.check_former_codes(table, keys, crosswalk, layer="subscribers",
                                                   file=file))
        keys = keys.where(keys.isin(crosswalk["former_code"]))
    elif cfg.by == "commune":
        keys = table["commune"].astype("string").str.strip()
        keys = keys.where(keys.isin(communes["code"]))
    else:
        if "district" not in communes:
            msg = t("errors.workspace.subscribers_need_district")
            raise DataError(msg, file=file)
        matcher = NameMatcher(communes["district"].dropna())
        keys = table["district"].map(matcher.match).astype("string")
    key_name = cfg.by
    unmatched, repeated = keys.isna(), keys.duplicated(keep=False) & keys.notna()
    found.append(validate.problems(
        table, unmatched, layer="subscribers", file=file, severity="rejected",
        problem=texts(f"problems.subscribers.no_{key_name}", unmatched,
                      value=table[key_name].astype("string"))))
    found.append(validate.problems(
        table, repeated, layer="subscribers", file=file, severity="rejected",
        problem=texts(f"problems.subscribers.several_{key_name}", repeated, value=keys)))
    validate.raise_if_any(validate.concat(found), what=t("errors.unusable", file=file))
    values.index = pd.Index(keys.to_numpy(), name=key_name)
    if cfg.by == "commune" and former:
        assert crosswalk is not None
        rebased = crosswalk_.rebase(values, crosswalk).rename_axis(key_name)
        return rebased.astype({c: "Int64" for c in rebased.columns
                               if rebased[c].notna().all()})
    return values


# --------------------------------------------------------------------------------- siting


def _with_classes(masts: gpd.GeoDataFrame, config: Config, file: str) -> gpd.GeoDataFrame:
    if "mast_class" not in masts:
        return masts.assign(mast_class=pd.Series(pd.NA, index=masts.index, dtype="string"))
    return masts.assign(mast_class=siting.mast_class(
        masts["mast_class"], config.siting.mast_classes, file=file, where=masts[WHERE]))


def siting_context(ws: Workspace) -> siting.SitingContext:
    """Everything the siting rules need, from a loaded workspace.

    Raises
    ------
    DataError
        When the workspace has no BTS layer, or a mast's class is not in [siting] mast_classes.
    """
    config = ws.config
    if ws.bts is None:
        msg = t("errors.workspace.siting_needs_bts", config=config.path.name)
        raise DataError(msg)
    sites = _with_classes(ws.bts, config, config.layers["bts"].label)
    zones = ws.zones if ws.zones is not None else gpd.GeoDataFrame(
        {"id": [], "zone_class": [], "allowed_classes": [], "max_height": []},
        geometry=gpd.GeoSeries([], crs=config.crs), crs=config.crs)
    problems = ws.problems[ws.problems["layer"] == "bts"]
    return siting.SitingContext(sites=sites, zones=zones, settings=config.siting,
                                planned=ws.planned_sites, communes=ws.communes,
                                problems=problems)


def load_proposals(ws: Workspace, path: Path | None = None
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Proposed new masts, read like the BTS layer and located in their communes.

    Parameters
    ----------
    ws
        The loaded workspace.
    path
        The proposals file; its columns are mapped by [layers.proposals] (or, when the
        workspace has none, by [layers.bts]).

    Returns
    -------
    tuple
        The usable proposals, and the problems of the file (rows that could not be used have
        severity "rejected").
    """
    config = ws.config
    base = config.layers.get("proposals") or config.layers.get("bts")
    if base is None:
        msg = t("errors.workspace.proposals_layer", config=config.path.name)
        raise DataError(msg)
    cfg = dataclasses.replace(base, name="proposals", path=Path(path) if path else base.path)
    proposals, found, _ = load_points(cfg, ws.communes, config.crs, checks=config.checks)
    proposals, more, _ = prepare_masts(proposals, cfg, ws.communes, config=config)
    return _with_classes(proposals, config, cfg.label), validate.concat([found, more])
