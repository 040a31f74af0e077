"""Radio coverage: path-loss models, best-server rasters by kernel stamping, population coverage.

The models (DOMAIN.md §4) are Okumura-Hata (150-1500 MHz), COST-231 Hata (1500-2000 MHz,
used with a warning slightly beyond, e.g. 2100 MHz) and free space. In the Hata family the
environment (urban large/small city, suburban, open) changes the loss by a constant that does
not depend on distance, so a received level is::

    level(pixel) = max over sites [EIRP_s + G_s(θ) - L_urban(d; f, h_b)] - E_env(pixel)

The bracket depends only on a site's parameters and on the offset to the pixel, and is
stamped with ``numpy.maximum`` into the raster, tile by tile; the environment correction is
applied once per pixel afterwards. Each transmitter is evaluated at its true position and
antenna height: exactly in a *near zone* (:data:`NEAR_ZONE_M` round its pixel, a small
square computed per site), and beyond it from a *kernel* shared by the transmitters of a
height class (:data:`HEIGHT_LOG_STEP`) placed on the centre of the site's pixel, where the
≤ res/√2 of snapping costs little (≤ 0.3 dB from 2 km at 50 m pixels). Against an exact
evaluation at every pixel centre this keeps ≤ 0.5 dB (docs/coverage.md gives the measured
errors and the cost); ``tests/test_coverage.py`` checks it against a slow reference.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine

from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.i18n import current, labels, language, number, t

logger = logging.getLogger(__name__)

#: Validity of the models (DOMAIN.md §4.1-4.2): f in MHz, heights in m, d in km.
HATA_RANGE_MHZ = (150.0, 1500.0)
COST231_RANGE_MHZ = (1500.0, 2000.0)
#: COST-231 is used, with a warning, up to this frequency (2100 MHz 3G is common practice).
COST231_EXTRAPOLATE_MHZ = 2200.0
BASE_HEIGHT_RANGE_M = (30.0, 200.0)
MOBILE_HEIGHT_RANGE_M = (1.0, 10.0)
DISTANCE_RANGE_KM = (1.0, 20.0)

ENV_CODES: Mapping[str, int] = {"urban_large": 0, "urban": 1, "suburban": 2, "open": 3}
NODATA = -9999.0
#: Kernels and stamped tiles hold levels in hundredths of a dB (int16: half the memory traffic
#: of float32, ±327 dB of range, 0.005 dB rounding); EMPTY marks "no site reaches".
CENTI_DB = 100.0
EMPTY = np.int16(-32768)


class ModelRangeWarning(UserWarning):
    """A model is used outside the parameter range it was fitted on."""


# --------------------------------------------------------------------------------- models


def model_name(frequency_mhz: float) -> str:
    """The model used at a frequency: ``hata`` or ``cost231``.

    Raises
    ------
    ValueError
        Below 150 MHz or above 2200 MHz (use ``free_space_loss`` there).
    """
    if HATA_RANGE_MHZ[0] <= frequency_mhz <= HATA_RANGE_MHZ[1]:
        return "hata"
    if COST231_RANGE_MHZ[0] < frequency_mhz <= COST231_EXTRAPOLATE_MHZ:
        if frequency_mhz > COST231_RANGE_MHZ[1]:
            warnings.warn(t("coverage.warning.extrapolated", frequency=frequency_mhz),
                          ModelRangeWarning, stacklevel=2)
        return "cost231"
    msg = t("coverage.error.no_model", frequency=frequency_mhz, top=COST231_EXTRAPOLATE_MHZ)
    raise ValueError(msg)


def mobile_correction(frequency_mhz: float, mobile_height_m: float, *, large_city: bool = False
                      ) -> float:
    """a(h_m) in dB: small/medium city, or large city (8.29/3.2 forms by frequency)."""
    lf = np.log10(frequency_mhz)
    if not large_city:
        return float((1.1 * lf - 0.7) * mobile_height_m - (1.56 * lf - 0.8))
    if frequency_mhz <= 200:
        return float(8.29 * np.log10(1.54 * mobile_height_m) ** 2 - 1.1)
    return float(3.2 * np.log10(11.75 * mobile_height_m) ** 2 - 4.97)


def environment_correction(frequency_mhz: float, mobile_height_m: float, environment: str
                           ) -> float:
    """E_env in dB: the environment's loss minus the urban (small/medium city) loss.

    Suburban and open use the Hata conversions (also for COST-231, DOMAIN.md §4.2); a large
    city uses the large-city a(h_m), plus C_m = 3 dB under COST-231.
    """
    lf = np.log10(frequency_mhz)
    if environment == "urban":
        return 0.0
    if environment == "urban_large":
        extra = 3.0 if frequency_mhz > HATA_RANGE_MHZ[1] else 0.0
        return (mobile_correction(frequency_mhz, mobile_height_m)
                - mobile_correction(frequency_mhz, mobile_height_m, large_city=True) + extra)
    if environment == "suburban":
        return float(-2 * np.log10(frequency_mhz / 28) ** 2 - 5.4)
    if environment == "open":
        return float(-4.78 * lf ** 2 + 18.33 * lf - 40.94)
    msg = t("coverage.error.environment", environment=environment, choices=", ".join(ENV_CODES))
    raise ValueError(msg)


def hata_coefficients(frequency_mhz: float, base_height_m: float, mobile_height_m: float
                      ) -> tuple[float, float]:
    """(A, B) with L_urban(d) = A + B log10(d km), small/medium city, for the frequency's model."""
    lf, lh = np.log10(frequency_mhz), np.log10(base_height_m)
    a_hm = mobile_correction(frequency_mhz, mobile_height_m)
    if model_name(frequency_mhz) == "hata":
        a = 69.55 + 26.16 * lf - 13.82 * lh - a_hm
    else:
        a = 46.3 + 33.9 * lf - 13.82 * lh - a_hm
    return float(a), float(44.9 - 6.55 * lh)


def path_loss(distance_km: np.ndarray | float, *, frequency_mhz: float, base_height_m: float,
              mobile_height_m: float = 1.5, environment: str = "urban") -> np.ndarray:
    """Median path loss in dB of the Hata family (Okumura-Hata or COST-231 by frequency).

    Parameters
    ----------
    distance_km
        Distance(s) in km; outside 1-20 km the formula is extrapolated (with a warning).
    frequency_mhz
        150-1500 MHz: Okumura-Hata; 1500-2000 MHz: COST-231 (to 2200 MHz with a warning).
    base_height_m, mobile_height_m
        Antenna heights; outside 30-200 m and 1-10 m with a warning.
    environment
        ``urban_large``, ``urban`` (small/medium city), ``suburban`` or ``open``.

    Examples
    --------
    >>> round(float(path_loss(1.0, frequency_mhz=900, base_height_m=30)), 2)
    126.4
    """
    check_ranges(base_height_m, mobile_height_m, distance_km)
    a, b = hata_coefficients(frequency_mhz, base_height_m, mobile_height_m)
    d = np.asarray(distance_km, dtype=float)
    return a + b * np.log10(d) + environment_correction(frequency_mhz, mobile_height_m,
                                                         environment)


def free_space_loss(distance_km: np.ndarray | float, frequency_mhz: float) -> np.ndarray:
    """Free-space path loss 32.45 + 20 log f(MHz) + 20 log d(km), in dB."""
    d = np.asarray(distance_km, dtype=float)
    return 32.45 + 20 * np.log10(frequency_mhz) + 20 * np.log10(d)


def check_ranges(base_height_m: float, mobile_height_m: float,
                 distance_km: np.ndarray | float | None = None) -> None:
    """Warn (:class:`ModelRangeWarning`) for parameters outside the models' fitted ranges."""
    checks = [("base_height", base_height_m, BASE_HEIGHT_RANGE_M, "m"),
              ("mobile_height", mobile_height_m, MOBILE_HEIGHT_RANGE_M, "m")]
    if distance_km is not None:
        d = np.asarray(distance_km, dtype=float)
        if d.size:
            checks += [("distance", float(d.min()), DISTANCE_RANGE_KM, "km"),
                       ("distance", float(d.max()), DISTANCE_RANGE_KM, "km")]
    for what, value, (low, high), unit in checks:
        if not low <= value <= high:
            warnings.warn(t("coverage.warning.range", what=t(f"coverage.param.{what}"),
                            value=value, unit=unit, low=low, high=high),
                          ModelRangeWarning, stacklevel=3)


def sector_gain(angle_deg: np.ndarray, azimuth_deg: float, beamwidth_deg: float,
                front_back_db: float) -> np.ndarray:
    """Horizontal pattern relative to boresight: -min(12 (Δθ/θ3dB)², A_m) dB.

    ``angle_deg`` is the bearing from the site (clockwise from north).
    """
    delta = (np.asarray(angle_deg) - azimuth_deg + 180.0) % 360.0 - 180.0
    return -np.minimum(12.0 * (delta / beamwidth_deg) ** 2, front_back_db)


# ---------------------------------------------------------------------------------- grid


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

    def tiles(self, size: int) -> Iterator[tuple[int, int, int, int]]:
        """(row0, row1, col0, col1) of square tiles covering the grid."""
        for r0 in range(0, self.height, size):
            for c0 in range(0, self.width, size):
                yield r0, min(r0 + size, self.height), c0, min(c0 + size, self.width)


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
#: east and north offset m of the site from the centre of its pixel).
Params = tuple[float, float, float, float, float, float]


def far_key(params: Params | tuple[float, ...]) -> tuple[float, float, float, float]:
    """The far-zone kernel of a transmitter: its parameters with the height class's height."""
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
    """

    row: np.ndarray
    col: np.ndarray
    group: np.ndarray
    params: list[Params]
    azimuth: np.ndarray
    beamwidth: np.ndarray
    radius: np.ndarray

    def __len__(self) -> int:
        return len(self.row)


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
    """

    def __init__(self, settings: CoverageConfig, resolution: float) -> None:
        self.settings = settings
        self.resolution = resolution
        self.near_m = NEAR_ZONE_M
        self._far = lru_cache(maxsize=1024)(self._compute_far)
        self._near = lru_cache(maxsize=4096)(self._compute_near)
        self._geometry = lru_cache(maxsize=64)(self._distances)
        self._near_geometry = lru_cache(maxsize=4096)(self._distances)
        self._reach = lru_cache(maxsize=4096)(self._reach_of)
        self._far_of = lru_cache(maxsize=8192)(self._far_zone)
        self._near_of = lru_cache(maxsize=8192)(self._near_zone)

    def radius_px(self, params: Params) -> int:
        """Half-size in pixels of a transmitter's kernel (:func:`reach_px`)."""
        return self._reach(far_key(params))

    def _reach_of(self, key: tuple[float, float, float, float]) -> int:
        return reach_px(key, self.settings, self.resolution)

    def near_px(self, radius: int) -> int:
        """Half-size in pixels of the near zone of a kernel of half-size ``radius``."""
        return min(int(np.ceil(self.near_m / self.resolution)), radius)

    def clear(self) -> None:
        """Forget the kernels (e.g. between technologies: they are not shared)."""
        for cache in (self._far, self._near, self._far_of, self._near_of):
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
        """The far zone of a transmitter's kernel (None when the near zone is all of it)."""
        return self._far_of(params, _sector(azimuth, beamwidth))

    def near(self, params: Params, azimuth: float = np.nan, beamwidth: float = np.nan
             ) -> np.ndarray:
        """The near zone of a transmitter's kernel, exact (square of half-size :meth:`near_px`)."""
        return self._near_of(params, _sector(azimuth, beamwidth))

    def _far_zone(self, params: Params, sector: tuple[float, float] | None) -> np.ndarray | None:
        radius = self.radius_px(params)
        n = self.near_px(radius)
        if n >= radius:
            return None
        rounded = None if sector is None else (round(sector[0], 1) % 360.0, sector[1])
        return self._far(far_key(params), radius, n, rounded)

    def _near_zone(self, params: Params, sector: tuple[float, float] | None) -> np.ndarray:
        return self._near(params, self.near_px(self.radius_px(params)), sector)

    def _levels(self, eirp: float, a: float, b: float,
                geometry: tuple[np.ndarray, np.ndarray | None],
                bearing: tuple[int, float, float], sector: tuple[float, float] | None
                ) -> np.ndarray:
        """int16 centi-dB of ``eirp - a - b log_d + G(θ)``, :data:`EMPTY` beyond the range.

        ``geometry`` is (log10 distance, beyond the range or None), ``bearing`` the arguments of
        :meth:`_bearing` (used for sectors only).
        """
        log_d, beyond = geometry
        level = log_d * np.float32(-b * CENTI_DB)
        level += np.float32((eirp - a) * CENTI_DB)
        if sector is not None:
            gain = sector_gain(self._bearing(*bearing), sector[0], sector[1],
                               self.settings.sector_front_back_db)
            level += np.nan_to_num(gain, nan=0.0).astype(np.float32) * np.float32(CENTI_DB)
        np.rint(level, out=level)
        if not -32767 <= (eirp - a) * CENTI_DB - abs(b) * CENTI_DB * 3 <= 32767 - 4000:
            np.clip(level, -32767, 32767, out=level)  # |log10 d km| <= 3 in any real case
        kernel = level.astype(np.int16)
        if beyond is not None:
            kernel[beyond] = EMPTY
        return kernel

    def _compute_far(self, key: tuple[float, float, float, float], radius: int, near: int,
                     sector: tuple[float, float] | None) -> np.ndarray:
        freq, height, eirp, mobile = key
        a, b = hata_coefficients(freq, height, mobile)
        kernel = self._levels(eirp, a, b, self._geometry(radius, 0.0, 0.0), (radius, 0.0, 0.0),
                              sector)
        kernel[radius - near:radius + near + 1, radius - near:radius + near + 1] = EMPTY
        kernel.flags.writeable = False
        return kernel

    def _compute_near(self, params: Params, near: int, sector: tuple[float, float] | None
                      ) -> np.ndarray:
        freq, height, eirp, mobile, dx, dy = params
        a, b = hata_coefficients(freq, max(height, MIN_HEIGHT_M), mobile)
        kernel = self._levels(eirp, a, b, self._near_geometry(near, dx, dy), (near, dx, dy),
                              sector)
        kernel.flags.writeable = False
        return kernel

    def _east_north(self, radius: int, dx: float, dy: float) -> tuple[np.ndarray, np.ndarray]:
        """East and north (m) from a site ``dx`` m east, ``dy`` m north of its pixel centre."""
        offsets = np.arange(-radius, radius + 1, dtype=np.float64) * self.resolution
        return offsets[None, :] - dx, 0.0 - offsets[:, None] - dy  # rows grow southwards

    def _distances(self, radius: int, dx: float, dy: float
                   ) -> tuple[np.ndarray, np.ndarray | None]:
        """log10(distance km) (float32, clamped at ``min_distance_km``), and beyond the range.

        For the pixels of the square of half-size ``radius`` round a site ``dx`` m east and
        ``dy`` m north of the centre of its pixel.
        """
        east, north = self._east_north(radius, dx, dy)
        d2 = (east * east + north * north).astype(np.float32)  # m²
        beyond: np.ndarray | None = d2 > np.float32((self.settings.max_range_km * 1000) ** 2)
        if beyond is not None and not beyond.any():
            beyond = None
        np.maximum(d2, np.float32((self.settings.min_distance_km * 1000) ** 2), out=d2)
        np.log10(d2, out=d2)
        d2 *= np.float32(0.5)
        d2 -= np.float32(3.0)  # log10(d km) = log10(d² m²) / 2 - 3
        return d2, beyond

    def _bearing(self, radius: int, dx: float, dy: float) -> np.ndarray:
        """Bearing of every pixel (degrees clockwise from north; NaN on the site itself)."""
        east, north = self._east_north(radius, dx, dy)
        bearing = np.degrees(np.arctan2(east, north)).astype(np.float32)
        bearing[(east == 0) & (north == 0)] = np.nan
        return bearing


def _sector(azimuth: float, beamwidth: float) -> tuple[float, float] | None:
    """(azimuth, beamwidth) of a sector, None when omnidirectional (either is NaN)."""
    if azimuth != azimuth or beamwidth != beamwidth:  # NaN (math.isnan, for numpy scalars too)
        return None
    return float(azimuth), float(beamwidth)


def stamp_tile(tx: Transmitters, kernels: KernelCache, window: tuple[int, int, int, int],
               out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Best-server ``EIRP + G - L_urban`` over one tile (before the environment correction).

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
    near = ((tx.row + rad >= r0) & (tx.row - rad < r1) & (tx.col + rad >= c0)
            & (tx.col - rad < c1))
    evaluations = 0
    for k in np.flatnonzero(near):
        params = tx.params[tx.group[k]]
        radius = int(rad[k])
        n = kernels.near_px(radius)
        row, col = int(tx.row[k]), int(tx.col[k])
        far = None
        if n < radius and not (row - n <= r0 and row + n >= r1 - 1 and col - n <= c0
                               and col + n >= c1 - 1):  # the tile is not all near zone
            far = kernels.far(params, tx.azimuth[k], tx.beamwidth[k])
        evaluations += _stamp(out, window, far, row, col, radius) if far is not None else (
            _clipped(window, row, col, radius))
        if row + n >= r0 and row - n < r1 and col + n >= c0 and col - n < c1:
            _stamp(out, window, kernels.near(params, tx.azimuth[k], tx.beamwidth[k]), row, col,
                   n)
    return out, evaluations


def _clipped(window: tuple[int, int, int, int], row: int, col: int, radius: int) -> int:
    """Pixels of the square of half-size ``radius`` round (row, col) inside the window."""
    r0, r1, c0, c1 = window
    rows = min(r1, row + radius + 1) - max(r0, row - radius)
    cols = min(c1, col + radius + 1) - max(c0, col - radius)
    return max(rows, 0) * max(cols, 0)


def _stamp(out: np.ndarray, window: tuple[int, int, int, int], kernel: np.ndarray, row: int,
           col: int, radius: int) -> int:
    """``np.maximum`` of a kernel centred on (row, col) into the tile; the pixels touched."""
    r0, r1, c0, c1 = window
    top, left = row - radius, col - radius
    a0, a1 = max(r0, top), min(r1, top + 2 * radius + 1)
    b0, b1 = max(c0, left), min(c1, left + 2 * radius + 1)
    if a0 >= a1 or b0 >= b1:
        return 0
    target = out[a0 - r0:a1 - r0, b0 - c0:b1 - c0]
    np.maximum(target, kernel[a0 - top:a1 - top, b0 - left:b1 - left], out=target)
    return target.size


def environment_tile(env_codes: np.ndarray, tech: TechnologyConfig) -> np.ndarray:
    """E_env of every pixel (float32) from environment codes (-1 = outside: NaN)."""
    table = np.array([environment_correction(tech.frequency_mhz, tech.mobile_height_m, e)
                      for e in ENV_CODES], dtype=np.float32)
    out = np.full(env_codes.shape, np.nan, dtype=np.float32)
    inside = env_codes >= 0
    out[inside] = table[env_codes[inside]]
    return out


def to_db(stamped: np.ndarray) -> np.ndarray:
    """A stamped tile in dB (float32), ``-inf`` where no site reaches."""
    out = stamped.astype(np.float32) / np.float32(CENTI_DB)
    out[stamped == EMPTY] = -np.inf
    return out


def received_level(stamped: np.ndarray, env_correction: np.ndarray, floor_dbm: float
                   ) -> np.ndarray:
    """Received level (dBm, float32): stamped minus E_env; NODATA outside or below the floor."""
    level = to_db(stamped) - env_correction
    bad = ~np.isfinite(level) | (level < floor_dbm)
    level[bad] = NODATA
    return level


def classify(level: np.ndarray, classes_dbm: tuple[float, ...]) -> np.ndarray:
    """Signal class (1 = best ... len+1 = below the last limit; 0 = nodata), uint8."""
    limits = np.asarray(classes_dbm, dtype=np.float32)
    out = (np.searchsorted(-limits, -level, side="left") + 1).astype(np.uint8)
    out[level == NODATA] = 0
    return out


# ---------------------------------------------------------------------------- transmitters


def transmitters(sites: gpd.GeoDataFrame, grid: Grid, tech: str, settings: CoverageConfig,
                 *, operator: str | None = None) -> Transmitters:
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
    """
    params_of = settings.technologies[tech]
    mask = sites["technologies"].map(lambda t: tech in t).to_numpy(bool, copy=True)
    if operator is not None:
        mask = mask & sites["operators"].map(lambda o: operator in o).to_numpy(bool)
    # a site without a finite position (an empty point) stamps nothing
    mask &= np.isfinite(sites.geometry.x.to_numpy(float)) & np.isfinite(
        sites.geometry.y.to_numpy(float))
    chosen = sites.loc[mask]
    if "azimuth" in chosen:  # one transmitter per sector ("0;120;240")
        chosen = _sectors(chosen)
    heights = antenna_heights(chosen, settings)
    x, y = chosen.geometry.x.to_numpy(float), chosen.geometry.y.to_numpy(float)
    row, col = grid.pixel_of(x, y)
    res = grid.resolution
    dx = x - (grid.transform.c + (col + 0.5) * res)  # offset from the pixel centre, m
    dy = y - (grid.transform.f - (row + 0.5) * res)
    keys = list(zip(np.full(len(chosen), float(params_of.frequency_mhz)), heights,
                    np.full(len(chosen), float(params_of.eirp_dbm)),
                    np.full(len(chosen), float(params_of.mobile_height_m)), dx, dy, strict=True))
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
    params = [tuple(float(v) for v in key) for key in uniques]
    reach: dict[tuple[float, ...], int] = {}
    for p in params:
        if (key := far_key(p)) not in reach:
            reach[key] = reach_px(p, settings, res)
    nan = np.full(len(chosen), np.nan)
    azimuth = chosen["azimuth"].to_numpy(float) if "azimuth" in chosen else nan
    beamwidth = chosen["beamwidth"].to_numpy(float) if "beamwidth" in chosen else nan
    return Transmitters(row=row, col=col, group=codes.astype(np.int64),
                        params=params,  # type: ignore[arg-type]
                        azimuth=azimuth, beamwidth=beamwidth,
                        radius=np.array([reach[far_key(p)] for p in params], dtype=np.int64))


def _sectors(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per sector, from azimuth tuples.

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
    return gpd.GeoDataFrame(out, geometry=sites.geometry.name, crs=sites.crs)


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


# ---------------------------------------------------------------------------------- runs


@dataclass
class CoverageResult:
    """What :func:`compute_coverage` produces.

    Attributes
    ----------
    grid
        The raster grid.
    layers
        (operator or ``"any"``, technology) -> received level (float32, NODATA outside).
    covered
        Per commune: population and pixels covered by (operator/any, technology).
    evaluations
        Pixel-site evaluations done (for throughput figures).
    index
        Commune index of every pixel (-1 outside).
    people
        Population of every pixel.
    """

    grid: Grid
    layers: dict[tuple[str, str], np.ndarray]
    covered: pd.DataFrame
    evaluations: int
    index: np.ndarray
    people: np.ndarray


#: The most pixels a coverage grid may have: 10,000 km² at 10 m, a 1,000 km square at 100 m.
#: A larger grid comes from coordinates in the wrong unit or CRS, and would not fit in memory.
MAX_PIXELS = 100_000_000


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


def compute_coverage(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                     settings: CoverageConfig, *, population: np.ndarray | None = None,
                     landcover: np.ndarray | None = None,
                     progress: Callable[[str], None] | None = None,
                     keep_layers: bool = True) -> CoverageResult:
    """Best-server rasters per operator and technology, their union, and covered population.

    Parameters
    ----------
    sites
        Masts in the communes' metric CRS (see :func:`transmitters`).
    communes
        Commune polygons with ``code``, ``kind`` and ``population``.
    settings
        Coverage settings.
    population
        Optional population raster on the same grid (rescaled to the commune totals).
    landcover
        Optional land-cover class raster on the same grid (see :func:`rasterize_communes`).
    progress
        Called with a short text per tile.
    keep_layers
        Keep the full rasters in memory (False: only the per-commune sums are returned).

    Returns
    -------
    CoverageResult
    """
    grid = province_grid(communes, settings)
    index, env = rasterize_communes(communes, grid, settings, landcover)
    people = spread_population(communes, index, population)
    kernels = KernelCache(settings, grid.resolution)
    operators = sorted({o for ops in sites["operators"] for o in ops})
    combos = [(op, tech) for tech in settings.technologies for op in operators]
    txs = {c: transmitters(sites, grid, c[1], settings, operator=c[0]) for c in combos}
    layers = {}
    if keep_layers:
        for op, tech in [*combos, *(("any", t) for t in settings.technologies)]:
            layers[(op, tech)] = np.full((grid.height, grid.width), NODATA, np.float32)
    n = len(communes)
    lang = current()  # worker threads do not inherit the language: messages of the models

    def tile_job(job: tuple[str, tuple[int, int, int, int]]) -> tuple[dict, int]:
        with language(lang):
            return tile_sums(*job)

    def tile_sums(tech: str, window: tuple[int, int, int, int]) -> tuple[dict, int]:
        r0, r1, c0, c1 = window
        idx = index[r0:r1, c0:c1]
        inside = idx >= 0
        pop = people[r0:r1, c0:c1][inside]
        comm = idx[inside]
        sums: dict[tuple[str, str], list[np.ndarray]] = {}
        evaluations = 0
        tech_cfg = settings.technologies[tech]
        correction = environment_tile(env[r0:r1, c0:c1], tech_cfg)
        union = np.full((r1 - r0, c1 - c0), EMPTY, np.int16)
        for op in operators:
            stamped, count = stamp_tile(txs[(op, tech)], kernels, window)
            evaluations += count
            np.maximum(union, stamped, out=union)
            _accumulate(sums, (op, tech), stamped, correction, tech_cfg, settings, inside,
                        comm, pop, n, layers, window)
        _accumulate(sums, ("any", tech), union, correction, tech_cfg, settings, inside, comm,
                    pop, n, layers, window)
        return sums, evaluations

    totals: dict[tuple[str, str], list[np.ndarray]] = {}
    evaluations = 0
    windows = list(grid.tiles(settings.tile_px))
    workers = min(settings.threads, len(windows))
    done = 0
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        for tech in settings.technologies:  # one technology's kernels in memory at a time
            jobs = [(tech, window) for window in windows]
            results = pool.map(tile_job, jobs) if workers > 1 else map(tile_job, jobs)
            for sums, count in results:
                done += 1
                evaluations += count
                for key, (people_sum, pixel_sum) in sums.items():
                    if key in totals:
                        totals[key][0] += people_sum
                        totals[key][1] += pixel_sum
                    else:
                        totals[key] = [people_sum, pixel_sum]
                if progress:
                    progress(t("coverage.progress.tile", done=done,
                               total=len(windows) * len(settings.technologies)))
            kernels.clear()
    covered = _covered_table(communes, totals, index, grid)
    return CoverageResult(grid=grid, layers=layers, covered=covered, evaluations=evaluations,
                          index=index, people=people)


def _accumulate(sums: dict, key: tuple[str, str], stamped: np.ndarray, correction: np.ndarray,
                tech: TechnologyConfig, settings: CoverageConfig, inside: np.ndarray,
                comm: np.ndarray, pop: np.ndarray, n: int, layers: dict,
                window: tuple[int, int, int, int]) -> None:
    level = received_level(stamped, correction, settings.floor_dbm)
    covered = (level != NODATA) & (level - tech.margin_db >= tech.threshold_dbm)
    hit = covered[inside]
    people = np.bincount(comm[hit], weights=pop[hit], minlength=n).astype(np.float64)
    pixels = np.bincount(comm[hit], minlength=n).astype(np.float64)
    if key in sums:
        sums[key][0] += people
        sums[key][1] += pixels
    else:
        sums[key] = [people, pixels]
    if key in layers:
        r0, r1, c0, c1 = window
        layers[key][r0:r1, c0:c1] = level


def _covered_table(communes: gpd.GeoDataFrame, sums: dict, index: np.ndarray, grid: Grid
                   ) -> pd.DataFrame:
    pixels = np.bincount(index[index >= 0], minlength=len(communes)).astype(np.float64)
    table = pd.DataFrame({"code": communes["code"].to_numpy(), "pixels": pixels,
                          "pixel_km2": grid.resolution ** 2 / 1e6})
    for (op, tech), (people, covered_px) in sums.items():
        slug = op.lower().replace(" ", "_")
        table[f"pop_covered_{slug}_{tech.lower()}"] = people
        table[f"px_covered_{slug}_{tech.lower()}"] = covered_px
    return table


# ----------------------------------------------------------------------------- summaries


def coverage_levels(communes: pd.DataFrame, covered: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Covered population and area (% too) at every level the communes support.

    Parameters
    ----------
    communes
        The commune table (code, zone, district, region, population, area_km2).
    covered
        :attr:`CoverageResult.covered`.

    Returns
    -------
    dict
        Level -> table with ``population``, ``pop_covered_<op>_<tech>``,
        ``pop_pct_<op>_<tech>`` and ``area_pct_<op>_<tech>``, recomputed from sums.
    """
    from ictgis import admin

    labels = [c for c in ("code", "name", "kind", "zone", "district", "region", "population",
                          "area_km2") if c in communes]
    table = pd.DataFrame(communes[labels]).merge(covered.drop(columns="pixel_km2"), on="code")
    sums = [c for c in table.columns if c.startswith(("pop_covered_", "px_covered_"))]
    levels = [lvl for lvl, keys in admin.LEVELS.items() if set(keys) <= set(table.columns)]
    out = {}
    for level in levels:
        agg = admin.aggregate(table, level, ["population", "pixels", *sums])
        if level == "commune":
            agg = table[[c for c in ("code", "name", "kind", "zone", "district", "region")
                         if c in table]].merge(agg, on="code")
        for col in [c for c in sums if c.startswith("pop_covered_")]:
            key = col.removeprefix("pop_covered_")
            agg[f"pop_pct_{key}"] = admin.safe_ratio(agg[col], agg["population"], 100)
            agg[f"area_pct_{key}"] = admin.safe_ratio(agg[f"px_covered_{key}"], agg["pixels"], 100)
        out[level] = agg.drop(columns=[c for c in agg.columns if c.startswith("px_covered_")])
    return out


def uncovered_areas(level: np.ndarray, tech: TechnologyConfig, people: np.ndarray,
                    index: np.ndarray, communes: pd.DataFrame, grid: Grid, *, top: int = 10
                    ) -> pd.DataFrame:
    """The largest populated areas with no coverage, ranked by population.

    Parameters
    ----------
    level
        Any-operator received level of one technology (NODATA where nothing reaches).
    tech
        The technology (threshold and margin).
    people
        Population per pixel.
    index
        Commune index per pixel (-1 outside).
    communes
        The communes (for the commune holding most of each area's people).
    grid
        The grid (pixel size and georeferencing).
    top
        How many areas to list.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``population``, ``area_km2``, ``x``, ``y`` (population-weighted centre,
        working CRS), ``commune`` (code) and ``commune_name``.
    """
    from scipy import ndimage

    covered = (level != NODATA) & (level - tech.margin_db >= tech.threshold_dbm)
    gap = (index >= 0) & ~covered & (people > 0)
    labels, count = ndimage.label(gap)
    columns = ["rank", "population", "area_km2", "x", "y", "commune", "commune_name"]
    if count == 0:
        return pd.DataFrame(columns=columns)
    lab = labels[gap]
    pop = people[gap]
    totals = np.bincount(lab, weights=pop, minlength=count + 1)
    pixels = np.bincount(lab, minlength=count + 1)
    rows, cols = np.nonzero(gap)
    x = grid.transform.c + (cols + 0.5) * grid.resolution
    y = grid.transform.f - (rows + 0.5) * grid.resolution
    cx = np.bincount(lab, weights=pop * x, minlength=count + 1)
    cy = np.bincount(lab, weights=pop * y, minlength=count + 1)
    best = np.argsort(-totals[1:], kind="stable")[:top] + 1
    # commune holding most of each area's people
    pairs = pd.DataFrame({"area": lab, "commune": index[gap], "pop": pop})
    main = (pairs[pairs["area"].isin(best)].groupby(["area", "commune"])["pop"].sum()
            .reset_index().sort_values(["area", "pop"], ascending=[True, False])
            .drop_duplicates("area").set_index("area")["commune"])
    codes = communes["code"].to_numpy()
    names = communes["name"].to_numpy() if "name" in communes else codes
    return pd.DataFrame({
        "rank": np.arange(1, len(best) + 1), "population": totals[best],
        "area_km2": pixels[best] * grid.resolution ** 2 / 1e6,
        "x": cx[best] / totals[best], "y": cy[best] / totals[best],
        "commune": codes[main.loc[best].to_numpy()], "commune_name": names[main.loc[best].to_numpy()],
    }, columns=columns)


def headers(columns: list[str] | set[str]) -> dict[str, str]:
    """Headers (with units) of the coverage tables, in the language in force."""
    out = labels("coverage.header")
    for col in columns:
        for prefix in ("pop_covered_", "pop_pct_", "area_pct_"):
            if col.startswith(prefix):
                op, _, tech = col.removeprefix(prefix).rpartition("_")
                who = t("coverage.any_operator") if op == "any" else op
                out[col] = t(f"coverage.header_of.{prefix.rstrip('_')}", technology=tech.upper(),
                             operator=who)
    return out


def raster_tags(tech: str, cfg: TechnologyConfig, settings: CoverageConfig, operator: str,
                *, synthetic: bool) -> dict[str, object]:
    """Model parameters written into every raster's metadata (texts in the language in force)."""
    return {
        "ictgis_layer": t("coverage.tag.level"), "operator": operator,
        "technology": tech, "model": model_name_quiet(cfg.frequency_mhz),
        "frequency_mhz": cfg.frequency_mhz, "eirp_dbm": cfg.eirp_dbm,
        "threshold_dbm": cfg.threshold_dbm, "margin_db": cfg.margin_db,
        "mobile_height_m": cfg.mobile_height_m, "classes_dbm": list(cfg.classes_dbm),
        "resolution_m": settings.resolution_m, "max_range_km": settings.max_range_km,
        "min_distance_km": settings.min_distance_km, "floor_dbm": settings.floor_dbm,
        "environment": dict(settings.environment),
        "data": t("stats.synthetic.yes") if synthetic else "",
    }


def model_name_quiet(frequency_mhz: float) -> str:
    """:func:`model_name` without its extrapolation warning (for labels)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelRangeWarning)
        return model_name(frequency_mhz)
