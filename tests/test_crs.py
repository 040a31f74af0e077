"""Tests of ictgis.crs: the official VN-2000 shift (EPSG:6960), metric checks, CRS parsing.

References are independent of ictgis: a hand-written 7-parameter Helmert transformation with the
QĐ 05/2007/QĐ-BTNMT values (DOMAIN.md §5.2), the PROJ string printed in DOMAIN.md §5.4, a
numerically integrated meridian arc, and the distances DOMAIN.md §5.4 reports (0.80 m, 0.54 m,
225 m). Distances are measured in metres on the WGS 84 ellipsoid with :class:`pyproj.Geod`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import CRS, Geod, Transformer

from ictgis import crs
from ictgis.errors import ConfigError, CRSMismatchError, DataError

GEOD = Geod(ellps="WGS84")

# WGS 84 ellipsoid (VN-2000 uses it too, DOMAIN.md §5.1).
A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)

#: DOMAIN.md §5.2, QĐ 05/2007/QĐ-BTNMT: VN-2000 -> WGS 84, coordinate-frame rotations.
QD05_SHIFT_M = (-191.90441429, -39.30318279, -111.45032835)
QD05_ROT_ARCSEC = (-0.00928836, 0.01975479, -0.00427372)
QD05_SCALE_PPM = 0.252906278

#: DOMAIN.md §5.4, typed by hand: the PROJ string with the rotation signs flipped for +towgs84.
DOMAIN_PROJ4 = (
    "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,"
    "0.252906278 +units=m +no_defs"
)
#: The frequently copied variant with the rotations *not* flipped (DOMAIN.md §5.4).
UNFLIPPED_PROJ4 = DOMAIN_PROJ4.replace(
    "0.00928836,-0.01975479,0.00427372", "-0.00928836,0.01975479,-0.00427372"
)

#: Mỹ Tho, in VN-2000 geographic degrees (DOMAIN.md §5.4 check point).
MY_THO = (106.36, 10.36)


def _distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    _, _, dist = GEOD.inv(
        np.atleast_1d(lon1), np.atleast_1d(lat1), np.atleast_1d(lon2), np.atleast_1d(lat2)
    )
    return np.asarray(dist)


def _project_vn2000(lon, lat):
    """VN-2000 geographic -> EPSG:9210: a pure projection, no datum shift involved."""
    proj = Transformer.from_crs("EPSG:4756", "EPSG:9210", always_xy=True)
    return proj.transform(lon, lat)


def _geodetic_to_ecef(lon, lat):
    lam, phi = np.radians(lon), np.radians(lat)
    n = A / np.sqrt(1 - E2 * np.sin(phi) ** 2)
    return np.array([n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam),
                     n * (1 - E2) * np.sin(phi)])


def _ecef_to_geodetic(x, y, z):
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1 - E2))
    for _ in range(10):
        n = A / np.sqrt(1 - E2 * np.sin(lat) ** 2)
        h = p / np.cos(lat) - n
        lat = np.arctan2(z, p * (1 - E2 * n / (n + h)))
    return np.degrees(lon), np.degrees(lat)


def _helmert_qd05(lon, lat):
    """Slow oracle: VN-2000 -> WGS 84 with the QĐ 05/2007 7 parameters (coordinate frame)."""
    arcsec = np.pi / 180 / 3600
    rx, ry, rz = (r * arcsec for r in QD05_ROT_ARCSEC)
    rot = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    xyz = _geodetic_to_ecef(np.atleast_1d(lon), np.atleast_1d(lat))
    out = np.array(QD05_SHIFT_M).reshape(3, 1) + (1 + QD05_SCALE_PPM * 1e-6) * rot @ xyz
    lon_out, lat_out = _ecef_to_geodetic(*out)
    return lon_out.ravel(), lat_out.ravel()


def _meridian_arc_m(lat_deg: float) -> float:
    """Meridian arc from the equator on WGS 84, by Simpson's rule."""
    phi = np.linspace(0.0, np.radians(lat_deg), 2001)
    f = A * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5
    h = phi[1] - phi[0]
    return float(h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum()))


@pytest.fixture(scope="module")
def my_tho_9210():
    return _project_vn2000(*MY_THO)


@pytest.fixture(scope="module")
def my_tho_wgs84(my_tho_9210):
    lon, lat = crs.transform_xy(np.array([my_tho_9210[0]]), np.array([my_tho_9210[1]]),
                                "EPSG:9210", "EPSG:4326")
    return lon, lat


# ---------------------------------------------------------------- official shift at Mỹ Tho


def test_proj4_constant_is_the_documented_string():
    assert crs.VN2000_TM3_10545_PROJ4.split() == DOMAIN_PROJ4.split()


def test_9210_definition_matches_domain_parameters():
    # DOMAIN.md §5.3: on the central meridian 105°45', x = 500 000 m and y = k0 · meridian arc.
    x, y = crs.transform_xy(np.array([105.75]), np.array([10.36]), "EPSG:4756", "EPSG:9210")
    assert x[0] == pytest.approx(500_000.0, abs=1e-6)
    assert y[0] == pytest.approx(0.9999 * _meridian_arc_m(10.36), abs=1e-3)


def test_official_shift_matches_hand_helmert(my_tho_wgs84):
    expected_lon, expected_lat = _helmert_qd05(*MY_THO)
    assert _distance_m(*my_tho_wgs84, expected_lon, expected_lat)[0] < 0.01


def test_official_shift_matches_domain_proj_string(my_tho_9210, my_tho_wgs84):
    bound = Transformer.from_crs(CRS.from_proj4(crs.VN2000_TM3_10545_PROJ4), "EPSG:4326",
                                 always_xy=True)
    ref_lon, ref_lat = bound.transform(*my_tho_9210)
    assert _distance_m(*my_tho_wgs84, ref_lon, ref_lat)[0] < 0.01


def test_transformer_and_to_crs_agree_with_transform_xy(my_tho_9210, my_tho_wgs84):
    lon_t, lat_t = crs.transformer(9210, 4326).transform(*my_tho_9210)
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(my_tho_9210)], crs="EPSG:9210")
    out = crs.to_crs(gdf, "EPSG:4326")
    assert _distance_m(*my_tho_wgs84, lon_t, lat_t)[0] < 0.01
    assert _distance_m(*my_tho_wgs84, out.geometry.x.iloc[0], out.geometry.y.iloc[0])[0] < 0.01


def test_transformer_uses_epsg_6960():
    assert crs.OFFICIAL_VN2000_OPERATION in crs.transformer("EPSG:9210", "EPSG:4326").description


def test_proj_default_is_about_0_8_m_away(my_tho_9210, my_tho_wgs84):
    # DOMAIN.md §5.4: PROJ picks EPSG:5194 inside Tiền Giang, 0.80 m from EPSG:6960.
    default = Transformer.from_crs(9210, 4326, always_xy=True)
    dist = _distance_m(*my_tho_wgs84, *default.transform(*my_tho_9210))[0]
    assert 0.6 < dist < 1.0


def test_unflipped_rotation_variant_is_about_0_54_m_away(my_tho_9210, my_tho_wgs84):
    wrong = Transformer.from_crs(CRS.from_proj4(UNFLIPPED_PROJ4), "EPSG:4326", always_xy=True)
    dist = _distance_m(*my_tho_wgs84, *wrong.transform(*my_tho_9210))[0]
    assert dist == pytest.approx(0.54, abs=0.05)


def test_ignoring_the_datum_shift_is_about_225_m_away(my_tho_wgs84):
    # The Mỹ Tho point was projected from VN-2000 (106.36, 10.36): reading those degrees as
    # WGS 84 ignores the datum shift (DOMAIN.md §5.4: about 225 m).
    dist = _distance_m(*my_tho_wgs84, *MY_THO)[0]
    assert dist == pytest.approx(225, abs=10)


def test_province_grid_matches_hand_helmert():
    lon, lat = np.meshgrid(np.linspace(105.8, 106.8, 5), np.linspace(10.2, 10.6, 4))
    lon, lat = lon.ravel(), lat.ravel()
    x, y = _project_vn2000(lon, lat)
    got_lon, got_lat = crs.transform_xy(x, y, 9210, 4326)
    ref_lon, ref_lat = _helmert_qd05(lon, lat)
    assert _distance_m(got_lon, got_lat, ref_lon, ref_lat).max() < 0.01


@pytest.mark.parametrize(("lon", "lat"), [(106.36, 10.36), (105.8, 10.2), (106.8, 10.6),
                                          (106.0, 10.45)])
def test_round_trip_wgs84_9210_wgs84_below_1_mm(lon, lat):
    x, y = crs.transform_xy(np.array([lon]), np.array([lat]), "EPSG:4326", "EPSG:9210")
    back_lon, back_lat = crs.transform_xy(x, y, "EPSG:9210", "EPSG:4326")
    assert 400_000 < x[0] < 700_000  # really projected, not passed through
    assert _distance_m(lon, lat, back_lon, back_lat)[0] < 0.001


def test_utm_reference_point():
    # UTM 48N (EPSG:32648): the central meridian 105°E at the equator is (500 000, 0).
    x, y = crs.transform_xy(np.array([105.0]), np.array([0.0]), 4326, 32648)
    assert x[0] == pytest.approx(500_000.0, abs=1e-6)
    assert y[0] == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------------------------ to_crs


@pytest.fixture
def mixed_9210() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Bưu cục Mỹ Tho", "Xã Tân Mỹ Chánh", "Thị trấn Chợ Gạo"]},
        geometry=[
            shapely.Point(566_603.13, 1_145_735.49),
            shapely.box(560_000, 1_140_000, 570_000, 1_150_000),
            shapely.Polygon([(580_000, 1_140_000), (590_000, 1_141_000), (585_000, 1_148_000)]),
        ],
        index=[10, 20, 30],
        crs="EPSG:9210",
    )


def test_to_crs_matches_transform_xy_for_points_and_polygons(mixed_9210):
    out = crs.to_crs(mixed_9210, "EPSG:4326")
    assert out.crs.equals(CRS("EPSG:4326"))
    assert list(out.index) == [10, 20, 30]
    assert list(out["name"]) == list(mixed_9210["name"])
    assert list(out.geom_type) == ["Point", "Polygon", "Polygon"]
    src = shapely.get_coordinates(mixed_9210.geometry.array)
    expected = np.column_stack(crs.transform_xy(src[:, 0], src[:, 1], 9210, 4326))
    got = shapely.get_coordinates(out.geometry.array)
    assert got.shape == expected.shape == (1 + 5 + 4, 2)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # and it is really in degrees around Mỹ Tho
    assert np.all((got[:, 0] > 105.5) & (got[:, 0] < 107) & (got[:, 1] > 10) & (got[:, 1] < 11))


def test_to_crs_does_not_modify_its_input(mixed_9210):
    before = mixed_9210.copy(deep=True)
    crs.to_crs(mixed_9210, "EPSG:4326")
    same = crs.to_crs(mixed_9210, "EPSG:9210")
    same.loc[10, "name"] = "changed"
    assert_geodataframe_equal(mixed_9210, before)


def test_to_crs_round_trip_below_1_mm(mixed_9210):
    back = crs.to_crs(crs.to_crs(mixed_9210, 4326), 9210)
    np.testing.assert_allclose(shapely.get_coordinates(back.geometry.array),
                               shapely.get_coordinates(mixed_9210.geometry.array),
                               rtol=0, atol=1e-3)


def test_to_crs_without_crs_raises(mixed_9210):
    naked = mixed_9210.set_crs(None, allow_override=True)
    with pytest.raises(DataError, match="has no CRS"):
        crs.to_crs(naked, "EPSG:4326")


# -------------------------------------------------------------------- metric / same CRS


@pytest.mark.parametrize(
    ("layer_crs", "match"),
    [
        (None, "layer “communes” has no CRS"),
        ("EPSG:4326", "layer “communes” is in WGS 84, not a metric projected CRS"),
        ("EPSG:4756", "not a metric projected CRS"),
        ("EPSG:2263", "not a metric projected CRS"),  # NAD83 / New York Long Island (ftUS)
    ],
)
def test_require_metric_rejects(layer_crs, match):
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=layer_crs)
    with pytest.raises(DataError, match=match):
        crs.require_metric(gdf, "communes")


@pytest.mark.parametrize("layer_crs", ["EPSG:9210", "EPSG:32648", "EPSG:3405"])
def test_require_metric_accepts(layer_crs):
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=layer_crs)
    assert crs.require_metric(gdf, "communes") is None


@pytest.mark.parametrize(
    ("left_crs", "right_crs", "names_in_message"),
    [
        ("EPSG:9210", "EPSG:4326", ("VN-2000 / TM-3 105-45", "WGS 84")),
        ("EPSG:9210", "EPSG:32648", ("VN-2000 / TM-3 105-45", "WGS 84 / UTM zone 48N")),
        ("EPSG:9210", None, ("VN-2000 / TM-3 105-45", "no CRS")),
        (None, None, ("no CRS",)),
    ],
)
def test_require_same_crs_names_both(left_crs, right_crs, names_in_message):
    left = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=left_crs)
    right = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=right_crs)
    with pytest.raises(CRSMismatchError, match=r"“bts” \(.*\) and “communes” \(.*\) differ") as exc:
        crs.require_same_crs(left, right, ("bts", "communes"))
    for name in names_in_message:
        assert name in str(exc.value)
    assert isinstance(exc.value, DataError)


def test_require_same_crs_passes_for_equal_crs():
    left = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:9210")
    right = gpd.GeoDataFrame(geometry=[shapely.Point(1, 1)], crs=CRS.from_epsg(9210))
    assert crs.require_same_crs(left, right, ("bts", "communes")) is None


# ------------------------------------------------------------------------- CRS parsing

WHERE = "ictgis.toml: [province] crs"


@pytest.mark.parametrize("value", ["EPSG:9210", 9210, "epsg:9210", DOMAIN_PROJ4])
def test_parse_crs_accepts(value):
    parsed = crs.parse_crs(value, where=WHERE)
    projected = parsed.source_crs if parsed.is_bound else parsed
    params = {p.name: p.value for p in projected.coordinate_operation.params}
    assert projected.is_projected
    assert params["Longitude of natural origin"] == pytest.approx(105.75)
    assert params["Scale factor at natural origin"] == pytest.approx(0.9999)


@pytest.mark.parametrize("value", ["EPSG:999999", "not a crs", "", "+proj=nonsense"])
def test_parse_crs_rejects_garbage(value):
    with pytest.raises(ConfigError, match=r"^ictgis\.toml: \[province\] crs: .* is not a coordinate"):
        crs.parse_crs(value, where=WHERE)


@pytest.mark.parametrize("value", ["EPSG:9210", "EPSG:32648", "EPSG:3405"])
def test_check_crs_name_returns_value_unchanged(value):
    assert crs.check_crs_name(value, where=WHERE) == value


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("EPSG:4326", r"^ictgis\.toml: \[province\] crs: “EPSG:4326” \(WGS 84\) is geographic"),
        ("EPSG:4756", r"^ictgis\.toml: \[province\] crs: “EPSG:4756” \(VN-2000\) is geographic"),
        ("garbage", r"^ictgis\.toml: \[province\] crs: “garbage” is not a coordinate"),
        # a projected CRS in US feet is not metric either ("the working CRS must be metric")
        ("EPSG:2263", r"^ictgis\.toml: \[province\] crs: “EPSG:2263”.*metric"),
    ],
)
def test_check_crs_name_rejects(value, match):
    with pytest.raises(ConfigError, match=match):
        crs.check_crs_name(value, where=WHERE)


def test_crs_errors_are_vietnamese_by_default(vietnamese):
    with pytest.raises(ConfigError) as exc:
        crs.check_crs_name("EPSG:4326", where=WHERE)
    assert str(exc.value) == ("ictgis.toml: [province] crs: “EPSG:4326” (WGS 84) là hệ tọa độ "
                              "địa lý; hệ tọa độ làm việc phải tính bằng mét")
    assert exc.value.message_id == "errors.crs.work_geographic"
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=None)
    with pytest.raises(DataError, match="lớp “communes” không có hệ tọa độ"):
        crs.require_metric(gdf, "communes")


# ------------------------------------------------------------------ which CRS fits


def test_label_and_code() -> None:
    from ictgis.crs import code, label

    assert label("EPSG:9210") == "EPSG:9210 (VN-2000 / TM-3 105°45′)"
    assert label(4326) == "EPSG:4326 (WGS 84)"
    assert code(9209) == "EPSG:9209"


def test_impossible_coordinates() -> None:
    from ictgis.crs import impossible, in_vietnam

    x, y = np.array([590_000.0, 106.3, np.nan]), np.array([1_140_000.0, 10.3, 10.0])
    assert impossible(x, y, 4326).tolist() == [True, False, True]
    assert impossible(x, y, 9210).tolist() == [False, False, True]
    assert in_vietnam(x, y, 4326).tolist() == [False, True, False]
    assert in_vietnam(x, y, 9210).tolist() == [True, False, False]  # 106 m from the origin


def test_candidates_near_the_province_and_best_fit() -> None:
    from ictgis.crs import CANDIDATE_CRS, best_fit, candidates

    near = [c.to_epsg() for c in candidates((106.3, 10.35))]  # Mỹ Tho
    assert near[0] == 4326 and 9210 in near and 9209 in near and 9217 not in near
    assert len(candidates()) == len(CANDIDATE_CRS)
    tried = candidates((106.3, 10.35))
    scores = {9209: 0.2, 9210: 0.9, 5897: 0.9}
    assert best_fit(tried, lambda c: scores.get(c.to_epsg(), 0.0), minimum=0.5).to_epsg() == 9210
    assert best_fit(tried, lambda c: 0.4, minimum=0.5) is None


# ------------------------------------------------------------------ areas across the country


@pytest.mark.parametrize(("west", "south"), [(102.2, 21.5), (109.0, 12.3), (105.6, 9.0)])
def test_equal_area_matches_the_geodesic_area_anywhere_in_vietnam(west, south) -> None:
    # a 0.4° square at the west edge (Điện Biên), the east edge (Khánh Hòa), the south (Cà Mau)
    square = shapely.segmentize(shapely.box(west, south, west + 0.4, south + 0.4), 0.002)
    oracle = abs(GEOD.geometry_area_perimeter(square)[0]) / 1e6
    layer = gpd.GeoDataFrame(geometry=[square], crs=4756)
    assert crs.areas_km2(layer.to_crs(9210))[0] == pytest.approx(oracle, rel=1e-4)
    assert crs.areas_km2(layer)[0] == pytest.approx(oracle, rel=1e-4)
    edge = west < 103 or west > 108
    plane = layer.to_crs(9210).area.iloc[0] / 1e6  # one TM-3 zone for the whole country
    assert (abs(plane / oracle - 1) > 2e-3) == edge


def test_areas_on_the_ellipsoid_of_a_wide_polygon_and_of_missing_ones() -> None:
    # 1.5° wide (165 km) at the east edge of the zone: the areal scale varies by ~2.5 % across
    # it, and the centroid's scale must still give the geodesic area within 1e-4
    wide = shapely.segmentize(shapely.box(108.0, 12.0, 109.5, 13.0), 0.002)
    oracle = abs(GEOD.geometry_area_perimeter(wide)[0]) / 1e6
    layer = gpd.GeoDataFrame(geometry=[wide, None, shapely.Polygon()], crs=4756).to_crs(9210)
    areas = crs.areas_km2(layer)
    assert areas[0] == pytest.approx(oracle, rel=1e-4)
    assert np.isnan(areas[1]) and areas[2] == 0
