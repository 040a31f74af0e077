"""Work started on a thread of its own, in the caller's context (the language of messages)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def in_background(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """Start ``fn(*args, **kwargs)`` on a thread of its own, in the caller's context.

    The context carries the language of the messages (:func:`ictgis.i18n.language`). Worth
    it for work that spends its time in GEOS or PROJ, which release the GIL; not for GDAL
    reads (pyogrio's handler that turns GDAL's errors into exceptions is set on the thread
    that imports pyogrio only). An exception is raised by ``result()``; a result never asked
    for is dropped.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ictgis")
    try:
        return pool.submit(contextvars.copy_context().run, fn, *args, **kwargs)
    finally:
        pool.shutdown(wait=False)
