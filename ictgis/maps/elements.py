"""The folium elements of a map page, driving the page script ``assets/ictgis.js``.

Python sends data and options as JSON (:func:`js_json`); the script builds the layers, popups,
search, legend and title in the browser, putting every text in with ``textContent``.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any, cast

from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.raster_layers import ImageOverlay
from folium.template import Template

from ictgis.maps.labels import JS_LABELS


@functools.cache
def asset_text(name: str) -> str:
    """The text of a file of ``ictgis/maps/assets`` (``ictgis.js``, ``ictgis.css``)."""
    return (resources.files("ictgis.maps") / "assets" / name).read_text(encoding="utf-8")


#: ``json.dumps(..., ensure_ascii=False, allow_nan=False)``, made once (a national page
#: encodes ~100,000 values).
JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def js_json(value: object) -> str:
    r"""JSON that is safe inside an HTML ``<script>`` (``<``, ``>``, ``&`` escaped).

    Examples
    --------
    >>> js_json({"name": "</script><b>"})
    '{"name": "\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    return script_safe(JSON_ENCODER.encode(value))


def script_safe(text: str) -> str:
    """JSON text made safe inside an HTML ``<script>`` (as :func:`js_json` makes it)."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class PageScript(MacroElement):
    """The ictgis page script and style (``assets/ictgis.js``, ``.css``), and ``ictgis.init``.

    ``meta`` goes to the page as ``ictgis.meta``; the labels of ``text`` named in
    :data:`~ictgis.maps.labels.JS_LABELS` as ``ictgis.t``.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
            <script>{{ this.js }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            ictgis.init({{ this._parent.get_name() }}, {{ this.meta_js }}, {{ this.text_js }});
        {% endmacro %}
    """)

    def __init__(self, meta: Mapping[str, Any], text: Mapping[str, str]) -> None:
        super().__init__()
        self._name = "IctgisHelpers"
        self.css = asset_text("ictgis.css")
        self.js = asset_text("ictgis.js")
        self.meta_js = js_json(dict(meta))
        self.text_js = js_json({key: text[key] for key in JS_LABELS})


class _Text(Element):
    """Text put into the page as it is (branca compiles an Element's text as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text."""
        return self.text


class DataLayer(JSCSSMixin, Layer):
    """A layer built in the browser by ``ictgis.<factory>(map, data, options)``.

    The data (megabytes for a large layer) joins the page script after the template is
    rendered: branca would compile it as a Jinja template, which takes seconds.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = ictgis.{{ this.factory }}(
                {{ this._parent.get_name() }}, @DATA@, {{ this.options_js }});
        {% endmacro %}
    """)

    def __init__(self, factory: str, data_js: str, options: Mapping[str, Any], *, name: str,
                 show: bool = True, assets: tuple[list, list] = ([], [])) -> None:
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "IctgisLayer"
        self.factory = factory
        self.data_js = data_js
        self.options_js = js_json(dict(options))
        self.default_js, self.default_css = list(assets[0]), list(assets[1])

    # branca's own MacroElement.render returns None though its base Element.render says -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Render, then put the data in the rendered script (as it is, not as a template)."""
        super().render(**kwargs)
        _put_after_render(self, "@DATA@", self.data_js)


def _put_after_render(element: MacroElement, placeholder: str, text: str) -> None:
    """Replace ``placeholder`` in the rendered script of ``element`` by ``text``, as it is.

    branca compiles every rendered script as a Jinja template: a large value (layer data, an
    image) stands as a placeholder until then, so that it is never parsed.
    """
    scripts = cast(Figure, element.get_root()).script
    script = scripts._children[element.get_name()]
    scripts._children[element.get_name()] = _Text(
        str(script._template_str).replace(placeholder, text, 1))


class ImageLayer(ImageOverlay):
    """folium's ``ImageOverlay`` of an image given as a data URL (a PNG of a coverage layer).

    The URL (hundreds of kilobytes) joins the script after rendering
    (:func:`_put_after_render`), the same text folium would write, never compiled as a
    template.
    """

    #: The URL in the template (a URL: folium would read any other text as a file name).
    _PLACEHOLDER = "data:,ictgis-image"

    def __init__(self, url: str, bounds: list[list[float]], **kwargs: Any) -> None:
        super().__init__(self._PLACEHOLDER, bounds, **kwargs)
        self.data_url = url

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Render, then put the image's URL in the rendered script."""
        super().render(**kwargs)
        _put_after_render(self, js_json(self._PLACEHOLDER), js_json(self.data_url))


class CommuneSearch(JSCSSMixin, MacroElement):
    """Commune search (leaflet-search), tips built as text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            ictgis.search({{ this._parent.get_name() }}, {{ this.layer.get_name() }},
                          {{ this.options_js }});
        {% endmacro %}
    """)

    def __init__(self, layer: Layer, *, property_name: str) -> None:
        from folium.plugins import Search

        super().__init__()
        self._name = "IctgisSearch"
        self.layer = layer
        self.options_js = js_json({"property": property_name})
        self.default_js, self.default_css = list(Search.default_js), list(Search.default_css)


class Legend(MacroElement):
    """The legend: HTML sections, each shown while its layer (if any) is on the map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            ictgis.legend({{ this._parent.get_name() }}, {{ this.html_js }},
                          [{{ this.bindings }}]);
        {% endmacro %}
    """)

    def __init__(self, sections: Sequence[tuple[str, Element | None]]) -> None:
        super().__init__()
        self._name = "IctgisLegend"
        self.html_js = js_json("".join(part for part, _ in sections))
        self._layers = [(f"s{i}", layer) for i, (_, layer) in enumerate(sections)]

    # branca's own MacroElement.render returns None though its base Element.render says -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Render, once the layers have their names (binding each section to its layer)."""
        self.bindings = ", ".join(f"[{js_json(sid)}, {layer.get_name()}]"
                                  for sid, layer in self._layers if layer is not None)
        super().render(**kwargs)


class Title(MacroElement):
    """The title box (HTML: place, indicator, synthetic-data label, links to other maps)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            ictgis.title({{ this._parent.get_name() }}, {{ this.html_js }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "IctgisTitle"
        self.html_js = js_json(html_text)


class Layout(MacroElement):
    """Last on a page: panels folded on a small screen, the province fitted clear of them."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            ictgis.layout({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "IctgisLayout"


def swatch(color: str, label: str, *, dot: bool = False) -> str:
    """A legend row: a colour box (a dot for point layers) and its label, as escaped HTML."""
    cls = ' class="dot"' if dot else ""
    return (f'<div class="row"><i{cls} style="background:{html.escape(color)}"></i>'
            f"{html.escape(label)}</div>")


def legend_section(sid: str, title: str, rows: Iterable[str], note: str = "") -> str:
    """A legend section ``sid``: a title, rows (:func:`swatch`) and a note, as escaped HTML.

    Layer builders pass ``sid="{sid}"``; ``build_map`` numbers the sections.
    """
    note_html = f'<div class="note">{html.escape(note)}</div>' if note else ""
    return (f'<div data-section="{sid}"><h4>{html.escape(title)}</h4>{"".join(rows)}'
            f"{note_html}</div>")
