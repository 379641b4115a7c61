"""What the optimizer's pieces hand each other, and what a strategy returns.

:class:`LPSolution` is the LP relaxation (:mod:`.lp`); :class:`SolveOutcome` is one solve of a
model or of a part of it (a back-end, the LP-rounding and neighbourhood routes of
:mod:`.pipeline`, the splits of :mod:`.components` and :mod:`.decompose`); an
:class:`AllocationResult` is the plan of one strategy, what :mod:`targeting.plan` consumes.
Slotted dataclasses: a misspelt field is an error, not a new key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "ASSIGNMENT_COLUMNS", "AllocationResult", "LPSolution", "SolveOutcome", "no_plan",
    "relative_gap", "status_from_gap",
]

ASSIGNMENT_COLUMNS = ["household_id", "project_id", "cooperative_id", "cost_vnd", "gain"]


@dataclass(slots=True)
class LPSolution:
    """The LP relaxation's solution.

    Attributes
    ----------
    bound : float
        Its optimal value: an upper bound on the objective of every plan.
    x : ndarray
        Value per pair.
    reduced_cost : ndarray
        Per pair at 0: how much the LP value drops per unit of ``x`` forced up.
    budget_dual : ndarray
        Per commune index: exits per VND of budget.
    coop_dual : ndarray
        Per cooperative index: exits per linkage of capacity.
    seconds : float
    """

    bound: float
    x: np.ndarray
    reduced_cost: np.ndarray
    budget_dual: np.ndarray
    coop_dual: np.ndarray
    seconds: float


@dataclass(slots=True)
class SolveOutcome:
    """One solve of a model (or of part of one).

    Attributes
    ----------
    chosen : ndarray or None
        Chosen pair indices; ``None`` when the solver found no plan in time.
    status : str
        ``optimal`` (proven within ``relative_gap``), ``feasible`` (a plan, not proven) or
        ``timeout`` (the time limit stopped the solver before a proof).
    objective : float
        Sum of the chosen pairs' gains (``-inf`` without a plan).
    bound : float
        A proven upper bound on the objective (``inf`` when none is known).
    solver : str
        What produced the plan, for people (``highs``, ``highs+cp-sat``, ...).
    seconds : float
    stats : dict
        JSON-serialisable solver statistics (they go into plan.json).
    lp : LPSolution or None
        The LP relaxation the solve used, when it used one.
    hint_objective : float or None
        Objective of the warm start.
    decomposition : dict or None
        How a split solve went (JSON-serialisable; goes into plan.json).
    """

    chosen: np.ndarray | None
    status: str
    objective: float
    bound: float
    solver: str
    seconds: float
    stats: dict
    lp: LPSolution | None = None
    hint_objective: float | None = None
    decomposition: dict | None = None

    @property
    def stopped(self) -> bool:
        """Whether a time limit cut the solve short (so another run may find another plan)."""
        return self.status == "timeout" or bool(self.stats.get("stopped_by_time_limit"))


def no_plan(solver: str, stats: dict, seconds: float = 0.0) -> SolveOutcome:
    """A solve that ended without a plan (the caller falls back to its warm start)."""
    return SolveOutcome(chosen=None, status="timeout", objective=-math.inf, bound=math.inf,
                        solver=solver, seconds=seconds, stats=stats)


def relative_gap(objective: float, bound: float) -> float:
    """``(bound - objective) / max(|bound|, 1e-9)``: the gap reported with a plan."""
    return (bound - objective) / max(abs(bound), 1e-9)


def status_from_gap(objective: float, bound: float, tolerance: float, *, stopped: bool) -> str:
    """The status of a merged plan: ``optimal`` when the bound proves it within ``tolerance``,
    else ``timeout`` when a part was cut short by its time limit, else ``feasible``."""
    if relative_gap(objective, bound) <= tolerance + 1e-12:
        return "optimal"
    return "timeout" if stopped else "feasible"


@dataclass
class AllocationResult:
    """The plan of one strategy.

    Attributes
    ----------
    assignment : DataFrame
        ``household_id, project_id, cooperative_id, cost_vnd, gain``: one row per supported household.
    strategy : str
    status : str
        One of :data:`targeting.config.PLAN_STATUSES`: ``optimal`` (proven within
        ``relative_gap``), ``feasible`` (a plan meeting every constraint, not proven optimal:
        baselines, or a decomposed solve), ``infeasible`` (a baseline that could not meet a quota
        or group minimum; the plan is still the best it found), ``timeout`` (the time limit
        stopped the solver; the best plan found is returned).
    objective : float
        Sum of ``gain`` over the plan.
    bound : float or None
        A proven upper bound on the objective (optimal: the solver's bound; baselines: None).
    gap : float or None
        ``(bound - objective) / max(|bound|, 1e-9)``.
    solve_seconds : float
    solver : str
    details : dict
        JSON-serialisable: shadow prices per commune, value of one more linkage per cooperative,
        slack per constraint family, solver statistics.
    unsupported_reason : Series
        Indexed by ``household_id`` for eligible households not chosen: a key of
        :data:`targeting.allocation.diagnose.UNSUPPORTED_REASONS`.
    """

    assignment: pd.DataFrame
    strategy: str
    status: str
    objective: float
    bound: float | None
    gap: float | None
    solve_seconds: float
    solver: str
    details: dict = field(default_factory=dict)
    unsupported_reason: pd.Series = field(
        default_factory=lambda: pd.Series(dtype="object", name="reason")
    )
