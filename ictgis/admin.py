"""Administrative model: commune kinds, urban/rural, districts and regions, name matching, levels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.errors import ConfigError, DataError

#: Name prefixes (folded, without diacritics) -> unit class. Longest first, so that
#: "thi xa" (a district-level town) is never read as "xa" (a rural commune).
PREFIXES: tuple[tuple[str, str], ...] = (
    ("thanh pho", "thanh_pho"), ("thi tran", "thi_tran"), ("thi xa", "thi_xa"),
    ("phuong", "phuong"), ("huyen", "huyen"), ("quan", "quan"), ("xa", "xa"),
    ("tp", "thanh_pho"), ("tx", "thi_xa"), ("tt", "thi_tran"),
    ("h", "huyen"), ("q", "quan"), ("p", "phuong"), ("x", "xa"),
)

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

_PREFIX_RE = re.compile(
    r"^(?:" + "|".join(re.escape(p) for p, _ in PREFIXES) + r")(?=[\s.]|\d)[\s.]*"
)


def fold(text: object) -> str:
    """Fold a name for comparison: no diacritics (đ -> d), lower case, single spaces."""
    value = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    value = "".join(c for c in value if not unicodedata.combining(c)).casefold()
    value = re.sub(r"[^\w.]+", " ", value.replace("_", " "))
    return re.sub(r"\s+", " ", value).strip()


def split_prefix(name: object) -> tuple[str | None, str]:
    """Split an administrative name into its unit class and its base name.

    Examples
    --------
    >>> split_prefix("Thị xã Cai Lậy")
    ('thi_xa', 'cai lay')
    >>> split_prefix("H. Cai Lậy")
    ('huyen', 'cai lay')
    >>> split_prefix("Phường 5")
    ('phuong', '5')
    >>> split_prefix("Cai Lậy")
    (None, 'cai lay')
    """
    folded = fold(name)
    match = _PREFIX_RE.match(folded)
    if not match or match.end() == len(folded):
        return None, folded.replace(".", " ").strip()
    cls = dict(PREFIXES)[folded[: match.end()].rstrip(" .")]
    return cls, folded[match.end():].replace(".", " ").strip()


class NameMatcher:
    """Match administrative names regardless of diacritics, case and prefixes.

    A name with a prefix only matches a target with the same unit class or with no prefix
    (so "Thị xã Cai Lậy" never matches "Huyện Cai Lậy"); a name without a prefix matches a
    base name when that base is unique among the targets.

    Parameters
    ----------
    targets
        The names to match against (e.g. the districts of the commune layer).
    """

    def __init__(self, targets: Iterable[str]) -> None:
        self.targets = list(dict.fromkeys(targets))
        self._by_base: dict[str, list[tuple[str | None, str]]] = {}
        for target in self.targets:
            cls, base = split_prefix(target)
            self._by_base.setdefault(base, []).append((cls, target))

    def candidates(self, name: str) -> list[str]:
        """All targets ``name`` could mean."""
        cls, base = split_prefix(name)
        found = self._by_base.get(base, [])
        if cls is not None:
            found = [(c, t) for c, t in found if c in (cls, None)]
        return [t for _, t in found]

    def match(self, name: str) -> str | None:
        """The one target ``name`` means, or ``None`` if there is none or several."""
        found = self.candidates(name)
        return found[0] if len(found) == 1 else None


def map_unique(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)``, calling ``func`` once per distinct value (names repeat a lot)."""
    uniques = pd.unique(values.dropna())
    return values.map(dict(zip(uniques, map(func, uniques), strict=True)))


def same_name(left: pd.Series, right: pd.Series) -> pd.Series:
    """Whether two aligned columns of names name the same unit (see :class:`NameMatcher`)."""
    lcls, lbase = _split_columns(left)
    rcls, rbase = _split_columns(right)
    classes_agree = lcls.isna() | rcls.isna() | (lcls == rcls)
    return ((lbase == rbase) & classes_agree).fillna(False).astype(bool)


def _split_columns(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    parts = map_unique(names, split_prefix)
    cls = parts.map(lambda p: p[0] if isinstance(p, tuple) else None).astype("string")
    base = parts.map(lambda p: p[1] if isinstance(p, tuple) else None).astype("string")
    return cls, base


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
