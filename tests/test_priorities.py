"""ictgis.priorities: greedy maximum coverage (CELF), candidates and the siting rules, round trip."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ictgis import coverage, pipeline, priorities
from ictgis.errors import DataError
from tests.conftest import CONFIG, X0, Y0, lonlat

PLAN = """
[layers.plan_features]
path = "features.gpkg"
[layers.plan_features.fields]
id = "ma"
zone_class = "loai"
buffer = "r"

[layers.planned_sites]
path = "planned.csv"
crs = "EPSG:9210"
[layers.planned_sites.fields]
id = "ma"
mast_class = "cls"
easting = "x"
northing = "y"

[layers.proposals]
path = "candidates.csv"
[layers.proposals.fields]
id = "ma"
mast_class = "cls"
lon = "lon"
lat = "lat"

[coverage]
resolution_m = 100
"""

BTS_FIELDS = 'technologies = "tech"\nmast_class = "cls"\nheight = "h"\n'


@pytest.fixture
def prio_ws(make_workspace, bts_df) -> Path:
    """The toy province with 4G on two masts, a prohibited feature and four unbuilt planned sites.

    QH1 and QH3 stand alone in the xã and the phường; QH2 is in the prohibited buffer F1;
    QH4 is 200 m from mast B4 (co-location).
    """
    bts = bts_df.assign(cls=["A2b", "A1a", "A2b", "A2b"], h=[30, 12, 30, 30],
                        tech=["2G;3G;4G", "4G", "2G", "3G"])
    config = CONFIG.replace('technologies = "tech"\n', BTS_FIELDS) + PLAN
    root = make_workspace(bts=bts, config=config)
    gpd.GeoDataFrame({"ma": ["F1"], "loai": ["Khu vực cấm"], "r": [300]},
                     geometry=[Point(X0 + 25_000, Y0 + 5_000)], crs="EPSG:9210").to_file(
        root / "features.gpkg")
    pd.DataFrame({"ma": ["QH1", "QH2", "QH3", "QH4"], "cls": ["A2b", "A2b", "A2b", ""],
                  "x": [X0 + 15_000, X0 + 25_000, X0 + 6_000, X0 + 12_200],
                  "y": [Y0 + 6_000, Y0 + 5_000, Y0 + 8_000, Y0 + 1_000]}).to_csv(
        root / "planned.csv", index=False)
    return root


# ------------------------------------------------------------------------------- greedy


def test_greedy_hand_computed() -> None:
    sets = [np.array([0, 1]), np.array([1, 2, 3]), np.array([3]), np.array([4])]
    weights = np.array([5.0, 1.0, 1.0, 1.0, 0.5])
    chosen = priorities.greedy(sets, weights)
    # 0 covers 6; then 1 adds 2 (pixels 2, 3); then 4 adds 0.5; 2 adds nothing
    assert chosen.order.tolist() == [0, 1, 3]
    assert chosen.gains.tolist() == [6.0, 2.0, 0.5]
    assert chosen.stop == "no_gain"
    assert priorities.greedy(sets, weights, max_sites=1).order.tolist() == [0]
    assert priorities.greedy(sets, weights, max_sites=1).stop == "sites"
    assert priorities.greedy(sets, weights, target_people=7.0).order.tolist() == [0, 1]
    # per cost: 3 (0.5 per 0.1) beats 0 (6 per 10)
    costs = np.array([10.0, 1.0, 1.0, 0.1])
    assert priorities.greedy(sets, weights, costs=costs).order.tolist() == [3, 1, 0]
    # a budget of 10.5 fits 3 and 1, then 0 (10) no longer fits
    budgeted = priorities.greedy(sets, weights, costs=costs, budget=10.5)
    assert budgeted.order.tolist() == [3, 1]


def _random_instance(rng: np.random.Generator, n: int, pixels: int
                     ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    sets = [np.unique(rng.integers(0, pixels, rng.integers(0, pixels // 2 + 1)))
            for _ in range(n)]
    weights = rng.integers(1, 6, pixels).astype(float)  # ties happen
    return sets, weights, rng.integers(1, 4, n).astype(float)


@pytest.mark.parametrize("seed", range(20))
def test_lazy_equals_plain_greedy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sets, weights, costs = _random_instance(rng, 40, 60)
    for kwargs in ({}, {"costs": costs}, {"costs": costs, "budget": 12.0}, {"max_sites": 5},
                   {"target_people": 0.8 * weights.sum()}):
        lazy = priorities.greedy(sets, weights, lazy=True, **kwargs)
        plain = priorities.greedy(sets, weights, lazy=False, **kwargs)
        assert lazy.order.tolist() == plain.order.tolist()
        assert lazy.gains.tolist() == plain.gains.tolist()
        assert lazy.stop == plain.stop
    assert priorities.greedy(sets, weights).evaluations < priorities.greedy(
        sets, weights, lazy=False).evaluations


def _best(sets: list[np.ndarray], weights: np.ndarray, k: int) -> float:
    return max(weights[np.unique(np.concatenate([sets[i] for i in combo]))].sum()
               for combo in itertools.combinations(range(len(sets)), k))


@pytest.mark.parametrize("seed", range(15))
def test_greedy_within_one_minus_one_over_e_of_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    sets, weights, _ = _random_instance(rng, 9, 20)
    for k in (2, 3):
        got = priorities.greedy(sets, weights, max_sites=k).gains.sum()
        assert got >= (1 - 1 / math.e) * _best(sets, weights, k) - 1e-9


def test_greedy_optimal_on_constructed_cases() -> None:
    # disjoint sets: greedy is optimal
    sets = [np.array([0, 1]), np.array([2]), np.array([3, 4, 5]), np.array([6])]
    weights = np.array([1.0, 2.0, 4.0, 1.0, 1.0, 1.0, 0.5])
    for k in (1, 2, 3):
        assert priorities.greedy(sets, weights, max_sites=k).gains.sum() == _best(
            sets, weights, k)
    # nested sets: the largest first, the rest add nothing
    nested = [np.arange(3), np.arange(5), np.arange(2)]
    chosen = priorities.greedy(nested, np.ones(5))
    assert chosen.order.tolist() == [1] and chosen.gains.sum() == _best(nested, np.ones(5), 1)


# -------------------------------------------------------------------- candidates and rules


def test_rules_on_planned_candidates(prio_ws: Path) -> None:
    ws = pipeline.load(prio_ws)
    ranking = priorities.prioritise(ws)
    refused = ranking.excluded.set_index("candidate")
    assert refused.loc["QH2", "verdict"] == "refuse"  # in the prohibited buffer
    assert "prohibited" in refused.loc["QH2", "reasons"].lower()
    sites = ranking.sites.set_index("id")
    assert sites.loc["QH4", "action"] == "colocate"
    assert sites.loc["QH4", "colocate_with"] == "B4"
    assert sites.loc["QH4", "technologies"] == ("3G", "4G")  # 4G added to B4
    assert sites.loc["QH1", "action"] == "new"
    assert ranking.table["rank"].tolist() == list(range(1, len(ranking.table) + 1))
    assert (np.diff(ranking.table["marginal_people"]) <= 1e-9).all()  # submodular: shrinking
    assert ranking.costs_synthetic


def test_round_trip_equals_coverage(prio_ws: Path) -> None:
    ws = pipeline.load(prio_ws)
    for operator in ("any", "Viettel"):
        ranking = priorities.prioritise(ws, operator=operator, grid_m=3000)
        assert len(ranking.table) >= 3
        one = priorities.single_technology(ws.config.coverage, "4G")
        column = f"pop_covered_{operator.lower()}_4g"
        for k in (0, 1, len(ranking.table)):
            built = priorities.with_selected(ws.bts, ranking.sites,
                                             ranking.table["candidate"].iloc[:k])
            got = coverage.compute_coverage(built, ws.communes, one,
                                            keep_layers=False).covered
            got_people = got[column].sum() if column in got else 0.0
            want = ranking.baseline_people + ranking.table["marginal_people"].iloc[:k].sum()
            assert got_people == pytest.approx(want, rel=1e-3)


def test_bad_candidates_listed_with_reasons(prio_ws: Path) -> None:
    lon, lat = lonlat([X0 + 8_000, X0 + 90_000, X0 + 20_000], [Y0 + 3_000] * 3)
    pd.DataFrame({"ma": ["C1", "C2", "C3", "C4"], "cls": ["A2a", "A2b", "Z9", "A1a"],
                  "lon": [lon[0], lon[1], lon[2], ""], "lat": [lat[0], lat[1], lat[2], ""],
                  "cost_vnd": [5e8, 5e8, 5e8, 5e8]}).to_csv(prio_ws / "candidates.csv",
                                                             index=False)
    ws = pipeline.load(prio_ws)
    ranking = priorities.prioritise(ws, candidates=prio_ws / "candidates.csv", planned=False)
    bad = ranking.excluded.set_index("candidate")
    assert set(bad.index) == {"C2", "C3", "C4"}
    assert "outside" in bad.loc["C2", "reasons"]
    assert "Z9" in bad.loc["C3", "reasons"] and "candidates.csv, row 4" in bad.loc["C3",
                                                                                   "reasons"]
    assert "row 5" in bad.loc["C4", "reasons"]
    assert ranking.sites["id"].tolist() == ["C1"]
    assert ranking.per_vnd  # the file gave costs


def test_budget_smaller_than_one_site_says_so(prio_ws: Path) -> None:
    ws = pipeline.load(prio_ws)
    with pytest.raises(DataError, match="smaller than the cost of the cheapest") as caught:
        priorities.prioritise(ws, budget_vnd=1e6)
    assert caught.value.message_id == "priorities.error.budget"
    fits = priorities.prioritise(ws, budget_vnd=1.5e9)
    assert fits.table["cumulative_cost_vnd"].max() <= 1.5e9 and fits.per_vnd


def test_errors_name_the_problem(prio_ws: Path) -> None:
    ws = pipeline.load(prio_ws)
    for kwargs, message_id in (({"tech": "7G"}, "priorities.error.technology"),
                               ({"operator": "Nobody"}, "priorities.error.operator"),
                               ({"max_sites": 2, "target_pct": 50}, "priorities.error.one_stop"),
                               ({"target_pct": 120}, "priorities.error.target"),
                               ({"grid_m": -5}, "priorities.error.grid")):
        with pytest.raises(DataError) as caught:
            priorities.prioritise(ws, **kwargs)
        assert caught.value.message_id == message_id


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "The grid spacing must be greater than 0 m, got -2.5."),
    ("vi", "Khoảng cách lưới phải lớn hơn 0 m, nhận được -2,5."),
])
def test_the_grid_error_writes_the_spacing_as_the_language_does(lang: str, text: str) -> None:
    from ictgis import i18n

    with i18n.language(lang), pytest.raises(DataError) as caught:
        priorities.grid_candidates(None, -2.5)  # type: ignore[arg-type]  # refused first
    assert str(caught.value) == text


def test_target_stops_once_reached(prio_ws: Path) -> None:
    ws = pipeline.load(prio_ws)
    full = priorities.prioritise(ws, grid_m=3000)
    goal = float(full.table["cumulative_covered_pct"].iloc[1]) - 1e-6  # reached at 2 sites
    ranking = priorities.prioritise(ws, grid_m=3000, target_pct=goal)
    assert len(ranking.table) == 2 and ranking.stop == "target"


def test_messages_vietnamese_by_default(prio_ws: Path, vietnamese) -> None:
    ws = pipeline.load(prio_ws)
    with pytest.raises(DataError, match="Ngân sách"):
        priorities.prioritise(ws, budget_vnd=1e6)


def test_grid_candidates_inside_uncovered_people(prio_ws: Path) -> None:
    ws = pipeline.load(prio_ws)
    base = priorities.baseline(ws.bts, ws.communes, ws.config.coverage, tech="4G")
    grid = priorities.grid_candidates(base, 5000)
    assert len(grid) and grid["id"].is_unique
    rows, cols = base.grid.pixel_of(grid.geometry.x.to_numpy(), grid.geometry.y.to_numpy())
    assert base.open_pixels[rows, cols].all()
    assert box(*ws.communes.total_bounds).contains(grid.union_all())


def _step(name: str, root: Path, out: Path):
    from ictgis.outputs import Outputs
    from ictgis.steps import StepContext, step

    return step(name).compute(pipeline.load(root), StepContext(Outputs(out)), required=True)


def test_priorities_use_the_calibration_and_dem_of_the_coverage(prio_ws: Path,
                                                               tmp_path: Path) -> None:
    """calibration.toml lowering every 4G level by 12 dB, and a DEM with a wall beside the
    4G masts: the baseline's covered people are the coverage step's (not those of the
    uncalibrated or the flat model), and the candidates' gains are what the coverage adds."""
    import rasterio
    from affine import Affine

    plain = _step("priorities", prio_ws, tmp_path / "a").ranking
    (prio_ws / "calibration.toml").write_text(
        '[offsets_db."4G"]\nurban = -12.0\nopen = -12.0\nsuburban = -12.0\n', encoding="utf-8")
    cal_only = _step("priorities", prio_ws, tmp_path / "p").ranking
    dem = np.zeros((50, 140), dtype="float32")
    dem[:, 30] = 80.0  # a wall 80 m high, north-south, 2.5 km east of the province's edge
    with rasterio.open(prio_ws / "dem.tif", "w", driver="GTiff", width=140, height=50,
                       count=1, dtype="float32", crs="EPSG:9210",
                       transform=Affine(250.0, 0, X0 - 5_000, 0, -250.0,
                                        Y0 + 11_250)) as dst:
        dst.write(dem, 1)
    toml = prio_ws / "ictgis.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[layers.dem]\npath = "dem.tif"\n',
                    encoding="utf-8")
    ranked = _step("priorities", prio_ws, tmp_path / "b").ranking
    covered = _step("coverage", prio_ws, tmp_path / "c")
    covered.stack.close()
    want = covered.tables["commune"]["pop_covered_any_4g"].sum()
    assert ranked.baseline_people == pytest.approx(want, rel=1e-9)
    assert cal_only.baseline_people < 0.9 * plain.baseline_people  # the offsets count
    assert ranked.baseline_people != cal_only.baseline_people  # and so does the wall
    # the candidates' sets too: the first two built, the coverage gives what the ranking said
    from ictgis.steps.coverage import model_inputs

    ws = pipeline.load(prio_ws)
    terrain, calibration = model_inputs(ws)
    assert terrain is not None and calibration is not None
    built = priorities.with_selected(ws.bts, ranked.sites, ranked.table["candidate"].iloc[:2])
    got = coverage.compute_coverage(built, ws.communes,
                                    priorities.single_technology(ws.config.coverage, "4G"),
                                    keep_layers=False, terrain=terrain,
                                    calibration=calibration).covered
    want = ranked.baseline_people + ranked.table["marginal_people"].iloc[:2].sum()
    assert got["pop_covered_any_4g"].sum() == pytest.approx(want, rel=1e-9)
    assert not np.array_equal(ranked.table["marginal_people"].iloc[:2],
                              cal_only.table["marginal_people"].iloc[:2])
