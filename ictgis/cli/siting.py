"""$ ictgis siting"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import Command, option, workspace_options

if TYPE_CHECKING:
    import pandas as pd

def format_siting(tables: Mapping[str, pd.DataFrame], verdicts: pd.DataFrame | None) -> str:
    """Findings per rule, overall compliance and the verdicts, as text."""
    from ictgis.i18n import labels, number, t

    severity = labels("siting.severity")
    verdict = labels("siting.verdict")
    names = labels("siting.rule_name")
    rules = tables["rules"]
    width = max([len(t("cli.siting.rule"))] + [len(names.get(r, r)) for r in rules["rule"]]) + 2
    lines = [f"{t('cli.siting.rule'):<{width}}{t('cli.siting.severity'):<12}"
             f"{t('cli.siting.findings'):>10}"]
    lines += [f"{names.get(r.rule, r.rule):<{width}}{severity.get(r.severity, r.severity):<12}"
              f"{number(r.findings, 0):>10}" for r in rules.itertuples() if r.findings]
    whole = tables.get("compliance_country", tables.get("compliance_province"))
    if whole is not None and int(whole.iloc[0]["masts"]) > 0:  # the whole province or country
        row = whole.iloc[0]
        lines.append(t("cli.siting.compliance", ok=number(int(row["compliant"]), 0),
                       masts=number(int(row["masts"]), 0), pct=number(row["compliance_pct"], 1)))
    if verdicts is not None:
        counts = verdicts["verdict"].value_counts()
        lines.append(t("cli.siting.proposals", counts=", ".join(
            t("cli.count", n=number(n, 0), what=verdict.get(v, v)) for v, n in counts.items())))
        id_width = max(len(str(i)) for i in verdicts["id"]) + 2
        verdict_width = max(len(verdict.get(v, v)) for v in verdicts["verdict"]) + 2
        lines += [f"  {r.id!s:<{id_width}}{verdict.get(r.verdict, r.verdict):<{verdict_width}}"
                  f"{r.reasons}" for r in verdicts.itertuples()]
    return "\n".join(lines)


@click.command("siting", cls=Command)
@workspace_options()
@option("--proposals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="cli.help.siting.proposals")
def command(workspace: Path, out: Path | None, proposals: Path | None, lang: str, strict: bool,
            quiet: bool) -> None:
    """$ ictgis siting (its help: ``cli.help.siting`` in the catalogue)."""
    console = Console(quiet)
    result = run_steps(workspace, out, ["siting"], console, strict=strict, lang=lang,
                       options={"siting": {"proposals": proposals}})
    siting = result.results["siting"]
    console.echo(format_siting(siting.tables, siting.verdicts))
    echo_written(console, result.outputs / outputs.SITING)
    echo_rejects(result, console)
