"""Best-server levels by kernel stamping.

Transmitters, their kernels (exact near zone, shared far zone), tiles stamped with
``numpy.maximum``, and the environment correction applied per pixel.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import geopandas as gpd
import numba
import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage.grid import CENTI_DB, EMPTY, NODATA, Grid
from ictgis.coverage.models import (
    ENV_CODES,
    environment_correction,
    hata_coefficients,
)

if TYPE_CHECKING:
    from ictgis.coverage.terrain import Terrain

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------- kernels

#: Radius of the near zone (m): within it every transmitter is evaluated exactly, from its
#: true position and antenna height; beyond it, from a kernel shared by the transmitters of
#: a height class placed on the centre of the site's pixel (at most res/√2 ≈ 35 m away at
#: 50 m, which costs ≤ 0.3 dB from 2 km on; see docs/coverage.md).
NEAR_ZONE_M = 2000.0
#: The far-zone kernels share antenna heights whose log10 rounds to the same multiple of this
#: (heights within ±0.9 %: ≤ 0.09 dB at 15 km, 13.82 + 6.55 log10 d dB per decade of height).
HEIGHT_LOG_STEP = 0.008
#: Antenna heights below this (m) are evaluated at it (log10 of the height).
MIN_HEIGHT_M = 1.0

#: A transmitter's parameters: (frequency MHz, antenna height m, EIRP dBm, mobile height m,
#: east and north offset m of the site from the centre of its pixel); over terrain
#: (:func:`transmitters` with ``per_site``) also the row and column of its pixel, since its
#: kernel depends on the place.
Params = tuple[float, ...]
#: Memory (bytes) the per-site kernels of a run over terrain may hold (:class:`KernelCache`);
#: beyond it the least recently used are computed again when needed.
TERRAIN_CACHE_BYTES = 2 * 1024 ** 3


@lru_cache(maxsize=1 << 16)
def far_key(params: Params | tuple[float, ...]) -> tuple[float, float, float, float]:
    """The far-zone kernel of a transmitter: its parameters with the height class's height.

    Cached (looked up for every transmitter of every tile).
    """
    freq, height, eirp, mobile = params[:4]
    shared = 10.0 ** (round(math.log10(height) / HEIGHT_LOG_STEP) * HEIGHT_LOG_STEP)
    return (freq, float(shared), eirp, mobile)


def reach_px(params: Params | tuple[float, ...], settings: CoverageConfig, resolution: float
             ) -> int:
    """Pixels from the site to the farthest pixel that can reach the floor (half the kernel)."""
    freq, height, eirp, mobile = far_key(params)
    a, b = hata_coefficients(freq, height, mobile)
    best_env = min(environment_correction(freq, mobile, e) for e in ENV_CODES)
    budget = eirp - a - best_env - settings.floor_dbm
    reach_km = 10 ** (budget / b) if b > 0 else settings.max_range_km
    reach_km = min(max(reach_km, settings.min_distance_km), settings.max_range_km)
    return int(np.ceil(reach_km * 1000 / resolution))


@dataclass(frozen=True)
class Transmitters:
    """Sites of one operator and technology, ready for stamping.

    Attributes
    ----------
    row, col
        Pixel of each site.
    group
        Parameter group of each site (index into ``params``).
    params
        Per group: :data:`Params` (the true antenna height and the site's offset from the
        centre of its pixel: sites share a group only when they share a pixel phase).
    azimuth, beamwidth
        Sector azimuth and beamwidth in degrees (NaN: omnidirectional).
    radius
        Per group: half-size of the kernel in pixels (:func:`reach_px`).
    terms
        Per group: (dx, dy, offset, slope, clip) of its near zone as :func:`_fill_near`
        takes them (the site's offset from its pixel centre, m; :func:`_level_terms`).
    shared
        Per transmitter: a class of the transmitters whose far zone is one shared kernel
        (same :func:`far_key` and sector), so that a tile looks each kernel up once; None:
        looked up per transmitter.
    """

    row: np.ndarray
    col: np.ndarray
    group: np.ndarray
    params: list[Params]
    azimuth: np.ndarray
    beamwidth: np.ndarray
    radius: np.ndarray
    terms: np.ndarray
    shared: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.row)

    def reaching(self, window: tuple[int, int, int, int]) -> np.ndarray:
        """Whether each transmitter's kernel square meets a window (bool)."""
        r0, r1, c0, c1 = window
        rad = self.radius[self.group] if len(self) else np.zeros(0, np.int64)
        return ((self.row + rad >= r0) & (self.row - rad < r1) & (self.col + rad >= c0)
                & (self.col - rad < c1))

    def near(self, window: tuple[int, int, int, int]) -> Transmitters:
        """The transmitters whose kernel square meets a window (groups renumbered)."""
        return self.subset(self.reaching(window))

    def subset(self, keep: np.ndarray) -> Transmitters:
        """The transmitters where ``keep`` (bool) is true, in their order (groups renumbered)."""
        used, group = np.unique(self.group[keep], return_inverse=True)
        return Transmitters(row=self.row[keep], col=self.col[keep],
                            group=group.astype(np.int64).reshape(-1),
                            params=[self.params[g] for g in used], azimuth=self.azimuth[keep],
                            beamwidth=self.beamwidth[keep], radius=self.radius[used],
                            terms=self.terms[used],
                            shared=None if self.shared is None else self.shared[keep])


class KernelCache:
    """Loss kernels: ``EIRP + G(θ) - L_urban(d)`` of a transmitter on the pixels around it.

    Levels are held in hundredths of a dB (int16, see :data:`CENTI_DB`; :data:`EMPTY` beyond
    the range), distances below ``min_distance_km`` evaluated there. A transmitter's kernel
    is two parts (:meth:`parts`):

    - the *near zone*, the square of half-size ``near_px`` (:data:`NEAR_ZONE_M`) round the
      site's pixel, evaluated exactly from the true position and height of the site;
    - the *far zone*, the rest of the square of half-size :meth:`radius_px`, shared by every
      transmitter of the same frequency, EIRP, mobile height, height class
      (:func:`far_key`) and sector (azimuth rounded to 0.1°), computed once from
      the centre of the pixel, its near zone left :data:`EMPTY`.

    Stamping both parts with ``numpy.maximum`` is stamping :meth:`kernel`.

    Over terrain (``terrain`` given, :mod:`~ictgis.coverage.terrain`) no kernel is shared:
    each transmitter (whose :data:`Params` then carry its pixel) has one kernel, the whole
    square as its "near zone" (:meth:`near_px` is the radius, :meth:`far` None): the kernel
    above corrected by :meth:`Terrain.kernel <ictgis.coverage.terrain.Terrain.kernel>` for
    its effective heights and the diffraction over the DEM. The per-site kernels are kept
    up to :data:`TERRAIN_CACHE_BYTES`.
    """

    def __init__(self, settings: CoverageConfig, resolution: float,
                 terrain: Terrain | None = None) -> None:
        self.settings = settings
        self.resolution = resolution
        self.terrain = terrain
        self.near_m = NEAR_ZONE_M
        self._far = lru_cache(maxsize=1024)(self._compute_far)
        self._near = lru_cache(maxsize=4096)(self._compute_near)
        self._geometry = lru_cache(maxsize=64)(self._distances)
        self._reach = lru_cache(maxsize=4096)(self._reach_of)
        self._far_of = lru_cache(maxsize=8192)(self._far_zone)
        self._near_of = lru_cache(maxsize=8192)(self._near_zone)
        largest = 2 * int(np.ceil(settings.max_range_km * 1000 / resolution)) + 1
        self._sited = lru_cache(maxsize=max(TERRAIN_CACHE_BYTES // (2 * largest ** 2), 16))(
            self._compute_sited)
        self._shift = lru_cache(maxsize=8)(self._compute_shift)  # a mast's sectors in a row
        self._coefficients = lru_cache(maxsize=4096)(hata_coefficients)
        # the compiled calls' float32 constants: squared minimum distance and range (m²),
        # front-to-back ratio (dB)
        self._min_d2 = float(np.float32((settings.min_distance_km * 1000) ** 2))
        self._max_d2 = float(np.float32((settings.max_range_km * 1000) ** 2))
        self._front_back = float(np.float32(settings.sector_front_back_db))

    def radius_px(self, params: Params) -> int:
        """Half-size in pixels of a transmitter's kernel (:func:`reach_px`)."""
        return self._reach(far_key(params))

    def _reach_of(self, key: tuple[float, float, float, float]) -> int:
        return reach_px(key, self.settings, self.resolution)

    def near_px(self, radius: int) -> int:
        """Half-size in pixels of the near zone of a kernel of half-size ``radius``.

        Over terrain, ``radius``: the whole kernel is the transmitter's own.
        """
        return radius if self.terrain is not None else self._near_size(radius)

    def near_sizes(self, radius: np.ndarray) -> np.ndarray:
        """:meth:`near_px` of every kernel half-size of ``radius`` (int64)."""
        radius = np.asarray(radius, np.int64)
        if self.terrain is not None:
            return radius
        return np.minimum(radius, int(np.ceil(self.near_m / self.resolution)))

    def _near_size(self, radius: int) -> int:
        """Half-size of the exact near zone of the kernels without terrain."""
        return min(int(np.ceil(self.near_m / self.resolution)), radius)

    def clear(self) -> None:
        """Forget the kernels (e.g. between technologies: they are not shared)."""
        for cache in (self._far, self._near, self._far_of, self._near_of, self._sited,
                      self._shift):
            cache.cache_clear()

    def kernel(self, params: Params, azimuth: float = np.nan, beamwidth: float = np.nan
               ) -> np.ndarray:
        """The whole kernel of a transmitter (a new array: the far zone with its near zone)."""
        far, near = self.parts(params, azimuth, beamwidth)
        radius, n = self.radius_px(params), (len(near) - 1) // 2
        out = np.full((2 * radius + 1,) * 2, EMPTY, np.int16) if far is None else far.copy()
        out[radius - n:radius + n + 1, radius - n:radius + n + 1] = near
        return out

    def parts(self, params: Params, azimuth: float = np.nan, beamwidth: float = np.nan
              ) -> tuple[np.ndarray | None, np.ndarray]:
        """(far zone or None when the near zone is the whole kernel, near zone) of a transmitter.

        Both are centred on the site's pixel and read-only; the far zone is :data:`EMPTY`
        where the near zone is, and shared.
        """
        return self.far(params, azimuth, beamwidth), self.near(params, azimuth, beamwidth)

    def far(self, params: Params, azimuth: float = np.nan, beamwidth: float = np.nan
            ) -> np.ndarray | None:
        """The far zone of a transmitter's kernel (None when the near zone is all of it).

        Looked up by :func:`far_key` and sector: one look-up for all the transmitters that
        share it.
        """
        return self._far_of(far_key(params), _sector(azimuth, beamwidth))

    def near(self, params: Params, azimuth: float = np.nan, beamwidth: float = np.nan
             ) -> np.ndarray:
        """The near zone of a transmitter's kernel, exact (square of half-size :meth:`near_px`)."""
        return self._near_of(params, _sector(azimuth, beamwidth))

    def near_stacks(self, tx: Transmitters, which: np.ndarray
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The near zones of transmitters ``which`` of ``tx`` (without terrain), computed at once.

        What :meth:`near` gives each of them, bit for bit, without a Python call per
        transmitter: one compiled call per size of near zone (:func:`_fill_near`), without
        the interpreter lock.

        Returns
        -------
        list
            Per size: (positions in ``which``, stack of their near zones, int16).
        """
        if not len(which):
            return []
        used, local = np.unique(tx.group[which], return_inverse=True)
        local = local.reshape(-1)
        side = self.near_sizes(tx.radius[used])[local]
        terms = tx.terms[used][local]
        azimuth, beamwidth = tx.azimuth[which], tx.beamwidth[which]
        omni = np.isnan(azimuth) | np.isnan(beamwidth)
        azimuth = np.where(omni, np.nan, azimuth).astype(np.float64)
        out = []
        for size in np.unique(side).tolist():
            pick = np.flatnonzero(side == size)
            stack = np.empty((len(pick), 2 * size + 1, 2 * size + 1), np.int16)
            t = terms[pick]
            _fill_near(stack, np.ascontiguousarray(t[:, 0]), np.ascontiguousarray(t[:, 1]),
                       np.ascontiguousarray(t[:, 2]), np.ascontiguousarray(t[:, 3]),
                       np.ascontiguousarray(azimuth[pick]),
                       np.ascontiguousarray(beamwidth[pick], dtype=np.float64),
                       np.ascontiguousarray(t[:, 4] > 0), float(self.resolution),
                       self._min_d2, self._max_d2, self._front_back)
            stack.flags.writeable = False
            out.append((pick, stack))
        return out

    def _far_zone(self, key: tuple[float, float, float, float],
                  sector: tuple[float, float] | None) -> np.ndarray | None:
        radius = self._reach(key)
        n = self.near_px(radius)
        if n >= radius:
            return None
        rounded = None if sector is None else (round(sector[0], 1) % 360.0, sector[1])
        return self._far(key, radius, n, rounded)

    def _near_zone(self, params: Params, sector: tuple[float, float] | None) -> np.ndarray:
        if self.terrain is not None:
            return self._sited(params, sector)
        return self._near(params[:6], self.near_px(self.radius_px(params)), sector)

    def _plain(self, params: Params, sector: tuple[float, float] | None
               ) -> tuple[np.ndarray, int]:
        """A transmitter's kernel without terrain (a new array), and its near zone's size."""
        radius = self.radius_px(params)
        n = self._near_size(radius)
        rounded = None if sector is None else (round(sector[0], 1) % 360.0, sector[1])
        out = (np.full((2 * radius + 1,) * 2, EMPTY, np.int16) if n >= radius
               else self._far(far_key(params), radius, n, rounded).copy())
        out[radius - n:radius + n + 1, radius - n:radius + n + 1] = self._near(
            params[:6], n, sector)
        return out, n

    def _compute_sited(self, params: Params, sector: tuple[float, float] | None
                       ) -> np.ndarray:
        """A transmitter's own kernel over terrain: the plain kernel, corrected.

        The correction does not depend on the sector: the sectors of one mast share one
        sweep (:meth:`_compute_shift`).
        """
        base, n = self._plain(params, sector)
        if sector is None:
            kernel = self._corrected(params, base, n)
        else:
            summed = base.astype(np.int32) + self._shift(params)
            np.clip(summed, -32767, 32767, out=summed)
            kernel = np.where(base == EMPTY, EMPTY, summed).astype(np.int16)
        kernel.flags.writeable = False
        return kernel

    def _compute_shift(self, params: Params) -> np.ndarray:
        """The terrain's correction of a mast's kernel (int32 centi-dB; 0 beyond the range)."""
        base, n = self._plain(params, None)
        return self._corrected(params, base, n).astype(np.int32) - base

    def _corrected(self, params: Params, base: np.ndarray, n: int) -> np.ndarray:
        """``base`` corrected by :meth:`Terrain.kernel <ictgis.coverage.terrain.Terrain.kernel>`."""
        assert self.terrain is not None
        freq, height, _, mobile = params[:4]
        radius = (len(base) - 1) // 2
        return self.terrain.kernel(
            base, self._geometry(radius, 0.0, 0.0), int(params[6]), int(params[7]),
            near_n=n, heights=(max(height, MIN_HEIGHT_M), far_key(params)[1]),
            antenna_m=max(height, MIN_HEIGHT_M), mobile_m=mobile, frequency_mhz=freq)

    def _levels(self, eirp: float, a: float, b: float, log_d: np.ndarray, dx: float,
                dy: float, sector: tuple[float, float] | None, hole: int = -1) -> np.ndarray:
        """int16 centi-dB of ``eirp - a - b log_d + G(θ)``, :data:`EMPTY` beyond the range.

        ``log_d`` is :meth:`_distances`'s for a site ``dx`` m east and ``dy`` m north of the
        centre of its pixel; the square of half-size ``hole`` round it is left
        :data:`EMPTY` (-1: none). One compiled call (:func:`_fill_levels`), without the
        interpreter lock: kernels are built in parallel on threads.
        """
        offset, slope, clip = _level_terms(eirp, a, b)
        azimuth, beamwidth = (np.nan, np.nan) if sector is None else sector
        kernel = np.empty(log_d.shape, np.int16)
        _fill_levels(kernel, log_d, float(offset), float(slope), float(dx), float(dy),
                     float(self.resolution), float(azimuth), float(beamwidth), self._front_back,
                     bool(clip), hole)
        return kernel

    def _compute_far(self, key: tuple[float, float, float, float], radius: int, near: int,
                     sector: tuple[float, float] | None) -> np.ndarray:
        freq, height, eirp, mobile = key
        a, b = hata_coefficients(freq, height, mobile)
        kernel = self._levels(eirp, a, b, self._geometry(radius, 0.0, 0.0), 0.0, 0.0, sector,
                              hole=near)
        kernel.flags.writeable = False
        return kernel

    def _compute_near(self, params: Params, near: int, sector: tuple[float, float] | None
                      ) -> np.ndarray:
        freq, height, eirp, mobile, dx, dy = params[:6]
        a, b = self._coefficients(freq, max(height, MIN_HEIGHT_M), mobile)
        kernel = self._levels(eirp, a, b, self._distances(near, dx, dy), dx, dy, sector)
        kernel.flags.writeable = False
        return kernel

    def _distances(self, radius: int, dx: float, dy: float) -> np.ndarray:
        """log10(distance km) (float32, clamped at ``min_distance_km``; NaN beyond the range).

        For the pixels of the square of half-size ``radius`` round a site ``dx`` m east and
        ``dy`` m north of the centre of its pixel (:func:`_log_distances`, compiled).
        """
        log_d = np.empty((2 * radius + 1,) * 2, np.float32)
        _log_distances(log_d, float(dx), float(dy), float(self.resolution), self._min_d2,
                       self._max_d2)
        return log_d


def _level_terms(eirp: np.ndarray | float, a: np.ndarray | float, b: np.ndarray | float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(EIRP - A)`` and ``-B`` in centi-dB as float32 values, and whether levels need clipping.

    What :func:`_fill_levels` takes for the Hata coefficients ``a``, ``b`` (dB) of a
    transmitter of ``eirp`` dBm: clipping to ±32767 is needed unless every level within
    |log10 d km| ≤ 3 fits in int16 with 40 dB to spare. Element by element for arrays (of
    many transmitters); float64 arrays of the float32 values, and bool.
    """
    eirp, a, b = (np.asarray(v, np.float64) for v in (eirp, a, b))
    offset, slope = (eirp - a) * CENTI_DB, -b * CENTI_DB
    low = offset - np.abs(b) * CENTI_DB * 3
    clip = ~((low >= -32767) & (low <= 32767 - 4000))
    return (offset.astype(np.float32).astype(np.float64),
            slope.astype(np.float32).astype(np.float64), clip)


@numba.njit(nogil=True, cache=True)
def _log_distances(out: np.ndarray, dx: float, dy: float, resolution: float, min_d2: float,
                   max_d2: float) -> None:  # pragma: no cover (compiled)
    """log10(distance km) of every pixel of a kernel (float32; NaN beyond the range).

    Parameters
    ----------
    out
        float32 square of odd side centred on the site's pixel (filled).
    dx, dy
        Offset of the site east and north of the centre of its pixel, m.
    resolution
        Pixel size, m.
    min_d2, max_d2
        Squares of the minimum distance (nearer pixels are evaluated there) and of the range
        (beyond it NaN), m² (float32 values).

    Notes
    -----
    The arithmetic of the numpy expression ``log10(max(float32(east² + north²), min²)) / 2
    - 3`` (float64 positions, the squared distance rounded to float32, then float32), so the
    levels are bit-identical to it. Compiled, without the interpreter lock.
    """
    f32 = np.float32
    side = out.shape[0]
    radius = (side - 1) // 2
    low, high, half, three = f32(min_d2), f32(max_d2), f32(0.5), f32(3.0)
    for i in range(side):
        north = (0.0 - (i - radius) * resolution) - dy  # rows grow southwards
        for j in range(side):
            east = (j - radius) * resolution - dx
            d2 = f32(east * east + north * north)  # m²
            if d2 > high:
                out[i, j] = np.nan
            else:  # log10(d km) = log10(d² m²) / 2 - 3
                out[i, j] = math.log10(max(d2, low)) * half - three


@numba.njit(nogil=True, cache=True)
def _fill_levels(out: np.ndarray, log_d: np.ndarray, offset: float, slope: float, dx: float,
                 dy: float, resolution: float, azimuth: float, beamwidth: float,
                 front_back: float, clip: bool, hole: int) -> None:  # pragma: no cover
    """A kernel's levels, int16 centi-dB: ``offset + slope log_d + 100 G(θ)``, rounded.

    Compiled, without the interpreter lock (kernels are built in parallel on threads).

    Parameters
    ----------
    out
        The kernel, int16 square of odd side centred on the site's pixel (filled).
    log_d
        log10(distance km) of its pixels (:func:`_log_distances`; NaN: beyond the range,
        :data:`EMPTY`).
    offset, slope
        ``(EIRP - A)`` and ``-B`` of :func:`~ictgis.coverage.models.hata_coefficients` in
        centi-dB (float32 values).
    dx, dy
        Offset of the site east and north of the centre of its pixel, m (for the bearing).
    resolution
        Pixel size, m.
    azimuth, beamwidth
        Sector, degrees (NaN: omnidirectional; on the site's pixel centre itself the gain
        is 0).
    front_back
        Front-to-back ratio A_m, dB (float32 value).
    clip
        Clip the levels to ±32767 before the int16 conversion.
    hole
        Half-size of the square round the site left :data:`EMPTY` (-1: none).

    Notes
    -----
    float32 as the numpy expression of the levels (``log_d * slope + offset``, the bearing
    ``degrees(arctan2(east, north))`` in float64 rounded to float32, the gain of
    :func:`~ictgis.coverage.models.sector_gain`, ``-min(12 (Δθ/θ)², A_m)`` with
    Δθ = ``(bearing - azimuth + 180) % 360 - 180``, in float32, ``rint``): the kernels are
    bit-identical to it.
    """
    f32 = np.float32
    side = out.shape[0]
    radius = (side - 1) // 2
    off, slo, centi = f32(offset), f32(slope), f32(CENTI_DB)
    sectored = not (math.isnan(azimuth) or math.isnan(beamwidth))
    az, bw, fb = f32(azimuth), f32(beamwidth), f32(front_back)
    f180, f360, f12 = f32(180.0), f32(360.0), f32(12.0)
    to_degrees = 180.0 / math.pi
    for i in range(side):
        north = (0.0 - (i - radius) * resolution) - dy
        inside_rows = abs(i - radius) <= hole
        for j in range(side):
            d = log_d[i, j]
            if math.isnan(d) or (inside_rows and abs(j - radius) <= hole):
                out[i, j] = EMPTY
                continue
            level = d * slo + off
            if sectored:
                east = (j - radius) * resolution - dx
                if east != 0.0 or north != 0.0:
                    bearing = f32(math.atan2(east, north) * to_degrees)
                    turn = (bearing - az) + f180
                    wrapped = f32(np.fmod(turn, f360))  # exact; then the sign of numpy's %
                    if wrapped < 0:
                        wrapped = wrapped + f360
                    elif wrapped == 0:
                        wrapped = f32(0.0)
                    ratio = (wrapped - f180) / bw
                    level = level + (-min(f12 * (ratio * ratio), fb)) * centi
            level = np.rint(level)
            if clip:
                level = min(max(level, f32(-32767.0)), f32(32767.0))
            out[i, j] = np.int16(level)


@numba.njit(nogil=True, cache=True)
def _fill_near(out: np.ndarray, dx: np.ndarray, dy: np.ndarray, offset: np.ndarray,
               slope: np.ndarray, azimuth: np.ndarray, beamwidth: np.ndarray,
               clip: np.ndarray, resolution: float, min_d2: float, max_d2: float,
               front_back: float) -> None:  # pragma: no cover (compiled)
    """Near zones of one size, each :func:`_log_distances` then :func:`_fill_levels`.

    ``out`` is the (m, side, side) int16 stack; the other arrays give each its site's offset
    (m), its ``offset`` and ``slope`` (centi-dB, float32 values), its sector (NaN: none)
    and whether to clip. Compiled, without the interpreter lock.
    """
    side = out.shape[1]
    log_d = np.empty((side, side), np.float32)
    for k in range(out.shape[0]):
        _log_distances(log_d, dx[k], dy[k], resolution, min_d2, max_d2)
        _fill_levels(out[k], log_d, offset[k], slope[k], dx[k], dy[k], resolution,
                     azimuth[k], beamwidth[k], front_back, clip[k], -1)


def _sector(azimuth: float, beamwidth: float) -> tuple[float, float] | None:
    """(azimuth, beamwidth) of a sector, None when omnidirectional (either is NaN)."""
    if azimuth != azimuth or beamwidth != beamwidth:  # NaN (math.isnan, for numpy scalars too)
        return None
    return float(azimuth), float(beamwidth)


class KernelList:
    """Distinct kernels in a numba typed list, each listed once (by identity), for one tile.

    The far zones (and over terrain the kernels) a tile's transmitters use, so that one
    compiled call stamps them all (:func:`_stamp_listed`); one list may serve every operator
    of the tile (they share their far zones). Not shared between threads.
    """

    def __init__(self) -> None:
        from numba import typed, types

        self.kernels = typed.List.empty_list(types.Array(types.int16, 2, "C", readonly=True))
        self._held: list[np.ndarray] = []  # alive while listed: their ids stay theirs
        self._at: dict[int, int] = {}

    def index(self, kernel: np.ndarray) -> int:
        """The position of ``kernel`` in :attr:`kernels` (listed at its first use)."""
        at = self._at.get(id(kernel))
        if at is None:
            at = self._at[id(kernel)] = len(self._held)
            self._held.append(kernel)
            self.kernels.append(np.ascontiguousarray(kernel))
        return at


def stamp_tile(tx: Transmitters, kernels: KernelCache, window: tuple[int, int, int, int],
               out: np.ndarray | None = None, *, listed: KernelList | None = None
               ) -> tuple[np.ndarray, int]:
    """Best-server ``EIRP + G - L_urban`` over one tile (before the environment correction).

    The kernels of the transmitters that reach the tile (far zone and near zone) are looked
    up here; the stamping itself is compiled (numba, without the interpreter lock: tiles
    stamp in parallel on threads): one call for the far zones (one look-up per shared far
    zone; over terrain, each transmitter's kernel), one for the near zones of each size
    (stacked).

    Parameters
    ----------
    tx
        The transmitters.
    kernels
        Kernel cache.
    window
        (row0, row1, col0, col1) of the tile in the grid.
    out
        Array to update in place (``np.maximum``), e.g. another operator's best server.
    listed
        The tile's :class:`KernelList`, shared by the calls of one tile (its operators);
        None: a new one.

    Returns
    -------
    tuple
        The tile (int16 hundredths of a dB, :data:`EMPTY` where no site reaches; see
        :func:`to_db`) and the number of pixel-site evaluations done (the kernel squares
        clipped to the tile).
    """
    r0, r1, c0, c1 = window
    if out is None:
        out = np.full((r1 - r0, c1 - c0), EMPTY, dtype=np.int16)
    rad = tx.radius[tx.group] if len(tx) else np.zeros(0, np.int64)
    near = np.flatnonzero(tx.reaching(window))
    evaluations = int(_clipped(window, tx.row[near], tx.col[near], rad[near]).sum())
    row, col, radius = tx.row[near], tx.col[near], rad[near]
    n = kernels.near_sizes(radius)
    # the far zone where the tile is not all near zone, the near zone where it meets the tile
    wants_far = (n < radius) & ~((row - n <= r0) & (row + n >= r1 - 1) & (col - n <= c0)
                                 & (col + n >= c1 - 1))
    wants_near = (row + n >= r0) & (row - n < r1) & (col + n >= c0) & (col - n < c1)
    listed = KernelList() if listed is None else listed
    # the far zones: one look-up per shared kernel (its transmitters a slice of the far ones
    # sorted by class), all stamped in one compiled call
    far = near[wants_far]
    if tx.shared is not None and len(far):
        far = far[np.argsort(tx.shared[far], kind="stable")]
        starts = np.flatnonzero(np.diff(tx.shared[far], prepend=-1))
    else:  # one per transmitter
        starts = np.arange(len(far))
    heads = far[starts]  # one transmitter of each class (lists: cheaper to walk in Python)
    found = [-1 if kernel is None else listed.index(kernel) for kernel in (
        kernels.far(tx.params[g], a, b) for g, a, b in zip(
            tx.group[heads].tolist(), tx.azimuth[heads].tolist(),
            tx.beamwidth[heads].tolist(), strict=True))]
    which = np.repeat(np.array(found, np.int64), np.diff(np.append(starts, len(far))))
    own = near[wants_near]
    if kernels.terrain is not None:  # over terrain each kernel is a whole square (cached)
        far = np.concatenate([far, own])
        which = np.concatenate([which, np.array([listed.index(kernels.near(
            tx.params[tx.group[k]], tx.azimuth[k], tx.beamwidth[k])) for k in own.tolist()],
            np.int64)])
    if len(far):
        _stamp_listed(out, r0, c0, tx.row[far].astype(np.int64), tx.col[far].astype(np.int64),
                      listed.kernels, which)
    if kernels.terrain is None:  # small near zones: computed and stamped per size, stacked
        for pick, stack in kernels.near_stacks(tx, own):
            _stamp(out, r0, c0, tx.row[own[pick]].astype(np.int64),
                   tx.col[own[pick]].astype(np.int64), stack,
                   np.arange(len(pick), dtype=np.int64))
    return out, evaluations


def _clipped(window: tuple[int, int, int, int], row: np.ndarray, col: np.ndarray,
             radius: np.ndarray) -> np.ndarray:
    """Pixels of the squares of half-size ``radius`` round (row, col) inside the window."""
    r0, r1, c0, c1 = window
    rows = np.minimum(r1, row + radius + 1) - np.maximum(r0, row - radius)
    cols = np.minimum(c1, col + radius + 1) - np.maximum(c0, col - radius)
    return np.maximum(rows, 0) * np.maximum(cols, 0)


@numba.njit(nogil=True, cache=True)
def _stamp(out: np.ndarray, r0: int, c0: int, rows: np.ndarray, cols: np.ndarray,
           kernels: np.ndarray, which: np.ndarray) -> None:  # pragma: no cover (compiled)
    """``np.maximum`` of ``kernels[which[j]]`` centred on each (rows[j], cols[j]) into ``out``.

    ``kernels`` is a C-contiguous stack of square kernels of one odd side; ``out``'s first
    pixel is (r0, c0) of the grid; the parts outside it are skipped. Compiled, without the
    interpreter lock: tiles stamp in parallel on threads.
    """
    for j in range(rows.shape[0]):
        _stamp_one(out, r0, c0, rows[j], cols[j], kernels[which[j]])


@numba.njit(nogil=True, cache=True)
def _stamp_listed(out: np.ndarray, r0: int, c0: int, rows: np.ndarray, cols: np.ndarray,
                  kernels: Sequence[np.ndarray], which: np.ndarray
                  ) -> None:  # pragma: no cover (compiled)
    """:func:`_stamp` with ``kernels`` a numba typed list of square kernels of any odd sides.

    Stamps where ``which[j]`` is -1 (no kernel) are skipped.
    """
    for j in range(rows.shape[0]):
        if which[j] >= 0:
            _stamp_one(out, r0, c0, rows[j], cols[j], kernels[which[j]])


@numba.njit(nogil=True, cache=True)
def _stamp_one(out: np.ndarray, r0: int, c0: int, row: int, col: int, kernel: np.ndarray
               ) -> None:  # pragma: no cover (compiled)
    """``np.maximum`` of one square kernel of odd side centred on (row, col) into ``out``."""
    height, width = out.shape
    side = kernel.shape[0]
    radius = (side - 1) // 2
    top, left = row - radius, col - radius
    a0, a1 = max(r0, top), min(r0 + height, top + side)
    b0, b1 = max(c0, left), min(c0 + width, left + side)
    if a0 >= a1 or b0 >= b1:
        return
    for a in range(a0, a1):
        target = out[a - r0, b0 - c0:b1 - c0]
        np.maximum(target, kernel[a - top, b0 - left:b1 - left], target)  # vectorised


def environment_tile(env_codes: np.ndarray, tech: TechnologyConfig,
                     offsets_db: np.ndarray | None = None) -> np.ndarray:
    """E_env of every pixel (float32) from environment codes (-1 = outside: NaN).

    Parameters
    ----------
    env_codes
        Environment code of every pixel (:data:`~ictgis.coverage.models.ENV_CODES`, -1
        outside), any shape.
    tech
        The technology (frequency, mobile height).
    offsets_db
        Calibration offsets in dB by environment code (:meth:`~ictgis.coverage.calibration.
        Calibration.offsets`), added to the received level: the correction becomes
        ``E_env - offset``. None: uncalibrated.
    """
    table = np.array([environment_correction(tech.frequency_mhz, tech.mobile_height_m, e)
                      for e in ENV_CODES], dtype=np.float64)
    if offsets_db is not None:
        table = table - np.asarray(offsets_db, dtype=np.float64)
    codes = np.ascontiguousarray(env_codes)
    out = np.empty(codes.shape, dtype=np.float32)
    _lookup(codes.reshape(-1), table.astype(np.float32), out.reshape(-1))
    return out


@numba.njit(nogil=True, cache=True)
def _lookup(codes: np.ndarray, table: np.ndarray, out: np.ndarray
            ) -> None:  # pragma: no cover (compiled)
    """``out = table[codes]``, NaN where a code is negative (outside)."""
    for k in range(codes.size):
        out[k] = table[codes[k]] if codes[k] >= 0 else np.float32(np.nan)


def to_db(stamped: np.ndarray) -> np.ndarray:
    """A stamped tile in dB (float32), ``-inf`` where no site reaches."""
    out = stamped.astype(np.float32) / np.float32(CENTI_DB)
    out[stamped == EMPTY] = -np.inf
    return out


def received_level(stamped: np.ndarray, env_correction: np.ndarray, floor_dbm: float
                   ) -> np.ndarray:
    """Received level (dBm, float32): stamped minus E_env; NODATA outside or below the floor.

    ``env_correction`` is :func:`environment_tile`'s, calibration offsets included: the floor
    applies to the calibrated level.
    """
    level = to_db(stamped) - env_correction
    bad = ~np.isfinite(level) | (level < floor_dbm)
    level[bad] = NODATA
    return level


def reduce_tile(stamped: np.ndarray, correction: np.ndarray, tech: TechnologyConfig,
                floor_dbm: float, local: np.ndarray, people: np.ndarray, n: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stamped tile's level, where it is covered, and the people and pixels covered.

    :func:`received_level` and :func:`covered_mask` with the covered people and pixels summed
    per commune (``np.bincount`` over the pixels in row order), in one compiled pass without
    the interpreter lock, so that tiles reduce in parallel on threads; the same numbers bit
    for bit (float32 levels, float64 sums in the same order).

    Parameters
    ----------
    stamped
        Best level of the tile (int16 centi-dB, :data:`EMPTY` where no site reaches).
    correction
        :func:`environment_tile`'s E_env minus calibration (float32 dB, NaN outside).
    tech
        The technology (threshold and margin, dB).
    floor_dbm
        Levels below it are NODATA (dBm).
    local
        Commune of every pixel, 0 … n-1 (-1 outside).
    people
        People of every pixel.
    n
        Communes of the tile.

    Returns
    -------
    tuple
        Level (dBm, float32, NODATA where none), covered (bool), people covered per commune
        (float64), pixels covered per commune (float64).
    """
    level = np.empty(stamped.shape, np.float32)
    covered = np.empty(stamped.shape, np.bool_)
    people_sum = np.zeros(n)
    pixel_sum = np.zeros(n)
    _reduce_pixels(stamped, np.asarray(correction, np.float32), float(floor_dbm),
                   float(tech.margin_db), float(tech.threshold_dbm), local,
                   np.asarray(people, np.float64), level, covered, people_sum, pixel_sum)
    return level, covered, people_sum, pixel_sum


@numba.njit(cache=True, nogil=True)
def _reduce_pixels(stamped: np.ndarray, correction: np.ndarray, floor_dbm: float,
                   margin_db: float, threshold_dbm: float, local: np.ndarray,
                   people: np.ndarray, level: np.ndarray, covered: np.ndarray,
                   people_sum: np.ndarray, pixel_sum: np.ndarray) -> None:
    """:func:`reduce_tile`'s loop: float32 arithmetic as numpy does it with Python scalars."""
    centi = np.float32(CENTI_DB)
    floor, margin, threshold = (np.float32(floor_dbm), np.float32(margin_db),
                                np.float32(threshold_dbm))
    nodata = np.float32(NODATA)
    rows, cols = stamped.shape
    for i in range(rows):
        for j in range(cols):
            s = stamped[i, j]
            value = nodata
            if s != EMPTY:
                v = np.float32(s) / centi - correction[i, j]
                if math.isfinite(v) and not v < floor:
                    value = v
            level[i, j] = value
            hit = value != nodata and value - margin >= threshold
            covered[i, j] = hit
            c = local[i, j]
            if hit and c >= 0:
                people_sum[c] += people[i, j]
                pixel_sum[c] += 1.0


def covered_mask(level: np.ndarray, tech: TechnologyConfig) -> np.ndarray:
    """Where a received level (dBm, NODATA where none) is covered: ``level - margin >= threshold``."""
    return (level != NODATA) & (level - tech.margin_db >= tech.threshold_dbm)


def classify(level: np.ndarray, classes_dbm: tuple[float, ...]) -> np.ndarray:
    """Signal class (1 = best ... len+1 = below the last limit; 0 = nodata), uint8."""
    limits = np.asarray(classes_dbm, dtype=np.float32)
    out = (np.searchsorted(-limits, -level, side="left") + 1).astype(np.uint8)
    out[level == NODATA] = 0
    return out


# ---------------------------------------------------------------------------- transmitters


def transmitters(sites: gpd.GeoDataFrame, grid: Grid, tech: str, settings: CoverageConfig,
                 *, operator: str | None = None, per_site: bool = False) -> Transmitters:
    """The sites of one technology (and operator) as :class:`Transmitters` on ``grid``.

    Parameters
    ----------
    sites
        Masts in the grid's CRS: ``operators`` and ``technologies`` (tuples), ``height``
        (m, may be NaN: the class default applies), ``mast_class``, optional ``azimuth`` and
        ``beamwidth`` (degrees) for sectors.
    grid
        The raster grid.
    tech
        Technology name, a key of ``settings.technologies``.
    settings
        Coverage settings.
    operator
        Only this operator's masts (all operators when None).
    per_site
        Give every pixel its own groups, the pixel in their :data:`Params` (over terrain,
        where kernels depend on the place).
    """
    mask = np.ones(len(sites), bool) if operator is None else sites["operators"].map(
        lambda o: operator in o).to_numpy(bool)
    return _transmitters(sites, grid, tech, settings, mask, per_site)[0]


def operator_transmitters(sites: gpd.GeoDataFrame, grid: Grid, tech: str,
                          settings: CoverageConfig, operators: tuple[str, ...], *,
                          per_site: bool = False) -> list[Transmitters]:
    """``transmitters(..., operator=op)`` of every operator of ``operators``, in their order.

    One :func:`transmitters` of every operator's sites, then each operator's subset: the
    same transmitters in the same order, the same parameters (only the group numbers
    differ), at the cost of one call instead of one per operator.
    """
    every, rows = _transmitters(sites, grid, tech, settings, np.ones(len(sites), bool),
                                per_site)
    held = sites["operators"].to_numpy(object)[rows]
    return [every.subset(np.fromiter((op in o for o in held), bool, len(held)))
            for op in operators]


def _transmitters(sites: gpd.GeoDataFrame, grid: Grid, tech: str, settings: CoverageConfig,
                  mask: np.ndarray, per_site: bool) -> tuple[Transmitters, np.ndarray]:
    """:func:`transmitters` of the sites where ``mask``, with the row of ``sites`` of each."""
    params_of = settings.technologies[tech]
    mask = mask & sites["technologies"].map(lambda t: tech in t).to_numpy(bool)
    # a site without a finite position (an empty point) stamps nothing
    mask &= np.isfinite(sites.geometry.x.to_numpy(float)) & np.isfinite(
        sites.geometry.y.to_numpy(float))
    chosen = sites.loc[mask]
    rows = np.flatnonzero(mask)
    if "azimuth" in chosen:  # one transmitter per sector ("0;120;240")
        chosen, per_row = _sectors(chosen)
        rows = np.repeat(rows, per_row)
    heights = antenna_heights(chosen, settings)
    x, y = chosen.geometry.x.to_numpy(float), chosen.geometry.y.to_numpy(float)
    row, col = grid.pixel_of(x, y)
    res = grid.resolution
    dx = x - (grid.transform.c + (col + 0.5) * res)  # offset from the pixel centre, m
    dy = y - (grid.transform.f - (row + 0.5) * res)
    # groups: the same height and offset (and pixel, per site), numbered as they come
    codes, first = _first_appearance(np.column_stack([heights, dx, dy, *(
        (row.astype(float), col.astype(float)) if per_site else ())]))
    freq, eirp = float(params_of.frequency_mhz), float(params_of.eirp_dbm)
    mobile = float(params_of.mobile_height_m)
    k = len(first)
    params = list(zip([freq] * k, heights[first].tolist(), [eirp] * k, [mobile] * k,
                      dx[first].tolist(), dy[first].tolist(), *(
                          (row[first].astype(float).tolist(), col[first].astype(float).tolist())
                          if per_site else ()), strict=True))
    far_keys = [far_key(p) for p in params]
    reach = {key: reach_px(key, settings, res) for key in dict.fromkeys(far_keys)}
    coefficients = {h: hata_coefficients(freq, h, mobile)
                    for h in dict.fromkeys(heights[first].tolist())}
    a, b = (np.array([coefficients[h][i] for h in heights[first].tolist()], np.float64)
            for i in (0, 1))
    terms = np.column_stack([dx[first], dy[first], *_level_terms(eirp, a, b)]).reshape(k, 5)
    nan = np.full(len(chosen), np.nan)
    azimuth = chosen["azimuth"].to_numpy(float) if "azimuth" in chosen else nan
    beamwidth = chosen["beamwidth"].to_numpy(float) if "beamwidth" in chosen else nan
    # shared far zones: the same far key and sector (omnidirectional when either is NaN)
    far_class = _first_appearance(np.array(far_keys, np.float64).reshape(k, 4))[0]
    omni = np.isnan(azimuth) | np.isnan(beamwidth)
    shared = _first_appearance(np.column_stack([
        far_class[codes].astype(np.float64), np.where(omni, np.nan, azimuth),
        np.where(omni, np.nan, beamwidth)]))[0]
    return Transmitters(row=row, col=col, group=codes.astype(np.int64),
                        params=params,
                        azimuth=azimuth, beamwidth=beamwidth,
                        radius=np.array([reach[k] for k in far_keys], dtype=np.int64),
                        terms=terms, shared=shared.astype(np.int64)), rows


def _first_appearance(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The group of each row of a float table, numbered as the groups first appear.

    What ``pandas.factorize`` gives the rows as tuples (equal rows: equal value by value,
    -0.0 as 0.0, NaN as NaN), without a Python object per row.

    Returns
    -------
    tuple
        Group of every row (int64), and the first row of each group.
    """
    if not len(table):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.ascontiguousarray(table, np.float64) + 0.0  # -0.0 as 0.0
    rows[np.isnan(rows)] = np.nan  # one NaN: equal bytes
    _, first, inverse = np.unique(rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1])))
                                  .ravel(), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(first), np.int64)
    rank[order] = np.arange(len(first))
    return rank[inverse.reshape(-1)], first[order]


def _sectors(sites: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """One row per sector, from azimuth tuples, and how many rows each site became.

    The beamwidth follows its sector (or the site's single beamwidth, else 65°); sites with
    no azimuth stay omnidirectional (NaN).
    """
    def _tuple(value: object) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        return () if pd.isna(number) else (float(number),)

    azimuth = sites["azimuth"].map(_tuple).map(lambda a: a or (np.nan,))
    width = sites["beamwidth"].map(_tuple) if "beamwidth" in sites else pd.Series(
        [()] * len(sites), index=sites.index)
    width = [w if isinstance(w, tuple) and len(w) == len(a) else
             (w[0] if isinstance(w, tuple) and w else 65.0,) * len(a)
             for a, w in zip(azimuth, width, strict=True)]
    out = sites.assign(azimuth=azimuth, beamwidth=width)
    out = out.explode(["azimuth", "beamwidth"])
    out["azimuth"] = out["azimuth"].astype(float)
    out["beamwidth"] = out["beamwidth"].astype(float).where(out["azimuth"].notna())
    return (gpd.GeoDataFrame(out, geometry=sites.geometry.name, crs=sites.crs),
            azimuth.map(len).to_numpy(np.int64))


def antenna_heights(sites: pd.DataFrame, settings: CoverageConfig) -> np.ndarray:
    """Antenna height of every site (m): surveyed (finite), else its class default.

    Heights are used as they are (no rounding); below :data:`MIN_HEIGHT_M` they are
    evaluated at it.
    """
    default = settings.default_height_m.get("default", 30.0)
    by_class = sites["mast_class"].map(lambda c: settings.default_height_m.get(c, default)
                                       if isinstance(c, str) else default) if (
        "mast_class" in sites) else pd.Series(default, index=sites.index)
    height = sites["height"].astype(float) if "height" in sites else pd.Series(
        np.nan, index=sites.index)
    height = height.where(np.isfinite(height))  # an infinite height: the class default too
    height = height.fillna(by_class.astype(float)).to_numpy(float)
    return np.maximum(height, MIN_HEIGHT_M)
