"""Terrain from a DEM (issue 15 part 2): effective heights, knife-edge diffraction, DEM input.

Every expectation is computed here independently of ictgis.coverage.terrain: the knife-edge
loss from P.526's J(ν) with ν from the geometry written out, a slow per-pixel profile along
the straight line from the site to the pixel (scipy's bilinear interpolation), effective
heights by hand on a plane, a DEM in EPSG:4326 against the plane it was drawn from.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import Point

from ictgis import outputs, pipeline
from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage import EMPTY, Grid, KernelCache, ModelRangeWarning, compute_coverage
from ictgis.coverage.kernels import HEIGHT_LOG_STEP
from ictgis.coverage.models import path_loss
from ictgis.coverage.terrain import Terrain, read_dem
from ictgis.errors import DataError
from tests.conftest import CONFIG, X0, Y0, two_communes

CRS = "EPSG:9210"
RES = 50.0
A_E = 6_371_000.0 * 4 / 3  # effective earth radius, k = 4/3 (m)
C = 299_792_458.0
#: A height whose far-zone class is itself (10^(185 × 0.008) m ≈ 30.2 m): the far zone's
#: Hata terms use exactly this height, as the reference does.
H_CLASS = 10 ** (185 * HEIGHT_LOG_STEP)


def j_hand(nu: float) -> float:
    """ITU-R P.526 eq. 31, written out."""
    if nu <= -0.78:
        return 0.0
    return 6.9 + 20 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1) + nu - 0.1)


def settings(max_range_km: float = 15.0, **tech: float) -> CoverageConfig:
    spec = {"frequency_mhz": 900.0, "eirp_dbm": 55.0, "threshold_dbm": -95.0, **tech}
    return CoverageConfig(resolution_m=RES, max_range_km=max_range_km, floor_dbm=-140.0,
                          technologies=MappingProxyType({"2G": TechnologyConfig(**spec)}))


def params(cfg: CoverageConfig, height: float, row: int, col: int) -> tuple[float, ...]:
    tech = cfg.technologies["2G"]
    return (float(tech.frequency_mhz), height, float(tech.eirp_dbm),
            float(tech.mobile_height_m), 0.0, 0.0, float(row), float(col))


def correction(cfg: CoverageConfig, dem: np.ndarray, height: float, row: int, col: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """(kernel over the DEM − kernel without, in dB; the plain kernel) of a site."""
    p = params(cfg, height, row, col)
    plain = KernelCache(cfg, RES).kernel(p)
    over = KernelCache(cfg, RES, Terrain(dem, RES)).kernel(p)
    assert (over == EMPTY).sum() == (plain == EMPTY).sum()
    return (over.astype(np.int64) - plain) / 100.0, plain


# ------------------------------------------------------------------------- knife edge


def test_single_ridge_gives_p526_knife_edge_loss_by_hand():
    """A wall of 60 m, 1 km east of a 30 m mast on flat land at 0 m; a mobile 2.5 km east."""
    cfg = settings()
    dem = np.zeros((121, 121))
    site = 60
    dem[:, site + 20] = 60.0  # the ridge: one pixel wide, along the column 1 km east
    diff, _ = correction(cfg, dem, 30.0, site, site)
    r = (len(diff) - 1) // 2
    lam = C / 900e6
    h_tx, h_rx, d1, d = 30.0, 1.5, 1000.0, 2500.0
    d2 = d - d1
    bulge = d1 * d2 / (2 * A_E)
    los = h_tx + (h_rx - h_tx) * d1 / d  # line of sight above the ridge's foot
    f = math.sqrt(2 * d / (lam * d1 * d2))
    nu = (60.0 - los + bulge) * f
    nu_smooth = (0.0 - los + bulge) * f  # the same edge on the smooth-earth path
    assert nu > 1 and j_hand(nu_smooth) == 0.0
    # the radial east has no terrain between 3 and 15 km inside this grid but flat land at
    # its edge: effective height = antenna height, the height term is zero
    assert diff[r, r + 50] == pytest.approx(-j_hand(nu), abs=0.011)
    assert -diff[r, r + 50] > 15  # a real shadow: 17 dB
    # in front of the ridge nothing changes; west (no ridge) nothing either
    assert np.all(diff[r, r + 1:r + 20] == 0) and np.all(diff[r, r - 59:r] == 0)


# ------------------------------------------------------------------ per-pixel reference


def rough_dem(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Delta land with 25 hills of 5-40 m, 300-1200 m wide (σ), and a low ridge."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    z = 1.0 + 0.02 * cols
    for _ in range(25):
        r0, c0 = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        sigma = rng.uniform(6, 24)
        z += rng.uniform(5, 40) * np.exp(-((rows - r0) ** 2 + (cols - c0) ** 2) / (2 * sigma ** 2))
    z += 15 * np.exp(-((cols - 0.4 * rows - 100) / 4) ** 2)
    return z


def reference_correction(dem: np.ndarray, row: int, col: int, di: int, dj: int, height: float,
                         cfg: CoverageConfig) -> float:
    """Slow per-pixel profile: the straight line from the site's pixel to the pixel.

    Effective height from the mean terrain of that radial at 3-15 km (every 8th step of one
    pixel along the major axis, inside the grid; the samples that exist when none is);
    dominant edge = the profile point of greatest elevation angle from the transmitter
    (k = 4/3); P.526 J(ν) beyond what the edge would cost on the straight ground line.
    """
    tech = cfg.technologies["2G"]
    n = max(abs(di), abs(dj))
    step = RES * math.hypot(di / n, dj / n)
    z_site = dem[row, col]

    def at(k: np.ndarray) -> np.ndarray:
        return ndimage.map_coordinates(dem, [row + k * di / n, col + k * dj / n], order=1,
                                       mode="nearest")

    def inside(k: np.ndarray) -> np.ndarray:
        r, c = row + k * di / n, col + k * dj / n
        return (r >= 0) & (r <= dem.shape[0] - 1) & (c >= 0) & (c <= dem.shape[1] - 1)

    k0, k1 = math.ceil(3000 / step), math.floor(15000 / step)
    ks = np.arange(k0, k1 + 1, 8)
    ks = ks[inside(ks)]
    if not len(ks):
        ks = np.arange(1, k0)
        ks = ks[inside(ks)]
    relief = float(np.mean(z_site - at(ks))) if len(ks) else 0.0
    h_eff = max(height + relief, min(height, 3.0))
    dist = RES * math.hypot(di, dj)
    d_km = max(dist, cfg.min_distance_km * 1000) / 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelRangeWarning)
        gain = float(path_loss(d_km, frequency_mhz=tech.frequency_mhz, base_height_m=height)
                     - path_loss(d_km, frequency_mhz=tech.frequency_mhz, base_height_m=h_eff))
    if n < 2:
        return gain
    ks = np.arange(1, n)
    z = at(ks)
    d = ks * step
    alt_tx = z_site + height
    theta = (z - alt_tx) / d - d / (2 * A_E)
    m = int(np.argmax(theta))
    d1, z1 = d[m], z[m]
    z_rx = dem[row + di, col + dj]
    theta_rx = (z_rx + tech.mobile_height_m - alt_tx) / dist - dist / (2 * A_E)
    lam = C / (tech.frequency_mhz * 1e6)
    f = math.sqrt(2 * dist / (lam * d1 * (dist - d1)))
    nu = d1 * (theta[m] - theta_rx) * f
    smooth = z_site + (z_rx - z_site) * d1 / dist
    loss = max(0.0, j_hand(nu) - j_hand(nu - (z1 - smooth) * f))
    return gain - loss


def test_sweep_agrees_with_a_per_pixel_profile_on_rough_terrain():
    """The O(1) sweep against the slow profile of every sampled pixel.

    The sweep interpolates between the two rays that bracket a pixel's centre; where the
    dominant edge of the straight line differs from both rays' (just behind the crest of a
    hill, a few pixels in a hundred) the two can differ by a few tenths of a dB: the bound
    is on 95 % of the pixels, the worst one is bounded loosely (docs/coverage.md gives the
    measured spread).
    """
    cfg = settings(max_range_km=4.0)  # the kernel's square: 81 pixels each side of the site
    dem = rough_dem((181, 201), seed=7)
    row, col = 90, 95
    diff, plain = correction(cfg, dem, H_CLASS, row, col)
    r = (len(diff) - 1) // 2
    rng = np.random.default_rng(1)
    errors, sizes = [], []
    while len(errors) < 400:
        di, dj = (int(v) for v in rng.integers(-r, r + 1, 2))
        if not (0 <= row + di < dem.shape[0] and 0 <= col + dj < dem.shape[1]):
            continue
        if plain[r + di, r + dj] == EMPTY:
            continue
        expected = reference_correction(dem, row, col, di, dj, H_CLASS, cfg)
        errors.append(abs(diff[r + di, r + dj] - expected))
        sizes.append(abs(expected))
    assert np.percentile(errors, 95) <= 0.1
    assert np.median(errors) <= 0.01
    assert max(errors) <= 1.0
    assert np.percentile(sizes, 90) > 5  # the terrain matters on these pixels


# ------------------------------------------------------------------ smooth earth


def test_flat_dem_changes_no_kernel():
    cfg = settings()
    flat = np.full((50, 60), 4.3)
    for height, row, col in ((H_CLASS, 20, 30), (7.1, 0, 0), (42.0, 49, 3)):
        diff, _ = correction(cfg, flat, height, row, col)
        assert np.all(diff == 0)


def province() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, CoverageConfig]:
    x0, y0 = 560_000.0, 1_140_000.0
    communes = two_communes(x0, y0, 3000, 6000)
    rows = [(x0 + 812.3, y0 + 1377.9, ("Viettel",), 31.0, np.nan),
            (x0 + 4021.7, y0 + 2960.2, ("Viettel", "MobiFone"), 12.4, np.nan),
            (x0 + 2500.0, y0 + 500.0, ("MobiFone",), 45.0, 120.0)]
    sites = gpd.GeoDataFrame(
        {"operators": [r[2] for r in rows], "technologies": [("2G", "4G")] * len(rows),
         "height": [r[3] for r in rows], "mast_class": ["A2b"] * len(rows),
         "azimuth": [r[4] for r in rows], "beamwidth": [65.0] * len(rows)},
        geometry=[Point(r[0], r[1]) for r in rows], crs=CRS)
    cfg = CoverageConfig(
        resolution_m=RES, max_range_km=3.0, tile_px=32, threads=2,
        technologies=MappingProxyType({
            "2G": TechnologyConfig(frequency_mhz=900, eirp_dbm=43, threshold_dbm=-95),
            "4G": TechnologyConfig(frequency_mhz=1800, eirp_dbm=27, threshold_dbm=-110)}))
    return communes, sites, cfg


def test_flat_dem_run_equals_the_run_without_dem():
    communes, sites, cfg = province()
    plain = compute_coverage(sites, communes, cfg)
    grid = plain.grid
    flat = Terrain(np.full((grid.height, grid.width), 2.7), RES)
    over = compute_coverage(sites, communes, cfg, terrain=flat)
    assert plain.layers.keys() == over.layers.keys()
    for key, level in plain.layers.items():
        assert np.array_equal(level, over.layers[key]), key
    pd.testing.assert_frame_equal(plain.covered, over.covered)
    # and terrain does change it: a 40 m ridge between the masts
    ridge = flat.elevation.copy()
    ridge[:, grid.width // 2 - 8] = 40.0
    hilly = compute_coverage(sites, communes, cfg, terrain=Terrain(ridge, RES))
    assert not np.array_equal(hilly.layers[("any", "2G")], plain.layers[("any", "2G")])


# ------------------------------------------------------------------ effective height


def test_effective_height_on_a_slope_by_hand():
    """Ground rising 2 m per km eastwards; a 30 m mast in the middle of a 30 km strip."""
    rows, cols = 21, 641
    east = (np.arange(cols) - 320) * RES  # m east of the site's column
    dem = np.tile(5.0 + 0.002 * east, (rows, 1))
    terrain = Terrain(dem, RES)
    # radial east: mean ground 3-15 km = ground at 9 km (samples every 400 m, symmetric)
    assert terrain.effective_height(10, 320, 30.0, 1.0, 0.0) == pytest.approx(30.0 - 18.0)
    assert terrain.effective_height(10, 320, 30.0, -1.0, 0.0) == pytest.approx(30.0 + 18.0)
    assert terrain.effective_height(10, 320, 30.0, 0.0, 1.0) == pytest.approx(30.0)
    # never below 3 m (a 10 m mast: 10 - 18 m)
    assert terrain.effective_height(10, 320, 10.0, 1.0, 0.0) == pytest.approx(3.0)
    # the kernel uses it: Hata's height terms at h_eff, 5 km east and west
    cfg = settings()
    diff, _ = correction(cfg, dem, H_CLASS, 10, 320)
    r = (len(diff) - 1) // 2
    for sign, h_eff in ((1, H_CLASS - 18.0), (-1, H_CLASS + 18.0)):
        gain = (13.82 + 6.55 * math.log10(5.0)) * math.log10(h_eff / H_CLASS)
        assert diff[r, r + sign * 100] == pytest.approx(gain, abs=0.011)


# ------------------------------------------------------------------ DEM files


def write_tif(path, array, transform, crs, nodata=None, dtype="float32"):
    with rasterio.open(path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0],
                       count=1, dtype=dtype, transform=transform, crs=crs,
                       nodata=nodata) as dst:
        dst.write(np.round(array).astype(dtype) if dtype == "int16" else array.astype(dtype), 1)


#: DEM files as they come: float32, and whole metres in int16 (SRTM), warped as stored.
DEM_TYPES = pytest.mark.parametrize(("dtype", "tolerance_m"), [("float32", 0.01),
                                                                ("int16", 0.51)])


@DEM_TYPES
def test_dem_in_wgs84_resampled_to_the_grid(tmp_path, dtype, tolerance_m):
    grid = Grid.covering((560_000, 1_140_000, 562_000, 1_141_500), RES, CRS)
    to_wgs = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    x = grid.transform.c + (np.arange(grid.width) + 0.5) * RES
    y = grid.transform.f - (np.arange(grid.height) + 0.5) * RES
    lon, lat = to_wgs.transform(*np.meshgrid(x, y))
    step = 0.0005  # about 55 m
    lon0, lat0 = round(lon.min() - 0.005, 3), round(lat.max() + 0.005, 3)
    transform = Affine(step, 0, lon0, 0, -step, lat0)
    lons = lon0 + (np.arange(200) + 0.5) * step
    lats = lat0 - (np.arange(160) + 0.5) * step
    assert lons[0] < lon.min() and lon.max() < lons[-1] and lats[-1] < lat.min()
    plane = 3.0 + 400.0 * (lons[None, :] - lon0) - 250.0 * (lats[:, None] - lat0)
    write_tif(tmp_path / "dem.tif", plane, transform, "EPSG:4326", dtype=dtype)
    terrain = read_dem(tmp_path / "dem.tif", grid)
    expected = 3.0 + 400.0 * (lon - lon0) - 250.0 * (lat - lat0)
    assert terrain.elevation.shape == (grid.height, grid.width)
    assert np.abs(terrain.elevation - expected).max() < tolerance_m
    assert terrain.name == "dem.tif"


@DEM_TYPES
def test_dem_voids_filled_from_the_nearest_with_a_warning(tmp_path, dtype, tolerance_m):
    grid = Grid.covering((560_000, 1_140_000, 561_000, 1_141_000), RES, CRS)
    values = np.full((20, 20), 7.0)
    values[:, 10:] = 2.0
    values[5:8, 12:15] = -32768.0  # a void in the 2 m half
    write_tif(tmp_path / "dem.tif", values, grid.transform, CRS, nodata=-32768.0, dtype=dtype)
    with pytest.warns(ModelRangeWarning, match="dem.tif"):
        terrain = read_dem(tmp_path / "dem.tif", grid)
    assert np.all(terrain.elevation[5:8, 12:15] == 2.0)
    assert np.all(terrain.elevation[:, :9] == 7.0)


def test_a_dem_larger_than_the_grid_is_read_under_it_only(tmp_path):
    """A national DEM for a province's grid: its window (and a 2-pixel margin) is read, as
    stored, and what is read gives the same elevations as the whole file."""
    from ictgis import io

    grid = Grid.covering((560_000, 1_140_000, 561_000, 1_141_000), RES, CRS)
    big = Affine(RES, 0, 560_000 - 400 * RES, 0, -RES, 1_141_000 + 300 * RES)
    rows, cols = np.mgrid[0:1000, 0:1000]
    write_tif(tmp_path / "dem.tif", 0.5 * rows + 0.25 * cols, big, CRS, dtype="int16")
    under = io.read_raster_under(tmp_path / "dem.tif", grid.transform, grid.width, grid.height,
                                 grid.crs)
    assert under.values.dtype == np.int16
    assert under.values.shape <= (grid.height + 5, grid.width + 5)
    terrain = read_dem(tmp_path / "dem.tif", grid)
    r, c = np.mgrid[0:grid.height, 0:grid.width]
    np.testing.assert_array_equal(terrain.elevation, np.round(0.5 * (r + 300) + 0.25 * (c + 400)))


def test_dem_without_crs_or_overlap_is_a_clear_error(tmp_path):
    grid = Grid.covering((560_000, 1_140_000, 561_000, 1_141_000), RES, CRS)
    write_tif(tmp_path / "nocrs.tif", np.ones((20, 20)), grid.transform, None)
    with pytest.raises(DataError, match=r"crs = \"EPSG"):
        read_dem(tmp_path / "nocrs.tif", grid)
    assert read_dem(tmp_path / "nocrs.tif", grid, crs=CRS).elevation.mean() == 1.0
    far = Affine(RES, 0, 0.0, 0, -RES, 1000.0)
    write_tif(tmp_path / "far.tif", np.ones((20, 20)), far, CRS)
    with pytest.raises(DataError, match="no elevation"):
        read_dem(tmp_path / "far.tif", grid)


# ------------------------------------------------------------------ workspace


def test_workspace_dem_is_used_tagged_and_in_the_manifest(make_workspace, tmp_path):
    """[layers.dem] in ictgis.toml: the coverage rasters name it, manifest.json hashes it."""
    root = make_workspace(config=CONFIG + '\n[layers.dem]\npath = "dem.tif"\n\n[coverage]\n'
                          'resolution_m = 250\nmax_range_km = 4\n')
    hills = rough_dem((60, 140), seed=3).astype(np.float32)
    write_tif(root / "dem.tif", hills, Affine(250.0, 0, X0 - 2500, 0, -250.0, Y0 + 12500), CRS)
    result = pipeline.run(root, steps=["coverage"], out=tmp_path / "out", manifest=True)
    folder = outputs.Outputs(result.outputs).folder(outputs.COVERAGE)
    with rasterio.open(folder / outputs.level_raster("any", "2G")) as src:
        assert "dem.tif" in src.tags()["ictgis_terrain"]
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    [entry] = [e for e in manifest["inputs"] if e["path"].endswith("dem.tif")]
    assert entry["sha256"] == hashlib.sha256((root / "dem.tif").read_bytes()).hexdigest()
    assert entry["used_by"] == ["dem"]


def test_sectors_share_their_mast_correction():
    """A sector's kernel over terrain = its plain kernel + the mast's (omni) correction."""
    cfg = settings(max_range_km=4.0)
    dem = rough_dem((181, 201), seed=5)
    p = params(cfg, 25.0, 90, 95)
    over = KernelCache(cfg, RES, Terrain(dem, RES))
    plain = KernelCache(cfg, RES)
    omni = over.kernel(p).astype(np.int64) - plain.kernel(p)
    assert np.abs(omni).max() > 100  # the terrain matters here
    for azimuth, width in ((0.0, 65.0), (200.0, 33.0)):
        base = plain.kernel(p, azimuth, width)
        sector = over.kernel(p, azimuth, width).astype(np.int64) - base
        assert np.array_equal(sector, omni)
        assert not np.array_equal(base, plain.kernel(p))


def test_exact_path_correction_equals_the_per_pixel_profile():
    """``Terrain.path_correction`` (calibration's per-measurement term) against the slow
    profile above, at pixel centres: the same definition, so to J's table (≤ 0.01 dB)."""
    cfg = settings(max_range_km=4.0)
    dem = rough_dem((181, 201), seed=3)
    row, col = 90, 95
    rng = np.random.default_rng(2)
    di, dj = rng.integers(-80, 81, (2, 300))
    expected = np.array([reference_correction(dem, row, col, int(a), int(b), H_CLASS, cfg)
                         for a, b in zip(di, dj, strict=True)])
    dist = np.maximum(RES * np.hypot(di, dj), cfg.min_distance_km * 1000) / 1000
    got = Terrain(dem, RES).path_correction(
        np.full(300, row), np.full(300, col), row + di.astype(float), col + dj.astype(float),
        np.full(300, H_CLASS), np.log10(dist), mobile_m=cfg.technologies["2G"].mobile_height_m,
        frequency_mhz=900.0)
    np.testing.assert_allclose(got, expected, atol=0.01)
    assert np.percentile(np.abs(expected), 90) > 5  # the terrain matters on these paths
    # and over flat ground it is exactly nothing
    flat = Terrain(np.full((181, 201), 4.0), RES).path_correction(
        np.full(300, row), np.full(300, col), row + di + 0.3, col + dj - 0.2,
        np.full(300, H_CLASS), np.log10(dist), mobile_m=1.5, frequency_mhz=900.0)
    assert np.all(flat == 0.0)
