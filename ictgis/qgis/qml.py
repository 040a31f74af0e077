"""QGIS style documents (QML) from the templates in ``templates/``: symbols, renderers, labels.

Everything here is text in, text out: a renderer is built from symbol fragments, then put in
a ``vector.qml`` or ``raster.qml`` document. The documents follow QGIS 3.22 (the LTR of Debian
stable), which later versions read as they are.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from xml.sax.saxutils import escape

#: ``layerGeometryType`` of a QML document.
GEOMETRY_TYPES: Mapping[str, int] = {"point": 0, "line": 1, "polygon": 2}
#: Label placement: over the point, horizontal inside polygons, along lines.
_PLACEMENTS: Mapping[str, int] = {"point": 1, "line": 2, "polygon": 1}


@functools.cache
def template(name: str) -> string.Template:
    """A template of ``ictgis/qgis/templates`` (``vector.qml``, ``fill.xml``...)."""
    text = resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")
    return string.Template(text)


def attr(value: object) -> str:
    """``value`` as text safe in an XML attribute or element."""
    return escape(str(value), {'"': "&quot;", "'": "&apos;"})


def fill(template_name: str, /, *, raw: Mapping[str, str] | None = None, **values: object) -> str:
    """Template ``template_name`` with ``values`` escaped, ``raw`` fragments (XML) as they are."""
    escaped = {key: attr(value) for key, value in values.items()}
    return template(template_name).substitute({**escaped, **(raw or {})})


def rgba(color: str, alpha: int = 255) -> str:
    """QGIS's colour text ``"r,g,b,a"`` of a ``#rrggbb`` colour.

    Examples
    --------
    >>> rgba("#d62728")
    '214,39,40,255'
    """
    hex_ = color.lstrip("#")
    return ",".join(str(int(hex_[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def number(value: float) -> str:
    """A number as QGIS writes it in a style (C locale, shortest exact form)."""
    return repr(float(value))


@dataclass(frozen=True)
class Symbol:
    """A simple symbol: a filled polygon, a line, or a marker.

    Attributes
    ----------
    kind
        ``"polygon"``, ``"line"`` or ``"point"``.
    color
        Fill colour (``#rrggbb``; for a line, the line colour).
    stroke
        Outline colour (``#rrggbb``), or ``""`` for none.
    width
        Outline or line width, mm.
    size
        Marker diameter, mm.
    alpha
        Opacity of the fill (0-1); outlines stay opaque.
    dashed
        A dashed line (or outline).
    shape
        Marker shape (``circle``, ``square``, ``triangle``, ``cross2``...).
    """

    kind: str
    color: str
    stroke: str = "#000000"
    width: float = 0.26
    size: float = 2.0
    alpha: float = 1.0
    dashed: bool = False
    shape: str = "circle"

    def xml(self, name: str | int) -> str:
        """The ``<symbol>`` element, named ``name`` (its key in a renderer)."""
        line_style = "dash" if self.dashed else "solid"
        if self.kind == "polygon":
            fill_alpha = round(self.alpha * 255)
            return fill("fill.xml", name=name, alpha=1,
                        color=rgba(self.color, fill_alpha) if self.color else "0,0,0,0",
                        fill_style="solid" if self.color else "no",
                        stroke=rgba(self.stroke or "#000000"),
                        stroke_style=line_style if self.stroke else "no",
                        width=number(self.width))
        if self.kind == "line":
            return fill("line.xml", name=name, alpha=self.alpha, color=rgba(self.color),
                        line_style=line_style, width=number(self.width))
        return fill("marker.xml", name=name, alpha=self.alpha, color=rgba(self.color),
                    stroke=rgba(self.stroke or self.color), width=number(self.width),
                    size=number(self.size), shape=self.shape)


def single(symbol: Symbol) -> str:
    """A single-symbol renderer."""
    return fill("single.xml", raw={"symbol": symbol.xml(0)})


def categorized(expression: str, categories: Sequence[tuple[str, str, Symbol]]) -> str:
    """A categorized renderer on ``expression`` (a field name or a QGIS expression).

    ``categories``: ``(value, label, symbol)``; a value ``""`` is the category of every other
    value.
    """
    rows = [f'<category value="{attr(value)}" label="{attr(label)}" symbol="{i}" '
            f'render="true" type="string"/>'
            for i, (value, label, _) in enumerate(categories)]
    symbols = [symbol.xml(i) for i, (_, _, symbol) in enumerate(categories)]
    return fill("categorized.xml", attr=expression,
                raw={"categories": "\n    ".join(rows), "symbols": "\n    ".join(symbols)})


def graduated(expression: str, ranges: Sequence[tuple[float, float, str, Symbol]],
              decimals: int) -> str:
    """A graduated renderer on ``expression``: ``(lower, upper, label, symbol)`` per class.

    QGIS puts a value in the first range with ``lower <= value <= upper``, so upper limits
    belong to their class, as in :func:`ictgis.maps.classify`.
    """
    rows = [f'<range lower="{number(lo)}" upper="{number(hi)}" label="{attr(label)}" '
            f'symbol="{i}" render="true"/>' for i, (lo, hi, label, _) in enumerate(ranges)]
    symbols = [symbol.xml(i) for i, (*_, symbol) in enumerate(ranges)]
    return fill("graduated.xml", attr=expression, decimals=decimals,
                raw={"ranges": "\n    ".join(rows), "symbols": "\n    ".join(symbols)})


def labeling(field: str, kind: str, *, size: float = 9.0, bold: bool = False,
             color: str = "#000000", priority: int = 5, expression: bool = False) -> str:
    """Simple labels of the features with ``field`` (or a QGIS expression)."""
    return fill("labeling.xml", field=field, is_expression=int(expression), size=number(size),
                weight=75 if bold else 50, color=rgba(color), placement=_PLACEMENTS[kind],
                priority=priority, layer_type={"point": "PointGeometry", "line": "LineGeometry",
                                               "polygon": "PolygonGeometry"}[kind],
                z=priority)


def vector_qml(renderer: str, kind: str, *, labels: str = "", opacity: float = 1.0,
               display: str = "", maptip: str = "") -> str:
    """A vector layer's QML document.

    Parameters
    ----------
    renderer
        From :func:`single`, :func:`categorized` or :func:`graduated`.
    kind
        ``"point"``, ``"line"`` or ``"polygon"``.
    labels
        From :func:`labeling`, or ``""`` for none.
    opacity
        Opacity of the whole layer (0-1).
    display
        The expression QGIS shows as a feature's name (identify, attribute table).
    maptip
        An HTML map tip (``[% "field" %]`` placeholders).
    """
    return fill("vector.qml", labels_enabled=int(bool(labels)), opacity=number(opacity),
                display=display, maptip=maptip, geometry_type=GEOMETRY_TYPES[kind],
                raw={"renderer": renderer, "labeling": labels})


def paletted_qml(entries: Sequence[tuple[int, str, str]], *, opacity: float = 1.0) -> str:
    """A raster's QML: a palette of ``(value, #rrggbb, label)`` classes."""
    rows = [f'<paletteEntry value="{value}" color="{attr(color)}" alpha="255" '
            f'label="{attr(label)}"/>' for value, color, label in entries]
    renderer = fill("paletted.xml", opacity=number(opacity), raw={"entries": "\n    ".join(rows)})
    return fill("raster.qml", raw={"renderer": renderer})


def ramp_qml(stops: Sequence[tuple[float, str, str]], *, opacity: float = 1.0) -> str:
    """A raster's QML: a colour ramp interpolated between ``(value, #rrggbb, label)`` stops."""
    rows = [f'<item value="{number(value)}" color="{attr(color)}" alpha="255" '
            f'label="{attr(label)}"/>' for value, color, label in stops]
    low, high = stops[0][0], stops[-1][0]
    renderer = fill("pseudocolor.xml", opacity=number(opacity), min=number(low),
                    max=number(high), raw={"items": "\n      ".join(rows)})
    return fill("raster.qml", raw={"renderer": renderer})
