"""Coverage rasters as image overlays: warped to Web Mercator and coloured by signal class."""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from ictgis.crs import transformer
from ictgis.maps.data import CoverageRaster
from ictgis.maps.styles import coverage_colors


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


def overlay_image(raster: CoverageRaster, *, bbox: tuple[float, float, float, float] | None = None,
                  max_px: int = 2048) -> tuple[np.ndarray, list[list[float]]] | None:
    """Warp a signal-class raster to Web Mercator and colour it for an image overlay.

    Each output pixel takes the class at its centre (nearest neighbour), mapped back to the
    raster's CRS with :func:`ictgis.crs.transformer` (official VN-2000 shift).

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
        bounds in degrees; None when the crop holds no pixel.
    """
    window = overlay_window(raster, bbox=bbox)
    if window is None:
        return None
    west, east, south, north = window
    classes = np.asarray(raster.classes)
    height, width = classes.shape
    t = raster.transform
    # about one output pixel per source pixel (Mercator stretches by 1/cos(latitude))
    _, lat_mid = transformer("EPSG:3857", "EPSG:4326").transform((west + east) / 2,
                                                                  (south + north) / 2)
    step = abs(t.a) / np.cos(np.radians(lat_mid))
    step = max(step, (east - west) / max_px, (north - south) / max_px)
    nx = max(1, int(np.ceil((east - west) / step)))
    ny = max(1, int(np.ceil((north - south) / step)))
    east, south = west + nx * step, north - ny * step
    sx, sy = _grid_to(raster.crs, west, north, step, nx, ny)
    col = np.floor((np.asarray(sx) - t.c) / t.a).astype(np.int64)
    row = np.floor((np.asarray(sy) - t.f) / t.e).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    values = np.zeros(col.shape, dtype=np.uint8)
    values[inside] = classes[row[inside], col[inside]]
    n_classes = len(raster.classes_dbm) + 1
    table = np.zeros((256, 4), dtype=np.uint8)
    for i, color in enumerate(coverage_colors(n_classes), start=1):
        table[i] = [int(color[k:k + 2], 16) for k in (1, 3, 5)] + [255]
    rgba = table[values].reshape(ny, nx, 4)
    (w_deg, e_deg), (s_deg, n_deg) = transformer("EPSG:3857", "EPSG:4326").transform(
        [west, east], [south, north])
    return rgba, [[float(s_deg), float(w_deg)], [float(n_deg), float(e_deg)]]


def _grid_to(crs: CRS | str | int, west: float, north: float, step: float, nx: int, ny: int,
             every: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``crs`` of the centres of a Web-Mercator pixel grid (flattened).

    The projection is smooth at this scale: it is evaluated exactly on every ``every``-th
    row and column and interpolated linearly in between (sub-millimetre at 50 m pixels).
    """
    from scipy.ndimage import map_coordinates

    cols = np.unique(np.append(np.arange(0, nx, every), nx - 1))
    rows = np.unique(np.append(np.arange(0, ny, every), ny - 1))
    gx, gy = np.meshgrid(west + (cols + 0.5) * step, north - (rows + 0.5) * step)
    cx, cy = transformer("EPSG:3857", crs).transform(gx.ravel(), gy.ravel())
    r = np.interp(np.arange(ny), rows, np.arange(rows.size))
    c = np.interp(np.arange(nx), cols, np.arange(cols.size))
    rr, cc = np.meshgrid(r, c, indexing="ij")
    where = np.stack([rr.ravel(), cc.ravel()])
    sx = map_coordinates(np.asarray(cx).reshape(rows.size, cols.size), where, order=1)
    sy = map_coordinates(np.asarray(cy).reshape(rows.size, cols.size), where, order=1)
    return sx, sy
