"""Silent wrong numbers (issue 10, items 4 and 5): bad data that used to pass unnoticed.

- overlapping communes (counted once, listed) and gaps between communes;
- coordinates that cannot be in the declared CRS, or mostly outside the province: one
  message naming the CRS that fits;
- operator names (alias table, ``[operators]``; a name matching nothing is never an operator);
- implausible mast heights;
- a commune without code (kept as ``NOCODE-<feature>``).

The cases break the toy workspace of tests/conftest.py and run the CLI in Vietnamese and
English (tests/robustness/conftest.py). The property test checks that rejecting rows never
changes the figures of the communes those rows did not touch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from ictgis.config import load_config
from ictgis.errors import DataError
from ictgis.stats import compute_stats
from ictgis.workspace import load_workspace
from tests.conftest import CONFIG, SIDE, X0, Y0
from tests.robustness.conftest import Case, check_case

# ------------------------------------------------------------------------------ breakers


def _communes(root: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(root / "communes.gpkg")


def _write_communes(root: Path, gdf: gpd.GeoDataFrame) -> None:
    (root / "communes.gpkg").unlink()
    gdf.to_file(root / "communes.gpkg")


def _table(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / name, dtype=str, keep_default_na=False)


def _config(root: Path, old: str, new: str) -> None:
    path = root / "ictgis.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append_config(root: Path, text: str) -> None:
    path = root / "ictgis.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def bts_crs(crs: str) -> Callable[[Path], None]:
    """The BTS table's easting/northing declared in another CRS."""
    return lambda root: _config(root, 'crs = "EPSG:9210"\n[layers.bts.fields]',
                                f'crs = "{crs}"\n[layers.bts.fields]')


def posts_in_metres(root: Path) -> None:
    """VN-2000 metres in the lon/lat columns (declared WGS 84 by default)."""
    posts = _table(root, "posts.csv")
    posts["lon"] = [str(X0 + 5_000 + 2_000 * i) for i in range(len(posts))]
    posts["lat"] = str(Y0 + 5_000)
    posts.to_csv(root / "posts.csv", index=False)


def posts_gpkg_labelled_wgs84(root: Path) -> None:
    """Postal points in a GeoPackage of VN-2000 metres whose CRS says WGS 84."""
    posts = _table(root, "posts.csv")
    points = gpd.points_from_xy([X0 + 5_000 + 2_000 * i for i in range(len(posts))],
                                [Y0 + 5_000] * len(posts))
    gdf = gpd.GeoDataFrame(posts.drop(columns=["lon", "lat"]), geometry=points, crs="EPSG:4326")
    gdf.to_file(root / "posts.gpkg")
    _config(root, 'path = "posts.csv"', 'path = "posts.gpkg"')
    _config(root, 'lon = "lon"\nlat = "lat"\n', "")


def bts_in_degrees(root: Path) -> None:
    """Longitude/latitude written in the easting/northing columns of a VN-2000 table."""
    from tests.conftest import lonlat

    bts = _table(root, "bts.csv")
    bts["x"], bts["y"] = lonlat([float(v) for v in bts["x"]], [float(v) for v in bts["y"]])
    bts.to_csv(root / "bts.csv", index=False)


def posts_outside(n: int) -> Callable[[Path], None]:
    """``n`` of the five postal points moved to Hà Nội."""

    def _break(root: Path) -> None:
        posts = _table(root, "posts.csv")
        posts.loc[: n - 1, "lon"] = "105.8"
        posts.loc[: n - 1, "lat"] = "21.0"
        posts.to_csv(root / "posts.csv", index=False)

    return _break


def communes_crs(crs: str, *, in_config: bool) -> Callable[[Path], None]:
    """The commune layer's metres labelled ``crs`` (in the file, or in ictgis.toml)."""

    def _break(root: Path) -> None:
        if in_config:
            _config(root, 'path = "communes.gpkg"\n', f'path = "communes.gpkg"\ncrs = "{crs}"\n')
        else:
            _write_communes(root, _communes(root).set_crs(crs, allow_override=True))

    return _break


def communes_in_degrees_labelled_vn2000(root: Path) -> None:
    _write_communes(root, _communes(root).to_crs(4326).set_crs(9210, allow_override=True))


def commune_without_code(root: Path) -> None:
    gdf = _communes(root)
    gdf.loc[1, "ma"] = None
    _write_communes(root, gdf)


def communes_overlap(root: Path) -> None:
    """Commune 003 reaches 1 km into commune 002 (10 % of it)."""
    gdf = _communes(root)
    gdf.loc[2, "geometry"] = box(X0 + 2 * SIDE - 1_000, Y0, X0 + 3 * SIDE, Y0 + SIDE)
    _write_communes(root, gdf)


def commune_with_hole(root: Path) -> None:
    """A 1 km² hole in commune 002 that no commune fills: a gap inside the province."""
    gdf = _communes(root)
    x, y = X0 + SIDE + 6_000, Y0 + 6_000
    gdf.loc[1, "geometry"] = Polygon(
        [(X0 + SIDE, Y0), (X0 + 2 * SIDE, Y0), (X0 + 2 * SIDE, Y0 + SIDE), (X0 + SIDE, Y0 + SIDE)],
        [[(x, y), (x + 1_000, y), (x + 1_000, y + 1_000), (x, y + 1_000)]])
    _write_communes(root, gdf)


def operators(*names: str) -> Callable[[Path], None]:
    """The BTS operators written differently (one name per mast)."""

    def _break(root: Path) -> None:
        bts = _table(root, "bts.csv")
        bts["ops"] = list(names) + list(bts["ops"][len(names):])
        bts.to_csv(root / "bts.csv", index=False)

    return _break


def heights(*values: str, config: str = "") -> Callable[[Path], None]:
    """A height column for the masts (and ``config`` appended to ictgis.toml)."""

    def _break(root: Path) -> None:
        bts = _table(root, "bts.csv")
        bts["cao"] = list(values) + ["30"] * (len(bts) - len(values))
        bts.to_csv(root / "bts.csv", index=False)
        _config(root, 'northing = "y"\n', 'northing = "y"\nheight = "cao"\n')
        _append_config(root, config)

    return _break


def appended(text: str) -> Callable[[Path], None]:
    return lambda root: _append_config(root, text)


def both(*breakers: Callable[[Path], None]) -> Callable[[Path], None]:
    def _break(root: Path) -> None:
        for breaker in breakers:
            breaker(root)

    return _break


VALIDATE = ("validate",)

CASES = [
    # ---------------------------------------------------------------- CRS: one message, stop
    Case("bts in the wrong TM-3 zone", bts_crs("EPSG:9209"), VALIDATE,
         message_id="errors.crs.points_look_like", names=("bts.csv", "EPSG:9210", "4", "9209")),
    Case("bts declared in a far TM-3 zone", bts_crs("EPSG:9217"), VALIDATE,
         message_id="errors.crs.points_look_like", names=("bts.csv", "EPSG:9210")),
    Case("bts declared UTM 48N", bts_crs("EPSG:3405"), VALIDATE,
         message_id="errors.crs.points_look_like", names=("bts.csv", "EPSG:9210")),
    Case("posts: VN-2000 metres in lon/lat", posts_in_metres, VALIDATE,
         message_id="errors.crs.points_look_like",
         names=("posts.csv", "EPSG:9210", "EPSG:4326", "post_offices")),
    Case("posts: GeoPackage of metres labelled WGS 84", posts_gpkg_labelled_wgs84, VALIDATE,
         message_id="errors.crs.points_look_like", names=("posts.gpkg", "EPSG:9210")),
    Case("bts: degrees in easting/northing", bts_in_degrees, VALIDATE,
         message_id="errors.crs.points_look_like", names=("bts.csv", "EPSG:4326")),
    Case("posts: 3 of 5 in Hà Nội", posts_outside(3), VALIDATE,
         message_id="errors.crs.points_outside", names=("posts.csv", "3", "5")),
    Case("posts: all in Hà Nội", posts_outside(5),
         message_id="errors.crs.points_outside", names=("posts.csv", "5")),
    Case("posts: 1 of 5 outside, max_outside_pct = 10",
         both(posts_outside(1), appended("\n[checks]\nmax_outside_pct = 10\n")), VALIDATE,
         message_id="errors.crs.points_outside", names=("posts.csv", "10")),
    Case("communes: metres declared WGS 84 in ictgis.toml",
         communes_crs("EPSG:4326", in_config=True),
         message_id="errors.crs.communes_look_like",
         names=("communes.gpkg", "EPSG:9210", "590000")),
    Case("communes: metres labelled WGS 84 in the file",
         communes_crs("EPSG:4326", in_config=False), VALIDATE,
         message_id="errors.crs.communes_look_like", names=("communes.gpkg", "EPSG:9210")),
    Case("communes: degrees labelled VN-2000", communes_in_degrees_labelled_vn2000, VALIDATE,
         message_id="errors.crs.communes_look_like", names=("communes.gpkg", "EPSG:4326")),
    # ---------------------------------------------------------------- configuration
    Case("[checks] heights in the wrong order",
         appended("\n[checks]\nmin_mast_height_m = 200\n"), VALIDATE,
         message_id="config.heights_order", names=("ictgis.toml", "[checks]", "200")),
    Case("[checks] max_outside_pct above 100",
         appended("\n[checks]\nmax_outside_pct = 150\n"), VALIDATE,
         names=("ictgis.toml", "max_outside_pct", "150")),
    Case("[operators] value not a name", appended('\n[operators]\n"Local Telco" = 5\n'),
         VALIDATE, names=("ictgis.toml", "[operators]", "Local Telco")),
    # ---------------------------------------------------------------- kept and listed (exit 0)
    Case("commune without code", commune_without_code, VALIDATE, exit_code=0,
         message_id="problems.communes.no_code_key", names=("communes.gpkg", "NOCODE-2")),
    Case("communes overlap", communes_overlap, VALIDATE, exit_code=0,
         message_id="problems.communes.overlap", names=("communes.gpkg", "002", "003", "10")),
    Case("gap between communes", commune_with_hole, VALIDATE, exit_code=0,
         message_id="problems.communes.gap", names=("communes.gpkg", "002")),
    Case("unknown operator alone", operators("Local Telco"), VALIDATE, exit_code=0,
         message_id="problems.masts.unknown_operator", names=("bts.csv", "Local Telco", "B1")),
    Case("unknown operator beside Viettel", operators("Viettel; Local Telco"), VALIDATE,
         exit_code=0, message_id="problems.masts.unknown_operator_kept",
         names=("bts.csv", "Local Telco")),
    Case("operator spellings", operators("Viettel Telecom", "VNPT VinaPhone", "Tập đoàn Viettel",
                                         "Indochina Telecom"), VALIDATE, exit_code=0),
    Case("[operators] extends the aliases",
         both(operators("Local Telco"), appended('\n[operators]\n"local telco" = "VIETTEL"\n')),
         VALIDATE, exit_code=0),
    Case("mast 999 m tall", heights("999"), VALIDATE, exit_code=0,
         message_id="problems.masts.implausible_height", names=("bts.csv", "999", "B1")),
    Case("mast 1 m tall", heights("30", "1"), VALIDATE, exit_code=0,
         message_id="problems.masts.implausible_height", names=("bts.csv", "B2")),
    Case("mast 0 m tall", heights("0"), VALIDATE, exit_code=0,
         message_id="problems.masts.implausible_height", names=("bts.csv", "B1")),
    Case("mast above a configured maximum",
         heights("45", config="\n[checks]\nmax_mast_height_m = 40\n"), VALIDATE, exit_code=0,
         message_id="problems.masts.implausible_height", names=("bts.csv", "40")),
    Case("height not a number", heights("cao"), VALIDATE, exit_code=0,
         message_id="problems.masts.bad_height", names=("bts.csv", "cao")),
    Case("posts: 1 of 5 outside stays a rejected row", posts_outside(1), VALIDATE, exit_code=0,
         message_id="problems.points.outside", names=("posts.csv",)),
]


def _problems(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "outputs" / "rejects" / "problems.csv", dtype=str,
                       keep_default_na=False, encoding="utf-8-sig")


def _province(root: Path) -> pd.Series:
    ws = load_workspace(load_config(root))
    return compute_stats(ws)["province"].iloc[0]


#: Further checks of the kept-and-listed cases, on the workspace after the case (English run).
AFTER: dict[str, Callable[[Path], None]] = {
    "commune without code": lambda root: (
        _assert(_province(root)["area_km2"] == pytest.approx(300.0)),
        _assert(_province(root)["population"] == 35_000)),
    "communes overlap": lambda root: (
        _assert(_province(root)["area_km2"] == pytest.approx(300.0)),  # not 310
        _assert(_problems(root).query("code == 'overlap'")["severity"].tolist() == ["repaired"])),
    "gap between communes": lambda root: _assert(
        _problems(root).query("code == 'gap'")["severity"].tolist() == ["warning"]),
    "unknown operator alone": lambda root: _assert(_province(root)["masts"] == 3),
    "unknown operator beside Viettel": lambda root: (
        _assert(_province(root)["masts"] == 4),
        _assert(not any("local" in c for c in _province(root).index))),
    "operator spellings": lambda root: _assert(
        sorted(c for c in _province(root).index if c.startswith("masts_op_"))
        == ["masts_op_itel", "masts_op_viettel", "masts_op_vinaphone"]),
    "[operators] extends the aliases": lambda root: (
        _assert(_province(root)["masts_op_viettel"] == 2), _assert(_problems(root).empty)),
    "mast 999 m tall": lambda root: _assert(_province(root)["masts"] == 3),
}


def _assert(condition: object) -> None:
    assert condition


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_data(case: Case, good_workspace: Path) -> None:
    check_case(case, good_workspace)
    if case.name in AFTER:
        AFTER[case.name](good_workspace)


def test_enough_cases() -> None:
    assert len(CASES) >= 20


# ------------------------------------------------------------------------ library level


def _load(root: Path, *, strict: bool = False):
    return load_workspace(load_config(root), strict=strict)


def test_twenty_communes_overlap_counted_once(make_workspace) -> None:
    """The issue's case: 20 communes covering 73.80 km², one drawn 4.23 km² too large."""
    side = (73.80 / 20) ** 0.5 * 1_000  # a 5 x 4 grid of 3.69 km² squares
    squares = [box(X0 + (i % 5) * side, Y0 + (i // 5) * side, X0 + (i % 5 + 1) * side,
                   Y0 + (i // 5 + 1) * side) for i in range(20)]
    grow = ((73.80 / 20 + 4.23) ** 0.5 * 1_000 - side) / 2
    squares[6] = squares[6].buffer(grow, join_style="mitre")  # 007 spills into 8 neighbours
    communes = gpd.GeoDataFrame({
        "ma": [f"{i:03d}" for i in range(1, 21)], "ten": [f"Xã {i}" for i in range(1, 21)],
        "huyen": ["Thành phố Mỹ Tho"] * 10 + ["Huyện Cái Bè"] * 10, "dan": "1000"},
        geometry=squares, crs="EPSG:9210")
    assert sum(s.area for s in squares) / 1e6 == pytest.approx(78.03)  # what used to count
    ws = _load(make_workspace(communes=communes, posts=_posts_in(communes)))
    assert ws.communes["area_km2"].sum() == pytest.approx(73.80)
    overlaps = ws.problems.query("code == 'overlap'")
    assert set(overlaps["severity"]) == {"repaired"}
    # the code that sorts first keeps the overlap: 007 gives up its part of 001-006 and
    # keeps its part of 008-013
    assert sorted(overlaps["id"]) == ["007"] * 4 + ["008", "011", "012", "013"]
    area = ws.communes.set_index("code")["area_km2"]
    assert area["007"] == pytest.approx((side ** 2 + 2 * grow * side + 2 * grow ** 2) / 1e6)
    assert area["001"] == pytest.approx(73.80 / 20)


def _posts_in(communes: gpd.GeoDataFrame) -> pd.DataFrame:
    from tests.conftest import lonlat

    points = communes.geometry.representative_point()
    lon, lat = lonlat(points.x.tolist(), points.y.tolist())
    return pd.DataFrame({"id": [f"P{i}" for i in range(len(points))], "loai": "Điểm BĐ-VHX",
                         "lon": lon, "lat": lat})


def test_overlap_below_tolerance_is_left_alone(make_workspace, communes_gdf) -> None:
    communes = communes_gdf.copy()  # 1 m² of 100 km²: 0.000001 %, a digitising sliver
    communes.loc[2, "geometry"] = box(X0 + 2 * SIDE - 0.1, Y0, X0 + 3 * SIDE, Y0 + 10)
    communes.loc[2, "geometry"] = communes.loc[2, "geometry"].union(
        box(X0 + 2 * SIDE, Y0, X0 + 3 * SIDE, Y0 + SIDE))
    ws = _load(make_workspace(communes=communes))
    assert ws.problems.empty
    assert ws.communes["area_km2"].sum() == pytest.approx(300.0, abs=1e-5)


def test_duplicated_polygon_is_counted_once(make_workspace, communes_gdf) -> None:
    extra = communes_gdf.iloc[[1]].assign(ma="004", ten="Xã Bản Sao")
    communes = pd.concat([communes_gdf, extra], ignore_index=True)
    ws = _load(make_workspace(communes=gpd.GeoDataFrame(communes, crs=communes_gdf.crs)))
    assert ws.communes["area_km2"].sum() == pytest.approx(300.0)
    assert ws.communes.set_index("code").loc["004", "area_km2"] == pytest.approx(0.0)
    assert ws.problems["id"].tolist() == ["004"]


def test_commune_without_code_counts_and_strict_refuses(make_workspace, communes_gdf) -> None:
    communes = communes_gdf.assign(ma=["001", "", "003"])
    root = make_workspace(communes=communes)
    ws = _load(root)
    assert ws.communes["code"].tolist() == ["001", "NOCODE-2", "003"]
    assert ws.post_offices.set_index("id")["commune"]["P2"] == "NOCODE-2"
    row = ws.problems.iloc[0]
    assert (row["where"], row["severity"], row["code"]) == ("feature 2", "warning", "no_code")
    with pytest.raises(DataError) as exc:
        _load(root, strict=True)
    assert "NOCODE-2" in str(exc.value)


def test_messages_are_vietnamese_by_default(make_workspace, communes_gdf, vietnamese) -> None:
    ws = _load(make_workspace(communes=communes_gdf.assign(ma=["001", "", "003"])))
    assert ws.problems["problem"].iloc[0].startswith("mã xã trống: xã vẫn được giữ với khóa")
    root = make_workspace(config=CONFIG.replace('crs = "EPSG:9210"\n[layers.bts.fields]',
                                                'crs = "EPSG:9209"\n[layers.bts.fields]'))
    with pytest.raises(DataError) as exc:
        _load(root)
    assert exc.value.message_id == "errors.crs.points_look_like"
    assert "tọa độ có vẻ thuộc hệ EPSG:9210 (VN-2000 / TM-3 105°45′)" in str(exc.value)


# ------------------------------------------------------------------------ real boundaries

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
REAL_COMMUNES = REAL / "tien_giang_communes.geojson"


@pytest.mark.real_data
@pytest.mark.skipif(not REAL_COMMUNES.is_file() and not os.environ.get("CI"),
                    reason=f"real data not present: {REAL_COMMUNES} is absent (required in CI)")
def test_real_commune_without_code_is_kept(tmp_path: Path) -> None:
    raw = gpd.read_file(REAL_COMMUNES)
    missing = raw.index[raw["commune_code"].isna()].tolist()
    assert len(missing) == 1
    points = raw.to_crs(4326).representative_point().iloc[:3]
    pd.DataFrame({"id": ["a", "b", "c"], "type": "Điểm BĐ-VHX", "lon": points.x.round(7),
                  "lat": points.y.round(7)}).to_csv(tmp_path / "posts.csv", index=False)
    (tmp_path / "ictgis.toml").write_text(f"""
[province]
name = "Tiền Giang (real boundaries)"

[layers.communes]
path = "{REAL_COMMUNES}"
[layers.communes.fields]
code = "commune_code"
name = "commune_name"
kind = "kind"
district = "district_name"
population = "pop_total_2019"

[layers.post_offices]
path = "posts.csv"
[layers.post_offices.fields]
id = "id"
type = "type"
lon = "lon"
lat = "lat"
""", encoding="utf-8")
    ws = _load(tmp_path)
    where = f"feature {missing[0]}"  # the locator QGIS shows: GeoJSON features count from 0
    key = "NOCODE-" + where.split()[1]
    assert key in set(ws.communes["code"])
    assert ws.problems.query("code == 'no_code'")[["where", "id"]].values.tolist() == [
        [where, key]]
    assert not ws.problems["code"].isin(["overlap", "gap"]).any()  # slivers stay unlisted
    assert ws.communes["population"].sum() == 1_764_185  # 2019 census: nothing lost
    assert ws.communes["area_km2"].sum() == pytest.approx(2533.0, abs=0.5)
    with pytest.raises(DataError):
        _load(tmp_path, strict=True)


# ------------------------------------------------------------------------ property


BREAKS = {
    "posts": {"coordinates": ("lon", "không rõ"), "no_id": ("id", ""),
              "unknown_type": ("loai", "Cửa hàng tạp hóa")},
    "bts": {"coordinates": ("x", "?"), "no_operator": ("ops", ""),
            "unknown_operator": ("ops", "Local Telco")},
}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posts=st.lists(st.sampled_from(sorted(BREAKS["posts"])), min_size=5, max_size=5),
       bts=st.lists(st.sampled_from(sorted(BREAKS["bts"])), min_size=4, max_size=4),
       broken_posts=st.sets(st.integers(0, 4)), broken_bts=st.sets(st.integers(0, 3)))
def test_rejected_rows_never_change_other_communes(make_workspace, posts_df, bts_df, posts,
                                                   bts, broken_posts, broken_bts) -> None:
    clean, posts_of, bts_of = _clean(make_workspace)
    bad_posts, bad_bts = posts_df.astype(object), bts_df.astype(object)
    for i in broken_posts:
        column, value = BREAKS["posts"][posts[i]]
        bad_posts.loc[i, column] = value
    for i in broken_bts:
        column, value = BREAKS["bts"][bts[i]]
        bad_bts.loc[i, column] = value
    got = _by_commune(load_workspace(load_config(make_workspace(posts=bad_posts, bts=bad_bts))))
    # the communes of the rejected rows, in the clean run
    lost_posts = posts_of[posts_df["id"].iloc[sorted(broken_posts)]]
    lost_bts = bts_of[bts_df["id"].iloc[sorted(broken_bts)]]
    touched = set(lost_posts) | set(lost_bts)
    for code in clean.index.difference(sorted(touched)):
        pd.testing.assert_series_equal(got.loc[code], clean.loc[code])
    expected_points = clean["points_all"].sub(lost_posts.value_counts(), fill_value=0)
    assert got["points_all"].tolist() == expected_points.astype(int).tolist()
    expected_masts = clean["masts"].sub(lost_bts.value_counts(), fill_value=0)
    assert got["masts"].tolist() == expected_masts.astype(int).tolist()


_CLEAN: dict[str, tuple[pd.DataFrame, pd.Series, pd.Series]] = {}


def _clean(make_workspace) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Figures of the clean toy workspace, and the commune of each point and mast."""
    if "toy" not in _CLEAN:
        ws = load_workspace(load_config(make_workspace()))
        _CLEAN["toy"] = (_by_commune(ws), ws.post_offices.set_index("id")["commune"],
                         ws.bts.set_index("id")["commune"])
    return _CLEAN["toy"]


def _by_commune(ws) -> pd.DataFrame:
    """Per commune: figures of the stats table and the count of every loaded point."""
    table = compute_stats(ws)["commune"].set_index("code")
    figures = table[["area_km2", "population", "n_points", "radius_km", "pop_per_point",
                     "masts"]].astype(float)
    points = ws.post_offices["commune"].value_counts()
    return figures.assign(points_all=points.reindex(table.index, fill_value=0).astype(float))
