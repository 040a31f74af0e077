"""The report's content: the page context and the workbook sheets, from the output tables.

Every text comes from the catalogue (domain ``report``) in the language in force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
    "macro_region": None, "province": None, "region": None, "district": None, "zone": None,
    "area_km2": 1, "population": 0,
    "n_points": 0, "radius_km": 2, "pop_per_point": 0, "phone_per_100": 2,
    "phone_per_100_incl_prepaid": 2, "internet_fixed_per_100": 2, "masts": 0,
    "masts_per_100km2": 2, "shared_mast_pct": 1,
}
#: Levels of the statistics tables, in the order of the report (one province, national:
#: macro-regions and one row per province, no district table of several hundred rows).
STATS_LEVELS = ("region", "district", "zone")
NATIONAL_LEVELS = ("macro_region", "province", "zone")
#: Values of the commune layer's ``area_source`` -> catalogue id.
AREA_SOURCES: Mapping[str, str] = {"field": "field", "computed": "computed",
                                   "computed, scaled to official total": "scaled"}


def _columns(names: list[str]) -> dict[str, tuple[str, int | None]]:
    return {c: (t(f"report.column.{c}"), COLUMNS.get(c)) for c in names}


def _zones(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its zone and macro-region ids shown as labels of the language in force."""
    for column, prefix in (("zone", "admin.zone"), ("macro_region", "admin.macro_region")):
        if column in table:
            names = labels(prefix)
            table = table.assign(**{column: ids(prefix, table[column]).map(
                lambda z, names=names: names.get(z, z))})
    return table


def sections(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> list[dict[str, object]]:
    """The tables of the report: statistics by level, siting, coverage (as far as they exist)."""
    whole = report.whole_level(tables)
    national = whole == "country"  # then national levels, and compliance per province too
    levels = NATIONAL_LEVELS if national else STATS_LEVELS
    stat_columns = _columns(list(COLUMNS))
    out = [report.table_section(f"by_{lvl}", t(f"report.by_{lvl}"),
                                _zones(tables["stats"][lvl]), stat_columns)
           for lvl in levels if lvl in tables["stats"]]
    siting = tables.get("siting", {})
    if "rules" in siting:
        rules = siting["rules"][siting["rules"]["findings"] > 0]
        severity, names = labels("siting.severity"), labels("siting.rule_name")
        rules = rules.assign(severity=rules["severity"].map(lambda s: severity.get(s, s)),
                             rule=rules["rule"].map(lambda r: names.get(r, r)))
        out.append(report.table_section("siting", t("report.siting"), rules, {
            "rule": (t("report.rule"), None), "severity": (t("report.severity"), None),
            "findings": (t("report.findings"), 0)}))
        for lvl in ("macro_region", "province") * national + ("region", "zone"):
            if lvl in siting:
                out.append(report.table_section(
                    f"siting_{lvl}", f"{t('report.siting')} – {t('report.by_' + lvl)}",
                    _zones(siting[lvl]), _columns([lvl, "masts", "compliant", "compliance_pct"])))
    coverage = tables.get("coverage", {})
    for lvl in dict.fromkeys((whole, *(x for x in levels if x != "zone"), "region", "zone")):
        if lvl in coverage:
            table = coverage[lvl]
            cov_cols = {lvl: (t(f"report.column.{lvl}"), None), **{
                c: (t("report.column.coverage_pct", tech=c.removeprefix("pop_pct_any_").upper()), 1)
                for c in table.columns if c.startswith("pop_pct_any_")}}
            title = (t("report.coverage") if lvl == whole
                     else f"{t('report.coverage')} – {t('report.by_' + lvl)}")
            out.append(report.table_section(f"coverage_{lvl}", title, _zones(table), cov_cols))
    return out


def charts(stats: Mapping[str, pd.DataFrame]) -> list[Figure]:
    """The bar charts of R and mast density by region and district (national: macro-region)."""
    found = []
    national = "country" in stats
    for lvl in ("macro_region",) if national else ("region", "district"):
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


def assumptions(config: Config, area_sources: list[str],
                steps: Sequence[str] = ("stats", "siting", "coverage")) -> list[str]:
    """The parameters every number of the report rests on, one line each.

    Only those of the steps whose results the report shows (``steps``).
    """
    source = ", ".join(t("report.area_source." + AREA_SOURCES[s]) if s in AREA_SOURCES else s
                       for s in area_sources)
    kinds, types = labels("admin.kind"), labels("stats.point_type")
    lines: list[str] = [
        t("report.assumption.report_year", year=config.report.year or t("report.year_unknown")),
        t("report.assumption.area", source=source, crs=config.crs),
        t("report.assumption.population", year=config.population_year)
        if config.population_year else t("report.assumption.population_unknown"),
        t("report.assumption.urban", kinds=", ".join(kinds.get(k, k) for k in config.urban_kinds)),
        t("report.assumption.count_types",
          types=", ".join(types.get(k, k) for k in config.count_types)),
    ]
    if "siting" in steps:
        lines.append(t("report.assumption.spacing", spacing="; ".join(
            f"{k} {number(u, 0)}/{number(r, 0)}"
            for k, (u, r) in config.siting.min_spacing_m.items())))
    if "coverage" not in steps:
        return lines
    c = config.coverage
    for tech, tc in c.technologies.items():
        lines.append(t("report.assumption.technology", tech=tech,
                       frequency=number(tc.frequency_mhz, 0), eirp=number(tc.eirp_dbm, 0),
                       threshold=number(tc.threshold_dbm, 0), margin=number(tc.margin_db, 0),
                       height=number(tc.mobile_height_m, 1)))
    lines.append(t("report.assumption.grid", resolution=number(c.resolution_m, 0),
                   range=number(c.max_range_km, 0)))
    return lines


def headline_headers(year: int | None, *, compare: bool, next_year: bool) -> list[str]:
    """Headers of "Biểu số 1", the same in the page, the Word document and the workbook."""
    value = t("report.value_year", year=year) if year else t("report.value")
    target = t("report.target_year", year=year) if year else t("report.target")
    headers: list[str] = [t("report.indicator"), t("report.unit"), value]
    if compare:
        headers += [t("report.previous"), t("report.change")]
    headers += [target, t("report.pct")]
    if next_year:
        headers.append(t("report.next_target_year", year=year + 1) if year
                       else t("report.next_target"))
    return headers


def headline_cells(row: Mapping[str, Any], *, compare: bool, next_year: bool) -> list[str]:
    """One row of "Biểu số 1" as printed (numbers in the language's convention)."""
    decimals = int(row["decimals"])
    cells = [str(row["indicator"]), str(row["unit"]), report.fmt(row["value"], decimals)]
    if compare:
        cells += [report.fmt(row["previous"], decimals),
                  report.change(row["change"], decimals, str(row["unit"]))]
    cells += [report.fmt(row["target"], decimals), report.achieved(row)]
    if next_year:
        cells.append(report.fmt(row["next_target"], decimals))
    return cells


def headline_sheet(head: pd.DataFrame, year: int | None, *, compare: bool) -> pd.DataFrame:
    """The "Biểu số 1" sheet: numbers as numbers, under the report's headers."""
    next_year = bool(head["next_target"].notna().any())
    columns = ["indicator", "unit", "value", *(["previous", "change"] if compare else []),
               "target", "pct_achieved", *(["next_target"] if next_year else [])]
    sheet = head[columns].copy()
    if head["status"].notna().any():  # lower is better: met / not met, not a percentage
        shown = head.apply(report.achieved, axis=1)
        sheet["pct_achieved"] = head["pct_achieved"].where(head["status"].isna()
                                                          | head["pct_achieved"].notna(), shown)
    sheet.columns = headline_headers(year, compare=compare, next_year=next_year)
    return sheet


def page_text() -> dict[str, str]:
    """The fixed texts of the page template (``t.<name>``)."""
    return labels("report")


def render_html(model: ReportModel) -> str:
    """The page of a report model (self-contained: images as data URIs, text escaped)."""
    from ictgis import report
    from ictgis.report.charts import data_uri

    context = {
        "lang": model.lang, "t": page_text(), "province": model.province,
        "synthetic": model.synthetic, "headline_headers": model.headline_headers,
        "headline_rows": [(row["id"], row["value"], cells) for row, cells
                          in zip(model.headline.to_dict("records"), model.headline_rows,
                                 strict=True)],
        "compare": model.compare, "narrative": model.narrative, "meta": model.meta,
        "headline_note": model.headline_note,
        "subject": model.subject, "tables": model.sections,
        "charts": [(data_uri(f.png), f.caption) for f in model.charts],
        "maps": [(data_uri(f.png), f.caption) for f in model.maps],
        "problems": model.problems, "assumptions": model.assumptions,
    }
    return report.render_html(context)


def ordered(tables: Mapping[str, Mapping[str, pd.DataFrame]], config: Config
            ) -> dict[str, dict[str, pd.DataFrame]]:
    """The tables with regions and districts in the order of ``[regions]`` (not alphabetical).

    Districts follow their region's order, then the order in which ``[regions]`` lists them;
    names match as ``[regions]`` matches them (prefix kind and base name, no diacritics).
    """
    from ictgis.text import split_prefix

    region_rank = {name: i for i, name in enumerate(config.regions)}
    unit_rank = {split_prefix(unit): i for i, unit in
                 enumerate(u for units in config.regions.values() for u in units)}

    def district_key(name: object) -> int:
        kind, base = split_prefix(name)
        exact = unit_rank.get((kind, base))
        return exact if exact is not None else unit_rank.get((None, base), len(unit_rank))

    out: dict[str, dict[str, pd.DataFrame]] = {}
    for step, levels in tables.items():
        out[step] = {}
        for level, table in levels.items():
            if level == "region" and "region" in table:
                table = table.sort_values("region", key=lambda c: c.map(
                    lambda r: region_rank.get(r, len(region_rank))), kind="stable")
            elif level == "district" and "district" in table:
                table = table.sort_values("district", key=lambda c: c.map(district_key),
                                          kind="stable")
            out[step][level] = table.reset_index(drop=True)
    return out


#: Columns of the priorities section, and their decimals (None: text).
PRIORITY_COLUMNS: Mapping[str, int | None] = {
    "rank": 0, "candidate": None, "commune_name": None, "district": None, "mast_class": None,
    "marginal_people": 0, "cumulative_covered_pct": 1, "cumulative_cost_vnd": 0}
#: Rows of the ranking shown in the report (the whole list is in priorities/ranking.xlsx).
PRIORITY_ROWS = 15


def priorities_section(ranking: pd.DataFrame | None) -> list[dict[str, object]]:
    """"Thứ tự ưu tiên đầu tư": the first sites of the ranking (none before the step ran)."""
    if ranking is None or ranking.empty:
        return []
    columns = {c: (t(f"report.column.{c}") if c != "district" else t("report.column.district"),
                   d) for c, d in PRIORITY_COLUMNS.items() if c in ranking}
    return [report.table_section("priorities", t("report.priorities"),
                                 ranking.head(PRIORITY_ROWS), columns)]
