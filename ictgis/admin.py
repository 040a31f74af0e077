"""Administrative model: commune kinds, urban/rural, districts and regions, levels."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.crs import require_metric
from ictgis.errors import ConfigError, DataError
from ictgis.i18n import labels, t
from ictgis.text import NameMatcher, fold, map_unique, split_prefix
from ictgis.threads import query_in_halves

# input vocabulary, not display text (the names are ``labels("admin.kind")``)
#: Commune-level kind spellings (folded) -> canonical kind.
KIND_ALIASES: Mapping[str, str] = {
    "phuong": "phuong", "p": "phuong", "ward": "phuong",
    "thi tran": "thi_tran", "thi_tran": "thi_tran", "tt": "thi_tran", "town": "thi_tran",
    "township": "thi_tran",
    "xa": "xa", "x": "xa", "commune": "xa",
    "dac khu": "dac_khu", "dac_khu": "dac_khu", "dk": "dac_khu", "special zone": "dac_khu",
    "special administrative zone": "dac_khu",
}

# input vocabulary, not display text: the name prefix of a special zone (folded)
_DAC_KHU_PREFIX = "dac khu "

#: Zone id of a commune from its urban flag; the labels are ``labels("admin.zone")``.
ZONES: Mapping[bool, str] = {True: "urban", False: "rural"}

#: The value of the whole-area column at the one-group level (``province`` in a one-province
#: workspace, ``country`` in a national one; labels ``admin.province.all``, ``admin.country.all``).
WHOLE_PROVINCE = "all"

#: The six socio-economic regions (the default macro-regions of a national workspace): id ->
#: the provinces in it, legacy (63) and 2025 (34) names. A province formed in 2025 keeps the
#: region of the former province whose name it took (Gia Lai, Lâm Đồng and Đắk Lắk stay in the
#: Central Highlands). Labels are ``labels("admin.macro_region")``; ``[macro_regions]`` in
#: ``ictgis.toml`` replaces the lot.
SOCIO_ECONOMIC_REGIONS: Mapping[str, tuple[str, ...]] = {
    "northern_midlands": (
        "Hà Giang", "Cao Bằng", "Bắc Kạn", "Tuyên Quang", "Lào Cai", "Yên Bái",  # input vocabulary
        "Thái Nguyên", "Lạng Sơn", "Bắc Giang", "Phú Thọ", "Điện Biên",  # input vocabulary
        "Lai Châu", "Sơn La", "Hòa Bình"),  # input vocabulary
    "red_river_delta": (
        "Hà Nội", "Vĩnh Phúc", "Bắc Ninh", "Quảng Ninh", "Hải Dương",  # input vocabulary
        "Hải Phòng", "Hưng Yên", "Thái Bình", "Hà Nam", "Nam Định", "Ninh Bình"),  # input vocabulary
    "central_coast": (
        "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị",  # input vocabulary
        "Thừa Thiên Huế", "Huế", "Đà Nẵng", "Quảng Nam", "Quảng Ngãi",  # input vocabulary
        "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận"),  # input vocabulary
    "central_highlands": (
        "Kon Tum", "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng"),  # input vocabulary
    "southeast": (
        "Bình Phước", "Tây Ninh", "Bình Dương", "Đồng Nai", "Bà Rịa - Vũng Tàu",  # input vocabulary
        "Hồ Chí Minh"),  # input vocabulary
    "mekong_delta": (
        "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Vĩnh Long",  # input vocabulary
        "Đồng Tháp", "An Giang", "Kiên Giang", "Cần Thơ", "Hậu Giang",  # input vocabulary
        "Sóc Trăng", "Bạc Liêu", "Cà Mau"),  # input vocabulary
}


def levels(columns: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The aggregation levels a commune table supports: name -> grouping columns.

    Administrative structure is data: the levels follow from the columns the workspace
    gave the communes. A table with a ``province`` column is national: commune, district
    (within its province, when there are districts), province, macro-region (when
    ``macro_region`` is there), zone, and the whole ``country``. Otherwise it is one
    province: commune, district, zone, and the whole ``province``. Either has region and
    region x zone when the communes have regions (``[regions]``). A level with no grouping
    column is one group (the whole).

    Parameters
    ----------
    columns
        The columns of the commune table.

    Returns
    -------
    dict
        Level -> grouping columns, finest level first; only levels whose columns exist.
    """
    have = set(columns)
    national = "province" in have
    found: dict[str, tuple[str, ...]] = {"commune": ("code",)}
    found["district"] = ("province", "district") if national else ("district",)
    if national:
        found["province"] = ("province",)
        found["macro_region"] = ("macro_region",)
    found["zone"] = ("zone",)
    found["region"] = ("region",)
    found["region_zone"] = ("region", "zone")
    found["country" if national else "province"] = ()
    return {name: keys for name, keys in found.items() if set(keys) <= have}


def whole_level(columns: Iterable[str]) -> str:
    """The one-group level of a commune table: ``country`` (national) or ``province``."""
    return next(name for name, keys in levels(columns).items() if not keys)


#: Every column :func:`levels` groups by: ``levels(UNIT_COLUMNS)`` names every level a table
#: may have, with the columns it needs (the one-province whole ``province`` aside).
UNIT_COLUMNS = ("code", "province", "district", "macro_region", "zone", "region")



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
    if kind is None:
        return map_unique(names, _kind_of_name).astype("string")
    from_kind = map_unique(kind, lambda k: KIND_ALIASES.get(fold(k)))
    missing = from_kind.isna().to_numpy(bool)
    if missing.any():  # names only where the kind does not tell (10,000 names take a second)
        from_kind = from_kind.fillna(map_unique(names[missing], _kind_of_name))
    return from_kind.astype("string")


def _kind_of_name(name: object) -> str | None:
    """Kind from a name's prefix ("Phường 1", "Đặc khu Phú Quốc"), or None."""
    if fold(name).startswith(_DAC_KHU_PREFIX):
        return "dac_khu"
    prefix = split_prefix(name)[0]
    return prefix if prefix in ("phuong", "thi_tran", "xa") else None


def regions_of_units(codes: pd.Series, unit_codes: pd.Series, unit_regions: pd.Series, *,
                     names: pd.Series, file: str) -> pd.Series:
    """The region of each commune from the regions of the units it was formed from.

    Regions by former district in the two-tier structure: every former commune of a new
    commune lies in a former district, and so in a region (DOMAIN.md §3, §7).

    Parameters
    ----------
    codes
        The communes' codes.
    unit_codes, unit_regions
        Aligned: the commune code each unit went into, and the unit's region.
    names
        The communes' names (aligned with ``codes``), for messages.
    file
        The file that links units to communes (the crosswalk), for messages.

    Raises
    ------
    ConfigError
        When a commune's units lie in two regions, or a commune has no unit.
    """
    pairs = pd.DataFrame({"code": unit_codes.to_numpy(), "region": unit_regions.to_numpy()})
    found = pairs.dropna().drop_duplicates().groupby("code", sort=False)["region"].agg(list)
    split = found[found.map(len) > 1]
    name_of = dict(zip(codes, names, strict=True))
    if len(split):
        msg = t("admin.error.region_split", commune=name_of.get(split.index[0], split.index[0]),
                code=split.index[0], regions=", ".join(split.iloc[0]), file=file)
        raise ConfigError(msg)
    region = codes.map(found.str[0]).astype("string")
    missing = codes[region.isna()]
    if len(missing):
        msg = t("admin.error.region_no_unit", file=file,
                names=", ".join(f"{name_of[c]} ({c})" for c in missing))
        raise ConfigError(msg)
    return region


def assign_regions(
    units: pd.Series, regions: Mapping[str, Sequence[str]], *, file: str, unit: str = "district",
    section: str = "regions",
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
        What ``units`` holds ("district", "commune" or "province"), for messages.
    section
        The table of ``ictgis.toml`` that gave ``regions`` (``regions``, ``macro_regions``).

    Raises
    ------
    ConfigError
        When a unit of the data is in no region, in two, or a configured name matches no unit
        or several: an unmapped district is an error, never a silent "other".
    """
    present = [u for u in pd.unique(units.dropna()) if str(u).strip()]
    unit_name = labels("admin.unit").get(unit, unit)
    matcher = NameMatcher(present)
    mapping: dict[str, str] = {}
    for region, names in regions.items():
        for name in names:
            found = matcher.candidates(name)
            if len(found) != 1:
                msg = t("admin.error.region_matches_many" if found
                        else "admin.error.region_matches_none",
                        region=region, name=name, n=len(found), found=", ".join(found),
                        unit=unit_name, file=file, present=", ".join(map(str, present)),
                        section=section)
                raise ConfigError(msg)
            if found[0] in mapping and mapping[found[0]] != region:
                msg = t("admin.error.region_twice", unit=unit_name, name=found[0],
                        first=mapping[found[0]], second=region, section=section)
                raise ConfigError(msg)
            mapping[found[0]] = region
    unmapped = [u for u in present if u not in mapping]
    if unmapped:
        msg = t("admin.error.region_missing", unit=unit_name, names=_quoted(unmapped),
                file=file, section=section)
        raise ConfigError(msg)
    return units.map(mapping).astype("string")


def macro_regions(provinces: pd.Series, configured: Mapping[str, Sequence[str]], *,
                  file: str) -> pd.Series:
    """The macro-region of each commune from its province.

    Parameters
    ----------
    provinces
        The province name of every commune.
    configured
        ``[macro_regions]`` of ``ictgis.toml`` (region -> its provinces), or empty for the
        six socio-economic regions (:data:`SOCIO_ECONOMIC_REGIONS`, ids with labels
        ``admin.macro_region``).
    file
        The commune layer, for messages.

    Raises
    ------
    ConfigError
        When a province is in no region (or, configured, in two, or a name matches none).
    """
    if configured:
        return assign_regions(provinces, configured, file=file, unit="province",
                              section="macro_regions")
    region_of = {name: region for region, names in SOCIO_ECONOMIC_REGIONS.items()
                 for name in names}
    matcher = NameMatcher(region_of)
    present = pd.Series(pd.unique(provinces.dropna()))
    found = present.map(lambda p: region_of.get(matcher.match(p) or ""))
    if found.isna().any():
        msg = t("admin.error.macro_region_missing", file=file,
                names=_quoted(present[found.isna()]))
        raise ConfigError(msg)
    return provinces.map(dict(zip(present, found, strict=True))).astype("string")


def _quoted(names: Iterable[object]) -> str:
    """The names in the catalogue's quotation marks, comma-separated (for messages)."""
    return ", ".join(t("admin.quoted", name=name) for name in names)


def zone_id(urban: pd.Series) -> pd.Series:
    """Zone id (``urban`` / ``rural``) of each commune from its urban flag.

    The label in the language in force is ``labels("admin.zone")[id]``; writers put it into
    the outputs (:func:`display`).
    """
    return urban.map(ZONES).astype("string")


#: Columns of the tables whose values are ids with labels in the catalogue: column -> prefix.
LABELLED_COLUMNS: Mapping[str, str] = {"zone": "admin.zone", "province": "admin.province",
                                       "country": "admin.country",
                                       "macro_region": "admin.macro_region"}


def display(table: pd.DataFrame, columns: Mapping[str, str] = LABELLED_COLUMNS) -> pd.DataFrame:
    """``table`` with the ids of ``columns`` (column -> message prefix) replaced by their labels.

    Labels are in the language in force; values with no label stay as they are. Readers of a
    written table get the ids back with ``i18n.ids(prefix, column)``.
    """
    present = {col: prefix for col, prefix in columns.items() if col in table.columns}
    if not present:
        return table
    out = table.copy()
    for col, prefix in present.items():
        names = labels(prefix)
        values = out[col]
        out[col] = values.map(lambda v, names=names: names.get(v, v) if isinstance(v, str) else v
                              ).astype(values.dtype)
    return out


def locate(points: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.Series:
    """Code of the commune each point falls in (NA where it falls in none).

    Both layers must share a CRS. A point on a shared boundary goes to the commune with the
    smallest code, so that the result does not depend on row order.
    """
    if points.crs is None or communes.crs is None or not points.crs.equals(communes.crs):
        msg = t("admin.error.crs")
        raise DataError(msg)
    polygons = np.asarray(communes.geometry.array, dtype=object)
    shapely.prepare(polygons)  # prepared polygons against a tree of points: the fast way round
    tree = shapely.STRtree(points.geometry.array)
    commune_idx, point_idx = query_in_halves(tree, polygons, predicate="intersects")
    # each point takes, of the communes it touches, the one whose code sorts first
    by_code = communes["code"].reset_index(drop=True).sort_values(kind="stable")
    rank = np.empty(len(by_code), dtype=np.intp)  # commune position -> place in by_code
    rank[by_code.index] = np.arange(len(by_code))
    best = np.full(len(points), len(by_code), dtype=np.intp)  # len: in no commune
    np.minimum.at(best, point_idx, rank[commune_idx])
    inside = best < len(by_code)
    values = np.full(len(points), None, dtype=object)
    values[inside] = by_code.to_numpy(dtype=object)[best[inside]]
    return pd.Series(values, index=points.index, dtype="string")


def count_pairs(rows: pd.Series, index: pd.Index, columns: pd.Series,
                labels: Sequence[Hashable]) -> np.ndarray:
    """Cross-tabulate two aligned columns into an ``len(index) x len(labels)`` count matrix.

    Values of ``rows`` not in ``index`` and of ``columns`` not in ``labels`` are not counted.
    """
    r = index.get_indexer(rows)
    c = pd.Index(labels).get_indexer(columns)
    keep = (r >= 0) & (c >= 0)
    flat = np.bincount(r[keep] * len(labels) + c[keep], minlength=len(index) * len(labels))
    return flat.reshape(len(index), len(labels))


def group_keys(communes: pd.DataFrame, level: str) -> list[str]:
    """Grouping columns for ``level`` (:func:`levels`), checking the commune table has them."""
    known = levels(communes.columns)
    if level not in known:
        needs = levels(UNIT_COLUMNS)
        if level not in needs:
            msg = t("admin.error.level", level=level, levels=", ".join(known))
            raise ValueError(msg)
        missing = [k for k in needs[level] if k not in communes.columns] or ["province"]
        msg = t("admin.error.level_columns", level=level, missing=missing)
        raise ValueError(msg)
    return list(known[level])


def aggregate(table: pd.DataFrame, level: str, columns: Sequence[str]) -> pd.DataFrame:
    """Sum additive columns of the commune table to ``level``.

    Parameters
    ----------
    table
        One row per commune, with the grouping columns of ``level`` and ``columns``.
    level
        One of :func:`levels` of the table.
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
        sums.insert(0, level, WHOLE_PROVINCE)
        return sums.reset_index(drop=True)
    groups = [table[k] for k in keys]
    # skipna=False: a group with a missing value sums to NaN
    return values.groupby(groups, sort=True, dropna=False, observed=True).sum(
        skipna=False).reset_index()


def safe_ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 1.0) -> pd.Series:
    """``scale * numerator / denominator`` with NaN (not inf) where the denominator is 0."""
    num = numerator.astype(float)
    den = denominator.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = scale * num / den
    return out.where(den > 0)


#: Interior rings smaller than this (m²) that no other unit covers are digitising gaps between
#: communes, not holes: :func:`outlines` fills them. A real enclave is a unit, so it stays.
MIN_HOLE_M2 = 1_000.0

#: Gaps between communes narrower than this (m) are merged into the neighbour with the longest
#: shared border before the communes are dissolved (:func:`shapely.coverage_clean`).
SLIVER_WIDTH_M = 5.0

#: Vertices of neighbouring communes closer than this (m) are snapped together: no boundary
#: moves further.
SNAP_M = 0.5


def outlines(communes: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Outlines of the units of ``level``: the communes dissolved by the level's key, clean.

    Communes digitised one by one leave slivers between them (gaps of a few centimetres to
    metres) that a plain dissolve keeps as tiny holes and notches: stray fragments on a map.
    Here the communes are first cleaned as a coverage (:func:`shapely.coverage_clean`:
    vertices closer than :data:`SNAP_M` snapped together, gaps narrower than
    :data:`SLIVER_WIDTH_M` merged into the neighbour with the longest shared border, overlaps
    given to one side), then dissolved as a coverage; interior rings left that are smaller
    than :data:`MIN_HOLE_M2` and that no other unit covers are filled. A hole that another
    unit fills (a town enclosed by its district) stays, and so does a large uncovered hole.

    Parameters
    ----------
    communes
        Commune polygons in a metric CRS, with the grouping columns of ``level``.
    level
        One of :func:`levels` of the communes (``district``, ``region``, ``province``...).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit: the grouping columns of ``level`` (the one-group level: a column
        named ``level`` holding :data:`WHOLE_PROVINCE`) and ``geometry``, in the communes' CRS,
        sorted by the grouping columns.

    Raises
    ------
    DataError
        When the communes have no CRS or a geographic one.
    ValueError
        When the communes lack the grouping columns of ``level``.
    """
    require_metric(communes, "communes")
    keys = group_keys(communes, level)
    # a run asks for the same outlines more than once (the statistics' layers, then the
    # maps, from other frames of the same communes): made once per content
    seen = (_content_key(communes, keys), level)
    with _OUTLINES_LOCK:
        made = _OUTLINES.get(seen)
    if made is None:
        made = _dissolved(communes, level, keys)
        with _OUTLINES_LOCK:
            _OUTLINES[seen] = made
            while len(_OUTLINES) > OUTLINES_KEPT:
                _OUTLINES.pop(next(iter(_OUTLINES)))  # the oldest
    return made.copy()


#: Outlines kept for communes asked again (:func:`outlines`), the last ones made.
OUTLINES_KEPT = 8
_OUTLINES_LOCK = threading.Lock()
_OUTLINES: dict[tuple[str, str], gpd.GeoDataFrame] = {}


def _content_key(communes: gpd.GeoDataFrame, keys: Sequence[str]) -> str:
    """A digest of what :func:`outlines` depends on: the CRS, geometries and grouping values."""
    digest = hashlib.sha256(str(communes.crs.to_wkt()).encode())
    for wkb in shapely.to_wkb(np.asarray(communes.geometry.array, dtype=object)):
        digest.update(b"\0" if wkb is None else wkb)
    for key in keys:
        digest.update("\0".join(communes[key].astype(str)).encode())
    return digest.hexdigest()


def _dissolved(communes: gpd.GeoDataFrame, level: str, keys: list[str]) -> gpd.GeoDataFrame:
    """:func:`outlines`, made."""
    geoms = np.array(communes.geometry.array, dtype=object)
    # a missing geometry would shift coverage_clean's results onto the wrong communes
    # (shapely 2.2.0): an empty polygon keeps them aligned
    geoms[shapely.is_missing(geoms)] = shapely.Polygon()
    cleaned = shapely.coverage_clean(geoms, gap_width=SLIVER_WIDTH_M, snapping_distance=SNAP_M)
    frame = gpd.GeoDataFrame(communes[keys].copy() if keys else {level: WHOLE_PROVINCE},
                             geometry=cleaned, crs=communes.crs, index=communes.index)
    dissolved = frame.dissolve(by=keys or [level], method="coverage", sort=True).reset_index()
    dissolved["geometry"] = _fill_gaps(np.asarray(dissolved.geometry.array))
    return dissolved[[*(keys or [level]), "geometry"]]


def _fill_gaps(units: np.ndarray) -> np.ndarray:
    """The units without their interior rings under :data:`MIN_HOLE_M2` that no other covers."""
    parts, unit_of = shapely.get_parts(units, return_index=True)
    counts = shapely.get_num_interior_rings(parts)
    part_of = np.repeat(np.arange(len(parts)), counts)
    if not len(part_of):
        return units
    ring_no = np.arange(len(part_of)) - np.repeat(np.cumsum(counts) - counts, counts)
    rings = shapely.get_interior_ring(parts[part_of], ring_no)
    holes = shapely.polygons(rings)
    area = shapely.area(holes)
    # the share of each hole that other units cover
    hole_i, other = shapely.STRtree(units).query(holes, predicate="intersects")
    keep_pair = other != unit_of[part_of[hole_i]]
    covered = np.bincount(hole_i[keep_pair], minlength=len(holes),
                          weights=shapely.area(shapely.intersection(
                              holes[hole_i[keep_pair]], units[other[keep_pair]])))
    gap = (area < MIN_HOLE_M2) & (covered < area / 2)
    out = units.copy()
    for part in np.unique(part_of[gap]):  # the few polygons that lose a ring
        rings_kept = rings[(part_of == part) & ~gap]
        parts[part] = shapely.Polygon(shapely.get_exterior_ring(parts[part]), list(rings_kept))
    for unit in np.unique(unit_of[part_of[gap]]):
        mine = parts[unit_of == unit]
        out[unit] = mine[0] if len(mine) == 1 else shapely.MultiPolygon(list(mine))
    return out
