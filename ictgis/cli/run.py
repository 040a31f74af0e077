"""$ ictgis run"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.coverage import write_coverage
from ictgis.cli.main import Console, load_checked, output_dir, report_rejects
from ictgis.cli.options import format_opt, lang_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.cli.siting import write_siting
from ictgis.cli.stats import write_stats


@click.command("run", short_help="Every step for a workspace (stats, siting, coverage).")
@workspace_opt
@out_opt
@format_opt
@lang_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], lang: str,
            strict: bool, quiet: bool) -> None:
    """Run every step that exists for a workspace: validation, statistics, siting, coverage.

    Siting and coverage run when the workspace has a BTS layer; proposals in
    [layers.proposals] are judged.

    \b

    Examples
    --------
    ictgis run
    ictgis run -w ../tien_giang --out /tmp/tg
    """
    console = Console(quiet)
    ws = load_checked(workspace, console, strict=strict)
    outputs = output_dir(workspace, out)
    write_stats(ws, outputs, formats, console)
    if ws.bts is not None:
        write_siting(ws, outputs, console, lang=lang)
        write_coverage(ws, outputs, formats, console)
    report_rejects(ws, outputs, console)
