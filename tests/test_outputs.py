"""ictgis.outputs: the names of the outputs folder and the readers of earlier results."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ictgis import outputs, pipeline


@pytest.mark.parametrize(("name", "expected"), [
    (outputs.level_raster("Viettel", "4G"), "level_viettel_4g.tif"),
    (outputs.level_raster("any", "2G"), "level_any_2g.tif"),
    (outputs.class_raster("3G"), "class_any_3g.tif"),
    (outputs.level_csv("province"), "province.csv"),
    (outputs.siting_summary_csv("rules"), "summary_rules.csv"),
    (outputs.region_page("vung_phia_tay"), "region_vung_phia_tay.html"),
    (outputs.static_map("radius"), "static_radius.png"),
    (outputs.rejected_rows_csv("bts"), "bts.csv"),
])
def test_file_names(name: str, expected: str) -> None:
    assert name == expected


def test_readers_return_nothing_before_a_run(tmp_path: Path) -> None:
    found = outputs.Outputs(tmp_path)
    assert found.tables() == {}
    assert found.stats_communes() is None and found.coverage_communes() is None
    assert found.findings() is None and found.problems() is None
    assert found.class_rasters(["4G"]) == {} and found.static_maps() == []


def test_readers_find_what_the_steps_wrote(make_workspace) -> None:
    result = pipeline.run(make_workspace(), steps=["stats", "siting"])
    found = outputs.Outputs(result.outputs)
    tables = found.tables()
    assert set(tables) == {"stats", "siting"}
    assert set(tables["stats"]) == {"province", "zone", "region", "district"}
    assert "rules" in tables["siting"]
    assert len(found.stats_communes()) == 3
    assert found.problems() is not None


def _output_literals(path: Path) -> list[str]:
    names = (".csv", ".xlsx", ".gpkg", ".tif", ".html", ".png", "manifest.json")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc_nodes = {id(node.body[0].value) for node in ast.walk(tree)
                 if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
                 and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in doc_nodes and node.value.endswith(names)
            and "://" not in node.value and not node.value.startswith(".")]


@pytest.mark.parametrize("module", ["steps", "cli", "report", "maps", "pipeline.py"])
def test_no_other_module_spells_an_output_file_name(module: str) -> None:
    root = Path(__file__).resolve().parents[1] / "ictgis" / module
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    found = {str(f.name): _output_literals(f) for f in files}
    assert {k: v for k, v in found.items() if v} == {}
