"""Administrative model: commune kinds, urban/rural, districts and regions, levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.errors import ConfigError, DataError

# name matching lives in ictgis.text; kept importable from here for existing callers
from ictgis.text import PREFIXES, NameMatcher, fold, map_unique, same_name, split_prefix  # noqa: F401

#: Commune-level kind spellings (folded) -> canonical kind.
KIND_ALIASES: Mapping[str, str] = {
    "phuong": "phuong", "p": "phuong", "ward": "phuong",
    "thi tran": "thi_tran", "thi_tran": "thi_tran", "tt": "thi_tran", "town": "thi_tran",
    "township": "thi_tran",
    "xa": "xa", "x": "xa", "commune": "xa",
}

#: Labels of the urban/rural zones in outputs.
ZONE_LABELS: Mapping[bool, str] = {True: "Thành thị", False: "Nông thôn"}

#: Aggregation levels: name -> grouping columns of the commune table (empty: one group).
LEVELS: Mapping[str, tuple[str, ...]] = {
    "commune": ("code",),
    "district": ("district",),
    "zone": ("zone",),
    "region": ("region",),
    "region_zone": ("region", "zone"),
    "province": (),
}

def commune_kind(kind: pd.Series | None, names: pd.Series) -> pd.Series:
    """Canonical commune kind (``phuong``, ``thi_tran``, ``xa``) from a kind column or names.

    Parameters
    ----------
    kind
        Raw kind values (any spelling in :data:`KIND_ALIASES`), or ``None`` to use the name
        prefix ("Phường 1", "Thị trấn Cái Bè", "Xã Tân Mỹ Chánh").
    names
        Commune names, used where ``kind`` is missing or blank.

    Returns
    -------
    pandas.Series
        The kind, or NA where it cannot be told.
    """
    from_names = map_unique(names, lambda n: split_prefix(n)[0]).map(
        {"phuong": "phuong", "thi_tran": "thi_tran", "xa": "xa"}
    )
    if kind is None:
        return from_names.astype("string")
    from_kind = map_unique(kind, lambda k: KIND_ALIASES.get(fold(k)))
    return from_kind.fillna(from_names).astype("string")


def assign_regions(
    units: pd.Series, regions: Mapping[str, Sequence[str]], *, file: str, unit: str = "district"
) -> pd.Series:
    """Map each unit (district or commune name) to its economic region.

    Parameters
    ----------
    units
        The unit name of every commune.
    regions
        Region -> names of its units, from ``ictgis.toml`` [regions].
    file
        The layer file, for messages.
    unit
        What ``units`` holds ("district" or "commune"), for messages.

    Raises
    ------
    ConfigError
        When a unit of the data is in no region, in two, or a configured name matches no unit
        or several: an unmapped district is an error, never a silent "other".
    """
    present = [u for u in pd.unique(units.dropna()) if str(u).strip()]
    matcher = NameMatcher(present)
    mapping: dict[str, str] = {}
    for region, names in regions.items():
        for name in names:
            found = matcher.candidates(name)
            if len(found) != 1:
                what = "no" if not found else f"{len(found)} ({', '.join(found)})"
                msg = (f"ictgis.toml: [regions] {region!r} lists {name!r}, which matches {what} "
                       f"{unit} of {file}; {unit}s there: {', '.join(map(str, present))}")
                raise ConfigError(msg)
            if found[0] in mapping and mapping[found[0]] != region:
                msg = (f"ictgis.toml: [regions] {unit} {found[0]!r} is in both "
                       f"{mapping[found[0]]!r} and {region!r}")
                raise ConfigError(msg)
            mapping[found[0]] = region
    unmapped = [u for u in present if u not in mapping]
    if unmapped:
        msg = (f"ictgis.toml: [regions] maps no region for {unit} "
               f"{', '.join(repr(u) for u in unmapped)} of {file}; add it to a region")
        raise ConfigError(msg)
    return units.map(mapping).astype("string")


def zone_label(urban: pd.Series) -> pd.Series:
    """Zone label (Thành thị / Nông thôn) of each commune from its urban flag."""
    return urban.map(ZONE_LABELS).astype("string")


def locate(points: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.Series:
    """Code of the commune each point falls in (NA where it falls in none).

    Both layers must share a CRS. A point on a shared boundary goes to the commune with the
    smallest code, so that the result does not depend on row order.
    """
    if points.crs is None or communes.crs is None or not points.crs.equals(communes.crs):
        msg = "points and communes must be in the same CRS"
        raise DataError(msg)
    polygons = communes.geometry.array
    shapely.prepare(polygons)  # prepared polygons against a tree of points: the fast way round
    tree = shapely.STRtree(points.geometry.array)
    commune_idx, point_idx = tree.query(polygons, predicate="intersects")
    codes = communes["code"].to_numpy()[commune_idx]
    found = pd.DataFrame({"p": point_idx, "code": codes}).sort_values(["p", "code"])
    first = found.drop_duplicates("p")
    out = pd.Series(pd.NA, index=points.index, dtype="string")
    out.iloc[first["p"].to_numpy()] = first["code"].to_numpy()
    return out


def count_pairs(rows: pd.Series, index: pd.Index, columns: pd.Series,
                labels: list[str]) -> np.ndarray:
    """Cross-tabulate two aligned columns into an ``len(index) x len(labels)`` count matrix.

    Values of ``rows`` not in ``index`` and of ``columns`` not in ``labels`` are not counted.
    """
    r = index.get_indexer(rows)
    c = pd.Index(labels).get_indexer(columns)
    keep = (r >= 0) & (c >= 0)
    flat = np.bincount(r[keep] * len(labels) + c[keep], minlength=len(index) * len(labels))
    return flat.reshape(len(index), len(labels))


def group_keys(communes: pd.DataFrame, level: str) -> list[str]:
    """Grouping columns for ``level``, checking the commune table has them."""
    if level not in LEVELS:
        msg = f"unknown level {level!r}; levels are {', '.join(LEVELS)}"
        raise ValueError(msg)
    keys = list(LEVELS[level])
    missing = [k for k in keys if k not in communes.columns]
    if missing:
        msg = f"level {level!r} needs column(s) {missing} in the commune table"
        raise ValueError(msg)
    return keys


def aggregate(table: pd.DataFrame, level: str, columns: Sequence[str]) -> pd.DataFrame:
    """Sum additive columns of the commune table to ``level``.

    Parameters
    ----------
    table
        One row per commune, with the grouping columns of :data:`LEVELS` and ``columns``.
    level
        One of :data:`LEVELS`.
    columns
        Additive quantities (areas, populations, counts) to sum; ratios are recomputed from
        these sums by the indicator modules, never averaged.

    Returns
    -------
    pandas.DataFrame
        One row per group, grouping columns first. A group with a missing value in a
        column gets NaN there, so that incomplete data never passes for a total.
    """
    keys = group_keys(table, level)
    values = table[list(columns)].astype(float)
    if not keys:
        sums = values.sum().where(values.notna().all()).to_frame().T
        sums.insert(0, "province", "Toàn tỉnh")
        return sums.reset_index(drop=True)
    groups = [table[k] for k in keys]
    sums = values.groupby(groups, sort=True, dropna=False, observed=True).sum()
    incomplete = values.isna().groupby(groups, sort=True, dropna=False, observed=True).any()
    return sums.mask(incomplete).reset_index()


def safe_ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 1.0) -> pd.Series:
    """``scale * numerator / denominator`` with NaN (not inf) where the denominator is 0."""
    num = numerator.astype(float)
    den = denominator.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = scale * num / den
    return out.where(den > 0)
