"""BTS siting against the passive-infrastructure plan: rules returning findings, and proposals.

Every rule is a small function of a :class:`SitingContext` returning a findings table with
the columns of :data:`FINDING_COLUMNS`; :data:`CHECKS` is their registry and :data:`RULES`
gives the severity of every rule id. Findings carry ids and values only: their texts (the
message ``siting.rule.<rule>`` and, for some rules, the detail ``siting.detail.<rule>``) come
from the message catalogue in :func:`view`, at the edge. The thresholds come from
``ictgis.toml`` [siting] (:class:`ictgis.config.SitingConfig`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ictgis import admin, telecom
from ictgis.config import SitingConfig
from ictgis.errors import DataError
from ictgis.i18n import check_language, labels, number, t
from ictgis.text import fold, map_unique
from ictgis.threads import query_in_halves
from ictgis.validate import where_text

# input vocabulary, not display text
#: Zone classes of the plan and the spellings recognised in data (folded).
ZONE_CLASSES: Mapping[str, tuple[str, ...]] = {
    "prohibited": ("prohibited", "cam", "khu vuc cam", "cam xay dung", "vung cam"),
    "restricted_a1": (
        "restricted_a1", "restricted", "han che", "khu vuc han che", "chi a1",
        "khu vuc chi lap cot a1", "chi lap cot a1", "khu vuc han che chi a1",
        "khu vuc han che chi lap cot a1", "a1",
    ),
    "permitted": ("permitted", "duoc phep", "khu vuc duoc phep", "cho phep", "khu vuc cho phep"),
}

#: Columns of a findings table. ``params`` holds, for the rules whose detail is a text of the
#: catalogue (``siting.detail.<rule>``), the values of that text (a dict; None otherwise).
FINDING_COLUMNS = ("site_id", "rule", "severity", "value", "threshold", "other_id", "detail",
                   "x", "y", "ox", "oy", "params")

SEVERITIES = ("violation", "warning", "info")

#: Severity of every rule; its message is ``siting.rule.<rule>`` in the catalogue, with
#: ``{value}``, ``{threshold}``, ``{other}`` and ``{detail}`` filled from the finding.
RULES: Mapping[str, str] = {
    "validity.outside": "violation",
    "validity.commune": "warning",
    "validity.duplicate": "warning",
    "validity.no_class": "warning",
    "zone.prohibited": "violation",
    "zone.a1_only": "violation",
    "zone.class": "violation",
    "zone.height": "violation",
    "plan.unplanned": "violation",
    "plan.class": "warning",
    "plan.not_built": "info",
    "spacing.colocate": "violation",
    "spacing.cluster": "info",
    "height.aviation": "warning",
    "sharing.target": "warning",
}

#: Decimals of ``{value}`` and ``{threshold}`` in the message of every rule that shows them
#: (metres, %, a count of masts), written by :func:`ictgis.i18n.number` in the language.
DECIMALS: Mapping[str, tuple[int, int]] = {
    "validity.duplicate": (1, 0),
    "zone.height": (1, 0),
    "plan.unplanned": (0, 0),
    "spacing.colocate": (0, 0),
    "spacing.cluster": (0, 0),
    "height.aviation": (1, 0),
    "sharing.target": (1, 0),
}


@dataclass(frozen=True)
class SitingContext:
    """What the rules look at, all in one metric CRS.

    Attributes
    ----------
    sites
        Masts: ``id``, ``operators`` (tuples), ``mast_class``, ``height`` (m, may be NaN),
        ``status``, ``commune`` (code), ``urban`` (bool), point geometry.
    zones
        Plan zones (with buffered features): ``id``, ``zone_class``, ``allowed_classes``
        (tuple, empty = all), ``max_height`` (m, NaN = none), polygon geometry.
    planned
        Planned sites: ``id``, ``mast_class``, ``radius`` (m, the default already applied),
        point geometry; or None.
    settings
        The thresholds.
    communes
        The commune table (for sharing by level), or None.
    problems
        Load problems of the BTS layer (for the validity rules), or None.
    """

    sites: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    settings: SitingConfig
    planned: gpd.GeoDataFrame | None = None
    communes: pd.DataFrame | None = None
    problems: pd.DataFrame | None = None


# -------------------------------------------------------------------------------- helpers


def zone_class(raw: pd.Series) -> pd.Series:
    """Canonical zone class of raw labels ("Khu vực cấm" -> prohibited); NA when unknown."""
    table = {fold(name): code for code, names in ZONE_CLASSES.items() for name in names}
    return map_unique(raw, lambda v: table.get(fold(v))).astype("string")


def mast_class(raw: pd.Series, known: tuple[str, ...], *, file: str,
               where: pd.Series) -> pd.Series:
    """Canonical mast class (case-insensitive); blank stays NA.

    Raises
    ------
    DataError
        Listing every row whose class is not one of ``known`` ([siting] mast_classes).
    """
    table = {c.casefold(): c for c in known}
    text = raw.astype("string").str.strip()
    out = map_unique(text, lambda v: table.get(v.replace(" ", "").casefold())).astype("string")
    unknown = out.isna() & text.notna() & (text != "")
    if unknown.any():
        rows = [t("siting.error.mast_class", file=file, where=w, value=v, known=", ".join(known))
                for w, v in zip(where[unknown], text[unknown], strict=True)]
        if len(rows) == 1:
            raise DataError(rows[0])
        more = [t("siting.error.more", n=number(len(rows) - 20, 0))] if len(rows) > 20 else []
        msg = t("siting.error.mast_classes", n=number(len(rows), 0),
                rows="\n  ".join([*rows[:20], *more]))
        raise DataError(msg)
    return out


def split_classes(raw: pd.Series, known: tuple[str, ...]) -> pd.Series:
    """Allowed-class lists ("A1a; A1b") as tuples of canonical classes (empty = every class)."""
    table = {c.casefold(): c for c in known}

    def _one(cell: object) -> tuple[str, ...]:
        parts = [p.strip() for p in str(cell).replace(",", ";").replace("/", ";").split(";")]
        return tuple(table.get(p.replace(" ", "").casefold(), p) for p in parts if p)

    out = map_unique(raw.astype(object), _one)
    return out.where(out.notna(), pd.Series([()] * len(out), index=out.index, dtype=object))


def _findings(rows: Mapping[str, Any]) -> pd.DataFrame:
    """A findings table from column arrays (missing columns are left empty)."""
    n = max((len(v) for v in rows.values() if isinstance(v, np.ndarray | pd.Series | list)),
            default=0)
    data = {}
    for col in FINDING_COLUMNS:
        value = rows.get(col)
        if col == "params":
            data[col] = np.empty(n, dtype=object)
            data[col][:] = list(value) if value is not None else None
            continue
        if value is None:
            value = np.full(n, np.nan) if col in {"value", "threshold", "x", "y", "ox", "oy"} \
                else np.full(n, "", dtype=object)
        elif np.isscalar(value):
            value = np.full(n, value, dtype=float if isinstance(value, int | float) else object)
        data[col] = np.asarray(value)
    if "severity" not in rows and "rule" in rows:
        data["severity"] = np.array([RULES[r] for r in data["rule"]], dtype=object)
    return pd.DataFrame(data, columns=list(FINDING_COLUMNS))


def empty_findings() -> pd.DataFrame:
    """A findings table with no rows."""
    return _findings({})


def _xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_x(geoms), shapely.get_y(geoms)


def _is_a1(classes: pd.Series, settings: SitingConfig) -> np.ndarray:
    return classes.isin(settings.a1_classes).to_numpy(bool)


def spacing_thresholds(classes: pd.Series, urban: pd.Series, settings: SitingConfig) -> np.ndarray:
    """Minimum spacing d_min(mast class, urban/rural) of every site, in metres."""
    default = settings.min_spacing_m["default"]
    table = {c: settings.min_spacing_m.get(c, default) for c in pd.unique(classes.dropna())}
    urban_m = classes.map({c: p[0] for c, p in table.items()}).fillna(default[0])
    rural_m = classes.map({c: p[1] for c, p in table.items()}).fillna(default[1])
    return np.where(urban.to_numpy(bool), urban_m.to_numpy(float), rural_m.to_numpy(float))


def operator_masks(operators: pd.Series, names: list[str] | None = None) -> np.ndarray:
    """One bit per operator, so that disjoint operator sets are ``a & b == 0``."""
    codes, tuples = pd.factorize(operators)
    names = names or sorted({o for ops in tuples for o in ops})
    bit = {name: 1 << i for i, name in enumerate(names)}
    masks = np.array([sum(bit.get(o, 0) for o in ops) for ops in tuples], dtype=np.int64)
    return masks[codes]


def _pairs_within(points: np.ndarray, distance: float | np.ndarray,
                  keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs i < j of points within ``distance`` (one, or one per point i) of each other.

    With a distance per point, a pair is found when it lies within the distance of either.
    ``keep(i, j)``: which of the candidate pairs to consider at all (a mask; default: all).
    Pairs come in no particular order (sorting tens of millions costs seconds), with their
    distance (as GEOS computes it for two points).
    Empty points are in no pair. A k-d tree finds the candidates: a million points with a
    hundred neighbours each take seconds, not minutes.
    """
    distance = np.broadcast_to(np.asarray(distance, dtype=float), (len(points),))
    empty = np.array([], dtype=np.int64)
    if len(points) < 2 or not (distance > 0).any():
        return empty, empty, np.array([], dtype=float)
    ok = np.flatnonzero(~shapely.is_empty(points) & ~shapely.is_missing(points))
    x, y = np.full(len(points), np.nan), np.full(len(points), np.nan)
    x[ok], y[ok] = shapely.get_x(points[ok]), shapely.get_y(points[ok])
    ok = ok[np.isfinite(x[ok]) & np.isfinite(y[ok])]
    if len(ok) < 2:
        return empty, empty, np.array([], dtype=float)
    radius = float(distance.max())
    tree = cKDTree(np.column_stack([x[ok], y[ok]]))
    found = tree.query_pairs(radius * (1 + 1e-9) + 1e-9, output_type="ndarray")
    i, j = found[:, 0], found[:, 1]  # i < j
    if len(ok) < len(points):
        i, j = ok[i], ok[j]  # ok increases: i < j stays
    if keep is not None:
        chosen = keep(i, j)
        i, j = i[chosen], j[chosen]
    del found
    d = x[i] - x[j]
    d *= d
    dy = y[i] - y[j]
    dy *= dy
    d += dy
    del dy
    np.sqrt(d, out=d)  # sqrt(dx * dx + dy * dy): GEOS's distance of two points, bit for bit
    near = d <= np.maximum(distance[i], distance[j])
    return i[near], j[near], d[near]


# ---------------------------------------------------------------------------------- rules


#: Codes of the load problems (``rejects/problems.csv``) that reject a mast for its position.
OUTSIDE_CODES = ("outside", "swapped")


def check_validity(ctx: SitingContext) -> pd.DataFrame:
    """Masts in another commune than stated, duplicate positions, masts without a class.

    Masts rejected at load (outside the province, lat/lon swapped) are not findings: they
    are listed once, in ``rejects/``, and only counted in the summary (:func:`rule_counts`).
    """
    parts = []
    if ctx.problems is not None and not ctx.problems.empty:
        probs = ctx.problems[ctx.problems["code"] == "commune_mismatch"]
        parts.append(_findings({"site_id": probs["id"].to_numpy(dtype=object),
                                "rule": "validity.commune",
                                "detail": probs["problem"].to_numpy(dtype=object)}))
    sites = ctx.sites
    geoms = sites.geometry.array
    i, j, d = _pairs_within(np.asarray(geoms), ctx.settings.duplicate_tolerance_m)
    order = np.lexsort((j, i))  # by mast, then the other
    i, j, d = i[order], j[order], d[order]
    if len(i):
        ids = sites["id"].to_numpy(dtype=object)
        x, y = _xy(geoms)
        parts.append(_findings({"site_id": ids[j], "rule": "validity.duplicate", "value": d,
                                "threshold": ctx.settings.duplicate_tolerance_m,
                                "other_id": ids[i], "x": x[j], "y": y[j], "ox": x[i], "oy": y[i]}))
    no_class = sites["mast_class"].isna().to_numpy() if "mast_class" in sites else np.ones(
        len(sites), bool)
    if no_class.any():
        x, y = _xy(geoms[no_class])
        parts.append(_findings({"site_id": sites["id"].to_numpy(dtype=object)[no_class],
                                "rule": "validity.no_class", "x": x, "y": y}))
    return _concat(parts)


def zone_hits(sites: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, settings: SitingConfig
              ) -> pd.DataFrame:
    """Zone findings (prohibited, A1-only, class, height) of any set of sites.

    A site in several zones gets at most one finding per rule: the first zone, in the order
    of the zone layer, that it breaks.
    """
    if zones.empty or sites.empty:
        return empty_findings()
    tree = shapely.STRtree(zones.geometry.array)
    s, z = query_in_halves(tree, sites.geometry.array, predicate="intersects")
    order = np.lexsort((z, s))  # per site, zones in the order of the layer
    s, z = s[order], z[order]
    cls = sites["mast_class"].to_numpy(dtype=object)[s]
    known = pd.notna(cls)
    zone_cls = zones["zone_class"].to_numpy(dtype=object)[z]
    allowed = zones["allowed_classes"].to_numpy(dtype=object)[z]
    height = sites["height"].to_numpy(dtype=float)[s] if "height" in sites else np.full(len(s),
                                                                                         np.nan)
    max_height = zones["max_height"].to_numpy(dtype=float)[z]
    is_a1 = _is_a1(pd.Series(cls), settings)
    permitted = (zone_cls == "permitted") & known
    in_allowed = np.ones(len(s), bool)  # looked up only where a permitted zone lists classes
    look = np.flatnonzero(permitted)
    in_allowed[look] = [(not a) or (isinstance(c, str) and c in a)
                        for a, c in zip(allowed[look], cls[look], strict=True)]
    rules = {
        "zone.prohibited": zone_cls == "prohibited",
        "zone.a1_only": (zone_cls == "restricted_a1") & known & ~is_a1,
        "zone.class": permitted & ~in_allowed,
        "zone.height": ~np.isnan(max_height) & (height > max_height),
    }
    ids = sites["id"].to_numpy(dtype=object)
    zone_ids = zones["id"].to_numpy(dtype=object)
    points = np.asarray(sites.geometry.array, dtype=object)
    names = zones["name"].to_numpy(dtype=object) if "name" in zones else np.full(len(zones), "")
    parts = []
    for rule, broken in rules.items():
        hit = np.flatnonzero(broken)
        if not len(hit):
            continue
        hit = hit[np.r_[True, s[hit[1:]] != s[hit[:-1]]]]  # the first zone per site (sorted)
        detail: object = ""  # the texts of the rule's hits only
        params = None
        if rule == "zone.prohibited":
            detail = np.array([f" ({n})" if n else "" for n in names[z[hit]]], dtype=object)
        elif rule in {"zone.a1_only", "zone.class"}:
            detail = cls[hit]
        if rule == "zone.class":
            params = [{"mast_class": c, "allowed": ", ".join(a)}
                      for c, a in zip(cls[hit], allowed[hit], strict=True)]
        x, y = _xy(points[s[hit]])
        parts.append(_findings({
            "site_id": ids[s[hit]], "rule": rule, "value": np.where(
                rule == "zone.height", height[hit], np.nan), "threshold": np.where(
                rule == "zone.height", max_height[hit], np.nan), "other_id": zone_ids[z[hit]],
            "detail": detail, "x": x, "y": y, "params": params}))
    return _concat(parts)


def check_zones(ctx: SitingContext) -> pd.DataFrame:
    """Masts in prohibited zones, A2 masts in A1-only zones, classes or heights not allowed."""
    return zone_hits(ctx.sites, ctx.zones, ctx.settings)


def _plan_pairs(sites: gpd.GeoDataFrame, planned: gpd.GeoDataFrame
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(site, planned site, distance) for every site within a planned site's radius."""
    radius = planned["radius"].to_numpy(dtype=float)
    tree = shapely.STRtree(planned.geometry.array)
    s, p = tree.query(sites.geometry.array, predicate="dwithin", distance=float(radius.max()))
    d = shapely.distance(sites.geometry.array[s], planned.geometry.array[p])
    keep = d <= radius[p]
    return s[keep], p[keep], d[keep]


def plan_matches(sites: gpd.GeoDataFrame, planned: gpd.GeoDataFrame | None,
                 pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                 ) -> pd.DataFrame:
    """For every site, the nearest planned site whose deviation radius it lies within.

    ``pairs``: the (site, planned site, distance) pairs within the radii, when already found.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``sites``: ``planned`` (position in ``planned``, -1 when none) and
        ``distance`` (m).
    """
    out = pd.DataFrame({"planned": -1, "distance": np.nan}, index=sites.index)
    if planned is None or planned.empty or sites.empty:
        return out
    s, p, d = pairs if pairs is not None else _plan_pairs(sites, planned)
    order = np.lexsort((p, d, s))
    s, p, d = s[order], p[order], d[order]
    first = np.unique(s, return_index=True)[1]
    out.iloc[s[first], 0] = p[first]
    out.iloc[s[first], 1] = d[first]
    return out


def check_plan(ctx: SitingContext) -> pd.DataFrame:
    """New masts away from every planned position, planned class differing, unbuilt sites."""
    planned = ctx.planned
    if planned is None or planned.empty:
        return empty_findings()
    sites = ctx.sites
    new = sites["status"].isin(ctx.settings.plan_statuses).to_numpy(bool) if "status" in sites \
        else np.zeros(len(sites), bool)
    within = _plan_pairs(sites, planned)
    matches = plan_matches(sites, planned, within)
    p = matches["planned"].to_numpy()
    ids, pids = sites["id"].to_numpy(dtype=object), planned["id"].to_numpy(dtype=object)
    x, y = _xy(sites.geometry.array)
    px, py = _xy(planned.geometry.array)
    parts = []

    unplanned = new & (p < 0)
    if unplanned.any():
        nearest_p, nearest_d = _nearest(sites.geometry.array[unplanned], planned.geometry.array)
        parts.append(_findings({
            "site_id": ids[unplanned], "rule": "plan.unplanned", "value": nearest_d,
            "threshold": planned["radius"].to_numpy(dtype=float)[nearest_p],
            "other_id": pids[nearest_p], "x": x[unplanned], "y": y[unplanned],
            "ox": px[nearest_p], "oy": py[nearest_p]}))

    matched = new & (p >= 0)
    planned_cls = planned["mast_class"].to_numpy(dtype=object)[np.where(p >= 0, p, 0)]
    site_cls = sites["mast_class"].to_numpy(dtype=object)
    differs = matched & pd.notna(planned_cls) & pd.notna(site_cls) & (
        planned_cls.astype(str) != site_cls.astype(str))
    if differs.any():
        q = p[differs]
        parts.append(_findings({
            "site_id": ids[differs], "rule": "plan.class",
            "value": matches["distance"].to_numpy()[differs], "other_id": pids[q],
            "detail": [f"{s} ≠ {c}" for s, c in zip(site_cls[differs], planned_cls[differs],
                                                       strict=True)],
            "x": x[differs], "y": y[differs], "ox": px[q], "oy": py[q]}))

    built = np.zeros(len(planned), bool)  # any mast within the radius builds the site
    built[within[1]] = True
    if (~built).any():
        parts.append(_findings({
            "site_id": pids[~built], "rule": "plan.not_built",
            "threshold": planned["radius"].to_numpy(dtype=float)[~built],
            "detail": planned["mast_class"].astype("string").fillna("?").to_numpy(
                dtype=object)[~built],
            "x": px[~built], "y": py[~built]}))
    return _concat(parts)


def _nearest(points: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of the nearest target of every point, and the distance."""
    tree = shapely.STRtree(targets)
    (pi, ti), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    order = np.argsort(pi, kind="stable")
    return ti[order], dist[order]


def conflict_pairs(ctx: SitingContext) -> pd.DataFrame:
    """Pairs of masts with disjoint operator sets closer than their d_min (co-location).

    The threshold of a pair is the larger d_min(mast class, urban/rural) of its two masts;
    a pair exactly at the threshold is not a conflict.
    """
    sites = ctx.sites
    dmin = spacing_thresholds(sites["mast_class"], sites["urban"], ctx.settings)
    geoms = np.asarray(sites.geometry.array)
    masks = operator_masks(sites["operators"])
    i, j, d = _pairs_within(geoms, dmin, lambda i, j: (masks[i] & masks[j]) == 0)
    threshold = np.maximum(dmin[i], dmin[j])
    conflict = d < threshold
    return pd.DataFrame({"i": i[conflict], "j": j[conflict], "distance": d[conflict],
                         "threshold": threshold[conflict]})


def check_spacing(ctx: SitingContext) -> pd.DataFrame:
    """Masts needing co-location (nearest conflicting mast) and clusters of 3+ such masts."""
    pairs = conflict_pairs(ctx)
    if pairs.empty:
        return empty_findings()
    sites = ctx.sites
    ids = sites["id"].to_numpy(dtype=object)
    x, y = _xy(sites.geometry.array)
    a, b, first = _nearest_partner(pairs["i"].to_numpy(), pairs["j"].to_numpy(),
                                   pairs["distance"].to_numpy(), len(sites))
    distance = np.tile(pairs["distance"].to_numpy(), 2)[first]
    threshold = np.tile(pairs["threshold"].to_numpy(), 2)[first]
    colocate = _findings({"site_id": ids[a], "rule": "spacing.colocate",
                          "value": distance, "threshold": threshold,
                          "other_id": ids[b], "x": x[a], "y": y[a], "ox": x[b], "oy": y[b]})
    labels = cluster_labels(pairs, len(sites))
    size = np.bincount(labels[labels >= 0])
    in_big = np.flatnonzero((labels >= 0) & (size[np.maximum(labels, 0)] >= 3))
    members = in_big[np.argsort(labels[in_big], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[members])) + 1
    big = np.split(members, cuts) if len(members) else []
    clusters = _findings({
        "site_id": [ids[m[0]] for m in big], "rule": "spacing.cluster",
        "value": np.array([len(m) for m in big], dtype=float),
        "detail": [", ".join(ids[m]) for m in big],
        "x": [x[m].mean() for m in big], "y": [y[m].mean() for m in big]})
    return _concat([colocate, clusters])


def _nearest_partner(i: np.ndarray, j: np.ndarray, distance: np.ndarray, n: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every point in a pair, its nearest partner (the smaller index on a tie).

    Returns the points ``a`` (increasing), their partners ``b`` and the position of each
    chosen pair in ``[i, j]`` + ``[j, i]`` (both directions). Linear in the pairs: no sort.
    """
    a, b = np.concatenate([i, j]), np.concatenate([j, i])
    d = np.concatenate([distance, distance])
    best = np.full(n, np.inf)
    np.minimum.at(best, a, d)
    tied = np.flatnonzero(d == best[a])
    partner = np.full(n, n, dtype=np.int64)
    np.minimum.at(partner, a[tied], b[tied])
    chosen = tied[b[tied] == partner[a[tied]]]
    order = np.argsort(a[chosen], kind="stable")
    chosen = chosen[order]
    return a[chosen], b[chosen], chosen


def cluster_labels(pairs: pd.DataFrame, n: int) -> np.ndarray:
    """Connected components of the conflict graph: a label per mast, -1 for masts in none."""
    if pairs.empty:
        return np.full(n, -1)
    graph = coo_matrix((np.ones(len(pairs)), (pairs["i"], pairs["j"])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    involved = np.zeros(n, bool)
    involved[pairs["i"]] = involved[pairs["j"]] = True
    return np.where(involved, labels, -1)


def check_height(ctx: SitingContext) -> pd.DataFrame:
    """Masts at or above the aviation height (NĐ 32/2016: marking and height approval)."""
    sites = ctx.sites
    if "height" not in sites:
        return empty_findings()
    height = sites["height"].to_numpy(dtype=float)
    limit = ctx.settings.aviation_height_m
    tall = height >= limit
    x, y = _xy(sites.geometry.array[tall])
    return _findings({"site_id": sites["id"].to_numpy(dtype=object)[tall],
                      "rule": "height.aviation", "value": height[tall], "threshold": limit,
                      "x": x, "y": y})


def sharing_table(ctx: SitingContext, level: str) -> pd.DataFrame:
    """Share of masts with 2+ operators and operators per mast at one level of the stats."""
    communes = ctx.communes
    assert communes is not None  # the summary asks only when the communes are known
    codes = pd.Index(communes["code"], name="code")
    counts = telecom.count_bts(ctx.sites, codes)[["masts", "masts_shared", "operator_sites"]]
    table = communes.drop(columns="geometry", errors="ignore").join(counts, on="code")
    sums = admin.aggregate(table, level, ["area_km2", "population", "masts", "masts_shared",
                                          "operator_sites"])
    out = telecom.add_indicators(sums)
    target = ctx.settings.sharing_target_pct
    out["target_pct"] = target
    out["meets_target"] = (out["shared_mast_pct"] >= target) if target is not None else pd.NA
    return out


def check_sharing(ctx: SitingContext) -> pd.DataFrame:
    """Districts (or the province, without districts) below the plan's sharing target."""
    target = ctx.settings.sharing_target_pct
    if target is None or ctx.communes is None:
        return empty_findings()
    level = "district" if "district" in ctx.communes else "province"
    table = sharing_table(ctx, level)
    below = table[table["shared_mast_pct"] < target]
    return _findings({"site_id": below[level].astype(str).to_numpy(dtype=object),
                      "rule": "sharing.target", "value": below["shared_mast_pct"].to_numpy(),
                      "threshold": target,
                      "params": [{"masts": int(m), "shared": int(s)}
                                 for m, s in zip(below["masts"], below["masts_shared"],
                                                 strict=True)]})


#: Rule groups, in the order they run. Each returns findings of the rules named ``<group>.*``.
CHECKS: Mapping[str, Callable[[SitingContext], pd.DataFrame]] = {
    "validity": check_validity,
    "zone": check_zones,
    "plan": check_plan,
    "spacing": check_spacing,
    "height": check_height,
    "sharing": check_sharing,
}


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()


def check_sites(ctx: SitingContext, *, groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Run the rule groups and return every finding (ids and values; :func:`view` adds texts).

    Parameters
    ----------
    ctx
        Sites, zones, planned sites and thresholds, in one metric CRS.
    groups
        Names from :data:`CHECKS` (all by default).
    """
    chosen = groups or tuple(CHECKS)
    unknown = [g for g in chosen if g not in CHECKS]
    if unknown:
        msg = t("siting.error.group", group=unknown[0], groups=", ".join(CHECKS))
        raise ValueError(msg)
    return _concat([CHECKS[g](ctx) for g in chosen])


def details(findings: pd.DataFrame, lang: str | None = None) -> pd.Series:
    """The detail of every finding, in ``lang`` (default: the language in force).

    A rule with a ``siting.detail.<rule>`` text gets it filled from ``params`` (integers,
    counts of masts, written by :func:`ictgis.i18n.number`); the others keep their ``detail``
    value as it is.
    """
    templates = labels("siting.detail", lang)
    texts = findings["detail"].to_numpy(dtype=object).copy()
    rules = findings["rule"].to_numpy(dtype=object)
    for k in np.flatnonzero(findings["rule"].isin(list(templates)).to_numpy(bool)):
        params = findings["params"].iat[k]
        if isinstance(params, dict):
            texts[k] = templates[rules[k]].format(**{
                key: number(int(v), 0, lang) if isinstance(v, Integral) and not isinstance(v, bool)
                else v for key, v in params.items()})
    return pd.Series(texts, index=findings.index, dtype=object)


def messages(findings: pd.DataFrame, lang: str | None = None) -> pd.Series:
    """The message (``siting.rule.<rule>``) of every finding, in ``lang``.

    ``lang`` is ``vi`` or ``en`` (default: the language in force).

    Raises
    ------
    ValueError
        When ``lang`` is not a language of the catalogue.
    """
    return _messages(findings, details(findings, lang), lang and check_language(lang))


def _messages(findings: pd.DataFrame, detail: pd.Series, lang: str | None) -> pd.Series:
    """:func:`messages` with the details already made.

    Each distinct message is formatted once: a rule whose text uses only ``{detail}`` (or
    nothing) costs one format per distinct detail, not one per finding. ``{value}`` and
    ``{threshold}`` are written in the language with the decimals of :data:`DECIMALS`, one
    call of :func:`ictgis.i18n.number` per distinct value.
    """
    import string

    templates = labels("siting.rule", lang)
    rules = findings["rule"].to_numpy(dtype=object)
    columns = {"value": findings["value"].to_numpy(dtype=object),
               "threshold": findings["threshold"].to_numpy(dtype=object),
               "other": findings["other_id"].to_numpy(dtype=object),
               "detail": detail.to_numpy(dtype=object)}
    texts = np.empty(len(findings), dtype=object)
    for rule in pd.unique(rules):
        rows = np.flatnonzero(rules == rule)
        template = templates[rule]
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name}

        def one(v: object, th: object, o: object, d: object, template: str = template) -> str:
            return template.format(value=v, threshold=th, other=o or "", detail=d or "")

        if used <= {"detail"}:
            keys = columns["detail"][rows]
            codes, uniques = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=False)
            made = np.array([one(None, None, None, d) for d in uniques], dtype=object)
            texts[rows] = made[codes]
        else:
            shown = {name: column[rows] for name, column in columns.items()}
            for name, decimals in zip(("value", "threshold"), DECIMALS.get(rule, ()),
                                      strict=False):
                shown[name] = _numbers(shown[name], decimals, lang)
            texts[rows] = [one(*values) for values in zip(
                *(shown[name] for name in ("value", "threshold", "other", "detail")),
                strict=True)]
    return pd.Series(texts, index=findings.index, dtype=object)


def _numbers(values: np.ndarray, decimals: int, lang: str | None) -> np.ndarray:
    """:func:`ictgis.i18n.number` of every value (empty for NaN), once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=float), use_na_sentinel=False)
    return np.array([number(v, decimals, lang) for v in uniques], dtype=object)[codes]


def view(findings: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """The findings as written: details and a ``message`` column in ``lang``, no ``params``.

    ``lang`` is ``vi`` or ``en`` (default: the language in force).
    """
    detail = details(findings, lang)
    return findings.assign(detail=detail, message=_messages(
        findings, detail, lang and check_language(lang))).drop(columns="params")


# ----------------------------------------------------------------------------- summaries


def compliance(ctx: SitingContext, findings: pd.DataFrame, level: str, *,
               ok: np.ndarray | None = None) -> pd.DataFrame:
    """Masts and masts without violation (compliance %) per ``level`` or per ``operator``.

    ``ok``: :func:`without_violation` of the sites, when already known.
    """
    sites = ctx.sites
    if ok is None:
        ok = without_violation(sites, findings)
    if level == "operator":
        table = pd.DataFrame({"operator": sites["operators"].to_numpy(), "ok": ok}).explode(
            "operator")
        out = table.groupby("operator").agg(masts=("ok", "size"), compliant=("ok", "sum"))
        out = out.reset_index()
    else:
        communes = ctx.communes
        assert communes is not None  # the summary asks only when the communes are known
        codes = pd.Index(communes["code"])
        pos = codes.get_indexer(sites["commune"])
        masts = np.bincount(pos, minlength=len(codes))
        compliant = np.bincount(pos, weights=ok.astype(float), minlength=len(codes))
        table = communes.drop(columns="geometry", errors="ignore").assign(
            masts=masts, compliant=compliant)
        out = admin.aggregate(table, level, ["masts", "compliant"])
    out["violating"] = out["masts"] - out["compliant"]
    out["compliance_pct"] = admin.safe_ratio(out["compliant"], out["masts"], 100)
    return out


# ------------------------------------------------------------------------------ proposals

#: Verdicts on proposals; names ``siting.verdict.<verdict>``, reasons ``siting.reason.<verdict>``.
VERDICTS = ("approve", "co-locate", "refuse", "invalid")


def judge_proposals(proposals: gpd.GeoDataFrame, ctx: SitingContext, *, lang: str | None = None,
                    rejected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Decide on proposed new BTS positions: approve, co-locate (with which mast) or refuse.

    A proposal is refused when it breaks a zone rule (prohibited zone, A2 in an A1-only zone,
    class or height not allowed) or, with ``proposals_require_plan``, lies away from every
    planned position. Otherwise it must co-locate when a mast stands closer than the spacing
    rule allows (the larger d_min of the two, whatever the operators: the proposer's own mast
    included) — an existing mast, or an earlier proposal of the same file that is approved.
    Otherwise it is approved.

    Parameters
    ----------
    proposals
        Proposed masts with the same columns as ``ctx.sites``.
    ctx
        The existing masts, zones, planned sites and thresholds.
    lang
        Language of the ``reasons`` column (default: the language in force).
    rejected
        Load problems of the proposals file: each such row gets verdict ``refuse`` (outside
        the province) or ``invalid`` (unreadable), with the problem as its reason.

    Returns
    -------
    pandas.DataFrame
        One row per proposal: ``id``, ``verdict``, ``reasons``, ``colocate_with``,
        ``colocate_distance_m``, ``planned_site``, ``planned_distance_m``, ``rules``, the
        proposal's attributes, ``x``, ``y``.
    """
    settings = ctx.settings
    n = len(proposals)
    zone = zone_hits(proposals, ctx.zones, settings)
    zone = zone.assign(message=messages(zone, lang))
    ids = proposals["id"].astype(str).to_numpy(dtype=object)
    reasons: list[list[str]] = [[] for _ in range(n)]
    rules: list[list[str]] = [[] for _ in range(n)]
    position = {pid: k for k, pid in enumerate(ids)}
    for pid, rule, text in zip(zone["site_id"], zone["rule"], zone["message"], strict=True):
        reasons[position[pid]].append(text)
        rules[position[pid]].append(rule)

    planned = ctx.planned
    matches = plan_matches(proposals, planned)
    if planned is not None and not planned.empty and settings.proposals_require_plan:
        away = np.flatnonzero(matches["planned"].to_numpy() < 0)
        if len(away):
            nearest, dist = _nearest(proposals.geometry.array[away], planned.geometry.array)
            unplanned = _findings({"site_id": ids[away], "rule": "plan.unplanned",
                                   "value": dist, "other_id": planned["id"].to_numpy(
                                       dtype=object)[nearest],
                                   "threshold": planned["radius"].to_numpy(float)[nearest]})
            for k, text in zip(away, messages(unplanned, lang), strict=True):
                reasons[k].append(text)
                rules[k].append("plan.unplanned")
    refused = np.array([bool(r) for r in rules], dtype=bool)
    if refused.any() and len(ctx.sites):  # the other fact that matters: the nearest mast
        near, far = _nearest(proposals.geometry.array[refused], ctx.sites.geometry.array)
        names = ctx.sites["id"].astype(str).to_numpy(dtype=object)[near]
        for k, other, metres in zip(np.flatnonzero(refused), names, far, strict=True):
            reasons[k].append(t("siting.reason.nearest_mast", lang=lang, other=other,
                                distance=number(metres, 1, lang)))

    partner, distance = _colocation(proposals, ctx.sites, refused, settings)
    verdict = np.where(refused, "refuse", np.where(partner != "", "co-locate", "approve"))
    for k in np.flatnonzero(verdict == "co-locate"):
        reasons[k].append(t("siting.reason.co-locate", lang=lang, other=partner[k],
                            distance=number(distance[k], 0, lang)))
        rules[k].append("spacing.colocate")
    planned_ids = planned["id"].to_numpy(dtype=object) if planned is not None else np.array([])
    p = matches["planned"].to_numpy()
    out = pd.DataFrame({
        "id": ids, "verdict": verdict,
        "reasons": ["; ".join(r) if r else str(t("siting.reason.approve", lang=lang))
                    for r in reasons],
        "colocate_with": partner,
        "colocate_distance_m": np.where(partner != "", distance, np.nan),
        "planned_site": np.where(p >= 0, planned_ids[np.maximum(p, 0)] if len(planned_ids)
                                 else "", ""),
        "planned_distance_m": matches["distance"].to_numpy(),
        "rules": [", ".join(r) for r in rules],
    })
    for col in ("operators", "mast_class", "height", "commune"):
        if col in proposals:
            values = proposals[col].to_numpy(dtype=object)
            out[col] = [("; ".join(v) if isinstance(v, tuple) else v) for v in values]
    out["x"], out["y"] = _xy(proposals.geometry.array)
    if "_where" in proposals:
        out["where"] = proposals["_where"].to_numpy(dtype=object)
    if rejected is not None and not rejected.empty:
        outside = rejected["code"].isin(["outside", "swapped"]).to_numpy()
        bad = pd.DataFrame({
            "id": rejected["id"].astype(str).to_numpy(),
            "verdict": np.where(outside, "refuse", "invalid"),
            "reasons": (rejected["where"].map(where_text) + ": "
                        + rejected["problem"]).to_numpy(),
            "rules": np.where(outside, "validity.outside", "validity.data"),
        })
        bad["where"] = rejected["where"].to_numpy()
        out = pd.concat([out, bad], ignore_index=True)
    if "where" in out:  # back in the order of the file
        row = pd.to_numeric(out["where"].astype(str).str.extract(r"(\d+)")[0], errors="coerce")
        out = out.iloc[np.argsort(row.to_numpy(), kind="stable")].reset_index(drop=True)
    return out


def _colocation(proposals: gpd.GeoDataFrame, existing: gpd.GeoDataFrame, refused: np.ndarray,
                settings: SitingConfig) -> tuple[np.ndarray, np.ndarray]:
    """The mast each proposal must co-locate with ("" when none), and its distance.

    The nearest existing mast closer than the pair's spacing threshold; failing that, the
    nearest earlier proposal in the file that is itself approved.
    """
    n = len(proposals)
    partner = np.full(n, "", dtype=object)
    distance = np.full(n, np.nan)
    if n == 0:
        return partner, distance
    d_new = spacing_thresholds(proposals["mast_class"], proposals["urban"], settings)
    if len(existing):
        d_old = spacing_thresholds(existing["mast_class"], existing["urban"], settings)
        tree = shapely.STRtree(existing.geometry.array)
        k, e = tree.query(proposals.geometry.array, predicate="dwithin",
                          distance=np.maximum(d_new, d_old.max()))
        d = shapely.distance(proposals.geometry.array[k], existing.geometry.array[e])
        close = d < np.maximum(d_new[k], d_old[e])
        k, e, d = k[close], e[close], d[close]
        order = np.lexsort((e, d, k))
        k, e, d = k[order], e[order], d[order]
        first = np.unique(k, return_index=True)[1]
        partner[k[first]] = existing["id"].astype(str).to_numpy(dtype=object)[e[first]]
        distance[k[first]] = d[first]
    points = np.asarray(proposals.geometry.array)
    ids = proposals["id"].astype(str).to_numpy(dtype=object)
    i, j, d = _pairs_within(points, d_new)
    for a, b, dist in sorted(zip(i, j, d, strict=True), key=lambda t: (t[1], t[2], t[0])):
        limit = max(d_new[a], d_new[b])
        if dist < limit and not refused[a] and partner[a] == "" and partner[b] == "" \
                and not refused[b]:
            partner[b], distance[b] = ids[a], dist
    return partner, distance


def without_violation(sites: pd.DataFrame, findings: pd.DataFrame) -> np.ndarray:
    """Whether each site has no finding of severity ``violation``."""
    bad = pd.unique(findings.loc[findings["severity"] == "violation", "site_id"].to_numpy(
        dtype=object))
    return ~pd.Index(sites["id"].to_numpy(dtype=object)).isin(bad)


def rule_counts(findings: pd.DataFrame, problems: pd.DataFrame | None = None) -> pd.DataFrame:
    """Findings per rule and severity, every rule listed (0 where none).

    ``problems``: the load problems of the masts; the rows rejected for their position
    (:data:`OUTSIDE_CODES`) are the count of ``validity.outside`` (they are listed in
    ``rejects/``, not among the findings).
    """
    counts = findings.groupby("rule").size()
    sites = findings.groupby("rule")["site_id"].nunique()
    if problems is not None and not problems.empty:
        outside = problems.loc[problems["code"].isin(OUTSIDE_CODES)
                               & (problems["severity"] == "rejected"), "id"]
        counts = counts.copy()
        counts["validity.outside"] = counts.get("validity.outside", 0) + len(outside)
        sites = sites.copy()
        sites["validity.outside"] = sites.get("validity.outside", 0) + outside.nunique()
    return pd.DataFrame({
        "rule": list(RULES), "severity": [RULES[r] for r in RULES],
        "findings": [int(counts.get(r, 0)) for r in RULES],
        "sites": [int(sites.get(r, 0)) for r in RULES],
    })


def summary_tables(ctx: SitingContext, findings: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The siting summary: findings per rule, compliance and mast sharing by level.

    Returns
    -------
    dict
        ``rules``; ``compliance_<level>`` for operator and each level of the communes
        (:func:`ictgis.admin.levels`) but commune and region x zone — district, zone, region
        and province; national: district, province, macro_region, zone and country;
        ``sharing_<level>`` likewise.
    """
    tables = {"rules": rule_counts(findings, ctx.problems)}
    levels = [] if ctx.communes is None else [
        lvl for lvl in admin.levels(ctx.communes.columns) if lvl not in ("commune", "region_zone")]
    ok = without_violation(ctx.sites, findings)
    tables["compliance_operator"] = compliance(ctx, findings, "operator", ok=ok)
    for level in levels:
        tables[f"compliance_{level}"] = compliance(ctx, findings, level, ok=ok)
    for level in levels:
        tables[f"sharing_{level}"] = sharing_table(ctx, level)
    return tables


def finding_layers(findings: pd.DataFrame, crs: object) -> dict[str, gpd.GeoDataFrame]:
    """Map layers of the findings: ``findings`` (points) and ``links`` (site -> other)."""
    located = findings[findings["x"].notna()]
    points = gpd.GeoDataFrame(located.drop(columns=["x", "y", "ox", "oy"]),
                              geometry=shapely.points(located["x"], located["y"]), crs=crs)
    linked = located[located["ox"].notna()]
    lines = shapely.linestrings(np.stack([
        np.column_stack([linked["x"], linked["y"]]),
        np.column_stack([linked["ox"], linked["oy"]])], axis=1)) if len(linked) else []
    links = gpd.GeoDataFrame(linked.drop(columns=["x", "y", "ox", "oy"]),
                             geometry=gpd.GeoSeries(lines, index=linked.index, crs=crs), crs=crs)
    return {"findings": points, "links": links}
