"""`ictgis priorities` on the toy province: outputs, summary, exit codes, languages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ictgis import outputs, pipeline, steps
from ictgis.cli import main as cli_main
from ictgis.cli.main import main
from tests.test_priorities import prio_ws  # noqa: F401  (the toy workspace fixture)


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command and the step, registered here until ictgis registers them itself."""
    monkeypatch.setitem(cli_main.COMMANDS, "priorities", "ictgis.cli.priorities")
    if "priorities" not in steps.STEPS:
        names = (*steps.STEPS[:steps.STEPS.index("coverage") + 1], "priorities",
                 *steps.STEPS[steps.STEPS.index("coverage") + 1:])
        monkeypatch.setattr(steps, "STEPS", names)
        monkeypatch.setattr(pipeline, "STEPS", names)


def test_outputs_and_summary(runner, prio_ws: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "out"
    result = runner.invoke(main, ["priorities", "-w", str(prio_ws), "--out", str(out),
                                  "--grid", "3000", "--sites", "3"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = out / outputs.PRIORITIES
    for name in (outputs.RANKING_CSV, outputs.RANKING_XLSX, outputs.EXCLUDED_CSV,
                 outputs.CURVE_PNG, outputs.PRIORITIES_GPKG):
        assert (folder / name).is_file(), name
    ranking = pd.read_csv(folder / outputs.RANKING_CSV, encoding="utf-8-sig")
    assert ranking["rank"].tolist() == [1, 2, 3]
    assert {"candidate", "commune", "district", "mast_class", "marginal_people",
            "cumulative_covered_pct", "cumulative_cost_vnd"} <= set(ranking.columns)
    assert "3 sites bring it to" in result.stdout
    assert "Stopped because the number of sites asked for is reached." in result.stdout
    assert "SYNTHETIC" in result.stdout
    assert (folder / outputs.CURVE_PNG).read_bytes()[:4] == b"\x89PNG"


def test_vietnamese_by_default(runner, prio_ws: Path, tmp_path: Path, vietnamese  # noqa: F811
                               ) -> None:
    result = runner.invoke(main, ["priorities", "-w", str(prio_ws), "--out",
                                  str(tmp_path / "o")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Phủ sóng 4G (mọi doanh nghiệp): hiện trạng" in result.stdout


def test_bad_usage_and_bad_data(runner, prio_ws: Path, tmp_path: Path) -> None:  # noqa: F811
    out = ["--out", str(tmp_path / "o")]
    both = runner.invoke(main, ["priorities", "-w", str(prio_ws), *out, "--sites", "2",
                                "--target", "90"])
    assert both.exit_code == 2 and "choose only one of" in both.output
    grid = runner.invoke(main, ["priorities", "-w", str(prio_ws), *out, "--grid", "0"])
    assert grid.exit_code == 2
    budget = runner.invoke(main, ["priorities", "-w", str(prio_ws), *out, "--budget", "1000"])
    assert budget.exit_code == 1
    assert "Error: The budget of 1,000 VND is smaller" in budget.stderr
    nobody = runner.invoke(main, ["priorities", "-w", str(prio_ws), *out, "--operator", "X1"])
    assert nobody.exit_code == 1 and "Operator X1 is not recognised" in nobody.stderr


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", ["Phủ sóng 4G (mọi doanh nghiệp): hiện trạng 25,00 % dân số; 1.200 vị trí đưa lên "
            "85,00 % (thêm 1.200.000 người).",
            "Đã xếp hạng 2.500 ứng viên; loại 1.001 ứng viên (xem excluded.csv).",
            "… và 1.190 vị trí nữa trong ranking.csv"]),
    ("en", ["4G coverage (any operator): today 25.00 % of the population; 1,200 sites bring it "
            "to 85.00 % (+1,200,000 people).",
            "2,500 candidates ranked; 1,001 left out (see excluded.csv).",
            "… and 1,190 more sites in ranking.csv"]),
])
def test_counts_of_the_summary_are_written_as_the_language_does(lang, expected) -> None:
    import geopandas as gpd

    from ictgis import i18n
    from ictgis.cli.priorities import format_ranking
    from ictgis.priorities import Ranking

    n = 1200  # 1,000 people each; 2,000,000 people, 500,000 covered today: 25 % -> 85 %
    table = pd.DataFrame({"rank": range(1, n + 1), "candidate": [f"C{i}" for i in range(n)],
                          "commune_name": "X", "marginal_people": 1000.0,
                          "cumulative_covered_pct": [25 + 0.05 * (i + 1) for i in range(n)],
                          "cumulative_cost_vnd": 0.0})
    ranking = Ranking(table=table, excluded=pd.DataFrame({"candidate": range(1001)}),
                      population=2_000_000.0, baseline_people=500_000.0, tech="4G",
                      operator="any", stop="sites", per_vnd=False, costs_synthetic=False,
                      candidates=2500, sites=gpd.GeoDataFrame())
    with i18n.language(lang):
        lines = format_ranking(ranking).splitlines()
    assert [lines[0], lines[1], lines[-2]] == expected
