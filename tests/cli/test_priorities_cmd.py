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
