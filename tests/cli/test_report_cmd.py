"""`ictgis run` and `ictgis report` on a fresh demo: manifest, sections, numbers, targets."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from ictgis.cli.main import main
from ictgis.report import fmt


@pytest.fixture
def demo(demo_run: Path, vietnamese) -> Path:
    """The shared demo run (Vietnamese), read with Vietnamese number conventions."""
    return demo_run


def test_manifest_lists_outputs_that_exist(demo: Path) -> None:
    outputs = demo / "outputs"
    manifest = json.loads((outputs / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    assert set(manifest["timings_s"]) == {"validate", "stats", "siting", "calibration",
                                          "coverage", "priorities", "maps", "qgis", "report"}
    for name in manifest["outputs"]:
        assert (outputs / name).is_file(), name
    for expected in ("report.html", "report.xlsx", "stats/province.csv", "siting/findings.csv",
                     "coverage/level_any_4g.tif", "maps/index.html", "maps/static_radius.png"):
        assert expected in manifest["outputs"]
    bts = next(i for i in manifest["inputs"] if i["path"].endswith("bts.csv"))
    import hashlib

    assert bts["sha256"] == hashlib.sha256(Path(bts["path"]).read_bytes()).hexdigest()
    assert manifest["packages"]["geopandas"]


def _headline(html: str) -> dict[str, tuple[float, list[str]]]:
    rows = re.findall(r'<tr data-id="([^"]+)">(.*?)</tr>', html, flags=re.S)
    out = {}
    for ident, body in rows:
        value = float(re.search(r'data-value="([^"]+)"', body).group(1))
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, flags=re.S)
        out[ident] = (value, cells)
    return out


def test_report_sections_and_numbers_equal_the_outputs(demo: Path) -> None:
    outputs = demo / "outputs"
    html = (outputs / "report.html").read_text(encoding="utf-8")
    for section in ("headline", "by_region", "by_district", "by_zone", "charts", "maps",
                    "siting", "coverage_province", "quality", "assumptions", "synthetic"):
        assert f'id="{section}"' in html, section
    assert "http://" not in html and "https://" not in html  # self-contained
    province = pd.read_csv(outputs / "stats" / "province.csv", encoding="utf-8-sig").iloc[0]
    zone = pd.read_csv(outputs / "stats" / "zone.csv", encoding="utf-8-sig").set_index("zone")
    coverage = pd.read_csv(outputs / "coverage" / "province.csv", encoding="utf-8-sig").iloc[0]
    compliance = pd.read_csv(outputs / "siting" / "summary_compliance_province.csv",
                             encoding="utf-8-sig").iloc[0]
    expected = {
        "radius_km": province["radius_km"], "pop_per_point": province["pop_per_point"],
        "radius_km_rural": zone.loc["Nông thôn", "radius_km"],
        "phone_per_100": province["phone_per_100"],
        "phone_per_100_rural": zone.loc["Nông thôn", "phone_per_100"],
        "internet_fixed_per_100_rural": zone.loc["Nông thôn", "internet_fixed_per_100"],
        "pop_pct_any_4g": coverage["pop_pct_any_4g"],
        "compliance_pct": compliance["compliance_pct"],
        "revenue_bn_vnd": 2430.0,
    }
    headline = _headline(html)
    for ident, value in expected.items():
        assert headline[ident][0] == pytest.approx(value, rel=1e-12), ident
    # table cells are the CSV values, formatted
    region = pd.read_csv(outputs / "stats" / "region.csv", encoding="utf-8-sig")
    section = html.split('id="by_region"')[1].split("</section>")[0]
    for _, row in region.iterrows():
        assert f">{fmt(row['radius_km'], 2)}</td>" in section
        assert f">{fmt(row['population'], 0)}</td>" in section
    # bar charts by region and district, and the static maps of R and of coverage
    assert html.count("data:image/png;base64,") >= 6


def test_percent_achieved_is_against_the_plan_of_the_same_year(demo: Path) -> None:
    import tomllib

    config = tomllib.loads((demo / "ictgis.toml").read_text(encoding="utf-8"))
    plan = config["targets"]
    html = (demo / "outputs" / "report.html").read_text(encoding="utf-8")
    headers = re.findall(r"<th>(.*?)</th>", html.split('id="headline"')[1].split("</tr>")[0])
    assert headers == ["Chỉ tiêu", "Đơn vị", "Thực hiện năm 2018", "Kế hoạch năm 2018",
                       "% đạt so với kế hoạch", "Kế hoạch năm 2019"]
    headline = _headline(html)
    value, cells = headline["phone_per_100"]
    assert cells[3] == fmt(plan["phone_per_100"], 2)
    assert cells[4] == fmt(value / plan["phone_per_100"] * 100, 1)
    assert cells[5] == "6,39"  # the 2019 target of the 2018 report, shown beside
    value, cells = headline["revenue_bn_vnd"]
    assert (value, cells[3], cells[4], cells[5]) == (2430.0, "1.944", "125,0", "2.400")
    # lower is better: met or not met, never a percentage that reads as its opposite
    value, cells = headline["radius_km"]
    assert cells[4] == ("đạt" if value <= plan["radius_km"] else "chưa đạt")
    value, cells = headline["pop_per_point"]
    assert cells[4] == ("đạt" if value <= plan["pop_per_point"] else "chưa đạt")
    assert set(headline) == set(plan) | {"revenue_bn_vnd"}


def test_regions_in_configured_order_and_only_sections_that_ran(demo: Path) -> None:
    import tomllib

    regions = list(tomllib.loads((demo / "ictgis.toml").read_text(encoding="utf-8"))["regions"])
    html = (demo / "outputs" / "report.html").read_text(encoding="utf-8")
    section = html.split('id="by_region"')[1].split("</section>")[0]
    shown = [r for r in re.findall(r"<tr><td>([^<]+)</td>", section)]
    assert shown == regions


def test_bieu_so_1_workbook_has_numbers(demo: Path) -> None:
    book = openpyxl.load_workbook(demo / "outputs" / "report.xlsx")
    assert "Biểu số 1" in book.sheetnames and "Thống kê - Vùng" in book.sheetnames
    sheet = book["Biểu số 1"]
    header = [c.value for c in sheet[3]]
    assert header == ["Chỉ tiêu", "Đơn vị", "Thực hiện năm 2018", "Kế hoạch năm 2018",
                      "% đạt so với kế hoạch", "Kế hoạch năm 2019"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    revenue = rows["Tổng doanh thu bưu chính, viễn thông"]
    assert revenue[2:6] == (2430, 1944, pytest.approx(125.0), 2400)
    assert all(isinstance(r[2], float | int) for r in rows.values())
    assert rows["Bán kính phục vụ bình quân"][4] in {"đạt", "chưa đạt"}


def test_compare_and_english(demo_run: Path, tmp_path: Path) -> None:
    previous = tmp_path / "2017"
    shutil.copytree(demo_run / "outputs", previous)
    province = pd.read_csv(previous / "stats" / "province.csv", encoding="utf-8-sig")
    province["radius_km"] = 2.5
    province.to_csv(previous / "stats" / "province.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    shutil.copytree(demo_run / "outputs", out)
    result = CliRunner().invoke(main, ["report", "-w", str(demo_run), "--out", str(out), "--lang",
                                       "en", "--compare", str(previous), "-q"])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Headline indicators" in html and "Previous year" in html
    value, cells = _headline(html)["radius_km"]
    assert cells[3] == "2.50"
    assert cells[4] == f"{'+' if value > 2.5 else '−'}{fmt(abs(value - 2.5), 2)} km/point"


def test_report_needs_stats(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["demo", str(tmp_path / "ws")]).exit_code == 0
    result = runner.invoke(main, ["report", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 1 and "no statistics yet" in result.stderr


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None and not __import__("os").environ.get("CI"),
                    reason="headless chromium is not installed (apt-get install chromium); "
                           "CI installs it and then this test must run")
def test_report_opens_offline_in_a_real_browser(demo: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI=true but chromium is missing: .ci/run must install it"
    errors, outside = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def block(route) -> None:
            if route.request.url.startswith(("file://", "data:")):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", block)
        page.goto((demo / "outputs" / "report.html").as_uri())
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.complete, e.naturalWidth])")
        title = page.title()
        browser.close()
    assert errors == [] and outside == []
    assert len(images) >= 4 and all(done and width > 0 for done, width in images)
    assert "Báo cáo" in title


def test_word_report_has_the_figures_of_the_page(demo: Path) -> None:
    import docx

    outputs = demo / "outputs"
    doc = docx.Document(str(outputs / "report.docx"))
    html = (outputs / "report.html").read_text(encoding="utf-8")
    headline = _headline(html)
    table = next(t for t in doc.tables if t.cell(0, 0).text == "Chỉ tiêu")
    word_rows = {row.cells[0].text: [c.text for c in row.cells] for row in table.rows[1:]}
    page_rows = {re.sub(r"<[^>]+>", "", cells[0]): cells for cells in
                 (c for _v, c in headline.values())}
    assert word_rows.keys() == page_rows.keys() and len(word_rows) >= 10
    for name, cells in page_rows.items():  # value, plan and % achieved, as printed
        assert word_rows[name][2:] == [re.sub(r"<[^>]+>", "", c) for c in cells[2:]], name
    body = "\n".join(p.text for p in doc.paragraphs)
    radius = pd.read_csv(outputs / "stats" / "province.csv", encoding="utf-8-sig")["radius_km"]
    assert f"Bán kính phục vụ bình quân đạt {fmt(radius.iloc[0], 2)} km/điểm phục vụ" in body
    assert f"Bán kính phục vụ bình quân đạt {fmt(radius.iloc[0], 2)}" in html
    assert len(doc.inline_shapes) >= 4  # the charts and the static maps


def test_investment_priorities_section(demo: Path) -> None:
    outputs = demo / "outputs"
    ranking = pd.read_csv(outputs / "priorities" / "ranking.csv", encoding="utf-8-sig")
    html = (outputs / "report.html").read_text(encoding="utf-8")
    section = html.split('id="priorities"')[1].split("</section>")[0]
    assert "Thứ tự ưu tiên đầu tư" in section
    first = ranking.iloc[0]
    assert f">{first['candidate']}</td>" in section
    assert f">{fmt(first['marginal_people'], 0)}</td>" in section
    tenth = ranking.head(10).iloc[-1]
    assert f"lên {fmt(tenth['cumulative_covered_pct'], 1)}%" in html  # the paragraph
    assert "Tỷ lệ dân số được phủ sóng theo số vị trí xây dựng mới" in html  # the curve


def test_compare_across_eras_through_the_crosswalk(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "ws"
    assert runner.invoke(main, ["demo", str(root), "--era", "2025", "-q"]).exit_code == 0
    former = root / "before_2025"
    skip = ["--skip", "siting", "--skip", "coverage", "--skip", "priorities", "--skip", "maps",
            "--skip", "qgis", "--skip", "report"]
    for folder in (former, root):
        done = runner.invoke(main, ["run", "-w", str(folder), "-q", "--lang", "en", *skip])
        assert done.exit_code == 0, done.output
    result = runner.invoke(main, ["report", "-w", str(root), "-q", "--lang", "en",
                                  "--compare", str(former)])
    assert result.exit_code == 0, result.output
    html = (root / "outputs" / "report.html").read_text(encoding="utf-8")
    assert 'id="headline_note"' in html and "crosswalk" in html
    previous = pd.read_csv(former / "outputs" / "stats" / "province.csv", encoding="utf-8-sig")
    now = pd.read_csv(root / "outputs" / "stats" / "province.csv", encoding="utf-8-sig")
    assert previous["population"].iloc[0] == now["population"].iloc[0]  # totals preserved
    value, cells = _headline(html)["pop_per_point"]
    assert cells[3] == fmt(previous["pop_per_point"].iloc[0], 0)  # province: same in both units


def test_the_map_shows_the_ranked_sites(demo: Path) -> None:
    ranking = pd.read_csv(demo / "outputs" / "priorities" / "ranking.csv", encoding="utf-8-sig")
    page = (demo / "outputs" / "maps" / "index.html").read_text(encoding="utf-8")
    name = f"Ưu tiên đầu tư ({fmt(len(ranking), 0)} vị trí)"
    assert json.dumps(name)[1:-1] in page  # the layer, as the page's layer control names it
    assert f'"id": "{ranking["candidate"].iloc[0]}"' in page
