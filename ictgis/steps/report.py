"""Step ``report``: the yearly report from the outputs -> ``OUT/report.html``, ``OUT/report.xlsx``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.errors import ConfigError, DataError
from ictgis.steps import StepContext, output_title, sheet_title

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
    #: What the reader should know (year not set, both years the same), once each.
    warnings: tuple[str, ...] = ()
    #: Column -> header of the statistics and coverage sheets.
    headers: Mapping[str, str] = field(default_factory=dict)


def compute(ws: Workspace, ctx: StepContext, *, compare: Path | None = None,
            **_options: Any) -> ReportResult:
    """Build the report from the tables in ``ctx.outputs`` (and ``compare``, a previous year's).

    ``compare`` is a previous year's outputs folder, or its workspace (its ``outputs/`` is
    read). Only the sections and assumptions of the steps that ran are shown; regions and
    districts come in the order of ``[regions]``.

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

    tables = document.ordered(ctx.outputs.tables(), ws.config)
    if outputs.STATS not in tables:
        msg = t("report.no_stats", path=ctx.outputs.folder(outputs.STATS))
        raise DataError(msg)
    config = ws.config
    warnings: list[str] = []
    note = ""
    if config.report.year is None:
        warnings.append(t("report.warning.year"))
    if config.population_year is None:
        warnings.append(t("report.warning.population_year"))
    previous = None
    if compare is not None:
        earlier = _earlier_outputs(compare)
        if _former_era(earlier, ws):  # another era: compared in today's units
            from ictgis import crosswalk

            before = crosswalk.rebase_outputs(earlier, ws)
            note = t("report.compare_rebased", path=compare)
        else:  # the same era: the tables as they were written
            before = earlier.tables()
        if outputs.STATS not in before:
            msg = t("report.compare_no_stats", path=compare)
            raise DataError(msg)
        earlier_year = _report_year(earlier)
        if earlier_year is not None and earlier_year == config.report.year:
            warnings.append(t("report.warning.same_year", path=compare, year=earlier_year))
        previous = report.values_by_id(report.headline(before, reported={}, targets={}))
    try:
        head = report.headline(tables, reported=config.indicators, targets=config.targets,
                               next_targets=config.targets_next_year, previous=previous)
    except ValueError as exc:
        raise ConfigError(f"{config.path.name}: {exc}") from None
    title = output_title(config)
    area_sources = sorted(set(ws.communes.get("area_source", pd.Series(["computed"]))))
    meta = model.meta_of(config)
    ranking, curve = ctx.outputs.ranking(), ctx.outputs.priorities_curve()
    the_report = model.ReportModel(
        lang=ctx.lang, title=t("report.title"), province=title, synthetic=config.synthetic,
        meta=meta, headline=head, compare=previous is not None,
        narrative=model.narrative(tables, ranking, config.priorities.technology),
        sections=(*document.sections(tables), *document.priorities_section(ranking)),
        charts=(*document.charts(tables[outputs.STATS]),
                *([model.Figure(curve, t("report.priorities_curve"))] if curve else [])),
        maps=tuple(document.maps(ctx.outputs.static_maps())),
        problems=tuple(document.problem_counts(ctx.outputs.problems())),
        assumptions=tuple(document.assumptions(config, area_sources, steps=list(tables))),
        headline_note=note)
    from ictgis import coverage, stats
    from ictgis.steps.stats import sheet_level

    national = report.whole_level(tables) == "country"
    sheets = {t("report.sheet.headline"): document.headline_sheet(
                  head, meta.year, compare=previous is not None),
              **{sheet_title(f"stats_{sheet_level(k, national=national)}"): stats.display(v)
                 for k, v in tables[outputs.STATS].items()},
              **{sheet_title(f"coverage_{sheet_level(k, national=national)}"): stats.display(v)
                 for k, v in tables.get(outputs.COVERAGE, {}).items()}}
    number_formats = {header: "#,##0.00" for header in the_report.headline_headers[2:]}
    number_formats[t("report.pct")] = "0.0"
    columns = {c for table in sheets.values() for c in table.columns}
    headers = {**stats.headers(columns), **coverage.headers(columns)}
    number_formats.update({headers.get(c, c): f for c, f in stats.NUMBER_FORMATS.items()})
    return ReportResult(the_report, document.render_html(the_report), word.render(the_report),
                        sheets, number_formats, title, tuple(warnings), headers)


def _earlier_outputs(path: Path) -> outputs.Outputs:
    """A previous year's outputs: the folder itself, or the outputs of the workspace there."""
    from ictgis.config import CONFIG_NAME
    from ictgis.pipeline import output_dir

    path = Path(path)
    if (path / CONFIG_NAME).is_file() or path.name == CONFIG_NAME:
        return outputs.Outputs(output_dir(path))
    return outputs.Outputs(path)


def _former_era(earlier: outputs.Outputs, ws: Workspace) -> bool:
    """Whether earlier outputs are by former communes that the workspace's crosswalk maps."""
    from ictgis import io

    if ws.crosswalk is None:
        return False
    table = io.read_output_table(earlier.folder(outputs.STATS) / outputs.level_csv("commune"))
    if table is None or "code" not in table:
        return False
    return not set(table["code"].astype(str)) <= set(ws.communes["code"].astype(str))


def _report_year(found: outputs.Outputs) -> int | None:
    """The ``[report] year`` recorded in an outputs folder's manifest, if any."""
    import json
    import tomllib

    if not found.manifest.is_file():
        return None
    try:
        text = json.loads(found.manifest.read_text(encoding="utf-8"))["config"]["text"]
        year = tomllib.loads(text).get("report", {}).get("year")
    except (ValueError, KeyError, TypeError):
        return None
    return year if isinstance(year, int) else None


def write(result: ReportResult, ctx: StepContext) -> list[Path]:
    """Write ``report.html``, ``report.docx`` and ``report.xlsx``."""
    from ictgis import io

    io.write_text(ctx.outputs.report_html, result.html)
    io.write_bytes(ctx.outputs.report_docx, result.docx)
    io.write_xlsx(result.sheets, ctx.outputs.report_xlsx, title=result.title,
                  headers=result.headers, formats=result.number_formats)
    return [ctx.outputs.report_html, ctx.outputs.report_docx, ctx.outputs.report_xlsx]
