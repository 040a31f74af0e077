"""$ ictgis coverage"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import Command, scheduler_opt, workspace_options

if TYPE_CHECKING:
    import pandas as pd

    from ictgis.steps.coverage import CoverageStepResult


def format_coverage(whole: pd.DataFrame, gaps: pd.DataFrame, techs: list[str],
                    communes: pd.DataFrame | None = None) -> str:
    """Population coverage by technology (any operator, and each operator) as text.

    ``whole`` is the table of the whole area (one row: the province, or the country of a
    national workspace). ``communes`` (code, name, district) names a commune with its
    district where its name repeats in the province (three "Phường 1").
    """
    from ictgis.cli.main import commune_labels
    from ictgis.i18n import number, t
    from ictgis.telecom import operator_name

    row = whole.iloc[0]
    lines = [t("cli.coverage.title")]
    for tech in techs:
        slug = tech.lower()
        ops = [c.removeprefix("pop_pct_").rsplit("_", 1)[0] for c in whole.columns
               if c.startswith("pop_pct_") and c.endswith(f"_{slug}") and "any" not in c]
        each = ", ".join(f"{operator_name(op)} {number(row[f'pop_pct_{op}_{slug}'], 1)}"
                         for op in ops)
        lines.append(t("cli.coverage.technology", tech=tech,
                       pct=number(row[f"pop_pct_any_{slug}"], 1), each=each))
    names = commune_labels(communes) if communes is not None else {}
    for tech in techs:
        top = gaps[gaps["technology"] == tech].head(3)
        if len(top):
            lines.append(t("cli.coverage.gaps", tech=tech, gaps="; ".join(
                t("cli.coverage.gap", commune=names.get(str(r.commune), r.commune_name),
                  people=number(r.population, 0))
                for r in top.itertuples())))
    return "\n".join(lines)


@click.command("coverage", cls=Command)
@workspace_options(formats=True)
@scheduler_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], lang: str,
            strict: bool, quiet: bool, scheduler: str | None) -> None:
    """$ ictgis coverage (its help: ``cli.help.coverage`` in the catalogue)."""
    console = Console(quiet)
    result = run_steps(workspace, out, ["coverage"], console, strict=strict, lang=lang,
                       formats=formats, options={"coverage": {"scheduler": scheduler}})
    echo_coverage(result.results["coverage"], console)
    echo_written(console, result.outputs / outputs.COVERAGE)
    echo_rejects(result, console)


def echo_coverage(result: CoverageStepResult, console: Console) -> None:
    """Print the model warnings and the coverage summary."""
    from ictgis import admin
    from ictgis.i18n import t

    for message in result.warnings:
        console.warn(t("cli.warning", message=message))
    whole = admin.whole_level(result.tables["commune"].columns)  # province, or country
    console.echo(format_coverage(result.tables[whole], result.gaps,
                                 list(result.settings.technologies), result.communes))
