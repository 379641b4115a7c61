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
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from .errors import EngineError, ScenarioError

__all__ = ["ENGINES", "LocalEngine", "DaskEngine", "open_engine", "PARTITION_ROWS"]

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")

#: Households per scoring task: small enough for a worker of 2 GB, large enough that the
#: model's vectorised prediction dominates the task overhead.
PARTITION_ROWS = 50_000

#: Seconds to wait for a scheduler before giving up (the issue asks for an answer within 30 s).
CONNECT_TIMEOUT_S = 10

#: Seconds a cluster may have no worker at all, with tasks waiting, before the run gives up
#: (a worker restarted by its nanny, or a new one, joins well within this).
NO_WORKERS_TIMEOUT_S = 20

#: Seconds between checks of the cluster while tasks run.
POLL_S = 0.5

#: Times ``DaskEngine.map`` sends its shared data and tasks again when a dead worker took data
#: they needed with it while other workers remain.
RESUBMITS = 2


class _DataLost(Exception):
    """Tasks were cancelled because data they needed died with a worker; workers remain."""


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
                 n_workers: int = 2, retries: int = 2, memory_limit: str = "auto",
                 no_workers_timeout: float | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError(
                '--engine dask needs dask.distributed: pip install "targeting[distributed]"'
            ) from None
        # distributed's batched sender logs a closed connection at INFO with its traceback
        # (seen once in CI when the scheduler was killed mid-run): the engine reports a lost
        # scheduler in one line itself (EngineError), so only its warnings are shown
        logging.getLogger("distributed.batched").setLevel(logging.WARNING)
        self.address = address
        self.retries = retries
        self.no_workers_timeout = NO_WORKERS_TIMEOUT_S if no_workers_timeout is None else no_workers_timeout
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
        self._scheduler_address = self.client.scheduler.address
        log.info("dask engine: %s with %d worker threads", self._scheduler_address, self.parallelism)

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
        with the worker; a task that raises is retried ``retries`` times. When the scheduler
        cancels the tasks because a dead worker took data they needed with it, the data and the
        tasks are sent again (``RESUBMITS`` times) while a worker remains.

        Raises
        ------
        EngineError
            The scheduler was lost, no worker was left for ``no_workers_timeout`` seconds, or
            a task took down every worker it ran on.
        """
        if not items:
            return []
        for attempt in range(RESUBMITS + 1):
            try:
                return self._map_once(fn, items, shared)
            except _DataLost as e:
                if attempt == RESUBMITS:
                    raise EngineError(self._no_workers(f"lost its workers' data {RESUBMITS + 1} times ({e})")) from None
                log.warning("dask engine: a worker died with data its tasks needed (%s); "
                            "sending the data and the %d tasks again (%d of %d)",
                            e, len(items), attempt + 1, RESUBMITS)
        raise AssertionError("unreachable")

    def _map_once(self, fn: Callable, items: Sequence, shared: dict[str, Any] | None) -> list:
        """One submission of ``map``; raises ``_DataLost`` when workers remain to run it again."""
        from distributed import KilledWorker

        shared_f: dict = {}
        futures: list = []
        try:
            try:
                shared_f = {k: self.client.scatter(v, broadcast=True, hash=False,
                                                   timeout=self.no_workers_timeout)
                            for k, v in (shared or {}).items()}
            except TimeoutError:  # scatter waits for a worker to send the data to
                if self.client.status != "running":
                    raise
                raise EngineError(f"the Dask cluster at {self.where} has had no worker for "
                                  f"{self.no_workers_timeout:g} s with data to send (every worker died or "
                                  "left); nothing was written") from None
            futures = self.client.map(fn, list(items), pure=False, retries=self.retries, **shared_f)
            self._wait(futures)
            return self.client.gather(futures)
        except KilledWorker as e:
            raise EngineError(f"the Dask cluster at {self.where}: a task was running on each of the "
                              f"workers it was sent to when they died ({e}); nothing was written") from None
        except (CancelledError, OSError) as e:
            if self.client.status != "running":
                raise EngineError(f"lost the Dask scheduler at {self.where} mid-run ({type(e).__name__}); "
                                  "nothing was written") from None
            if not isinstance(e, CancelledError):
                raise  # a task's own error
            # the tasks were cancelled with the scheduler still there: the data they needed
            # died with a worker that held it (seen in CI with the shared data broadcast to
            # both workers and one of them killed). The tasks are pure: while a worker is
            # left, the data and the tasks are sent again.
            if self._worker_count():
                raise _DataLost(type(e).__name__) from None
            raise EngineError(self._no_workers(f"lost its workers' data ({type(e).__name__})")) from None
        finally:
            del futures
            if self.client.status == "running":
                for f in shared_f.values():
                    f.release()

    def _worker_count(self) -> int | None:
        """Workers in the cluster now; None when they cannot be counted (the scheduler went)."""
        try:
            return len(self.client.nthreads())
        except Exception:
            return None

    @property
    def where(self) -> str:
        """The scheduler's address, as given or as started."""
        return self.address or self._scheduler_address

    def _wait(self, futures: list) -> None:
        """Wait for ``futures``; fail when the scheduler is gone or no worker is left."""
        from distributed import wait

        idle_since = None
        while True:
            try:
                wait(futures, timeout=POLL_S)
                return
            except TimeoutError:
                pass
            if self.client.status != "running":
                raise EngineError(f"lost the Dask scheduler at {self.where} mid-run "
                                  f"(client {self.client.status}); nothing was written")
            try:
                workers = self.client.nthreads()
            except Exception as e:  # the scheduler went while we asked
                raise EngineError(f"lost the Dask scheduler at {self.where} mid-run ({type(e).__name__}); "
                                  "nothing was written") from None
            if workers:
                idle_since = None
                continue
            idle_since = idle_since or time.monotonic()
            log.warning("dask engine: no worker left at %s", self.where)
            if time.monotonic() - idle_since > self.no_workers_timeout:
                raise EngineError(f"the Dask cluster at {self.where} has had no worker for "
                                  f"{self.no_workers_timeout:g} s with tasks waiting (every worker died or "
                                  "left); nothing was written")

    def _no_workers(self, what: str) -> str:
        n = self._worker_count()
        left = ("no worker left (every worker died or left)" if n == 0 else
                "its workers could not be counted" if n is None else f"{n} workers left")
        return f"the Dask cluster at {self.where} {what}: {left}; nothing was written"

    def close(self) -> None:
        lost = self.client.status != "running"
        # A client whose scheduler is gone is closed at once, not after its reconnection wait;
        # distributed logs the cancelled reconnection as an error with a traceback: the run has
        # already said what happened in one line.
        quiet = [logging.getLogger(n) for n in ("distributed.client", "distributed.utils")] if lost else []
        levels = [q.level for q in quiet]
        for q in quiet:
            q.setLevel(logging.CRITICAL)
        try:
            self.client.close(timeout=0.5 if lost else 2)
        except (OSError, TimeoutError, RuntimeError) as e:
            log.warning("dask engine: closing the client: %s: %s", type(e).__name__, e)
        finally:
            for q, level in zip(quiet, levels, strict=True):
                q.setLevel(level)
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
    eng = DaskEngine(scheduler, timeout=CONNECT_TIMEOUT_S)  # read now: a test may lower it
    try:
        yield eng
    finally:
        eng.close()
