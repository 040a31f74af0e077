"""Crosswalks between eras of communes: checks, exact re-basing, former lists, compare."""

from __future__ import annotations

import pandas as pd
import pytest

from ictgis import crosswalk
from ictgis.errors import DataError


def _table(rows: list[tuple]) -> pd.DataFrame:
    columns = ["former_code", "code", "relation", "share", "default_target"]
    frame = pd.DataFrame(rows, columns=columns[:len(rows[0])]).astype("string")
    return frame.assign(_where=[f"row {i + 2}" for i in range(len(frame))])


def _check(rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = _table(rows).rename(columns={"_where": crosswalk.WHERE})
    return crosswalk.check_crosswalk(table, file="xw.csv")


def test_whole_and_divided_rows_are_read() -> None:
    xw, warnings = _check([("1", "A", "whole", "", ""), ("2", "A", "divided", "0.25", ""),
                           ("2", "B", "nhập một phần", "0.75", ""), ("3", "B", "", "", "")])
    assert warnings.empty
    assert xw["share"].tolist() == [1.0, 0.25, 0.75, 1.0]
    assert xw["relation"].tolist() == ["whole", "divided", "divided", "whole"]


@pytest.mark.parametrize(("rows", "text"), [
    ([("1", "A", "whole", "", ""), ("1", "B", "whole", "", "")],
     "xw.csv: row 2 \\(id 1\\): former commune 1 is assigned whole to more than one new "
     "commune \\(A, B\\)"),
    ([("1", "A", "divided", "0.5", ""), ("1", "B", "divided", "0.4", "")],
     "xw.csv: row 2 \\(id 1\\): the shares of former commune 1 sum to 0.9, not 1"),
    ([("1", "A", "divided", "", ""), ("1", "B", "divided", "", "")],
     "former commune 1 is divided but a share is missing"),
    ([("1", "A", "sideways", "", "")], "relation “sideways” is not whole or divided"),
    ([("1", "A", "divided", "1.5", "")], "share 1.5 must be above 0 and at most 1"),
    ([("", "A", "whole", "", "")], "former or new commune code missing"),
])
def test_bad_crosswalks_are_named_by_file_and_row(rows, text) -> None:
    with pytest.raises(DataError, match=text):
        _check(rows)


@pytest.mark.parametrize(("shares", "vi", "en"), [
    (["0.5", "0.4"], "tổng tỷ lệ của xã cũ 1 là 0,9, phải bằng 1",
     "the shares of former commune 1 sum to 0.9, not 1"),
    (["0,1", "0,2"], "tổng tỷ lệ của xã cũ 1 là 0,3, phải bằng 1",  # 0.30000000000000004
     "the shares of former commune 1 sum to 0.3, not 1"),
    (["1.5"], "tỷ lệ 1,5 phải lớn hơn 0 và không quá 1", "share 1.5 must be above 0 and at most 1"),
], ids=["sum 0.9", "sum 0.1 + 0.2", "share 1.5"])
def test_shares_in_problems_are_written_as_the_language_does(shares, vi, en) -> None:
    from ictgis.i18n import language

    rows = [("1", code, "divided", share, "") for code, share in zip("AB", shares, strict=False)]
    for lang, text in (("vi", vi), ("en", en)):
        with language(lang), pytest.raises(DataError) as exc:
            _check(rows)
        assert text in str(exc.value)


def test_divided_without_share_and_one_default_target_counts_as_whole() -> None:
    xw, warnings = _check([("1", "A", "divided", "", "True"), ("1", "Z", "divided", "", "False")])
    assert xw[["former_code", "code", "relation", "share"]].values.tolist() == [
        ["1", "A", "whole", 1.0]]
    assert warnings["severity"].tolist() == ["warning"]
    assert "counted as whole into A (candidates: A, Z)" in warnings["problem"].iloc[0]


def test_rebase_keeps_every_total_exactly() -> None:
    xw, _ = _check([("1", "A", "whole", "", ""), ("2", "A", "divided", "0.3333", ""),
                    ("2", "B", "divided", "0.3333", ""), ("2", "C", "divided", "0.3334", ""),
                    ("3", "C", "whole", "", "")])
    values = pd.DataFrame({"population": [1001, 7, 5], "area_km2": [1.5, 2.25, 3.0]},
                          index=["1", "2", "3"])
    out = crosswalk.rebase(values, xw)
    assert out["population"].sum() == 1013  # whole numbers stay whole, total exact
    assert (out["population"] == out["population"].round()).all()
    assert out.loc["A", "population"] == 1001 + 2 and out.loc["C", "population"] == 5 + 3
    assert out["area_km2"].sum() == pytest.approx(6.75, abs=1e-12)


def test_missing_values_are_not_summed_as_zero() -> None:
    xw, _ = _check([("1", "A"), ("2", "A"), ("3", "B")])
    out = crosswalk.rebase(pd.DataFrame({"fixed": [1.0, None, 4.0]}, index=["1", "2", "3"]), xw)
    assert pd.isna(out.loc["A", "fixed"]) and out.loc["B", "fixed"] == 4


def test_former_lists_and_successors() -> None:
    table = _table([("1", "A", "whole", ""), ("2", "A", "divided", "0.4"),
                    ("2", "B", "divided", "0.6")]).assign(
        former_name=["Phường 1", "Xã Hai", "Xã Hai"], former_district=["Huyện X"] * 3)
    xw, _ = crosswalk.check_crosswalk(table.rename(columns={"_where": crosswalk.WHERE}),
                                      file="xw.csv")
    lists = crosswalk.former_lists(xw)
    assert lists.loc["A", "former_communes"] == "Phường 1 (1); Xã Hai (2: 40%)"
    assert lists.loc["A", "former_districts"] == "Huyện X"
    assert crosswalk.successor(pd.Series(["1", "2", "9"]), xw).tolist() == ["A", "B", pd.NA]


def test_a_former_code_without_row_is_reported() -> None:
    xw, _ = _check([("1", "A")])
    frame = pd.DataFrame({crosswalk.WHERE: ["row 2", "row 3"]})
    found = crosswalk.check_former_codes(frame, pd.Series(["1", "7"]), xw, layer="population",
                                         file="pop.csv")
    assert found["where"].tolist() == ["row 3"]
    assert "former commune 7 has no row in the crosswalk" in found["problem"].iloc[0]


def test_earlier_outputs_are_shown_in_the_new_units() -> None:
    xw, _ = _check([("1", "A"), ("2", "A"), ("3", "B")])
    earlier = pd.DataFrame({
        "code": [1, 2, 3], "name": ["P1", "P2", "X3"], "zone": ["Thành thị", "Thành thị",
                                                              "Nông thôn"],
        "area_km2": [1.0, 2.0, 30.0], "population": [1000, 2000, 3000], "n_points": [1, 0, 2],
        "radius_km": [0.5, None, 2.2], "masts": [2, 1, 3], "masts_shared": [1, 0, 1],
        "operator_sites": [3, 1, 4]})
    communes = pd.DataFrame({"code": ["A", "B"], "name": ["Phường A", "Xã B"],
                             "kind": ["phuong", "xa"], "zone": ["urban", "rural"]})
    tables = crosswalk.rebase_tables(earlier, xw, communes)
    province = tables["province"].iloc[0]
    assert province["population"] == 6000 and province["masts"] == 6
    zone = tables["zone"].set_index("zone")
    assert zone.loc["urban", "population"] == 3000
    assert zone.loc["urban", "pop_per_point"] == 3000  # recomputed, never averaged
