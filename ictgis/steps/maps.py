"""Step ``maps``: offline HTML maps of the province and its regions, static PNGs -> ``OUT/maps/``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.steps import StepContext

if TYPE_CHECKING:
    import pandas as pd

    from ictgis.workspace import Workspace

NAME = outputs.MAPS
NEEDS_BTS = False
#: Indicators of the choropleth and classification schemes (as in :mod:`ictgis.maps`; kept
#: here so that ``--help`` does not import folium).
INDICATORS = ("radius_km", "pop_per_point", "masts_per_100km2", "pop_pct_any_2g",
              "pop_pct_any_3g", "pop_pct_any_4g")
SCHEMES = ("quantiles", "natural_breaks")


@dataclass(frozen=True)
class MapsResult:
    """The pages (file name -> HTML), the static maps (file name -> PNG), what they show."""

    pages: Mapping[str, str]
    images: Mapping[str, bytes]
    #: The layers drawn (:func:`ictgis.maps.drawn_layers`): on ``index.html`` of a province;
    #: on the province pages of a national workspace.
    layers: tuple[str, ...]
    #: Whether the pages are those of a national workspace (one per province).
    national: bool = False


def map_inputs(ws: Workspace, found: outputs.Outputs) -> dict[str, Any]:
    """The results of earlier steps in ``found``, as arguments of ``maps.map_data``.

    Statistics are computed when ``stats.gpkg`` is absent (they are instant); siting findings
    and coverage are left out when their step has not run.
    """
    from ictgis import maps
    from ictgis.stats import compute_stats

    stats = found.stats_communes()
    computed = None
    if stats is None:
        computed = compute_stats(ws)
        stats = computed["commune"]
    technologies = ws.config.coverage.technologies
    rasters = {tech: maps.CoverageRaster(classes, transform, crs, technologies[tech].classes_dbm,
                                         technologies[tech].threshold_dbm
                                         + technologies[tech].margin_db)
               for tech, (classes, transform, crs) in found.class_rasters(technologies).items()}
    return {"stats": stats, "coverage": found.coverage_communes(),
            "findings": found.findings("findings"), "links": found.findings("links"),
            "rasters": rasters, "priorities": found.layer(outputs.PRIORITIES, "ranking"),
            "provinces": province_table(ws, found, computed)}


def province_table(ws: Workspace, found: outputs.Outputs,
                   computed: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame | None:
    """Indicators by province (statistics and coverage) of a national workspace, else None.

    From the ``province`` tables of earlier steps; the statistics are ``computed`` (or
    computed here) when absent.
    """
    from ictgis.maps import data
    from ictgis.stats import compute_stats

    if not data.national(ws.communes):
        return None
    tables = found.tables()
    stats = tables.get("stats", {}).get("province")
    if stats is None:
        stats = (computed or compute_stats(ws))["province"]
    coverage = tables.get(outputs.COVERAGE, {}).get("province")
    if coverage is not None:
        columns = [c for c in coverage.columns if str(c).startswith("pop_pct_any_")]
        stats = stats.merge(coverage[["province", *columns]], on="province", how="left")
    return stats


def compute(ws: Workspace, ctx: StepContext, *, indicator: str = "radius_km",
            tiles: str = "none", scheme: str = "quantiles", **_options: Any) -> MapsResult:
    """Build the map pages and static maps from the workspace and earlier results.

    Every label is in ``ctx.lang``; siting findings and coverage are shown when
    ``ctx.outputs`` holds them.
    """
    from ictgis import maps

    data = maps.map_data(ws, **map_inputs(ws, ctx.outputs))
    pages = maps.map_pages(data, indicator=indicator, scheme=scheme, tiles=tiles, lang=ctx.lang,
                           progress=ctx.progress)
    images = maps.static_maps(data, indicator=indicator, scheme=scheme, lang=ctx.lang)
    return MapsResult(pages, images, tuple(maps.drawn_layers(data)),
                      national=data.provinces is not None)


def write(result: MapsResult, ctx: StepContext) -> list[Path]:
    """Write ``maps/``: the pages and the PNGs."""
    from ictgis import io

    folder = ctx.outputs.folder(NAME)
    with io.staged_dir(folder) as tmp:
        for name, text in result.pages.items():
            io.write_text(tmp / name, text)
        for name, png in result.images.items():
            io.write_bytes(tmp / name, png)
    return [folder / name for name in (*result.pages, *result.images)]
