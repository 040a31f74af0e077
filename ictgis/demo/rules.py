"""The demo plan's siting rules as geometry and numbers, for placing masts that keep or break them.

Zone rules (prohibited areas, A1-only areas, the classes and heights that permitted zones
allow) and the spacing and deviation distances of ``[siting]`` in the demo's ``ictgis.toml``.
Compliant objects keep :data:`MARGIN_M` clear of every rule; the deliberate examples sit that
deep inside the rule they break.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from ictgis.demo.common import DEMO_CONFIG

#: Passive-infrastructure plan rules of the demo workspace ([siting] of its ``ictgis.toml``).
SITING = tomllib.loads(DEMO_CONFIG)["siting"]

#: Mast classes, in the order of every per-class table of the demo.
MAST_CLASSES = np.array(["A1a", "A1b", "A2a", "A2b", "A2c"])
A1_CLASSES = np.array(SITING["a1_classes"])

#: Zone classes (``loai_vung``) of the plan's zones and buffered features.
PROHIBITED, A1_ONLY, PERMITTED = "Khu vực cấm", "Khu vực chỉ lắp cột A1", "Khu vực được phép"

#: Compliant objects keep this clear of every rule's area and spacing; examples sit this deep in.
MARGIN_M = 20.0


class Rules(NamedTuple):
    """The plan's zone rules as geometry (EPSG:9210), for placing masts that keep or break them."""

    prohibited: shapely.Geometry  # prohibited zones and buffers, dissolved
    a1: shapely.Geometry  # A1-only zones and buffers, dissolved
    listed: np.ndarray  # permitted zones that list their allowed classes
    allowed: tuple[np.ndarray, ...]  # the classes each of them allows
    limited: np.ndarray  # zones with a maximum height
    limit: np.ndarray  # their maximum height (m)
    halo: shapely.Geometry  # kept free of compliant masts round the prohibited features


def make_rules(zones: gpd.GeoDataFrame, features: gpd.GeoDataFrame) -> Rules:
    """The zone rules of the plan layers (feature buffers: 64 segments per circle).

    The halo round each prohibited feature (its buffer + the largest d_min + twice the
    margin) is kept free of compliant masts, so that the examples breaking it fit.
    """
    zone_geoms, zone_class = zones.geometry.to_numpy(), zones["loai_vung"].to_numpy()
    buffers = shapely.buffer(features.geometry.to_numpy(),
                             features["ban_kinh_m"].to_numpy(float), quad_segs=16)
    feature_class = features["loai_vung"].to_numpy()

    def dissolved(cls: str) -> shapely.Geometry:
        area = shapely.union_all(np.r_[zone_geoms[zone_class == cls],
                                       buffers[feature_class == cls]])
        shapely.prepare(area)
        return area

    text = zones["cot_cho_phep"].to_numpy()
    listed = (zone_class == PERMITTED) & (text != "")
    limit = zones["chieu_cao_toi_da_m"].to_numpy(float)
    limited = ~np.isnan(limit)
    shapely.prepare(zone_geoms)
    room = max(max(row.values()) for row in SITING["min_spacing_m"].values()) + 2 * MARGIN_M
    relic = feature_class == PROHIBITED
    halo = shapely.union_all(shapely.buffer(features.geometry.to_numpy()[relic],
                                            features["ban_kinh_m"].to_numpy(float)[relic] + room))
    return Rules(dissolved(PROHIBITED), dissolved(A1_ONLY), zone_geoms[listed],
                 tuple(np.array(t.split(";")) for t in text[listed]), zone_geoms[limited],
                 limit[limited], halo)


def height_limit(rules: Rules, points: np.ndarray, near: float) -> np.ndarray:
    """Lowest maximum height (m) of the zones within ``near`` metres of each point (inf: none)."""
    limit = np.full(len(points), np.inf)
    for zone, top in zip(rules.limited, rules.limit, strict=True):
        limit = np.where(shapely.dwithin(zone, points, near), np.minimum(limit, top), limit)
    return limit


def breaches(
    rules: Rules, x: np.ndarray, y: np.ndarray, mast: np.ndarray, height: np.ndarray,
    near: float = MARGIN_M,
) -> np.ndarray:
    """Zone rules each mast breaks, or would break ``near`` metres away.

    Returns
    -------
    numpy.ndarray
        Boolean (n, 4): in a prohibited area; A2 in an A1-only area; class not listed by a
        permitted zone; taller than a zone's maximum.
    """
    points = shapely.points(x, y)
    found = np.zeros((len(points), 4), dtype=bool)
    found[:, 0] = shapely.dwithin(rules.prohibited, points, near)
    found[:, 1] = shapely.dwithin(rules.a1, points, near) & ~np.isin(mast, A1_CLASSES)
    for zone, allowed in zip(rules.listed, rules.allowed, strict=True):
        found[:, 2] |= shapely.dwithin(zone, points, near) & ~np.isin(mast, allowed)
    found[:, 3] = height > height_limit(rules, points, near)
    return found


def min_spacing(mast: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """d_min (m) of each mast: its class's row of [siting.min_spacing_m], else ``default``."""
    table = SITING["min_spacing_m"]
    rows = [table.get(str(cls), table["default"]) for cls in MAST_CLASSES]
    cls = np.searchsorted(MAST_CLASSES, mast)
    by_class = np.array([[row["rural"], row["urban"]] for row in rows], dtype=float)
    return by_class[cls, np.asarray(urban, dtype=int)]


def deviation(urban: np.ndarray) -> np.ndarray:
    """Default deviation radius (m) of a planned site: urban or rural."""
    return np.where(urban, SITING["deviation_urban_m"], SITING["deviation_rural_m"]).astype(float)


def conform_classes(
    rules: Rules, x: np.ndarray, y: np.ndarray, mast: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Classes made to fit the zones: A1 near A1-only areas, a listed class near listing zones."""
    points = shapely.points(x, y)
    mast = mast.copy()
    a2_in_a1 = shapely.dwithin(rules.a1, points, MARGIN_M) & ~np.isin(mast, A1_CLASSES)
    mast[a2_in_a1] = rng.choice(A1_CLASSES, a2_in_a1.sum())
    for zone, allowed in zip(rules.listed, rules.allowed, strict=True):
        unlisted = shapely.dwithin(zone, points, MARGIN_M) & ~np.isin(mast, allowed)
        mast[unlisted] = "A2a" if "A2a" in allowed else allowed[0]
    return mast


@dataclass
class Masts:
    """Positions (m) and d_min of the masts placed so far, for clearance checks."""

    x: np.ndarray
    y: np.ndarray
    d_min: np.ndarray

    def add(self, x: float, y: float, d_min: float) -> None:
        """Record one more mast."""
        self.x, self.y, self.d_min = np.r_[self.x, x], np.r_[self.y, y], np.r_[self.d_min, d_min]

    def clear(
        self, x: np.ndarray, y: np.ndarray, d_min: np.ndarray, *, margin: float = MARGIN_M,
        skip: tuple[int, ...] = (),
    ) -> np.ndarray:
        """Whether each point is >= the larger d_min + ``margin`` from every mast not skipped."""
        points = shapely.points(x, y)
        near, mast = shapely.STRtree(shapely.points(self.x, self.y)).query(
            points, predicate="dwithin", distance=max(d_min.max(), self.d_min.max()) + margin)
        gap = np.hypot(x[near] - self.x[mast], y[near] - self.y[mast])
        close = (gap < np.maximum(d_min[near], self.d_min[mast]) + margin) & ~np.isin(mast, skip)
        return np.bincount(near[close], minlength=len(points)) == 0
