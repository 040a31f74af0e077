"""ictgis.report: headline indicators, formatting, sections and the page, on hand-made tables."""

from __future__ import annotations

import base64
import datetime
import io
import math

import pandas as pd
import pytest

from ictgis import i18n, report
from ictgis.report import charts, document, model


def _tables(rural_label: str = "rural") -> dict[str, dict[str, pd.DataFrame]]:
    province = pd.DataFrame({"province": ["P"], "radius_km": [2.0], "pop_per_point": [10_000.0],
                             "phone_per_100": [6.5], "masts_per_100km2": [math.nan]})
    zone = pd.DataFrame({"zone": ["urban", rural_label], "radius_km": [0.8, 2.4],
                         "pop_per_point": [7_000.0, 11_000.0], "phone_per_100": [9.0, 3.0]})
    return {"stats": {"province": province, "zone": zone}}


def test_headline_values_targets_and_percent() -> None:
    head = report.headline(_tables(), reported={"revenue_bn_vnd": 2430.0},
                           targets={"phone_per_100": 6.5 / 1.3, "revenue_bn_vnd": 2400.0})
    rows = head.set_index("id")
    assert rows.loc["radius_km", "value"] == 2.0
    assert rows.loc["radius_km_rural", "value"] == 2.4          # the rural row, found by id
    assert rows.loc["phone_per_100", "pct_achieved"] == pytest.approx(130.0)
    assert rows.loc["revenue_bn_vnd", "pct_achieved"] == pytest.approx(101.25)
    assert math.isnan(rows.loc["radius_km", "pct_achieved"])   # no target, no percentage
    # a missing value (NaN) or a step that did not run leaves its rows out
    assert "masts_per_100km2" not in rows.index and "compliance_pct" not in rows.index
    assert rows.index.tolist() == [i.id for i in report.INDICATORS if i.id in rows.index]


@pytest.mark.parametrize("label", ["Nông thôn", "Rural", "rural"])
def test_the_rural_row_is_found_whatever_the_language_of_the_table(label: str) -> None:
    head = report.headline(_tables(label), reported={}, targets={}).set_index("id")
    assert head.loc["pop_per_point_rural", "value"] == 11_000.0


def test_unknown_target_names_the_known_indicators() -> None:
    with pytest.raises(ValueError, match="“phones” is not an indicator; indicators: radius_km"):
        report.headline(_tables(), reported={}, targets={"phones": 1.0})


def test_previous_year_and_change() -> None:
    head = report.headline(_tables(), reported={}, targets={}, previous={"radius_km": 2.5})
    row = head.set_index("id").loc["radius_km"]
    assert (row["previous"], row["change"]) == (2.5, -0.5)


def test_names_and_units_follow_the_language(vietnamese) -> None:
    row = report.headline(_tables(), reported={}, targets={}).set_index("id").loc["radius_km"]
    assert (row["indicator"], row["unit"]) == ("Bán kính phục vụ bình quân", "km/điểm")
    with i18n.language("en"):
        row = report.headline(_tables(), reported={}, targets={}).set_index("id").loc[
            "radius_km"]
    assert (row["indicator"], row["unit"]) == ("Average service radius", "km/point")


@pytest.mark.parametrize(("value", "decimals", "vi", "en"), [
    (10256.89, 0, "10.257", "10,257"), (2.154, 2, "2,15", "2.15"), (-0.0001, 2, "0,00", "0.00"),
    (math.nan, 2, "", ""), (None, 1, "", ""), ("Vùng A", 2, "Vùng A", "Vùng A"),
])
def test_fmt(value, decimals: int, vi: str, en: str) -> None:
    assert (i18n.number(1, 0, "vi"), report.fmt(value, decimals)) == ("1", en)
    with i18n.language("vi"):
        assert report.fmt(value, decimals) == vi


def test_table_section_formats_numbers_and_keeps_text() -> None:
    table = pd.DataFrame({"region": ["A"], "radius_km": [2.156], "extra": [1]})
    section = report.table_section("by_region", "T", table,
                                   {"region": ("Region", None), "radius_km": ("R", 2),
                                    "absent": ("X", 1)})
    assert section["headers"] == ["Region", "R"]
    assert section["rows"] == [[("A", False), ("2.16", True)]]


def _model(**changes) -> model.ReportModel:
    fields = {"lang": "en", "title": "T", "province": "<script>x()</script>", "synthetic": False,
              "meta": model.default_meta("Đồng Tháp", year=2025,
                                         date=datetime.date(2026, 2, 5)),
              "headline": report.headline(_tables(), reported={}, targets={}),
              "compare": False, "narrative": model.narrative(_tables()), "sections": (),
              "charts": (), "maps": (), "problems": (("posts: rejected", 2),),
              "assumptions": ("a < b",)}
    return model.ReportModel(**{**fields, **changes})


def test_page_escapes_names_from_the_data() -> None:
    html = document.render_html(_model())
    assert "<script>x()" not in html and "&lt;script&gt;" in html and "a &lt; b" in html


def test_bar_chart_is_png() -> None:
    png = charts.bar_chart(pd.DataFrame({"region": ["A", "B"], "radius_km": [1.0, 2.0]}),
                           "region", "radius_km", "R")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert base64.b64decode(charts.data_uri(png).split(",", 1)[1]) == png


@pytest.mark.parametrize(("date", "line"), [
    (datetime.date(2026, 2, 5), "Đồng Tháp, ngày 05 tháng 02 năm 2026"),
    (datetime.date(2026, 1, 15), "Đồng Tháp, ngày 15 tháng 01 năm 2026"),
    (datetime.date(2025, 12, 9), "Đồng Tháp, ngày 09 tháng 12 năm 2025"),
    (datetime.date(2025, 3, 20), "Đồng Tháp, ngày 20 tháng 3 năm 2025"),   # no zero after Feb
])
def test_place_and_date_line_of_decree_30(vietnamese, date, line) -> None:
    assert model.default_meta("Đồng Tháp", date=date).place_date() == line


def test_narrative_in_the_style_of_the_2018_report(vietnamese) -> None:
    text = model.narrative(_tables())
    assert text[0] == ("Bưu chính: Bán kính phục vụ bình quân đạt 2,00 km/điểm phục vụ; khu vực "
                       "nông thôn đạt 2,40 km/điểm phục vụ. Số dân phục vụ bình quân đạt 10.000 "
                       "người/điểm phục vụ; khu vực nông thôn đạt 11.000 người/điểm phục vụ.")
    assert text[1].startswith("Viễn thông: Mật độ điện thoại bình quân đạt 6,50 thuê bao/100 dân;")


def test_word_document_frame_and_figures(vietnamese) -> None:
    import docx

    from ictgis.report import word

    png = charts.bar_chart(pd.DataFrame({"region": ["A"], "radius_km": [1.0]}), "region",
                           "radius_km", "R")
    document_bytes = word.render(_model(lang="vi", charts=(model.Figure(png, "R theo vùng"),)))
    doc = docx.Document(io.BytesIO(document_bytes))
    frame = doc.tables[0]
    assert frame.cell(0, 0).text.splitlines() == ["UBND TỈNH ĐỒNG THÁP",
                                                  "SỞ KHOA HỌC VÀ CÔNG NGHỆ"]
    assert frame.cell(0, 1).text.splitlines() == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                                  "Độc lập - Tự do - Hạnh phúc"]
    assert frame.cell(1, 0).text == "Số:       /BC-SKHCN"
    assert frame.cell(1, 1).text == "Đồng Tháp, ngày 05 tháng 02 năm 2026"
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts and "Các chỉ tiêu bưu chính, viễn thông năm 2025" in texts
    assert "Hình 1. R theo vùng" in texts
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 15
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert len(doc.inline_shapes) == 1


def test_assumptions_say_when_the_population_year_is_unknown(make_workspace) -> None:
    from ictgis.config import load_config

    config = load_config(make_workspace())
    lines = document.assumptions(config, ["computed"], steps=["stats"])
    assert lines[:3] == ["Report year: year not set",
                         "Area S: computed from the boundaries (CRS EPSG:9210)",
                         "Population P: year not given ([province] population_year)"]
    assert lines[3] == "Urban = Ward, Township"  # the kinds' names, not their ids
    assert not any("MHz" in line or "spacing" in line for line in lines)  # steps not run
    every = document.assumptions(config, ["computed"])
    assert any("MHz" in line for line in every) and any("spacing" in line for line in every)
