"""$ ictgis stats"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import Command, workspace_options

if TYPE_CHECKING:
    import pandas as pd


def format_summary(tables: Mapping[str, pd.DataFrame]) -> str:
    """The whole area, its macro-regions, zones and regions: S, P, N, R and Dp as a text table.

    The whole area is the province of a one-province workspace, the country of a national one
    (:func:`ictgis.admin.whole_level`); each row is labelled in the language in force.
    """
    from ictgis import admin
    from ictgis.i18n import number

    whole = admin.whole_level(tables["commune"].columns)
    rows: list[tuple[str, pd.Series]] = []
    for level in (whole, "macro_region", "zone", "region"):
        if level in tables:
            shown = admin.display(tables[level])[level]
            rows += [(str(label), r) for label, (_, r) in
                     zip(shown, tables[level].iterrows(), strict=True)]
    width = max(18, *(len(label) + 1 for label, _ in rows))
    lines = [f"{'':<{width}}{'S km²':>10}{'P':>11}{'N':>6}{'R km':>7}{'Dp':>8}"]
    for label, r in rows:
        radius = number(r["radius_km"], 2) or "–"
        per = number(r["pop_per_point"], 0) or "–"
        lines.append(f"{label:<{width}}{number(r['area_km2'], 1):>10}"
                     f"{number(r['population'], 0):>11}{number(r['n_points'], 0):>6}"
                     f"{radius:>7}{per:>8}")
    return "\n".join(lines)


@click.command("stats", cls=Command)
@workspace_options(formats=True)
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], lang: str,
            strict: bool, quiet: bool) -> None:
    """$ ictgis stats (its help: ``cli.help.stats`` in the catalogue)."""
    console = Console(quiet)
    result = run_steps(workspace, out, ["stats"], console, strict=strict, lang=lang,
                       formats=formats)
    stats = result.results["stats"]
    console.echo(stats.title)
    console.echo(format_summary(stats.tables))
    echo_written(console, result.outputs / outputs.STATS)
    echo_rejects(result, console)
