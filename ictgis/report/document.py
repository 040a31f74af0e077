"""The report's content: the page context and the workbook sheets, from the output tables.

Every text comes from the catalogue (domain ``report``) in the language in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ictgis import report
from ictgis.i18n import ids, labels, number, t
from ictgis.report.charts import bar_chart
from ictgis.report.model import Figure

if TYPE_CHECKING:
    from ictgis.config import Config
    from ictgis.report.model import ReportModel

#: Columns of the level tables and their decimals (None: text); headers are
#: ``report.column.<column>``.
COLUMNS: Mapping[str, int | None] = {
    "region": None, "district": None, "zone": None, "area_km2": 1, "population": 0,
    "n_points": 0, "radius_km": 2, "pop_per_point": 0, "phone_per_100": 2,
    "phone_per_100_incl_prepaid": 2, "internet_fixed_per_100": 2, "masts": 0,
    "masts_per_100km2": 2, "shared_mast_pct": 1,
}
#: Levels of the statistics tables, in the order of the report.
STATS_LEVELS = ("region", "district", "zone")
#: Values of the commune layer's ``area_source`` -> catalogue id.
AREA_SOURCES: Mapping[str, str] = {"field": "field", "computed": "computed",
                                   "computed, scaled to official total": "scaled"}


def _columns(names: list[str]) -> dict[str, tuple[str, int | None]]:
    return {c: (t(f"report.column.{c}"), COLUMNS.get(c)) for c in names}


def _zones(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its zone ids shown as labels of the language in force."""
    if "zone" not in table:
        return table
    zone_labels = labels("admin.zone")
    return table.assign(zone=ids("admin.zone", table["zone"]).map(
        lambda z: zone_labels.get(z, z)))


def sections(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> list[dict[str, object]]:
    """The tables of the report: statistics by level, siting, coverage (as far as they exist)."""
    stat_columns = _columns(list(COLUMNS))
    out = [report.table_section(f"by_{lvl}", t(f"report.by_{lvl}"),
                                _zones(tables["stats"][lvl]), stat_columns)
           for lvl in STATS_LEVELS if lvl in tables["stats"]]
    siting = tables.get("siting", {})
    if "rules" in siting:
        rules = siting["rules"][siting["rules"]["findings"] > 0]
        severity = labels("siting.severity")
        rules = rules.assign(severity=rules["severity"].map(lambda s: severity.get(s, s)))
        out.append(report.table_section("siting", t("report.siting"), rules, {
            "rule": (t("report.rule"), None), "severity": (t("report.severity"), None),
            "findings": (t("report.findings"), 0)}))
        for lvl in ("region", "zone"):
            if lvl in siting:
                out.append(report.table_section(
                    f"siting_{lvl}", f"{t('report.siting')} – {t('report.by_' + lvl)}",
                    _zones(siting[lvl]), _columns([lvl, "masts", "compliant", "compliance_pct"])))
    coverage = tables.get("coverage", {})
    for lvl in ("province", "region", "zone"):
        if lvl in coverage:
            table = coverage[lvl]
            cov_cols = {lvl: (t(f"report.column.{lvl}"), None), **{
                c: (t("report.column.coverage_pct", tech=c.removeprefix("pop_pct_any_").upper()), 1)
                for c in table.columns if c.startswith("pop_pct_any_")}}
            title = (t("report.coverage") if lvl == "province"
                     else f"{t('report.coverage')} – {t('report.by_' + lvl)}")
            out.append(report.table_section(f"coverage_{lvl}", title, _zones(table), cov_cols))
    return out


def charts(stats: Mapping[str, pd.DataFrame]) -> list[Figure]:
    """The bar charts of R and mast density by region and district."""
    found = []
    for lvl in ("region", "district"):
        if lvl in stats:
            for column, title in (("radius_km", t("report.radius_chart")),
                                  ("masts_per_100km2", t("report.density_chart"))):
                if column in stats[lvl]:
                    found.append(Figure(bar_chart(stats[lvl], lvl, column, title),
                                        f"{title} – {t('report.chart_by.' + lvl)}"))
    return found


def maps(pngs: list[tuple[str, bytes]]) -> list[Figure]:
    """The static maps (``static_radius``, ``static_coverage``) with their captions."""
    captions = labels("report.map")
    return [Figure(data, captions.get(stem.removeprefix("static_"), stem))
            for stem, data in pngs]


def problem_counts(problems: pd.DataFrame | None) -> list[tuple[str, int]]:
    """``("layer: severity", count)`` of the data problems."""
    if problems is None or problems.empty:
        return []
    severity = labels("problems.severity")
    counts = problems.groupby(["layer", "severity"]).size()
    return [(f"{layer}: {severity.get(s, s)}", int(n)) for (layer, s), n in counts.items()]


def assumptions(config: Config, area_sources: list[str]) -> list[str]:
    """The parameters every number of the report rests on, one line each."""
    source = ", ".join(t("report.area_source." + AREA_SOURCES[s]) if s in AREA_SOURCES else s
                       for s in area_sources)
    lines: list[str] = [
        t("report.assumption.area", source=source, crs=config.crs),
        t("report.assumption.population", year=config.population_year)
        if config.population_year else t("report.assumption.population_unknown"),
        t("report.assumption.urban", kinds=", ".join(config.urban_kinds)),
        t("report.assumption.count_types", types=", ".join(config.count_types)),
        t("report.assumption.spacing", spacing="; ".join(
            f"{k} {number(u, 0)}/{number(r, 0)}" for k, (u, r) in config.siting.min_spacing_m.items())),
    ]
    c = config.coverage
    for tech, tc in c.technologies.items():
        lines.append(t("report.assumption.technology", tech=tech,
                       frequency=number(tc.frequency_mhz, 0), eirp=number(tc.eirp_dbm, 0),
                       threshold=number(tc.threshold_dbm, 0), margin=number(tc.margin_db, 0),
                       height=number(tc.mobile_height_m, 1)))
    lines.append(t("report.assumption.grid", resolution=number(c.resolution_m, 0),
                   range=number(c.max_range_km, 0)))
    return lines


def headline_sheet(head: pd.DataFrame) -> pd.DataFrame:
    """The "Biểu số 1" sheet: the headline table with the report's headers."""
    return head.drop(columns=["decimals"]).rename(columns={
        "indicator": t("report.indicator"), "unit": t("report.unit"), "value": t("report.value"),
        "target": t("report.target"), "pct_achieved": t("report.pct"),
        "previous": t("report.previous"), "change": t("report.change")})


def page_text() -> dict[str, str]:
    """The fixed texts of the page template (``t.<name>``)."""
    return labels("report")


def render_html(model: ReportModel) -> str:
    """The page of a report model (self-contained: images as data URIs, text escaped)."""
    from ictgis import report
    from ictgis.report.charts import data_uri

    context = {
        "lang": model.lang, "t": page_text(), "province": model.province,
        "synthetic": model.synthetic, "headline": model.headline.to_dict("records"),
        "compare": model.compare, "narrative": model.narrative, "meta": model.meta,
        "subject": model.subject, "tables": model.sections,
        "charts": [(data_uri(f.png), f.caption) for f in model.charts],
        "maps": [(data_uri(f.png), f.caption) for f in model.maps],
        "problems": model.problems, "assumptions": model.assumptions,
    }
    return report.render_html(context)
