"""Work on threads: a large query or element-wise GEOS call in two halves gives what one call gives."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ictgis import threads


@pytest.mark.parametrize(("n_points", "split"), [(500, 0), (500, 10**9), (1, 0), (0, 0)],
                         ids=["two threads", "one thread", "one point", "no point"])
def test_query_in_halves_is_one_query(monkeypatch, n_points: int, split: int) -> None:
    monkeypatch.setattr(threads, "SPLIT_QUERY", split)
    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 100, (60, 2))
    boxes = shapely.box(*corners.T, *(corners + rng.uniform(1, 30, (60, 2))).T)
    points = shapely.points(rng.uniform(0, 120, (n_points, 2)))
    for tree, queried in ((shapely.STRtree(boxes), points), (shapely.STRtree(points), boxes)):
        got = threads.query_in_halves(tree, queried, predicate="intersects")
        expected = tree.query(queried, predicate="intersects")
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)  # the same pairs in the same order
    if n_points == 500:
        assert expected.shape[1] > 100


@pytest.mark.parametrize("fn", [shapely.is_valid, shapely.area, shapely.get_num_coordinates],
                         ids=["is_valid", "area", "vertices"])
@pytest.mark.parametrize(("n", "split"), [(301, 0), (301, 10**9), (1, 0), (0, 0)],
                         ids=["two threads", "one thread", "one geometry", "no geometry"])
def test_map_in_halves_is_one_call(monkeypatch, fn, n: int, split: int) -> None:
    monkeypatch.setattr(threads, "SPLIT_VERTICES", split)
    rng = np.random.default_rng(4)
    corners = rng.uniform(0, 100, (n, 2))
    geoms = shapely.box(*corners.T, *(corners + rng.uniform(1, 30, (n, 2))).T)
    if n > 2:  # a bow tie (invalid) and a missing geometry among them
        geoms[n // 3] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
        geoms[2 * n // 3] = None
    got = threads.map_in_halves(fn, geoms)
    expected = fn(geoms)
    assert got.dtype == expected.dtype and got.shape == expected.shape == (n,)
    np.testing.assert_array_equal(got, expected)
    if n > 2 and fn is shapely.is_valid:
        assert not got.all()
