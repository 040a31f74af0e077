"""ictgis.validate: problem tables, one message naming file and row, polygon repair, ids."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from ictgis import validate
from ictgis.errors import DataError
from ictgis.io import WHERE


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"P{i}" for i in range(1, n + 1)],
                         WHERE: [f"row {i + 1}" for i in range(1, n + 1)]})


def test_problems_select_rows_by_mask_with_one_or_many_messages() -> None:
    frame = _frame(4)
    mask = np.array([False, True, False, True])
    one = validate.problems(frame, mask, layer="post_offices", file="posts.csv",
                            severity="rejected", problem="outside", code="outside")
    assert list(one.columns) == list(validate.PROBLEM_COLUMNS)
    assert one["id"].tolist() == ["P2", "P4"] and one["where"].tolist() == ["row 3", "row 5"]
    each = pd.Series(["a", "b", "c", "d"], index=frame.index)
    many = validate.problems(frame, mask, layer="x", file="f", severity="warning", problem=each)
    assert many["problem"].tolist() == ["b", "d"]
    none = validate.problems(frame, np.zeros(4, bool), layer="x", file="f", severity="warning",
                             problem="p")
    assert none.empty and list(none.columns) == list(validate.PROBLEM_COLUMNS)


def test_format_problem_names_file_row_and_id() -> None:
    row = pd.Series({"file": "posts.csv", "where": "row 7", "id": "P6", "problem": "swapped"})
    assert validate.format_problem(row) == "posts.csv: row 7 (id P6): swapped"
    no_id = row.copy()
    no_id["id"] = pd.NA
    assert validate.format_problem(no_id) == "posts.csv: row 7: swapped"


@pytest.mark.parametrize(("n", "listed", "more"), [(1, 1, False), (3, 3, False),
                                                    (validate.MAX_LISTED + 5, None, True)])
def test_raise_if_any_lists_every_problem_up_to_the_limit(n: int, listed, more: bool) -> None:
    frame = _frame(n)
    found = validate.problems(frame, np.ones(n, bool), layer="x", file="f.csv",
                              severity="rejected", problem="bad")
    with pytest.raises(DataError) as caught:
        validate.raise_if_any(found, what="the layer cannot be used")
    text = str(caught.value)
    assert text.count("f.csv: row") == min(n, validate.MAX_LISTED)
    assert ("and 5 more" in text) is more
    if n > 1:
        assert text.startswith(f"{n} problems; the layer cannot be used:")
    validate.raise_if_any(validate.empty_problems(), what="nothing")  # no problem: no error


def test_repair_polygons_keeps_the_area_of_a_bowtie_and_reports_it() -> None:
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])  # two triangles of 1 m² each
    gdf = gpd.GeoDataFrame({"code": ["A", "B"], WHERE: ["feature 1", "feature 2"]},
                           geometry=[bowtie, box(5, 5, 6, 6)], crs="EPSG:9210")
    fixed, found = validate.repair_polygons(gdf, layer="communes", file="c.gpkg")
    assert fixed.geometry.is_valid.all()
    assert fixed.geometry.area.tolist() == pytest.approx([2.0, 1.0])
    assert found["where"].tolist() == ["feature 1"] and found["severity"].tolist() == ["repaired"]
    assert gdf.geometry.iloc[0].equals(bowtie)  # the argument is not changed


def test_duplicated_ids_point_at_the_first_row() -> None:
    frame = pd.DataFrame({"id": ["A", "B", "A", "", "A"], WHERE: ["row 2", "row 3", "row 4",
                                                                   "row 5", "row 6"]})
    found = validate.duplicated_ids(frame)
    assert found.isna().tolist() == [True, True, False, True, False]
    assert found.iloc[2] == "duplicate id A (first at row 2)"


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("", True), ("  ", True),
                                                  ("x", False), (" 0 ", False)])
def test_blank(value, expected: bool) -> None:
    assert validate.blank(pd.Series([value], dtype=object)).iloc[0] is np.bool_(expected)


# ----------------------------------------------------------------------- the coverage check


def _grid(n: int = 4, side: float = 1_000.0) -> list:
    return [box(i * side, j * side, (i + 1) * side, (j + 1) * side)
            for i in range(n) for j in range(n)]


def _defects(side: float = 1_000.0) -> list[tuple[str, list]]:
    """Each way a coverage can be invalid, on square 5 (second column, second row)."""
    x0 = y0 = side
    wider, extra, moved = _grid(), _grid(), _grid()
    wider[5] = box(x0, y0, x0 + 1.1 * side, y0 + side)                      # overlaps its east
    extra[5] = Polygon([(x0, y0), (x0 + side, y0), (x0 + side, y0 + side / 2),  # a vertex its
                        (x0 + side, y0 + side), (x0, y0 + side)])           # neighbour lacks
    moved[5] = box(x0 + 0.3, y0 + 0.2, x0 + side + 0.3, y0 + side + 0.2)    # 30 cm off
    return [("overlap", wider), ("unmatched vertex", extra), ("moved", moved)]


@pytest.mark.parametrize(("label", "polygons"), [("clean", _grid()), *_defects()])
def test_coverage_check_finds_each_defect_and_skips_missing_polygons(label, polygons) -> None:
    gdf = gpd.GeoDataFrame(geometry=[*polygons, None, Polygon()], crs="EPSG:9210")
    assert validate.is_coverage(gdf) is (label == "clean")
