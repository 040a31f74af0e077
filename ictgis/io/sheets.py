"""Worksheets ready to print and to read: the layout every ictgis workbook gets.

Bold, wrapped headers; columns as wide as their content (within limits); the header row frozen
and filtered; A4 landscape, fitted to one page wide, the title and header rows repeated on every
page; a page header with the title and a footer with the sheet, the page number and the date.
"""

from __future__ import annotations

import datetime
from typing import Any

#: Column widths, in characters (Excel's unit).
MIN_WIDTH, MAX_WIDTH = 6, 42
#: Characters of a header per line once wrapped (headers wrap on at most 3 lines).
HEADER_LINE = 14


def print_ready(sheet: Any, *, header_row: int, title: str | None = None) -> None:
    """Lay out an openpyxl worksheet whose table header is at ``header_row`` (1-based).

    Parameters
    ----------
    sheet
        An :class:`openpyxl.worksheet.worksheet.Worksheet` holding one table.
    header_row
        Row of the table's header; rows above it (the title) are repeated on every page too.
    title
        Text of the page header (the province and the synthetic label); not set: none.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    last_col = sheet.max_column
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if title:
        sheet.cell(row=1, column=1).font = Font(bold=True, size=12)
    for j in range(1, last_col + 1):
        letter = get_column_letter(j)
        header = str(sheet.cell(row=header_row, column=j).value or "")
        body = [_shown(cell.value, cell.number_format)
                for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=j, max_col=j)]
        longest = max([len(text) for text in body] + [0])
        wrapped = min(len(header), max(HEADER_LINE, -(-len(header) // 3)))
        sheet.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH,
                                                                   max(longest, wrapped) + 2))
    if sheet.max_row > header_row:
        sheet.auto_filter.ref = (f"A{header_row}:{get_column_letter(last_col)}"
                                 f"{sheet.max_row}")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{header_row}"
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left = margins.right = 0.5
    margins.top = margins.bottom = 0.75
    if title:
        sheet.oddHeader.center.text = title.replace("&", "&&")
    today = datetime.date.today().strftime("%d/%m/%Y")
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddFooter.right.text = today


def _shown(value: object, number_format: str) -> str:
    """Roughly the text a cell shows (for its column's width)."""
    if value is None:
        return ""
    if isinstance(value, float):
        decimals = number_format.split(".")[1].count("0") if "." in number_format else 0
        return f"{value:,.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
