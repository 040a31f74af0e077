"""Benchmark ``ictgis coverage`` (best-server rasters by kernel stamping) against naive numpy.

What it measures
----------------
1. Demo province. The repository's demo workspace (``load_config`` + ``load_workspace``:
   ~2,000 SYNTHETIC masts, 4 operators, 2G/3G/4G, 50 m pixels) is loaded first; loading is
   timed and shown but is NOT part of the coverage time. Then, best of ``--repeat`` runs
   (every run shown, the first is cold):

   * ``ictgis.cli.coverage.write_coverage(ws, tmp, ("csv",), Console(quiet=True))``: the
     whole coverage step, every operator and technology and their union, GeoTIFFs (levels
     and classes, with overviews) written, population/area coverage at every level, the
     largest uncovered areas, CSV tables;
   * ``coverage.compute_coverage`` alone (rasters in memory, covered population per commune),

   with the pixel-site evaluations it did (``CoverageResult.evaluations``: pixels touched by
   a stamped kernel) per second.

2. National scale, SYNTHETIC (numpy ``default_rng(seed)``, built in memory, not timed):
   100,000 masts clustered like a real network (~20 % in ~60 cities of Zipf-like sizes, the
   rural rest half round ~4,000 small towns and half spread evenly; 1-3 operators; 2G/3G/4G
   (and 5G, which has no model here) in realistic mixes; classes and heights by urban/rural)
   over a 575 km x 575 km square (~330,000 km², VN-2000 / TM-3 105°45', EPSG:9210), and
   10,000 communes (a 100 x 100 grid of 5.75 km squares; phường where a city is, thị trấn
   at towns, xã elsewhere, with populations). At 100 m that is a 5,750 x 5,750 grid (33 M
   pixels). ``compute_coverage(..., keep_layers=False)`` (``CoverageConfig(resolution_m=100)``,
   default technologies, threads = cores) runs on a TILE SET only: ``--windows`` blocks of
   ``--window-cells`` x ``--window-cells`` communes (one on the largest city, the others at
   seeded random places), each with every mast within the range of it. The national time
   is EXTRAPOLATED, and the output says so, by two ratios: national / tile-set pixels and
   national / tile-set pixel-site evaluations (the national count is exact: every stamp's
   kernel square clipped to the grid, the same sum ``compute_coverage`` reports, which is
   asserted on the tile set and on the demo). Each window is timed on its own (best of
   ``--repeat``). If run time is ``a * evaluations + b * pixels`` the larger of the two
   extrapolations is an upper bound; that one is checked against the target (a least-squares
   fit of a and b on the windows is shown too, as a best estimate). Peak memory: the
   largest-city window is run again at two sizes, each in a fresh process (so that the
   resident size is its own, not what the allocator kept from the demo), and its peak RSS
   (VmHWM), linear in pixels through the two runs, is taken at the national pixel count
   (EXTRAPOLATED, said so). ``--full-national`` also runs the whole national grid once in a
   fresh process and measures its time and peak RSS (then those are checked).

3. A naive baseline in the same run: for a sample of masts, one mast at a time on EVERY
   pixel of the full grid, plain numpy (float64, in place, single thread, row bands of 1,024):
   distance from the mast's pixel centre, clamped at ``min_distance_km``, ``-inf`` beyond
   ``max_range_km``, Okumura-Hata / COST-231 loss from ``coverage.hata_coefficients``,
   ``np.maximum`` into the raster. It gives the naive evaluation rate and time per mast; the
   naive time of a whole province is that time x the number of stamps ictgis does (one per
   mast, operator and technology), EXTRAPOLATED from the sample (said so); it leaves out the
   environment correction and population sums, in the naive method's favour.

4. Agreement (asserted): on the demo grid, for a handful of masts (a cluster round one
   mast and a few far ones), the naive best server equals ictgis's within 0.01 dB, per
   operator and for any operator, every technology, before the environment correction
   (``stamp_tile`` over the whole grid) and after it (``compute_coverage`` layers, nodata
   outside the communes and below ``floor_dbm``). The naive side quantizes like ictgis (see
   ``ictgis.coverage``): mast at its pixel centre, antenna height (surveyed, else its class
   default) rounded to ``height_step_m``, distance clamped at ``min_distance_km``, nothing
   beyond ``max_range_km``; its environment raster is rasterized here from the commune kinds.

Targets (from the issue, 2-core machine): >= 1 G pixel-site evaluations per second; the
whole demo province (``write_coverage``) in under 3 s; the national tile set extrapolated
to the whole country in under 30 s with memory under 4 GB; >= 100x the naive rate, read
as the naive time of the whole demo (per-mast time x stamps) / ``compute_coverage`` (the
national ratio and the raw evaluation-rate ratio are printed too).

Run
---
::

    python benchmarks/bench_coverage.py                  # demo + national tile set
    python benchmarks/bench_coverage.py --quick          # small smoke run
    python benchmarks/bench_coverage.py --full-national  # also the whole national grid
    python benchmarks/bench_coverage.py --profile        # also cProfile one write_coverage
                                                         # (its thread pools run inline)

Every number in the national set is synthetic; it is a load test, not a map of Vietnam.
"""

from __future__ import annotations

import argparse
import cProfile
import io as stdio
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _common import (
    HEIGHTS,
    OPERATOR_SETS,
    RURAL_CLASSES,
    TECH_SETS,
    URBAN_CLASSES,
    Timed,
    best_of,
    pick,
)

from ictgis import coverage
from ictgis.cli.coverage import write_coverage
from ictgis.cli.main import Console
from ictgis.config import CoverageConfig, load_config
from ictgis.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]
WORK_CRS = "EPSG:9210"
CELL_M = 5_750.0  # commune square: 100 x 100 of them make 575 km x 575 km
TARGET_RATE = 1e9  # pixel-site evaluations per second
TARGET_DEMO_S = 3.0
TARGET_NATIONAL_S = 30.0
TARGET_MEMORY_B = 4e9  # 4 GB (10^9 bytes: the stricter reading)
TARGET_RATIO = 100.0
BAND_ROWS = 1_024  # the naive loop works on row bands of this many rows (bounded memory)


# ------------------------------------------------------------------------------------ timing




def rss_now() -> float:
    """Resident set size of this process now, in bytes (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return rss_peak()


def rss_peak() -> float:
    """Peak resident set size of this process so far, in bytes.

    Linux: VmHWM of /proc/self/status (ru_maxrss of a child started by fork + exec keeps
    the parent's peak); elsewhere ru_maxrss.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)


def giga(x: float) -> str:
    return f"{x / 1e9:.2f} G"


# ------------------------------------------------------------------------- naive reference


@dataclass
class Stamps:
    """Masts x operators x technologies as ictgis stamps them, quantized the same way.

    Computed here, independently of ``coverage.transmitters``: pixel of the mast, antenna
    height (surveyed, else class default) rounded to the step, kernel radius.
    """

    row: np.ndarray
    col: np.ndarray
    site: np.ndarray  # row position in the sites frame
    operator: np.ndarray
    tech: np.ndarray
    height: np.ndarray
    radius: np.ndarray  # kernel half-size in pixels (coverage.KernelCache.radius_px)

    def __len__(self) -> int:
        return len(self.row)


def quantized_heights(sites: pd.DataFrame, settings: CoverageConfig) -> np.ndarray:
    default = settings.default_height_m.get("default", 30.0)
    cls = sites["mast_class"] if "mast_class" in sites else pd.Series(None, index=sites.index)
    by_class = np.array([settings.default_height_m.get(c, default) if isinstance(c, str)
                         else default for c in cls], dtype=float)
    height = (pd.to_numeric(sites["height"], errors="coerce").to_numpy(float)
              if "height" in sites else np.full(len(sites), np.nan))
    height = np.where(np.isnan(height), by_class, height)
    step = settings.height_step_m
    return np.maximum(np.round(height / step) * step, step)


def site_pixels(sites: gpd.GeoDataFrame, grid: coverage.Grid) -> tuple[np.ndarray, np.ndarray]:
    x, y = shapely.get_x(sites.geometry.array), shapely.get_y(sites.geometry.array)
    col = np.floor((x - grid.transform.c) / grid.resolution).astype(np.int64)
    row = np.floor((grid.transform.f - y) / grid.resolution).astype(np.int64)
    return row, col


def build_stamps(sites: gpd.GeoDataFrame, grid: coverage.Grid, settings: CoverageConfig
                 ) -> Stamps:
    row, col = site_pixels(sites, grid)
    heights = quantized_heights(sites, settings)
    kernels = coverage.KernelCache(settings, grid.resolution)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("site", "operator", "tech", "radius")}
    ops = sites["operators"].to_numpy(dtype=object)
    techs = sites["technologies"].to_numpy(dtype=object)
    for t, (tech, cfg) in enumerate(settings.technologies.items()):
        has_tech = np.array([tech in ts for ts in techs], dtype=bool)
        radius_of = {h: kernels.radius_px((float(cfg.frequency_mhz), float(h),
                                           float(cfg.eirp_dbm), float(cfg.mobile_height_m)))
                     for h in np.unique(heights[has_tech])}
        for s in np.flatnonzero(has_tech):
            for o in ops[s]:
                parts["site"].append(s)
                parts["operator"].append(o)
                parts["tech"].append(t)
                parts["radius"].append(radius_of[heights[s]])
    site = np.array(parts["site"], dtype=np.int64)
    return Stamps(row=row[site], col=col[site], site=site,
                  operator=np.array(parts["operator"], dtype=object),
                  tech=np.array(parts["tech"], dtype=np.int64), height=heights[site],
                  radius=np.array(parts["radius"], dtype=np.int64))


def clipped_evaluations(stamps: Stamps, height: int, width: int) -> int:
    """Pixels of every stamp's kernel square inside the grid: what ictgis evaluates."""
    r, rad = stamps.row, stamps.radius
    rows = np.clip(np.minimum(height, r + rad + 1) - np.maximum(0, r - rad), 0, None)
    cols = np.clip(np.minimum(width, stamps.col + rad + 1) - np.maximum(0, stamps.col - rad),
                   0, None)
    return int((rows * cols).sum())


def naive_stamp(out: np.ndarray, row: int, col: int, tech_cfg: object, height_m: float,
                settings: CoverageConfig, res: float) -> None:
    """One mast on every pixel of ``out`` (the full grid): distance, clamp, Hata, maximum."""
    a, b = coverage.hata_coefficients(tech_cfg.frequency_mhz, height_m, tech_cfg.mobile_height_m)
    base = tech_cfg.eirp_dbm - a
    dx = (np.arange(out.shape[1], dtype=np.float64) - col) * res / 1000.0
    for r0 in range(0, out.shape[0], BAND_ROWS):
        r1 = min(out.shape[0], r0 + BAND_ROWS)
        dy = (np.arange(r0, r1, dtype=np.float64) - row) * res / 1000.0
        d = np.hypot(dx[None, :], dy[:, None])
        far = d > settings.max_range_km
        np.maximum(d, settings.min_distance_km, out=d)
        np.log10(d, out=d)
        d *= -b
        d += base
        d[far] = -np.inf
        np.maximum(out[r0:r1], d, out=out[r0:r1])


@dataclass
class NaiveRate:
    """The naive loop timed on a sample of stamps on one grid."""

    grid_pixels: int
    measured: int
    seconds: float

    @property
    def per_stamp(self) -> float:
        """Seconds per mast (one operator and technology) on the full grid."""
        return self.seconds / self.measured

    @property
    def rate(self) -> float:
        """Pixel-site evaluations per second."""
        return self.measured * self.grid_pixels / self.seconds


def time_naive(stamps: Stamps, grid: coverage.Grid, settings: CoverageConfig,
               rng: np.random.Generator, n: int) -> NaiveRate:
    """Time the naive loop on ``n`` random stamps, each on the full grid (best of 2 passes)."""
    techs = list(settings.technologies.values())
    pick = rng.choice(len(stamps), size=min(n, len(stamps)), replace=False)
    best = np.inf
    for _ in range(2):
        out = np.full((grid.height, grid.width), -np.inf)
        start = time.perf_counter()
        for k in pick:
            naive_stamp(out, stamps.row[k], stamps.col[k], techs[stamps.tech[k]],
                        stamps.height[k], settings, grid.resolution)
        best = min(best, time.perf_counter() - start)
        del out
    return NaiveRate(grid.width * grid.height, len(pick), best)


def environment_raster(communes: gpd.GeoDataFrame, grid: coverage.Grid,
                       settings: CoverageConfig) -> np.ndarray:
    """Environment code of every pixel centre from its commune's kind (-1 outside)."""
    from rasterio import features

    codes = [coverage.ENV_CODES[settings.environment.get(k, "open")] for k in communes["kind"]]
    return features.rasterize(zip(communes.geometry.array, codes, strict=True),
                              out_shape=(grid.height, grid.width), transform=grid.transform,
                              fill=-1, dtype="int16")


def check_agreement(ws: object, settings: CoverageConfig, rng: np.random.Generator,
                    n_cluster: int = 6, n_far: int = 3) -> list[str]:
    """Naive best server == ictgis best server (before and after E_env) for a few masts."""
    bts = ws.bts.reset_index(drop=True)
    xy = np.column_stack([shapely.get_x(bts.geometry.array), shapely.get_y(bts.geometry.array)])
    centre = rng.integers(len(bts))
    near = np.argsort(((xy - xy[centre]) ** 2).sum(axis=1), kind="stable")[:n_cluster]
    far = rng.choice(np.setdiff1d(np.arange(len(bts)), near), size=n_far, replace=False)
    sample = bts.iloc[np.concatenate([near, far])].reset_index(drop=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", coverage.ModelRangeWarning)
        result = coverage.compute_coverage(sample, ws.communes, settings, keep_layers=True)
    grid = result.grid
    env = environment_raster(ws.communes, grid, settings)
    stamps = build_stamps(sample, grid, settings)
    kernels = coverage.KernelCache(settings, grid.resolution)
    techs = list(settings.technologies.items())
    operators = sorted({o for ops in sample["operators"] for o in ops})
    compared = pixels_compared = 0
    worst = 0.0
    for t, (tech, cfg) in enumerate(techs):
        table = np.array([coverage.environment_correction(cfg.frequency_mhz, cfg.mobile_height_m,
                                                          e) for e in coverage.ENV_CODES])
        correction = np.where(env >= 0, table[np.clip(env, 0, None)], np.nan)
        best_env = table.min()
        for op in [*operators, "any"]:
            chosen = np.flatnonzero((stamps.tech == t) & ((stamps.operator == op) | (op == "any")))
            if op == "any":  # a mast serving two operators is one transmitter for "any"
                chosen = chosen[np.unique(stamps.site[chosen], return_index=True)[1]]
            naive = np.full((grid.height, grid.width), -np.inf)
            for k in chosen:
                naive_stamp(naive, stamps.row[k], stamps.col[k], cfg, stamps.height[k], settings,
                            grid.resolution)
            # before the environment correction: ictgis's stamp over the whole grid
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", coverage.ModelRangeWarning)
                tx = coverage.transmitters(sample, grid, tech, settings,
                                           operator=None if op == "any" else op)
            stamped, _ = coverage.stamp_tile(tx, kernels, (0, grid.height, 0, grid.width))
            stamped = coverage.to_db(stamped)  # int16 hundredths of a dB -> dB
            mine = np.isfinite(stamped)
            assert np.isfinite(naive[mine]).all(), f"{op} {tech}: ictgis reaches beyond the range"
            diff = np.abs(stamped[mine] - naive[mine])
            assert (diff < 0.01).all(), f"{op} {tech}: before E_env, max diff {diff.max():.4f} dB"
            unreached = np.isfinite(naive) & ~mine  # only where no environment reaches the floor
            assert (naive[unreached] - best_env < settings.floor_dbm + 0.01).all(), (
                f"{op} {tech}: ictgis leaves out pixels the signal can reach")
            # after it: the compute_coverage layer
            level = naive - correction
            valid = np.isfinite(level) & (level >= settings.floor_dbm)
            layer = result.layers[(op, tech)]
            theirs = layer != coverage.NODATA
            both = valid & theirs
            diff = np.abs(layer[both] - level[both])
            assert (diff < 0.01).all(), f"{op} {tech}: after E_env, max diff {diff.max():.4f} dB"
            odd = valid != theirs
            assert (np.abs(level[odd] - settings.floor_dbm) < 0.01).all(), (
                f"{op} {tech}: {odd.sum()} pixels nodata on one side only")
            worst = max(worst, float(diff.max()) if diff.size else 0.0)
            compared += 1
            pixels_compared += int(both.sum())
    return [f"naive == ictgis best server on the demo grid ({grid.width:,} x {grid.height:,}) "
            f"for {len(sample)} masts ({n_cluster} round one mast, {n_far} far; "
            f"{len(stamps)} stamps): {compared} layers (each operator and any, every "
            f"technology), before E_env (stamp_tile, whole grid) and after it "
            f"(compute_coverage layers, {pixels_compared:,} valid pixels): max difference "
            f"{worst:.5f} dB < 0.01 dB, the same nodata pixels"]


# -------------------------------------------------------------------------------- the demo


@dataclass
class DemoRun:
    """Timings of the demo province."""

    load: float
    write: Timed
    compute: Timed
    result: coverage.CoverageResult
    stamps: Stamps
    n_sites: int


def run_demo(args: argparse.Namespace) -> tuple[DemoRun, object]:
    start = time.perf_counter()
    ws = load_workspace(load_config(args.workspace))
    load = time.perf_counter() - start
    settings = ws.config.coverage

    with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
        write = best_of(lambda: write_coverage(ws, Path(tmp), ("csv",), Console(quiet=True)),
                        args.repeat)
    compute = best_of(lambda: coverage.compute_coverage(ws.bts, ws.communes, settings),
                      args.repeat)
    result = compute.result
    stamps = build_stamps(ws.bts, result.grid, settings)
    counted = clipped_evaluations(stamps, result.grid.height, result.grid.width)
    assert counted == result.evaluations, (
        f"demo: {counted:,} evaluations counted here, {result.evaluations:,} by ictgis")
    return DemoRun(load, write, compute, result, stamps, len(ws.bts)), ws


# ---------------------------------------------------------------------- national synthetic




@dataclass
class National:
    """The synthetic national set."""

    sites: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    cells: int
    x0: float
    y0: float
    city_centre: tuple[float, float]
    settings: CoverageConfig
    build_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def side(self) -> float:
        """Side of the square, m."""
        return self.cells * CELL_M


def build_national(args: argparse.Namespace) -> National:
    """Masts clustered like a real network and a grid of square communes (EPSG:9210)."""
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    n, cells = args.sites, args.cells
    side = cells * CELL_M
    x0, y0 = 500_000.0 - side / 2, 1_000_000.0

    def outside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x < x0) | (x >= x0 + side) | (y < y0) | (y >= y0 + side)

    def around(cx: np.ndarray, cy: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = cx + rng.normal(0, sigma), cy + rng.normal(0, sigma)
        bad = outside(x, y)
        while bad.any():
            x[bad] = cx[bad] + rng.normal(0, sigma[bad])
            y[bad] = cy[bad] + rng.normal(0, sigma[bad])
            bad = outside(x, y)
        return x, y

    def uniform(k: int, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        return (rng.uniform(x0 + margin, x0 + side - margin, k),
                rng.uniform(y0 + margin, y0 + side - margin, k))

    n_urban = round(0.2 * n)
    n_cities = max(3, round(n / 1_700))
    weights = 1.0 / np.arange(1, n_cities + 1) ** 1.1
    sizes = rng.multinomial(n_urban, weights / weights.sum())
    centres = np.column_stack(uniform(n_cities, margin=min(25_000.0, side / 8)))
    city = np.repeat(np.arange(n_cities), sizes)
    sigma = 580.0 * np.sqrt(np.maximum(sizes, 4) / 25.0)  # ~12 masts/km² at every centre
    ux, uy = around(centres[city, 0], centres[city, 1], sigma[city])
    n_rural = n - n_urban
    n_towns = max(10, n // 25)
    towns = np.column_stack(uniform(n_towns))
    town = rng.integers(0, n_towns, n_rural // 2)
    tx, ty = around(towns[town, 0], towns[town, 1], np.full(len(town), 1_500.0))
    ex, ey = uniform(n_rural - len(town))
    x, y = np.concatenate([ux, tx, ex]), np.concatenate([uy, ty, ey])
    urban = np.concatenate([np.ones(n_urban, bool), np.zeros(n_rural, bool)])
    order = rng.permutation(n)
    x, y, urban = x[order], y[order], urban[order]
    cls = np.where(urban, pick(rng, URBAN_CLASSES, n), pick(rng, RURAL_CLASSES, n)).astype(object)
    mean, sd, low, high = np.array([HEIGHTS[c] for c in cls], float).T
    height = np.round(np.clip(rng.normal(mean, sd), low, high), 1)
    height[rng.random(n) < 0.005] = np.nan  # the class default applies
    sites = gpd.GeoDataFrame({
        "id": np.array([f"S{i:06d}" for i in range(1, n + 1)], dtype=object),
        "operators": pick(rng, OPERATOR_SETS, n),
        "technologies": pick(rng, TECH_SETS, n),
        "mast_class": cls,
        "height": height,
    }, geometry=gpd.GeoSeries(shapely.points(x, y), crs=WORK_CRS), crs=WORK_CRS)

    # communes: cells x cells squares; phường where >= 4 urban masts, thị trấn at towns
    edges = x0 + np.arange(cells) * CELL_M, y0 + np.arange(cells) * CELL_M
    gx, gy = np.meshgrid(edges[0], edges[1][::-1])  # codes run north to south, west to east
    gx, gy = gx.ravel(), gy.ravel()
    cell_of = ((cells - 1 - ((y - y0) // CELL_M)) * cells + (x - x0) // CELL_M).astype(np.int64)
    urban_count = np.bincount(cell_of[urban], minlength=cells * cells)
    town_cell = ((cells - 1 - ((towns[:, 1] - y0) // CELL_M)) * cells
                 + (towns[:, 0] - x0) // CELL_M).astype(np.int64)
    kind = np.full(cells * cells, "xa", dtype=object)
    kind[np.unique(town_cell)] = "thi_tran"
    kind[urban_count >= 4] = "phuong"
    mean_pop = np.select([kind == "phuong", kind == "thi_tran"], [40_000, 15_000], 7_000)
    population = np.round(mean_pop * rng.lognormal(0, 0.35, kind.size)).astype(np.int64)
    communes = gpd.GeoDataFrame({
        "code": np.array([f"X{i:05d}" for i in range(kind.size)], dtype=object),
        "kind": kind,
        "population": population,
    }, geometry=gpd.GeoSeries(shapely.box(gx, gy, gx + CELL_M, gy + CELL_M), crs=WORK_CRS),
        crs=WORK_CRS)

    settings = CoverageConfig(resolution_m=args.national_resolution)
    biggest = int(np.argmax(sizes))
    n_ops = np.array([len(o) for o in sites["operators"]])
    n_tech = np.array([len(set(t) & set(settings.technologies)) for t in sites["technologies"]])
    notes = [
        f"{n:,} masts: {n_urban:,} urban in {n_cities} cities (largest {sizes.max():,}, "
        f"sigma {sigma.max() / 1000:.1f} km), {len(town):,} round {n_towns:,} towns, "
        f"{len(ex):,} spread evenly; {n_ops.mean():.2f} operators and {n_tech.mean():.2f} "
        f"modelled technologies per mast ({(n_ops * n_tech).sum():,} stamps); omnidirectional "
        f"(no sectors); {np.isnan(height).sum()} with no height (class default)",
        f"{kind.size:,} communes: {cells} x {cells} squares of {CELL_M / 1000:g} km "
        f"({(kind == 'phuong').sum():,} phường, {(kind == 'thi_tran').sum():,} thị trấn, "
        f"{(kind == 'xa').sum():,} xã), population {population.sum() / 1e6:.1f} M",
    ]
    return National(sites, communes, cells, x0, y0, tuple(centres[biggest]), settings,
                    time.perf_counter() - start, notes)


@dataclass
class Window:
    """A block of communes and the masts within range of it."""

    name: str
    communes: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    pixels: int = 0
    evaluations: int = 0
    timed: Timed | None = None


def windows(nat: National, n: int, size: int, rng: np.random.Generator) -> list[Window]:
    """``n`` blocks of ``size`` x ``size`` communes: one on the largest city, the others random."""
    size = min(size, nat.cells)
    cx = int((nat.city_centre[0] - nat.x0) // CELL_M)
    cy = int((nat.city_centre[1] - nat.y0) // CELL_M)
    corners = [(min(max(cx - size // 2, 0), nat.cells - size),
                min(max(cy - size // 2, 0), nat.cells - size), "largest city")]
    while len(corners) < n:
        i, j = rng.integers(0, nat.cells - size + 1, 2)
        corners.append((int(i), int(j), "random"))
    margin = nat.settings.max_range_km * 1000 + 2 * nat.settings.resolution_m
    sx = shapely.get_x(nat.sites.geometry.array)
    sy = shapely.get_y(nat.sites.geometry.array)
    cb = nat.communes.geometry.bounds
    out = []
    for i, j, what in corners:
        wx0, wy0 = nat.x0 + i * CELL_M, nat.y0 + j * CELL_M
        wx1, wy1 = wx0 + size * CELL_M, wy0 + size * CELL_M
        inside = ((cb["minx"] >= wx0 - 1) & (cb["maxx"] <= wx1 + 1)
                  & (cb["miny"] >= wy0 - 1) & (cb["maxy"] <= wy1 + 1)).to_numpy()
        near = ((sx >= wx0 - margin) & (sx <= wx1 + margin) & (sy >= wy0 - margin)
                & (sy <= wy1 + margin))
        out.append(Window(f"{what} ({wx0 / 1000:.0f}, {wy0 / 1000:.0f}) km",
                          nat.communes.loc[inside], nat.sites.loc[near]))
    return out


@dataclass
class NationalRun:
    """The tile-set timing and its extrapolation to the national grid."""

    windows: list[Window]
    national_pixels: int
    national_evaluations: int
    national_stamps: int
    window_memory: list[dict]  # fresh processes, city window of 2 sizes: rss, pixels
    full: dict | None = None  # fresh process, whole national grid (--full-national)

    @property
    def pixels(self) -> int:
        """Pixels of the tile set."""
        return sum(w.pixels for w in self.windows)

    @property
    def evaluations(self) -> int:
        """Pixel-site evaluations of the tile set."""
        return sum(w.evaluations for w in self.windows)

    @property
    def seconds(self) -> float:
        """Seconds of the tile set: the sum of every window's best run."""
        return sum(w.timed.best for w in self.windows)

    @property
    def by_pixels(self) -> float:
        """National seconds extrapolated by the ratio of pixels."""
        return self.seconds * self.national_pixels / self.pixels

    @property
    def by_evaluations(self) -> float:
        """National seconds extrapolated by the ratio of pixel-site evaluations."""
        return self.seconds * self.national_evaluations / self.evaluations

    @property
    def fit(self) -> tuple[float, float] | None:
        """(s per evaluation, s per pixel) fitted on the windows; None if not both >= 0."""
        if len(self.windows) < 2:
            return None
        lhs = np.array([[w.evaluations, w.pixels] for w in self.windows], dtype=float)
        rhs = np.array([w.timed.best for w in self.windows])
        coef, _, rank, _ = np.linalg.lstsq(lhs, rhs, rcond=None)
        if rank < 2 or (coef < 0).any():
            return None
        return float(coef[0]), float(coef[1])

    @property
    def estimate(self) -> float:
        """The larger extrapolation (an upper bound when time = a*evaluations + b*pixels)."""
        return max(self.by_pixels, self.by_evaluations)

    @property
    def bytes_per_pixel(self) -> float:
        """Peak RSS per pixel: the slope between the two window sizes (one size: peak / pixels)."""
        m = self.window_memory
        if len(m) == 1 or m[-1]["pixels"] == m[0]["pixels"]:
            return m[-1]["rss_peak"] / m[-1]["pixels"]
        return max(0.0, (m[-1]["rss_peak"] - m[0]["rss_peak"])
                   / (m[-1]["pixels"] - m[0]["pixels"]))

    @property
    def memory_estimate(self) -> float:
        """Peak RSS, linear in pixels through the two window runs, at the national pixels."""
        last = self.window_memory[-1]
        return last["rss_peak"] + self.bytes_per_pixel * (self.national_pixels - last["pixels"])


def run_national(nat: National, args: argparse.Namespace
                 ) -> tuple[NationalRun, Stamps, coverage.Grid]:
    settings = nat.settings
    tile_set = windows(nat, args.windows, args.window_cells, np.random.default_rng(args.seed + 2))

    for w in tile_set:
        w.timed = best_of(lambda w=w: coverage.compute_coverage(w.sites, w.communes, settings,
                                                                keep_layers=False), args.repeat)
        result, w.timed.result = w.timed.result, None
        w.pixels = result.grid.width * result.grid.height
        w.evaluations = result.evaluations
        counted = clipped_evaluations(build_stamps(w.sites, result.grid, settings),
                                      result.grid.height, result.grid.width)
        assert counted == result.evaluations, (
            f"{w.name}: {counted:,} evaluations counted here, {result.evaluations:,} by ictgis")

    grid = coverage.Grid.covering(tuple(nat.communes.total_bounds), settings.resolution_m,
                                  nat.communes.crs)
    stamps = build_stamps(nat.sites, grid, settings)
    national_evaluations = clipped_evaluations(stamps, grid.height, grid.width)

    small = max(1, args.window_cells // 2)
    memory = [memory_child(args, "window", cells) for cells in sorted({small, args.window_cells})]
    run = NationalRun(tile_set, grid.width * grid.height, national_evaluations,
                      len(stamps), memory)
    if args.full_national:
        print("  whole national grid in a fresh process (--full-national) ...", file=sys.stderr)
        run.full = memory_child(args, "full")
        assert run.full["evaluations"] == national_evaluations, "national evaluation count differs"
    return run, stamps, grid


def memory_child(args: argparse.Namespace, what: str, cells: int = 0) -> dict:
    """Run the city window of ``cells`` communes a side (or the whole grid) in a fresh process.

    A fresh process, so that the resident size is that run's alone (the allocator keeps
    what the demo and the threads freed in this one).
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", what,
           "--sites", str(args.sites), "--cells", str(args.cells),
           "--national-resolution", str(args.national_resolution),
           "--window-cells", str(cells or args.window_cells), "--seed", str(args.seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(args: argparse.Namespace) -> int:
    """--child window|full: one compute_coverage, then JSON: seconds, pixels, memory."""
    nat = build_national(args)
    if args.child == "full":
        sites, communes = nat.sites, nat.communes
    else:
        city = windows(nat, 1, args.window_cells, np.random.default_rng(args.seed + 2))[0]
        sites, communes = city.sites, city.communes
    before = rss_now()
    start = time.perf_counter()
    result = coverage.compute_coverage(sites, communes, nat.settings, keep_layers=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "evaluations": result.evaluations,
                      "pixels": result.grid.width * result.grid.height, "rss_before": before,
                      "rss_peak": max(rss_peak(), before)}))
    return 0


# -------------------------------------------------------------------------------- output


class InlineExecutor:
    """A stand-in for ThreadPoolExecutor that runs every job in the calling thread."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, fn: Callable, *iterables: object) -> object:
        """``fn`` over the items, lazily, here."""
        return map(fn, *iterables)


def profile_demo(ws: object, top: int) -> str:
    """Profile one write_coverage, its thread pools made inline (cProfile sees one thread)."""
    import concurrent.futures

    saved = concurrent.futures.ThreadPoolExecutor, coverage.ThreadPoolExecutor
    profiler = cProfile.Profile()
    try:
        concurrent.futures.ThreadPoolExecutor = coverage.ThreadPoolExecutor = InlineExecutor
        with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
            start = time.perf_counter()
            profiler.enable()
            write_coverage(ws, Path(tmp), ("csv",), Console(quiet=True))
            profiler.disable()
            seconds = time.perf_counter() - start
    finally:
        concurrent.futures.ThreadPoolExecutor, coverage.ThreadPoolExecutor = saved
    text = stdio.StringIO()
    text.write(f"(one thread, under cProfile: {seconds:.2f} s)\n")
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"ictgis[/\\]", top)
    text.write("\n--- all functions by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def report(args: argparse.Namespace, demo: DemoRun, naive_demo: NaiveRate, nat: National,
           run: NationalRun, naive_nat: NaiveRate, national_grid: coverage.Grid) -> str:
    w = 58
    grid = demo.result.grid
    demo_rate = demo.result.evaluations / demo.compute.best
    naive_demo_total = naive_demo.per_stamp * len(demo.stamps)
    ratio_compute = naive_demo_total / demo.compute.best
    ratio_write = naive_demo_total / demo.write.best
    lines = ["", f"DEMO province ({args.workspace}; SYNTHETIC): {demo.n_sites:,} masts, "
             f"{len(demo.stamps):,} stamps (mast x operator x technology), grid "
             f"{grid.width:,} x {grid.height:,} = {grid.width * grid.height / 1e6:.2f} M pixels "
             f"of {grid.resolution:g} m, threads {os.cpu_count()}",
             f"  load_config + load_workspace: {demo.load:.3f} s (NOT part of the coverage "
             "time below)",
             f"  {'step (best of ' + str(len(demo.write.runs)) + '; every run in s)':<{w}}"
             f"{'seconds':>9}{'eval/s':>10}",
             f"  {'write_coverage (all, GeoTIFFs, population, CSV)':<{w}}{demo.write.best:>9.3f}"
             f"{giga(demo.result.evaluations / demo.write.best):>10}   {demo.write.every()}",
             f"  {'compute_coverage alone':<{w}}{demo.compute.best:>9.3f}"
             f"{giga(demo_rate):>10}   {demo.compute.every()}",
             f"  pixel-site evaluations: {demo.result.evaluations:,} (= every stamp's kernel "
             "square clipped to the grid, counted here too: equal)"]

    ext = f"EXTRAPOLATED from {naive_demo.measured} stamps measured ({naive_demo.seconds:.2f} s)"
    lines += ["", "NAIVE per-mast full-grid numpy (float64, one thread, same run):",
              f"  demo grid: {naive_demo.per_stamp * 1000:.1f} ms per mast, "
              f"{giga(naive_demo.rate)} eval/s (every pixel of the grid for every mast)",
              f"  whole demo: {naive_demo.per_stamp * 1000:.1f} ms x {len(demo.stamps):,} stamps "
              f"= {naive_demo_total:.1f} s ({ext})",
              f"  national grid: {naive_nat.per_stamp:.3f} s per mast, {giga(naive_nat.rate)} "
              f"eval/s; x {run.national_stamps:,} stamps = "
              f"{naive_nat.per_stamp * run.national_stamps / 3600:.1f} h (EXTRAPOLATED from "
              f"{naive_nat.measured} stamps)"]

    lines += ["", f"NATIONAL (SYNTHETIC, seed {args.seed}; built in {nat.build_seconds:.1f} s, "
              f"not timed): {nat.side / 1000:.0f} km x {nat.side / 1000:.0f} km = "
              f"{nat.side ** 2 / 1e6:,.0f} km², {nat.settings.resolution_m:g} m pixels, grid "
              f"{national_grid.width:,} x {national_grid.height:,} = "
              f"{run.national_pixels / 1e6:.1f} M pixels, tiles of {nat.settings.tile_px} px"]
    lines += [f"  {note}" for note in nat.notes]
    lines.append("  TILE SET measured (compute_coverage, keep_layers=False; best of "
                 f"{args.repeat} runs per window, every run in s):")
    for win in run.windows:
        lines.append(f"    {win.name}: {len(win.communes):,} communes, {len(win.sites):,} masts "
                     f"in range, {win.pixels / 1e6:.2f} M pixels, "
                     f"{win.evaluations / 1e9:.2f} G evaluations: {win.timed.best:.3f} s, "
                     f"{giga(win.evaluations / win.timed.best)} eval/s   ({win.timed.every()})")
    tile_rate = run.evaluations / run.seconds
    m = run.window_memory
    fit = run.fit
    fitted = ([f"    two-term fit on the windows (t = a*evaluations + b*pixels: a = "
               f"{fit[0] * 1e9:.3f} s per G evaluations, b = {fit[1] * 1e6:.3f} s per M pixels): "
               f"{fit[0] * run.national_evaluations + fit[1] * run.national_pixels:7.1f} s "
               "(best estimate, not checked)"] if fit else [])
    lines += [
        f"    total {run.pixels / 1e6:.2f} M pixels ({100 * run.pixels / run.national_pixels:.1f} "
        f"% of the country), {run.evaluations / 1e9:.2f} G evaluations "
        f"({100 * run.evaluations / run.national_evaluations:.1f} %): {run.seconds:.3f} s, "
        f"{giga(tile_rate)} eval/s",
        f"  national pixel-site evaluations (counted exactly, not stamped): "
        f"{run.national_evaluations / 1e9:.1f} G",
        "  national time EXTRAPOLATED from the tile set:",
        f"    by pixels      x{run.national_pixels / run.pixels:6.1f}: {run.by_pixels:7.1f} s",
        f"    by evaluations x{run.national_evaluations / run.evaluations:6.1f}: "
        f"{run.by_evaluations:7.1f} s",
        *fitted,
        f"    upper bound (the larger of the two ratios; checked): {run.estimate:.1f} s",
        "  memory: the largest-city window, in a fresh process each (peak RSS, VmHWM):",
        *[f"    {x['pixels'] / 1e6:5.2f} M pixels: {x['rss_before'] / 1e6:,.0f} MB before "
          f"compute_coverage, peak {x['rss_peak'] / 1e6:,.0f} MB" for x in m],
        f"    national EXTRAPOLATED linearly in pixels ({run.bytes_per_pixel:.0f} B per pixel): "
        f"{run.memory_estimate / 1e9:.2f} GB",
    ]
    national_s, national_mem = run.estimate, run.memory_estimate
    how_s, how_mem = "EXTRAPOLATED from the tile set", "EXTRAPOLATED from the window runs"
    if run.full is not None:
        f = run.full
        lines.append(f"  WHOLE national grid measured (--full-national, one run in a fresh "
                     f"process): {f['seconds']:.1f} s, {f['evaluations'] / 1e9:.1f} G "
                     f"evaluations, {giga(f['evaluations'] / f['seconds'])} eval/s, peak RSS "
                     f"{f['rss_peak'] / 1e9:.2f} GB (resident before {f['rss_before'] / 1e9:.2f} "
                     "GB)")
        national_s, national_mem = f["seconds"], f["rss_peak"]
        how_s = how_mem = "measured on the whole grid"
    naive_nat_total = naive_nat.per_stamp * run.national_stamps
    ratio_nat = naive_nat_total / national_s
    lines.append(f"  this process's peak RSS (VmHWM: demo, naive, tile set and all): "
                 f"{rss_peak() / 1e9:.2f} GB")

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    rate_rows = [("demo, compute_coverage", demo_rate), ("national tile set", tile_rate)]
    if run.full is not None:
        rate_rows.append(("national, whole grid", run.full["evaluations"] / run.full["seconds"]))
    lines += ["", "ratios (naive / ictgis):",
              f"  {'raw evaluation rate, demo (ictgis / naive eval/s)':<{w}}"
              f"{demo_rate / naive_demo.rate:>9.0f}x",
              f"  {'whole demo: naive / compute_coverage':<{w}}{ratio_compute:>9.0f}x   "
              "(naive extrapolated)",
              f"  {'whole demo: naive / write_coverage (ictgis also writes)':<{w}}"
              f"{ratio_write:>9.0f}x   (naive extrapolated)",
              f"  {'national: naive / ictgis':<{w}}{ratio_nat:>9.0f}x   (both extrapolated)"
              if run.full is None else
              f"  {'national: naive / ictgis whole grid':<{w}}{ratio_nat:>9.0f}x   "
              "(naive extrapolated)",
              "", "targets:"]
    for name, rate in rate_rows:
        lines.append(f"  >= {giga(TARGET_RATE)} evaluations/s, {name}: {giga(rate)}/s -> "
                     f"{verdict(rate >= TARGET_RATE)}")
    lines += [
        f"  demo province (write_coverage, all operators and technologies, rasters, "
        f"population) < {TARGET_DEMO_S:g} s: {demo.write.best:.3f} s -> "
        f"{verdict(demo.write.best < TARGET_DEMO_S)}",
        f"  national < {TARGET_NATIONAL_S:g} s: {national_s:.1f} s ({how_s}) -> "
        f"{verdict(national_s < TARGET_NATIONAL_S)}",
        f"  national memory < {TARGET_MEMORY_B / 1e9:g} GB: {national_mem / 1e9:.2f} GB "
        f"({how_mem}) -> {verdict(national_mem < TARGET_MEMORY_B)}",
        f"  >= {TARGET_RATIO:g}x the naive rate (whole demo, compute_coverage): "
        f"{ratio_compute:.0f}x -> {verdict(ratio_compute >= TARGET_RATIO)} (naive extrapolated)",
        f"  >= {TARGET_RATIO:g}x the naive rate (national): {ratio_nat:.0f}x -> "
        f"{verdict(ratio_nat >= TARGET_RATIO)}",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, default=REPO,
                        help="demo workspace folder [the repository]")
    parser.add_argument("--sites", type=int, default=100_000, help="national masts [100,000]")
    parser.add_argument("--cells", type=int, default=100,
                        help=f"communes per side of the national square, {CELL_M / 1000:g} km "
                        "each [100: 575 km]")
    parser.add_argument("--national-resolution", type=float, default=100.0,
                        help="national pixel size, m [100]")
    parser.add_argument("--windows", type=int, default=2,
                        help="blocks of communes in the tile set [2]")
    parser.add_argument("--window-cells", type=int, default=18,
                        help="communes per side of a block [18: 103.5 km, ~2x2 tiles of 512 px]")
    parser.add_argument("--full-national", action="store_true",
                        help="also run the whole national grid (measured, not extrapolated)")
    parser.add_argument("--naive-sites", type=int, default=40,
                        help="masts timed naively on the demo grid [40]")
    parser.add_argument("--naive-national-sites", type=int, default=3,
                        help="masts timed naively on the national grid [3]")
    parser.add_argument("--seed", type=int, default=20_240_601, help="random seed")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best kept [3]")
    parser.add_argument("--quick", action="store_true",
                        help="small run: 10,000 masts on 32 x 32 communes (184 km), one "
                        "block, 10 naive masts, 2 repeats")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one write_coverage (thread pools run inline) and "
                        "print the hot spots")
    parser.add_argument("--child", choices=("window", "full"), default=None,
                        help=argparse.SUPPRESS)  # internal: one run in a fresh process
    args = parser.parse_args(argv)
    if args.quick:
        args.sites, args.cells, args.windows, args.window_cells = 10_000, 32, 1, 12
        args.naive_sites, args.naive_national_sites, args.repeat = 10, 2, 2
    if args.sites < 100 or args.cells < 2 or args.windows < 1 or args.window_cells < 1:
        parser.error("--sites >= 100, --cells >= 2, --windows >= 1, --window-cells >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.simplefilter("ignore", coverage.ModelRangeWarning)  # 3G at 2100 MHz, every run
    if args.child:
        return child_main(args)
    rng = np.random.default_rng(args.seed + 1)

    print("timing the demo province ...", file=sys.stderr)
    demo, ws = run_demo(args)
    settings = ws.config.coverage
    print("timing the naive loop on the demo grid ...", file=sys.stderr)
    naive_demo = time_naive(demo.stamps, demo.result.grid, settings, rng, args.naive_sites)
    print("checking naive == ictgis on a few masts ...", file=sys.stderr)
    checks = check_agreement(ws, settings, rng)

    print("building the synthetic national set ...", file=sys.stderr)
    nat = build_national(args)
    print("timing the national tile set ...", file=sys.stderr)
    run, stamps, national_grid = run_national(nat, args)
    print("timing the naive loop on the national grid ...", file=sys.stderr)
    naive_nat = time_naive(stamps, national_grid, nat.settings, rng, args.naive_national_sites)
    del stamps

    print(report(args, demo, naive_demo, nat, run, naive_nat, national_grid))
    print("\nchecks (asserted):")
    print("\n".join(f"  {line}" for line in [
        *checks, "demo and every tile-set window: ictgis's evaluation count == every stamp's "
        "kernel square clipped to the grid (the count the national extrapolation uses)"]))
    if args.profile:
        print("\ncProfile of one write_coverage, thread pools inline (ictgis functions, "
              "cumulative):")
        print(profile_demo(ws, 30))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
