"""Helpers of the robustness suite: break a small workspace, run a command in both languages.

Every case asserts the exit code, the catalogue id of the one message (Vietnamese and English
text both name the file and row), that no traceback is printed, and that the outputs of the
previous good run are byte-identical after a failure.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ictgis import i18n
from ictgis.cli.main import main


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def debris(root: Path) -> list[str]:
    """Staging folders, lock files and temporaries a run left beside or inside the outputs."""
    found = [p.name for p in root.iterdir() if p.name.startswith(".outputs")]
    outputs = root / "outputs"
    if outputs.is_dir():
        found += [str(p.relative_to(root)) for p in outputs.rglob(".*") if ".tmp-" in p.name
                  or ".old-" in p.name]
    return found


def invoke(root: Path, *args: str, lang: str = "en") -> Result:
    """Run ``ictgis ARGS -w ROOT --lang LANG`` in-process, exceptions included in the result."""
    return CliRunner().invoke(main, [*args, "-w", str(root), "--lang", lang])


def message_text(msg_id: str, lang: str) -> str:
    """The fixed part of a catalogue message (the text before its first placeholder)."""
    return i18n.catalogue(lang)[msg_id].split("{")[0]


@dataclass(frozen=True)
class Case:
    """One bad input or fault.

    Attributes
    ----------
    name
        What is broken, in a few words (the test id).
    breaker
        Changes the good workspace (files and ictgis.toml) in place.
    command
        The ictgis command and its options (``("run", "--skip", "coverage")``).
    exit_code
        0 (rows reported, the rest used), 1 (bad data: nothing written) or 2 (bad usage).
    message_id
        The catalogue id of the message that must be printed (stderr).
    names
        Texts the message must contain in both languages: the file, the row ("row 3" /
        "dòng 3", given as the row number alone), an id.
    good_command
        The command of the good run before the case (default: ``command``; a case whose
        command is itself the bad usage names a good one).
    """

    name: str
    breaker: Callable[[Path], None]
    command: tuple[str, ...] = ("run", "--skip", "coverage")
    exit_code: int = 1
    message_id: str | None = None
    names: tuple[str, ...] = ()
    good_command: tuple[str, ...] | None = None


#: (good command, fingerprint of the workspace) -> a folder holding the outputs of its good run.
_GOOD_RUNS: dict[tuple[tuple[str, ...], str], Path] = {}


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "outputs" not in p.parts):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def good_outputs(root: Path, command: tuple[str, ...]) -> None:
    """Give ``root`` the outputs of a good run of ``command`` (run once per workspace content).

    The toy workspace is the same for most cases: its good outputs are made once and copied, so a
    case costs the runs of its broken input only.
    """
    key = (command, _fingerprint(root))
    cached = _GOOD_RUNS.get(key)
    if cached is None:
        good = invoke(root, *command)
        assert good.exit_code == 0, good.output
        cached = Path(tempfile.mkdtemp(prefix="ictgis-good-")) / "outputs"
        shutil.copytree(root / "outputs", cached)
        _GOOD_RUNS[key] = cached
    else:
        shutil.rmtree(root / "outputs", ignore_errors=True)
        shutil.copytree(cached, root / "outputs")


def check_case(case: Case, root: Path) -> None:
    """Run ``case`` on a workspace with good previous outputs, in Vietnamese and English."""
    good_outputs(root, case.good_command or case.command)
    before = snapshot(root / "outputs")
    case.breaker(root)
    for lang in ("vi", "en"):
        result = invoke(root, *case.command, lang=lang)
        assert result.exit_code == case.exit_code, (lang, result.output, result.exception)
        assert "Traceback" not in result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{lang}: {result.exception!r}")
        text = result.stderr if case.exit_code else result.output
        if case.message_id is not None:
            assert message_text(case.message_id, lang) in text, (lang, text)
        for name in case.names:
            assert name in text, (lang, name, text)
        if case.exit_code:
            assert snapshot(root / "outputs") == before, lang
            if lang == "en":  # exactly one line says what is wrong
                lines = [line for line in result.stderr.splitlines() if line.strip()]
                assert len(lines) == 1 or lines[0].startswith(("Error", "Usage")), lines
        assert debris(root) == [], (lang, debris(root))


@pytest.fixture
def good_workspace(make_workspace) -> Path:
    """The toy workspace of tests/conftest.py (three communes, five posts, four masts)."""
    return make_workspace()


@pytest.fixture(autouse=True)
def _no_kill_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICTGIS_KILL_AT", raising=False)
    assert "ICTGIS_KILL_AT" not in os.environ
