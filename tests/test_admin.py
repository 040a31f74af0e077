"""Admin model: names, kinds, regions, locating points, aggregation as ratios of sums."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from ictgis import admin, threads
from ictgis.admin import MIN_HOLE_M2, SLIVER_WIDTH_M
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
        ({"Tây": ["TX Cai Lậy"]}, "maps no region for district “Huyện Cai Lậy”"),
        ({"Tây": ["TX Cai Lậy", "H. Cai Lậy", "Huyện Gò Công"]}, "“Huyện Gò Công”, which matches no"),
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


@pytest.mark.parametrize("split", [0, 10**9], ids=["two threads", "one thread"])
def test_locate_equals_a_loop_over_the_communes(monkeypatch, split: int) -> None:
    """On one thread or two, against a loop of ``covers`` that takes the smallest code."""
    import numpy as np

    monkeypatch.setattr(threads, "SPLIT_QUERY", split)
    cells = [(f"C{9 - i:02d}{j}", box(i, j, i + 1, j + 1)) for i in range(10) for j in range(7)]
    communes = gpd.GeoDataFrame({"code": [c for c, _ in cells]},
                                geometry=[g for _, g in cells], crs=9210)
    rng = np.random.default_rng(5)
    xy = np.vstack([rng.uniform(-1, 11, (400, 2)), rng.integers(0, 10, (100, 2))])  # corners
    points = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=9210)
    expected = [min((c for c, g in cells if g.covers(p)), default=None)
                for p in points.geometry]
    got = admin.locate(points, communes)
    assert [None if pd.isna(v) else v for v in got] == expected
    assert sum(v is None for v in expected) > 0


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


# ------------------------------------------------------------------------------- outlines

def _uncovered_small_holes(units: gpd.GeoDataFrame) -> list[tuple[int, float]]:
    """Slow oracle: (unit, area) of every interior ring under MIN_HOLE_M2 no other unit covers."""
    found = []
    for i, geom in enumerate(units.geometry):
        others = shapely.union_all([g for j, g in enumerate(units.geometry) if j != i])
        for part in getattr(geom, "geoms", [geom]):
            for ring in part.interiors:
                hole = shapely.Polygon(ring)
                if hole.area < MIN_HOLE_M2 and hole.intersection(others).area < 0.99 * hole.area:
                    found.append((i, hole.area))
    return found


def _furthest_from(mine: shapely.Geometry, theirs: shapely.Geometry) -> float:
    """How far (m) the boundary of ``mine`` gets from that of ``theirs`` (every 50 m along it)."""
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(mine.boundary, 50)))
    return float(shapely.distance(points, theirs.boundary).max())


def _holes(geom: shapely.Geometry) -> list[float]:
    return sorted(shapely.Polygon(r).area for p in getattr(geom, "geoms", [geom])
                  for r in p.interiors)


def _generated_communes() -> gpd.GeoDataFrame:
    """A 3 km x 3 km province of three districts with the defects digitising leaves.

    - A (2 x 2 km, four communes): a sliver 0.5 m x 600 m (300 m²) between A1 and A2, a
      30 x 30 m (900 m²) hole in A4 and a 40 x 40 m (1,600 m²) pond in A3 (kept: not small);
    - B (1 x 2 km): a sliver 1 m x 1,800 m (1,800 m², narrow) between it and A, and an
      island 100 x 100 m 2 km away with a 10 x 10 m hole (filled: B is two polygons);
    - C (the top 1 km strip) enclosing T, a district of one 20 x 20 m commune (400 m²): a
      real enclave, smaller than MIN_HOLE_M2, that must stay.
    """
    t1 = box(1000, 2300, 1020, 2320)
    shapes = {
        ("A1", "A"): box(0, 0, 1000, 1000),
        ("A2", "A"): box(1000, 0, 2000, 1000).difference(box(1000, 200, 1000.5, 800)),
        ("A3", "A"): box(0, 1000, 1000, 2000).difference(box(480, 1480, 520, 1520)),
        ("A4", "A"): box(1000, 1000, 2000, 2000).difference(box(1400, 1400, 1430, 1430)),
        ("B1", "B"): box(2000, 0, 3000, 2000).difference(box(2000, 100, 2001, 1900)),
        ("B2", "B"): box(5000, 0, 5100, 100).difference(box(5040, 40, 5050, 50)),
        ("C1", "C"): box(0, 2000, 3000, 3000).difference(t1),
        ("T1", "T"): t1,
    }
    return gpd.GeoDataFrame(
        {"code": [c for c, _ in shapes], "district": [d for _, d in shapes],
         "region": ["south" if d in "AB" else "north" for _, d in shapes]},
        geometry=list(shapes.values()), crs="EPSG:9210")


def test_outlines_fill_slivers_and_keep_enclaves() -> None:
    communes = _generated_communes()
    plain = communes.dissolve(by="district").reset_index()
    # the defects are there in a plain dissolve: holes in A, a hole between A and B
    assert _holes(plain.geometry[0]) == pytest.approx([300, 900, 1600])
    assert len(_holes(shapely.union_all(plain.geometry))) == 5  # + the 1,800 m² sliver, island
    got = admin.outlines(communes, "district")
    assert list(got.columns) == ["district", "geometry"] and got.crs == communes.crs
    assert list(got["district"]) == ["A", "B", "C", "T"]
    assert _uncovered_small_holes(got) == []
    by = dict(zip(got["district"], got.geometry, strict=True))
    assert _holes(by["A"]) == pytest.approx([1600])  # the pond is not a sliver
    assert _holes(by["C"]) == pytest.approx([400])  # the enclave stays ...
    assert by["T"].equals(communes.geometry[7])  # ... and is its own unit
    assert by["B"].geom_type == "MultiPolygon" and _holes(by["B"]) == []
    # nothing between the units: the 3 x 3 km square and the island, less the pond
    union = shapely.union_all(got.geometry)
    assert _holes(union) == pytest.approx([1600])
    assert union.area == pytest.approx(9e6 + 1e4 - 1600, abs=1e-3)
    assert got.area.sum() == pytest.approx(9e6 + 1e4 - 1600, abs=1e-3)  # no overlaps either
    # real boundaries do not move: every point of an outline lies within the sliver width
    # of a boundary of the plain dissolve (a filled sliver closes across its mouth)
    for mine, theirs in zip(got.geometry, plain.geometry, strict=True):
        assert _furthest_from(mine, theirs) <= SLIVER_WIDTH_M


def test_outlines_of_regions_and_the_whole() -> None:
    communes = _generated_communes()
    regions = admin.outlines(communes, "region")
    assert list(regions["region"]) == ["north", "south"]
    assert _uncovered_small_holes(regions) == []
    assert regions.area.to_numpy() == pytest.approx([3e6, 6e6 + 1e4 - 1600], abs=1e-3)
    whole = admin.outlines(communes, "province")
    assert list(whole.columns) == ["province", "geometry"]
    assert list(whole["province"]) == [admin.WHOLE_PROVINCE]
    assert _holes(whole.geometry[0]) == pytest.approx([1600])


def test_outlines_are_made_once_per_content(monkeypatch) -> None:
    """The statistics and the maps ask for the same outlines from other frames: made once;
    another geometry or grouping value, or a change to what was returned, makes no stale
    answer."""
    import shapely.affinity

    made = []
    dissolved = admin._dissolved
    monkeypatch.setattr(admin, "_dissolved", lambda *a: made.append(a[1]) or dissolved(*a))
    communes = _generated_communes().iloc[::-1]  # a level no other test asks this way
    first = admin.outlines(communes, "district")
    first.loc[0, "district"] = "changed"  # the caller's copy
    again = admin.outlines(communes.copy().reset_index(drop=True), "district")
    assert made == ["district"]
    assert again["district"].tolist() == sorted(communes["district"].unique())
    moved = communes.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(moved.geometry.iloc[0], 1)
    admin.outlines(moved, "district")
    renamed = communes.assign(district=communes["district"].replace({"T": "U"}))
    assert "U" in admin.outlines(renamed, "district")["district"].tolist()
    assert made == ["district"] * 3


def test_outlines_with_a_commune_without_geometry() -> None:
    # shapely 2.2.0's coverage_clean moves the results after a missing geometry up by one
    communes = _generated_communes()
    communes.loc[0, "geometry"] = None  # A1
    got = admin.outlines(communes, "district")
    by = dict(zip(got["district"], got.geometry, strict=True))
    assert by["T"].equals(communes.geometry[7])
    assert by["C"].area == pytest.approx(3e6 - 400, abs=1e-3)
    # A2-A4 only: 3 km² less the pond and A2's notch (now open to the outside), or part of it
    assert 3e6 - 1600 - 300 <= by["A"].area <= 3e6 - 1600
    assert by["A"].intersection(box(0, 0, 999, 1000)).area == 0


def test_outlines_need_a_metric_crs_and_the_level_columns() -> None:
    communes = _generated_communes()
    with pytest.raises(ValueError, match="region"):
        admin.outlines(communes.drop(columns="region"), "region")
    from ictgis.errors import DataError

    with pytest.raises(DataError):
        admin.outlines(communes.to_crs("EPSG:4326"), "district")


REAL_COMMUNES = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
                 / "tien_giang_communes.geojson")
# the three economic regions by district (DOMAIN.md §1.4; as in tests/test_real_data.py)
REAL_REGIONS = {
    "Thành phố Mỹ Tho": "trung_tam", "Huyện Châu Thành": "trung_tam", "Huyện Chợ Gạo": "trung_tam",
    "Thị xã Cai Lậy": "tay", "Huyện Cai Lậy": "tay", "Huyện Cái Bè": "tay",
    "Huyện Tân Phước": "tay", "Thị xã Gò Công": "dong", "Huyện Gò Công Tây": "dong",
    "Huyện Gò Công Đông": "dong", "Huyện Tân Phú Đông": "dong",
}  # input vocabulary


@pytest.mark.real_data
@pytest.mark.skipif(not REAL_COMMUNES.is_file() and not os.environ.get("CI"),
                    reason=f"real data not present: {REAL_COMMUNES} is absent (CI: fails)")
def test_outlines_of_the_real_tien_giang_communes() -> None:
    communes = gpd.read_file(REAL_COMMUNES).to_crs("EPSG:9210").rename(
        columns={"district_name": "district", "commune_code": "code"})
    communes["region"] = communes["district"].map(REAL_REGIONS)
    assert communes["region"].notna().all()
    for level, count in (("district", 11), ("region", 3)):
        plain = communes.dissolve(by=level).reset_index()
        # the slivers the issue met: 74 holes in the western region alone
        assert sum(len(_holes(g)) for g in plain.geometry) > 0
        got = admin.outlines(communes, level)
        assert len(got) == count and list(got[level]) == list(plain[level])
        assert _uncovered_small_holes(got) == []
        assert sum(len(_holes(g)) for g in got.geometry) == 0  # Tiền Giang has no enclave
        for mine, theirs in zip(got.geometry, plain.geometry, strict=True):
            assert _furthest_from(mine, theirs) <= SLIVER_WIDTH_M
            assert shapely.symmetric_difference(mine, theirs).area < 10  # m², of ~100-400 km²
    west = communes[communes["region"] == "tay"].dissolve(by="region")
    assert len(_holes(west.geometry.iloc[0])) == 74
    assert np.isclose(admin.outlines(communes, "region").area.sum(), communes.area.sum(), rtol=1e-6)


# ------------------------------------------------------------------ levels are data (national)


def test_levels_follow_the_columns_of_the_commune_table() -> None:
    province = admin.levels(["code", "district", "zone", "region"])
    assert province == {"commune": ("code",), "district": ("district",), "zone": ("zone",),
                        "region": ("region",), "region_zone": ("region", "zone"),
                        "province": ()}
    assert list(admin.levels(["code", "zone"])) == ["commune", "zone", "province"]  # two tiers
    national = admin.levels(["code", "province", "district", "macro_region", "zone"])
    assert national == {"commune": ("code",), "district": ("province", "district"),
                        "province": ("province",), "macro_region": ("macro_region",),
                        "zone": ("zone",), "country": ()}
    assert admin.whole_level(["code", "province", "zone"]) == "country"
    assert admin.whole_level(["code", "district", "zone"]) == "province"


def test_national_aggregates_sum_communes_by_province_and_country() -> None:
    table = pd.DataFrame({
        "code": ["1", "2", "3", "4"], "province": ["A", "A", "B", "B"],
        "district": ["Huyện X", "Huyện Y", "Huyện X", "Huyện X"],  # the same name in A and B
        "macro_region": ["n", "n", "s", "s"],
        "zone": ["urban", "rural", "rural", "rural"], "population": [10, 20, 30, 40]})
    by_province = admin.aggregate(table, "province", ["population"])
    assert by_province.to_dict("list") == {"province": ["A", "B"], "population": [30.0, 70.0]}
    by_district = admin.aggregate(table, "district", ["population"])
    assert by_district["population"].tolist() == [10.0, 20.0, 70.0]  # B's Huyện X is its own
    country = admin.aggregate(table, "country", ["population"])
    assert country.to_dict("list") == {"country": [admin.WHOLE_PROVINCE], "population": [100.0]}
    with pytest.raises(ValueError, match="region"):
        admin.aggregate(table, "region", ["population"])


def test_macro_regions_default_to_the_six_socio_economic_regions() -> None:
    provinces = pd.Series(["Điện Biên", "Thành phố Hà Nội", "Huế", "Gia Lai", "TP. Hồ Chí Minh",
                           "Bà Rịa - Vũng Tàu", "Cà Mau", "Đồng Tháp"])
    found = admin.macro_regions(provinces, {}, file="communes.gpkg")
    assert found.tolist() == ["northern_midlands", "red_river_delta", "central_coast",
                              "central_highlands", "southeast", "southeast", "mekong_delta",
                              "mekong_delta"]
    every = [p for names in admin.SOCIO_ECONOMIC_REGIONS.values() for p in names]
    assert len(every) == 64 and len(set(every)) == 64  # 63 legacy provinces, and Huế


def test_macro_regions_name_what_they_cannot_place(english) -> None:
    with pytest.raises(ConfigError, match="“Atlantis”.*\\[macro_regions\\]"):
        admin.macro_regions(pd.Series(["Hà Nội", "Atlantis"]), {}, file="communes.gpkg")
    configured = {"North": ("Hà Nội",), "South": ("Cần Thơ",)}
    with pytest.raises(ConfigError, match="\\[macro_regions\\].*“Huế”"):
        admin.macro_regions(pd.Series(["Hà Nội", "Cần Thơ", "Huế"]), configured, file="x.gpkg")
    mine = admin.macro_regions(pd.Series(["Hà Nội", "Cần Thơ"]), configured, file="x.gpkg")
    assert mine.tolist() == ["North", "South"]


def test_macro_regions_name_the_provinces_in_none() -> None:
    provinces = pd.Series(["Đồng Tháp", "Tỉnh Không Có", "Đồng Tháp"])
    with pytest.raises(ConfigError, match="“Tỉnh Không Có”") as exc:
        admin.macro_regions(provinces, {}, file="c.gpkg")
    assert "Đồng Tháp" not in str(exc.value)
