"""People and environment on the coverage grid: communes rasterised, population spread."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig
from ictgis.coverage.grid import Grid
from ictgis.coverage.models import ENV_CODES

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- population


def rasterize_communes(communes: gpd.GeoDataFrame, grid: Grid, settings: CoverageConfig,
                       landcover: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Commune index (-1 outside) and environment code (-1 outside) of every pixel centre.

    The environment comes from the commune kind (``settings.environment``), or, where a
    land-cover raster on the same grid has a class listed in ``settings.landcover_classes``,
    from that class.
    """
    from rasterio import features

    index = features.rasterize(
        ((geom, i) for i, geom in enumerate(communes.geometry.array)),
        out_shape=(grid.height, grid.width), transform=grid.transform, fill=-1,
        dtype="int32")
    # a commune smaller than a pixel keeps the pixel of its representative point
    empty = np.flatnonzero(np.bincount(index[index >= 0], minlength=len(communes)) == 0)
    if len(empty):
        points = communes.geometry.iloc[empty].representative_point()
        rows, cols = grid.pixel_of(points.x.to_numpy(), points.y.to_numpy())
        ok = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
        index[rows[ok], cols[ok]] = empty[ok]
    env_of = communes["kind"].map(lambda k: ENV_CODES[settings.environment.get(k, "open")])
    env = np.full(index.shape, -1, dtype=np.int8)
    inside = index >= 0
    env[inside] = env_of.to_numpy(np.int8)[index[inside]]
    if landcover is not None:
        for value, environment in settings.landcover_classes.items():
            env[inside & (landcover == value)] = ENV_CODES[environment]
    return index, env


def spread_population(communes: pd.DataFrame, index: np.ndarray,
                      raster: np.ndarray | None = None) -> np.ndarray:
    """Population per pixel, summing to each commune's population.

    Without a population raster, each commune's population is spread evenly over its pixels;
    with one (on the same grid), it is rescaled inside each commune so that the commune total
    is kept (a commune where the raster is empty falls back to an even spread).
    """
    n = len(communes)
    inside = index >= 0
    idx = index[inside]
    totals = communes["population"].to_numpy(float)
    if raster is None:
        weight = np.ones(idx.shape, dtype=np.float64)
    else:
        weight = np.nan_to_num(raster[inside].astype(np.float64), nan=0.0).clip(min=0)
        raw = np.bincount(idx, weights=weight, minlength=n)
        empty = raw[idx] <= 0
        weight[empty] = 1.0
    sums = np.bincount(idx, weights=weight, minlength=n)
    scale = np.divide(totals, sums, out=np.zeros(n), where=sums > 0)
    out = np.zeros(index.shape, dtype=np.float64)
    out[inside] = weight * scale[idx]
    return out
