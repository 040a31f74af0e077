"""QGIS styles of ictgis's layers, from the same classes and colours as the HTML maps.

Colours come from :mod:`ictgis.maps.styles`, choropleth classes and signal classes from
:mod:`ictgis.maps.classification`: a commune is in the same class, with the same colour and
legend label, in QGIS as on the HTML map. Labels are in the language in force
(:func:`ictgis.i18n.language`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ictgis import i18n
from ictgis.maps.classification import choropleth_classes, coverage_labels, dbm
from ictgis.maps.labels import labels_for
from ictgis.maps.styles import (
    NODATA_COLOR,
    OPERATOR_COLORS,
    POST_COLORS,
    SEVERITY_COLORS,
    SHARED_COLOR,
    ZONE_COLORS,
    coverage_colors,
    get_indicator,
    operator_color,
)
from ictgis.qgis import qml
from ictgis.qgis.qml import Symbol

#: Category of the masts shared by two or more operators, and of features without a value.
SHARED, UNKNOWN = "shared", "unknown"
#: Class value of communes without a value in a choropleth (indicators are never negative).
NODATA_VALUE = -1.0
#: Colour of the uncovered populated areas (not on the HTML maps, which list them in the report).
UNCOVERED_COLOR = "#7a0177"
#: Fill opacity of the choropleth and of the plan zones, as on the HTML map without tiles.
CHOROPLETH_ALPHA, ZONE_ALPHA = 0.75, 0.35


@dataclass(frozen=True)
class Style:
    """One style of a layer: a name, its QML document, whether QGIS applies it by default."""

    name: str
    qml: str
    default: bool = True
    description: str = ""
    #: The indicator of a choropleth style.
    column: str = ""


def choropleth(values: Iterable[float], column: str, *, scheme: str = "quantiles",
               default: bool = True) -> Style:
    """Communes coloured by ``column`` in the classes of the HTML map.

    Classes from :func:`ictgis.maps.choropleth_classes`; QGIS classifies the value rounded
    as the HTML map does, and communes without a value are drawn grey in a class of their own
    (listed only when there are such communes).
    """
    series = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    classes = choropleth_classes(series, column, scheme=scheme)
    ind = classes.indicator
    lows = list(classes.lows)
    ranges = [(lo, hi, label, Symbol("polygon", color, "#666666", 0.16, alpha=CHOROPLETH_ALPHA))
              for lo, hi, label, color in zip(lows, classes.breaks, classes.labels,
                                              classes.colors, strict=True)]
    if series.isna().any():
        ranges.append((NODATA_VALUE, NODATA_VALUE,
                       labels_for()["no_data"].format(why=ind.nodata),
                       Symbol("polygon", NODATA_COLOR, "#666666", 0.16, alpha=CHOROPLETH_ALPHA)))
    expression = f'coalesce(round("{column}", {ind.decimals + 1}), {qml.number(NODATA_VALUE)})'
    renderer = qml.graduated(expression, ranges, ind.decimals)
    name = f"{ind.label} ({ind.units})"
    return Style(name, qml.vector_qml(renderer, "polygon", display='"name"'), default,
                 i18n.t("qgis.style.description", label=name), column)


def outlines(field: str, *, stroke: str, width: float, size: float) -> Style:
    """Outlines of districts or regions (no fill), labelled with ``field``."""
    renderer = qml.single(Symbol("polygon", "", stroke, width))
    labels = qml.labeling(field, "polygon", size=size, bold=True, color=stroke)
    return Style(field, qml.vector_qml(renderer, "polygon", labels=labels, display=f'"{field}"'))


def _distinct(values: Iterable[object]) -> list[object]:
    """Each distinct value once (a layer may have a million rows, and a few kinds)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return list(pd.unique(series))


def postal(types: Iterable[object]) -> Style:
    """Postal service points by type, in the colours and names of the HTML map."""
    from ictgis.postal import POINT_TYPES

    present = {UNKNOWN if pd.isna(v) else str(v) for v in _distinct(types)}
    names = {**i18n.labels("stats.point_type"), UNKNOWN: labels_for()[UNKNOWN]}
    order = [k for k in (*POINT_TYPES, *sorted(present - set(POINT_TYPES) - {UNKNOWN}), UNKNOWN)
             if k in present]
    categories = [(kind, names.get(kind, kind),
                   Symbol("point", POST_COLORS.get(kind, "#636363"), "#ffffff", 0.2, size=2.4))
                  for kind in order]
    renderer = qml.categorized(f"coalesce(\"type\", '{UNKNOWN}')", categories)
    return Style("type", qml.vector_qml(renderer, "point", display='coalesce("name", "id")'))


def bts(operators: Iterable[object]) -> Style:
    """BTS sites by operator (``"a, b"``: shared by two or more, in one colour)."""
    keys = {"" if pd.isna(v) else str(v) for v in _distinct(operators)}
    singles = {k for k in keys if k and ", " not in k}
    order = [*(op for op in OPERATOR_COLORS if op in singles),
             *sorted(singles - set(OPERATOR_COLORS))]
    others: dict[str, str] = {}
    t = labels_for()
    categories = [(op, op, Symbol("point", operator_color(op, others), "#ffffff", 0.15,
                                  size=1.3)) for op in order]
    if any(", " in k for k in keys):
        categories.append((SHARED, t[SHARED], Symbol("point", SHARED_COLOR, "#ffffff", 0.15,
                                                     size=1.3)))
    if "" in keys:
        categories.append((UNKNOWN, t[UNKNOWN], Symbol("point", "#000000", "#ffffff", 0.15,
                                                       size=1.3)))
    expression = (f"CASE WHEN \"operators\" LIKE '%, %' THEN '{SHARED}' "
                  f"ELSE coalesce(nullif(\"operators\", ''), '{UNKNOWN}') END")
    renderer = qml.categorized(expression, categories)
    return Style("operators", qml.vector_qml(renderer, "point", display='"id"'))


def _by_severity(kind: str, severities: Iterable[object]) -> str:
    present = {str(v) for v in _distinct(severities) if not pd.isna(v)}
    names = i18n.labels("siting.severity")
    categories = [(sev, names.get(sev, sev),
                   Symbol("point", color, "#000000", 0.2, size=2.4) if kind == "point"
                   else Symbol("line", color, width=0.5, dashed=True))
                  for sev, color in SEVERITY_COLORS.items() if sev in present]
    return qml.categorized("severity", categories)


def findings(severities: Iterable[object]) -> Style:
    """Siting findings by severity, worst drawn last (on top)."""
    renderer = _by_severity("point", severities)
    return Style("severity", qml.vector_qml(renderer, "point", display='"site_id"',
                                            maptip='[% "message" %]'))


def links(severities: Iterable[object]) -> Style:
    """Dashed lines from a mast to the mast it conflicts with, by severity."""
    renderer = _by_severity("line", severities)
    return Style("severity", qml.vector_qml(renderer, "line", display='"site_id"',
                                            maptip='[% "message" %]'))


def zones(classes: Iterable[object]) -> Style:
    """Plan zones by class, in the colours and names of the HTML map."""
    present = {str(v) for v in _distinct(classes) if not pd.isna(v)}
    names = i18n.labels("maps.zone_class")
    categories = [(name, names.get(name, name),
                   Symbol("polygon", color, "#444444", 0.26, alpha=ZONE_ALPHA))
                  for name, color in ZONE_COLORS.items() if name in present]
    renderer = qml.categorized("zone_class", categories)
    return Style("zone_class", qml.vector_qml(renderer, "polygon",
                                              display='coalesce("name", "id")'))


def planned() -> Style:
    """Planned mast positions: white dots with a black outline, as on the HTML map."""
    renderer = qml.single(Symbol("point", "#ffffff", "#000000", 0.2, size=1.6))
    return Style("planned", qml.vector_qml(renderer, "point", display='"id"'))


def uncovered() -> Style:
    """The largest populated areas without coverage (their centres), labelled by technology."""
    renderer = qml.single(Symbol("point", UNCOVERED_COLOR, "#ffffff", 0.3, size=3.2,
                                 shape="diamond"))
    labels = qml.labeling("technology", "point", size=8, color=UNCOVERED_COLOR)
    return Style("uncovered", qml.vector_qml(renderer, "point", labels=labels,
                                             display='"commune_name"'))


def ranked(kind: str) -> Style:
    """A layer of the priorities step: one symbol (its own step styles it further)."""
    color = "#e6550d"
    symbol = (Symbol("point", color, "#000000", 0.2, size=2.6) if kind == "point"
              else Symbol(kind, color, "#000000", 0.4, alpha=0.6))
    return Style("priorities", qml.vector_qml(qml.single(symbol), kind))


def signal_classes(classes_dbm: Sequence[float]) -> Style:
    """A class raster (1 = best .. n): the colours and dBm labels of the HTML map's overlay."""
    labels = coverage_labels(classes_dbm)
    colors = coverage_colors(len(labels))
    entries = [(i + 1, color, label)
               for i, (color, label) in enumerate(zip(colors, labels, strict=True))]
    return Style("signal", qml.paletted_qml(entries, opacity=0.7))


def signal_levels(classes_dbm: Sequence[float]) -> Style:
    """A received-level raster (dBm): a ramp through the signal classes' colours.

    Each class limit has its class's colour; the ramp ends 10 dB below the lowest limit in
    the colour of the worst class.
    """
    limits = [float(v) for v in classes_dbm]
    colors = coverage_colors(len(limits) + 1)
    stops = [(limits[-1] - 10.0, colors[-1]), *reversed(list(zip(limits, colors, strict=False)))]
    return Style("level", qml.ramp_qml(
        [(value, color, i18n.t("qgis.label.dbm", dbm=dbm(value))) for value, color in stops],
        opacity=0.7))


def colormap(classes_dbm: Sequence[float]) -> dict[int, tuple[int, int, int, int]]:
    """The colour table of a class raster: class -> RGBA (0, nodata, transparent)."""
    colors = coverage_colors(len(classes_dbm) + 1)
    table = {0: (0, 0, 0, 0)}
    for i, color in enumerate(colors, 1):
        r, g, b, a = (int(v) for v in qml.rgba(color).split(","))
        table[i] = (r, g, b, a)
    return table


def indicator_name(column: str) -> str:
    """The commune layer's name for ``column``: as the HTML map's layer control names it."""
    ind = get_indicator(column)
    return labels_for()["communes_layer"].format(label=ind.label, units=ind.units)
