"""Every allocation strategy behind one interface: the optimizer and the baselines."""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from ..config import STRATEGIES, Settings
from . import conflicts
from .baselines import run_baseline
from .instance import build_instance
from .results import AllocationResult
from .solve import solve_optimal
from .split import run_split

__all__ = ["run_strategy", "MIN_SOLVE_S"]

#: The least time the optimizer gets after the decisions' check, even when the check used more.
MIN_SOLVE_S = 1.0


def run_strategy(
    strategy: str,
    households: pd.DataFrame,
    projects: pd.DataFrame,
    cooperatives: pd.DataFrame | None,
    communes: pd.DataFrame,
    gains: pd.DataFrame,
    settings: Settings | None = None,
    capacity: pd.Series | None = None,
    engine=None,
    forced: pd.DataFrame | None = None,
    removed: pd.DataFrame | None = None,
    start: pd.DataFrame | None = None,
    start_bound: float | None = None,
    decompose: bool | str | None = None,
) -> AllocationResult:
    """Allocate with one strategy.

    Parameters
    ----------
    strategy : {"optimal", "greedy", "capacity", "poorest", "lottery"}
        :data:`targeting.config.STRATEGIES`: ``optimal`` is :func:`.solve.solve_optimal`, the
        others are the baselines of :mod:`.baselines`.
    households, projects, cooperatives, communes : DataFrame
        Validated scenario tables (see the data contract).
    gains : DataFrame
        ``household_id, project_id, gain, cost_vnd``: exactly the eligible pairs.
    settings : Settings
        Solver and policy settings (time limit, gap, seed, workers, quotas).
    capacity : Series, optional
        Capacity score by ``household_id`` for the ``capacity`` strategy.
    engine : LocalEngine or DaskEngine, optional
        Where ``optimal`` solves its per-commune subproblems (:mod:`targeting.engine`); the
        baselines are single sequential passes and always run here.
    forced, removed : DataFrame, optional
        The village meeting's decisions as pairs (``household_id, project_id``): a forced pair
        is in every plan (the baselines take it first), a removed pair in none.
    start : DataFrame, optional
        (``optimal``) an earlier plan's ``household_id, project_id`` (a sweep's neighbouring
        setting): a warm start where it meets every constraint, and with ``start_bound`` (a
        proven bound the caller knows holds for this problem) the plan when that proves it
        (:func:`.solve.solve_optimal`).
    decompose : {None, False, True, "communes", "groups"}
        (``optimal``) how to split the model (:func:`.solve.solve_optimal`).

    With ``settings.budget_split`` other than ``fixed`` the communes' budgets are first split
    from the province's total (:mod:`.split`); ``details["budget_split"]`` lists the shares.
    ``start_bound`` is then not used (the shares move with the setting, so a bound of another
    setting's model need not hold), nor ``start`` and ``decompose`` under the optimal split
    (:func:`.split.run_split`).

    Returns
    -------
    AllocationResult

    Raises
    ------
    PolicyConflictError
        (``optimal``) when quotas, group minimums and cooperative minimums cannot all be met;
        (every strategy) when the forced pairs together break a constraint.
    """
    settings = settings or Settings()
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
    inst = build_instance(households, projects, cooperatives, communes, gains, settings,
                          forced=forced, removed=removed)
    if settings.budget_split != "fixed":  # the province's money split between communes first
        return run_split(strategy, inst, households, settings, capacity=capacity, engine=engine,
                         start=_pair_indices(inst, start), decompose=decompose)
    t0 = time.perf_counter()
    conflicts.raise_if_decisions_conflict(inst, time_limit=settings.time_limit_s)
    if strategy == "optimal":
        # the time limit covers the decisions' check too (CP-SAT, when the greedy plan around
        # the assigned pairs breaks a constraint)
        spent = time.perf_counter() - t0
        if spent > 0.05:
            settings = replace(settings, time_limit_s=max(MIN_SOLVE_S, settings.time_limit_s - spent))
        return solve_optimal(inst, settings, engine=engine, start=_pair_indices(inst, start),
                             start_bound=start_bound, decompose=decompose)
    return run_baseline(strategy, inst, settings, capacity=capacity)


def _pair_indices(inst, plan: pd.DataFrame | None):
    """The pair indices of ``plan`` (``household_id, project_id``) in ``inst``; -1 for a pair the
    instance does not have (the plan is then no start)."""
    if plan is None:
        return None
    pairs = inst.pairs_frame()
    index = pd.MultiIndex.from_frame(pairs[["household_id", "project_id"]].astype(str))
    return index.get_indexer(pd.MultiIndex.from_frame(plan[["household_id", "project_id"]].astype(str)))
