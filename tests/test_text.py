"""Text: folding, prefixes and name matching, slugs, NFC."""

from __future__ import annotations

import unicodedata

import numpy as np
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


# Place names of Tiền Giang and Đồng Tháp (GSO list of administrative units) and common words.
SYLLABLES = ("Tiền Giang Đồng Tháp Mỹ Tho Cai Lậy Gò Công Cái Bè Chợ Gạo Tân Phước "  # noqa: SIM905
             "Phú "
             "Hòa Hoà Thuận Khánh Bình Hưng Nhuận Quới Lợi Xuân Thạnh Điềm Hội Dưỡng Huề "
             "Hậu Tây Kiểng Hiệp Thới Ngãi Đạo Bửu Cửu Lương Nhựt Khương Quý Xoài Lạc Vàm "
             "Láng Biển Thuộc Khuê Trường nghiêng khuyếch quốc người Nguyễn khuỷu gì giữa "
             "xã phường thị trấn huyện thành phố TIỀN GIANG").split()
# The same kind of words read in the wrong encoding: TCVN3 and VNI bytes as Windows-1252,
# Windows-1258 bytes as Windows-1252 and as TCVN3.
GARBLED = ("TiÒn §ång Th¸p ViÖt Hµ Néi Tieàn Ñoàng Thaùp Vieät Haø Noäi "  # noqa: SIM905
           "Tröôøng tænh "
           "PhýõÌng XaÞ MyÞ Thiò trâìn ViÞnh BiÌnh Tiờèn").split()


def test_vietnamese_syllables_are_recognised() -> None:
    assert [w for w in SYLLABLES if not text.is_vietnamese_word(w)] == []
    assert [w for w in GARBLED if text.is_vietnamese_word(w)] == []


@pytest.mark.parametrize(("word", "why"), [
    ("Thaùp", "a vowel group (au) that takes no final consonant"),
    ("tiòn", "no vowel group 'io' takes a final consonant"),
    ("Vĩệt", "two tones"),
    ("ñoàng", "a letter outside the alphabet"),
    ("tRường", "mixed case"),
    ("ăn", None), ("ăm", None), ("ă", "ă needs a final consonant"),
])
def test_syllable_rules(word: str, why: str | None) -> None:
    assert text.is_vietnamese_word(word) is (why is None), why


def test_tokens_split_on_space_and_punctuation() -> None:
    assert text.vietnamese_tokens("TP. Mỹ Tho, (Tiền Giang)/2019") == [
        "TP", "Mỹ", "Tho", "Tiền", "Giang", "2019"]


_WORDS = ["Viettel", None, "VNPT; Viettel", "Viettel", np.nan, "MobiFone"]


@pytest.mark.parametrize(("values", "func"), [
    (pd.Series(_WORDS, dtype=object, name="op"), len),  # numbers, NaN for the missing
    (pd.Series(_WORDS, dtype="string"), lambda v: tuple(v.split("; "))),  # tuples stay whole
    (pd.Series(_WORDS[2:4] * 3, index=range(5, 11)), lambda v: v.startswith("V")),  # booleans
    (pd.Series(_WORDS, dtype=object), lambda v: None if v == "Viettel" else v.upper()),
    (pd.Series([(), ("A",), ()], dtype=object), bool),
    (pd.Series([], dtype=object), len),
])
def test_map_unique_gives_what_series_map_gives(values, func):
    """Against ``Series.map`` calling the function on every present cell (the oracle)."""
    from ictgis.text import map_unique

    expected = values.map(func, na_action="ignore")
    if expected.dtype == object:  # a missing cell is NaN, as a dict's Series.map gives it
        expected = expected.where(values.notna(), np.nan)
    got = map_unique(values, func)
    pd.testing.assert_series_equal(got, expected, check_dtype=len(values) > 0)
    given = map_unique(values, func, missing="—")
    assert given[values.isna()].eq("—").all()
    assert given[values.notna()].tolist() == expected[values.notna()].tolist()
