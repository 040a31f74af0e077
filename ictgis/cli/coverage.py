"""$ ictgis coverage"""

from __future__ import annotations

import warnings
from pathlib import Path

import click
import pandas as pd

from ictgis.cli.main import Console, output_title, run_step
from ictgis.cli.options import format_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.errors import DataError
from ictgis.workspace import Workspace


def write_coverage(ws: Workspace, outputs: Path, formats: tuple[str, ...] | list[str],
                   console: Console) -> dict[str, pd.DataFrame]:
    """Compute coverage rasters and population coverage; write OUTPUTS/coverage/."""
    from concurrent.futures import ThreadPoolExecutor

    from ictgis import coverage, io

    settings = ws.config.coverage
    if ws.bts is None:
        msg = f"{ws.config.path.name}: coverage needs a BTS layer: set [layers.bts]"
        raise DataError(msg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", coverage.ModelRangeWarning)
        grid = coverage.province_grid(ws.communes, settings)
        rasters = {}
        for key, path, resampling in (("population", settings.population_raster, "sum"),
                                      ("landcover", settings.landcover_raster, "nearest")):
            if path:
                rasters[key] = io.read_raster_on_grid(
                    ws.config.root / path, grid.transform, grid.width, grid.height, grid.crs,
                    resampling=resampling)
        result = coverage.compute_coverage(ws.bts, ws.communes, settings,
                                           progress=console.progress(), **rasters)
    for message in sorted({str(w.message) for w in caught}):
        console.warn(f"warning: {message}")
    tables = coverage.coverage_levels(ws.communes, result.covered)
    gaps = pd.concat([coverage.uncovered_areas(result.layers[("any", tech)], cfg,
                                               result.people, result.index, ws.communes,
                                               result.grid).assign(technology=tech)
                      for tech, cfg in settings.technologies.items()], ignore_index=True)
    if ws.config.synthetic:
        for table in (*tables.values(), gaps):
            table["synthetic"] = "SYNTHETIC demo data"
    layer = ws.communes[["code", "geometry"]].merge(tables["commune"], on="code")
    title = output_title(ws)
    grid = result.grid

    def write_tif(item: tuple[tuple[str, str], object], folder: Path) -> None:
        (operator, tech), array = item
        cfg = settings.technologies[tech]
        tags = coverage.raster_tags(tech, cfg, settings, operator, synthetic=ws.config.synthetic)
        io.write_raster(folder / f"level_{operator.lower()}_{tech.lower()}.tif", array,
                        transform=grid.transform, crs=grid.crs, nodata=coverage.NODATA,
                        tags=tags)
        if operator == "any":
            io.write_raster(folder / f"class_any_{tech.lower()}.tif",
                            coverage.classify(array, cfg.classes_dbm), transform=grid.transform,
                            crs=grid.crs, nodata=0,
                            tags={**tags, "ictgis_layer": "signal class (1 = best)"})

    with io.staged_dir(outputs / "coverage") as tmp:
        with ThreadPoolExecutor(max_workers=settings.threads) as pool:
            list(pool.map(lambda item: write_tif(item, tmp), result.layers.items()))
        io.write_tables(tmp, {**tables, "uncovered_areas": gaps}, formats=formats,
                        layers={"communes": layer}, name="coverage",
                        headers=coverage.headers({c for t in tables.values() for c in t}),
                        number_formats={c: "0.0" for c in tables["province"] if "pct" in c},
                        title=title)
    console.echo(format_coverage(tables["province"], gaps, list(settings.technologies)))
    console.echo(f"written: {outputs / 'coverage'}")
    return tables


def format_coverage(province: pd.DataFrame, gaps: pd.DataFrame, techs: list[str]) -> str:
    """Population coverage by technology (any operator, and each operator) as text."""
    from ictgis.telecom import operator_name

    row = province.iloc[0]
    lines = ["population covered (%):"]
    for tech in techs:
        slug = tech.lower()
        ops = [c.removeprefix("pop_pct_").rsplit("_", 1)[0] for c in province.columns
               if c.startswith("pop_pct_") and c.endswith(f"_{slug}") and "any" not in c]
        each = ", ".join(f"{operator_name(op)} {row[f'pop_pct_{op}_{slug}']:.1f}" for op in ops)
        lines.append(f"  {tech}: any operator {row[f'pop_pct_any_{slug}']:.1f} ({each})")
    for tech in techs:
        top = gaps[gaps["technology"] == tech].head(3)
        if len(top):
            lines.append(f"  largest {tech} gaps: " + "; ".join(
                f"{r.commune_name} {r.population:,.0f} people" for r in top.itertuples()))
    return "\n".join(lines)


@click.command("coverage", short_help="Coverage rasters and the population they cover.")
@workspace_opt
@out_opt
@format_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], strict: bool,
            quiet: bool) -> None:
    """Model radio coverage of every operator and technology and the population covered.

    Writes OUT/coverage/: a best-server received-level GeoTIFF per operator and technology
    and for any operator, a classified signal raster per technology, population and area
    coverage at every level (CSV/XLSX/GeoPackage) and the largest uncovered populated areas.

    \b

    Examples
    --------
    ictgis coverage
    ictgis coverage -w ../tien_giang --format csv
    """
    run_step(workspace, out, quiet=quiet, strict=strict,
             write=lambda ws, outputs, console: write_coverage(ws, outputs, formats, console))
