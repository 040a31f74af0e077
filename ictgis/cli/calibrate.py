"""$ ictgis calibrate"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import workspace_options

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


@click.command("calibrate", short_help="Fit the coverage model to drive-test measurements.")
@workspace_options(formats=False)
@click.option("--measurements", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FILE",
              help="Measurements (CSV/XLSX/GPKG; columns mapped by [layers.measurements]) "
                   "[default: the file of [layers.measurements]].")
@click.option("--slope", is_flag=True,
              help="Also fit a slope per decade of distance (reported, not applied).")
@click.option("--dry-run", is_flag=True,
              help="Write the comparison in OUT/calibration/ but leave calibration.toml as it is.")
def command(workspace: Path, out: Path | None, lang: str, strict: bool, quiet: bool,
            measurements: Path | None, slope: bool, dry_run: bool) -> None:
    """Compare drive-test measurements with the coverage model and fit offsets.

    Each measurement (position, operator, technology, received level in dBm; optionally the
    site that served it) is matched to the level the uncalibrated model predicts there:
    the best server of that operator and technology, or the named site. Per technology and
    environment class the error is fitted by robust least squares to an offset, with its
    99 % confidence interval. The offsets are written to calibration.toml beside
    ictgis.toml, which `ictgis coverage` applies from then on; OUT/calibration/ gets the
    table, every matched measurement and two plots, OUT/rejects/ the rows not used.

    \b
    Examples
    --------
    ictgis calibrate --measurements do_kiem/viettel_2024.csv
    ictgis calibrate --slope --dry-run
    """
    console = Console(quiet)
    options = {"measurements": measurements, "slope": slope, "apply": not dry_run,
               "required": True, "strict": strict}
    result = run_steps(workspace, out, ["calibration"], console, strict=strict, lang=lang,
                       options={"calibration": options})
    fit = result.results["calibration"]
    from ictgis.i18n import t

    for message in fit.warnings:
        console.warn(t("cli.warning", message=message))
    console.echo(format_fit(fit.table, applied=None if dry_run else str(fit.calibration_toml)))
    echo_written(console, result.outputs / outputs.CALIBRATION)
    if fit.rejected is not None and len(fit.rejected):
        console.echo(t("coverage.calibration.cli.rejected", n=len(fit.rejected),
                       path=result.outputs / outputs.REJECTS / outputs.rejected_rows_csv(
                           "measurements")))
    echo_rejects(result, console)
