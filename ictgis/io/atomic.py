"""The one atomic write mechanism: write beside the target, swap it in only on success."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path, *, folder: bool = False) -> Iterator[Path]:
    """Write a file (or a folder) atomically.

    Yields a temporary path beside ``target`` (same folder, same suffix, hidden name) for the
    caller to write to. When the block ends without error a file is fsync'ed and replaces
    ``target`` (:func:`os.replace`); a folder replaces ``target`` as a whole. On error the
    temporary is removed and ``target`` is left as it was.

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
    try:
        yield tmp
        if folder:
            _replace_folder(tmp, target)
        else:
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def _replace_folder(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` (which may not exist)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


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

    Yields a temporary folder beside ``target`` that starts as a copy of it (hard links, so
    it costs no space and earlier results stay readable); when the block ends without error
    the copy replaces ``target``. On error the copy is removed and ``target`` is untouched.
    """
    target = Path(target)
    with staged_dir(target) as tmp:
        if target.is_dir():
            shutil.copytree(target, tmp, dirs_exist_ok=True, copy_function=_link_or_copy,
                            ignore=shutil.ignore_patterns(".*.tmp-*", ".*.old-*"))
        yield tmp


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
