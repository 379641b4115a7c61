"""One MIP solve of the full model with the chosen back-end, never worse than its warm start.

The back-end is ``[solver] backend`` (:data:`targeting.config.BACKENDS`). The model is built
once as a sparse matrix (:func:`.model.constraint_matrix`) and handed to OR-Tools MathOpt
(:mod:`.backends.mathopt`: HiGHS, SCIP or CP-SAT behind one ``ModelProto``), to HiGHS through
``scipy.optimize.milp`` (:mod:`.backends.highs`), or to CP-SAT's own API (:mod:`.backends.cpsat`,
which also explains conflicts with assumption literals, :mod:`.conflicts`). Gains go in as
exactly scaled integers (:mod:`.objective`), so relative_gap = 0 is an exact proof.

Measured on this 2-core machine while other jobs loaded it (load average 6-8; commands and tables
in benchmarks/README.md, section "Optimizer"; every back-end on the same instance in turn):

- OR-Library gap1-12 (60 instances, relative_gap 0): HiGHS through MathOpt and through scipy,
  SCIP and CP-SAT through MathOpt all prove all 60, with the same optima. MathOpt's HiGHS took
  1.05x scipy's time (geometric mean; quicker on 27 of 60): the same solver, no difference
  beyond the noise. SCIP through MathOpt 0.89x, CP-SAT through MathOpt (2 workers) 0.59x.
  (SCIP through ``pywraplp`` had stopped early on 20 of them; that interface is gone.)
- Communes of 1,500 households proven optimal (seeds 0-1): HiGHS 4.6 and 2.6 s through
  MathOpt, 4.3 and 3.5 s through scipy; SCIP and CP-SAT through MathOpt 5.1-5.6 s.
- gapb-d (60 s): the same values and proofs either way on gapb-1/3, gapc-1/3; gapd-1/3 stop at
  the limit, 0.05% and 0.58% above the best known through MathOpt, 0.06% and 0.44% through
  scipy (a single run each: time-limited searches differ from run to run).
- A province of 100,000 households (300,000 pairs, 60 s, decomposed by commune): 9581.1 through
  MathOpt, 9577.3 through scipy, of an LP bound of 9590.5, in the same time. But handing one
  model of 150,000 pairs or more to HiGHS costs 1.6-1.8x as long through MathOpt (building the
  proto, and MathOpt's own checks and copy into HiGHS): seconds, at the size of a whole province
  (``SCIPY_MIN_PAIRS``).

So ``auto`` (the default) runs HiGHS through MathOpt for ``PORTFOLIO_SHARE`` of the time (through
scipy from ``SCIPY_MIN_PAIRS`` pairs up), then CP-SAT (its own API, from the same warm start)
for the rest when HiGHS has not proven the optimum. The plan is the better of the two, and its
status, bound and ``solver`` are those of the back-end that found it.
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

__all__ = ["solve_plan", "BACKENDS", "DEFAULT_BACKEND", "PORTFOLIO", "PORTFOLIO_SHARE",
           "SCIPY_MIN_PAIRS"]

DEFAULT_BACKEND = "auto"
#: Share of the time limit HiGHS gets in the ``auto`` portfolio before CP-SAT takes over.
PORTFOLIO_SHARE = 0.75
#: The two back-ends of the ``auto`` portfolio, in turn.
PORTFOLIO = ("highs", "cpsat-native")
#: From this many pairs up, ``auto`` hands the model to HiGHS through scipy instead of MathOpt.
#: Measured (a MIP stopped at once: building the model and handing it over, twice): 150,000
#: pairs 1.1-2.6 s through MathOpt against 0.65-1.5 s through scipy, 300,000 pairs 1.9-5.6 s
#: against 1.2-3.1 s; at 45,000 pairs 0.27 against 0.18 s, and below that no difference.
SCIPY_MIN_PAIRS = 100_000
#: Building a CP-SAT model takes about this long per pair (Python, one variable at a time; 2.2 s
#: for 54,000 pairs on the loaded machine): the portfolio's CP-SAT runs only when the time left
#: covers it and half a second of search.
CPSAT_BUILD_S_PER_PAIR = 4e-5


def solve_plan(inst: Instance, settings: Settings, *, backend: str = DEFAULT_BACKEND,
               time_limit: float | None = None, coop_capacity: np.ndarray | None = None,
               coop_min: np.ndarray | None = None, tiebreak: bool = True,
               hint: np.ndarray | None = None, interrupter=None,
               work_limit: float | None = None) -> SolveOutcome:
    """Solve the full model of ``inst`` once, warm-started from ``hint`` (default: the greedy
    plan). ``status`` is optimal or timeout (a plan, not proven); when the back-end finds no
    plan, or a worse one, the warm start is returned. ``interrupter`` (MathOpt back-ends only:
    :func:`.backends.mathopt.solve_proto`) lets another thread stop the solve early;
    ``work_limit`` (CP-SAT through MathOpt only) stops it after that much deterministic time
    as well, so that where it stops does not depend on the machine's speed or load."""
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
        out = _solve_one(backend, inst, lm, settings, limit, hint, tiebreak, interrupter, work_limit)
    if out.chosen is None or out.objective < floor - 1e-9:
        # no plan in time (or a worse one): keep the warm start, and say who found it
        out.chosen = hint
        out.objective = hint_obj
        out.status = "timeout" if out.status != "optimal" else out.status
        out.solver = f"warm start kept ({out.solver} found no better plan)"
    out.seconds = time.perf_counter() - t0
    out.hint_objective = hint_obj
    return out


def _solve_one(backend: str, inst: Instance, lm: LinearModel, settings: Settings, limit: float,
               hint: np.ndarray, tiebreak: bool, interrupter=None,
               work_limit: float | None = None) -> SolveOutcome:
    if backend == "cpsat-native":
        return solve_cpsat(inst, lm, settings, limit, hint, tiebreak)
    if backend == "highs-scipy":
        return solve_highs(inst, lm, settings, limit, tiebreak)
    if backend in ("highs", "scip", "cpsat"):
        return solve_mathopt(inst, lm, settings, limit, hint, backend, tiebreak, interrupter,
                             work_limit=work_limit)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")


def _solve_portfolio(inst: Instance, lm: LinearModel, settings: Settings, limit: float,
                     hint: np.ndarray, tiebreak: bool, t0: float) -> SolveOutcome:
    """HiGHS for up to ``PORTFOLIO_SHARE`` of the time; when it has not proven the optimum,
    CP-SAT for the rest, from the same warm start. The plan is the better of the two (CP-SAT's
    on a tie only when it proved it), and its status, bound and solver are those of the
    back-end that found it; the other's bound is kept in the statistics."""
    first = "highs-scipy" if lm.n_x >= SCIPY_MIN_PAIRS else PORTFOLIO[0]
    out = _solve_one(first, inst, lm, settings, PORTFOLIO_SHARE * limit, hint, tiebreak)
    left = limit - (time.perf_counter() - t0)
    if out.status == "optimal" or left < 0.5 + CPSAT_BUILD_S_PER_PAIR * lm.n_x:
        return out
    # CP-SAT starts from the same warm start as HiGHS (``hint``), not from HiGHS's incumbent:
    # measured, its search did worse from the MIP incumbent on the bundled sample (38.45 vs
    # 38.63 in 30 s)
    cp = _solve_one(PORTFOLIO[1], inst, lm, settings, left, hint, tiebreak)
    better = cp.chosen is not None and (
        cp.objective > out.objective or (cp.objective == out.objective and cp.status == "optimal"))
    best = cp if better else out
    stats = {"portfolio": [first, PORTFOLIO[1]], "found_by": best.solver,
             "highs": {**out.stats, "bound": _finite(out.bound), "solver": out.solver},
             "cp_sat": {**cp.stats, "bound": _finite(cp.bound), "solver": cp.solver}}
    return replace(best, stats=stats)


def _finite(x: float) -> float | None:
    """A bound for plan.json (JSON has no infinity)."""
    return float(x) if math.isfinite(x) else None
