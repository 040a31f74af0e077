"""Loading a workspace: field mapping, CRS, population joins, rejected and repaired rows."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from shapely.geometry import Polygon

from ictgis.config import load_config
from ictgis.errors import ConfigError, DataError
from ictgis.workspace import load_workspace
from tests.conftest import CONFIG, X0, Y0


def load(root):
    return load_workspace(load_config(root))


def test_loads_toy_workspace(make_workspace) -> None:
    ws = load(make_workspace())
    communes = ws.communes.set_index("code")
    assert communes["kind"].tolist() == ["phuong", "xa", "thi_tran"]
    assert communes["urban"].tolist() == [True, False, True]
    assert communes["region"].tolist() == ["Trung tâm", "Tây", "Tây"]
    assert communes["area_km2"].tolist() == pytest.approx([100.0, 100.0, 100.0])
    assert ws.communes.crs.to_epsg() == 9210
    posts = ws.post_offices.set_index("id")
    assert posts["commune"].to_dict() == {"P1": "001", "P2": "002", "P3": "003", "P4": "002",
                                          "P5": "002"}
    assert posts["counted"].to_dict() == {"P1": True, "P2": True, "P3": True, "P4": True,
                                          "P5": False}
    assert ws.problems.empty
    assert ws.bts.set_index("id")["commune"].tolist() == ["001", "001", "002", "002"]


def test_population_table_by_code_reports_unmatched_rows(make_workspace, communes_gdf) -> None:
    config = CONFIG.replace('population = "dan"\n', "") + """
[layers.population]
path = "pop.csv"
by = "code"
[layers.population.fields]
code = "ma"
population = "so_dan"
"""
    table = pd.DataFrame({"ma": ["001", "002", "003", "999"], "so_dan": [1, 2, 3, 4]})
    with pytest.raises(DataError, match=r"pop.csv: row 5 \(id 999\)?.*matches no commune"):
        load(make_workspace(config=config, extra={"pop.csv": table}))
    ws = load(make_workspace(config=config, extra={"pop.csv": table.iloc[:3]}))
    assert ws.communes["population"].tolist() == [1, 2, 3]


def test_population_table_commune_without_row_is_an_error(make_workspace) -> None:
    config = CONFIG.replace('population = "dan"\n', "") + """
[layers.population]
path = "pop.csv"
by = "name"
[layers.population.fields]
name = "ten"
district = "huyen"
population = "so_dan"
"""
    table = pd.DataFrame({"ten": ["P. 1", "An Hữu"], "huyen": ["TP Mỹ Tho", "H. Cái Bè"],
                          "so_dan": ["1.500", "2500"]})
    with pytest.raises(DataError, match=r"feature 3 .*no row of the population table"):
        load(make_workspace(config=config, extra={"pop.csv": table}))
    full = pd.concat([table, pd.DataFrame({"ten": ["TT Cái Bè"], "huyen": ["Cái Bè"],
                                           "so_dan": ["700"]})])
    ws = load(make_workspace(config=config, extra={"pop.csv": full}))
    assert ws.communes["population"].tolist() == [1500, 2500, 700]


def test_bad_points_are_rejected_and_reported(make_workspace, posts_df) -> None:
    posts = posts_df.copy()
    posts.loc[1, ["lon", "lat"]] = posts.loc[1, ["lat", "lon"]].to_numpy()   # swapped
    posts.loc[2, "lon"] = "một trăm"                                         # not a number
    posts.loc[3, "id"] = "P1"                                                # duplicate id
    posts.loc[4, ["lon", "lat"]] = ["105.0", "21.0"]                         # Hà Nội: outside
    ws = load(make_workspace(posts=posts))
    problems = ws.problems.set_index("where")["problem"]
    assert "look swapped" in problems["row 3"]
    assert "cannot read coordinates" in problems["row 4"]
    assert "duplicate id P1 (first at row 2)" in problems["row 5"]
    assert "outside the province" in problems["row 6"]
    assert ws.post_offices["id"].tolist() == ["P1"]
    assert len(ws.rejects["post_offices"]) == 4
    assert set(ws.problems["severity"]) == {"rejected"}


def test_vn2000_xy_swapped_is_recognised(make_workspace, bts_df) -> None:
    bts = bts_df.rename(columns={"x": "y", "y": "x"})  # X = northing written as easting
    ws = load(make_workspace(bts=bts))
    assert ws.bts.empty
    assert ws.problems["problem"].str.contains("VN-2000 X is the northing").all()


def test_stated_commune_mismatch_is_a_warning(make_workspace, posts_df) -> None:
    posts = posts_df.assign(xa=["Phường 1", "An Hữu", "Xã Khác", "", "002"])
    config = CONFIG.replace('lat = "lat"\n', 'lat = "lat"\ncommune = "xa"\n', 1)
    ws = load(make_workspace(posts=posts, config=config))
    warnings = ws.problems[ws.problems["severity"] == "warning"]
    assert warnings["id"].tolist() == ["P3"]
    assert "stated commune Xã Khác but the point falls in Thị trấn Cái Bè" in warnings[
        "problem"].iloc[0]
    assert len(ws.post_offices) == 5


def test_self_intersecting_commune_is_repaired(make_workspace, communes_gdf) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 10_000, Y0 + 10_000), (X0 + 10_000, Y0), (X0, Y0 + 10_000)])
    communes = communes_gdf.copy()
    communes.loc[0, "geometry"] = bowtie
    ws = load(make_workspace(communes=communes))
    repaired = ws.problems[ws.problems["severity"] == "repaired"]
    assert repaired["where"].tolist() == ["feature 1"]
    assert "Self-intersection" in repaired["problem"].iloc[0]
    assert ws.communes.geometry.is_valid.all()
    assert math.isclose(ws.communes["area_km2"].iloc[0], 50.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ma": ["001", "001", "003"]}, r"feature 2 .*duplicate commune code 001"),
        ({"dan": ["10000", "nhiều", "5000"]},
         r"feature 2 .*population is not a non-negative number: nhiều"),
        ({"ten": ["Phường 1", "An Hữu", "Thị trấn Cái Bè"]}, r"feature 2 .*cannot tell the kind"),
        ({"huyen": ["Thành phố Mỹ Tho", "Huyện Cái Bè", "Huyện Châu Thành"]},
         r"maps no region for district “Huyện Châu Thành”"),
    ],
)
def test_unusable_communes_stop_the_run(make_workspace, communes_gdf, change, message) -> None:
    communes = communes_gdf.assign(**change)
    with pytest.raises((DataError, ConfigError), match=message):
        load(make_workspace(communes=communes))


def test_official_area_scales_to_published_total(make_workspace) -> None:
    config = CONFIG.replace('crs = "EPSG:9210"\n', 'crs = "EPSG:9210"\nofficial_area_km2 = 330\n', 1)
    ws = load(make_workspace(config=config))
    assert ws.communes["area_km2"].sum() == pytest.approx(330)
    assert ws.communes["area_computed_km2"].sum() == pytest.approx(300)


# ------------------------------------------------------------------------- language of problems


def test_problems_are_vietnamese_by_default(make_workspace, posts_df, vietnamese) -> None:
    posts = posts_df.copy()
    posts.loc[3, "id"] = "P1"                                                # duplicate id
    posts.loc[4, ["lon", "lat"]] = ["105.0", "21.0"]                         # Hà Nội: outside
    ws = load(make_workspace(posts=posts))
    problems = ws.problems.set_index("where")["problem"]
    assert problems["row 5"] == "mã P1 bị trùng (xuất hiện lần đầu tại dòng 2)"
    assert problems["row 6"] == "nằm ngoài tỉnh (không thuộc xã nào)"
    assert ws.problems["code"].tolist() == ["duplicate_id", "outside"]     # ids stay ids
    assert set(ws.problems["severity"]) == {"rejected"}
    assert ws.rejects["post_offices"]["problem"].tolist() == problems.tolist()


def test_unusable_layer_error_names_its_message_in_vietnamese(make_workspace, communes_gdf,
                                                              vietnamese) -> None:
    communes = communes_gdf.assign(ma=["001", "001", "001"])
    with pytest.raises(DataError) as exc:
        load(make_workspace(communes=communes))
    assert exc.value.message_id == "errors.problems.list"
    assert str(exc.value).startswith("2 vấn đề; chưa thể dùng communes.gpkg cho đến khi sửa")
    assert ("communes.gpkg: đối tượng 2 (mã 001): mã xã 001 bị trùng (xuất hiện lần đầu tại "
            "đối tượng 1)") in str(exc.value)


def test_one_problem_error_names_its_message(make_workspace, communes_gdf) -> None:
    communes = communes_gdf.assign(ma=["001", "001", "003"])
    with pytest.raises(DataError) as exc:
        load(make_workspace(communes=communes))
    assert exc.value.message_id == "errors.problem.line_id"
    assert str(exc.value) == ("communes.gpkg: feature 2 (id 001): duplicate commune code 001 "
                              "(first at feature 1)")


# ------------------------------------------------------------------ data checks (issue 10)


def test_commune_without_code_is_kept_under_a_generated_key(make_workspace, communes_gdf
                                                            ) -> None:
    ws = load(make_workspace(communes=communes_gdf.assign(ma=["001", "002", "  "])))
    assert ws.communes["code"].tolist() == ["001", "002", "NOCODE-3"]
    assert ws.communes["population"].sum() == 35_000
    assert ws.problems[["where", "id", "severity", "code"]].values.tolist() == [
        ["feature 3", "NOCODE-3", "warning", "no_code"]]


def test_overlap_goes_to_the_code_that_sorts_first(make_workspace, communes_gdf) -> None:
    from shapely.geometry import box

    communes = communes_gdf.copy()  # 001 reaches 2 km into 002
    communes.loc[0, "geometry"] = box(X0, Y0, X0 + 12_000, Y0 + 10_000)
    ws = load(make_workspace(communes=communes))
    area = ws.communes.set_index("code")["area_km2"]
    assert area.tolist() == pytest.approx([120.0, 80.0, 100.0])
    problem = ws.problems.iloc[0]
    assert (problem["id"], problem["severity"], problem["code"]) == ("002", "repaired", "overlap")
    assert problem["problem"].startswith("overlaps commune 001 (feature 1) by 20.0000 km² "
                                         "(20.000 % of the smaller one)")
    assert ws.post_offices.set_index("id")["commune"]["P1"] == "001"


def test_points_are_placed_in_the_communes_once_overlaps_are_resolved(make_workspace, communes_gdf,
                                                                      posts_df) -> None:
    # load_workspace places the points while the coverage is checked, in the communes as read;
    # with an overlap they are placed again in the resolved communes (every point must lie in
    # the commune it is counted in, as returned)
    from shapely.geometry import box

    from tests.conftest import lonlat

    communes = communes_gdf.copy()  # 003 reaches 2 km into 002: 002 keeps the overlap
    communes.loc[2, "geometry"] = box(X0 + 18_000, Y0, X0 + 30_000, Y0 + 10_000)
    lon, lat = lonlat([X0 + 19_000], [Y0 + 5_000])
    posts = pd.concat([posts_df, pd.DataFrame({"id": ["P6"], "loai": ["Điểm BĐ-VHX"],
                                               "lon": lon, "lat": lat})], ignore_index=True)
    ws = load(make_workspace(communes=communes, posts=posts))
    assert ws.communes.set_index("code")["area_km2"].tolist() == pytest.approx([100.0, 100.0, 100.0])
    placed = ws.post_offices.merge(ws.communes[["code", "geometry"]].rename(
        columns={"code": "commune", "geometry": "polygon"}), on="commune")
    assert len(placed) == len(ws.post_offices) == 6
    assert placed.set_index("id")["commune"]["P6"] == "002"
    assert all(polygon.covers(point) for polygon, point in zip(
        placed["polygon"], placed.geometry, strict=True))


def test_gap_inside_the_province_is_a_warning(make_workspace, communes_gdf) -> None:
    communes = communes_gdf.copy()
    hole = [(X0 + 12_000, Y0 + 6_000), (X0 + 13_000, Y0 + 6_000), (X0 + 13_000, Y0 + 7_000),
            (X0 + 12_000, Y0 + 7_000)]
    communes.loc[1, "geometry"] = Polygon(communes.loc[1, "geometry"].exterior.coords, [hole])
    ws = load(make_workspace(communes=communes))
    assert ws.problems[["id", "severity", "code"]].values.tolist() == [["002", "warning", "gap"]]
    assert "gap of 1.0000 km² between communes 002" in ws.problems["problem"].iloc[0]
    assert ws.communes["area_km2"].sum() == pytest.approx(299.0)


def test_implausible_heights_are_rejected(make_workspace, bts_df) -> None:
    bts = bts_df.assign(cao=["999", "2.5", "cao", "45"])
    config = CONFIG.replace('northing = "y"\n', 'northing = "y"\nheight = "cao"\n')
    ws = load(make_workspace(bts=bts, config=config))
    assert ws.bts["id"].tolist() == ["B3", "B4"]
    found = ws.problems.set_index("id")
    assert found.loc["B1", "code"] == "implausible_height"
    assert found.loc["B1", "problem"] == ("height 999 m is outside the plausible range 3–150 m "
                                          "([checks] min_mast_height_m, max_mast_height_m)")
    assert found.loc["B2", "severity"] == "rejected"
    assert found.loc["B3", ["severity", "code"]].tolist() == ["warning", "bad_height"]
    assert ws.rejects["bts"]["problem"].str.contains("plausible").sum() == 2


def test_operator_names_never_become_operators(make_workspace, bts_df) -> None:
    bts = bts_df.assign(ops=["Tập đoàn Viettel", "VNPT VinaPhone; Local Telco", "Local Telco",
                             "Viettel Telecom"])
    ws = load(make_workspace(bts=bts))
    assert ws.bts.set_index("id")["operators"].to_dict() == {
        "B1": ("Viettel",), "B2": ("VinaPhone",), "B4": ("Viettel",)}
    found = ws.problems.set_index("id")
    assert found.loc["B2", ["severity", "code"]].tolist() == ["warning", "unknown_operator"]
    assert found.loc["B3", ["severity", "code"]].tolist() == ["rejected", "unknown_operator"]
    assert ws.rejects["bts"]["ops" if "ops" in ws.rejects["bts"] else "operators"].tolist() == [
        "Local Telco"]


def test_points_in_the_wrong_zone_name_the_crs_that_fits(make_workspace) -> None:
    config = CONFIG.replace('crs = "EPSG:9210"\n[layers.bts.fields]',
                            'crs = "EPSG:9209"\n[layers.bts.fields]')
    with pytest.raises(DataError) as exc:
        load(make_workspace(config=config))
    assert exc.value.message_id == "errors.crs.points_look_like"
    assert str(exc.value) == (
        'bts.csv: the coordinates look like EPSG:9210 (VN-2000 / TM-3 105°45′), not EPSG:9209 '
        '(VN-2000 / TM-3 105°30′): 4 of 4 rows fall outside the province; set crs = '
        '"EPSG:9210" in [layers.bts] of ictgis.toml')


def test_commune_metres_declared_as_degrees_name_the_crs(make_workspace, communes_gdf) -> None:
    communes = communes_gdf.set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(DataError) as exc:
        load(make_workspace(communes=communes))
    assert exc.value.message_id == "errors.crs.communes_look_like"
    assert str(exc.value).startswith(
        "communes.gpkg: the coordinates (x 590000–620000, y 1140000–1150000) cannot be in "
        "EPSG:4326 (WGS 84): they look like EPSG:9210 (VN-2000 / TM-3 105°45′)")


# ------------------------------------------------- work done on threads (issue 14: national)


def test_national_areas_are_measured_after_the_overlap_is_removed(make_workspace,
                                                                   communes_gdf) -> None:
    # a layer with provinces gets its areas on the ellipsoid, reprojected on a thread while the
    # coverage is checked: the commune that gave up 20 km² must not keep its 100 km²
    from shapely.geometry import box

    communes = communes_gdf.assign(tinh="Tiền Giang")
    communes.loc[0, "geometry"] = box(X0, Y0, X0 + 12_000, Y0 + 10_000)
    config = CONFIG.replace('population = "dan"\n', 'population = "dan"\nprovince = "tinh"\n')
    ws = load(make_workspace(communes=communes, config=config))
    computed = ws.communes.set_index("code")["area_computed_km2"]
    # TM-3 (scale 0.9999, 0.26° from its meridian) against the equal-area CRS: within 0.05 %
    assert computed.tolist() == pytest.approx([120.0, 80.0, 100.0], rel=5e-4)
    assert ws.problems["code"].tolist() == ["overlap"]


def test_communes_error_comes_first_when_a_point_table_is_broken_too(make_workspace,
                                                                     communes_gdf,
                                                                     posts_df) -> None:
    # the point tables are read on a thread while the communes are checked: the communes'
    # error is still the one the user gets, and the run waits for nothing
    communes = communes_gdf.assign(ma=["001", "001", "003"])
    with pytest.raises(DataError) as exc:
        load(make_workspace(communes=communes, posts=posts_df.drop(columns="lat")))
    assert exc.value.message_id == "errors.problem.line_id"
    assert "duplicate commune code 001" in str(exc.value)


def test_a_broken_point_table_is_reported_once_the_communes_are_good(make_workspace,
                                                                     posts_df) -> None:
    with pytest.raises(DataError) as exc:
        load(make_workspace(posts=posts_df.drop(columns="lat")))
    assert "posts.csv" in str(exc.value) and "lat" in str(exc.value)


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("broken", [False, True], ids=["loads", "raises"])
def test_the_cycle_collector_is_paused_while_loading_and_restored(make_workspace, posts_df,
                                                                  monkeypatch, enabled: bool,
                                                                  broken: bool) -> None:
    import gc

    from ictgis import workspace

    seen = []
    read_points = workspace.read_points

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return read_points(*args, **kwargs)

    monkeypatch.setattr(workspace, "read_points", spy)
    root = make_workspace(posts=posts_df.drop(columns="lat") if broken else posts_df)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        if broken:
            with pytest.raises(DataError):
                load(root)
        else:
            load(root)
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert seen and not any(seen)  # paused while the layers were read
    assert after is enabled  # and left as the caller had it, error or not
