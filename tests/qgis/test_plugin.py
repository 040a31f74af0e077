"""The Processing plugin's process runner and its zip, without QGIS."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load(REPO / "qgis_plugin" / "ictgis_processing" / "cli.py", "ictgis_plugin_cli")


def test_error_message_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.error_message("Error: ictgis.toml: bad") == "ictgis.toml: bad"
    assert cli.error_message("Lỗi: ictgis.toml: sai") == "ictgis.toml: sai"
    env = cli.child_environment({"PYTHONPATH": "/usr/share/qgis/python", "GDAL_DATA": "x",
                                 "PATH": "/bin"})
    assert env["PATH"] == "/bin" and "PYTHONPATH" not in env and "GDAL_DATA" not in env
    monkeypatch.setenv(cli.ENV_CLI, sys.executable)
    assert cli.find_cli() == sys.executable
    monkeypatch.setenv(cli.ENV_CLI, "/nowhere/ictgis")
    with pytest.raises(cli.CliNotFoundError):
        cli.find_cli()


def test_run_streams_lines_and_keeps_the_last_error() -> None:
    seen = []
    code = "import sys; print('one'); print('two'); print('Error: broken', file=sys.stderr); sys.exit(1)"
    status, last, canceled = cli.run([sys.executable, "-c", code],
                                     on_line=lambda text, err: seen.append((text, err)),
                                     is_canceled=lambda: False)
    assert (status, last, canceled) == (1, "Error: broken", False)
    assert ("one", False) in seen and ("two", False) in seen
    assert ("Error: broken", True) not in seen  # raised by the caller: not shown twice


@pytest.mark.parametrize(("stderr", "status", "shown"), [
    (["warning: a", "Error: first", "Error: last"], 1, ["warning: a", "Error: first"]),
    (["Error: only"], 0, ["Error: only"]),  # a run that succeeds hides nothing
    (["Lỗi: hỏng", "note"], 1, ["Lỗi: hỏng", "note"]),
])
def test_run_holds_back_only_the_error_that_ends_a_failed_run(stderr, status, shown) -> None:
    seen = []
    code = (f"import sys; [print(line, file=sys.stderr) for line in {stderr!r}]; "
            f"sys.exit({status})")
    got, last, _ = cli.run([sys.executable, "-c", code], on_line=lambda text, err: seen.append(
        (text, err)), is_canceled=lambda: False)
    assert got == status and last == stderr[-1]
    assert seen == [(line, True) for line in shown]


def test_run_stops_when_canceled() -> None:
    status, _, canceled = cli.run([sys.executable, "-c", "import time; time.sleep(60)"],
                                  on_line=lambda *_: None, is_canceled=lambda: True)
    assert canceled and status != 0


def test_build_zips_the_plugin(tmp_path: Path) -> None:
    build = load(REPO / "scripts" / "build_qgis_plugin.py", "build_qgis_plugin")
    target = build.build(tmp_path)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert "ictgis_processing/metadata.txt" in names
        assert "ictgis_processing/__init__.py" in names
        assert not any("__pycache__" in n for n in names)
        assert "hasProcessingProvider=yes" in archive.read("ictgis_processing/metadata.txt").decode()
