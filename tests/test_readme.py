"""The README's Python examples run as written, on a copy of the demo workspace; the guide's
Python API pages show the same examples (so they run too)."""

from __future__ import annotations

import re
import shutil
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
