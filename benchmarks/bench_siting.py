"""Benchmark the BTS siting rules (``ictgis.siting``) at national scale against naive pairwise checks.

What it measures
----------------
1. It builds, deterministically (numpy ``default_rng(seed)``, no files, not timed), a
   SYNTHETIC national siting set in VN-2000 / TM-3 105°45' (EPSG:9210) over a 575 km x
   575 km square (~330,000 km²):

   * 100,000 masts clustered like a real network: ~20 % urban, in ~60 cities of Zipf-like
     sizes (Gaussian clusters, ~12 masts/km² at every centre), the rural rest half
     around ~4,000 small towns and half spread evenly; 1-3 operators per mast, classes
     A1a-A2c by urban/rural mix, heights by class, ~3 % under construction
     (``dang_xay_dung``), 0.1 % of them duplicate positions, 0.3 % with no class;
   * 20,000 plan zones: prohibited (circles and rectangles, 0.05-5 km²), A1-only
     (200 m circles round administrative centres, buffered streets), permitted (with
     allowed classes and height limits, 0.05-5 km², 6 % of them larger: 20-300 km²);
   * 60,000 planned positions (radius 50 m urban / 100 m rural): most new builds and two
     thirds of the rest at existing masts, the others not built yet;
   * 1,000 proposals: at planned positions, next to existing masts, or anywhere.

2. The ictgis path: ``siting.check_sites(ctx, groups=("validity", "zone", "plan",
   "spacing", "height"))`` end to end (the ``sharing`` group needs communes and is
   skipped), best of ``--repeat`` runs (every run shown, the first is cold), then every
   ``CHECKS[group]`` on its own, then ``judge_proposals`` on the proposals.

3. A naive baseline in the same run, with no spatial index (numpy vectorised over the
   "all" side, a Python loop over the other side; fair, not a straw man):

   * spacing: for each mast, the distance to every mast, thresholded by the larger
     d_min (``SitingConfig.spacing``) of the pair, operator sets disjoint (n² distances;
     a symmetric i < j loop would take about half as long);
   * zone: for each zone, ``shapely.intersects`` (polygon prepared) against every mast;
   * plan: for each new mast, the distance to every planned site (matched, unplanned,
     class); for each planned site, the distance to every mast (built or not);
   * proposals: for each proposal in file order, every zone, planned site and mast (the
     pair's larger d_min), then every earlier approved proposal.

   When a loop would take longer than ``--naive-limit`` seconds it runs on a random
   subsample for about ``--naive-budget`` seconds and is EXTRAPOLATED linearly; the
   output says so.

4. On everything the naive loops measured, both methods must give the same answer
   (asserted): conflicting partners, nearest partner, duplicates; zone findings (the first
   zone broken); matched / unplanned / class / not built; verdicts of the proposals.

Target (from the issue): the rule checks (``check_sites``, all groups but sharing) in
under 5 s on a 2-core machine.

Run
---
::

    python benchmarks/bench_siting.py              # national: 100,000 / 20,000 / 60,000
    python benchmarks/bench_siting.py --quick      # small smoke run
    python benchmarks/bench_siting.py --profile    # also cProfile one ictgis run

Every number here is synthetic; the data are a load test, not a map of Vietnam.
"""

from __future__ import annotations

import argparse
import cProfile
import io as stdio
import math
import pstats
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _common import HEIGHTS, OPERATOR_SETS, RURAL_CLASSES, URBAN_CLASSES, Timed, best_of, pick

from ictgis import siting
from ictgis.config import SitingConfig

WORK_CRS = "EPSG:9210"
SIDE_M = 575_000.0  # 575 km x 575 km = 330,625 km²
X0, Y0 = 500_000.0 - SIDE_M / 2, 1_000_000.0
GROUPS = ("validity", "zone", "plan", "spacing", "height")
TARGET_SECONDS = 5.0
NEW = "dang_xay_dung"

#: Illustrative thresholds (DOMAIN.md §2.4: Hải Dương 100/400 m, Quảng Nam class-dependent).
SETTINGS = SitingConfig(min_spacing_m=MappingProxyType({
    "default": (100.0, 400.0), "A2a": (150.0, 350.0), "A2b": (300.0, 400.0)}))


# ------------------------------------------------------------------------------ synthetic data


@dataclass
class Synthetic:
    """The generated layers, the context the rules get, and notes on what was built."""

    sites: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    planned: gpd.GeoDataFrame
    proposals: gpd.GeoDataFrame
    ctx: siting.SitingContext
    build_seconds: float
    notes: list[str] = field(default_factory=list)




def _outside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x < X0) | (x > X0 + SIDE_M) | (y < Y0) | (y > Y0 + SIDE_M)


def _around(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, sigma: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian point round every centre, drawn again until inside the square."""
    sigma = np.broadcast_to(sigma, cx.shape)
    x, y = cx + rng.normal(0, sigma), cy + rng.normal(0, sigma)
    bad = _outside(x, y)
    while bad.any():
        x[bad] = cx[bad] + rng.normal(0, sigma[bad])
        y[bad] = cy[bad] + rng.normal(0, sigma[bad])
        bad = _outside(x, y)
    return x, y


def _uniform(rng: np.random.Generator, n: int, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    return (rng.uniform(X0 + margin, X0 + SIDE_M - margin, n),
            rng.uniform(Y0 + margin, Y0 + SIDE_M - margin, n))


def _classes(rng: np.random.Generator, urban: np.ndarray, na_share: float) -> np.ndarray:
    cls = np.where(urban, pick(rng, URBAN_CLASSES, len(urban)),
                   pick(rng, RURAL_CLASSES, len(urban))).astype(object)
    cls[rng.random(len(urban)) < na_share] = None
    return cls


def _heights(rng: np.random.Generator, cls: np.ndarray, na_share: float) -> np.ndarray:
    mean, sd, low, high = np.array([HEIGHTS.get(c, (25, 8, 10, 50)) for c in cls], float).T
    height = np.round(np.clip(rng.normal(mean, sd), low, high), 1)
    height[rng.random(len(cls)) < na_share] = np.nan
    return height


def _communes(x: np.ndarray, y: np.ndarray) -> list[str]:
    """A commune code from a 5.75 km grid (10,000 cells, about the national count)."""
    cell = (np.clip((x - X0) // 5_750, 0, 99) * 100 + np.clip((y - Y0) // 5_750, 0, 99)).astype(int)
    return [f"X{c:05d}" for c in cell]


def build_sites(rng: np.random.Generator, n: int, no_class: float
                ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Masts: dense urban clusters, rural towns and an even rural spread."""
    n_urban = round(0.2 * n)
    n_cities = max(3, round(n / 1_700))
    weights = 1.0 / np.arange(1, n_cities + 1) ** 1.1
    sizes = rng.multinomial(n_urban, weights / weights.sum())
    centres = np.column_stack(_uniform(rng, n_cities, margin=25_000))
    city = np.repeat(np.arange(n_cities), sizes)
    sigma = 580.0 * np.sqrt(np.maximum(sizes, 4) / 25.0)  # ~12 masts/km² at every city centre
    ux, uy = _around(rng, centres[city, 0], centres[city, 1], sigma[city])

    n_rural = n - n_urban
    n_towns = max(10, n // 25)
    towns = np.column_stack(_uniform(rng, n_towns))
    town = rng.integers(0, n_towns, n_rural // 2)
    tx, ty = _around(rng, towns[town, 0], towns[town, 1], np.full(len(town), 1_500.0))
    ex, ey = _uniform(rng, n_rural - len(town))

    x = np.concatenate([ux, tx, ex])
    y = np.concatenate([uy, ty, ey])
    urban = np.concatenate([np.ones(n_urban, bool), np.zeros(n_rural, bool)])
    # 0.1 %: the same mast entered twice (another operator's record, within 0.3 m)
    dup = rng.choice(n, size=2 * max(1, n // 1_000), replace=False).reshape(2, -1)
    x[dup[1]] = x[dup[0]] + rng.uniform(-0.3, 0.3, dup.shape[1])
    y[dup[1]] = y[dup[0]] + rng.uniform(-0.3, 0.3, dup.shape[1])
    urban[dup[1]] = urban[dup[0]]

    order = rng.permutation(n)
    x, y, urban = x[order], y[order], urban[order]
    cls = _classes(rng, urban, no_class)
    status = np.where(rng.random(n) < 0.03, NEW, "dang_hoat_dong").astype(object)
    sites = gpd.GeoDataFrame({
        "id": np.array([f"S{i:06d}" for i in range(1, n + 1)], dtype=object),
        "operators": pick(rng, OPERATOR_SETS, n),
        "mast_class": pd.array(cls, dtype="string"),
        "height": _heights(rng, cls, 0.005),
        "status": status,
        "urban": urban,
        "commune": _communes(x, y),
    }, geometry=gpd.GeoSeries(shapely.points(x, y), crs=WORK_CRS), crs=WORK_CRS)
    notes = [f"{n:,} masts: {n_urban:,} urban in {n_cities} cities (largest {sizes.max():,}, "
             f"sigma {sigma.max() / 1000:.1f} km), {len(town):,} round {n_towns:,} towns, "
             f"{len(ex):,} spread evenly; {dup.shape[1]} duplicate positions, "
             f"{(status == NEW).sum():,} under construction, "
             f"{pd.isna(cls).sum()} with no class"]
    return sites, notes


def _rects(cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray, angle: np.ndarray
           ) -> np.ndarray:
    lx = np.array([-0.5, 0.5, 0.5, -0.5, -0.5])[None, :] * w[:, None]
    ly = np.array([-0.5, -0.5, 0.5, 0.5, -0.5])[None, :] * h[:, None]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    coords = np.stack([cx[:, None] + lx * c - ly * s, cy[:, None] + lx * s + ly * c], axis=-1)
    return shapely.polygons(coords)


def _blobs(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, area: np.ndarray
           ) -> np.ndarray:
    """Irregular star-shaped 24-gons of about ``area`` m² (always simple)."""
    k = 24
    angles = np.linspace(0, 2 * np.pi, k, endpoint=False)[None, :] + rng.uniform(0, 1, (len(cx), 1))
    r = np.sqrt(area / np.pi)[:, None] * (1 + 0.25 * rng.uniform(-1, 1, (len(cx), k)))
    coords = np.stack([cx[:, None] + r * np.cos(angles), cy[:, None] + r * np.sin(angles)], axis=-1)
    return shapely.polygons(np.concatenate([coords, coords[:, :1]], axis=1))


def _streets(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Buffered streets: bent polylines 1-4 km long, 60-120 m wide (0.06-0.5 km²)."""
    n = len(cx)
    length = rng.uniform(1_000, 4_000, n)
    a = rng.uniform(0, np.pi, n)
    bend = a + rng.uniform(-0.5, 0.5, n)
    half = length / 2
    coords = np.stack([
        np.column_stack([cx - half * np.cos(a), cy - half * np.sin(a)]),
        np.column_stack([cx, cy]),
        np.column_stack([cx + half * np.cos(bend), cy + half * np.sin(bend)]),
    ], axis=1)
    return shapely.buffer(shapely.linestrings(coords), rng.uniform(30, 60, n), cap_style="flat",
                          join_style="mitre")


def _near(rng: np.random.Generator, px: np.ndarray, py: np.ndarray, n: int, sigma: float
          ) -> tuple[np.ndarray, np.ndarray]:
    pick = rng.integers(0, len(px), n)
    return _around(rng, px[pick], py[pick], np.full(n, sigma))


def _log_area(rng: np.random.Generator, n: int, low_km2: float, high_km2: float) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low_km2), np.log(high_km2), n)) * 1e6


def build_zones(rng: np.random.Generator, n: int, sites: gpd.GeoDataFrame
                ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Prohibited, A1-only and permitted zones, mostly small, many in or near cities."""
    sx, sy = shapely.get_x(sites.geometry.array), shapely.get_y(sites.geometry.array)
    urban = sites["urban"].to_numpy(bool)
    n_pro, n_a1 = round(0.30 * n), round(0.35 * n)
    n_per = n - n_pro - n_a1
    geoms, kinds, allowed, max_height = [], [], [], []

    # prohibited: relics, airports, military areas: a quarter near masts, the rest anywhere
    half = n_pro // 4
    cx, cy = (np.concatenate(v) for v in zip(_near(rng, sx, sy, half, 1_000.0),
                                             _uniform(rng, n_pro - half), strict=True))
    area = _log_area(rng, n_pro, 0.05, 5.0)
    circle = rng.random(n_pro) < 0.5
    aspect = rng.uniform(1, 3, n_pro)
    geoms.append(np.where(
        circle, shapely.buffer(shapely.points(cx, cy), np.sqrt(area / np.pi), quad_segs=8),
        _rects(cx, cy, np.sqrt(area * aspect), np.sqrt(area / aspect), rng.uniform(0, np.pi, n_pro))))
    kinds.append(np.full(n_pro, "prohibited", dtype=object))
    allowed += [()] * n_pro
    max_height.append(np.full(n_pro, np.nan))

    # A1 only: 200 m in front of administrative centres, and designated streets (in cities)
    ux, uy = sx[urban], sy[urban]
    in_city = rng.random(n_a1) < 0.8
    cx, cy = _near(rng, ux, uy, n_a1, 300.0)
    ox, oy = _near(rng, sx, sy, n_a1, 300.0)
    cx, cy = np.where(in_city, cx, ox), np.where(in_city, cy, oy)
    street = rng.random(n_a1) < 0.5
    geoms.append(np.where(street, _streets(rng, cx, cy),
                          shapely.buffer(shapely.points(cx, cy), 200.0, quad_segs=8)))
    kinds.append(np.full(n_a1, "restricted_a1", dtype=object))
    allowed += [()] * n_a1
    max_height.append(np.where(rng.random(n_a1) < 0.2, 20.0, np.nan))

    # permitted, with allowed classes and height limits; 6 % large (districts, parks)
    near = rng.random(n_per) < 0.6
    cx, cy = _near(rng, sx, sy, n_per, 2_000.0)
    vx, vy = _uniform(rng, n_per)
    cx, cy = np.where(near, cx, vx), np.where(near, cy, vy)
    large = rng.random(n_per) < 0.06
    area = np.where(large, _log_area(rng, n_per, 20.0, 300.0), _log_area(rng, n_per, 0.05, 5.0))
    aspect = rng.uniform(1, 2.5, n_per)
    rect = ~large & (rng.random(n_per) < 0.5)
    geoms.append(np.where(rect, _rects(cx, cy, np.sqrt(area * aspect), np.sqrt(area / aspect),
                                       rng.uniform(0, np.pi, n_per)),
                          _blobs(rng, cx, cy, area)))
    kinds.append(np.full(n_per, "permitted", dtype=object))
    allowed += list(pick(rng, (((), 0.5), (("A1a", "A1b", "A2a"), 0.3), (("A1a", "A1b"), 0.2)),
                          n_per))
    max_height.append(np.where(rng.random(n_per) < 0.4,
                               rng.choice([25.0, 30.0, 40.0, 50.0], n_per), np.nan))

    geoms_all = np.concatenate(geoms)
    if not shapely.is_valid(geoms_all).all():
        raise RuntimeError("synthetic zones are not all valid")
    order = rng.permutation(n)
    allowed_arr = np.empty(n, dtype=object)
    allowed_arr[:] = allowed
    zones = gpd.GeoDataFrame({
        "id": np.array([f"Z{i:05d}" for i in range(1, n + 1)], dtype=object),
        "name": np.array([f"Khu vực {i}" for i in range(1, n + 1)], dtype=object),
        "zone_class": np.concatenate(kinds)[order],
        "allowed_classes": allowed_arr[order],
        "max_height": np.concatenate(max_height)[order],
    }, geometry=gpd.GeoSeries(geoms_all[order], crs=WORK_CRS), crs=WORK_CRS)
    areas = shapely.area(geoms_all) / 1e6
    notes = [f"{n:,} zones: {n_pro:,} prohibited, {n_a1:,} A1-only, {n_per:,} permitted "
             f"({large.sum()} large); area {areas.min():.2f}-{areas.max():.0f} km², median "
             f"{np.median(areas):.2f}, {shapely.get_num_coordinates(geoms_all).mean():.0f} "
             "vertices on average"]
    return zones, notes


def build_planned(rng: np.random.Generator, n: int, sites: gpd.GeoDataFrame
                  ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Planned positions: most new builds, many existing masts, and not-yet-built positions."""
    sx, sy = shapely.get_x(sites.geometry.array), shapely.get_y(sites.geometry.array)
    urban = sites["urban"].to_numpy(bool)
    cls = sites["mast_class"].to_numpy(dtype=object)
    new = np.flatnonzero(sites["status"].to_numpy() == NEW)
    old = np.flatnonzero(sites["status"].to_numpy() != NEW)

    matched_new = rng.permutation(new)[: min(round(0.8 * len(new)), n)]
    n_old = min(round(2 / 3 * (n - len(matched_new))), len(old))
    at_old = rng.choice(old, size=n_old, replace=False)
    n_fresh = n - len(matched_new) - n_old

    src = np.concatenate([matched_new, at_old])
    r_src = np.where(urban[src], 50.0, 100.0)
    dist = r_src * np.where(np.arange(len(src)) < len(matched_new), rng.uniform(0, 0.9, len(src)),
                            rng.uniform(0, 0.5, len(src)))
    a = rng.uniform(0, 2 * np.pi, len(src))
    px, py = sx[src] + dist * np.cos(a), sy[src] + dist * np.sin(a)
    pcls = cls[src].copy()
    differs = rng.random(len(src)) < 0.15
    pcls[differs] = _classes(rng, urban[src][differs], 0.0)

    city = rng.random(n_fresh) < 0.3
    fx, fy = _near(rng, sx[urban], sy[urban], n_fresh, 1_000.0)
    vx, vy = _uniform(rng, n_fresh)
    fx, fy = np.where(city, fx, vx), np.where(city, fy, vy)
    fresh_cls = _classes(rng, city, 0.0)

    x = np.concatenate([px, fx])
    y = np.concatenate([py, fy])
    p_urban = np.concatenate([urban[src], city])
    p_cls = np.concatenate([pcls, fresh_cls]).astype(object)
    p_cls[rng.random(n) < 0.01] = None
    order = rng.permutation(n)
    planned = gpd.GeoDataFrame({
        "id": np.array([f"QH{i:06d}" for i in range(1, n + 1)], dtype=object),
        "mast_class": pd.array(p_cls[order], dtype="string"),
        "radius": np.where(p_urban, 50.0, 100.0)[order],
    }, geometry=gpd.GeoSeries(shapely.points(x[order], y[order]), crs=WORK_CRS), crs=WORK_CRS)
    notes = [f"{n:,} planned sites: {len(matched_new):,} at new builds, {n_old:,} at existing "
             f"masts, {n_fresh:,} not built yet"]
    return planned, notes


def build_proposals(rng: np.random.Generator, n: int, sites: gpd.GeoDataFrame,
                    planned: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """New-mast proposals: at planned positions, next to existing masts, or anywhere."""
    sx, sy = shapely.get_x(sites.geometry.array), shapely.get_y(sites.geometry.array)
    px, py = shapely.get_x(planned.geometry.array), shapely.get_y(planned.geometry.array)
    kind = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])
    x, y = _uniform(rng, n)
    urban = np.zeros(n, bool)
    at_plan = np.flatnonzero(kind == 0)
    p = rng.integers(0, len(px), len(at_plan))
    radius = planned["radius"].to_numpy(float)[p]
    d, a = radius * rng.uniform(0, 0.8, len(p)), rng.uniform(0, 2 * np.pi, len(p))
    x[at_plan], y[at_plan] = px[p] + d * np.cos(a), py[p] + d * np.sin(a)
    urban[at_plan] = radius == 50.0
    by_mast = np.flatnonzero(kind == 1)
    s = rng.integers(0, len(sx), len(by_mast))
    d, a = rng.uniform(30, 600, len(s)), rng.uniform(0, 2 * np.pi, len(s))
    x[by_mast], y[by_mast] = sx[s] + d * np.cos(a), sy[s] + d * np.sin(a)
    urban[by_mast] = sites["urban"].to_numpy(bool)[s]
    x, y = np.clip(x, X0, X0 + SIDE_M), np.clip(y, Y0, Y0 + SIDE_M)
    cls = _classes(rng, urban, 0.0)
    return gpd.GeoDataFrame({
        "id": np.array([f"DX{i:05d}" for i in range(1, n + 1)], dtype=object),
        "operators": pick(rng, OPERATOR_SETS[:4], n),
        "mast_class": pd.array(cls, dtype="string"),
        "height": _heights(rng, cls, 0.0),
        "status": "de_xuat",
        "urban": urban,
        "commune": _communes(x, y),
    }, geometry=gpd.GeoSeries(shapely.points(x, y), crs=WORK_CRS), crs=WORK_CRS)


def build(args: argparse.Namespace) -> Synthetic:
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    sites, notes = build_sites(rng, args.sites, args.no_class / 100)
    zones, zone_notes = build_zones(rng, args.zones, sites)
    planned, plan_notes = build_planned(rng, args.planned, sites)
    proposals = build_proposals(rng, args.proposals, sites, planned)
    ctx = siting.SitingContext(sites=sites, zones=zones, settings=SETTINGS, planned=planned)
    notes += zone_notes + plan_notes + [f"{len(proposals):,} proposals"]
    return Synthetic(sites, zones, planned, proposals, ctx, time.perf_counter() - start, notes)


# ------------------------------------------------------------------------------------- ictgis




@dataclass
class IctgisRun:
    """Timings of the ictgis path."""

    total: Timed
    groups: dict[str, Timed]
    proposals: Timed


def run_ictgis(synth: Synthetic, repeat: int) -> IctgisRun:
    ctx = synth.ctx
    total = best_of(lambda: siting.check_sites(ctx, groups=GROUPS), repeat, cap=30.0)
    groups = {g: best_of(lambda g=g: siting.CHECKS[g](ctx), repeat, cap=30.0) for g in GROUPS}
    proposals = best_of(lambda: siting.judge_proposals(synth.proposals, ctx), repeat, cap=30.0)
    return IctgisRun(total, groups, proposals)


# -------------------------------------------------------------------------------------- naive


@dataclass
class NaivePart:
    """One naive loop: its setup, the loop over the items it measured, and its results."""

    name: str
    unit: str
    setup: float
    loop: float
    measured: np.ndarray  # the items looped over, in loop order
    total: int
    results: dict = field(default_factory=dict)

    @property
    def full(self) -> bool:
        """Whether the loop measured every item."""
        return len(self.measured) == self.total

    @property
    def scale(self) -> float:
        """Items in all / items measured."""
        return self.total / max(1, len(self.measured))

    @property
    def estimate(self) -> float:
        """Seconds for every item: setup + loop (extrapolated linearly when subsampled)."""
        return self.setup + self.loop * self.scale

    def how(self) -> str:
        """How the estimate was obtained."""
        if self.full:
            return f"measured on all {self.total:,} {self.unit}"
        return (f"EXTRAPOLATED x{self.scale:.1f} from a random {len(self.measured):,} of "
                f"{self.total:,} {self.unit} ({self.loop:.2f} s measured)")


def budgeted(name: str, unit: str, setup: float, order: np.ndarray,
             step: Callable[[int], object], *, limit: float, budget: float) -> NaivePart:
    """Loop ``step`` over ``order``; stop early (subsample) when the whole would exceed ``limit``."""
    n = len(order)
    results: dict = {}
    start = time.perf_counter()
    done = 0
    for done, k in enumerate(order, 1):
        results[int(k)] = step(int(k))
        if done == 20 or (done > 20 and done % 20 == 0):
            elapsed = time.perf_counter() - start
            if elapsed * n / done > limit and elapsed >= budget:
                break
    loop = time.perf_counter() - start
    return NaivePart(name, unit, setup, loop, np.asarray(order[:done]), n, results)


def _site_xy(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_x(frame.geometry.array), shapely.get_y(frame.geometry.array)


def naive_spacing(synth: Synthetic, rng: np.random.Generator, limit: float, budget: float
                  ) -> NaivePart:
    """For each mast: distance to every mast, larger d_min of the pair, disjoint operators."""
    start = time.perf_counter()
    sites = synth.sites
    x, y = _site_xy(sites)
    urban = sites["urban"].tolist()
    dmin = np.array([SETTINGS.spacing(c if isinstance(c, str) else "default", u)
                     for c, u in zip(sites["mast_class"].tolist(), urban, strict=True)])
    bits = {"Viettel": 1, "VinaPhone": 2, "MobiFone": 4, "Vietnamobile": 8}
    mask = np.array([sum(bits[o] for o in ops) for ops in sites["operators"]], dtype=np.int64)
    tol = SETTINGS.duplicate_tolerance_m
    setup = time.perf_counter() - start

    def step(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d = np.sqrt((x - x[i]) ** 2 + (y - y[i]) ** 2)
        hit = (d < np.maximum(dmin, dmin[i])) & ((mask & mask[i]) == 0)
        hit[i] = False
        partners = np.flatnonzero(hit)
        dup = np.flatnonzero(d <= tol)
        return partners, d[partners], dup[dup != i]

    return budgeted("spacing", "masts", setup, rng.permutation(len(sites)), step,
                    limit=limit, budget=budget)


def naive_zones(synth: Synthetic, rng: np.random.Generator, limit: float, budget: float
                ) -> NaivePart:
    """For each zone: ``intersects`` against every mast, then the four zone rules."""
    start = time.perf_counter()
    sites, zones = synth.sites, synth.zones
    points = np.asarray(sites.geometry.array)
    known = sites["mast_class"].notna().to_numpy()
    cls = sites["mast_class"].fillna("").to_numpy(dtype=object)  # "" = no class
    a1 = np.isin(cls, SETTINGS.a1_classes)
    height = sites["height"].to_numpy(float)
    polygons = np.asarray(zones.geometry.array)
    zone_cls = zones["zone_class"].tolist()
    allowed = zones["allowed_classes"].tolist()
    max_height = zones["max_height"].to_numpy(float)
    setup = time.perf_counter() - start

    def step(z: int) -> dict[str, np.ndarray]:
        polygon = polygons[z]
        shapely.prepare(polygon)
        hits = np.flatnonzero(shapely.intersects(polygon, points))
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

    part = budgeted("zone", "zones", setup, rng.permutation(len(zones)), step,
                    limit=limit, budget=budget)
    shapely.destroy_prepared(polygons)
    return part


def naive_plan_sites(synth: Synthetic, limit: float, budget: float) -> NaivePart:
    """For each new mast: distance to every planned site (matched, nearest)."""
    start = time.perf_counter()
    sites, planned = synth.sites, synth.planned
    x, y = _site_xy(sites)
    px, py = _site_xy(planned)
    radius = planned["radius"].to_numpy(float)
    new = np.flatnonzero(sites["status"].isin(SETTINGS.plan_statuses).to_numpy())
    setup = time.perf_counter() - start

    def step(s: int) -> tuple[int, float, int, float]:
        d = np.sqrt((px - x[s]) ** 2 + (py - y[s]) ** 2)
        within = np.flatnonzero(d <= radius)
        best = int(within[np.argmin(d[within])]) if len(within) else -1
        nearest = int(np.argmin(d))
        return best, (float(d[best]) if best >= 0 else math.nan), nearest, float(d[nearest])

    return budgeted("plan (new masts)", "new masts", setup, new, step, limit=limit,
                    budget=budget)


def naive_plan_built(synth: Synthetic, rng: np.random.Generator, limit: float, budget: float
                     ) -> NaivePart:
    """For each planned site: whether any mast lies within its radius (then it is built)."""
    start = time.perf_counter()
    sites, planned = synth.sites, synth.planned
    x, y = _site_xy(sites)
    px, py = _site_xy(planned)
    radius = planned["radius"].to_numpy(float)
    setup = time.perf_counter() - start

    def step(p: int) -> tuple[bool, bool]:
        d = np.sqrt((x - px[p]) ** 2 + (y - py[p]) ** 2)
        built = bool((d <= radius[p]).any())
        return built, built

    return budgeted("plan (planned sites)", "planned sites", setup,
                    rng.permutation(len(planned)), step, limit=limit, budget=budget)


def naive_proposals(synth: Synthetic, limit: float, budget: float) -> NaivePart:
    """For each proposal: every zone, every planned site, every mast."""
    start = time.perf_counter()
    props, sites, zones, planned = synth.proposals, synth.sites, synth.zones, synth.planned
    qx, qy = _site_xy(props)
    q_points = np.asarray(props.geometry.array)
    q_cls = props["mast_class"].to_numpy(dtype=object)
    q_height = props["height"].to_numpy(float)
    q_dmin = [SETTINGS.spacing(c if isinstance(c, str) else "default", u)
              for c, u in zip(q_cls, props["urban"].tolist(), strict=True)]
    polygons = np.asarray(zones.geometry.array)
    zone_cls = zones["zone_class"].to_numpy(dtype=object)
    allowed = zones["allowed_classes"].tolist()
    max_height = zones["max_height"].to_numpy(float)
    x, y = _site_xy(sites)
    d_old = np.array([SETTINGS.spacing(c if isinstance(c, str) else "default", u) for c, u in
                      zip(sites["mast_class"].tolist(), sites["urban"].tolist(), strict=True)])
    site_ids = sites["id"].to_numpy(dtype=object)
    q_ids = props["id"].to_numpy(dtype=object)
    px, py = _site_xy(planned)
    radius = planned["radius"].to_numpy(float)
    approved: list[int] = []  # earlier proposals of the file that were approved
    setup = time.perf_counter() - start

    def step(k: int) -> tuple[str, str, int]:
        c = q_cls[k]
        known, a1 = isinstance(c, str), c in SETTINGS.a1_classes
        zone_bad = False
        for z in np.flatnonzero(shapely.intersects(polygons, q_points[k])):
            zone_bad = zone_bad or zone_cls[z] == "prohibited" or (
                zone_cls[z] == "restricted_a1" and known and not a1) or (
                zone_cls[z] == "permitted" and known and bool(allowed[z]) and c not in allowed[z]
            ) or (not np.isnan(max_height[z]) and q_height[k] > max_height[z])
        dp = np.sqrt((px - qx[k]) ** 2 + (py - qy[k]) ** 2)
        within = np.flatnonzero(dp <= radius)
        plan = int(within[np.argmin(dp[within])]) if len(within) else -1
        if zone_bad or (plan < 0 and SETTINGS.proposals_require_plan):
            return "refuse", "", plan
        ds = np.sqrt((x - qx[k]) ** 2 + (y - qy[k]) ** 2)
        close = np.flatnonzero(ds < np.maximum(q_dmin[k], d_old))  # the pair's larger d_min
        if len(close):
            return "co-locate", site_ids[close[np.argmin(ds[close])]], plan
        earlier = [a for a in approved if np.hypot(qx[a] - qx[k], qy[a] - qy[k])
                   < max(q_dmin[a], q_dmin[k])]
        if earlier:
            nearest = min(earlier, key=lambda a: np.hypot(qx[a] - qx[k], qy[a] - qy[k]))
            return "co-locate", q_ids[nearest], plan
        approved.append(k)
        return "approve", "", plan

    return budgeted("proposals", "proposals", setup, np.arange(len(props)), step,
                    limit=limit, budget=budget)


# ------------------------------------------------------------------------------------- checks


def _keys(a: Iterable[int], b: Iterable[int], n: int) -> np.ndarray:
    return np.unique(np.asarray(list(a), dtype=np.int64) * n + np.asarray(list(b), dtype=np.int64))


def check_spacing_same(part: NaivePart, synth: Synthetic, found: pd.DataFrame) -> list[str]:
    """Conflicting partners, nearest partner and duplicates of every mast the loop measured."""
    n = len(synth.sites)
    pos = pd.Index(synth.sites["id"])
    measured = part.measured
    in_sample = np.zeros(n, bool)
    in_sample[measured] = True

    pairs = siting.conflict_pairs(synth.ctx)
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    a, b = np.concatenate([i, j]), np.concatenate([j, i])
    keep = in_sample[a]
    mine = _keys(a[keep], b[keep], n)
    naive_a = np.concatenate([np.full(len(r[0]), s) for s, r in part.results.items()] or [[]])
    naive_b = np.concatenate([r[0] for r in part.results.values()] or [[]])
    theirs = _keys(naive_a, naive_b, n)
    n_conflicts = len(theirs)
    assert np.array_equal(mine, theirs), (
        f"spacing: conflict partners differ: {len(np.setdiff1d(mine, theirs))} pairs only in "
        f"ictgis, {len(np.setdiff1d(theirs, mine))} only in the naive check")

    colocate = found[found["rule"] == "spacing.colocate"]
    site = pos.get_indexer(colocate["site_id"])
    sel = in_sample[site]
    got = dict(zip(site[sel], zip(pos.get_indexer(colocate["other_id"])[sel],
                                  colocate["value"].to_numpy()[sel], strict=True), strict=True))
    want = {}
    for s, (partners, dist, _dup) in part.results.items():
        if len(partners):
            k = np.lexsort((partners, dist))[0]  # nearest, then lowest position
            want[s] = (int(partners[k]), float(dist[k]))
    assert got.keys() == want.keys(), "spacing.colocate: not the same masts"
    bad = [s for s in want if got[s][0] != want[s][0] or not math.isclose(got[s][1], want[s][1],
                                                                           abs_tol=1e-6)]
    assert not bad, f"spacing.colocate: other nearest partner for {len(bad)} masts: {bad[:5]}"

    dup = found[found["rule"] == "validity.duplicate"]
    da, db = pos.get_indexer(dup["site_id"]), pos.get_indexer(dup["other_id"])
    keep = in_sample[da] | in_sample[db]
    mine = _keys(np.minimum(da, db)[keep], np.maximum(da, db)[keep], n)
    naive_a = np.concatenate([np.full(len(r[2]), s) for s, r in part.results.items()] or [[]])
    naive_b = np.concatenate([r[2] for r in part.results.values()] or [[]])
    theirs = _keys(np.minimum(naive_a, naive_b), np.maximum(naive_a, naive_b), n)
    assert np.array_equal(mine, theirs), "validity.duplicate: pairs differ"
    n_pairs = len(np.unique(np.concatenate([naive_a, naive_b]))) if len(naive_a) else 0
    return [f"spacing: naive == ictgis on {len(measured):,} masts: the same "
            f"{n_conflicts:,} conflicting "
            f"(mast, partner) pairs, the same nearest partner and distance for the "
            f"{len(want):,} of them needing co-location, the same duplicate pairs "
            f"({n_pairs} masts in them)"]


def check_zones_same(part: NaivePart, synth: Synthetic, found: pd.DataFrame) -> list[str]:
    """Zone findings against the zones the loop measured (first zone broken, per rule)."""
    pos = pd.Index(synth.sites["id"])
    zpos = pd.Index(synth.zones["id"])
    rows = [(s, rule, z) for z, hits in part.results.items() for rule, sites in hits.items()
            for s in sites]
    naive = pd.DataFrame(rows, columns=["s", "rule", "z"]).sort_values("z").drop_duplicates(
        ["s", "rule"])
    zone = found[found["rule"].str.startswith("zone.")]
    mine = pd.DataFrame({"s": pos.get_indexer(zone["site_id"]), "rule": zone["rule"].to_numpy(),
                         "z": zpos.get_indexer(zone["other_id"])})
    both = naive.merge(mine, on=["s", "rule"], how="left", suffixes=("_naive", "_ictgis"))
    missing = both["z_ictgis"].isna()
    assert not missing.any(), (f"zone: {missing.sum()} naive hits missing in ictgis: "
                               f"{both[missing].head().to_dict('records')}")
    later = both["z_ictgis"] > both["z_naive"]
    assert not later.any(), f"zone: ictgis reports a later zone for {later.sum()} findings"
    sampled = mine[mine["z"].isin(part.measured)]
    back = sampled.merge(naive, on=["s", "rule"], how="left", suffixes=("_ictgis", "_naive"))
    assert (back["z_naive"] == back["z_ictgis"]).all(), (
        f"zone: {(back['z_naive'] != back['z_ictgis']).sum()} ictgis findings in measured "
        "zones not found by the naive check")
    return [f"zone: naive == ictgis on {len(part.measured):,} zones: all {len(naive):,} "
            "(mast, rule) hits found by the loop are ictgis findings with the same or an "
            f"earlier zone, and all {len(sampled):,} ictgis findings in those zones are the "
            "loop's"]


def check_plan_same(sites_part: NaivePart, built_part: NaivePart, synth: Synthetic,
                    found: pd.DataFrame) -> list[str]:
    """Unplanned / class findings of the new masts and not-built sites the loops measured."""
    pos = pd.Index(synth.sites["id"])
    ppos = pd.Index(synth.planned["id"])
    p_cls = synth.planned["mast_class"].to_numpy(dtype=object)
    s_cls = synth.sites["mast_class"].to_numpy(dtype=object)
    measured = set(sites_part.results)

    def rows(rule: str) -> pd.DataFrame:
        f = found[found["rule"] == rule]
        return pd.DataFrame({"s": pos.get_indexer(f["site_id"]),
                             "p": ppos.get_indexer(f["other_id"]),
                             "value": f["value"].to_numpy(float)})

    unplanned = rows("plan.unplanned")
    unplanned = unplanned[unplanned["s"].isin(measured)].set_index("s")
    want = {s: (r[2], r[3]) for s, r in sites_part.results.items() if r[0] < 0}
    assert set(unplanned.index) == set(want), "plan.unplanned: not the same masts"
    bad = [s for s, (p, d) in want.items() if unplanned.loc[s, "p"] != p
           or not math.isclose(unplanned.loc[s, "value"], d, abs_tol=1e-6)]
    assert not bad, f"plan.unplanned: other nearest planned site for {bad[:5]}"

    cls = rows("plan.class")
    cls = cls[cls["s"].isin(measured)].set_index("s")
    want_cls = {s: r[0] for s, r in sites_part.results.items() if r[0] >= 0
                and pd.notna(p_cls[r[0]]) and pd.notna(s_cls[s]) and p_cls[r[0]] != s_cls[s]}
    assert set(cls.index) == set(want_cls), "plan.class: not the same masts"
    assert all(cls.loc[s, "p"] == p for s, p in want_cls.items()), "plan.class: other site"

    not_built = set(ppos.get_indexer(found.loc[found["rule"] == "plan.not_built", "site_id"]))
    sample = set(built_part.results)
    want_nb = {p for p, (built, _) in built_part.results.items() if not built}
    assert not_built & sample == want_nb, (
        f"plan.not_built differs on {len((not_built & sample) ^ want_nb)} planned sites")
    return [f"plan: naive == ictgis on {len(measured):,} new masts ({len(want):,} unplanned, "
            f"{len(want_cls):,} of another class: same masts, same planned site, same distance) "
            f"and on {len(sample):,} planned sites ({len(want_nb):,} not built, the same)"]


def check_proposals_same(part: NaivePart, synth: Synthetic, verdicts: pd.DataFrame) -> list[str]:
    """Verdict, co-location partner and planned site of the proposals the loop measured."""
    pids = synth.planned["id"].to_numpy(dtype=object)
    got = verdicts.reset_index(drop=True)
    bad = []
    for k, (verdict, partner, plan) in part.results.items():
        row = got.iloc[k]
        if (row["verdict"] != verdict or (verdict == "co-locate" and row["colocate_with"] != partner)
                or row["planned_site"] != (pids[plan] if plan >= 0 else "")):
            bad.append((row["id"], row["verdict"], verdict))
    assert not bad, f"judge_proposals differs on {len(bad)} proposals: {bad[:5]}"
    counts = pd.Series([r[0] for r in part.results.values()]).value_counts().to_dict()
    return [f"proposals: naive == judge_proposals on {len(part.results):,} proposals "
            f"(verdict, co-location mast, planned site): {counts}"]


# ------------------------------------------------------------------------------------ output


def profile_ictgis(synth: Synthetic, top: int) -> str:
    """Profile one check_sites and one judge_proposals: ictgis functions, then all by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    siting.check_sites(synth.ctx, groups=GROUPS)
    siting.judge_proposals(synth.proposals, synth.ctx)
    profiler.disable()
    text = stdio.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"ictgis[/\\]", top)
    text.write("\n--- all functions by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def report(args: argparse.Namespace, synth: Synthetic, run: IctgisRun,
           naive: dict[str, list[NaivePart]], found: pd.DataFrame) -> str:
    width = 30
    lines = ["", f"SYNTHETIC national siting set (made-up data, seed {args.seed}; built in "
             f"{synth.build_seconds:.1f} s, not timed), EPSG:9210, {SIDE_M / 1000:.0f} km x "
             f"{SIDE_M / 1000:.0f} km = {SIDE_M ** 2 / 1e6:,.0f} km²:"]
    lines += [f"  {note}" for note in synth.notes]

    counts = siting.rule_counts(found)
    counts = counts[counts["findings"] > 0]
    lines += ["", "findings of check_sites (best run):"]
    lines += [f"  {r.rule:<22}{r.severity:<11}{r.findings:>9,} findings {r.sites:>9,} masts/sites"
              for r in counts.itertuples()]

    lines += ["", "naive loops:"]
    for parts in naive.values():
        for part in parts:
            lines.append(f"  {part.name:<22}{part.how()}; setup {part.setup:.2f} s")

    def cell(parts: list[NaivePart]) -> str:
        mark = "" if all(p.full for p in parts) else " *"
        return f"{sum(p.estimate for p in parts):>10.2f}{mark:<2}"

    head = f"  {'group':<{width}}{'ictgis s':>10}{'naive s':>12}{'ratio':>10}   runs (s)"
    lines += ["", f"ictgis vs naive (best of {args.repeat}; * = naive extrapolated from a "
              "subsample):", head, "  " + "-" * (len(head) + 8)]
    for g in GROUPS:
        timed = run.groups[g]
        runs = ", ".join(f"{t:.3f}" for t in timed.runs)
        if g in naive:
            est = sum(p.estimate for p in naive[g])
            lines.append(f"  {g:<{width}}{timed.best:>10.3f}{cell(naive[g])}"
                         f"{est / timed.best:>9.0f}x   {runs}")
        else:
            lines.append(f"  {g:<{width}}{timed.best:>10.3f}{'—':>12}{'':>10}   {runs}")
    group_sum = sum(run.groups[g].best for g in GROUPS)
    overhead = run.total.best - group_sum
    lines.append(f"  {'sum of the groups':<{width}}{group_sum:>10.3f}")
    lines.append(f"  {'messages + concat (rest)':<{width}}{overhead:>10.3f}")
    all_rule_parts = [p for g in GROUPS if g in naive for p in naive[g]]
    naive_total = sum(p.estimate for p in all_rule_parts)
    runs = ", ".join(f"{t:.3f}" for t in run.total.runs)
    lines.append(f"  {'check_sites TOTAL':<{width}}{run.total.best:>10.3f}{cell(all_rule_parts)}"
                 f"{naive_total / run.total.best:>9.0f}x   {runs}")
    lines.append(f"  {'  (naive: zone + plan + spacing only)':<{width}}")
    prop = run.proposals
    runs = ", ".join(f"{t:.3f}" for t in prop.runs)
    label = f"judge_proposals ({len(synth.proposals):,})"
    est = sum(p.estimate for p in naive["proposals"])
    lines.append(f"  {label:<{width}}{prop.best:>10.3f}{cell(naive['proposals'])}"
                 f"{est / prop.best:>9.1f}x   {runs}")

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    extrapolated = "" if all(p.full for p in all_rule_parts) else " (naive time extrapolated)"
    lines += [
        "", "targets:",
        f"  check_sites ({', '.join(GROUPS)}) < {TARGET_SECONDS:g} s: {run.total.best:.3f} s "
        f"-> {verdict(run.total.best < TARGET_SECONDS)}",
        "  spatial indexes faster than the naive pairwise checks, every group: "
        + verdict(all(sum(p.estimate for p in naive[g]) > run.groups[g].best
                      for g in GROUPS if g in naive)) + extrapolated,
        f"  judge_proposals faster than the naive per-proposal loop: {est / prop.best:.1f}x -> "
        f"{verdict(est > prop.best)}",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=100_000, help="existing masts [100,000]")
    parser.add_argument("--zones", type=int, default=20_000, help="plan zones [20,000]")
    parser.add_argument("--planned", type=int, default=60_000, help="planned sites [60,000]")
    parser.add_argument("--proposals", type=int, default=1_000, help="proposals [1,000]")
    parser.add_argument("--seed", type=int, default=20_240_601, help="random seed")
    parser.add_argument("--quick", action="store_true",
                        help="small run: 10,000 masts, 2,000 zones, 6,000 planned, 200 proposals")
    parser.add_argument("--no-class", type=float, default=0.3,
                        help="percent of masts with no mast class (validity.no_class) [0.3]")
    parser.add_argument("--repeat", type=int, default=3, help="ictgis runs, best kept [3]")
    parser.add_argument("--naive-limit", type=float, default=60.0,
                        help="subsample a naive loop when the full one would exceed this [60 s]")
    parser.add_argument("--naive-budget", type=float, default=10.0,
                        help="seconds spent on each subsampled naive loop [10]")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one ictgis run and print the hot spots")
    args = parser.parse_args(argv)
    if args.quick:
        args.sites, args.zones, args.planned, args.proposals = 10_000, 2_000, 6_000, 200
    if min(args.sites, args.zones, args.planned, args.proposals) < 10:
        parser.error("--sites, --zones, --planned and --proposals must be >= 10")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("building the synthetic siting set ...", file=sys.stderr)
    synth = build(args)

    print("timing ictgis ...", file=sys.stderr)
    run = run_ictgis(synth, args.repeat)
    found = run.total.result

    print("timing the naive loops ...", file=sys.stderr)
    rng = np.random.default_rng(args.seed + 1)
    limit, budget = args.naive_limit, args.naive_budget
    naive = {
        "zone": [naive_zones(synth, rng, limit, budget)],
        "plan": [naive_plan_sites(synth, limit, budget), naive_plan_built(synth, rng, limit, budget)],
        "spacing": [naive_spacing(synth, rng, limit, budget)],
        "proposals": [naive_proposals(synth, limit, budget)],
    }
    print(report(args, synth, run, naive, found))

    checks = (check_spacing_same(naive["spacing"][0], synth, found)
              + check_zones_same(naive["zone"][0], synth, found)
              + check_plan_same(*naive["plan"], synth, found)
              + check_proposals_same(naive["proposals"][0], synth, run.proposals.result))
    print("\nchecks (asserted):")
    print("\n".join(f"  {line}" for line in checks))
    if args.profile:
        print("\ncProfile of one check_sites + judge_proposals (ictgis functions, cumulative):")
        print(profile_ictgis(synth, 30))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
