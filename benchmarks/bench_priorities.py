"""Benchmark ``ictgis priorities``: candidates ranked by newly covered people (CELF greedy).

1. Demo province: the repository's SYNTHETIC workspace (loading not counted); 600 candidates
   (its unbuilt planned sites and a grid over uncovered people, spacing chosen to reach 600
   at most); ``priorities.prioritise`` end to end (today's coverage, the siting rules,
   coverage sets, the ranking), best of ``--repeat``.
2. National: the SYNTHETIC national set (``_national.py`` with its plan, not timed); 10,000
   of its planned positions as candidates (``--quick``: the set ten times smaller and 1,000);
   phases timed once: today's coverage (4G, any operator) at ``--national-resolution`` m,
   the siting rules (``appraise``), the coverage sets, the ranking. The coverage grid is
   coarser than the demo's 50 m (memory: a 50 m national grid has 130 M pixels); said so.
3. Lazy (CELF) against the plain greedy on the national coverage sets at K = ``--k`` (50):
   the selections asserted identical, the speed-up printed.

Targets (from the issue, 2-core machine): demo <= 10 s; national <= 120 s; lazy >= 10x the
plain greedy at K = 50 with identical selections.
Run: ``python benchmarks/bench_priorities.py [--quick] [--national-resolution 200]``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import _harness as h
import _national
import geopandas as gpd
import numpy as np

from ictgis import priorities, siting
from ictgis.config import CoverageConfig, SitingConfig, load_config
from ictgis.workspace import load_workspace, siting_context

REPO = Path(__file__).resolve().parents[1]
TARGET_DEMO_S, TARGET_NATIONAL_S, TARGET_SPEEDUP = 10.0, 120.0, 10.0


def demo(repeat: int) -> tuple[float, int]:
    """Best time of the whole ranking on the demo with ~600 candidates, and their number."""
    ws = load_workspace(load_config(REPO / "ictgis.toml"))
    planned = priorities.planned_candidates(siting_context(ws))
    base = priorities.baseline(ws.bts, ws.communes, ws.config.coverage, tech="4G")
    spacing = next(s for s in (250.0, 300.0, 400.0, 500.0, 700.0, 1000.0, 2000.0, 5000.0)
                   if len(planned) + len(priorities.grid_candidates(base, s)) <= 600)
    n = len(planned) + len(priorities.grid_candidates(base, spacing))
    h.say(f"demo: {len(planned)} unbuilt planned sites + grid at {spacing:.0f} m = {n} "
          "candidates")
    timed = h.best_of(lambda: priorities.prioritise(ws, grid_m=spacing), repeat)
    ranking = timed.result
    assert isinstance(ranking, priorities.Ranking)
    h.say(f"demo: {len(ranking.table)} sites ranked (runs {timed.every()} s)")
    return timed.best, n


def national(seed: int, quick: bool, resolution: float, k: int) -> dict[str, float]:
    """Phase times of the national ranking, and the lazy/plain comparison."""
    scale = _national.Scale().quick() if quick else _national.Scale()
    nat = _national.build(seed, scale, postal=False, plan=True)
    h.say(f"national set built in {nat.build_seconds:.1f} s (not timed): {nat.notes[0]}")
    n = 1_000 if quick else 10_000
    communes = nat.communes.assign(urban=nat.communes["kind"].isin(["phuong", "thi_tran"]))
    settings = dataclasses.replace(CoverageConfig(), resolution_m=resolution)
    sites = nat.sites
    ctx = siting.SitingContext(sites=sites, zones=nat.zones, settings=SitingConfig(),
                               planned=nat.planned, communes=communes)
    rng = np.random.default_rng(seed)
    chosen = nat.planned.iloc[np.sort(rng.choice(len(nat.planned), n, replace=False))]
    candidates = gpd.GeoDataFrame({"id": chosen["id"].to_numpy(dtype=object), "source": "planned",
                                   "operators": [()] * n,
                                   "mast_class": chosen["mast_class"].to_numpy(dtype=object),
                                   "height": np.nan, "cost_vnd": np.nan},
                                  geometry=chosen.geometry.array, crs=chosen.crs)
    times = {}
    times["today's coverage (4G, any)"], base = h.seconds(lambda: priorities.baseline(
        sites, communes, settings, tech="4G"))
    times["siting rules (appraise)"], (ranked, _) = h.seconds(lambda: priorities.appraise(
        candidates, ctx, communes, tech="4G", operator="any"))
    times["coverage sets"], (sets, weights) = h.seconds(lambda: priorities.coverage_sets(
        ranked, base))
    times["greedy (CELF), every site"], _ = h.seconds(lambda: priorities.greedy(sets, weights))
    times["total"] = sum(times.values())
    h.show(f"national: {n:,} candidates, grid {resolution:.0f} m", h.table(times.items()))
    lazy_s, lazy = h.seconds(lambda: priorities.greedy(sets, weights, max_sites=k))
    plain_s, plain = h.seconds(lambda: priorities.greedy(sets, weights, max_sites=k,
                                                         lazy=False))
    h.same(f"selections at K = {k}", lazy.order.tolist(), plain.order.tolist())
    h.say(f"K = {k}: lazy {lazy_s:.3f} s ({lazy.evaluations:,} gains), plain {plain_s:.3f} s "
          f"({plain.evaluations:,} gains)")
    return {"total": times["total"], "lazy": lazy_s, "plain": plain_s}


def main() -> None:
    """Print the figures and the targets."""
    p = h.parser(__doc__ or "", repeat=3)
    p.add_argument("--national-resolution", type=float, default=200.0,
                   help="coverage grid of the national run, m [200]")
    p.add_argument("--k", type=int, default=50, help="sites for lazy vs plain [50]")
    args = p.parse_args()
    demo_s, n_demo = demo(args.repeat)
    figures = national(args.seed, args.quick, args.national_resolution, args.k)
    speedup = figures["plain"] / max(figures["lazy"], 1e-9)
    scope = "quick set (1,000 candidates)" if args.quick else "10,000 candidates"
    h.show("targets", [
        h.target(f"demo, {n_demo} candidates <= {TARGET_DEMO_S:.0f} s", f"{demo_s:.2f} s",
                 demo_s <= TARGET_DEMO_S),
        h.target(f"national, {scope} <= {TARGET_NATIONAL_S:.0f} s",
                 f"{figures['total']:.1f} s", figures["total"] <= TARGET_NATIONAL_S,
                 f" (coverage grid {args.national_resolution:.0f} m)"),
        h.target(f"lazy >= {TARGET_SPEEDUP:.0f}x plain at K = {args.k}, same selections",
                 f"{speedup:.1f}x", speedup >= TARGET_SPEEDUP),
    ])
    h.show("results:", [
        h.result("priorities.demo", demo_s, "s", target=f"<={TARGET_DEMO_S:g}"),
        h.result("priorities.national", figures["total"], "s",
                 target=f"<={TARGET_NATIONAL_S:g}"),
        h.result("priorities.lazy_vs_plain", speedup, "x", target=f">={TARGET_SPEEDUP:g}",
                 baseline=("plain_greedy", figures["plain"], "s")),
    ])


if __name__ == "__main__":
    main()
