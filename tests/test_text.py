"""Text: folding, prefixes and name matching, slugs, NFC."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from ictgis import text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Thị xã Cai Lậy", ("thi_xa", "cai lay")),
        ("TX. Cai Lậy", ("thi_xa", "cai lay")),
        ("Huyện Cai Lậy", ("huyen", "cai lay")),
        ("H. Cai Lậy", ("huyen", "cai lay")),
        ("Thành phố Mỹ Tho", ("thanh_pho", "my tho")),
        ("TP Mỹ Tho", ("thanh_pho", "my tho")),
        ("Phường 5", ("phuong", "5")),
        ("P.5", ("phuong", "5")),
        ("Thị trấn Cái Bè", ("thi_tran", "cai be")),
        ("Xã Tân Mỹ Chánh", ("xa", "tan my chanh")),
        ("Cai Lậy", (None, "cai lay")),
        ("Hòa Khánh", (None, "hoa khanh")),
        ("Xuân Đông", (None, "xuan dong")),
        ("  ĐỒNG   THÁP ", (None, "dong thap")),
    ],
)
def test_split_prefix(name: str, expected: tuple[str | None, str]) -> None:
    assert text.split_prefix(name) == expected


def test_matcher_keeps_thi_xa_and_huyen_cai_lay_apart() -> None:
    matcher = text.NameMatcher(["Thị xã Cai Lậy", "Huyện Cai Lậy", "Huyện Cái Bè"])
    assert matcher.match("TX Cai Lậy") == "Thị xã Cai Lậy"
    assert matcher.match("h. cai lay") == "Huyện Cai Lậy"
    assert matcher.match("Cai Lậy") is None  # ambiguous without a prefix
    assert matcher.candidates("Cai Lậy") == ["Thị xã Cai Lậy", "Huyện Cai Lậy"]
    assert matcher.match("CÁI BÈ") == "Huyện Cái Bè"
    assert matcher.match("Thị xã Cái Bè") is None



@pytest.mark.parametrize(
    ("name", "expected"),
    [("Đồng Tháp", "dong thap"), ("  THỊ   xã_Cai-Lậy ", "thi xa cai lay"), ("P.5", "p.5"),
     (12, "12")],
)
def test_fold(name: object, expected: str) -> None:
    assert text.fold(name) == expected


def test_fold_ignores_composition() -> None:
    composed = "Thị xã Cai Lậy"
    assert text.fold(unicodedata.normalize("NFD", composed)) == text.fold(composed)


@pytest.mark.parametrize(
    ("name", "default", "expected"),
    [("Vùng phía Đông", "", "vung_phia_dong"), ("<script>", "region", "script"),
     ("***", "region", "region"), ("***", "", ""), ("VinaPhone", "", "vinaphone"),
     ("Viettel / Mobifone", "", "viettel_mobifone")],
)
def test_slug(name: str, default: str, expected: str) -> None:
    assert text.slug(name, default) == expected


def test_nfc_composes_text_and_keeps_other_values() -> None:
    decomposed = unicodedata.normalize("NFD", "Bưu điện")
    assert text.nfc(decomposed) == "Bưu điện" != decomposed
    assert text.nfc(None) is None
    assert text.nfc(1.5) == 1.5


def test_same_name_compares_classes_and_bases() -> None:
    left = pd.Series(["TX Cai Lậy", "Cai Lậy", "Huyện Cai Lậy", None, "Cái Bè"])
    right = pd.Series(["Thị xã Cai Lậy", "Huyện Cai Lậy", "Thị xã Cai Lậy", "Cái Bè", None])
    assert text.same_name(left, right).tolist() == [True, True, False, False, False]


def test_map_unique_calls_once_per_distinct_value() -> None:
    calls: list[str] = []

    def upper(value: str) -> str:
        calls.append(value)
        return value.upper()

    got = text.map_unique(pd.Series(["a", "b", "a", None, "a"], index=[5, 6, 7, 8, 9]), upper)
    assert got.tolist()[:3] == ["A", "B", "A"] and pd.isna(got.iloc[3])
    assert list(got.index) == [5, 6, 7, 8, 9]
    assert sorted(calls) == ["a", "b"]
