"""Fixtures of the QGIS tests: the demo run's outputs with the ``qgis`` step applied."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ictgis import outputs, pipeline
from ictgis.steps import StepContext

#: QGIS as Debian installs it (``apt-get install qgis``); its ``qgis_process`` wrapper is broken.
QGIS_PROCESS = Path("/usr/bin/qgis_process.bin")
SYSTEM_PYTHON = Path("/usr/bin/python3")


def needs_qgis() -> pytest.MarkDecorator:
    """Skip when QGIS is not installed, except in CI (where a missing QGIS is a failure)."""
    return pytest.mark.skipif(
        not QGIS_PROCESS.exists() and not os.environ.get("CI"),
        reason=f"{QGIS_PROCESS} absent (apt-get install qgis; .ci/run installs it)")


def qgis_step(workspace: Path, out: Path, lang: str = "vi") -> Path:
    """Run the ``qgis`` step on an outputs folder (whether or not the pipeline registers it)."""
    from ictgis.steps import qgis

    ws = pipeline.load(workspace)
    ctx = StepContext(outputs.Outputs(out), lang=lang)
    qgis.write(qgis.compute(ws, ctx), ctx)
    return out


@pytest.fixture(scope="session")
def qgis_outputs(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo run's outputs (Vietnamese, with coverage) after the ``qgis`` step."""
    out = tmp_path_factory.mktemp("qgis") / "outputs"
    shutil.copytree(demo_run / "outputs", out)
    return qgis_step(demo_run, out)
