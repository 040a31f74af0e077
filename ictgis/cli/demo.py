"""$ ictgis demo"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console
from ictgis.cli.options import lang_opt, quiet_opt


@click.command("demo", short_help="Write the synthetic demo province or country to a folder.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Random seed [default: the demo's own].")
@click.option("--force", is_flag=True, help="Overwrite an existing workspace in DIRECTORY.")
@click.option("--scale", type=click.Choice(["province", "national"]), default="province",
              show_default=True,
              help="national: the whole country (34 provinces and ~3,321 communes, or 63 and "
                   "~10,035 with --era legacy; ~100,000 BTS, ~15,000 postal points, a plan, "
                   "subscribers, coverage at 100 m).")
@click.option("--era", type=click.Choice(["legacy", "2025", "2018"]), default=None,
              help="2025: after the reform (two tiers, merged units; for a province, a "
                   "crosswalk and the legacy era in DIRECTORY/before_2025). 2018 is legacy. "
                   "[default: legacy for a province, 2025 for the country]")
@click.option("--factor", type=click.FloatRange(min=0.001, max=1.0), default=1.0,
              show_default=True,
              help="National scale: every count times this (0.05 for a quick try).")
@lang_opt
@quiet_opt
def command(directory: Path, seed: int | None, force: bool, scale: str, era: str | None,
            factor: float, lang: str, quiet: bool) -> None:
    """Write a SYNTHETIC demo province with Tiền Giang's structure, or the country, into DIRECTORY.

    The province: 172 communes in the 11 real districts and 3 economic regions, postal
    points, ~2,000 BTS sites and a subscribers table. The country (--scale national): the
    real provinces of the era (34 since July 2025; 63 with --era legacy) over a coarse
    outline of Vietnam, made-up communes, masts, postal points, plan and subscribers;
    macro-regions are the six socio-economic regions.
    Every file is labelled synthetic. Then run `ictgis run -w DIRECTORY`.

    \b
    Examples
    --------
    ictgis demo /tmp/demo && ictgis run -w /tmp/demo
    ictgis demo /tmp/d25 --era 2025 && ictgis run -w /tmp/d25/before_2025 && ictgis run -w /tmp/d25
    ictgis demo /tmp/vn --scale national && ictgis run -w /tmp/vn
    """
    from ictgis import demo, io
    from ictgis.i18n import number, t

    if (directory / "ictgis.toml").exists() and not force:
        msg = t("cli.demo_exists", path=directory / "ictgis.toml")
        raise click.UsageError(msg)
    console = Console(quiet)
    if era is None:
        era = "2025" if scale == "national" else "legacy"
    era = "legacy" if era == "2018" else era
    if scale == "national":
        from ictgis.demo import national

        size = national.Scale(communes=national.ERA_COMMUNES[era]).times(factor)
        console.echo(t("cli.demo_national_building", era=era,
                       provinces=len(national.vietnam(era).provinces),
                       communes=number(size.communes, 0), bts=number(size.bts, 0)))
        nat = national.national_workspace(directory, seed=demo.DEMO_SEED if seed is None else seed,
                                          era=era, factor=factor)
        console.echo(t("cli.demo_national_written", path=directory,
                       communes=number(len(nat.communes), 0),
                       provinces=nat.communes["province"].nunique(),
                       bts=number(len(nat.sites), 0),
                       posts=number(0 if nat.posts is None else len(nat.posts), 0)))
        return
    province = demo.make_demo(demo.DEMO_SEED if seed is None else seed)
    if era == "2025":
        from ictgis.demo.era2025 import workspace_files_2025

        files = workspace_files_2025(province)
    else:
        files = demo.workspace_files(province)
    io.write_workspace_files(directory, files)
    if era != "2025":  # the SYNTHETIC elevation model that [layers.dem] can read
        from ictgis.demo.dem import DEM_PATH, make_dem, write_dem

        write_dem(directory / DEM_PATH,
                  make_dem(province.communes, demo.DEMO_SEED if seed is None else seed))
    console.echo(t("cli.demo_written", path=directory))
