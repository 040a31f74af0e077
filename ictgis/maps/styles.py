"""Colours and classes of every map layer: the one source for the HTML, PNG and QGIS styles."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ictgis import i18n
from ictgis.errors import ConfigError
from ictgis.maps.labels import labels_for
from ictgis.telecom import OPERATORS

#: Colour of communes (and static-map polygons) without a value.
NODATA_COLOR = "#d9d9d9"

#: Operator (the canonical names of :data:`ictgis.telecom.OPERATORS`, looked up by spelling so
#: that they cannot drift) -> marker colour; masts shared by 2+ operators use ``SHARED_COLOR``.
OPERATOR_COLORS: Mapping[str, str] = {OPERATORS[spelling]: color for spelling, color in (
    ("viettel", "#d62728"), ("vinaphone", "#1f77b4"), ("mobifone", "#17becf"),
    ("vietnamobile", "#ff7f0e"), ("gmobile", "#8c564b"), ("itel", "#bcbd22"),
)}
SHARED_COLOR = "#9467bd"
_OTHER_COLORS = ("#7f7f7f", "#e377c2", "#2ca02c", "#aec7e8", "#ffbb78", "#98df8a")

#: Postal point type -> marker colour (types not listed are grey).
POST_COLORS: Mapping[str, str] = {
    "buu_cuc": "#08519c", "buu_cuc_phat": "#3182bd", "diem_bdvhx": "#31a354",
    "dai_ly": "#e6550d", "kiot": "#fd8d3c", "thung_thu": "#756bb1", "chuyen_phat": "#636363",
}

#: Plan zone class -> fill colour.
ZONE_COLORS: Mapping[str, str] = {
    "prohibited": "#d7301f", "restricted_a1": "#fc8d59", "permitted": "#78c679",
}

#: Siting finding severity -> marker colour (worst first).
SEVERITY_COLORS: Mapping[str, str] = {
    "violation": "#d7191c", "warning": "#fdae61", "info": "#2c7bb6",
}


@dataclass(frozen=True)
class Indicator:
    """A commune indicator that the choropleth can show.

    Attributes
    ----------
    source
        ``"stats"`` (``ictgis stats``) or ``"coverage"`` (``ictgis coverage``).
    cmap
        Matplotlib colour map of the classes (low to high values).
    decimals
        Decimals of the class limits and popup values.
    label, units, nodata
        What it is (layer control, legend), the units of its values (legend, popups) and why
        a commune can have no value, in one language: :func:`get_indicator` fills them from
        the catalogue (``maps.label.ind_*``, ``units_*``, ``nodata_*``); empty in
        :data:`INDICATORS`.
    """

    source: str
    cmap: str
    decimals: int
    label: str = ""
    units: str = ""
    nodata: str = ""


#: Indicators of the commune choropleth (``ictgis map --indicator``); their texts are in
#: the catalogue (:func:`get_indicator`).
INDICATORS: Mapping[str, Indicator] = {
    "radius_km": Indicator("stats", "YlOrRd", 2),
    "pop_per_point": Indicator("stats", "YlOrRd", 0),
    "masts_per_100km2": Indicator("stats", "YlGnBu", 1),
    **{f"pop_pct_any_{tech}": Indicator("coverage", "RdYlGn", 1) for tech in ("2g", "3g", "4g")},
}


def get_indicator(column: str, lang: str | None = None) -> Indicator:
    """The indicator ``column`` with its label, units and no-data reason in ``lang``.

    ``lang``: ``vi`` or ``en`` (default: the language in force).

    Examples
    --------
    >>> get_indicator("pop_pct_any_4g", "en").label
    'Population covered by 4G (any operator)'
    """
    if column not in INDICATORS:
        msg = i18n.t("maps.error.indicator", lang=lang, name=column,
                     choices=", ".join(INDICATORS))
        raise ConfigError(msg)
    t = labels_for(lang)
    key = "pop_pct_any" if column.startswith("pop_pct_any_") else column
    tech = column.removeprefix("pop_pct_any_").upper()
    return dataclasses.replace(INDICATORS[column], label=t[f"ind_{key}"].format(tech=tech),
                               units=t[f"units_{key}"], nodata=t[f"nodata_{key}"])


def ramp_colors(cmap: str, n: int) -> list[str]:
    """``n`` hex colours spread along the matplotlib colour map ``cmap`` (low to high).

    Examples
    --------
    >>> ramp_colors("YlOrRd", 1)
    ['#fd7435']
    """
    return list(_ramp(cmap, n))


@functools.cache
def _ramp(cmap: str, n: int) -> tuple[str, ...]:
    """:func:`ramp_colors`, computed once (a national run asks for the same ramps 200 times)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if n <= 0:
        return ()
    ramp = colormaps[cmap]
    points = [0.55] if n == 1 else np.linspace(0.12, 0.92, n)
    return tuple(to_hex(ramp(float(p))) for p in points)


def coverage_colors(n_classes: int) -> list[str]:
    """Colours of signal classes 1 (best) .. n (worst): green to red."""
    return ramp_colors("RdYlGn", n_classes)[::-1]


def operator_color(key: str, others: dict[str, str] | None = None) -> str:
    """Marker colour of a mast from its operators (``"Viettel"``, ``"MobiFone, Viettel"``)."""
    names = [n for n in key.split(", ") if n]
    if len(names) > 1:
        return SHARED_COLOR
    if not names:
        return "#000000"
    if names[0] in OPERATOR_COLORS:
        return OPERATOR_COLORS[names[0]]
    others = {} if others is None else others
    return others.setdefault(names[0], _OTHER_COLORS[len(others) % len(_OTHER_COLORS)])
