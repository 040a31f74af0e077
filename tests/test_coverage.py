"""Coverage engine against hand calculations from DOMAIN.md §4, its published radii and naive oracles."""

from __future__ import annotations

import dataclasses
import math
import warnings
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import Point, box

from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage import (
    EMPTY,
    NODATA,
    Grid,
    KernelCache,
    ModelRangeWarning,
    classify,
    compute_coverage,
    environment_tile,
    free_space_loss,
    path_loss,
    received_level,
    sector_gain,
    spread_population,
    stamp_tile,
    to_db,
    transmitters,
)
from ictgis.coverage.models import hata_coefficients

X0, Y0 = 590_000.0, 1_140_000.0
CRS = "EPSG:9210"
ENVS = ("urban_large", "urban", "suburban", "open")
ENV_CODE = {"urban_large": 0, "urban": 1, "suburban": 2, "open": 3}


# ------------------------------------------------------------------- hand formulas (§4.1-4.2)


def hand_loss(f: float, hb: float, hm: float, d: float, env: str) -> float:
    """Median loss written out from DOMAIN.md §4.1-4.2, scalar math only."""
    lf, lh, ld = math.log10(f), math.log10(hb), math.log10(d)
    if env == "urban_large":
        if f <= 200:
            a_hm = 8.29 * math.log10(1.54 * hm) ** 2 - 1.1
        else:
            a_hm = 3.2 * math.log10(11.75 * hm) ** 2 - 4.97
    else:
        a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    if f <= 1500:  # Okumura-Hata
        loss = 69.55 + 26.16 * lf - 13.82 * lh - a_hm + (44.9 - 6.55 * lh) * ld
    else:  # COST-231 Hata, C_m = 3 dB in metropolitan centres only
        c_m = 3.0 if env == "urban_large" else 0.0
        loss = 46.3 + 33.9 * lf - 13.82 * lh - a_hm + (44.9 - 6.55 * lh) * ld + c_m
    if env == "suburban":
        loss = loss - 2 * math.log10(f / 28) ** 2 - 5.4
    elif env == "open":
        loss = loss - 4.78 * lf ** 2 + 18.33 * lf - 40.94
    return loss


def hand_env_correction(f: float, hm: float, env: str) -> float:
    """E_env = L_env - L_urban (independent of d and h_b)."""
    return hand_loss(f, 50.0, hm, 1.0, env) - hand_loss(f, 50.0, hm, 1.0, "urban")


# ---------------------------------------------------------------------------- path loss


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("hm", [1.5, 3.0])
@pytest.mark.parametrize("hb", [30.0, 40.0, 100.0])
@pytest.mark.parametrize("f", [150.0, 450.0, 900.0, 1500.0, 1800.0, 2000.0])
def test_path_loss_matches_hand_formulas(f, hb, hm, env):
    d = np.array([1.0, 5.0, 20.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every case is inside the fitted ranges
        got = path_loss(d, frequency_mhz=f, base_height_m=hb, mobile_height_m=hm,
                        environment=env)
    expected = [hand_loss(f, hb, hm, di, env) for di in d]
    np.testing.assert_allclose(got, expected, atol=1e-9)


@pytest.mark.parametrize(
    ("f", "hb", "d", "env", "expected"),
    [
        # log f = 2.9542425, log h_b = 1.4771213; a(1.5) = (1.1·2.9542425 − 0.7)·1.5
        # − (1.56·2.9542425 − 0.8) = 0.0158818; L = 69.55 + 77.2830 − 20.4138 − 0.0159
        (900.0, 30.0, 1.0, "urban", 126.40329),
        # + (44.9 − 6.55·1.4771213)·log 10 = 35.2248559
        (900.0, 30.0, 10.0, "urban", 126.40329 + 35.22486),
        # COST-231: log f = 3.2552725, log h_b = 1.6020600, a(1.5) = 0.0429745;
        # L = 46.3 + 110.3537 − 22.1405 − 0.0430 = 134.47029
        (1800.0, 40.0, 1.0, "urban", 134.47029),
        # suburban: − 2·(log 64.2857)² − 5.4 = − 11.93856 (DOMAIN: "about 12 dB")
        (1800.0, 40.0, 1.0, "suburban", 134.47029 - 11.93856),
        # open: − 4.78·3.2552725² + 18.33·3.2552725 − 40.94 = − 31.92355 ("about 32 dB")
        (1800.0, 40.0, 1.0, "open", 134.47029 - 31.92355),
    ],
)
def test_path_loss_worked_examples(f, hb, d, env, expected):
    got = float(path_loss(d, frequency_mhz=f, base_height_m=hb, environment=env))
    assert got == pytest.approx(expected, abs=1e-3)


def test_large_city_mobile_correction_switches_at_200_mhz():
    # 150 MHz: a(h_m) = 8.29·(log 1.54·3)² − 1.1; 450 MHz: 3.2·(log 11.75·3)² − 4.97.
    a150 = 8.29 * math.log10(1.54 * 3.0) ** 2 - 1.1
    a450 = 3.2 * math.log10(11.75 * 3.0) ** 2 - 4.97
    for f, a_large in ((150.0, a150), (450.0, a450)):
        lf = math.log10(f)
        a_small = (1.1 * lf - 0.7) * 3.0 - (1.56 * lf - 0.8)
        urban = float(path_loss(2.0, frequency_mhz=f, base_height_m=50, mobile_height_m=3.0))
        large = float(path_loss(2.0, frequency_mhz=f, base_height_m=50, mobile_height_m=3.0,
                                environment="urban_large"))
        assert large - urban == pytest.approx(a_small - a_large, abs=1e-9)


def test_cost231_at_2100_mhz_extrapolates_with_a_warning():
    with pytest.warns(ModelRangeWarning, match="used at 2,100 MHz"):  # English: Babel's grouping
        got = float(path_loss(3.0, frequency_mhz=2100, base_height_m=35))
    assert got == pytest.approx(hand_loss(2100, 35, 1.5, 3.0, "urban"), abs=1e-9)


@pytest.mark.parametrize("f", [100.0, 149.9, 2200.1, 2600.0])
def test_frequency_outside_every_model_raises(f):
    with pytest.raises(ValueError, match="no Hata-family model"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelRangeWarning)
        path_loss(2.0, frequency_mhz=f, base_height_m=40)


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"distance_km": 0.5}, "distance 0.5 km"),
        ({"distance_km": 25.0}, "distance 25 km"),
        ({"distance_km": np.array([2.0, 30.0])}, "distance 30 km"),
        ({"base_height_m": 20.0}, "base station height 20 m"),
        ({"base_height_m": 250.0}, "base station height 250 m"),
        ({"mobile_height_m": 0.5}, "mobile height 0.5 m"),
        ({"mobile_height_m": 12.0}, "mobile height 12 m"),
    ],
)
def test_parameters_outside_fitted_ranges_warn(kwargs, what):
    args = {"distance_km": 2.0, "frequency_mhz": 900.0, "base_height_m": 40.0,
            "mobile_height_m": 1.5} | kwargs
    with pytest.warns(ModelRangeWarning, match=what):
        got = path_loss(args.pop("distance_km"), **args)
    # still the extrapolated formula
    d = np.atleast_1d(kwargs.get("distance_km", 2.0))
    expected = [hand_loss(900.0, args["base_height_m"], args["mobile_height_m"], di, "urban")
                for di in d]
    np.testing.assert_allclose(np.atleast_1d(got), expected, atol=1e-9)


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("f", [450.0, 900.0, 1800.0])
def test_path_loss_increases_with_distance(f, env):
    d = np.geomspace(1.0, 20.0, 200)
    loss = path_loss(d, frequency_mhz=f, base_height_m=35, environment=env)
    assert np.all(np.diff(loss) > 0)


@pytest.mark.parametrize(("f", "d"), [(900.0, 1.0), (1800.0, 10.0), (2100.0, 0.5), (100.0, 3.0)])
def test_free_space_loss_by_hand(f, d):
    expected = 32.45 + 20 * math.log10(f) + 20 * math.log10(d)
    assert float(free_space_loss(d, f)) == pytest.approx(expected, abs=1e-9)


def test_free_space_loss_values():
    # 32.45 + 20·log 900 (59.0849) + 20·log 1 = 91.5349; ×10 distance adds 20 dB.
    np.testing.assert_allclose(free_space_loss(np.array([1.0, 10.0]), 900.0),
                               [91.5349, 111.5349], atol=1e-4)


# ------------------------------------------------------------------ DOMAIN §4.3 radii


def radius_for(budget_db: float, f: float, hb: float, env: str) -> float:
    """Distance (km) where the library's median loss equals the budget (bisection on log d)."""
    lo, hi = math.log10(0.01), math.log10(200.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelRangeWarning)
        for _ in range(80):
            mid = (lo + hi) / 2
            loss = float(path_loss(10 ** mid, frequency_mhz=f, base_height_m=hb,
                                   mobile_height_m=1.5, environment=env))
            lo, hi = (mid, hi) if loss < budget_db else (lo, mid)
    return 10 ** ((lo + hi) / 2)


TABLE_4_3 = [  # (f, h_b, environment, {budget: published radius})
    (900.0, 30.0, "urban", {130: "1.3", 140: "2.4", 150: "4.7"}),
    (900.0, 40.0, "suburban", {130: "2.8", 140: "5.4", 150: "10.6"}),
    (900.0, 40.0, "open", {130: "9.6", 140: "18.8", 150: "36.7"}),
    (1800.0, 40.0, "urban", {130: "0.74", 140: "1.45"}),
    (1800.0, 40.0, "suburban", {130: "1.65", 140: "3.2"}),
    (1800.0, 40.0, "open", {130: "6.3", 140: "12.3"}),
]


@pytest.mark.parametrize(
    ("f", "hb", "env", "budget", "published"),
    [(f, hb, env, b, r) for f, hb, env, row in TABLE_4_3 for b, r in row.items()],
)
def test_radii_match_domain_table(f, hb, env, budget, published):
    decimals = len(published.split(".")[1])
    tolerance = 0.5 * 10 ** -decimals + 1e-9  # the table's rounding
    assert radius_for(budget, f, hb, env) == pytest.approx(float(published), abs=tolerance)


# -------------------------------------------------------------------------- sector gain


@pytest.mark.parametrize(
    ("angle", "azimuth", "beamwidth", "front_back", "expected"),
    [
        (90.0, 90.0, 65.0, 20.0, 0.0),  # boresight
        (122.5, 90.0, 65.0, 20.0, -3.0),  # half the beamwidth clockwise
        (57.5, 90.0, 65.0, 20.0, -3.0),  # and anticlockwise
        (135.0, 90.0, 90.0, 20.0, -3.0),
        (100.0, 90.0, 65.0, 20.0, -12.0 * (10 / 65) ** 2),
        (270.0, 90.0, 65.0, 20.0, -20.0),  # back: the front-back cap
        (270.0, 90.0, 65.0, 25.0, -25.0),
        (190.0, 90.0, 65.0, 20.0, -20.0),  # 12·(100/65)² = 28.4 > cap
        (5.0, 355.0, 65.0, 20.0, -12.0 * (10 / 65) ** 2),  # wrap-around 0/360
        (355.0, 5.0, 65.0, 20.0, -12.0 * (10 / 65) ** 2),
        (359.0, 0.0, 65.0, 20.0, -12.0 * (1 / 65) ** 2),
        (0.0, 360.0, 65.0, 20.0, 0.0),
        (-10.0, 350.0, 65.0, 20.0, 0.0),
        (180.0, 0.0, 65.0, 20.0, -20.0),
    ],
)
def test_sector_gain(angle, azimuth, beamwidth, front_back, expected):
    got = float(sector_gain(np.array(angle), azimuth, beamwidth, front_back))
    assert got == pytest.approx(expected, abs=1e-9)


def test_sector_gain_is_vectorised_and_never_positive():
    angles = np.arange(0.0, 360.0, 0.5)
    gain = sector_gain(angles, 123.0, 65.0, 20.0)
    assert gain.shape == angles.shape
    assert gain.max() == 0.0 and gain.min() == -20.0
    assert np.all(gain <= 0)
    assert gain[angles == 123.0][0] == 0.0


# --------------------------------------------------------------------------------- grid


@pytest.mark.parametrize(
    ("bounds", "res", "origin", "shape"),
    [
        ((0.0, 0.0, 6000.0, 4000.0), 50.0, (0.0, 4000.0), (80, 120)),
        ((10.0, 20.0, 260.0, 170.0), 50.0, (0.0, 200.0), (4, 6)),
        ((-120.0, -80.0, 30.0, 40.0), 50.0, (-150.0, 50.0), (3, 4)),
        ((X0 + 1.0, Y0 + 1.0, X0 + 199.0, Y0 + 99.0), 100.0, (X0, Y0 + 100.0), (1, 2)),
    ],
)
def test_grid_covering(bounds, res, origin, shape):
    grid = Grid.covering(bounds, res, CRS)
    assert grid.resolution == res
    assert (grid.transform.c, grid.transform.f) == origin
    assert grid.transform.e == -res
    assert (grid.height, grid.width) == shape
    # the grid contains the bounds
    assert grid.transform.c <= bounds[0]
    assert grid.transform.c + grid.width * res >= bounds[2]
    assert grid.transform.f >= bounds[3]
    assert grid.transform.f - grid.height * res <= bounds[1]


def test_pixel_of():
    grid = Grid(Affine(50.0, 0, 0.0, 0, -50.0, 200.0), 4, 4, CRS)
    x = np.array([0.0, 49.9, 50.0, 199.9, 125.0, -1.0, 201.0, 25.0])
    y = np.array([200.0, 199.9, 150.0, 0.1, 75.0, 100.0, 100.0, 250.0])
    row, col = grid.pixel_of(x, y)
    assert row.tolist() == [0, 0, 1, 3, 2, 2, 2, -1]
    assert col.tolist() == [0, 0, 1, 3, 2, -1, 4, 0]


def test_tiles():
    grid = Grid(Affine(1.0, 0, 0.0, 0, -1.0, 3.0), 5, 3, CRS)
    assert list(grid.tiles(2)) == [(0, 2, 0, 2), (0, 2, 2, 4), (0, 2, 4, 5),
                                   (2, 3, 0, 2), (2, 3, 2, 4), (2, 3, 4, 5)]
    assert list(grid.tiles(8)) == [(0, 3, 0, 5)]
    # tiles partition the grid
    seen = np.zeros((3, 5), int)
    for r0, r1, c0, c1 in grid.tiles(2):
        seen[r0:r1, c0:c1] += 1
    assert np.all(seen == 1)


# ------------------------------------------------------------------------- transmitters


def site_frame(rows: list[dict]) -> gpd.GeoDataFrame:
    """Sites from dicts with x, y and any columns (operators/technologies as tuples)."""
    frame = pd.DataFrame(rows)
    geometry = [Point(x, y) for x, y in zip(frame.pop("x"), frame.pop("y"), strict=True)]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


TX_SETTINGS = CoverageConfig(
    resolution_m=100.0,
    default_height_m=MappingProxyType({"A1a": 12.0, "A2b": 42.0, "default": 27.0}),
    technologies=MappingProxyType({
        "2G": TechnologyConfig(frequency_mhz=900, eirp_dbm=55, threshold_dbm=-95),
        "4G": TechnologyConfig(frequency_mhz=1800, eirp_dbm=27, threshold_dbm=-110,
                               mobile_height_m=2.0),
    }),
)


def tx_sites() -> gpd.GeoDataFrame:
    """Sectors as the workspace loads them: tuples of degrees ("0;120;240" -> (0, 120, 240))."""
    return site_frame([
        {"id": "a", "x": 150.0, "y": 950.0, "operators": ("Viettel", "MobiFone"),
         "technologies": ("2G", "4G"), "mast_class": "A2b", "height": 40.0,
         "azimuth": (0.0, 120.0, 240.0), "beamwidth": (60.0,)},
        {"id": "b", "x": 949.0, "y": 51.0, "operators": ("VinaPhone",),
         "technologies": ("2G",), "mast_class": "A1a", "height": np.nan,
         "azimuth": (), "beamwidth": ()},
        {"id": "c", "x": 500.0, "y": 500.0, "operators": ("Viettel",),
         "technologies": ("2G",), "mast_class": "A2b", "height": 40.4,
         "azimuth": (), "beamwidth": ()},
        {"id": "d", "x": 300.0, "y": 700.0, "operators": ("Viettel",),
         "technologies": ("4G",), "mast_class": "A2b", "height": np.nan,
         "azimuth": (10.0, 200.0), "beamwidth": (90.0, 30.0)},
        {"id": "e", "x": -50.0, "y": 1020.0, "operators": ("MobiFone",),
         "technologies": ("2G",), "mast_class": "A2c", "height": np.nan,
         "azimuth": (45.0,), "beamwidth": ()},
    ])


G2_40, G2_12, G2_27 = (900, 40, 55, 1.5), (900, 12, 55, 1.5), (900, 27, 55, 1.5)
G2_404 = (900, 40.4, 55, 1.5)
G4_40, G4_42 = (1800, 40, 27, 2.0), (1800, 42, 27, 2.0)
#: Offset (m east, north) of each site of tx_sites() from the centre of its pixel.
OFFSET = {"a": (0.0, 0.0), "b": (-1.0, 1.0), "c": (-50.0, 50.0), "d": (-50.0, 50.0),
          "e": (0.0, -30.0)}
NAN = np.nan


@pytest.mark.parametrize(
    ("tech", "operator", "expected"),
    [
        # (row, col, (f, height, eirp, h_m), azimuth, beamwidth, site) per transmitter, in
        # input order, one per sector
        ("2G", None, [(0, 1, G2_40, 0.0, 60.0, "a"), (0, 1, G2_40, 120.0, 60.0, "a"),
                      (0, 1, G2_40, 240.0, 60.0, "a"),  # one beamwidth for every sector
                      (9, 9, G2_12, NAN, NAN, "b"),  # NaN height -> A1a default 12 m; omni
                      (5, 5, G2_404, NAN, NAN, "c"),  # 40.4 m: the true height
                      (-1, -1, G2_27, 45.0, 65.0, "e")]),  # A2c unlisted -> 27 m; 65° default
        ("2G", "Viettel", [(0, 1, G2_40, 0.0, 60.0, "a"), (0, 1, G2_40, 120.0, 60.0, "a"),
                           (0, 1, G2_40, 240.0, 60.0, "a"), (5, 5, G2_404, NAN, NAN, "c")]),
        ("2G", "MobiFone", [(0, 1, G2_40, 0.0, 60.0, "a"), (0, 1, G2_40, 120.0, 60.0, "a"),
                            (0, 1, G2_40, 240.0, 60.0, "a"), (-1, -1, G2_27, 45.0, 65.0, "e")]),
        ("4G", None, [(0, 1, G4_40, 0.0, 60.0, "a"), (0, 1, G4_40, 120.0, 60.0, "a"),
                      (0, 1, G4_40, 240.0, 60.0, "a"),
                      (3, 3, G4_42, 10.0, 90.0, "d"), (3, 3, G4_42, 200.0, 30.0, "d")]),
        ("4G", "VinaPhone", []),
    ],
)
def test_transmitters_groups_and_pixels(tech, operator, expected):
    grid = Grid.covering((0.0, 0.0, 1000.0, 1000.0), 100.0, CRS)
    tx = transmitters(tx_sites(), grid, tech, TX_SETTINGS, operator=operator)
    assert len(tx) == len(expected)
    assert tx.row.tolist() == [e[0] for e in expected]
    assert tx.col.tolist() == [e[1] for e in expected]
    # the true height, and the offset of the site from its pixel centre
    assert [tx.params[g] for g in tx.group] == [(*map(float, e[2]), *OFFSET[e[5]])
                                               for e in expected]
    # one group per distinct parameter set (a site's sectors share one), no more
    assert len(tx.params) == len({(e[2], e[5]) for e in expected})
    np.testing.assert_array_equal(tx.azimuth, np.array([e[3] for e in expected], float))
    np.testing.assert_array_equal(tx.beamwidth, np.array([e[4] for e in expected], float))


def test_transmitters_without_optional_columns_are_omni_at_default_height():
    sites = site_frame([{"x": 50.0, "y": 50.0, "operators": ("Viettel",),
                         "technologies": ("2G",)}])
    grid = Grid.covering((0.0, 0.0, 1000.0, 1000.0), 100.0, CRS)
    tx = transmitters(sites, grid, "2G", TX_SETTINGS)
    assert tx.params == [(900.0, 27.0, 55.0, 1.5, 0.0, 0.0)]
    assert (tx.row.tolist(), tx.col.tolist()) == ([9], [0])
    assert np.isnan(tx.azimuth).all() and np.isnan(tx.beamwidth).all()


@pytest.mark.parametrize(
    ("azimuth", "beamwidth", "expected"),
    [
        (120.0, 65.0, (120.0, 65.0)),  # plain numbers (degrees), as the docstring allows
        ((120.0,), 90.0, (120.0, 90.0)),  # one sector, a plain-number beamwidth
    ],
)
def test_transmitters_accept_plain_number_sectors(azimuth, beamwidth, expected):
    sites = site_frame([{"x": 50.0, "y": 50.0, "operators": ("Viettel",),
                         "technologies": ("2G",), "azimuth": azimuth, "beamwidth": beamwidth}])
    grid = Grid.covering((0.0, 0.0, 1000.0, 1000.0), 100.0, CRS)
    tx = transmitters(sites, grid, "2G", TX_SETTINGS)
    assert (tx.azimuth.tolist(), tx.beamwidth.tolist()) == ([expected[0]], [expected[1]])


# ------------------------------------------------------------- fast raster vs naive oracle


RASTER_CASES = {
    # frequency, EIRP of T1 and T2 (same band, e.g. BCCH vs a weaker layer), floor
    "hata900": (900.0, 45.0, 38.0, -85.0),
    "cost1800": (1800.0, 50.0, 43.0, -90.0),
    "hata900_low_floor": (900.0, 45.0, 38.0, -140.0),  # only the range limits the kernels
}

#: Mixed masts over a 6 x 4 km grid (tiles of 64 px = 3.2 km: edges at x = 3200, y = 800).
RASTER_SITES = [
    # x, y, height (None: class A2b default 40 m), technologies, azimuths, beamwidths
    (1000.0, 3000.0, 32.0, ("T1",), (), ()),
    (3190.0, 2000.0, 38.0, ("T1", "T2"), (47.3,), (65.0,)),  # last column of the first tile
    (3215.0, 830.0, None, ("T2",), (359.7,), (90.0,)),  # corner of four tiles; azimuth -> 0
    (-1000.0, 1500.0, 45.0, ("T1",), (92.6,), (65.0,)),  # west of the grid, pointing in
    (5200.0, 790.0, 57.0, ("T2",), (), ()),  # first row of the second tile row
    (4500.0, 4300.0, 31.0, ("T1", "T2"), (180.4,), (65.0,)),  # north of the grid
    (2000.0, 2000.0, 40.0, ("T3",), (), ()),  # another technology: ignored
    (600.0, 200.0, 42.6, ("T2",), (230.0,), (30.0,)),  # height step 5 m -> 45 m
    (4800.0, 2600.0, 36.0, ("T1",), (20.2, 139.6, 261.0), (65.0, 65.0, 40.0)),  # 3 sectors
]


def raster_settings(f: float, eirp1: float, eirp2: float, floor: float) -> CoverageConfig:
    return CoverageConfig(
        resolution_m=50.0, max_range_km=3.0, min_distance_km=0.2, floor_dbm=floor,
        tile_px=64, sector_front_back_db=20.0,
        default_height_m=MappingProxyType({"A2b": 40.0, "default": 30.0}),
        technologies=MappingProxyType({
            "T1": TechnologyConfig(frequency_mhz=f, eirp_dbm=eirp1, threshold_dbm=-95),
            "T2": TechnologyConfig(frequency_mhz=f, eirp_dbm=eirp2, threshold_dbm=-95),
            "T3": TechnologyConfig(frequency_mhz=f, eirp_dbm=60.0, threshold_dbm=-95),
        }),
    )


def raster_site_frame() -> gpd.GeoDataFrame:
    return site_frame([
        {"x": x, "y": y, "height": np.nan if h is None else h, "mast_class": "A2b",
         "operators": ("Viettel",), "technologies": techs, "azimuth": az, "beamwidth": bw}
        for x, y, h, techs, az, bw in RASTER_SITES
    ])


def env_codes(shape: tuple[int, int]) -> np.ndarray:
    """Stripes and blocks of every environment code, and -1 (outside) in places."""
    rows, cols = np.indices(shape)
    return ((rows // 10 + cols // 15) % 5 - 1).astype(np.int8)


def naive_levels(grid: Grid, codes: np.ndarray, settings: CoverageConfig,
                 ring: np.ndarray | None = None) -> np.ndarray:
    """Every site on every pixel with plain numpy, straight from the DOMAIN formulas.

    Exact: each site at its true position and height, each sector at its true azimuth.
    ``ring`` (optional) is set where a site is within res/√2 of ``max_range_km``: there the
    range cut of the shared kernels (from the site's pixel centre) may differ.
    """
    res, x0, y1 = grid.resolution, grid.transform.c, grid.transform.f
    rows, cols = np.indices((grid.height, grid.width))
    px, py = x0 + (cols + 0.5) * res, y1 - (rows + 0.5) * res
    f = settings.technologies["T1"].frequency_mhz
    hm = 1.5
    lf = np.log10(f)
    a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    best = np.full(px.shape, -np.inf)
    for x, y, h, techs, az, bw in RASTER_SITES:
        hb = 40.0 if h is None else h
        dx, dy = px - x, py - y
        dist = np.hypot(dx, dy) / 1000.0
        if ring is not None and set(techs) & {"T1", "T2"}:
            ring |= np.abs(dist - settings.max_range_km) <= res / math.sqrt(2) / 1000
        ld = np.log10(np.maximum(dist, settings.min_distance_km))
        lh = math.log10(hb)
        if f <= 1500:
            loss = 69.55 + 26.16 * lf - 13.82 * lh - a_hm + (44.9 - 6.55 * lh) * ld
        else:
            loss = 46.3 + 33.9 * lf - 13.82 * lh - a_hm + (44.9 - 6.55 * lh) * ld
        gains = [np.zeros_like(loss)]  # omnidirectional
        if az:
            bearing = np.degrees(np.arctan2(dx, dy))  # clockwise from north
            gains = []
            for a, w in zip(az, bw, strict=True):
                delta = (bearing - a + 180.0) % 360.0 - 180.0
                gain = -np.minimum(12.0 * (delta / w) ** 2, settings.sector_front_back_db)
                gains.append(np.where(dist == 0, 0.0, gain))  # on the site: no bearing
        for tech in techs:
            if tech not in ("T1", "T2"):
                continue
            for gain in gains:
                value = settings.technologies[tech].eirp_dbm + gain - loss
                value[dist > settings.max_range_km] = -np.inf
                best = np.maximum(best, value)
    table = np.array([hand_env_correction(f, hm, e) for e in ENVS])
    correction = np.where(codes >= 0, table[np.clip(codes, 0, 3)], np.nan)
    level = best - correction
    bad = (codes < 0) | ~np.isfinite(level) | (level < settings.floor_dbm)
    return np.where(bad, NODATA, level)


def fast_levels(settings: CoverageConfig, grid: Grid, codes: np.ndarray, near_m: float | None
                ) -> np.ndarray:
    """RASTER_SITES stamped tile by tile (T1 and T2), with a near zone of ``near_m``."""
    sites = raster_site_frame()
    tx1 = transmitters(sites, grid, "T1", settings)
    tx2 = transmitters(sites, grid, "T2", settings)
    assert (len(tx1), len(tx2)) == (4 + 3, 5)
    kernels = KernelCache(settings, grid.resolution)
    if near_m is not None:
        kernels.near_m = near_m
    windows = list(grid.tiles(settings.tile_px))
    assert len(windows) == 4
    fast = np.full((grid.height, grid.width), np.nan, np.float32)
    for r0, r1, c0, c1 in windows:
        tile, _ = stamp_tile(tx1, kernels, (r0, r1, c0, c1))
        tile, _ = stamp_tile(tx2, kernels, (r0, r1, c0, c1), out=tile)
        correction = environment_tile(codes[r0:r1, c0:c1], settings.technologies["T1"])
        fast[r0:r1, c0:c1] = received_level(tile, correction, settings.floor_dbm)
    return fast


@pytest.mark.parametrize(("near_m", "tolerance"), [
    (1e9, 0.01),  # every pixel in the near zone: the exact evaluation, to the int16 rounding
    (None, 0.75),  # the default near zone (2 km) and shared kernels beyond it: narrow sectors
])
@pytest.mark.parametrize("case", sorted(RASTER_CASES))
def test_stamped_raster_equals_exact_reference(case, near_m, tolerance):
    settings = raster_settings(*RASTER_CASES[case])
    grid = Grid.covering((0.0, 0.0, 6000.0, 4000.0), 50.0, CRS)
    codes = env_codes((grid.height, grid.width))
    fast = fast_levels(settings, grid, codes, near_m)
    ring = np.zeros(codes.shape, bool)
    reference = naive_levels(grid, codes, settings, ring)
    # the layout exercises covered pixels, pixels below the floor (unless it is low) and
    # pixels outside every commune
    assert 0.1 < (reference == NODATA).mean() < 0.9
    assert ((reference == NODATA) & (codes >= 0)).any() == (settings.floor_dbm > -100)
    if near_m is None:  # the range cut of the shared kernels: see naive_levels
        fast[ring], reference[ring] = NODATA, NODATA
    nodata_fast, nodata_ref = fast == NODATA, reference == NODATA
    # only a pixel within the tolerance of the floor may fall either side
    flipped = nodata_fast != nodata_ref
    assert flipped.sum() <= (2 if near_m else flipped.size // 100)
    with np.errstate(invalid="ignore"):
        near_floor = np.abs(np.where(nodata_ref, fast, reference) - settings.floor_dbm)
    assert (near_floor[flipped] < tolerance).all()
    compared = ~nodata_ref & ~nodata_fast  # every pixel, the sector sites' own pixels included
    assert compared.sum() > 0.5 * compared.size
    diff = np.abs(fast[compared].astype(np.float64) - reference[compared])
    assert diff.max() < tolerance


def test_stamping_the_parts_is_stamping_the_whole_kernel():
    # what the priorities rely on: KernelCache.kernel() placed on the site's pixel
    settings = raster_settings(*RASTER_CASES["hata900_low_floor"])
    grid = Grid.covering((0.0, 0.0, 6000.0, 4000.0), 50.0, CRS)
    tx = transmitters(raster_site_frame(), grid, "T1", settings)
    kernels = KernelCache(settings, grid.resolution)
    window = (0, grid.height, 0, grid.width)
    for k in range(len(tx)):
        one = dataclasses.replace(tx, row=tx.row[k:k + 1], col=tx.col[k:k + 1],
                                  group=tx.group[k:k + 1], azimuth=tx.azimuth[k:k + 1],
                                  beamwidth=tx.beamwidth[k:k + 1])
        stamped, _ = stamp_tile(one, kernels, window)
        params = tx.params[tx.group[k]]
        kernel = kernels.kernel(params, tx.azimuth[k], tx.beamwidth[k])
        radius = kernels.radius_px(params)
        assert kernel.shape == (2 * radius + 1,) * 2
        whole = np.full(stamped.shape, EMPTY, np.int16)
        top, left = tx.row[k] - radius, tx.col[k] - radius
        a0, b0 = max(top, 0), max(left, 0)
        a1, b1 = min(top + 2 * radius + 1, grid.height), min(left + 2 * radius + 1, grid.width)
        whole[a0:a1, b0:b1] = kernel[a0 - top:a1 - top, b0 - left:b1 - left]
        np.testing.assert_array_equal(stamped, whole)


def numpy_kernel(settings: CoverageConfig, res: float, radius: int, params: tuple[float, ...],
                 azimuth: float, beamwidth: float) -> np.ndarray:
    """A kernel as the numpy expression of its levels (float32, as documented in kernels.py)."""
    freq, height, eirp, mobile, dx, dy = params
    a, b = hata_coefficients(freq, height, mobile)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64) * res
    east, north = offsets[None, :] - dx, 0.0 - offsets[:, None] - dy
    d2 = (east * east + north * north).astype(np.float32)
    beyond = d2 > np.float32((settings.max_range_km * 1000) ** 2)
    d2 = np.maximum(d2, np.float32((settings.min_distance_km * 1000) ** 2))
    log_d = np.log10(d2) * np.float32(0.5) - np.float32(3.0)
    level = log_d * np.float32(-b * 100) + np.float32((eirp - a) * 100)
    if azimuth == azimuth:
        bearing = np.degrees(np.arctan2(east, north)).astype(np.float32)
        bearing[(east == 0) & (north == 0)] = np.nan
        gain = sector_gain(bearing, azimuth, beamwidth, settings.sector_front_back_db)
        level += np.nan_to_num(gain, nan=0.0).astype(np.float32) * np.float32(100)
    out = np.rint(level).astype(np.int16)
    out[beyond] = EMPTY
    return out


@pytest.mark.parametrize(("res", "params", "azimuth"), [
    (50.0, (900.0, 30.0, 43.0, 1.5, 0.0, 0.0), np.nan),
    (50.0, (1800.0, 42.7, 58.3, 1.5, -17.2, 24.9), 359.95),
    (25.0, (2100.0, 3.0, 61.0, 1.5, 12.5, -12.5), 90.0),
    (100.0, (900.0, 120.0, 47.5, 1.5, 33.3, 8.1), 211.7),
])
def test_compiled_kernels_equal_the_numpy_expression_bit_for_bit(res, params, azimuth):
    # the levels are computed in numba (without the GIL); every pixel must be the int16 the
    # float32 numpy expression gives, near zone (true position) and far zone (pixel centre)
    settings = CoverageConfig(max_range_km=4.0)
    kernels = KernelCache(settings, res)
    radius = kernels.radius_px(params)
    n = kernels.near_px(radius)
    near = kernels.near(params, azimuth, 65.0)
    np.testing.assert_array_equal(near, numpy_kernel(settings, res, n, params, azimuth, 65.0))
    far = kernels.far(params, azimuth, 65.0)
    assert (n < radius) == (far is not None)
    if far is not None:
        shared = (*far_key_of(params), 0.0, 0.0)
        rounded = round(azimuth, 1) % 360.0 if azimuth == azimuth else azimuth
        expected = numpy_kernel(settings, res, radius, shared, rounded, 65.0)
        expected[radius - n:radius + n + 1, radius - n:radius + n + 1] = EMPTY
        np.testing.assert_array_equal(far, expected)
        assert (far != EMPTY).sum() > 0


def far_key_of(params: tuple[float, ...]) -> tuple[float, ...]:
    """The far zone's parameters: the height class of the antenna height (log step 0.008)."""
    freq, height, eirp, mobile = params[:4]
    return (freq, 10.0 ** (round(math.log10(height) / 0.008) * 0.008), eirp, mobile)


@pytest.mark.parametrize("azimuth", [0.0, 47.0, 90.0, 180.0, 270.0])
def test_sector_site_own_pixel_is_not_attenuated(azimuth):
    # At the site's own pixel the distance is clamped to min_distance_km in every direction
    # and there is no bearing: the level must not depend on where the sector points, and is
    # the boresight level EIRP − L_urban(min_distance_km) (urban: no correction).
    settings = raster_settings(900.0, 45.0, 38.0, -140.0)
    grid = Grid.covering((0.0, 0.0, 2000.0, 2000.0), 50.0, CRS)
    sites = site_frame([{"x": 1025.0, "y": 975.0, "height": 30.0, "mast_class": "A2b",
                         "operators": ("Viettel",), "technologies": ("T1",),
                         "azimuth": (azimuth,), "beamwidth": (65.0,)}])
    tx = transmitters(sites, grid, "T1", settings)
    assert (tx.row.tolist(), tx.col.tolist()) == ([20], [20])
    tile, _ = stamp_tile(tx, KernelCache(settings, 50.0), (0, 40, 0, 40))
    boresight = 45.0 - hand_loss(900.0, 30.0, 1.5, settings.min_distance_km, "urban")
    assert to_db(tile)[20, 20] == pytest.approx(boresight, abs=0.01)


def test_stamp_tile_without_sites_is_empty():
    settings = raster_settings(*RASTER_CASES["hata900"])
    grid = Grid.covering((0.0, 0.0, 6000.0, 4000.0), 50.0, CRS)
    tx = transmitters(raster_site_frame(), grid, "T1", settings, operator="nobody")
    tile, evaluations = stamp_tile(tx, KernelCache(settings, 50.0), (0, 64, 0, 64))
    assert evaluations == 0
    assert tile.shape == (64, 64) and np.all(tile == EMPTY)


# ------------------------------------------------------------------------- signal classes


VNPT = (-65.0, -75.0, -85.0, -95.0, -105.0)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (-40.0, 1),
        (-65.0, 1),  # ≥ −65: very very good
        (-65.01, 2),
        (-70.0, 2),
        (-75.0, 2),  # [−75, −65): very good
        (-75.01, 3),
        (-85.0, 3),
        (-90.0, 4),
        (-95.0, 4),
        (-100.0, 5),
        (-105.0, 5),  # [−105, −95): poor
        (-105.01, 6),  # < −105: very poor
        (-124.0, 6),
        (NODATA, 0),
    ],
)
def test_classify_vnpt_classes(level, expected):
    assert classify(np.array([level], np.float32), VNPT).tolist() == [expected]


def test_classify_array_with_lte_limits():
    lte = (-80.0, -90.0, -100.0, -110.0, -120.0)
    level = np.array([[-79.0, -80.0, -95.0], [-119.9, -121.0, NODATA]], np.float32)
    got = classify(level, lte)
    assert got.dtype == np.uint8
    assert got.tolist() == [[1, 1, 3], [5, 6, 0]]


# ------------------------------------------------------------------ population coverage


POP_A, POP_B = 4000.0, 1000.0  # two 2 km squares of 20 x 20 pixels at 100 m
PER_PX_A, PER_PX_B = POP_A / 400, POP_B / 400


def toy_communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "kind": ["xa", "xa"], "population": [POP_A, POP_B]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000), box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000)],
        crs=CRS,
    )


TOY_TECH = TechnologyConfig(frequency_mhz=900, eirp_dbm=40, threshold_dbm=-95, margin_db=5)


def toy_settings(tech: TechnologyConfig = TOY_TECH) -> CoverageConfig:
    return CoverageConfig(resolution_m=100.0, max_range_km=0.5, min_distance_km=0.2,
                          floor_dbm=-120.0, tile_px=8, threads=2,
                          technologies=MappingProxyType({"2G": tech}))


#: Site in the last pixel column of commune A, row 9 (pixel centre X0 + 1950, Y0 + 1050).
SITE_XY = (X0 + 1950.0, Y0 + 1050.0)


def toy_sites(*masts: tuple[float, float, tuple[str, ...]]) -> gpd.GeoDataFrame:
    return site_frame([
        {"x": x, "y": y, "operators": ops, "technologies": ("2G",), "mast_class": "A2b",
         "height": 30.0} for x, y, ops in masts
    ])


def centres_within(communes: gpd.GeoDataFrame, centres: list[tuple[float, float]],
                   radius_m: float) -> list[int]:
    """Per commune, pixel centres within radius_m of any of the centres (slow loop)."""
    counts = []
    for geom in communes.geometry:
        x0, y0, x1, y1 = geom.bounds
        n = 0
        for px in np.arange(x0 + 50, x1, 100.0):
            for py in np.arange(y0 + 50, y1, 100.0):
                if any(math.hypot(px - cx, py - cy) <= radius_m for cx, cy in centres):
                    n += 1
        counts.append(n)
    return counts


def test_toy_premise_whole_range_is_covered():
    # In open land (xa) at the range limit 0.5 km: 40 − L_open(0.5) − 5 ≥ −95 dBm.
    assert 40 - hand_loss(900, 30, 1.5, 0.5, "open") - 5 > -95
    # and 0.6 km away it would still be: the disc is cut by max_range_km, not the threshold.
    assert 40 - hand_loss(900, 30, 1.5, 0.6, "open") - 5 > -95


def test_covered_population_is_the_disc_of_pixel_centres():
    communes = toy_communes()
    result = compute_coverage(toy_sites((*SITE_XY, ("Viettel",))), communes, toy_settings())
    # Disc of radius 5 px around the site pixel: columns dx = 0, -1..-5 hold
    # 11, 9, 9, 9, 7, 1 centres (2·floor(√(25 − dx²)) + 1) -> 46 in A; dx = 1..5 -> 35 in B.
    assert centres_within(communes, [SITE_XY], 500.0) == [46, 35]
    table = result.covered.set_index("code")
    assert table["pixels"].tolist() == [400.0, 400.0]
    assert table["px_covered_viettel_2g"].tolist() == [46.0, 35.0]
    np.testing.assert_allclose(table["pop_covered_viettel_2g"], [46 * PER_PX_A, 35 * PER_PX_B])
    np.testing.assert_allclose(table["pop_covered_any_2g"], [460.0, 87.5])
    assert result.grid.width == 40 and result.grid.height == 20


def test_threshold_cuts_the_disc():
    # Threshold at the level 355 m away (between the rings √12·100 = 346 m and √13·100 = 361 m).
    edge = 40 - hand_loss(900, 30, 1.5, 0.355, "open") - 5
    tech = TechnologyConfig(frequency_mhz=900, eirp_dbm=40, threshold_dbm=edge, margin_db=5)
    communes = toy_communes()
    result = compute_coverage(toy_sites((*SITE_XY, ("Viettel",))), communes, toy_settings(tech))
    expected = centres_within(communes, [SITE_XY], 355.0)
    # columns dx = 0, -1, -2, -3 hold 7, 7, 5, 3 centres (dy² ≤ 12.6 − dx²) -> 22 in A;
    # dx = 1, 2, 3 -> 7 + 5 + 3 = 15 in B
    assert expected == [22, 15]
    table = result.covered.set_index("code")
    assert table["px_covered_viettel_2g"].tolist() == [22.0, 15.0]
    np.testing.assert_allclose(table["pop_covered_viettel_2g"], [22 * PER_PX_A, 15 * PER_PX_B])


@pytest.mark.parametrize(
    "masts",
    [
        [(*SITE_XY, ("Viettel", "MobiFone"))],  # one shared mast
        [(*SITE_XY, ("Viettel",)), (*SITE_XY, ("MobiFone",))],  # two masts at one place
    ],
)
def test_any_operator_is_the_union_not_the_sum(masts):
    result = compute_coverage(toy_sites(*masts), toy_communes(), toy_settings())
    table = result.covered.set_index("code")
    for op in ("viettel", "mobifone", "any"):
        np.testing.assert_allclose(table[f"pop_covered_{op}_2g"], [460.0, 87.5])
        assert table[f"px_covered_{op}_2g"].tolist() == [46.0, 35.0]


def test_any_operator_union_of_overlapping_discs():
    other = (SITE_XY[0] + 300.0, SITE_XY[1] + 100.0)
    communes = toy_communes()
    result = compute_coverage(toy_sites((*SITE_XY, ("Viettel",)), (*other, ("MobiFone",))),
                              communes, toy_settings())
    table = result.covered.set_index("code")
    union = centres_within(communes, [SITE_XY, other], 500.0)
    alone = centres_within(communes, [other], 500.0)
    assert table["px_covered_any_2g"].tolist() == union
    assert table["px_covered_mobifone_2g"].tolist() == alone
    np.testing.assert_allclose(table["pop_covered_any_2g"],
                               [union[0] * PER_PX_A, union[1] * PER_PX_B])
    # union < sum of the operators: the overlap is counted once
    assert sum(union) < 81 + sum(alone)
    layers = result.layers
    np.testing.assert_array_equal(
        layers[("any", "2G")], np.maximum(layers[("Viettel", "2G")], layers[("MobiFone", "2G")]))


def test_covered_population_follows_a_population_raster():
    communes = toy_communes()
    grid = Grid.covering(tuple(communes.total_bounds), 100.0, CRS)
    raster = np.zeros((grid.height, grid.width))
    raster[9, 19] = 3.0  # all of A lives at the site's pixel; B's raster is empty
    raster[0, 0] = 1.0  # ... except a quarter of A, out of range in the north-west corner
    result = compute_coverage(toy_sites((*SITE_XY, ("Viettel",))), communes, toy_settings(),
                              population=raster)
    table = result.covered.set_index("code")
    # A: 3/4 of 4000 on the covered pixel; B: even spread (raster empty) -> 35 × 2.5
    np.testing.assert_allclose(table["pop_covered_any_2g"], [3000.0, 87.5])


def test_level_layer_is_the_received_level_by_hand():
    result = compute_coverage(toy_sites((*SITE_XY, ("Viettel",))), toy_communes(),
                              toy_settings())
    level = result.layers[("Viettel", "2G")]
    # pixel 3 columns east of the site (in B, open): d = 0.3 km
    assert level[9, 22] == pytest.approx(40 - hand_loss(900, 30, 1.5, 0.3, "open"), abs=0.01)
    # the site pixel itself: clamped at min_distance_km = 0.2 km
    assert level[9, 19] == pytest.approx(40 - hand_loss(900, 30, 1.5, 0.2, "open"), abs=0.01)
    assert level[9, 25] == NODATA  # 0.6 km: beyond max_range_km
    assert ((level != NODATA).sum()) == 81


# -------------------------------------------------------------------- spread_population


SPREAD_INDEX = np.array([[0, 0, 1, -1], [0, 1, 1, -1], [2, 2, 2, 2]])
SPREAD_COMMUNES = pd.DataFrame({"population": [300.0, 90.0, 40.0]})


def commune_totals(people: np.ndarray) -> np.ndarray:
    inside = SPREAD_INDEX >= 0
    return np.bincount(SPREAD_INDEX[inside], weights=people[inside], minlength=3)


def test_spread_population_even():
    people = spread_population(SPREAD_COMMUNES, SPREAD_INDEX)
    np.testing.assert_allclose(people, [[100, 100, 30, 0], [100, 30, 30, 0], [10, 10, 10, 10]])
    np.testing.assert_allclose(commune_totals(people), [300, 90, 40])


def test_spread_population_with_raster():
    raster = np.array([[1.0, 2.0, 4.0, 5.0], [3.0, 0.0, 1.0, 7.0], [1.0, 1.0, 0.0, 2.0]])
    people = spread_population(SPREAD_COMMUNES, SPREAD_INDEX, raster)
    # commune 0 weights 1, 2, 3 of 6; commune 1 weights 4, 0, 1 of 5; commune 2 1, 1, 0, 2 of 4
    np.testing.assert_allclose(people, [[50, 100, 72, 0], [150, 0, 18, 0], [10, 10, 0, 20]])
    np.testing.assert_allclose(commune_totals(people), [300, 90, 40])


def test_spread_population_with_empty_commune_in_raster():
    raster = np.array([[1.0, 2.0, 0.0, 5.0], [3.0, np.nan, -1.0, 7.0], [0.0, 0.0, 0.0, 0.0]])
    people = spread_population(SPREAD_COMMUNES, SPREAD_INDEX, raster)
    # commune 1 (0, NaN, -1) and commune 2 (all zero) have no weight: even spread
    np.testing.assert_allclose(people, [[50, 100, 30, 0], [150, 30, 30, 0], [10, 10, 10, 10]])
    np.testing.assert_allclose(commune_totals(people), [300, 90, 40])
    assert np.all(people[SPREAD_INDEX < 0] == 0)


def test_commune_smaller_than_a_pixel_keeps_its_population():
    communes = pd.concat([toy_communes(), gpd.GeoDataFrame(
        {"code": ["C"], "kind": ["xa"], "population": [70.0]},
        geometry=[box(X0 + 1910, Y0 + 1010, X0 + 1930, Y0 + 1030)], crs=CRS)],
        ignore_index=True)
    result = compute_coverage(toy_sites((*SITE_XY, ("Viettel",))), communes, toy_settings())
    inside = result.index >= 0
    totals = np.bincount(result.index[inside], weights=result.people[inside], minlength=3)
    np.testing.assert_allclose(totals, [POP_A, POP_B, 70.0])
    # the tiny commune holds the site's pixel (row 9, col 19), which is covered
    assert result.index[9, 19] == 2
    table = result.covered.set_index("code")
    assert table.loc["C", "pop_covered_any_2g"] == pytest.approx(70.0)
    assert table.loc["A", "pop_covered_any_2g"] == pytest.approx(45 * POP_A / 399)


def test_headers_in_english_and_vietnamese_by_default():
    import contextvars

    from ictgis.coverage import headers

    columns = {"pop_pct_any_4g", "pop_covered_viettel_2g"}
    assert headers(columns)["pop_pct_any_4g"] == "Population covered (%) 4G – any operator"
    default = contextvars.Context().run(headers, columns)
    assert default["pop_pct_any_4g"] == "Tỷ lệ dân số được phủ sóng (%) 4G – mọi doanh nghiệp"
    assert default["pop_covered_viettel_2g"] == "Dân số được phủ sóng 2G – viettel"
    assert default["population"] == "Dân số (người)"


# ------------------------------------------------------------------------- odd inputs


@pytest.mark.parametrize(
    ("geometry", "message_id"),
    [
        ([], "coverage.error.no_extent"),  # no commune at all
        ([box(X0, Y0, math.inf, Y0 + 10)], "coverage.error.no_extent"),  # a bad reprojection
        ([box(X0, Y0, X0 + 2e7, Y0 + 2e7)], "coverage.error.grid_too_large"),  # metres as degrees
    ],
)
def test_a_grid_that_cannot_be_is_one_data_error(geometry, message_id):
    from ictgis import i18n
    from ictgis.coverage import province_grid
    from ictgis.errors import DataError

    communes = gpd.GeoDataFrame({"code": [str(i) for i in range(len(geometry))]},
                                geometry=geometry, crs=CRS)
    for lang in ("vi", "en"):
        with i18n.language(lang), pytest.raises(DataError) as caught:
            province_grid(communes, toy_settings(), file="communes.shp")
        assert caught.value.message_id == message_id
        assert str(caught.value).startswith("communes.shp: ")
        assert "nan" not in str(caught.value).split(":", 1)[0]


def test_grid_of_a_province_is_unchanged_by_the_checks():
    from ictgis.coverage import province_grid

    grid = province_grid(toy_communes(), toy_settings())
    assert (grid.width, grid.height) == (40, 20)
    assert grid.transform.c == X0 and grid.transform.f == Y0 + 2000


def test_coverage_without_any_site_is_zero_everywhere():
    sites = toy_sites((*SITE_XY, ("Viettel",))).iloc[:0]
    result = compute_coverage(sites, toy_communes(), toy_settings())
    assert result.covered["pop_covered_any_2g"].tolist() == [0.0, 0.0]
    assert (result.layers[("any", "2G")] == NODATA).all()


def test_sites_outside_the_grid_or_without_position_stamp_nothing():
    far = (X0 - 50_000.0, Y0 - 50_000.0, ("Viettel",))
    sites = toy_sites(far, (*SITE_XY, ("MobiFone",)), (*SITE_XY, ("Viettel",)))
    sites.loc[2, "geometry"] = Point()  # no position: never stamped, never an error
    sites.loc[1, "height"] = math.inf  # an impossible height: the class default
    result = compute_coverage(sites, toy_communes(), toy_settings())
    table = result.covered.set_index("code")
    assert table["px_covered_viettel_2g"].tolist() == [0.0, 0.0]
    assert table["px_covered_mobifone_2g"].tolist() == [46.0, 35.0]
    np.testing.assert_allclose(table["pop_covered_any_2g"], [460.0, 87.5])


# ------------------------------------------------- sub-pixel accuracy against the exact truth


ACCURACY_TECHS = MappingProxyType({
    "2G": TechnologyConfig(frequency_mhz=900, eirp_dbm=55, threshold_dbm=-95),
    "4G": TechnologyConfig(frequency_mhz=1800, eirp_dbm=27, threshold_dbm=-110),
})
ACCURACY = CoverageConfig(resolution_m=50.0, max_range_km=6.0, min_distance_km=0.1,
                          floor_dbm=-125.0, tile_px=128, threads=2,
                          technologies=ACCURACY_TECHS)
KINDS = ("phuong", "thi_tran", "xa", "xa", "xa", "phuong")


def accuracy_province(seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Six communes (3 x 2 blocks of 6 x 5 km) and 36 masts at random positions and heights."""
    rng = np.random.default_rng(seed)
    communes = gpd.GeoDataFrame(
        {"code": [f"C{i}" for i in range(6)], "kind": list(KINDS),
         "population": rng.integers(2_000, 20_000, 6).astype(float)},
        geometry=[box(X0 + 6000 * (i % 3), Y0 + 5000 * (i // 3), X0 + 6000 * (i % 3 + 1),
                      Y0 + 5000 * (i // 3 + 1)) for i in range(6)], crs=CRS)
    n = 36
    sites = site_frame([
        {"x": X0 + x, "y": Y0 + y, "operators": (op,), "technologies": ("2G", "4G"),
         "mast_class": "A2b", "height": h}
        for x, y, h, op in zip(rng.uniform(0, 18_000, n), rng.uniform(0, 10_000, n),
                               rng.uniform(3.0, 60.0, n).round(1),
                               rng.choice(["Viettel", "VinaPhone"], n), strict=True)])
    return communes, sites


def exact_levels(sites: gpd.GeoDataFrame, px: np.ndarray, py: np.ndarray, env: list[str],
                 settings: CoverageConfig, tech: str) -> tuple[np.ndarray, np.ndarray]:
    """Best-server level at pixel centres, every site at its true position and height.

    Written out from DOMAIN.md §4 (hand_loss), one site and one pixel at a time where it
    matters: nothing of the fast path. Returns the level (-inf where no site reaches) and the
    distance (km) to the nearest site; NaN where a site is within res/√2 of the range cut.
    """
    cfg = settings.technologies[tech]
    best = np.full(px.shape, -np.inf)
    nearest = np.full(px.shape, np.inf)
    ring = np.zeros(px.shape, bool)
    for x, y, h in zip(sites.geometry.x, sites.geometry.y, sites["height"], strict=True):
        d = np.hypot(px - x, py - y) / 1000.0
        nearest = np.minimum(nearest, d)
        ring |= np.abs(d - settings.max_range_km) <= settings.resolution_m / math.sqrt(2) / 1000
        loss = np.array([hand_loss(cfg.frequency_mhz, h, cfg.mobile_height_m,
                                   max(di, settings.min_distance_km), "urban") for di in d])
        level = np.where(d <= settings.max_range_km, cfg.eirp_dbm - loss, -np.inf)
        best = np.maximum(best, level)
    correction = np.array([hand_env_correction(cfg.frequency_mhz, cfg.mobile_height_m, e)
                           for e in env])
    level = best - correction
    level[level < settings.floor_dbm] = -np.inf
    return level, np.where(ring, np.nan, nearest)


@pytest.mark.parametrize("seed", [0, 1])
def test_levels_within_half_a_db_of_the_exact_reference(seed):
    communes, sites = accuracy_province(seed)
    result = compute_coverage(sites, communes, ACCURACY)
    grid = result.grid
    rng = np.random.default_rng(seed + 10)
    inside = np.flatnonzero(result.index.ravel() >= 0)
    near_sites = []  # and pixels round every site, where snapping cost most
    for x, y in zip(sites.geometry.x, sites.geometry.y, strict=True):
        r, c = grid.pixel_of(np.array([x]), np.array([y]))
        for dr in range(-6, 7):
            for dc in range(-6, 7):
                if 0 <= r[0] + dr < grid.height and 0 <= c[0] + dc < grid.width:
                    near_sites.append((r[0] + dr) * grid.width + c[0] + dc)
    flat = np.unique(np.r_[rng.choice(inside, 1500, replace=False), near_sites])
    flat = flat[result.index.ravel()[flat] >= 0]
    rows, cols = np.divmod(flat, grid.width)
    px = grid.transform.c + (cols + 0.5) * grid.resolution
    py = grid.transform.f - (rows + 0.5) * grid.resolution
    kind = communes["kind"].to_numpy()[result.index[rows, cols]]
    env = [ACCURACY.environment[k] for k in kind]
    for tech in ACCURACY.technologies:
        reference, nearest = exact_levels(sites, px, py, env, ACCURACY, tech)
        fast = result.layers[("any", tech)][rows, cols].astype(np.float64)
        fast[fast == NODATA] = -np.inf
        keep = ~np.isnan(nearest)  # not on the range cut
        both = keep & np.isfinite(reference) & np.isfinite(fast)
        # a pixel valid on one side only is within a dB of the floor
        one = keep & (np.isfinite(reference) != np.isfinite(fast))
        assert (np.abs(np.where(np.isfinite(fast), fast, reference)[one] - ACCURACY.floor_dbm)
                < 1.0).all()
        diff = np.abs(fast[both] - reference[both])
        assert both.sum() > 0.5 * len(flat)
        assert diff.max() <= 1.0, tech
        assert diff[nearest[both] >= 0.1].max() <= 0.5, tech


@pytest.mark.parametrize("seed", [0, 1])
def test_covered_population_within_half_a_point_of_the_exact_reference(seed):
    communes, sites = accuracy_province(seed)
    settings = dataclasses.replace(ACCURACY, resolution_m=100.0)  # every pixel, kept quick
    result = compute_coverage(sites, communes, settings)
    grid = result.grid
    rows, cols = np.nonzero(result.index >= 0)
    px = grid.transform.c + (cols + 0.5) * grid.resolution
    py = grid.transform.f - (rows + 0.5) * grid.resolution
    commune = result.index[rows, cols]
    env = [settings.environment[k] for k in communes["kind"].to_numpy()[commune]]
    people = result.people[rows, cols]
    for tech, cfg in settings.technologies.items():
        reference, _ = exact_levels(sites, px, py, env, settings, tech)
        covered = reference - cfg.margin_db >= cfg.threshold_dbm
        want = 100 * np.bincount(commune, weights=people * covered, minlength=6) / (
            communes["population"].to_numpy())
        got = 100 * result.covered[f"pop_covered_any_{tech.lower()}"].to_numpy() / (
            communes["population"].to_numpy())
        assert np.abs(got - want).max() <= 0.5, tech
