"""A SYNTHETIC elevation model of the demo province: delta land of 0-5 m with a few dune ridges.

Nothing here is measured. The land falls gently from about 3 m in the north-west to 0.5 m on
the coast in the east, with a slow undulation of about ±0.8 m, clipped to 0-5 m; on it lie
three sand ridges of 6-12 m (the *giồng* of the delta's coast, much exaggerated so that their
shadow shows in the coverage) and a river levee of 4 m. ``ictgis demo`` writes it as
``layers/dem.tif`` (100 m, EPSG:9210), read by ``[layers.dem]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine

from ictgis.demo.common import DEMO_CRS, SYNTHETIC_LABEL

#: Where the demo workspace keeps it.
DEM_PATH = "layers/dem.tif"
#: Pixel size of the demo DEM (m): coarser than the coverage grid, as SRTM is (≈ 30-90 m).
DEM_RESOLUTION_M = 100.0
#: Margin round the communes (m): rays from masts near the border see beyond it.
DEM_MARGIN_M = 2000.0
#: The dune ridges: (start, end) as fractions of the province's bounding box, crest height
#: (m above the land), half-width (m).
RIDGES = (((0.62, 0.30), (0.92, 0.55), 12.0, 250.0),
          ((0.55, 0.62), (0.80, 0.82), 8.0, 200.0),
          ((0.30, 0.20), (0.45, 0.45), 6.0, 300.0))
#: A river levee: (start, end), height (m), half-width (m).
LEVEE = ((0.05, 0.58), (0.95, 0.52), 4.0, 150.0)


@dataclass(frozen=True)
class DemoDem:
    """The synthetic DEM: elevation (m, float32, rows north to south) and georeferencing."""

    elevation: np.ndarray
    transform: Affine
    crs: str


def make_dem(communes: gpd.GeoDataFrame, seed: int) -> DemoDem:
    """The demo's DEM over the communes' extent (plus :data:`DEM_MARGIN_M`).

    Parameters
    ----------
    communes
        The demo communes (metric CRS, :data:`~ictgis.demo.common.DEMO_CRS`).
    seed
        Seed of the undulation.
    """
    x0, y0, x1, y1 = communes.to_crs(DEMO_CRS).total_bounds
    x0, y0, x1, y1 = x0 - DEM_MARGIN_M, y0 - DEM_MARGIN_M, x1 + DEM_MARGIN_M, y1 + DEM_MARGIN_M
    width = int(np.ceil((x1 - x0) / DEM_RESOLUTION_M))
    height = int(np.ceil((y1 - y0) / DEM_RESOLUTION_M))
    transform = Affine(DEM_RESOLUTION_M, 0, x0, 0, -DEM_RESOLUTION_M, y1)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    u, v = cols / width, 1.0 - rows / height  # 0..1 west to east, south to north
    land = 0.5 + 2.5 * (1.0 - u) * (0.6 + 0.4 * v)
    rng = np.random.default_rng(seed)
    for _ in range(6):  # slow undulation, wavelengths of 8-30 km
        kx, ky = rng.uniform(-1, 1, 2) * (x1 - x0) / rng.uniform(8000, 30000)
        land += rng.uniform(0.1, 0.3) * np.sin(2 * np.pi * (kx * u + ky * v) + rng.uniform(0, 6.3))
    land = np.clip(land, 0.0, 5.0)
    x = x0 + cols * DEM_RESOLUTION_M
    y = y1 - rows * DEM_RESOLUTION_M
    for (a, b, crest, half) in (*RIDGES, LEVEE):
        ax, ay = x0 + a[0] * (x1 - x0), y0 + a[1] * (y1 - y0)
        bx, by = x0 + b[0] * (x1 - x0), y0 + b[1] * (y1 - y0)
        t = np.clip(((x - ax) * (bx - ax) + (y - ay) * (by - ay))
                    / ((bx - ax) ** 2 + (by - ay) ** 2), 0.0, 1.0)
        gap = np.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)))
        land = land + crest * np.exp(-0.5 * (gap / half) ** 2)  # ridges add up where they meet
    return DemoDem(land.astype(np.float32), transform, DEMO_CRS)


def write_dem(path: Path, dem: DemoDem) -> Path:
    """Write the DEM as a GeoTIFF labelled synthetic."""
    from ictgis import io

    return io.write_raster(path, dem.elevation, transform=dem.transform, crs=dem.crs,
                           nodata=-9999.0, tags={"ghi_chu": SYNTHETIC_LABEL,
                                                 "units": "m above mean sea level"})
