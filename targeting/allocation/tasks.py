"""Subproblems as tasks: how the time limit is shared among them, and where they run.

Both splits (:mod:`.components`, :mod:`.decompose`) run their subproblems through an engine
(:mod:`targeting.engine`): ``None`` is a thread pool of ``settings.threads`` here (HiGHS
releases the GIL), a :class:`~targeting.engine.DaskEngine` runs them on a cluster. Results come
back in task order, so the merged plan does not depend on where the tasks ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..config import Settings
from ..engine import LocalEngine

__all__ = ["time_shares", "parallelism", "run_tasks"]


def time_shares(sizes: np.ndarray, budget: float, threads: int) -> np.ndarray:
    """Seconds for each of several subproblems run ``threads`` at a time within ``budget``: in
    proportion to their sizes, 15% kept for merging, never more than the budget, at least 0.5 s."""
    sizes = np.asarray(sizes, dtype=float)
    share = 0.85 * budget * threads * sizes / max(sizes.sum(), 1.0)
    return np.maximum(0.5, np.minimum(0.85 * budget, share))


def parallelism(settings: Settings, engine) -> int:
    """How many tasks run at once: the engine's worker threads, or ``settings.threads`` here."""
    return settings.threads if engine is None else engine.parallelism


def run_tasks(engine, fn: Callable, tasks: Sequence, *, shared: dict, threads: int) -> list:
    """``[fn(task, **shared) for task in tasks]`` on ``engine`` (``None``: here), in task order."""
    return (engine or LocalEngine()).map(fn, tasks, shared=shared, max_workers=threads)
