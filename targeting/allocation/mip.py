"""One MIP solve of the full model with the chosen back-end, never worse than its warm start.

Back-end choice, by measurement on this 2-core machine (shared with other jobs; commands and
tables in benchmarks/README.md, section "Optimizer"):

- Communes of the seed's size (1,500 households, 10 projects, quotas, group minimums), proven
  optimal (relative_gap = 0): HiGHS MIP 1.2-4 s on all four seeds; SCIP (pywraplp) 1.9-7 s;
  CP-SAT (2 workers) timed out at 30 s with a 1-3% gap on three of four seeds (its LP-free
  search struggles with a budget knapsack over ~4,500 pairs whose LP relaxation is nearly tight).
- OR-Library gap1-12 (60 instances): HiGHS and CP-SAT both prove all 60 (HiGHS 52 s in all,
  CP-SAT 65 s); SCIP through pywraplp stopped early ("feasible") on 20 and missed 16 optima.
  ``pywraplp``'s own HiGHS interface crashed (segmentation fault) on our models, so HiGHS is
  called through ``scipy.optimize.milp`` with a sparse matrix (also far quicker to build).

So ``auto`` (the default) is HiGHS (:mod:`.backends.highs`) for ``PORTFOLIO_SHARE`` of the time,
then CP-SAT (:mod:`.backends.cpsat`) for the rest when HiGHS has not proven the optimum; CP-SAT
also stays for explaining conflicts (assumption literals, :mod:`.conflicts`) and as
``backend="cpsat"``; SCIP and CBC as ``backend="scip"/"cbc"`` (:mod:`.backends.linear_solver`).
Gains go in as exactly scaled integers (:mod:`.objective`), so relative_gap = 0 is an exact proof.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from ..config import BACKENDS, Settings
from . import checks
from .backends.cpsat import solve_cpsat
from .backends.highs import solve_highs
from .backends.mathopt import solve_mathopt
from .fill import fill_viable, greedy_order
from .instance import Instance
from .model import LinearModel, build_model
from .results import SolveOutcome

__all__ = ["solve_plan", "BACKENDS", "DEFAULT_BACKEND", "PORTFOLIO", "PORTFOLIO_SHARE"]

DEFAULT_BACKEND = "auto"
#: Share of the time limit HiGHS gets in the ``auto`` portfolio before CP-SAT takes over.
PORTFOLIO_SHARE = 0.75
#: The two back-ends of the ``auto`` portfolio, in turn.
PORTFOLIO = ("highs", "cpsat-native")


def solve_plan(inst: Instance, settings: Settings, *, backend: str = DEFAULT_BACKEND,
               time_limit: float | None = None, coop_capacity: np.ndarray | None = None,
               coop_min: np.ndarray | None = None, tiebreak: bool = True,
               hint: np.ndarray | None = None) -> SolveOutcome:
    """Solve the full model of ``inst`` once, warm-started from ``hint`` (default: the greedy
    plan). ``status`` is optimal or timeout (a plan, not proven); when the back-end finds no
    plan, or a worse one, the warm start is returned."""
    t0 = time.perf_counter()
    limit = settings.time_limit_s if time_limit is None else time_limit
    lm = build_model(inst, coop_capacity=coop_capacity, coop_min=coop_min)
    if hint is None:
        hint = fill_viable(inst, greedy_order(inst), coop_capacity=coop_capacity, coop_min=coop_min)
    hint_obj = inst.total_gain(hint)
    # a warm start that drops an assigned pair (or breaks a minimum to keep one) is no fallback
    floor = hint_obj if checks.honours_decisions(inst, hint) else -math.inf
    if backend == "auto":
        out = _solve_portfolio(inst, lm, settings, limit, hint, tiebreak, t0)
    else:
        out = _solve_one(backend, inst, lm, settings, limit, hint, tiebreak)
    if out.chosen is None or out.objective < floor - 1e-9:
        # no plan in time (or a worse one): keep the greedy plan
        out.chosen = hint
        out.objective = hint_obj
        out.status = "timeout" if out.status != "optimal" else out.status
    out.seconds = time.perf_counter() - t0
    out.hint_objective = hint_obj
    return out


def _solve_one(backend: str, inst: Instance, lm: LinearModel, settings: Settings, limit: float,
               hint: np.ndarray, tiebreak: bool) -> SolveOutcome:
    if backend == "cpsat-native":
        return solve_cpsat(inst, lm, settings, limit, hint, tiebreak)
    if backend == "highs-scipy":
        return solve_highs(inst, lm, settings, limit, tiebreak)
    if backend in ("highs", "scip", "cpsat"):
        return solve_mathopt(inst, lm, settings, limit, hint, backend, tiebreak)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")


def _solve_portfolio(inst: Instance, lm: LinearModel, settings: Settings, limit: float,
                     hint: np.ndarray, tiebreak: bool, t0: float) -> SolveOutcome:
    """HiGHS for up to ``PORTFOLIO_SHARE`` of the time; when it has not proven the optimum,
    CP-SAT for the rest, from the same warm start. The plan is the better of the two (CP-SAT's
    on a tie only when it proved it), and its status, bound and solver are those of the
    back-end that found it; the other's bound is kept in the statistics."""
    out = _solve_one(PORTFOLIO[0], inst, lm, settings, PORTFOLIO_SHARE * limit, hint, tiebreak)
    left = limit - (time.perf_counter() - t0)
    if out.status == "optimal" or left < 0.5:
        return out
    # CP-SAT starts from the greedy plan, not HiGHS's: measured, its search did worse from the
    # MIP incumbent on the bundled sample (38.45 vs 38.63 in 30 s)
    cp = _solve_one(PORTFOLIO[1], inst, lm, settings, left, hint, tiebreak)
    better = cp.chosen is not None and (
        cp.objective > out.objective or (cp.objective == out.objective and cp.status == "optimal"))
    best = cp if better else out
    stats = {"portfolio": [PORTFOLIO[0], PORTFOLIO[1]], "found_by": best.solver,
             "highs": {**out.stats, "bound": _finite(out.bound), "solver": out.solver},
             "cp_sat": {**cp.stats, "bound": _finite(cp.bound), "solver": cp.solver}}
    return replace(best, stats=stats)


def _finite(x: float) -> float | None:
    """A bound for plan.json (JSON has no infinity)."""
    return float(x) if math.isfinite(x) else None
