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

    from ictgis.report.model import ReportModel
    from ictgis.workspace import Workspace

NAME = "report"
NEEDS_BTS = False


@dataclass(frozen=True)
class ReportResult:
    """The report model, its page, its Word document and the workbook's sheets."""

    model: ReportModel
    html: str
    docx: bytes
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
    from ictgis.report import document, model, word

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
    the_report = model.ReportModel(
        lang=ctx.lang, title=t("report.title"), province=title, synthetic=config.synthetic,
        meta=model.default_meta(config.province), headline=head, compare=previous is not None,
        narrative=model.narrative(tables), sections=tuple(document.sections(tables)),
        charts=tuple(document.charts(tables[outputs.STATS])),
        maps=tuple(document.maps(ctx.outputs.static_maps())),
        problems=tuple(document.problem_counts(ctx.outputs.problems())),
        assumptions=tuple(document.assumptions(config, area_sources)))
    sheets = {t("report.sheet.headline"): document.headline_sheet(head),
              **{f"stats_{k}": v for k, v in tables[outputs.STATS].items()},
              **{f"coverage_{k}": v for k, v in tables.get(outputs.COVERAGE, {}).items()}}
    number_formats: dict[str, str] = {
        t("report.value"): "#,##0.00", t("report.target"): "#,##0.00", t("report.pct"): "0.0",
        t("report.previous"): "#,##0.00", t("report.change"): "#,##0.00"}
    return ReportResult(the_report, document.render_html(the_report), word.render(the_report),
                        sheets, number_formats, title)


def write(result: ReportResult, ctx: StepContext) -> list[Path]:
    """Write ``report.html``, ``report.docx`` and ``report.xlsx``."""
    from ictgis import io

    io.write_text(ctx.outputs.report_html, result.html)
    io.write_bytes(ctx.outputs.report_docx, result.docx)
    io.write_xlsx(result.sheets, ctx.outputs.report_xlsx, title=result.title,
                  formats=result.number_formats)
    return [ctx.outputs.report_html, ctx.outputs.report_docx, ctx.outputs.report_xlsx]
