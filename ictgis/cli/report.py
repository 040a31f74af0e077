"""$ ictgis report"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console, echo_written, run_steps
from ictgis.cli.options import workspace_options
from ictgis.i18n import t


@click.command("report", short_help="The yearly report (HTML and XLSX) from the outputs.")
@workspace_options(strict=False)
@click.option("--compare", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A previous year's outputs folder: show the change.")
def command(workspace: Path, out: Path | None, lang: str, compare: Path | None,
            quiet: bool) -> None:
    """Write OUT/report.html and OUT/report.xlsx ("Biểu số 1") from the outputs of the steps.

    \b
    Examples
    --------
    ictgis report
    ictgis report --lang en --compare ../2017/outputs
    """
    console = Console(quiet)
    result = run_steps(workspace, out, ["report"], console, lang=lang,
                       options={"report": {"compare": compare}})
    for warning in result.results["report"].warnings:
        console.warn(t("cli.warning", message=warning))
    echo_written(console, *result.written)
