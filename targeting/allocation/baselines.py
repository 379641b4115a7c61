"""The baselines the optimizer is compared with: the same constraints, a simple rule each.

``greedy``    best gain per VND first, positive gains only.
``capacity``  households with the highest capacity score first (the scoring model's score).
``poorest``   households with the lowest income per person first.
``lottery``   households in a random order, seeded with ``settings.seed``.

Every baseline walks an ordered list of (household, project) pairs and takes a pair when every
hard constraint still holds (one project per household, commune budget, project slots and
envelope, cooperative capacity): :func:`.fill.fill_viable`. ``capacity``, ``poorest`` and
``lottery`` order households by their own rule and, for each household, try its pairs from the
highest gain down. Quotas are kept at every step: a household that would push a commune below a
quota waits, and is taken once enough qualifying households have joined. Group minimums and
cooperative minimums are met by leaving out a project or cooperative that did not reach its
minimum and filling again with it closed, until every open project and linked cooperative is
viable.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from ..config import Settings
from . import checks, diagnose
from .fill import fill_viable, greedy_order
from .instance import Instance
from .results import AllocationResult

__all__ = ["baseline_order", "run_baseline"]

log = logging.getLogger(__name__)


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


def run_baseline(strategy: str, inst: Instance, settings: Settings,
                 capacity: pd.Series | None = None) -> AllocationResult:
    """The plan of the baseline ``strategy`` (status ``feasible``, or ``infeasible`` when the
    order could not meet a quota or minimum: the plan is still the best it found)."""
    t0 = time.perf_counter()
    order = baseline_order(strategy, inst, settings, capacity)
    chosen = fill_viable(inst, order, assigned_first=False)
    broken = checks.violations(inst, chosen)
    if inst.pair_forced is not None:  # an assigned pair its order could not keep (quotas first)
        lost = np.setdiff1d(np.flatnonzero(inst.pair_forced), chosen)
        broken += [f"decision[{inst.hh_ids[inst.pair_h[i]]},{inst.p_ids[inst.pair_p[i]]}]: "
                   "assigned by the meeting, not in the plan" for i in lost]
    status = "feasible" if not broken else "infeasible"
    if broken:
        log.warning("%s plan breaks %d constraints, first: %s", strategy, len(broken), broken[0])
    secs = time.perf_counter() - t0
    return AllocationResult(
        assignment=inst.assignment(chosen),
        strategy=strategy,
        status=status,
        objective=inst.total_gain(chosen),
        bound=None,
        gap=None,
        solve_seconds=secs,
        solver=f"baseline:{strategy}",
        details={"slack": diagnose.slack(inst, chosen), "violations": broken[:20]},
        unsupported_reason=diagnose.unsupported_reasons(inst, chosen),
    )
