"""The one atomic write mechanism: write beside the target, swap it in only on success.

Files are written to a hidden temporary beside the target, fsync'ed and :func:`os.replace`'d.
Folders (a step's folder, the whole outputs folder) are built beside the target and then
*exchanged* with it:

- on Linux with ``renameat2(RENAME_EXCHANGE)`` and on macOS with ``renamex_np(RENAME_SWAP)``:
  one system call swaps the two names, so at every instant the target is the complete previous
  folder or the complete new one, whatever kills the process;
- elsewhere (Windows, or a file system that refuses the exchange) with two renames — the
  previous folder to ``.<name>.old-<pid>``, the new one into place. A crash between them leaves
  no target for an instant; the next :func:`staged_copy` of that target puts the previous folder
  back (:func:`recover`). On Windows a file held open by another program (QGIS, Excel) makes the
  rename fail: the previous outputs stay, and the error says which file is held.

:func:`staged_copy` also holds a lock (``.<name>.lock`` beside the target, an OS file lock that
dies with its process) so that two runs never interleave, and removes the debris a killed run
left: every ``.<name>.tmp-*`` and ``.<name>.old-*`` beside the target is dead while the lock is
held.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ictgis.errors import OutputsBusyError

#: Test hook: ``ICTGIS_KILL_AT=<point>:<folder name>`` makes the process SIGKILL itself at that
#: point of the swap of that folder (``staged``, ``exchanged``, ``half_renamed``), so that tests
#: can prove a kill leaves a complete outputs folder. Never set in normal use.
KILL_ENV = "ICTGIS_KILL_AT"


_STAGING = re.compile(r"\.([^/\\]+?)\.tmp-\d+-[0-9a-f]{8}(?=[/\\]|$)")


def public_path(path: object) -> str:
    """A path inside staging folders as the user will find it: ``outputs/stats/stats.xlsx``."""
    return _STAGING.sub(r"\1", str(path))


def fault_point(name: str, target: Path) -> None:
    """Kill this process with SIGKILL when :data:`KILL_ENV` names this point (tests only)."""
    if os.environ.get(KILL_ENV) == f"{name}:{target.name}" and hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def atomic_path(target: Path, *, folder: bool = False) -> Iterator[Path]:
    """Write a file (or a folder) atomically.

    Yields a temporary path beside ``target`` (same folder, same suffix, hidden name) for the
    caller to write to. When the block ends without error a file is fsync'ed and replaces
    ``target`` (:func:`os.replace`); a folder is exchanged with ``target``
    (:func:`exchange`). On error the temporary is removed and ``target`` is left as it was.

    Parameters
    ----------
    target
        The file or folder to write; its parent folder is created if needed.
    folder
        Yield a new empty folder instead of a path where a file is to be written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stem, suffix = (target.name, "") if folder else (target.stem, target.suffix)
    tmp = target.with_name(f".{stem}.tmp-{os.getpid()}-{os.urandom(4).hex()}{suffix}")
    if folder:
        tmp.mkdir()
        _share(tmp)
    try:
        yield tmp
        if folder:
            exchange(tmp, target)
        else:
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
    except BaseException as exc:
        system = as_os_error(exc, target) or _out_of_space(tmp, target)
        _remove(tmp)
        if system is not None and system is not exc:
            raise system from exc
        raise


#: How the libraries that write for us (GDAL, lxml, zipfile) say that the disk is full.
_SPACE_ERRORS = (("ENOSPC", ("ENOSPC", "No space left")),
                 ("EFBIG", ("EFBIG", "File too large", "file size limit")),
                 ("EDQUOT", ("EDQUOT", "Disk quota")))


def _out_of_space(tmp: Path, target: Path) -> OSError | None:
    """The cause of a failed write that said nothing of it: a full disk or the file-size limit.

    Some writers report only a consequence (SQLite: "no such table: gpkg_contents" after its
    first page could not be written). When the file being written reached the process's file
    size limit, or the disk has less than a megabyte left, that was the cause.
    """
    import errno

    try:
        size = max([p.stat().st_size for p in ([tmp] if tmp.is_file() else tmp.rglob("*"))
                    if p.is_file()] + [0])
        free = shutil.disk_usage(tmp.parent).free
    except OSError:
        return None
    if free < 1 << 20:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, ValueError, OSError):
        return None
    # writers fail when their next block would cross the limit: up to a block short of it
    if limit != resource.RLIM_INFINITY and size >= limit - min(limit // 2, 1 << 20):
        return OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(target))
    return None


def as_os_error(exc: BaseException, path: Path) -> OSError | None:
    """A library's write error as an :class:`OSError` with an errno and the file it concerns.

    GDAL (through rasterio or pyogrio) and lxml (through openpyxl) report a full disk in words
    of their own, with no errno or file name; this finds the cause in their text. Returns
    ``exc`` itself when it already says both, and None for an error that is not a system one.
    """
    import errno

    if isinstance(exc, OSError) and exc.errno and exc.filename:
        return exc
    text = str(exc)
    for name, words in _SPACE_ERRORS:
        if any(word.lower() in text.lower() for word in words):
            code = getattr(errno, name)
            return OSError(code, os.strerror(code), str(path))
    if isinstance(exc, OSError):
        return OSError(exc.errno or 0, exc.strerror or " ".join(text.split())[:300], str(path))
    return None


def staged_dir(target: Path) -> contextlib.AbstractContextManager[Path]:
    """Write a folder of outputs atomically.

    Yields a temporary folder beside ``target``; when the block ends without error it replaces
    ``target`` as a whole. On error the temporary folder is removed and ``target`` is left as
    it was.
    """
    return atomic_path(target, folder=True)


@contextlib.contextmanager
def staged_copy(target: Path) -> Iterator[Path]:
    """Update a folder as a whole: work in a copy, swap it in only when everything succeeded.

    Takes the folder's lock (:func:`lock`), puts back a previous set that a crash left aside and
    removes dead staging folders (:func:`recover`), then yields a temporary folder beside
    ``target`` that starts as a copy of it (hard links, so it costs no space and earlier
    results stay readable). When the block ends without error the copy is exchanged with
    ``target``; on error it is removed and ``target`` is untouched.

    Raises
    ------
    OutputsBusyError
        When another process holds the lock.
    """
    target = Path(target)
    with lock(target):
        recover(target)
        with staged_dir(target) as tmp:
            if target.is_dir():
                shutil.copytree(target, tmp, dirs_exist_ok=True, copy_function=_link_or_copy,
                                ignore=shutil.ignore_patterns(".*.tmp-*", ".*.old-*"))
            yield tmp
            fault_point("staged", target)


# ------------------------------------------------------------------------------- exchange


def exchange(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` (which may not exist), then delete the old.

    One atomic system call where the platform has one (see the module's docstring), else two
    renames that :func:`recover` can undo.
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        new.rename(target)
        return
    if _swap(new, target):
        fault_point("exchanged", target)
        _remove(new)  # now holds the previous folder
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{os.urandom(4).hex()}")
    target.rename(old)
    fault_point("half_renamed", target)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    _remove(old)


def _swap(a: Path, b: Path) -> bool:
    """Exchange two paths in one system call; False where the platform or file system cannot."""
    libc = _libc()
    if libc is None:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        done = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b),
                              rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_swap = 2
        done = libc.renamex_np(os.fsencode(a), os.fsencode(b), rename_swap)
    else:
        return False
    if done == 0:
        return True
    err = ctypes.get_errno()
    if err in (_errno("EINVAL"), _errno("ENOSYS"), _errno("ENOTSUP"), _errno("EOPNOTSUPP")):
        return False  # the file system cannot exchange: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _errno(name: str) -> int:
    import errno

    return int(getattr(errno, name, -1))


_LIBC: list[ctypes.CDLL | None] = []


def _libc() -> ctypes.CDLL | None:
    if not _LIBC:
        name = ctypes.util.find_library("c") if os.name == "posix" else None
        try:
            _LIBC.append(ctypes.CDLL(name, use_errno=True) if name else None)
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]


# ---------------------------------------------------------------------------- lock, debris


@contextlib.contextmanager
def lock(target: Path) -> Iterator[Path]:
    """Hold the lock of a folder's writers: ``.<name>.lock`` beside it, with the holder's PID.

    The lock is an operating-system file lock (``flock`` on POSIX, ``msvcrt.locking`` on
    Windows): it is released when the process ends, however it ends, so a killed run never
    leaves a stale lock. The file is removed on release (where the system allows it); a
    process that locked a file removed meanwhile tries again on the new one.

    Raises
    ------
    OutputsBusyError
        When another process holds it (the message names that process).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.with_name(f".{target.name}.lock")
    while True:
        handle = path.open("a+")
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise OutputsBusyError(target, holder)
        try:
            same = os.fstat(handle.fileno()).st_ino == path.stat().st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # the holder before us removed this file: lock the new one
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        handle.close()  # closing releases the lock


def _try_lock(handle: IO[str]) -> bool:
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def recover(target: Path) -> list[Path]:
    """Clean up after a killed run; call it only while holding :func:`lock`.

    Puts the previous folder back when a crash between two renames left no ``target``, and
    removes every other staging folder of ``target`` (``.<name>.tmp-*``, ``.<name>.old-*``):
    with the lock held, no live process is writing them.

    Returns
    -------
    list of pathlib.Path
        The debris removed.
    """
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return []
    old = sorted(parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and old:
        old.pop().rename(target)
    debris = [*old, *parent.glob(f".{target.name}.tmp-*")]
    for path in debris:
        _remove(path)
    return debris


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _share(folder: Path) -> None:
    """Give a new folder the permissions of any folder (mkdir honours the umask already)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
