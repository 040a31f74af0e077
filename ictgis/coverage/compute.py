"""One coverage run: every operator and technology, tile by tile, streamed, reduced to people.

A run never holds a full-size layer. Each tile is a task (:class:`TileTask`) that carries all
it needs — its window, the communes that meet it, the transmitters that reach it, the small
per-commune tables — and returns its levels, its per-commune sums and its uncovered patches
(:class:`TileResult`). The tasks run on local threads or, given a scheduler, on a
dask.distributed cluster (:mod:`ictgis.coverage.cluster`); either way their results are
taken in tile order, so that every sum is added in the same order and a cluster run is
identical to a local one bit for bit. The levels go to a *sink* (the step writes each window
into its GeoTIFF) and are dropped.

Memory: at most ``2 × workers`` tile results are alive at once, each about
``(operators + 1) × tile_px² × 4`` bytes of levels plus ``tile_px² × 30`` bytes of working
arrays per worker, besides the kernels (``KernelCache``), the per-commune tables and at most
:data:`BURNT_BYTES` of rasterised communes kept from the first pass for the tiles.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig
from ictgis.coverage.calibration import Calibration
from ictgis.coverage.grid import EMPTY, NODATA, Grid, Window, province_grid
from ictgis.coverage.kernels import (
    KernelCache,
    KernelList,
    Transmitters,
    environment_tile,
    operator_transmitters,
    reduce_tile,
    stamp_tile,
)
from ictgis.coverage.population import (
    Overrides,
    burnable,
    environment_codes,
    local_index,
    people_tile,
    pixel_environment,
    population_scale,
    raster_weights,
    rasterize_window,
    shapes_in,
    small_communes,
    tiles_with_communes,
)
from ictgis.coverage.summaries import GapMerger, GapTile, gap_tile
from ictgis.coverage.terrain import Terrain
from ictgis.i18n import current, language, t

logger = logging.getLogger(__name__)

Key = tuple[str, str]
#: Receives each window of each layer as it is computed: ``sink(key, window, level)``; the
#: windows come technology by technology (once one of another technology comes, the layers
#: of the earlier one are complete), in tile order within each.
Sink = Callable[[Key, Window, np.ndarray], None]
#: A raster input of the run: an array on the grid, or a file read window by window.
RasterInput = np.ndarray | Path | None


class Executor(Protocol):
    """Where tile tasks run: ``submit(fn, task)`` returns a future with ``result()``."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Start ``fn(*args, **kwargs)``."""

    def share(self, value: Any) -> Any:
        """``value`` as an argument every task may get (a cluster: sent to each worker once)."""

    @property
    def workers(self) -> int:
        """Tasks that run at once."""


# ---------------------------------------------------------------------------------- runs


@dataclass
class CoverageResult:
    """What :func:`compute_coverage` produces.

    Attributes
    ----------
    grid
        The raster grid.
    layers
        (operator or ``"any"``, technology) -> received level (float32, NODATA outside);
        only the layers asked for with ``keep_layers`` (none when streamed to a sink).
    covered
        Per commune: population and pixels covered by (operator/any, technology).
    evaluations
        Pixel-site evaluations done (for throughput figures).
    gaps
        Technology -> the largest uncovered populated areas (:class:`GapMerger`).
    index
        Commune index of every pixel (-1 outside), when layers were kept, else None.
    people
        Population of every pixel, when layers were kept, else None.
    """

    grid: Grid
    layers: dict[Key, np.ndarray]
    covered: pd.DataFrame
    evaluations: int
    gaps: dict[str, pd.DataFrame] = field(default_factory=dict)
    index: np.ndarray | None = None
    people: np.ndarray | None = None


@dataclass(frozen=True)
class TileTask:
    """Everything one tile needs: sent as it is to a worker process (no shared memory).

    Attributes
    ----------
    run
        Identifies the run and technology (workers keep one kernel cache per run).
    tech
        The technology.
    window
        The tile in the grid.
    grid
        The grid.
    settings
        Coverage settings (plain dicts: picklable).
    operators
        Operators, in the order of ``transmitters``.
    transmitters
        Per operator, the transmitters whose kernel reaches the tile.
    shapes
        (geometry, commune index) of the communes meeting the tile.
    overrides
        Pixels of communes smaller than a pixel, inside the tile.
    ids
        Commune indices of ``shapes`` (sorted); the arrays below are aligned on it.
    env, scale, even
        Per commune of ``ids``: environment code, people per unit weight, even spread.
    population, landcover
        The tile's window of the rasters (read by the client), or None.
    lang
        Language of the messages.
    offsets_db
        Calibration offsets of the technology by environment code, or None.
    burn
        Identifies the run across technologies: the tile's communes rasterised by the first
        pass are reused (:func:`burnt_window`); empty: rasterised here.
    """

    run: str
    tech: str
    window: Window
    grid: Grid
    settings: CoverageConfig
    operators: tuple[str, ...]
    transmitters: tuple[Transmitters, ...]
    shapes: list[tuple[object, int]]
    overrides: Overrides
    ids: np.ndarray
    env: np.ndarray
    scale: np.ndarray
    even: np.ndarray
    population: np.ndarray | None
    landcover: np.ndarray | None
    lang: str
    offsets_db: np.ndarray | None = None
    burn: str = ""


@dataclass(frozen=True)
class TileResult:
    """What a tile gives back: levels per key, per-commune sums (aligned on ``ids``), gaps."""

    tech: str
    window: Window
    ids: np.ndarray
    levels: dict[Key, np.ndarray]
    sums: dict[Key, tuple[np.ndarray, np.ndarray]]
    gaps: GapTile
    evaluations: int
    index: np.ndarray | None = None
    people: np.ndarray | None = None


def compute_coverage(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                     settings: CoverageConfig, *, population: RasterInput = None,
                     landcover: RasterInput = None,
                     progress: Callable[[str], None] | None = None,
                     keep_layers: bool | Iterable[Key] = True, sink: Sink | None = None,
                     scheduler: str | None = None, top: int = 10,
                     terrain: Terrain | None = None,
                     calibration: Calibration | None = None) -> CoverageResult:
    """Best-server rasters per operator and technology, their union, and covered population.

    Parameters
    ----------
    sites
        Masts in the communes' metric CRS (see :func:`transmitters`).
    communes
        Commune polygons with ``code``, ``kind`` and ``population`` (and ``name``).
    settings
        Coverage settings.
    population
        Optional population raster (rescaled to the commune totals): an array on the grid,
        or a file read window by window (summed onto the grid).
    landcover
        Optional land-cover class raster (see :func:`pixel_environment`): an array on the
        grid or a file (nearest class).
    progress
        Called with a short text per tile.
    keep_layers
        True: keep every layer, the commune index and the people in memory (small grids,
        tests); an iterable of keys: only those layers; False: nothing full-size.
    sink
        Called with every window of every layer, in tile order (e.g. a GeoTIFF writer).
        Tiles that meet no commune (:func:`tiles_with_communes`) are never computed nor
        sent: their pixels are NODATA (a GeoTIFF's blocks never written).
    scheduler
        A dask.distributed scheduler address (``tcp://host:8786``): the tiles run on its
        workers; None: on ``settings.threads`` local threads.
    top
        How many uncovered areas to list per technology.
    terrain
        A DEM on the grid (:func:`~ictgis.coverage.terrain.read_dem`): effective heights and
        diffraction, one kernel per transmitter. None: quasi-smooth terrain (Hata alone).
    calibration
        Offsets by technology and environment (``calibration.toml``,
        :mod:`~ictgis.coverage.calibration`) added to every level; None: uncalibrated.

    Returns
    -------
    CoverageResult
    """
    from ictgis.coverage.cluster import executor

    grid = province_grid(communes, settings)
    operators = tuple(sorted({o for ops in sites["operators"] for o in ops}))
    combos = [(op, tech) for tech in settings.technologies for op in operators]
    keys = [*combos, *(("any", tech) for tech in settings.technologies)]
    kept = set(keys) if keep_layers is True else set(keep_layers or ())
    layers = {k: np.full((grid.height, grid.width), NODATA, np.float32) for k in keys if k in kept}
    whole = keep_layers is True
    index = np.full((grid.height, grid.width), -1, np.int32) if whole else None
    people = np.zeros((grid.height, grid.width)) if whole else None
    portable = portable_settings(settings)
    # tiles meeting no commune are never computed: they stay NODATA (sea, other countries)
    windows = tiles_with_communes(communes, grid, settings.tile_px)
    burnt = burnable(communes.geometry)  # once: each commune is burnt in many tiles
    shapes = {w: shapes_in(communes, grid, w, burnt) for w in windows}
    n = len(communes)
    lang = current()
    with executor(scheduler, settings.threads) as pool:
        # first pass: pixels (and raster sums) of every commune, for the people's scale
        burn = uuid.uuid4().hex
        pixels, raw, overrides = _count_communes(pool, communes, grid, windows, shapes,
                                                 population, burn)
        scale, even = population_scale(communes["population"].to_numpy(float), pixels, raw)
        env_of = environment_codes(communes, settings)
        # the DEM goes to each worker once (a cluster: scattered), not with every tile
        shared_terrain = pool.share(terrain) if terrain is not None else None
        totals: dict[Key, list[np.ndarray]] = {}
        evaluations = 0
        done = 0
        runs = {tech: f"{burn}/{tech}" for tech in settings.technologies}
        mergers = {tech: GapMerger(grid) for tech in settings.technologies}
        gaps: dict[str, pd.DataFrame] = {}

        def tasks(techs: list[str]) -> Iterator[TileTask]:
            """The tiles of ``techs``, technology by technology, made as they are taken.

            Each technology's transmitters are found while earlier tiles are computed.
            """
            for tech in techs:
                txs = operator_transmitters(sites, grid, tech, settings, operators,
                                            per_site=terrain is not None)
                offsets = None if calibration is None else calibration.offsets(tech)
                for window in windows:
                    ids = np.array([i for _, i in shapes[window]], dtype=np.int64)
                    yield TileTask(
                        run=runs[tech], tech=tech, window=window, grid=grid, settings=portable,
                        operators=operators, transmitters=tuple(tx.near(window) for tx in txs),
                        shapes=shapes[window], overrides=overrides.within(window), ids=ids,
                        env=env_of[ids], scale=scale[ids], even=even[ids],
                        population=_input_window(population, grid, window, "sum"),
                        landcover=_input_window(landcover, grid, window, "nearest"), lang=lang,
                        offsets_db=offsets, burn=burn)

        # the technologies follow one another without waiting for the last tiles of the one
        # before (two kernel caches alive at the turn); over terrain, whose per-site kernels
        # are large, each technology's tiles are all done before the next one's start
        techs = list(settings.technologies)
        batches = [techs] if terrain is None else [[tech] for tech in techs]
        for batch in batches:
            for result in in_order(pool, run_tile, tasks(batch), shared_terrain, whole=whole):
                done += 1
                evaluations += result.evaluations
                for key, (people_sum, pixel_sum) in result.sums.items():
                    if key not in totals:
                        totals[key] = [np.zeros(n), np.zeros(n)]
                    totals[key][0][result.ids] += people_sum  # ids are unique
                    totals[key][1][result.ids] += pixel_sum
                r0, r1, c0, c1 = result.window
                for key, level in result.levels.items():
                    if key in layers:
                        layers[key][r0:r1, c0:c1] = level
                    if sink is not None:
                        sink(key, result.window, level)
                if index is not None and result.index is not None and people is not None:
                    index[r0:r1, c0:c1] = result.index
                    people[r0:r1, c0:c1] = result.people
                mergers[result.tech].add(result.gaps)
                # a technology's areas as soon as its last tile is in (while the next one's
                # tiles are computed), not all at the end
                if done % len(windows) == 0:
                    gaps[result.tech] = mergers[result.tech].areas(communes, top=top)
                if progress:
                    progress(t("coverage.progress.tile", done=done,
                               total=len(windows) * len(settings.technologies)))
        for tech, merger in mergers.items():  # no tile at all: none
            if tech not in gaps:
                gaps[tech] = merger.areas(communes, top=top)
    with _CACHE_LOCK:  # this process's kernels (a cluster's workers keep theirs till their next run)
        _CACHES.clear()
    _BURNT.forget(burn)
    covered = _covered_table(communes, totals, pixels, grid)
    return CoverageResult(grid=grid, layers=layers, covered=covered, evaluations=evaluations,
                          gaps=gaps, index=index, people=people)


def in_order(pool: Executor, fn: Callable[..., Any], tasks: Iterable[Any], *args: Any,
             **kwargs: Any) -> Iterator[Any]:
    """``fn(task, *args, **kwargs)`` of every task on ``pool``, results in task order.

    At most ``2 × pool.workers`` tasks are submitted ahead of the one being taken, so that
    finished results never pile up faster than they are consumed.
    """
    pending: deque[Any] = deque()
    ahead = max(2 * pool.workers, 1)
    for task in tasks:
        pending.append(pool.submit(fn, task, *args, **kwargs))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def portable_settings(settings: CoverageConfig) -> CoverageConfig:
    """The settings with plain dicts (a mapping proxy cannot be sent to another process)."""
    def plain(value: object) -> object:
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(value, **{f.name: plain(getattr(value, f.name))
                                                 for f in dataclasses.fields(value)})
        return value

    return plain(settings)  # type: ignore[return-value]


def _input_window(source: RasterInput, grid: Grid, window: Window, resampling: str
                  ) -> np.ndarray | None:
    """A raster input's values on a window: sliced from an array, or read from its file.

    Files are read here, by the process that runs :func:`compute_coverage` (never by a
    cluster's workers, which have no access to the workspace), one window at a time.
    """
    if source is None:
        return None
    r0, r1, c0, c1 = window
    if isinstance(source, np.ndarray):
        return source[r0:r1, c0:c1]
    from ictgis import io

    return io.read_raster_on_grid(Path(source), grid.window_transform(window), c1 - c0,
                                  r1 - r0, grid.crs, resampling=resampling)


# ------------------------------------------------------------------------- first pass


def count_tile(shapes: list[tuple[object, int]], ids: np.ndarray, grid: Grid, window: Window,
               raster: np.ndarray | None, burn: str = ""
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``ids``, and the pixels (and population raster sums) of the communes ``ids`` in a tile.

    ``burn``: the run, whose tiles reuse the rasterised communes (:func:`burnt_window`).
    """
    index = burnt_window(burn, shapes, grid, window)
    inside = index >= 0
    local = np.searchsorted(ids, index[inside])
    pixels = np.bincount(local, minlength=len(ids)).astype(np.float64)
    raw = None if raster is None else np.bincount(
        local, weights=raster_weights(raster[inside]), minlength=len(ids))
    return ids, pixels, raw


def _count_communes(pool: Executor, communes: gpd.GeoDataFrame, grid: Grid,
                    windows: list[Window], shapes: Mapping[Window, list[tuple[object, int]]],
                    population: RasterInput, burn: str = ""
                    ) -> tuple[np.ndarray, np.ndarray | None, Overrides]:
    """Pixels and raster sums of every commune, with the pixels of sub-pixel communes."""
    n = len(communes)
    pixels = np.zeros(n)
    raw = None if population is None else np.zeros(n)

    tasks = ((shapes[w], np.array([i for _, i in shapes[w]], dtype=np.int64), grid, w,
              _input_window(population, grid, w, "sum"), burn) for w in windows)  # lazily
    for ids, count, sums in in_order(pool, count_task, tasks):
        pixels[ids] += count
        if raw is not None and sums is not None:
            raw[ids] += sums
    overrides = small_communes(communes, grid, pixels)
    for row, col, commune in zip(overrides.row, overrides.col, overrides.commune, strict=True):
        # the pixel changes hands: what it held before counts for its new commune
        window = (int(row), int(row) + 1, int(col), int(col) + 1)
        shapes_here = shapes_in(communes, grid, window)
        before = rasterize_window(shapes_here, grid, window)[0, 0]
        value = 0.0
        if raw is not None:
            cell = _input_window(population, grid, window, "sum")
            value = float(raster_weights(cell)[0, 0]) if cell is not None else 0.0
        if before >= 0:
            pixels[before] -= 1
            if raw is not None:
                raw[before] -= value
        pixels[commune] += 1
        if raw is not None:
            raw[commune] += value
    return pixels, raw, overrides


def count_task(args: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`count_tile` of a tuple of its arguments (one task of the first pass)."""
    return count_tile(*args)


class _Burnt:
    """The rasterised communes of the windows of one run, kept by this process up to a size.

    The first pass burns every window (:func:`count_tile`); the tiles of every technology
    need the same pixels. Windows are kept, read-only, while they fit in
    :data:`BURNT_BYTES` (the first ones; none is evicted, so that a grid larger than that
    keeps reusing the same windows), and forgotten when the run ends (in the process that
    runs :func:`compute_coverage`; a cluster's workers keep theirs until another run starts).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run = ""
        self._windows: dict[Window, np.ndarray] = {}
        self._bytes = 0

    def get(self, run: str, window: Window) -> np.ndarray | None:
        with self._lock:
            return self._windows.get(window) if run == self._run else None

    def keep(self, run: str, window: Window, index: np.ndarray) -> None:
        with self._lock:
            if run != self._run:
                self._run, self._windows, self._bytes = run, {}, 0
            if self._bytes + index.nbytes <= BURNT_BYTES:
                self._windows[window] = index
                self._bytes += index.nbytes

    def forget(self, run: str) -> None:
        with self._lock:
            if run == self._run:
                self._run, self._windows, self._bytes = "", {}, 0


#: Bytes of rasterised commune windows a process keeps for the tiles of a run (int32 of a
#: window each: 64 windows of 512 px), so that a window's communes are burnt once instead of
#: once for the first pass and once per technology; the windows beyond are burnt again.
BURNT_BYTES = 64 * 1024 ** 2
_BURNT = _Burnt()


def burnt_window(run: str, shapes: list[tuple[object, int]], grid: Grid, window: Window
                 ) -> np.ndarray:
    """:func:`rasterize_window` of a window (no overrides), burnt once per run in this process.

    Read-only when kept (:class:`_Burnt`); ``run`` empty: burnt every time.
    """
    index = _BURNT.get(run, window) if run else None
    if index is None:
        index = rasterize_window(shapes, grid, window)
        if run:
            index.flags.writeable = False
            _BURNT.keep(run, window, index)
    return index


# ------------------------------------------------------------------------------- tiles

_CACHE_LOCK = threading.Lock()
_CACHES: dict[str, KernelCache] = {}


def kernels_for(task: TileTask, terrain: Terrain | None = None) -> KernelCache:
    """The kernel cache of a task's run and technology, shared by the tasks of this process.

    Two runs and technologies at a time (the tiles of the next technology start before the
    last ones of the one before end), one over terrain: a task of another one replaces the
    oldest cache.
    """
    with _CACHE_LOCK:
        cache = _CACHES.get(task.run)
        if cache is None:
            while len(_CACHES) >= (1 if terrain is not None else 2):
                del _CACHES[next(iter(_CACHES))]  # the oldest (dicts keep their order)
            cache = _CACHES[task.run] = KernelCache(task.settings, task.grid.resolution,
                                                    terrain)
        return cache


def run_tile(task: TileTask, terrain: Terrain | None = None, *, whole: bool = False
             ) -> TileResult:
    """Compute one tile: every operator's levels and their union, covered people, gaps.

    A pure function of the task and the DEM on the grid (``terrain``, shared by the tasks
    of a run; the kernel cache only saves work): the same task gives the same result in
    any process.
    """
    with language(task.lang):
        return _tile(task, terrain, whole)


def _tile(task: TileTask, terrain: Terrain | None, whole: bool) -> TileResult:
    grid, window, settings = task.grid, task.window, task.settings
    r0, r1, c0, c1 = window
    index = task.overrides.burn(burnt_window(task.burn, task.shapes, grid, window), window)
    local = local_index(index, task.ids)
    landcover = task.landcover
    env = pixel_environment(local, task.env, settings, landcover)
    people = people_tile(local, task.scale, task.even, task.population)
    tech_cfg = settings.technologies[task.tech]
    correction = environment_tile(env, tech_cfg, task.offsets_db)
    kernels = kernels_for(task, terrain)
    union = np.full((r1 - r0, c1 - c0), EMPTY, np.int16)
    levels: dict[Key, np.ndarray] = {}
    sums: dict[Key, tuple[np.ndarray, np.ndarray]] = {}
    evaluations = 0
    n = len(task.ids)
    listed = KernelList()  # the far zones the operators share, listed once for the tile
    for op, tx in zip(task.operators, task.transmitters, strict=True):
        stamped, count = stamp_tile(tx, kernels, window, listed=listed)
        evaluations += count
        np.maximum(union, stamped, out=union)
        level, _, people_sum, pixel_sum = reduce_tile(stamped, correction, tech_cfg,
                                                      settings.floor_dbm, local, people, n)
        levels[(op, task.tech)], sums[(op, task.tech)] = level, (people_sum, pixel_sum)
    key = ("any", task.tech)
    level, covered, people_sum, pixel_sum = reduce_tile(union, correction, tech_cfg,
                                                        settings.floor_dbm, local, people, n)
    levels[key], sums[key] = level, (people_sum, pixel_sum)
    gaps = gap_tile(covered, people, index, grid, window)
    return TileResult(task.tech, window, task.ids, levels, sums, gaps, evaluations,
                      index if whole else None, people if whole else None)


def _covered_table(communes: gpd.GeoDataFrame, sums: dict, pixels: np.ndarray, grid: Grid
                   ) -> pd.DataFrame:
    table = pd.DataFrame({"code": communes["code"].to_numpy(), "pixels": pixels,
                          "pixel_km2": grid.resolution ** 2 / 1e6})
    for (op, tech), (people, covered_px) in sums.items():
        slug = op.lower().replace(" ", "_")
        table[f"pop_covered_{slug}_{tech.lower()}"] = people
        table[f"px_covered_{slug}_{tech.lower()}"] = covered_px
    return table
