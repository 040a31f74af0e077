"""$ ictgis run"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.coverage import echo_coverage
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.map import echo_maps
from ictgis.cli.options import Command, option, scheduler_opt, workspace_options
from ictgis.cli.siting import format_siting
from ictgis.cli.stats import format_summary
from ictgis.steps import STEPS


@click.command("run", cls=Command)
@workspace_options(formats=True)
@option("--skip", multiple=True, type=click.Choice(STEPS),
        help="cli.help.run.skip")
@scheduler_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], lang: str,
            skip: tuple[str, ...], strict: bool, quiet: bool, scheduler: str | None) -> None:
    """$ ictgis run (its help: ``cli.help.run`` in the catalogue)."""
    from ictgis.i18n import number, t

    console = Console(quiet)
    result = run_steps(workspace, out, [s for s in STEPS if s not in skip], console,
                       strict=strict, lang=lang, formats=formats, manifest=True,
                       options={"coverage": {"scheduler": scheduler}})
    done = result.results
    if "stats" in done:
        console.echo(done["stats"].title)
        console.echo(format_summary(done["stats"].tables))
    if "siting" in done:
        console.echo(format_siting(done["siting"].tables, done["siting"].verdicts))
    if "coverage" in done:
        echo_coverage(done["coverage"], console)
    if "maps" in done:
        echo_maps(done["maps"], console)
    if "report" in done:
        for warning in done["report"].warnings:
            console.warn(t("cli.warning", message=warning))
    for name in done:
        echo_written(console, result.outputs / name if name != "report" else result.outputs)
    echo_rejects(result, console)
    timings = ", ".join(t("cli.step_time", step=k, seconds=number(v, 1))
                        for k, v in result.timings_s.items())
    console.echo(t("cli.steps", timings=timings, path=result.manifest))
