"""Benchmark ``ictgis stats`` on the national synthetic set against a naive per-commune loop.

1. The SYNTHETIC national set (``_national.py``: 10,600 communes, 15,000 postal points,
   100,000 BTS, not timed) is written as a workspace in a temporary folder, with a few
   swapped coordinates and wrong stated communes so the validation does real work.
2. ictgis, end to end, best of ``--repeat`` (the first run is cold): ``load_config`` ->
   ``load_workspace`` (read, validate, reproject, locate) -> ``compute_stats`` ->
   ``io.write_tables`` (CSV), every phase timed; the counting part alone (``admin.locate``
   of both point layers, ``postal.count_points``, ``telecom.count_bts``) timed too.
3. Naive: read the same files with geopandas/pandas, then a Python loop over communes
   testing every point with ``shapely.contains`` (polygon prepared, vectorised over the
   points: fair, not a straw man), then a dict loop of district sums. Longer than
   ``--naive-limit`` s: a random subsample for ``--naive-budget`` s, EXTRAPOLATED (said so).
4. Asserted: the same counts on every commune the loop measured, the same district totals
   when it measured all, and every kept point in the commune it was generated in.

Targets (from the issue): national stats in under 2 s, >= 100x faster than the loop.
Run: ``python benchmarks/bench_stats.py [--quick] [--profile] [--keep DIR]``.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import _harness as h
import _national
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import admin, io, postal, telecom
from ictgis.config import DEFAULT_COUNT_TYPES, load_config
from ictgis.crs import transform_xy
from ictgis.stats import compute_stats
from ictgis.workspace import load_workspace

TARGET_SECONDS, TARGET_RATIO = 2.0, 100.0


def run_ictgis(root: Path) -> tuple[dict[str, float], dict[str, pd.DataFrame], object]:
    """Config -> workspace (its steps too) -> stats -> CSV tables: seconds of every phase."""
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    config = load_config(root)
    t1 = time.perf_counter()
    ws = load_workspace(config, progress=lambda name: marks.append((name, time.perf_counter())))
    t2 = time.perf_counter()
    tables = compute_stats(ws)
    t3 = time.perf_counter()
    with io.staged_dir(root / "outputs" / "stats") as tmp:
        io.write_tables(tmp, tables, formats=("csv",))
    marks.append(("", t2))
    phases = {"load_config": t1 - t0, "load_workspace": t2 - t1}
    phases |= {f"  {a}": tb - ta for (a, ta), (_, tb) in zip(marks, marks[1:], strict=False)}
    phases |= {"compute_stats": t3 - t2, "write_tables (csv)": time.perf_counter() - t3}
    return phases, tables, ws


def count(ws: object) -> None:
    """The ictgis equivalent of the naive loop: the spatial join and the per-commune counts."""
    codes = pd.Index(ws.communes["code"], name="code")
    postal.count_points(ws.post_offices["type"], admin.locate(ws.post_offices, ws.communes), codes,
                        count_types=ws.config.count_types)
    telecom.count_bts(ws.bts.assign(commune=admin.locate(ws.bts, ws.communes)), codes)


def naive(root: Path, args: object) -> tuple[float, h.Naive, float, dict]:
    """Read the files, then one commune at a time test every point with ``contains``."""
    counted = {k for k, (kind, _) in _national.POSTAL_LABELS.items() if kind in DEFAULT_COUNT_TYPES}
    start = time.perf_counter()
    communes = gpd.read_file(root / "boundaries" / "communes.gpkg")
    posts = pd.read_csv(root / "layers" / "post_offices.csv", dtype=str, keep_default_na=False)
    post_points = shapely.points(*transform_xy(posts["kinh_do"].astype(float),
                                               posts["vi_do"].astype(float), "EPSG:4326",
                                               _national.WORK_CRS))
    post_counted = posts["loai_diem"].isin(counted).to_numpy()
    bts = pd.read_csv(root / "layers" / "bts.csv", dtype=str, keep_default_na=False)
    bts_points = shapely.points(bts["toa_do_y"].astype(float), bts["toa_do_x"].astype(float))
    polygons, codes = communes.geometry.to_numpy(), communes["ma_xa"].tolist()
    districts, populations = communes["huyen"].tolist(), communes["dan_so"].tolist()
    read = time.perf_counter() - start

    def step(i: int) -> tuple:
        polygon = polygons[i]
        shapely.prepare(polygon)
        in_post, in_bts = shapely.contains(polygon, post_points), shapely.contains(polygon, bts_points)
        return (codes[i], districts[i], int(np.count_nonzero(in_post & post_counted)),
                int(np.count_nonzero(in_post)), int(np.count_nonzero(in_bts)), polygon.area / 1e6,
                populations[i])

    loop = h.naive_loop("contains loop", "communes", 0.0,
                        np.random.default_rng(args.seed + 1).permutation(len(polygons)), step,
                        limit=args.naive_limit, budget=args.naive_budget)
    start = time.perf_counter()
    per_district: dict[str, list[float]] = {}
    for _code, district, n_points, _all, masts, area_km2, population in loop.results.values():
        sums = per_district.setdefault(district, [0, 0, 0.0, 0])
        sums[0] += n_points
        sums[1] += masts
        sums[2] += area_km2
        sums[3] += population
    for sums in per_district.values():  # R = sqrt(S / (pi N)) and Dp = P / N
        sums += [math.sqrt(sums[2] / (math.pi * sums[0])) if sums[0] else math.nan,
                 sums[3] / sums[0] if sums[0] else math.nan]
    return read, loop, time.perf_counter() - start, per_district


def checks(loop: h.Naive, per_district: dict, tables: dict, ws: object,
           truth: _national.Written, codes: np.ndarray) -> list[str]:
    """Both methods agree on every measured commune (and district), and with the generator."""
    mine = pd.DataFrame(list(loop.results.values()), columns=[
        "code", "district", "n_points", "n_all", "masts", "area_km2", "population"])
    got = tables["commune"].set_index("code").loc[mine["code"]]
    for column, theirs in (("n_points", got["n_points"]), ("masts", got["masts"]),
                           ("n_all", got[[f"n_{t}" for t in postal.POINT_TYPES]].sum(axis=1)),
                           ("population", got["population"])):
        h.same(column, theirs.to_numpy().astype(np.int64), mine[column].to_numpy())
    h.same("area_km2", got["area_km2"].astype(float), mine["area_km2"], atol=1e-9)
    lines = [f"naive == ictgis on all {len(mine):,} communes measured (N, all postal points, "
             "masts, P, S)"]
    if loop.full:
        district = tables["district"].set_index("district").loc[list(per_district)]
        h.same("district N, masts, P", district[["n_points", "masts", "population"]].to_numpy(),
               [v[:2] + v[3:4] for v in per_district.values()])
        lines.append(f"naive == ictgis on all {len(per_district):,} districts (N, masts, P)")
    for layer, where in (("post_offices", truth.post_commune), ("bts", truth.bts_commune)):
        frame = getattr(ws, layer)
        ids = frame["id"].str.extract(r"(\d+)$")[0].astype(int).to_numpy() - 1
        h.same(f"{layer}: located vs generated", frame["commune"].to_numpy(dtype=object),
               codes[where[ids]])
        rejected = len(where) - len(frame)
        lines.append(f"{layer}: every kept point is in the commune it was generated in; "
                     f"{rejected} rejected (all the swapped rows: {rejected == (where < 0).sum()})")
    return lines


def main() -> int:
    p = h.parser(__doc__, naive_budget=20.0)
    p.add_argument("--keep", type=Path, help="write the workspace here, not in a temp folder")
    args = p.parse_args()
    scale = _national.Scale().quick() if args.quick else _national.Scale()
    with tempfile.TemporaryDirectory(prefix="ictgis-bench-") as tmp:
        root = args.keep or Path(tmp) / "workspace"
        h.say(f"building the synthetic workspace in {root} ...")
        nat = _national.build(args.seed, scale)
        truth = _national.write_workspace(nat, root, DEFAULT_COUNT_TYPES)
        h.say("timing ictgis ...")
        runs = [run_ictgis(root) for _ in range(max(1, args.repeat))]
        phases, tables, ws = min(runs, key=lambda r: sum(v for k, v in r[0].items() if k[0] != " "))
        total = sum(v for k, v in phases.items() if k[0] != " ")
        counting = h.best_of(lambda: count(ws), args.repeat).best
        h.say("timing the naive loop ...")
        read, loop, aggregate, per_district = naive(root, args)
        every = ", ".join(f"{sum(v for k, v in r[0].items() if k[0] != ' '):.3f}" for r in runs)
        h.show(f"SYNTHETIC national workspace (made-up data, seed {args.seed}; built in "
               f"{nat.build_seconds:.1f} s, not timed):", [f"  {n}" for n in nat.notes + truth.notes])
        h.show(f"ictgis, end to end (best of {len(runs)} runs: {every} s; the first is cold):",
               h.table([*phases.items(), ("TOTAL (read, validate, indicators, CSV)", total),
                        ("counting only (locate x2 + count_points + count_bts)", counting)]))
        x = "" if loop.full else " (extrapolated)"
        naive_total = read + (loop.loop + aggregate) * loop.scale
        h.show(f"naive loop ({'measured on all communes' if loop.full else loop.how()}):",
               h.table([("read files (geopandas/pandas, no validation)", read),
                        ("per-commune contains loop" + x, loop.estimate),
                        ("per-district sums, R, Dp", aggregate * loop.scale),
                        ("TOTAL" + x, naive_total)]))
        count_ratio, whole_ratio = loop.estimate / counting, naive_total / total
        note = "" if loop.full else " (naive time extrapolated)"
        h.show("ratios (naive / ictgis):", [
            f"  {'counting: loop / (locate + counts)':<54}{count_ratio:>9.0f}x",
            f"  {'whole: naive total / ictgis total':<54}{whole_ratio:>9.0f}x"])
        h.show("targets:", [
            h.target(f"ictgis total < {TARGET_SECONDS:g} s", f"{total:.3f} s", total < TARGET_SECONDS),
            h.target(f">= {TARGET_RATIO:g}x the loop, counting part (the issue's join vs loop)",
                     f"{count_ratio:.0f}x", count_ratio >= TARGET_RATIO, note),
            h.target(f">= {TARGET_RATIO:g}x the loop, whole pipeline (ictgis also validates)",
                     f"{whole_ratio:.0f}x", whole_ratio >= TARGET_RATIO, note)])
        h.show("checks (asserted):", [f"  {line}" for line in checks(
            loop, per_district, tables, ws, truth, nat.communes["code"].to_numpy(dtype=object))])
        if args.profile:
            h.show("cProfile of one ictgis run (ictgis functions, cumulative):",
                   [h.profile(lambda: run_ictgis(root), r"ictgis[/\\](?!cli)")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
