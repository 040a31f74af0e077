"""Every output in each language: no text of the other language, no internal id shown to a user.

The demo is run twice, in Vietnamese (the shared session run) and in English. From each output a
person reads — the console, the workbooks, the Word and HTML reports, the map page as the browser
shows it — the text is collected, the data's own values (place names, ids from the input files)
are taken out, and what is left must be in the run's language only.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ictgis import i18n
from ictgis.cli.main import main

VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def runs(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """``lang -> (outputs folder, console text)`` of the demo run in each language."""
    root = tmp_path_factory.mktemp("english") / "ws"
    shutil.copytree(demo_run, root, ignore=shutil.ignore_patterns("outputs", ".outputs*"))
    english = CliRunner().invoke(main, ["run", "-w", str(root), "--lang", "en"])
    assert english.exit_code == 0, english.output
    vietnamese = CliRunner().invoke(main, ["validate", "-w", str(demo_run), "--lang", "vi",
                                           "--out", str(tmp_path_factory.mktemp("vi_validate"))])
    return {"vi": (demo_run / "outputs", vietnamese.output),
            "en": (root / "outputs", english.output)}


def data_values(outputs: Path) -> set[str]:
    """Texts that come from the data: names and ids of communes, districts, regions, sites."""
    found: set[str] = set()
    for csv in outputs.rglob("*.csv"):
        table = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for column in table.columns:
            if column in {"commune_name", "name", "district", "region", "commune", "code", "id",
                          "site_id", "other_id", "operators", "where", "file", "layer",
                          "province", "ten_xa", "ten_diem", "planned_site", "colocate_with"}:
                found.update(v for v in table[column] if v)
    manifest = outputs / "manifest.json"
    if manifest.is_file():  # the province's name and every text of the input layers
        import json

        import pyogrio

        described = json.loads(manifest.read_text(encoding="utf-8"))
        province = described["province"]
        place = province.split("(")[0].strip()
        found.update({province, province.upper(), place, place.upper()})
        import tomllib

        config = tomllib.loads(described["config"]["text"])

        def strings(value: object) -> None:  # every text the workspace's author wrote
            if isinstance(value, str):
                found.add(value)
                found.add(value.upper())
            elif isinstance(value, dict):
                for inner in value.values():
                    strings(inner)
            elif isinstance(value, list):
                for inner in value:
                    strings(inner)

        strings(config.get("report", {}))
        strings(config.get("regions", {}))
        for entry in described["inputs"]:
            path = Path(entry["path"])
            if path.suffix == ".csv":
                table = pd.read_csv(path, dtype=str, keep_default_na=False)
            elif path.suffix == ".gpkg":
                table = pyogrio.read_dataframe(path, read_geometry=False)
            else:
                continue
            for column in table.columns:
                found.update(str(v) for v in table[column] if isinstance(v, str) and v)
    return {v for v in found if len(v) > 1}


def without_data(text: str, values: set[str]) -> str:
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def other_language_fragments(lang: str) -> set[str]:
    """Word sequences of the other language's catalogue that this language never uses."""
    other = "en" if lang == "vi" else "vi"
    own = " ".join(i18n.catalogue(lang).values())
    fragments = set()
    for key, text in i18n.catalogue(other).items():
        if text == i18n.catalogue(lang)[key]:
            continue
        for piece in re.split(r"\{[^}]*\}", text):
            piece = piece.strip(" .,:;()–-%")
            if len(piece) >= 8 and " " in piece and piece not in own:
                fragments.add(piece)
    return fragments


#: Internal ids that must never reach a reader (the tables for machines, CSVs, may hold them).
def internal_ids() -> set[str]:
    from ictgis import siting

    ids = set(siting.RULES) | {"phuong", "thi_tran", "buu_cuc", "diem_bdvhx",
                                "dai_ly", "thung_thu", "co-locate", "radius_km", "pop_per_point",
                                "pop_pct_any_4g", "masts_per_100km2", "dang_xay_dung"}
    return ids


def workbook_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if isinstance(v, str)]
    return "\n".join([*book.sheetnames, *cells])


def document_text(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


def page_text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'\b(?:src|alt)="[^"]*"', " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def map_text(path: Path) -> str:
    """What the browser shows of a map page (legend, layer list, title, search)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            raise AssertionError("CI=true but chromium is missing: .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for_timeout(300)
        text = page.evaluate("document.body.innerText")
        browser.close()
    return str(text)


def reader_texts(outputs: Path, console: str) -> dict[str, str]:
    texts = {"console": console, "report.html": page_text(outputs / "report.html"),
             "report.docx": document_text(outputs / "report.docx"),
             "maps/index.html": map_text(outputs / "maps" / "index.html")}
    texts.update({str(p.relative_to(outputs)): workbook_text(p)
                  for p in sorted(outputs.rglob("*.xlsx"))})
    return texts


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_output_speaks_one_language(runs, lang: str) -> None:
    outputs, console = runs[lang]
    values = data_values(outputs)
    fragments = other_language_fragments(lang)
    wrong: dict[str, list[str]] = {}
    for name, text in reader_texts(outputs, console).items():
        text = without_data(text, values)
        found = sorted({f for f in fragments if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text)})
        if lang == "en":
            found += sorted({w for w in re.findall(r"\w+", text) if VIETNAMESE.search(w)})
        if found:
            wrong[name] = found[:8]
    assert wrong == {}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_internal_id_is_shown_to_a_reader(runs, lang: str) -> None:
    outputs, console = runs[lang]
    ids = internal_ids()
    shown: dict[str, list[str]] = {}
    for name, text in reader_texts(outputs, console).items():
        found = sorted({i for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w.])", text)})
        if found:
            shown[name] = found
    assert shown == {}, "\n".join(f"{k}: {v}" for k, v in shown.items())
