"""`ictgis map` on the demo province, checked in a real headless browser with no network.

The browser tests need Debian's chromium (``.ci/run`` installs it) and the playwright package.
They skip when chromium is absent, unless CI is set: then a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from ictgis import i18n, maps
from ictgis.cli.main import main
from ictgis.maps.elements import asset_text

#: Labels of the default (Vietnamese) and of the English maps.
VI, EN = maps.labels_for("vi"), maps.labels_for("en")

IN_CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: Names from hostile input files: they must show as text and run nothing.
XSS_COMMUNE = 'Xã <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
XSS_SITE = "<img src=x onerror=window.__xss=3>TG-X"
XSS_POST = "<b onmouseover=window.__xss=4>Bưu cục độc</b>"


def _run(runner: CliRunner, *args: str) -> None:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo province with hostile names, after stats, siting, coverage (200 m) and map."""
    runner = CliRunner()
    root = tmp_path_factory.mktemp("map") / "demo"
    _run(runner, "demo", str(root))
    communes = gpd.read_file(root / "boundaries" / "communes.gpkg")
    communes.loc[5, "ten_xa"] = XSS_COMMUNE
    communes.to_file(root / "boundaries" / "communes.gpkg")
    for name, column, value in (("bts.csv", "ma_tram", XSS_SITE),
                                ("post_offices.csv", "ten_diem", XSS_POST)):
        table = pd.read_csv(root / "layers" / name, dtype=str, keep_default_na=False)
        table.loc[0, column] = value
        table.to_csv(root / "layers" / name, index=False)
    config = root / "ictgis.toml"
    text = config.read_text(encoding="utf-8")
    if "coverage" in tomllib.loads(text):
        text = text.replace("[coverage]\n", "[coverage]\nresolution_m = 200\n", 1)
    else:
        text += "\n[coverage]\nresolution_m = 200\n"
    config.write_text(text, encoding="utf-8")
    for step in ("stats", "siting", "coverage", "map"):
        _run(runner, step, "-w", str(root), "-q", "--lang", "vi")
    return root


@pytest.fixture(scope="module")
def demo_en(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of ``demo`` with the maps written again with ``--lang en``.

    What ``ictgis map`` printed is kept beside them, in ``map.txt``.
    """
    out = tmp_path_factory.mktemp("en") / "outputs"
    shutil.copytree(demo / "outputs", out)
    result = CliRunner().invoke(main, ["map", "-w", str(demo), "--out", str(out), "--lang", "en"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (out.parent / "map.txt").write_text(result.stdout, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def ws(demo: Path):  # noqa: ANN201
    from ictgis.config import load_config
    from ictgis.workspace import load_workspace

    return load_workspace(load_config(demo))


# ---------------------------------------------------------------- files, without a browser


def test_map_writes_the_province_the_regions_and_static_maps(demo: Path) -> None:
    folder = demo / "outputs" / "maps"
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html", "region_vung_phia_dong.html", "region_vung_phia_tay.html",
        "region_vung_trung_tam.html", "static_coverage.png", "static_radius.png"]
    for png in folder.glob("*.png"):
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 8_000_000
    assert VI["synthetic"] in page and EN["synthetic"] not in page
    assert not re.search(r"<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=", page)
    assert XSS_COMMUNE not in page and XSS_SITE not in page  # only as escaped JSON text


def test_summary_and_options(demo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["map", "-w", str(demo), "--out", str(tmp_path / "o"),
                                  "--indicator", "pop_pct_any_4g", "--scheme", "natural_breaks"])
    # the coverage step has not run in this --out folder
    assert result.exit_code == 1
    assert "needs the results of `ictgis coverage`" in result.output
    assert not (tmp_path / "o" / "maps").exists()
    result = runner.invoke(main, ["map", "-w", str(demo), "--tiles", "bing"])
    assert result.exit_code == 2
    assert "Invalid value for --tiles: tiles “bing”" in result.output
    result = runner.invoke(main, ["map", "-w", str(demo), "--indicator", "nope"])
    assert result.exit_code == 2
    result = runner.invoke(main, ["map", "--help"])
    assert result.exit_code == 0 and "Examples" in result.output


def test_map_of_a_workspace_before_any_step(make_workspace, runner, vietnamese) -> None:
    root = make_workspace()
    result = runner.invoke(main, ["map", "-w", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "communes only" not in result.output and "BTS" in result.output
    assert "điểm bưu chính" in result.output  # the map summary names every layer it drew
    assert i18n.t("cli.maps.communes_only", lang="vi") not in result.output
    folder = root / "outputs" / "maps"
    assert sorted(p.name for p in folder.glob("*.png")) == ["static_radius.png"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    block = re.search(r"overlays :  \{(.*?)\},", page, re.S).group(1)
    overlays = [json.loads(name) for name in re.findall(r'("[^"]+") :', block)]
    assert VI["bts_layer"].format(n=4) in overlays
    for key in ("coverage_layer", "findings_layer"):
        assert not any(name.startswith(VI[key].split(" {")[0]) for name in overlays), key


# --------------------------------------------------------------------------- in a browser


@dataclass
class Page:
    """A loaded page, with what it tried to fetch and what went wrong."""

    page: object
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def eval(self, script: str, arg: object = None) -> object:
        return self.page.evaluate(script, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("CI: the playwright package is missing (pip install -e '.[test]')")
        pytest.skip("playwright is not installed")
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("CI: chromium is missing; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium); CI=true makes this "
                    "an error")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def open_map(browser) -> Iterator[object]:
    pages = []

    def _open(path: Path) -> Page:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        loaded = Page(page)

        def route(request_route) -> None:  # noqa: ANN001
            url = request_route.request.url
            if url.startswith(("file://", "data:")):
                request_route.continue_()
            else:
                loaded.external.append(url)
                request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and loaded.console_errors.append(m.text))
        page.on("pageerror", lambda e: loaded.page_errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function("window.ictgis && ictgis.sitesLoaded", timeout=20_000)
        pages.append(page)
        return loaded

    yield _open
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def index(demo: Path, open_map) -> Page:
    """The province map in the default language, Vietnamese."""
    return open_map(demo / "outputs" / "maps" / "index.html")


@pytest.fixture(scope="module")
def index_en(demo_en: Path, open_map) -> Page:
    """The province map written with ``--lang en``."""
    return open_map(demo_en / "maps" / "index.html")


@pytest.fixture(params=["vi", "en"])
def lang_index(request: pytest.FixtureRequest) -> tuple[Page, dict]:
    """Each language's province map, with its labels."""
    page = request.getfixturevalue("index" if request.param == "vi" else "index_en")
    return page, maps.labels_for(request.param)


#: Compiles a script without running it; the error's name and message, or null.
COMPILE = ("source => { try { new Function(source); return null; }"
           " catch (e) { return e.name + ': ' + e.message; } }")


def test_page_script_is_valid_javascript(browser) -> None:
    source = asset_text("ictgis.js")
    page = browser.new_page()
    try:
        assert page.evaluate(COMPILE, source) is None
        assert page.evaluate(COMPILE, source + "\n}").startswith("SyntaxError")
    finally:
        page.close()


def test_loads_offline_with_no_error_and_no_request(index: Page) -> None:
    assert index.eval("typeof L") == "object"
    assert index.eval("L.version") == "1.9.3"
    assert index.external == []
    assert index.console_errors == []
    assert index.page_errors == []
    assert index.eval("typeof window.__xss") == "undefined"
    for control in (".leaflet-control-scale", ".leaflet-control-zoom-fullscreen",
                    ".leaflet-control-search", ".leaflet-control-layers", ".ictgis-legend"):
        assert index.page.locator(control).count() == 1, control


def test_layer_control_lists_the_layers(lang_index: tuple[Page, dict]) -> None:
    index, t = lang_index
    names = index.eval("Array.from(document.querySelectorAll("
                       "'.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())")
    lang = index.eval("ictgis.meta.lang")
    radius = maps.get_indicator("radius_km", lang)
    postal = ["Bưu cục", "Bưu cục phát", "Điểm Bưu điện - Văn hóa xã", "Đại lý bưu chính",
              "Thùng thư công cộng", "Văn phòng chuyển phát"]
    if lang == "en":  # postal point types in English (the English map showed them Vietnamese)
        types = i18n.labels("stats.point_type", "en")
        postal = [types[code].split(" (")[0] for code in (
            "buu_cuc", "buu_cuc_phat", "diem_bdvhx", "dai_ly", "thung_thu", "chuyen_phat")]
        assert postal[0] == "Post office"
    assert names == [
        t["communes_layer"].format(label=radius.label, units=radius.units), t["zones"],
        t["district_outlines"], t["region_outlines"],
        *(t["postal_layer"].format(type=p) for p in postal),
        t["planned_layer"].format(n=600), names[11], names[12],
        *(t["coverage_layer"].format(tech=tech) for tech in ("2G", "3G", "4G"))]
    assert names[11].startswith(t["findings_layer"].split("{")[0])
    bts = t["bts_layer"].split("{")[0]
    assert names[12].startswith(bts)
    # switching a layer off removes it from the map
    assert index.eval("ictgis.map.hasLayer(ictgis.layers.bts)")
    index.page.locator(".leaflet-control-layers-overlays label", has_text=bts).click()
    assert not index.eval("ictgis.map.hasLayer(ictgis.layers.bts)")
    index.page.locator(".leaflet-control-layers-overlays label", has_text=bts).click()
    assert index.eval("ictgis.map.hasLayer(ictgis.layers.bts)")


#: The summary's name of each layer in English, as a user reads it (coverage apart).
SUMMARY_NAMES = {"zones": "plan zones", "districts": "district outlines",
                 "regions": "region outlines", "posts": "postal points",
                 "planned": "planned sites", "priorities": "investment priorities",
                 "findings": "siting findings", "bts": "BTS"}


def test_summary_lists_the_layers_of_the_layer_control(index_en: Page, demo_en: Path) -> None:
    # each entry of the layer control as chromium shows it: the key of its layer, or (an
    # image overlay, which has none) its label
    entries = index_en.eval("""() => {
        const keys = {};
        for (const [key, layer] of Object.entries(ictgis.layers)) keys[L.stamp(layer)] = key;
        return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
            .map(l => [keys[l.querySelector('input').layerId] ?? null, l.textContent.trim()]);
    }""")
    assert entries[0][0] == "communes"
    layers: list[str] = []
    coverage = EN["coverage_layer"].split("{")[0]
    for key, label in entries[1:]:
        if key is None:  # a coverage overlay: "Coverage <tech>..."
            assert label.startswith(coverage), label
            key = "coverage:" + label.removeprefix(coverage).split()[0]
        key = "posts" if key.startswith("post_") else key
        if key not in layers:
            layers.append(key)
    techs = [key.split(":")[1] for key in layers if key.startswith("coverage:")]
    assert techs == ["2G", "3G", "4G"] and {"zones", "posts", "bts", "findings"} <= set(layers)
    expected = ", ".join([SUMMARY_NAMES[key] for key in layers if ":" not in key]
                         + [f"coverage {'/'.join(techs)}"])
    summary = (demo_en.parent / "map.txt").read_text(encoding="utf-8")
    assert "maps: index.html (" in summary and f"; {expected}), " in summary, (expected, summary)


def test_clusters_hold_every_bts(index: Page, ws) -> None:
    assert index.eval("ictgis.layers.bts.getLayers().length") == len(ws.bts)
    assert index.eval("ictgis.siteData.id.length") == len(ws.bts)
    # the clusters shown at the start add up to every site
    shown = index.eval("""(() => { let n = 0; ictgis.layers.bts._featureGroup.eachLayer(
        l => { n += l.getChildCount ? l.getChildCount() : 1; }); return n; })()""")
    assert shown == len(ws.bts)


def _click_site(index: Page, site_id: str) -> str:
    """Zoom until the site's marker shows, click it like a user, return the popup text."""
    index.eval("""id => Promise.race([ictgis.showSite(id).then(() => true), new Promise(
        (_, fail) => setTimeout(() => fail(new Error("site not shown")), 8000))])""", site_id)
    box = index.page.locator(".leaflet-container").bounding_box()
    x, y = index.eval("""id => { const p = ictgis.map.latLngToContainerPoint(
        ictgis.findSite(id).getLatLng()); return [p.x, p.y]; }""", site_id)
    index.page.mouse.click(box["x"] + x, box["y"] + y)
    index.page.wait_for_function("id => ictgis.findSite(id).isPopupOpen()", arg=site_id,
                                 timeout=5_000)
    return index.eval("id => ictgis.findSite(id).getPopup().getElement().innerText", site_id)


def test_popup_of_a_known_site(index: Page, ws, demo: Path) -> None:
    findings = gpd.read_file(demo / "outputs" / "siting" / "findings.gpkg", layer="findings")
    site = ws.bts.set_index("id").loc["TG-0002"]
    text = _click_site(index, "TG-0002")
    assert text.startswith("TG-0002")
    assert "MobiFone, Viettel, VinaPhone" in text
    assert ", ".join(site["technologies"]) in text
    # the height as Vietnamese writes it: 7,1 m
    assert site["mast_class"] in text and f"{site['height']:g} m".replace(".", ",") in text
    own = findings[findings["site_id"] == "TG-0002"]
    for message in own["message"]:
        assert message in text
    if own.empty:
        assert f"{VI['site_findings']}\t{VI['none']}" in text
    # a site with findings lists each of them
    flagged = findings[findings["site_id"].isin(ws.bts["id"])]["site_id"].iloc[0]
    text = _click_site(index, flagged)
    for message in findings[findings["site_id"] == flagged]["message"]:
        assert message in text


def test_legend_shows_the_class_limits(lang_index: tuple[Page, dict], ws) -> None:
    from ictgis.stats import compute_stats

    index, t = lang_index
    lang = index.eval("ictgis.meta.lang")
    radius = compute_stats(ws)["commune"]["radius_km"]
    classes = maps.choropleth_classes(radius, "radius_km", lang=lang)
    ind = classes.indicator
    legend = index.eval("document.querySelector('.ictgis-legend').innerText")
    assert f"{ind.label} ({ind.units})" in legend
    assert len(classes.labels) == 5
    for label in classes.labels:
        assert label in legend
    assert t["no_data"].format(why=ind.nodata) in legend
    assert t["synthetic"] in legend
    # a coverage section shows with its layer
    signal, coverage = t["signal_legend"].format(tech="4G"), t["coverage_layer"].format(tech="4G")
    assert signal not in legend
    index.page.locator(".leaflet-control-layers-overlays label", has_text=coverage).click()
    legend = index.eval("document.querySelector('.ictgis-legend').innerText")
    assert signal in legend and "≥ -80 dBm" in legend
    assert maps.coverage_labels([-80, -90], lang)[1] in legend
    assert index.eval("document.querySelectorAll('img.ictgis-coverage').length") == 1
    index.page.locator(".leaflet-control-layers-overlays label", has_text=coverage).click()


def _texts(page: Page) -> str:
    """Every label a user sees: title, layer control, legend (all sections), search."""
    return page.eval("""() => [
        document.querySelector('.ictgis-title').innerText,
        document.querySelector('.leaflet-control-layers').innerText,
        document.querySelector('.ictgis-legend').textContent,
        document.querySelector('input.search-input').placeholder].join('\\n')""")


def test_default_page_is_vietnamese_and_lang_en_english(index: Page, index_en: Page,
                                                        demo: Path, demo_en: Path) -> None:
    vi, en = _texts(index), _texts(index_en)
    assert index.eval("ictgis.meta.lang") == "vi" and index_en.eval("ictgis.meta.lang") == "en"
    for key in ("synthetic", "province", "district_outlines", "region_outlines", "zones",
                "postal_points", "bts_legend", "findings_legend", "search"):
        assert VI[key] in vi and EN[key] not in vi, key
        assert EN[key] in en and VI[key] not in en, key
    assert VI["by_commune"].format(label=maps.get_indicator("radius_km", "vi").label) in vi
    assert EN["by_commune"].format(label=maps.get_indicator("radius_km", "en").label) in en
    for english in ("Communes", "Signal", "BTS sites", "Planned sites", "no data", "classes"):
        assert english not in vi, english
    # popups: a commune's field names and a site's
    for page, t in ((index, VI), (index_en, EN)):
        text = page.eval("""() => { const l = Object.values(ictgis.layers.communes._layers)[0];
            l.openPopup(); return l.getPopup().getElement().innerText; }""")
        for key in ("code", "district", "region", "population", "area"):
            assert f"{t[key]}\t" in text, key
        page.eval("() => { ictgis.map.closePopup(); }")
        fields = page.eval("Array.from(ictgis.site(0).querySelectorAll('th'))"
                           ".map(th => th.textContent)")
        for key in ("operators", "technologies", "commune", "site_findings"):
            assert t[key] in fields, key
    # the static maps differ (titles and legends)
    for name in ("static_radius.png", "static_coverage.png"):
        assert (demo / "outputs" / "maps" / name).read_bytes() != (
            demo_en / "maps" / name).read_bytes()


def test_hostile_names_show_as_text(index: Page, ws) -> None:
    code = ws.communes.loc[ws.communes["name"] == XSS_COMMUNE, "code"].iloc[0]
    text = index.eval("""code => { let out = null; ictgis.layers.communes.eachLayer(l => {
        if (l.feature.properties.code === code) {
            l.openPopup(); out = l.getPopup().getElement().innerText; } }); return out; }""", code)
    assert text.startswith(XSS_COMMUNE)
    assert XSS_SITE in _click_site(index, XSS_SITE)
    # the search lists the name as text
    index.page.locator(".search-button").click()
    index.page.locator("input.search-input").press_sequentially("script", delay=20)
    tip = index.page.locator(".search-tip").first
    tip.wait_for(timeout=5_000)
    assert tip.inner_text().startswith(XSS_COMMUNE)
    tip.click()
    index.page.wait_for_function("() => ictgis.map._popup && ictgis.map._popup.isOpen()")
    assert index.eval("ictgis.map._popup.getElement().innerText").startswith(XSS_COMMUNE)
    assert index.eval("typeof window.__xss") == "undefined"
    assert index.eval("document.querySelectorAll('img[src=\"x\"], b[onmouseover]').length") == 0
    assert index.external == [] and index.page_errors == []


def test_search_ignores_diacritics(index: Page) -> None:
    search = index.page.locator("input.search-input")
    if not search.is_visible():
        index.page.locator(".search-button").click()
    search.fill("")
    search.press_sequentially("tan phuoc", delay=20)
    tips = index.page.locator(".search-tip")
    tips.first.wait_for(timeout=5_000)
    assert any("Tân Phước" in t for t in tips.all_inner_texts())


def test_region_map(demo: Path, open_map, ws) -> None:
    region = "Vùng phía Tây"
    page = open_map(demo / "outputs" / "maps" / f"region_{maps.region_slug(region)}.html")
    codes = set(ws.communes.loc[ws.communes["region"] == region, "code"])
    assert page.eval("ictgis.layers.bts.getLayers().length") == int(ws.bts["commune"].isin(codes)
                                                                     .sum())
    assert page.eval("ictgis.layers.communes.getLayers().length") == len(codes)
    assert page.external == [] and page.console_errors == [] and page.page_errors == []
    assert region in page.eval("document.querySelector('.ictgis-title').innerText")


def test_with_tiles_the_map_still_works_when_they_fail(demo: Path, open_map, ws,
                                                        tmp_path_factory) -> None:
    out = tmp_path_factory.mktemp("tiles")
    shutil.copytree(demo / "outputs", out, dirs_exist_ok=True)
    result = CliRunner().invoke(main, ["map", "-w", str(demo), "--out", str(out), "--tiles",
                                       "osm", "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = open_map(out / "maps" / "index.html")
    assert page.eval("typeof L") == "object"
    assert page.eval("ictgis.layers.bts.getLayers().length") == len(ws.bts)
    assert page.external and all(u.startswith("https://tile.openstreetmap.org/")
                                 for u in page.external)
    assert page.page_errors == []


def test_sites_and_findings_beyond_the_limits_show_as_counts_per_commune(
        demo: Path, open_map, ws, tmp_path: Path) -> None:
    from ictgis.outputs import Outputs
    from ictgis.steps.maps import map_inputs

    data = maps.map_data(ws, **map_inputs(ws, Outputs(demo / "outputs")))
    pages = maps.map_pages(data, max_sites=100, max_findings=100, lang="en")
    (tmp_path / "index.html").write_text(pages["index.html"], encoding="utf-8")
    page = open_map(tmp_path / "index.html")
    assert page.external == [] and page.console_errors == [] and page.page_errors == []
    communes = ws.bts["commune"].nunique()
    assert page.eval("ictgis.layers.bts.getLayers().length") == communes
    assert page.eval("ictgis.siteData") is None  # no site drawn one by one
    legend = page.eval("document.querySelector('.ictgis-legend').innerText")
    assert EN["bts_counts_note"].format(n=i18n.number(len(ws.bts), 0, "en"), limit="100") in legend
    shown = page.eval("""(() => { let n = 0; ictgis.layers.bts.eachLayer(m => {
        n += Number(m.feature.properties.sites.replace(/,/g, '')); }); return n; })()""")
    assert shown == len(ws.bts)


# ------------------------------------------------------- layout on a desktop and on a phone

#: A desktop screen and a phone (CSS pixels).
VIEWPORTS = {"desktop": (1400, 1000), "phone": (390, 844)}

#: Every box drawn over the map: Leaflet's controls (ours too: legend, layers, search, zoom,
#: full screen, scale, attribution) and the title.
COVER = """() => {
    const map = ictgis.map.getContainer().getBoundingClientRect();
    const boxes = Array.from(document.querySelectorAll('.leaflet-control, .ictgis-title'))
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
    const part = r => Math.max(0, Math.min(r.right, map.right) - Math.max(r.left, map.left))
        * Math.max(0, Math.min(r.bottom, map.bottom) - Math.max(r.top, map.top));
    return {map: [map.width, map.height], boxes: boxes.map(
        r => [r.left, r.top, r.right, r.bottom, part(r)])};
}"""

#: The labels shown (visible, on the map) with their boxes and classes.
LABELS = """() => Array.from(document.querySelectorAll('.ictgis-label span'))
    .filter(s => getComputedStyle(s).visibility !== 'hidden')
    .map(s => { const r = s.getBoundingClientRect();
                return [s.parentElement.className, s.textContent, r.left, r.top, r.right,
                        r.bottom]; })"""


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def run_page(request: pytest.FixtureRequest, demo_run: Path, browser) -> Iterator[Page]:
    """The province map of the session's demo run, on each screen."""
    width, height = VIEWPORTS[request.param]
    page = browser.new_page(viewport={"width": width, "height": height})
    loaded = Page(page)
    page.on("pageerror", lambda e: loaded.page_errors.append(str(e)))
    page.goto((demo_run / "outputs" / "maps" / "index.html").as_uri())
    page.wait_for_function("window.ictgis && ictgis.sitesLoaded", timeout=20_000)
    yield loaded
    page.close()


def _province_bounds(root: Path) -> tuple[float, float, float, float]:
    """West, south, east, north of the province in degrees, read from the input file."""
    communes = gpd.read_file(root / "boundaries" / "communes.gpkg")
    return tuple(communes.to_crs("EPSG:4326").total_bounds)


def test_controls_leave_most_of_the_map_free(run_page: Page) -> None:
    found = run_page.eval(COVER)
    width, height = found["map"]
    assert (width, height) in VIEWPORTS.values()
    covered = sum(box[4] for box in found["boxes"])  # overlaps counted twice: an upper bound
    assert covered <= 0.4 * width * height, found["boxes"]
    assert run_page.page_errors == []


def test_the_province_is_in_view_and_fills_it(run_page: Page, demo_run: Path) -> None:
    west, south, east, north = _province_bounds(demo_run)
    view = run_page.eval("(() => { const b = ictgis.map.getBounds(); "
                         "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    assert view[0] < west and view[1] < south and view[2] > east and view[3] > north, view
    assert run_page.eval("b => ictgis.map.getBounds().contains(L.latLngBounds(b))",
                         [[south, west], [north, east]])
    # the province is not a small part of the view: its width or its height fills most of it
    assert (east - west) / (view[2] - view[0]) > 0.6 or (north - south) / (view[3] - view[1]) > 0.6
    # and no control lies over its corners' box beyond the title's and the columns' edges:
    # its projected box is clear of the legend and the layer list
    corners = run_page.eval("""b => [ictgis.map.latLngToContainerPoint(L.latLng(b[0])),
        ictgis.map.latLngToContainerPoint(L.latLng(b[1]))].map(p => [p.x, p.y])""",
                            [[south, west], [north, east]])
    box = run_page.eval("() => ictgis.map.getContainer().getBoundingClientRect().toJSON()")
    (x0, y1), (x1, y0) = corners
    for panel in (".ictgis-legend", ".leaflet-control-layers"):
        r = run_page.eval(f"document.querySelector('{panel}').getBoundingClientRect().toJSON()")
        left, top = r["left"] - box["left"], r["top"] - box["top"]
        right, bottom = left + r["width"], top + r["height"]
        assert right <= x0 or left >= x1 or bottom <= y0 or top >= y1, (panel, r, corners)


def test_panels_fold_on_a_phone_and_open_on_a_desktop(run_page: Page) -> None:
    phone = run_page.eval("ictgis.map.getContainer().clientWidth") < 768
    legend = run_page.page.locator(".ictgis-legend h4").first
    layers = run_page.page.locator(".leaflet-control-layers-overlays")
    assert legend.is_visible() is not phone and layers.is_visible() is not phone
    for panel, inside in ((".ictgis-legend", legend), (".leaflet-control-layers", layers)):
        toggle = run_page.page.locator(f"{panel} > .ictgis-toggle")
        assert toggle.is_visible()
        toggle.click()
        assert inside.is_visible() is phone
        toggle.click()
        assert inside.is_visible() is not phone
    # the title keeps the place and the synthetic-data label; on a phone its details fold
    assert run_page.page.locator(".ictgis-title .name").is_visible()
    assert run_page.page.locator(".ictgis-title .ictgis-synthetic").is_visible()
    assert run_page.page.locator(".ictgis-title .nav").is_visible() is not phone


def _assert_apart(labels: list) -> None:
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            apart = a[4] <= b[2] or b[4] <= a[2] or a[5] <= b[3] or b[5] <= a[3]
            assert apart, (a, b)


def test_labels_never_collide_and_communes_show_when_zoomed_in(run_page: Page) -> None:
    box = run_page.eval("() => ictgis.map.getContainer().getBoundingClientRect().toJSON()")
    shown = run_page.eval(LABELS)
    assert shown, "no label at all"
    _assert_apart(shown)
    for label in shown:
        assert box["left"] <= label[2] and label[4] <= box["right"], label
    start = run_page.eval("ictgis.map.getZoom()")
    try:
        run_page.eval("() => { ictgis.map.setZoom(ictgis.map.getZoom() + 2.5, {animate: false}); }")
        zoomed = run_page.eval(LABELS)
        _assert_apart(zoomed)
        assert any("commune" in label[0] for label in zoomed)
        # a closer view shows more labels, and a region's label still wins its place
        assert len(zoomed) >= len(shown) or any("region" in label[0] for label in zoomed)
    finally:
        run_page.eval(f"() => {{ ictgis.map.setZoom({start}, {{animate: false}}); }}")


def test_a_province_of_the_national_page_opens_its_own_map(make_workspace, open_map,
                                                           tmp_path: Path) -> None:
    import dataclasses

    from ictgis.config import load_config
    from ictgis.stats import compute_stats
    from ictgis.workspace import load_workspace

    ws = load_workspace(load_config(make_workspace()))
    data = maps.map_data(ws, stats=compute_stats(ws)["commune"])
    communes = data.communes.assign(province=["Tỉnh Á", "Tỉnh Á", "Tỉnh Bờ"])
    table = pd.DataFrame({"province": ["Tỉnh Á", "Tỉnh Bờ"], "radius_km": [1.25, 3.5]})
    pages = maps.map_pages(dataclasses.replace(data, communes=communes, provinces=table),
                           lang="en")
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    page = open_map(tmp_path / "index.html")
    assert page.eval("ictgis.layers.communes.getLayers().length") == 2  # the provinces
    page.eval("""() => { ictgis.layers.communes.eachLayer(l => {
        if (l.feature.properties.name === 'Tỉnh Bờ') { l.openPopup(); } }); }""")
    link = page.page.locator(".leaflet-popup a.ictgis-open")
    assert link.inner_text() == EN["open_page"]
    link.click()
    page.page.wait_for_function("window.ictgis && ictgis.laidOut && ictgis.sitesLoaded")
    assert page.page.url.endswith("/province_tinh_bo.html")
    assert "Tỉnh Bờ" in page.eval("document.querySelector('.ictgis-title').innerText")
    assert page.eval("ictgis.layers.communes.getLayers().length") == 1
    assert page.external == [] and page.page_errors == []


def test_summary_without_bts_names_the_zones_and_outlines_it_drew(make_workspace, runner
                                                                  ) -> None:
    from shapely.geometry import box

    from tests.conftest import CONFIG, SIDE, X0, Y0

    # no [layers.bts]: plan zones, outlines and postal points besides the communes
    config = CONFIG.split("[layers.bts]")[0] + """
[layers.zones]
path = "zones.gpkg"
[layers.zones.fields]
id = "ma"
zone_class = "loai"
"""
    root = make_workspace(config=config)
    gpd.GeoDataFrame({"ma": ["Z1"], "loai": ["prohibited"]},
                     geometry=[box(X0 + 1_000, Y0 + 1_000, X0 + SIDE, Y0 + SIDE / 2)],
                     crs="EPSG:9210").to_file(root / "zones.gpkg")
    result = runner.invoke(main, ["map", "-w", str(root), "--out", str(root / "o")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("maps: index.html"))
    shown = line.split("; ", 1)[1].split("), ", 1)[0]
    assert shown == "plan zones, district outlines, region outlines, postal points", line
    assert "BTS" not in line and "communes only" not in line
    page = (root / "o" / "maps" / "index.html").read_text(encoding="utf-8")
    block = re.search(r"overlays :  \{(.*?)\},", page, re.S).group(1)
    overlays = [json.loads(name) for name in re.findall(r'("[^"]+") :', block)]
    radius = maps.get_indicator("radius_km", "en")
    assert overlays == [EN["communes_layer"].format(label=radius.label, units=radius.units),
                        EN["zones"], EN["district_outlines"], EN["region_outlines"],
                        *overlays[4:]]
    # the toy's five postal points are of five types, one layer each; no BTS layer
    postal = EN["postal_layer"].split("{")[0]
    assert len(overlays) == 9 and all(name.startswith(postal) for name in overlays[4:])
