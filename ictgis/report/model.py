"""One report model, rendered twice: as the HTML page and as the Word document.

Everything a reader sees — the headline figures, the paragraph in the style of the province's
yearly report, the tables, the figures with their captions, the data problems, the assumptions
and the document's frame (agency, number, place and date, signer, recipients) — is decided here,
in the language in force, from the outputs of the steps. The renderers only lay it out.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ictgis.i18n import ids, number, t
from ictgis.report import whole_level

if TYPE_CHECKING:
    from ictgis.config import Config


@dataclass(frozen=True)
class Meta:
    """The frame of the administrative document (Nghị định 30/2020/NĐ-CP).

    Attributes
    ----------
    governing_body, agency
        The body above the agency ("UBND TỈNH ĐỒNG THÁP") and the agency ("SỞ KHOA HỌC VÀ CÔNG
        NGHỆ"), upper case, top left.
    symbol
        The agency's abbreviation in the number ("Số: /BC-SKHCN"); the number is left blank
        for the clerk.
    place, date
        The place-and-date line.
    year
        The year the report is about (None: not set, and the report says so).
    signer_title, signer_name
        The signer block.
    recipients
        "Nơi nhận", one line each.
    """

    governing_body: str
    agency: str
    symbol: str
    place: str
    date: datetime.date
    year: int | None
    signer_title: str
    signer_name: str = ""
    recipients: tuple[str, ...] = ()

    def place_date(self) -> str:
        """The place-and-date line: "Đồng Tháp, ngày 05 tháng 02 năm 2026".

        A leading zero for days below 10 and for months 1 and 2 (Nghị định 30/2020/NĐ-CP,
        Phụ lục I).
        """
        day = f"{self.date.day:02d}"
        month = f"{self.date.month:02d}" if self.date.month <= 2 else str(self.date.month)
        return t("report.doc.place_date", place=self.place, day=day, month=month,
                 year=self.date.year)


@dataclass(frozen=True)
class Figure:
    """A PNG image and its caption."""

    png: bytes
    caption: str


@dataclass(frozen=True)
class ReportModel:
    """The whole report, in one language."""

    lang: str
    title: str
    province: str
    synthetic: bool
    meta: Meta
    headline: pd.DataFrame
    compare: bool
    narrative: tuple[str, ...]
    sections: tuple[Mapping[str, Any], ...]
    charts: tuple[Figure, ...]
    maps: tuple[Figure, ...]
    problems: tuple[tuple[str, int], ...]
    assumptions: tuple[str, ...]
    #: A line under "Biểu số 1" (how the previous year's figures were made comparable).
    headline_note: str = ""

    @property
    def headline_headers(self) -> list[str]:
        """Headers of "Biểu số 1" (see :func:`ictgis.report.document.headline_headers`)."""
        from ictgis.report.document import headline_headers

        return headline_headers(self.meta.year, compare=self.compare,
                                next_year=self.next_year)

    @property
    def headline_rows(self) -> list[list[str]]:
        """The rows of "Biểu số 1" as printed, in the page and the Word document alike."""
        from ictgis.report.document import headline_cells

        return [headline_cells(row, compare=self.compare, next_year=self.next_year)
                for row in self.headline.to_dict("records")]

    @property
    def next_year(self) -> bool:
        """Whether the next year's plan is known for any indicator."""
        return bool(self.headline["next_target"].notna().any())

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The charts, then the maps (numbered in this order)."""
        return (*self.charts, *self.maps)

    @property
    def subject(self) -> str:
        """"Các chỉ tiêu bưu chính, viễn thông năm 2025"."""
        if self.meta.year is None:
            return t("report.doc.subject_no_year")
        return t("report.doc.subject", year=self.meta.year)


def default_meta(province: str, *, year: int | None = None,
                 date: datetime.date | None = None) -> Meta:
    """The document frame when the workspace names none.

    The province's People's Committee and Department of Science and Technology, dated today.
    """
    place = province.split("(")[0].strip()
    return Meta(governing_body=t("report.doc.default_governing_body", province=place.upper()),
                agency=t("report.doc.default_agency"), symbol="SKHCN", place=place,
                date=date or datetime.date.today(), year=year,
                signer_title=t("report.doc.default_signer_title"),
                recipients=(t("report.doc.default_recipient_archive"),))


def meta_of(config: Config) -> Meta:
    """The document frame of a workspace: its ``[report]``, completed by the defaults."""
    given = config.report
    default = default_meta(config.province, year=given.year,
                           date=datetime.date.fromisoformat(given.date) if given.date else None)
    return Meta(governing_body=given.governing_body or default.governing_body,
                agency=given.agency or default.agency, symbol=given.symbol,
                place=given.place or default.place, date=default.date, year=given.year,
                signer_title=given.signer_title or default.signer_title,
                signer_name=given.signer_name,
                recipients=tuple(given.recipients) or default.recipients)


# ------------------------------------------------------------------------------- narrative


def _first(tables: Mapping[str, Mapping[str, pd.DataFrame]], step: str, level: str,
           column: str, *, rural: bool = False) -> float | None:
    table = tables.get(step, {}).get(level)
    if table is None or column not in table or table.empty:
        return None
    if rural:
        table = table[ids("admin.zone", table["zone"]) == "rural"]
        if table.empty:
            return None
    value = table[column].iloc[0]
    return None if pd.isna(value) else float(value)


def _priorities(ranking: pd.DataFrame | None, technology: str) -> str | None:
    """The first sites of the ranking, what they buy in coverage and what they cost."""
    if ranking is None or ranking.empty:
        return None
    first = ranking.head(10)
    row0, last = first.iloc[0], first.iloc[-1]
    people0 = float(row0["cumulative_people"])
    before = float(row0["cumulative_covered_pct"]) * (people0 - float(row0["marginal_people"])) \
        / people0 if people0 else float("nan")
    gain = t("report.narrative.priorities_gain", n=number(len(first), 0), tech=technology,
             before=number(before, 1), after=number(last["cumulative_covered_pct"], 1))
    cost = None
    if "cumulative_cost_vnd" in first and pd.notna(last["cumulative_cost_vnd"]):
        cost = t("report.narrative.priorities_cost",
                 cost=number(float(last["cumulative_cost_vnd"]) / 1e9, 1))
    return _paragraph("report.narrative.priorities", [[gain, cost]])


def _paragraph(msg_id: str, sentences: Sequence[Sequence[str | None]]) -> str | None:
    """``Heading: first sentence; its second part. Second sentence.`` (parts that exist)."""
    texts = ["; ".join(p for p in parts if p) for parts in sentences]
    texts = [text for text in texts if text]
    if not texts:
        return None
    body = ". ".join([texts[0], *(text[0].upper() + text[1:] for text in texts[1:])])
    return t(msg_id, parts=body)


def narrative(tables: Mapping[str, Mapping[str, pd.DataFrame]],
              ranking: pd.DataFrame | None = None, technology: str = "") -> tuple[str, ...]:
    """The paragraph the province's yearly report writes by hand, from the output tables.

    In the style of the 2018 report: "Bưu chính: Bán kính phục vụ bình quân đạt 2,15 km/điểm
    phục vụ; khu vực nông thôn đạt 2,34 km/điểm phục vụ. ..." — postal service, telephone and
    Internet densities (province and rural), masts, sharing, plan compliance and population
    coverage, each as far as its step has run. Numbers follow the language's convention.
    """
    def part(msg_id: str, value: float | None, decimals: int, **more: Any) -> str | None:
        return None if value is None else t(msg_id, value=number(value, decimals), **more)

    whole = whole_level(tables)

    def stat(column: str, *, rural: bool = False) -> float | None:
        level = "zone" if rural else whole
        return _first(tables, "stats", level, column, rural=rural)

    phones = None
    if stat("fixed") is not None and stat("mobile_postpaid") is not None:
        phones = (stat("fixed") or 0.0) + (stat("mobile_postpaid") or 0.0)
    masts, density = stat("masts"), stat("masts_per_100km2")
    compliance = tables.get("siting", {}).get(whole)
    compliant = None
    if compliance is not None and not compliance.empty:
        row = compliance.iloc[0]
        compliant = t("report.narrative.compliance", ok=number(row["compliant"], 0),
                      masts=number(row["masts"], 0), value=number(row["compliance_pct"], 1))
    coverage = tables.get("coverage", {}).get(whole)
    covered: list[str | None] = []
    if coverage is not None and not coverage.empty:
        row = coverage.iloc[0]
        covered = [t("report.narrative.coverage_tech", pct=number(row[c], 1),
                     tech=c.removeprefix("pop_pct_any_").upper())
                   for c in coverage.columns if c.startswith("pop_pct_any_") and pd.notna(row[c])]
    paragraphs = [
        _paragraph("report.narrative.postal", [
            [part("report.narrative.radius", stat("radius_km"), 2),
             part("report.narrative.radius_rural", stat("radius_km", rural=True), 2)],
            [part("report.narrative.people", stat("pop_per_point"), 0),
             part("report.narrative.people_rural", stat("pop_per_point", rural=True), 0)]]),
        _paragraph("report.narrative.telecom", [
            [part("report.narrative.phones", phones, 0)],
            [part("report.narrative.phone_density", stat("phone_per_100"), 2),
             part("report.narrative.phone_density_rural", stat("phone_per_100", rural=True), 2),
             part("report.narrative.prepaid_density", stat("phone_per_100_incl_prepaid"), 2)]]),
        _paragraph("report.narrative.internet", [
            [part("report.narrative.internet_subs", stat("internet_fixed"), 0)],
            [part("report.narrative.internet_density", stat("internet_fixed_per_100"), 2),
             part("report.narrative.internet_density_rural",
                  stat("internet_fixed_per_100", rural=True), 2)]]),
        _paragraph("report.narrative.bts", [
            [None if not masts else t("report.narrative.masts", value=number(masts, 0),
                                      density=number(density, 2)),
             part("report.narrative.sharing", stat("shared_mast_pct") if masts else None, 1)],
            [compliant]]),
        _paragraph("report.narrative.coverage", [covered]),
        _priorities(ranking, technology),
    ]
    return tuple(p for p in paragraphs if p)
