"""Benchmark the BTS siting rules (``ictgis.siting``) at national scale against naive pairwise checks.

1. The SYNTHETIC national set (``_national.py``, not timed) with its plan: 100,000 masts,
   20,000 zones, 60,000 planned positions, 1,000 proposals.
2. ictgis: ``siting.check_sites(ctx, groups=GROUPS)`` (the ``sharing`` group needs the
   commune table and is left out), best of ``--repeat``; every ``CHECKS[group]`` on its
   own; ``judge_proposals`` on the proposals.
3. The baselines a competent user writes, in the same run: spacing with
   ``scipy.spatial.cKDTree.query_pairs`` at the largest d_min (then the pair's larger d_min,
   disjoint operators, the nearest partner by a pandas sort, clusters of 3+ by
   ``scipy.sparse.csgraph.connected_components``); zones with ``geopandas.sjoin``
   (``intersects``, an STRtree) and the rules as pandas masks, the first zone per mast and
   rule. Best of ``--repeat``, each beside the ictgis group that does the same.
4. Naive, no spatial index (numpy over the "all" side, a Python loop over the other):
   spacing: each mast against every mast (the pair's larger d_min, disjoint operators);
   zone: each zone ``intersects`` (prepared) every mast; plan: each new mast against every
   planned site, each planned site against every mast; proposals, in file order: every
   zone, planned site, mast and earlier approved proposal. Longer than ``--naive-limit``
   s: a random subsample for ``--naive-budget`` s, EXTRAPOLATED (said so).
5. Asserted: ictgis == each competent baseline on everything (conflicting pairs, nearest
   partner and distance, clusters; every (mast, rule, zone) zone finding); ictgis == the
   naive loops on everything they measured (the same conflicting partners, nearest partner,
   duplicates; zone findings; matched / unplanned / class / not built; verdicts).

Targets: the rule checks in under 5 s on a 2-core machine (the issue); every group at least
as fast as the competent baseline (issue 14 item 4). Each figure is also printed as a
``RESULT`` line (:func:`_harness.result`).
Run: ``python benchmarks/bench_siting.py [--quick] [--profile]``.
"""

from __future__ import annotations

import time
from types import MappingProxyType

import _harness as h
import _national
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ictgis import siting
from ictgis.config import SitingConfig

GROUPS = ("validity", "zone", "plan", "spacing", "height")
TARGET_SECONDS = 5.0
#: Illustrative thresholds (DOMAIN.md §2.4: Hải Dương 100/400 m, Quảng Nam class-dependent).
SETTINGS = SitingConfig(min_spacing_m=MappingProxyType({
    "default": (100.0, 400.0), "A2a": (150.0, 350.0), "A2b": (300.0, 400.0)}))


def xy(frame: object) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_x(frame.geometry.array), shapely.get_y(frame.geometry.array)


def dmin(frame: object) -> np.ndarray:
    """The d_min of every mast (its class, urban or rural), m."""
    return np.array([SETTINGS.spacing(c if isinstance(c, str) else "default", u) for c, u in
                     zip(frame["mast_class"].tolist(), frame["urban"].tolist(), strict=True)])


def naive_loops(nat: _national.National, rng: np.random.Generator, limit: float, budget: float
                ) -> tuple[dict[str, list[h.Naive]], float]:
    """Every naive loop, each on a time budget, and the seconds of their shared setup."""
    start = time.perf_counter()
    sites, zones, planned, props = nat.sites, nat.zones, nat.planned, nat.proposals
    x, y = xy(sites)
    d_old = dmin(sites)
    bits = {"Viettel": 1, "VinaPhone": 2, "MobiFone": 4, "Vietnamobile": 8}
    mask = np.array([sum(bits[o] for o in ops) for ops in sites["operators"]], dtype=np.int64)
    points = np.asarray(sites.geometry.array)
    cls = sites["mast_class"].fillna("").to_numpy(dtype=object)  # "" = no class
    known, a1 = cls != "", np.isin(cls, SETTINGS.a1_classes)
    height = sites["height"].to_numpy(float)
    polygons = np.asarray(zones.geometry.array)
    zone_cls, allowed = zones["zone_class"].to_numpy(dtype=object), zones["allowed_classes"].tolist()
    max_height = zones["max_height"].to_numpy(float)
    px, py = xy(planned)
    radius = planned["radius"].to_numpy(float)
    qx, qy = xy(props)
    q_points, q_cls = np.asarray(props.geometry.array), props["mast_class"].to_numpy(dtype=object)
    q_height, q_dmin = props["height"].to_numpy(float), dmin(props)
    site_ids, q_ids = sites["id"].to_numpy(dtype=object), props["id"].to_numpy(dtype=object)
    approved: list[int] = []  # earlier proposals of the file that were approved
    setup = time.perf_counter() - start

    def spacing(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d = np.sqrt((x - x[i]) ** 2 + (y - y[i]) ** 2)
        hit = (d < np.maximum(d_old, d_old[i])) & ((mask & mask[i]) == 0)
        hit[i] = False
        dup = np.flatnonzero(d <= SETTINGS.duplicate_tolerance_m)
        return np.flatnonzero(hit), d[hit], dup[dup != i]

    def zone(z: int) -> dict[str, np.ndarray]:
        shapely.prepare(polygons[z])
        hits = np.flatnonzero(shapely.intersects(polygons[z], points))
        out = {}
        if zone_cls[z] == "prohibited":
            out["zone.prohibited"] = hits
        elif zone_cls[z] == "restricted_a1":
            out["zone.a1_only"] = hits[known[hits] & ~a1[hits]]
        elif zone_cls[z] == "permitted" and allowed[z]:
            out["zone.class"] = hits[known[hits] & ~np.isin(cls[hits], allowed[z])]
        if not np.isnan(max_height[z]):
            out["zone.height"] = hits[height[hits] > max_height[z]]
        return out

    def plan_site(s: int) -> tuple[int, int, float]:  # matched site (or -1), nearest, its distance
        d = np.sqrt((px - x[s]) ** 2 + (py - y[s]) ** 2)
        within = np.flatnonzero(d <= radius)
        nearest = int(np.argmin(d))
        return (int(within[np.argmin(d[within])]) if len(within) else -1), nearest, float(d[nearest])

    def plan_built(p: int) -> bool:
        return bool((np.sqrt((x - px[p]) ** 2 + (y - py[p]) ** 2) <= radius[p]).any())

    def proposal(k: int) -> tuple[str, str, int]:
        c = q_cls[k]
        is_known, is_a1 = isinstance(c, str), c in SETTINGS.a1_classes
        zone_bad = any(zone_cls[z] == "prohibited"
                       or (zone_cls[z] == "restricted_a1" and is_known and not is_a1)
                       or (zone_cls[z] == "permitted" and is_known and bool(allowed[z])
                           and c not in allowed[z])
                       or (not np.isnan(max_height[z]) and q_height[k] > max_height[z])
                       for z in np.flatnonzero(shapely.intersects(polygons, q_points[k])))
        dp = np.sqrt((px - qx[k]) ** 2 + (py - qy[k]) ** 2)
        within = np.flatnonzero(dp <= radius)
        plan = int(within[np.argmin(dp[within])]) if len(within) else -1
        if zone_bad or (plan < 0 and SETTINGS.proposals_require_plan):
            return "refuse", "", plan
        ds = np.sqrt((x - qx[k]) ** 2 + (y - qy[k]) ** 2)
        close = np.flatnonzero(ds < np.maximum(q_dmin[k], d_old))  # the pair's larger d_min
        if len(close):
            return "co-locate", site_ids[close[np.argmin(ds[close])]], plan
        earlier = [a for a in approved
                   if np.hypot(qx[a] - qx[k], qy[a] - qy[k]) < max(q_dmin[a], q_dmin[k])]
        if earlier:
            return "co-locate", q_ids[min(earlier, key=lambda a: np.hypot(qx[a] - qx[k],
                                                                       qy[a] - qy[k]))], plan
        approved.append(k)
        return "approve", "", plan

    new = np.flatnonzero(sites["status"].isin(SETTINGS.plan_statuses).to_numpy())
    loops = {
        "spacing": [("spacing", "masts", rng.permutation(len(sites)), spacing)],
        "zone": [("zone", "zones", rng.permutation(len(zones)), zone)],
        "plan": [("plan (new masts)", "new masts", new, plan_site),
                 ("plan (planned sites)", "planned sites", rng.permutation(len(planned)),
                  plan_built)],
        "proposals": [("proposals", "proposals", np.arange(len(props)), proposal)],
    }
    out = {g: [h.naive_loop(name, unit, 0.0, order, step, limit=limit, budget=budget)
               for name, unit, order, step in parts] for g, parts in loops.items()}
    shapely.destroy_prepared(polygons)
    return out, setup


# ------------------------------------------------------------ the competent user's baselines


def kdtree_spacing(sites: gpd.GeoDataFrame) -> dict[str, object]:
    """Spacing with ``cKDTree.query_pairs``: conflicting pairs, nearest partner, clusters."""
    x, y = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    table = SETTINGS.min_spacing_m
    cls = sites["mast_class"]
    urban_m = cls.map({c: v[0] for c, v in table.items()}).fillna(table["default"][0])
    rural_m = cls.map({c: v[1] for c, v in table.items()}).fillna(table["default"][1])
    d_min = np.where(sites["urban"].to_numpy(bool), urban_m, rural_m)
    bits = {o: 1 << k for k, o in enumerate(sorted({o for ops in sites["operators"]
                                                      for o in ops}))}
    mask = sites["operators"].map(lambda ops: sum(bits[o] for o in ops)).to_numpy(np.int64)
    i, j = cKDTree(np.column_stack([x, y])).query_pairs(d_min.max(), output_type="ndarray").T
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    keep = (d < np.maximum(d_min[i], d_min[j])) & ((mask[i] & mask[j]) == 0)
    i, j, d = i[keep], j[keep], d[keep]
    ids = sites["id"].to_numpy(dtype=object)
    both = pd.DataFrame({"a": np.concatenate([i, j]), "b": np.concatenate([j, i]),
                         "d": np.concatenate([d, d])})
    nearest = both.sort_values(["a", "d", "b"]).drop_duplicates("a")
    nearest = nearest.assign(site=ids[nearest["a"]], other=ids[nearest["b"]])
    n = len(sites)
    _, label = connected_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)),
                                    directed=False)
    members = pd.Series(np.unique(np.concatenate([i, j])))
    groups = members.groupby(label[members]).agg(list)
    clusters = {", ".join(ids[m]) for m in groups if len(m) >= 3}
    return {"i": i, "j": j, "nearest": nearest, "clusters": clusters}


def sjoin_zones(sites: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Zone rules with ``geopandas.sjoin``: (mast, rule, first zone broken) rows."""
    left = gpd.GeoDataFrame({"s": np.arange(len(sites)), "cls": sites["mast_class"].to_numpy(),
                             "height": sites["height"].to_numpy(float)},
                            geometry=sites.geometry.to_numpy(), crs=sites.crs)
    right = gpd.GeoDataFrame({"z": np.arange(len(zones)), "zone_class": zones["zone_class"],
                              "allowed": zones["allowed_classes"],
                              "max_height": zones["max_height"].to_numpy(float)},
                             geometry=zones.geometry.to_numpy(), crs=zones.crs)
    hit = gpd.sjoin(left, right, predicate="intersects").sort_values(["s", "z"])
    known = hit["cls"].notna()
    in_allowed = np.array([not a or (isinstance(c, str) and c in a)
                           for a, c in zip(hit["allowed"], hit["cls"], strict=True)], bool)
    rules = {"zone.prohibited": hit["zone_class"] == "prohibited",
             "zone.a1_only": (hit["zone_class"] == "restricted_a1") & known
             & ~hit["cls"].isin(SETTINGS.a1_classes),
             "zone.class": (hit["zone_class"] == "permitted") & known & ~in_allowed,
             "zone.height": hit["height"] > hit["max_height"]}
    return pd.concat([hit.loc[m, ["s", "z"]].drop_duplicates("s").assign(rule=rule)
                      for rule, m in rules.items()], ignore_index=True)


def same_as_competent(spacing: dict[str, object], zone_rows: pd.DataFrame,
                      nat: _national.National, found: pd.DataFrame,
                      ctx: siting.SitingContext) -> list[str]:
    """Ictgis == the cKDTree and sjoin baselines, on every mast and zone."""
    n, pos, zpos = len(nat.sites), pd.Index(nat.sites["id"]), pd.Index(nat.zones["id"])
    conflicts = siting.conflict_pairs(ctx)
    theirs = pairs(spacing["i"], spacing["j"], n)
    h.same("spacing: conflicting pairs (cKDTree)", pairs(conflicts["i"], conflicts["j"], n),
           theirs)
    colocate = found[found["rule"] == "spacing.colocate"]
    nearest = spacing["nearest"]
    h.same("spacing.colocate: mast, partner (cKDTree)",
           colocate[["site_id", "other_id"]].to_numpy(dtype=object).astype(str),
           nearest[["site", "other"]].to_numpy(dtype=object).astype(str))
    h.same("spacing.colocate: distance (cKDTree)", colocate["value"].to_numpy(float),
           nearest["d"].to_numpy(float), atol=1e-6)
    clusters = set(found.loc[found["rule"] == "spacing.cluster", "detail"])
    assert clusters == spacing["clusters"], "spacing.cluster: clusters differ from the baseline"
    zone = found[found["rule"].str.startswith("zone.")]
    mine = pd.DataFrame({"s": pos.get_indexer(zone["site_id"]), "rule": zone["rule"].to_numpy(),
                         "z": zpos.get_indexer(zone["other_id"])})
    key = ["rule", "s", "z"]
    h.same("zone findings (sjoin)", mine.sort_values(key)[key].to_numpy(dtype=object).astype(str),
           zone_rows.sort_values(key)[key].to_numpy(dtype=object).astype(str))
    return [f"spacing: ictgis == cKDTree baseline: the same {len(theirs):,} conflicting pairs, "
            f"nearest partner and distance of all {len(nearest):,} masts needing co-location, "
            f"the same {len(clusters):,} clusters of 3+",
            f"zone: ictgis == sjoin baseline: the same {len(mine):,} (mast, rule, zone) findings"]


def pairs(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique keys of (a, b) pairs."""
    return np.unique(np.asarray(a, np.int64) * n + np.asarray(b, np.int64))


def checks(naive: dict[str, list[h.Naive]], nat: _national.National, found: pd.DataFrame,
           verdicts: pd.DataFrame, ctx: siting.SitingContext) -> list[str]:
    """The naive loops == ictgis on every item they measured."""
    n, pos = len(nat.sites), pd.Index(nat.sites["id"])
    ppos, zpos = pd.Index(nat.planned["id"]), pd.Index(nat.zones["id"])

    def rule(name: str, index: pd.Index = ppos) -> pd.DataFrame:
        f = found[found["rule"] == name]
        return pd.DataFrame({"s": pos.get_indexer(f["site_id"]), "o": index.get_indexer(
            f["other_id"]), "value": pd.to_numeric(f["value"], errors="coerce").to_numpy(float)})

    sp = naive["spacing"][0]
    sample = np.zeros(n, bool)
    sample[sp.measured] = True
    conflicts = siting.conflict_pairs(ctx)
    a = np.concatenate([conflicts["i"], conflicts["j"]])
    b = np.concatenate([conflicts["j"], conflicts["i"]])
    mine_a = [np.full(len(r[0]), s) for s, r in sp.results.items()]
    theirs = pairs(np.concatenate(mine_a or [[]]), np.concatenate(
        [r[0] for r in sp.results.values()] or [[]]), n)
    h.same("spacing: conflicting pairs", pairs(a[sample[a]], b[sample[a]], n), theirs)
    colocate = rule("spacing.colocate", pos)
    colocate = colocate[sample[colocate["s"]]].sort_values("s")
    want = sorted((s, int(p[np.lexsort((p, d))[0]]), float(d.min())) for s, (p, d, _) in
                  sp.results.items() if len(p))  # nearest, then lowest position
    h.same("spacing.colocate: masts, partner", colocate[["s", "o"]], [w[:2] for w in want])
    h.same("spacing.colocate: distance", colocate["value"], [w[2] for w in want], atol=1e-6)
    dup = rule("validity.duplicate", pos)
    da, db = np.minimum(dup["s"], dup["o"]), np.maximum(dup["s"], dup["o"])
    keep = sample[dup["s"].to_numpy()] | sample[dup["o"].to_numpy()]
    na = np.concatenate([np.full(len(r[2]), s) for s, r in sp.results.items()] or [[]])
    nb = np.concatenate([r[2] for r in sp.results.values()] or [[]])
    h.same("validity.duplicate", pairs(da[keep], db[keep], n),
           pairs(np.minimum(na, nb), np.maximum(na, nb), n))

    zp = naive["zone"][0]  # per (mast, rule): the first zone broken
    hits = pd.DataFrame([(s, r, z) for z, hit in zp.results.items() for r, ss in hit.items()
                         for s in ss], columns=["s", "rule", "z"])
    hits = hits.sort_values("z").drop_duplicates(["s", "rule"])
    zone = found[found["rule"].str.startswith("zone.")]
    mine = pd.DataFrame({"s": pos.get_indexer(zone["site_id"]), "rule": zone["rule"].to_numpy(),
                         "z": zpos.get_indexer(zone["other_id"])})
    both = hits.merge(mine, on=["s", "rule"], how="left", suffixes=("", "_ictgis"))
    assert not both["z_ictgis"].isna().any(), "zone: naive hits missing in ictgis"
    assert (both["z_ictgis"] <= both["z"]).all(), "zone: ictgis reports a later zone"
    sampled = mine[mine["z"].isin(zp.measured)].merge(hits, on=["s", "rule"], how="left")
    h.same("zone: ictgis findings in the measured zones", sampled["z_x"], sampled["z_y"])

    new, built = naive["plan"]
    unplanned = rule("plan.unplanned")
    unplanned = unplanned[unplanned["s"].isin(new.results)].sort_values("s")
    want = sorted((s, p, d) for s, (m, p, d) in new.results.items() if m < 0)
    h.same("plan.unplanned: masts, nearest site", unplanned[["s", "o"]], [w[:2] for w in want])
    h.same("plan.unplanned: distance", unplanned["value"], [w[2] for w in want], atol=1e-6)
    p_cls = nat.planned["mast_class"].to_numpy(dtype=object)
    s_cls = nat.sites["mast_class"].to_numpy(dtype=object)
    cls = rule("plan.class")
    cls = cls[cls["s"].isin(new.results)].sort_values("s")
    want_cls = sorted((s, p) for s, (p, _, _) in new.results.items() if p >= 0 and
                      pd.notna(p_cls[p]) and pd.notna(s_cls[s]) and p_cls[p] != s_cls[s])
    h.same("plan.class: masts and sites", cls[["s", "o"]], want_cls)
    not_built = set(ppos.get_indexer(found.loc[found["rule"] == "plan.not_built", "site_id"]))
    want_nb = {p for p, is_built in built.results.items() if not is_built}
    assert not_built & set(built.results) == want_nb, "plan.not_built differs"

    pids = nat.planned["id"].to_numpy(dtype=object)
    got = verdicts.reset_index(drop=True)
    res = naive["proposals"][0].results
    bad = [k for k, (verdict, partner, plan) in res.items()
           if got.at[k, "verdict"] != verdict
           or (verdict == "co-locate" and got.at[k, "colocate_with"] != partner)
           or got.at[k, "planned_site"] != (pids[plan] if plan >= 0 else "")]
    assert not bad, f"judge_proposals differs on {len(bad)} proposals: {bad[:5]}"
    counts = pd.Series([r[0] for r in res.values()]).value_counts().to_dict()
    return [f"spacing: naive == ictgis on {len(sp.measured):,} masts: the same {len(theirs):,} "
            f"conflicting (mast, partner) pairs, the same nearest partner and distance for the "
            f"{len(colocate):,} of them needing co-location, the same duplicate pairs",
            f"zone: naive == ictgis on {len(zp.measured):,} zones: all {len(hits):,} (mast, rule) "
            "hits found by the loop are ictgis findings with the same or an earlier zone, and "
            f"all {len(sampled):,} ictgis findings in those zones are the loop's",
            f"plan: naive == ictgis on {len(new.results):,} new masts ({len(want):,} unplanned, "
            f"{len(want_cls):,} of another class: same masts, same planned site, same distance) "
            f"and on {len(built.results):,} planned sites ({len(want_nb):,} not built, the same)",
            f"proposals: naive == judge_proposals on {len(res):,} proposals (verdict, "
            f"co-location mast, planned site): {counts}"]


def main() -> int:
    args = h.parser(__doc__, naive_budget=10.0).parse_args()
    h.say("building the synthetic siting set ...")
    scale = _national.Scale().quick() if args.quick else _national.Scale()
    nat = _national.build(args.seed, scale, postal=False, plan=True)
    ctx = siting.SitingContext(sites=nat.sites, zones=nat.zones, settings=SETTINGS,
                               planned=nat.planned)
    h.say("timing ictgis ...")
    total = h.best_of(lambda: siting.check_sites(ctx, groups=GROUPS), args.repeat, cap=30.0)
    groups = {g: h.best_of(lambda g=g: siting.CHECKS[g](ctx), args.repeat, cap=30.0)
              for g in GROUPS}
    judged = h.best_of(lambda: siting.judge_proposals(nat.proposals, ctx), args.repeat, cap=30.0)
    h.say("timing the competent baselines (cKDTree, sjoin) ...")
    competent = {"spacing": h.best_of(lambda: kdtree_spacing(nat.sites), args.repeat, cap=30.0),
                 "zone": h.best_of(lambda: sjoin_zones(nat.sites, nat.zones), args.repeat,
                                   cap=30.0)}
    h.say("timing the naive loops ...")
    naive, setup = naive_loops(nat, np.random.default_rng(args.seed + 1), args.naive_limit,
                        args.naive_budget)

    h.show(f"SYNTHETIC national siting set (made-up data, seed {args.seed}; built in "
           f"{nat.build_seconds:.1f} s, not timed), EPSG:9210:", [f"  {x}" for x in nat.notes])
    counts = siting.rule_counts(total.result)
    h.show("findings of check_sites (best run):", [
        f"  {r.rule:<22}{r.severity:<11}{r.findings:>9,} findings {r.sites:>9,} masts/sites"
        for r in counts[counts["findings"] > 0].itertuples()])
    h.show("naive loops:", [f"  {p.name:<22}{p.how()}"
                            for parts in naive.values() for p in parts]
           + [f"  setup of the loops (shared; not counted, in their favour): {setup:.2f} s"])

    def line(label: str, timed: h.Timed, parts: list[h.Naive] | None) -> str:
        if not parts:
            return f"  {label:<30}{timed.best:>10.3f}{'—':>12}{'':>10}   {timed.every()}"
        est = sum(p.estimate for p in parts)
        mark = "" if all(p.full for p in parts) else " *"
        return (f"  {label:<30}{timed.best:>10.3f}{est:>10.2f}{mark:<2}{est / timed.best:>9.1f}x"
                f"   {timed.every()}")

    rule_parts = [p for g in GROUPS for p in naive.get(g, [])]
    group_sum = sum(groups[g].best for g in GROUPS)
    head = f"  {'group':<30}{'ictgis s':>10}{'naive s':>12}{'ratio':>10}   runs (s)"
    h.show(f"ictgis vs naive (best of {args.repeat}; * = naive extrapolated from a subsample):", [
        head, "  " + "-" * (len(head) + 8),
        *(line(g, groups[g], naive.get(g)) for g in GROUPS),
        f"  {'sum of the groups':<30}{group_sum:>10.3f}",
        f"  {'messages + concat (rest)':<30}{total.best - group_sum:>10.3f}",
        line("check_sites TOTAL", total, rule_parts),
        "    (naive: zone + plan + spacing only)",
        line(f"judge_proposals ({len(nat.proposals):,})", judged, naive["proposals"])])
    note = "" if all(p.full for p in rule_parts) else " (naive time extrapolated)"
    est = sum(p.estimate for p in naive["proposals"])
    baseline_name = {"spacing": "cKDTree.query_pairs", "zone": "geopandas.sjoin"}
    ratio = {g: competent[g].best / groups[g].best for g in competent}
    cpu_ratio = {g: competent[g].best_cpu / groups[g].best_cpu for g in competent}
    h.show(f"ictgis vs the competent baselines (best of {args.repeat}; CPU time too, which a "
           "busy machine does not distort):", [
        f"  {'group':<12}{'ictgis s':>10}{'baseline s':>12}{'ratio':>9}{'CPU ratio':>11}   "
        "baseline",
        *(f"  {g:<12}{groups[g].best:>10.3f}{competent[g].best:>12.3f}{ratio[g]:>8.2f}x"
          f"{cpu_ratio[g]:>10.2f}x   {baseline_name[g]}  (runs {competent[g].every()} s)"
          for g in competent),
        f"  check_sites TOTAL: {total.best:.3f} s wall, {total.best_cpu:.3f} s CPU"])
    h.show("targets:", [
        h.target(f"check_sites ({', '.join(GROUPS)}) < {TARGET_SECONDS:g} s",
                 f"{total.best:.3f} s", total.best < TARGET_SECONDS),
        h.target("spatial indexes faster than the naive pairwise checks, every group",
                 "see above", all(sum(p.estimate for p in naive[g]) > groups[g].best
                                  for g in GROUPS if g in naive), note),
        h.target("judge_proposals faster than the naive per-proposal loop",
                 f"{est / judged.best:.1f}x", est > judged.best),
        *(h.target(f"{g} at least as fast as {baseline_name[g]}", f"{ratio[g]:.2f}x",
                   ratio[g] >= 1.0) for g in competent)])
    h.show("checks (asserted):", [f"  {x}" for x in (
        same_as_competent(competent["spacing"].result, competent["zone"].result, nat,
                          total.result, ctx)
        + checks(naive, nat, total.result, judged.result, ctx))])

    def naive_s(g: str) -> tuple[str, float, str]:
        parts = naive[g]
        extrapolated = "" if all(p.full for p in parts) else "_extrapolated"
        return (f"naive_loop{extrapolated}", sum(p.estimate for p in parts), "s")

    h.show("results:", [
        h.result("siting.check_sites", total.best, "s", target=f"<={TARGET_SECONDS:g}"),
        h.result("siting.check_sites_cpu", total.best_cpu, "s", target=f"<={TARGET_SECONDS:g}"),
        *(h.result(f"siting.{g}_vs_{'ckdtree' if g == 'spacing' else 'sjoin'}_cpu",
                   cpu_ratio[g], "x", target=">=1",
                   baseline=(baseline_name[g] + "_cpu", competent[g].best_cpu, "s"))
          for g in competent),
        *(h.result(f"siting.{g}_vs_{'ckdtree' if g == 'spacing' else 'sjoin'}", ratio[g], "x",
                   target=">=1", baseline=(baseline_name[g], competent[g].best, "s"))
          for g in competent),
        *(h.result(f"siting.{g}_vs_naive", naive_s(g)[1] / groups[g].best, "x",
                   baseline=naive_s(g)) for g in ("spacing", "zone", "plan")),
        h.result("siting.proposals_vs_naive", est / judged.best, "x",
                 baseline=naive_s("proposals"))])
    if args.profile:
        h.show("cProfile of one check_sites + judge_proposals (ictgis functions, cumulative):",
               [h.profile(lambda: (siting.check_sites(ctx, groups=GROUPS),
                                   siting.judge_proposals(nat.proposals, ctx)), r"ictgis[/\\]")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
