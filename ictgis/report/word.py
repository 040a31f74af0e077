"""The report as a Word document laid out as an administrative text (Nghị định 30/2020/NĐ-CP).

A4; margins 20 mm top and bottom, 30 mm left, 15 mm right; Times New Roman, 14 pt body; the
governing body and agency top left over the number ("Số: /BC-SKHCN", the number left blank
for the clerk), the national title and motto top right over the place-and-date line; the kind
and subject of the text centred; the body; "Nơi nhận" and the signer block side by side; page
numbers centred at the top from the second page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ictgis.i18n import t
from ictgis.report import fmt

if TYPE_CHECKING:
    from ictgis.report.model import ReportModel

FONT = "Times New Roman"
BODY_PT = 14
FRAME_PT = 13
TABLE_PT = 11
#: Page margins (mm): top, bottom, left, right.
MARGINS_MM = (20, 20, 30, 15)
#: Width of the text block (mm): A4 (210 mm) less the left and right margins.
TEXT_WIDTH_MM = 210 - MARGINS_MM[2] - MARGINS_MM[3]


def render(model: ReportModel) -> bytes:
    """The report as a ``.docx`` file's bytes."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(10)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    _east_asian_font(style.element, FONT)
    style.paragraph_format.space_after = Pt(6)
    _page_numbers(section)

    _frame(doc, model)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(0)
    _run(heading, t("report.doc.kind"), bold=True)
    subject = doc.add_paragraph()
    subject.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(subject, model.subject, bold=True)
    if model.synthetic:
        warn = doc.add_paragraph()
        warn.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(warn, t("report.synthetic"), bold=True, italic=True, size=FRAME_PT)

    _heading(doc, f"I. {t('report.narrative_title').upper()}")
    for text in model.narrative:
        _body(doc, text)
    _headline_table(doc, model)
    for n, section_table in enumerate(model.sections, start=2):
        _caption(doc, t("report.doc.table", n=n, caption=section_table["title"]))
        _table(doc, list(section_table["headers"]),
               [[cell for cell, _numeric in row] for row in section_table["rows"]],
               numeric=[numeric for _cell, numeric in section_table["rows"][0]]
               if section_table["rows"] else None)
    for n, figure in enumerate(model.figures, start=1):
        picture = doc.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(figure.png), width=Mm(TEXT_WIDTH_MM - 10))
        _caption(doc, t("report.doc.figure", n=n, caption=figure.caption), after=True)
    if model.problems:
        _heading(doc, t("report.quality"))
        _table(doc, [t("report.problems"), t("report.count")],
               [[kind, fmt(n, 0)] for kind, n in model.problems], numeric=[False, True])
    _heading(doc, t("report.assumptions"))
    for line in model.assumptions:
        _body(doc, f"- {line}", indent=False)
    _signature(doc, model)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------ the frame


def _frame(doc: Any, model: ReportModel) -> None:
    """The two-column head: agency and number left, nation, motto and date right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    meta = model.meta
    table = doc.add_table(rows=2, cols=2)
    table.autofit = False
    widths = (Mm(70), Mm(TEXT_WIDTH_MM - 70))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    left, right = table.cell(0, 0), table.cell(0, 1)
    _cell_text(left, meta.governing_body, size=FRAME_PT)
    _cell_text(left, meta.agency, bold=True, size=FRAME_PT, new=True, underline_line=True)
    _cell_text(right, t("report.doc.nation"), bold=True, size=12)
    _cell_text(right, t("report.doc.motto"), bold=True, size=FRAME_PT, new=True,
               underline_line=True)
    number = table.cell(1, 0)
    _cell_text(number, t("report.doc.number", symbol=meta.symbol), size=FRAME_PT)
    date = table.cell(1, 1)
    _cell_text(date, meta.place_date(), italic=True, size=FRAME_PT)
    for cell in (left, right, number, date):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = 0


def _signature(doc: Any, model: ReportModel) -> None:
    """"Nơi nhận" left, the signer right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    meta = model.meta
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.width, right.width = Mm(85), Mm(TEXT_WIDTH_MM - 85)
    _cell_text(left, t("report.doc.recipients"), bold=True, italic=True, size=12)
    for line in meta.recipients:
        _cell_text(left, f"- {line};", size=TABLE_PT, new=True)
    _cell_text(right, meta.signer_title.upper(), bold=True, size=FRAME_PT)
    for _ in range(4):  # room for the signature and the seal
        _cell_text(right, "", size=FRAME_PT, new=True)
    if meta.signer_name:
        _cell_text(right, meta.signer_name, bold=True, size=FRAME_PT, new=True)
    for paragraph in right.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for paragraph in (*left.paragraphs, *right.paragraphs):
        paragraph.paragraph_format.space_after = Pt(0)


def _page_numbers(section: Any) -> None:
    """A PAGE field centred in the header, from the second page on."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# ---------------------------------------------------------------------------- body pieces


def _headline_table(doc: Any, model: ReportModel) -> None:
    """"Biểu số 1": indicator, unit, value, (previous, change,) plan, % achieved."""
    headers = model.headline_headers
    rows = model.headline_rows
    _caption(doc, t("report.doc.table", n=1, caption=t("report.headline")))
    _table(doc, headers, rows, numeric=[False, False, *([True] * (len(headers) - 2))])
    if model.headline_note:
        _caption(doc, model.headline_note, after=True)


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]],
           numeric: Sequence[bool] | None = None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    for j, text in enumerate(headers):
        cell = table.cell(0, j)
        _cell_text(cell, text, bold=True, size=TABLE_PT)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    header_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    repeat.set(qn("w:val"), "true")
    header_row.append(repeat)
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row):
            cell = table.cell(i, j)
            _cell_text(cell, str(text), size=TABLE_PT)
            if numeric and numeric[j]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()


def _heading(doc: Any, text: str) -> None:
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, text, bold=True)


def _body(doc: Any, text: str, *, indent: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(12.7)
    _run(paragraph, text)


def _caption(doc: Any, text: str, *, after: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = not after
    _run(paragraph, text, bold=not after, italic=after, size=12)


def _run(paragraph: Any, text: str, *, bold: bool = False, italic: bool = False,
         size: int | None = None) -> Any:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.name = FONT
    _east_asian_font(run._element, FONT)
    if size:
        run.font.size = Pt(size)
    return run


def _cell_text(cell: Any, text: str, *, bold: bool = False, italic: bool = False,
               size: int = TABLE_PT, new: bool = False, underline_line: bool = False) -> None:
    """Write ``text`` in a table cell (its first paragraph, or a new one with ``new``)."""
    paragraph = cell.add_paragraph() if new else cell.paragraphs[0]
    _run(paragraph, text, bold=bold, italic=italic, size=size)
    if underline_line:  # the short rule under the agency's name and under the motto
        _bottom_border(paragraph)


def _bottom_border(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    properties.append(borders)


def _east_asian_font(element: Any, name: str) -> None:
    """Set the font for every script, so Vietnamese letters are not shown in a fallback font."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = element.get_or_add_rPr() if hasattr(element, "get_or_add_rPr") else None
    if properties is None:
        return
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(key), name)
