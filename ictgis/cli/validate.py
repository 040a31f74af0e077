"""$ ictgis validate"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console, load_checked
from ictgis.cli.options import out_opt, quiet_opt, strict_opt, workspace_opt


@click.command("validate", short_help="Check a workspace's layers and list their problems.")
@workspace_opt
@out_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, strict: bool, quiet: bool) -> None:
    """Read every layer of a workspace and report what cannot be used.

    Problems of whole layers (missing file or column, no CRS, unusable communes, unmapped
    district) stop with exit status 1. Problems of single rows are listed, and the rows
    written to OUT/rejects/ with the reason.

    \b
    Examples
    --------
    ictgis validate
    ictgis validate -w ../dong_thap --strict
    """
    from ictgis import outputs, pipeline
    from ictgis.workspace import siting_context

    console = Console(quiet)
    ws = load_checked(workspace, console, strict=strict)
    if ws.bts is not None:
        siting_context(ws)  # mast classes must be known to the [siting] rules
    result = pipeline.run(ws, steps=[], out=pipeline.output_dir(workspace, out))
    where = result.outputs / outputs.REJECTS
    counts = ws.problems["severity"].value_counts()
    console.echo(f"{ws.config.province}: {len(ws.communes)} communes, "
                 f"{len(ws.post_offices)} postal points"
                 + (f", {len(ws.bts)} BTS" if ws.bts is not None else ""))
    console.echo("problems: " + (", ".join(f"{n} {s}" for s, n in counts.items()) or "none")
                 + f" (details in {where})")
