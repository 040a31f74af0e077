"""Numbers and coordinates from text cells: decimal commas, thousands separators, DMS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ictgis import parse

# ------------------------------------------------------------------- parse_coordinate

_DEG = 10 + 21 / 60 + 36.5 / 3600  # 10°21'36.5"
_LON = 106 + 21 / 60 + 36 / 3600  # 106°21'36"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("106.3601", 106.3601),
        ("106,3601", 106.3601),
        ("-10.5", -10.5),
        ("+10.36", 10.36),
        ("  10.36  ", 10.36),
        ("10°21'36.5\"N", _DEG),
        ("10° 21' 36.5\" N", _DEG),
        ("10°21′36.5″N", _DEG),
        ("10º21’36.5”N", _DEG),
        ("10°21'36,5\"N", _DEG),
        ("10 21 36.5", _DEG),
        ("10 21 36.5 N", _DEG),
        ("N 10 21 36.5", _DEG),
        ("N10°21'36.5\"", _DEG),
        ("106°21'36\"E", _LON),
        ("E106°21'36\"", _LON),
        ("10d21m36.5sN", _DEG),
        ("10:21:36.5", _DEG),
        ("N10°21.608'", 10 + 21.608 / 60),
        ("10 21.5 N", 10 + 21.5 / 60),
        ("106°", 106.0),
        ("10°21'36.5\"S", -_DEG),
        ("S 10 21 36.5", -_DEG),
        ("106°21'36\"W", -_LON),
        ("w106 21 36", -_LON),
        ("-10°21'36.5\"", -_DEG),
        ("10°60'00\"N", np.nan),
        ("10°21'60\"N", np.nan),
        ("10 75 00", np.nan),
        ("abc", np.nan),
        ("10°21'36\"N ghi chú", np.nan),
        ("", np.nan),
        ("   ", np.nan),
        (None, np.nan),
    ],
)
def test_parse_coordinate(text, expected):
    got = parse.parse_coordinate(pd.Series([text], dtype=object))
    assert got.dtype == float
    if np.isnan(expected):
        assert np.isnan(got.iloc[0])
    else:
        assert got.iloc[0] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.36N", 10.36), ("S 10.36", -10.36), ("W106.36", -106.36)],
)
def test_parse_coordinate_decimal_degrees_with_hemisphere(text, expected):
    # "10.36 N" is accepted (a space counts as the degree sign); the same without it must be too.
    got = parse.parse_coordinate(pd.Series([text]))
    assert got.iloc[0] == pytest.approx(expected, abs=1e-9)


def test_parse_coordinate_keeps_index_and_length():
    values = pd.Series(["10.36", "x", "10 21 36 N"], index=[7, 8, 9])
    got = parse.parse_coordinate(values)
    assert list(got.index) == [7, 8, 9]
    np.testing.assert_allclose(got, [10.36, np.nan, 10.36], rtol=0, atol=1e-9)


# ----------------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("text", "as_float", "as_integer"),
    [
        ("1.234.567", 1234567, 1234567),
        ("1,234,567", 1234567, 1234567),
        ("1 234 567", 1234567, 1234567),
        ("1\u00a0234\u00a0567", 1234567, 1234567),
        ("-1.234.567", -1234567, -1234567),
        ("12,5", 12.5, 12.5),
        ("12.5", 12.5, 12.5),
        ("12.345", 12.345, 12345),
        ("12,345", 12.345, 12345),
        ("1 234", 1234, 1234),
        ("0", 0, 0),
        ("  42 ", 42, 42),
        ("1234567", 1234567, 1234567),
        ("abc", np.nan, np.nan),
        ("12 người", np.nan, np.nan),
        ("", np.nan, np.nan),
        (None, np.nan, np.nan),
    ],
)
def test_parse_number(text, as_float, as_integer):
    values = pd.Series([text], dtype=object)
    for integer, expected in ((False, as_float), (True, as_integer)):
        got = parse.parse_number(values, integer=integer)
        assert got.dtype == float
        if np.isnan(expected):
            assert np.isnan(got.iloc[0]), (text, integer)
        else:
            assert got.iloc[0] == expected, (text, integer)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234,5", 1234.5), ("1.234.567,89", 1234567.89), ("1,234.5", 1234.5),
     ("1 234,5", 1234.5)],
)
def test_parse_number_thousands_and_decimals_together(text, expected):
    # Vietnamese "1.234,5" and English "1,234.5" (docstring: both conventions accepted).
    assert parse.parse_number(pd.Series([text])).iloc[0] == pytest.approx(expected)
