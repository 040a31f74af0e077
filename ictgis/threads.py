"""Work started on a thread of its own, in the caller's context (the language of messages)."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import shapely

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


#: A spatial-index query with this many geometries on either side (queried, or in the tree)
#: is split in two halves, the second on a thread of its own (:func:`query_in_halves`).
#: Measured: 100,000 masts in 3,321 communes 70 -> 45 ms; 100,000 masts against 20,000
#: zones 130 -> 75 ms.
SPLIT_QUERY = 20_000

#: An element-wise GEOS function of geometries with this many vertices in all is split in two
#: halves, the second on a thread of its own (:func:`map_in_halves`). Measured: ``is_valid``
#: of 10,035 communes (1.2 million vertices) 63 -> 33 ms.
SPLIT_VERTICES = 100_000


def query_in_halves(tree: shapely.STRtree, geometries: np.ndarray, *, predicate: str
                    ) -> np.ndarray:
    """``tree.query(geometries, predicate=predicate)``, on two threads when it is large.

    GEOS answers a query without the GIL: from :data:`SPLIT_QUERY` geometries in the tree or
    queried, the second half of ``geometries`` is queried on a thread of its own. The pairs
    are the same, in the same order (by queried geometry), as from one query.
    """
    geometries = np.asarray(geometries, dtype=object)
    large = max(len(tree), len(geometries)) >= SPLIT_QUERY
    first, second, half = _in_halves(functools.partial(tree.query, predicate=predicate),
                                     geometries, large=large)
    if second is None:
        return first
    second[0] += half
    return np.concatenate([first, second], axis=1)


def map_in_halves(fn: Callable[[np.ndarray], np.ndarray], geometries: np.ndarray
                  ) -> np.ndarray:
    """``fn(geometries)`` for an element-wise GEOS function, on two threads when it is large.

    GEOS works without the GIL: from :data:`SPLIT_VERTICES` vertices in all, ``fn`` of the
    second half of ``geometries`` runs on a thread of its own. The result is the same as
    from one call.
    """
    geometries = np.asarray(geometries, dtype=object)
    large = int(shapely.get_num_coordinates(geometries).sum()) >= SPLIT_VERTICES
    first, second, _ = _in_halves(fn, geometries, large=large)
    return first if second is None else np.concatenate([first, second])


def _in_halves(fn: Callable[[np.ndarray], T], geometries: np.ndarray, *, large: bool
               ) -> tuple[T, T | None, int]:
    """``fn`` of the first half here and of the second on a thread (when ``large``), else of all.

    Returns the two results (the second None when there is no second half) and where the
    second half starts.
    """
    half = len(geometries) // 2 if large and len(geometries) > 1 else len(geometries)
    other = in_background(fn, geometries[half:]) if half < len(geometries) else None
    first = fn(geometries[:half])
    return first, None if other is None else other.result(), half
