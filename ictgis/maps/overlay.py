"""Coverage rasters as image overlays: warped to Web Mercator and coloured by signal class."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from io import BytesIO

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
    shape
        (rows, columns) of the image.
    pixels
        Flat indices of the image pixels whose centre falls inside the raster.
    cells
        Flat index of the raster cell under each of ``pixels``.
    bounds
        ``[[south, west], [north, east]]`` of the image in degrees.
    """

    shape: tuple[int, int]
    pixels: np.ndarray
    cells: np.ndarray
    bounds: list[list[float]]


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
    col, row = _cells_of(raster, west, north, step, nx, ny)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    pixels = np.flatnonzero(inside)
    cells = row.ravel()[pixels] * width + col.ravel()[pixels]
    (w_deg, e_deg), (s_deg, n_deg) = transformer("EPSG:3857", "EPSG:4326").transform(
        [west, east], [south, north])
    return OverlayGrid((ny, nx), pixels, cells,
                       [[float(s_deg), float(w_deg)], [float(n_deg), float(e_deg)]])


def overlay_classes(raster: CoverageRaster, grid: OverlayGrid) -> np.ndarray:
    """The signal class (uint8, 0 = none) of each pixel of ``grid``, an image of its shape."""
    values = np.zeros(grid.shape[0] * grid.shape[1], dtype=np.uint8)
    values[grid.pixels] = np.asarray(raster.classes).ravel()[grid.cells]
    return values.reshape(grid.shape)


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
              every: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Raster column and row (int64, (ny, nx)) of the centres of a Web-Mercator pixel grid.

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
    return (np.floor(_bilinear(col, rows, cols, ny, nx)).astype(np.int64),
            np.floor(_bilinear(row, rows, cols, ny, nx)).astype(np.int64))


def _bilinear(nodes: np.ndarray, rows: np.ndarray, cols: np.ndarray, ny: int, nx: int
              ) -> np.ndarray:
    """Values at every cell of an (ny, nx) grid from ``nodes`` at its ``rows`` x ``cols``.

    Bilinear interpolation done as two linear ones (along the columns, then the rows).
    """
    def weights(at: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.interp(np.arange(n), at, np.arange(at.size))
        lo = np.minimum(np.floor(pos).astype(np.intp), max(at.size - 2, 0))
        return lo, np.minimum(lo + 1, at.size - 1), pos - lo

    c0, c1, wc = weights(cols, nx)
    across = nodes[:, c0] * (1 - wc) + nodes[:, c1] * wc
    r0, r1, wr = weights(rows, ny)
    out = across[r0]
    out *= (1 - wr)[:, None]
    out += across[r1] * wr[:, None]
    return out
