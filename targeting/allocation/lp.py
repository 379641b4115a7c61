"""The LP relaxation of the named model, built as one sparse matrix and solved with HiGHS
(through scipy by default; through OR-Tools MathOpt, or GLOP or PDLP there, on request).

Its value is a proven upper bound on the optimum (every plan is a point of the relaxation), its
duals price the commune budgets and the cooperative linkages, and its solution guides the
search: the LP-guided neighbourhood (:func:`guided_pairs`) and the decomposition's cooperative
shares per commune. The same sparse matrix (:func:`.model.constraint_matrix`) is the MIP the
back-ends solve (:mod:`.backends`). Building it with sparse arrays instead of one
``pywraplp`` call per coefficient keeps it to a couple of seconds at province scale (300,000
pairs), where the row-by-row build alone took longer than solving.

Measured (benchmarks/README.md, "Optimizer"): HiGHS gives the same solution, duals and reduced
costs through scipy and through MathOpt, scipy's slightly quicker at each size (300,000 pairs:
16.4 against 17.3 s); GLOP took 94 s there and PDLP more than 4 minutes. Hence scipy by default.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import linprog

from .backends.mathopt import LP_SOLVER_TYPES, model_proto, solve_proto
from .instance import Instance
from .model import LinearModel, build_model, constraint_matrix
from .results import LPSolution

__all__ = ["lp_relaxation", "lp_arrays", "guided_pairs", "RC_SHARE", "LP_SOLVERS", "DEFAULT_LP_SOLVER"]

#: Who solves the LP relaxation: HiGHS through ``scipy.optimize.linprog``, or HiGHS, GLOP or
#: PDLP through OR-Tools MathOpt (:mod:`.backends.mathopt`).
LP_SOLVERS = ("scipy", "highs", "glop", "pdlp")
DEFAULT_LP_SOLVER = "scipy"
#: A time limit for the LP relaxation: none in practice (it is solved to optimality).
_LP_LIMIT = 3600.0

#: Pairs whose LP reduced cost is within this share of the median positive gain stay in the
#: LP-guided neighbourhood (:func:`guided_pairs`).
RC_SHARE = 0.05


def lp_relaxation(inst: Instance, coop_capacity: np.ndarray | None = None,
                  model: LinearModel | None = None,
                  solver: str = DEFAULT_LP_SOLVER, time_limit: float | None = None) -> LPSolution:
    """Solve the LP relaxation (see :class:`~.results.LPSolution` for what it returns) with
    ``solver``, one of :data:`LP_SOLVERS`, within ``time_limit`` seconds (default: no limit in
    practice); ``RuntimeError`` when it is not solved in time."""
    if solver not in LP_SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(LP_SOLVERS)}; got {solver!r}")
    t0 = time.perf_counter()
    m = model or build_model(inst, coop_capacity=coop_capacity)
    A, b, cons, off, cost, lower, upper = lp_arrays(inst, m)
    bounds = np.c_[lower, upper]
    if A.shape[0] == 0:
        x = np.maximum((cost < 0).astype(float) * upper, lower[: m.n_x])
        return LPSolution(bound=float(-(cost @ x)), x=x[: m.n_x],
                          reduced_cost=np.maximum(cost[: m.n_x], 0),
                          budget_dual=np.zeros(len(inst.c_ids)), coop_dual=np.zeros(len(inst.k_ids)),
                          seconds=time.perf_counter() - t0)
    if solver == "scipy":
        limit = _LP_LIMIT if time_limit is None else max(0.01, float(time_limit))
        res = linprog(cost, A_ub=A, b_ub=b, bounds=bounds, method="highs",
                      options={"time_limit": limit})
        if res.status != 0:
            raise RuntimeError(f"LP relaxation not solved: {res.message}")
        # >= 0: objective gain per unit of right-hand side
        duals = -np.asarray(res.ineqlin.marginals)
        # reduced cost of each pair at 0: how much the LP value drops per unit of x forced up
        rc = np.asarray(res.lower.marginals[: m.n_x])
        x, bound = np.asarray(res.x[: m.n_x]), float(-res.fun)
    else:
        x, bound, duals, rc = _lp_mathopt(m, -cost, (A, b, cons, off), solver,
                                          _LP_LIMIT if time_limit is None else time_limit)
    bdual = np.zeros(len(inst.c_ids))
    kdual = np.zeros(len(inst.k_ids))
    for i, c in enumerate(cons):
        if c.family == "budget":
            bdual[c.key[1]] = duals[off + i]
        elif c.family == "cooperative":
            kdual[c.key[1]] = duals[off + i]
    return LPSolution(bound=bound, x=x, reduced_cost=rc, budget_dual=bdual, coop_dual=kdual,
                      seconds=time.perf_counter() - t0)


def lp_arrays(inst: Instance, m: LinearModel):
    """The LP relaxation of ``m`` as arrays, to minimise ``cost @ v`` over ``A @ v <= b``,
    ``lower <= v <= upper`` (``v``: pairs, then the model's binaries): ``(A, b, constraints,
    offset, cost, lower, upper)``, the first four as :func:`.model.constraint_matrix` gives them."""
    n_var = m.n_x + len(m.bool_names)
    A, b, cons, off = constraint_matrix(m)
    cost = np.zeros(n_var)
    cost[: m.n_x] = -inst.pair_gain
    upper = np.ones(n_var)
    upper[: m.n_x][m.zero] = 0.0
    return A, b, cons, off, cost, m.lower_bounds(), upper


def _lp_mathopt(m: LinearModel, gain: np.ndarray, matrix, solver: str, limit: float):
    """The LP through MathOpt: ``(x, bound, duals, reduced cost at 0)`` as :func:`lp_relaxation`
    reads them from scipy (duals >= 0 per row; reduced costs >= 0 for pairs at their lower
    bound, 0 for the others)."""
    proto = model_proto(m, gain, integer=False, matrix=matrix)
    ans = solve_proto(proto, LP_SOLVER_TYPES[solver], limit=limit, lp_duals=True)
    if ans.status != "optimal" or ans.duals is None:
        raise RuntimeError(f"LP relaxation not solved: {ans.reason}")
    x = ans.values[: m.n_x]
    rc = np.maximum(-ans.reduced_costs[: m.n_x], 0.0)
    bound = max(ans.objective, ans.bound) if np.isfinite(ans.bound) else ans.objective
    if solver == "pdlp":  # a first-order method: its optimum is within its own tolerances
        bound += 1e-6 * max(1.0, abs(bound))
    return x, float(bound), np.maximum(ans.duals, 0.0), rc


def guided_pairs(inst: Instance, lp: LPSolution) -> np.ndarray:
    """The LP-guided neighbourhood, as a mask over pairs: those the LP uses, or whose reduced
    cost is within ``RC_SHARE`` of the median positive gain (a small share of the pairs, where
    the optimum of the whole model nearly always lies)."""
    pos = inst.pair_gain[inst.pair_gain > 0]
    thr = RC_SHARE * float(np.median(pos)) if len(pos) else 0.0
    return (lp.x > 1e-6) | (lp.reduced_cost <= thr)
