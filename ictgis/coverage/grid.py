"""The coverage grid (a metric raster aligned on its resolution) and how levels are encoded."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from affine import Affine

from ictgis.config import CoverageConfig
from ictgis.i18n import number, t

logger = logging.getLogger(__name__)

NODATA = -9999.0
#: Kernels and stamped tiles hold levels in hundredths of a dB (int16: half the memory traffic
#: of float32, ±327 dB of range, 0.005 dB rounding); EMPTY marks "no site reaches".
CENTI_DB = 100.0
EMPTY = np.int16(-32768)

#: A window of the grid: (row0, row1, col0, col1), ends excluded.
Window = tuple[int, int, int, int]


@dataclass(frozen=True)
class Grid:
    """A raster grid in a metric CRS: ``transform`` maps (col, row) to the upper-left corner."""

    transform: Affine
    width: int
    height: int
    crs: object

    @property
    def resolution(self) -> float:
        """Pixel size (m)."""
        return float(self.transform.a)

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], resolution: float,
                 crs: object) -> Grid:
        """The grid of ``resolution`` aligned on multiples of it that covers ``bounds``."""
        x0 = np.floor(bounds[0] / resolution) * resolution
        y1 = np.ceil(bounds[3] / resolution) * resolution
        width = int(np.ceil((bounds[2] - x0) / resolution))
        height = int(np.ceil((y1 - bounds[1]) / resolution))
        return cls(Affine(resolution, 0, x0, 0, -resolution, y1), width, height, crs)

    def pixel_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the pixel containing each point (may be outside the grid)."""
        col = np.floor((np.asarray(x) - self.transform.c) / self.resolution).astype(np.int64)
        row = np.floor((self.transform.f - np.asarray(y)) / self.resolution).astype(np.int64)
        return row, col

    def window_transform(self, window: Window) -> Affine:
        """The transform of a window (its upper-left pixel at (0, 0))."""
        return self.transform @ Affine.translation(window[2], window[0])

    def window_bounds(self, window: Window) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of a window (m)."""
        r0, r1, c0, c1 = window
        res = self.resolution
        return (self.transform.c + c0 * res, self.transform.f - r1 * res,
                self.transform.c + c1 * res, self.transform.f - r0 * res)

    def tiles(self, size: int) -> Iterator[Window]:
        """(row0, row1, col0, col1) of square tiles covering the grid."""
        for r0 in range(0, self.height, size):
            for c0 in range(0, self.width, size):
                yield r0, min(r0 + size, self.height), c0, min(c0 + size, self.width)


#: The most pixels a coverage grid may have: the country's 330,000 km² at 20 m (the grid of a
#: national workspace's bounds at 50 m has 132 M). A larger grid comes from coordinates in the
#: wrong unit or CRS. Memory does not grow with the grid (tiles are streamed to disk); time does.
MAX_PIXELS = 1_000_000_000


def province_grid(communes: gpd.GeoDataFrame, settings: CoverageConfig, *,
                  file: str | None = None) -> Grid:
    """The coverage grid of a set of communes (their bounds at ``resolution_m``).

    ``file`` (the commune layer's file) is named by the errors.

    Raises
    ------
    DataError
        When the communes have no finite extent (no geometry, or coordinates that the
        reprojection made infinite), or the grid would exceed :data:`MAX_PIXELS`.
    """
    from ictgis.errors import DataError

    x0, y0, x1, y1 = (float(b) for b in communes.total_bounds) if len(communes) else (
        np.nan, np.nan, np.nan, np.nan)
    if not (np.all(np.isfinite([x0, y0, x1, y1])) and x1 > x0 and y1 > y0):
        msg = t("coverage.error.no_extent", bounds=", ".join(f"{b:.6g}" for b in (x0, y0, x1, y1)),
                crs=getattr(communes.crs, "name", communes.crs))
        raise DataError(msg, file=file)
    resolution = settings.resolution_m
    width = np.ceil((x1 - x0) / resolution) + 1
    height = np.ceil((y1 - y0) / resolution) + 1
    if width * height > MAX_PIXELS:
        msg = t("coverage.error.grid_too_large", width=number(width, 0),
                height=number(height, 0), km_x=number((x1 - x0) / 1000, 0),
                km_y=number((y1 - y0) / 1000, 0), resolution=number(resolution, 0),
                limit=number(MAX_PIXELS, 0))
        raise DataError(msg, file=file)
    return Grid.covering((x0, y0, x1, y1), resolution, communes.crs)
