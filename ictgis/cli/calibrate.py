"""$ ictgis calibrate"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import Command, option, workspace_options

if TYPE_CHECKING:
    import pandas as pd


def format_fit(table: pd.DataFrame, *, applied: str | None) -> str:
    """The fit per technology × environment as text; where the offsets were written."""
    from ictgis.i18n import labels, number, t

    names = labels("coverage.calibration.environment")
    lines = [t("coverage.calibration.cli.title")]
    for r in table.itertuples():
        where = names.get(r.environment, r.environment)
        if r.offset_db != r.offset_db:  # NaN: too few measurements
            lines.append(t("coverage.calibration.cli.too_few", tech=r.technology,
                           environment=where, n=number(r.n, 0)))
            continue
        lines.append(t("coverage.calibration.cli.row", tech=r.technology, environment=where,
                       n=number(r.n, 0), offset=number(r.offset_db, 1),
                       low=number(r.ci_low_db, 1), high=number(r.ci_high_db, 1),
                       before=number(r.rmse_before_db, 1), after=number(r.rmse_after_db, 1),
                       sigma=number(r.std_after_db, 1)))
        slope = getattr(r, "slope_db_per_decade", None)
        if slope is not None and slope == slope:
            lines.append(t("coverage.calibration.cli.slope", slope=number(slope, 1),
                           low=number(r.slope_ci_low, 1), high=number(r.slope_ci_high, 1)))
    lines.append(t("coverage.calibration.cli.applied", path=applied) if applied
                 else t("coverage.calibration.cli.not_applied"))
    return "\n".join(lines)


@click.command("calibrate", cls=Command)
@workspace_options(formats=False)
@option("--measurements", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, metavar="FILE",
        help="cli.help.calibrate.measurements")
@option("--slope", is_flag=True,
        help="cli.help.calibrate.slope")
@option("--dry-run", is_flag=True,
        help="cli.help.calibrate.dry_run")
def command(workspace: Path, out: Path | None, lang: str, strict: bool, quiet: bool,
            measurements: Path | None, slope: bool, dry_run: bool) -> None:
    """$ ictgis calibrate (its help: ``cli.help.calibrate`` in the catalogue)."""
    console = Console(quiet)
    options = {"measurements": measurements, "slope": slope, "apply": not dry_run,
               "required": True, "strict": strict}
    result = run_steps(workspace, out, ["calibration"], console, strict=strict, lang=lang,
                       options={"calibration": options})
    fit = result.results["calibration"]
    from ictgis.i18n import number, t

    for message in fit.warnings:
        console.warn(t("cli.warning", message=message))
    console.echo(format_fit(fit.table, applied=None if dry_run else str(fit.calibration_toml)))
    echo_written(console, result.outputs / outputs.CALIBRATION)
    if fit.rejected is not None and len(fit.rejected):
        console.echo(t("coverage.calibration.cli.rejected", n=number(len(fit.rejected), 0),
                       path=result.outputs / outputs.REJECTS / outputs.rejected_rows_csv(
                           "measurements")))
    echo_rejects(result, console)
