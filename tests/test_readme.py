"""The README's Python examples run as written, on a copy of the demo workspace; the guide's
Python API pages show the same examples (so they run too)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"),
                    flags=re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(block: str, tmp_path: Path, monkeypatch) -> None:
    for name in ("ictgis.toml", "boundaries", "layers"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy2(source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert "pipeline" in namespace


def _code(block: str) -> list[str]:
    """A block's code lines without comments or trailing blanks."""
    return [re.sub(r"\s*#.*$", "", line).rstrip() for line in block.splitlines()]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_guides_python_examples_are_the_readmes(lang: str) -> None:
    page = (ROOT / "docs" / lang / "api.md").read_text(encoding="utf-8")
    examples = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert len(examples) == 2
    readme = [_code(b) for b in BLOCKS]
    for block in examples:  # the Vietnamese page runs in Vietnamese; otherwise the same code
        assert _code(block.replace('lang="vi"', 'lang="en"')) in readme


def _performance():
    """benchmarks/performance.py as a module (it imports _harness from its own folder)."""
    import importlib.util

    folder = ROOT / "benchmarks"
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location("performance", folder / "performance.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def test_performance_table_is_generated_from_the_kept_benchmark_outputs() -> None:
    performance = _performance()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert performance.rewrite(readme) == readme, "run python benchmarks/performance.py"
    kept_outputs = sorted(performance.RESULTS.glob("*.txt"))
    assert kept_outputs, "no benchmark output kept: python benchmarks/performance.py --run"
    for kept in kept_outputs:  # a benchmark not run yet shows as such in the table
        name = kept.stem
        assert name in performance.BENCHMARKS, name
        text = kept.read_text(encoding="utf-8")
        assert "# exit status: 0" in text, name
        results = performance.parse_results(text)
        assert results, name
        # every figure with a target has a verdict, every ratio names its baseline
        for r in results:
            assert (r["target"] == "-") == (r["verdict"] == "-"), r
            if r["unit"] == "x":
                assert r["baseline"] != "-", r
