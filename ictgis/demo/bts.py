"""BTS sites of the demo province: mast attributes and the existing sites that keep the plan."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.common import apportion, random_points_in
from ictgis.demo.rules import (
    MARGIN_M,
    MAST_CLASSES,
    Rules,
    conform_classes,
    height_limit,
    min_spacing,
)
from ictgis.i18n import t

#: Operators and their market weights (the chance of each operator on a mast).
_OPERATORS = np.array(["Viettel", "VinaPhone", "MobiFone", "Vietnamobile"])
_OPERATOR_WEIGHT = np.array([0.45, 0.24, 0.24, 0.07])  # gives ~40/25/25/10 % presence
_SHARED_SHARE = 0.15
_TRIPLE_SHARE = 0.25  # of the shared masts
_TECHNOLOGIES = (("2G;3G;4G", 0.82), ("2G;3G", 0.13), ("4G", 0.05))

#: Chance of each mast class by commune kind, and each class's height range (m), in the order
#: of :data:`~ictgis.demo.rules.MAST_CLASSES`.
_MAST_P_PHUONG = np.array([0.25, 0.25, 0.50, 0.00, 0.00])  # the towns' phường: A1 or A2a only
_MAST_P_URBAN = np.array([0.20, 0.20, 0.40, 0.15, 0.05])  # thị trấn
_MAST_P_RURAL = np.array([0.000, 0.005, 0.005, 0.985, 0.005])
MAST_HEIGHT_M = np.array([(3.0, 15.0), (3.0, 15.0), (6.0, 25.0), (30.0, 45.0), (20.0, 40.0)])
_TALL_A2B_SHARE, _TALL_A2B_M = 0.1, (45.0, 60.0)

_BTS_TOTAL = (1_955, 1_985)  # before the ~35 rows added as siting examples
_BTS_POPULATION_WEIGHT = 0.75  # the rest of a commune's share of sites follows its area
_BTS_EDGE_MARGIN_M = 10.0

#: ``trang_thai`` of a working mast.
OPERATING = "dang_hoat_dong"


def make_bts(communes: gpd.GeoDataFrame, rules: Rules, rng: np.random.Generator) -> pd.DataFrame:
    """Existing BTS sites that keep every plan rule, denser where people live.

    The sites lie outside the prohibited areas and halos, each pair at least the larger of the two
    d_min (whatever the operators) apart, and get a class and a height that their zones
    allow, all with a margin of :data:`~ictgis.demo.rules.MARGIN_M`.

    Parameters
    ----------
    communes
        Output of :func:`~ictgis.demo.geometry.make_communes`.
    rules
        Output of :func:`~ictgis.demo.rules.make_rules`.
    rng
        Random stream.

    Returns
    -------
    pandas.DataFrame
        Working table: the BTS layer's attributes but ``ma_tram`` and the coordinates, the
        position ``x`` (easting), ``y`` (northing), the commune row ``commune`` and ``urban``.
    """
    n_sites = int(rng.integers(_BTS_TOTAL[0], _BTS_TOTAL[1] + 1))
    idx = _bts_communes(communes, n_sites)
    kind = communes["loai"].to_numpy()[idx]
    urban = kind != "xa"
    mast = draw_mast_classes(kind, rng)
    inner = shapely.difference(shapely.buffer(communes.geometry.to_numpy(), -_BTS_EDGE_MARGIN_M),
                               shapely.union(shapely.buffer(rules.prohibited, MARGIN_M),
                                             rules.halo))
    shapely.prepare(inner)
    x, y = _spaced_points(inner[idx], rng, min_spacing(mast, urban) + MARGIN_M)
    order = np.lexsort((x, idx))
    idx, x, y, mast, urban = idx[order], x[order], y[order], mast[order], urban[order]
    mast = conform_classes(rules, x, y, mast, rng)
    height = _conform_heights(rules, x, y, mast, draw_mast_heights(mast, rng), rng)
    return pd.DataFrame({
        "nha_mang": draw_operators(n_sites, rng),
        "cong_nghe": draw_technologies(n_sites, rng),
        "loai_cot": mast,
        "do_cao_m": height,
        "trang_thai": OPERATING,
        "xa_phuong": communes["ten_xa"].to_numpy()[idx],
        "x": x,
        "y": y,
        "commune": idx,
        "urban": urban,
    })


def _bts_communes(communes: gpd.GeoDataFrame, n_sites: int) -> np.ndarray:
    """Commune row of every site: one each, the rest by population (75%) and area (25%)."""
    pop = communes["dan_so"].to_numpy(dtype=float)
    area = shapely.area(communes.geometry.to_numpy())
    share = (_BTS_POPULATION_WEIGHT * pop / pop.sum()
             + (1 - _BTS_POPULATION_WEIGHT) * area / area.sum())
    extra = apportion(np.array([n_sites - len(communes)]), np.zeros(len(communes), int), share)
    return np.repeat(np.arange(len(communes)), 1 + extra)


def _spaced_points(
    polygons: np.ndarray, rng: np.random.Generator, spacing: np.ndarray, rounds: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """A random point in each polygon, redrawing until each pair is >= the larger spacing."""
    x, y = random_points_in(polygons, rng)
    for _ in range(rounds):
        points = shapely.points(x, y)
        left, right = shapely.STRtree(points).query(points, predicate="dwithin",
                                                    distance=spacing.max())
        left, right = left[left < right], right[left < right]
        close = (shapely.distance(points[left], points[right])
                 < np.maximum(spacing[left], spacing[right]))
        clash = np.unique(right[close])
        if not clash.size:
            return x, y
        x[clash], y[clash] = random_points_in(polygons[clash], rng)
    msg = t("errors.demo.bts_spacing")
    raise RuntimeError(msg)


def draw_operators(n: int, rng: np.random.Generator) -> np.ndarray:
    """Operator list per mast: one operator, or 2-3 on a shared mast, ';'-joined."""
    shared = rng.random(n) < _SHARED_SHARE
    k = 1 + shared * (1 + (rng.random(n) < _TRIPLE_SHARE))
    keys = np.log(_OPERATOR_WEIGHT) + rng.gumbel(size=(n, len(_OPERATORS)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)  # weighted draw without replacement
    bits = (rank < k[:, None]) @ (1 << np.arange(len(_OPERATORS)))
    labels = np.array([";".join(_OPERATORS[(code >> np.arange(len(_OPERATORS))) & 1 == 1])
                       for code in range(1 << len(_OPERATORS))])
    return labels[bits]


def draw_other_operator(taken: str, rng: np.random.Generator) -> str:
    """One operator (by market weight) not in the ';'-joined ``taken``."""
    free = ~np.isin(_OPERATORS, taken.split(";"))
    return str(rng.choice(_OPERATORS[free], p=_OPERATOR_WEIGHT[free] / _OPERATOR_WEIGHT[free].sum()))


def draw_technologies(n: int, rng: np.random.Generator) -> np.ndarray:
    """Technology list per mast, ';'-joined."""
    return rng.choice([t for t, _ in _TECHNOLOGIES], n, p=[p for _, p in _TECHNOLOGIES])


def draw_mast_classes(kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mast class per site: small masts in phường, some towers in thị trấn, A2b in xã."""
    cum = np.select([kind[:, None] == "phuong", kind[:, None] == "thi_tran"],
                    [np.cumsum(_MAST_P_PHUONG), np.cumsum(_MAST_P_URBAN)],
                    np.cumsum(_MAST_P_RURAL))
    pick = (rng.random(len(kind))[:, None] > cum).sum(axis=1)
    return MAST_CLASSES[np.minimum(pick, len(MAST_CLASSES) - 1)]


def draw_mast_heights(mast: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Height (m, 1 decimal) uniform in the class range; a few A2b towers reach 45-60 m."""
    cls = np.searchsorted(MAST_CLASSES, mast)
    low, high = MAST_HEIGHT_M[cls].T
    tall = (mast == "A2b") & (rng.random(len(mast)) < _TALL_A2B_SHARE)
    low, high = np.where(tall, _TALL_A2B_M[0], low), np.where(tall, _TALL_A2B_M[1], high)
    return np.round(rng.uniform(low, high), 1)


def _conform_heights(
    rules: Rules, x: np.ndarray, y: np.ndarray, mast: np.ndarray, height: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Heights redrawn at least 1 m under the maximum of every zone within the margin."""
    limit = height_limit(rules, shapely.points(x, y), MARGIN_M)
    over = height > limit - 1
    low = MAST_HEIGHT_M[np.searchsorted(MAST_CLASSES, mast[over]), 0]
    height = height.copy()
    height[over] = np.round(rng.uniform(np.minimum(low, limit[over] - 5), limit[over] - 1), 1)
    return height
