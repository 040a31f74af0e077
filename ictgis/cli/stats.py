"""$ ictgis stats"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import click
import pandas as pd

from ictgis.cli.main import Console, load_checked, output_dir, save_rejects
from ictgis.cli.options import format_opt, out_opt, quiet_opt, strict_opt, workspace_opt


def run_stats(workspace: Path, out: Path | None, formats: Sequence[str], console: Console,
              *, strict: bool = False) -> dict[str, pd.DataFrame]:
    """Load, compute and write the statistics; print the summary. Returns the tables."""
    from ictgis import io
    from ictgis.stats import NUMBER_FORMATS, compute_stats, headers, indicator_layers

    ws = load_checked(workspace, console, strict=strict)
    tables = compute_stats(ws)
    layers = indicator_layers(ws, tables)
    outputs = output_dir(workspace, out)
    title = (f"{ws.config.province} — SYNTHETIC DATA (ictgis demo), not real figures"
             if ws.config.synthetic else ws.config.province)
    with io.staged_dir(outputs / "stats") as tmp:
        columns = {c for table in tables.values() for c in table.columns}
        io.write_tables(tmp, tables, formats=formats, layers=layers, name="stats",
                        headers=headers(columns), number_formats=NUMBER_FORMATS, title=title)
    save_rejects(ws, outputs)
    console.echo(title)
    console.echo(format_summary(tables))
    rejected = int((ws.problems["severity"] == "rejected").sum())
    console.echo(f"written: {outputs / 'stats'}"
                 + (f"; {rejected} rejected rows in {outputs / 'rejects'}" if rejected else ""))
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
    run_stats(workspace, out, formats, Console(quiet), strict=strict)
