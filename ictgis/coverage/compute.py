"""One coverage run: every operator and technology, tile by tile, reduced to covered people."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage.grid import EMPTY, NODATA, Grid, province_grid
from ictgis.coverage.kernels import (
    KernelCache,
    covered_mask,
    environment_tile,
    received_level,
    stamp_tile,
    transmitters,
)
from ictgis.coverage.population import rasterize_communes, spread_population
from ictgis.i18n import current, language, t

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------- runs


@dataclass
class CoverageResult:
    """What :func:`compute_coverage` produces.

    Attributes
    ----------
    grid
        The raster grid.
    layers
        (operator or ``"any"``, technology) -> received level (float32, NODATA outside).
    covered
        Per commune: population and pixels covered by (operator/any, technology).
    evaluations
        Pixel-site evaluations done (for throughput figures).
    index
        Commune index of every pixel (-1 outside).
    people
        Population of every pixel.
    """

    grid: Grid
    layers: dict[tuple[str, str], np.ndarray]
    covered: pd.DataFrame
    evaluations: int
    index: np.ndarray
    people: np.ndarray


def compute_coverage(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                     settings: CoverageConfig, *, population: np.ndarray | None = None,
                     landcover: np.ndarray | None = None,
                     progress: Callable[[str], None] | None = None,
                     keep_layers: bool = True) -> CoverageResult:
    """Best-server rasters per operator and technology, their union, and covered population.

    Parameters
    ----------
    sites
        Masts in the communes' metric CRS (see :func:`transmitters`).
    communes
        Commune polygons with ``code``, ``kind`` and ``population``.
    settings
        Coverage settings.
    population
        Optional population raster on the same grid (rescaled to the commune totals).
    landcover
        Optional land-cover class raster on the same grid (see :func:`rasterize_communes`).
    progress
        Called with a short text per tile.
    keep_layers
        Keep the full rasters in memory (False: only the per-commune sums are returned).

    Returns
    -------
    CoverageResult
    """
    grid = province_grid(communes, settings)
    index, env = rasterize_communes(communes, grid, settings, landcover)
    people = spread_population(communes, index, population)
    kernels = KernelCache(settings, grid.resolution)
    operators = sorted({o for ops in sites["operators"] for o in ops})
    combos = [(op, tech) for tech in settings.technologies for op in operators]
    txs = {c: transmitters(sites, grid, c[1], settings, operator=c[0]) for c in combos}
    layers = {}
    if keep_layers:
        for op, tech in [*combos, *(("any", t) for t in settings.technologies)]:
            layers[(op, tech)] = np.full((grid.height, grid.width), NODATA, np.float32)
    n = len(communes)
    lang = current()  # worker threads do not inherit the language: messages of the models

    def tile_job(job: tuple[str, tuple[int, int, int, int]]) -> tuple[dict, int]:
        with language(lang):
            return tile_sums(*job)

    def tile_sums(tech: str, window: tuple[int, int, int, int]) -> tuple[dict, int]:
        r0, r1, c0, c1 = window
        idx = index[r0:r1, c0:c1]
        inside = idx >= 0
        pop = people[r0:r1, c0:c1][inside]
        comm = idx[inside]
        sums: dict[tuple[str, str], list[np.ndarray]] = {}
        evaluations = 0
        tech_cfg = settings.technologies[tech]
        correction = environment_tile(env[r0:r1, c0:c1], tech_cfg)
        union = np.full((r1 - r0, c1 - c0), EMPTY, np.int16)
        for op in operators:
            stamped, count = stamp_tile(txs[(op, tech)], kernels, window)
            evaluations += count
            np.maximum(union, stamped, out=union)
            _accumulate(sums, (op, tech), stamped, correction, tech_cfg, settings, inside,
                        comm, pop, n, layers, window)
        _accumulate(sums, ("any", tech), union, correction, tech_cfg, settings, inside, comm,
                    pop, n, layers, window)
        return sums, evaluations

    totals: dict[tuple[str, str], list[np.ndarray]] = {}
    evaluations = 0
    windows = list(grid.tiles(settings.tile_px))
    workers = min(settings.threads, len(windows))
    done = 0
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        for tech in settings.technologies:  # one technology's kernels in memory at a time
            jobs = [(tech, window) for window in windows]
            results = pool.map(tile_job, jobs) if workers > 1 else map(tile_job, jobs)
            for sums, count in results:
                done += 1
                evaluations += count
                for key, (people_sum, pixel_sum) in sums.items():
                    if key in totals:
                        totals[key][0] += people_sum
                        totals[key][1] += pixel_sum
                    else:
                        totals[key] = [people_sum, pixel_sum]
                if progress:
                    progress(t("coverage.progress.tile", done=done,
                               total=len(windows) * len(settings.technologies)))
            kernels.clear()
    covered = _covered_table(communes, totals, index, grid)
    return CoverageResult(grid=grid, layers=layers, covered=covered, evaluations=evaluations,
                          index=index, people=people)


def _accumulate(sums: dict, key: tuple[str, str], stamped: np.ndarray, correction: np.ndarray,
                tech: TechnologyConfig, settings: CoverageConfig, inside: np.ndarray,
                comm: np.ndarray, pop: np.ndarray, n: int, layers: dict,
                window: tuple[int, int, int, int]) -> None:
    level = received_level(stamped, correction, settings.floor_dbm)
    covered = covered_mask(level, tech)
    hit = covered[inside]
    people = np.bincount(comm[hit], weights=pop[hit], minlength=n).astype(np.float64)
    pixels = np.bincount(comm[hit], minlength=n).astype(np.float64)
    if key in sums:
        sums[key][0] += people
        sums[key][1] += pixels
    else:
        sums[key] = [people, pixels]
    if key in layers:
        r0, r1, c0, c1 = window
        layers[key][r0:r1, c0:c1] = level


def _covered_table(communes: gpd.GeoDataFrame, sums: dict, index: np.ndarray, grid: Grid
                   ) -> pd.DataFrame:
    pixels = np.bincount(index[index >= 0], minlength=len(communes)).astype(np.float64)
    table = pd.DataFrame({"code": communes["code"].to_numpy(), "pixels": pixels,
                          "pixel_km2": grid.resolution ** 2 / 1e6})
    for (op, tech), (people, covered_px) in sums.items():
        slug = op.lower().replace(" ", "_")
        table[f"pop_covered_{slug}_{tech.lower()}"] = people
        table[f"px_covered_{slug}_{tech.lower()}"] = covered_px
    return table
