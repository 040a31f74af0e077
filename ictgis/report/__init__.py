"""The yearly report: headline indicators ("Biểu số 1"), tables and charts, as HTML and XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Labels of the report in both languages.
TEXT: Mapping[str, Mapping[str, str]] = {
    "vi": {
        "title": "Báo cáo chỉ tiêu bưu chính, viễn thông", "headline": "Các chỉ tiêu chủ yếu",
        "indicator": "Chỉ tiêu", "unit": "Đơn vị", "value": "Thực hiện năm nay",
        "target": "Kế hoạch năm sau", "pct": "% đạt so với kế hoạch", "previous": "Năm trước",
        "change": "Thay đổi", "by_region": "Theo vùng kinh tế", "by_district": "Theo huyện",
        "by_zone": "Theo khu vực thành thị / nông thôn", "charts": "Biểu đồ",
        "maps": "Bản đồ", "siting": "Tuân thủ quy hoạch hạ tầng viễn thông thụ động",
        "coverage": "Vùng phủ sóng và dân số được phủ sóng", "quality": "Chất lượng dữ liệu",
        "assumptions": "Giả định và tham số", "rule": "Quy tắc", "findings": "Số phát hiện",
        "rejected": "Dòng bị loại", "problems": "Vấn đề dữ liệu", "none": "Không có",
        "synthetic": "DỮ LIỆU TỔNG HỢP (demo) — không phải số liệu thật",
        "radius_chart": "Bán kính phục vụ R (km/điểm)", "density_chart": "Cột BTS/100 km²",
    },
    "en": {
        "title": "Postal and telecom indicators report", "headline": "Headline indicators",
        "indicator": "Indicator", "unit": "Unit", "value": "This year", "target": "Next year's target",
        "pct": "% of target", "previous": "Previous year", "change": "Change",
        "by_region": "By economic region", "by_district": "By district",
        "by_zone": "By urban / rural zone", "charts": "Charts", "maps": "Maps",
        "siting": "Compliance with the passive-infrastructure plan",
        "coverage": "Coverage and population covered", "quality": "Data quality",
        "assumptions": "Assumptions and parameters", "rule": "Rule", "findings": "Findings",
        "rejected": "Rejected rows", "problems": "Data problems", "none": "None",
        "synthetic": "SYNTHETIC DATA (demo) — not real figures",
        "radius_chart": "Service radius R (km per point)", "density_chart": "BTS masts per 100 km²",
    },
}


@dataclass(frozen=True)
class Indicator:
    """One headline indicator: where its value comes from and how it is shown."""

    id: str
    vi: str
    en: str
    unit_vi: str
    unit_en: str
    table: str       # "stats", "coverage", "siting" or "reported"
    column: str
    rural: bool = False
    decimals: int = 2


#: The rows of "Biểu số 1", in order.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("radius_km", "Bán kính phục vụ bình quân", "Average service radius",
              "km/điểm", "km/point", "stats", "radius_km"),
    Indicator("radius_km_rural", "Bán kính phục vụ bình quân – nông thôn",
              "Average service radius – rural", "km/điểm", "km/point", "stats", "radius_km",
              rural=True),
    Indicator("pop_per_point", "Số dân phục vụ bình quân", "People per service point",
              "người/điểm", "people/point", "stats", "pop_per_point", decimals=0),
    Indicator("pop_per_point_rural", "Số dân phục vụ bình quân – nông thôn",
              "People per service point – rural", "người/điểm", "people/point", "stats",
              "pop_per_point", rural=True, decimals=0),
    Indicator("phone_per_100", "Mật độ điện thoại (cố định + di động trả sau)",
              "Telephone density (fixed + postpaid)", "TB/100 dân", "subs/100 people", "stats",
              "phone_per_100"),
    Indicator("phone_per_100_rural", "Mật độ điện thoại – nông thôn", "Telephone density – rural",
              "TB/100 dân", "subs/100 people", "stats", "phone_per_100", rural=True),
    Indicator("phone_per_100_incl_prepaid", "Mật độ điện thoại có tính trả trước",
              "Telephone density incl. prepaid", "TB/100 dân", "subs/100 people", "stats",
              "phone_per_100_incl_prepaid"),
    Indicator("phone_per_100_incl_prepaid_rural", "Mật độ điện thoại có tính trả trước – nông thôn",
              "Telephone density incl. prepaid – rural", "TB/100 dân", "subs/100 people",
              "stats", "phone_per_100_incl_prepaid", rural=True),
    Indicator("internet_fixed_per_100", "Mật độ thuê bao Internet", "Internet subscription density",
              "TB/100 dân", "subs/100 people", "stats", "internet_fixed_per_100"),
    Indicator("internet_fixed_per_100_rural", "Mật độ thuê bao Internet – nông thôn",
              "Internet subscription density – rural", "TB/100 dân", "subs/100 people", "stats",
              "internet_fixed_per_100", rural=True),
    Indicator("masts_per_100km2", "Mật độ cột BTS", "BTS mast density", "cột/100 km²",
              "masts/100 km²", "stats", "masts_per_100km2"),
    Indicator("shared_mast_pct", "Tỷ lệ cột dùng chung", "Share of shared masts", "%", "%",
              "stats", "shared_mast_pct", decimals=1),
    Indicator("compliance_pct", "Tỷ lệ cột BTS tuân thủ quy hoạch", "Masts complying with the plan",
              "%", "%", "siting", "compliance_pct", decimals=1),
    Indicator("pop_pct_any_2g", "Tỷ lệ dân số được phủ sóng 2G", "Population covered by 2G", "%",
              "%", "coverage", "pop_pct_any_2g", decimals=1),
    Indicator("pop_pct_any_3g", "Tỷ lệ dân số được phủ sóng 3G", "Population covered by 3G", "%",
              "%", "coverage", "pop_pct_any_3g", decimals=1),
    Indicator("pop_pct_any_4g", "Tỷ lệ dân số được phủ sóng 4G", "Population covered by 4G", "%",
              "%", "coverage", "pop_pct_any_4g", decimals=1),
    Indicator("revenue_bn_vnd", "Tổng doanh thu bưu chính, viễn thông", "Postal and telecom revenue",
              "tỷ đồng", "bn VND", "reported", "revenue_bn_vnd", decimals=0),
)

KNOWN_IDS = tuple(i.id for i in INDICATORS)


def headline(tables: Mapping[str, Mapping[str, pd.DataFrame]], *,
             reported: Mapping[str, float], targets: Mapping[str, float], lang: str = "vi",
             previous: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The headline indicators, "Biểu số 1": value, target, % achieved (and change).

    Parameters
    ----------
    tables
        ``{"stats": {level: table}, "coverage": {level: table}, "siting": {level: table}}``;
        a missing source leaves its indicators out.
    reported
        Figures the GIS cannot compute (``[indicators]`` of ictgis.toml, e.g. revenue).
    targets
        Next year's targets by indicator id (``[targets]``).
    lang
        ``vi`` or ``en``.
    previous
        Last year's values by indicator id (``--compare``).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``indicator``, ``unit``, ``value``, ``target``, ``pct_achieved`` and, with
        ``previous``, ``previous`` and ``change``. Rows without a value are left out.
    """
    unknown = sorted(set(targets) - set(KNOWN_IDS))
    if unknown:
        msg = f"[targets] {unknown[0]!r} is not an indicator; indicators: {', '.join(KNOWN_IDS)}"
        raise ValueError(msg)
    rows = []
    for ind in INDICATORS:
        value = indicator_value(ind, tables, reported)
        if value is None:
            continue
        target = targets.get(ind.id)
        rows.append({
            "id": ind.id, "indicator": ind.vi if lang == "vi" else ind.en,
            "unit": ind.unit_vi if lang == "vi" else ind.unit_en, "value": value,
            "target": target if target is not None else np.nan,
            "pct_achieved": value / target * 100 if target else np.nan,
            "decimals": ind.decimals,
        })
    out = pd.DataFrame(rows, columns=["id", "indicator", "unit", "value", "target",
                                      "pct_achieved", "decimals"])
    if previous is not None:
        out["previous"] = out["id"].map(previous).astype(float)
        out["change"] = out["value"] - out["previous"]
    return out


def indicator_value(ind: Indicator, tables: Mapping[str, Mapping[str, pd.DataFrame]],
                    reported: Mapping[str, float]) -> float | None:
    """The value of one indicator from the output tables (None when not available)."""
    if ind.table == "reported":
        return reported.get(ind.id)
    source = tables.get(ind.table) or {}
    if ind.rural:
        table = source.get("zone")
        if table is None or ind.column not in table:
            return None
        rows = table[table["zone"] == "Nông thôn"]
    else:
        table = source.get("province")
        if table is None or ind.column not in table:
            return None
        rows = table
    if rows.empty or pd.isna(rows[ind.column].iloc[0]):
        return None
    return float(rows[ind.column].iloc[0])


def values_by_id(table: pd.DataFrame) -> dict[str, float]:
    """``{id: value}`` of a headline table (for ``previous``)."""
    return dict(zip(table["id"], table["value"].astype(float), strict=True))


def fmt(value: object, decimals: int = 2) -> str:
    """A number as the report shows it (thousands separated; empty for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{value:,.{decimals}f}"
    return str(value)




def render_html(context: Mapping[str, object]) -> str:
    """The report page (self-contained: styles inline, images as data URIs), text escaped.

    The template is ``ictgis/report/templates/report.html.j2``.
    """
    from jinja2 import Environment, PackageLoader

    env = Environment(loader=PackageLoader("ictgis.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(fmt=fmt, **context)


def table_section(section_id: str, title: str, table: pd.DataFrame,
                  columns: Mapping[str, tuple[str, int | None]]) -> dict[str, object]:
    """A table of the report: ``columns`` maps column -> (header, decimals or None for text)."""
    present = [c for c in columns if c in table]
    rows = [[(fmt(row[c], columns[c][1]) if columns[c][1] is not None else str(row[c]),
              columns[c][1] is not None) for c in present] for _, row in table.iterrows()]
    return {"id": section_id, "title": title, "headers": [columns[c][0] for c in present],
            "rows": rows}
