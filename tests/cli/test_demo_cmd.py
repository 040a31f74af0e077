"""`ictgis demo`: the committed demo equals a fresh generation; the installed command runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from ictgis import i18n
from ictgis.cli.main import main
from ictgis.demo import SYNTHETIC_LABEL
from ictgis.siting import OUTSIDE_CODES, RULES

REPO = Path(__file__).resolve().parents[2]
DEMO_FILES = ["ictgis.toml", "layers/post_offices.csv", "layers/bts.csv",
              "layers/subscribers.csv"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    target = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", str(target), "--force"])
    assert result.exit_code == 0, result.output
    return target


@pytest.mark.parametrize("name", DEMO_FILES)
def test_committed_text_files_equal_fresh_generation(fresh: Path, name: str) -> None:
    assert (REPO / name).read_bytes() == (fresh / name).read_bytes(), (
        f"{name} differs from `ictgis demo`: regenerate with `ictgis demo . --force`")


def test_committed_communes_equal_fresh_generation(fresh: Path) -> None:
    committed = gpd.read_file(REPO / "boundaries" / "communes.gpkg")
    assert_geodataframe_equal(committed, gpd.read_file(fresh / "boundaries" / "communes.gpkg"))
    assert (committed["ghi_chu"] == SYNTHETIC_LABEL).all()


def test_demo_refuses_to_overwrite_without_force(runner, fresh: Path) -> None:
    result = runner.invoke(main, ["demo", str(fresh)])
    assert result.exit_code == 2
    assert "exists; use --force" in result.output


def test_installed_command_runs_on_a_fresh_demo(tmp_path: Path, vietnamese) -> None:
    # no --lang: the Vietnamese default (the summary headers below are Vietnamese)
    exe = shutil.which("ictgis") or str(Path(sys.executable).with_name("ictgis"))
    made = subprocess.run([exe, "demo", str(tmp_path / "ws")], capture_output=True, text=True,
                          check=False)
    assert made.returncode == 0, made.stderr
    run = subprocess.run([exe, "run", "-w", str(tmp_path / "ws")], capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "DỮ LIỆU TỔNG HỢP" in run.stdout  # the title of every output, in Vietnamese
    assert "Traceback" not in run.stderr
    stats = tmp_path / "ws" / "outputs" / "stats"
    assert {"province.csv", "commune.csv", "stats.xlsx", "stats.gpkg"} <= {
        p.name for p in stats.iterdir()}
    for table in stats.glob("*.csv"):  # synthetic data is labelled in every output
        assert "DỮ LIỆU TỔNG HỢP" in table.read_text(encoding="utf-8-sig"), table.name
    layers = gpd.read_file(stats / "stats.gpkg", layer="districts")
    assert layers["synthetic"].str.contains("DỮ LIỆU TỔNG HỢP").all()

    # siting: every rule fires on the demo (its masts all have a surveyed class, so the
    # no-class warning cannot), and the summary counts are the rows of findings.csv; masts
    # rejected at load for their position are listed once, in rejects/, and counted from there
    siting_dir = tmp_path / "ws" / "outputs" / "siting"
    findings = pd.read_csv(siting_dir / "findings.csv", encoding="utf-8-sig")
    assert set(findings["rule"]) == set(RULES) - {"validity.no_class", "validity.outside"}
    problems = pd.read_csv(tmp_path / "ws" / "outputs" / "rejects" / "problems.csv",
                           encoding="utf-8-sig")
    outside = problems[(problems["layer"] == "bts") & problems["code"].isin(OUTSIDE_CODES)
                       & (problems["severity"] == "rejected")]
    assert len(outside) > 0
    summary = pd.read_excel(siting_dir / "summary.xlsx", sheet_name="Quy tắc", skiprows=2).rename(
        columns={"Quy tắc": "rule", "Số phát hiện": "findings"})
    names = i18n.labels("siting.rule_name", "vi")  # the workbook shows names, the CSV ids
    assert dict(zip(summary["rule"], summary["findings"], strict=True)) == {
        names[rule]: int((findings["rule"] == rule).sum())
        + (len(outside) if rule == "validity.outside" else 0) for rule in RULES}
    verdicts = pd.read_csv(siting_dir / "proposals.csv", encoding="utf-8-sig")
    assert set(verdicts["verdict"]) == {"approve", "co-locate", "refuse", "invalid"}
    assert verdicts["id"].tolist() == sorted(verdicts["id"])  # in the order of the file
