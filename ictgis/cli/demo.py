"""$ ictgis demo"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console
from ictgis.cli.options import lang_opt, quiet_opt


@click.command("demo", short_help="Write the synthetic demo province to a folder.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Random seed [default: the demo's own].")
@click.option("--force", is_flag=True, help="Overwrite an existing workspace in DIRECTORY.")
@click.option("--era", type=click.Choice(["2018", "2025"]), default="2018", show_default=True,
              help="2025: the province after the reform (two tiers, merged communes, a "
                   "crosswalk), with the 2018 era in DIRECTORY/before_2025.")
@lang_opt
@quiet_opt
def command(directory: Path, seed: int | None, force: bool, era: str, lang: str,
            quiet: bool) -> None:
    """Write a SYNTHETIC demo province with Tiền Giang's structure into DIRECTORY.

    172 communes in the 11 real districts and 3 economic regions, postal points, ~2,000 BTS
    sites and a subscribers table; every file is labelled synthetic. Then run
    `ictgis run -w DIRECTORY`.

    \b
    Examples
    --------
    ictgis demo /tmp/demo && ictgis run -w /tmp/demo
    ictgis demo /tmp/d25 --era 2025 && ictgis run -w /tmp/d25/before_2025 && ictgis run -w /tmp/d25
    """
    from ictgis import demo, io
    from ictgis.i18n import t

    if (directory / "ictgis.toml").exists() and not force:
        msg = t("cli.demo_exists", path=directory / "ictgis.toml")
        raise click.UsageError(msg)
    province = demo.make_demo(demo.DEMO_SEED if seed is None else seed)
    if era == "2025":
        from ictgis.demo.era2025 import workspace_files_2025

        files = workspace_files_2025(province)
    else:
        files = demo.workspace_files(province)
    io.write_workspace_files(directory, files)
    Console(quiet).echo(t("cli.demo_written", path=directory))
