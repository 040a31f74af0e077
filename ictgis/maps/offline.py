"""Pages that need no network: folium's CDN scripts and stylesheets inlined; base tiles.

Every script and stylesheet that folium links from a CDN is inlined from the asset store of the
``folium-offline`` package (folium's exact CDN files, keyed by URL); a URL without an offline
copy is an error, never a silent network request. Base tiles are off by default (``--tiles
none``): the commune polygons are the base.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import folium

from ictgis import i18n
from ictgis.errors import ConfigError, IctgisError
from ictgis.maps.labels import labels_for

#: ``--tiles`` keywords -> (URL template, attribution). ``none``: commune polygons are the base.
TILES: Mapping[str, tuple[str, str] | None] = {
    "none": None,
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors"),
}

#: Relative images referred to by folium's stylesheets that are never needed offline, and why.
#: Any other relative ``url()`` in an inlined stylesheet is an error.
_DROPPED_CSS_URLS: Mapping[str, str] = {
    "../images/loader.gif": "leaflet-search spinner, shown only while a remote source loads",
}

#: Largest zoom of the maps and of their base tiles.
MAX_ZOOM = 18

_SCRIPT_TAG = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>')
_EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")


def asset_store() -> Mapping[str, str]:
    """The CDN scripts and stylesheets of folium, keyed by URL (from ``folium-offline``).

    Raises
    ------
    IctgisError
        When ``folium-offline`` is not installed.
    """
    try:
        from offlinefolium.elements import _res
    except ImportError:
        msg = i18n.t("maps.error.no_offline_package")
        raise IctgisError(msg) from None
    return _res


def _offline_css(text: str, url: str) -> str:
    def replace(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if ref in _DROPPED_CSS_URLS:
            return "none"
        msg = i18n.t("maps.error.css_url", url=url, ref=ref)
        raise IctgisError(msg)

    return _CSS_URL.sub(replace, text)


def inline_assets(page: str, assets: Mapping[str, str] | None = None) -> str:
    """Replace every linked script and stylesheet of a page by its inlined text.

    Parameters
    ----------
    page
        HTML as folium renders it (``<script src=...>``, ``<link rel="stylesheet" ...>``).
    assets
        URL -> text (default: :func:`asset_store`).

    Raises
    ------
    IctgisError
        When a linked URL has no offline copy, a stylesheet refers to another file, or any
        other tag still loads something by ``src``/``href``.
    """
    store = asset_store() if assets is None else assets
    found: list[str] = []

    def lookup(url: str) -> str:
        if url not in store:
            msg = i18n.t("maps.error.no_offline_copy", url=url, version=folium.__version__)
            raise IctgisError(msg)
        return store[url]

    def script(match: re.Match[str]) -> str:
        found.append("<script>" + lookup(match.group(1)).replace("</script", "<\\/script")
                     + "</script>")
        return f"\x00{len(found) - 1}\x00"

    def style(match: re.Match[str]) -> str:
        text = _offline_css(lookup(match.group(1)), match.group(1))
        found.append("<style>" + text.replace("</style", "<\\/style") + "</style>")
        return f"\x00{len(found) - 1}\x00"

    out = _LINK_TAG.sub(style, _SCRIPT_TAG.sub(script, page))
    left = _EXTERNAL.search(out)
    if left:
        msg = i18n.t("maps.error.external", tag=out[left.start():left.start() + 120])
        raise IctgisError(msg)
    return re.sub("\x00(\\d+)\x00", lambda m: found[int(m.group(1))], out)


def render_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page (every asset inlined)."""
    return inline_assets(m.get_root().render())


def check_tiles(tiles: str) -> str:
    """Check a ``--tiles`` value: ``none``, ``osm`` or a URL template with {z}, {x} and {y}.

    Raises
    ------
    ConfigError
        For anything else.
    """
    tile_layer(tiles)
    return tiles


def tile_layer(tiles: str) -> folium.TileLayer | None:
    """The base tile layer for ``--tiles``: none, osm, or a URL template.

    A URL template's layer is named in the language in force.

    Raises
    ------
    ConfigError
        For any other value.
    """
    if tiles in TILES:
        spec = TILES[tiles]
        if spec is None:
            return None
        url, attribution = spec
        name = "OpenStreetMap"
    elif re.match(r"^(https?|file)://", tiles) and all(k in tiles for k in ("{z}", "{x}", "{y}")):
        url, name = tiles, labels_for()["base_tiles"]
        attribution = html.escape(re.sub(r"^\w+://([^/]*).*$", r"\1", tiles)) or name
    else:
        msg = i18n.t("maps.error.tiles", tiles=tiles)
        raise ConfigError(msg)
    # a failed tile shows as transparent: the commune polygons stay the base
    blank = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    return folium.TileLayer(tiles=url, attr=attribution, name=name, overlay=False, control=True,
                            max_zoom=MAX_ZOOM, error_tile_url=blank)
