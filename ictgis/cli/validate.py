"""$ ictgis validate"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console, load_checked
from ictgis.cli.options import Command, workspace_options


@click.command("validate", cls=Command)
@workspace_options()
def command(workspace: Path, out: Path | None, lang: str, strict: bool, quiet: bool) -> None:
    """$ ictgis validate (its help: ``cli.help.validate`` in the catalogue)."""
    import dataclasses

    from ictgis import outputs, pipeline, registry, validate
    from ictgis.cli.main import SHOWN_PROBLEMS
    from ictgis.i18n import labels, number, t
    from ictgis.workspace import siting_context

    console = Console(quiet)
    ws = load_checked(workspace, console, strict=strict)
    if ws.bts is not None:
        siting_context(ws)  # mast classes must be known to the [siting] rules
    found, checked = registry.check_workspace(ws)
    severity = labels("problems.severity")
    for _, row in found.head(SHOWN_PROBLEMS).iterrows():
        console.warn(t("cli.problem", severity=severity[row["severity"]],
                       problem=validate.format_problem(row)))
    ws = dataclasses.replace(ws, problems=validate.concat([ws.problems, found]))
    result = pipeline.run(ws, steps=[], out=pipeline.output_dir(workspace, out))
    where = result.outputs / outputs.REJECTS
    counts = ws.problems["severity"].value_counts()
    console.echo(t("cli.validate.counts", province=ws.config.province,
                   communes=number(len(ws.communes), 0), posts=number(len(ws.post_offices), 0))
                 + (t("cli.validate.bts", n=number(len(ws.bts), 0)) if ws.bts is not None else ""))
    console.echo(checked)
    listed = ", ".join(t("cli.count", n=number(n, 0), what=severity.get(s, s))
                       for s, n in counts.items())
    console.echo(t("cli.validate.problems", counts=listed or t("cli.validate.none"),
                   path=where))
