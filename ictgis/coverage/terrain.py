"""Terrain from a DEM: effective antenna heights and diffraction by a radial sweep.

With ``[layers.dem]`` every transmitter gets its own kernel (:class:`~ictgis.coverage.kernels.
KernelCache`): the kernel of the run without a DEM, corrected pixel by pixel by

    C = (13.82 + 6.55 log10 d) · log10(h_eff / h)  −  L_diff

- the first term moves Hata's base-station height terms (−13.82 log10 h_b and
  −6.55 log10 h_b · log10 d, identical in Okumura-Hata and COST-231) from the antenna height
  ``h`` to the *effective height* of the direction, ``h_eff = h + z_site − mean z`` over the
  radial from :data:`RELIEF_RANGE_M` (3-15 km, the definition of Hata and ITU-R P.1546),
  never below ``min(h, MIN_EFFECTIVE_HEIGHT_M)``;
- ``L_diff`` is the single knife-edge loss of ITU-R P.526 (:func:`knife_edge_loss`) over the
  dominant obstruction: the profile point seen from the transmitter at the greatest
  elevation angle (the transmitter's horizon on that path, earth curvature k = 4/3), beyond
  what the same edge would cost were it on the smooth-earth path (the straight ground line
  from the site to the pixel): Hata already holds the smooth-earth median. Over a flat DEM
  both terms are exactly zero and the kernels are those of the run without a DEM.

The sweep (:func:`_terrain_kernel`, numba) follows rays from the site's pixel to the
perimeter of a square of :data:`RAY_OVERSAMPLING` times the kernel's half-size, one step
of one pixel along the major axis at a time, keeping the running maximum of the elevation
angle (as SPLAT! and Signal-Server do); every pixel takes the correction interpolated between
the two rays that bracket its centre, so the cost is O(1) per pixel and site.
docs/en/coverage.md ("Terrain") gives the method, its assumptions and its measured agreement
with a per-pixel profile.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import njit

from ictgis.coverage.grid import CENTI_DB, EMPTY, Grid
from ictgis.coverage.models import ModelRangeWarning
from ictgis.i18n import number, t

#: Effective earth radius (m): 6371 km times k = 4/3 (ITU-R P.452 median refractivity).
EFFECTIVE_EARTH_RADIUS_M = 6_371_000.0 * 4.0 / 3.0
#: The part of each radial whose mean terrain sets the effective height (m from the site).
RELIEF_RANGE_M = (3000.0, 15000.0)
#: The mean terrain of a radial is taken every this many sweep steps (8: every 400 m at 50 m,
#: 30 samples over 3-15 km).
RELIEF_STRIDE = 8
#: The effective height never goes below this (m), nor below the antenna height when that is
#: lower: the lowest mast the checks accept (``checks.min_mast_height_m``); below it Hata's
#: height terms (log10 h_b) run away and the diffraction term describes the shadow.
MIN_EFFECTIVE_HEIGHT_M = 3.0
#: Rays per pixel of the perimeter of the kernel's square: the rays bracketing a pixel are
#: then at most 1/1.5 pixel apart. Against the per-pixel profile on rough terrain (the test's
#: random hills) 1.5 gives a median of 0.003 dB and 95 % within 0.05 dB, as 2 does (0.03 dB),
#: for 25 % fewer ray steps; 1 doubles the worst pixels' error (1.4 dB). docs/en/coverage.md
#: gives the agreement measured on the demo.
RAY_OVERSAMPLING = 1.5
#: Speed of light (m/s), for the wavelength.
LIGHT_SPEED = 299_792_458.0
#: Below this ν the knife edge costs nothing (ITU-R P.526-15 eq. 31).
NU_MIN = -0.78


@njit(cache=True, nogil=True)
def knife_edge_loss(nu: float) -> float:
    """ITU-R P.526 single knife-edge loss J(ν) in dB (eq. 31); 0 for ν ≤ -0.78.

    J(ν) = 6.9 + 20 log10(√((ν − 0.1)² + 1) + ν − 0.1).
    """
    if nu <= NU_MIN:
        return 0.0
    v = nu - 0.1
    return 6.9 + 20.0 * math.log10(math.sqrt(v * v + 1.0) + v)


#: J(ν) tabulated every 1/128 from ν = -0.78 to 64, for the sweep (linear interpolation
#: between entries is within 2e-5 dB of the formula; beyond the table, the formula).
_J_STEP = 1.0 / 128.0
_J_PER_NU = 128.0
_J_TABLE = np.array([knife_edge_loss(NU_MIN + i * _J_STEP)
                     for i in range(int((64.0 - NU_MIN) / _J_STEP) + 2)])


@njit(cache=True, nogil=True, inline="always")
def _j_fast(nu: float) -> float:
    """:func:`knife_edge_loss` from :data:`_J_TABLE`."""
    if nu <= NU_MIN:
        return 0.0
    x = (nu - NU_MIN) * _J_PER_NU
    i = int(x)
    if i >= len(_J_TABLE) - 1:
        return knife_edge_loss(nu)
    return _J_TABLE[i] + (x - i) * (_J_TABLE[i + 1] - _J_TABLE[i])


@njit(cache=True, nogil=True, inline="always")
def _elevation(z: np.ndarray, r: float, c: float) -> float:
    """Bilinear elevation at fractional (row, col) of pixel centres, clamped to the grid.

    Written as nested interpolations ``a + f (b − a)``, so a constant DEM gives the
    constant exactly (the flat-DEM run equals the run without one, bit for bit).
    """
    rows, cols = z.shape
    r = min(max(r, 0.0), rows - 1.0)
    c = min(max(c, 0.0), cols - 1.0)
    r0, c0 = int(r), int(c)
    r1, c1 = min(r0 + 1, rows - 1), min(c0 + 1, cols - 1)
    fr, fc = r - r0, c - c0
    top = z[r0, c0] + fc * (z[r0, c1] - z[r0, c0])
    bottom = z[r1, c0] + fc * (z[r1, c1] - z[r1, c0])
    return top + fr * (bottom - top)


@njit(cache=True, nogil=True)
def _relief(z: np.ndarray, row: int, col: int, step_r: float, step_c: float, step_m: float,
            z_site: float) -> float:
    """Mean of (z_site − z) along a radial, from 3 to 15 km (m).

    The radial leaves the site's pixel centre by (step_r, step_c) pixels per step of
    ``step_m`` metres; every :data:`RELIEF_STRIDE`-th step is sampled while it is inside the
    grid. When no sample of 3-15 km lies inside the grid, the samples that do (from the
    first step on) are used; with none at all, 0.
    """
    rows, cols = z.shape
    k0 = int(math.ceil(RELIEF_RANGE_M[0] / step_m))
    k1 = int(math.floor(RELIEF_RANGE_M[1] / step_m))
    total, count = 0.0, 0
    for k in range(k0, k1 + 1, RELIEF_STRIDE):
        r, c = row + k * step_r, col + k * step_c
        if 0.0 <= r <= rows - 1.0 and 0.0 <= c <= cols - 1.0:
            total += z_site - _elevation(z, r, c)
            count += 1
    if count == 0:
        for k in range(1, k0):
            r, c = row + k * step_r, col + k * step_c
            if 0.0 <= r <= rows - 1.0 and 0.0 <= c <= cols - 1.0:
                total += z_site - _elevation(z, r, c)
                count += 1
    return total / count if count else 0.0


@njit(cache=True, nogil=True, inline="always")
def _height_gain(h: float, relief: float) -> float:
    """log10(h_eff / h): h_eff = h + relief, at least min(h, MIN_EFFECTIVE_HEIGHT_M)."""
    h_eff = max(h + relief, min(h, MIN_EFFECTIVE_HEIGHT_M))
    return math.log10(h_eff) - math.log10(h)


@njit(cache=True, nogil=True, inline="always")
def _along(plane: np.ndarray, major: int, minor: float) -> float:
    """Elevation at integer ``major``, fractional ``minor`` index of a plane, clamped.

    ``plane`` is the DEM (rows major) or its transpose (columns major): this is
    :func:`_elevation` at a point whose major coordinate is a whole pixel, written so that
    both give the same number.
    """
    n_major, n_minor = plane.shape
    i = min(max(major, 0), n_major - 1)
    m = min(max(minor, 0.0), n_minor - 1.0)
    j0 = int(m)
    j1 = min(j0 + 1, n_minor - 1)
    return plane[i, j0] + (m - j0) * (plane[i, j1] - plane[i, j0])


@njit(cache=True, nogil=True)
def _terrain_kernel(z: np.ndarray, zt: np.ndarray, row: int, col: int, base: np.ndarray,
                    log_d: np.ndarray, near_n: int, h_near: float, h_far: float, h_tx: float,
                    h_rx: float, wavelength: float, resolution: float, oversampling: float
                    ) -> np.ndarray:
    """A transmitter's kernel over terrain: ``base`` (int16 centi-dB) plus the correction.

    Parameters
    ----------
    z, zt
        Elevation on the grid (m), and its transpose (C order both).
    row, col
        The site's pixel.
    base
        Its kernel without terrain (square of half-size R, :data:`EMPTY` beyond the range).
    log_d
        log10 of the distance (km, clamped at the minimum) of every pixel of the square.
    near_n
        Half-size of the near zone, whose Hata terms use ``h_near`` (the far zone ``h_far``).
    h_tx, h_rx
        Antenna height of the site and of the mobile (m above ground), for the geometry.
    wavelength, resolution
        m.
    oversampling
        Rays per perimeter pixel (M = round(oversampling·R)).

    Notes
    -----
    Each side of the square (east, west, south, north) is swept column by column along its
    major axis: at step k every pixel (k, q) of the column lies between the two rays that
    bracket its centre (at q·M/k among the M ≈ oversampling·R rays of a half-side): when
    both rays' edges are at the same step it takes that edge with their states interpolated,
    else their two corrections interpolated (each from the ray's state before step k); then
    every ray adds its profile point at step k (elevation interpolated across the minor
    axis) to its running maximum of the elevation angle. Pixels outside the grid (never
    stamped) keep ``base``'s value, and rays are followed only while inside the grid.
    """
    radius = (base.shape[0] - 1) // 2
    out = base.copy()  # north and south write here; east and west, column by column, in
    base_t = base.T.copy()  # the transpose (log_d is symmetric), for memory order
    out_t = base_t.copy()
    rows, cols = z.shape
    z_site = z[min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)]
    alt_tx = z_site + h_tx
    site_inside = 0 <= row < rows and 0 <= col < cols
    two_over_lambda = 2.0 / wavelength
    rays = int(oversampling * radius + 0.5)
    n_rays = 2 * rays + 1
    slope = np.empty(n_rays)
    step = np.empty(n_rays)
    inv_step = np.empty(n_rays)
    inv_two_a = 1.0 / (2.0 * EFFECTIVE_EARTH_RADIUS_M)
    gain_near = np.empty(n_rays)
    gain_far = np.empty(n_rays)
    theta = np.empty(n_rays)
    d_edge = np.empty(n_rays)
    k_edge = np.empty(n_rays, dtype=np.int64)  # the step of each ray's edge (0: none yet)
    z_edge = np.empty(n_rays)
    for side in range(4):
        sign = 1 if side % 2 == 0 else -1
        by_col = side < 2  # east, west: the major axis is the column
        plane = zt if by_col else z
        major0, minor0 = (col, row) if by_col else (row, col)
        src = base_t if by_col else base
        dst = out_t if by_col else out
        for i in range(n_rays):
            s = (i - rays) / rays
            slope[i] = s
            step[i] = resolution * math.sqrt(1.0 + s * s)
            inv_step[i] = 1.0 / step[i]
            step_r, step_c = (s, float(sign)) if by_col else (float(sign), s)
            relief = _relief(z, row, col, step_r, step_c, step[i], z_site)
            gain_near[i] = _height_gain(h_near, relief)
            gain_far[i] = _height_gain(h_far, relief)
            theta[i] = -np.inf
            d_edge[i] = 0.0
            k_edge[i] = 0
            z_edge[i] = 0.0
        if side == 2:  # the site's pixel: the height term of the ray south
            v = out[radius, radius]
            if v != EMPTY:
                corr = (13.82 + 6.55 * log_d[radius, radius]) * gain_near[rays]
                out[radius, radius] = _clip(v + round(corr * CENTI_DB))
        n_major, n_minor = plane.shape
        for k in range(1, radius + 1):
            a = radius + sign * k  # the major index in src/dst
            major = major0 + sign * k
            scale = rays / k
            q_lo, q_hi = -k, k
            i_lo, i_hi = 0, n_rays - 1
            if site_inside:  # only the grid's pixels are ever stamped: leave the rest
                if major < 0 or major >= n_major:
                    break  # this side has left the grid
                q_lo, q_hi = max(q_lo, -minor0), min(q_hi, n_minor - 1 - minor0)
                # rays are straight: one outside the grid's minor extent stays outside
                i_lo = max(i_lo, int(math.ceil((-1.5 - minor0) * scale)) + rays)
                i_hi = min(i_hi, int(math.floor((n_minor + 0.5 - minor0) * scale)) + rays)
            for q in range(q_lo, q_hi + 1):
                v = src[a, radius + q]
                if v == EMPTY:
                    continue
                x = q * scale + rays  # the pixel centre between rays i and i + 1
                i = min(int(x), n_rays - 1)
                w = x - i
                near = k <= near_n and abs(q) <= near_n
                z_rx = plane[min(max(major, 0), n_major - 1),
                             min(max(minor0 + q, 0), n_minor - 1)]
                dist = resolution * math.sqrt(k * k + q * q)
                inv_dist = 1.0 / dist
                theta_rx = (z_rx + h_rx - alt_tx) * inv_dist - dist * inv_two_a
                factor = 13.82 + 6.55 * log_d[a, radius + q]
                if w > 0.0 and k_edge[i] == k_edge[i + 1]:
                    # both rays' edges at the same step: the line through the pixel meets
                    # that step between them; one edge, its state interpolated
                    gains = gain_near if near else gain_far
                    corr = factor * (gains[i] + w * (gains[i + 1] - gains[i]))
                    if k_edge[i] > 0:
                        corr -= _diffraction(
                            z_rx, dist, inv_dist, theta_rx, z_site,
                            theta[i] + w * (theta[i + 1] - theta[i]),
                            d_edge[i] + w * (d_edge[i + 1] - d_edge[i]),
                            z_edge[i] + w * (z_edge[i + 1] - z_edge[i]), two_over_lambda)
                else:  # the two rays' corrections, interpolated
                    corr = (1.0 - w) * _ray_correction(
                        i, near, factor, gain_near, gain_far, theta, d_edge, z_edge, z_rx,
                        dist, inv_dist, theta_rx, z_site, two_over_lambda)
                    if w > 0.0:
                        corr += w * _ray_correction(
                            i + 1, near, factor, gain_near, gain_far, theta, d_edge, z_edge,
                            z_rx, dist, inv_dist, theta_rx, z_site, two_over_lambda)
                dst[a, radius + q] = _clip(v + round(corr * CENTI_DB))
            if k == radius:
                break
            inv_k = 1.0 / k
            for i in range(i_lo, i_hi + 1):  # the profile points of step k, for the pixels beyond
                ze = _along(plane, major, minor0 + k * slope[i])
                d = k * step[i]
                th = (ze - alt_tx) * inv_k * inv_step[i] - d * inv_two_a
                if th > theta[i]:
                    theta[i] = th
                    d_edge[i] = d
                    k_edge[i] = k
                    z_edge[i] = ze
    for a in range(2 * radius + 1):  # east and west: |column offset| > |row offset|
        reach = abs(a - radius)
        for b in range(0, radius - reach):
            out[a, b] = out_t[b, a]
        for b in range(radius + reach + 1, 2 * radius + 1):
            out[a, b] = out_t[b, a]
    return out


@njit(cache=True, nogil=True, inline="always")
def _ray_correction(i: int, near: bool, factor: float, gain_near: np.ndarray,
                    gain_far: np.ndarray, theta: np.ndarray, d_edge: np.ndarray,
                    z_edge: np.ndarray, z_rx: float, dist: float, inv_dist: float,
                    theta_rx: float, z_site: float, two_over_lambda: float) -> float:
    """The correction (dB) a pixel takes from ray ``i``: height term minus diffraction."""
    corr = factor * (gain_near[i] if near else gain_far[i])
    if d_edge[i] > 0.0:
        corr -= _diffraction(z_rx, dist, inv_dist, theta_rx, z_site, theta[i], d_edge[i],
                             z_edge[i], two_over_lambda)
    return corr


@njit(cache=True, nogil=True, inline="always")
def _clip(v: float) -> np.int16:
    return np.int16(min(max(v, -32767.0), 32767.0))


@njit(cache=True, nogil=True, inline="always")
def _diffraction(z_rx: float, dist: float, inv_dist: float, theta_rx: float, z_site: float,
                 theta_max: float, d_edge: float, z_edge: float, two_over_lambda: float
                 ) -> float:
    """Knife-edge loss (dB) at a pixel beyond what the edge costs on the smooth-earth path.

    The pixel's ground is ``z_rx``; it lies ``dist`` m from the site, its mobile seen at the
    elevation angle ``theta_rx``; the edge, seen at ``theta_max`` (rad, curvature included
    in both), is ``d_edge`` m from the site and ``z_edge`` m high.
    """
    d2 = dist - d_edge
    if d2 <= 0.0:
        return 0.0
    excess = z_edge - (z_site + (z_rx - z_site) * d_edge * inv_dist)
    if excess <= 0.0:  # J is monotonic: no more than over smooth earth
        return 0.0
    f = math.sqrt(two_over_lambda * dist / (d_edge * d2))
    nu = d_edge * (theta_max - theta_rx) * f
    if nu <= NU_MIN:
        return 0.0
    return _j_fast(nu) - _j_fast(nu - excess * f)


@njit(cache=True, nogil=True)
def _path_correction(z: np.ndarray, row: int, col: int, r: float, c: float, h: float,
                     h_rx: float, factor: float, two_over_lambda: float, resolution: float
                     ) -> float:
    """The terrain correction (dB) of one path, from its exact profile.

    The same terms as the sweep (:func:`_terrain_kernel`), on the straight line from the
    centre of the site's pixel (``row``, ``col``; its ground ``z[row, col]``) to the point at
    fractional pixel coordinates (``r``, ``c``; its ground bilinear): ``factor`` ·
    :func:`_height_gain` of the radial through the point, minus :func:`_diffraction` over the
    edge of greatest elevation angle among the profile points one pixel apart along the major
    axis (those before the point, as the sweep takes them). ``h`` is the antenna height of
    the Hata terms and of the geometry (m), ``factor`` = 13.82 + 6.55 log10(d km).
    """
    rows, cols = z.shape
    z_site = z[min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)]
    dr, dc = r - row, c - col
    major = max(abs(dr), abs(dc))
    step_r, step_c = (dr / major, dc / major) if major > 0.0 else (1.0, 0.0)
    step = resolution * math.sqrt(step_r * step_r + step_c * step_c)
    corr = factor * _height_gain(h, _relief(z, row, col, step_r, step_c, step, z_site))
    if major <= 1.0:
        return corr
    alt_tx = z_site + h
    inv_two_a = 1.0 / (2.0 * EFFECTIVE_EARTH_RADIUS_M)
    theta, d_edge, z_edge = -np.inf, 0.0, 0.0
    k = 1
    while k < major:
        ze = _elevation(z, row + k * step_r, col + k * step_c)
        d = k * step
        th = (ze - alt_tx) / d - d * inv_two_a
        if th > theta:
            theta, d_edge, z_edge = th, d, ze
        k += 1
    z_rx = _elevation(z, r, c)
    dist = resolution * math.sqrt(dr * dr + dc * dc)
    theta_rx = (z_rx + h_rx - alt_tx) / dist - dist * inv_two_a
    return corr - _diffraction(z_rx, dist, 1.0 / dist, theta_rx, z_site, theta, d_edge, z_edge,
                               two_over_lambda)


@njit(cache=True, nogil=True)
def _path_corrections(z: np.ndarray, row: np.ndarray, col: np.ndarray, r: np.ndarray,
                      c: np.ndarray, h: np.ndarray, log_d: np.ndarray, h_rx: float,
                      wavelength: float, resolution: float) -> np.ndarray:
    """:func:`_path_correction` of every (site pixel, point, height, log10 d km) given."""
    out = np.empty(len(r))
    two_over_lambda = 2.0 / wavelength
    for i in range(len(r)):
        out[i] = _path_correction(z, row[i], col[i], r[i], c[i], h[i], h_rx,
                                  13.82 + 6.55 * log_d[i], two_over_lambda, resolution)
    return out


def wavelength_m(frequency_mhz: float) -> float:
    """Wavelength (m) of a frequency (MHz)."""
    return LIGHT_SPEED / (frequency_mhz * 1e6)


@dataclass(frozen=True)
class Terrain:
    """A DEM on the coverage grid.

    Attributes
    ----------
    elevation
        Ground elevation of every pixel (m, float64, C order).
    resolution
        Pixel size (m).
    name
        The DEM's file name (raster tags).
    """

    elevation: np.ndarray
    resolution: float
    name: str = ""
    transposed: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "transposed", np.ascontiguousarray(self.elevation.T))

    def ground(self, row: int, col: int) -> float:
        """Elevation (m) of a pixel (the nearest pixel of the grid when outside)."""
        rows, cols = self.elevation.shape
        return float(self.elevation[min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)])

    def effective_height(self, row: int, col: int, height_m: float, east: float,
                         north: float) -> float:
        """Effective height (m) of an antenna ``height_m`` above the pixel's ground.

        Along the radial of direction (``east``, ``north``) (any length; the sweep's rays
        step one pixel along their major axis): ``height_m + z_site − mean z`` over
        3-15 km, never below ``min(height_m, MIN_EFFECTIVE_HEIGHT_M)``.
        """
        major = max(abs(east), abs(north))
        step_c, step_r = east / major, -north / major
        step_m = self.resolution * math.hypot(step_c, step_r)
        relief = _relief(self.elevation, row, col, step_r, step_c, step_m,
                         self.ground(row, col))
        return max(height_m + relief, min(height_m, MIN_EFFECTIVE_HEIGHT_M))

    def path_correction(self, row: np.ndarray, col: np.ndarray, r: np.ndarray, c: np.ndarray,
                        height_m: np.ndarray, log_d: np.ndarray, *, mobile_m: float,
                        frequency_mhz: float) -> np.ndarray:
        """The terrain correction (dB) of each path, from its exact profile.

        What the sweep adds to a pixel's level (:meth:`kernel`), evaluated on the straight
        line from the centre of the site's pixel to an exact point instead of between rays
        (one call per path, for a few thousand points such as measurements).

        Parameters
        ----------
        row, col
            The site's pixel (int).
        r, c
            The point in fractional pixel coordinates (the centre of pixel (i, j) is (i, j)).
        height_m
            The site's antenna height (m above ground), of the Hata terms and the geometry.
        log_d
            log10 of the distance (km, clamped at the minimum) of the Hata terms.
        mobile_m, frequency_mhz
            The mobile's antenna height (m) and the frequency (MHz).
        """
        def flat(v: np.ndarray, dtype: type) -> np.ndarray:
            return np.ascontiguousarray(np.broadcast_to(v, np.shape(r)), dtype=dtype).ravel()

        out = _path_corrections(
            self.elevation, flat(row, np.int64), flat(col, np.int64), flat(r, np.float64),
            flat(c, np.float64), flat(height_m, np.float64), flat(log_d, np.float64),
            float(mobile_m), wavelength_m(frequency_mhz), self.resolution)
        return out.reshape(np.shape(r))

    def max_height_gain(self, row: np.ndarray, col: np.ndarray, height_m: np.ndarray
                        ) -> np.ndarray:
        """An upper bound of log10(h_eff / h) for antennas on these pixels (≥ 0).

        The relief of a radial is at most the site's ground minus the lowest ground of the
        DEM; the diffraction term only lowers a level: ``(13.82 + 6.55 log10 d) ×`` this bound
        is the most the terrain can add at distance d (for pruning best servers exactly).
        """
        rows, cols = self.elevation.shape
        ground = self.elevation[np.clip(row, 0, rows - 1), np.clip(col, 0, cols - 1)]
        relief = np.maximum(ground - float(self.elevation.min()), 0.0)
        return np.log10((height_m + relief) / height_m)

    def kernel(self, base: np.ndarray, log_d: np.ndarray, row: int, col: int, *, near_n: int,
               heights: tuple[float, float], antenna_m: float, mobile_m: float,
               frequency_mhz: float) -> np.ndarray:
        """A transmitter's kernel over this terrain (int16 centi-dB, a new array).

        Parameters
        ----------
        base
            Its kernel without terrain (odd square, centred on the site's pixel).
        log_d
            log10(distance km) of every pixel of that square, clamped at the minimum.
        row, col
            The site's pixel.
        near_n
            Half-size of the near zone (pixels).
        heights
            Antenna heights (m) of the base kernel's Hata terms: near zone, far zone.
        antenna_m, mobile_m
            Antenna heights (m above ground) of the site and the mobile, for the geometry.
        frequency_mhz
            Frequency (MHz), for ν.
        """
        return _terrain_kernel(self.elevation, self.transposed, int(row), int(col), base, log_d,
                               int(near_n),
                               float(heights[0]), float(heights[1]), float(antenna_m),
                               float(mobile_m), wavelength_m(frequency_mhz), self.resolution,
                               RAY_OVERSAMPLING)


def read_dem(path: Path, grid: Grid, *, crs: object = None) -> Terrain:
    """A DEM (any GeoTIFF, any CRS) resampled to the coverage grid (bilinear).

    Voids (the DEM's nodata, or the part of the grid it does not cover) take the elevation
    of the nearest pixel with data, with a :class:`~ictgis.coverage.models.ModelRangeWarning`
    saying how much was filled.

    Parameters
    ----------
    path
        The DEM.
    grid
        The coverage grid.
    crs
        CRS of a DEM file that has none (``[layers.dem] crs``).

    Raises
    ------
    DataError
        When the file cannot be read, has no CRS, or no data on the grid.
    """
    from rasterio.warp import Resampling, reproject
    from scipy import ndimage

    from ictgis import io
    from ictgis.errors import DataError

    # only the DEM's part under the grid is read (a national DEM for a province's grid)
    under = io.read_raster_under(path, grid.transform, grid.width, grid.height, grid.crs,
                                 source_crs=crs)
    if under is not None and not under.crs:
        raise DataError(t("coverage.terrain.no_crs"), file=path.name)
    out = np.full((grid.height, grid.width), np.nan, dtype=np.float64)
    if under is not None:
        source = under.values
        if np.issubdtype(source.dtype, np.integer):  # warped as stored (no copy): nodata void
            values, nodata = source, under.nodata
        else:  # NaN and infinities are voids too
            values, nodata = source.astype(np.float64), np.nan
            if under.nodata is not None:
                values[source == under.nodata] = np.nan
            values[~np.isfinite(values)] = np.nan
        reproject(values, out, src_transform=under.transform, src_crs=under.crs,
                  dst_transform=grid.transform, dst_crs=grid.crs,
                  resampling=Resampling.bilinear, src_nodata=nodata, dst_nodata=np.nan)
    void = ~np.isfinite(out)
    if void.all():
        raise DataError(t("coverage.terrain.no_overlap"), file=path.name)
    if void.any():
        nearest = ndimage.distance_transform_edt(void, return_distances=False,
                                                 return_indices=True)
        out = out[tuple(nearest)]
        warnings.warn(t("coverage.terrain.voids", file=path.name,
                        pct=number(100.0 * void.mean(), 1)), ModelRangeWarning, stacklevel=2)
    return Terrain(np.ascontiguousarray(out), grid.resolution, path.name)
