"""The 2025 demo: two tiers, merged communes, a crosswalk from the legacy demo (both eras)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ictgis import crosswalk, demo, io
from ictgis.config import load_config
from ictgis.demo.era2025 import FORMER_FOLDER, merge_plan, workspace_files_2025
from ictgis.stats import compute_stats
from ictgis.workspace import load_workspace


@pytest.fixture(scope="module")
def both_eras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("era2025")
    io.write_workspace_files(root, workspace_files_2025(demo.make_demo()))
    return root


def test_every_new_commune_is_formed_whole_from_2_to_4_of_one_district() -> None:
    plan = merge_plan(demo.make_demo().communes)
    sizes = plan.groupby("ma_xa_moi").size()
    special = plan.loc[plan["loai_moi"] == "dac_khu", "ma_xa_moi"].unique()
    assert sizes.drop(special).between(2, 4).all()
    assert (plan.groupby("ma_xa_moi")["huyen_cu"].nunique() == 1).all()
    assert plan["ma_xa_cu"].is_unique and (plan["quan_he"] == "whole").all()


def test_both_eras_give_the_same_totals(both_eras: Path) -> None:
    new = load_workspace(load_config(both_eras))
    old = load_workspace(load_config(both_eras / FORMER_FOLDER))
    assert new.tiers == 2 and old.tiers == 3
    assert set(new.communes["kind"]) == {"phuong", "xa", "dac_khu"}
    tables, before = compute_stats(new), compute_stats(old)
    assert "district" not in tables and "district" in before
    for column in ("population", "n_points", "masts", "fixed", "mobile_prepaid"):
        assert tables["province"][column].iloc[0] == before["province"][column].iloc[0]
    assert tables["province"]["area_km2"].iloc[0] == pytest.approx(
        before["province"]["area_km2"].iloc[0], rel=1e-9)
    regions = tables["region"].set_index("region")["population"]
    assert regions.to_dict() == before["region"].set_index("region")["population"].to_dict()
    # the earlier era's outputs in the new units (what report --compare shows)
    rebased = crosswalk.rebase_tables(before["commune"], new.crosswalk, new.communes)
    assert rebased["province"]["population"].iloc[0] == 1_764_185
    mine = tables["commune"].set_index("code")
    assert (rebased["commune"].set_index("code")["population"] == mine["population"]).all()


def test_demo_command_writes_both_eras(runner, tmp_path: Path) -> None:
    from ictgis.cli.main import main

    result = runner.invoke(main, ["demo", str(tmp_path), "--era", "2025", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ictgis.toml").is_file()
    assert (tmp_path / FORMER_FOLDER / "ictgis.toml").read_text(encoding="utf-8") == \
        demo.DEMO_CONFIG
    assert "tiers = 2" in (tmp_path / "ictgis.toml").read_text(encoding="utf-8")


def test_a_two_tier_run_has_no_district_anywhere(tmp_path) -> None:
    import openpyxl
    from click.testing import CliRunner

    from ictgis.cli.main import main

    root = tmp_path / "d25"
    runner = CliRunner()
    assert runner.invoke(main, ["demo", str(root), "--era", "2025", "-q"]).exit_code == 0
    done = runner.invoke(main, ["run", "-w", str(root), "-q", "--lang", "en", "--skip",
                                "coverage", "--skip", "priorities"])
    assert done.exit_code == 0, done.output
    out = root / "outputs"
    assert not (out / "stats" / "district.csv").exists()
    sheets = openpyxl.load_workbook(out / "stats" / "stats.xlsx", read_only=True).sheetnames
    assert "Districts" not in sheets and "Communes" in sheets
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "By district" not in report and 'id="by_region"' in report
    page = (out / "maps" / "index.html").read_text(encoding="utf-8")
    assert "District outlines" not in page and "Region outlines" in page
