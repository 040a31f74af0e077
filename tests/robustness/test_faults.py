"""Process faults: SIGKILL at every commit point and at random moments, a full disk that reaches
GDAL's C writers, a read-only outputs folder, two runs at once. Each in a real subprocess.

After every fault ``outputs/`` is the complete previous set or the complete new one, and the
next normal run succeeds and leaves no debris.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness.conftest import debris, snapshot

ICTGIS = shutil.which("ictgis") or str(Path(sys.executable).with_name("ictgis"))
#: The steps the swap tests run: the swap does not depend on which steps ran (statistics only).
QUICK = tuple(arg for step in ("siting", "coverage", "priorities", "maps", "qgis", "report")
              for arg in ("--skip", step))


def run(root: Path, *args: str, env: dict[str, str] | None = None, limit: int | None = None,
        user: int | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``ictgis run -w ROOT ARGS`` in a subprocess (optionally with a file-size limit or as
    another user)."""

    def prepare() -> None:
        if limit is not None:  # a full disk for every writer, GDAL's C code included
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        if user is not None:
            os.setgid(user)
            os.setuid(user)

    return subprocess.run([ICTGIS, "run", "-w", str(root), "--lang", "en", "-q", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, preexec_fn=prepare, check=False)


def csvs(files: dict[str, bytes]) -> dict[str, bytes]:
    """The CSV tables of a snapshot (deterministic: equal between two runs of the same data)."""
    return {k: v for k, v in files.items() if k.endswith(".csv")}


def assert_complete(root: Path, reference: dict[str, bytes]) -> None:
    """``outputs/`` holds a complete set: the reference's files, its tables, a true manifest."""
    now = snapshot(root / "outputs")
    assert set(now) == set(reference)
    assert csvs(now) == csvs(reference)
    manifest = json.loads(now["manifest.json"])
    assert sorted(manifest["outputs"]) == sorted(k for k in now if k != "manifest.json"
                                                 and not k.startswith("."))


@pytest.fixture(scope="module")
def _runs(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """Toy workspaces after one run, quick (statistics) and full (every step), made once."""
    return {}


@pytest.fixture
def done(make_workspace, request: pytest.FixtureRequest, _runs: dict[bool, Path],
         tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A copy of a toy workspace after one run (every step with ``full``), and its outputs."""
    full = "full" in request.keywords
    if full not in _runs:
        root = make_workspace()
        first = run(root, *(() if full else QUICK))
        assert first.returncode == 0, first.stderr
        _runs[full] = root
    root = shutil.copytree(_runs[full], tmp_path / f"copy-{request.node.name}"[:80])
    return root, snapshot(root / "outputs")


@pytest.mark.parametrize(("point", "fallback", "after"), [
    ("staged", False, "previous"),          # the new set is complete, not yet swapped in
    ("exchanged", False, "new"),            # swapped in; the previous set not yet removed
    ("staged", True, "previous"),
    ("half_renamed", True, "none"),         # two renames, killed between them (no exchange)
])
def test_sigkill_at_each_commit_point_of_the_swap(done, point: str, fallback: bool,
                                                  after: str) -> None:
    root, before = done
    env = {"ICTGIS_KILL_AT": f"{point}:outputs"}
    if fallback:  # a file system or platform without an atomic exchange: two renames
        code = ("import sys; from ictgis.io import atomic; atomic._swap = lambda a, b: False; "
                "from ictgis.cli.main import main; sys.exit(main())")
        killed = subprocess.run([sys.executable, "-c", code, "run", "-w", str(root), "-q", *QUICK],
                                capture_output=True, text=True, env={**os.environ, **env},
                                timeout=300, check=False)
    else:
        killed = run(root, *QUICK, env=env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if after == "previous":
        assert snapshot(root / "outputs") == before
    elif after == "new":
        assert_complete(root, before)
    else:
        assert not (root / "outputs").exists()  # the instant the two renames leave open
    again = run(root, *QUICK)
    assert again.returncode == 0, again.stderr
    assert_complete(root, before)
    assert debris(root) == []


def test_sigkill_at_random_moments_of_a_run(done) -> None:
    root, before = done
    started = time.perf_counter()
    assert run(root, *QUICK).returncode == 0
    duration = time.perf_counter() - started
    moments = random.Random(2018).sample(range(1, 100), 5)
    for percent in sorted(moments):
        process = subprocess.Popen([ICTGIS, "run", "-w", str(root), "-q", *QUICK],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(duration * percent / 100)
        process.kill()
        process.wait(timeout=60)
        now = snapshot(root / "outputs")
        if now != before:  # not the previous set: then the complete new one
            assert_complete(root, before)
        again = run(root, *QUICK)
        assert again.returncode == 0, (percent, again.stderr)
        assert_complete(root, before)
        assert debris(root) == [], percent


@pytest.mark.full
@pytest.mark.parametrize("writer", [".xlsx", ".gpkg", ".tif"])
def test_full_disk_reaching_the_c_writers(done, writer: str) -> None:
    # a file-size limit just under the largest file of one kind hits that writer: the XLSX
    # writer (lxml), the GeoPackage writer (GDAL, SQLite), the GeoTIFF writer (GDAL, libtiff);
    # each was a traceback, a segfault or a silently truncated file
    root, before = done
    largest = max(len(data) for name, data in before.items() if name.endswith(writer))
    failed = run(root, limit=largest - 1)
    assert failed.returncode == 1, (failed.returncode, failed.stderr)
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), failed.stderr
    assert "/outputs/" in lines[0] and ".tmp-" not in lines[0]  # the file as the user finds it
    assert "file too large" in lines[0] and "previous outputs are kept" in lines[0]
    assert snapshot(root / "outputs") == before
    assert debris(root) == []


@contextlib.contextmanager
def tmpfs(folder: Path, size: str, why: str) -> Iterator[Path]:
    """A small tmpfs mounted on ``folder`` for the block (skips, saying why, where mount is refused)."""
    folder.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({made.stderr.strip()}); {why}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_full_disk_on_a_small_tmpfs(make_workspace, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "600k",
               "test_full_disk_reaching_the_c_writers covers the same writers") as mount:
        root = make_workspace()
        out = mount / "outputs"
        failed = run(root, "--out", str(out))
        assert failed.returncode == 1, failed.stderr
        assert "no space left on the disk" in failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1
        assert not out.exists() and [p.name for p in mount.iterdir()] == []


def test_read_only_outputs_folder(make_workspace, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "readonly", "20m",
               "as root, permissions cannot make a folder read-only") as mount:
        root = make_workspace()
        out = mount / "outputs"
        assert run(root, "--out", str(out), *QUICK).returncode == 0
        before = snapshot(out)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        failed = run(root, "--out", str(out), *QUICK)
        assert failed.returncode == 1, failed.stderr
        line = failed.stderr.strip()
        assert "\n" not in line and "read-only" in line and str(mount) in line
        assert snapshot(out) == before


def test_two_runs_at_once_never_interleave(done) -> None:
    root, before = done
    # the first runs every step, so that it still holds the lock when the second starts
    first = subprocess.Popen([ICTGIS, "run", "-w", str(root), "--lang", "en", "-q"],
                             stderr=subprocess.PIPE, text=True)
    lock = root / ".outputs.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    second = run(root, *QUICK)
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    assert second.returncode == 1
    assert "another ictgis run (process" in second.stderr
    assert f"process {first.pid})" in second.stderr
    now = snapshot(root / "outputs")  # the first run's complete set (it ran more steps)
    assert csvs(now).items() >= csvs(before).items()
    manifest = json.loads(now["manifest.json"])
    assert sorted(manifest["outputs"]) == sorted(k for k in now if k != "manifest.json"
                                                 and not k.startswith("."))
    assert debris(root) == []


def test_a_dead_runs_debris_is_removed_and_a_missing_set_restored(done) -> None:
    root, before = done
    stale = root / ".outputs.tmp-99999999-deadbeef"
    shutil.copytree(root / "outputs", stale)
    (root / "outputs").rename(root / ".outputs.old-99999999-0badcafe")
    assert run(root, *QUICK).returncode == 0  # restores, then runs
    assert not stale.exists() and debris(root) == []
    assert set(snapshot(root / "outputs")) == set(before)
