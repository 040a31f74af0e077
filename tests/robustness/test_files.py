"""Bad files and formats: encodings, coordinates, spreadsheets, archives, geometry, usage.

Each case breaks the toy workspace of tests/conftest.py (three communes, five posts, four
masts), runs a command in Vietnamese and English and checks the exit code, the catalogue id
of the message and what it names (:func:`tests.robustness.conftest.check_case`). A case that
is not an error (exit 0: the data is read, the bad rows are listed) may also check what was
written (``after``).
"""

from __future__ import annotations

import gzip
import json
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from tests.conftest import SIDE, X0, Y0
from tests.robustness.conftest import Case, check_case
from tests.test_io import _cp1258_form


@dataclass(frozen=True)
class FileCase(Case):
    """A :class:`Case` that may also check the outputs of the bad run (``after(root)``).

    The command is ``ictgis validate`` (it reads every layer and writes ``rejects/``) unless a
    case needs the outputs of a step.
    """

    command: tuple[str, ...] = ("validate",)
    after: Callable[[Path], None] | None = None


# ------------------------------------------------------------------------------ helpers


def _config(root: Path, old: str, new: str) -> None:
    path = root / "ictgis.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _posts(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "posts.csv", dtype=str, keep_default_na=False)


def _communes(root: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(root / "communes.gpkg")


def _problems(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "outputs" / "rejects" / "problems.csv", encoding="utf-8-sig",
                       dtype=str, keep_default_na=False)


def _stats(root: Path, level: str = "commune") -> pd.DataFrame:
    return pd.read_csv(root / "outputs" / "stats" / f"{level}.csv", encoding="utf-8-sig")


def _no_problems(layer: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        found = _problems(root)
        assert (found["layer"] != layer).all(), found.to_string()
    return check


def _problem(layer: str, where: str, code: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        found = _problems(root)
        rows = found[(found["layer"] == layer) & (found["where"] == where)]
        assert code in set(rows["code"]), found.to_string()
    return check


# ---------------------------------------------------------------------------- encodings


def _posts_cp1258(root: Path) -> None:
    posts = _posts(root)
    (root / "posts.csv").write_bytes(_cp1258_form(posts.to_csv(index=False)).encode("cp1258"))


def _posts_cp1258_declared(root: Path) -> None:
    _posts_cp1258(root)
    _config(root, 'path = "posts.csv"', 'path = "posts.csv"\nencoding = "cp1258"')


def _posts_bom(root: Path) -> None:
    (root / "posts.csv").write_bytes(b"\xef\xbb\xbf" + _posts(root).to_csv(index=False).encode())


def _posts_nfd(root: Path) -> None:
    posts = _posts(root)
    posts["loai"] = posts["loai"].map(lambda s: unicodedata.normalize("NFD", s))
    posts.to_csv(root / "posts.csv", index=False)


def _communes_shapefile(root: Path, *, encoding: str, cpg: bool) -> None:
    """The commune layer as a Shapefile whose DBF is in ``encoding`` (with a .cpg or not)."""
    communes = _communes(root)
    folder = root / "shp"
    folder.mkdir()
    if encoding == "cp1258":
        for col in ("ten", "huyen"):
            communes[col] = communes[col].map(_cp1258_form)
    communes.to_file(folder / "communes.shp", encoding=encoding)
    if not cpg:
        (folder / "communes.cpg").unlink(missing_ok=True)
    _config(root, 'path = "communes.gpkg"', 'path = "shp/communes.shp"')


def _legacy_dbf_declared(root: Path) -> None:
    _communes_shapefile(root, encoding="cp1258", cpg=False)
    _config(root, 'path = "shp/communes.shp"', 'path = "shp/communes.shp"\nencoding = "cp1258"')


def _legacy_dbf_with_cpg(root: Path) -> None:
    _communes_shapefile(root, encoding="cp1258", cpg=True)
    (root / "shp" / "communes.cpg").write_text("1258", encoding="ascii")


def _shapefile_bad_population(root: Path) -> None:
    communes = _communes(root)
    communes.loc[1, "dan"] = "không rõ"
    communes.to_file(root / "communes.gpkg")
    _communes_shapefile(root, encoding="utf-8", cpg=True)


def _zipped_shapefile(root: Path) -> None:
    _communes_shapefile(root, encoding="utf-8", cpg=True)
    with zipfile.ZipFile(root / "communes.zip", "w") as archive:
        for part in sorted((root / "shp").iterdir()):
            archive.write(part, part.name)
    _config(root, 'path = "shp/communes.shp"', 'path = "communes.zip"')


def _communes_nfd(root: Path) -> None:
    communes = _communes(root)
    for col in ("ten", "huyen"):
        communes[col] = communes[col].map(lambda v: unicodedata.normalize("NFD", v))
    communes.to_file(root / "communes.gpkg")


def _regions_found(root: Path) -> None:
    _names_kept(root)
    regions = set(_stats(root, "region")["region"])
    assert {"Trung tâm", "Tây"} <= regions, regions


def _names_kept(root: Path) -> None:
    names = set(_stats(root)["name"])
    assert {"Phường 1", "Xã An Hữu", "Thị trấn Cái Bè"} <= names, names


# ------------------------------------------------------------------------- coordinates


def _dms(value: float, hemi: str, style: int) -> str:
    deg = int(value)
    minutes = (value - deg) * 60
    sec = (minutes - int(minutes)) * 60
    return [f"{deg}°{int(minutes)}'{sec:.3f}\"{hemi}",
            f"{deg} {int(minutes)} {sec:.3f} {hemi}",
            f"{hemi}{deg}°{minutes:.5f}'",
            f"{deg}º{int(minutes)}′{sec:.3f}″",
            f"{deg}:{int(minutes)}:{sec:.3f}".replace(".", ",")][style]


def _posts_dms(root: Path) -> None:
    posts = _posts(root)
    posts["lon"] = [_dms(float(v), "E", i) for i, v in enumerate(posts["lon"])]
    posts["lat"] = [_dms(float(v), "N", i) for i, v in enumerate(posts["lat"])]
    posts.to_csv(root / "posts.csv", index=False)


def _posts_duplicate_id(root: Path) -> None:
    posts = _posts(root)
    posts.loc[3, "id"] = "P1"
    posts.to_csv(root / "posts.csv", index=False)


def _posts_text_coordinate(root: Path) -> None:
    posts = _posts(root)
    posts.loc[1, "lon"] = "một trăm lẻ sáu"
    posts.to_csv(root / "posts.csv", index=False)


def _population_text(root: Path) -> None:
    communes = _communes(root)
    communes.loc[1, "dan"] = "hai mươi nghìn"
    communes.to_file(root / "communes.gpkg")


def _bts_height_text(root: Path) -> None:
    bts = pd.read_csv(root / "bts.csv", dtype=str)
    bts["cao"] = ["30", "cao", "", "45"]
    bts.to_csv(root / "bts.csv", index=False)
    _config(root, 'northing = "y"', 'northing = "y"\nheight = "cao"')


# ------------------------------------------------------------------------ spreadsheets


def _posts_xlsx_with_title(root: Path) -> None:
    posts = _posts(root)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐIỂM PHỤC VỤ BƯU CHÍNH"])
    sheet.append([])
    sheet.append(list(posts.columns))
    for row in posts.itertuples(index=False):
        sheet.append(list(row))
    book.save(root / "posts.xlsx")
    _config(root, 'path = "posts.csv"', 'path = "posts.xlsx"')


def _posts_xlsx_title_where(root: Path) -> None:
    _posts_xlsx_with_title(root)
    book = openpyxl.load_workbook(root / "posts.xlsx")
    book.active["C5"] = "not a coordinate"  # spreadsheet row 5 holds P2
    book.save(root / "posts.xlsx")


def _posts_missing_column(root: Path) -> None:
    _posts(root).drop(columns="loai").to_csv(root / "posts.csv", index=False)


def _posts_semicolon_decimal_comma(root: Path) -> None:
    posts = _posts(root)
    for col in ("lon", "lat"):
        posts[col] = posts[col].str.replace(".", ",", regex=False)
    posts.to_csv(root / "posts.csv", index=False, sep=";")


def _posts_pipe_separated(root: Path) -> None:
    _posts(root).to_csv(root / "posts.csv", index=False, sep="|")


def _posts_xlsx_is_csv(root: Path) -> None:
    (root / "posts.xlsx").write_bytes((root / "posts.csv").read_bytes())
    _config(root, 'path = "posts.csv"', 'path = "posts.xlsx"')


def _posts_unsupported(root: Path) -> None:
    (root / "posts.ods").write_bytes(b"PK\x03\x04")
    _config(root, 'path = "posts.csv"', 'path = "posts.ods"')


def _posts_formula_names(root: Path) -> None:
    posts = _posts(root)
    posts.loc[0, "id"] = "=1+2"
    posts.loc[0, "lon"] = "@x"
    posts.to_csv(root / "posts.csv", index=False)


def _communes_formula_name(root: Path) -> None:
    communes = _communes(root)
    communes.loc[1, "ten"] = 'Xã =HYPERLINK("http://x","y")'
    communes.loc[2, "ten"] = '=HYPERLINK("http://x","y")'
    communes["loai"] = ["phường", "xã", "thị trấn"]
    communes.to_file(root / "communes.gpkg")
    _config(root, 'name = "ten"', 'name = "ten"\nkind = "loai"')


def _formula_cells_neutralised(root: Path) -> None:
    raw = (root / "outputs" / "stats" / "commune.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in raw and ',=HYPERLINK' not in raw
    book = openpyxl.load_workbook(root / "outputs" / "stats" / "stats.xlsx")
    communes = book.worksheets[[s.title for s in book.worksheets].index(
        next(s.title for s in book.worksheets if s.title in {"Xã", "Communes"}))]
    cells = [c for row in communes.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    numbers = [c for row in communes.iter_rows(min_row=4) for c in row
               if isinstance(c.value, int | float)]
    assert numbers and all(c.data_type == "n" for c in numbers)
    # the report reads the tables back: the name as typed, never a formula
    report = openpyxl.load_workbook(root / "outputs" / "report.xlsx")
    for sheet in report.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def _formula_id_in_rejects(root: Path) -> None:
    problems = (root / "outputs" / "rejects" / "problems.csv").read_text(encoding="utf-8-sig")
    assert ",'=1+2," in problems and ",=" not in problems, problems
    rows = (root / "outputs" / "rejects" / "post_offices.csv").read_text(encoding="utf-8-sig")
    assert "'=1+2," in rows and ",'@x," in rows and ",=" not in rows and ",@" not in rows, rows


# ------------------------------------------------------------------- empty and truncated


def _posts_zero_bytes(root: Path) -> None:
    (root / "posts.csv").write_bytes(b"")


def _posts_header_only(root: Path) -> None:
    (root / "posts.csv").write_text("id,loai,lon,lat\n", encoding="utf-8")


def _communes_zero_bytes(root: Path) -> None:
    (root / "communes.gpkg").write_bytes(b"")


def _communes_truncated(root: Path) -> None:
    data = (root / "communes.gpkg").read_bytes()
    (root / "communes.gpkg").write_bytes(data[: len(data) // 3])


def _bts_gzip(root: Path) -> None:
    (root / "bts.csv.gz").write_bytes(gzip.compress((root / "bts.csv").read_bytes()))
    (root / "bts.csv").unlink()
    _config(root, 'path = "bts.csv"', 'path = "bts.csv.gz"')


def _posts_gzip_semicolon(root: Path) -> None:
    text = _posts(root).to_csv(index=False, sep=";")
    (root / "posts.csv.gz").write_bytes(gzip.compress(text.encode("utf-8-sig")))
    _config(root, 'path = "posts.csv"', 'path = "posts.csv.gz"')


def _bts_gzip_truncated(root: Path) -> None:
    data = gzip.compress((root / "bts.csv").read_bytes() * 50)
    (root / "bts.csv.gz").write_bytes(data[: len(data) // 2])
    _config(root, 'path = "bts.csv"', 'path = "bts.csv.gz"')


def _masts_counted(root: Path) -> None:
    assert int(_stats(root, "province")["masts"].iloc[0]) == 4


# ------------------------------------------------------------------------- KML and KMZ


_KML_POINTS = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
{placemarks}
</Document></kml>
"""


def _placemarks(root: Path) -> str:
    posts = _posts(root)
    return "\n".join(
        f"<Placemark><name>{r.id}</name><ExtendedData><Data name=\"loai\"><value>{r.loai}"
        f"</value></Data></ExtendedData><Point><coordinates>{r.lon},{r.lat}</coordinates>"
        f"</Point></Placemark>" for r in posts.itertuples())


def _posts_vector_layer(root: Path, name: str) -> None:
    text = f"""
[layers.post_offices]
path = "{name}"
[layers.post_offices.fields]
id = "Name"
type = "loai"
"""
    path = root / "ictgis.toml"
    config = path.read_text(encoding="utf-8")
    start = config.index("[layers.post_offices]")
    end = config.index("[layers.bts]")
    path.write_text(config[:start] + text.lstrip() + "\n" + config[end:], encoding="utf-8")


def _billion_laughs(root: Path) -> None:
    lol = ["<!ENTITY lol0 \"lol\">"] + [
        f"<!ENTITY lol{i} \"{('&lol' + str(i - 1) + ';') * 10}\">" for i in range(1, 10)]
    doc = ("<?xml version=\"1.0\"?>\n<!DOCTYPE kml [\n" + "\n".join(lol) + "\n]>\n"
           "<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document><Placemark>"
           "<name>&lol9;</name><Point><coordinates>106.3,10.3</coordinates></Point>"
           "</Placemark></Document></kml>\n")
    (root / "posts.kml").write_text(doc, encoding="utf-8")
    _posts_vector_layer(root, "posts.kml")


def _kmz_traversal(root: Path) -> None:
    doc = _KML_POINTS.format(placemarks=_placemarks(root))
    with zipfile.ZipFile(root / "posts.kmz", "w") as kmz:
        kmz.writestr("doc.kml", doc)
        kmz.writestr("../../escaped.kml", doc)
        kmz.writestr("/tmp/ictgis_escaped_absolute.kml", doc)
    _posts_vector_layer(root, "posts.kmz")


def _nothing_escaped(root: Path) -> None:
    assert not (root.parent / "escaped.kml").exists()
    assert not (root.parent.parent / "escaped.kml").exists()
    assert not Path("/tmp/ictgis_escaped_absolute.kml").exists()
    assert int(_stats(root, "province")["n_points"].iloc[0]) == 4  # P5 is a private courier


# ---------------------------------------------------------------------------- geometry


def _communes_z(root: Path) -> None:
    communes = _communes(root)
    communes["geometry"] = [Polygon([(x, y, 3.5) for x, y in g.exterior.coords])
                            for g in communes.geometry]
    communes.to_file(root / "communes.gpkg")


def _areas_unchanged(root: Path) -> None:
    area = _stats(root, "province")["area_km2"].iloc[0]
    assert area == pytest.approx(3 * SIDE * SIDE / 1e6)


def _posts_geojson_z(root: Path) -> None:
    posts = _posts(root)
    gdf = gpd.GeoDataFrame(posts[["id", "loai"]], crs="EPSG:4326", geometry=[
        Point(float(x), float(y), 12.0) for x, y in zip(posts["lon"], posts["lat"], strict=True)])
    gdf.to_file(root / "posts.geojson")
    _posts_vector_layer(root, "posts.geojson")
    _config(root, 'id = "Name"', 'id = "id"')


def _communes_bowtie(root: Path) -> None:
    communes = _communes(root)
    x, y = X0 + SIDE, Y0
    communes.loc[1, "geometry"] = Polygon([(x, y), (x + SIDE, y + SIDE), (x + SIDE, y),
                                           (x, y + SIDE), (x, y)])
    communes.to_file(root / "communes.gpkg")


def _communes_points(root: Path) -> None:
    communes = _communes(root)
    communes["geometry"] = communes.geometry.centroid
    communes.to_file(root / "communes.gpkg")


def _communes_one_empty_geometry(root: Path) -> None:
    communes = _communes(root)
    communes.loc[2, "geometry"] = Polygon()
    communes.to_file(root / "communes.gpkg")


# ----------------------------------------------------------------------------- coverage


def _every_mast_outside(root: Path) -> None:
    bts = pd.read_csv(root / "bts.csv", dtype=str)
    bts["x"] = (bts["x"].astype(float) + 500_000).astype(str)
    bts.to_csv(root / "bts.csv", index=False)
    path = root / "ictgis.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[checks]\nmax_outside_pct = 100\n",
                    encoding="utf-8")


def _nothing_covered(root: Path) -> None:
    province = pd.read_csv(root / "outputs" / "coverage" / "province.csv", encoding="utf-8-sig")
    covered = province.filter(like="pop_pct_any")
    assert len(covered.columns) == 3 and covered.eq(0).all(axis=None), province.to_string()


def _population_raster(content: bytes | None) -> Callable[[Path], None]:
    def breaker(root: Path) -> None:
        if content is not None:
            (root / "dan_so.tif").write_bytes(content)
        path = root / "ictgis.toml"
        path.write_text(path.read_text(encoding="utf-8")
                        + '\n[coverage]\npopulation_raster = "dan_so.tif"\n', encoding="utf-8")
    return breaker


def _resolution_too_fine(root: Path) -> None:
    path = root / "ictgis.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[coverage]\nresolution_m = 0.5\n",
                    encoding="utf-8")


# ----------------------------------------------------------------- config, usage, layers


def _unknown_config_key(root: Path) -> None:
    _config(root, 'path = "posts.csv"', 'path = "posts.csv"\npth = "posts.csv"')


def _missing_layer_file(root: Path) -> None:
    (root / "bts.csv").unlink()


def _nothing(_root: Path) -> None:
    pass


def _csvs_kept(root: Path) -> None:
    stats = root / "outputs" / "stats"
    names = {p.name for p in stats.iterdir()}
    assert {"province.csv", "commune.csv", "stats.gpkg", "stats_communes.geojson"} <= names
    assert (root / "outputs" / "siting" / "findings.csv").is_file()
    from tests.robustness.conftest import invoke

    report = invoke(root, "report")
    assert report.exit_code == 0, report.output


def _shapefile_and_raster(root: Path) -> None:
    import numpy as np
    import rasterio
    from affine import Affine

    _communes_shapefile(root, encoding="utf-8", cpg=True)
    (root / "shp" / "communes.qix").write_bytes(b"spatial index")
    with rasterio.open(root / "dan_so.tif", "w", driver="GTiff", width=3, height=1, count=1,
                       dtype="float32", crs="EPSG:9210",
                       transform=Affine(SIDE, 0, X0, 0, -SIDE, Y0 + SIDE)) as dst:
        dst.write(np.ones((1, 1, 3), dtype="float32"))
    (root / "dan_so.tif.aux.xml").write_text("<PAMDataset/>", encoding="utf-8")
    path = root / "ictgis.toml"
    path.write_text(path.read_text(encoding="utf-8")
                    + '\n[coverage]\npopulation_raster = "dan_so.tif"\n', encoding="utf-8")


def _layer_files_in_manifest(root: Path) -> None:
    import hashlib

    manifest = json.loads((root / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    names = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert set(names) == {"communes.shp", "communes.shx", "communes.dbf", "communes.prj",
                          "communes.cpg", "communes.qix", "posts.csv", "bts.csv",
                          "dan_so.tif", "dan_so.tif.aux.xml"}, names
    dbf = names["communes.dbf"]
    assert dbf["used_by"] == ["communes"]
    assert dbf["sha256"] == hashlib.sha256(Path(dbf["path"]).read_bytes()).hexdigest()
    assert names["dan_so.tif"]["used_by"] == ["coverage.population_raster"]


CASES = [
    # encodings
    FileCase("cp1258 CSV, encoding not declared", _posts_cp1258, exit_code=1,
             message_id="errors.io.not_encoding", names=("posts.csv", "cp1258")),
    FileCase("cp1258 CSV, encoding declared", _posts_cp1258_declared, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("UTF-8 CSV with a byte-order mark", _posts_bom, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("NFD (decomposed) Vietnamese types", _posts_nfd, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("legacy cp1258 DBF without .cpg, encoding declared", _legacy_dbf_declared,
             exit_code=0, after=_names_kept, command=("stats",)),
    FileCase("legacy DBF with a .cpg of 1258", _legacy_dbf_with_cpg, exit_code=0,
             after=_names_kept, command=("stats",)),
    FileCase("legacy cp1258 DBF without .cpg or encoding",
             lambda root: _communes_shapefile(root, encoding="cp1258", cpg=False), exit_code=1,
             message_id="errors.io.no_cpg", names=("communes.shp", "cp1258", "Phường 1")),
    FileCase("UTF-8 DBF without .cpg",
             lambda root: _communes_shapefile(root, encoding="utf-8", cpg=False), exit_code=0,
             command=("stats",), after=_names_kept),
    FileCase("NFD commune and district names", _communes_nfd, exit_code=0,
             command=("stats",), after=_regions_found),
    FileCase("zipped Shapefile", _zipped_shapefile, exit_code=0, command=("stats",),
             after=_names_kept),
    FileCase("Shapefile features are numbered from 0, as QGIS shows them",
             _shapefile_bad_population, message_id="problems.population.bad",
             names=("communes.shp", " 1 (", "không rõ")),
    # coordinates and values
    FileCase("DMS coordinates in five spellings", _posts_dms, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("duplicate ids", _posts_duplicate_id, exit_code=0,
             message_id="cli.rejected_rows", after=_problem("post_offices", "row 5", "duplicate_id")),
    FileCase("text in a coordinate column", _posts_text_coordinate, exit_code=0,
             message_id="cli.rejected_rows",
             after=_problem("post_offices", "row 3", "coordinates")),
    FileCase("text in the population column", _population_text,
             message_id="problems.population.bad", names=("communes.gpkg", " 2 (", "hai mươi")),
    FileCase("text in the mast height column", _bts_height_text, exit_code=0,
             after=_problem("bts", "row 3", "bad_height")),
    # spreadsheets and separators
    FileCase("title rows above the header of an XLSX", _posts_xlsx_with_title, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("title rows: rows numbered as in the spreadsheet", _posts_xlsx_title_where,
             exit_code=0, after=_problem("post_offices", "row 5", "coordinates")),
    FileCase("a configured column is missing", _posts_missing_column,
             message_id="errors.io.missing_column", names=("posts.csv", "loai")),
    FileCase("semicolons and decimal commas", _posts_semicolon_decimal_comma, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("an unknown separator (|)", _posts_pipe_separated,
             message_id="errors.io.missing_column", names=("posts.csv", "id|loai|lon|lat")),
    FileCase("a CSV named .xlsx", _posts_xlsx_is_csv,
             message_id="errors.io.table_unreadable", names=("posts.xlsx",)),
    FileCase("an unsupported format", _posts_unsupported,
             message_id="errors.io.unsupported", names=("posts.ods", ".ods")),
    FileCase("formula-like commune names", _communes_formula_name, exit_code=0,
             command=("run", "--skip", "coverage", "--skip", "maps"),
             after=_formula_cells_neutralised),
    FileCase("a formula-like id in the rejected rows", _posts_formula_names, exit_code=0,
             message_id="cli.rejected_rows", after=_formula_id_in_rejects),
    # empty, truncated, compressed
    FileCase("zero-byte CSV", _posts_zero_bytes,
             message_id="errors.io.table_unreadable", names=("posts.csv",)),
    FileCase("CSV with a header and no row", _posts_header_only,
             message_id="errors.io.no_rows", names=("posts.csv",)),
    FileCase("zero-byte GeoPackage", _communes_zero_bytes,
             message_id="errors.io.layer_unreadable", names=("communes.gpkg",)),
    FileCase("truncated GeoPackage", _communes_truncated,
             message_id="errors.io.layer_unreadable", names=("communes.gpkg",)),
    FileCase("gzipped BTS table", _bts_gzip, exit_code=0, after=_masts_counted,
             command=("stats",)),
    FileCase("gzipped CSV with semicolons and a BOM", _posts_gzip_semicolon, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("truncated gzip", _bts_gzip_truncated,
             message_id="errors.io.table_unreadable", names=("bts.csv.gz",)),
    # KML, KMZ
    FileCase("KML entity expansion (billion laughs)", _billion_laughs,
             message_id="errors.io.layer_unreadable", names=("posts.kml",)),
    FileCase("KMZ with members outside the archive", _kmz_traversal, exit_code=0,
             after=_nothing_escaped, command=("stats",)),
    # geometry
    FileCase("Z coordinates on the communes", _communes_z, exit_code=0, after=_areas_unchanged,
             command=("stats",)),
    FileCase("Z coordinates on the points (GeoJSON)", _posts_geojson_z, exit_code=0,
             after=_no_problems("post_offices")),
    FileCase("a bowtie (self-intersecting) commune", _communes_bowtie, exit_code=0,
             after=_problem("communes", "feature 2", "repaired")),
    FileCase("points given as the commune layer", _communes_points,
             message_id="problems.not_polygon", names=("communes.gpkg", " 1 (", " 3 (")),
    FileCase("a commune with an empty geometry", _communes_one_empty_geometry,
             message_id="problems.empty_geometry", names=("communes.gpkg", " 3 (")),
    # coverage on odd inputs
    FileCase("every mast rejected: coverage is zero, no crash", _every_mast_outside, exit_code=0,
             command=("coverage",), message_id="cli.rejected_rows", after=_nothing_covered),
    FileCase("a zero-byte population raster", _population_raster(b""), command=("coverage",),
             message_id="errors.io.raster_unreadable", names=("dan_so.tif",)),
    FileCase("a population raster that is not a raster", _population_raster(b"II*\x00garbage"),
             command=("coverage",), message_id="errors.io.raster_unreadable",
             names=("dan_so.tif",)),
    FileCase("a population raster that does not exist", _population_raster(None),
             command=("coverage",), message_id="errors.io.file_not_found",
             names=("dan_so.tif",)),
    FileCase("a coverage grid too large for memory", _resolution_too_fine,
             command=("coverage",), message_id="coverage.error.grid_too_large",
             names=("communes.gpkg", "resolution_m")),
    # configuration, usage, outputs
    FileCase("an unknown configuration key", _unknown_config_key,
             message_id="config.unknown_key", names=("pth",)),
    FileCase("a layer file that does not exist", _missing_layer_file,
             message_id="errors.io.layer_not_found", names=("bts.csv",)),
    FileCase("--format geojson keeps the CSVs later steps read", _nothing, exit_code=0,
             command=("stats", "--format", "geojson"), good_command=("run", "--skip", "coverage"),
             after=_csvs_kept),
    FileCase("--format shp is a usage error", _nothing, exit_code=2,
             command=("stats", "--format", "shp"), good_command=("stats",),
             message_id="cli.bad_format", names=("shp",)),
    FileCase("--skip of an unknown step is a usage error", _nothing, exit_code=2,
             command=("run", "--skip", "nothing"), good_command=("stats",), names=("nothing",)),
    FileCase("an unknown option is a usage error", _nothing, exit_code=2,
             command=("stats", "--colour"), good_command=("stats",), names=("--colour",)),
    FileCase("manifest lists every file of a Shapefile and the rasters",
             _shapefile_and_raster, exit_code=0,
             command=("run", "--skip", "coverage", "--skip", "maps"),
             after=_layer_files_in_manifest),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file(case: FileCase, good_workspace: Path) -> None:
    check_case(case, good_workspace)
    if case.after is not None:
        case.after(good_workspace)
