"""People and environment on the coverage grid: communes rasterised, population spread.

Everything here works on one *window* of the grid at a time (a tile, or the whole grid as one
window), so that a national grid never needs a full-size commune index or population array:

1. :func:`rasterize_window` burns the communes whose bounds meet the window (commune index of
   every pixel centre, -1 outside);
2. a first pass over the tiles counts each commune's pixels (and sums a population raster
   over them); a commune smaller than a pixel then gets the pixel of its representative point
   (:func:`small_communes`), and :func:`population_scale` gives the people per unit of
   weight that makes every commune keep its population;
3. the second pass rebuilds each tile's index (:func:`rasterize_window` with the overrides)
   and spreads the people (:func:`people_tile`).

:func:`rasterize_communes` and :func:`spread_population` are the same steps on the whole grid.
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numba
import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig
from ictgis.coverage.grid import Grid, Window
from ictgis.coverage.models import ENV_CODES

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- population


@dataclass(frozen=True)
class Overrides:
    """Pixels given to communes smaller than a pixel (grid row, col, commune; one per pixel)."""

    row: np.ndarray
    col: np.ndarray
    commune: np.ndarray

    def within(self, window: Window) -> Overrides:
        """The overrides inside a window (rows and columns still of the grid)."""
        r0, r1, c0, c1 = window
        ok = (self.row >= r0) & (self.row < r1) & (self.col >= c0) & (self.col < c1)
        return Overrides(self.row[ok], self.col[ok], self.commune[ok])

    def burn(self, index: np.ndarray, window: Window) -> np.ndarray:
        """``index`` (a window's commune index) with the overrides inside the window applied.

        A copy when any applies (``index`` may be read-only), else ``index`` itself.
        """
        inside = self.within(window)
        if not len(inside.row):
            return index
        out = index.copy()
        out[inside.row - window[0], inside.col - window[2]] = inside.commune
        return out

    @classmethod
    def none(cls) -> Overrides:
        """No override."""
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, empty)


def rasterize_window(shapes: list[tuple[object, int]], grid: Grid, window: Window,
                     overrides: Overrides | None = None) -> np.ndarray:
    """Commune index (-1 outside) of every pixel centre of a window (int32).

    Parameters
    ----------
    shapes
        (geometry, commune index) of the communes that may meet the window (others burn
        nothing: passing them only costs time).
    grid
        The coverage grid.
    window
        (row0, row1, col0, col1) in the grid.
    overrides
        Pixels given to communes smaller than a pixel (:func:`small_communes`), applied last.
    """
    from rasterio import features

    _quiet_rasterize()
    r0, r1, c0, c1 = window
    shape = (r1 - r0, c1 - c0)
    if not shapes:
        index = np.full(shape, -1, np.int32)
    else:
        index = features.rasterize(shapes, out_shape=shape, transform=grid.window_transform(window),
                                   fill=-1, dtype="int32")
    return index if overrides is None else overrides.burn(index, window)


@functools.cache
def _quiet_rasterize() -> None:
    """Silence rasterio's NotGeoreferencedWarning from inside ``features.rasterize``, once.

    rasterio 1.4 warns "Dataset has no geotransform" from the in-memory raster it burns
    into when it is called off the main thread (the tile threads), although every call
    passes the window's transform: the burnt pixels are the main thread's (tested). The
    filter names that module only; ``catch_warnings`` around the call is not thread-safe.
    """
    from rasterio.errors import NotGeoreferencedWarning

    warnings.filterwarnings("ignore", category=NotGeoreferencedWarning,
                            module=r"rasterio\.features")


def shapes_in(communes: gpd.GeoDataFrame, grid: Grid, window: Window,
              burnt: list[object] | None = None) -> list[tuple[object, int]]:
    """(geometry, commune index) of the communes whose bounds meet a window, by index order.

    ``burnt``: the communes' geometries as :func:`burnable` gives them (the shapely
    geometries when None).
    """
    from shapely.geometry import box

    bounds = grid.window_bounds(window)
    found = np.sort(communes.sindex.query(box(*bounds)))
    geometries = communes.geometry.array if burnt is None else burnt
    return [(geometries[i], int(i)) for i in found]


def burnable(geometries: gpd.GeoSeries) -> list[object]:
    """The polygons as GeoJSON mappings made from their coordinate arrays, for rasterio.

    :func:`rasterio.features.rasterize` reads a shapely geometry through
    ``__geo_interface__``, one Python tuple per vertex, every time it is burnt; the same
    mapping made once from numpy arrays (one list per ring) burns the same pixels (on the
    national grid, where each commune is burnt in every tile and technology it meets,
    rasterising took 15 of 56 CPU seconds). Other geometry types are kept as they are.
    """
    import shapely

    geoms = np.asarray(geometries.array, dtype=object)
    kinds = shapely.get_type_id(geoms)
    polygonal = np.flatnonzero((kinds == 3) | (kinds == 6))  # Polygon, MultiPolygon
    parts, part_of = shapely.get_parts(geoms[polygonal], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    ends = np.cumsum(np.bincount(coord_of, minlength=len(rings)))[:-1]
    ring_coords = [c.tolist() for c in np.split(coords, ends)]
    polygons: list[list[list]] = [[] for _ in range(len(parts))]
    for ring, part in zip(ring_coords, ring_of.tolist(), strict=True):
        polygons[part].append(ring)
    per_geometry: list[list[list[list]]] = [[] for _ in range(len(polygonal))]
    for polygon, owner in zip(polygons, part_of.tolist(), strict=True):
        per_geometry[owner].append(polygon)
    out = list(geoms)
    for owner, i in enumerate(polygonal.tolist()):
        if kinds[i] == 3:
            out[i] = {"type": "Polygon", "coordinates": per_geometry[owner][0]}
        else:
            out[i] = {"type": "MultiPolygon", "coordinates": per_geometry[owner]}
    return out


def tiles_with_communes(communes: gpd.GeoDataFrame, grid: Grid, size: int) -> list[Window]:
    """The tiles of ``size`` pixels that a commune polygon meets, in the grid's tile order.

    Every other tile holds no commune pixel (no pixel centre in a commune, no pixel of a
    commune smaller than a pixel: its representative point is in its polygon): a national
    grid, the country's bounds, is mostly sea and neighbouring countries. One query of the
    communes' spatial index, exact polygon-box intersection; each box is padded by a tenth of
    a pixel so that rounding never drops a tile (a tile too many is only computed in vain).
    """
    import shapely

    windows = list(grid.tiles(size))
    if not windows or not len(communes):
        return []
    pad = grid.resolution / 10
    x0, y0, x1, y1 = np.array([grid.window_bounds(w) for w in windows]).T
    boxes = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    hit, _ = communes.sindex.query(boxes, predicate="intersects")
    return [windows[i] for i in np.unique(hit)]


def small_communes(communes: gpd.GeoDataFrame, grid: Grid, pixels: np.ndarray) -> Overrides:
    """The pixel of the representative point of every commune that holds no pixel centre.

    ``pixels`` counts each commune's pixel centres (before any override). Where two such
    communes fall in one pixel, the later one keeps it (as one array assignment would).
    """
    empty = np.flatnonzero(pixels == 0)
    if not len(empty):
        return Overrides.none()
    points = communes.geometry.iloc[empty].representative_point()
    rows, cols = grid.pixel_of(points.x.to_numpy(), points.y.to_numpy())
    ok = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
    rows, cols, ids = rows[ok], cols[ok], empty[ok]
    last = ~pd.Series(rows * grid.width + cols).duplicated(keep="last").to_numpy()
    return Overrides(rows[last], cols[last], ids[last].astype(np.int64))


def environment_codes(communes: pd.DataFrame, settings: CoverageConfig) -> np.ndarray:
    """Environment code of every commune (int8), from its kind (``settings.environment``)."""
    env_of = communes["kind"].map(lambda k: ENV_CODES[settings.environment.get(k, "open")])
    return env_of.to_numpy(np.int8)


def pixel_environment(index: np.ndarray, env_of: np.ndarray, settings: CoverageConfig,
                     landcover: np.ndarray | None = None) -> np.ndarray:
    """Environment code (-1 outside) of every pixel of a tile.

    From the commune kind (``env_of``: per commune), or, where a land-cover raster (the
    tile's window of it) has a class listed in ``settings.landcover_classes``, that class.
    """
    classes = settings.landcover_classes if landcover is not None else {}
    env = np.empty(index.shape, dtype=np.int8)
    _environment(index, np.asarray(env_of, np.int8),
                 np.zeros((0, 0)) if landcover is None else landcover,
                 np.array(list(classes), np.float64),
                 np.array([ENV_CODES[e] for e in classes.values()], np.int8), env)
    return env


@numba.njit(nogil=True, cache=True)
def _environment(index: np.ndarray, env_of: np.ndarray, landcover: np.ndarray,
                 values: np.ndarray, codes: np.ndarray, out: np.ndarray
                 ) -> None:  # pragma: no cover (compiled)
    """:func:`pixel_environment`'s loop, without the interpreter lock.

    The commune's code, or that of the last class ``values[k]`` equal to the land cover
    (``codes[k]``); -1 outside.
    """
    rows, cols = index.shape
    for i in range(rows):
        for j in range(cols):
            c = index[i, j]
            code = np.int8(-1)
            if c >= 0:
                code = env_of[c]
                if values.size:
                    cover = np.float64(landcover[i, j])
                    for k in range(values.size):
                        if cover == values[k]:
                            code = codes[k]
            out[i, j] = code


def raster_weights(raster: np.ndarray) -> np.ndarray:
    """Population raster values as weights: NaN as 0, negatives as 0 (float64)."""
    return np.nan_to_num(raster.astype(np.float64), nan=0.0).clip(min=0)


def population_scale(totals: np.ndarray, pixels: np.ndarray, raw: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """People per unit of weight, and which communes are spread evenly.

    Parameters
    ----------
    totals
        Population of every commune.
    pixels
        Pixels of every commune.
    raw
        Sum of the population raster over each commune's pixels (None: no raster).

    Returns
    -------
    tuple
        (scale, even): a pixel holds ``weight * scale[commune]`` people, its weight being 1
        where ``even`` (no raster, or a raster empty over the commune) and the raster value
        elsewhere; every commune's people sum to its total.
    """
    even = np.ones(len(totals), bool) if raw is None else raw <= 0
    sums = np.where(even, pixels, raw if raw is not None else 0.0)
    scale = np.divide(totals, sums, out=np.zeros(len(totals)), where=sums > 0)
    return scale, even


def people_tile(index: np.ndarray, scale: np.ndarray, even: np.ndarray,
                raster: np.ndarray | None = None) -> np.ndarray:
    """Population of every pixel of a tile (float64; 0 outside the communes).

    A pixel of commune ``c`` holds ``weight × scale[c]``, its weight 1 where ``even[c]`` or
    without a raster, else the raster's (:func:`raster_weights`). One compiled pass without
    the interpreter lock.
    """
    out = np.empty(index.shape, dtype=np.float64)
    _spread(index, np.asarray(scale, np.float64), np.asarray(even, np.bool_),
            np.zeros((0, 0)) if raster is None else raster, raster is not None, out)
    return out


@numba.njit(nogil=True, cache=True)
def _spread(index: np.ndarray, scale: np.ndarray, even: np.ndarray, raster: np.ndarray,
            weighted: bool, out: np.ndarray) -> None:  # pragma: no cover (compiled)
    """:func:`people_tile`'s loop; the weight as :func:`raster_weights` makes it."""
    largest = np.finfo(np.float64).max
    rows, cols = index.shape
    for i in range(rows):
        for j in range(cols):
            c = index[i, j]
            if c < 0:
                out[i, j] = 0.0
                continue
            weight = 1.0
            if weighted and not even[c]:
                weight = np.float64(raster[i, j])
                if math.isnan(weight):
                    weight = 0.0
                elif math.isinf(weight):
                    weight = largest if weight > 0 else -largest
                weight = weight if weight > 0.0 else 0.0  # clip(min=0): -0.0 to 0.0 too
            out[i, j] = weight * scale[c]


def local_index(index: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Position in ``ids`` (sorted, holding every commune of ``index``) of each pixel's commune.

    -1 outside (int32): ``np.searchsorted(ids, index)`` where ``index >= 0``, in one compiled
    pass without the interpreter lock.
    """
    out = np.empty(index.shape, np.int32)
    _local(index, np.asarray(ids, np.int64), out)
    return out


@numba.njit(nogil=True, cache=True)
def _local(index: np.ndarray, ids: np.ndarray, out: np.ndarray
           ) -> None:  # pragma: no cover (compiled)
    rows, cols = index.shape
    for i in range(rows):
        for j in range(cols):
            c = index[i, j]
            out[i, j] = np.searchsorted(ids, c) if c >= 0 else -1


# ------------------------------------------------------------------------- whole grid


def rasterize_communes(communes: gpd.GeoDataFrame, grid: Grid, settings: CoverageConfig,
                       landcover: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Commune index (-1 outside) and environment code (-1 outside) of every pixel centre.

    The whole grid as one window: the environment comes from the commune kind
    (``settings.environment``), or, where a land-cover raster on the same grid has a class
    listed in ``settings.landcover_classes``, from that class; a commune smaller than a pixel
    keeps the pixel of its representative point.
    """
    whole = (0, grid.height, 0, grid.width)
    shapes = [(geom, i) for i, geom in enumerate(communes.geometry.array)]
    index = rasterize_window(shapes, grid, whole)
    pixels = np.bincount(index[index >= 0], minlength=len(communes))
    overrides = small_communes(communes, grid, pixels)
    if len(overrides.row):
        index[overrides.row, overrides.col] = overrides.commune
    env = pixel_environment(index, environment_codes(communes, settings), settings, landcover)
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
    pixels = np.bincount(idx, minlength=n).astype(np.float64)
    raw = None if raster is None else np.bincount(idx, weights=raster_weights(raster[inside]),
                                                  minlength=n)
    scale, even = population_scale(communes["population"].to_numpy(float), pixels, raw)
    return people_tile(index, scale, even, raster)
