"""ictgis.pipeline: the library runs the steps with no click, prints nothing, swaps as a whole."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ictgis import outputs, pipeline
from ictgis.steps import STEPS, StepContext, step


def test_run_from_python_prints_nothing_and_returns_results(make_workspace, capsys) -> None:
    root = make_workspace()
    seen: list[tuple[str, str]] = []
    result = pipeline.run(root, steps=["stats", "siting"], lang="en",
                          progress=lambda name, detail: seen.append((name, detail)))
    assert capsys.readouterr() == ("", "")
    assert result.outputs == root / "outputs"
    assert set(result.results) == {"stats", "siting"}
    assert ("stats", "") in seen and ("siting", "") in seen
    # the returned tables are those written: 4 points in N (the courier is not counted)
    written = pd.read_csv(result.outputs / "stats" / "province.csv", encoding="utf-8-sig")
    assert written["n_points"].iloc[0] == result.results["stats"].tables["province"][
        "n_points"].iloc[0] == 4
    assert all(p.is_file() for p in result.written)
    assert result.outputs / "siting" / "findings.csv" in result.written
    assert result.manifest is None and not (result.outputs / "manifest.json").exists()
    assert set(result.timings_s) == {"validate", "stats", "siting"}


def test_every_step_writes_only_its_own_folder(make_workspace) -> None:
    root = make_workspace()
    first = pipeline.run(root, steps=["stats"])
    stats_before = {p.name: p.read_bytes() for p in (first.outputs / "stats").iterdir()}
    second = pipeline.run(root, steps=["siting"])
    assert {p.name: p.read_bytes() for p in (second.outputs / "stats").iterdir()} == stats_before
    assert (second.outputs / "siting" / "findings.csv").is_file()


def test_full_run_writes_a_manifest_of_existing_files(make_workspace) -> None:
    root = make_workspace()
    result = pipeline.run(root, steps=None, options={"coverage": {}}, out=root / "out")
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert set(manifest["timings_s"]) == {"validate", *STEPS}
    assert manifest["outputs"] == outputs.files(result.outputs)
    assert all((result.outputs / name).is_file() for name in manifest["outputs"])


def test_steps_needing_bts_are_skipped_without_bts(make_workspace, tmp_path: Path) -> None:
    from tests.conftest import CONFIG

    config = CONFIG.split("[layers.bts]")[0]
    root = make_workspace(config=config)
    result = pipeline.run(root, steps=["stats", "siting", "coverage"])
    assert result.skipped == ("siting", "coverage")
    assert not (result.outputs / "siting").exists()


def test_unknown_step_is_refused_before_anything_is_written(make_workspace) -> None:
    root = make_workspace()
    with pytest.raises(ValueError, match="“statz” is not a step"):
        pipeline.run(root, steps=["statz"])
    assert not (root / "outputs").exists()


def test_a_failing_step_leaves_the_previous_outputs(make_workspace, monkeypatch) -> None:
    root = make_workspace()
    pipeline.run(root, steps=["stats"])
    before = {p.relative_to(root): p.read_bytes() for p in (root / "outputs").rglob("*")
              if p.is_file()}
    siting = step("siting")

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(siting, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        pipeline.run(root, steps=["stats", "siting"])
    after = {p.relative_to(root): p.read_bytes() for p in (root / "outputs").rglob("*")
             if p.is_file()}
    assert after == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_a_step_computes_without_writing(make_workspace, tmp_path: Path) -> None:
    ws = pipeline.load(make_workspace())
    ctx = StepContext(outputs.Outputs(tmp_path / "nowhere"))
    result = step("stats").compute(ws, ctx)
    assert result.tables["province"]["population"].iloc[0] == 35_000
    assert not (tmp_path / "nowhere").exists()


def test_step_registry_names_every_step() -> None:
    for name in STEPS:
        module = step(name)
        assert module.NAME in (name, outputs.MAPS)
        assert callable(module.compute) and callable(module.write)
    with pytest.raises(KeyError, match="not a step"):
        step("nope")


def test_a_step_run_alone_keeps_its_layers_styled_for_qgis(make_workspace) -> None:
    import sqlite3

    root = make_workspace()
    pipeline.run(root, steps=["stats", "qgis"])
    again = pipeline.run(root, steps=["stats"])  # rewrites stats.gpkg: the styles follow
    assert "qgis" in again.results
    with sqlite3.connect(again.outputs / "stats" / "stats.gpkg") as db:
        styled = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles")}
    assert "communes" in styled
    only = pipeline.run(make_workspace(), steps=["stats"], out=root / "fresh")
    assert "qgis" not in only.results  # no project yet: nothing to keep in step
