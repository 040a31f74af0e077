"""$ ictgis map"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import Command, option, workspace_options
from ictgis.steps.maps import INDICATORS, SCHEMES

if TYPE_CHECKING:
    from ictgis.steps.maps import MapsResult

def _tiles(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from ictgis.errors import ConfigError
    from ictgis.maps import check_tiles

    try:
        check_tiles(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--tiles") from None
    return value


@click.command("map", cls=Command)
@workspace_options()
@option("--indicator", type=click.Choice(INDICATORS), default="radius_km",
        show_default=True, help="cli.help.map.indicator")
@option("--scheme", type=click.Choice(SCHEMES), default="quantiles",
        show_default=True, help="cli.help.map.scheme")
@option("--tiles", default="none", show_default=True, callback=_tiles, metavar="none|osm|URL",
        help="cli.help.map.tiles")
def command(workspace: Path, out: Path | None, indicator: str, scheme: str, tiles: str,
            lang: str, strict: bool, quiet: bool) -> None:
    """$ ictgis map (its help: ``cli.help.map`` in the catalogue)."""
    console = Console(quiet)
    result = run_steps(workspace, out, ["maps"], console, strict=strict, lang=lang, options={
        "maps": {"indicator": indicator, "tiles": tiles, "scheme": scheme}})
    echo_maps(result.results["maps"], console)
    echo_written(console, result.outputs / outputs.MAPS)
    echo_rejects(result, console)


def layer_list(layers: Sequence[str]) -> str:
    """The layers of :func:`ictgis.maps.drawn_layers` named for the summary, communes left out.

    ``"zones, district outlines, ..., coverage 2G/4G"``; "communes only" when nothing else
    is drawn.
    """
    from ictgis.i18n import t

    techs = [key.removeprefix("coverage:") for key in layers if key.startswith("coverage:")]
    names = [t(f"cli.maps.{key}") for key in layers
             if key != "communes" and not key.startswith("coverage:")]
    if techs:
        names.append(t("cli.maps.coverage", techs="/".join(techs)))
    return ", ".join(names) or t("cli.maps.communes_only")


def echo_maps(maps: MapsResult, console: Console) -> None:
    """Say which pages and images were made and what they show."""
    from ictgis.i18n import number, t
    from ictgis.outputs import MAP_INDEX

    size = len(maps.pages[MAP_INDEX].encode()) / 1e6
    console.echo(t("cli.maps.summary_national" if maps.national else "cli.maps.summary",
                   index=MAP_INDEX, size=number(size, 1), shown=layer_list(maps.layers),
                   regions=len(maps.pages) - 1, images=", ".join(maps.images)))
