"""The outputs and the Processing provider in a real QGIS (Debian's ``qgis`` package).

They skip when ``/usr/bin/qgis_process.bin`` is absent, unless CI is set (``.ci/run`` installs
QGIS): then a missing QGIS is a failure. PyQGIS runs in ``/usr/bin/python3`` subprocesses:
QGIS's GDAL and GEOS must not meet the wheels' in one process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyogrio
from PIL import Image

from tests.qgis.conftest import QGIS_PROCESS, SYSTEM_PYTHON, needs_qgis

pytestmark = needs_qgis()

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PLUGINS = REPO / "qgis_plugin"


def qgis_env(home: Path) -> dict[str, str]:
    """Headless QGIS with a fresh profile, the plugin folder, and this ictgis as the CLI.

    The virtual environment is left out: QGIS's embedded Python would take its interpreter's
    standard library.
    """
    runtime = home / "runtime"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    cli = shutil.which("ictgis")
    assert cli, "the ictgis command of this environment"
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return {**env, "PATH": "/usr/local/bin:/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
            "QGIS_PLUGINPATH": str(PLUGINS), "ICTGIS_CLI": cli}


def test_project_opens_valid_after_moving_and_renders(qgis_outputs: Path, tmp_path: Path
                                                      ) -> None:
    moved = tmp_path / "elsewhere" / "ictgis outputs"
    shutil.copytree(qgis_outputs, moved)
    png = tmp_path / "project.png"
    done = subprocess.run([str(SYSTEM_PYTHON), str(HERE / "pyqgis_open.py"),
                           str(moved / "ictgis.qgz"), str(png), "500", "280"],
                          capture_output=True, text=True, env=qgis_env(tmp_path / "home"),
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["read"] and found["crs"] == "EPSG:9210" and found["rendered"]
    layers = found["layers"]
    assert len(layers) >= 20
    for layer in layers:
        assert layer["valid"], layer
        assert layer["crs"] == "EPSG:9210", layer
        assert layer["source"].startswith(str(moved)), layer
        if layer["count"] is not None:
            path, name = layer["source"].split("|layername=")
            assert layer["count"] == pyogrio.read_info(path, layer=name)["features"], layer
    renderers = {layer["source"].removeprefix(str(moved)): layer["renderer"] for layer in layers}
    assert renderers["/stats/stats.gpkg|layername=communes"] == "graduatedSymbol"
    assert renderers["/qgis/layers.gpkg|layername=bts"] == "categorizedSymbol"
    assert renderers["/coverage/class_any_4g.tif"] == "paletted"
    assert renderers["/coverage/level_any_4g.tif"] == "singlebandpseudocolor"
    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 20


def run_processing(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = qgis_env(home)
    enabled = subprocess.run([str(QGIS_PROCESS), "plugins", "enable", "ictgis_processing"],
                             capture_output=True, text=True, env=env, timeout=120, check=False)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    return subprocess.run([str(QGIS_PROCESS), "--json", "run", *args], capture_output=True,
                          text=True, env=env, timeout=180, check=False)


def test_processing_run_writes_the_outputs(make_workspace, tmp_path: Path) -> None:
    workspace = make_workspace()
    out = tmp_path / "out"
    done = run_processing(["ictgis:run", "--", f"WORKSPACE={workspace / 'ictgis.toml'}",
                           f"OUTPUT={out}", "LANGUAGE=1", "SKIP=2,3,5"], tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout)["results"]
    assert results["OUTPUT"] == str(out)
    assert f"{out}/stats/stats.gpkg|layername=communes" in results["LAYERS"]
    assert all(Path(uri.split("|")[0]).is_file() for uri in results["LAYERS"])
    assert (out / "stats" / "stats.gpkg").is_file() and not (out / "coverage").exists()


def test_processing_error_is_ictgis_message(tmp_path: Path) -> None:
    workspace = tmp_path / "broken"
    workspace.mkdir()
    (workspace / "ictgis.toml").write_text("province = 3\n", encoding="utf-8")
    done = run_processing(["ictgis:stats", "--", f"WORKSPACE={workspace / 'ictgis.toml'}",
                           f"OUTPUT={tmp_path / 'out'}", "LANGUAGE=1"], tmp_path / "home")
    assert done.returncode == 1
    assert "ictgis.toml: province must be a table, got “3”" in done.stderr
    assert not (tmp_path / "out" / "stats").exists()
