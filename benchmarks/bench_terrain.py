"""Benchmark coverage over terrain (``[layers.dem]``) on the demo province, against a profile.

1. The repository's SYNTHETIC demo workspace (loading not timed) and its SYNTHETIC DEM
   ``layers/dem.tif`` (read onto the coverage grid: timed).
2. ``coverage.compute_coverage`` for every operator and technology, without the DEM (the
   shared kernels) and with it (one kernel per transmitter from the radial sweep), best of
   ``--repeat``; the rate in pixel-site evaluations per second next to Signal-Server's
   measured 0.73 M pixel-site/s (flat terrain, its best case, on the same kind of 2-core
   machine; figure given in the issue).
3. Baseline, the obvious per-pixel implementation: for a sample of (transmitter, pixel)
   pairs of the demo, the profile of the straight line from the site to the pixel (scipy's
   bilinear interpolation), its dominant edge and the same documented method
   (``tests/test_terrain.py:reference_correction``); timed per pair and EXTRAPOLATED to
   every pixel-site of the run. Asserted: the sweep's correction agrees with it within
   0.1 dB on 95 % of the pairs (the sweep's error is shown as percentiles).

Target (issue 15): the demo province with a DEM in <= 60 s, all operators and technologies.
Run: ``python benchmarks/bench_terrain.py [--quick] [--repeat N]``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
import time
import warnings
from pathlib import Path

import _harness as h
import numpy as np

from ictgis import coverage
from ictgis.config import load_config
from ictgis.coverage.kernels import KernelCache
from ictgis.coverage.terrain import read_dem
from ictgis.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 60.0
SIGNAL_SERVER_RATE = 0.73e6  # pixel-site/s, flat terrain (issue 15)


def reference() -> object:
    """The per-pixel profile of tests/test_terrain.py (one oracle for tests and benchmark)."""
    if str(REPO) not in sys.path:  # it imports tests.conftest
        sys.path.insert(0, str(REPO))
    spec = importlib.util.spec_from_file_location("test_terrain",
                                                  REPO / "tests" / "test_terrain.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    args = h.parser(__doc__, repeat=1).parse_args()
    warnings.simplefilter("ignore", coverage.ModelRangeWarning)
    h.say("loading the demo workspace ...")
    ws = load_workspace(load_config(REPO / "ictgis.toml"))
    settings = ws.config.coverage
    if args.quick:
        settings = dataclasses.replace(
            settings, technologies={"4G": settings.technologies["4G"]})
    grid = coverage.province_grid(ws.communes, settings)
    read_s, terrain = h.seconds(lambda: read_dem(REPO / "layers" / "dem.tif", grid))
    h.say("without the DEM ...")
    plain = h.best_of(lambda: coverage.compute_coverage(ws.bts, ws.communes, settings,
                                                        keep_layers=False), args.repeat)
    h.say("with the DEM ...")
    cpu, load = time.process_time(), os.getloadavg()[0]
    over = h.best_of(lambda: coverage.compute_coverage(ws.bts, ws.communes, settings,
                                                       keep_layers=False, terrain=terrain),
                     args.repeat)
    evaluations = over.result.evaluations  # type: ignore[attr-defined]
    terrain_s = min(over.runs)
    cpu = (time.process_time() - cpu) / len(over.runs)
    load = max(load, os.getloadavg()[0])
    rate = evaluations / terrain_s

    h.say("baseline: per-pixel profiles on a sample ...")
    ref = reference()
    rng = np.random.default_rng(args.seed)
    errors, spent, pairs = [], 0.0, 0
    tech = next(iter(settings.technologies))
    one = dataclasses.replace(settings, technologies={"2G": settings.technologies[tech]})
    tx = coverage.transmitters(ws.bts, grid, tech, settings, per_site=True)
    plain_cache, cache = KernelCache(one, grid.resolution), KernelCache(one, grid.resolution,
                                                                        terrain)
    for k in rng.choice(len(tx), size=8 if args.quick else 20, replace=False):
        p = tx.params[tx.group[k]]
        row, col = int(tx.row[k]), int(tx.col[k])
        base = plain_cache.kernel(p[:6])
        diff = (cache.kernel(p).astype(np.int64) - base) / 100.0
        r = (len(base) - 1) // 2
        picked = 0
        while picked < 50:
            di, dj = (int(v) for v in rng.integers(-r, r + 1, 2))
            if not (0 <= row + di < grid.height and 0 <= col + dj < grid.width) or (
                    base[r + di, r + dj] == coverage.EMPTY) or (di, dj) == (0, 0):
                continue
            picked += 1
            start = time.perf_counter()
            expected = ref.reference_correction(  # type: ignore[attr-defined]
                terrain.elevation, row, col, di, dj, p[1], one)
            spent += time.perf_counter() - start
            errors.append(abs(diff[r + di, r + dj] - expected))
            pairs += 1
    err = np.asarray(errors)
    baseline_rate = pairs / spent
    assert np.percentile(err, 95) <= 0.1, np.percentile(err, 95)

    h.show("coverage over terrain: the demo province (SYNTHETIC), every operator and "
           "technology" + (" (--quick: 4G only)" if args.quick else ""), [
        f"  grid {grid.width} x {grid.height} px at {grid.resolution:g} m, "
        f"{len(ws.bts)} masts; DEM read onto the grid in {read_s:.2f} s",
        *h.table([("compute_coverage without DEM (shared kernels)", min(plain.runs)),
                  ("compute_coverage with the DEM (per-site kernels)", terrain_s)]),
        f"  with the DEM: {cpu:.1f} CPU seconds (all threads); machine load average up to "
        f"{load:.1f} on {os.cpu_count()} cores during the run (other work shares them)",
        f"  pixel-site evaluations: {h.giga(evaluations)}",
        f"  rate over terrain: {rate / 1e6:.2f} M pixel-site/s; Signal-Server (flat, best "
        f"case, same kind of machine): {SIGNAL_SERVER_RATE / 1e6:.2f} M pixel-site/s "
        f"({rate / SIGNAL_SERVER_RATE:.1f} x)",
        f"  baseline per-pixel profile: {baseline_rate:,.0f} pixel-site/s "
        f"(EXTRAPOLATED to the run: {evaluations / baseline_rate / 3600:.1f} h)",
        f"  sweep vs profile on {pairs} pairs: median {np.median(err):.3f} dB, 95 % "
        f"{np.percentile(err, 95):.3f} dB, 99 % {np.percentile(err, 99):.3f} dB, "
        f"max {err.max():.3f} dB",
        h.target("demo province with a DEM <= 60 s", f"{terrain_s:.1f} s",
                 terrain_s <= TARGET_S),
    ])
    print(h.result("terrain.demo", terrain_s, "s", target=f"<={TARGET_S:g}",
                   baseline=("no_dem", min(plain.runs), "s")))
    print(h.result("terrain.demo_cpu", cpu, "s"))
    print(h.result("terrain.rate", rate / 1e6, "Mpixel-site/s",
                   baseline=("signal_server_flat", SIGNAL_SERVER_RATE / 1e6, "Mpixel-site/s")))
    print(h.result("terrain.vs_profile", rate / baseline_rate, "x",
                   baseline=("per_pixel_profile", baseline_rate, "pixel-site/s")))
    print(h.result("terrain.error_p95", float(np.percentile(err, 95)), "dB", target="<=0.1"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
