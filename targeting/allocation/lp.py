"""The LP relaxation of the named model, built as one sparse matrix and solved with HiGHS (scipy).

Its value is a proven upper bound on the optimum (every plan is a point of the relaxation), its
duals price the commune budgets and the cooperative linkages, and its solution guides the
search: the LP-guided neighbourhood (:func:`guided_pairs`) and the decomposition's cooperative
shares per commune. The same sparse matrix (:func:`constraint_matrix`) is the MIP HiGHS solves
(:mod:`.backends.highs`). Building it with sparse arrays instead of one
``pywraplp`` call per coefficient keeps it to a couple of seconds at province scale (300,000
pairs), where the row-by-row build alone took longer than solving.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .instance import Instance
from .model import LinearModel, build_model
from .results import LPSolution

__all__ = ["lp_relaxation", "constraint_matrix", "guided_pairs", "RC_SHARE"]

#: Pairs whose LP reduced cost is within this share of the median positive gain stay in the
#: LP-guided neighbourhood (:func:`guided_pairs`).
RC_SHARE = 0.05


def constraint_matrix(m: LinearModel):
    """Every row of ``m`` as ``A @ v <= b`` over the variables ``v`` (pairs, then the model's
    binaries). Returns ``(A, b, constraints, offset)``: ``constraints[i]`` is row ``offset + i``
    (before them: one row per household, then the ``x <= open/linked`` links)."""
    n_var = m.n_x + len(m.bool_names)
    rows, cols, vals, ub = [], [], [], []
    r = 0
    # one_project[h]: every household, as one row (a row of a single pair is harmless)
    ph = m.inst.pair_h
    if len(ph):
        uniq, inv = np.unique(ph, return_inverse=True)
        rows.append(inv)
        cols.append(np.arange(m.n_x))
        vals.append(np.ones(m.n_x))
        ub.append(np.ones(len(uniq)))
        r = len(uniq)
    for _, idx, j in m.links:
        k = len(idx)
        rows.append(np.repeat(np.arange(r, r + k), 2))
        cols.append(np.column_stack([idx, np.full(k, j)]).ravel())
        vals.append(np.tile([1.0, -1.0], k))
        ub.append(np.zeros(k))
        r += k
    names = []
    for c in m.constraints:
        sign = 1.0 if c.ub is not None else -1.0
        rhs = c.ub if c.ub is not None else c.lb
        k = len(c.idx) + len(c.extra)
        rows.append(np.full(k, r))
        cols.append(np.r_[c.idx, [j for j, _ in c.extra]].astype(np.int64))
        vals.append(sign * np.r_[c.coef.astype(float), [float(a) for _, a in c.extra]])
        ub.append(np.array([sign * float(rhs)]))
        names.append(c)
        r += 1
    if r == 0:
        return sp.csr_matrix((0, n_var)), np.zeros(0), names, 0
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(r, n_var))
    n_before = (len(np.unique(ph)) if len(ph) else 0) + sum(len(i) for _, i, _ in m.links)
    return A, np.concatenate(ub), names, n_before


def lp_relaxation(inst: Instance, coop_capacity: np.ndarray | None = None,
                  model: LinearModel | None = None) -> LPSolution:
    """Solve the LP relaxation (see :class:`~.results.LPSolution` for what it returns)."""
    t0 = time.perf_counter()
    m = model or build_model(inst, coop_capacity=coop_capacity)
    n_var = m.n_x + len(m.bool_names)
    A, b, cons, off = constraint_matrix(m)
    cost = np.zeros(n_var)
    cost[: m.n_x] = -inst.pair_gain
    upper = np.ones(n_var)
    upper[: m.n_x][m.zero] = 0.0
    lower = m.lower_bounds()
    bounds = np.c_[lower, upper]
    if A.shape[0] == 0:
        x = np.maximum((cost < 0).astype(float) * upper, lower[: m.n_x])
        return LPSolution(bound=float(-(cost @ x)), x=x[: m.n_x],
                          reduced_cost=np.maximum(cost[: m.n_x], 0),
                          budget_dual=np.zeros(len(inst.c_ids)), coop_dual=np.zeros(len(inst.k_ids)),
                          seconds=time.perf_counter() - t0)
    res = linprog(cost, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"LP relaxation not solved: {res.message}")
    duals = -np.asarray(res.ineqlin.marginals)  # >= 0: objective gain per unit of right-hand side
    bdual = np.zeros(len(inst.c_ids))
    kdual = np.zeros(len(inst.k_ids))
    for i, c in enumerate(cons):
        if c.family == "budget":
            bdual[c.key[1]] = duals[off + i]
        elif c.family == "cooperative":
            kdual[c.key[1]] = duals[off + i]
    # reduced cost of each pair at 0: how much the LP value drops per unit of x forced up
    rc = np.asarray(res.lower.marginals[: m.n_x])
    return LPSolution(bound=float(-res.fun), x=np.asarray(res.x[: m.n_x]), reduced_cost=rc,
                      budget_dual=bdual, coop_dual=kdual, seconds=time.perf_counter() - t0)


def guided_pairs(inst: Instance, lp: LPSolution) -> np.ndarray:
    """The LP-guided neighbourhood, as a mask over pairs: those the LP uses, or whose reduced
    cost is within ``RC_SHARE`` of the median positive gain (a small share of the pairs, where
    the optimum of the whole model nearly always lies)."""
    pos = inst.pair_gain[inst.pair_gain > 0]
    thr = RC_SHARE * float(np.median(pos)) if len(pos) else 0.0
    return (lp.x > 1e-6) | (lp.reduced_cost <= thr)
