"""Admin model: names, kinds, regions, locating points, aggregation as ratios of sums."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ictgis import admin
from ictgis.errors import ConfigError


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("Phường", "Phường 1", "phuong"), ("phuong", "1", "phuong"),
        ("TT", "Cái Bè", "thi_tran"), ("thị trấn", "X", "thi_tran"), ("Xã", "An Hữu", "xa"),
        ("", "Xã An Hữu", "xa"), ("", "Thị trấn Tân Hiệp", "thi_tran"), ("", "An Hữu", None),
        ("bogus", "Phường 2", "phuong"),
    ],
)
def test_commune_kind(kind: str, name: str, expected: str | None) -> None:
    got = admin.commune_kind(pd.Series([kind]), pd.Series([name])).iloc[0]
    assert (expected is None and pd.isna(got)) or got == expected


def test_assign_regions_maps_every_district() -> None:
    units = pd.Series(["Thị xã Cai Lậy", "Huyện Cai Lậy", "Thành phố Mỹ Tho", "Huyện Cai Lậy"])
    regions = {"Tây": ["TX Cai Lậy", "H. Cai Lậy"], "Trung tâm": ["Mỹ Tho"]}
    got = admin.assign_regions(units, regions, file="c.gpkg")
    assert got.tolist() == ["Tây", "Tây", "Trung tâm", "Tây"]


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ({"Tây": ["TX Cai Lậy"]}, "maps no region for district 'Huyện Cai Lậy'"),
        ({"Tây": ["TX Cai Lậy", "H. Cai Lậy", "Huyện Gò Công"]}, "'Huyện Gò Công', which matches no"),
        ({"Tây": ["Cai Lậy"]}, "matches 2"),
        ({"Tây": ["TX Cai Lậy"], "Đông": ["H. Cai Lậy", "Thị xã Cai Lậy"]}, "is in both"),
    ],
)
def test_assign_regions_errors(regions: dict[str, list[str]], message: str) -> None:
    units = pd.Series(["Thị xã Cai Lậy", "Huyện Cai Lậy"])
    with pytest.raises(ConfigError, match=message):
        admin.assign_regions(units, regions, file="c.gpkg")


def test_locate_points_with_boundary_tie_and_outside() -> None:
    communes = gpd.GeoDataFrame({"code": ["B", "A"]},
                                geometry=[box(10, 0, 20, 10), box(0, 0, 10, 10)], crs=9210)
    points = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(15, 5), Point(10, 5), Point(50, 50)],
                              crs=9210)
    got = admin.locate(points, communes)
    assert got.iloc[:3].tolist() == ["A", "B", "A"]  # the tie goes to the smallest code
    assert pd.isna(got.iloc[3])


def test_aggregate_is_ratio_of_sums_and_keeps_missing() -> None:
    table = pd.DataFrame({
        "code": ["a", "b", "c"], "zone": ["Thành thị", "Nông thôn", "Nông thôn"],
        "area_km2": [1.0, 3.0, 6.0], "population": [100.0, 300.0, None], "n_points": [1, 1, 2],
    })
    zones = admin.aggregate(table, "zone", ["area_km2", "population", "n_points"])
    rural = zones.set_index("zone").loc["Nông thôn"]
    assert rural["area_km2"] == 9.0 and rural["n_points"] == 3
    assert pd.isna(rural["population"])  # one member unknown: no silent partial total
    province = admin.aggregate(table, "province", ["area_km2", "n_points"])
    assert province[["area_km2", "n_points"]].iloc[0].tolist() == [10.0, 4.0]


def test_safe_ratio_never_infinite() -> None:
    got = admin.safe_ratio(pd.Series([1, 0, 3]), pd.Series([0, 0, 2]), 100)
    assert got.isna().tolist() == [True, True, False]
    assert got.iloc[2] == 150.0


def test_zone_ids_and_their_labels(vietnamese) -> None:
    from ictgis import i18n

    zones = admin.zone_id(pd.Series([True, False]))
    assert zones.tolist() == ["urban", "rural"]
    table = pd.DataFrame({"zone": zones, "province": admin.WHOLE_PROVINCE})
    assert admin.display(table).values.tolist() == [["Thành thị", "Toàn tỉnh"],
                                                    ["Nông thôn", "Toàn tỉnh"]]
    with i18n.language("en"):
        assert admin.display(table)["zone"].tolist() == ["Urban", "Rural"]
    assert i18n.ids("admin.zone", pd.Series(["Nông thôn", "Urban"])).tolist() == [
        "rural", "urban"]


def test_region_errors_carry_their_id() -> None:
    with pytest.raises(ConfigError) as err:
        admin.assign_regions(pd.Series(["Huyện Cai Lậy"]), {"Tây": ["Gò Công"]}, file="c.gpkg")
    assert err.value.message_id == "admin.error.region_matches_none"
