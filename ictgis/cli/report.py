"""$ ictgis report"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console, echo_written, run_steps
from ictgis.cli.options import Command, option, workspace_options
from ictgis.i18n import t


@click.command("report", cls=Command)
@workspace_options(strict=False)
@option("--compare", type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None, help="cli.help.report.compare")
def command(workspace: Path, out: Path | None, lang: str, compare: Path | None,
            quiet: bool) -> None:
    """$ ictgis report (its help: ``cli.help.report`` in the catalogue)."""
    console = Console(quiet)
    result = run_steps(workspace, out, ["report"], console, lang=lang,
                       options={"report": {"compare": compare}})
    for warning in result.results["report"].warnings:
        console.warn(t("cli.warning", message=warning))
    echo_written(console, *result.written)
