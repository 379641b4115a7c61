"""Allocation strategies behind one interface: the optimizer and the baselines it is compared with.

``optimal``   the optimizer (:mod:`targeting.allocation.solve`).
``greedy``    best gain per VND first, positive gains only.
``capacity``  households with the highest capacity score first (the scoring model's score).
``poorest``   households with the lowest income per person first.
``lottery``   households in a random order, seeded with ``settings.seed``.

Every baseline walks an ordered list of (household, project) pairs and takes a pair when every
hard constraint still holds (one project per household, commune budget, project slots and
envelope, cooperative capacity). ``capacity``, ``poorest`` and ``lottery`` order households by
their own rule and, for each household, try its pairs from the highest gain down. Quotas are kept
at every step: a household that would push a commune below a quota waits, and is taken once
enough qualifying households have joined. Group minimums and cooperative minimums are met by
leaving out a project or cooperative that did not reach its minimum and filling again with it
closed, until every open project and linked cooperative is viable.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import pandas as pd

from .allocation import AllocationResult, checks, explain
from .allocation.fill import fill, fill_viable, greedy_order
from .allocation.instance import Instance, build_instance
from .config import Settings

__all__ = ["run_strategy", "STRATEGIES", "baseline_order", "fill"]

log = logging.getLogger(__name__)

STRATEGIES = ("optimal", "greedy", "capacity", "poorest", "lottery")


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
) -> AllocationResult:
    """Allocate with one strategy.

    Parameters
    ----------
    strategy : {"optimal", "greedy", "capacity", "poorest", "lottery"}
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

    Returns
    -------
    AllocationResult

    Raises
    ------
    PolicyConflictError
        (``optimal``) when quotas, group minimums and cooperative minimums cannot all be met.
    """
    settings = settings or Settings()
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
    inst = build_instance(households, projects, cooperatives, communes, gains, settings)
    if strategy == "optimal":
        from .allocation.solve import solve_optimal

        return solve_optimal(inst, settings, engine=engine)
    return run_baseline(strategy, inst, settings, capacity=capacity)


def baseline_order(strategy: str, inst: Instance, settings: Settings,
                   capacity: pd.Series | None = None) -> np.ndarray:
    """Pair indices in the order the baseline considers them."""
    gain, cost = inst.pair_gain, inst.pair_cost
    if strategy == "greedy":
        return greedy_order(inst)
    if strategy == "capacity":
        if capacity is None:
            log.warning("capacity strategy without capacity scores: using each household's best gain")
            best = np.full(len(inst.hh_ids), -np.inf)
            np.maximum.at(best, inst.pair_h, gain)
            key = -best
        else:
            s = pd.to_numeric(capacity, errors="coerce").reindex(inst.hh_ids)
            key = -s.fillna(-np.inf).to_numpy(dtype=float)
    elif strategy == "poorest":
        key = inst.hh_income.astype(float) - 1e-6 * inst.hh_poverty  # ties: poorer status first
    elif strategy == "lottery":
        rng = np.random.default_rng(settings.seed)
        key = rng.permutation(len(inst.hh_ids)).astype(float)
    else:
        raise ValueError(f"unknown baseline {strategy!r}")
    hk = key[inst.pair_h]
    idx = np.arange(inst.n_pairs)
    return np.lexsort((idx, cost, -gain, inst.pair_h, hk))


def objective_of(inst: Instance, chosen: np.ndarray) -> float:
    return math.fsum(inst.pair_gain[np.asarray(chosen, dtype=np.int64)].tolist())


def run_baseline(strategy: str, inst: Instance, settings: Settings,
                 capacity: pd.Series | None = None) -> AllocationResult:
    t0 = time.perf_counter()
    order = baseline_order(strategy, inst, settings, capacity)
    chosen = fill_viable(inst, order)
    broken = checks.violations(inst, chosen)
    status = "feasible" if not broken else "infeasible"
    if broken:
        log.warning("%s plan breaks %d constraints, first: %s", strategy, len(broken), broken[0])
    secs = time.perf_counter() - t0
    return AllocationResult(
        assignment=inst.assignment(chosen),
        strategy=strategy,
        status=status,
        objective=objective_of(inst, chosen),
        bound=None,
        gap=None,
        solve_seconds=secs,
        solver=f"baseline:{strategy}",
        details={"slack": explain.slack(inst, chosen), "violations": broken[:20]},
        unsupported_reason=explain.unsupported_reasons(inst, chosen),
    )
