"""Schema and geometry checks that collect every row problem before deciding what to reject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.errors import DataError
from ictgis.i18n import number, t
from ictgis.io import WHERE
from ictgis.threads import map_in_halves

#: Columns of a problem table (outputs/rejects/problems.csv).
PROBLEM_COLUMNS = ("layer", "file", "where", "id", "severity", "code", "problem")

#: Severities (ids; their labels are ``problems.severity.*`` in the catalogue): the row was
#: dropped / changed and kept / kept as it is.
SEVERITIES = ("rejected", "repaired", "warning")

#: At most this many problems are listed in one error message (all go to the rejects file).
MAX_LISTED = 20


def empty_problems() -> pd.DataFrame:
    """A problem table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in PROBLEM_COLUMNS})


def problems(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    *,
    layer: str,
    file: str,
    severity: str,
    problem: str | pd.Series,
    code: str | pd.Series = "",
) -> pd.DataFrame:
    """Problem rows for the rows of ``frame`` selected by ``mask``.

    Parameters
    ----------
    frame
        A layer with the :data:`~ictgis.io.WHERE` column (and ``id`` when it has one).
    mask
        Boolean, aligned with ``frame``.
    layer, file
        Layer role and file name.
    severity
        One of :data:`SEVERITIES`.
    problem
        The message (from the catalogue, see :func:`texts`), one for all rows or a Series
        aligned with ``frame``.
    code
        A short machine-readable kind of problem ("outside", "swapped", "duplicate_id"...),
        one for all rows or a Series aligned with ``frame``.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return empty_problems()
    rows = frame.loc[mask]
    text = problem.loc[mask] if isinstance(problem, pd.Series) else problem
    kind = code.loc[mask].to_numpy(dtype=object) if isinstance(code, pd.Series) else code
    ids = rows["id"] if "id" in rows.columns else rows.get("code", pd.Series("", index=rows.index))
    out = pd.DataFrame({
        "layer": layer, "file": file, "where": rows[WHERE].to_numpy(),
        "id": ids.astype("string").to_numpy(), "severity": severity, "code": kind,
        "problem": np.asarray(text, dtype=object) if isinstance(text, pd.Series) else text,
    })
    return out.astype("string")


def texts(msg_id: str, mask: pd.Series, /, **params: Any) -> pd.Series:
    """The catalogue text ``msg_id`` for each row where ``mask`` holds (NA elsewhere).

    Parameters
    ----------
    msg_id
        A message id (``problems.points.outside``).
    mask
        Boolean Series: the rows that need the text.
    **params
        The message's placeholders: a Series aligned with ``mask`` gives one value per row,
        anything else is the same for every row.
    """
    out = pd.Series(pd.NA, index=mask.index, dtype="string")
    rows = mask.index[mask.to_numpy(dtype=bool)]
    if not len(rows):
        return out
    each = {k: v.loc[rows].astype(object).to_numpy() for k, v in params.items()
            if isinstance(v, pd.Series)}
    same = {k: v for k, v in params.items() if not isinstance(v, pd.Series)}
    if not each:
        out.loc[rows] = str(t(msg_id, **same))
        return out
    # one translation per distinct combination of the values, not one per row
    combo = np.zeros(len(rows), dtype=np.int64)
    for values in each.values():
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        combo = pd.factorize(combo * len(distinct) + codes)[0]
    _, first, back = np.unique(combo, return_index=True, return_inverse=True)
    made = [str(t(msg_id, **same, **{k: v[i] for k, v in each.items()})) for i in first]
    out.loc[rows] = np.asarray(made, dtype=object)[back.ravel()]
    return out


def where_text(where: object) -> str:
    """A :data:`~ictgis.io.WHERE` locator (``row 7``, ``feature 7``) in the current language."""
    kind, _, number = str(where).partition(" ")
    if kind == "row" and number.isdigit():
        return t("errors.where.row", row=number)
    if kind == "feature" and number.isdigit():
        return t("errors.where.feature", n=number)
    return str(where)


def concat(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack problem tables."""
    tables = [t for t in tables if not t.empty]
    return pd.concat(tables, ignore_index=True) if tables else empty_problems()


def format_problem(row: pd.Series) -> str:
    """One line naming file, row (and id) and problem, in the current language."""
    where = where_text(row["where"])
    if isinstance(row["id"], str) and row["id"]:
        return t("errors.problem.line_id", file=row["file"], where=where, id=row["id"],
                 problem=row["problem"])
    return t("errors.problem.line", file=row["file"], where=where, problem=row["problem"])


def raise_if_any(found: pd.DataFrame, *, what: str) -> None:
    """Raise one :class:`DataError` listing every problem in ``found`` (up to :data:`MAX_LISTED`).

    Parameters
    ----------
    found
        Problems that make the layer unusable.
    what
        What cannot be done, e.g. ``t("errors.unusable", file=...)``.
    """
    if found.empty:
        return
    lines = [format_problem(row) for _, row in found.head(MAX_LISTED).iterrows()]
    more = len(found) - MAX_LISTED
    if more > 0:
        lines.append(t("errors.problems.more", n=more))
    if len(lines) == 1:
        raise DataError(lines[0])
    msg = t("errors.problems.list", n=len(found), what=what, problems="\n  ".join(lines))
    raise DataError(msg)


def repair_polygons(gdf: gpd.GeoDataFrame, *, layer: str, file: str
                    ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Repair invalid polygons (``make_valid``, keeping polygonal parts) and report each.

    Returns
    -------
    tuple
        The layer with repaired geometries, and a problem row per repaired feature.
    """
    geoms = gdf.geometry.array
    invalid = ~map_in_halves(shapely.is_valid, geoms) & ~shapely.is_missing(geoms)
    if not invalid.any():
        return gdf, empty_problems()
    reasons = pd.Series(shapely.is_valid_reason(geoms), index=gdf.index)
    fixed = shapely.make_valid(geoms[invalid])
    fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
    out = gdf.copy()
    values = np.asarray(out.geometry.array, dtype=object)
    values[invalid] = fixed
    out = out.set_geometry(gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs))
    found = problems(gdf, invalid, layer=layer, file=file, severity="repaired", code="repaired",
                     problem=texts("problems.repaired", pd.Series(invalid, index=gdf.index),
                                   reason=reasons))
    return out, found


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygonal parts of a geometry produced by ``make_valid``."""
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def duplicated_ids(frame: pd.DataFrame, column: str = "id",
                   msg_id: str = "problems.duplicate_id") -> pd.Series:
    """Message ``msg_id`` for every row whose id repeats an earlier row's (NA elsewhere)."""
    ids = frame[column].astype("string")
    repeated = ids.duplicated(keep="first")
    dup = repeated & ids.notna() & (ids != "")
    if not dup.any():
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    first_where = frame.loc[~repeated, [column, WHERE]].set_index(column)[WHERE]
    first = ids.loc[dup].map(first_where).map(where_text).reindex(frame.index)
    return texts(msg_id, dup, id=ids, first=first)


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only white space."""
    return values.isna() | (values.astype("string").str.strip() == "")


def is_coverage(gdf: gpd.GeoDataFrame) -> bool:
    """Whether the polygons form a clean coverage: no two overlap, shared edges match.

    GEOS's coverage validator: linear in the vertices, much cheaper than intersecting
    every pair of neighbours, and without the GIL (:func:`ictgis.workspace.load_workspace`
    runs it beside the point layers). A clean coverage has no overlap at all (gaps it may
    have).
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    return bool(len(geoms) < 2 or shapely.coverage_is_valid(geoms))


def resolve_overlaps(gdf: gpd.GeoDataFrame, *, tolerance_pct: float, layer: str, file: str,
                     clean: bool | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Count every km² of overlapping polygons once; list each overlapping pair.

    Two polygons overlap when their intersection is larger than ``tolerance_pct`` % of the
    smaller one's area (smaller overlaps are digitising slivers and are left as they are).
    The overlap is kept by the polygon whose ``code`` sorts first (as text) and removed from
    the other one by differencing, so that areas add up to the area covered.

    Parameters
    ----------
    gdf
        Polygons in a metric CRS, with ``code`` and :data:`~ictgis.io.WHERE` columns.
    tolerance_pct
        Largest overlap left alone, in % of the smaller polygon's area.
    layer, file
        For the problem rows.
    clean
        :func:`is_coverage` of ``gdf`` when already known (None: find out); a clean
        coverage has no overlap.

    Returns
    -------
    tuple
        The layer with the overlaps removed from the polygons that sort later, and one
        problem (severity ``repaired``, code ``overlap``) per pair, on the polygon that gave
        up the overlap.
    """
    if clean if clean is not None else is_coverage(gdf):
        return gdf, empty_problems()
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    areas = shapely.area(geoms)
    first, second = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = first < second
    first, second = first[pair], second[pair]
    inside = ~shapely.touches(geoms[first], geoms[second])  # interiors meet: maybe an overlap
    first, second = first[inside], second[inside]
    shared = shapely.area(shapely.intersection(geoms[first], geoms[second]))
    smaller = np.minimum(areas[first], areas[second])
    big = (shared > 0) & (shared > tolerance_pct / 100 * smaller)
    if not big.any():
        return gdf, empty_problems()
    first, second, shared, smaller = first[big], second[big], shared[big], smaller[big]
    codes = gdf["code"].astype("string").fillna("").to_numpy(dtype=object)
    swap = codes[second] < codes[first]
    keeper = np.where(swap, second, first)
    loser = np.where(swap, first, second)
    values = geoms.copy()
    for index in np.unique(loser):
        winners = geoms[keeper[loser == index]]
        values[index] = _polygonal(shapely.difference(geoms[index], shapely.union_all(winners)))
    out = gdf.set_geometry(gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs))
    where = gdf[WHERE].astype("string").to_numpy(dtype=object)
    text = [str(t("problems.communes.overlap", other=codes[k], other_where=where_text(where[k]),
                  area=number(a / 1e6, 4), share=number(100 * a / s, 3)))
            for k, a, s in zip(keeper, shared, smaller, strict=True)]
    found = pd.DataFrame({
        "layer": layer, "file": file, "where": where[loser], "id": codes[loser],
        "severity": "repaired", "code": "overlap", "problem": text,
    })
    return out, found.astype("string")


def find_gaps(gdf: gpd.GeoDataFrame, *, tolerance_pct: float, layer: str, file: str,
              clean: bool | None = None) -> pd.DataFrame:
    """Gaps between polygons: holes of their union, inside the province, counted nowhere.

    A hole is listed when it is larger than ``tolerance_pct`` % of the smallest polygon
    around it (smaller ones are digitising slivers).

    Parameters
    ----------
    gdf
        Polygons in a metric CRS, with ``code`` and :data:`~ictgis.io.WHERE` columns.
    tolerance_pct
        Largest gap left unlisted, in % of the smallest bordering polygon's area.
    layer, file
        For the problem rows.
    clean
        :func:`is_coverage` of ``gdf`` when already known (None: find out): the union of a
        clean coverage is made edge by edge (GEOS coverage union), not by overlay.

    Returns
    -------
    pandas.DataFrame
        One problem (severity ``warning``, code ``gap``) per gap, on the bordering polygon
        whose code sorts first; the text gives its area, the bordering codes and a point in it.
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    clean = clean if clean is not None else is_coverage(gdf)
    union = shapely.coverage_union_all(present) if clean else shapely.union_all(present)
    holes = np.array([shapely.Polygon(ring) for part in shapely.get_parts(union)
                      if part.geom_type == "Polygon" for ring in part.interiors], dtype=object)
    if not len(holes):
        return empty_problems()
    hole_of, poly = shapely.STRtree(geoms).query(holes, predicate="intersects")
    areas = shapely.area(geoms)
    codes = gdf["code"].astype("string").fillna("").to_numpy(dtype=object)
    where = gdf[WHERE].astype("string").to_numpy(dtype=object)
    rows = []
    for index, hole in enumerate(holes):
        around = poly[hole_of == index]
        if not len(around) or hole.area <= tolerance_pct / 100 * areas[around].min():
            continue
        around = sorted(around, key=lambda i: codes[i])
        point = shapely.point_on_surface(hole)
        text = t("problems.communes.gap", area=number(hole.area / 1e6, 4),
                 communes=", ".join(dict.fromkeys(codes[i] for i in around)),
                 x=f"{point.x:.0f}", y=f"{point.y:.0f}")
        rows.append({"layer": layer, "file": file, "where": where[around[0]],
                     "id": codes[around[0]], "severity": "warning", "code": "gap",
                     "problem": str(text)})
    return pd.DataFrame(rows).astype("string") if rows else empty_problems()
