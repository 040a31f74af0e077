"""Where coverage tiles run: local threads, or the workers of a dask.distributed cluster.

:func:`executor` gives an object with ``submit(fn, *args, **kwargs)`` (futures with
``result()``) and ``workers`` (tasks at once). On a cluster each task is pickled whole and
sent to a worker process: a :class:`~ictgis.coverage.compute.TileTask` holds everything a
tile needs, the workers share nothing with the client, and write nothing; the client takes
the results in tile order and writes the outputs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ictgis.errors import DataError
from ictgis.i18n import t

#: Seconds to wait for a scheduler before saying it cannot be reached.
CONNECT_TIMEOUT_S = 10


class _Threads:
    """Local threads (one: run in the caller's thread, in order)."""

    def __init__(self, threads: int) -> None:
        self.workers = max(int(threads), 1)
        self._pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if self._pool is not None:
            return self._pool.submit(fn, *args, **kwargs)
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # raised again by result(), as a pool's future would
            done.set_exception(exc)
        return done

    def share(self, value: Any) -> Any:
        return value  # threads share memory

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class _Cluster:
    """The workers of a dask.distributed scheduler."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.workers = max(sum(client.nthreads().values()), 1)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return self._client.submit(fn, *args, pure=False, **kwargs)

    def share(self, value: Any) -> Any:
        return self._client.scatter(value, broadcast=True, hash=False)  # once per worker


@contextlib.contextmanager
def executor(scheduler: str | None, threads: int) -> Iterator[Any]:
    """Local threads (``scheduler`` None) or a connection to a dask.distributed scheduler.

    Raises
    ------
    DataError
        When ``distributed`` is not installed, or the scheduler cannot be reached.
    """
    if not scheduler:
        pool = _Threads(threads)
        try:
            yield pool
        finally:
            pool.close()
        return
    try:
        from distributed import Client
    except ImportError:
        raise DataError(t("coverage.error.no_distributed", scheduler=scheduler)) from None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError):  # refused, unknown host, no answer, bad address
        msg = t("coverage.error.scheduler", scheduler=scheduler, seconds=CONNECT_TIMEOUT_S)
        raise DataError(msg) from None
    try:
        if not client.nthreads():
            msg = t("coverage.error.no_workers", scheduler=scheduler)
            raise DataError(msg)
        yield _Cluster(client)
    finally:
        client.close()
