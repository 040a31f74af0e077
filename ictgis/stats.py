"""Indicator tables at every level: sums per commune, re-aggregated, ratios recomputed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis import admin, postal, telecom
from ictgis.i18n import labels, t
from ictgis.workspace import Workspace

#: Note (id; label ``stats.note.not_by_district``) where subscriber densities are empty
#: because the subscribers table, given by district, cannot resolve the grouping.
NOT_BY_DISTRICT = "not_by_district"

#: Columns whose values are ids with labels in the catalogue: column -> message prefix.
LABELLED_COLUMNS: Mapping[str, str] = {
    **admin.LABELLED_COLUMNS, "postal_note": "stats.note", "telecom_note": "stats.note",
    "synthetic": "stats.synthetic",
}

#: The value of the ``synthetic`` column of synthetic workspaces (label ``stats.synthetic.yes``).
SYNTHETIC = "yes"


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
    "country", "macro_region", "province", "region", "district", "zone", "code", "name", "kind",
    "former_communes", "former_districts", "area_km2", "population", "n_points", "radius_km",
    "pop_per_point", "points_per_10k",
    "postal_note", "phone_per_100", "phone_per_100_incl_prepaid", "internet_fixed_per_100",
    "internet_per_100", "telecom_note", "masts", "masts_per_100km2", "masts_per_10k",
    "shared_mast_pct", "operators_per_mast",
)

#: Columns computed from the sums at each level (never summed, never re-based).
RATIO_COLUMNS = (
    "radius_km", "pop_per_point", "points_per_10k", "postal_note", "phone_per_100",
    "phone_per_100_incl_prepaid", "internet_fixed_per_100", "internet_per_100", "telecom_note",
    "masts_per_100km2", "masts_per_10k", "shared_mast_pct", "operators_per_mast", "synthetic",
)

#: Columns of the commune table that describe a commune (not summed): the admin model and,
#: with a crosswalk, the former communes and districts it was formed from.
LABEL_COLUMNS = ("code", "name", "kind", "urban", "zone", "province", "macro_region", "district",
                 "region", "area_source",
                 "geometry", "area_computed_km2", "former_communes", "former_districts")


def headers(columns: Iterable[str]) -> dict[str, str]:
    """Header with unit of every column, in the language in force.

    Postal types and operators included; columns with no header are left out.
    """
    known = labels("stats.header")
    types = labels("stats.point_type")
    out = {}
    for col in columns:
        if col in known:
            out[col] = known[col]
        elif col.startswith("n_") and col[2:] in types:
            out[col] = t("stats.header_of.points", type=types[col[2:]])
        elif col.startswith("masts_op_"):
            out[col] = t("stats.header_of.operator",
                         operator=telecom.operator_name(col.removeprefix("masts_op_")))
        elif col.startswith("masts_"):
            out[col] = t("stats.header_of.technology",
                         technology=col.removeprefix("masts_").upper())
    return out


def display(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as written: ids of zones, the province, notes and the synthetic flag as labels.

    Labels are in the language in force (:data:`LABELLED_COLUMNS`); a reader gets the ids back
    with ``i18n.ids(prefix, column)``.
    """
    return admin.display(table, LABELLED_COLUMNS)


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
    return [c for c in table.columns if c not in LABEL_COLUMNS]


def available_levels(table: pd.DataFrame) -> list[str]:
    """The levels the commune table can be grouped by (:func:`ictgis.admin.levels`)."""
    return list(admin.levels(table.columns))


def level_table(table: pd.DataFrame, level: str, *,
                subscribers_by_district: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicators at one level: sums of the commune table, then ratios recomputed.

    Parameters
    ----------
    table
        From :func:`commune_table`.
    level
        One of :func:`ictgis.admin.levels` of the table.
    subscribers_by_district
        Subscriber counts indexed by district, when the table is by district: they are summed
        to the levels made of whole districts (district, region when regions group districts,
        province) and left empty, with a note, elsewhere.
    """
    columns = additive_columns(table)
    sums = admin.aggregate(table, level, columns)
    if level == "commune":
        labels = table[["code", "name", "kind", "zone", *(
            c for c in ("province", "macro_region", "district", "region", "former_communes",
                        "former_districts")
            if c in table)]]
        sums = labels.merge(sums, on="code", how="right")
    if subscribers_by_district is not None:
        sums = _district_subscribers(sums, table, level, subscribers_by_district)
    out = telecom.add_indicators(postal.add_indicators(sums))
    counts = [c for c in (*columns, *telecom.SUBSCRIBER_COLUMNS)
              if c != "area_km2" and c in out]
    return _ordered(out.assign(**{c: whole for c in counts
                                  if (whole := _whole_numbers(out[c])) is not None}))


def _whole_numbers(values: pd.Series) -> pd.Series | None:
    """``values`` as ``Int64`` (NaN as NA) when every number in it is whole, else None."""
    if values.dtype != np.float64:  # every value must be a number (or missing)
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().sum() != values.notna().sum():
            return None
        values = numbers.astype(np.float64)
    x = values.to_numpy()
    missing = np.isnan(x)
    present = x[~missing]
    if not (np.isfinite(present).all() and (present == np.round(present)).all()):
        return None
    whole = pd.arrays.IntegerArray(np.where(missing, 0, x).astype(np.int64), missing)
    return pd.Series(whole, index=values.index, name=values.name)


def _district_subscribers(sums: pd.DataFrame, table: pd.DataFrame, level: str,
                          subscribers: pd.DataFrame) -> pd.DataFrame:
    keys = list(admin.levels(table.columns)[level])
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
        Level name -> table (:func:`ictgis.admin.levels`: commune, district, zone, region,
        region_zone, province; national: commune, district, province, macro_region, zone,
        country). Each row
        carries its inputs S, P, N beside R and Dp. Zones, the province and notes are ids
        (:func:`display` gives the labels). Synthetic workspaces get a ``synthetic`` column
        (:data:`SYNTHETIC`).
    """
    table = commune_table(ws)
    by_district = None
    if ws.subscribers is not None and ws.config.layers["subscribers"].by == "district":
        by_district = ws.subscribers
    plain = pd.DataFrame(table.drop(columns="geometry"))
    out = {}
    for level in available_levels(table):
        result = level_table(plain, level, subscribers_by_district=by_district)
        if ws.config.synthetic:
            result["synthetic"] = SYNTHETIC
        out[level] = result
    return out


def indicator_layers(ws: Workspace, tables: Mapping[str, pd.DataFrame]
                     ) -> dict[str, gpd.GeoDataFrame]:
    """Map layers carrying every indicator: communes, and the larger units present.

    Layers ``districts``, ``provinces`` (national), ``regions``, ``macro_regions``. Their
    polygons are the union of their communes.
    """
    geometry = ws.communes[["code", "geometry"]]
    layers = {"communes": gpd.GeoDataFrame(
        geometry.merge(tables["commune"], on="code"), geometry="geometry", crs=ws.communes.crs)}
    keys = admin.levels(ws.communes.columns)
    done: list[gpd.GeoDataFrame] = []
    for level in ("district", "province", "region", "macro_region"):
        if level in tables and keys.get(level):
            by = list(keys[level])
            shapes = admin.outlines(_nested_source(ws.communes, done, by), level)
            done.append(shapes)
            layers[f"{level}s"] = gpd.GeoDataFrame(
                shapes.merge(tables[level], on=by), geometry="geometry", crs=ws.communes.crs)
    return layers


def _nested_source(communes: gpd.GeoDataFrame, done: list[gpd.GeoDataFrame], by: list[str]
                   ) -> gpd.GeoDataFrame:
    """What to dissolve into units grouped ``by``: finer outlines already made, or communes.

    The outlines of a finer level serve when each of its units lies in one unit of ``by``
    (a macro-region from its 34 provinces, not from 3,321 communes).
    """
    for finer in reversed(done):
        keys = [c for c in finer.columns if c != "geometry"]
        pairs = pd.DataFrame(communes[list(dict.fromkeys([*keys, *by]))]).drop_duplicates()
        if not pairs.duplicated(keys).any():
            return finer.merge(pairs, on=keys)
    return communes
