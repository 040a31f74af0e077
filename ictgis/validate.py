"""Schema and geometry checks that collect every row problem before deciding what to reject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.errors import DataError
from ictgis.i18n import t
from ictgis.io import WHERE

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
    if len(rows):
        each = {k: v.loc[rows].to_numpy(dtype=object) for k, v in params.items()
                if isinstance(v, pd.Series)}
        same = {k: v for k, v in params.items() if not isinstance(v, pd.Series)}
        out.loc[rows] = [str(t(msg_id, **same, **{k: v[i] for k, v in each.items()}))
                         for i in range(len(rows))]
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
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
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
    dup = ids.duplicated(keep="first") & ids.notna() & (ids != "")
    first_where = frame.loc[~ids.duplicated(keep="first"), [column, WHERE]].set_index(column)[WHERE]
    return texts(msg_id, dup, id=ids, first=ids.map(first_where).map(where_text))


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only white space."""
    return values.isna() | (values.astype("string").str.strip() == "")
