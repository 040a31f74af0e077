"""Step ``report``: the yearly report from the outputs -> ``OUT/report.html``, ``OUT/report.xlsx``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.errors import ConfigError, DataError
from ictgis.steps import StepContext, output_title

if TYPE_CHECKING:
    import pandas as pd

    from ictgis.workspace import Workspace

NAME = "report"
NEEDS_BTS = False


@dataclass(frozen=True)
class ReportResult:
    """The page and the workbook's sheets (with their number formats)."""

    html: str
    sheets: Mapping[str, pd.DataFrame]
    number_formats: Mapping[str, str]
    title: str


def compute(ws: Workspace, ctx: StepContext, *, compare: Path | None = None,
            **_options: Any) -> ReportResult:
    """Build the report from the tables in ``ctx.outputs`` (and ``compare``, a previous year's).

    Raises
    ------
    DataError
        When the statistics have not been computed yet, or ``compare`` holds none.
    ConfigError
        When ``[targets]`` names an unknown indicator.
    """
    import pandas as pd

    from ictgis import report
    from ictgis.i18n import t
    from ictgis.report import document

    tables = ctx.outputs.tables()
    if outputs.STATS not in tables:
        msg = t("report.no_stats", path=ctx.outputs.folder(outputs.STATS))
        raise DataError(msg)
    config = ws.config
    previous = None
    if compare is not None:
        before = outputs.Outputs(compare).tables()
        if outputs.STATS not in before:
            msg = t("report.compare_no_stats", path=compare)
            raise DataError(msg)
        previous = report.values_by_id(report.headline(before, reported={}, targets={}))
    try:
        head = report.headline(tables, reported=config.indicators, targets=config.targets,
                               previous=previous)
    except ValueError as exc:
        raise ConfigError(f"{config.path.name}: {exc}") from None
    title = output_title(config)
    area_sources = sorted(set(ws.communes.get("area_source", pd.Series(["computed"]))))
    context = {
        "lang": ctx.lang, "t": document.page_text(), "province": title,
        "synthetic": config.synthetic, "headline": head.to_dict("records"),
        "compare": previous is not None, "tables": document.sections(tables),
        "charts": document.charts(tables[outputs.STATS]),
        "maps": document.images(ctx.outputs.static_maps()),
        "problems": document.problem_counts(ctx.outputs.problems()),
        "assumptions": document.assumptions(config, area_sources),
    }
    sheets = {t("report.sheet.headline"): document.headline_sheet(head),
              **{f"stats_{k}": v for k, v in tables[outputs.STATS].items()},
              **{f"coverage_{k}": v for k, v in tables.get(outputs.COVERAGE, {}).items()}}
    number_formats: dict[str, str] = {
        t("report.value"): "#,##0.00", t("report.target"): "#,##0.00", t("report.pct"): "0.0",
        t("report.previous"): "#,##0.00", t("report.change"): "#,##0.00"}
    return ReportResult(report.render_html(context), sheets, number_formats, title)


def write(result: ReportResult, ctx: StepContext) -> list[Path]:
    """Write ``report.html`` and ``report.xlsx``."""
    from ictgis import io

    io.write_text(ctx.outputs.report_html, result.html)
    io.write_xlsx(result.sheets, ctx.outputs.report_xlsx, title=result.title,
                  formats=result.number_formats)
    return [ctx.outputs.report_html, ctx.outputs.report_xlsx]
