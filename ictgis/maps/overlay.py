"""Coverage rasters as image overlays: warped to Web Mercator and coloured by signal class."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from io import BytesIO

import numba
import numpy as np

from ictgis.crs import transformer
from ictgis.maps.data import CoverageRaster
from ictgis.maps.styles import coverage_colors


@dataclass(frozen=True)
class OverlayGrid:
    """The pixels of an overlay image and the raster cell each one shows.

    It depends on the raster's shape, transform and CRS only: the technologies of one
    coverage run share it (:func:`overlay_grid` once, :func:`overlay_classes` per raster).

    Attributes
    ----------
    cells
        For each pixel of the image (rows, columns), the flat index of the raster cell
        under its centre; -1 outside the raster.
    bounds
        ``[[south, west], [north, east]]`` of the image in degrees.
    """

    cells: np.ndarray
    bounds: list[list[float]]

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the image."""
        return self.cells.shape[0], self.cells.shape[1]


def overlay_window(raster: CoverageRaster, *,
                   bbox: tuple[float, float, float, float] | None = None
                   ) -> tuple[float, float, float, float] | None:
    """The part of the raster an overlay shows: (west, east, south, north) in Web Mercator (m).

    The raster's extent, cropped to ``bbox`` ((west, south, east, north) in degrees); None
    when the crop holds no pixel (:func:`overlay_image` then makes no image).
    """
    height, width = np.shape(raster.classes)
    t = raster.transform
    xs = np.linspace(t.c, t.c + t.a * width, 21)
    ys = np.linspace(t.f, t.f + t.e * height, 21)
    edge_x = np.concatenate([xs, np.full(21, xs[-1]), xs[::-1], np.full(21, xs[0])])
    edge_y = np.concatenate([np.full(21, ys[0]), ys, np.full(21, ys[-1]), ys[::-1]])
    mx, my = transformer(raster.crs, "EPSG:3857").transform(edge_x, edge_y)
    west, east, south, north = (float(mx.min()), float(mx.max()), float(my.min()),
                                float(my.max()))
    if bbox is not None:
        bx, by = transformer("EPSG:4326", "EPSG:3857").transform(
            [bbox[0], bbox[2]], [bbox[1], bbox[3]])
        west, east = max(west, float(bx[0])), min(east, float(bx[1]))
        south, north = max(south, float(by[0])), min(north, float(by[1]))
        if west >= east or south >= north:
            return None
    return west, east, south, north


def overlay_grid(raster: CoverageRaster, *, bbox: tuple[float, float, float, float] | None = None,
                 max_px: int = 2048) -> OverlayGrid | None:
    """The Web-Mercator image of ``raster`` cropped to ``bbox`` (degrees), pixel by pixel.

    About one image pixel per raster cell (Mercator stretches by 1/cos(latitude)), at most
    ``max_px`` wide and high. Each pixel shows the cell at its centre (nearest neighbour),
    mapped back to the raster's CRS with :func:`ictgis.crs.transformer` (official VN-2000
    shift). None when the crop holds no pixel.
    """
    window = overlay_window(raster, bbox=bbox)
    if window is None:
        return None
    west, east, south, north = window
    height, width = np.shape(raster.classes)
    t = raster.transform
    _, lat_mid = transformer("EPSG:3857", "EPSG:4326").transform((west + east) / 2,
                                                                  (south + north) / 2)
    step = abs(t.a) / np.cos(np.radians(lat_mid))
    step = max(step, (east - west) / max_px, (north - south) / max_px)
    nx = max(1, int(np.ceil((east - west) / step)))
    ny = max(1, int(np.ceil((north - south) / step)))
    east, south = west + nx * step, north - ny * step
    cells = _cells_of(raster, west, north, step, nx, ny, height, width)
    (w_deg, e_deg), (s_deg, n_deg) = transformer("EPSG:3857", "EPSG:4326").transform(
        [west, east], [south, north])
    return OverlayGrid(cells, [[float(s_deg), float(w_deg)], [float(n_deg), float(e_deg)]])


def overlay_classes(raster: CoverageRaster, grid: OverlayGrid) -> np.ndarray:
    """The signal class (uint8, 0 = none) of each pixel of ``grid``, an image of its shape."""
    classes = np.ascontiguousarray(raster.classes, dtype=np.uint8).ravel()
    return _gather(classes, grid.cells)


def _colour_table(raster: CoverageRaster) -> np.ndarray:
    """RGBA (uint8) of each class value 0..255: the signal colours, transparent elsewhere."""
    table = np.zeros((256, 4), dtype=np.uint8)
    for i, color in enumerate(coverage_colors(len(raster.classes_dbm) + 1), start=1):
        table[i] = [int(color[k:k + 2], 16) for k in (1, 3, 5)] + [255]
    return table


def overlay_image(raster: CoverageRaster, *, bbox: tuple[float, float, float, float] | None = None,
                  max_px: int = 2048) -> tuple[np.ndarray, list[list[float]]] | None:
    """Warp a signal-class raster to Web Mercator and colour it for an image overlay.

    Parameters
    ----------
    raster
        The classified raster.
    bbox
        Optional (west, south, east, north) in degrees to crop to (a region).
    max_px
        Largest width or height of the image.

    Returns
    -------
    (rgba, bounds) or None
        A uint8 RGBA image (class 0 transparent) and its ``[[south, west], [north, east]]``
        bounds in degrees (:func:`overlay_grid`); None when the crop holds no pixel.
    """
    grid = overlay_grid(raster, bbox=bbox, max_px=max_px)
    if grid is None:
        return None
    return _colour_table(raster)[overlay_classes(raster, grid)], grid.bounds


def overlay_png(raster: CoverageRaster, grid: OverlayGrid) -> bytes:
    """The overlay image of ``raster`` on ``grid`` as an indexed PNG (Pillow).

    One byte per pixel, the class; its palette and transparency are the colours of
    :func:`overlay_image` (the same RGBA pixels, a quarter of the data to compress).
    """
    from PIL import Image

    table = _colour_table(raster)
    image = Image.fromarray(overlay_classes(raster, grid))
    image.putpalette(table[:, :3].tobytes(), rawmode="RGB")
    buffer = BytesIO()
    # run-length deflate: signal classes come in runs; 5x faster than the default, ~5 % larger
    image.save(buffer, format="PNG", transparency=table[:, 3].tobytes(), compress_type=zlib.Z_RLE)
    return buffer.getvalue()


def _cells_of(raster: CoverageRaster, west: float, north: float, step: float, nx: int, ny: int,
              height: int, width: int, every: int = 16) -> np.ndarray:
    """Flat index of the raster cell under each centre of a Web-Mercator pixel grid (-1: none).

    The projection is smooth at this scale: it is evaluated exactly on every ``every``-th
    row and column and interpolated bilinearly in between (sub-millimetre at 50 m pixels).
    Column and row are affine in the raster's x and y, so they are interpolated directly.
    """
    cols = np.unique(np.append(np.arange(0, nx, every), nx - 1))
    rows = np.unique(np.append(np.arange(0, ny, every), ny - 1))
    gx, gy = np.meshgrid(west + (cols + 0.5) * step, north - (rows + 0.5) * step)
    cx, cy = transformer("EPSG:3857", raster.crs).transform(gx.ravel(), gy.ravel())
    t = raster.transform
    shape = (rows.size, cols.size)
    col = (np.asarray(cx).reshape(shape) - t.c) / t.a
    row = (np.asarray(cy).reshape(shape) - t.f) / t.e
    return _cells_kernel(col, row, *_weights(rows, ny), *_weights(cols, nx), height, width)


def _weights(at: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear interpolation at 0..n-1 between nodes at ``at``.

    Returns the node before, the node after and the weight of the node after.
    """
    pos = np.interp(np.arange(n), at, np.arange(at.size))
    lo = np.minimum(np.floor(pos).astype(np.int64), max(at.size - 2, 0))
    return lo, np.minimum(lo + 1, at.size - 1), pos - lo


@numba.njit(cache=True, nogil=True)
def _cells_kernel(col: np.ndarray, row: np.ndarray, r0: np.ndarray, r1: np.ndarray,
                  wr: np.ndarray, c0: np.ndarray, c1: np.ndarray, wc: np.ndarray,
                  height: int, width: int) -> np.ndarray:  # pragma: no cover - compiled
    """Flat cell index (-1 outside ``height`` x ``width``) of each pixel of the grid.

    Column and row interpolated bilinearly from their values at the nodes (along the
    columns, then the rows), floored.
    """
    out = np.empty((r0.size, c0.size), dtype=np.int64)
    for i in range(r0.size):
        a, b, w = r0[i], r1[i], wr[i]
        for j in range(c0.size):
            p, q, v = c0[j], c1[j], wc[j]
            x = ((col[a, p] * (1 - v) + col[a, q] * v) * (1 - w)
                 + (col[b, p] * (1 - v) + col[b, q] * v) * w)
            y = ((row[a, p] * (1 - v) + row[a, q] * v) * (1 - w)
                 + (row[b, p] * (1 - v) + row[b, q] * v) * w)
            cx, cy = np.floor(x), np.floor(y)
            inside = cx >= 0 and cx < width and cy >= 0 and cy < height
            out[i, j] = int(cy) * width + int(cx) if inside else -1
    return out


@numba.njit(cache=True, nogil=True)
def _gather(classes: np.ndarray, cells: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``classes[cells]``, 0 where a cell is -1."""
    out = np.zeros(cells.shape, dtype=np.uint8)
    for i in range(cells.shape[0]):
        for j in range(cells.shape[1]):
            k = cells[i, j]
            if k >= 0:
                out[i, j] = classes[k]
    return out
