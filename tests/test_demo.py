"""Properties of the synthetic demo province (ictgis.demo), checked independently of its code."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
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
            "toa_do_x", "toa_do_y", "ghi_chu"],
    "subscribers": ["ma_xa", "co_dinh", "di_dong_tra_sau", "di_dong_tra_truoc",
                    "internet_co_dinh", "internet_di_dong", "ghi_chu"],
}
COUNTED_TYPES = {"Bưu cục cấp 1", "Bưu cục cấp 2", "Bưu cục cấp 3", "Bưu cục phát",
                 "Điểm BĐ-VHX", "Đại lý bưu chính", "Thùng thư công cộng"}
COURIER = "Văn phòng chuyển phát tư nhân"
OPERATORS = {"Viettel": 0.40, "VinaPhone": 0.25, "MobiFone": 0.25, "Vietnamobile": 0.10}
MAST_HEIGHTS = {"A1a": (3, 15), "A1b": (3, 15), "A2a": (6, 25), "A2b": (30, 60), "A2c": (20, 40)}
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
    for layer in ("communes", "post_offices", "bts", "subscribers"):
        missing = set(layers[layer]["fields"].values()) - set(getattr(demo, layer).columns)
        assert not missing, layer
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
    assert (row >= 0).all()
    tree = shapely.STRtree(points)
    left, right = tree.query(points, predicate="dwithin", distance=30.0)
    assert (left == right).all()


def test_bts_northing_is_x(demo):
    # VN-2000 northings in Tiền Giang are ~1.13-1.17 million m, eastings ~0.5-0.62 million m
    assert demo.bts["toa_do_x"].between(1.1e6, 1.2e6).all()
    assert demo.bts["toa_do_y"].between(4.5e5, 6.5e5).all()


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
