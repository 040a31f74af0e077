"""Step ``coverage``: best-server signal and the population covered -> ``OUT/coverage/``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.errors import DataError
from ictgis.i18n import t
from ictgis.steps import StepContext, output_title, readable, sheet_title

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from ictgis.config import CoverageConfig
    from ictgis.coverage import Grid
    from ictgis.workspace import Workspace

NAME = outputs.COVERAGE
NEEDS_BTS = True


@dataclass(frozen=True)
class CoverageStepResult:
    """Rasters per (operator, technology), coverage tables by level, uncovered areas."""

    layers: Mapping[tuple[str, str], np.ndarray]
    grid: Grid
    tables: Mapping[str, pd.DataFrame]
    gaps: pd.DataFrame
    communes: gpd.GeoDataFrame
    settings: CoverageConfig
    synthetic: bool
    title: str
    #: Model-range warnings raised while computing (each once).
    warnings: tuple[str, ...] = ()


def compute(ws: Workspace, ctx: StepContext, **_options: Any) -> CoverageStepResult:
    """Coverage rasters of every operator and technology, and the population they cover.

    Raises
    ------
    DataError
        When the workspace has no BTS layer, or the communes give no usable grid
        (:func:`ictgis.coverage.province_grid`).
    """
    import pandas as pd

    from ictgis import coverage, io

    settings = ws.config.coverage
    if ws.bts is None:
        msg = t("coverage.error.no_bts", file=ws.config.path.name)
        raise DataError(msg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", coverage.ModelRangeWarning)
        grid = coverage.province_grid(ws.communes, settings,
                                      file=ws.config.layers["communes"].label)
        rasters = {}
        for key, path, resampling in (("population", settings.population_raster, "sum"),
                                      ("landcover", settings.landcover_raster, "nearest")):
            if path:
                rasters[key] = io.read_raster_on_grid(
                    ws.config.root / path, grid.transform, grid.width, grid.height, grid.crs,
                    resampling=resampling)
        result = coverage.compute_coverage(ws.bts, ws.communes, settings,
                                           progress=ctx.progress, **rasters)
    tables = coverage.coverage_levels(ws.communes, result.covered)
    gaps = pd.concat([coverage.uncovered_areas(result.layers[("any", tech)], cfg,
                                               result.people, result.index, ws.communes,
                                               result.grid).assign(technology=tech)
                      for tech, cfg in settings.technologies.items()], ignore_index=True)
    if ws.config.synthetic:
        from ictgis.stats import SYNTHETIC

        for table in (*tables.values(), gaps):
            table["synthetic"] = SYNTHETIC
    layer = ws.communes[["code", "geometry"]].merge(tables["commune"], on="code")
    return CoverageStepResult(
        result.layers, result.grid, tables, gaps, layer, settings, ws.config.synthetic,
        output_title(ws.config), tuple(sorted({str(w.message) for w in caught})))


def write(result: CoverageStepResult, ctx: StepContext) -> list[Path]:
    """Write ``coverage/``: GeoTIFFs (on ``threads`` threads), tables, the commune layer.

    Zones, the province, headers and raster descriptions are written in ``ctx.lang``
    (:func:`ictgis.stats.display`).
    """
    from ictgis import coverage, io
    from ictgis.i18n import language
    from ictgis.stats import display

    settings, grid = result.settings, result.grid

    def write_one(item: tuple[tuple[str, str], np.ndarray], folder: Path) -> None:
        (operator, tech), array = item
        cfg = settings.technologies[tech]
        tags = coverage.raster_tags(tech, cfg, settings, operator, synthetic=result.synthetic)
        io.write_raster(folder / outputs.level_raster(operator, tech), array,
                        transform=grid.transform, crs=grid.crs, nodata=coverage.NODATA,
                        tags=tags)
        if operator == "any":
            io.write_raster(folder / outputs.class_raster(tech),
                            coverage.classify(array, cfg.classes_dbm), transform=grid.transform,
                            crs=grid.crs, nodata=0,
                            tags={**tags, "ictgis_layer": t("coverage.tag.class")})

    folder = ctx.outputs.folder(NAME)
    tables = result.tables
    with language(ctx.lang), io.staged_dir(folder) as tmp:
        # one file at a time (GDAL compresses each on every core): a writer thread that hits a
        # full disk inside GDAL can bring the whole process down
        for item in result.layers.items():
            write_one(item, tmp)
        shown = {name: display(table)
                 for name, table in {**tables, outputs.UNCOVERED_AREAS: result.gaps}.items()}
        # the CSVs and the GeoPackage whatever --format asks: later steps read them
        io.write_tables(tmp, shown, formats=(*io.READ_BACK_FORMATS, *ctx.formats),
                        layers={"communes": display(result.communes)}, name=NAME,
                        headers=coverage.headers({c for t in tables.values() for c in t}),
                        number_formats={c: "0.0" for c in tables["province"] if "pct" in c},
                        title=result.title, sheet_names={k: sheet_title(k) for k in shown},
                        readable=readable)
        written = sorted(tmp.iterdir())
    return [folder / p.name for p in written]
