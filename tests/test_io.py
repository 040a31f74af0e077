"""Tests of ictgis.io: reading layers in every accepted format, text cells, atomic outputs."""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import CRS, Transformer

from ictgis import io, parse
from ictgis.config import LayerConfig
from ictgis.crs import VN2000_TM3_10545_PROJ4
from ictgis.errors import DataError, LayerReadError

# ------------------------------------------------------------------------ canonical layer

IDS = ["BC01", "BC02", "BC03"]
NAMES = ["Bưu cục Mỹ Tho, Phường 1", "Điểm BĐVHX Tân Mỹ Chánh", "Đại lý Gò Công"]
TYPES = ["buu_cuc", "diem_bdvhx", "dai_ly"]
STAFF = [12, 3, 1]
LONS = [106.360125, 106.300431, 106.672208]
LATS = [10.359870, 10.400512, 10.354019]
# The same three sites in EPSG:9210 (made-up survey values, metres).
EASTINGS = [566_603.129, 560_000.5, 600_000.25]
NORTHINGS = [1_145_735.492, 1_150_000.75, 1_140_000.125]


def _cfg(path: Path, **kwargs) -> LayerConfig:
    fields = kwargs.pop("fields", {})
    return LayerConfig(name="post_offices", path=path, fields=fields, **kwargs)


def _canonical_gdf(*, metric: bool = False) -> gpd.GeoDataFrame:
    x, y, crs = (EASTINGS, NORTHINGS, "EPSG:9210") if metric else (LONS, LATS, "EPSG:4326")
    return gpd.GeoDataFrame(
        {"ma_diem": IDS, "ten_diem": NAMES, "loai_diem": TYPES, "so_nv": STAFF},
        geometry=shapely.points(x, y), crs=crs,
    )


def _canonical_table() -> pd.DataFrame:
    return pd.DataFrame({"ma_diem": IDS, "ten_diem": NAMES, "loai_diem": TYPES, "so_nv": STAFF,
                         "kinh_do": LONS, "vi_do": LATS})


def _write_vector(driver: str | None, ext: str):
    def write(directory: Path, gdf: gpd.GeoDataFrame) -> Path:
        path = directory / f"diem_phuc_vu{ext}"
        pyogrio.write_dataframe(gdf, path, driver=driver)
        return path
    return write


def _write_zipped_shapefile(directory: Path, gdf: gpd.GeoDataFrame) -> Path:
    shp = _write_vector("ESRI Shapefile", ".shp")(directory, gdf)
    path = directory / "diem_phuc_vu.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in directory.glob("diem_phuc_vu.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
                part.unlink()
    assert not shp.exists()
    return path


def _write_csv(sep: str, ext: str = ".csv", encoding: str = "utf-8"):
    def write(directory: Path, _gdf: gpd.GeoDataFrame) -> Path:
        path = directory / f"diem_phuc_vu{ext}"
        _canonical_table().to_csv(path, sep=sep, index=False, encoding=encoding)
        return path
    return write


def _write_xlsx(directory: Path, _gdf: gpd.GeoDataFrame) -> Path:
    path = directory / "diem_phuc_vu.xlsx"
    _canonical_table().to_excel(path, index=False, engine="openpyxl")
    return path


#: id -> (file ending, writer). Vector writers get a GeoDataFrame in EPSG:4326.
ALL_FORMATS = {
    "gpkg": (".gpkg", _write_vector("GPKG", ".gpkg")),
    "shp": (".shp", _write_vector("ESRI Shapefile", ".shp")),
    "geojson": (".geojson", _write_vector("GeoJSON", ".geojson")),
    "json": (".json", _write_vector("GeoJSON", ".json")),
    "kml-KML": (".kml", _write_vector("KML", ".kml")),
    "kml-LIBKML": (".kml", _write_vector("LIBKML", ".kml")),
    "kmz": (".kmz", _write_vector("LIBKML", ".kmz")),
    "fgb": (".fgb", _write_vector("FlatGeobuf", ".fgb")),
    "zip-shp": (".zip", _write_zipped_shapefile),
    "csv-comma": (".csv", _write_csv(",")),
    "csv-semicolon": (".csv", _write_csv(";")),
    "csv-bom": (".csv", _write_csv(",", encoding="utf-8-sig")),
    "txt-tab": (".txt", _write_csv("\t", ".txt")),
    "xlsx": (".xlsx", _write_xlsx),
}
METRIC_FORMATS = ["gpkg", "shp", "geojson", "json", "fgb", "zip-shp"]
TABLE_FORMATS = ["csv-comma", "csv-semicolon", "csv-bom", "txt-tab", "xlsx"]


@pytest.fixture(params=sorted(ALL_FORMATS))
def canonical_all_ext(request, tmp_path) -> tuple[str, Path]:
    """The canonical 3-point layer written in one accepted format (pyogrio ``*_all_ext``)."""
    ext, writer = ALL_FORMATS[request.param]
    path = writer(tmp_path, _canonical_gdf())
    assert path.suffix == ext
    return request.param, path


@pytest.fixture(params=METRIC_FORMATS)
def canonical_metric_ext(request, tmp_path) -> Path:
    return ALL_FORMATS[request.param][1](tmp_path, _canonical_gdf(metric=True))


def test_every_accepted_format_is_exercised():
    assert {ext for ext, _ in ALL_FORMATS.values()} == set(io.FORMATS)


def test_read_layer_all_formats(canonical_all_ext):
    _, path = canonical_all_ext
    frame = io.read_layer(_cfg(path))
    is_table = io.FORMATS[path.suffix] == "table"

    assert len(frame) == 3
    if is_table:
        assert not isinstance(frame, gpd.GeoDataFrame)
        assert list(frame[io.WHERE]) == ["row 2", "row 3", "row 4"]
        # spreadsheet row numbers point at the right records
        assert list(frame["ma_diem"]) == IDS
    else:
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.crs.equals(CRS("EPSG:4326"))
        # the feature id QGIS shows: GDAL's FID (from 1 in a GeoPackage and KML, from 0 in a
        # Shapefile, GeoJSON and FlatGeobuf)
        first = pyogrio.read_dataframe(path if path.suffix != ".zip" else f"/vsizip/{path}",
                                       fid_as_index=True).index[0]
        assert first in (0, 1)
        assert list(frame[io.WHERE]) == [f"feature {first + i}" for i in range(3)]

    rows = frame.sort_values("ma_diem").reset_index(drop=True)
    assert list(rows["ma_diem"]) == IDS
    assert list(rows["ten_diem"]) == NAMES  # exact, NFC as written
    assert list(rows["loai_diem"]) == TYPES
    assert [str(v) for v in rows["so_nv"]] == ["12", "3", "1"]
    if is_table:
        lon, lat = parse.parse_coordinate(rows["kinh_do"]), parse.parse_coordinate(rows["vi_do"])
    else:
        lon, lat = rows.geometry.x, rows.geometry.y
    np.testing.assert_allclose(lon, LONS, rtol=0, atol=1e-6)
    np.testing.assert_allclose(lat, LATS, rtol=0, atol=1e-6)


@pytest.mark.parametrize("fmt", TABLE_FORMATS)
def test_read_layer_tables_are_text(tmp_path, fmt):
    path = ALL_FORMATS[fmt][1](tmp_path, _canonical_gdf())
    frame = io.read_layer(_cfg(path))
    for col in frame.columns:
        assert all(isinstance(v, str) for v in frame[col]), col
    assert list(frame["kinh_do"]) == ["106.360125", "106.300431", "106.672208"]


def test_read_layer_metric_formats_keep_crs_and_centimetres(canonical_metric_ext):
    frame = io.read_layer(_cfg(canonical_metric_ext))
    assert frame.crs.equals(CRS("EPSG:9210"))
    rows = frame.sort_values("ma_diem")
    np.testing.assert_allclose(rows.geometry.x, EASTINGS, rtol=0, atol=0.01)
    np.testing.assert_allclose(rows.geometry.y, NORTHINGS, rtol=0, atol=0.01)
    assert list(rows["ten_diem"]) == NAMES


def test_read_layer_selects_gpkg_layer_and_xlsx_sheet(tmp_path):
    gpkg = tmp_path / "multi.gpkg"
    pyogrio.write_dataframe(_canonical_gdf().iloc[:1], gpkg, layer="khac")
    pyogrio.write_dataframe(_canonical_gdf(), gpkg, layer="diem_phuc_vu")
    assert len(io.read_layer(_cfg(gpkg, layer="diem_phuc_vu"))) == 3
    assert len(io.read_layer(_cfg(gpkg, layer="khac"))) == 1

    xlsx = tmp_path / "multi.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Ghi chú", index=False)
        _canonical_table().to_excel(writer, sheet_name="Điểm phục vụ", index=False)
    frame = io.read_layer(_cfg(xlsx, layer="Điểm phục vụ"))
    assert list(frame["ten_diem"]) == NAMES
    assert list(io.read_layer(_cfg(xlsx)).columns) == ["x", io.WHERE]  # first sheet by default


@pytest.mark.parametrize(
    ("suffix", "layer", "match"),
    [(".gpkg", "khong_co", r"multi\.gpkg: cannot read the layer"),
     (".xlsx", "Không có", r"multi\.xlsx: cannot read the table")],
)
def test_read_layer_unknown_layer_or_sheet(tmp_path, suffix, layer, match):
    path = tmp_path / f"multi{suffix}"
    if suffix == ".gpkg":
        pyogrio.write_dataframe(_canonical_gdf(), path, layer="diem_phuc_vu")
    else:
        _canonical_table().to_excel(path, index=False)
    with pytest.raises(LayerReadError, match=match):
        io.read_layer(_cfg(path, layer=layer))


# ----------------------------------------------------------------- row locations in tables


def test_csv_row_numbers_count_blank_lines(tmp_path):
    # In a spreadsheet, BC02 below an empty line is on row 4; messages must point there.
    path = tmp_path / "diem.csv"
    path.write_text("ma_diem,ten_diem\nBC01,Bưu cục Mỹ Tho\n\nBC02,Đại lý Gò Công\n",
                    encoding="utf-8")
    frame = io.read_layer(_cfg(path))
    assert list(frame["ma_diem"]) == ["BC01", "BC02"]
    assert list(frame[io.WHERE]) == ["row 2", "row 4"]


def test_xlsx_row_numbers_count_empty_rows(tmp_path):
    path = tmp_path / "diem.xlsx"
    pd.DataFrame({"ma_diem": ["BC01", None, "BC02"], "so_nv": [12, None, 3]}).to_excel(
        path, index=False)
    frame = io.read_layer(_cfg(path))
    rows = frame[frame["ma_diem"] != ""]
    assert list(rows["ma_diem"]) == ["BC01", "BC02"]
    assert list(rows[io.WHERE]) == ["row 2", "row 4"]


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_table_cells_are_text_without_surrounding_space(tmp_path, ext):
    # what a department's sheet holds: padded codes, a no-break space, empty cells, numbers
    table = pd.DataFrame({
        "ma_diem": ["  BC01 ", "BC02", "\u00a0BC03\u3000", "BC04"],
        "ten_diem": ["Bưu cục Mỹ Tho ", " ", "Tân\tMỹ", None],
        "so_nv": [" 12", "3 ", None, "0"],
    })
    path = tmp_path / f"diem{ext}"
    if ext == ".csv":
        table.to_csv(path, index=False, encoding="utf-8")
    else:
        table.to_excel(path, index=False)
    frame = io.read_layer(_cfg(path))
    assert frame["ma_diem"].tolist() == ["BC01", "BC02", "BC03", "BC04"]
    assert frame["ten_diem"].tolist() == ["Bưu cục Mỹ Tho", "", "Tân\tMỹ", ""]
    assert frame["so_nv"].tolist() == ["12", "3", "", "0"]
    assert all(isinstance(v, str) for col in table.columns for v in frame[col])
    assert frame[io.WHERE].tolist() == ["row 2", "row 3", "row 4", "row 5"]


def test_csv_row_short_of_fields_reads_the_missing_cells_as_empty(tmp_path):
    # a sheet saved by hand: the last cells of a row left out, "NA" meaning what it says
    path = tmp_path / "diem.csv"
    path.write_text("ma_diem,ten_diem,so_nv\nBC01,NA\nBC02\nBC03,null,7\n", encoding="utf-8")
    frame = io.read_layer(_cfg(path))
    assert frame["ten_diem"].tolist() == ["NA", "", "null"]
    assert frame["so_nv"].tolist() == ["", "", "7"]
    assert all(isinstance(v, str) for v in frame["so_nv"])


@pytest.mark.parametrize("column", [
    ["BC01", "BC02", "Tân\tMỹ"],  # nothing to strip: the column itself comes back
    ["BC01", "BC02 "], [" BC01", "BC02"], ["BC01", "\u00a0BC02"], ["BC01\u3000", "BC02"],
    ["", " ", "BC03"], ["a\x00b", "c"], ["a\x00 b", "c"], ["\n"], [],
    ["Bưu cục", "Bu\u031bu cu\u0323c "],  # decomposed (NFD) text, padded
])
def test_tidy_strips_as_str_strip_does(column):
    """The one-search shortcut against stripping and composing every cell (the oracle)."""
    import unicodedata

    from ictgis.io.read import _tidy

    expected = [unicodedata.normalize("NFC", v.strip()) for v in column]
    got = _tidy(column)
    assert got == expected
    assert (got is column) == (expected == column)


# ------------------------------------------------------------------------- CRS of layers


def _shapefile_without_prj(tmp_path: Path) -> Path:
    path = _write_vector("ESRI Shapefile", ".shp")(tmp_path, _canonical_gdf(metric=True))
    path.with_suffix(".prj").unlink()
    return path


def test_shapefile_without_prj_needs_a_crs(tmp_path):
    path = _shapefile_without_prj(tmp_path)
    with pytest.raises(DataError, match=r"diem_phuc_vu\.shp: the layer has no CRS") as exc:
        io.read_layer(_cfg(path))
    assert "[layers.post_offices] crs" in str(exc.value)
    assert exc.value.file == "diem_phuc_vu.shp"


def test_shapefile_without_prj_loads_in_configured_crs(tmp_path):
    path = _shapefile_without_prj(tmp_path)
    frame = io.read_layer(_cfg(path, crs="EPSG:9210"))
    assert frame.crs.equals(CRS("EPSG:9210"))
    np.testing.assert_allclose(frame.geometry.x, EASTINGS, rtol=0, atol=0.01)


def test_configured_crs_overrides_a_wrong_prj_without_reprojecting(tmp_path):
    wrong = _canonical_gdf(metric=True).set_crs("EPSG:4326", allow_override=True)
    path = _write_vector("ESRI Shapefile", ".shp")(tmp_path, wrong)
    frame = io.read_layer(_cfg(path, crs="EPSG:9210"))
    assert frame.crs.equals(CRS("EPSG:9210"))
    np.testing.assert_allclose(frame.geometry.y, NORTHINGS, rtol=0, atol=0.01)


# ------------------------------------------------------------------- legacy encodings

#: Tone marks that Windows-1258 stores as separate combining characters.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
CP1258_NAMES = ["Xã Tân Mỹ Chánh", "Bưu điện Văn hóa xã", "Thị trấn Chợ Gạo", "Phường 1"]


def _cp1258_form(text: str) -> str:
    """Rewrite NFC text the way Windows-1258 holds it: base letters precomposed, tones apart."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            char.encode("cp1258")
            out.append(char)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out)


def test_cp1258_helper_matches_the_code_page_by_hand():
    # a=61, combining tilde=DE, â=E2, á=E1 in Windows-1258
    assert _cp1258_form("Xã Tân Mỹ Chánh").encode("cp1258") == b"Xa\xde T\xe2n My\xde Ch\xe1nh"
    # ư=FD, đ=F0, ê=EA, dot below=F2, ă=E3, ó=F3
    assert _cp1258_form("Bưu điện Văn hóa").encode("cp1258") == b"B\xfdu \xf0i\xea\xf2n V\xe3n h\xf3a"


@pytest.mark.parametrize(
    ("encoding", "cpg"),
    [
        ("cp1258", None),  # legacy .dbf without .cpg: the config names the code page
        ("cp1258", "1258"),  # both say the same
        (None, "1258"),  # README: `encoding` is "only for a legacy .dbf without .cpg"
        (None, "CP1258"),
    ],
)
def test_shapefile_in_cp1258(tmp_path, encoding, cpg):
    gdf = gpd.GeoDataFrame(
        {"ten": [_cp1258_form(n) for n in CP1258_NAMES]},
        geometry=shapely.points([566_603.0] * 4, [1_145_735.0] * 4), crs="EPSG:9210",
    )
    path = tmp_path / "xa.shp"
    pyogrio.write_dataframe(gdf, path, encoding="cp1258")
    dbf = path.with_suffix(".dbf").read_bytes()
    assert b"Xa\xde T\xe2n My\xde Ch\xe1nh" in dbf  # really Windows-1258 on disk
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)
    frame = io.read_layer(_cfg(path, encoding=encoding))
    assert "ten" in frame.columns
    assert [unicodedata.normalize("NFC", v) for v in frame["ten"]] == CP1258_NAMES


def test_csv_in_cp1258_with_encoding_configured(tmp_path):
    path = tmp_path / "diem.csv"
    path.write_bytes(_cp1258_form("ma_diem;ten_diem\nBD01;Bưu điện Văn hóa xã\n"
                                  "BD02;Xã Tân Mỹ Chánh\n").encode("cp1258"))
    frame = io.read_layer(_cfg(path, encoding="cp1258"))
    expected = ["Bưu điện Văn hóa xã", "Xã Tân Mỹ Chánh"]
    assert [unicodedata.normalize("NFC", v) for v in frame["ten_diem"]] == expected
    assert list(frame["ten_diem"]) == expected  # composed, so it joins with UTF-8 layers


def test_csv_in_wrong_encoding(tmp_path):
    path = tmp_path / "diem.csv"
    path.write_bytes(_cp1258_form("ma_diem;ten_diem\nBD01;Bưu điện Văn hóa xã\n").encode("cp1258"))
    with pytest.raises(LayerReadError, match=r"diem\.csv: text is not UTF-8.*\[layers\.post_offices\] "
                                             r"encoding, e\.g\. \"cp1258\""):
        io.read_layer(_cfg(path))


# ------------------------------------------------------------------------ read errors


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "khong_co" / "diem.gpkg"
    with pytest.raises(LayerReadError, match=re.escape(f"{path}: file not found")):
        io.read_layer(_cfg(path))


def test_missing_file_in_vietnamese_by_default(tmp_path, vietnamese):
    path = tmp_path / "diem.gpkg"
    with pytest.raises(LayerReadError) as exc:
        io.read_layer(_cfg(path))
    assert str(exc.value) == (f"{path}: không tìm thấy tệp (khai báo [layers.post_offices] path "
                              "trong ictgis.toml)")
    assert exc.value.message_id == "errors.io.layer_not_found"


def test_data_error_names_its_message(tmp_path):
    with pytest.raises(DataError) as exc:
        io.map_fields(_table(), _cfg(Path("diem.csv"), fields={"id": "ma"}))
    assert exc.value.message_id == "errors.io.missing_column"
    assert exc.value.detail.id == "errors.io.missing_column"
    assert str(exc.value).startswith("diem.csv: column “ma” (for id")


def test_importing_io_loads_no_data_library():
    import subprocess
    import sys

    code = ("import sys, ictgis.io; assert ictgis.io.OUTPUT_FORMATS['csv'] == '.csv'; "
            "print(sorted(m for m in ('pandas', 'geopandas', 'pyogrio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_extension(tmp_path):
    path = tmp_path / "diem.dxf"
    path.write_text("0\nSECTION\n")
    with pytest.raises(LayerReadError, match=r"diem\.dxf: unsupported format “\.dxf” \(use one of"):
        io.read_layer(_cfg(path))


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("hong.gpkg", b"not a geopackage", r"hong\.gpkg: cannot read the layer"),
        ("hong.geojson", b"{not json", r"hong\.geojson: cannot read the layer"),
        ("hong.kml", b"<kml", r"hong\.kml: cannot read the layer"),
        ("hong.csv", b"", r"hong\.csv: cannot read the table"),
        # e.g. an old .xls or an HTML export saved under .xlsx
        ("hong.xlsx", b"<html><table></table></html>", r"hong\.xlsx: cannot read the table"),
    ],
)
def test_unreadable_files(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LayerReadError, match=match):
        io.read_layer(_cfg(path))


@pytest.mark.parametrize("name", ["trong.csv", "trong.xlsx", "trong.gpkg"])
def test_empty_layer_has_no_rows(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("ma_diem,ten_diem,kinh_do,vi_do\n", encoding="utf-8")
    elif name.endswith(".xlsx"):
        _canonical_table().iloc[:0].to_excel(path, index=False)
    else:
        pyogrio.write_dataframe(_canonical_gdf().iloc[:0], path)
    with pytest.raises(DataError, match=rf"{re.escape(name)}: the layer has no rows") as exc:
        io.read_layer(_cfg(path))
    assert exc.value.file == name


# --------------------------------------------------------------------------- map_fields


def _table() -> pd.DataFrame:
    frame = _canonical_table().astype(str)
    frame[io.WHERE] = ["row 2", "row 3", "row 4"]
    return frame


def test_map_fields_exact_rename_keeps_other_columns():
    frame = _table()
    before = frame.copy()
    out = io.map_fields(frame, _cfg(Path("diem.csv"), fields={"id": "ma_diem", "type": "loai_diem"}))
    assert list(out.columns) == ["id", "ten_diem", "type", "so_nv", "kinh_do", "vi_do", io.WHERE]
    assert list(out["id"]) == IDS
    assert list(out["type"]) == TYPES
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("column", "configured"),
    [("Mã Xã", "ma xa"), ("MA XA", "Mã xã"), ("ĐỊA CHỈ", "địa chỉ"), ("Tên điểm", "TEN DIEM"),
     ("Kinh độ", " kinh do ")],
)
def test_map_fields_ignores_case_and_diacritics(column, configured):
    frame = pd.DataFrame({column: ["x"], "khac": ["y"]})
    out = io.map_fields(frame, _cfg(Path("diem.csv"), fields={"commune": configured}))
    assert list(out.columns) == ["commune", "khac"]
    assert list(out["commune"]) == ["x"]


def test_map_fields_prefers_the_exact_name():
    frame = pd.DataFrame({"Mã xã": ["folded"], "ma xa": ["exact"]})
    out = io.map_fields(frame, _cfg(Path("diem.csv"), fields={"commune": "ma xa"}))
    assert list(out["commune"]) == ["exact"]
    assert list(out.columns) == ["Mã xã", "commune"]


def test_map_fields_ambiguous_fold_is_an_error():
    frame = pd.DataFrame({"Mã xã": ["a"], "MA XA": ["b"]})
    with pytest.raises(DataError, match=r"column “ma xa” \(for commune"):
        io.map_fields(frame, _cfg(Path("diem.csv"), fields={"commune": "ma xa"}))


def test_map_fields_missing_column_lists_what_exists():
    cfg = _cfg(Path("/data/diem.csv"), fields={"id": "ma_diem", "name": "ten_buu_cuc"})
    expected = ("diem.csv: column “ten_buu_cuc” (for name, [layers.post_offices.fields]) is not in "
                "the file; its columns are: ma_diem, ten_diem, loai_diem, so_nv, kinh_do, vi_do")
    with pytest.raises(DataError, match=re.escape(expected)) as exc:
        io.map_fields(_table(), cfg)
    assert str(exc.value) == expected  # _where and geometry are not offered as columns
    assert exc.value.file == "diem.csv"


def test_map_fields_replaces_a_column_already_named_canonically():
    frame = pd.DataFrame({"name": ["old"], "ten_diem": ["Bưu cục Mỹ Tho"]})
    out = io.map_fields(frame, _cfg(Path("diem.csv"), fields={"name": "ten_diem"}))
    assert list(out.columns) == ["name"]
    assert list(out["name"]) == ["Bưu cục Mỹ Tho"]


def test_map_fields_swapped_columns():
    frame = pd.DataFrame({"lon": ["10.36"], "lat": ["106.36"]})
    out = io.map_fields(frame, _cfg(Path("diem.csv"), fields={"lon": "lat", "lat": "lon"}))
    assert out.loc[0, "lon"] == "106.36"
    assert out.loc[0, "lat"] == "10.36"


def test_map_fields_keeps_geometry_and_crs():
    gdf = _canonical_gdf(metric=True)
    gdf[io.WHERE] = ["feature 1", "feature 2", "feature 3"]
    out = io.map_fields(gdf, _cfg(Path("diem.gpkg"), fields={"id": "ma_diem"}))
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs.equals(CRS("EPSG:9210"))
    assert list(out["id"]) == IDS
    assert out.geometry.equals(gdf.geometry)


# ------------------------------------------------------------------ atomic writes, staged_dir


def test_staged_dir_replaces_target_as_a_whole(tmp_path):
    target = tmp_path / "outputs"
    target.mkdir()
    (target / "old.csv").write_text("old")
    (target / "sub").mkdir()
    (target / "sub" / "old.txt").write_text("old")
    with io.staged_dir(target) as staging:
        assert staging.parent == tmp_path
        assert staging != target
        (staging / "new.csv").write_text("new")
        assert (target / "old.csv").exists()  # nothing replaced before the block ends
    assert sorted(p.name for p in target.iterdir()) == ["new.csv"]
    assert (target / "new.csv").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["outputs"]


def test_staged_dir_creates_a_new_target(tmp_path):
    target = tmp_path / "a" / "b" / "outputs"
    with io.staged_dir(target) as staging:
        (staging / "x.txt").write_text("x")
    assert (target / "x.txt").read_text() == "x"
    assert [p.name for p in target.parent.iterdir()] == ["outputs"]


def test_staged_dir_error_leaves_target_untouched(tmp_path):
    target = tmp_path / "outputs"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with pytest.raises(RuntimeError, match="half way"), io.staged_dir(target) as staging:
        (staging / "new.csv").write_text("new")
        raise RuntimeError("half way")
    assert sorted(p.name for p in target.iterdir()) == ["old.csv"]
    assert (target / "old.csv").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["outputs"]  # no temporary folder left


def test_atomic_path_replaces_a_file_only_on_success(tmp_path):
    target = tmp_path / "sub" / "table.csv"
    with io.atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".csv" and tmp != target
        tmp.write_text("new")
        assert not target.exists()
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError, match="half way"), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("half way")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["table.csv"]  # no temporary left


def test_writers_leave_the_target_untouched_when_they_fail(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("disk full")

    bad = pd.DataFrame({"a": ["x"] * 5 + [Broken()]})  # the CSV writer fails half way
    with pytest.raises(RuntimeError, match="disk full"):
        io.write_csv(bad, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_write_raster_is_atomic_and_readable(tmp_path):
    from affine import Affine

    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = io.write_raster(tmp_path / "level.tif", array, transform=Affine(100, 0, 560_000, 0, -100,
                           1_150_000), crs="EPSG:9210", nodata=-9999.0, tags={"unit": "dBm"})
    got, transform, crs = io.read_raster(path)
    np.testing.assert_array_equal(got, array)
    assert transform.a == 100 and crs.to_epsg() == 9210
    assert [p.name for p in tmp_path.iterdir()] == ["level.tif"]


_RACE = """
import os, sys, threading
from ictgis.io.raster import _stderr_captured, separate_python_stderr

separate_python_stderr()  # as the command line does at start

said, stop = [], threading.Event()

def captures():  # a writer thread: rasters opened and closed one after another
    while not stop.is_set():
        with _stderr_captured() as noise:
            os.write(2, b"gdal noise\\n")
        said.extend(noise)

thread = threading.Thread(target=captures)
thread.start()
try:
    for i in range(3000):  # the main thread's progress, as click.echo writes it
        sys.stderr.write(f"progress {i}\\n")
        sys.stderr.flush()
finally:
    stop.set()
    thread.join()
print(sum("progress" in s for s in said), sum("gdal noise" in s for s in said))
"""


def test_progress_written_while_other_threads_capture_reaches_the_terminal(tmp_path):
    """A coverage run's progress (main thread) and the GeoTIFF writers' captures of
    descriptor 2 (other threads, opened and closed as rasters come and go) race: every
    progress line must reach the real stderr, none the capture, and no write may hit a
    closed stream. Run in a process of its own, where ``sys.stderr`` is descriptor 2 until
    it is separated from it, as the command line does at start."""
    import subprocess
    import sys

    err = tmp_path / "stderr.txt"
    with err.open("wb") as stream:
        out = subprocess.run([sys.executable, "-c", _RACE], stderr=stream, stdout=subprocess.PIPE,
                             text=True, timeout=120, check=False)
    shown = err.read_text()
    assert out.returncode == 0, shown[-2000:]
    lines = [line for line in shown.splitlines() if line.startswith("progress")]
    assert lines == [f"progress {i}" for i in range(3000)]
    in_capture, noise = map(int, out.stdout.split())
    assert in_capture == 0 and noise > 0
    assert "gdal noise" not in shown


# -------------------------------------------------------------------------- write_tables


def _outputs() -> tuple[dict[str, pd.DataFrame], dict[str, gpd.GeoDataFrame]]:
    districts = pd.DataFrame({
        "district": ["Thành phố Mỹ Tho", "Huyện Cái Bè"],
        "area_km2": [81.55, 420.9],
        "n_points": [12, 30],
        "radius_km": [0.1 + 0.2, 1234567.891],
    })
    tables = {"districts": districts, "summary": districts.head(1)}
    sites = _canonical_gdf(metric=True)
    sites["urban"] = [True, False, False]
    sites["_where"] = ["feature 1", "feature 2", "feature 3"]
    communes = gpd.GeoDataFrame(
        {"name": ["Phường 1"]}, geometry=[shapely.box(560_000, 1_140_000, 570_000, 1_150_000)],
        crs="EPSG:9210",
    )
    return tables, {"communes": communes, "sites": sites}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", {"districts.csv", "summary.csv"}),
        ("xlsx", {"bao_cao.xlsx"}),
        ("gpkg", {"bao_cao.gpkg"}),
        ("geojson", {"bao_cao_communes.geojson", "bao_cao_sites.geojson"}),
    ],
)
def test_write_tables_writes_the_files_of_each_format(tmp_path, fmt, expected):
    tables, layers = _outputs()
    written = io.write_tables(tmp_path, tables, formats=[fmt], layers=layers, name="bao_cao")
    assert {p.name for p in written} == expected
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert all(p.parent == tmp_path and p.stat().st_size > 0 for p in written)


def test_write_tables_all_formats_at_once(tmp_path):
    tables, layers = _outputs()
    written = io.write_tables(tmp_path, tables, formats=list(io.OUTPUT_FORMATS), layers=layers)
    assert {p.name for p in written} == {"districts.csv", "summary.csv", "tables.xlsx",
                                         "tables.gpkg", "tables_communes.geojson",
                                         "tables_sites.geojson"}


def test_write_tables_csv_content(tmp_path):
    tables, _ = _outputs()
    io.write_tables(tmp_path, tables, formats=["csv"])
    raw = (tmp_path / "districts.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the diacritics
    assert raw.decode("utf-8-sig").splitlines() == [
        "district,area_km2,n_points,radius_km",
        "Thành phố Mỹ Tho,81.55,12,0.3",
        "Huyện Cái Bè,420.9,30,1234567.891",
    ]


def test_write_tables_xlsx_with_title(tmp_path):
    tables, _ = _outputs()
    io.write_tables(tmp_path, tables, formats=["xlsx"], name="bao_cao",
                    headers={"area_km2": "Diện tích (km²)", "district": "Huyện"},
                    number_formats={"area_km2": "0.00", "n_points": "#,##0"},
                    title="DỮ LIỆU TỔNG HỢP – SYNTHETIC")
    book = openpyxl.load_workbook(tmp_path / "bao_cao.xlsx")
    assert book.sheetnames == ["districts", "summary"]
    sheet = book["districts"]
    assert sheet["A1"].value == "DỮ LIỆU TỔNG HỢP – SYNTHETIC"
    assert [c.value for c in sheet[3]] == ["Huyện", "Diện tích (km²)", "n_points", "radius_km"]
    assert sheet.freeze_panes == "A4"  # title and header stay visible
    assert [c.value for c in sheet[4]] == ["Thành phố Mỹ Tho", 81.55, 12, pytest.approx(0.3)]
    for cell in (sheet["B4"], sheet["B5"], sheet["C4"], sheet["C5"], sheet["D5"]):
        assert cell.data_type == "n"
        assert isinstance(cell.value, int | float)
    assert [sheet[f"B{r}"].number_format for r in (4, 5)] == ["0.00", "0.00"]
    assert [sheet[f"C{r}"].number_format for r in (4, 5)] == ["#,##0", "#,##0"]
    assert sheet["D4"].number_format == "General"
    assert sheet["B3"].number_format == "General"  # header not formatted
    assert sheet.max_row == 5
    assert book["summary"].max_row == 4


def test_write_tables_xlsx_without_title(tmp_path):
    tables, _ = _outputs()
    io.write_tables(tmp_path, tables, formats=["xlsx"], number_formats={"area_km2": "0.0"})
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["districts"]
    assert [c.value for c in sheet[1]] == ["district", "area_km2", "n_points", "radius_km"]
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].value == 81.55
    assert sheet["B2"].number_format == "0.0"
    assert sheet["B1"].number_format == "General"


def test_write_tables_gpkg_layers(tmp_path):
    tables, layers = _outputs()
    io.write_tables(tmp_path, tables, formats=["gpkg"], layers=layers)
    path = tmp_path / "tables.gpkg"
    assert sorted(name for name, _ in pyogrio.list_layers(path)) == ["communes", "sites"]
    sites = pyogrio.read_dataframe(path, layer="sites")
    assert sites.crs.equals(CRS("EPSG:9210"))
    assert "_where" not in sites.columns
    assert list(sites["urban"]) == [1, 0, 0]
    assert list(sites["ten_diem"]) == NAMES
    np.testing.assert_allclose(sites.geometry.x, EASTINGS, rtol=0, atol=1e-6)


def test_write_tables_geojson_is_wgs84_with_the_official_shift(tmp_path):
    tables, layers = _outputs()
    before = layers["sites"].copy()
    io.write_tables(tmp_path, tables, formats=["geojson"], layers=layers)
    assert_geodataframe_equal(layers["sites"], before)
    doc = json.loads((tmp_path / "tables_sites.geojson").read_text(encoding="utf-8"))
    assert doc.get("crs", {}).get("properties", {}).get("name", "CRS84").endswith("CRS84")
    coords = np.array([f["geometry"]["coordinates"] for f in doc["features"]])
    # reference: the EPSG:9210 PROJ string bound to the QĐ 05/2007 shift (DOMAIN.md §5.4)
    ref = Transformer.from_crs(CRS.from_proj4(VN2000_TM3_10545_PROJ4), "EPSG:4326", always_xy=True)
    ref_lon, ref_lat = ref.transform(EASTINGS, NORTHINGS)
    np.testing.assert_allclose(coords[:, 0], ref_lon, rtol=0, atol=1e-8)  # lon first
    np.testing.assert_allclose(coords[:, 1], ref_lat, rtol=0, atol=1e-8)
    assert [f["properties"]["ten_diem"] for f in doc["features"]] == NAMES
    assert all("_where" not in f["properties"] for f in doc["features"])
    communes = pyogrio.read_dataframe(tmp_path / "tables_communes.geojson")
    assert communes.crs.equals(CRS("EPSG:4326"))
    assert communes.geom_type.tolist() == ["Polygon"]


# ------------------------------------------------------- title rows, gzip, undeclared DBF


@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_title_rows_above_the_header_are_skipped(tmp_path, sep):
    path = tmp_path / "diem.csv"
    body = _canonical_table().to_csv(index=False, sep=sep)
    path.write_text(f"DANH SÁCH ĐIỂM PHỤC VỤ, NĂM 2024\n\n{body}", encoding="utf-8")
    frame = io.read_layer(_cfg(path, fields={"id": "ma_diem", "name": "ten_diem"}))
    assert list(frame["ma_diem"]) == IDS
    assert list(frame["_where"]) == ["row 4", "row 5", "row 6"]  # as the spreadsheet shows


def test_xlsx_title_rows_above_the_header_are_skipped(tmp_path):
    path = tmp_path / "diem.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"])
    sheet.append(["Danh sách điểm phục vụ"])
    table = _canonical_table()
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)
    frame = io.read_layer(_cfg(path, fields={"id": "MA_DIEM", "name": "ten_diem"}))
    assert list(frame["ma_diem"]) == IDS
    assert list(frame["_where"]) == ["row 4", "row 5", "row 6"]


def test_a_header_nowhere_near_the_top_is_still_a_missing_column(tmp_path):
    path = tmp_path / "diem.csv"
    path.write_text("a,b,c,d,e,f\n" * 30 + _canonical_table().to_csv(index=False),
                    encoding="utf-8")
    frame = io.read_layer(_cfg(path, fields={"id": "ma_diem"}))
    with pytest.raises(DataError, match="ma_diem") as caught:
        io.map_fields(frame, _cfg(path, fields={"id": "ma_diem"}))
    assert caught.value.message_id == "errors.io.missing_column"


@pytest.mark.parametrize("sep", [",", ";"])
def test_gzipped_csv_is_read(tmp_path, sep):
    import gzip

    path = tmp_path / "bts.csv.gz"
    path.write_bytes(gzip.compress(_canonical_table().to_csv(index=False, sep=sep)
                                   .encode("utf-8-sig")))
    frame = io.read_layer(_cfg(path))
    assert list(frame["ten_diem"]) == NAMES
    assert list(frame["_where"]) == ["row 2", "row 3", "row 4"]


def test_gzipped_geojson_is_read(tmp_path):
    import gzip

    plain = tmp_path / "diem.geojson"
    pyogrio.write_dataframe(_canonical_gdf(), plain, driver="GeoJSON")
    path = tmp_path / "diem.geojson.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    frame = io.read_layer(_cfg(path))
    assert list(frame["ten_diem"]) == NAMES
    np.testing.assert_allclose(frame.geometry.x, LONS)


@pytest.mark.parametrize(("name", "message_id"), [
    ("diem.xlsx.gz", "errors.io.unsupported"),  # a workbook is compressed already
    ("diem.csv.gz", "errors.io.table_unreadable"),  # not gzip at all
])
def test_gzip_that_cannot_be_read(tmp_path, name, message_id):
    path = tmp_path / name
    path.write_bytes(b"ma_diem\nBC01\n")
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(_cfg(path))
    assert caught.value.message_id == message_id
    assert name in str(caught.value)


def test_truncated_gzip_is_one_message(tmp_path):
    import gzip

    path = tmp_path / "bts.csv.gz"
    data = gzip.compress(_canonical_table().to_csv(index=False).encode() * 200)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(_cfg(path))
    assert caught.value.message_id == "errors.io.table_unreadable"


def _undeclared_shapefile(tmp_path: Path, encoding: str) -> Path:
    names = [_cp1258_form(n) for n in CP1258_NAMES] if encoding == "cp1258" else CP1258_NAMES
    gdf = gpd.GeoDataFrame({"ten": names}, geometry=shapely.points([566_603.0] * 4,
                                                                  [1_145_735.0] * 4),
                           crs="EPSG:9210")
    path = tmp_path / "xa.shp"
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert path.with_suffix(".dbf").read_bytes()[29] == 0  # no code page byte either
    return path


def test_utf8_dbf_without_cpg_is_read_as_utf8(tmp_path):
    # GDAL takes such a file for Latin-1: "PhÆ°á»\x9dng 1" instead of "Phường 1", silently
    frame = io.read_layer(_cfg(_undeclared_shapefile(tmp_path, "utf-8")))
    assert list(frame["ten"]) == CP1258_NAMES


def test_legacy_dbf_without_cpg_or_encoding_asks_for_it(tmp_path, vietnamese):
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(_cfg(_undeclared_shapefile(tmp_path, "cp1258")))
    assert caught.value.message_id == "errors.io.no_cpg"
    text = str(caught.value)
    assert text.startswith("xa.shp: không có tệp .cpg")
    assert 'encoding = "cp1258"' in text and "Xã Tân Mỹ Chánh" in text  # as Windows-1258 reads it


# ------------------------------------------------- legacy font encodings (TCVN3, VNI), guesses

LEGACY_NAMES = ["Phường 1", "Xã Tân Mỹ Chánh", "Thị trấn Vĩnh Bình", "Xã Đạo Thạnh",
                "THÀNH PHỐ MỸ THO", "Huyện Tân Phú Đông"]


def write_undeclared_shapefile(gdf: gpd.GeoDataFrame, path: Path, *, code_page: int = 0) -> None:
    """Write ``gdf`` as a Shapefile without .cpg, this code page byte in its DBF's header.

    Its text is written byte for byte (each character as its Latin-1 byte).
    """
    pyogrio.write_dataframe(gdf, path, encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[29] = code_page
    path.with_suffix(".dbf").write_bytes(bytes(dbf))


def _shapefile_of_bytes(tmp_path: Path, raw: list[bytes], *, code_page: int = 0) -> Path:
    """A Shapefile whose DBF holds exactly ``raw``, without .cpg, with this code page byte."""
    gdf = gpd.GeoDataFrame({"ten": [r.decode("latin-1") for r in raw]},
                           geometry=shapely.points([566_603.0] * len(raw), [1_145_735.0] * len(raw)),
                           crs="EPSG:9210")
    path = tmp_path / "xa.shp"
    write_undeclared_shapefile(gdf, path, code_page=code_page)
    return path


def _cp1258_bytes(text: str) -> bytes:
    return _cp1258_form(text).encode("cp1258")


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_shapefile_in_a_legacy_font_encoding_is_read_when_declared(tmp_path, encoding):
    path = _shapefile_of_bytes(tmp_path, [n.encode(encoding) for n in LEGACY_NAMES])
    # really on disk as the charts spell it (Tân: â A9 in TCVN3; a + circumflex E2 in VNI)
    on_disk = {"tcvn3": b"X\xb7 T\xa9n M\xfc Ch\xb8nh", "vni": b"Xa\xf5 Ta\xe2n My\xf5 Cha\xf9nh"}
    assert on_disk[encoding] in path.with_suffix(".dbf").read_bytes()
    frame = io.map_fields(io.read_layer(_cfg(path, encoding=encoding, fields={"name": "ten"})),
                          _cfg(path, encoding=encoding, fields={"name": "ten"}))
    assert list(frame["name"]) == LEGACY_NAMES
    assert list(frame[io.WHERE]) == [f"feature {i}" for i in range(len(LEGACY_NAMES))]


@pytest.mark.parametrize(("encoding", "to_bytes"), [
    ("cp1258", _cp1258_bytes), ("tcvn3", lambda n: n.encode("tcvn3")),
    ("vni", lambda n: n.encode("vni")),
])
def test_undeclared_dbf_names_the_encoding_that_reads_as_vietnamese(tmp_path, encoding, to_bytes):
    # no .cpg, no code page byte: not UTF-8, so the message names the likely encoding
    path = _shapefile_of_bytes(tmp_path, [to_bytes(n) for n in LEGACY_NAMES])
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(_cfg(path))
    assert caught.value.message_id == "errors.io.no_cpg"
    assert f'set encoding = "{encoding}"' in str(caught.value)
    assert "“Phường 1”" in str(caught.value)  # the first value, as it reads in that encoding


@pytest.mark.parametrize(("encoding", "to_bytes", "garbled"), [
    ("cp1258", _cp1258_bytes, "“PhýõÌng 1”"),  # what GDAL makes of it in Windows-1252
    ("tcvn3", lambda n: n.encode("tcvn3"), "“Ph\\xadêng 1”"),
])
def test_dbf_read_in_its_header_code_page_that_is_not_vietnamese(tmp_path, encoding, to_bytes,
                                                                  garbled):
    # no .cpg, but the header says Windows ANSI (0x57): GDAL decodes in it, and every
    # commune's kind and name would come out garbled: the message names the encoding instead
    path = _shapefile_of_bytes(tmp_path, [to_bytes(n) for n in LEGACY_NAMES], code_page=0x57)
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(_cfg(path))
    assert caught.value.message_id == "errors.io.encoding_guess"
    text = str(caught.value)
    assert text.startswith("xa.shp: no .cpg file says how its text is encoded")
    assert f'set encoding = "{encoding}" in [layers.post_offices]' in text
    assert garbled in text and "(“Phường 1”)" in text


def test_dbf_in_its_header_code_page_is_read_as_it_says(tmp_path):
    # Windows-1252 text (French names) with the code page byte of Windows ANSI: no guess
    names = ["Université", "Île de la Cité"]
    path = _shapefile_of_bytes(tmp_path, [n.encode("cp1252") for n in names], code_page=0x57)
    assert list(io.read_layer(_cfg(path))["ten"]) == names


def test_csv_in_tcvn3_without_encoding_suggests_tcvn3(tmp_path, vietnamese):
    path = tmp_path / "diem.csv"
    path.write_bytes("ma_diem;ten_diem\nBD01;Bưu điện Văn hóa xã\nBD02;Xã Đạo Thạnh\n"
                     .encode("tcvn3"))
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(_cfg(path))
    assert caught.value.message_id == "errors.io.not_encoding"
    assert str(caught.value).endswith('encoding, ví dụ "tcvn3"')
    frame = io.read_layer(_cfg(path, encoding="tcvn3"))
    assert list(frame["ten_diem"]) == ["Bưu điện Văn hóa xã", "Xã Đạo Thạnh"]


def test_unknown_encoding_is_one_message(tmp_path):
    path = tmp_path / "diem.csv"
    path.write_text("ma_diem,ten_diem\nBD01,x\n", encoding="utf-8")
    with pytest.raises(LayerReadError, match=r'\[layers\.post_offices\] encoding = "tcvn-9" is not an '
                                             r"encoding Python knows; .*tcvn3, vni"):
        io.read_layer(_cfg(path, encoding="tcvn-9"))


# --------------------------------------------------------------------- files of a layer


def test_layer_files_lists_every_part_of_a_shapefile(tmp_path):
    path = tmp_path / "xa.shp"
    pyogrio.write_dataframe(_canonical_gdf(), path)
    for extra in ("xa.qix", "xa.shp.xml", "XA.SBN"):
        (tmp_path / extra).write_bytes(b"x")
    (tmp_path / "xa_2.dbf").write_bytes(b"x")  # another layer's
    (tmp_path / "other.shp").write_bytes(b"x")
    expected = ["XA.SBN", "xa.cpg", "xa.dbf", "xa.prj", "xa.qix", "xa.shp", "xa.shp.xml",
                "xa.shx"]
    assert [p.name for p in io.layer_files(path)] == expected
    assert [p.name for p in io.layer_files(tmp_path / "xa.dbf")] == expected


def test_layer_files_of_a_geopackage_and_a_raster(tmp_path):
    gpkg = tmp_path / "xa.gpkg"
    pyogrio.write_dataframe(_canonical_gdf(), gpkg)
    assert io.layer_files(gpkg) == [gpkg]
    (tmp_path / "xa.gpkg-wal").write_bytes(b"x")
    assert [p.name for p in io.layer_files(gpkg)] == ["xa.gpkg", "xa.gpkg-wal"]
    tif = tmp_path / "dan_so.tif"
    for name in ("dan_so.tif", "dan_so.tfw", "dan_so.tif.aux.xml"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in io.layer_files(tif)] == ["dan_so.tfw", "dan_so.tif",
                                                     "dan_so.tif.aux.xml"]
    assert io.layer_files(tmp_path / "missing.csv") == []


# -------------------------------------------------------------------- formula injection


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ('=HYPERLINK("http://x","y")', True), ("+1+2", True), ("-2+3", True), ("@SUM(A1)", True),
        ("\tx", True), ("\rx", True), ("-", False), ("-3.5", False), ("+84912345678", False),
        ("-1,5", False), ("1e-3", False), (-3.5, False), (7, False), (None, False),
        ("Phường 1", False), ("", False),
    ],
)
def test_is_formula_like(value, formula):
    assert io.is_formula_like(value) is formula


def test_csv_cells_that_could_run_get_an_apostrophe_and_read_back_as_typed(tmp_path):
    table = pd.DataFrame({
        "name": ['=HYPERLINK("http://x","y")', "Phường 1", "@cmd", "-", None],
        "value": [-1.5, 2.0, -3.0, 0.0, 1.0],
        "mixed": pd.Series(["-2+3", -4, "+x", 5.5, "ok"], dtype=object),
        "=head": [1, 2, 3, 4, 5],
    })
    before = table.copy()
    path = tmp_path / "t.csv"
    io.write_csv(table, path)
    pd.testing.assert_frame_equal(table, before)  # the caller's table is untouched
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "name,value,mixed,'=head"
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",-1.5,\'-2+3,1'
    assert lines[2:] == ["Phường 1,2,-4,2", "'@cmd,-3,'+x,3", "-,0,5.5,4", ",1,ok,5"]
    back = io.read_output_table(path)
    assert list(back.columns) == ["name", "value", "mixed", "=head"]
    assert back["name"].tolist()[:4] == ['=HYPERLINK("http://x","y")', "Phường 1", "@cmd", "-"]
    assert back["value"].tolist() == [-1.5, 2.0, -3.0, 0.0, 1.0]
    assert back["mixed"].tolist() == ["-2+3", "-4", "+x", "5.5", "ok"]


def test_csv_bytes_equal_each_cell_formatted_on_its_own(tmp_path):
    """write_csv formats a column at a time; the oracle formats each cell by hand."""
    import csv
    import datetime
    import io as stdio
    import math

    floats = [math.nan, 3.0, -0.0, 1.234567890123e15, 1e-7, 0.1, 106.123456789012, -2.5e-300,
              math.inf, 12345678905.0, 99999.999995, -0.00012345]
    n = len(floats)
    names = ["Mỹ Tho, Phường 1", 'say "hi"', "two\nlines", "=1+1", "-x", "-2.5", None, "@a",
             "\tx", "ok", "+84912345678", ""]
    table = pd.DataFrame({
        "x": floats,
        "f32": np.array([0.1, 1.5, math.nan, 7.0] * 3, dtype=np.float32),
        "count": np.arange(n, dtype=np.int64) - 3,
        "name": names,
        "day": [datetime.date(2025, 7, 1 + i) for i in range(n)],
        "geometry": [None] * n,
    })
    path = tmp_path / "t.csv"
    io.write_csv(table, path)

    def number(value: float) -> str:
        return "" if math.isnan(value) else f"{value:.10g}"  # Python's formatting, one cell

    shown = {"=1+1": "'=1+1", "-x": "'-x", "@a": "'@a", "\tx": "'\tx"}  # formula-like text
    expected = stdio.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(["x", "f32", "count", "name", "day"])
    for i in range(n):
        name = names[i]
        writer.writerow([number(floats[i]), number(float(table["f32"][i])), str(i - 3),
                         "" if name is None else shown.get(name, name), f"2025-07-{1 + i:02d}"])
    assert path.read_bytes() == ("\ufeff" + expected.getvalue()).encode("utf-8")
    # the formats a reader sees, spelled out
    rows = list(csv.reader(stdio.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [
        "", "3", "-0", "1.23456789e+15", "1e-07", "0.1", "106.1234568", "-2.5e-300", "inf",
        "1.23456789e+10", "100000", "-0.00012345"]  # the tie 12345678905 rounds to even
    assert rows[4][1:4] == ["7", "0", "'=1+1"] and rows[3][3] == "two\nlines"


def test_geopackage_has_its_spatial_index_and_gdal_settings_are_left_as_found(tmp_path):
    import sqlite3

    path = tmp_path / "a.gpkg"
    io.write_layers({"diem": _canonical_gdf()}, path)
    with sqlite3.connect(path) as db:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        (rtree,) = db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rtree_diem_%' "
                              "AND type = 'table'").fetchone()
        boxes = db.execute(f"SELECT minx, miny FROM {rtree} ORDER BY id").fetchall()
    assert version == 10200  # GeoPackage 1.2
    assert [(round(x, 4), round(y, 4)) for x, y in boxes] == [
        (round(x, 4), round(y, 4)) for x, y in zip(LONS, LATS, strict=True)]
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE") is None  # restored
    pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": "64"})  # the user's own setting
    try:
        io.write_layers({"diem": _canonical_gdf()}, path)
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE") == 64  # pyogrio gives an int
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": None})
    assert io.read_output_layer(path, "diem")["ma_diem"].tolist() == IDS


def test_xlsx_cells_that_could_run_are_strings_with_quote_prefix(tmp_path):
    table = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "Phường 1", "+1+1"],
                          "value": [-1.5, 2.0, -3.0]})
    path = tmp_path / "t.xlsx"
    io.write_xlsx({"bang": table}, path, title="=title")
    sheet = openpyxl.load_workbook(path)["bang"]
    assert sheet["A1"].value == "=title" and sheet["A1"].data_type == "s"
    assert sheet["A1"].quotePrefix
    cell = sheet["A4"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (
        '=HYPERLINK("http://x","y")', "s", True)
    assert (sheet["A5"].value, sheet["A5"].quotePrefix) == ("Phường 1", False)
    assert sheet["A6"].quotePrefix and sheet["A6"].data_type == "s"
    assert [sheet[f"B{r}"].value for r in (4, 5, 6)] == [-1.5, 2.0, -3.0]
    assert all(sheet[f"B{r}"].data_type == "n" for r in (4, 5, 6))  # numbers stay numbers


@pytest.mark.parametrize(("driver", "ext", "first"), [
    ("GPKG", ".gpkg", 1), ("ESRI Shapefile", ".shp", 0), ("GeoJSON", ".geojson", 0)])
def test_features_are_numbered_as_qgis_shows_them(tmp_path, driver, ext, first):
    path = tmp_path / f"xa{ext}"
    pyogrio.write_dataframe(_canonical_gdf(), path, driver=driver)
    frame = io.read_layer(_cfg(path))
    assert list(frame[io.WHERE]) == [f"feature {first + i}" for i in range(3)]
    assert list(frame.index) == [0, 1, 2]


def test_geopackage_feature_ids_keep_their_gaps(tmp_path):
    import sqlite3

    path = tmp_path / "xa.gpkg"
    pyogrio.write_dataframe(_canonical_gdf(), path, layer="xa")
    with sqlite3.connect(path) as db:  # a feature deleted in QGIS: fids 1 and 3 are left
        db.execute("DELETE FROM xa WHERE fid = 2")
    frame = io.read_layer(_cfg(path))
    assert list(frame[io.WHERE]) == ["feature 1", "feature 3"]
    assert list(frame["ma_diem"]) == [IDS[0], IDS[2]]


def test_a_geopackage_styled_in_qgis_is_read_by_its_data_layer(tmp_path) -> None:
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from shapely.geometry import box

    path = tmp_path / "communes.gpkg"
    # QGIS's layer_styles table stored before the data: "the first layer" would be it
    pyogrio.write_dataframe(pd.DataFrame({"styleName": ["x"]}), path, layer="layer_styles",
                            driver="GPKG")
    gpd.GeoDataFrame({"ma": ["001"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:9210").to_file(
        path, layer="xa", driver="GPKG", mode="a")
    from ictgis.config import LayerConfig

    frame = io.read_layer(LayerConfig(name="communes", path=path, fields={"code": "ma"}))
    assert list(frame["ma"]) == ["001"]


def test_xlsx_formula_like_headers_and_text_columns_only_are_quoted(tmp_path):
    # write_xlsx looks for formula-like text in the table (title, header, text columns), not
    # cell by cell in the sheet: every place a text can be is still covered
    table = pd.DataFrame({"=head": ["a", "@b"], "n": [1, 2],
                          "mixed": pd.Series([1.5, "-x"], dtype=object)})
    path = tmp_path / "t.xlsx"
    io.write_xlsx({"bang": table}, path, headers={"n": "+n"})
    sheet = openpyxl.load_workbook(path)["bang"]
    quoted = {c.coordinate for row in sheet.iter_rows() for c in row if c.quotePrefix}
    assert quoted == {"A1", "B1", "A3", "C3"}
    assert (sheet["C3"].value, sheet["C3"].data_type) == ("-x", "s")
    assert (sheet["B2"].value, sheet["B2"].data_type) == (1, "n")
