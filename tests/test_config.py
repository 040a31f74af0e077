"""Tests of ictgis.config: ictgis.toml -> typed, frozen values; every error names file and key."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from ictgis.config import (
    CONFIG_NAME,
    DEFAULT_COUNT_TYPES,
    DEFAULT_URBAN_KINDS,
    KEYS,
    REQUIRED,
    SECTIONS,
    ChecksConfig,
    Config,
    CoverageConfig,
    LayerConfig,
    SitingConfig,
    TechnologyConfig,
    default_of,
    help_text,
    load_config,
    lookup,
    render_reference,
)
from ictgis.config.keys import catalogue_texts
from ictgis.config.reference import FILES, MARKER
from ictgis.errors import ConfigError
from ictgis.i18n import catalogue

REPO_CONFIG = Path(__file__).resolve().parents[1] / "ictgis.toml"
DOCS = Path(__file__).resolve().parents[1] / "docs"

#: DOMAIN.md §3: Tiền Giang's three economic-urban regions and their 11 district-level units.
REGIONS = {
    "Vùng Trung tâm": ("Thành phố Mỹ Tho", "Huyện Châu Thành", "Huyện Chợ Gạo"),
    "Vùng phía Tây": ("Thị xã Cai Lậy", "Huyện Cai Lậy", "Huyện Cái Bè", "Huyện Tân Phước"),
    "Vùng phía Đông": ("Thị xã Gò Công", "Huyện Gò Công Tây", "Huyện Gò Công Đông",
                       "Huyện Tân Phú Đông"),
}


def _write(directory: Path, text: str) -> Path:
    path = directory / CONFIG_NAME
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the repository's example


@pytest.fixture
def example(tmp_path) -> Config:
    _write(tmp_path, REPO_CONFIG.read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_NAME]  # no layer files needed
    return load_config(tmp_path)


def test_example_province(example, tmp_path):
    assert example.province == "Tiền Giang (synthetic demo)"
    assert example.crs == "EPSG:9210"
    assert example.synthetic is True
    assert example.population_year == 2018
    assert example.official_area_km2 is None
    assert example.urban_kinds == ("phuong", "thi_tran")
    assert example.region_by == "district"
    assert example.count_types == ("buu_cuc", "buu_cuc_phat", "diem_bdvhx", "dai_ly", "kiot",
                                   "thung_thu")
    assert dict(example.type_aliases) == {}
    assert example.path == (tmp_path / CONFIG_NAME).resolve()
    assert example.root == tmp_path.resolve()


def test_example_regions(example):
    assert dict(example.regions) == REGIONS
    units = [u for names in example.regions.values() for u in names]
    assert len(example.regions) == 3
    assert len(units) == len(set(units)) == 11


def test_example_layers(example, tmp_path):
    root = tmp_path.resolve()
    layers = example.layers
    assert set(layers) == {"communes", "post_offices", "bts", "subscribers", "zones",
                           "plan_features", "planned_sites", "proposals", "measurements"}
    assert all(isinstance(layer, LayerConfig) for layer in layers.values())
    assert {name: layer.name for name, layer in layers.items()} == {n: n for n in layers}

    communes = layers["communes"]
    assert communes.path == root / "boundaries" / "communes.gpkg"
    assert communes.label == "communes.gpkg"
    assert dict(communes.fields) == {"code": "ma_xa", "name": "ten_xa", "kind": "loai",
                                     "district": "huyen", "population": "dan_so"}
    assert (communes.crs, communes.layer, communes.encoding, communes.by) == (None, None, None, None)

    posts = layers["post_offices"]
    assert posts.path == root / "layers" / "post_offices.csv"
    assert posts.crs == "EPSG:4326"
    assert dict(posts.fields) == {"id": "ma_diem", "name": "ten_diem", "type": "loai_diem",
                                  "commune": "xa_phuong", "lon": "kinh_do", "lat": "vi_do"}

    bts = layers["bts"]
    assert bts.path == root / "layers" / "bts.csv"
    assert bts.crs == "EPSG:9210"
    # VN-2000 surveyors' Y is the easting and X the northing
    assert (bts.fields["easting"], bts.fields["northing"]) == ("toa_do_y", "toa_do_x")
    assert set(bts.fields) == {"id", "operators", "technologies", "mast_class", "height",
                               "status", "commune", "easting", "northing"}

    subs = layers["subscribers"]
    assert subs.by == "commune"
    assert subs.fields["commune"] == "ma_xa"
    assert subs.fields["internet_mobile"] == "internet_di_dong"

    siting = example.siting
    assert siting.spacing("A2b", True) == 300 and siting.spacing("A1a", False) == 400
    assert (siting.aviation_height_m, siting.sharing_target_pct) == (45, 30)
    assert layers["planned_sites"].fields["easting"] == "toa_do_y"


def test_paths_resolve_against_the_file_not_the_working_directory(tmp_path, monkeypatch):
    workspace = tmp_path / "tien_giang"
    workspace.mkdir()
    _write(workspace, REPO_CONFIG.read_text(encoding="utf-8"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(Path("..") / "tien_giang" / CONFIG_NAME)  # the file itself, relative
    assert config.path == (workspace / CONFIG_NAME).resolve()
    assert config.layers["bts"].path.is_absolute()
    assert config.layers["bts"].path == workspace.resolve() / "layers" / "bts.csv"


def test_config_is_frozen(example):
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.crs = "EPSG:4326"
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.layers["bts"].crs = "EPSG:4326"
    with pytest.raises(TypeError):
        example.layers["towers"] = example.layers["bts"]
    with pytest.raises(TypeError):
        example.layers["bts"].fields["id"] = "other"


# ------------------------------------------------------------------------- minimal config

MINIMAL = """\
[province]
name = "Tiền Giang"
crs = "EPSG:9210"

[admin]
urban_kinds = ["phuong", "thi_tran"]
region_by = "district"

[regions]
"Vùng Trung tâm" = ["Thành phố Mỹ Tho"]

[layers.communes]
path = "boundaries/communes.gpkg"
[layers.communes.fields]
code = "ma_xa"
name = "ten_xa"

[layers.post_offices]
path = "layers/post_offices.csv"
crs = "EPSG:4326"
[layers.post_offices.fields]
id = "ma_diem"
type = "loai_diem"
lon = "kinh_do"
lat = "vi_do"

[layers.bts]
path = "/abs/bts.shp"
crs = "EPSG:9210"
[layers.bts.fields]
id = "ma_tram"
operators = "nha_mang"
easting = "toa_do_y"
northing = "toa_do_x"

[layers.subscribers]
path = "layers/subscribers.csv"
by = "commune"
[layers.subscribers.fields]
commune = "ma_xa"
"""


def _edit(old: str, new: str) -> str:
    assert MINIMAL.count(old) == 1, old
    return MINIMAL.replace(old, new)


def test_minimal_config_and_defaults(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.province == "Tiền Giang"
    assert config.synthetic is False
    assert config.population_year is None
    assert config.official_area_km2 is None
    assert config.urban_kinds == DEFAULT_URBAN_KINDS
    assert config.count_types == DEFAULT_COUNT_TYPES
    assert dict(config.regions) == {"Vùng Trung tâm": ("Thành phố Mỹ Tho",)}
    assert config.layers["bts"].path == Path("/abs/bts.shp")  # absolute paths kept
    assert config.layers["subscribers"].by == "commune"


def test_optional_values(tmp_path):
    text = _edit('crs = "EPSG:9210"\n\n[admin]',
                 'crs = "EPSG:9210"\nsynthetic = true\npopulation_year = 2019\n'
                 'official_area_km2 = 2510\n\n[admin]')
    text += ('\n[postal]\ncount_types = ["buu_cuc"]\n[postal.type_aliases]\n'
             '"Bưu cục cấp 3" = "buu_cuc"\n')
    config = load_config(_write(tmp_path, text))
    assert config.synthetic is True
    assert config.population_year == 2019
    assert config.official_area_km2 == 2510.0
    assert isinstance(config.official_area_km2, float)
    assert config.count_types == ("buu_cuc",)
    assert dict(config.type_aliases) == {"Bưu cục cấp 3": "buu_cuc"}


def test_population_layer_defaults_to_join_by_code(tmp_path):
    text = MINIMAL + ('\n[layers.population]\npath = "dan_so.xlsx"\nlayer = "2019"\n'
                      'encoding = "cp1258"\n[layers.population.fields]\n'
                      'code = "Mã xã"\npopulation = "Dân số"\n')
    population = load_config(_write(tmp_path, text)).layers["population"]
    assert population.by == "code"
    assert population.layer == "2019"
    assert population.encoding == "cp1258"
    assert dict(population.fields) == {"code": "Mã xã", "population": "Dân số"}


# ------------------------------------------------------------------------ broken configs

F = r"^ictgis\.toml: "  # every message starts with the file name

BROKEN = {
    "missing [province]": (
        _edit('[province]\nname = "Tiền Giang"\ncrs = "EPSG:9210"\n', ""),
        F + r" ?province is missing"),
    "missing province name": (
        _edit('name = "Tiền Giang"\n', ""), F + r"\[province\] name is missing"),
    "province name not a string": (
        _edit('name = "Tiền Giang"', "name = 84"), F + r"\[province\] name must be a string, got “84”"),
    "unknown top-level key": (
        MINIMAL + "\n[extras]\nfoo = 1\n",
        F + r" ?extras is not a known key \(known: admin, checks, compute, coverage, indicators, "
            r"layers, macro_regions, operators, postal, priorities, province, regions, report, "
            r"siting, targets, targets_next_year\)"),
    "unknown key in [province]": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\narea = 2510\n\n'),
        F + r"\[province\] area is not a known key"),
    "unknown key in [admin]": (
        _edit('region_by = "district"', 'region_by = "district"\nurban = ["phuong"]'),
        F + r"\[admin\] urban is not a known key"),
    "unknown key in [layers.bts]": (
        _edit('path = "/abs/bts.shp"\n', 'path = "/abs/bts.shp"\ncolour = "red"\n'),
        F + r"\[layers\.bts\] colour is not a known key \(known: by, crs, encoding, era, fields, "
            r"layer, path\)"),
    "unknown layer": (
        MINIMAL + '\n[layers.towers]\npath = "towers.csv"\n',
        F + r"\[layers\] towers is not a known key \(known: bts, communes, crosswalk, dem, "
            r"measurements, plan_features, planned_sites, population, post_offices, proposals, "
            r"subscribers, zones\)"),
    "unknown field": (
        _edit('operators = "nha_mang"', 'operators = "nha_mang"\nowner = "chu_so_huu"'),
        F + r"\[layers\.bts\.fields\] owner is not a known key"),
    "missing required layer": (
        _edit('[layers.communes]\npath = "boundaries/communes.gpkg"\n[layers.communes.fields]\n'
              'code = "ma_xa"\nname = "ten_xa"\n', ""),
        F + r"\[layers\] communes is missing: this layer is required"),
    "missing [layers]": (
        MINIMAL[: MINIMAL.index("[layers.communes]")], F + r" ?layers is missing"),
    "missing layer path": (
        _edit('path = "/abs/bts.shp"\n', ""), F + r"\[layers\.bts\] path is missing"),
    "missing required field (post_offices type)": (
        _edit('type = "loai_diem"\n', ""),
        F + r"\[layers\.post_offices\.fields\] type is missing: name the column that holds it"),
    "missing required field (bts operators)": (
        _edit('operators = "nha_mang"\n', ""),
        F + r"\[layers\.bts\.fields\] operators is missing"),
    "lon without lat": (
        _edit('lat = "vi_do"\n', ""),
        F + r"\[layers\.post_offices\.fields\] lat is missing: lon/lat go together"),
    "lat without lon": (
        _edit('lon = "kinh_do"\n', ""),
        F + r"\[layers\.post_offices\.fields\] lon is missing: lon/lat go together"),
    "easting without northing": (
        _edit('northing = "toa_do_x"\n', ""),
        F + r"\[layers\.bts\.fields\] northing is missing: easting/northing go together"),
    "easting/northing without crs": (
        _edit('path = "/abs/bts.shp"\ncrs = "EPSG:9210"\n', 'path = "/abs/bts.shp"\n'),
        F + r"\[layers\.bts\] crs is missing: easting/northing columns need their CRS"),
    "bad by": (
        _edit('by = "commune"', 'by = "province"'),
        F + r"\[layers\.subscribers\] by must be one of commune, district, got “province”"),
    "by on a layer without joins": (
        _edit('path = "/abs/bts.shp"\n', 'path = "/abs/bts.shp"\nby = "commune"\n'),
        F + r"\[layers\.bts\] by is not used by this layer"),
    "by without its field": (
        _edit('by = "commune"', 'by = "district"'),
        F + r"\[layers\.subscribers\.fields\] district is missing: by = “district” joins on it"),
    "urban_kinds with an unknown kind": (
        _edit('["phuong", "thi_tran"]', '["phuong", "thanh_pho"]'),
        F + r"\[admin\] urban_kinds has “thanh_pho”; kinds are phuong, thi_tran, xa"),
    "urban_kinds not strings": (
        _edit('["phuong", "thi_tran"]', '["phuong", 1]'),
        F + r"\[admin\] urban_kinds must be a list of strings"),
    "urban_kinds not a list": (
        _edit('["phuong", "thi_tran"]', '"phuong"'),
        F + r"\[admin\] urban_kinds must be a list, got “phuong”"),
    "bad region_by": (
        _edit('region_by = "district"', 'region_by = "huyen"'),
        F + r"\[admin\] region_by must be “district” or “commune”, got “huyen”"),
    "empty region": (
        _edit('["Thành phố Mỹ Tho"]', "[]"),
        F + r"\[regions\] Vùng Trung tâm must list at least one unit"),
    "region not a list": (
        _edit('["Thành phố Mỹ Tho"]', '"Thành phố Mỹ Tho"'),
        F + r"\[regions\] Vùng Trung tâm must be a list"),
    "geographic working CRS": (
        _edit('name = "Tiền Giang"\ncrs = "EPSG:9210"', 'name = "Tiền Giang"\ncrs = "EPSG:4326"'),
        F + r"\[province\] crs: “EPSG:4326” \(WGS 84\) is geographic; the working CRS must be "
            r"metric"),
    "working CRS not a CRS": (
        _edit('name = "Tiền Giang"\ncrs = "EPSG:9210"', 'name = "Tiền Giang"\ncrs = "EPSG:0"'),
        F + r"\[province\] crs: “EPSG:0” is not a coordinate reference system"),
    "working CRS not a string": (
        _edit('name = "Tiền Giang"\ncrs = "EPSG:9210"', 'name = "Tiền Giang"\ncrs = 9210'),
        F + r"\[province\] crs must be a string, got “9210”"),
    "layer CRS not a CRS": (
        _edit('crs = "EPSG:4326"', 'crs = "WGS 48"'),
        F + r"\[layers\.post_offices\] crs: “WGS 48” is not a coordinate reference system"),
    "official_area_km2 = 0": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nofficial_area_km2 = 0\n\n'),
        F + r"\[province\] official_area_km2 must be > 0, got 0"),
    "official_area_km2 < 0": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nofficial_area_km2 = -2510.6\n\n'),
        F + r"\[province\] official_area_km2 must be > 0, got -2,510\.6"),
    "official_area_km2 = nan": (  # TOML has nan; nan > 0 is false, so it is not a valid area
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nofficial_area_km2 = nan\n\n'),
        F + r"\[province\] official_area_km2 must be > 0, got nan"),
    "official_area_km2 a string": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nofficial_area_km2 = "2510"\n\n'),
        F + r"\[province\] official_area_km2 must be an integer or a number, got “2510”"),
    "official_area_km2 a bool": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nofficial_area_km2 = true\n\n'),
        F + r"\[province\] official_area_km2 must be an integer or a number, got “True”"),
    "string where a bool is expected": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nsynthetic = "yes"\n\n'),
        F + r"\[province\] synthetic must be true or false, got “yes”"),
    "integer where a bool is expected": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\nsynthetic = 1\n\n'),
        F + r"\[province\] synthetic must be true or false, got “1”"),
    "bool where an integer is expected": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\npopulation_year = true\n\n'),
        F + r"\[province\] population_year must be an integer, got “True”"),
    "float where an integer is expected": (
        _edit('crs = "EPSG:9210"\n\n', 'crs = "EPSG:9210"\npopulation_year = 2018.5\n\n'),
        F + r"\[province\] population_year must be an integer, got “2018\.5”"),
    "field not a string": (
        _edit('id = "ma_tram"', "id = 1"), F + r"\[layers\.bts\.fields\] id must be a string, got “1”"),
    "encoding not a string": (
        _edit('path = "/abs/bts.shp"\n', 'path = "/abs/bts.shp"\nencoding = 1258\n'),
        F + r"\[layers\.bts\] encoding must be a string, got “1258”"),
    "count_types not a list": (
        MINIMAL + '\n[postal]\ncount_types = "buu_cuc"\n',
        F + r"\[postal\] count_types must be a list, got “buu_cuc”"),
    "type alias not a string": (
        MINIMAL + '\n[postal.type_aliases]\n"Bưu cục" = 1\n',
        F + r"\[postal\.type_aliases\] Bưu cục must be a string, got “1”"),
    "not TOML at all": (
        "this is not = = TOML\n[[[", F + r"not valid TOML"),
    "unclosed string": (
        _edit('name = "Tiền Giang"', 'name = "Tiền Giang'), F + r"not valid TOML"),
}


@pytest.mark.parametrize(("text", "match"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_config(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match) as exc:
        load_config(_write(tmp_path, text))
    assert isinstance(exc.value, ValueError)
    assert CONFIG_NAME in str(exc.value)


def test_config_errors_are_vietnamese_by_default(tmp_path, vietnamese):
    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, _edit('crs = "EPSG:9210"\n\n',
                                           'crs = "EPSG:9210"\nofficial_area_km2 = -5\n\n')))
    assert str(exc.value) == "ictgis.toml: [province] official_area_km2 phải > 0, nhưng là -5"
    assert exc.value.message_id == "config.at"
    with pytest.raises(ConfigError, match=r"\[admin\] region_by phải là “district” hoặc "
                                          r"“commune”, nhưng là “huyen”"):
        load_config(_write(tmp_path, _edit('region_by = "district"', 'region_by = "huyen"')))


def test_config_not_utf8(tmp_path):
    # "Tiền" as Windows-1258 writes it: e with circumflex (0xEA) + combining grave (0xCC)
    (tmp_path / CONFIG_NAME).write_bytes(b'[province]\nname = "Ti\xea\xccn Giang"\n')
    with pytest.raises(ConfigError, match=F + "not valid TOML"):
        load_config(tmp_path)


@pytest.mark.parametrize("as_file", [False, True])
def test_missing_config_file(tmp_path, as_file):
    where = tmp_path / CONFIG_NAME if as_file else tmp_path
    expected = f"{tmp_path / CONFIG_NAME}: no workspace configuration here"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_config(where)


# ------------------------------------------------------------------ the declaration of every key


@pytest.mark.parametrize("lang", list(FILES))
def test_reference_is_rendered_from_the_declaration(lang):
    # regenerate with the command at the top of docs/configuration.md:
    # python -c "from ictgis.config.reference import write_references; write_references()"
    assert (DOCS / FILES[lang]).read_text(encoding="utf-8") == render_reference(lang)


@pytest.mark.parametrize("lang", list(FILES))
def test_reference_lists_every_key_once(lang):
    text = render_reference(lang)
    for section, keys in SECTIONS.items():
        assert text.count(f"## `[{section}]`\n") == 1
        for name in keys:
            assert f"| `{name}` |" in text


def test_every_key_is_described_in_both_languages_from_one_source():
    vi, en = catalogue("vi"), catalogue("en")
    for key in KEYS:
        # the English catalogue holds the declared text itself (keys.py is its source)
        assert en.get(key.description_id) == key.description, key.path
        assert vi.get(key.description_id), key.path
        # translated: Vietnamese letters, and not the English text
        assert vi[key.description_id] != key.description, key.path
        assert re.search("[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]",
                         vi[key.description_id], re.IGNORECASE), key.path
    # one id per key, placeholders spelled safely
    ids = [key.description_id for key in KEYS]
    assert len(set(ids)) == len(ids)
    assert lookup("coverage.technologies.<name>.margin_db").description_id == (
        "config.key.coverage.technologies._name_.margin_db")


def test_the_vietnamese_reference_has_no_english_description():
    # cells as Markdown writes them: "<" escaped so that "BC-<symbol>" is not read as HTML
    vi, en = (render_reference(lang).replace("\\<", "<") for lang in ("vi", "en"))
    assert [k.path for k in KEYS if k.description in vi] == []
    assert [k.path for k in KEYS if f"| {k.describe('vi')} |" not in vi] == []
    assert [k.path for k in KEYS if f"| {k.description} |" not in en] == []
    # defaults in words follow the language too
    assert "| `name` | chuỗi | bắt buộc |" in vi and "| `name` | string | required |" in en
    assert "| not set |" not in vi and "| không khai báo |" in vi


def test_every_other_declared_text_comes_from_the_catalogue():
    vi, en = catalogue("vi"), catalogue("en")
    texts = catalogue_texts()
    # types, rules, sources, constraints, computed defaults: keys.py holds the English
    assert {i: en.get(i) for i in texts} == texts
    assert [i for i in texts if not vi.get(i)] == []
    assert texts["config.source.checks.min_mast_height_m"] == (
        "assumption (rooftop poles of 3 m and more)")
    assert texts["config.type_name.list_of_numbers"] == "list of numbers"
    assert texts["config.computed.coverage.threads"] == "the number of CPU cores"


def _words(text: str) -> set[str]:
    """Lower-case words of three letters or more, outside code spans and Markdown links."""
    text = re.sub(r"`[^`]*`|\]\([^)]*\)", " ", text)
    return {w.lower() for w in re.findall(r"(?<![\w.])[A-Za-z]{3,}(?![\w.])", text)}


def test_the_vietnamese_reference_has_no_english_text_in_any_column():
    vi_file = render_reference("vi")
    vi, en = catalogue("vi"), catalogue("en")
    ids = [*catalogue_texts(), "config.reference.intro", "config.range.between",
           *(i for i in en if i.startswith("config.reference.column."))]
    # words of the English texts that no Vietnamese text uses (names, citations, "ictgis" do)
    vietnamese = set().union(*(_words(text) for i, text in vi.items() if i.startswith("config.")))
    english = set().union(*(_words(en[i]) for i in ids)) - vietnamese
    assert {"assumption", "number", "string", "table", "least", "cores", "rooftop"} <= english
    # the marker is the guide's include anchor, the same in every language
    assert _words(vi_file.replace(MARKER, "")) & english == set()
    # and the cells as the English file writes them are not in the Vietnamese one
    assert "| number |" not in vi_file and "| số |" in vi_file
    assert "| 0 to 100 |" not in vi_file and "| từ 0 đến 100 |" in vi_file
    assert "| giả định (cột trên mái nhà từ 3 m trở lên) |" in vi_file
    assert "| key | type | default |" not in vi_file and "| khóa | kiểu | mặc định |" in vi_file
    assert "số lõi CPU của máy" in vi_file and "the number of CPU cores" in render_reference("en")


def test_help_text_follows_the_language(vietnamese):
    assert help_text("siting.aviation_height_m") == (
        "Chiều cao từ đó cột ăng-ten phải có tín hiệu cảnh báo hàng không và được chấp thuận độ "
        "cao (mặc định: 45 m).")
    assert help_text("province.population_year").endswith("(mặc định: không khai báo).")


#: Dataclass -> its declared section and the arguments it needs besides the defaults.
DECLARED = {
    ChecksConfig: ("checks", {}),
    SitingConfig: ("siting", {}),
    CoverageConfig: ("coverage", {}),
    TechnologyConfig: ("coverage.technologies.<name>",
                       {"frequency_mhz": 900, "eirp_dbm": 55, "threshold_dbm": -95}),
    LayerConfig: ("layers.<layer>", {"name": "bts", "path": Path("bts.csv"), "fields": {}}),
}


@pytest.mark.parametrize("cls", list(DECLARED), ids=lambda cls: cls.__name__)
def test_every_field_is_a_declared_key_with_the_declared_default(cls):
    section, needed = DECLARED[cls]
    fields = {f.name for f in dataclasses.fields(cls)} - {"name"}  # LayerConfig.name: its table
    assert fields == set(SECTIONS[section])
    built = cls(**needed)
    for name, key in SECTIONS[section].items():
        if key.default is not REQUIRED and key.type != "table":
            assert getattr(built, name) == default_of(key.path), name


def test_every_default_states_its_source():
    for key in KEYS:
        if not key.is_pattern and key.default not in (None, REQUIRED) and key.type != "table":
            assert key.source, key.path
        assert key.description and "\n" not in key.description, key.path


def test_help_text_and_lookup():
    assert help_text("siting.aviation_height_m") == (
        "Height from which a mast needs aviation marking and height approval (default: 45 m).")
    assert help_text("province.population_year").endswith("(default: not set).")
    assert help_text("coverage.threads") == "Tiles computed at once (default: the number of CPU cores)."
    assert lookup("coverage.technologies.<name>.margin_db").range is not None
    assert default_of("coverage.environment") == {"phuong": "urban", "thi_tran": "suburban",
                                                  "xa": "open", "dac_khu": "open"}
    with pytest.raises(KeyError, match="no configuration key “siting.nope”"):
        lookup("siting.nope")


# ------------------------------------------------------------------ [checks] and [operators]


def test_checks_and_operators_defaults(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.checks == ChecksConfig()
    assert (config.checks.overlap_tolerance_pct, config.checks.max_outside_pct) == (0.01, 50.0)
    assert (config.checks.min_mast_height_m, config.checks.max_mast_height_m) == (3.0, 150.0)
    assert dict(config.operators) == {}


def test_checks_and_operators_values(tmp_path):
    text = MINIMAL + ('\n[checks]\noverlap_tolerance_pct = 0.5\nmax_outside_pct = 20\n'
                      'min_mast_height_m = 2\nmax_mast_height_m = 120\n'
                      '\n[operators]\n"Tập đoàn Viettel" = "Viettel"\n"XTel" = "XTel"\n')
    config = load_config(_write(tmp_path, text))
    assert config.checks == ChecksConfig(0.5, 20.0, 2.0, 120.0)
    assert dict(config.operators) == {"Tập đoàn Viettel": "Viettel", "XTel": "XTel"}


@pytest.mark.parametrize(("text", "match"), [
    ("[checks]\nmin_mast_height_m = 160\n",
     r"\[checks\] max_mast_height_m must be greater than min_mast_height_m \(160\), got 150"),
    ("[checks]\nmax_outside_pct = 101\n", r"\[checks\] max_outside_pct"),
    ("[checks]\noverlap_tolerance_pct = -1\n", r"\[checks\] overlap_tolerance_pct"),
    ("[checks]\nnope = 1\n", r"\[checks\] nope is not a known key"),
    ('[operators]\n"Local" = 1\n', r"\[operators\] Local"),
])
def test_bad_checks_and_operators(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_config(_write(tmp_path, MINIMAL + "\n" + text))


#: Numbers in configuration errors as each language writes them (Babel, worked by hand): the
#: decimals the value needs, thousands grouped, but never a year (report.year: 1990 to 2100).
NUMBERS_IN_ERRORS = [
    ('[checks]\nmin_mast_height_m = 1500.5\nmax_mast_height_m = 1200\n',
     "[checks] max_mast_height_m phải lớn hơn min_mast_height_m (1.500,5), nhưng là 1.200",
     "[checks] max_mast_height_m must be greater than min_mast_height_m (1,500.5), got 1,200"),
    ("[checks]\nmax_outside_pct = 100.25\n",
     "[checks] max_outside_pct phải nằm trong khoảng từ 0 đến 100, nhưng là 100,25",
     "[checks] max_outside_pct must be between 0 and 100, got 100.25"),
    ("[checks]\noverlap_tolerance_pct = -1234.5\n",
     "[checks] overlap_tolerance_pct phải >= 0, nhưng là -1.234,5",
     "[checks] overlap_tolerance_pct must be >= 0, got -1,234.5"),
    ("[report]\nyear = 2200\n",
     "[report] year phải nằm trong khoảng từ 1990 đến 2100, nhưng là 2200",
     "[report] year must be between 1990 and 2100, got 2200"),
    ("[checks]\nmax_outside_pct = nan\n",  # TOML's nan is outside every range, and says so
     "[checks] max_outside_pct phải nằm trong khoảng từ 0 đến 100, nhưng là nan",
     "[checks] max_outside_pct must be between 0 and 100, got nan"),
]


@pytest.mark.parametrize(("text", "vi", "en"), NUMBERS_IN_ERRORS,
                         ids=[t.split("\n")[1] for t, _, _ in NUMBERS_IN_ERRORS])
def test_numbers_in_config_errors_follow_the_language(tmp_path, text, vi, en):
    from ictgis.i18n import language

    path = _write(tmp_path, MINIMAL + "\n" + text)
    for lang, expected in (("vi", vi), ("en", en)):
        with language(lang), pytest.raises(ConfigError) as exc:
            load_config(path)
        assert str(exc.value) == f"{CONFIG_NAME}: {expected}"


def test_ranges_in_words_follow_the_language():
    from ictgis.config.keys import Range
    from ictgis.i18n import language

    with language("vi"):
        assert [str(Range(0, 1e6)), str(Range(0.5, strict=True)), str(Range(1990, 2100,
                grouping=False))] == ["từ 0 đến 1.000.000", "> 0,5", "từ 1990 đến 2100"]
    with language("en"):
        assert [str(Range(0, 1e6)), str(Range(0.5, strict=True)), str(Range(1990, 2100,
                grouping=False))] == ["0 to 1,000,000", "> 0.5", "1990 to 2100"]


def test_report_and_priorities_sections(make_workspace) -> None:
    from tests.conftest import CONFIG

    text = CONFIG + """
[report]
year = 2025
date = "2026-02-05"
agency = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
recipients = ["UBND tỉnh", "Lưu: VT"]

[priorities]
grid_m = 500
[priorities.cost_vnd]
A2b = 1.2e9
colocate = 2e8

[targets_next_year]
phone_per_100 = 7
"""
    config = load_config(make_workspace(config=text))
    assert (config.report.year, config.report.date) == (2025, "2026-02-05")
    assert config.report.recipients == ("UBND tỉnh", "Lưu: VT")
    assert config.priorities.grid_m == 500 and config.priorities.cost_vnd["colocate"] == 2e8
    assert config.targets_next_year == {"phone_per_100": 7}
    bad = make_workspace(config=CONFIG + '\n[report]\ndate = "05/02/2026"\n')
    with pytest.raises(ConfigError, match=r"\[report\] date must be a date written YYYY-MM-DD"):
        load_config(bad)
