"""$ ictgis validate"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console, load_checked
from ictgis.cli.options import workspace_options


@click.command("validate", short_help="Check a workspace's layers and list their problems.")
@workspace_options()
def command(workspace: Path, out: Path | None, lang: str, strict: bool, quiet: bool) -> None:
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
    from ictgis.i18n import labels, t
    from ictgis.workspace import siting_context

    console = Console(quiet)
    ws = load_checked(workspace, console, strict=strict)
    if ws.bts is not None:
        siting_context(ws)  # mast classes must be known to the [siting] rules
    result = pipeline.run(ws, steps=[], out=pipeline.output_dir(workspace, out))
    where = result.outputs / outputs.REJECTS
    counts = ws.problems["severity"].value_counts()
    severity = labels("problems.severity")
    console.echo(t("cli.validate.counts", province=ws.config.province, communes=len(ws.communes),
                   posts=len(ws.post_offices))
                 + (t("cli.validate.bts", n=len(ws.bts)) if ws.bts is not None else ""))
    listed = ", ".join(t("cli.count", n=n, what=severity.get(s, s)) for s, n in counts.items())
    console.echo(t("cli.validate.problems", counts=listed or t("cli.validate.none"),
                   path=where))
