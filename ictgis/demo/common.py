"""What every layer of the demo shares: its label, CRS and config, and small random helpers."""

from __future__ import annotations

from importlib import resources

import numpy as np
import shapely
from pyproj import Transformer

from ictgis.crs import transformer

#: Label written in the ``ghi_chu`` column of every demo frame.
SYNTHETIC_LABEL = "SYNTHETIC - ictgis demo province, not real data"

#: Metric CRS of the demo geometry: VN-2000 / TM-3 105°45'.
DEMO_CRS = "EPSG:9210"

#: The demo workspace's ``ictgis.toml`` (package data); the contract for the demo's frames.
DEMO_CONFIG: str = (resources.files("ictgis.demo") / "ictgis.toml").read_text(encoding="utf-8")

GRID = 0.01  # m: precision of every projected coordinate
_LONLAT_DECIMALS = 7


def vn2000_to_wgs84() -> Transformer:
    """EPSG:9210 -> EPSG:4326 with the official EPSG:6960 shift (:func:`ictgis.crs.transformer`)."""
    return transformer(DEMO_CRS, "EPSG:4326")


def apportion(totals: np.ndarray, group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split integer ``totals[g]`` over the rows of each group in proportion to ``weights``.

    Largest-remainder rounding: each group's integers sum exactly to its total.
    """
    n_groups = len(totals)
    share = totals[group] * weights / np.bincount(group, weights, n_groups)[group]
    base = np.floor(share).astype(np.int64)
    missing = totals - np.bincount(group, base, n_groups).astype(np.int64)
    order = np.lexsort((np.arange(len(group)), base - share, group))
    start = np.r_[0, np.cumsum(np.bincount(group, minlength=n_groups))[:-1]]
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - start[group[order]]
    return base + (rank < missing[group])


def random_points_in(
    polygons: np.ndarray, rng: np.random.Generator, tries: int = 48
) -> tuple[np.ndarray, np.ndarray]:
    """One uniform random point inside each polygon (rejection in the bounding box).

    Falls back to a point on the surface for a polygon that rejects every try; the
    coordinates are rounded to 0.01 m.
    """
    bounds = shapely.bounds(polygons)
    u = rng.random((len(polygons), tries, 2))
    x = bounds[:, [0]] + u[..., 0] * (bounds[:, [2]] - bounds[:, [0]])
    y = bounds[:, [1]] + u[..., 1] * (bounds[:, [3]] - bounds[:, [1]])
    inside = shapely.contains_xy(polygons[:, None], x, y)
    first = inside.argmax(axis=1)
    rows = np.arange(len(polygons))
    fallback = shapely.get_coordinates(shapely.point_on_surface(polygons))
    px = np.where(inside.any(axis=1), x[rows, first], fallback[:, 0])
    py = np.where(inside.any(axis=1), y[rows, first], fallback[:, 1])
    return np.round(px, 2), np.round(py, 2)


def polar(distance: float | np.ndarray, bearing: float | np.ndarray) -> np.ndarray:
    """Offsets (n, 2) of ``distance`` metres on a ``bearing`` (radians clockwise from north)."""
    distance, bearing = np.broadcast_arrays(np.atleast_1d(distance), np.atleast_1d(bearing))
    return distance[:, None] * np.column_stack([np.sin(bearing), np.cos(bearing)])


def lonlat_text(values: np.ndarray) -> np.ndarray:
    """Decimal degrees with :data:`_LONLAT_DECIMALS` decimals; empty for NaN."""
    text = np.char.mod(f"%.{_LONLAT_DECIMALS}f", np.round(values, _LONLAT_DECIMALS))
    return np.where(np.isnan(values), "", text).astype(object)
