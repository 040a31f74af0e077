"""Benchmark ``ictgis calibrate`` on the demo's drive test, and check the fit against its truth.

1. The repository's SYNTHETIC workspace is loaded (not timed); its drive test
   (``layers/drivetest.csv``, 23,186 rows) is read, located and checked (timed).
2. Matching: every measurement's predicted level, by ``calibration.match`` (cells of 1 km,
   transmitters that cannot be the best server left out), best of ``--repeat``; against a
   baseline a competent user would write: for every operator and technology, every mast's
   ``models.path_loss`` on every measurement, the maximum (omni masts: the demo has no
   sectors). Asserted equal within 1e-5 dB (E_env in float32, as in the rasters).
3. The fit (``calibration.fit_table`` with the slope), timed; asserted: every true offset of
   ``ictgis/demo/drivetest.py`` in its 99 % interval and within 1 dB, the spread after
   calibration within 1 dB of the 8 dB of shadowing put in, every slope interval holding 0.

Target: the whole comparison (reading, matching, fitting) under 10 s on a 2-core machine.
Run: ``python benchmarks/bench_calibration.py [--repeat N]``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import _harness as h
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def baseline(points: pd.DataFrame, bts: pd.DataFrame, settings: object) -> np.ndarray:
    """Every mast's Hata on every measurement, the best per row (dB, before E_env)."""
    from ictgis.coverage import antenna_heights, path_loss

    out = np.full(len(points), -np.inf)
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    for (op, tech), rows in points.groupby(["operator", "technology"]).indices.items():
        cfg = settings.technologies[tech]
        mine = bts[bts["operators"].map(lambda o, op=op: op in o)
                   & bts["technologies"].map(lambda t, tech=tech: tech in t)]
        heights = antenna_heights(mine, settings)
        for sx, sy, height in zip(mine.geometry.x, mine.geometry.y, heights, strict=True):
            d = np.hypot(x[rows] - sx, y[rows] - sy) / 1000
            level = cfg.eirp_dbm - path_loss(np.maximum(d, settings.min_distance_km),
                                             frequency_mhz=cfg.frequency_mhz,
                                             base_height_m=height,
                                             mobile_height_m=cfg.mobile_height_m)
            level[d > settings.max_range_km] = -np.inf
            out[rows] = np.maximum(out[rows], level)
    return out


def main() -> None:
    args = h.parser(__doc__, repeat=3).parse_args()
    from ictgis import coverage, pipeline
    from ictgis.coverage import calibration as cal
    from ictgis.demo import drivetest

    warnings.simplefilter("ignore", coverage.ModelRangeWarning)
    h.say("loading the demo workspace")
    ws = pipeline.load(ROOT)
    settings = ws.config.coverage
    read, (points, _, rejected, _) = h.seconds(lambda: cal.load_measurements(
        ws.config, ws.communes, settings, ws.bts))
    grid = coverage.province_grid(ws.communes, settings)
    raster, (_, env) = h.seconds(lambda: coverage.rasterize_communes(ws.communes, grid,
                                                                     settings))
    h.say("matching")
    timed = h.best_of(lambda: cal.match(points, ws.bts, env, grid, settings), args.repeat)
    matched = timed.result
    naive, levels = h.seconds(lambda: baseline(points, ws.bts, settings))
    corrections = np.array([coverage.environment_correction(
        settings.technologies[t].frequency_mhz, settings.technologies[t].mobile_height_m, e)
        for t, e in zip(matched["technology"], matched["environment"], strict=True)])
    # E_env is applied in float32, as in the coverage's rasters: equal within 1e-5 dB
    h.same("predicted level", matched["predicted_dbm"].to_numpy(), levels - corrections,
           atol=1e-5)
    h.say("fitting")
    fit, (table, _) = h.seconds(lambda: cal.fit_table(matched, slope=True))
    for row in table.itertuples():
        truth = drivetest.TRUE_OFFSETS_DB[row.technology][row.environment]
        assert row.ci_low_db <= truth <= row.ci_high_db, (row.technology, row.environment)
        assert abs(row.offset_db - truth) <= 1.0 and abs(row.std_after_db - 8.0) <= 1.0
        assert row.slope_ci_low <= 0.0 <= row.slope_ci_high
    total = read + raster + timed.best + fit
    h.show("Calibration on the demo's drive test", [
        f"  {len(points):,} measurements used, {len(rejected)} rejected",
        *h.table([("read, locate, check the file", read), ("environment of the pixels", raster),
                  (f"match (best of {args.repeat}: {timed.every()})", timed.best),
                  ("baseline: every mast's path_loss on every row", naive),
                  ("fit (offset, and offset + slope)", fit)]),
        f"  matching {naive / timed.best:.1f}x the baseline, equal within 1e-5 dB",
        h.target("whole comparison <= 10 s", f"{total:.2f} s", total <= 10.0)])
    h.show("Fit against the truth", [
        f"  {r.technology} {r.environment:<9} n={r.n:>5}  truth "
        f"{drivetest.TRUE_OFFSETS_DB[r.technology][r.environment]:+.1f}  fitted "
        f"{r.offset_db:+.2f} [{r.ci_low_db:+.2f}, {r.ci_high_db:+.2f}]  sigma after "
        f"{r.std_after_db:.2f}  slope {r.slope_db_per_decade:+.2f}"
        for r in table.itertuples()])
    print(h.result("calibration.demo", total, "s", target="<=10"))
    print(h.result("calibration.match_vs_every_mast", naive / timed.best, "x",
                   baseline=("every_mast_path_loss", naive, "s")))


if __name__ == "__main__":
    main()
