"""Interactive maps: the folium map of the province or of a region, and every page's HTML."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Mapping, Sequence
from typing import cast

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure
from folium.map import Layer

from ictgis import i18n, outputs
from ictgis.errors import ConfigError, DataError
from ictgis.maps.classification import Classes, choropleth_classes
from ictgis.maps.data import (
    MapData,
    provinces,
    region_data,
    region_slug,
    regions,
)
from ictgis.maps.elements import CommuneSearch, Layout, Legend, PageScript, Title, legend_section
from ictgis.maps.labels import labels_for
from ictgis.maps.layers import (
    commune_layer,
    coverage_layers,
    finding_count_layer,
    findings_layer,
    outline_layer,
    planned_layer,
    post_layers,
    priorities_layer,
    simplify_polygons,
    site_count_layer,
    site_layer,
    to_lonlat,
    zone_layer,
)
from ictgis.maps.offline import MAX_ZOOM, render_html, tile_layer
from ictgis.maps.overlay import overlay_window
from ictgis.maps.styles import INDICATORS

#: Above this many BTS sites a map shows counts per commune instead of every site (an
#: ``index.html`` stays under 8 MB; 50,000 sites one by one make about 3 MB).
MAX_SITES = 50_000
#: Above this many siting findings a map shows counts per commune and severity instead.
MAX_FINDINGS = 5_000


def _title_html(data: MapData, classes: Classes, nav: Sequence[tuple[str, str]]) -> str:
    t = labels_for()
    where = f"{data.province} — {data.region}" if data.region else data.province
    what = t[f"by_{data.unit}"].format(label=classes.indicator.label)
    details = [f"<div>{html.escape(what)}</div>"]
    if nav:
        links = " · ".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>'
                           for label, href in nav)
        details.append(f'<div class="nav">{links}</div>')
    parts = [f'<div class="name">{html.escape(where)}</div>',
             f'<div class="details">{"".join(details)}</div>']
    if data.synthetic:
        parts.append(f'<div class="ictgis-synthetic">{html.escape(t["synthetic"])}</div>')
    return "".join(parts)


def _absent(data: MapData, *, first: int) -> list[str]:
    """Legend sections (numbered from ``first``) of the layers with nothing to show."""
    t = labels_for()
    layers = ((data.post_offices, t["postal_points"]), (data.bts, t["bts_sites"]),
              (data.zones, t["zones"]), (data.planned_sites, t["planned"]),
              (data.findings, t["site_findings"]))
    note = t["empty_layer"].format(file=f"{outputs.REJECTS}/{outputs.PROBLEMS_CSV}")
    empty = [name for layer, name in layers if layer is not None and layer.empty]
    return [legend_section(f"s{first + k}", name, [], note) for k, name in enumerate(empty)]


def page_bbox(data: MapData) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the communes in degrees (WGS 84): what a page shows."""
    west, south, east, north = to_lonlat(data.communes[["geometry"]]).total_bounds
    return float(west), float(south), float(east), float(north)


def _present(layer: pd.DataFrame | None) -> bool:
    return layer is not None and len(layer) > 0


def drawn_layers(data: MapData, *, bbox: tuple[float, float, float, float] | None = None,
                 max_sites: int = MAX_SITES, max_findings: int = MAX_FINDINGS) -> list[str]:
    """The layers a page of ``data`` draws, in the order of its layer control.

    The one rule of what is drawn, for :func:`build_map` and for the summary of ``ictgis
    map``: ``communes`` (always), ``zones``, ``districts`` and ``regions`` (outlines, when
    the communes name them), ``posts``, ``planned``, ``priorities``, ``findings``, ``bts``
    (each when it has a row: sites and findings beyond ``max_sites``, ``max_findings`` are
    drawn as counts, still the same layer), then ``coverage:<technology>`` for each coverage
    raster with a pixel in ``bbox`` (degrees; default :func:`page_bbox`).
    """
    drawn = ["communes"]
    if _present(data.zones):
        drawn.append("zones")
    drawn += [f"{level}s" for level in ("district", "region")
              if level in data.communes.columns and data.communes[level].notna().any()]
    drawn += [key for key, layer in (("posts", data.post_offices),
                                     ("planned", data.planned_sites),
                                     ("priorities", data.priorities),
                                     ("findings", data.findings), ("bts", data.bts))
              if _present(layer)]
    if data.coverage:
        box = page_bbox(data) if bbox is None else bbox
        drawn += [f"coverage:{tech}" for tech, raster in data.coverage.items()
                  if overlay_window(raster, bbox=box) is not None]
    return drawn


def _require_indicator(data: MapData, indicator: str) -> None:
    if indicator not in INDICATORS:
        msg = i18n.t("maps.error.indicator", name=indicator, choices=", ".join(INDICATORS))
        raise ConfigError(msg)
    if indicator not in data.communes.columns:
        step = "ictgis coverage" if INDICATORS[indicator].source == "coverage" else "ictgis stats"
        msg = i18n.t("maps.error.needs_step", indicator=indicator, step=step)
        raise DataError(msg)


def build_map(data: MapData, *, indicator: str = "radius_km", scheme: str = "quantiles",
              k: int = 5, tiles: str = "none", classes: Classes | None = None,
              nav: Sequence[tuple[str, str]] = (), lang: str | None = None,
              max_sites: int = MAX_SITES, max_findings: int = MAX_FINDINGS) -> folium.Map:
    """Build the interactive map of a province (or of one region).

    Layers, each in the layer control, left out when their data is absent: the commune
    choropleth of ``indicator`` (searchable by name), district and region outlines with
    labels, postal points by type, BTS sites by operator (clustered), plan zones, planned
    sites, siting findings, and a coverage overlay per technology. A legend states the
    indicator, its units and class limits; scale bar and full screen control. A layer
    that is configured but has nothing to show (every row rejected, or none in the region)
    is left out and the legend says so.

    Scale: more than ``max_sites`` sites are shown as counts per commune, more than
    ``max_findings`` findings as counts per commune and severity (the site popups then
    list no findings); the legend says so.

    Parameters
    ----------
    data
        The layers (:func:`map_data`, :func:`region_data`).
    indicator
        A key of :data:`INDICATORS`; the column must be in ``data.communes``.
    scheme, k
        Classification (:data:`CLASSIFIERS`) and number of classes.
    tiles
        ``none`` (default: no network at all), ``osm``, or a tile URL template.
    classes
        Classes to use instead of classifying ``data`` (e.g. the province's, on a region).
    nav
        (label, relative link) pairs shown in the title (the other maps).
    lang
        Language of every label and number: ``vi`` or ``en`` (default: the language in
        force, :func:`ictgis.i18n.current`); ``classes`` carry their own (indicator label,
        units, class limits).
    max_sites, max_findings
        Largest number of sites and findings drawn one by one (:data:`MAX_SITES`,
        :data:`MAX_FINDINGS`).

    Raises
    ------
    DataError
        When the indicator's column is absent (its step has not run).
    ConfigError
        For an unknown indicator, scheme, tiles value or language.
    """
    labels_for(lang)  # a known language
    with i18n.language(lang) as chosen:
        return _build_map(data, indicator=indicator, scheme=scheme, k=k, tiles=tiles,
                          classes=classes, nav=nav, lang=chosen, max_sites=max_sites,
                          max_findings=max_findings)


def _build_map(data: MapData, *, indicator: str, scheme: str, k: int, tiles: str,
               classes: Classes | None, nav: Sequence[tuple[str, str]], lang: str,
               max_sites: int, max_findings: int) -> folium.Map:
    """:func:`build_map` in the language in force, ``lang``."""
    from babel.numbers import get_decimal_symbol
    from folium.plugins import Fullscreen

    _require_indicator(data, indicator)
    t = labels_for()
    if classes is None:
        classes = choropleth_classes(data.communes[indicator], indicator, scheme=scheme, k=k)
    base_tiles = tile_layer(tiles)
    communes = simplify_polygons(data.communes)
    west, south, east, north = page_bbox(data)
    drawn = drawn_layers(data, bbox=(west, south, east, north), max_sites=max_sites,
                         max_findings=max_findings)
    bounds = [[float(south), float(west)], [float(north), float(east)]]
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None,
                   zoom_start=10, prefer_canvas=True, maxZoom=MAX_ZOOM, zoom_control=True,
                   zoom_snap=0.25, zoom_delta=0.5)
    m.default_js = [("leaflet", folium.Map.default_js[0][1])]
    m.default_css = [("leaflet_css", folium.Map.default_css[0][1])]
    title = html.escape(data.province + (f" — {data.region}" if data.region else ""))
    cast(Figure, m.get_root()).title = title  # branca types get_root() as any Element
    n_bts = 0 if data.bts is None else len(data.bts)
    m.add_child(PageScript({"bts": n_bts, "clustered": 0 < n_bts <= max_sites,
                            "indicator": indicator, "synthetic": data.synthetic,
                            "region": data.region, "lang": lang,
                            "decimal": get_decimal_symbol(i18n.LOCALES[lang]),
                            "bounds": bounds},
                           {**t, "findings_omitted": t["findings_omitted"].format(
                               file=f"{outputs.SITING}/{outputs.FINDINGS_CSV}"),
                            "search": t["search" if data.unit == "commune"
                                        else f"search_{data.unit}"]}))
    if base_tiles is not None:
        m.add_child(base_tiles)
    legend: list[tuple[str, Element | None]] = []

    def add(layer: Layer, section: str | None) -> None:
        m.add_child(layer)
        if section:
            legend.append((section.replace("{sid}", f"s{len(legend)}", 1), layer))

    choropleth, choropleth_legend = commune_layer(communes, classes,
                                                  tiles=base_tiles is not None, unit=data.unit)
    add(choropleth, choropleth_legend)
    if "zones" in drawn:
        add(*zone_layer(cast(gpd.GeoDataFrame, data.zones)))
    regions_label = t["region_outlines" if data.unit == "commune" else "macro_region_outlines"]
    for level, label, stroke, weight in (("district", t["district_outlines"], "#333333", 1.6),
                                         ("region", regions_label, "#000000", 3.0)):
        if f"{level}s" in drawn:
            add(outline_layer(data.communes, level, name=label, stroke=stroke, weight=weight),
                None)
    names = dict(zip(data.communes["code"].astype(str), data.communes["name"].astype(str),
                     strict=True))
    if "posts" in drawn:
        posts = post_layers(cast(gpd.GeoDataFrame, data.post_offices), names)
        for layer, _ in posts:
            m.add_child(layer)
        legend.append((legend_section(f"s{len(legend)}", t["postal_points"],
                                      [row for _, row in posts]), None))
    if "planned" in drawn:
        add(*planned_layer(cast(gpd.GeoDataFrame, data.planned_sites)))
    if "priorities" in drawn:
        add(*priorities_layer(cast(gpd.GeoDataFrame, data.priorities)))
    findings = data.findings if "findings" in drawn else None
    many_findings = findings is not None and len(findings) > max_findings
    if findings is not None and many_findings:
        add(*finding_count_layer(findings, data.communes, limit=max_findings,
                                 file=f"{outputs.SITING}/{outputs.FINDINGS_CSV}",
                                 unit=data.unit))
    elif findings is not None:
        add(*findings_layer(findings, data.links))
    bts = data.bts if "bts" in drawn else None
    if bts is not None and len(bts) > max_sites:
        add(*site_count_layer(bts, data.communes, limit=max_sites, unit=data.unit))
    elif bts is not None:
        add(*site_layer(bts, None if many_findings else findings, names,
                        findings_omitted=many_findings))
    legend += [(section, None) for section in _absent(data, first=len(legend))]
    techs = [key.removeprefix("coverage:") for key in drawn if key.startswith("coverage:")]
    for overlay, section in coverage_layers({tech: data.coverage[tech] for tech in techs},
                                            (west, south, east, north)):
        add(overlay, section)
    if data.unit == "province":
        legend.append((f'<div class="note">{html.escape(t["national_note"])}</div>', None))
    if data.synthetic:
        legend.append((f'<div class="ictgis-synthetic note">{html.escape(t["synthetic"])}'
                       "</div>", None))
    m.add_child(CommuneSearch(choropleth, property_name="_label"))
    m.add_child(Fullscreen(position="topleft"))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(Legend(legend))
    m.add_child(Title(_title_html(data, classes, nav)))
    m.add_child(Layout())
    return m


def map_pages(data: MapData, *, indicator: str = "radius_km", scheme: str = "quantiles",
              k: int = 5, tiles: str = "none", lang: str | None = None,
              progress: Callable[[str], None] | None = None, max_sites: int = MAX_SITES,
              max_findings: int = MAX_FINDINGS) -> dict[str, str]:
    """HTML of ``index.html`` and of the pages of the parts: regions, or provinces.

    A province: ``index.html`` and ``region_<slug>.html`` per region, with the province's
    classes, so colours compare across maps. A national workspace: ``index.html`` shows the
    provinces (:func:`national_data`: their indicator, macro-region outlines, BTS sites and
    findings counted by province), each linked to its ``province_<slug>.html``, the map of
    its communes with the country's commune classes. ``lang``: the language of the labels
    and numbers, ``vi`` or ``en`` (default: the language in force). ``max_sites``,
    ``max_findings``: as in :func:`build_map`, for each page of communes.
    """
    labels_for(lang)  # a known language
    with i18n.language(lang):
        _require_indicator(data, indicator)
        classes = choropleth_classes(data.communes[indicator], indicator, scheme=scheme, k=k)
        if data.provinces is not None:
            return _national_pages(data, classes, indicator=indicator, scheme=scheme, k=k,
                                   tiles=tiles, progress=progress, max_sites=max_sites,
                                   max_findings=max_findings)
        names = regions(data)
        files = {name: outputs.region_page(region_slug(name)) for name in names}
        nav = [(labels_for()["province"], outputs.MAP_INDEX),
               *((name, files[name]) for name in names)]
        pages = {}
        if progress:
            progress(i18n.t("maps.progress.province"))
        for name, part in ((outputs.MAP_INDEX, data),
                           *((files[n], region_data(data, n)) for n in names)):
            if progress:
                progress(i18n.t("maps.progress.region", region=part.region) if part.region
                         else i18n.t("maps.progress.province"))
            pages[name] = render_html(build_map(
                part, indicator=indicator, tiles=tiles, classes=classes, nav=nav,
                max_sites=max_sites, max_findings=max_findings))
    return pages


def _national_pages(data: MapData, classes: Classes, *, indicator: str, scheme: str, k: int,
                    tiles: str, progress: Callable[[str], None] | None, max_sites: int,
                    max_findings: int) -> dict[str, str]:
    """The pages of a national workspace (:func:`map_pages`), in the language in force."""
    names = provinces(data)
    files = {name: outputs.province_page(region_slug(name)) for name in names}
    country = national_data(data, files)
    _require_indicator(country, indicator)
    country_classes = choropleth_classes(country.communes[indicator], indicator,
                                         scheme=scheme, k=k)
    pages = {}
    if progress:
        progress(i18n.t("maps.progress.country"))
    pages[outputs.MAP_INDEX] = render_html(build_map(
        country, classes=country_classes, indicator=indicator, tiles=tiles, max_sites=0,
        max_findings=0))
    nav = [(labels_for()["country"], outputs.MAP_INDEX)]
    for name in names:
        if progress:
            progress(i18n.t("maps.progress.region", region=name))
        pages[files[name]] = render_html(build_map(
            region_data(data, name, level="province"), indicator=indicator, tiles=tiles,
            classes=classes, nav=nav, max_sites=max_sites, max_findings=max_findings))
    return pages


def national_data(data: MapData, pages: Mapping[str, str]) -> MapData:
    """What the national page shows: the provinces as the units of the choropleth.

    Provinces are the communes' outlines by province (:func:`ictgis.admin.outlines`) with
    their indicators (``data.provinces``), their macro-region as ``region`` (named), and
    ``pages``: province -> file name of its page. Sites and findings stay (counted by
    province on the page: a site's ``commune`` becomes its province); postal points, zones,
    planned sites, priorities and coverage are on the province pages only.
    """
    from ictgis.admin import outlines

    communes = data.communes
    units = outlines(communes, "province")
    table = data.provinces if data.provinces is not None else pd.DataFrame({"province": []})
    units = units.merge(table.drop(columns=["geometry"], errors="ignore"), on="province",
                        how="left")
    units["code"] = units["name"] = units["province"].astype(str)
    units["page"] = units["province"].map(pages)
    if "macro_region" in communes.columns:
        names = i18n.labels("admin.macro_region")
        region = communes.groupby("province")["macro_region"].first().astype(str)
        units["region"] = units["province"].map(region.map(lambda r: names.get(r, r)))
    province_of = dict(zip(communes["code"].astype(str), communes["province"].astype(str),
                           strict=True))
    bts = data.bts
    if bts is not None and "commune" in bts.columns:
        bts = bts.assign(commune=bts["commune"].astype("string").map(province_of))
    return dataclasses.replace(
        data, communes=gpd.GeoDataFrame(units.drop(columns="province"), geometry="geometry",
                                        crs=communes.crs),
        bts=bts, post_offices=None, zones=None, planned_sites=None, priorities=None, links=None,
        coverage={}, provinces=None, unit="province")
