"""Step ``coverage``: best-server signal and the population covered -> ``OUT/coverage/``."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.errors import DataError
from ictgis.i18n import t
from ictgis.steps import StepContext, our_warnings, output_title, readable, sheet_title

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from ictgis.config import CoverageConfig
    from ictgis.coverage import Grid
    from ictgis.coverage.calibration import Calibration
    from ictgis.coverage.terrain import Terrain
    from ictgis.workspace import Workspace

NAME = outputs.COVERAGE
NEEDS_BTS = True


@dataclass(frozen=True)
class CoverageStepResult:
    """Coverage tables by level, uncovered areas; the rasters already written (staged).

    The rasters are streamed to GeoTIFFs while the tiles are computed (no full-size layer is
    held): ``staged`` is the step's folder being built, which :func:`write` completes with
    the tables and puts in place.
    """

    grid: Grid
    tables: Mapping[str, pd.DataFrame]
    gaps: pd.DataFrame
    communes: gpd.GeoDataFrame
    settings: CoverageConfig
    synthetic: bool
    title: str
    #: Model-range warnings raised while computing (each once).
    warnings: tuple[str, ...] = ()
    #: The folder being built (rasters written) and what puts it in place or removes it.
    staged: Path | None = None
    stack: contextlib.ExitStack | None = None


def compute(ws: Workspace, ctx: StepContext, *, scheduler: str | None = None,
            **_options: Any) -> CoverageStepResult:
    """Coverage rasters of every operator and technology, and the population they cover.

    The tiles run on local threads, or on the dask.distributed cluster of ``scheduler``
    (default: ``[compute] scheduler``); each window of each raster is written into the
    step's staged folder as soon as its tile is done.

    Raises
    ------
    DataError
        When the workspace has no BTS layer, the communes give no usable grid
        (:func:`ictgis.coverage.province_grid`), or the scheduler cannot be used.
    """
    import pandas as pd

    from ictgis import coverage, io
    from ictgis.i18n import language

    settings = ws.config.coverage
    if ws.bts is None:
        msg = t("coverage.error.no_bts", file=ws.config.path.name)
        raise DataError(msg)
    stack = contextlib.ExitStack()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", coverage.ModelRangeWarning)
            grid = coverage.province_grid(ws.communes, settings,
                                          file=ws.config.layers["communes"].label)
            rasters = {key: ws.config.root / path
                       for key, path in (("population", settings.population_raster),
                                         ("landcover", settings.landcover_raster)) if path}
            for path in rasters.values():  # unreadable: one clear message before any tile
                io.read_raster_on_grid(path, grid.transform, 1, 1, grid.crs)
            terrain, calibration = model_inputs(ws, grid)
            dem = ws.config.layers.get("dem")
            if calibration is not None and (mismatch := calibration.terrain_mismatch(
                    dem.path if dem is not None else None)):
                warnings.warn(mismatch, UserWarning, stacklevel=1)
            staged = stack.enter_context(io.staged_dir(ctx.outputs.folder(NAME)))
            sink = _RasterSink(stack, staged, grid, ws, settings, ctx.lang, calibration)
            result = coverage.compute_coverage(
                ws.bts, ws.communes, settings, progress=ctx.progress, keep_layers=False,
                sink=sink, scheduler=scheduler or ws.config.compute.scheduler,
                population=rasters.get("population"), landcover=rasters.get("landcover"),
                terrain=terrain, calibration=calibration)
            with language(ctx.lang):
                sink.close()
    except BaseException:
        stack.__exit__(*sys.exc_info())  # the staged folder and its files removed
        raise
    tables = coverage.coverage_levels(ws.communes, result.covered)
    gaps = pd.concat([result.gaps[tech].assign(technology=tech)
                      for tech in settings.technologies], ignore_index=True)
    if ws.config.synthetic:
        from ictgis.stats import SYNTHETIC

        for table in (*tables.values(), gaps):
            table["synthetic"] = SYNTHETIC
    layer = ws.communes[["code", "geometry"]].merge(tables["commune"], on="code")
    return CoverageStepResult(
        result.grid, tables, gaps, layer, settings, ws.config.synthetic,
        output_title(ws.config), our_warnings(caught), staged, stack)


def model_inputs(ws: Workspace, grid: Grid | None = None
                 ) -> tuple[Terrain | None, Calibration | None]:
    """The DEM on the coverage grid and the calibration, as the coverage applies them.

    ``[layers.dem]`` read onto ``grid`` (default: the province grid;
    :func:`~ictgis.coverage.terrain.read_dem`) and ``calibration.toml`` beside ictgis.toml
    (:func:`~ictgis.coverage.calibration.load_calibration`); None where the workspace has
    none. The priorities step computes the candidates' coverage with the same.
    """
    from ictgis import coverage
    from ictgis.coverage.calibration import load_calibration

    settings = ws.config.coverage
    terrain = None
    if (dem := ws.config.layers.get("dem")) is not None:
        from ictgis.coverage.terrain import read_dem

        if grid is None:
            grid = coverage.province_grid(ws.communes, settings,
                                          file=ws.config.layers["communes"].label)
        terrain = read_dem(dem.path, grid, crs=dem.crs)
    return terrain, load_calibration(ws.config.root, settings)


class _RasterSink:
    """Writes each window of each layer into its GeoTIFF, on threads of its own.

    The level raster of every key, and for ``any`` the class raster, are opened at their
    first window with :func:`ictgis.io.raster_writer`. The windows are written in order by
    one writer thread (GDAL compresses without the interpreter lock, so the tiles go on
    being computed meanwhile; at most :data:`QUEUED` windows wait), and the layers of a
    technology are finished (read back, overviews) by two more threads as soon as the
    windows of the next technology arrive (:func:`ictgis.coverage.compute_coverage` gives
    them technology by technology); :meth:`close` finishes the rest and waits for all.
    On an error, what was not finished is removed (its temporary file) once every thread
    has stopped.
    """

    #: Windows waiting for the writer thread at most (each about tile_px² × 4 bytes).
    QUEUED = 16

    def __init__(self, stack: contextlib.ExitStack, folder: Path, grid: Grid, ws: Workspace,
                 settings: CoverageConfig, lang: str, calibration: Calibration | None = None
                 ) -> None:
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        self.folder, self.grid, self.settings, self.lang = folder, grid, settings, lang
        self.calibration = calibration
        self.synthetic = ws.config.synthetic
        dem = ws.config.layers.get("dem")
        self.dem = dem.path.name if dem is not None else None
        self.tags: dict[tuple[str, str], tuple[dict, dict]] = {}
        self.open: dict[tuple[str, str], list[Any]] = {}  # key -> [(context, write)...]
        self.tech: str | None = None
        self.queued: deque[Any] = deque()
        self.finishing: list[Any] = []
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="ictgis-raster-write")
        self.finisher = ThreadPoolExecutor(2, thread_name_prefix="ictgis-raster-finish")
        # on an error: the threads stopped, then the unfinished files removed (before the
        # folder is)
        stack.push(self._abort)

    def __call__(self, key: tuple[str, str], window: tuple[int, int, int, int],
                 level: np.ndarray) -> None:
        operator, tech = key
        if self.tech is not None and tech != self.tech:
            self._finish(self.tech)
        self.tech = tech
        if key not in self.tags:
            self.tags[key] = self._tags(key)
        self.queued.append(self.writer.submit(self._write, key, window, level, self.tags[key]))
        while len(self.queued) > self.QUEUED:
            self.queued.popleft().result()  # a failed write stops the run here

    def _tags(self, key: tuple[str, str]) -> tuple[dict, dict]:
        """The tags of a key's level raster and class raster (in the output's language)."""
        from ictgis import coverage
        from ictgis.coverage.calibration import no_calibration_tags
        from ictgis.i18n import language

        operator, tech = key
        cfg = self.settings.technologies[tech]
        with language(self.lang):
            tags = coverage.raster_tags(tech, cfg, self.settings, operator,
                                        synthetic=self.synthetic)
            if self.dem:  # the DEM's checksum is in the manifest's inputs
                tags = {**tags, "ictgis_terrain": t("coverage.tag.terrain", file=self.dem)}
            tags = {**tags, **(self.calibration.tags(tech) if self.calibration is not None
                               else no_calibration_tags())}
            return tags, {**tags, "ictgis_layer": t("coverage.tag.class")}

    def _write(self, key: tuple[str, str], window: tuple[int, int, int, int],
               level: np.ndarray, tags: tuple[dict, dict]) -> None:
        """On the writer thread: a window of a key's rasters (opened at the first)."""
        import rasterio

        from ictgis import coverage, io

        operator, tech = key
        if key not in self.open:
            level_tags, class_tags = tags
            shape = {"width": self.grid.width, "height": self.grid.height,
                     "transform": self.grid.transform, "crs": self.grid.crs}
            files = [(outputs.level_raster(operator, tech), "float32", coverage.NODATA,
                      level_tags)]
            if operator == "any":
                files.append((outputs.class_raster(tech), "uint8", 0, class_tags))
            self.open[key] = []
            for name, dtype, nodata, file_tags in files:
                context = io.raster_writer(self.folder / name, dtype=dtype, nodata=nodata,
                                           tags=file_tags, **shape)
                # opened inside a GDAL environment of this call, so that the dataset owns
                # none: it is closed on a finishing thread (rasterio's environments are
                # per thread)
                with rasterio.Env():
                    self.open[key].append((context, context.__enter__()))
        writers = self.open[key]
        writers[0][1](window, level)
        if len(writers) > 1:
            cfg = self.settings.technologies[tech]
            writers[1][1](window, coverage.classify(level, cfg.classes_dbm))

    def _finish(self, tech: str | None) -> None:
        """Finish the rasters of ``tech`` (None: all) on the finishing threads."""
        last = self.writer.submit(lambda: None)  # after every window queued so far
        for key in [k for k in self.tags if tech is None or k[1] == tech]:
            self.finishing.append(self.finisher.submit(self._finish_key, key, last))
            del self.tags[key]

    def _finish_key(self, key: tuple[str, str], last: Any) -> None:
        last.result()
        for context, _ in self.open.pop(key, []):
            context.__exit__(None, None, None)

    def close(self) -> None:
        """Finish every raster (read back, overviews) and put each in place in the folder."""
        self._finish(None)
        while self.queued:
            self.queued.popleft().result()
        for future in self.finishing:
            future.result()
        self.writer.shutdown()
        self.finisher.shutdown()

    def _abort(self, *exc: Any) -> None:
        """After an error: stop the threads, remove every file not finished."""
        self.writer.shutdown(cancel_futures=True)
        self.finisher.shutdown(cancel_futures=True)  # waits for the running ones
        for writers in self.open.values():
            for context, _ in writers:
                with contextlib.suppress(Exception):
                    context.__exit__(RuntimeError, RuntimeError(), None)
        self.open.clear()


def write(result: CoverageStepResult, ctx: StepContext) -> list[Path]:
    """Complete ``coverage/`` (rasters already written): tables, the commune layer.

    Zones, the province, headers and raster descriptions are written in ``ctx.lang``
    (:func:`ictgis.stats.display`); the folder replaces the previous one as a whole.
    """
    from ictgis import coverage, io
    from ictgis.i18n import language
    from ictgis.stats import display

    folder = ctx.outputs.folder(NAME)
    tables = result.tables
    assert result.staged is not None and result.stack is not None
    tmp = result.staged
    try:
        with language(ctx.lang):
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
    except BaseException:
        result.stack.__exit__(*sys.exc_info())
        raise
    result.stack.close()  # the staged folder replaces coverage/
    return [folder / p.name for p in written]
