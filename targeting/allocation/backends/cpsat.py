"""OR-Tools CP-SAT on the exactly scaled integer gains, with a lexicographic tie-break.

CP-SAT proves optimality on every OR-Library GAP instance but struggles with a commune's budget
knapsack over thousands of pairs (its search does not lean on the LP relaxation); it is the
second half of the ``auto`` portfolio (:mod:`..mip`) and ``backend="cpsat"``.
"""

from __future__ import annotations

import time

import numpy as np

from ...config import Settings
from ..instance import Instance
from ..model import LinearModel, to_cpsat
from ..objective import scale_gains, tiebreak_weights
from ..results import SolveOutcome, no_plan

__all__ = ["solve_cpsat", "TIEBREAK_SHARE", "LABEL"]

#: What a plan's ``solver`` says: the back-end and the interface.
LABEL = "cp-sat via ortools.sat (cp_model)"

#: Share of the time limit the tie-break solve may use (never more than what is left).
TIEBREAK_SHARE = 0.15


def _solver(cp_model, settings: Settings, limit: float):
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = settings.threads
    solver.parameters.random_seed = int(settings.seed)
    return solver


def solve_cpsat(inst: Instance, lm: LinearModel, settings: Settings, limit: float,
                hint: np.ndarray, tiebreak: bool = True) -> SolveOutcome:
    """Solve ``lm`` with CP-SAT from the warm start ``hint`` within ``limit`` seconds, then (with
    ``tiebreak``) prefer poorer, then cheaper, among plans of the same objective."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    sg = scale_gains(inst.pair_gain, len(inst.hh_ids))
    model, x, _, _ = to_cpsat(lm, sg.values, hint=hint)
    # the time limit covers building the model too
    solver = _solver(cp_model, settings, max(0.01, float(limit) - (time.perf_counter() - t0)))
    solver.parameters.relative_gap_limit = float(settings.relative_gap)
    code = solver.solve(model)
    name = solver.status_name(code)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if code == cp_model.INFEASIBLE:  # cannot happen: the empty plan meets every constraint
            raise RuntimeError("the allocation model is infeasible; please report this as a bug")
        if code == cp_model.MODEL_INVALID:
            raise RuntimeError(f"invalid CP-SAT model: {model.validate()}")
        return no_plan(LABEL, {"cp_sat_status": name}, time.perf_counter() - t0)
    vals = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    chosen = np.flatnonzero(vals)
    best = int(round(solver.objective_value))
    bound_scaled = solver.best_objective_bound
    status = "optimal" if code == cp_model.OPTIMAL else "timeout"
    stats = {"cp_sat_status": name, "gain_scale": sg.scale, "gain_scale_exact": sg.exact,
             "branches": int(solver.num_branches), "conflicts": int(solver.num_conflicts),
             "primary_seconds": round(solver.wall_time, 3)}
    left = limit - (time.perf_counter() - t0)
    if tiebreak and len(chosen) and left > 0.05:
        # lexicographic second stage: keep the primary objective, prefer poorer then cheaper
        # at most as long again as the primary solve, so the tie-break never dominates the time
        # (any solution it finds keeps the primary objective, so stopping early is safe)
        tb_limit = min(left, 0.5 * solver.wall_time + 0.1, TIEBREAK_SHARE * limit + 0.2)
        w = tiebreak_weights(inst)
        model.add(cp_model.LinearExpr.weighted_sum(x, sg.values.tolist()) >= best).with_name(
            "keep_optimum")
        model.maximize(cp_model.LinearExpr.weighted_sum(x, w.tolist()))
        model.clear_hints()
        for i, v in enumerate(vals):
            model.add_hint(x[i], bool(v))
        s2 = _solver(cp_model, settings, tb_limit)
        c2 = s2.solve(model)
        if c2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = np.flatnonzero([s2.boolean_value(v) for v in x])
            stats["tiebreak"] = s2.status_name(c2).lower()
        else:
            stats["tiebreak"] = "not_run"
    objective = inst.total_gain(chosen)
    bound = sg.true_bound(bound_scaled, len(inst.hh_ids))
    return SolveOutcome(chosen=chosen, status=status, objective=objective,
                        bound=max(bound, objective), solver=LABEL,
                        seconds=time.perf_counter() - t0, stats=stats)
