"""Folium maps that work offline, and static PNG maps for reports.

Everything here is pure: functions take layers (GeoDataFrames in the working CRS, arrays) and
return folium objects, HTML text or PNG bytes; the CLI (:mod:`ictgis.cli.map`) reads and writes
the files.

Offline by construction: every script and stylesheet that folium links from a CDN is inlined
from the asset store of the ``folium-offline`` package (folium's exact CDN files, keyed by URL);
a URL without an offline copy is an error, never a silent network request. Attribute text from
the input files travels as JSON data and is put into the page with ``textContent`` only, so a
name holding HTML or ``<script>`` shows as text and runs nothing.

Languages: every label (layer names, legends, units, popup fields, title, search, notes, the
synthetic-data label, static-map titles) comes from :data:`LABELS`, Vietnamese by default
(``lang="vi"``) or English (``lang="en"``); values from the input files are shown as they are.

Scale: BTS sites are sent as compact columns (coordinates, ids, dictionary-coded attributes)
and become canvas circle markers clustered in the browser (Leaflet.markercluster); 100,000
sites make an HTML of about 5 MB (``benchmarks/bench_map.py``).
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from ictgis.admin import fold
from ictgis.crs import to_crs, transformer
from ictgis.errors import ConfigError, DataError, IctgisError

if TYPE_CHECKING:
    from ictgis.workspace import Workspace

logger = logging.getLogger(__name__)

#: Colour of communes (and static-map polygons) without a value.
NODATA_COLOR = "#d9d9d9"

#: Labels of the maps in both languages (``ictgis map --lang``), used by the Python that builds
#: the page and by its script (those in ``_JS_LABELS``, sent to the browser as ``ictgis.t``).
#: Keys with ``{...}`` are ``str.format`` templates.
LABELS: Mapping[str, Mapping[str, str]] = {
    "vi": {
        "synthetic": "DỮ LIỆU TỔNG HỢP (demo) — không phải số liệu thật",
        "ind_radius_km": "R, bán kính phục vụ của một điểm phục vụ bưu chính",
        "ind_pop_per_point": "Dp, số dân phục vụ của một điểm phục vụ bưu chính",
        "ind_masts_per_100km2": "Mật độ cột BTS",
        "ind_pop_pct_any": "Tỷ lệ dân số được phủ sóng {tech} (mọi doanh nghiệp)",
        "units_radius_km": "km", "units_pop_per_point": "người",
        "units_masts_per_100km2": "cột/100 km²", "units_pop_pct_any": "%",
        "nodata_radius_km": "N = 0: không có điểm phục vụ bưu chính được tính",
        "nodata_pop_per_point": "N = 0: không có điểm phục vụ bưu chính được tính",
        "nodata_masts_per_100km2": "không có giá trị",
        "nodata_pop_pct_any": "không có kết quả vùng phủ sóng",
        "scheme_quantiles": "phân vị", "scheme_natural_breaks": "ngắt tự nhiên",
        "no_data": "không có số liệu ({why})",
        "classes_note": "{scheme}, {n} lớp; giới hạn trên thuộc lớp",
        "province": "Toàn tỉnh", "by_commune": "{label} theo xã, phường",
        "communes_layer": "Xã, phường: {label} ({units})",
        "search": "Xã, phường…", "not_found": "Không tìm thấy",
        "code": "Mã", "kind": "Loại", "district": "Huyện", "region": "Vùng",
        "population": "Dân số", "area": "Diện tích", "n_points": "Số điểm phục vụ N",
        "people_per_point": "người/điểm", "masts": "Số cột BTS", "density": "Mật độ cột BTS",
        "per_100km2": "cột/100 km²", "covered_tech": "Dân số được phủ sóng {tech}",
        "district_outlines": "Ranh giới huyện", "region_outlines": "Ranh giới vùng",
        "postal_points": "Điểm phục vụ bưu chính", "postal_layer": "Điểm bưu chính: {type}",
        "id": "Mã", "type": "Loại", "counted": "Tính vào N", "commune": "Xã, phường",
        "yes": "có", "no": "không", "unknown": "không rõ",
        "bts_layer": "Trạm BTS ({n}, gom cụm)", "shared": "dùng chung (2+ doanh nghiệp)",
        "bts_legend": "Trạm BTS theo doanh nghiệp",
        "bts_note": "Số trên cụm là số trạm trong cụm; bấm vào một trạm để xem thuộc tính và "
                    "các phát hiện kiểm tra quy hoạch.",
        "operators": "Doanh nghiệp", "technologies": "Công nghệ", "mast_class": "Loại cột",
        "height": "Chiều cao", "status": "Trạng thái",
        "site_findings": "Phát hiện kiểm tra quy hoạch", "none": "không có",
        "zones": "Khu vực quy hoạch", "zone": "khu vực", "zone_class": "Loại khu vực",
        "zone_prohibited": "Khu vực cấm", "zone_restricted_a1": "Khu vực chỉ lắp cột A1",
        "zone_permitted": "Khu vực được phép",
        "allowed": "Loại cột được phép", "max_height": "Chiều cao tối đa",
        "planned": "Vị trí quy hoạch", "planned_layer": "Vị trí quy hoạch ({n})",
        "planned_class": "Loại cột quy hoạch", "deviation": "Sai lệch cho phép",
        "planned_position": "vị trí quy hoạch",
        "findings_layer": "Phát hiện kiểm tra quy hoạch ({n})",
        "findings_legend": "Phát hiện kiểm tra quy hoạch (mức nặng nhất mỗi trạm)",
        "findings_note": "Đường nét đứt nối một cột với cột mà nó xung đột.",
        "worst": "Mức nặng nhất", "findings": "Phát hiện", "conflicts": "xung đột với {other}",
        "coverage_layer": "Vùng phủ sóng {tech} (mọi doanh nghiệp)",
        "signal_legend": "Mức tín hiệu {tech} (mọi doanh nghiệp)",
        "signal_class": "lớp {i}: {label}", "dbm_range": "từ {low:g} đến {high:g} dBm",
        "signal_note": "Mức tín hiệu của trạm phục vụ tốt nhất, mọi doanh nghiệp (mô phỏng).",
        "threshold_note": " Được phủ sóng nơi mức tín hiệu từ {dbm:g} dBm trở lên "
                          "(ngưỡng + dự phòng).",
        "base_tiles": "Bản đồ nền",
        "covered_any": "Tỷ lệ dân số được phủ sóng (mọi doanh nghiệp)",
        "static_radius": "{province}: bán kính phục vụ R của một điểm phục vụ bưu chính, "
                         "theo xã, phường",
        "static_coverage": "{province}: tỷ lệ dân số được phủ sóng (mọi doanh nghiệp), "
                           "theo xã, phường",
    },
    "en": {
        "synthetic": "SYNTHETIC demo data — not real figures",
        "ind_radius_km": "R, service radius per postal point",
        "ind_pop_per_point": "Dp, people per postal point",
        "ind_masts_per_100km2": "BTS density",
        "ind_pop_pct_any": "Population covered by {tech} (any operator)",
        "units_radius_km": "km", "units_pop_per_point": "people",
        "units_masts_per_100km2": "masts per 100 km²", "units_pop_pct_any": "%",
        "nodata_radius_km": "N = 0: no counted postal point",
        "nodata_pop_per_point": "N = 0: no counted postal point",
        "nodata_masts_per_100km2": "no value", "nodata_pop_pct_any": "no coverage result",
        "scheme_quantiles": "quantiles", "scheme_natural_breaks": "natural breaks",
        "no_data": "no data ({why})",
        "classes_note": "{scheme}, {n} classes; upper limits included",
        "province": "Province", "by_commune": "{label} by commune",
        "communes_layer": "Communes: {label} ({units})",
        "search": "Commune…", "not_found": "Not found",
        "code": "Code", "kind": "Kind", "district": "District", "region": "Region",
        "population": "Population", "area": "Area", "n_points": "Postal points N",
        "people_per_point": "people/point", "masts": "BTS masts", "density": "BTS density",
        "per_100km2": "per 100 km²", "covered_tech": "Population covered, {tech}",
        "district_outlines": "District outlines", "region_outlines": "Region outlines",
        "postal_points": "Postal service points", "postal_layer": "Postal points: {type}",
        "id": "Id", "type": "Type", "counted": "Counted in N", "commune": "Commune",
        "yes": "yes", "no": "no", "unknown": "unknown",
        "bts_layer": "BTS sites ({n}, clustered)", "shared": "shared (2+ operators)",
        "bts_legend": "BTS sites by operator",
        "bts_note": "Numbers on clusters count the sites inside; click a site for its "
                    "attributes and siting findings.",
        "operators": "Operator(s)", "technologies": "Technologies", "mast_class": "Mast class",
        "height": "Height", "status": "Status",
        "site_findings": "Siting findings", "none": "none",
        "zones": "Plan zones", "zone": "zone", "zone_class": "Zone class",
        "zone_prohibited": "prohibited", "zone_restricted_a1": "restricted_a1",
        "zone_permitted": "permitted",
        "allowed": "Allowed mast classes", "max_height": "Maximum height",
        "planned": "Planned sites", "planned_layer": "Planned sites ({n})",
        "planned_class": "Planned class", "deviation": "Allowed deviation",
        "planned_position": "planned position",
        "findings_layer": "Siting findings ({n})",
        "findings_legend": "Siting findings (worst per site)",
        "findings_note": "Dashed lines join a mast to the mast it conflicts with.",
        "worst": "Worst severity", "findings": "Findings", "conflicts": "conflicts with {other}",
        "coverage_layer": "Coverage {tech} (any operator)",
        "signal_legend": "Signal {tech} (any operator)",
        "signal_class": "class {i}: {label}", "dbm_range": "{low:g} to {high:g} dBm",
        "signal_note": "Best-server level, any operator (modelled).",
        "threshold_note": " Covered where the level is at least {dbm:g} dBm "
                          "(threshold + margin).",
        "base_tiles": "Base tiles",
        "covered_any": "Population covered (any operator)",
        "static_radius": "{province}: service radius R per postal point, by commune",
        "static_coverage": "{province}: population covered (any operator), by commune",
    },
}

#: Languages of the maps; the first is the default.
LANGUAGES = tuple(LABELS)

#: The labels that the page script uses (site popups, search), sent with each page.
_JS_LABELS = ("operators", "technologies", "mast_class", "height", "status", "commune",
              "site_findings", "none", "search", "not_found")


def labels_for(lang: str = "vi") -> Mapping[str, str]:
    """The labels of one language (:data:`LABELS`).

    Raises
    ------
    ConfigError
        For a language that is not in :data:`LABELS`.
    """
    if lang not in LABELS:
        msg = f"unknown language {lang!r}; use one of {', '.join(LABELS)}"
        raise ConfigError(msg)
    return LABELS[lang]


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
        :data:`LABELS`; empty in :data:`INDICATORS`.
    """

    source: str
    cmap: str
    decimals: int
    label: str = ""
    units: str = ""
    nodata: str = ""


#: Indicators of the commune choropleth (``ictgis map --indicator``); their texts are in
#: :data:`LABELS` (:func:`get_indicator`).
INDICATORS: Mapping[str, Indicator] = {
    "radius_km": Indicator("stats", "YlOrRd", 2),
    "pop_per_point": Indicator("stats", "YlOrRd", 0),
    "masts_per_100km2": Indicator("stats", "YlGnBu", 1),
    **{f"pop_pct_any_{tech}": Indicator("coverage", "RdYlGn", 1) for tech in ("2g", "3g", "4g")},
}


def get_indicator(column: str, lang: str = "vi") -> Indicator:
    """The indicator ``column`` with its label, units and no-data reason in ``lang``.

    Examples
    --------
    >>> get_indicator("pop_pct_any_4g", "en").label
    'Population covered by 4G (any operator)'
    """
    if column not in INDICATORS:
        msg = f"unknown indicator {column!r}; use one of {', '.join(INDICATORS)}"
        raise ConfigError(msg)
    t = labels_for(lang)
    key = "pop_pct_any" if column.startswith("pop_pct_any_") else column
    tech = column.removeprefix("pop_pct_any_").upper()
    return dataclasses.replace(INDICATORS[column], label=t[f"ind_{key}"].format(tech=tech),
                               units=t[f"units_{key}"], nodata=t[f"nodata_{key}"])

#: Operator -> marker colour; masts shared by 2+ operators use ``SHARED_COLOR``.
OPERATOR_COLORS: Mapping[str, str] = {
    "Viettel": "#d62728", "VinaPhone": "#1f77b4", "MobiFone": "#17becf",
    "Vietnamobile": "#ff7f0e", "Gmobile": "#8c564b", "Itelecom": "#bcbd22",
}
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

_KIND_LABELS = {"phuong": "Phường", "thi_tran": "Thị trấn", "xa": "Xã"}
_MAX_ZOOM = 18
_JENKS_MAX = 3000


# ------------------------------------------------------------------------ classification


def _finite(values: Iterable[float]) -> np.ndarray:
    array = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"),
                       dtype=float)
    return array[np.isfinite(array)]


def quantile_breaks(values: Iterable[float], k: int = 5) -> np.ndarray:
    """Upper limits of ``k`` quantile classes (equal counts), each a data value.

    A value repeated in more than 1/k of the data (0 masts, 100 % covered) is a class of
    its own, and the other classes share the values below and above it in proportion.

    Parameters
    ----------
    values
        The values; NaN are ignored.
    k
        Number of classes wanted; fewer when there are fewer distinct values.

    Returns
    -------
    numpy.ndarray
        Increasing upper class limits; the last is the maximum. A value ``v`` is in the first
        class whose limit is ``>= v``.

    Examples
    --------
    >>> quantile_breaks(range(1, 11), 5).tolist()
    [2.0, 4.0, 6.0, 8.0, 10.0]
    >>> quantile_breaks([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 3).tolist()
    [0.0, 2.0, 4.0]
    """
    return np.array(_quantiles(np.sort(_finite(values)), k), dtype=float)


def _quantiles(x: np.ndarray, k: int) -> list[float]:
    if x.size == 0 or k <= 0:
        return []
    uniques, counts = np.unique(x, return_counts=True)
    if uniques.size <= k:
        return uniques.tolist()
    top = int(counts.argmax())
    if counts[top] * k <= x.size or k < 3:
        q = np.arange(1, k + 1) / k
        return np.unique(np.quantile(x, q, method="inverted_cdf")).tolist()
    tie = uniques[top]
    below, above = x[x < tie], x[x > tie]
    rest = k - 1
    if below.size and above.size:
        k_below = min(max(round(rest * below.size / (below.size + above.size)), 1), rest - 1)
    else:
        k_below = rest if below.size else 0
    return [*_quantiles(below, k_below), float(tie), *_quantiles(above, rest - k_below)]


def natural_breaks(values: Iterable[float], k: int = 5) -> np.ndarray:
    """Upper limits of ``k`` Fisher-Jenks natural-break classes (least squared deviations).

    Exact dynamic programming on the sorted values; above 3,000 values it runs on 3,000
    evenly ranked values (deterministic).

    Examples
    --------
    >>> natural_breaks([1, 2, 3, 10, 11, 12, 20, 21, 22], 3).tolist()
    [3.0, 12.0, 22.0]
    """
    x = np.sort(_finite(values))
    if x.size == 0:
        return np.array([])
    if np.unique(x).size <= k:
        return np.unique(x)
    if x.size > _JENKS_MAX:
        x = x[np.linspace(0, x.size - 1, _JENKS_MAX).round().astype(int)]
    n = x.size
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(start: np.ndarray, end: int) -> np.ndarray:
        count = end + 1 - start
        total = s1[end + 1] - s1[start]
        return (s2[end + 1] - s2[start]) - total * total / count

    cost = np.full((k, n), np.inf)
    start_of = np.zeros((k, n), dtype=int)
    cost[0] = [ssd(np.array([0]), j)[0] for j in range(n)]
    for c in range(1, k):
        for j in range(c, n):
            starts = np.arange(c, j + 1)
            total = cost[c - 1, starts - 1] + ssd(starts, j)
            best = int(np.argmin(total))
            cost[c, j], start_of[c, j] = total[best], starts[best]
    breaks, end = [], n - 1
    for c in range(k - 1, -1, -1):
        breaks.append(x[end])
        end = start_of[c, end] - 1
    return np.unique(np.array(breaks[::-1], dtype=float))


#: Classification schemes (``ictgis map --scheme``).
CLASSIFIERS: Mapping[str, Callable[[Iterable[float], int], np.ndarray]] = {
    "quantiles": quantile_breaks,
    "natural_breaks": natural_breaks,
}


def classify(values: Iterable[float], breaks: Sequence[float]) -> np.ndarray:
    """Class index of each value (0 = lowest class), -1 for NaN.

    A value equal to a limit belongs to the class that limit closes.
    """
    x = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"), float)
    limits = np.asarray(breaks, dtype=float)
    if limits.size == 0:
        return np.full(x.shape, -1, dtype=int)
    out = np.searchsorted(limits, x, side="left").clip(0, limits.size - 1)
    out[~np.isfinite(x)] = -1
    return out.astype(int)


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def class_labels(breaks: Sequence[float], minimum: float, *, decimals: int,
                 units: str = "") -> list[str]:
    """Legend labels ``"low – high units"`` of the classes (upper limits included).

    Examples
    --------
    >>> class_labels([2.0, 4.5], 1.0, decimals=1, units="km")
    ['1.0 – 2.0 km', '2.0 – 4.5 km']
    """
    lows = [minimum, *list(breaks)[:-1]]
    suffix = f" {units}" if units else ""
    # more decimals when limits close together would print alike (99.95 and 100.0)
    shown = decimals
    while shown < decimals + 1 and len({_number(b, shown) for b in breaks}) < len(breaks):
        shown += 1
    labels = []
    for low, high in zip(lows, breaks, strict=True):
        lo, hi = _number(low, shown), _number(high, shown)
        labels.append(f"{hi}{suffix}" if lo == hi else f"{lo} – {hi}{suffix}")
    return labels


def _colors(cmap: str, n: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if n <= 0:
        return []
    ramp = colormaps[cmap]
    points = [0.55] if n == 1 else np.linspace(0.12, 0.92, n)
    return [to_hex(ramp(float(p))) for p in points]


@dataclass(frozen=True)
class Classes:
    """Classes of a choropleth: limits, colours and legend labels."""

    column: str
    indicator: Indicator
    scheme: str
    breaks: tuple[float, ...]
    minimum: float
    colors: tuple[str, ...]
    labels: tuple[str, ...]
    lang: str = "vi"

    def index(self, values: Iterable[float]) -> np.ndarray:
        """Class of each value (-1: no data), on values rounded as they were classified."""
        x = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").to_numpy(float)
        return classify(np.round(x, self.indicator.decimals + 1), self.breaks)


def choropleth_classes(values: Iterable[float], column: str, *, scheme: str = "quantiles",
                       k: int = 5, lang: str = "vi") -> Classes:
    """Classify an indicator's values for a map.

    Parameters
    ----------
    values
        The commune values (NaN: no data).
    column
        A key of :data:`INDICATORS`.
    scheme
        A key of :data:`CLASSIFIERS`.
    k
        Number of classes (fewer when values repeat).
    lang
        Language of the indicator's label and units (a key of :data:`LABELS`).

    Raises
    ------
    ConfigError
        For an unknown indicator, scheme or language.
    """
    ind = get_indicator(column, lang)
    if scheme not in CLASSIFIERS:
        msg = f"unknown classification {scheme!r}; use one of {', '.join(CLASSIFIERS)}"
        raise ConfigError(msg)
    # rounded so that floating-point noise (99.99999 %) makes no class of its own
    x = np.round(_finite(values), ind.decimals + 1)
    breaks = CLASSIFIERS[scheme](x, k)
    minimum = float(x.min()) if x.size else float("nan")
    limits = class_labels(breaks, minimum, decimals=ind.decimals, units=ind.units)
    return Classes(column, ind, scheme, tuple(float(b) for b in breaks), minimum,
                   tuple(_colors(ind.cmap, len(breaks))), tuple(limits), lang)


# ---------------------------------------------------------------------------- map inputs


@dataclass(frozen=True)
class CoverageRaster:
    """A classified signal raster of one technology (``class_any_<tech>.tif``).

    Attributes
    ----------
    classes
        uint8 signal classes, 1 = best, 0 = nodata.
    transform, crs
        Georeferencing of ``classes``.
    classes_dbm
        Lower limits of the classes, best first (``[coverage.technologies.<tech>]``).
    threshold_dbm
        Received level from which a place counts as covered (threshold + margin), or None.
    """

    classes: np.ndarray
    transform: Any
    crs: Any
    classes_dbm: tuple[float, ...]
    threshold_dbm: float | None = None


@dataclass(frozen=True)
class MapData:
    """Everything a map shows, in the working CRS; absent layers are None (and left out).

    Attributes
    ----------
    province
        Province name, for the title.
    synthetic
        Whether the data is synthetic (labelled in the title and the legend).
    communes
        Communes with ``code``, ``name``, admin columns, and the indicator columns available.
    post_offices, bts, zones, planned_sites
        Workspace layers.
    findings, links
        Siting findings (points: ``site_id``, ``rule``, ``severity``, ``message``) and the
        lines from a site to the mast it conflicts with.
    coverage
        Technology -> classified signal raster.
    region
        The region a map is limited to, or None for the whole province.
    """

    province: str
    synthetic: bool
    communes: gpd.GeoDataFrame
    post_offices: gpd.GeoDataFrame | None = None
    bts: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    planned_sites: gpd.GeoDataFrame | None = None
    findings: gpd.GeoDataFrame | None = None
    links: gpd.GeoDataFrame | None = None
    coverage: Mapping[str, CoverageRaster] = field(default_factory=dict)
    region: str | None = None


_COMMUNE_COLUMNS = ("code", "name", "kind", "district", "region", "population", "area_km2")
_STATS_COLUMNS = ("n_points", "radius_km", "pop_per_point", "masts", "masts_per_100km2")


def _attributes(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    keep = [c for c in columns if c in table.columns]
    out = pd.DataFrame(table[["code", *keep]]).copy()
    out["code"] = out["code"].astype(str)
    return out.drop_duplicates("code")


def map_data(ws: Workspace, *, stats: pd.DataFrame | None = None,
             coverage: pd.DataFrame | None = None,
             findings: gpd.GeoDataFrame | None = None, links: gpd.GeoDataFrame | None = None,
             rasters: Mapping[str, CoverageRaster] | None = None) -> MapData:
    """Gather the layers of a workspace and the results of earlier steps for the maps.

    Parameters
    ----------
    ws
        A loaded :class:`ictgis.workspace.Workspace`.
    stats
        Commune indicators of ``ictgis stats`` (``code``, ``radius_km``, ``pop_per_point``,
        ``masts_per_100km2``, ...).
    coverage
        Commune coverage of ``ictgis coverage`` (``code``, ``pop_pct_any_<tech>``), or None.
    findings, links
        Layers of ``findings.gpkg`` in the working CRS, or None.
    rasters
        Technology -> :class:`CoverageRaster`, or None.
    """
    communes = ws.communes[[c for c in _COMMUNE_COLUMNS if c in ws.communes.columns]
                           + ["geometry"]].copy()
    communes["code"] = communes["code"].astype(str)
    if stats is not None:
        communes = communes.merge(_attributes(stats, _STATS_COLUMNS), on="code", how="left")
    if coverage is not None:
        columns = [c for c in coverage.columns if str(c).startswith("pop_pct_any_")]
        communes = communes.merge(_attributes(coverage, columns), on="code", how="left")
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=ws.communes.crs)
    return MapData(
        province=ws.config.province, synthetic=bool(ws.config.synthetic), communes=communes,
        post_offices=ws.post_offices, bts=ws.bts, zones=ws.zones,
        planned_sites=ws.planned_sites, findings=findings, links=links,
        coverage=dict(rasters or {}),
    )


def regions(data: MapData) -> list[str]:
    """The regions of the communes, in order of first appearance (empty without regions)."""
    if "region" not in data.communes.columns:
        return []
    return [str(r) for r in pd.unique(data.communes["region"].dropna())]


def region_slug(name: str) -> str:
    """File-name form of a region name: ``"Vùng phía Tây"`` -> ``"vung_phia_tay"``."""
    slug = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")
    return slug or "region"


def region_data(data: MapData, region: str) -> MapData:
    """The part of ``data`` in one region.

    Communes by their region; postal points and masts by their commune; the other layers
    where they touch the region's area.
    """
    communes = data.communes[data.communes["region"] == region]
    codes = set(communes["code"])
    area = shapely.union_all(communes.geometry.array)
    shapely.prepare(area)

    def by_commune(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if gdf is None:
            return None
        if "commune" in gdf.columns:
            return gdf[gdf["commune"].astype("string").isin(codes).fillna(False).to_numpy(bool)]
        return touching(gdf)

    def touching(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if gdf is None:
            return None
        return gdf[shapely.intersects(area, gdf.geometry.array)]

    return dataclasses.replace(
        data, communes=communes, post_offices=by_commune(data.post_offices),
        bts=by_commune(data.bts), zones=touching(data.zones),
        planned_sites=touching(data.planned_sites), findings=touching(data.findings),
        links=touching(data.links), region=region,
    )


# ------------------------------------------------------------------------------ helpers


def js_json(value: object) -> str:
    r"""JSON that is safe inside an HTML ``<script>`` (``<``, ``>``, ``&`` escaped).

    Examples
    --------
    >>> js_json({"name": "</script><b>"})
    '{"name": "\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _text(values: pd.Series) -> list[str | None]:
    """Strings for display (None where missing); tuples become ``"a, b"``."""
    def one(v: object) -> str | None:
        if isinstance(v, tuple | list):
            return ", ".join(str(x) for x in v) or None
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        return str(v)

    return [one(v) for v in values.astype(object)]


def _numbers(values: pd.Series, decimals: int, units: str = "") -> list[str | None]:
    x = pd.to_numeric(values, errors="coerce").to_numpy(float)
    suffix = f" {units}" if units else ""
    return [None if not np.isfinite(v) else f"{v:,.{decimals}f}{suffix}" for v in x]


def _rounded(values: np.ndarray, decimals: int) -> list[float | None]:
    x = np.round(np.asarray(values, dtype=float), decimals)
    return [None if not np.isfinite(v) else float(v) for v in x]


def _lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return to_crs(gdf, "EPSG:4326")


def _round_coords(geoms: np.ndarray, decimals: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def _simplify(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def _feature_collection(gdf: gpd.GeoDataFrame, properties: Mapping[str, list]) -> str:
    """A GeoJSON FeatureCollection (WGS 84, 5 decimals) as script-safe JSON text."""
    geoms = _round_coords(_lonlat(gdf).geometry.array)
    texts = shapely.to_geojson(geoms)
    keys = list(properties)
    parts = [
        '{"type":"Feature","geometry":' + g + ',"properties":'
        + js_json(dict(zip(keys, row, strict=True))) + "}"
        for g, *row in zip(texts, *(properties[k] for k in keys), strict=True) if g is not None
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _operator_key(operators: pd.Series) -> pd.Series:
    return operators.map(lambda ops: ", ".join(ops) if isinstance(ops, tuple | list)
                         else ("" if ops is None else str(ops)))


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


# ------------------------------------------------------------------- folium elements


_CSS = """
.leaflet-container { background: #e9eef2; font: 12px/1.4 "Helvetica Neue", Arial, sans-serif; }
.ictgis-card { min-width: 180px; }
.ictgis-card-title { font-weight: bold; font-size: 13px; margin-bottom: 4px; }
.ictgis-card table { border-collapse: collapse; }
.ictgis-card th { text-align: left; font-weight: normal; color: #555; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }
.ictgis-card td { padding: 1px 0; vertical-align: top; }
.ictgis-card td div + div { border-top: 1px dotted #bbb; margin-top: 2px; padding-top: 2px; }
.ictgis-label { pointer-events: none; }
.ictgis-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font-weight: bold; color: #222; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.ictgis-label.district span { font-size: 11px; color: #333; }
.ictgis-label.region span { font-size: 15px; color: #000; letter-spacing: 0.5px; }
.ictgis-legend { background: rgba(255, 255, 255, 0.95); padding: 6px 10px; max-height: 50vh;
  overflow-y: auto; min-width: 170px; box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4);
  border-radius: 4px; }
.ictgis-legend h4 { margin: 6px 0 3px; font-size: 12px; }
.ictgis-legend h4:first-child { margin-top: 0; }
.ictgis-legend .row { white-space: nowrap; }
.ictgis-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #777; }
.ictgis-legend i.dot { border-radius: 50%; width: 11px; height: 11px; }
.ictgis-legend .note { color: #555; font-size: 11px; max-width: 230px; white-space: normal; }
.ictgis-synthetic { color: #b00000; font-weight: bold; }
.ictgis-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
  z-index: 1000; background: rgba(255, 255, 255, 0.95); padding: 5px 12px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4); text-align: center; max-width: 60%; }
.ictgis-title .name { font-weight: bold; font-size: 14px; }
.ictgis-title .nav a { margin: 0 4px; }
.ictgis-coverage { image-rendering: pixelated; }
"""

_JS = r"""
(function () {
  "use strict";
  var I = window.ictgis = {layers: {}, sitesLoaded: false, meta: {}};

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  I.el = el;

  // A popup card: a title and label/value rows, every text set with textContent.
  I.card = function (title, rows) {
    var box = el("div", null, "ictgis-card");
    box.appendChild(el("div", title, "ictgis-card-title"));
    var table = el("table");
    rows.forEach(function (row) {
      var value = row[1];
      if (value === null || value === undefined || value === "" ||
          (Array.isArray(value) && !value.length)) { return; }
      var tr = table.insertRow();
      tr.appendChild(el("th", row[0]));
      var td = el("td");
      if (Array.isArray(value)) {
        value.forEach(function (line) { td.appendChild(el("div", line)); });
      } else {
        td.textContent = String(value);
      }
      tr.appendChild(td);
    });
    box.appendChild(table);
    return box;
  };

  function rows(p, fields) {
    return fields.map(function (f) { return [f[1], p[f[0]]]; });
  }

  I.init = function (map, meta, text) {
    I.map = map;
    I.meta = meta;
    I.t = text;  // the labels of the page's language (maps.LABELS)
    // popups pan clear of the title box
    L.Popup.prototype.options.autoPanPaddingTopLeft = L.point(60, 110);
    L.control.scale({imperial: false, maxWidth: 150}).addTo(map);
  };

  // Polygons (choropleth, zones): fill from a class index or a category colour.
  I.polygons = function (map, data, o) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        var p = f.properties, fill = o.fill;
        if (o.colors) { fill = p._c >= 0 ? o.colors[p._c] : o.nodata; }
        if (o.palette) { fill = o.palette[p[o.colorBy]] || o.fill; }
        return {color: o.stroke, weight: o.weight, opacity: 0.9, fillColor: fill,
                fillOpacity: o.fillOpacity};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return I.card(p[o.title], rows(p, o.fields)); },
                        {maxWidth: 380});
        if (o.tooltip) {
          layer.bindTooltip(function () { return el("span", p[o.tooltip]); }, {sticky: true});
        }
      }
    });
    I.layers[o.key] = layer;
    return layer;
  };

  // Outlines with a label at a point inside each polygon.
  I.outlines = function (map, data, o) {
    var group = L.featureGroup();
    L.geoJSON(data, {interactive: false,
                     style: {color: o.stroke, weight: o.weight, opacity: 0.9, fill: false}})
      .addTo(group);
    data.features.forEach(function (f) {
      var p = f.properties;
      if (p._lat === null || p._lon === null) { return; }
      L.marker([p._lat, p._lon], {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "ictgis-label " + o.labelClass, iconSize: null,
                         html: el("span", p.name)})
      }).addTo(group);
    });
    I.layers[o.key] = group;
    return group;
  };

  // Points (postal points, planned sites, findings) and lines (finding links).
  I.points = function (map, data, o) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        var fill = o.palette ? (o.palette[p[o.colorBy]] || o.fill) : o.fill;
        return L.circleMarker(latlng, {radius: o.radius, color: o.stroke, weight: 1,
                                       fillColor: fill, fillOpacity: 0.9});
      },
      style: function (f) {
        var p = f.properties;
        return {color: o.palette ? (o.palette[p[o.colorBy]] || o.fill) : o.fill,
                weight: 2, opacity: 0.9, dashArray: "4 3"};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return I.card(p[o.title], rows(p, o.fields)); },
                        {maxWidth: 420});
      }
    });
    I.layers[o.key] = layer;
    return layer;
  };

  // BTS sites: compact columns -> canvas circle markers, clustered in the browser.
  I.sites = function (map, d, o) {
    var n = d.id.length, markers = new Array(n), i;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, chunkInterval: 250, chunkDelay: 20, showCoverageOnHover: false,
      maxClusterRadius: 70,
      chunkProgress: function (done, total) {
        if (total === n && done >= total) { I.sitesLoaded = true; }
      }
    });
    for (i = 0; i < n; i++) {
      markers[i] = L.circleMarker([d.lat0 + d.dlat[i] / 1e5, d.lon0 + d.dlon[i] / 1e5], {
        radius: 6, color: "#222", weight: 1, fillColor: d.opColors[d.op[i]],
        fillOpacity: 0.95});
      markers[i].ictgisIndex = i;
    }
    // on the map first: before that, addLayers checks each marker against all the
    // others (quadratic); on the map it clusters them in chunks, keeping the page alive
    cluster.addTo(map);
    cluster.addLayers(markers);
    if (!n) { I.sitesLoaded = true; }
    cluster.on("click", function (e) {
      var m = e.layer;
      // keep the map from seeing the click: it would unspiderfy and close the popup
      L.DomEvent.stopPropagation(e);
      if (!m.getPopup()) {
        m.bindPopup(function () { return I.site(m.ictgisIndex); }, {maxWidth: 420});
      }
      m.openPopup();
    });
    I.siteData = d;
    I.siteMarkers = markers;
    I.layers[o.key] = cluster;
    return cluster;
  };

  I.site = function (i) {
    var d = I.siteData, f = d.findings[String(i)], h = d.height10[i];
    var t = I.t;
    return I.card(d.idPrefix + d.id[i], [
      [t.operators, d.ops[d.op[i]]], [t.technologies, d.techs[d.tech[i]]],
      [t.mast_class, d.classes[d.cls[i]]], [t.height, h === null ? null : h / 10 + " m"],
      [t.status, d.statuses[d.st[i]]], [t.commune, d.communes[d.cm[i]]],
      [t.site_findings, f ? f.map(function (k) { return d.lines[k]; }) : t.none]]);
  };

  I.findSite = function (id) {
    var d = I.siteData;
    if (!d || String(id).indexOf(d.idPrefix) !== 0) { return null; }
    var i = d.id.indexOf(String(id).slice(d.idPrefix.length));
    return i < 0 ? null : I.siteMarkers[i];
  };

  // Zoom to a site and spiderfy its cluster if needed; resolves with its marker once shown.
  // (markercluster's zoomToShowLayer waits for an icon, which a circle marker has not.)
  I.showSite = function (id) {
    return new Promise(function (resolve, reject) {
      var m = I.findSite(id), cluster = I.layers.bts, map = I.map;
      if (!m) { reject(new Error("no site " + id)); return; }
      map.setView(m.getLatLng(), map.getMaxZoom(), {animate: false});
      setTimeout(function () {
        var parent = cluster.getVisibleParent(m);
        if (!parent || parent === m) { resolve(m); return; }
        cluster.once("spiderfied", function () { setTimeout(function () { resolve(m); }, 300); });
        parent.spiderfy();
      }, 400);
    });
  };

  // Search communes by name, ignoring diacritics and case.
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u0111\u0110]/g, "d").toLowerCase();
  }
  I.search = function (map, layer, o) {
    var control = new L.Control.Search({
      layer: layer, propertyName: o.property, marker: false, initial: false,
      collapsed: true, position: "topleft", textPlaceholder: I.t.search,
      textErr: I.t.not_found, autoCollapse: true,
      buildTip: function (text) { return el("li", text); },
      filterData: function (text, records) {
        var q = fold(text), out = {};
        Object.keys(records).forEach(function (k) {
          if (fold(k).indexOf(q) !== -1) { out[k] = records[k]; }
        });
        return out;
      },
      moveToLocation: function (latlng, title, m) {
        m.fitBounds(latlng.layer.getBounds(), {maxZoom: 14});
      }
    });
    control.on("search:locationfound", function (e) {
      if (!map.hasLayer(layer)) { map.addLayer(layer); }
      if (e.layer.getPopup()) { e.layer.openPopup(); }
    });
    map.addControl(control);
    I.searchControl = control;
    return control;
  };

  // Legend: our own HTML (every text escaped in Python); a section shows with its layer.
  I.legend = function (map, html, bindings) {
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "ictgis-legend");
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    bindings.forEach(function (b) {
      var section = control.getContainer().querySelector('[data-section="' + b[0] + '"]');
      var layer = b[1];
      var sync = function () { section.style.display = map.hasLayer(layer) ? "" : "none"; };
      layer.on("add remove", sync);
      sync();
    });
    I.legendControl = control;
  };

  I.title = function (map, html) {
    var div = L.DomUtil.create("div", "ictgis-title", map.getContainer());
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
  };
})();
"""


class _Helpers(MacroElement):
    """The ictgis page script (our own code) and style, and ``ictgis.init``."""

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
        self.css = _CSS
        self.js = _JS
        self.meta_js = js_json(dict(meta))
        self.text_js = js_json({key: text[key] for key in _JS_LABELS})


class _DataLayer(JSCSSMixin, Layer):
    """A layer built in the browser by ``ictgis.<factory>(map, data, options)``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = ictgis.{{ this.factory }}(
                {{ this._parent.get_name() }}, {{ this.data_js }}, {{ this.options_js }});
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


class _Search(JSCSSMixin, MacroElement):
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


class _Legend(MacroElement):
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

    def render(self, **kwargs: Any) -> None:
        self.bindings = ", ".join(f"[{js_json(sid)}, {layer.get_name()}]"
                                  for sid, layer in self._layers if layer is not None)
        super().render(**kwargs)


class _Title(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
            ictgis.title({{ this._parent.get_name() }}, {{ this.html_js }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "IctgisTitle"
        self.html_js = js_json(html_text)


# --------------------------------------------------------------------------- the layers


def _swatch(color: str, label: str, *, dot: bool = False) -> str:
    cls = ' class="dot"' if dot else ""
    return (f'<div class="row"><i{cls} style="background:{html.escape(color)}"></i>'
            f"{html.escape(label)}</div>")


def _section(sid: str, title: str, rows: Iterable[str], note: str = "") -> str:
    note_html = f'<div class="note">{html.escape(note)}</div>' if note else ""
    return (f'<div data-section="{sid}"><h4>{html.escape(title)}</h4>{"".join(rows)}'
            f"{note_html}</div>")


def _commune_layer(communes: gpd.GeoDataFrame, classes: Classes, *, tiles: bool
                   ) -> tuple[_DataLayer, str]:
    t = labels_for(classes.lang)
    ind = classes.indicator
    c = communes
    names = _text(c["name"])
    districts = _text(c["district"]) if "district" in c else [None] * len(c)
    props: dict[str, list] = {
        "name": names, "code": _text(c["code"]),
        "kind": [_KIND_LABELS.get(k, k) for k in _text(c["kind"])] if "kind" in c
        else [None] * len(c),
        "district": districts,
        "region": _text(c["region"]) if "region" in c else [None] * len(c),
        "population": _numbers(c["population"], 0) if "population" in c else [None] * len(c),
        "area": _numbers(c["area_km2"], 2, "km²") if "area_km2" in c else [None] * len(c),
        "value": _numbers(c[classes.column], ind.decimals, ind.units),
        "_c": classes.index(c[classes.column]).tolist(),
        "_label": [f"{n} — {d}" if d else n for n, d in zip(names, districts, strict=True)],
    }
    fields = [("value", ind.label), *((key, t[key]) for key in (
        "code", "kind", "district", "region", "population", "area"))]
    extra = [("n_points", t["n_points"], 0, ""), ("radius_km", "R", 2, "km"),
             ("pop_per_point", "Dp", 0, t["people_per_point"]), ("masts", t["masts"], 0, ""),
             ("masts_per_100km2", t["density"], 1, t["per_100km2"])]
    extra += [(col, t["covered_tech"].format(tech=col.removeprefix("pop_pct_any_").upper()),
               1, "%") for col in c.columns if str(col).startswith("pop_pct_any_")]
    for col, label, decimals, units in extra:
        if col in c.columns and col != classes.column:
            props[col] = _numbers(c[col], decimals, units)
            fields.append((col, label))
    options = {"key": "communes", "title": "name", "tooltip": "_label", "fields": fields,
               "colors": list(classes.colors), "nodata": NODATA_COLOR, "stroke": "#666666",
               "weight": 0.6, "fillOpacity": 0.55 if tiles else 0.75}
    name = t["communes_layer"].format(label=ind.label, units=ind.units)
    layer = _DataLayer("polygons", _feature_collection(c, props), options, name=name)
    rows = [_swatch(col, label) for col, label in zip(classes.colors, classes.labels, strict=True)]
    if c[classes.column].isna().any():
        rows.append(_swatch(NODATA_COLOR, t["no_data"].format(why=ind.nodata)))
    note = t["classes_note"].format(scheme=t[f"scheme_{classes.scheme}"], n=len(classes.breaks))
    legend = _section("{sid}", f"{ind.label} ({ind.units})", rows, note)
    return layer, legend


def _outline_layer(communes: gpd.GeoDataFrame, level: str, *, name: str, stroke: str,
                   weight: float, show: bool = True) -> _DataLayer:
    shapes = communes[[level, "geometry"]].dissolve(by=level).reset_index()
    inside = gpd.GeoDataFrame(geometry=shapely.point_on_surface(shapes.geometry.array),
                              crs=shapes.crs)
    inside = _lonlat(inside)
    props = {"name": _text(shapes[level]),
             "_lon": _rounded(shapely.get_x(inside.geometry.array), 5),
             "_lat": _rounded(shapely.get_y(inside.geometry.array), 5)}
    options = {"key": f"{level}s", "stroke": stroke, "weight": weight, "labelClass": level}
    return _DataLayer("outlines", _feature_collection(shapes, props), options, name=name,
                      show=show)


def _post_layers(posts: gpd.GeoDataFrame, commune_names: Mapping[str, str],
                 t: Mapping[str, str]) -> list[tuple[_DataLayer, str]]:
    from ictgis.postal import POINT_TYPES

    out = []
    types = posts["type"].astype("string").fillna("unknown")
    for kind in [t for t in (*POINT_TYPES, *sorted(set(types) - set(POINT_TYPES)))
                 if (types == t).any()]:
        part = posts[(types == kind).to_numpy(bool)]
        label = POINT_TYPES[kind][0] if kind in POINT_TYPES else kind
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
        layer = _DataLayer("points", _feature_collection(part, props), options,
                           name=t["postal_layer"].format(type=label.split(" (")[0]))
        out.append((layer, _swatch(color, f"{label} ({len(part):,})", dot=True)))
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
    * ``findings``: row (as text) -> codes into ``lines`` (``"severity · rule: message"``).
    """
    pts = _lonlat(bts[["geometry"]])
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
    lines: list[str] = []
    if findings is not None and len(findings):
        text = (findings["severity"].astype(str) + " · " + findings["rule"].astype(str) + ": "
                + findings["message"].astype(str))
        codes, lines = coded(text.tolist())
        by_site = pd.Series(codes).groupby(findings["site_id"].astype(str).to_numpy()).agg(list)
        hits = pd.Series(ids).map(by_site)
        rows = {str(i): v for i, v in enumerate(hits) if isinstance(v, list)}
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


def _site_layer(bts: gpd.GeoDataFrame, findings: gpd.GeoDataFrame | None,
                commune_names: Mapping[str, str], t: Mapping[str, str]
                ) -> tuple[_DataLayer, str]:
    from folium.plugins import MarkerCluster

    columns = site_columns(bts, findings=findings, commune_names=commune_names)
    layer = _DataLayer("sites", js_json(columns), {"key": "bts"},
                       name=t["bts_layer"].format(n=f"{len(bts):,}"),
                       assets=(MarkerCluster.default_js, MarkerCluster.default_css))
    counts = pd.Series(columns["op"]).value_counts()
    totals: dict[tuple[str, str], int] = {}
    for idx, (key, color) in enumerate(zip(columns["ops"], columns["opColors"], strict=True)):
        label = t["shared"] if color == SHARED_COLOR else (key or t["unknown"])
        totals[(label, color)] = totals.get((label, color), 0) + int(counts.get(idx, 0))
    rows = [_swatch(color, f"{label} ({n:,})", dot=True) for (label, color), n in totals.items()]
    return layer, _section("{sid}", t["bts_legend"], rows, t["bts_note"])


def _zone_layer(zones: gpd.GeoDataFrame, t: Mapping[str, str]) -> tuple[_DataLayer, str]:
    z = zones
    props = {
        "id": _text(z["id"]) if "id" in z else [None] * len(z),
        "name": _text(z["name"]) if "name" in z else [None] * len(z),
        "zone_class": _text(z["zone_class"]),
        "allowed": _text(z["allowed_classes"]) if "allowed_classes" in z else [None] * len(z),
        "max_height": _numbers(z["max_height"], 1, "m") if "max_height" in z else [None] * len(z),
    }
    props["_title"] = [n or i or t["zone"] for n, i in zip(props["name"], props["id"], strict=True)]
    options = {"key": "zones", "title": "_title", "palette": dict(ZONE_COLORS),
               "colorBy": "zone_class", "fill": "#bbbbbb", "stroke": "#444444", "weight": 1,
               "fillOpacity": 0.35,
               "fields": [[key, t[key]] for key in ("id", "zone_class", "allowed",
                                                     "max_height")]}
    layer = _DataLayer("polygons", _feature_collection(_simplify(z), props), options,
                       name=t["zones"], show=False)
    present = set(props["zone_class"])
    rows = [_swatch(color, t[f"zone_{name}"]) for name, color in ZONE_COLORS.items()
            if name in present]
    return layer, _section("{sid}", t["zones"], rows)


def _planned_layer(planned: gpd.GeoDataFrame, t: Mapping[str, str]
                   ) -> tuple[_DataLayer, str]:
    p = planned
    props = {
        "id": _text(p["id"]),
        "mast_class": _text(p["mast_class"]) if "mast_class" in p else [None] * len(p),
        "operators": _text(p["operators"]) if "operators" in p else [None] * len(p),
        "radius": _numbers(p["radius"], 0, "m") if "radius" in p else [None] * len(p),
    }
    options = {"key": "planned", "title": "id", "radius": 4, "stroke": "#000000",
               "fill": "#ffffff",
               "fields": [["mast_class", t["planned_class"]], ["operators", t["operators"]],
                          ["radius", t["deviation"]]]}
    layer = _DataLayer("points", _feature_collection(p, props), options,
                       name=t["planned_layer"].format(n=f"{len(p):,}"), show=False)
    return layer, _section("{sid}", t["planned"], [_swatch("#ffffff", t["planned_position"],
                                                            dot=True)])


def _findings_layer(findings: gpd.GeoDataFrame, links: gpd.GeoDataFrame | None,
                    t: Mapping[str, str]) -> tuple[_DataLayer, str]:
    order = {s: i for i, s in enumerate(SEVERITY_COLORS)}
    f = findings[~findings.geometry.is_empty & findings.geometry.notna()].copy()
    f["_rank"] = f["severity"].map(order).fillna(len(order))
    f["_line"] = (f["severity"].astype(str) + " · " + f["rule"].astype(str) + ": "
                  + f["message"].astype(str))
    f["_xy"] = shapely.to_wkb(f.geometry.array)
    grouped = f.sort_values("_rank").groupby(["site_id", "_xy"], sort=False)
    sites = grouped.agg(severity=("severity", "first"), lines=("_line", list),
                        geometry=("geometry", "first")).reset_index()
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=findings.crs)
    parts = [sites[["geometry"]]]
    props = {"site": _text(sites["site_id"]), "severity": _text(sites["severity"]),
             "lines": sites["lines"].tolist()}
    if links is not None and len(links):
        parts.append(links[["geometry"]])
        props["site"] += _text(links["site_id"])
        props["severity"] += _text(links["severity"])
        props["lines"] += [[t["conflicts"].format(other=o)] if o else [] for o in
                           _text(links.get("other_id", pd.Series([None] * len(links))))]
    shapes = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                              crs=findings.crs)
    options = {"key": "findings", "title": "site", "radius": 5, "stroke": "#000000",
               "palette": dict(SEVERITY_COLORS), "colorBy": "severity", "fill": "#999999",
               "fields": [["severity", t["worst"]], ["lines", t["findings"]]]}
    layer = _DataLayer("points", _feature_collection(shapes, props), options,
                       name=t["findings_layer"].format(n=f"{len(f):,}"), show=False)
    counts = f["severity"].value_counts()
    rows = [_swatch(color, f"{sev} ({int(counts.get(sev, 0)):,})", dot=True)
            for sev, color in SEVERITY_COLORS.items() if sev in counts]
    return layer, _section("{sid}", t["findings_legend"], rows, t["findings_note"])


def coverage_colors(n_classes: int) -> list[str]:
    """Colours of signal classes 1 (best) .. n (worst): green to red."""
    return _colors("RdYlGn", n_classes)[::-1]


def coverage_labels(classes_dbm: Sequence[float], lang: str = "vi") -> list[str]:
    """Legend labels of signal classes 1 .. len+1 from their lower limits (best first).

    Examples
    --------
    >>> coverage_labels([-80, -90], "en")
    ['≥ -80 dBm', '-90 to -80 dBm', '< -90 dBm']
    >>> coverage_labels([-80, -90])
    ['≥ -80 dBm', 'từ -90 đến -80 dBm', '< -90 dBm']
    """
    limits = [float(v) for v in classes_dbm]
    between = labels_for(lang)["dbm_range"]
    labels = [f"≥ {limits[0]:g} dBm"]
    labels += [between.format(low=low, high=high)
               for high, low in zip(limits, limits[1:], strict=False)]
    labels.append(f"< {limits[-1]:g} dBm")
    return labels


def overlay_image(raster: CoverageRaster, *, bbox: tuple[float, float, float, float] | None = None,
                  max_px: int = 2048) -> tuple[np.ndarray, list[list[float]]] | None:
    """Warp a signal-class raster to Web Mercator and colour it for an image overlay.

    Each output pixel takes the class at its centre (nearest neighbour), mapped back to the
    raster's CRS with :func:`ictgis.crs.transformer` (official VN-2000 shift).

    Parameters
    ----------
    raster
        The classified raster.
    bbox
        Optional (west, south, east, north) in degrees to crop to (a region).
    max_px
        Largest width or height of the image.

    Returns
    -------
    (rgba, bounds) or None
        A uint8 RGBA image (class 0 transparent) and its ``[[south, west], [north, east]]``
        bounds in degrees; None when the crop holds no pixel.
    """
    classes = np.asarray(raster.classes)
    height, width = classes.shape
    t = raster.transform
    xs = np.linspace(t.c, t.c + t.a * width, 21)
    ys = np.linspace(t.f, t.f + t.e * height, 21)
    edge_x = np.concatenate([xs, np.full(21, xs[-1]), xs[::-1], np.full(21, xs[0])])
    edge_y = np.concatenate([np.full(21, ys[0]), ys, np.full(21, ys[-1]), ys[::-1]])
    mx, my = transformer(raster.crs, "EPSG:3857").transform(edge_x, edge_y)
    west, east, south, north = mx.min(), mx.max(), my.min(), my.max()
    if bbox is not None:
        bx, by = transformer("EPSG:4326", "EPSG:3857").transform(
            [bbox[0], bbox[2]], [bbox[1], bbox[3]])
        west, east = max(west, bx[0]), min(east, bx[1])
        south, north = max(south, by[0]), min(north, by[1])
        if west >= east or south >= north:
            return None
    # about one output pixel per source pixel (Mercator stretches by 1/cos(latitude))
    _, lat_mid = transformer("EPSG:3857", "EPSG:4326").transform((west + east) / 2,
                                                                  (south + north) / 2)
    step = abs(t.a) / np.cos(np.radians(lat_mid))
    step = max(step, (east - west) / max_px, (north - south) / max_px)
    nx = max(1, int(np.ceil((east - west) / step)))
    ny = max(1, int(np.ceil((north - south) / step)))
    east, south = west + nx * step, north - ny * step
    sx, sy = _grid_to(raster.crs, west, north, step, nx, ny)
    col = np.floor((np.asarray(sx) - t.c) / t.a).astype(np.int64)
    row = np.floor((np.asarray(sy) - t.f) / t.e).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    values = np.zeros(col.shape, dtype=np.uint8)
    values[inside] = classes[row[inside], col[inside]]
    n_classes = len(raster.classes_dbm) + 1
    table = np.zeros((256, 4), dtype=np.uint8)
    for i, color in enumerate(coverage_colors(n_classes), start=1):
        table[i] = [int(color[k:k + 2], 16) for k in (1, 3, 5)] + [255]
    rgba = table[values].reshape(ny, nx, 4)
    (w_deg, e_deg), (s_deg, n_deg) = transformer("EPSG:3857", "EPSG:4326").transform(
        [west, east], [south, north])
    return rgba, [[float(s_deg), float(w_deg)], [float(n_deg), float(e_deg)]]


def _grid_to(crs: object, west: float, north: float, step: float, nx: int, ny: int,
             every: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``crs`` of the centres of a Web-Mercator pixel grid (flattened).

    The projection is smooth at this scale: it is evaluated exactly on every ``every``-th
    row and column and interpolated linearly in between (sub-millimetre at 50 m pixels).
    """
    from scipy.ndimage import map_coordinates

    cols = np.unique(np.append(np.arange(0, nx, every), nx - 1))
    rows = np.unique(np.append(np.arange(0, ny, every), ny - 1))
    gx, gy = np.meshgrid(west + (cols + 0.5) * step, north - (rows + 0.5) * step)
    cx, cy = transformer("EPSG:3857", crs).transform(gx.ravel(), gy.ravel())
    r = np.interp(np.arange(ny), rows, np.arange(rows.size))
    c = np.interp(np.arange(nx), cols, np.arange(cols.size))
    rr, cc = np.meshgrid(r, c, indexing="ij")
    where = np.stack([rr.ravel(), cc.ravel()])
    sx = map_coordinates(np.asarray(cx).reshape(rows.size, cols.size), where, order=1)
    sy = map_coordinates(np.asarray(cy).reshape(rows.size, cols.size), where, order=1)
    return sx, sy


def _coverage_layers(coverage: Mapping[str, CoverageRaster], bbox: tuple[float, ...] | None,
                     lang: str) -> list[tuple[Layer, str]]:
    t = labels_for(lang)
    out = []
    for tech, raster in coverage.items():
        image = overlay_image(raster, bbox=bbox)
        if image is None:
            continue
        rgba, bounds = image
        layer = folium.raster_layers.ImageOverlay(
            image=rgba, bounds=bounds, name=html.escape(t["coverage_layer"].format(tech=tech)),
            opacity=0.65, show=False, overlay=True, pixelated=True,
            class_name="ictgis-coverage", interactive=False)
        colors = coverage_colors(len(raster.classes_dbm) + 1)
        labels = coverage_labels(raster.classes_dbm, lang)
        rows = [_swatch(c, t["signal_class"].format(i=i, label=label))
                for i, (c, label) in enumerate(zip(colors, labels, strict=True), start=1)]
        note = t["signal_note"]
        if raster.threshold_dbm is not None:
            note += t["threshold_note"].format(dbm=raster.threshold_dbm)
        out.append((layer, _section("{sid}", t["signal_legend"].format(tech=tech), rows,
                                    note)))
    return out


def check_tiles(tiles: str) -> str:
    """Check a ``--tiles`` value: ``none``, ``osm`` or a URL template with {z}, {x} and {y}.

    Raises
    ------
    ConfigError
        For anything else.
    """
    _tile_layer(tiles)
    return tiles


def _tile_layer(tiles: str, lang: str = "vi") -> folium.TileLayer | None:
    """The base tile layer for ``--tiles``: none, osm, or a URL template."""
    if tiles in TILES:
        spec = TILES[tiles]
        if spec is None:
            return None
        url, attribution = spec
        name = "OpenStreetMap"
    elif re.match(r"^(https?|file)://", tiles) and all(k in tiles for k in ("{z}", "{x}", "{y}")):
        url, name = tiles, labels_for(lang)["base_tiles"]
        attribution = html.escape(re.sub(r"^\w+://([^/]*).*$", r"\1", tiles)) or "tiles"
    else:
        msg = (f"tiles {tiles!r}: use none, osm or a URL template with {{z}}, {{x}} and {{y}} "
               "(https://.../{z}/{x}/{y}.png)")
        raise ConfigError(msg)
    # a failed tile shows as transparent: the commune polygons stay the base
    blank = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    return folium.TileLayer(tiles=url, attr=attribution, name=name, overlay=False, control=True,
                            max_zoom=_MAX_ZOOM, error_tile_url=blank)


def _title_html(data: MapData, classes: Classes, nav: Sequence[tuple[str, str]]) -> str:
    t = labels_for(classes.lang)
    where = f"{data.province} — {data.region}" if data.region else data.province
    what = t["by_commune"].format(label=classes.indicator.label)
    parts = [f'<div class="name">{html.escape(where)}</div>', f"<div>{html.escape(what)}</div>"]
    if data.synthetic:
        parts.append(f'<div class="ictgis-synthetic">{html.escape(t["synthetic"])}</div>')
    if nav:
        links = " · ".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>'
                           for label, href in nav)
        parts.append(f'<div class="nav">{links}</div>')
    return "".join(parts)


def _require_indicator(data: MapData, indicator: str) -> None:
    if indicator not in INDICATORS:
        msg = f"unknown indicator {indicator!r}; use one of {', '.join(INDICATORS)}"
        raise ConfigError(msg)
    if indicator not in data.communes.columns:
        step = "ictgis coverage" if INDICATORS[indicator].source == "coverage" else "ictgis stats"
        msg = f"the map of {indicator} needs the results of `{step}`: run it first"
        raise DataError(msg)


def build_map(data: MapData, *, indicator: str = "radius_km", scheme: str = "quantiles",
              k: int = 5, tiles: str = "none", classes: Classes | None = None,
              nav: Sequence[tuple[str, str]] = (), lang: str = "vi") -> folium.Map:
    """Build the interactive map of a province (or of one region).

    Layers, each in the layer control, left out when their data is absent: the commune
    choropleth of ``indicator`` (searchable by name), district and region outlines with
    labels, postal points by type, BTS sites by operator (clustered), plan zones, planned
    sites, siting findings, and a coverage overlay per technology. A legend states the
    indicator, its units and class limits; scale bar and full screen control.

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
        Language of every label (a key of :data:`LABELS`); ``classes`` carry their own.

    Raises
    ------
    DataError
        When the indicator's column is absent (its step has not run).
    ConfigError
        For an unknown indicator, scheme, tiles value or language.
    """
    from folium.plugins import Fullscreen

    _require_indicator(data, indicator)
    t = labels_for(lang)
    if classes is None:
        classes = choropleth_classes(data.communes[indicator], indicator, scheme=scheme, k=k,
                                     lang=lang)
    tile_layer = _tile_layer(tiles, lang)
    communes = _simplify(data.communes)
    west, south, east, north = _lonlat(communes[["geometry"]]).total_bounds
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None,
                   zoom_start=10, prefer_canvas=True, maxZoom=_MAX_ZOOM, zoom_control=True)
    m.default_js = [("leaflet", folium.Map.default_js[0][1])]
    m.default_css = [("leaflet_css", folium.Map.default_css[0][1])]
    title = html.escape(data.province + (f" — {data.region}" if data.region else ""))
    m.get_root().title = title
    n_bts = 0 if data.bts is None else len(data.bts)
    m.add_child(_Helpers({"bts": n_bts, "indicator": indicator, "synthetic": data.synthetic,
                          "region": data.region, "lang": lang}, t))
    m.fit_bounds([[south, west], [north, east]])  # before the clusters load (markercluster)
    if tile_layer is not None:
        m.add_child(tile_layer)
    legend: list[tuple[str, Element | None]] = []

    def add(layer: Layer, section: str | None) -> None:
        m.add_child(layer)
        if section:
            legend.append((section.replace("{sid}", f"s{len(legend)}", 1), layer))

    commune_layer, commune_legend = _commune_layer(communes, classes, tiles=tile_layer is not None)
    add(commune_layer, commune_legend)
    if data.zones is not None and len(data.zones):
        add(*_zone_layer(data.zones, t))
    for level, label, stroke, weight in (("district", t["district_outlines"], "#333333", 1.6),
                                         ("region", t["region_outlines"], "#000000", 3.0)):
        if level in communes.columns and communes[level].notna().any():
            add(_outline_layer(communes, level, name=label, stroke=stroke, weight=weight), None)
    names = dict(zip(data.communes["code"].astype(str), data.communes["name"].astype(str),
                     strict=True))
    if data.post_offices is not None and len(data.post_offices):
        posts = _post_layers(data.post_offices, names, t)
        for layer, _ in posts:
            m.add_child(layer)
        legend.append((_section(f"s{len(legend)}", t["postal_points"],
                                [row for _, row in posts]), None))
    if data.planned_sites is not None and len(data.planned_sites):
        add(*_planned_layer(data.planned_sites, t))
    if data.findings is not None and len(data.findings):
        add(*_findings_layer(data.findings, data.links, t))
    if data.bts is not None and len(data.bts):
        add(*_site_layer(data.bts, data.findings, names, t))
    for layer, section in _coverage_layers(data.coverage, (west, south, east, north), lang):
        add(layer, section)
    if data.synthetic:
        legend.append((f'<div class="ictgis-synthetic note">{html.escape(t["synthetic"])}'
                       "</div>", None))
    m.add_child(_Search(commune_layer, property_name="_label"))
    m.add_child(Fullscreen(position="topleft"))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(_Legend(legend))
    m.add_child(_Title(_title_html(data, classes, nav)))
    return m


# ------------------------------------------------------------------------- offline HTML

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
        msg = "offline maps need the folium-offline package: pip install folium-offline"
        raise IctgisError(msg) from None
    return _res


def _offline_css(text: str, url: str) -> str:
    def replace(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if ref in _DROPPED_CSS_URLS:
            return "none"
        msg = f"{url} refers to {ref!r}, which has no offline copy"
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
            msg = (f"no offline copy of {url} (folium {folium.__version__}): install the "
                   "folium-offline release that matches folium")
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
        msg = f"the map still links an external resource: {out[left.start():left.start() + 120]}"
        raise IctgisError(msg)
    return re.sub("\x00(\\d+)\x00", lambda m: found[int(m.group(1))], out)


def render_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page (every asset inlined)."""
    return inline_assets(m.get_root().render())


def map_pages(data: MapData, *, indicator: str = "radius_km", scheme: str = "quantiles",
              k: int = 5, tiles: str = "none", lang: str = "vi",
              progress: Callable[[str], None] | None = None) -> dict[str, str]:
    """HTML of ``index.html`` (the province) and ``region_<slug>.html`` per region.

    Region maps use the province's classes, so colours compare across maps. ``lang``: the
    language of the labels (a key of :data:`LABELS`).
    """
    _require_indicator(data, indicator)
    classes = choropleth_classes(data.communes[indicator], indicator, scheme=scheme, k=k,
                                 lang=lang)
    names = regions(data)
    files = {name: f"region_{region_slug(name)}.html" for name in names}
    nav = [(labels_for(lang)["province"], "index.html"), *((name, files[name]) for name in names)]
    pages = {}
    if progress:
        progress("map of the province")
    pages["index.html"] = render_html(build_map(data, indicator=indicator, tiles=tiles,
                                                classes=classes, nav=nav, lang=lang))
    for name in names:
        if progress:
            progress(f"map of {name}")
        part = region_data(data, name)
        pages[files[name]] = render_html(build_map(part, indicator=indicator, tiles=tiles,
                                                   classes=classes, nav=nav, lang=lang))
    return pages


# --------------------------------------------------------------------------- static maps


def static_map(communes: gpd.GeoDataFrame, panels: Sequence[tuple[str, str]], classes: Classes,
               *, title: str, synthetic: bool = False, dpi: int = 120) -> bytes:
    """A PNG choropleth of commune columns with region outlines, for reports.

    Parameters
    ----------
    communes
        Communes in the (metric) working CRS with the panel columns and ``region``.
    panels
        (column, panel title) pairs, drawn side by side with the same classes.
    classes
        Classes and colours (:func:`choropleth_classes`).
    title
        Figure title; ``synthetic`` adds the synthetic-data label.
    Labels are in the language of ``classes``.

    Returns
    -------
    bytes
        The PNG image.
    """
    from io import BytesIO

    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    t = labels_for(classes.lang)
    x0, y0, x1, y1 = communes.total_bounds
    aspect = (y1 - y0) / max(x1 - x0, 1.0)
    width = max(9.0, 5.5 * len(panels))
    map_height = width / len(panels) * aspect
    ncols = min(len(classes.colors) + 1, 3 * len(panels))
    legend_height = 0.55 + 0.22 * -(-(len(classes.colors) + 1) // ncols) + 0.3 * synthetic
    fig = Figure(figsize=(width, map_height + legend_height + 0.5), dpi=dpi,
                 layout="constrained")
    names = [f"panel{i}" for i in range(len(panels))]
    axes = fig.subplot_mosaic([names, ["legend"] * len(panels)],
                              height_ratios=[map_height, legend_height])
    outlines = None
    if "region" in communes.columns and communes["region"].notna().any():
        outlines = communes[["region", "geometry"]].dissolve(by="region").reset_index()
    palette = np.array([*classes.colors, NODATA_COLOR])
    for name, (column, panel_title) in zip(names, panels, strict=True):
        ax = axes[name]
        idx = classes.index(communes[column])
        colors = palette[np.where(idx >= 0, idx, len(classes.colors))]
        communes.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.25)
        if outlines is not None:
            outlines.boundary.plot(ax=ax, color="#111111", linewidth=1.1)
            for point, region in zip(shapely.point_on_surface(outlines.geometry.array),
                                     outlines["region"], strict=True):
                ax.annotate(str(region), (point.x, point.y), ha="center", va="center",
                            fontsize=8, fontweight="bold", color="#111111",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7,
                                  "lw": 0})
        ax.set_title(panel_title, fontsize=11)
        ax.set_axis_off()
        ax.set_aspect("equal")
    handles = [Patch(facecolor=c, edgecolor="#777777", label=label)
               for c, label in zip(classes.colors, classes.labels, strict=True)]
    if communes[[c for c, _ in panels]].isna().to_numpy().any():
        handles.append(Patch(facecolor=NODATA_COLOR, edgecolor="#777777",
                             label=t["no_data"].format(why=classes.indicator.nodata)))
    ind = classes.indicator
    key = axes["legend"]
    key.set_axis_off()
    key.legend(handles=handles, loc="upper center", ncols=ncols,
               fontsize=8, title=f"{ind.label} ({ind.units}), {t[f'scheme_{classes.scheme}']}",
               title_fontsize=9, frameon=False)
    if synthetic:
        key.text(0.5, 0.0, t["synthetic"], ha="center", va="bottom", color="#b00000",
                 fontsize=10, fontweight="bold", transform=key.transAxes)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    buffer = BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def static_maps(data: MapData, *, scheme: str = "quantiles", k: int = 5, lang: str = "vi"
                ) -> dict[str, bytes]:
    """``static_radius.png`` (R by commune) and, with coverage, ``static_coverage.png``.

    The coverage figure has one panel per technology, all with the same classes. ``lang``: the
    language of the titles and the legend (a key of :data:`LABELS`).
    """
    t = labels_for(lang)
    out = {}
    c = data.communes
    province = data.province
    if "radius_km" in c.columns:
        classes = choropleth_classes(c["radius_km"], "radius_km", scheme=scheme, k=k, lang=lang)
        out["static_radius.png"] = static_map(
            c, [("radius_km", "")], classes, synthetic=data.synthetic,
            title=t["static_radius"].format(province=province))
    columns = [col for col in c.columns if str(col).startswith("pop_pct_any_")]
    if columns:
        values = pd.concat([c[col] for col in columns], ignore_index=True)
        classes = choropleth_classes(values, "pop_pct_any_4g", scheme=scheme, k=k, lang=lang)
        classes = dataclasses.replace(classes, indicator=dataclasses.replace(
            classes.indicator, label=t["covered_any"]))
        panels = [(col, col.removeprefix("pop_pct_any_").upper()) for col in columns]
        out["static_coverage.png"] = static_map(
            c, panels, classes, synthetic=data.synthetic,
            title=t["static_coverage"].format(province=province))
    return out
