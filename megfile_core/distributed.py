"""Sync and copy on a Dask cluster: an executor for ``smart_sync(..., executor=...)``
and ``smart_copy_many``.

    from megfile_core.distributed import dask_executor
    with dask_executor("tcp://10.0.0.5:8786") as executor:     # or "local:4"
        smart_sync("s3://bucket/data/", "/mnt/data/", executor=executor)

The listing and the comparison run in this process; batches of ``(source, target)``
URLs go to the workers (:mod:`megfile_core.sync_batches`), each worker copies with
its own connections, and only counts come back: file bytes never pass through the
scheduler. A worker that dies mid-way has its batches run again elsewhere (a copy
writes its whole target again, so that is safe).

The workers open the files themselves, so they need what this process would need:
the plugins installed (``megfile-s3`` ...) and the same configuration, e.g. the
``AWS_*`` variables of an S3 endpoint and its credentials. The worker processes of a
``local:N`` cluster inherit this process's environment; on a remote cluster set the
variables where the workers start (e.g. in their service's environment), never in
a task. Needs the ``distributed`` package: ``pip install 'megfile-core[dask]'``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any, TypeVar

from megfile_core import config

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

__all__ = ["DaskExecutor", "dask_executor", "parse_local"]

T = TypeVar("T")

_INSTALL = "install it with: pip install 'megfile-core[dask]'"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise ModuleNotFoundError(
            f"a Dask scheduler needs the 'distributed' package; {_INSTALL}"
        ) from error
    return distributed


class DaskExecutor(Executor):
    """A :class:`concurrent.futures.Executor` running calls on a Dask cluster's
    workers (each call a task, never merged with an equal one). ``shutdown`` closes
    the client and the local cluster this executor started, not a client it was given."""

    def __init__(
        self,
        client: Client,
        cluster: LocalCluster | None = None,
        own_client: bool = False,
    ) -> None:
        # distributed has no type hints: its objects are held as Any
        handle: Any = client
        self.client: Any = handle
        self._cluster: Any = cluster
        self._own_client = own_client
        self._inner: Any = handle.get_executor(pure=False)

    @property
    def parallelism(self) -> int:
        """Threads over all the workers now (at least 1): the calls that run at once."""
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = self._inner.submit(fn, *args, **kwargs)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait)
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def parse_local(scheduler: str) -> int | None:
    """Workers of ``local:N`` (``None`` for any other scheduler address)."""
    if not scheduler.startswith("local:"):
        return None
    count = scheduler.partition(":")[2]
    if not count.isdigit() or int(count) < 1:
        raise ValueError(
            f"bad scheduler {scheduler!r}: write local:N with N worker processes, e.g. local:4"
        )
    return int(count)


def dask_executor(
    scheduler: str | Client,
    *,
    threads_per_worker: int | None = None,
    connect_timeout: float = 10.0,
) -> DaskExecutor:
    """An executor on a Dask cluster; use it in a ``with`` block (or call
    ``shutdown()``) so what it started is stopped.

    :param scheduler: a ``distributed.Client``; a scheduler address
        (``tcp://HOST:PORT``); or ``local:N`` to start a cluster of N worker
        processes on this machine (loopback only, no dashboard), stopped on shutdown.
    :param threads_per_worker: copies each worker of a ``local:N`` cluster runs at
        once (default ``MEGFILE_MAX_WORKERS``, 8).
    :param connect_timeout: seconds to reach a ``tcp://`` scheduler.
    :raises ValueError: a malformed ``local:N``.
    :raises OSError: the scheduler could not be reached.
    """
    distributed = _distributed()
    if not isinstance(scheduler, str):
        return DaskExecutor(scheduler)
    workers = parse_local(scheduler)
    if workers is not None:
        cluster = distributed.LocalCluster(
            n_workers=workers,
            processes=True,
            threads_per_worker=threads_per_worker or config.max_workers(),
            host="127.0.0.1",
            dashboard_address=None,
        )
        try:
            client = distributed.Client(cluster)
        except BaseException:
            cluster.close()
            raise
        return DaskExecutor(client, cluster, own_client=True)
    try:
        client = distributed.Client(scheduler, timeout=f"{connect_timeout}s")
    except OSError as error:
        raise OSError(
            f"could not reach the Dask scheduler at {scheduler!r} ({error}); check the "
            "address (tcp://HOST:PORT) and that the scheduler is running"
        ) from error
    return DaskExecutor(client, own_client=True)
