"""Properties of the synthetic demo province (ictgis.demo), checked independently of its code."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj.transformer import TransformerGroup

from ictgis.demo import (
    DEMO_CONFIG,
    DEMO_SEED,
    SYNTHETIC_LABEL,
    DemoProvince,
    make_demo,
    workspace_files,
)

# The brief: district -> (phường, thị trấn names, xã, 2019 population, target area km²).
STRUCTURE = {
    "Thành phố Mỹ Tho": (11, (), 6, 228_109, 82),
    "Thị xã Cai Lậy": (6, (), 10, 125_615, 140),
    "Thị xã Gò Công": (5, (), 7, 99_657, 102),
    "Huyện Cái Bè": (0, ("Cái Bè",), 24, 292_738, 420),
    "Huyện Cai Lậy": (0, (), 16, 193_328, 296),
    "Huyện Châu Thành": (0, ("Tân Hiệp",), 21, 263_426, 230),
    "Huyện Chợ Gạo": (0, ("Chợ Gạo",), 18, 187_711, 231),
    "Huyện Tân Phước": (0, ("Mỹ Phước",), 12, 60_000, 333),
    "Huyện Gò Công Tây": (0, ("Vĩnh Bình",), 12, 127_132, 184),
    "Huyện Gò Công Đông": (0, ("Tân Hòa", "Vàm Láng"), 11, 139_060, 267),
    "Huyện Tân Phú Đông": (0, (), 6, 47_409, 226),
}
COLUMNS = {
    "communes": ["ma_xa", "ten_xa", "loai", "huyen", "dan_so", "ghi_chu", "geometry"],
    "post_offices": ["ma_diem", "ten_diem", "loai_diem", "xa_phuong", "kinh_do", "vi_do",
                     "ghi_chu"],
    "bts": ["ma_tram", "nha_mang", "cong_nghe", "loai_cot", "do_cao_m", "trang_thai",
            "xa_phuong", "toa_do_x", "toa_do_y", "ghi_chu"],
    "subscribers": ["ma_xa", "co_dinh", "di_dong_tra_sau", "di_dong_tra_truoc",
                    "internet_co_dinh", "internet_di_dong", "ghi_chu"],
    "zones": ["ma_vung", "ten_vung", "loai_vung", "cot_cho_phep", "chieu_cao_toi_da_m",
              "ghi_chu", "geometry"],
    "plan_features": ["ma", "ten", "loai_vung", "ban_kinh_m", "ghi_chu", "geometry"],
    "planned_sites": ["ma_quy_hoach", "loai_cot", "nha_mang", "ban_kinh_m", "toa_do_x",
                      "toa_do_y", "ghi_chu"],
    "proposals": ["ma_de_xuat", "nha_mang", "loai_cot", "do_cao_m", "kinh_do", "vi_do",
                  "ghi_chu"],
    "measurements": ["vi_do", "kinh_do", "nha_mang", "cong_nghe", "muc_thu_dbm", "ngay_do",
                     "ghi_chu"],
}
COUNTED_TYPES = {"Bưu cục cấp 1", "Bưu cục cấp 2", "Bưu cục cấp 3", "Bưu cục phát",
                 "Điểm BĐ-VHX", "Đại lý bưu chính", "Thùng thư công cộng"}
COURIER = "Văn phòng chuyển phát tư nhân"
OPERATORS = {"Viettel": 0.40, "VinaPhone": 0.25, "MobiFone": 0.25, "Vietnamobile": 0.10}
MAST_HEIGHTS = {"A1a": (3, 15), "A1b": (3, 15), "A2a": (6, 25), "A2b": (30, 60), "A2c": (20, 40)}
A1_CLASSES = {"A1a", "A1b"}
PROHIBITED, A1_ONLY, PERMITTED = "Khu vực cấm", "Khu vực chỉ lắp cột A1", "Khu vực được phép"
SITING = tomllib.loads(DEMO_CONFIG)["siting"]
PREFIX = {"phuong": "Phường ", "thi_tran": "Thị trấn ", "xa": "Xã "}
DMS = re.compile(r"""^(\d+)°(\d+)'(\d+(?:\.\d+)?)"([NSEW])$""")


@pytest.fixture(scope="module")
def demo() -> DemoProvince:
    return make_demo()


@pytest.fixture(scope="module")
def to_wgs84():
    group = TransformerGroup(9210, 4326, always_xy=True)
    return next(t for t in group.transformers if "VN-2000 to WGS 84 (2)" in t.description)


# --------------------------------------------------------------------------- helpers


def frames(demo: DemoProvince) -> dict[str, pd.DataFrame]:
    return {f.name: getattr(demo, f.name) for f in dataclasses.fields(demo)}


def parse_coordinate(text: str) -> float:
    match = DMS.match(text)
    if match is None:
        return float(text)
    deg, minutes, seconds, hemi = match.groups()
    value = int(deg) + int(minutes) / 60 + float(seconds) / 3600
    return -value if hemi in "SW" else value


def postal_xy(demo: DemoProvince, to_wgs84) -> np.ndarray:
    lon = demo.post_offices["kinh_do"].map(parse_coordinate).to_numpy(float)
    lat = demo.post_offices["vi_do"].map(parse_coordinate).to_numpy(float)
    return np.column_stack(to_wgs84.transform(lon, lat, direction="INVERSE"))


def bts_points(demo: DemoProvince) -> np.ndarray:
    return shapely.points(demo.bts["toa_do_y"].to_numpy(), demo.bts["toa_do_x"].to_numpy())


def containing_commune(points: np.ndarray, communes: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the commune containing each point, -1 if none (or several)."""
    point_idx, commune_idx = communes.sindex.query(points, predicate="within")
    found = np.full(len(points), -1)
    once = np.bincount(point_idx, minlength=len(points)) == 1
    found[point_idx] = commune_idx
    return np.where(once, found, -1)


def density(subs: pd.DataFrame, communes: gpd.GeoDataFrame, cols: list[str],
            only_xa: bool = False) -> float:
    table = subs.merge(communes[["ma_xa", "dan_so", "loai"]], on="ma_xa", validate="1:1")
    if only_xa:
        table = table[table["loai"] == "xa"]
    return table[cols].to_numpy().sum() * 100 / table["dan_so"].sum()


def operator_sets(bts: pd.DataFrame) -> pd.Series:
    return bts["nha_mang"].str.split(";")


def assert_same_frames(a: DemoProvince, b: DemoProvince) -> None:
    for name, left in frames(a).items():
        right = getattr(b, name)
        if isinstance(left, gpd.GeoDataFrame):
            assert left.crs == right.crs
            assert left.geometry.to_wkb().tolist() == right.geometry.to_wkb().tolist()
            left, right = pd.DataFrame(left.drop(columns="geometry")), pd.DataFrame(
                right.drop(columns="geometry"))
        pd.testing.assert_frame_equal(left, right, check_exact=True)


# --------------------------------------------------------------------------- all frames


def test_columns_and_synthetic_label(demo):
    for name, frame in frames(demo).items():
        assert list(frame.columns) == COLUMNS[name], name
        assert (frame["ghi_chu"] == SYNTHETIC_LABEL).all(), name


def test_frozen(demo):
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.bts = demo.bts  # type: ignore[misc]


def test_config_matches_frames(demo):
    config = tomllib.loads(DEMO_CONFIG)
    layers = config["layers"]
    assert set(layers) == {f.name for f in dataclasses.fields(demo)}
    for layer in layers:
        missing = set(layers[layer]["fields"].values()) - set(getattr(demo, layer).columns)
        assert not missing, layer
    assert config["siting"]["mast_classes"] == sorted(MAST_HEIGHTS)
    assert set(config["siting"]["a1_classes"]) == A1_CLASSES
    districts = [d for members in config["regions"].values() for d in members]
    assert sorted(districts) == sorted(set(demo.communes["huyen"]))
    assert demo.communes.crs.to_epsg() == int(config["province"]["crs"].split(":")[1])
    assert set(demo.communes["loai"]) == {*config["admin"]["urban_kinds"], "xa"}


def test_workspace_files(demo):
    files = workspace_files(demo)
    assert files["ictgis.toml"] == DEMO_CONFIG
    layers = tomllib.loads(DEMO_CONFIG)["layers"]
    assert set(files) == {"ictgis.toml"} | {layer["path"] for layer in layers.values()}
    for name, frame in frames(demo).items():
        assert files[layers[name]["path"]] is frame


def test_same_seed_same_frames(demo):
    assert_same_frames(demo, make_demo(DEMO_SEED))


def test_other_seed_other_frames(demo):
    other = make_demo(DEMO_SEED + 1)
    assert not demo.communes.geometry.geom_equals(other.communes.geometry).all()
    assert not demo.bts[["toa_do_x", "toa_do_y"]].equals(other.bts[["toa_do_x", "toa_do_y"]])
    assert not demo.post_offices["kinh_do"].equals(other.post_offices["kinh_do"])
    assert not demo.subscribers.equals(other.subscribers)
    assert not demo.zones.geometry.geom_equals(other.zones.geometry).all()
    assert not demo.planned_sites["toa_do_x"].equals(other.planned_sites["toa_do_x"])
    assert not demo.proposals["kinh_do"].equals(other.proposals["kinh_do"])


# --------------------------------------------------------------------------- communes


def test_commune_counts_by_district_and_kind(demo):
    counts = pd.crosstab(demo.communes["huyen"], demo.communes["loai"])
    counts = counts.reindex(columns=["phuong", "thi_tran", "xa"], fill_value=0)
    expected = pd.DataFrame(
        [(p, len(tt), x) for p, tt, x, _, _ in STRUCTURE.values()],
        index=list(STRUCTURE), columns=["phuong", "thi_tran", "xa"])
    pd.testing.assert_frame_equal(counts.loc[expected.index], expected, check_names=False)
    assert len(demo.communes) == 172
    assert demo.communes["loai"].value_counts().to_dict() == {
        "xa": 143, "phuong": 22, "thi_tran": 7}


def test_thi_tran_names(demo):
    c = demo.communes
    got = c[c["loai"] == "thi_tran"].groupby("huyen")["ten_xa"].apply(sorted).to_dict()
    want = {h: sorted(f"Thị trấn {n}" for n in tt) for h, (_, tt, *_r) in STRUCTURE.items() if tt}
    assert got == want


def test_codes_and_names(demo):
    c = demo.communes
    assert c["ma_xa"].str.fullmatch(r"\d{5}").all()
    assert c["ma_xa"].is_unique
    assert not c.duplicated(["huyen", "ten_xa"]).any()
    prefix = c["loai"].map(PREFIX)
    assert all(n.startswith(p) for n, p in zip(c["ten_xa"], prefix, strict=True))
    assert (c["ten_xa"].str.len() > prefix.str.len()).all()


def test_population(demo):
    c = demo.communes
    assert pd.api.types.is_integer_dtype(c["dan_so"])
    assert (c["dan_so"] > 0).all()
    by_district = c.groupby("huyen")["dan_so"].sum().to_dict()
    assert by_district == {h: s[3] for h, s in STRUCTURE.items()}
    assert c["dan_so"].sum() == 1_764_185
    urban = c["loai"] != "xa"
    assert c.loc[urban, "dan_so"].sum() / c["dan_so"].sum() == pytest.approx(0.14, abs=0.015)


def test_urban_units_small_and_dense(demo):
    c = demo.communes.assign(km2=demo.communes.area / 1e6)
    c = c.assign(per_km2=c["dan_so"] / c["km2"])
    assert c.loc[c["loai"] == "phuong", "km2"].between(0.8, 8).all()
    assert c.loc[c["loai"] == "thi_tran", "km2"].between(4, 15).all()
    xa_max = c[c["loai"] == "xa"].groupby("huyen")["per_km2"].max()
    urban_min = c[c["loai"] != "xa"].groupby("huyen")["per_km2"].min()
    assert (urban_min > xa_max.loc[urban_min.index]).all()


def test_area(demo):
    areas = shapely.area(demo.communes.geometry.to_numpy())
    assert areas.sum() / 1e6 == pytest.approx(2_510, rel=0.01)
    by_district = pd.Series(areas / 1e6).groupby(demo.communes["huyen"].to_numpy()).sum()
    target = pd.Series({h: s[4] for h, s in STRUCTURE.items()})
    assert ((by_district / target.loc[by_district.index] - 1).abs() <= 0.25).all()


def test_tiling_without_gaps_or_overlaps(demo):
    geoms = demo.communes.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert (shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON).all()
    province = shapely.union_all(geoms)
    assert province.geom_type == "Polygon"
    assert len(province.interiors) == 0
    assert abs(province.area - shapely.area(geoms).sum()) <= 1e-6 * province.area
    assert shapely.coverage_is_valid(geoms)


def test_districts_are_connected(demo):
    for district, group in demo.communes.groupby("huyen"):
        assert shapely.union_all(group.geometry.to_numpy()).geom_type == "Polygon", district


def test_province_extent(demo):
    minx, miny, maxx, maxy = demo.communes.to_crs(4326).total_bounds
    assert 105.8 <= minx < maxx <= 106.8
    assert 10.2 <= miny < maxy <= 10.6


def test_west_to_east_layout(demo):
    centre = demo.communes.dissolve("huyen").centroid
    x, y = centre.x, centre.y
    west_to_east = ["Huyện Cái Bè", "Huyện Cai Lậy", "Huyện Châu Thành", "Thành phố Mỹ Tho",
                    "Huyện Gò Công Tây", "Huyện Gò Công Đông"]
    assert x.loc[west_to_east].is_monotonic_increasing
    assert x.idxmin() == "Huyện Cái Bè"
    assert x.idxmax() == "Huyện Gò Công Đông"
    assert y.loc["Huyện Tân Phước"] > y.loc["Huyện Châu Thành"]
    assert y.loc["Huyện Tân Phú Đông"] < y.loc["Huyện Gò Công Tây"]
    assert y.loc["Thành phố Mỹ Tho"] < y.loc["Huyện Châu Thành"]


# --------------------------------------------------------------------------- postal points


def test_postal_mix(demo):
    po = demo.post_offices
    assert po["ma_diem"].is_unique
    assert po["ma_diem"].str.fullmatch(r"BC\d{4}").all()
    assert set(po["loai_diem"]) <= COUNTED_TYPES | {COURIER}
    assert po["loai_diem"].isin(COUNTED_TYPES).sum() == 172
    assert (po["loai_diem"] == COURIER).sum() == 8
    kinds = po["loai_diem"].value_counts()
    assert kinds["Bưu cục cấp 1"] == 1
    assert kinds["Bưu cục cấp 2"] == 10
    assert 80 <= kinds["Điểm BĐ-VHX"] <= 143


def test_postal_points_inside_stated_commune(demo, to_wgs84):
    c = demo.communes
    xy = postal_xy(demo, to_wgs84)
    points = shapely.points(xy)
    row = containing_commune(points, c)
    assert (row >= 0).all()
    assert (c["ten_xa"].to_numpy()[row] == demo.post_offices["xa_phuong"].to_numpy()).all()
    edge = shapely.distance(points, shapely.boundary(c.geometry.to_numpy()[row]))
    assert (edge >= 20).all()


def test_postal_level_1_and_2_placement(demo, to_wgs84):
    c = demo.communes
    row = containing_commune(shapely.points(postal_xy(demo, to_wgs84)), c)
    district = pd.Series(c["huyen"].to_numpy()[row])
    kind = demo.post_offices["loai_diem"].reset_index(drop=True)
    assert district[kind == "Bưu cục cấp 1"].tolist() == ["Thành phố Mỹ Tho"]
    level2 = district[kind == "Bưu cục cấp 2"]
    assert level2.is_unique
    assert set(level2) == set(STRUCTURE) - {"Thành phố Mỹ Tho"}


def test_postal_coordinate_text(demo):
    po = demo.post_offices
    dms_lon = po["kinh_do"].str.fullmatch(DMS.pattern)
    dms_lat = po["vi_do"].str.fullmatch(DMS.pattern)
    assert dms_lon.sum() == 5
    assert (dms_lon == dms_lat).all()
    assert po.loc[dms_lon, "kinh_do"].str.endswith("E").all()
    assert po.loc[dms_lat, "vi_do"].str.endswith("N").all()
    decimal = r"\d{2,3}\.\d{7}"
    assert po.loc[~dms_lon, "kinh_do"].str.fullmatch(decimal).all()
    assert po.loc[~dms_lat, "vi_do"].str.fullmatch(decimal).all()


# --------------------------------------------------------------------------- BTS


def test_bts_count_and_ids(demo):
    bts = demo.bts
    assert 1_950 <= len(bts) <= 2_050
    assert bts["ma_tram"].is_unique
    assert bts["ma_tram"].str.fullmatch(r"TG-\d{4}").all()


def test_bts_operators(demo):
    sets = operator_sets(demo.bts)
    assert sets.map(lambda ops: set(ops) <= set(OPERATORS) and len(set(ops)) == len(ops)).all()
    size = sets.map(len)
    assert size.between(1, 3).all()
    assert (size >= 2).mean() == pytest.approx(0.15, abs=0.03)
    presence = sets.explode().value_counts(normalize=True)
    for operator, share in OPERATORS.items():
        assert presence[operator] == pytest.approx(share, abs=0.05), operator


def test_bts_attributes(demo):
    bts = demo.bts
    techs = bts["cong_nghe"].str.split(";")
    assert techs.map(lambda t: set(t) <= {"2G", "3G", "4G"} and len(t) > 0).all()
    assert (bts["cong_nghe"] == "2G;3G;4G").mean() > 0.5
    assert set(bts["trang_thai"]) == {"dang_hoat_dong", "dang_xay_dung"}
    assert (bts["trang_thai"] == "dang_hoat_dong").mean() == pytest.approx(0.97, abs=0.02)
    assert set(bts["loai_cot"]) <= set(MAST_HEIGHTS)
    assert (bts["loai_cot"] == "A2b").mean() > 0.8
    for mast, (low, high) in MAST_HEIGHTS.items():
        height = bts.loc[bts["loai_cot"] == mast, "do_cao_m"]
        assert height.between(low, high).all(), mast
    assert (bts.loc[bts["loai_cot"] == "A2b", "do_cao_m"] >= 45).sum() > 0
    assert (bts["do_cao_m"] == bts["do_cao_m"].round(1)).all()
    xy = bts[["toa_do_x", "toa_do_y"]]
    assert (xy == xy.round(2)).all().all()


def test_bts_inside_province_and_spaced(demo):
    points = bts_points(demo)
    row = containing_commune(points, demo.communes)
    assert (row < 0).sum() == 3  # the rows with broken coordinates
    left, right = shapely.STRtree(points).query(points, predicate="dwithin", distance=30.0)
    close = left < right
    assert close.sum() == 4  # the duplicated rows only
    assert (shapely.distance(points[left[close]], points[right[close]]) == 0).all()


def test_bts_northing_is_x(demo):
    # VN-2000 northings in Tiền Giang are ~1.13-1.17 million m, eastings ~0.5-0.62 million m
    ok = demo.bts["toa_do_x"].between(1.1e6, 1.2e6) & demo.bts["toa_do_y"].between(4.5e5, 6.5e5)
    assert (~ok).sum() == 3  # swapped, mistyped northing, easting without its leading digit


def test_bts_denser_in_towns(demo):
    c = demo.communes
    row = containing_commune(bts_points(demo), c)
    urban = (c["loai"] != "xa").to_numpy()
    area = shapely.area(c.geometry.to_numpy())
    per_km2_urban = urban[row].sum() / area[urban].sum() * 1e6
    per_km2_rural = (~urban[row]).sum() / area[~urban].sum() * 1e6
    assert per_km2_urban > 3 * per_km2_rural


# --------------------------------------------------------------------------- subscribers


def test_subscriber_rows(demo):
    subs = demo.subscribers
    assert subs["ma_xa"].tolist() == demo.communes["ma_xa"].tolist()
    counts = subs.drop(columns=["ma_xa", "ghi_chu"])
    assert all(pd.api.types.is_integer_dtype(t) for t in counts.dtypes)
    assert (counts >= 0).all().all()


@pytest.mark.parametrize(
    ("cols", "only_xa", "expected"),
    [
        (["co_dinh", "di_dong_tra_sau"], False, 6.65),
        (["co_dinh", "di_dong_tra_sau"], True, 3.13),
        (["co_dinh", "di_dong_tra_sau", "di_dong_tra_truoc"], False, 102.86),
        (["internet_co_dinh"], False, 10.85),
        (["internet_co_dinh"], True, 2.55),
        (["internet_di_dong"], False, 45.0),
    ],
)
def test_subscriber_densities(demo, cols, only_xa, expected):
    got = density(demo.subscribers, demo.communes, cols, only_xa=only_xa)
    assert got == pytest.approx(expected, abs=0.05)


# --------------------------------------------------------------------------- plan


def province_of(demo: DemoProvince) -> shapely.Geometry:
    return shapely.union_all(demo.communes.geometry.to_numpy())


def d_min(mast: np.ndarray, urban: np.ndarray) -> np.ndarray:
    table = SITING["min_spacing_m"]
    return np.array([table.get(m, table["default"])["urban" if u else "rural"]
                     for m, u in zip(mast, urban, strict=True)], dtype=float)


def any_pair(n: int, rows: np.ndarray) -> np.ndarray:
    return np.bincount(rows, minlength=n) > 0


def zone_hits(demo: DemoProvince, points: np.ndarray, mast: np.ndarray,
              height: np.ndarray) -> pd.DataFrame:
    """Zone rules broken by masts at ``points`` (a slow-but-simple oracle, no margins)."""
    zones, features = demo.zones, demo.plan_features
    p, z = zones.sindex.query(points, predicate="intersects")
    zone_class = zones["loai_vung"].to_numpy()[z]
    fp, f = features.sindex.query(points, predicate="dwithin", distance=200.0)
    inside_buffer = (shapely.distance(points[fp], features.geometry.to_numpy()[f])
                     < features["ban_kinh_m"].to_numpy()[f])
    feature_class = features["loai_vung"].to_numpy()[f]
    n = len(points)
    allowed = zones["cot_cho_phep"].to_numpy()[z]
    unlisted = np.array([m not in a.split(";") for m, a in zip(mast[p], allowed, strict=True)],
                        dtype=bool)
    a1 = (any_pair(n, p[zone_class == A1_ONLY])
          | any_pair(n, fp[inside_buffer & (feature_class == A1_ONLY)]))
    return pd.DataFrame({
        "prohibited": any_pair(n, p[zone_class == PROHIBITED])
        | any_pair(n, fp[inside_buffer & (feature_class == PROHIBITED)]),
        "a2_in_a1": a1 & ~np.isin(mast, list(A1_CLASSES)),
        "not_listed": any_pair(n, p[(zone_class == PERMITTED) & (allowed != "") & unlisted]),
        "too_tall": any_pair(n, p[height[p] > zones["chieu_cao_toi_da_m"].to_numpy()[z]]),
    })


def planned_xy(demo: DemoProvince) -> np.ndarray:
    return shapely.points(demo.planned_sites["toa_do_y"], demo.planned_sites["toa_do_x"])


def planned_radius(demo: DemoProvince) -> np.ndarray:
    row = containing_commune(planned_xy(demo), demo.communes)
    urban = (demo.communes["loai"] != "xa").to_numpy()[row]
    default = np.where(urban, SITING["deviation_urban_m"], SITING["deviation_rural_m"])
    return demo.planned_sites["ban_kinh_m"].fillna(pd.Series(default)).to_numpy()


@pytest.fixture(scope="module")
def findings(demo) -> pd.DataFrame:
    """One row per mast: every rule it breaks, recomputed from the frames."""
    bts, c = demo.bts, demo.communes
    points = bts_points(demo)
    row = containing_commune(points, c)
    inside = row >= 0
    urban = np.where(inside, (c["loai"] != "xa").to_numpy()[row], False)
    mast, height = bts["loai_cot"].to_numpy(), bts["do_cao_m"].to_numpy()
    flags = zone_hits(demo, points, mast, height)
    flags["outside"] = ~inside
    flags["duplicate"] = bts.duplicated(["toa_do_x", "toa_do_y"], keep=False).to_numpy()
    flags["wrong_commune"] = inside & (c["ten_xa"].to_numpy()[row] != bts["xa_phuong"].to_numpy())
    flags["aviation"] = height >= SITING["aviation_height_m"]
    # spacing: disjoint operator sets closer than d_min (the smaller and the larger of the pair)
    dm = d_min(mast, urban)
    ok = np.flatnonzero(inside)
    left, right = shapely.STRtree(points[ok]).query(points[ok], predicate="dwithin",
                                                     distance=dm.max())
    left, right = ok[left[left < right]], ok[right[left < right]]
    ops = operator_sets(bts).map(set).to_numpy()
    disjoint = np.array([not ops[a] & ops[b] for a, b in zip(left, right, strict=True)], dtype=bool)
    gap = shapely.distance(points[left], points[right])
    close = disjoint & (gap < np.minimum(dm[left], dm[right]))
    close_max = disjoint & (gap < np.maximum(dm[left], dm[right]))
    assert (close == close_max).all()  # no pair depends on how d_min of a pair is read
    flags["spacing"] = any_pair(len(bts), np.r_[left[close], right[close]])
    flags.attrs["close_pairs"] = list(zip(left[close], right[close], strict=True))
    # plan: masts under construction against the planned sites
    sites = planned_xy(demo)
    radius = planned_radius(demo)
    m, s = shapely.STRtree(sites).query(points, predicate="dwithin", distance=radius.max())
    near = shapely.distance(points[m], sites[s]) <= radius[s]
    building = (bts["trang_thai"] == "dang_xay_dung").to_numpy()
    flags["unplanned"] = building & ~any_pair(len(bts), m[near])
    other_class = near & (mast[m] != demo.planned_sites["loai_cot"].to_numpy()[s])
    flags["class_mismatch"] = building & any_pair(len(bts), m[other_class])
    flags.attrs["built_sites"] = any_pair(len(sites), s[near & inside[m]])
    return flags


def test_zone_attributes(demo):
    zones = demo.zones
    assert zones["ma_vung"].is_unique
    assert zones["ma_vung"].str.fullmatch(r"VQ\d{3}").all()
    assert set(zones["loai_vung"]) == {PROHIBITED, A1_ONLY, PERMITTED}
    listed = zones["cot_cho_phep"].str.split(";").explode()
    assert set(listed) <= set(MAST_HEIGHTS) | {""}
    a1 = zones[zones["loai_vung"] == A1_ONLY]
    assert a1["cot_cho_phep"].map(lambda t: set(t.split(";")) <= A1_CLASSES).all()
    top = zones["chieu_cao_toi_da_m"]
    assert ((top > 0) | top.isna()).all()
    assert top.notna().sum() >= 2
    counts = zones["loai_vung"].value_counts()
    assert 3 <= counts[PROHIBITED] <= 10
    assert counts[A1_ONLY] >= 3


def test_zone_geometry(demo):
    zones = demo.zones
    geoms = zones.geometry.to_numpy()
    assert zones.crs.to_epsg() == 9210
    assert shapely.is_valid(geoms).all()
    assert set(shapely.get_type_id(geoms)) <= {shapely.GeometryType.POLYGON,
                                               shapely.GeometryType.MULTIPOLYGON}
    province = province_of(demo)
    assert shapely.covered_by(geoms, shapely.buffer(province, 0.05)).all()
    km2 = pd.Series(shapely.area(geoms) / 1e6)
    kind = zones["loai_vung"].reset_index(drop=True)
    assert km2[kind == PROHIBITED].between(0.05, 1.0).all()
    assert km2[kind == A1_ONLY].between(0.2, 4.0).all()
    assert km2[kind == A1_ONLY].max() >= 1.0  # the cores of the city and towns
    permitted = shapely.union_all(geoms[(kind == PERMITTED).to_numpy()])
    assert permitted.area == pytest.approx(province.area, rel=1e-6)  # every place has a rule


def test_plan_features(demo):
    f = demo.plan_features
    assert f.crs.to_epsg() == 9210
    assert f["ma"].is_unique
    kinds = f.geom_type.value_counts().to_dict()
    assert 10 <= kinds["Point"] <= 20
    assert 2 <= kinds["LineString"] <= 5
    assert set(f["loai_vung"]) == {PROHIBITED, A1_ONLY}
    by_kind = f.groupby([f.geom_type, "loai_vung"])["ban_kinh_m"].agg(set).to_dict()
    assert by_kind == {("Point", A1_ONLY): {200}, ("Point", PROHIBITED): {100},
                       ("LineString", A1_ONLY): {30}}
    assert f["ten"].str.startswith("Trụ sở").sum() >= 11  # province + every district
    assert shapely.covered_by(f.geometry.to_numpy(), province_of(demo)).all()


def test_plan_layers_write_as_geopackage(demo, tmp_path):
    for name in ("zones", "plan_features"):
        path = tmp_path / f"{name}.gpkg"
        pyogrio.write_dataframe(getattr(demo, name), path, layer=name, driver="GPKG")
        back = pyogrio.read_dataframe(path)
        assert back.geom_type.tolist() == getattr(demo, name).geom_type.tolist()
        assert back["loai_vung"].tolist() == getattr(demo, name)["loai_vung"].tolist()


def test_planned_sites(demo):
    ps = demo.planned_sites
    assert 590 <= len(ps) <= 610
    assert ps["ma_quy_hoach"].is_unique
    assert ps["ma_quy_hoach"].str.fullmatch(r"QH\d{4}").all()
    assert set(ps["loai_cot"]) <= set(MAST_HEIGHTS)
    named = ps["nha_mang"][ps["nha_mang"] != ""].str.split(";")
    assert named.map(lambda ops: set(ops) <= set(OPERATORS) and len(set(ops)) == len(ops)).all()
    assert 0.1 <= (ps["nha_mang"] == "").mean() <= 0.5
    custom = ps["ban_kinh_m"].dropna()
    assert 0.02 <= len(custom) / len(ps) <= 0.1
    assert (custom > 0).all()
    assert ps["toa_do_x"].between(1.1e6, 1.2e6).all()
    assert ps["toa_do_y"].between(4.5e5, 6.5e5).all()
    xy = ps[["toa_do_x", "toa_do_y"]]
    assert (xy == xy.round(2)).all().all()


def test_planned_sites_placement(demo):
    sites = planned_xy(demo)
    assert (containing_commune(sites, demo.communes) >= 0).all()
    left, right = shapely.STRtree(sites).query(sites, predicate="dwithin", distance=200.0)
    assert (left == right).all()
    mast = demo.planned_sites["loai_cot"].to_numpy()
    hits = zone_hits(demo, sites, mast, np.zeros(len(mast)))
    assert not hits.any().any()  # outside prohibited areas, and a class each zone allows


def test_planned_sites_mostly_not_built(findings):
    built = findings.attrs["built_sites"]
    assert (~built).mean() == pytest.approx(0.85, abs=0.03)


def test_deliberate_errors_and_breaches(findings):
    counts = findings.sum().to_dict()
    aviation = counts.pop("aviation")
    assert counts == {
        "prohibited": 6, "a2_in_a1": 5, "not_listed": 4, "too_tall": 4,
        "outside": 3, "duplicate": 8, "wrong_commune": 5,
        "spacing": 18, "unplanned": 6, "class_mismatch": 4,
    }
    assert 0 < aviation < 0.12 * len(findings)
    assert len(findings.attrs["close_pairs"]) == 6 + 2 * 3  # 6 pairs and 2 triples
    # each deliberate row shows one problem only (aviation aside)
    assert (findings.drop(columns="aviation").sum(axis=1) <= 1).all()


def test_most_masts_comply(findings):
    assert (~findings.any(axis=1)).mean() >= 0.85  # aviation marking counted as a finding
    assert (~findings.drop(columns="aviation").any(axis=1)).mean() >= 0.95


def test_masts_under_construction(demo, findings):
    building = (demo.bts["trang_thai"] == "dang_xay_dung").to_numpy()
    assert 50 <= building.sum() <= 70
    assert (building & ~findings["unplanned"]).sum() >= 0.85 * building.sum()


def test_proposals(demo, to_wgs84):
    pr = demo.proposals
    assert 10 <= len(pr) <= 15
    assert pr["ma_de_xuat"].is_unique
    assert pr["ma_de_xuat"].str.fullmatch(r"DX\d{3}").all()
    assert pr["nha_mang"].isin(list(OPERATORS)).all()
    assert set(pr["loai_cot"]) <= set(MAST_HEIGHTS)
    blank = (pr["kinh_do"] == "") & (pr["vi_do"] == "")
    assert blank.sum() == 1
    lon = pd.to_numeric(pr["kinh_do"].where(~blank)).to_numpy()
    lat = pd.to_numeric(pr["vi_do"].where(~blank)).to_numpy()
    assert pr.loc[~blank, "kinh_do"].str.fullmatch(r"\d{3}\.\d{7}").all()
    x, y = to_wgs84.transform(lon, lat, direction="INVERSE")
    points = shapely.points(x, y)
    row = containing_commune(points, demo.communes)
    outside = ~blank.to_numpy() & (row < 0)
    assert outside.sum() == 1

    ok = row >= 0
    mast = pr["loai_cot"].to_numpy()
    zone = np.zeros(len(pr), dtype=bool)
    zone[ok] = zone_hits(demo, points[ok], mast[ok],
                         pr["do_cao_m"].to_numpy()[ok]).any(axis=1).to_numpy()
    urban = (demo.communes["loai"] != "xa").to_numpy()[row]
    masts = bts_points(demo)
    ops = operator_sets(demo.bts).map(set).to_numpy()
    spacing = d_min(mast, urban)
    co_locate = np.zeros(len(pr), dtype=bool)
    for k in np.flatnonzero(ok):
        close = shapely.distance(masts, points[k]) < spacing[k]
        co_locate[k] = any(pr["nha_mang"].iloc[k] not in ops[j] for j in np.flatnonzero(close))
    radius = planned_radius(demo)
    at_site = np.array([ok[k] and bool((shapely.distance(planned_xy(demo), points[k])
                                        <= radius).any()) for k in range(len(pr))])
    approve = ok & ~zone & ~co_locate & at_site
    assert approve.sum() == 4
    assert (co_locate & ~zone & at_site).sum() == 3  # at a planned site another operator built
    assert (zone & ~co_locate).sum() == 3
