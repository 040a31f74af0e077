"""$ ictgis map"""

from __future__ import annotations

from pathlib import Path

import click

from ictgis.cli.main import Console, run_step
from ictgis.cli.options import lang_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.workspace import Workspace

#: Indicators and classification schemes, as in :mod:`ictgis.maps` (kept here so that
#: ``--help`` does not import folium).
INDICATOR_CHOICES = ("radius_km", "pop_per_point", "masts_per_100km2", "pop_pct_any_2g",
                     "pop_pct_any_3g", "pop_pct_any_4g")
SCHEME_CHOICES = ("quantiles", "natural_breaks")


def read_results(ws: Workspace, outputs: Path) -> dict:
    """The results of earlier steps found in OUTPUTS, as arguments of ``maps.map_data``.

    Statistics are computed when ``stats.gpkg`` is absent (they are instant); siting findings
    and coverage are left out when their step has not run.
    """
    from ictgis import io, maps
    from ictgis.stats import compute_stats

    stats = io.read_output_layer(outputs / "stats" / "stats.gpkg", "communes")
    if stats is None:
        stats = compute_stats(ws)["commune"]
    findings = io.read_output_layer(outputs / "siting" / "findings.gpkg", "findings")
    links = io.read_output_layer(outputs / "siting" / "findings.gpkg", "links")
    rasters = {}
    for tech, cfg in ws.config.coverage.technologies.items():
        path = outputs / "coverage" / f"class_any_{tech.lower()}.tif"
        if path.is_file():
            classes, transform, crs = io.read_raster(path)
            rasters[tech] = maps.CoverageRaster(classes, transform, crs, cfg.classes_dbm,
                                                cfg.threshold_dbm + cfg.margin_db)
    return {"stats": stats,
            "coverage": io.read_output_layer(outputs / "coverage" / "coverage.gpkg", "communes"),
            "findings": findings, "links": links, "rasters": rasters}


def write_maps(ws: Workspace, outputs: Path, console: Console, *, indicator: str = "radius_km",
               tiles: str = "none", scheme: str = "quantiles", lang: str = "vi") -> list[Path]:
    """Write OUTPUTS/maps/: index.html, one map per region, static PNG maps.

    The layers of earlier steps (siting findings, coverage) are shown when OUTPUTS holds them.
    Every label is in ``lang`` (``vi``, default, or ``en``; ``ictgis.maps.LABELS``).
    """
    from ictgis import io, maps

    data = maps.map_data(ws, **read_results(ws, outputs))
    pages = maps.map_pages(data, indicator=indicator, scheme=scheme, tiles=tiles, lang=lang,
                           progress=console.progress())
    images = maps.static_maps(data, scheme=scheme, lang=lang)
    with io.staged_dir(outputs / "maps") as tmp:
        for name, text in pages.items():
            io.write_text(tmp / name, text)
        for name, png in images.items():
            io.write_bytes(tmp / name, png)
    folder = outputs / "maps"
    shown = [label for label, present in (
        ("BTS", data.bts is not None), ("siting findings", data.findings is not None),
        ("coverage " + "/".join(data.coverage), bool(data.coverage))) if present]
    size = len(pages["index.html"].encode()) / 1e6
    console.echo(f"maps: index.html ({size:.1f} MB; {', '.join(shown) or 'communes only'}), "
                 f"{len(pages) - 1} region maps, {', '.join(images)}")
    console.echo(f"written: {folder}")
    return [folder / name for name in (*pages, *images)]


def _tiles(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from ictgis.errors import ConfigError
    from ictgis.maps import check_tiles

    try:
        check_tiles(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--tiles") from None
    return value


@click.command("map", short_help="Offline HTML maps and static PNG maps.")
@workspace_opt
@out_opt
@click.option("--indicator", type=click.Choice(INDICATOR_CHOICES), default="radius_km",
              show_default=True, help="Commune indicator of the choropleth.")
@click.option("--scheme", type=click.Choice(SCHEME_CHOICES), default="quantiles",
              show_default=True, help="Classes of the choropleth.")
@click.option("--tiles", default="none", show_default=True, callback=_tiles, metavar="none|osm|URL",
              help="Base tiles: none (works with no network), osm, or a {z}/{x}/{y} URL.")
@lang_opt
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, indicator: str, scheme: str, tiles: str,
            lang: str, strict: bool, quiet: bool) -> None:
    """Write interactive maps of the province and of each region, and static PNG maps.

    OUT/maps/index.html (the province) and region_<name>.html: a choropleth of the indicator,
    district and region outlines, postal points by type, BTS sites by operator (clustered,
    with popups), plan zones, planned sites, and, once `ictgis siting` and `ictgis coverage`
    have run, siting findings and coverage overlays. Every layer can be switched on and off.
    The pages need no network: every script is inlined.

    static_radius.png and static_coverage.png are choropleths for reports.

    Labels, legends and popups are in Vietnamese, or in English with --lang en; names and
    other values from the input files are shown as they are.

    \b
    Examples
    --------
    ictgis map
    ictgis map --indicator pop_pct_any_4g --scheme natural_breaks
    ictgis map --tiles osm
    ictgis map --lang en
    """
    run_step(workspace, out, quiet=quiet, strict=strict,
             write=lambda ws, outputs, console: write_maps(
                 ws, outputs, console, indicator=indicator, tiles=tiles, scheme=scheme,
                 lang=lang))
