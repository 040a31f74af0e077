"""Work on threads: a large spatial-index query in two halves gives what one query gives."""

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
