"""Read and write single-band GeoTIFF rasters (coverage levels and classes, population grids)."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from ictgis.errors import LayerReadError
from ictgis.i18n import t
from ictgis.io.atomic import atomic_path

#: Rasters of at least this many pixels get their overviews built in a helper process: GDAL
#: holds Python's interpreter lock while it builds them (3-4 s for a national layer), which
#: would stop every other thread of the run for that long.
OVERVIEW_PROCESS_PX = 16_000_000
#: Overview factors. No 2x level: it is a quarter of the band again and costs as much to
#: build as all the others (a national level layer: 1.7 s of CPU for 4-32 against 3.1 s for
#: 2-16, and a file of 107 MB against 136 MB); a view at that zoom reads few full-resolution
#: blocks anyway.
OVERVIEWS = (4, 8, 16, 32)
#: GDAL's block cache while overviews are built (MB; GDAL's default is 5 % of the memory, in
#: each helper process too).
OVERVIEW_CACHE_MB = 256


def write_raster(path: Path, array: np.ndarray, *, transform: object, crs: object,
                 nodata: float | int, tags: Mapping[str, object] | None = None,
                 overviews: Sequence[int] = OVERVIEWS) -> Path:
    """Write one band as a tiled, ZSTD-compressed GeoTIFF with nodata, overviews and tags, atomically.

    Parameters
    ----------
    path
        The file to write.
    array
        The band (float32 levels or uint8 classes).
    transform, crs
        Georeferencing (an :class:`affine.Affine` and a CRS).
    nodata
        The nodata value, recorded in the file.
    tags
        Metadata written as GDAL tags (model parameters, units, the synthetic label).
    overviews
        Overview factors (averaged for floats, nearest for classes).
    """
    with raster_writer(path, width=array.shape[1], height=array.shape[0], dtype=array.dtype,
                       transform=transform, crs=crs, nodata=nodata, tags=tags,
                       overviews=overviews) as write:
        write((0, array.shape[0], 0, array.shape[1]), array)
    return path


@contextlib.contextmanager
def raster_writer(path: Path, *, width: int, height: int, dtype: object, transform: object,
                  crs: object, nodata: float | int, tags: Mapping[str, object] | None = None,
                  overviews: Sequence[int] = OVERVIEWS
                  ) -> Iterator[Callable[[tuple[int, int, int, int], np.ndarray], None]]:
    """Write one band window by window (as :func:`write_raster`, never holding the whole band).

    Yields ``write(window, block)``: ``window`` is (row0, row1, col0, col1) in pixels, ``block``
    its values. The file is one open dataset while the block runs; when it ends without error,
    every window is read back (checksums of what was written), the overviews are built and read
    back, and only then the file replaces ``path`` (:func:`atomic_path`). Windows never
    written hold ``nodata``. Memory: one window and GDAL's block cache.

    The steps after the last window (read-back, overviews) may run on another thread than
    the writes; a large raster's overviews are built in a helper process
    (:data:`OVERVIEW_PROCESS_PX`).
    """
    import zlib

    import rasterio
    from rasterio.windows import Window

    kind = np.dtype(dtype)  # type: ignore[call-overload]
    floating = np.issubdtype(kind, np.floating)
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1,
        "dtype": kind.name, "crs": crs, "transform": transform, "nodata": nodata,
        "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "zstd",
        # measured on the demo layers: the float predictor makes them larger and 4x slower;
        # on a national level layer (127 M pixels) ZSTD level 1 compresses in half the CPU
        # time of level 3 (1.0 against 2.0 s), for a file 20 % larger
        "predictor": 1 if floating else 2, "zstd_level": 1, "BIGTIFF": "IF_SAFER",
        "num_threads": "ALL_CPUS",
        # blocks never written (tiles with no commune) stay empty in the file and read as nodata
        "SPARSE_OK": True,
    }
    factors = [f for f in overviews if min(height, width) // f >= 1]
    written: dict[tuple[int, int, int, int], int] = {}
    with atomic_path(path) as tmp:
        # libtiff reports a full disk on stderr and GDAL may still close "successfully", and
        # building overviews on a file whose write failed crashes GDAL: write the band, read it
        # back, only then add the overviews, and read those back before anything is replaced
        with _stderr_captured() as noise, rasterio.open(tmp, "w", **profile) as dst:
            if tags:
                dst.update_tags(**{k: str(v) for k, v in tags.items()})

            def write(window: tuple[int, int, int, int], block: np.ndarray) -> None:
                r0, r1, c0, c1 = window
                block = np.ascontiguousarray(block, dtype=kind)
                dst.write(block, 1, window=Window(c0, r0, c1 - c0, r1 - r0))
                written[window] = zlib.crc32(block.tobytes())

            yield write
        _verify(tmp, written, 0, noise)
        if factors:
            resampling = "average" if floating else "nearest"
            if width * height >= OVERVIEW_PROCESS_PX:
                said = _helper_processes().submit(add_overviews, str(tmp), factors,
                                                  resampling).result()
            else:
                said = add_overviews(str(tmp), factors, resampling)
            _verify(tmp, {}, len(factors), [said])  # the band is as verified: its overviews


def add_overviews(path: str, factors: Sequence[int], resampling: str) -> str:
    """Build the overviews of a closed GeoTIFF; what GDAL/libtiff said on stderr meanwhile.

    Run in this process or in a helper one (:data:`OVERVIEW_PROCESS_PX`): an error is
    returned as text, for :func:`_verify` to report with the file's name.
    """
    import rasterio
    from rasterio.enums import Resampling

    with _stderr_captured() as noise:
        try:  # GDAL's block cache capped (its default, 5 % of the memory, per process)
            with rasterio.Env(GDAL_CACHEMAX=OVERVIEW_CACHE_MB), rasterio.open(path, "r+") as dst:
                dst.build_overviews(list(factors), Resampling[resampling])
                dst.update_tags(ns="rio_overview", resampling=resampling)
        except rasterio.errors.RasterioError as exc:
            noise.append(str(exc))
    return " ".join(noise)


_POOL_LOCK = threading.Lock()
_POOL: list[Executor] = []


def _helper_processes() -> Executor:
    """Two helper processes (started at first use, kept for the life of this one)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with _POOL_LOCK:
        if not _POOL:  # spawned: a fork would copy the threads' locks of this process
            pool = ProcessPoolExecutor(max_workers=2,
                                       mp_context=multiprocessing.get_context("spawn"))
            # shut down before the interpreter tears its modules down (else the pool's
            # clean-up prints an ignored exception at exit)
            atexit.register(pool.shutdown)
            _POOL.append(pool)
        return _POOL[0]


def _verify(path: Path, written: Mapping[tuple[int, int, int, int], int], n_overviews: int,
            noise: list[str]) -> None:
    """Read a written GeoTIFF back: every window as written (CRC-32), every overview readable.

    Raises
    ------
    OSError
        When the file is incomplete, with what GDAL/libtiff said (``File too large``...).
    """
    import zlib

    import rasterio
    from rasterio.windows import Window

    try:
        with rasterio.open(path) as src:
            complete = len(src.overviews(1)) == n_overviews
            for (r0, r1, c0, c1), crc in written.items():
                block = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
                complete = complete and zlib.crc32(block.tobytes()) == crc
        for level in range(n_overviews):  # block by block: never a whole overview in memory
            with rasterio.open(path, overview_level=level) as src:
                for _, window in src.block_windows(1):
                    src.read(1, window=window)
    except rasterio.errors.RasterioError as exc:
        noise.append(str(exc))
        complete = False
    if not complete or any("too large" in n or "No space" in n for n in noise):
        said = " ".join(" ".join(noise).split())[:300] or "incomplete GeoTIFF"
        raise OSError(0, said, str(path))


class _Capture:
    """The capture of file descriptor 2, shared by every thread of the process."""

    lock = threading.Lock()
    depth = 0  # blocks open
    sink: IO[bytes] | None = None  # the temporary file that receives descriptor 2
    saved = -1  # descriptor 2 as it was


@contextlib.contextmanager
def _stderr_captured() -> Iterator[list[str]]:
    """Collect what C libraries write to file descriptor 2 inside the block (not shown).

    Descriptor 2 belongs to the whole process: blocks open on several threads at once share
    one capture (the first redirects it, the last restores it), and each gets what was
    written while it was open. A capture lasts as long as a raster is being written (a
    whole coverage run): Python's own ``sys.stderr`` is first moved off descriptor 2 for
    good (:func:`separate_python_stderr`), so that progress and messages still reach the
    terminal.
    """
    import tempfile

    c = _Capture
    with c.lock:
        if c.depth == 0:
            separate_python_stderr()
            c.sink = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the last block)
            c.saved = os.dup(2)
            os.dup2(c.sink.fileno(), 2)
        c.depth += 1
        sink = c.sink
        assert sink is not None
        start = os.fstat(sink.fileno()).st_size
    said: list[str] = []
    try:
        yield said
    finally:
        with c.lock:
            fd = sink.fileno()
            end = os.fstat(fd).st_size
            said.append(os.pread(fd, end - start, start).decode("utf-8", "replace"))
            c.depth -= 1
            if c.depth == 0:
                os.dup2(c.saved, 2)
                os.close(c.saved)
                sink.close()
                c.sink, c.saved = None, -1


def separate_python_stderr() -> None:
    """Point ``sys.stderr``, when it writes to descriptor 2, at a copy of that descriptor.

    Python's messages and progress then reach the same terminal or file while the GeoTIFF
    writers capture descriptor 2 on other threads (:func:`_stderr_captured`). The move is
    for the life of the process: moving the stream back and forth races with a thread that
    already holds it. The command line makes it at start, before any thread exists; a
    program that uses the library gets it at its first raster. A ``sys.stderr`` that is
    not descriptor 2 (a test's, QGIS's) is left alone.
    """
    import sys

    stream = sys.stderr
    try:
        if stream is None or stream.fileno() != 2:
            return
    except (AttributeError, OSError, ValueError):
        return
    stream.flush()
    sys.stderr = open(os.dup(2), "w", buffering=1,  # noqa: SIM115 (the process's stderr)
                      encoding=stream.encoding, errors=stream.errors)


def read_raster(path: Path) -> tuple[np.ndarray, object, object]:
    """Read band 1 of a raster: (array, transform, crs)."""
    import rasterio

    if not path.exists():
        msg = t("errors.io.file_not_found", path=path)
        raise LayerReadError(msg)
    try:
        with rasterio.open(path) as src:
            return src.read(1, masked=False), src.transform, src.crs
    except rasterio.errors.RasterioIOError as exc:
        msg = t("errors.io.raster_unreadable", name=path.name, error=exc)
        raise LayerReadError(msg) from None


@dataclass(frozen=True)
class RasterWindow:
    """Band 1 of the part of a raster file under a grid, as stored (:func:`read_raster_under`)."""

    values: np.ndarray
    transform: object
    crs: object | None
    nodata: float | None


def read_raster_under(path: Path, transform: object, width: int, height: int, crs: object, *,
                      source_crs: object = None) -> RasterWindow | None:
    """Band 1 of the part of a raster under a grid, with a margin of two source pixels.

    The values keep the file's data type: a national grid's tile, or a DEM larger than the
    province, is never read whole nor copied. ``source_crs`` is the CRS of a file that has
    none (a file with neither is read whole, its ``crs`` None). None when the file does not
    reach the grid.
    """
    import rasterio
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    if not path.exists():
        msg = t("errors.io.file_not_found", path=path)
        raise LayerReadError(msg)
    a = transform  # an affine.Affine: the grid's bounds in its CRS
    x0, y0 = a.c, a.f  # type: ignore[attr-defined]
    x1, y1 = x0 + width * a.a, y0 + height * a.e  # type: ignore[attr-defined]
    try:
        with rasterio.open(path) as src:
            src_crs = src.crs or source_crs
            if src_crs is None:
                window = Window(0, 0, src.width, src.height)
            else:
                bounds = transform_bounds(crs, src_crs, min(x0, x1), min(y0, y1), max(x0, x1),
                                          max(y0, y1), densify_pts=21)
                near = from_bounds(*bounds, transform=src.transform)
                c0 = max(int(np.floor(near.col_off)) - 2, 0)
                r0 = max(int(np.floor(near.row_off)) - 2, 0)
                c1 = min(int(np.ceil(near.col_off + near.width)) + 2, src.width)
                r1 = min(int(np.ceil(near.row_off + near.height)) + 2, src.height)
                if c0 >= c1 or r0 >= r1:
                    return None  # the file does not reach the grid
                window = Window(c0, r0, c1 - c0, r1 - r0)
            return RasterWindow(src.read(1, window=window), src.window_transform(window),
                                src_crs, src.nodata)
    except rasterio.errors.RasterioIOError as exc:
        msg = t("errors.io.raster_unreadable", name=path.name, error=exc)
        raise LayerReadError(msg) from None


def read_raster_on_grid(path: Path, transform: object, width: int, height: int,
                        crs: object, *, resampling: str = "sum") -> np.ndarray:
    """Read a raster resampled to a grid (float64), nodata as 0.

    ``resampling="sum"`` keeps totals (counts such as population); ``"nearest"`` keeps
    class values (land cover). Only the part of the file under the grid is read
    (:func:`read_raster_under`): a tile of a national grid reads its own window.
    """
    from rasterio.warp import Resampling, reproject

    out = np.zeros((height, width), dtype=np.float64)
    under = read_raster_under(path, transform, width, height, crs)
    if under is None:
        return out
    values = under.values.astype(np.float64)
    if under.nodata is not None:
        values[under.values == under.nodata] = 0.0
    reproject(values, out, src_transform=under.transform, src_crs=under.crs,
              dst_transform=transform, dst_crs=crs, resampling=Resampling[resampling],
              src_nodata=None, dst_nodata=0.0)
    return out
