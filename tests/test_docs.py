"""The user guide (docs/en, docs/vi): it builds with warnings as errors in both languages, its
configuration reference names every declared key, its tutorial runs as written on files of the
shape it describes, and nothing in it (or in the README) points outside the repository."""

from __future__ import annotations

import html
import re
import shlex
import shutil
import tomllib
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from ictgis.cli.main import main
from ictgis.config.keys import LAYER_SCHEMAS, SECTIONS
from ictgis.config.reference import FILES, MARKER
from ictgis.parse import parse_coordinate
from tests.test_io import _cp1258_form

#: Sphinx 9 deprecations inside napoleon and MyST, not ours (they would fill the summary).
pytestmark = [
    pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options"),
    pytest.mark.filterwarnings("ignore:'sphinx.environment.BuildEnvironment.app' is deprecated"),
    # the tutorial's shapefile has no .prj on purpose
    pytest.mark.filterwarnings("ignore:'crs' was not provided"),
]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGUAGES = ("en", "vi")
#: Every page of the guide, the same file names in both languages.
PAGES = ("index", "getting-started", "tasks", "data", "configuration", "numbers", "troubleshooting",
         "coverage", "eras", "qgis", "distributed", "api")


def _page(lang: str, name: str) -> str:
    return (DOCS / lang / f"{name}.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ the build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path]]:
    """Both trees built once, as CI builds them (``-W``): exit status, warnings, HTML folder."""
    from sphinx.cmd.build import build_main

    out = tmp_path_factory.mktemp("guide")
    result = {}
    for lang in LANGUAGES:
        warnings = out / f"warnings_{lang}.txt"
        status = build_main(["-W", "--keep-going", "-q", "-E", "-b", "html", "-w", str(warnings),
                             "-d", str(out / "doctrees" / lang), str(DOCS / lang), str(out / lang)])
        result[lang] = (status, warnings.read_text(encoding="utf-8"), out / lang)
    return result


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_guide_builds_without_a_warning(built, lang: str) -> None:
    status, warnings, folder = built[lang]
    assert (status, warnings) == (0, "")
    assert {p.stem for p in folder.glob("*.html")} >= set(PAGES)


def test_both_languages_have_the_same_pages() -> None:
    for lang in LANGUAGES:
        assert {p.stem for p in (DOCS / lang).glob("*.md")} == set(PAGES), lang
    # the Vietnamese pages are written in Vietnamese: every one has its diacritics
    assert all(re.search("[ếệởữđ]", _page("vi", name)) for name in PAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_built_pages_load_nothing_from_the_internet(built, lang: str) -> None:
    for page in built[lang][2].glob("*.html"):
        loaded = re.findall(r'<(?:script|link|img)\b[^>]*?(?:src|href)="([^"]+)"',
                            page.read_text(encoding="utf-8"))
        assert [u for u in loaded if re.match(r"(https?:)?//", u)] == [], page.name


# ------------------------------------------------------------------ the configuration reference


def _undocumented(page: str, sections: dict) -> list[str]:
    """Keys of ``sections`` missing from the table under their section's heading in ``page``."""
    chunks = {}
    for chunk in re.split(r"<h2\b[^>]*>", page)[1:]:
        heading = html.unescape(re.sub(r"<[^>]+>", "", chunk.split("</h2>")[0])).strip("¶ \n")
        chunks[heading] = chunk
    missing = []
    for section, keys in sections.items():
        chunk = chunks.get(f"[{section}]", "")
        missing += [f"[{section}] {name}" for name in keys
                    if f'<span class="pre">{html.escape(name, quote=False)}</span>' not in chunk]
    return missing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reference_page_documents_every_declared_key(built, lang: str) -> None:
    page = (built[lang][2] / "configuration.html").read_text(encoding="utf-8")
    assert _undocumented(page, SECTIONS) == []
    assert all(f'<span class="pre">{name}</span>' in page for name in LAYER_SCHEMAS)
    # the check fails on a key the page does not have
    assert _undocumented(page, {"province": {"no_such_key": None}}) == ["[province] no_such_key"]
    # each key described in the page's language, never in the other one
    text = _plain(page)
    other = "vi" if lang == "en" else "en"
    keys = [key for keys in SECTIONS.values() for key in keys.values()]
    assert [k.path for k in keys if k.describe(lang).replace("`", "") not in text] == []
    assert [k.path for k in keys if k.describe(other).replace("`", "") in text] == []


def _plain(page: str) -> str:
    """The text a page shows: no tags or entities, Sphinx's curly quotes straight again."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return text.translate(str.maketrans("‘’“”", "''\"\""))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reference_pages_include_the_generated_file(lang: str) -> None:
    assert MARKER in (DOCS / FILES[lang]).read_text(encoding="utf-8")
    assert f'{{include}} ../{FILES[lang]}\n:start-after: "{MARKER}"' in _page(lang,
                                                                              "configuration")


# ----------------------------------------------------------------------- nothing outside


def test_nothing_points_outside_the_repository() -> None:
    texts = {f"{lang}/{name}": _page(lang, name) for lang in LANGUAGES for name in PAGES}
    texts["README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    texts.update({name: (DOCS / name).read_text(encoding="utf-8") for name in FILES.values()})
    for name, text in texts.items():
        assert "DOMAIN.md" not in text, name
        assert not re.search(r"\]\((\.\./)+shared", text), name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_built_guide_cites_no_file_outside(built, lang: str) -> None:
    # docstrings cite "DOMAIN.md §4.2": the API page links the guide's own §4.2 instead
    pages = {p.name: p.read_text(encoding="utf-8") for p in built[lang][2].glob("*.html")}
    assert [name for name, text in pages.items() if "DOMAIN" in text or "../shared" in text] == []
    if lang == "en":
        cited = r'href="numbers.html"[^>]*>.*?What the numbers mean.*?</a> §4'
        assert re.search(cited, pages["api.html"])


def _slug(heading: str) -> str:
    """The anchor GitHub (and MyST's ``myst_heading_anchors``) gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_readme_links_into_the_guide_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#\s]+)(?:#([^)\s]+))?\)", readme)
    pages = {target for target, _ in links}
    assert {f"docs/{lang}/{name}.md" for lang in LANGUAGES for name in PAGES} <= pages
    for target, anchor in links:
        assert (ROOT / target).is_file(), target
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (ROOT / target).read_text(encoding="utf-8"),
                                  flags=re.M)
            assert anchor in {_slug(h) for h in headings}, (target, anchor)


def test_the_command_says_where_the_guide_is(english) -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "docs/en/index.md" in " ".join(result.output.split())


# --------------------------------------------------------------------------- the tutorial


def _fenced(text: str, info: str) -> list[str]:
    return re.findall(rf"^```{info}\n(.*?)^```", text, flags=re.S | re.M)


def _tutorial(lang: str) -> tuple[list[str], dict, set[str]]:
    """The commands (```console, lines after ``$``), the ictgis.toml and the outputs it names."""
    text = _page(lang, "getting-started")
    commands = [line[2:] for block in _fenced(text, "console") for line in block.splitlines()
                if line.startswith("$ ")]
    (config,) = _fenced(text, "toml")
    return commands, tomllib.loads(config), set(re.findall(r"tien_giang/outputs/[\w/.-]+\w", text))


def test_the_tutorial_is_the_same_in_both_languages() -> None:
    en, vi = _tutorial("en"), _tutorial("vi")
    assert en == vi
    assert [c.split()[:2] for c in en[0]] == [["ictgis", "validate"], ["ictgis", "run"]]


#: Commune kinds as a province's shapefile writes them.
_KINDS = {"phuong": "Phường", "thi_tran": "Thị trấn", "xa": "Xã"}


def _dms(degrees: np.ndarray, positive: str, negative: str) -> list[str]:
    """Degrees as the province's spreadsheets write them: 106°22'18.15"E."""
    whole = np.abs(degrees)
    d = np.floor(whole)
    m = np.floor((whole - d) * 60)
    s = (whole - d) * 3600 - m * 60
    return [f"{a:.0f}°{b:02.0f}'{c:05.2f}\"{positive if v >= 0 else negative}"
            for a, b, c, v in zip(d, m, s, degrees, strict=True)]


def _province_files(folder: Path) -> None:
    """The tutorial's three files, made from the demo workspace's layers.

    - ``ranh_gioi/xa.shp``: communes in VN-2000 / TM-3 105°45′ with no .prj, names in a
      Windows-1258 .dbf with no .cpg;
    - ``diem_buu_chinh.xlsx``: postal points with longitude and latitude in DMS;
    - ``tram_bts.xlsx``: BTS masts with VN-2000 X (northing) and Y (easting).
    """
    (folder / "ranh_gioi").mkdir(parents=True)
    communes = gpd.read_file(ROOT / "boundaries" / "communes.gpkg")
    assert communes.crs.to_epsg() == 9210
    shapefile = gpd.GeoDataFrame({
        "MA_XA": communes["ma_xa"],
        "TEN_XA": communes["ten_xa"].map(_cp1258_form),
        "LOAI": communes["loai"].map(_KINDS).map(_cp1258_form),
        "HUYEN": communes["huyen"].map(_cp1258_form),
        "DAN_SO": communes["dan_so"],
    }, geometry=communes.geometry.to_numpy(), crs=None)
    pyogrio.write_dataframe(shapefile, folder / "ranh_gioi" / "xa.shp", encoding="cp1258")
    for extra in ("xa.prj", "xa.cpg"):
        (folder / "ranh_gioi" / extra).unlink(missing_ok=True)

    posts = pd.read_csv(ROOT / "layers" / "post_offices.csv", dtype=str)
    lon = parse_coordinate(posts["kinh_do"]).to_numpy(float)
    lat = parse_coordinate(posts["vi_do"]).to_numpy(float)
    pd.DataFrame({"Mã điểm": posts["ma_diem"], "Tên điểm": posts["ten_diem"],
                  "Loại điểm": posts["loai_diem"], "Kinh độ": _dms(lon, "E", "W"),
                  "Vĩ độ": _dms(lat, "N", "S")}).to_excel(folder / "diem_buu_chinh.xlsx",
                                                          index=False)

    bts = pd.read_csv(ROOT / "layers" / "bts.csv", dtype=str)
    pd.DataFrame({"Mã trạm": bts["ma_tram"], "Nhà mạng": bts["nha_mang"],
                  "Công nghệ": bts["cong_nghe"], "Loại cột": bts["loai_cot"],
                  "Độ cao (m)": bts["do_cao_m"], "Trạng thái": bts["trang_thai"],
                  "X": bts["toa_do_x"], "Y": bts["toa_do_y"]}).to_excel(folder / "tram_bts.xlsx",
                                                                       index=False)


@pytest.fixture(scope="module")
def province_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tutorial's files, made once for this module (copy before writing beside them)."""
    folder = tmp_path_factory.mktemp("province") / "tien_giang"
    _province_files(folder)
    return folder


def test_the_province_files_have_the_tutorials_shape(province_files: Path) -> None:
    tmp_path = province_files
    dbf = (tmp_path / "ranh_gioi" / "xa.dbf").read_bytes()
    assert not (tmp_path / "ranh_gioi" / "xa.prj").exists()
    assert not (tmp_path / "ranh_gioi" / "xa.cpg").exists()
    assert "Xã".encode() not in dbf and _cp1258_form("Xã").encode("cp1258") in dbf
    posts = pd.read_excel(tmp_path / "diem_buu_chinh.xlsx", dtype=str)
    assert posts["Kinh độ"].str.fullmatch(r"10[5-7]°\d\d'\d\d\.\d\d\"E").all()
    # DMS written back to degrees within 0.01" (0.3 m) of the demo's coordinates
    demo = pd.read_csv(ROOT / "layers" / "post_offices.csv", dtype=str)
    np.testing.assert_allclose(parse_coordinate(posts["Vĩ độ"]).to_numpy(float),
                               parse_coordinate(demo["vi_do"]).to_numpy(float), atol=0.01 / 3600)
    masts = pd.read_excel(tmp_path / "tram_bts.xlsx")
    # X the northing, Y the easting (the demo's few deliberately swapped rows aside)
    assert masts["X"].between(1_000_000, 1_300_000).mean() > 0.99
    assert masts["Y"].between(400_000, 700_000).mean() > 0.99


def test_the_tutorial_runs_as_written(province_files: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    commands, config, named = _tutorial("en")
    workspace = tmp_path / "tien_giang"
    shutil.copytree(province_files, workspace)
    (workspace / "ictgis.toml").write_text(
        _fenced(_page("en", "getting-started"), "toml")[0], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in commands:
        program, *args = shlex.split(command)
        assert program == "ictgis"
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, f"$ {command}\n{result.output}"
    assert named and sorted(p for p in named if not (tmp_path / p).exists()) == []

    # the legacy names were read as Vietnamese, and every commune is there
    communes = gpd.read_file(ROOT / "boundaries" / "communes.gpkg")
    table = pd.read_csv(workspace / "outputs" / "stats" / "commune.csv", dtype={"code": str})
    names = {unicodedata.normalize("NFC", n) for n in table["name"]}
    assert names == set(communes["ten_xa"])
    province = pd.read_csv(workspace / "outputs" / "stats" / "province.csv")
    assert province["population"].iloc[0] == communes["dan_so"].sum()
    # the masts were read from X (northing) and Y (easting): the masts per district equal an
    # independent join of the demo's own coordinates (less the rows the run rejected, by id)
    problems = pd.read_csv(workspace / "outputs" / "rejects" / "problems.csv", dtype=str)
    rejected = set(problems.loc[(problems["severity"] == "rejected")
                                & (problems["layer"] == "bts"), "id"])
    masts = pd.read_csv(ROOT / "layers" / "bts.csv", dtype=str)
    masts = masts[~masts["ma_tram"].isin(rejected)]
    points = gpd.GeoDataFrame(geometry=shapely.points(masts["toa_do_y"].astype(float),
                                                      masts["toa_do_x"].astype(float)), crs=9210)
    expected = gpd.sjoin(points, communes[["huyen", "geometry"]]).groupby("huyen").size()
    district = pd.read_csv(workspace / "outputs" / "stats" / "district.csv")
    assert district.set_index("district")["masts"].to_dict() == expected.to_dict()
    assert config["layers"]["communes"]["encoding"] == "cp1258"
    # the Word report carries the heading the tutorial's [report] gives it
    from docx import Document

    report = Document(str(workspace / "outputs" / "report.docx"))
    cells = [c.text for t in report.tables for r in t.rows for c in r.cells]
    heading = f"{config['report']['governing_body']}\n{config['report']['agency']}"
    assert heading in cells
