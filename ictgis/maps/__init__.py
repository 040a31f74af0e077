"""Folium maps that work offline, and static PNG maps for reports.

Everything here is pure: functions take layers (GeoDataFrames in the working CRS, arrays) and
return folium objects, HTML text or PNG bytes; the CLI (:mod:`ictgis.cli.map`) reads and writes
the files.

Offline by construction: every script and stylesheet that folium links from a CDN is inlined
from the asset store of the ``folium-offline`` package (folium's exact CDN files, keyed by URL);
a URL without an offline copy is an error, never a silent network request. Attribute text from
the input files travels as JSON data and is put into the page with ``textContent`` only, so a
name holding HTML or ``<script>`` shows as text and runs nothing.

Languages: every label (layer names, legends, units, popup fields, commune kinds, postal
point types, zone classes, severities, title, search, notes, the synthetic-data label,
static-map titles) and every message comes from the message catalogue (domain ``maps``,
``ictgis/i18n/maps.*.po``), in the language in force (:func:`ictgis.i18n.language`,
Vietnamese by default) or the ``lang`` given; numbers follow its convention
(:func:`ictgis.i18n.number`). Values from the input files are shown as they are.

Scale: BTS sites are sent as compact columns (coordinates, ids, dictionary-coded attributes)
and become canvas circle markers clustered in the browser (Leaflet.markercluster); 100,000
sites make an HTML of about 5 MB (``benchmarks/bench_map.py``). Beyond
:data:`~ictgis.maps.interactive.MAX_SITES` sites (50,000) a page shows the number of sites
per commune instead, beyond :data:`~ictgis.maps.interactive.MAX_FINDINGS` findings (5,000)
the number of findings per commune and severity, and its legend says so: a page stays under
8 MB whatever the input (``benchmarks/bench_bad_input.py``). A layer that has nothing to show
(every row rejected) is left out and named in the legend.

Modules, in the order data flows through them:

* :mod:`~ictgis.maps.labels`: the labels of the maps from the catalogue (:func:`labels_for`);
* :mod:`~ictgis.maps.styles`: colours and indicators (colour maps, decimals): one source of
  styles for the HTML and PNG maps;
* :mod:`~ictgis.maps.classification`: class limits (quantiles, natural breaks), legend labels;
* :mod:`~ictgis.maps.data`: what a map shows (:class:`MapData`), for the province or a region;
* :mod:`~ictgis.maps.layers`, :mod:`~ictgis.maps.overlay`: layers, coverage image overlays;
* :mod:`~ictgis.maps.elements`: folium elements driving the page script ``assets/ictgis.js``
  (and ``assets/ictgis.css``);
* :mod:`~ictgis.maps.interactive`: :func:`build_map`, :func:`map_pages`;
* :mod:`~ictgis.maps.offline`: every asset inlined (:func:`inline_assets`), base tiles;
* :mod:`~ictgis.maps.static`: :func:`static_maps` (PNG, matplotlib ``Figure``), the
  choropleth of the chosen indicator and the coverage, titles wrapped to the width.
"""

from ictgis.maps.classification import (
    CLASSIFIERS,
    Classes,
    choropleth_classes,
    class_labels,
    classify,
    coverage_labels,
    natural_breaks,
    quantile_breaks,
)
from ictgis.maps.data import CoverageRaster, MapData, map_data, region_data, region_slug, regions
from ictgis.maps.elements import js_json
from ictgis.maps.interactive import MAX_FINDINGS, MAX_SITES, build_map, drawn_layers, map_pages
from ictgis.maps.labels import labels_for
from ictgis.maps.layers import site_columns
from ictgis.maps.offline import TILES, asset_store, check_tiles, inline_assets, render_html
from ictgis.maps.overlay import overlay_image
from ictgis.maps.static import static_figure, static_map, static_maps, wrap_text
from ictgis.maps.styles import (
    INDICATORS,
    NODATA_COLOR,
    OPERATOR_COLORS,
    POST_COLORS,
    SEVERITY_COLORS,
    SHARED_COLOR,
    ZONE_COLORS,
    Indicator,
    coverage_colors,
    get_indicator,
    operator_color,
)

__all__ = [
    "CLASSIFIERS", "INDICATORS", "MAX_FINDINGS", "MAX_SITES", "NODATA_COLOR", "OPERATOR_COLORS",
    "POST_COLORS", "SEVERITY_COLORS", "SHARED_COLOR", "TILES", "ZONE_COLORS",
    "Classes", "CoverageRaster", "Indicator", "MapData",
    "asset_store", "build_map", "check_tiles", "choropleth_classes", "class_labels", "classify",
    "coverage_colors", "coverage_labels", "drawn_layers", "get_indicator", "inline_assets", "js_json",
    "labels_for", "map_data", "map_pages", "natural_breaks", "operator_color", "overlay_image",
    "quantile_breaks", "region_data", "region_slug", "regions", "render_html", "site_columns",
    "static_figure", "static_map", "static_maps", "wrap_text",
]
