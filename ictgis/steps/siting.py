"""Step ``siting``: every mast (and proposal) against the plan -> ``OUT/siting/``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.steps import StepContext, output_title, sheet_title

if TYPE_CHECKING:
    import pandas as pd

    from ictgis.workspace import Workspace

NAME = outputs.SITING
NEEDS_BTS = True

@dataclass(frozen=True)
class SitingResult:
    """Findings, summary tables, the verdicts on proposals (None without proposals)."""

    findings: pd.DataFrame
    tables: Mapping[str, pd.DataFrame]
    verdicts: pd.DataFrame | None
    crs: str
    title: str


def compute(ws: Workspace, ctx: StepContext, *, proposals: Path | None = None,
            **_options: Any) -> SitingResult:
    """Check every mast against the plan; judge the proposals of ``proposals`` or the workspace."""
    from ictgis import siting
    from ictgis.workspace import load_proposals, siting_context

    context = siting_context(ws)
    findings = siting.check_sites(context)
    tables = siting.summary_tables(context, findings)
    verdicts = None
    if proposals is not None or "proposals" in ws.config.layers:
        candidates, problems = load_proposals(ws, proposals)
        rejected = problems[problems["severity"] == "rejected"]
        verdicts = siting.judge_proposals(candidates, context, lang=ctx.lang, rejected=rejected)
    return SitingResult(findings, tables, verdicts, ws.config.crs, output_title(ws.config))


def write(result: SitingResult, ctx: StepContext) -> list[Path]:
    """Write ``siting/``: findings (CSV, GPKG), summaries (XLSX, CSV), not built, proposals.

    Messages, details, zones and headers are written in ``ctx.lang``
    (:func:`ictgis.siting.view`, :func:`ictgis.stats.display`).
    """
    from ictgis import io, siting
    from ictgis.i18n import labels, language
    from ictgis.stats import NUMBER_FORMATS, display, headers

    folder = ctx.outputs.folder(NAME)
    with language(ctx.lang), io.staged_dir(folder) as tmp:
        findings = siting.view(result.findings)
        tables = {name: display(table) for name, table in result.tables.items()}
        io.write_csv(findings, tmp / outputs.FINDINGS_CSV)
        io.write_layers(siting.finding_layers(findings, result.crs), tmp / outputs.FINDINGS_GPKG)
        io.write_xlsx({sheet_title(k): readable(v) for k, v in tables.items()},
                      tmp / outputs.SITING_SUMMARY_XLSX, title=result.title,
                      headers={**headers(c for t in tables.values() for c in t.columns),
                               **labels("siting.header")},
                      formats={**NUMBER_FORMATS, "compliance_pct": "0.0"})
        for name, table in tables.items():
            io.write_csv(table, tmp / outputs.siting_summary_csv(name))
        not_built = findings[findings["rule"] == "plan.not_built"]
        io.write_csv(not_built.drop(columns=["ox", "oy", "other_id", "value"]),
                     tmp / outputs.PLANNED_NOT_BUILT_CSV)
        if result.verdicts is not None:
            io.write_csv(result.verdicts, tmp / outputs.PROPOSALS_CSV)
            io.write_xlsx({sheet_title("proposals"): readable(result.verdicts)},
                          tmp / outputs.PROPOSALS_XLSX,
                          headers=labels("siting.proposal_header"), title=result.title)
        written = sorted(tmp.iterdir())
    return [folder / p.name for p in written]


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A siting table for readers (workbooks): rule, severity and verdict ids as their names.

    The CSV tables keep the ids, for machines and for the steps that read them back.
    """
    from ictgis.i18n import labels

    names, severity = labels("siting.rule_name"), labels("siting.severity")
    verdict = labels("siting.verdict")
    shown = table.copy()
    if "rule" in shown:
        shown["rule"] = shown["rule"].map(lambda r: names.get(r, r))
    if "rules" in shown:
        shown["rules"] = shown["rules"].map(lambda rs: "; ".join(
            names.get(r.strip(), r.strip()) for r in str(rs).split(",") if r.strip())
            if isinstance(rs, str) else rs)
    if "severity" in shown:
        shown["severity"] = shown["severity"].map(lambda s: severity.get(s, s))
    if "verdict" in shown:
        shown["verdict"] = shown["verdict"].map(lambda v: verdict.get(v, v))
    return shown
