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
   larger is an upper bound, checked; a two-term fit is shown). Peak memory: the city
   window at two sizes, each in a fresh process, linear in pixels to the national grid
   (EXTRAPOLATED). ``--full-national`` runs the whole grid once in a fresh process.
3. Naive: one mast at a time on EVERY pixel of the full grid in plain numpy (float64,
   single thread, row bands): distance clamped at ``min_distance_km``, nothing beyond
   ``max_range_km``, Okumura-Hata / COST-231, ``np.maximum``. Timed on a sample of stamps
   and EXTRAPOLATED to every stamp (mast x operator x technology); no environment
   correction or population sums, in its favour.
4. Asserted: on the demo grid, for a few masts, the naive best server equals ictgis's within
   0.01 dB per operator and any, every technology, before (``stamp_tile``) and after the
   environment correction (``compute_coverage`` layers); ictgis's evaluation count equals
   every stamp's kernel square clipped to the grid (demo and every window).

Targets (from the issue, 2-core machine): >= 1 G evaluations/s; the demo province in under
3 s; the country in under 30 s and 4 GB; >= 100x the naive rate.
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
from affine import Affine

from ictgis import coverage
from ictgis.config import CoverageConfig, load_config
from ictgis.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]
TARGET_RATE, TARGET_DEMO_S, TARGET_NATIONAL_S = 1e9, 3.0, 30.0
TARGET_MEMORY_B, TARGET_RATIO = 4e9, 100.0  # 4 GB as 10^9 bytes: the stricter reading
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
                r = int(stamps.radius[k]) + 2
                r0, r1 = max(stamps.row[k] - r, 0), min(stamps.row[k] + r + 1, grid.height)
                c0, c1 = max(stamps.col[k] - r, 0), min(stamps.col[k] + r + 1, grid.width)
                if r0 >= r1 or c0 >= c1:
                    continue
                sub = coverage.Grid(grid.transform * Affine.translation(c0, r0), c1 - c0,
                                    r1 - r0, grid.crs)
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
    saved = coverage.NEAR_ZONE_M
    try:
        coverage.NEAR_ZONE_M = 0.0
        return h.best_of(lambda: coverage.compute_coverage(ws.bts, ws.communes, settings), repeat)
    finally:
        coverage.NEAR_ZONE_M = saved


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


class InlineExecutor:
    """A stand-in for ThreadPoolExecutor that runs every job in the calling thread."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, fn: object, *iterables: object) -> object:
        """``fn`` over the items, lazily, here."""
        return map(fn, *iterables)


def profile_demo(ws: object) -> str:
    """Profile one write_step, its thread pools made inline (cProfile sees one thread)."""
    import concurrent.futures

    saved = concurrent.futures.ThreadPoolExecutor, coverage.compute.ThreadPoolExecutor
    try:
        concurrent.futures.ThreadPoolExecutor = coverage.compute.ThreadPoolExecutor = InlineExecutor
        with tempfile.TemporaryDirectory(prefix="ictgis-bench-coverage-") as tmp:
            return h.profile(lambda: write_step(ws, Path(tmp)), r"ictgis[/\\]")
    finally:
        concurrent.futures.ThreadPoolExecutor, coverage.compute.ThreadPoolExecutor = saved


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
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: one run in a fresh process
    args = p.parse_args()
    warnings.simplefilter("ignore", coverage.ModelRangeWarning)  # 3G at 2100 MHz, every run
    if args.child:
        child(args.child)
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
    m0, m1 = memory
    per_pixel = (max(0.0, (m1["rss_peak"] - m0["rss_peak"]) / (m1["pixels"] - m0["pixels"]))
                 if m1["pixels"] != m0["pixels"] else m1["rss_peak"] / m1["pixels"])
    memory_estimate = m1["rss_peak"] + per_pixel * (nat_pixels - m1["pixels"])
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
        f"    national EXTRAPOLATED linearly in pixels ({per_pixel:.0f} B per pixel): "
        f"{memory_estimate / 1e9:.2f} GB"])
    national_s, national_mem = estimate, memory_estimate
    how_s, how_mem = "EXTRAPOLATED from the tile set", "EXTRAPOLATED from the window runs"
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
    h.show("checks (asserted):", ["  demo and every tile-set window: ictgis's "
           "evaluation count == every stamp's kernel square clipped to the grid (the count the "
           "national extrapolation uses)"])
    if args.profile:
        h.show("cProfile of one write_step, thread pools inline (ictgis functions, cumulative):",
               [profile_demo(ws)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
