"""$ ictgis run"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console
from ictgis.cli.options import format_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.cli.stats import run_stats


@click.command("run", short_help="Every step for a workspace (validate, stats).")
@workspace_opt
@out_opt
@format_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], strict: bool,
            quiet: bool) -> None:
    """Run every step that exists for a workspace: validation and statistics.

    \b

    Examples
    --------
    ictgis run
    ictgis run -w ../tien_giang --out /tmp/tg
    """
    run_stats(workspace, out, formats, Console(quiet), strict=strict)
