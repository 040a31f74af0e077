"""$ ictgis demo"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console
from ictgis.cli.options import Command, lang_opt, option, quiet_opt


@click.command("demo", cls=Command)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@option("--seed", type=int, default=None, help="cli.help.demo.seed")
@option("--force", is_flag=True, help="cli.help.demo.force")
@option("--scale", type=click.Choice(["province", "national"]), default="province",
        show_default=True,
        help="cli.help.demo.scale")
@option("--era", type=click.Choice(["legacy", "2025", "2018"]), default=None,
        help="cli.help.demo.era")
@option("--factor", type=click.FloatRange(min=0.001, max=1.0), default=1.0,
        show_default=True,
        help="cli.help.demo.factor")
@lang_opt
@quiet_opt
def command(directory: Path, seed: int | None, force: bool, scale: str, era: str | None,
            factor: float, lang: str, quiet: bool) -> None:
    """$ ictgis demo (its help: ``cli.help.demo`` in the catalogue)."""
    from ictgis import demo, io
    from ictgis.i18n import number, t

    if (directory / "ictgis.toml").exists() and not force:
        msg = t("cli.demo_exists", path=directory / "ictgis.toml")
        raise click.UsageError(msg)
    console = Console(quiet)
    seed = demo.DEMO_SEED if seed is None else seed
    if era is None:
        era = "2025" if scale == "national" else "legacy"
    era = "legacy" if era == "2018" else era
    if scale == "national":
        from ictgis.demo import national

        size = national.Scale(communes=national.ERA_COMMUNES[era]).times(factor)
        console.echo(t("cli.demo_national_building", era=era,
                       provinces=number(len(national.vietnam(era).provinces), 0),
                       communes=number(size.communes, 0), bts=number(size.bts, 0)))
        nat = national.national_workspace(directory, seed=seed, era=era, factor=factor)
        console.echo(t("cli.demo_national_written", path=directory,
                       communes=number(len(nat.communes), 0),
                       provinces=number(nat.communes["province"].nunique(), 0),
                       bts=number(len(nat.sites), 0),
                       posts=number(0 if nat.posts is None else len(nat.posts), 0)))
        return
    province = demo.make_demo(seed)
    if era == "2025":
        from ictgis.demo.era2025 import workspace_files_2025

        files = workspace_files_2025(province)
    else:
        files = demo.workspace_files(province)
    io.write_workspace_files(directory, files)
    if era != "2025":  # the SYNTHETIC elevation model that [layers.dem] can read
        from ictgis.demo.dem import DEM_PATH, make_dem, write_dem

        write_dem(directory / DEM_PATH, make_dem(province.communes, seed))
    console.echo(t("cli.demo_written", path=directory))
