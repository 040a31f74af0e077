"""$ ictgis stats"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis.cli.main import Console, echo_rejects, run_steps
from ictgis.cli.options import format_opt, out_opt, quiet_opt, strict_opt, workspace_opt

if TYPE_CHECKING:
    import pandas as pd


def format_summary(tables: Mapping[str, pd.DataFrame]) -> str:
    """The province, its zones and its regions: S, P, N, R and Dp as a text table."""
    import pandas as pd

    rows = [("Toàn tỉnh", tables["province"].iloc[0])]
    for level, key in (("zone", "zone"), ("region", "region")):
        if level in tables:
            rows += [(str(r[key]), r) for _, r in tables[level].iterrows()]
    lines = [f"{'':<18}{'S km²':>10}{'P':>11}{'N':>6}{'R km':>7}{'Dp':>8}"]
    for label, r in rows:
        radius = f"{r['radius_km']:.2f}" if pd.notna(r["radius_km"]) else "–"
        per = f"{r['pop_per_point']:,.0f}" if pd.notna(r["pop_per_point"]) else "–"
        lines.append(f"{label:<18}{r['area_km2']:>10,.1f}{r['population']:>11,.0f}"
                     f"{r['n_points']:>6}{radius:>7}{per:>8}")
    return "\n".join(lines)


@click.command("stats", short_help="Postal and telecom indicators at every level.")
@workspace_opt
@out_opt
@format_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], strict: bool,
            quiet: bool) -> None:
    """Compute postal and telecom indicators at every level and write them to OUT/stats/.

    Levels: commune, district, urban/rural zone, region, region x zone and province.

    R = sqrt(S / (pi N)) km per point and Dp = P / N people per point are recomputed from
    the sums at every level, with S, P and N beside them.

    \b
    Examples
    --------
    ictgis stats
    ictgis stats -w ../tien_giang --format csv,geojson
    """
    console = Console(quiet)
    result = run_steps(workspace, out, ["stats"], console, strict=strict, formats=formats)
    stats = result.results["stats"]
    console.echo(stats.title)
    console.echo(format_summary(stats.tables))
    console.echo(f"written: {result.outputs / 'stats'}")
    echo_rejects(result, console)
