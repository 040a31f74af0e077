"""$ ictgis stats"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import click
import pandas as pd

from ictgis.cli.main import Console, output_title, run_step
from ictgis.cli.options import format_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.workspace import Workspace


def write_stats(ws: Workspace, outputs: Path, formats: Sequence[str], console: Console
                ) -> dict[str, pd.DataFrame]:
    """Compute and write the statistics to ``OUTPUTS/stats``; print the summary."""
    from ictgis import io
    from ictgis.stats import NUMBER_FORMATS, compute_stats, headers, indicator_layers

    tables = compute_stats(ws)
    layers = indicator_layers(ws, tables)
    title = output_title(ws)
    with io.staged_dir(outputs / "stats") as tmp:
        columns = {c for table in tables.values() for c in table.columns}
        io.write_tables(tmp, tables, formats=formats, layers=layers, name="stats",
                        headers=headers(columns), number_formats=NUMBER_FORMATS, title=title)
    console.echo(title)
    console.echo(format_summary(tables))
    console.echo(f"written: {outputs / 'stats'}")
    return dict(tables)


def format_summary(tables: Mapping[str, pd.DataFrame]) -> str:
    """The province, its zones and its regions: S, P, N, R and Dp as a text table."""
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
    run_step(workspace, out, quiet=quiet, strict=strict,
             write=lambda ws, outputs, console: write_stats(ws, outputs, formats, console))
