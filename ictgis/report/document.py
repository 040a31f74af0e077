"""The report's content: the page context and the workbook sheets, from the output tables."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ictgis import report
from ictgis.report.charts import bar_chart

if TYPE_CHECKING:
    from ictgis.config import Config


def sections(tables: Mapping[str, Mapping[str, pd.DataFrame]], text: Mapping[str, str],
             lang: str) -> list[dict[str, object]]:
    """The tables of the report: statistics by level, siting, coverage (as far as they exist)."""
    vi = lang == "vi"
    columns = {
        "region": ("Vùng" if vi else "Region", None), "district": ("Huyện" if vi else "District",
                                                                    None),
        "zone": ("Khu vực" if vi else "Zone", None),
        "area_km2": ("S (km²)", 1), "population": ("P", 0), "n_points": ("N", 0),
        "radius_km": ("R (km)", 2), "pop_per_point": ("Dp", 0),
        "phone_per_100": ("ĐT/100" if vi else "Phones/100", 2),
        "phone_per_100_incl_prepaid": ("ĐT+TT/100" if vi else "Phones+prepaid/100", 2),
        "internet_fixed_per_100": ("Internet/100", 2),
        "masts": ("BTS", 0), "masts_per_100km2": ("BTS/100 km²", 2),
        "shared_mast_pct": ("% dùng chung" if vi else "% shared", 1),
    }
    out = [report.table_section(f"by_{lvl}", text[f"by_{lvl}"], tables["stats"][lvl], columns)
           for lvl in ("region", "district", "zone") if lvl in tables["stats"]]
    siting = tables.get("siting", {})
    if "rules" in siting:
        rules = siting["rules"][siting["rules"]["findings"] > 0]
        out.append(report.table_section("siting", text["siting"], rules, {
            "rule": (text["rule"], None), "severity": ("", None),
            "findings": (text["findings"], 0)}))
        for lvl in ("region", "zone"):
            if lvl in siting:
                out.append(report.table_section(
                    f"siting_{lvl}", f"{text['siting']} – {text['by_' + lvl]}", siting[lvl], {
                        lvl: columns[lvl], "masts": ("BTS", 0),
                        "compliant": ("OK", 0), "compliance_pct": ("%", 1)}))
    coverage = tables.get("coverage", {})
    for lvl in ("province", "region", "zone"):
        if lvl in coverage:
            table = coverage[lvl]
            cov_cols = {lvl: columns.get(lvl, ("Tỉnh" if vi else "Province", None)),
                        **{c: (c.removeprefix("pop_pct_any_").upper() + " (%)", 1)
                           for c in table.columns if c.startswith("pop_pct_any_")}}
            where = text.get(f"by_{lvl}", "")
            title = f"{text['coverage']} – {where}" if where else text["coverage"]
            out.append(report.table_section(f"coverage_{lvl}", title, table, cov_cols))
    return out


def charts(stats: Mapping[str, pd.DataFrame], text: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(data URI, alt text)`` of the bar charts of R and mast density by region and district."""
    found = []
    for lvl in ("region", "district"):
        if lvl in stats:
            found.append((bar_chart(stats[lvl], lvl, "radius_km", text["radius_chart"]),
                          f"{text['radius_chart']} – {lvl}"))
            if "masts_per_100km2" in stats[lvl]:
                found.append((bar_chart(stats[lvl], lvl, "masts_per_100km2",
                                        text["density_chart"]),
                              f"{text['density_chart']} – {lvl}"))
    return found


def images(pngs: list[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """``(data URI, name)`` of PNG images."""
    return [("data:image/png;base64," + base64.b64encode(data).decode("ascii"), name)
            for name, data in pngs]


def problem_counts(problems: pd.DataFrame | None) -> list[tuple[str, int]]:
    """``("layer: severity", count)`` of the data problems."""
    if problems is None or problems.empty:
        return []
    counts = problems.groupby(["layer", "severity"]).size()
    return [(f"{layer}: {severity}", int(n)) for (layer, severity), n in counts.items()]


def assumptions(config: Config, area_sources: list[str], lang: str) -> list[str]:
    """The parameters every number of the report rests on, one line each."""
    vi = lang == "vi"
    source = ", ".join(area_sources)
    lines = [
        (f"Diện tích S: {source} (hệ tọa độ {config.crs})" if vi else
         f"Area S: {source} (CRS {config.crs})"),
        (f"Dân số P: năm {config.population_year or '?'}" if vi else
         f"Population P: year {config.population_year or '?'}"),
        ("Thành thị = " if vi else "Urban = ") + ", ".join(config.urban_kinds),
        ("Điểm phục vụ bưu chính tính trong N: " if vi else "Postal points counted in N: ")
        + ", ".join(config.count_types),
    ]
    s = config.siting
    lines.append(("Khoảng cách tối thiểu (đô thị/nông thôn, m): " if vi else
                  "Minimum spacing (urban/rural, m): ")
                 + "; ".join(f"{k} {u:g}/{r:g}" for k, (u, r) in s.min_spacing_m.items()))
    c = config.coverage
    for tech, t in c.technologies.items():
        lines.append(f"{tech}: {t.frequency_mhz:g} MHz, EIRP {t.eirp_dbm:g} dBm, "
                     f"{'ngưỡng' if vi else 'threshold'} {t.threshold_dbm:g} dBm, "
                     f"margin {t.margin_db:g} dB, h_m {t.mobile_height_m:g} m")
    lines.append(f"{'Độ phân giải' if vi else 'Resolution'} {c.resolution_m:g} m, "
                 f"{'tầm tối đa' if vi else 'max range'} {c.max_range_km:g} km")
    return lines


def headline_sheet(head: pd.DataFrame, text: Mapping[str, str]) -> pd.DataFrame:
    """The "Biểu số 1" sheet: the headline table with the report's headers."""
    return head.drop(columns=["decimals"]).rename(columns={
        "indicator": text["indicator"], "unit": text["unit"], "value": text["value"],
        "target": text["target"], "pct_achieved": text["pct"], "previous": text["previous"],
        "change": text["change"]})
