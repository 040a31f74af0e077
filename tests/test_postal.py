"""Postal indicators against the Ministry's published figures, hand calculations and partitions."""

from __future__ import annotations

import math

import geopandas as gpd
import hypothesis.extra.numpy as hnp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from ictgis import admin, postal

# DOMAIN.md §1.1: MIC national figures (S = 331,212 km²) and their published radii.
MIC_FIGURES = [(18_502, 2.39), (17_976, 2.42), (17_898, 2.43), (14_911, 2.66)]


@pytest.mark.parametrize(("n_points", "published_r"), MIC_FIGURES)
def test_national_radius_reproduces_mic_figures(n_points: int, published_r: float) -> None:
    # One polygon country of 331,212 km², through the public API (levels of sums).
    side = math.sqrt(331_212) * 1000
    country = gpd.GeoDataFrame({"code": ["VN"], "population": [86_200_000]},
                               geometry=[box(0, 0, side, side)], crs="EPSG:3405")
    sums = pd.DataFrame({
        "code": ["VN"], "population": [86_200_000.0],
        "area_km2": country.geometry.area / 1e6, "n_points": [n_points],
    })
    out = postal.add_indicators(admin.aggregate(sums, "province", ["population", "area_km2",
                                                                    "n_points"]))
    assert round(out["radius_km"].iloc[0], 2) == published_r


def test_tien_giang_2018_report_figures() -> None:
    # DOMAIN.md §1.5: 172 points, 2,508 km², 1,760,592 people -> 2.15 km and 10,236 people.
    sums = pd.DataFrame({"area_km2": [2508.0], "population": [1_760_592], "n_points": [172]})
    out = postal.add_indicators(sums)
    assert round(out["radius_km"].iloc[0], 2) == 2.15
    assert round(out["pop_per_point"].iloc[0]) == 10_236
    assert out["points_per_10k"].iloc[0] == pytest.approx(172 / 176.0592)


def test_zero_points_gives_empty_values_with_reason() -> None:
    sums = pd.DataFrame({"area_km2": [10.0, 20.0], "population": [100, 200], "n_points": [0, 2]})
    out = postal.add_indicators(sums)
    assert out["radius_km"].isna().tolist() == [True, False]
    assert out["pop_per_point"].isna().tolist() == [True, False]
    assert not np.isinf(out[["radius_km", "pop_per_point"]].to_numpy(dtype=float)).any()
    assert out["postal_note"].iloc[0] == postal.NO_POINTS
    assert pd.isna(out["postal_note"].iloc[1])
    assert out["radius_km"].iloc[1] == pytest.approx(math.sqrt(20 / (2 * math.pi)))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bưu cục cấp 1", "buu_cuc"), ("BƯU CỤC CẤP III", "buu_cuc"), ("buu_cuc", "buu_cuc"),
        ("Bưu cục phát", "buu_cuc_phat"), ("Điểm BĐ-VHX", "diem_bdvhx"),
        ("Điểm Bưu điện - Văn hóa xã", "diem_bdvhx"), ("Đại lý bưu chính", "dai_ly"),
        ("Ki-ốt", "kiot"), ("Thùng thư công cộng", "thung_thu"),
        ("Văn phòng chuyển phát tư nhân", "chuyen_phat"), ("Trạm xăng", None), ("", None),
    ],
)
def test_point_type_spellings(raw: str, expected: str | None) -> None:
    got = postal.point_type(pd.Series([raw])).iloc[0]
    assert (pd.isna(got) and expected is None) or got == expected


def test_point_type_config_alias() -> None:
    got = postal.point_type(pd.Series(["BC khu công nghiệp"]), {"BC khu công nghiệp": "buu_cuc"})
    assert got.iloc[0] == "buu_cuc"


def test_count_points_counts_only_configured_types() -> None:
    types = pd.Series(["buu_cuc", "thung_thu", "chuyen_phat", "diem_bdvhx", "thung_thu"])
    communes = pd.Series(["A", "A", "A", "B", "B"])
    index = pd.Index(["A", "B", "C"])
    full = postal.count_points(types, communes, index, count_types=postal.POINT_TYPES)
    no_boxes = postal.count_points(types, communes, index,
                                   count_types=["buu_cuc", "diem_bdvhx", "chuyen_phat"])
    assert full["n_points"].tolist() == [3, 2, 0]
    assert no_boxes["n_points"].tolist() == [2, 1, 0]
    assert full["n_thung_thu"].tolist() == [1, 1, 0]


def _naive_radius(area: float, n: int) -> float:
    return math.sqrt(area / (math.pi * n)) if n else float("nan")


@settings(max_examples=60, deadline=None)
@given(
    data=hnp.arrays(np.int64, st.integers(2, 30), elements=st.integers(0, 50)),
    groups=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_any_partition_recombines_to_the_whole(data: np.ndarray, groups: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(data)
    table = pd.DataFrame({
        "code": [f"c{i}" for i in range(n)],
        "district": rng.integers(0, groups, n).astype(str),
        "area_km2": rng.uniform(0.5, 100, n),
        "population": rng.integers(0, 50_000, n).astype(float),
        "n_points": data,
    })
    columns = ["area_km2", "population", "n_points"]
    parts = admin.aggregate(table, "district", columns)
    whole = postal.add_indicators(admin.aggregate(table, "province", columns)).iloc[0]
    recombined = postal.add_indicators(admin.aggregate(parts.assign(code="x"), "province",
                                                       columns)).iloc[0]
    assert recombined["area_km2"] == pytest.approx(table["area_km2"].sum())
    assert recombined["n_points"] == table["n_points"].sum()
    expected = _naive_radius(table["area_km2"].sum(), int(table["n_points"].sum()))
    for value in (whole["radius_km"], recombined["radius_km"]):
        assert (math.isnan(expected) and math.isnan(value)) or value == pytest.approx(expected)
    by_district = postal.add_indicators(parts)
    for _, row in by_district.iterrows():
        members = table[table["district"] == row["district"]]
        naive = _naive_radius(members["area_km2"].sum(), int(members["n_points"].sum()))
        assert (math.isnan(naive) and math.isnan(row["radius_km"])) or row[
            "radius_km"] == pytest.approx(naive)
