"""The CLI: exit codes, summaries, outputs, and one clear line for every kind of bad input."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Polygon

from ictgis.cli.main import main
from tests.conftest import X0, Y0


def invoke(runner, *args: str):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_stats_writes_every_level_and_prints_summary(runner, make_workspace, vietnamese) -> None:
    root = make_workspace()
    result = invoke(runner, "stats", "-w", str(root))
    assert result.exit_code == 0, result.output
    assert "Toàn tỉnh" in result.stdout and "Trung tâm" in result.stdout
    stats = root / "outputs" / "stats"
    for level in ("commune", "district", "zone", "region", "region_zone", "province"):
        assert (stats / f"{level}.csv").is_file()
    assert (stats / "stats.xlsx").is_file() and (stats / "stats.gpkg").is_file()
    province = pd.read_csv(stats / "province.csv", encoding="utf-8-sig")
    assert province["n_points"].iloc[0] == 4
    assert (root / "outputs" / "rejects" / "problems.csv").is_file()
    import openpyxl

    sheet = openpyxl.load_workbook(stats / "stats.xlsx")["Toàn tỉnh"]
    assert sheet.cell(row=1, column=1).value == "Toy province"  # title line, then the table
    header = [c.value for c in sheet[3]]
    assert header[:2] == ["Tỉnh", "Diện tích S (km²)"]
    radius = sheet.cell(row=4, column=header.index("Bán kính phục vụ R (km/điểm)") + 1)
    assert isinstance(radius.value, float) and radius.number_format == "0.00"
    assert sheet.freeze_panes == "A4"


def test_format_option(runner, make_workspace, tmp_path: Path) -> None:
    root = make_workspace()
    out = tmp_path / "elsewhere"
    result = invoke(runner, "stats", "-w", str(root), "--out", str(out), "--format", "csv,geojson")
    assert result.exit_code == 0, result.output
    names = {p.name for p in (out / "stats").iterdir()}
    assert "stats_communes.geojson" in names and "stats.xlsx" not in names
    bad = invoke(runner, "stats", "-w", str(root), "--format", "shp")
    assert bad.exit_code == 2 and "“shp” is not a format" in bad.output


def test_format_adds_formats_and_never_removes_what_later_steps_read(runner, make_workspace
                                                                    ) -> None:
    root = make_workspace()
    assert invoke(runner, "run", "-w", str(root), "--skip", "coverage", "-q").exit_code == 0
    siting = {p.name: p.read_bytes() for p in (root / "outputs" / "siting").iterdir()}
    result = invoke(runner, "stats", "-w", str(root), "--format", "geojson")
    assert result.exit_code == 0, result.output
    names = {p.name for p in (root / "outputs" / "stats").iterdir()}
    # the CSVs (report, --compare) and the GeoPackage (maps) are always written
    assert {"commune.csv", "province.csv", "stats.gpkg", "stats_communes.geojson"} <= names
    assert "stats.xlsx" not in names  # not asked for: last run's workbook would be stale
    # another step's outputs are untouched
    assert {p.name: p.read_bytes() for p in (root / "outputs" / "siting").iterdir()} == siting
    report = invoke(runner, "report", "-w", str(root), "-q")
    assert report.exit_code == 0, report.output
    assert (root / "outputs" / "report.html").is_file()


def test_no_workspace_is_exit_1(runner, tmp_path: Path) -> None:
    result = invoke(runner, "stats", "-w", str(tmp_path))
    assert result.exit_code == 1
    assert "ictgis.toml: no workspace configuration here" in result.stderr


def test_quiet_prints_nothing(runner, make_workspace) -> None:
    result = invoke(runner, "run", "-w", str(make_workspace()), "--quiet")
    assert result.exit_code == 0 and result.output == ""


def _swap_first_post(root: Path) -> None:
    posts = pd.read_csv(root / "posts.csv", dtype=str)
    posts.loc[0, ["lon", "lat"]] = posts.loc[0, ["lat", "lon"]].to_numpy()
    posts.to_csv(root / "posts.csv", index=False)


def _edit_csv(name: str, row: int, column: str, value: str):
    def _apply(root: Path) -> None:
        frame = pd.read_csv(root / name, dtype=str)
        frame.loc[row, column] = value
        frame.to_csv(root / name, index=False)
    return _apply


def _rewrite_communes(edit):
    import geopandas as gpd

    def _apply(root: Path) -> None:
        communes = gpd.read_file(root / "communes.gpkg")
        edit(communes).to_file(root / "communes.gpkg")
    return _apply


def _bowtie(communes):
    communes.loc[0, "geometry"] = Polygon(
        [(X0, Y0), (X0 + 10_000, Y0 + 10_000), (X0 + 10_000, Y0), (X0, Y0 + 10_000)])
    return communes


def _shapefile_without_prj(root: Path) -> None:
    import geopandas as gpd

    gpd.read_file(root / "communes.gpkg").to_file(root / "communes.shp")
    (root / "communes.prj").unlink()
    text = (root / "ictgis.toml").read_text(encoding="utf-8")
    (root / "ictgis.toml").write_text(text.replace("communes.gpkg", "communes.shp"), "utf-8")


def _legacy_dbf(root: Path) -> None:
    import geopandas as gpd
    import pyogrio

    communes = gpd.read_file(root / "communes.gpkg")
    pyogrio.write_dataframe(communes, root / "communes.shp", encoding="cp1258")
    (root / "communes.cpg").unlink(missing_ok=True)
    dbf = (root / "communes.dbf").read_bytes()
    assert "Hữu".encode() not in dbf and b"H\xfd" in dbf  # really cp1258 (ư = 0xFD), not UTF-8
    text = (root / "ictgis.toml").read_text(encoding="utf-8").replace(
        'path = "communes.gpkg"', 'path = "communes.shp"\nencoding = "cp1258"')
    (root / "ictgis.toml").write_text(text, "utf-8")


def _config(old: str, new: str):
    def _apply(root: Path) -> None:
        text = (root / "ictgis.toml").read_text(encoding="utf-8")
        assert old in text
        (root / "ictgis.toml").write_text(text.replace(old, new, 1), "utf-8")
    return _apply


# (case, how to break the workspace, exit code, text of the one line that names the problem)
BAD_INPUT = [
    ("missing file", lambda root: (root / "posts.csv").unlink(), 1,
     "posts.csv: file not found"),
    ("missing column", _config('type = "loai"', 'type = "loai_diem"'), 1,
     "posts.csv: column “loai_diem” (for type, [layers.post_offices.fields]) is not in the file"),
    ("unknown district", _rewrite_communes(lambda c: c.assign(
        huyen=["Thành phố Mỹ Tho", "Huyện Cái Bè", "Huyện Tân Phước"])), 1,
     "maps no region for district “Huyện Tân Phước” of communes.gpkg"),
    ("layer without CRS", _shapefile_without_prj, 1,
     "communes.shp: the layer has no CRS (no .prj?); set [layers.communes] crs"),
    ("swapped lat/lon", _swap_first_post, 0,
     "rejected: posts.csv: row 2 (id P1): longitude/latitude look swapped"),
    ("text in a numeric column",
     _rewrite_communes(lambda c: c.assign(dan=["10000", "n/a", "5000"])), 1,
     "communes.gpkg: feature 2 (id 002): population is not a non-negative number: n/a"),
    ("text in a coordinate", _edit_csv("posts.csv", 1, "lat", "mười độ"), 0,
     "rejected: posts.csv: row 3 (id P2): cannot read coordinates"),
    ("empty layer", lambda root: (root / "posts.csv").write_text("id,loai,lon,lat\n", "utf-8"), 1,
     "posts.csv: the layer has no rows"),
    ("self-intersecting polygon", _rewrite_communes(_bowtie), 0,
     "repaired: communes.gpkg: feature 1 (id 001): invalid polygon (Self-intersection"),
    ("duplicate ids", _edit_csv("posts.csv", 2, "id", "P1"), 0,
     "rejected: posts.csv: row 4 (id P1): duplicate id P1 (first at row 2)"),
    ("duplicate commune codes", _rewrite_communes(lambda c: c.assign(ma=["001", "002", "002"])), 1,
     "communes.gpkg: feature 3 (id 002): duplicate commune code 002 (first at feature 2)"),
    ("unknown point type", _edit_csv("posts.csv", 0, "loai", "Trạm xăng"), 0,
     "rejected: posts.csv: row 2 (id P1): unknown postal point type Trạm xăng"),
    ("legacy-encoded .dbf", _legacy_dbf, 0, None),
]


@pytest.mark.parametrize(("case", "breaker", "code", "line"), BAD_INPUT,
                         ids=[c[0] for c in BAD_INPUT])
def test_bad_input(runner, make_workspace, case, breaker, code, line) -> None:
    root = make_workspace()
    first = invoke(runner, "stats", "-w", str(root))
    assert first.exit_code == 0
    before = (root / "outputs" / "stats" / "province.csv").read_bytes()
    breaker(root)
    result = invoke(runner, "stats", "-w", str(root))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if line is not None:
        assert line in result.stderr, result.stderr
    after = root / "outputs" / "stats" / "province.csv"
    if code == 1:
        assert after.read_bytes() == before  # a failed run leaves earlier outputs intact
        assert result.stderr.count("\n") == 1  # one line
        assert not [p for p in (root / "outputs").iterdir() if p.name.startswith(".")]
    else:
        problems = pd.read_csv(root / "outputs" / "rejects" / "problems.csv", encoding="utf-8-sig")
        if line is not None:
            severity, _, rest = line.partition(": ")
            where = rest.split(": ")[1].split(" (id")[0]
            assert ((problems["severity"] == severity) & (problems["where"] == where)).sum() == 1
    if case == "legacy-encoded .dbf":
        communes = pd.read_csv(root / "outputs" / "stats" / "commune.csv", encoding="utf-8-sig")
        assert communes["name"].tolist() == ["Phường 1", "Xã An Hữu", "Thị trấn Cái Bè"]


def test_strict_turns_rejects_into_exit_1(runner, make_workspace) -> None:
    root = make_workspace()
    _swap_first_post(root)
    result = invoke(runner, "validate", "-w", str(root), "--strict")
    assert result.exit_code == 1
    assert "posts.csv: row 2 (id P1): longitude/latitude look swapped" in result.stderr
    assert not (root / "outputs" / "rejects").exists()
    relaxed = invoke(runner, "validate", "-w", str(root))
    assert relaxed.exit_code == 0 and "1 rejected" in relaxed.stdout


def test_interrupted_write_keeps_previous_outputs(runner, make_workspace, monkeypatch) -> None:
    from ictgis import io

    root = make_workspace()
    assert invoke(runner, "stats", "-w", str(root)).exit_code == 0
    before = {p.name: p.read_bytes() for p in (root / "outputs" / "stats").iterdir()}

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(io, "write_xlsx", broken)
    failed = invoke(runner, "stats", "-w", str(root))
    assert failed.exit_code == 1 and "system error: disk full" in failed.stderr
    assert "Traceback" not in failed.output
    after = {p.name: p.read_bytes() for p in (root / "outputs" / "stats").iterdir()}
    assert after == before
    assert sorted(p.name for p in (root / "outputs").iterdir()) == ["rejects", "stats"]
    shutil.rmtree(root)


def test_failed_run_leaves_previous_outputs_intact(runner, make_workspace, monkeypatch) -> None:
    from ictgis.steps import report

    root = make_workspace()
    assert invoke(runner, "run", "-w", str(root), "--skip", "coverage", "-q").exit_code == 0
    outputs = root / "outputs"
    before = {p.relative_to(outputs): p.read_bytes() for p in outputs.rglob("*") if p.is_file()}

    def broken(*_args) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(report, "write", broken)  # fails after stats and maps
    _rewrite_communes(lambda c: c.assign(dan=["11000", "20000", "5000"]))(root)  # new stats
    result = runner.invoke(main, ["run", "-w", str(root), "--skip", "coverage", "-q"])
    assert result.exit_code != 0
    after = {p.relative_to(outputs): p.read_bytes() for p in outputs.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


#: click's English texts: none may show in a Vietnamese usage error.
CLICK_ENGLISH = ("Usage", "OPTIONS", "Try", "for help", "Error", "Invalid value", "No such",
                 "Did you mean", "Missing", "argument", "unexpected", "is not one of",
                 "DIRECTORY")

#: Usage errors: the command line, and its Vietnamese and English lines (by hand).
USAGE_ERRORS = [
    (["map", "--tiles", "bing"], "Lỗi: Giá trị không hợp lệ cho --tiles: lớp nền “bing”",
     "Error: Invalid value for --tiles: tiles “bing”"),
    (["map", "--bogus"], "Lỗi: Không có tùy chọn “--bogus”.",
     "Error: No such option “--bogus”."),
    (["stats", "extra"], "Lỗi: Thừa đối số (extra)", "Error: Got unexpected extra argument (extra)"),
    (["demo"], "Lỗi: Thiếu đối số 'THƯ_MỤC'.", "Error: Missing argument 'DIRECTORY'."),
    (["map", "--scheme", "jenks"], "Lỗi: Giá trị không hợp lệ cho '--scheme': “jenks” không "
     "thuộc các giá trị được phép:", "Error: Invalid value for '--scheme': “jenks” is not one of"),
]


@pytest.mark.parametrize(("args", "vi", "en"), USAGE_ERRORS, ids=lambda v: " ".join(v)
                         if isinstance(v, list) else "")
def test_usage_errors_in_the_language_of_the_command(runner, vietnamese, args, vi, en) -> None:
    result = runner.invoke(main, args, prog_name="ictgis")
    assert result.exit_code == 2
    command = "ictgis " + args[0]
    assert f"Cách dùng: {command} [TÙY CHỌN]" in result.output
    assert f"Xem hướng dẫn: '{command} --help'." in result.output
    assert vi in result.output, result.output
    for english in CLICK_ENGLISH:
        assert english not in result.output, (english, result.output)
    # the same error with --lang en, or with ICTGIS_LANG=en, is English
    for lang_args, env in (([*args, "--lang", "en"], {}), (args, {"ICTGIS_LANG": "en"})):
        result = runner.invoke(main, lang_args, env=env, prog_name="ictgis")
        assert result.exit_code == 2
        assert f"Usage: {command} [OPTIONS]" in result.output
        assert f"Try '{command} --help' for help." in result.output
        assert en in result.output, result.output
        assert "Lỗi" not in result.output and "Cách dùng" not in result.output


def test_the_group_usage_follows_the_language(runner, vietnamese) -> None:
    result = runner.invoke(main, ["bogus"], prog_name="ictgis")
    assert result.exit_code == 2
    assert "Cách dùng: ictgis [TÙY CHỌN] LỆNH [ĐỐI SỐ]..." in result.output
    assert "Lỗi: Không có lệnh “bogus”." in result.output
    result = runner.invoke(main, ["bogus"], env={"ICTGIS_LANG": "en"}, prog_name="ictgis")
    assert "Error: No such command “bogus”." in result.output


def test_a_bug_is_one_line_and_the_option_it_names_shows_where(runner, make_workspace,
                                                                 monkeypatch) -> None:
    from ictgis import stats

    def broken(_ws):
        raise RuntimeError("boom")

    root = make_workspace()
    monkeypatch.setattr(stats, "compute_stats", broken)
    result = invoke(runner, "stats", "-w", str(root), "--lang", "en")
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = result.stderr.strip().splitlines()[-1]
    assert "internal error in ictgis (RuntimeError: boom)" in line
    option = re.search(r"again with (-\S+)", line).group(1)
    again = invoke(runner, option, "stats", "-w", str(root), "--lang", "en")
    assert again.exit_code == 1
    assert "Traceback" in again.stderr and 'in broken\n    raise RuntimeError("boom")' in again.stderr
