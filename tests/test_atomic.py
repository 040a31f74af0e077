"""ictgis.io.atomic: exchange, the two-rename fallback and its recovery, the lock, file names."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from ictgis.errors import OutputsBusyError
from ictgis.io import atomic


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "a.csv").write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fallback", [False, True])
def test_exchange_puts_the_new_folder_in_place_and_removes_the_old(tmp_path, monkeypatch,
                                                                   fallback: bool) -> None:
    if fallback:
        monkeypatch.setattr(atomic, "_swap", lambda a, b: False)
    target = _folder(tmp_path / "outputs", "old")
    new = _folder(tmp_path / ".outputs.tmp-1-00000000", "new")
    atomic.exchange(new, target)
    assert (target / "a.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]


def test_the_exchange_is_one_system_call_on_linux(tmp_path) -> None:
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux's")
    a, b = _folder(tmp_path / "a", "A"), _folder(tmp_path / "b", "B")
    assert atomic._swap(a, b) is True
    assert (a / "a.csv").read_text(encoding="utf-8") == "B"
    assert (b / "a.csv").read_text(encoding="utf-8") == "A"


def test_a_failed_second_rename_puts_the_previous_folder_back(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(atomic, "_swap", lambda a, b: False)
    target = _folder(tmp_path / "outputs", "old")
    new = tmp_path / ".outputs.tmp-1-00000000"  # does not exist: the rename fails
    with pytest.raises(FileNotFoundError):
        atomic.exchange(new, target)
    assert (target / "a.csv").read_text(encoding="utf-8") == "old"


def test_recover_restores_a_missing_set_and_removes_debris(tmp_path) -> None:
    _folder(tmp_path / ".outputs.old-7-0badcafe", "previous")
    _folder(tmp_path / ".outputs.tmp-8-deadbeef", "half written")
    (tmp_path / ".outputs.tmp-9-feedf00d").write_text("x", encoding="utf-8")
    _folder(tmp_path / ".other.tmp-1-00000000", "not ours")
    removed = atomic.recover(tmp_path / "outputs")
    assert (tmp_path / "outputs" / "a.csv").read_text(encoding="utf-8") == "previous"
    assert len(removed) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-1-00000000", "outputs"]


def test_staged_copy_failure_leaves_the_folder_and_no_debris(tmp_path) -> None:
    target = _folder(tmp_path / "outputs", "old")
    with pytest.raises(RuntimeError), atomic.staged_copy(target) as stage:
        assert (stage / "a.csv").read_text(encoding="utf-8") == "old"  # linked copy
        (stage / "b.csv").write_text("new", encoding="utf-8")
        raise RuntimeError("a step failed")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]


def test_the_lock_refuses_a_second_writer_and_names_the_first(tmp_path) -> None:
    import os

    target = tmp_path / "outputs"
    with atomic.lock(target) as path:
        assert path.read_text(encoding="utf-8") == str(os.getpid())
        with pytest.raises(OutputsBusyError, match=f"process {os.getpid()}") as caught, \
                atomic.lock(target):
            pass
        assert caught.value.message_id == "errors.outputs_busy"
    assert not path.exists()  # released and removed
    with atomic.lock(target):  # free again
        pass


@pytest.mark.parametrize(("path", "shown"), [
    (".outputs.tmp-31618-d1dec107/.coverage.tmp-31618-03504fbd/level_any_2g.tif",
     "outputs/coverage/level_any_2g.tif"),
    ("/w/.outputs.tmp-1-abcdef12", "/w/outputs"),
    ("/w/outputs/stats/stats.xlsx", "/w/outputs/stats/stats.xlsx"),
])
def test_public_path(path: str, shown: str) -> None:
    assert atomic.public_path(path) == shown


@pytest.mark.parametrize(("error", "code"), [
    (RuntimeError("IO_EFBIG"), errno.EFBIG),                            # lxml
    (OSError("_tiffWriteProc: No space left on device"), errno.ENOSPC),  # GDAL
    (RuntimeError("Disk quota exceeded"), errno.EDQUOT),
])
def test_library_write_errors_become_os_errors_naming_the_file(error, code) -> None:
    converted = atomic.as_os_error(error, Path("x.tif"))
    assert converted is not None and converted.errno == code and converted.filename == "x.tif"
    assert atomic.as_os_error(ValueError("a bug"), Path("x.tif")) is None


def test_a_failed_file_write_leaves_no_temporary(tmp_path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="File too large"), atomic.atomic_path(target) as tmp:
        tmp.write_text("partial", encoding="utf-8")
        raise RuntimeError("IO_EFBIG")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
