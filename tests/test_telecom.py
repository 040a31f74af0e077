"""Telecom indicators: operators and technologies, mast counts, densities per 100 inhabitants."""

from __future__ import annotations

import pandas as pd
import pytest

from ictgis import telecom


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Viettel;MobiFone", ("MobiFone", "Viettel")),
        ("VNPT / viettel", ("Viettel", "VinaPhone")),
        ("Mobifone, Vietnamobile, MOBIFONE", ("MobiFone", "Vietnamobile")),
        ("Local Telco", ("Local Telco",)),
        ("", ()),
        (None, ()),
    ],
)
def test_split_operators(raw: str | None, expected: tuple[str, ...]) -> None:
    assert telecom.split_values(pd.Series([raw], dtype=object), telecom.OPERATORS).iloc[0] == expected


def test_split_technologies() -> None:
    got = telecom.split_values(pd.Series(["GSM/UMTS/LTE", "2G;4G", "nr"]), telecom.TECHNOLOGIES)
    assert got.tolist() == [("2G", "3G", "4G"), ("2G", "4G"), ("5G",)]


def test_count_bts_by_commune() -> None:
    bts = pd.DataFrame({
        "commune": ["A", "A", "B"],
        "operators": [("MobiFone", "Viettel"), ("Viettel",), ("VinaPhone",)],
        "technologies": [("2G", "4G"), ("4G",), ()],
    })
    got = telecom.count_bts(bts, pd.Index(["A", "B", "C"]))
    assert got["masts"].tolist() == [2, 1, 0]
    assert got["masts_shared"].tolist() == [1, 0, 0]
    assert got["operator_sites"].tolist() == [3, 1, 0]
    assert got["masts_op_viettel"].tolist() == [2, 0, 0]
    assert got["masts_4g"].tolist() == [2, 0, 0]


def test_densities_by_hand() -> None:
    # 2018 report shape: (fixed + postpaid) / P and with prepaid; internet fixed and total.
    sums = pd.DataFrame({
        "population": [1_762_300.0], "area_km2": [2510.6],
        "fixed": [60_000], "mobile_postpaid": [57_193], "mobile_prepaid": [1_695_501],
        "internet_fixed": [191_210], "internet_mobile": [800_000],
        "masts": [2000], "masts_shared": [300], "operator_sites": [2350],
    })
    out = telecom.add_indicators(sums).iloc[0]
    assert out["phone_per_100"] == pytest.approx(117_193 * 100 / 1_762_300)
    assert round(out["phone_per_100"], 2) == 6.65
    assert round(out["phone_per_100_incl_prepaid"], 2) == 102.86
    assert round(out["internet_fixed_per_100"], 2) == 10.85
    assert out["internet_per_100"] == pytest.approx(991_210 * 100 / 1_762_300)
    assert out["masts_per_100km2"] == pytest.approx(2000 / 25.106)
    assert out["masts_per_10k"] == pytest.approx(2000 / 176.23)
    assert out["shared_mast_pct"] == 15.0
    assert out["operators_per_mast"] == 1.175


def test_densities_empty_when_population_zero() -> None:
    sums = pd.DataFrame({"population": [0.0], "area_km2": [0.0], "masts": [0],
                         "masts_shared": [0], "operator_sites": [0]})
    out = telecom.add_indicators(sums)
    assert out[["masts_per_100km2", "masts_per_10k", "shared_mast_pct"]].isna().all(axis=None)


# ------------------------------------------------------------------ operator alias table


@pytest.mark.parametrize(
    ("raw", "known", "unknown"),
    [
        ("Viettel Telecom", ("Viettel",), ()),
        ("Tập đoàn Viettel", ("Viettel",), ()),
        ("TẬP ĐOÀN VIETTEL; vnpt vinaphone", ("Viettel", "VinaPhone"), ()),
        ("VNPT-VinaPhone", ("VinaPhone",), ()),
        ("Mobifone", ("MobiFone",), ()),
        ("Tổng công ty Viễn thông MobiFone", ("MobiFone",), ()),
        ("Vietnamobile", ("Vietnamobile",), ()),
        ("Indochina Telecom", ("iTel",), ()),
        ("iTel", ("iTel",), ()),
        ("Gmobile", ("Gmobile",), ()),
        ("G-Mobile", ("Gmobile",), ()),
        ("Vina Phone", ("VinaPhone",), ()),
        ("Local Telco", (), ("Local Telco",)),
        ("Viettel; Local Telco; Local Telco", ("Viettel",), ("Local Telco",)),
        ("", (), ()),
        (None, (), ()),
    ],
)
def test_operator_aliases(raw: str | None, known: tuple[str, ...],
                          unknown: tuple[str, ...]) -> None:
    got_known, got_unknown = telecom.match_operators(pd.Series([raw], dtype=object),
                                                     telecom.operator_aliases())
    assert (got_known.iloc[0], got_unknown.iloc[0]) == (known, unknown)


def test_operators_of_the_config_extend_the_table() -> None:
    aliases = telecom.operator_aliases({"Nhà mạng Quân đội": "viettel", "XTel": "XTel"})
    known, unknown = telecom.match_operators(
        pd.Series(["nha mang quan doi", "XTEL", "YTel"]), aliases)
    assert known.tolist() == [("Viettel",), ("XTel",), ()]
    assert unknown.tolist() == [(), (), ("YTel",)]


def test_every_alias_names_a_canonical_operator() -> None:
    from ictgis.text import fold

    canonical = {"Viettel", "VinaPhone", "MobiFone", "Vietnamobile", "Gmobile", "iTel"}
    assert set(telecom.OPERATORS.values()) == canonical
    assert all(fold(k) == k for k in telecom.OPERATORS)
