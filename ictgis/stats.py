"""Indicator tables at every level: sums per commune, re-aggregated, ratios recomputed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd

from ictgis import admin, postal, telecom
from ictgis.workspace import Workspace

#: Why subscriber densities are empty at a level the subscribers table cannot resolve.
NOT_BY_DISTRICT = "subscribers are given by district: no figure for this grouping"

#: Output column -> Vietnamese header with unit.
HEADERS: Mapping[str, str] = {
    "code": "Mã xã", "name": "Tên đơn vị", "kind": "Loại", "zone": "Khu vực",
    "district": "Huyện/thị/thành", "region": "Vùng", "province": "Tỉnh",
    "area_km2": "Diện tích S (km²)", "population": "Dân số P (người)",
    "n_points": "Số điểm phục vụ bưu chính N", "radius_km": "Bán kính phục vụ R (km/điểm)",
    "pop_per_point": "Số dân phục vụ Dp (người/điểm)",
    "points_per_10k": "Số điểm/10.000 dân", "postal_note": "Ghi chú bưu chính",
    "fixed": "TB cố định", "mobile_postpaid": "TB di động trả sau",
    "mobile_prepaid": "TB di động trả trước", "internet_fixed": "TB Internet cố định",
    "internet_mobile": "TB Internet di động",
    "phone_per_100": "Mật độ điện thoại (TB/100 dân, không tính trả trước)",
    "phone_per_100_incl_prepaid": "Mật độ điện thoại (TB/100 dân, có trả trước)",
    "internet_fixed_per_100": "Mật độ Internet cố định (TB/100 dân)",
    "internet_per_100": "Mật độ Internet cố định + di động (TB/100 dân)",
    "telecom_note": "Ghi chú viễn thông",
    "masts": "Số cột BTS", "masts_shared": "Cột dùng chung (2+ DN)",
    "operator_sites": "Lượt DN trên cột", "masts_per_100km2": "Cột BTS/100 km²",
    "masts_per_10k": "Cột BTS/10.000 dân", "shared_mast_pct": "Tỷ lệ cột dùng chung (%)",
    "operators_per_mast": "Số DN bình quân/cột", "synthetic": "Dữ liệu",
}

#: Column -> Excel number format.
NUMBER_FORMATS: Mapping[str, str] = {
    "area_km2": "#,##0.00", "population": "#,##0", "n_points": "#,##0",
    "radius_km": "0.00", "pop_per_point": "#,##0", "points_per_10k": "0.00",
    "phone_per_100": "0.00", "phone_per_100_incl_prepaid": "0.00",
    "internet_fixed_per_100": "0.00", "internet_per_100": "0.00",
    "masts_per_100km2": "0.00", "masts_per_10k": "0.00", "shared_mast_pct": "0.0",
    "operators_per_mast": "0.00",
}


#: Leading columns of every indicator table, in this order; the others follow as computed.
LEADING = (
    "province", "region", "district", "zone", "code", "name", "kind",
    "area_km2", "population", "n_points", "radius_km", "pop_per_point", "points_per_10k",
    "postal_note", "phone_per_100", "phone_per_100_incl_prepaid", "internet_fixed_per_100",
    "internet_per_100", "telecom_note", "masts", "masts_per_100km2", "masts_per_10k",
    "shared_mast_pct", "operators_per_mast",
)


def headers(columns: Iterable[str]) -> dict[str, str]:
    """Vietnamese header with unit for every column (postal types and operators included)."""
    out = {}
    for col in columns:
        if col in HEADERS:
            out[col] = HEADERS[col]
        elif col.startswith("n_") and col[2:] in postal.POINT_TYPES:
            out[col] = f"Số điểm: {postal.POINT_TYPES[col[2:]][0]}"
        elif col.startswith("masts_op_"):
            out[col] = f"Cột có {telecom.operator_name(col.removeprefix('masts_op_'))}"
        elif col.startswith("masts_"):
            out[col] = f"Cột có {col.removeprefix('masts_').upper()}"
    return out


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in LEADING if c in table.columns]
    return table[first + [c for c in table.columns if c not in first]]


def commune_table(ws: Workspace) -> gpd.GeoDataFrame:
    """One row per commune with every additive quantity the indicators need.

    Columns: the admin model (code, name, kind, zone, district, region), ``area_km2``,
    ``population``, postal counts (``n_points``, ``n_<type>``), BTS counts (``masts``...) and,
    when subscribers are given by commune, the subscriber counts.
    """
    communes = ws.communes
    codes = pd.Index(communes["code"], name="code")
    parts = [postal.count_points(ws.post_offices["type"], ws.post_offices["commune"], codes,
                                 count_types=ws.config.count_types)]
    if ws.bts is not None:
        parts.append(telecom.count_bts(ws.bts, codes))
    if ws.subscribers is not None and ws.config.layers["subscribers"].by == "commune":
        parts.append(ws.subscribers.reindex(codes))
    extra = pd.concat(parts, axis=1)
    table = communes.drop(columns=[c for c in communes.columns if c.startswith("_")])
    return table.join(extra, on="code")


def additive_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a commune table that are sums (everything but labels and geometry)."""
    labels = {"code", "name", "kind", "urban", "zone", "district", "region", "area_source",
              "geometry", "area_computed_km2"}
    return [c for c in table.columns if c not in labels]


def available_levels(table: pd.DataFrame) -> list[str]:
    """The levels of :data:`ictgis.admin.LEVELS` that the commune table can be grouped by."""
    return [lvl for lvl, keys in admin.LEVELS.items() if set(keys) <= set(table.columns)]


def level_table(table: pd.DataFrame, level: str, *,
                subscribers_by_district: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicators at one level: sums of the commune table, then ratios recomputed.

    Parameters
    ----------
    table
        From :func:`commune_table`.
    level
        One of :data:`ictgis.admin.LEVELS`.
    subscribers_by_district
        Subscriber counts indexed by district, when the table is by district: they are summed
        to the levels made of whole districts (district, region when regions group districts,
        province) and left empty, with a note, elsewhere.
    """
    columns = additive_columns(table)
    sums = admin.aggregate(table, level, columns)
    if level == "commune":
        labels = table[["code", "name", "kind", "zone", *(
            c for c in ("district", "region") if c in table)]]
        sums = labels.merge(sums, on="code", how="right")
    if subscribers_by_district is not None:
        sums = _district_subscribers(sums, table, level, subscribers_by_district)
    out = telecom.add_indicators(postal.add_indicators(sums))
    counts = [c for c in (*columns, *telecom.SUBSCRIBER_COLUMNS)
              if c != "area_km2" and c in out]
    return _ordered(out.astype({c: "Int64" for c in counts if _integral(out[c])}))


def _integral(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers) == 0 or (numbers == numbers.round()).all())


def _district_subscribers(sums: pd.DataFrame, table: pd.DataFrame, level: str,
                          subscribers: pd.DataFrame) -> pd.DataFrame:
    keys = list(admin.LEVELS[level])
    district_level = set(keys) <= {"district", "region"} and (
        "region" not in keys or _regions_are_district_unions(table))
    if not district_level:
        return sums.assign(**{c: float("nan") for c in subscribers.columns},
                           telecom_note=NOT_BY_DISTRICT)
    labels = table[["district", *(k for k in keys if k != "district")]].drop_duplicates()
    per_district = labels.join(subscribers, on="district")
    grouped = admin.aggregate(per_district, level, list(subscribers.columns))
    return sums.merge(grouped, on=keys, how="left") if keys else pd.concat(
        [sums, grouped.drop(columns="province")], axis=1)


def _regions_are_district_unions(table: pd.DataFrame) -> bool:
    return bool((table.groupby("district")["region"].nunique() <= 1).all())


def compute_stats(ws: Workspace) -> dict[str, pd.DataFrame]:
    """Indicator tables for every level the workspace supports.

    Returns
    -------
    dict
        Level name -> table (commune, district, zone, region, region_zone, province). Each row
        carries its inputs S, P, N beside R and Dp. Synthetic workspaces get a ``synthetic``
        label column.
    """
    table = commune_table(ws)
    by_district = None
    if ws.subscribers is not None and ws.config.layers["subscribers"].by == "district":
        by_district = ws.subscribers
    out = {}
    for level in available_levels(table):
        result = level_table(pd.DataFrame(table.drop(columns="geometry")), level,
                             subscribers_by_district=by_district)
        if ws.config.synthetic:
            result["synthetic"] = "SYNTHETIC demo data"
        out[level] = result
    return out


def indicator_layers(ws: Workspace, tables: Mapping[str, pd.DataFrame]
                     ) -> dict[str, gpd.GeoDataFrame]:
    """Map layers carrying every indicator: communes, and districts/regions when present.

    District and region polygons are the union of their communes.
    """
    geometry = ws.communes[["code", "geometry"]]
    layers = {"communes": gpd.GeoDataFrame(
        geometry.merge(tables["commune"], on="code"), geometry="geometry", crs=ws.communes.crs)}
    for level in ("district", "region"):
        if level in tables:
            shapes = ws.communes[[level, "geometry"]].dissolve(by=level).reset_index()
            layers[f"{level}s"] = gpd.GeoDataFrame(
                shapes.merge(tables[level], on=level), geometry="geometry", crs=ws.communes.crs)
    return layers
