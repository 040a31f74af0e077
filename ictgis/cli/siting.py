"""$ ictgis siting"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ictgis.cli.main import Console, output_title, run_step
from ictgis.cli.options import lang_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.workspace import Workspace

VERDICT_HEADERS = {
    "id": "Mã đề xuất", "verdict": "Kết quả", "reasons": "Lý do", "colocate_with": "Dùng chung với cột",
    "colocate_distance_m": "Khoảng cách tới cột (m)", "planned_site": "Vị trí quy hoạch",
    "planned_distance_m": "Cách vị trí quy hoạch (m)", "rules": "Quy tắc", "operators": "Doanh nghiệp",
    "mast_class": "Loại cột", "height": "Chiều cao (m)", "commune": "Mã xã",
    "x": "Tọa độ Y (VN-2000)", "y": "Tọa độ X (VN-2000)",
}


def write_siting(ws: Workspace, outputs: Path, console: Console, *, lang: str = "vi",
                 proposals: Path | None = None) -> pd.DataFrame:
    """Check every mast against the plan (and judge proposals); write OUTPUTS/siting/."""
    from ictgis import io, siting
    from ictgis.stats import NUMBER_FORMATS, headers
    from ictgis.workspace import load_proposals, siting_context

    ctx = siting_context(ws)
    findings = siting.check_sites(ctx, lang=lang)
    tables = siting.summary_tables(ctx, findings)
    verdicts = None
    if proposals is not None or "proposals" in ws.config.layers:
        candidates, problems = load_proposals(ws, proposals)
        rejected = problems[problems["severity"] == "rejected"]
        verdicts = siting.judge_proposals(candidates, ctx, lang=lang, rejected=rejected)
    title = output_title(ws)
    with io.staged_dir(outputs / "siting") as tmp:
        io.write_csv(findings, tmp / "findings.csv")
        io.write_layers(siting.finding_layers(findings, ws.config.crs), tmp / "findings.gpkg")
        io.write_xlsx(tables, tmp / "summary.xlsx", title=title,
                      headers={**headers(c for t in tables.values() for c in t.columns),
                               **siting.HEADERS},
                      formats={**NUMBER_FORMATS, "compliance_pct": "0.0"})
        for name, table in tables.items():
            io.write_csv(table, tmp / f"summary_{name}.csv")
        not_built = findings[findings["rule"] == "plan.not_built"]
        io.write_csv(not_built.drop(columns=["ox", "oy", "other_id", "value"]),
                     tmp / "planned_not_built.csv")
        if verdicts is not None:
            io.write_csv(verdicts, tmp / "proposals.csv")
            io.write_xlsx({"de_xuat": verdicts}, tmp / "proposals.xlsx", headers=VERDICT_HEADERS,
                          title=title)
    console.echo(format_siting(tables, verdicts))
    console.echo(f"written: {outputs / 'siting'}")
    return findings


def format_siting(tables: dict[str, pd.DataFrame], verdicts: pd.DataFrame | None) -> str:
    """Findings per rule, overall compliance and the verdicts, as text."""
    rules = tables["rules"]
    lines = [f"{'rule':<20}{'severity':<11}{'findings':>9}"]
    lines += [f"{r.rule:<20}{r.severity:<11}{r.findings:>9}"
              for r in rules.itertuples() if r.findings]
    province = tables.get("compliance_province")
    if province is not None:
        row = province.iloc[0]
        lines.append(f"masts without violation: {int(row['compliant'])} of {int(row['masts'])} "
                     f"({row['compliance_pct']:.1f} %)")
    if verdicts is not None:
        counts = verdicts["verdict"].value_counts()
        lines.append("proposals: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
        lines += [f"  {r.id:<10}{r.verdict:<10}{r.reasons}" for r in verdicts.itertuples()]
    return "\n".join(lines)


@click.command("siting", short_help="Check BTS masts and proposals against the plan.")
@workspace_opt
@out_opt
@click.option("--proposals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A file of proposed new masts to approve, co-locate or refuse.")
@lang_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, proposals: Path | None, lang: str, strict: bool,
            quiet: bool) -> None:
    """Check every BTS mast against the passive-infrastructure plan and write OUT/siting/.

    Rules: position validity, zones (prohibited, A1-only, allowed classes, heights), planned
    positions, spacing and co-location, aviation height, sharing target. With --proposals,
    each proposed position gets a verdict: approve, co-locate (with which mast) or refuse.

    \b

    Examples
    --------
    ictgis siting
    ictgis siting --proposals de_xuat_viettel.xlsx --lang en
    """
    run_step(workspace, out, quiet=quiet, strict=strict,
             write=lambda ws, outputs, console: write_siting(ws, outputs, console, lang=lang,
                                                             proposals=proposals))
