"""The optimizer: allocate projects and cooperative linkages for the most sustainable exits.

It takes a table of gains (``household_id, project_id, gain, cost_vnd``), never the scoring model.
Modules: :mod:`.instance` (the problem as arrays), one module per constraint family
(:mod:`.budgets`, :mod:`.projects`, :mod:`.cooperatives`, :mod:`.quotas`), :mod:`.model` (the
named linear model and its CP-SAT / pywraplp emitters), :mod:`.objective` (exact gain scaling,
tie-breaks), :mod:`.lp` (the sparse LP relaxation: bound, duals, guidance), :mod:`.solve` (the
optimal strategy and the measured solver choice), :mod:`.decompose` (province scale),
:mod:`.conflicts` (why a policy cannot be met), :mod:`.fill` (the baselines' engine and the warm
start), :mod:`.explain` (unsupported reasons and slack), :mod:`.checks` (every hard constraint,
checked on a plan), :mod:`.synthetic` (small builders, the province generator, GAP files).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["AllocationResult", "ASSIGNMENT_COLUMNS", "STATUSES"]

ASSIGNMENT_COLUMNS = ["household_id", "project_id", "cooperative_id", "cost_vnd", "gain"]
STATUSES = ("optimal", "feasible", "infeasible", "timeout")


@dataclass
class AllocationResult:
    """The plan of one strategy.

    Attributes
    ----------
    assignment : DataFrame
        ``household_id, project_id, cooperative_id, cost_vnd, gain``: one row per supported household.
    strategy : str
    status : str
        ``optimal`` (proven within ``relative_gap``), ``feasible`` (a plan meeting every constraint,
        not proven optimal: baselines, or a decomposed solve), ``infeasible`` (a baseline that could
        not meet a quota or group minimum; the plan is still the best it found),
        ``timeout`` (the time limit stopped the solver; the best plan found is returned).
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
        :data:`targeting.allocation.explain.UNSUPPORTED_REASONS`.
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
