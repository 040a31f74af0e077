"""Every workbook is ready to print: converted to PDF by LibreOffice, one page wide, few pages.

LibreOffice (``soffice --headless --convert-to pdf``) lays the sheets out as a printer would;
each page's footer names its sheet, so pages are counted per sheet.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

SOFFICE = shutil.which("soffice")
#: The footer of a page: the sheet's name, "page / pages", the date.
FOOTER = re.compile(r"^(?P<sheet>.+?) (?P<page>\d+) / (?P<pages>\d+) \d\d/\d\d/\d{4}$", re.M)


@pytest.fixture(scope="module")
def pdfs(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        if os.environ.get("CI"):
            raise AssertionError("CI=true but LibreOffice is missing: .ci/run must install it")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    out = tmp_path_factory.mktemp("pdf")
    books = [demo_run / "outputs" / "report.xlsx", demo_run / "outputs" / "stats" / "stats.xlsx",
             demo_run / "outputs" / "siting" / "summary.xlsx"]
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{out}/profile",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, books)],
                   check=True, capture_output=True, timeout=240)
    return {p.stem: out / f"{p.stem}.pdf" for p in books}


def pages_by_sheet(pdf: Path) -> dict[str, list[str]]:
    import pypdf

    found: dict[str, list[str]] = {}
    for page in pypdf.PdfReader(str(pdf)).pages:
        text = page.extract_text()
        footer = FOOTER.search(text)
        assert footer is not None, text[:200]
        found.setdefault(footer["sheet"], []).append(text)
    return found


@pytest.mark.parametrize(("book", "most"), [("report", 12), ("stats", 20), ("summary", 20)])
def test_workbooks_print_on_few_pages(pdfs, book: str, most: int) -> None:
    import pypdf

    assert len(pypdf.PdfReader(str(pdfs[book])).pages) <= most


def test_bieu_so_1_is_one_page(pdfs) -> None:
    assert len(pages_by_sheet(pdfs["report"])["Biểu số 1"]) == 1


@pytest.mark.parametrize("book", ["report", "stats", "summary"])
def test_every_sheet_is_one_page_wide(demo_run: Path, pdfs, book: str) -> None:
    # one page wide: the last column's header is on the sheet's first page, and the header row
    # is repeated on every page of the sheet
    path = next((demo_run / "outputs").rglob(f"{book}.xlsx"))
    workbook = openpyxl.load_workbook(path, read_only=True)
    printed = pages_by_sheet(pdfs[book])
    for sheet in workbook.worksheets:
        header = [str(v) for v in next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))]
        pages = printed[sheet.title]
        first_word = header[0].split()[0]
        last_word = header[-1].split()[0]
        assert last_word in pages[0], (sheet.title, header[-1])
        assert all(first_word in page for page in pages), sheet.title


def test_sheets_have_bold_headers_filters_and_print_settings(demo_run: Path) -> None:
    book = openpyxl.load_workbook(demo_run / "outputs" / "stats" / "stats.xlsx")
    assert "Toàn tỉnh" in book.sheetnames and "province" not in book.sheetnames
    for sheet in book.worksheets:
        assert all(cell.font.bold for cell in sheet[3] if cell.value is not None)
        assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref.startswith("A3:")
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == "$1:$3"
        widths = [sheet.column_dimensions[c].width for c in ("A", "B")]
        assert all(6 <= w <= 42 for w in widths)
