"""Benchmark ``ictgis coverage`` (best-server rasters by kernel stamping) against naive numpy.

1. Demo province: the repository's SYNTHETIC workspace (loading timed, not counted), then
   best of ``--repeat``: the whole coverage step (``write_step``: every operator and
   technology, GeoTIFFs, population coverage, CSV) and ``coverage.compute_coverage`` alone,
   with its pixel-site evaluations (pixels touched by a stamped kernel) per second.
2. National: the SYNTHETIC national set (``_national.py``: 100,000 masts, 10,600 communes,
   not timed) at ``--national-resolution`` m. ``compute_coverage(keep_layers=False)`` runs
   on a TILE SET only: ``--windows`` squares of ``--window-km`` (one on the largest city,
   the others random), each with every mast in range; the national time is EXTRAPOLATED
   by the ratios of pixels and of evaluations (counted exactly for the whole grid; the
   larger is an upper bound, checked; a two-term fit is shown). Peak memory of the city
   window at two sizes, each in a fresh process (shown; the national memory is measured, see
   6). ``--full-national`` runs the whole grid once in a fresh process.
3. Naive: one mast at a time on EVERY pixel of the full grid in plain numpy (float64,
   single thread, row bands): distance clamped at ``min_distance_km``, nothing beyond
   ``max_range_km``, Okumura-Hata / COST-231, ``np.maximum``. Timed on a sample of stamps
   and EXTRAPOLATED to every stamp (mast x operator x technology); no environment
   correction or population sums, in its favour.
4. Windowed numpy, the baseline a competent user writes (issue 14): for every mast x operator x
   technology, Hata over the square window of its reach (``max_range_km``) at its true
   position and height, ``np.maximum`` into that operator's grid; the union, the environment
   correction, the floor and the covered population per commune. Timed on the whole demo
   (not extrapolated) in the same run; every layer asserted equal to ictgis's within the
   issue-15 tolerances (<= 0.5 dB everywhere: the baseline cuts the range from the mast's
   pixel centre, as ictgis defines it; covered population within 0.5 points per commune).
5. Threads: ``compute_coverage`` on 1 and on 2 threads (the stamping, the building of the
   kernels, the per-pixel tables, the reduction and the uncovered patches release the GIL),
   best of :data:`THREAD_ROUNDS` alternating rounds, wall and CPU time; on a loaded machine
   the wall ratio says little, so also the share of the one-thread CPU time spent inside the
   compiled calls that release the GIL (timed by thread CPU time) and the speed-up it allows:
   the work that holds the GIL runs one thread at a time, beside the other thread's compiled
   work.
6. Memory at national size: a fresh process streams the coverage step's work (tiles ->
   per-commune sums -> tiled GeoTIFFs window by window) over the SYNTHETIC national square at
   50 m (132 M pixels), ``--memory-masts`` masts of it (memory does not grow with the masts
   but by their tables), one technology; its peak RSS.
7. Asserted: ictgis's evaluation count equals every stamp's kernel square clipped to the grid
   (demo and every window); the accuracy checks of 4 and of the exact reference (any operator,
   range-cut interval).

Targets (from the issues, 2-core machine): >= 1 G evaluations/s; the demo province in under
3 s; the country in under 30 s and 4 GB; >= 100x the naive rate; >= 20x the windowed
numpy baseline; 2 threads >= 1.7x one thread (on an idle machine); a 132 M-pixel national grid
at 50 m under 4 GB. Every headline figure is also a ``RESULT`` line.
Run: ``python benchmarks/bench_coverage.py [--quick] [--full-national] [--profile]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import _harness as h
import _national
import numpy as np
import pandas as pd
import shapely

from ictgis import coverage
from ictgis.config import CoverageConfig, load_config
from ictgis.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]
TARGET_RATE, TARGET_DEMO_S, TARGET_NATIONAL_S = 1e9, 3.0, 30.0
TARGET_MEMORY_B, TARGET_RATIO = 4e9, 100.0  # 4 GB as 10^9 bytes: the stricter reading
TARGET_WINDOWED, TARGET_THREADS = 20.0, 1.7
BAND_ROWS = 1_024  # the naive loop works on row bands of this many rows (bounded memory)


def write_step(ws: object, folder: Path) -> None:
    """The whole coverage step of ``ws`` into ``folder``/coverage (rasters, population, CSV)."""
    from ictgis.outputs import Outputs
    from ictgis.steps import StepContext
    from ictgis.steps import coverage as step

    ctx = StepContext(Outputs(folder), formats=("csv",))
    step.write(step.compute(ws, ctx), ctx)  # pipeline entry point


# ------------------------------------------------------------------------- naive reference


@dataclass
class Stamps:
    """Masts x operators x technologies as ictgis stamps them, quantized the same way here."""

    row: np.ndarray
    col: np.ndarray
    x: np.ndarray  # true position (working CRS, m)
    y: np.ndarray
    site: np.ndarray  # row position in the sites frame
    operator: np.ndarray
    tech: np.ndarray
    height: np.ndarray  # antenna height (surveyed, else the class default), as it is
    radius: np.ndarray  # kernel half-size in pixels (coverage.KernelCache.radius_px)

    def __len__(self) -> int:
        return len(self.row)

    def evaluations(self, height: int, width: int) -> int:
        """Pixels of every stamp's kernel square inside the grid: what ictgis evaluates."""
        rows = np.minimum(height, self.row + self.radius + 1) - np.maximum(0, self.row - self.radius)
        cols = np.minimum(width, self.col + self.radius + 1) - np.maximum(0, self.col - self.radius)
        return int((np.clip(rows, 0, None) * np.clip(cols, 0, None)).sum())


def build_stamps(sites: pd.DataFrame, grid: coverage.Grid, settings: CoverageConfig) -> Stamps:
    x, y = shapely.get_x(sites.geometry.array), shapely.get_y(sites.geometry.array)
    col = np.floor((x - grid.transform.c) / grid.resolution).astype(np.int64)
    row = np.floor((grid.transform.f - y) / grid.resolution).astype(np.int64)
    default = settings.default_height_m.get("default", 30.0)
    by_class = np.array([settings.default_height_m.get(c, default) if isinstance(c, str)
                         else default for c in sites["mast_class"]], dtype=float)
    height = pd.to_numeric(sites["height"], errors="coerce").to_numpy(float)
    height = np.where(np.isnan(height), by_class, height)
    heights = np.maximum(height, coverage.MIN_HEIGHT_M)
    kernels = coverage.KernelCache(settings, grid.resolution)
    parts: list[tuple[int, str, int, int]] = []
    for t, (tech, cfg) in enumerate(settings.technologies.items()):
        has = np.flatnonzero([tech in ts for ts in sites["technologies"]])
        radius = {v: kernels.radius_px((float(cfg.frequency_mhz), float(v), float(cfg.eirp_dbm),
                                        float(cfg.mobile_height_m))) for v in np.unique(heights[has])}
        parts += [(s, o, t, radius[heights[s]]) for s in has for o in sites["operators"].iat[s]]
    site, op, tech, radius = (np.array(v) for v in zip(*parts, strict=True))
    return Stamps(row[site], col[site], x[site], y[site], site, op.astype(object), tech,
                  heights[site], radius)


def square(grid: coverage.Grid, row: int, col: int, radius: int
           ) -> tuple[coverage.Window, coverage.Grid] | None:
    """The square of half-size ``radius`` round pixel (row, col), clipped to the grid.

    Its window (row0, row1, col0, col1) and the sub-grid it is; None when it misses the grid.
    """
    r0, r1 = max(row - radius, 0), min(row + radius + 1, grid.height)
    c0, c1 = max(col - radius, 0), min(col + radius + 1, grid.width)
    if r0 >= r1 or c0 >= c1:
        return None
    window = (int(r0), int(r1), int(c0), int(c1))
    return window, coverage.Grid(grid.window_transform(window), c1 - c0, r1 - r0, grid.crs)


def naive_stamp(out: np.ndarray, grid: coverage.Grid, x: float, y: float, cfg: object,
                height_m: float, settings: CoverageConfig) -> None:
    """One mast at its true position on every pixel centre of ``out`` (the full grid).

    Distance, clamp, Hata (the formulas written out here), ``np.maximum``.
    """
    lf, lh, hm = np.log10(cfg.frequency_mhz), np.log10(height_m), cfg.mobile_height_m
    a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    a = (69.55 + 26.16 * lf if cfg.frequency_mhz <= 1500 else 46.3 + 33.9 * lf) - 13.82 * lh - a_hm
    b = 44.9 - 6.55 * lh
    res = grid.resolution
    dx = (grid.transform.c + (np.arange(out.shape[1], dtype=np.float64) + 0.5) * res - x) / 1000
    for r0 in range(0, out.shape[0], BAND_ROWS):
        r1 = min(out.shape[0], r0 + BAND_ROWS)
        py = grid.transform.f - (np.arange(r0, r1, dtype=np.float64) + 0.5) * res
        d = np.hypot(dx[None, :], (py - y)[:, None] / 1000)
        far = d > settings.max_range_km
        np.maximum(d, settings.min_distance_km, out=d)
        np.log10(d, out=d)
        d *= -b
        d += cfg.eirp_dbm - a
        d[far] = -np.inf
        np.maximum(out[r0:r1], d, out=out[r0:r1])


def time_naive(stamps: Stamps, grid: coverage.Grid, settings: CoverageConfig,
               rng: np.random.Generator, n: int) -> tuple[float, int, float]:
    """(seconds per stamp on the full grid, stamps measured, evaluations/s): best of 2 passes."""
    techs = list(settings.technologies.values())
    chosen = rng.choice(len(stamps), size=min(n, len(stamps)), replace=False)

    def run() -> None:
        out = np.full((grid.height, grid.width), -np.inf)
        for k in chosen:
            naive_stamp(out, grid, stamps.x[k], stamps.y[k], techs[stamps.tech[k]],
                        stamps.height[k], settings)

    best = h.best_of(run, 2).best
    return best / len(chosen), len(chosen), len(chosen) * grid.width * grid.height / best


def check_accuracy(ws: object, settings: CoverageConfig, result: coverage.CoverageResult
                   ) -> list[str]:
    """The any-operator layers of ictgis against the exact reference on EVERY demo pixel.

    The reference: each mast at its true position and height, Hata written out here
    (:func:`naive_stamp`, float64) within the range, minus the environment correction of the
    pixel's commune. Asserted: max |Δ| <= 0.5 dB at >= 100 m from every mast, <= 1.0 dB
    everywhere; covered population of every commune within 0.5 percentage points. Within
    res/√2 of a mast's range cut (a modelling limit, taken from the pixel centre by the
    shared kernels) the mast may count or not: |Δ| is the distance to that interval.
    """
    grid = result.grid
    bts = ws.bts.reset_index(drop=True)
    stamps = build_stamps(bts, grid, settings)
    _, env = coverage.rasterize_communes(ws.communes, grid, settings)
    res = grid.resolution
    lines = []
    population = ws.communes["population"].to_numpy(float)
    inside = result.index >= 0
    for t, (tech, cfg) in enumerate(settings.technologies.items()):
        chosen = np.flatnonzero(stamps.tech == t)
        chosen = chosen[np.unique(stamps.site[chosen], return_index=True)[1]]  # one per mast
        delta = res / np.sqrt(2) / 1000
        wide, narrow = (dataclasses.replace(settings, max_range_km=settings.max_range_km + s)
                        for s in (delta, -delta))
        levels = {}
        nearest = np.full((grid.height, grid.width), np.inf)
        for name, cut in (("exact", settings), ("wide", wide), ("narrow", narrow)):
            best = np.full((grid.height, grid.width), -np.inf)
            for k in chosen:
                found = square(grid, stamps.row[k], stamps.col[k], int(stamps.radius[k]) + 2)
                if found is None:
                    continue
                (r0, r1, c0, c1), sub = found
                naive_stamp(best[r0:r1, c0:c1], sub, stamps.x[k], stamps.y[k], cfg,
                            stamps.height[k], cut)
                if name == "exact":
                    px = sub.transform.c + (np.arange(c1 - c0) + 0.5) * res
                    py = sub.transform.f - (np.arange(r1 - r0) + 0.5) * res
                    d = np.hypot(px[None, :] - stamps.x[k], py[:, None] - stamps.y[k]) / 1000
                    np.minimum(nearest[r0:r1, c0:c1], d, out=nearest[r0:r1, c0:c1])
            table = np.array([coverage.environment_correction(
                cfg.frequency_mhz, cfg.mobile_height_m, e) for e in coverage.ENV_CODES])
            level = best - np.where(env >= 0, table[np.clip(env, 0, None)], np.nan)
            level[~np.isfinite(level) | (level < settings.floor_dbm)] = -np.inf
            levels[name] = level
        level, high, low = levels["exact"], levels["wide"], levels["narrow"]
        mine = result.layers[("any", tech)].astype(np.float64)
        mine[mine == coverage.NODATA] = -np.inf
        both = inside & np.isfinite(low) & np.isfinite(mine)
        with np.errstate(invalid="ignore"):
            diff = np.maximum(np.maximum(low - mine, mine - high), 0.0)
        ring = inside & (high != low)
        far = both & (nearest >= 0.1)
        worst_all, worst_far = float(diff[both].max()), float(diff[far].max())
        assert worst_far <= 0.5 and worst_all <= 1.0, (tech, worst_far, worst_all)
        covered = inside & (level - cfg.margin_db >= cfg.threshold_dbm)
        want = np.bincount(result.index[covered], weights=result.people[covered],
                           minlength=len(population))
        got = result.covered[f"pop_covered_any_{tech.lower()}"].to_numpy()
        points = float(np.abs(100 * (got - want) / np.maximum(population, 1)).max())
        assert points <= 0.5, (tech, points)
        bands = ", ".join(
            f"{lo:g}-{hi:g} km {diff[both & (nearest >= lo) & (nearest < hi)].max(initial=0):.3f}"
            for lo, hi in ((0, 0.1), (0.1, 0.25), (0.25, 1), (1, 2), (2, 5), (5, 20)))
        lines.append(f"  {tech}: {int(both.sum()):,} pixels (x {len(chosen):,} masts): max |Δ| "
                     f"{worst_all:.3f} dB everywhere, {worst_far:.3f} dB at >= 100 m, mean "
                     f"{diff[both].mean():.4f} dB; by distance to the nearest mast: {bands}; "
                     f"covered population per commune within {points:.3f} points "
                     f"({int(ring.sum()):,} pixels where a mast's range cut is within res/√2: "
                     "|Δ| to the interval)")
    return lines


def time_snapped(ws: object, settings: CoverageConfig, repeat: int) -> h.Timed:
    """compute_coverage without the near zone: every site on its pixel centre (before issue 15)."""
    saved = coverage.kernels.NEAR_ZONE_M  # read by every new KernelCache
    try:
        coverage.kernels.NEAR_ZONE_M = 0.0
        return h.best_of(lambda: coverage.compute_coverage(ws.bts, ws.communes, settings), repeat)
    finally:
        coverage.kernels.NEAR_ZONE_M = saved


def windowed_numpy(ws: object, settings: CoverageConfig, grid: coverage.Grid, env: np.ndarray,
                   index: np.ndarray, people: np.ndarray) -> tuple[dict, dict]:
    """The competent user's coverage: per mast, numpy over the window of its reach.

    Returns the level layers ((operator or ``any``, technology) -> float64 dBm, -inf where
    none) and the covered people per commune of each. Hata written out (:func:`naive_stamp`
    on the window), the range cut from the mast's pixel centre (ictgis's definition).
    """
    bts = ws.bts.reset_index(drop=True)
    stamps = build_stamps(bts, grid, settings)
    techs = list(settings.technologies.items())
    res, n = grid.resolution, len(ws.communes)
    reach = int(np.ceil(settings.max_range_km * 1000 / res))
    inside = index >= 0
    layers, covered = {}, {}
    for t, (tech, cfg) in enumerate(techs):
        table = np.array([coverage.environment_correction(
            cfg.frequency_mhz, cfg.mobile_height_m, e) for e in coverage.ENV_CODES])
        correction = np.where(inside, table[np.clip(env, 0, None)], np.nan)
        union = np.full((grid.height, grid.width), -np.inf)
        for op in sorted(set(stamps.operator[stamps.tech == t])):
            best = np.full((grid.height, grid.width), -np.inf)
            for k in np.flatnonzero((stamps.tech == t) & (stamps.operator == op)):
                found = square(grid, stamps.row[k], stamps.col[k], reach)
                if found is None:
                    continue
                (r0, r1, c0, c1), sub = found
                window = np.full((r1 - r0, c1 - c0), -np.inf)
                naive_stamp(window, sub, stamps.x[k], stamps.y[k], cfg, stamps.height[k],
                            dataclasses.replace(settings, max_range_km=np.inf))
                # nothing beyond max_range_km of the mast's pixel centre
                cy = grid.transform.f - (stamps.row[k] + 0.5) * res
                cx = grid.transform.c + (stamps.col[k] + 0.5) * res
                py = sub.transform.f - (np.arange(r1 - r0) + 0.5) * res
                px = sub.transform.c + (np.arange(c1 - c0) + 0.5) * res
                window[np.hypot(px[None, :] - cx, py[:, None] - cy) / 1000
                       > settings.max_range_km] = -np.inf
                np.maximum(best[r0:r1, c0:c1], window, out=best[r0:r1, c0:c1])
            np.maximum(union, best, out=union)
            layers[(op, tech)] = best
        layers[("any", tech)] = union
        for key in [k for k in layers if k[1] == tech]:
            level = layers[key] - correction
            level[~np.isfinite(level) | (level < settings.floor_dbm)] = -np.inf
            layers[key] = level
            hit = inside & (level - cfg.margin_db >= cfg.threshold_dbm)
            covered[key] = np.bincount(index[hit], weights=people[hit], minlength=n)
    return layers, covered


def compare_windowed(result: coverage.CoverageResult, layers: dict, covered: dict,
                     population: np.ndarray, settings: CoverageConfig) -> list[str]:
    """Assert ictgis equal to the windowed baseline within the issue-15 tolerances.

    Every layer: |Δ| <= 0.5 dB on every pixel; a pixel covered on one side only must be
    within 0.5 dB of the covering level (threshold + margin) on the other; a level on one
    side only within 0.5 dB of the floor. Covered population of every commune within 0.5
    points for any operator (the issue-15 figure); for each operator the largest difference
    is shown (a small commune's single pixel at the threshold can weigh more than 0.5 points).
    """
    inside = result.index >= 0
    worst, points, flips = 0.0, {}, 0
    for key, level in layers.items():
        op, tech = key
        cfg = settings.technologies[tech]
        mine = result.layers[key].astype(np.float64)
        mine[mine == coverage.NODATA] = -np.inf
        both = inside & np.isfinite(mine) & np.isfinite(level)
        alone = inside & (np.isfinite(mine) != np.isfinite(level))
        assert not (alone & (np.maximum(mine, level) > settings.floor_dbm + 0.5)).any(), key
        worst = max(worst, float(np.abs(mine[both] - level[both]).max(initial=0)))
        edge = cfg.threshold_dbm + cfg.margin_db
        flipped = inside & ((mine >= edge) != (level >= edge))
        assert (np.abs(level[flipped] - edge) <= 0.5).all(), key
        flips += int(flipped.sum())
        got = result.covered[f"pop_covered_{op.lower()}_{tech.lower()}"].to_numpy()
        points[key] = float(np.abs(100 * (got - covered[key]) / np.maximum(population, 1)).max())
    any_points = max(v for k, v in points.items() if k[0] == "any")
    assert worst <= 0.5 and any_points <= 0.5, (worst, points)
    return [f"  {len(layers)} layers (every operator and any, every technology), every pixel: "
            f"max |Δ| {worst:.3f} dB (tolerance 0.5 dB); {flips:,} pixels covered on one side "
            "only, each within 0.5 dB of the covering level",
            f"  covered population per commune: any operator within {any_points:.3f} points "
            "(tolerance 0.5); each operator: "
            + ", ".join(f"{op} {tech} {v:.2f}" for (op, tech), v in points.items()
                        if op != "any")]


def memory_child(path: Path) -> None:
    """--memory-child PATH: stream one national coverage to GeoTIFFs; JSON on stdout."""
    import contextlib

    from ictgis import io

    sites, communes, resolution, folder = pickle.loads(path.read_bytes())
    settings = CoverageConfig(resolution_m=resolution, technologies={
        "4G": CoverageConfig().technologies["4G"]})
    grid = coverage.province_grid(communes, settings)
    before = h.rss_now()
    with contextlib.ExitStack() as files:
        writers: dict = {}

        def sink(key: tuple[str, str], window: tuple[int, int, int, int], level: np.ndarray
                 ) -> None:
            if key not in writers:
                writers[key] = files.enter_context(io.raster_writer(
                    Path(folder) / f"level_{key[0]}_{key[1]}.tif", width=grid.width,
                    height=grid.height, dtype="float32", transform=grid.transform,
                    crs=grid.crs, nodata=coverage.NODATA))
            writers[key](window, level)

        took, result = h.seconds(lambda: coverage.compute_coverage(
            sites, communes, settings, keep_layers=False, sink=sink))
    print(json.dumps({"seconds": took, "evaluations": result.evaluations,
                      "pixels": grid.width * grid.height, "layers": len(writers),
                      "rss_before": before, "rss_peak": max(h.rss_peak(), before)}))


def national_memory(nat: _national.National, masts: int, seed: int) -> dict:
    """The coverage of the national square at 50 m, streamed to GeoTIFFs in a fresh process."""
    rng = np.random.default_rng(seed)
    sites = nat.sites.iloc[np.sort(rng.choice(len(nat.sites), min(masts, len(nat.sites)),
                                              replace=False))]
    with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
        path = Path(tmp) / "input.pickle"
        path.write_bytes(pickle.dumps((sites, nat.communes, 50.0, tmp)))
        done = subprocess.run([sys.executable, __file__, "--memory-child", str(path)],
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


#: Rounds of the thread comparison (each: one run on one thread, then one on two), even with
#: --quick: a single pair of ~2 s runs on a shared VM varied from 1.4x to 1.7x.
THREAD_ROUNDS = 5


def time_threads(ws: object, settings: CoverageConfig, rounds: int = THREAD_ROUNDS
                 ) -> tuple[h.Timed, h.Timed]:
    """compute_coverage (streaming, nothing kept) on one thread and on two, best of each.

    The runs alternate (1, 2, 1, 2, ...), so that a load passing over the machine falls on
    both alike rather than on all the runs of one of them.
    """
    timed = {n: h.Timed([], None) for n in (1, 2)}
    for _ in range(rounds):
        for n, each in timed.items():
            run = h.best_of(lambda n=n: coverage.compute_coverage(
                ws.bts, ws.communes, dataclasses.replace(settings, threads=n),
                keep_layers=False), 1)
            each.runs += run.runs
            each.cpu += run.cpu
    return timed[1], timed[2]


#: The compiled calls of the coverage engine that run without the interpreter lock, by module
#: of ictgis.coverage.
NOGIL_MODULES = {
    "kernels": ("_stamp", "_stamp_listed", "_fill_near", "_fill_levels", "_log_distances",
                "_reduce_pixels", "_lookup"),
    "population": ("_local", "_environment", "_spread"),
    "summaries": ("_patches",)}
NOGIL_CALLS = tuple(name for names in NOGIL_MODULES.values() for name in names)


def nogil_share(ws: object, settings: CoverageConfig) -> tuple[float, float]:
    """(CPU s of compute_coverage on one thread, CPU s inside the calls that release the GIL).

    Each of :data:`NOGIL_CALLS` is wrapped to add its thread CPU time (a CPU-time measure:
    what other processes on the machine do not change). The share p bounds the speed-up
    of two threads at min(2, 1 / (1 - p)): the part that holds the lock runs one thread at
    a time, overlapped with the other thread's compiled part.
    """
    import importlib
    import time

    inside = [0.0]

    def timed(fn: object) -> object:
        def call(*args: object) -> object:
            start = time.thread_time()
            try:
                return fn(*args)  # type: ignore[operator]
            finally:
                inside[0] += time.thread_time() - start
        return call

    modules = {m: importlib.import_module(f"ictgis.coverage.{m}") for m in NOGIL_MODULES}
    saved = {(m, name): getattr(modules[m], name) for m, names in NOGIL_MODULES.items()
             for name in names}
    one = dataclasses.replace(settings, threads=1)
    try:
        for (m, name), fn in saved.items():
            setattr(modules[m], name, timed(fn))
        used = time.process_time()
        coverage.compute_coverage(ws.bts, ws.communes, one, keep_layers=False)
        used = time.process_time() - used
    finally:
        for (m, name), fn in saved.items():
            setattr(modules[m], name, fn)
    return used, inside[0]


# --------------------------------------------------------------------------------- national


def windows(nat: _national.National, settings: CoverageConfig, n: int, km: float,
            rng: np.random.Generator) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """``n`` squares of ``km``: one on the largest city, the others random.

    Each as (name, communes wholly inside, every mast within range).
    """
    side = min(km * 1000, nat.side)
    x0, y0, x1, y1 = nat.bounds
    corners = [(float(np.clip(nat.cities[0, 0] - side / 2, x0, x1 - side)),
                float(np.clip(nat.cities[0, 1] - side / 2, y0, y1 - side)), "largest city")]
    corners += [(*rng.uniform((x0, y0), (x1 - side, y1 - side)), "random") for _ in range(n - 1)]
    margin = settings.max_range_km * 1000 + 2 * settings.resolution_m
    cb = nat.communes.geometry.bounds
    sx, sy = shapely.get_x(nat.sites.geometry.array), shapely.get_y(nat.sites.geometry.array)
    out = []
    for wx, wy, what in corners:
        inside = ((cb["minx"] >= wx) & (cb["maxx"] <= wx + side) & (cb["miny"] >= wy)
                  & (cb["maxy"] <= wy + side)).to_numpy()
        near = ((sx >= wx - margin) & (sx <= wx + side + margin) & (sy >= wy - margin)
                & (sy <= wy + side + margin))
        out.append((f"{what} ({wx / 1000:.0f}, {wy / 1000:.0f}) km", nat.communes.loc[inside],
                    nat.sites.loc[near]))
    return out


def fresh_process(sites: pd.DataFrame, communes: pd.DataFrame, resolution: float) -> dict:
    """One compute_coverage in a fresh process: seconds, counts, memory.

    A fresh process, so that its resident size is that run's alone (this one's allocator
    keeps what the demo and the threads freed).
    """
    with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
        path = Path(tmp) / "input.pickle"
        path.write_bytes(pickle.dumps((sites, communes, resolution)))
        done = subprocess.run([sys.executable, __file__, "--child", str(path)],
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(path: Path) -> None:
    """--child PATH: one compute_coverage of the pickled input, then JSON on stdout."""
    sites, communes, resolution = pickle.loads(path.read_bytes())
    settings = CoverageConfig(resolution_m=resolution)
    before = h.rss_now()
    took, result = h.seconds(lambda: coverage.compute_coverage(sites, communes, settings,
                                                               keep_layers=False))
    print(json.dumps({"seconds": took, "evaluations": result.evaluations,
                      "pixels": result.grid.width * result.grid.height, "rss_before": before,
                      "rss_peak": max(h.rss_peak(), before)}))


def profile_demo(ws: object) -> str:
    """Profile one write_step on one thread (cProfile sees one thread)."""
    one = dataclasses.replace(ws, config=dataclasses.replace(
        ws.config, coverage=dataclasses.replace(ws.config.coverage, threads=1)))
    with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
        return h.profile(lambda: write_step(one, Path(tmp)), r"ictgis[/\\]")


def main() -> int:
    p = h.parser(__doc__)
    p.add_argument("--workspace", type=Path, default=REPO, help="demo workspace [the repository]")
    p.add_argument("--national-resolution", type=float, default=100.0, help="pixel size, m [100]")
    p.add_argument("--windows", type=int, default=2, help="squares in the tile set [2]")
    p.add_argument("--window-km", type=float, default=103.5,
                   help="side of a square, km [103.5: ~2x2 tiles of 512 px at 100 m]")
    p.add_argument("--full-national", action="store_true", help="also run the whole grid")
    p.add_argument("--naive-sites", type=int, default=40, help="stamps timed naively, demo [40]")
    p.add_argument("--naive-national-sites", type=int, default=3,
                   help="stamps timed naively on the national grid [3]")
    p.add_argument("--memory-masts", type=int, default=5_000,
                   help="masts of the national set in the 50 m memory run [5000]")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: one run in a fresh process
    p.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    warnings.simplefilter("ignore", coverage.ModelRangeWarning)  # 3G at 2100 MHz, every run
    if args.child:
        child(args.child)
        return 0
    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    if args.quick:
        args.windows, args.window_km, args.naive_sites, args.naive_national_sites = 1, 69.0, 10, 2
        args.repeat = 1
    rng = np.random.default_rng(args.seed + 1)

    h.say("timing the demo province ...")
    load, ws = h.seconds(lambda: load_workspace(load_config(args.workspace)))
    settings = ws.config.coverage
    with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
        write = h.best_of(lambda: write_step(ws, Path(tmp)), args.repeat)
    compute = h.best_of(lambda: coverage.compute_coverage(ws.bts, ws.communes, settings),
                        args.repeat)
    grid = compute.result.grid
    evaluations = compute.result.evaluations
    stamps = build_stamps(ws.bts, grid, settings)
    h.same("demo evaluations counted here vs by ictgis", stamps.evaluations(grid.height, grid.width),
           evaluations)
    h.say("timing the naive loop on the demo grid ...")
    per_stamp, measured, naive_rate = time_naive(stamps, grid, settings, rng, args.naive_sites)
    h.say("timing the windowed numpy baseline on the whole demo ...")
    _, env = coverage.rasterize_communes(ws.communes, grid, settings)
    windowed = h.best_of(lambda: windowed_numpy(ws, settings, grid, env, compute.result.index,
                                                compute.result.people), 1)
    windowed_checks = compare_windowed(compute.result, *windowed.result,
                                       ws.communes["population"].to_numpy(float), settings)
    windowed.result = None
    h.say("timing 1 and 2 threads ...")
    load_threads = os.getloadavg()[0]  # the 1-minute load as the thread timing starts
    one_thread, two_threads = time_threads(ws, settings)
    cpu_one, cpu_nogil = nogil_share(ws, settings)
    h.say("timing the snapped computation (no near zone) ...")
    snapped = time_snapped(ws, settings, args.repeat)
    h.say("checking ictgis against the exact reference on every pixel ...")
    accuracy = check_accuracy(ws, settings, compute.result)

    h.say("building the synthetic national set ...")
    nat = _national.build(args.seed, _national.Scale().quick() if args.quick else _national.Scale(),
                          postal=False)
    nat_settings = CoverageConfig(resolution_m=args.national_resolution)
    h.say("timing the national tile set ...")
    tile_set = []
    for name, communes, sites in windows(nat, nat_settings, args.windows, args.window_km,
                                         np.random.default_rng(args.seed + 2)):
        timed = h.best_of(lambda c=communes, s=sites: coverage.compute_coverage(
            s, c, nat_settings, keep_layers=False), args.repeat)
        g = timed.result.grid
        h.same(f"{name}: evaluations counted here vs by ictgis", build_stamps(
            sites, g, nat_settings).evaluations(g.height, g.width), timed.result.evaluations)
        tile_set.append((name, len(communes), len(sites), g.width * g.height,
                         timed.result.evaluations, timed))
        timed.result = None
    national_grid = coverage.Grid.covering(tuple(nat.communes.total_bounds),
                                           nat_settings.resolution_m, nat.communes.crs)
    nat_stamps = build_stamps(nat.sites, national_grid, nat_settings)
    nat_pixels = national_grid.width * national_grid.height
    nat_evaluations = nat_stamps.evaluations(national_grid.height, national_grid.width)
    _, city_communes, city_sites = windows(nat, nat_settings, 1, args.window_km, rng)[0]
    half = windows(nat, nat_settings, 1, args.window_km / 2, rng)[0]
    memory = [fresh_process(s, c, args.national_resolution)
              for _, c, s in (half, (None, city_communes, city_sites))]
    full = None
    if args.full_national:
        h.say("  whole national grid in a fresh process (--full-national) ...")
        full = fresh_process(nat.sites, nat.communes, args.national_resolution)
        h.same("national evaluation count", full["evaluations"], nat_evaluations)
    h.say(f"national square at 50 m, {args.memory_masts:,} masts, streamed to GeoTIFFs in a "
          "fresh process ...")
    streamed = national_memory(nat, args.memory_masts, args.seed + 3)
    h.say("timing the naive loop on the national grid ...")
    nat_per_stamp, nat_measured, nat_naive_rate = time_naive(
        nat_stamps, national_grid, nat_settings, rng, args.naive_national_sites)

    w = 58
    demo_rate = evaluations / compute.best
    naive_demo = per_stamp * len(stamps)
    print(f"\nDEMO province ({args.workspace}; SYNTHETIC): {len(ws.bts):,} masts, {len(stamps):,} "
          f"stamps (mast x operator x technology), grid {grid.width:,} x {grid.height:,} = "
          f"{grid.width * grid.height / 1e6:.2f} M pixels of {grid.resolution:g} m, threads "
          f"{os.cpu_count()}")
    print("\n".join([
        f"  load_config + load_workspace: {load:.3f} s (NOT part of the coverage time below)",
        f"  {'step (best of ' + str(len(write.runs)) + '; every run in s)':<{w}}{'seconds':>9}"
        f"{'eval/s':>10}",
        f"  {'write_step (all, GeoTIFFs, population, CSV)':<{w}}{write.best:>9.3f}"
        f"{h.giga(evaluations / write.best):>10}   {write.every()}",
        f"  {'compute_coverage alone':<{w}}{compute.best:>9.3f}{h.giga(demo_rate):>10}   "
        f"{compute.every()}",
        f"  pixel-site evaluations: {evaluations:,} (= every stamp's kernel square clipped to "
        "the grid, counted here too: equal)"]))
    h.show("NAIVE per-mast full-grid numpy (float64, one thread, same run):", [
        f"  demo grid: {per_stamp * 1000:.1f} ms per mast, {h.giga(naive_rate)} eval/s (every "
        "pixel of the grid for every mast)",
        f"  whole demo: {per_stamp * 1000:.1f} ms x {len(stamps):,} stamps = {naive_demo:.1f} s "
        f"(EXTRAPOLATED from {measured} stamps measured ({per_stamp * measured:.2f} s))",
        f"  national grid: {nat_per_stamp:.3f} s per mast, {h.giga(nat_naive_rate)} eval/s; x "
        f"{len(nat_stamps):,} stamps = {nat_per_stamp * len(nat_stamps) / 3600:.1f} h "
        f"(EXTRAPOLATED from {nat_measured} stamps)"])

    pixels, evals = sum(t[3] for t in tile_set), sum(t[4] for t in tile_set)
    took = sum(t[5].best for t in tile_set)
    by_pixels, by_evals = took * nat_pixels / pixels, took * nat_evaluations / evals
    lhs = np.array([[t[4], t[3]] for t in tile_set], float)
    coef, _, rank, _ = np.linalg.lstsq(lhs, [t[5].best for t in tile_set], rcond=None)
    fitted = ([f"    two-term fit on the windows (t = a*evaluations + b*pixels: a = "
               f"{coef[0] * 1e9:.3f} s per G evaluations, b = {coef[1] * 1e6:.3f} s per M pixels): "
               f"{coef[0] * nat_evaluations + coef[1] * nat_pixels:7.1f} s (best estimate, not "
               "checked)"] if len(tile_set) > 1 and rank == 2 and (coef >= 0).all() else [])
    estimate = max(by_pixels, by_evals)
    h.show(f"NATIONAL (SYNTHETIC, seed {args.seed}; built in {nat.build_seconds:.1f} s, not timed): "
           f"{nat.side / 1000:.0f} km x {nat.side / 1000:.0f} km = {nat.side ** 2 / 1e6:,.0f} km², "
           f"{args.national_resolution:g} m pixels, grid {national_grid.width:,} x "
           f"{national_grid.height:,} = {nat_pixels / 1e6:.1f} M pixels, tiles of "
           f"{nat_settings.tile_px} px", [
        *(f"  {note}" for note in nat.notes),
        f"  {len(nat_stamps):,} stamps (mast x operator x modelled technology; omnidirectional)",
        "  TILE SET measured (compute_coverage, keep_layers=False; best of "
        f"{args.repeat} runs per window, every run in s):",
        *(f"    {name}: {nc:,} communes, {ns:,} masts in range, {px / 1e6:.2f} M pixels, "
          f"{ev / 1e9:.2f} G evaluations: {t.best:.3f} s, {h.giga(ev / t.best)} eval/s   "
          f"({t.every()})" for name, nc, ns, px, ev, t in tile_set),
        f"    total {pixels / 1e6:.2f} M pixels ({100 * pixels / nat_pixels:.1f} % of the country), "
        f"{evals / 1e9:.2f} G evaluations ({100 * evals / nat_evaluations:.1f} %): {took:.3f} s, "
        f"{h.giga(evals / took)} eval/s",
        f"  national pixel-site evaluations (counted exactly, not stamped): "
        f"{nat_evaluations / 1e9:.1f} G",
        "  national time EXTRAPOLATED from the tile set:",
        f"    by pixels      x{nat_pixels / pixels:6.1f}: {by_pixels:7.1f} s",
        f"    by evaluations x{nat_evaluations / evals:6.1f}: {by_evals:7.1f} s",
        *fitted,
        f"    upper bound (the larger of the two ratios; checked): {estimate:.1f} s",
        "  memory: the largest-city window, in a fresh process each (peak RSS, VmHWM):",
        *(f"    {x['pixels'] / 1e6:5.2f} M pixels: {x['rss_before'] / 1e6:,.0f} MB before "
          f"compute_coverage, peak {x['rss_peak'] / 1e6:,.0f} MB" for x in memory),
        "    (no longer extrapolated in pixels: the tiles are streamed, memory does not grow "
        "with the grid; measured at national size below)"])
    national_s, national_mem = estimate, streamed["rss_peak"]
    how_s = "EXTRAPOLATED from the tile set"
    how_mem = (f"measured: the national square at 50 m, {streamed['pixels'] / 1e6:.0f} M pixels, "
               f"streamed, {args.memory_masts:,} masts")
    rates = [("demo, compute_coverage", demo_rate), ("national tile set", evals / took)]
    if full is not None:
        print(f"  WHOLE national grid measured (--full-national, one run in a fresh process): "
              f"{full['seconds']:.1f} s, {full['evaluations'] / 1e9:.1f} G evaluations, "
              f"{h.giga(full['evaluations'] / full['seconds'])} eval/s, peak RSS "
              f"{full['rss_peak'] / 1e9:.2f} GB (resident before {full['rss_before'] / 1e9:.2f} GB)")
        national_s, national_mem = full["seconds"], full["rss_peak"]
        how_s = how_mem = "measured on the whole grid"
        rates.append(("national, whole grid", full["evaluations"] / full["seconds"]))
    print(f"  this process's peak RSS (VmHWM: demo, naive, tile set and all): "
          f"{h.rss_peak() / 1e9:.2f} GB")
    ratio_compute, ratio_write = naive_demo / compute.best, naive_demo / write.best
    ratio_nat = nat_per_stamp * len(nat_stamps) / national_s
    h.show("ratios (naive / ictgis):", [
        f"  {'raw evaluation rate, demo (ictgis / naive eval/s)':<{w}}{demo_rate / naive_rate:>9.0f}x",
        f"  {'whole demo: naive / compute_coverage':<{w}}{ratio_compute:>9.0f}x   (naive extrapolated)",
        f"  {'whole demo: naive / write_step (ictgis also writes)':<{w}}{ratio_write:>9.0f}x   "
        "(naive extrapolated)",
        f"  {'national: naive / ictgis':<{w}}{ratio_nat:>9.0f}x   "
        + ("(both extrapolated)" if full is None else "(naive extrapolated)")])
    h.show("targets:", [
        *(h.target(f">= {h.giga(TARGET_RATE)} evaluations/s, {name}", f"{h.giga(rate)}/s",
                   rate >= TARGET_RATE) for name, rate in rates),
        h.target(f"demo province (write_step, all operators and technologies, rasters, "
                 f"population) < {TARGET_DEMO_S:g} s", f"{write.best:.3f} s",
                 write.best < TARGET_DEMO_S),
        h.target(f"national < {TARGET_NATIONAL_S:g} s", f"{national_s:.1f} s ({how_s})",
                 national_s < TARGET_NATIONAL_S),
        h.target(f"national memory < {TARGET_MEMORY_B / 1e9:g} GB",
                 f"{national_mem / 1e9:.2f} GB ({how_mem})", national_mem < TARGET_MEMORY_B),
        h.target(f">= {TARGET_RATIO:g}x the naive rate (whole demo, compute_coverage)",
                 f"{ratio_compute:.0f}x", ratio_compute >= TARGET_RATIO, " (naive extrapolated)"),
        h.target(f">= {TARGET_RATIO:g}x the naive rate (national)", f"{ratio_nat:.0f}x",
                 ratio_nat >= TARGET_RATIO)])
    h.show("accuracy (asserted): ictgis vs the exact reference (true positions and heights, "
           "every pixel of the demo, any operator)", accuracy)
    cost = compute.best / snapped.best - 1
    h.show("cost of the accuracy (compute_coverage, best of each):", [
        f"  sites snapped to their pixel centre (NEAR_ZONE_M = 0): {snapped.best:.3f} s   "
        f"({snapped.every()})",
        f"  exact near zone of {coverage.NEAR_ZONE_M:g} m (the default): {compute.best:.3f} s: "
        f"{100 * cost:+.0f} %",
        h.target("<= 25 % slower than snapped", f"{100 * cost:+.0f} %", cost <= 0.25)])
    ratio_windowed = windowed.best / compute.best
    threads_ratio = one_thread.best / two_threads.best
    h.show("WINDOWED numpy baseline (per mast x operator x technology, Hata over the window of "
           "its reach, np.maximum; environment, floor, covered population; one thread, whole "
           "demo, same run):", [
        f"  windowed numpy: {windowed.best:.2f} s; ictgis compute_coverage {compute.best:.3f} s "
        f"on {settings.threads} threads: {ratio_windowed:.1f}x",
        *windowed_checks,
        h.target(f">= {TARGET_WINDOWED:g}x the windowed numpy baseline", f"{ratio_windowed:.1f}x",
                 ratio_windowed >= TARGET_WINDOWED)])
    share = cpu_nogil / cpu_one
    bound = min(2.0, 1 / max(1 - share, 1e-9))
    h.show("threads (compute_coverage, nothing kept, best of each):", [
        f"  1 thread: {one_thread.best:.3f} s ({one_thread.every()}); 2 threads: "
        f"{two_threads.best:.3f} s ({two_threads.every()}): {threads_ratio:.2f}x "
        f"(load average {load_threads:.1f} on {os.cpu_count()} cores as the timing started: "
        f"the target is for an idle machine; {THREAD_ROUNDS} alternating rounds)",
        f"  CPU time: 1 thread {one_thread.best_cpu:.3f} s, 2 threads "
        f"{two_threads.best_cpu:.3f} s (least of each)",
        f"  share of the CPU time inside the calls that release the GIL "
        f"({', '.join(NOGIL_CALLS)}; one thread, timed by thread CPU time): "
        f"{cpu_nogil:.3f} of {cpu_one:.3f} s = {share:.0%}: 2 threads at most "
        f"{bound:.2f}x on an idle machine (the rest holds the GIL: one thread at a time)",
        h.target(f"2 threads >= {TARGET_THREADS:g}x one thread", f"{threads_ratio:.2f}x",
                 threads_ratio >= TARGET_THREADS)])
    h.show(f"NATIONAL size at 50 m, streamed (fresh process; {args.memory_masts:,} of the "
           f"{len(nat.sites):,} masts, one technology (4G), every operator):", [
        f"  {streamed['pixels'] / 1e6:.1f} M pixels, {streamed['layers']} GeoTIFFs written window "
        f"by window, {streamed['evaluations'] / 1e9:.1f} G evaluations in "
        f"{streamed['seconds']:.1f} s; peak RSS {streamed['rss_peak'] / 1e9:.2f} GB (resident "
        f"before {streamed['rss_before'] / 1e9:.2f} GB)",
        h.target(f"peak memory < {TARGET_MEMORY_B / 1e9:g} GB",
                 f"{streamed['rss_peak'] / 1e9:.2f} GB", streamed["rss_peak"] < TARGET_MEMORY_B)])
    print()
    for line in (
            h.result("coverage.demo_compute", compute.best, "s",
                     baseline=("windowed_numpy", windowed.best, "s")),
            h.result("coverage.vs_windowed_numpy", ratio_windowed, "x",
                     target=f">={TARGET_WINDOWED:g}",
                     baseline=("windowed_numpy", windowed.best, "s")),
            h.result("coverage.vs_full_grid_numpy", ratio_compute, "x",
                     target=f">={TARGET_RATIO:g}",
                     baseline=("full_grid_numpy_extrapolated", naive_demo, "s")),
            h.result("coverage.threads_2_vs_1", threads_ratio, "x",
                     target=f">={TARGET_THREADS:g}",
                     baseline=("one_thread", one_thread.best, "s")),
            h.result("coverage.nogil_cpu_share", 100 * share, "%",
                     baseline=("cpu_one_thread", cpu_one, "s")),
            h.result("coverage.national_50m_peak_rss", streamed["rss_peak"] / 1e9, "GB",
                     target=f"<={TARGET_MEMORY_B / 1e9:g}"),
            h.result("coverage.national_time", national_s, "s",
                     target=f"<={TARGET_NATIONAL_S:g}")):
        print(line)
    h.show("checks (asserted):", ["  demo and every tile-set window: ictgis's "
           "evaluation count == every stamp's kernel square clipped to the grid (the count the "
           "national extrapolation uses)"])
    if args.profile:
        h.show("cProfile of one write_step, thread pools inline (ictgis functions, cumulative):",
               [profile_demo(ws)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
