"""Layer builders: GeoDataFrames in the working CRS -> folium layers and legend sections.

Attributes travel as GeoJSON properties or compact columns (WGS 84, coordinates to 1e-5 degree);
the page script (``assets/ictgis.js``) draws them. Each builder returns its layer(s) and a legend
section (:func:`~ictgis.maps.elements.legend_section`) in the language in force
(:func:`ictgis.i18n.language`); numbers follow its convention (:func:`ictgis.i18n.number`).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.map import Layer

from ictgis import i18n
from ictgis.crs import to_crs
from ictgis.maps.classification import Classes, coverage_labels, dbm
from ictgis.maps.data import CoverageRaster
from ictgis.maps.elements import (
    JSON_ENCODER,
    DataLayer,
    ImageLayer,
    js_json,
    legend_section,
    script_safe,
    swatch,
)
from ictgis.maps.labels import labels_for
from ictgis.maps.overlay import OverlayGrid, overlay_grid, overlay_png
from ictgis.maps.styles import (
    NODATA_COLOR,
    POST_COLORS,
    SEVERITY_COLORS,
    SHARED_COLOR,
    ZONE_COLORS,
    coverage_colors,
    operator_color,
)

#: Colour of the ranked new sites (as in the QGIS style of the priorities).
PRIORITY_COLOR = "#e6550d"


def _text(values: pd.Series) -> list[str | None]:
    """Strings for display (None where missing); tuples become ``"a, b"``."""
    def one(v: object) -> str | None:
        if isinstance(v, tuple | list):
            return ", ".join(str(x) for x in v) or None
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        return str(v)

    return [v if type(v) is str else one(v) for v in values.astype(object)]


def _numbers(values: pd.Series, decimals: int, units: str = "") -> list[str | None]:
    """Numbers for display in the language's convention, with their units (None where missing)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(float)
    suffix = f" {units}" if units else ""
    # each distinct value formatted once (Babel is slow: a national layer repeats values)
    shown = {v: i18n.number(v, decimals) + suffix for v in pd.unique(x[np.isfinite(x)])}
    return [shown.get(v) for v in x.tolist()]


def _count(label: str, n: int) -> str:
    """A legend row's label with its count: ``"Viettel (1.234)"``."""
    return f"{label} ({i18n.number(n, 0)})"


def _rounded(values: np.ndarray, decimals: int) -> list[float | None]:
    x = np.round(np.asarray(values, dtype=float), decimals)
    return [None if not np.isfinite(v) else float(v) for v in x]


def to_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer in WGS 84 longitude/latitude (EPSG:4326), as Leaflet wants it."""
    return to_crs(gdf, "EPSG:4326")


def _round_coords(geoms: np.ndarray, decimals: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def simplify_polygons(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons simplified for display, shared edges kept shared (tolerance ~1/5000 of extent)."""
    if gdf.empty:
        return gdf
    x0, y0, x1, y1 = gdf.total_bounds
    tolerance = max(max(x1 - x0, y1 - y0) / 5000.0, 2.0)
    try:
        geoms = shapely.coverage_simplify(gdf.geometry.array, tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify each polygon
        geoms = shapely.simplify(gdf.geometry.array, tolerance, preserve_topology=True)
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def _feature_collection(gdf: gpd.GeoDataFrame, properties: Mapping[str, Sequence[object]]) -> str:
    """A GeoJSON FeatureCollection (WGS 84, 5 decimals) as script-safe JSON text."""
    geoms = _round_coords(to_lonlat(gdf).geometry.array)
    texts = shapely.to_geojson(geoms)
    keys = list(properties)
    encode = JSON_ENCODER.encode
    parts = [
        '{"type":"Feature","geometry":' + g + ',"properties":'
        + encode(dict(zip(keys, row, strict=True))) + "}"
        for g, *row in zip(texts, *(properties[k] for k in keys), strict=True) if g is not None
    ]
    # made script-safe once, as a whole (GeoJSON geometries hold no character to escape)
    return script_safe('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}")


def _operator_key(operators: pd.Series) -> pd.Series:
    return operators.map(lambda ops: ", ".join(ops) if isinstance(ops, tuple | list)
                         else ("" if ops is None else str(ops)))


def commune_layer(communes: gpd.GeoDataFrame, classes: Classes, *, tiles: bool,
                  unit: str = "commune") -> tuple[DataLayer, str]:
    """The commune choropleth of ``classes`` (searchable) and its legend section.

    ``tiles``: whether base tiles are under it (then it is more transparent). Field names
    are in the language in force; the indicator's label, units and class limits are those
    of ``classes``. ``unit``: ``province`` for the provinces of the national page (named
    so, without a code; a ``page`` column links each to its own map).
    """
    t = labels_for()
    kinds = i18n.labels("admin.kind")
    ind = classes.indicator
    c = communes
    names = _text(c["name"])
    districts = _text(c["district"]) if "district" in c else [None] * len(c)
    props: dict[str, list] = {
        "name": names, "code": _text(c["code"]),
        "kind": [kinds.get(k, k) if k else k for k in _text(c["kind"])] if "kind" in c
        else [None] * len(c),
        "district": districts,
        "region": _text(c["region"]) if "region" in c else [None] * len(c),
        "population": _numbers(c["population"], 0) if "population" in c else [None] * len(c),
        "area": _numbers(c["area_km2"], 2, t["units_area"]) if "area_km2" in c
        else [None] * len(c),
        "value": _numbers(c[classes.column], ind.decimals, ind.units),
        "_c": classes.index(c[classes.column]).tolist(),
        **_label_points(c),
        "_label": [f"{n} — {d}" if d else n for n, d in zip(names, districts, strict=True)],
    }
    fields = [("value", ind.label), *((key, t[key]) for key in (
        "code", "kind", "district", "region", "population", "area")
        if key != "code" or unit == "commune")]
    extra = [("n_points", t["n_points"], 0, ""),
             ("radius_km", t["symbol_radius_km"], 2, t["units_radius_km"]),
             ("pop_per_point", t["symbol_pop_per_point"], 0, t["people_per_point"]),
             ("masts", t["masts"], 0, ""),
             ("masts_per_100km2", t["density"], 1, t["per_100km2"])]
    extra += [(col, t["covered_tech"].format(tech=col.removeprefix("pop_pct_any_").upper()),
               1, t["units_pop_pct_any"]) for col in c.columns
              if str(col).startswith("pop_pct_any_")]
    for col, label, decimals, units in extra:
        if col in c.columns and col != classes.column:
            props[col] = _numbers(c[col], decimals, units)
            fields.append((col, label))
    options = {"key": "communes", "title": "name", "tooltip": "_label", "fields": fields,
               "colors": list(classes.colors), "nodata": NODATA_COLOR, "stroke": "#666666",
               "weight": 0.6, "fillOpacity": 0.55 if tiles else 0.75,
               "labelClass": "commune", "rank": LABEL_RANKS["commune"]}
    if "page" in c.columns:
        props["page"] = _text(c["page"])
        options["link"] = "page"
    name = t[f"{unit}s_layer"].format(label=ind.label, units=ind.units)
    layer = DataLayer("polygons", _feature_collection(c, props), options, name=name)
    rows = [swatch(col, label) for col, label in zip(classes.colors, classes.labels, strict=True)]
    if c[classes.column].isna().any():
        rows.append(swatch(NODATA_COLOR, t["no_data"].format(why=ind.nodata)))
    note = t["classes_note"].format(scheme=t[f"scheme_{classes.scheme}"], n=len(classes.breaks))
    legend = legend_section("{sid}", f"{ind.label} ({ind.units})", rows, note)
    return layer, legend


#: Order in which the page places labels (lower first: a larger unit's label wins a place).
LABEL_RANKS = {"region": 0, "district": 1, "commune": 2}


def _label_points(polygons: gpd.GeoDataFrame) -> dict[str, list[float | None]]:
    """``_lon``, ``_lat``: a point inside each polygon (WGS 84), where its label goes."""
    inside = to_lonlat(gpd.GeoDataFrame(
        geometry=shapely.point_on_surface(polygons.geometry.array), crs=polygons.crs))
    return {"_lon": _rounded(shapely.get_x(inside.geometry.array), 5),
            "_lat": _rounded(shapely.get_y(inside.geometry.array), 5)}


def outline_layer(communes: gpd.GeoDataFrame, level: str, *, name: str, stroke: str,
                  weight: float, show: bool = True) -> DataLayer:
    """Outlines of the units of ``level`` (district, region...), labelled, simplified for display.

    ``communes`` in a metric CRS; the units are :func:`ictgis.admin.outlines` (no sliver
    holes between communes digitised one by one).
    """
    from ictgis.admin import outlines

    shapes = simplify_polygons(outlines(communes, level))
    props: dict[str, Sequence[object]] = {"name": _text(shapes[level]), **_label_points(shapes)}
    options = {"key": f"{level}s", "stroke": stroke, "weight": weight, "labelClass": level,
               "rank": LABEL_RANKS.get(level, 1)}
    return DataLayer("outlines", _feature_collection(shapes, props), options, name=name,
                     show=show)


def post_layers(posts: gpd.GeoDataFrame, commune_names: Mapping[str, str]
                ) -> list[tuple[DataLayer, str]]:
    """One layer per postal point type present, each with its legend row.

    Types in the order of :data:`ictgis.postal.POINT_TYPES`, named from the catalogue
    (``stats.point_type.*``, as in the statistics); other types as they are, points without a type last.
    """
    from ictgis.postal import POINT_TYPES

    t = labels_for()
    type_names = {**i18n.labels("stats.point_type"), "unknown": t["unknown"]}
    out = []
    types = posts["type"].astype("string").fillna("unknown")
    for kind in [k for k in (*POINT_TYPES, *sorted(set(types) - set(POINT_TYPES)))
                 if (types == k).any()]:
        part = posts[(types == kind).to_numpy(bool)]
        label = type_names.get(kind, kind)
        color = POST_COLORS.get(kind, "#636363")
        counted = (part["counted"].map({True: t["yes"], False: t["no"]}) if "counted" in part
                   else pd.Series([None] * len(part)))
        props = {
            "id": _text(part["id"]),
            "name": _text(part["name"]) if "name" in part else [None] * len(part),
            "type": [label] * len(part), "counted": _text(counted),
            "commune": [commune_names.get(str(c)) for c in part.get("commune", [None] * len(part))],
        }
        props["_title"] = [n or i for n, i in zip(props["name"], props["id"], strict=True)]
        options = {"key": f"post_{kind}", "title": "_title", "radius": 5, "stroke": "#ffffff",
                   "fill": color,
                   "fields": [[key, t[key]] for key in ("id", "type", "counted", "commune")]}
        layer = DataLayer("points", _feature_collection(part, props), options,
                          name=t["postal_layer"].format(type=label.split(" (")[0]))
        out.append((layer, swatch(color, _count(label, len(part)), dot=True)))
    return out


def site_columns(bts: gpd.GeoDataFrame, *, findings: gpd.GeoDataFrame | None = None,
                 commune_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The BTS layer as compact columns for the browser.

    Every column is a list with one value per site, in row order:

    * ``dlat``, ``dlon``: position in WGS 84 as integer steps of 1e-5 degree (~1 m) from
      ``lat0``, ``lon0``;
    * ``id``: the ids without their common prefix ``idPrefix``;
    * ``op``, ``tech``, ``cls``, ``st``, ``cm``: codes into ``ops`` (operators, joined by
      ``", "``; colours in ``opColors``), ``techs``, ``classes``, ``statuses``, ``communes``;
    * ``height10``: height in tenths of a metre (None when unknown);
    * ``findings``: row (as text) -> codes into ``lines`` (``"severity · rule: message"``,
      the severity named in the language in force).
    """
    pts = to_lonlat(bts[["geometry"]])
    lon = np.round(shapely.get_x(pts.geometry.array) * 1e5)
    lat = np.round(shapely.get_y(pts.geometry.array) * 1e5)
    lon0 = float(np.nanmin(lon)) if len(lon) else 0.0
    lat0 = float(np.nanmin(lat)) if len(lat) else 0.0

    def coded(values: list[str | None]) -> tuple[list[int], list[str | None]]:
        codes, uniques = pd.factorize(pd.Series(values, dtype="object"), use_na_sentinel=False)
        return codes.tolist(), [None if pd.isna(u) else str(u) for u in uniques]

    def column(name: str) -> list[str | None]:
        return _text(bts[name]) if name in bts.columns else [None] * len(bts)

    op_keys = _operator_key(bts["operators"]) if "operators" in bts else pd.Series([""] * len(bts))
    op, ops = coded(op_keys.tolist())
    others: dict[str, str] = {}
    tech, techs = coded(column("technologies"))
    cls, classes = coded(column("mast_class"))
    st, statuses = coded(column("status"))
    names = commune_names or {}
    cm, communes = coded([names.get(str(c)) for c in bts["commune"]] if "commune" in bts
                         else [None] * len(bts))
    height = (pd.to_numeric(bts["height"], errors="coerce").to_numpy(float) if "height" in bts
              else np.full(len(bts), np.nan))
    ids = [str(i) for i in bts["id"]]
    prefix = os.path.commonprefix(ids) if len(ids) > 1 else ""
    rows: dict[str, list[int]] = {}
    lines: list[str | None] = []
    if findings is not None and len(findings):
        codes, lines = coded(_finding_lines(findings).tolist())
        site = findings["site_id"].astype(str).to_numpy()
        by = np.argsort(site, kind="stable")  # a site's findings in their order
        keys, starts = np.unique(site[by], return_index=True)
        by_site = dict(zip(keys.tolist(), (c.tolist() for c in
                                           np.split(np.asarray(codes)[by], starts[1:])),
                           strict=True))
        rows = {str(i): by_site[k] for i, k in enumerate(ids) if k in by_site}
    return {
        "lat0": lat0 / 1e5, "lon0": lon0 / 1e5,
        "dlat": [None if np.isnan(v) else int(v - lat0) for v in lat],
        "dlon": [None if np.isnan(v) else int(v - lon0) for v in lon],
        "idPrefix": prefix, "id": [i[len(prefix):] for i in ids],
        "op": op, "ops": ops, "opColors": [operator_color(k or "", others) for k in ops],
        "tech": tech, "techs": techs, "cls": cls, "classes": classes, "st": st,
        "statuses": statuses, "cm": cm, "communes": communes,
        "height10": [None if np.isnan(h) else int(round(h * 10)) for h in height],
        "findings": rows, "lines": lines,
    }


def _severity_names(severity: pd.Series) -> pd.Series:
    """Severities named in the language in force (unknown ones as they are)."""
    names = i18n.labels("siting.severity")
    return severity.astype(str).map(lambda s: names.get(s, s))


def _finding_lines(findings: pd.DataFrame) -> pd.Series:
    """``"severity · rule: message"`` of each finding, the severity named."""
    return (_severity_names(findings["severity"]) + " · " + findings["rule"].astype(str) + ": "
            + findings["message"].astype(str))


def site_layer(bts: gpd.GeoDataFrame, findings: gpd.GeoDataFrame | None,
               commune_names: Mapping[str, str], *, findings_omitted: bool = False
               ) -> tuple[DataLayer, str]:
    """The BTS sites (:func:`site_columns`, clustered in the browser) and their legend.

    ``findings_omitted``: the findings are too many to list in the site popups (which then
    say where they are instead of "none").
    """
    from folium.plugins import MarkerCluster

    t = labels_for()
    columns = site_columns(bts, findings=findings, commune_names=commune_names)
    columns["findingsOmitted"] = findings_omitted
    # shown, but put on the map by the page script once the view is final (ictgis.layout)
    layer = DataLayer("sites", js_json(columns), {"key": "bts"},
                      name=t["bts_layer"].format(n=i18n.number(len(bts), 0)), show=False,
                      assets=(MarkerCluster.default_js, MarkerCluster.default_css))
    counts = pd.Series(columns["op"]).value_counts()
    totals: dict[tuple[str, str], int] = {}
    for idx, (key, color) in enumerate(zip(columns["ops"], columns["opColors"], strict=True)):
        label = t["shared"] if color == SHARED_COLOR else (key or t["unknown"])
        totals[(label, color)] = totals.get((label, color), 0) + int(counts.get(idx, 0))
    rows = [swatch(color, _count(label, n), dot=True) for (label, color), n in totals.items()]
    return layer, legend_section("{sid}", t["bts_legend"], rows, t["bts_note"])


def zone_layer(zones: gpd.GeoDataFrame) -> tuple[DataLayer, str]:
    """The plan zones coloured by zone class (hidden at first) and their legend."""
    t = labels_for()
    classes = i18n.labels("maps.zone_class")
    z = zones
    props: dict[str, list[str | None]] = {
        "id": _text(z["id"]) if "id" in z else [None] * len(z),
        "name": _text(z["name"]) if "name" in z else [None] * len(z),
        "zone_class": _text(z["zone_class"]),
        "allowed": _text(z["allowed_classes"]) if "allowed_classes" in z else [None] * len(z),
        "max_height": _numbers(z["max_height"], 1, t["units_m"]) if "max_height" in z
        else [None] * len(z),
    }
    props["_class"] = [classes.get(k, k) if k else k for k in props["zone_class"]]
    props["_title"] = [n or i or t["zone"] for n, i in zip(props["name"], props["id"], strict=True)]
    options = {"key": "zones", "title": "_title", "palette": dict(ZONE_COLORS),
               "colorBy": "zone_class", "fill": "#bbbbbb", "stroke": "#444444", "weight": 1,
               "fillOpacity": 0.35,
               "fields": [["id", t["id"]], ["_class", t["zone_class"]],
                          ["allowed", t["allowed"]], ["max_height", t["max_height"]]]}
    layer = DataLayer("polygons", _feature_collection(simplify_polygons(z), props), options,
                      name=t["zones"], show=False)
    present = set(props["zone_class"])
    rows = [swatch(color, classes.get(name, name)) for name, color in ZONE_COLORS.items()
            if name in present]
    return layer, legend_section("{sid}", t["zones"], rows)


def planned_layer(planned: gpd.GeoDataFrame) -> tuple[DataLayer, str]:
    """The planned sites (hidden at first) and their legend."""
    t = labels_for()
    p = planned
    props = {
        "id": _text(p["id"]),
        "mast_class": _text(p["mast_class"]) if "mast_class" in p else [None] * len(p),
        "operators": _text(p["operators"]) if "operators" in p else [None] * len(p),
        "radius": _numbers(p["radius"], 0, t["units_m"]) if "radius" in p else [None] * len(p),
    }
    options = {"key": "planned", "title": "id", "radius": 4, "stroke": "#000000",
               "fill": "#ffffff",
               "fields": [["mast_class", t["planned_class"]], ["operators", t["operators"]],
                          ["radius", t["deviation"]]]}
    layer = DataLayer("points", _feature_collection(p, props), options,
                      name=t["planned_layer"].format(n=i18n.number(len(p), 0)), show=False)
    rows = [swatch("#ffffff", t["planned_position"], dot=True)]
    return layer, legend_section("{sid}", t["planned"], rows)


def priorities_layer(ranking: gpd.GeoDataFrame) -> tuple[DataLayer, str]:
    """The ranked new sites of ``ictgis priorities`` (hidden at first) and their legend."""
    t = labels_for()
    r = ranking
    props = {
        "id": _text(r["candidate"].astype(str) if "candidate" in r else r["rank"].astype(str)),
        "rank": _numbers(r["rank"], 0),
        "people": _numbers(r["marginal_people"], 0) if "marginal_people" in r
        else [None] * len(r),
        "covered": _numbers(r["cumulative_covered_pct"], 1, "%")
        if "cumulative_covered_pct" in r else [None] * len(r),
    }
    options = {"key": "priorities", "title": "id", "radius": 6, "stroke": "#000000",
               "fill": PRIORITY_COLOR,
               "fields": [["rank", t["priority_rank"]], ["people", t["priority_people"]],
                          ["covered", t["priority_covered"]]]}
    layer = DataLayer("points", _feature_collection(r, props), options,
                      name=t["priorities_layer"].format(n=i18n.number(len(r), 0)), show=False)
    rows = [swatch(PRIORITY_COLOR, t["priority_site"], dot=True)]
    return layer, legend_section("{sid}", t["priorities"], rows)


def findings_layer(findings: gpd.GeoDataFrame, links: gpd.GeoDataFrame | None
                   ) -> tuple[DataLayer, str]:
    """The siting findings (hidden at first) and their legend.

    One point per site and place, coloured by its worst severity, and dashed links from a
    mast to the mast it conflicts with.
    """
    t = labels_for()
    severities = i18n.labels("siting.severity")
    order = {s: i for i, s in enumerate(SEVERITY_COLORS)}
    f = findings[~findings.geometry.is_empty & findings.geometry.notna()].copy()
    f["_rank"] = f["severity"].map(order).fillna(len(order))
    f["_line"] = _finding_lines(f)
    f["_xy"] = shapely.to_wkb(f.geometry.array)
    f = f.sort_values("_rank")
    # groups of (site, place) in order of first appearance, worst severity first in each
    group = f.groupby(["site_id", "_xy"], sort=False).ngroup().to_numpy()
    f, group = f[group >= 0], group[group >= 0]
    first = np.unique(group, return_index=True)[1]
    by = np.argsort(group, kind="stable")
    cuts = np.searchsorted(group[by], np.arange(len(first) + 1))
    lines = f["_line"].to_numpy(dtype=object)[by]
    sites = gpd.GeoDataFrame(
        {"site_id": f["site_id"].to_numpy()[first],
         "severity": f["severity"].groupby(group).first().to_numpy()},
        geometry=f.geometry.array[first], crs=findings.crs)
    parts = [sites[["geometry"]]]
    props = {"site": _text(sites["site_id"]), "severity": _text(sites["severity"]),
             "lines": [lines[a:b].tolist() for a, b in zip(cuts[:-1], cuts[1:], strict=True)]}
    if links is not None and len(links):
        parts.append(links[["geometry"]])
        props["site"] += _text(links["site_id"])
        props["severity"] += _text(links["severity"])
        props["lines"] += [[t["conflicts"].format(other=o)] if o else [] for o in
                           _text(links.get("other_id", pd.Series([None] * len(links))))]
    props["_severity"] = [severities.get(s, s) if s else s for s in props["severity"]]
    shapes = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                              crs=findings.crs)
    options = {"key": "findings", "title": "site", "radius": 5, "stroke": "#000000",
               "palette": dict(SEVERITY_COLORS), "colorBy": "severity", "fill": "#999999",
               "fields": [["_severity", t["worst"]], ["lines", t["findings"]]]}
    layer = DataLayer("points", _feature_collection(shapes, props), options,
                      name=t["findings_layer"].format(n=i18n.number(len(f), 0)), show=False)
    counts = f["severity"].value_counts()
    rows = [swatch(color, _count(severities.get(sev, sev), int(counts.get(sev, 0))), dot=True)
            for sev, color in SEVERITY_COLORS.items() if sev in counts]
    return layer, legend_section("{sid}", t["findings_legend"], rows, t["findings_note"])


def coverage_layers(coverage: Mapping[str, CoverageRaster],
                    bbox: tuple[float, float, float, float] | None
                    ) -> list[tuple[Layer, str]]:
    """One image overlay per technology (hidden at first), each with its legend section.

    Images of :func:`~ictgis.maps.overlay.overlay_image` cropped to ``bbox`` (degrees), as
    indexed PNGs (:func:`~ictgis.maps.overlay.overlay_png`); rasters of the same grid (the
    technologies of one run) share its warp (:func:`~ictgis.maps.overlay.overlay_grid`).
    """
    t = labels_for()
    out: list[tuple[Layer, str]] = []
    grids: dict[tuple[object, ...], OverlayGrid | None] = {}
    for tech, raster in coverage.items():
        key = (np.shape(raster.classes), tuple(raster.transform), str(raster.crs))
        if key not in grids:
            grids[key] = overlay_grid(raster, bbox=bbox)
        grid = grids[key]
        if grid is None:
            continue
        png = base64.b64encode(overlay_png(raster, grid)).decode("ascii")
        layer = ImageLayer(
            f"data:image/png;base64,{png}", grid.bounds,
            name=html.escape(t["coverage_layer"].format(tech=tech)),
            opacity=0.65, show=False, overlay=True, pixelated=True,
            class_name="ictgis-coverage", interactive=False)
        colors = coverage_colors(len(raster.classes_dbm) + 1)
        labels = coverage_labels(raster.classes_dbm)
        rows = [swatch(c, t["signal_class"].format(i=i, label=label))
                for i, (c, label) in enumerate(zip(colors, labels, strict=True), start=1)]
        note = t["signal_note"]
        if raster.threshold_dbm is not None:
            note += " " + t["threshold_note"].format(dbm=dbm(raster.threshold_dbm))
        out.append((layer, legend_section("{sid}", t["signal_legend"].format(tech=tech),
                                          rows, note)))
    return out


def _of_unit(key: str, unit: str) -> str:
    """The label id ``key`` for counts by commune, ``key_<unit>`` for counts by another unit."""
    return key if unit == "commune" else f"{key}_{unit}"


#: Colour of the per-commune site counts (a layer of sites too many to draw one by one).
COUNT_COLOR = "#31688e"


def _commune_points(communes: gpd.GeoDataFrame, codes: np.ndarray) -> gpd.GeoDataFrame:
    """A point inside each commune of ``codes`` (working CRS), with ``code`` and ``name``."""
    where = pd.Index(communes["code"].astype(str)).get_indexer(codes)
    c = communes.iloc[where]
    return gpd.GeoDataFrame({"code": codes, "name": c["name"].astype(str).to_numpy()},
                            geometry=shapely.point_on_surface(c.geometry.array),
                            crs=communes.crs)


def _count_radius(counts: np.ndarray) -> list[float | None]:
    """Circle radii (px) whose areas grow with the counts: 4 px .. 18 px for the largest."""
    top = max(float(np.max(counts)), 1.0) if len(counts) else 1.0
    return _rounded(4.0 + 14.0 * np.sqrt(np.asarray(counts, float) / top), 1)


def site_count_layer(bts: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, *, limit: int,
                     unit: str = "commune") -> tuple[DataLayer, str]:
    """BTS sites as counts per commune (a circle each, operators in the popup) and legend.

    For a layer of more than ``limit`` sites, too many to draw and send one by one: the
    legend says so. Sites without a commune are counted in the total, not drawn.
    ``unit``: ``province`` on the national page, where ``communes`` are the provinces and
    a site's ``commune`` names its province.
    """
    t = labels_for()
    n = len(bts)
    ops = bts["operators"] if "operators" in bts else pd.Series([()] * n, index=bts.index)
    op_code, op_tuples = pd.factorize(ops.to_numpy(dtype=object))
    op_names = [", ".join(o) if isinstance(o, tuple | list) else str(o) for o in op_tuples]
    commune = (bts["commune"].astype("string") if "commune" in bts
               else pd.Series(pd.NA, index=bts.index, dtype="string"))
    cm_code, cm_uniques = pd.factorize(commune, use_na_sentinel=True)
    keep = cm_code >= 0
    table = np.zeros((len(cm_uniques), max(len(op_names), 1)), dtype=np.int64)
    np.add.at(table, (cm_code[keep], op_code[keep]), 1)
    points = _commune_points(communes, np.asarray(cm_uniques, dtype=str))
    total = table.sum(axis=1)
    props: dict[str, Sequence[object]] = {"name": points["name"].tolist(),
                                          "sites": _numbers(pd.Series(total), 0),
                                          "_r": _count_radius(total)}
    fields = [["sites", t[f"sites_in_{unit}"]]]
    for k in np.argsort(-table.sum(axis=0), kind="stable")[:len(op_names)]:
        props[f"op{k}"] = [None if v == 0 else i18n.number(v, 0) for v in table[:, k]]
        fields.append([f"op{k}", op_names[k] or t["unknown"]])
    options = {"key": "bts", "title": "name", "radius": 6, "stroke": "#ffffff",
               "fill": COUNT_COLOR, "fields": fields}
    layer = DataLayer("points", _feature_collection(points, props), options,
                      name=t[_of_unit("bts_counts_layer", unit)].format(n=i18n.number(n, 0)))
    rows = [swatch(COUNT_COLOR, t[f"sites_in_{unit}"], dot=True)]
    note = t[_of_unit("bts_counts_note", unit)].format(n=i18n.number(n, 0),
                                                       limit=i18n.number(limit, 0))
    return layer, legend_section("{sid}", t["bts_legend"], rows, note)


def finding_count_layer(findings: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, *,
                        limit: int, file: str, unit: str = "commune"
                        ) -> tuple[DataLayer, str]:
    """Siting findings as counts per commune and severity (hidden at first), and legend.

    For more than ``limit`` findings: a circle per commune, coloured by its worst severity;
    the legend says so and names ``file``, the full list.
    """
    from ictgis.admin import locate

    t = labels_for()
    severities = i18n.labels("siting.severity")
    f = findings[~findings.geometry.is_empty & findings.geometry.notna()]
    located = locate(f[["geometry"]], communes[["code", "geometry"]]).to_numpy(dtype=object)
    keep = pd.notna(located)
    order = list(SEVERITY_COLORS)
    sev = pd.Categorical(f["severity"].astype(str).to_numpy()[keep], categories=order)
    cm_code, cm_uniques = pd.factorize(located[keep].astype(str))
    table = np.zeros((len(cm_uniques), len(order)), dtype=np.int64)
    np.add.at(table, (cm_code[sev.codes >= 0], sev.codes[sev.codes >= 0]), 1)
    points = _commune_points(communes, np.asarray(cm_uniques, dtype=str))
    total = table.sum(axis=1)
    worst = np.where(total > 0, (table > 0).argmax(axis=1), len(order) - 1)
    props: dict[str, Sequence[object]] = {
        "name": points["name"].tolist(), "severity": [order[k] for k in worst],
        "total": _numbers(pd.Series(total), 0), "_r": _count_radius(total)}
    fields = [["total", t["findings"]]]
    for k, name in enumerate(order):
        props[name] = [None if v == 0 else i18n.number(v, 0) for v in table[:, k]]
        fields.append([name, severities.get(name, name)])
    options = {"key": "findings", "title": "name", "radius": 6, "stroke": "#000000",
               "palette": dict(SEVERITY_COLORS), "colorBy": "severity", "fill": "#999999",
               "fields": fields}
    layer = DataLayer("points", _feature_collection(points, props), options,
                      name=t[_of_unit("findings_counts_layer", unit)].format(
                          n=i18n.number(len(f), 0)),
                      show=False)
    counts = f["severity"].value_counts()
    rows = [swatch(color, _count(severities.get(s, s), int(counts.get(s, 0))), dot=True)
            for s, color in SEVERITY_COLORS.items() if s in counts]
    note = t[_of_unit("findings_counts_note", unit)].format(
        n=i18n.number(len(f), 0), limit=i18n.number(limit, 0), file=file)
    return layer, legend_section("{sid}", t["findings_legend"], rows, note)
