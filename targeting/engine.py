"""Where the work runs: on this machine (the default) or on a Dask cluster.

An engine runs independent tasks and returns their results in input order, so what is merged
from them does not depend on which worker finished first:

``LocalEngine``  this process (a thread pool where asked); needs nothing beyond the core install.
``DaskEngine``   a ``distributed`` cluster: a scheduler address, or a ``LocalCluster`` of two worker
                 processes of one thread each. Needs ``pip install "targeting[distributed]"``.

The plan uses an engine for the per-commune subproblems of the decomposition
(:mod:`targeting.allocation.decompose`) and for scoring households in partitions
(:mod:`targeting.scoring.gains`). Dask is imported only when a ``DaskEngine`` is made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from .errors import ScenarioError

__all__ = ["ENGINES", "LocalEngine", "DaskEngine", "open_engine", "PARTITION_ROWS"]

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")

#: Households per scoring task: small enough for a worker of 2 GB, large enough that the
#: model's vectorised prediction dominates the task overhead.
PARTITION_ROWS = 50_000

#: Seconds to wait for a scheduler before giving up (the issue asks for an answer within 30 s).
CONNECT_TIMEOUT_S = 10


class LocalEngine:
    """Run tasks in this process; ``max_workers > 1`` runs them on a thread pool."""

    name = "local"
    distributed = False

    def map(self, fn: Callable, items: Sequence, *, shared: dict[str, Any] | None = None,
            max_workers: int = 1) -> list:
        """``[fn(item, **shared) for item in items]``, in input order."""
        shared = shared or {}
        if max_workers <= 1 or len(items) <= 1:
            return [fn(x, **shared) for x in items]
        with ThreadPoolExecutor(max_workers=max_workers) as ex:
            return list(ex.map(lambda x: fn(x, **shared), items))

    @property
    def parallelism(self) -> int:
        return 1

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DaskEngine:
    """Run tasks on a Dask cluster.

    Parameters
    ----------
    address : str, optional
        The scheduler, e.g. ``tcp://10.0.0.5:8786``. ``None`` starts a ``LocalCluster`` of
        ``n_workers`` processes with one thread each.
    timeout : float
        Seconds to wait for the scheduler; an unreachable one raises :class:`ScenarioError`.
    retries : int
        Times a task is run again when its worker is lost.

    Raises
    ------
    ScenarioError
        dask.distributed is not installed, or the scheduler cannot be reached in ``timeout``.
    """

    name = "dask"
    distributed = True

    def __init__(self, address: str | None = None, *, timeout: float = CONNECT_TIMEOUT_S,
                 n_workers: int = 2, retries: int = 2, memory_limit: str = "auto"):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError(
                '--engine dask needs dask.distributed: pip install "targeting[distributed]"'
            ) from None
        self.address = address
        self.retries = retries
        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, memory_limit=memory_limit)
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(address, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as e:
                raise ScenarioError(
                    f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                    f"({type(e).__name__}); check the address and that the scheduler is running"
                ) from None
        log.info("dask engine: %s with %d worker threads", self.client.scheduler.address,
                 self.parallelism)

    @property
    def parallelism(self) -> int:
        """Worker threads in the cluster now (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def map(self, fn: Callable, items: Sequence, *, shared: dict[str, Any] | None = None,
            max_workers: int = 1) -> list:
        """``[fn(item, **shared) for item in items]`` on the cluster, in input order.

        ``shared`` values (a model, a projects table) are sent to every worker once. Items
        travel with their tasks, so a task whose worker is lost is run again elsewhere (the
        scheduler's ``allowed-failures``, 3 by default) without depending on data that died
        with the worker; a task that raises is retried ``retries`` times.
        """
        if not items:
            return []
        shared_f = {k: self.client.scatter(v, broadcast=True, hash=False) for k, v in (shared or {}).items()}
        futures = self.client.map(fn, list(items), pure=False, retries=self.retries, **shared_f)
        try:
            return self.client.gather(futures)
        finally:
            del futures
            for f in shared_f.values():
                f.release()

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def open_engine(name: str = "local", scheduler: str | None = None) -> Iterator[LocalEngine | DaskEngine | None]:
    """The engine ``name`` (``None`` for local: the library's own default path), closed after use."""
    if name not in ENGINES:
        raise ScenarioError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
    if scheduler is not None and name != "dask":
        raise ScenarioError("--scheduler is only used with --engine dask")
    if name == "local":
        yield None
        return
    eng = DaskEngine(scheduler)
    try:
        yield eng
    finally:
        eng.close()
