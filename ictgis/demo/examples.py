"""Deliberate siting examples: masts that break the plan, faulty rows and proposals.

The BTS sites of :func:`~ictgis.demo.bts.make_bts` keep every rule of ``[siting]`` with a
margin (spacing: the larger d_min of each pair, whatever the operators). This module adds the
planned sites and a few known examples of each error and breach, so that ``ictgis siting``
has something to find: masts under construction at and away from planned sites, rows with
wrong coordinates or commune names and duplicates, masts in the wrong zone or too close to
each other, and 12 proposed new masts (see :func:`make_siting_examples`).
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.bts import (
    MAST_HEIGHT_M,
    OPERATING,
    draw_operators,
    draw_other_operator,
    draw_technologies,
)
from ictgis.demo.common import SYNTHETIC_LABEL, lonlat_text, polar, random_points_in, vn2000_to_wgs84
from ictgis.demo.plan import (
    AIRSPACE_MAX_M,
    N_BUILT,
    N_PLANNED,
    PLANNED_OFFSET,
    make_built_sites,
    make_unbuilt_sites,
)
from ictgis.demo.rules import (
    A1_ONLY,
    MARGIN_M,
    MAST_CLASSES,
    PROHIBITED,
    SITING,
    Masts,
    Rules,
    breaches,
    conform_classes,
    deviation,
    height_limit,
    min_spacing,
)
from ictgis.i18n import t

_BUILDING = SITING["plan_statuses"][0]  # trang_thai of a mast under construction
_N_UNPLANNED = 6  # masts under construction at no planned site

#: Deliberate errors and breaches among the masts: number of each.
_N_OUTSIDE, _N_WRONG_COMMUNE, _N_DUPLICATE = 3, 5, 4
_N_IN_PROHIBITED = 4, 2  # in a prohibited zone, in a relic's buffer
_N_A2_IN_A1 = 3, 2  # in an A1-only zone, in an HQ/street buffer outside those zones
_N_NOT_LISTED, _N_TOO_TALL = 4, 4
_N_CLOSE_PAIRS, _N_CLOSE_TRIPLES = 6, 2  # half in towns, half in xã
_CLOSE = 0.4, 0.75  # distance of a deliberate close pair, as a share of d_min
_PLANNED_CLEAR_M = 250.0  # deliberate examples keep this far from the planned sites
_N_TO_APPROVE, _PROPOSAL_SPACING_M = 4, 3_000.0
_COLOCATION_IN_TOWN = (False, False, True)  # where the co-location proposals are


class _Context(NamedTuple):
    """What the example placements check against."""

    geoms: np.ndarray  # commune polygons
    urban: np.ndarray  # by commune
    rules: Rules
    masts: Masts
    planned: np.ndarray  # (n, 2) planned sites placed so far


class _Example(NamedTuple):
    """A placed example mast or proposal."""

    x: float
    y: float
    mast: str
    height: float
    commune: int


def make_siting_examples(
    communes: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, features: gpd.GeoDataFrame,
    rules: Rules, masts: pd.DataFrame, rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Planned sites, proposals, and the masts' status, errors and breaches of the plan.

    Starting from the compliant masts of :func:`~ictgis.demo.bts.make_bts`:

    - 90 masts stand at a planned site: 55 under construction (4 of them of another class
      than planned) and 35 operating; 6 more are under construction at no planned site;
    - 3 rows get coordinates far outside the province, 5 name a neighbouring commune, and
      4 are entered twice (same position and attributes, another id);
    - new masts break one zone rule each: 6 in a prohibited area (4 in zones, 2 in relic
      buffers), 5 A2 in an A1-only area (3 in zones, 2 in feature buffers only), 4 of a
      class their permitted zone does not list, 4 taller than their zone allows;
    - new masts stand closer than d_min to masts of other operators: 6 pairs and 2 triples,
      half in towns and half in xã; no other pair of masts is closer than the larger d_min;
    - 510 more planned sites have no mast yet; proposals: see :func:`_proposals`.

    Parameters
    ----------
    communes
        Output of :func:`~ictgis.demo.geometry.make_communes`.
    zones, features
        Output of :func:`~ictgis.demo.plan.make_plan_layers`.
    rules
        Output of :func:`~ictgis.demo.rules.make_rules`.
    masts
        Output of :func:`~ictgis.demo.bts.make_bts`.
    rng
        Random stream.

    Returns
    -------
    tuple of pandas.DataFrame
        The BTS layer (ids by commune, west to east), the planned sites and the proposals.
    """
    urban = (communes["loai"] != "xa").to_numpy()
    mast_class, mast_urban = masts["loai_cot"].to_numpy(), masts["urban"].to_numpy()
    ctx = _Context(communes.geometry.to_numpy(), urban, rules,
                   Masts(masts["x"].to_numpy(), masts["y"].to_numpy(),
                         min_spacing(mast_class, mast_urban)), np.empty((0, 2)))
    free = np.ones(len(masts), dtype=bool)  # masts not yet picked for an example
    planned = make_built_sites(masts, rules, free, rng)
    ctx = ctx._replace(planned=planned[["x", "y"]].to_numpy())
    far = _planned_distance(ctx, ctx.masts.x, ctx.masts.y) >= _PLANNED_CLEAR_M
    status = masts["trang_thai"].to_numpy().copy()
    status[planned["mast"].to_numpy()[:N_BUILT[0]]] = _BUILDING
    status[_take(far, _N_UNPLANNED, free, rng)] = _BUILDING
    table = _faulty_rows(masts.assign(trang_thai=status, toa_do_x=masts["y"],
                                      toa_do_y=masts["x"]), communes, free, rng)
    pool = far & free  # masts that may anchor a close group

    found = _zone_breaches(ctx, zones, features, rng)
    rows = [_new_mast(ctx, e, draw_operators(1, rng)[0], rng) for e in found]
    rows += _close_masts(ctx, masts, pool, rng)
    added = pd.DataFrame(rows)
    added = added.assign(xa_phuong=communes["ten_xa"].to_numpy()[added["commune"]],
                         toa_do_x=added["y"], toa_do_y=added["x"])
    table = pd.concat([table, added], ignore_index=True)
    table = table.iloc[np.lexsort((table["x"], table["commune"]))]
    bts = pd.DataFrame({
        "ma_tram": [f"TG-{k:04d}" for k in range(1, len(table) + 1)],
        **{c: table[c].to_numpy() for c in ("nha_mang", "cong_nghe", "loai_cot", "do_cao_m",
                                           "trang_thai", "xa_phuong", "toa_do_x", "toa_do_y")},
        "ghi_chu": SYNTHETIC_LABEL,
    })

    unbuilt = make_unbuilt_sites(communes, rules, ctx.masts, ctx.planned, N_PLANNED - len(planned),
                                 rng)
    planned = pd.concat([planned, unbuilt], ignore_index=True)
    ctx = ctx._replace(planned=planned[["x", "y"]].to_numpy())
    proposals = _proposals(ctx, zones, masts, planned, rng)
    planned = planned.iloc[np.lexsort((planned["x"], planned["commune"]))]
    return bts, pd.DataFrame({
        "ma_quy_hoach": [f"QH{k:04d}" for k in range(1, len(planned) + 1)],
        "loai_cot": planned["loai_cot"].to_numpy(),
        "nha_mang": planned["nha_mang"].to_numpy(),
        "ban_kinh_m": planned["ban_kinh_m"].to_numpy(),
        "toa_do_x": planned["y"].to_numpy(),
        "toa_do_y": planned["x"].to_numpy(),
        "ghi_chu": SYNTHETIC_LABEL,
    }), proposals


def _take(pool: np.ndarray, n: int, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` random indices where ``pool`` and ``free`` hold, then marked taken in ``free``."""
    chosen = np.sort(rng.choice(np.flatnonzero(pool & free), n, replace=False))
    free[chosen] = False
    return chosen


def _planned_distance(ctx: _Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance (m) from each point to the nearest planned site placed so far."""
    nearest = shapely.STRtree(shapely.points(ctx.planned)).query_nearest(
        shapely.points(x, y), all_matches=False)[1]
    return np.hypot(ctx.planned[nearest, 0] - x, ctx.planned[nearest, 1] - y)


def _faulty_rows(
    table: pd.DataFrame, communes: gpd.GeoDataFrame, free: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Rows with coordinates far outside, with a neighbour's commune name, or entered twice.

    Outside: easting and northing swapped; northing 100 km too large (a mistyped digit);
    easting without its leading 5. The wrong communes are of the same kind (urban or rural)
    and district. The duplicates are appended, the same in every column.
    """
    table = table.copy()
    outside = _take(np.ones(len(table), dtype=bool), _N_OUTSIDE, free, rng)
    x, y = table["x"].to_numpy()[outside], table["y"].to_numpy()[outside]
    table.loc[outside, "toa_do_x"] = np.round([x[0], y[1] + 100_000, y[2]], 2)
    table.loc[outside, "toa_do_y"] = np.round([y[0], x[1], x[2] - 500_000], 2)

    geoms, row = communes.geometry.to_numpy(), table["commune"].to_numpy()
    depth = shapely.distance(shapely.points(table["x"], table["y"]), shapely.boundary(geoms[row]))
    left, right = shapely.STRtree(geoms).query(geoms, predicate="touches")
    kind, district = communes["loai"].to_numpy(), communes["huyen"].to_numpy()
    alike = ((kind[left] == "xa") == (kind[right] == "xa")) & (district[left] == district[right])
    wrong = _take((depth >= 200) & np.isin(row, left[alike]), _N_WRONG_COMMUNE, free, rng)
    twin = [rng.choice(right[alike & (left == r)]) for r in row[wrong]]
    table.loc[wrong, "xa_phuong"] = communes["ten_xa"].to_numpy()[twin]

    twice = _take(np.ones(len(table), dtype=bool), _N_DUPLICATE, free, rng)
    return pd.concat([table, table.loc[twice]], ignore_index=True)


def _zone_breaches(
    ctx: _Context, zones: gpd.GeoDataFrame, features: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> list[_Example]:
    """Masts that each break exactly one zone rule, ``MARGIN_M`` inside its area."""
    zone_geoms, zone_class = zones.geometry.to_numpy(), zones["loai_vung"].to_numpy()
    buffers = shapely.buffer(features.geometry.to_numpy(),
                             features["ban_kinh_m"].to_numpy(float), quad_segs=16)
    feature_class = features["loai_vung"].to_numpy()
    a1_zones = shapely.buffer(shapely.union_all(zone_geoms[zone_class == A1_ONLY]), MARGIN_M)
    a1_only_buffers = shapely.difference(buffers[feature_class == A1_ONLY], a1_zones)
    a1_only_buffers = a1_only_buffers[shapely.area(shapely.buffer(a1_only_buffers, -MARGIN_M))
                                      > 2_000]
    fringe = [z for z, a in zip(ctx.rules.listed, ctx.rules.allowed, strict=True)
              if "A2c" not in a]
    listed = [shapely.difference(z, shapely.buffer(ctx.rules.a1, MARGIN_M)) for z in fringe]
    airspace = ctx.rules.limited[ctx.rules.limit == AIRSPACE_MAX_M]
    n_zone, n_buffer = _N_IN_PROHIBITED
    n_a1_zone, n_a1_buffer = _N_A2_IN_A1
    categories = [  # (regions, how many, breach column, class, height range)
        (zone_geoms[zone_class == PROHIBITED], n_zone, 0, None, None),
        (buffers[feature_class == PROHIBITED], n_buffer, 0, None, None),
        (zone_geoms[zone_class == A1_ONLY], n_a1_zone, 1, "A2a", (8.0, 25.0)),
        (a1_only_buffers, n_a1_buffer, 1, "A2a", (8.0, 25.0)),
        (listed, _N_NOT_LISTED, 2, "A2c", (20.0, 28.0)),
        (airspace, _N_TOO_TALL, 3, "A2b", (AIRSPACE_MAX_M + 1, AIRSPACE_MAX_M + 4.5)),
    ]
    found = []
    for regions, n, breach, mast, heights in categories:
        found += _in_regions(ctx, regions, n, rng, breach=breach, mast=mast, heights=heights)
    return found


def _in_regions(
    ctx: _Context, regions: np.ndarray | list, n: int, rng: np.random.Generator, *,
    breach: int, mast: str | None, heights: tuple[float, float] | None, record: bool = True,
) -> list[_Example]:
    """``n`` examples that break zone rule ``breach``, ``MARGIN_M`` inside the regions.

    The regions take turns, in random order; see :func:`_fit` for the other conditions.
    With ``record`` each example is recorded as a mast as soon as it is placed.
    """
    inner = shapely.buffer(np.asarray(regions, dtype=object), -MARGIN_M)
    inner = inner[~shapely.is_empty(inner)]
    order = rng.permutation(len(inner))
    found: list[_Example] = []
    for attempt in range(8 * n * len(order)):
        x, y = random_points_in(np.full(64, inner[order[attempt % len(order)]], dtype=object),
                                rng)
        example = _fit(ctx, x, y, rng, mast=mast, heights=heights, breach=breach)
        if example is not None:
            found.append(example)
            if record:
                _record(ctx, example)
            if len(found) == n:
                return found
    msg = t("errors.demo.zone_examples", found=len(found), n=n, rule=breach)
    raise RuntimeError(msg)


def _fit(
    ctx: _Context, x: np.ndarray, y: np.ndarray, rng: np.random.Generator, *,
    mast: str | None = None, heights: tuple[float, float] | None = None,
    breach: int | None = None, commune: int | None = None, skip: tuple[int, ...] = (),
    planned_clear: float = _PLANNED_CLEAR_M,
) -> _Example | None:
    """The first candidate that is a good example, or None.

    A good example is 10 m inside a commune (``commune`` if given), clear of every mast
    but ``skip`` and of the planned sites, and breaks zone rule ``breach`` (a column of
    :func:`~ictgis.demo.rules.breaches`) and no other, with a margin. Without ``mast`` its
    class is the one the zones allow (A2a in towns, A2b in xã); without ``heights`` its height
    is in the class range, under its zones' limits and under the aviation height.
    """
    row, depth = _locate(ctx.geoms, x, y)
    urban = ctx.urban[row]
    if mast is None:
        cls = conform_classes(ctx.rules, x, y, np.where(urban, "A2a", "A2b"), rng)
    else:
        cls = np.full(len(x), mast)
    if heights is None:
        height = _example_heights(cls, height_limit(ctx.rules, shapely.points(x, y),
                                                    MARGIN_M), rng)
    else:
        height = np.round(rng.uniform(*heights, len(x)), 1)
    want = np.arange(4) == breach
    ok = (row >= 0) & (depth >= 10) & (row == (row if commune is None else commune))
    ok &= (breaches(ctx.rules, x, y, cls, height) == want).all(axis=1)
    ok &= ctx.masts.clear(x, y, min_spacing(cls, urban), skip=skip)
    ok &= _planned_distance(ctx, x, y) >= planned_clear
    if not ok.any():
        return None
    k = int(np.argmax(ok))
    return _Example(float(x[k]), float(y[k]), str(cls[k]), float(height[k]), int(row[k]))


def _example_heights(mast: np.ndarray, limit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Heights in the class range, at least 1 m under ``limit`` and under the aviation height."""
    low, high = MAST_HEIGHT_M[np.searchsorted(MAST_CLASSES, mast)].T
    high = np.minimum(high, np.minimum(limit, SITING["aviation_height_m"]) - 1)
    return np.round(rng.uniform(np.minimum(low, high - 4), high), 1)


def _locate(geoms: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Commune row of each point (-1: none) and its distance (m) to that commune's edge."""
    points = shapely.points(x, y)
    point, commune = shapely.STRtree(geoms).query(points, predicate="within")
    row = np.full(len(points), -1)
    row[point] = commune
    depth = shapely.distance(points, shapely.boundary(geoms[row]))
    return row, np.where(row >= 0, depth, 0.0)


def _record(ctx: _Context, example: _Example) -> None:
    """Add an example mast to ``ctx.masts``, so that later examples keep clear of it."""
    urban = np.array([ctx.urban[example.commune]])
    ctx.masts.add(example.x, example.y, min_spacing(np.array([example.mast]), urban)[0])


def _new_mast(ctx: _Context, example: _Example, operators: str,
              rng: np.random.Generator) -> dict:
    """Row of the working BTS table for an example mast."""
    urban = ctx.urban[example.commune]
    return {
        "nha_mang": operators, "cong_nghe": draw_technologies(1, rng)[0], "loai_cot": example.mast,
        "do_cao_m": example.height, "trang_thai": OPERATING, "x": round(example.x, 2),
        "y": round(example.y, 2), "commune": example.commune, "urban": urban,
    }


def _close_masts(
    ctx: _Context, masts: pd.DataFrame, pool: np.ndarray, rng: np.random.Generator
) -> list[dict]:
    """New single-operator masts closer than d_min to one (pairs) or two (triples) masts.

    Each group's anchor is an existing single-operator mast in ``pool``; every member has
    operators of its own, and the members are 40-75% of the smallest d_min apart.
    """
    single = ~masts["nha_mang"].str.contains(";").to_numpy()
    rows = []
    for size, count in ((2, _N_CLOSE_PAIRS), (3, _N_CLOSE_TRIPLES)):
        for k in range(count):
            anchors = np.flatnonzero(pool & single & (masts["urban"].to_numpy() == (k % 2 == 0)))
            for anchor in rng.permutation(anchors)[:40]:
                group = _close_group(ctx, masts, int(anchor), size, rng)
                if group is not None:
                    pool[anchor] = False
                    for example, operators in group:
                        _record(ctx, example)
                        rows.append(_new_mast(ctx, example, operators, rng))
                    break
            else:
                msg = t("errors.demo.close_group", size=size)
                raise RuntimeError(msg)
    return rows


def _close_group(
    ctx: _Context, masts: pd.DataFrame, anchor: int, size: int, rng: np.random.Generator
) -> list[tuple[_Example, str]] | None:
    """``size`` - 1 masts close to ``anchor`` and to each other (see :func:`_close_masts`)."""
    row = int(masts["commune"].iloc[anchor])
    reach = min_spacing(MAST_CLASSES, np.full(len(MAST_CLASSES), ctx.urban[row])).min()
    members = [(float(ctx.masts.x[anchor]), float(ctx.masts.y[anchor]))]
    taken = str(masts["nha_mang"].iloc[anchor])
    group = []
    for _ in range(size - 1):
        xy = members[0] + polar(rng.uniform(*_CLOSE, 64) * reach, rng.uniform(0, 2 * np.pi, 64))
        gaps = np.hypot(*(xy[:, None, :] - np.array(members)[None]).transpose(2, 0, 1))
        xy = xy[((gaps >= _CLOSE[0] * reach) & (gaps <= _CLOSE[1] * reach)).all(axis=1)]
        found = _fit(ctx, xy[:, 0], xy[:, 1], rng, commune=row, skip=(anchor,)) if len(xy) else None
        if found is None:
            return None
        operator = draw_other_operator(taken, rng)
        taken += ";" + operator
        members.append((found.x, found.y))
        group.append((found, operator))
    return group


def _proposals(
    ctx: _Context, zones: gpd.GeoDataFrame, masts: pd.DataFrame, planned: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Proposed new masts, one operator each, in random order.

    - 4 at planned sites without a mast, far from every mast (to approve);
    - 3 at planned sites where another operator's mast already stands, so closer than d_min
      to it (co-location), 2 in xã, 1 in a town;
    - 3 that break a zone rule (in a prohibited zone; A2a in an A1-only zone; A2c in a zone
      that does not list it);
    - 1 without coordinates, 1 60 km north of the province.
    """
    found: list[tuple[_Example, str]] = []
    unbuilt = planned[planned["mast"] < 0]
    for k in rng.permutation(len(unbuilt)):
        site = unbuilt.iloc[k]
        if any(np.hypot(e.x - site["x"], e.y - site["y"]) < _PROPOSAL_SPACING_M for e, _ in found):
            continue
        radius = site["ban_kinh_m"]
        radius = deviation(ctx.urban[[site["commune"]]])[0] if np.isnan(radius) else radius
        xy = np.array([[site["x"], site["y"]]]) + polar(
            rng.uniform(0, min(0.4 * radius, 20.0), 64), rng.uniform(0, 2 * np.pi, 64))
        example = _fit(ctx, xy[:, 0], xy[:, 1], rng, mast=site["loai_cot"], planned_clear=0.0)
        if example is not None:
            planned_ops = [o for o in site["nha_mang"].split(";") if o]
            operator = rng.choice(planned_ops) if planned_ops else draw_other_operator("", rng)
            found.append((example, str(operator)))
            if len(found) == _N_TO_APPROVE:
                break
    else:
        msg = t("errors.demo.to_approve")
        raise RuntimeError(msg)
    operating = planned.iloc[N_BUILT[0]:sum(N_BUILT)]  # planned sites with a working mast
    operating = operating.iloc[rng.permutation(len(operating))]
    site_urban = ctx.urban[operating["commune"].to_numpy()]
    used = np.zeros(len(operating), dtype=bool)
    for in_town in _COLOCATION_IN_TOWN:
        for k in np.flatnonzero((site_urban == in_town) & ~used):
            site, mast = operating.iloc[k], int(operating["mast"].iloc[k])
            xy = np.array([[site["x"], site["y"]]]) + polar(
                rng.uniform(0, PLANNED_OFFSET, 64) * deviation(site_urban[[k]]),
                rng.uniform(0, 2 * np.pi, 64))
            xy = xy[np.hypot(*(xy - [ctx.masts.x[mast], ctx.masts.y[mast]]).T) >= 30]
            example = _fit(ctx, xy[:, 0], xy[:, 1], rng, commune=int(site["commune"]),
                           skip=(mast,), planned_clear=0.0) if len(xy) else None
            if example is not None:
                used[k] = True
                found.append((example, draw_other_operator(masts["nha_mang"].iloc[mast], rng)))
                break
        else:
            msg = t("errors.demo.colocation")
            raise RuntimeError(msg)
    zone_geoms, zone_class = zones.geometry.to_numpy(), zones["loai_vung"].to_numpy()
    fringe = [z for z, a in zip(ctx.rules.listed, ctx.rules.allowed, strict=True)
              if "A2c" not in a]
    listed = [shapely.difference(z, shapely.buffer(ctx.rules.a1, MARGIN_M)) for z in fringe]
    for regions, breach, mast_class, heights in [
        (zone_geoms[zone_class == PROHIBITED], 0, None, None),
        (zone_geoms[zone_class == A1_ONLY], 1, "A2a", (8.0, 25.0)),
        (listed, 2, "A2c", (20.0, 28.0)),
    ]:
        example = _in_regions(ctx, regions, 1, rng, breach=breach, mast=mast_class, heights=heights,
                              record=False)[0]
        found.append((example, draw_other_operator("", rng)))
    x = np.array([e.x for e, _ in found] + [np.nan, ctx.masts.x.mean()])
    y = np.array([e.y for e, _ in found] + [np.nan, ctx.masts.y.max() + 60_000])
    mast_classes = [e.mast for e, _ in found] + ["A2b", "A2b"]
    height = [e.height for e, _ in found] + [40.0, 42.0]
    operators = [o for _, o in found] + [draw_other_operator("", rng), draw_other_operator("", rng)]
    lon, lat = vn2000_to_wgs84().transform(x, y)
    order = rng.permutation(len(x))
    return pd.DataFrame({
        "ma_de_xuat": [f"DX{k:03d}" for k in range(1, len(x) + 1)],
        "nha_mang": np.array(operators)[order],
        "loai_cot": np.array(mast_classes)[order],
        "do_cao_m": np.array(height)[order],
        "kinh_do": lonlat_text(lon)[order],
        "vi_do": lonlat_text(lat)[order],
        "ghi_chu": SYNTHETIC_LABEL,
    })
