"""Commune budgets: the cost of a commune's supported households stays within its ``budget_vnd``.

Constraint ``budget[<commune_id>]``: ``sum(cost_vnd[h, p] * x[h, p] for p in the commune) <= budget``.
"""

from __future__ import annotations

import numpy as np

from ..instance import Instance
from .usage import usage

FAMILY = "budget"


def violations(inst: Instance, chosen: np.ndarray) -> list[str]:
    spend = usage(inst, chosen)["commune_spend"]
    bad = np.flatnonzero(spend > inst.c_budget)
    return [f"budget[{inst.c_ids[c]}]: spent {spend[c]} > {inst.c_budget[c]}" for c in bad]


def add(model, inst: Instance) -> None:
    """``budget[c]`` for every commune with at least one pair."""
    pc = inst.pair_c
    for c in np.unique(pc):
        idx = np.flatnonzero(pc == c)
        if inst.pair_cost[idx].sum() <= inst.c_budget[c]:
            continue  # cannot bind; kept out of the model (reported slack is computed from the plan)
        model.add_le(f"budget[{inst.c_ids[c]}]", idx, inst.pair_cost[idx], int(inst.c_budget[c]),
                     family=FAMILY, key=("commune", int(c)))


# --------------------------------------------------------------------------------------------
# The province row (``[policy] budget_split = "optimal"``, :mod:`targeting.allocation.split`)
# --------------------------------------------------------------------------------------------
#
# Commune c receives a share B_c in [lo_c, hi_c], the shares add up to at most the province's
# total P, and the commune spends at most its share. With B_c = lo_c + e_c the rows are
#   ``share[<commune_id>]``: spend_c - e_c <= lo_c        (0 <= e_c <= hi_c - lo_c)
#   ``province_budget``:     sum_c e_c <= P - sum_c lo_c
# so a minimum share a commune does not spend still counts against P. ``budget[c]`` at hi_c (the
# instance's ``c_budget``) is implied by them, and kept: every other part reads it.

COUPLED_FAMILY = "province_budget"


def coupled_rows(inst: Instance, lo: np.ndarray, hi: np.ndarray, total: int):
    """The province rows as sparse blocks over the pairs and the extra share variables.

    Returns ``(Ax, Ae, rhs, e_commune, e_upper, names)``: ``Ax @ x + Ae @ e <= rhs``; the share
    variable ``e[j]`` (VND above the minimum) belongs to commune ``e_commune[j]`` and is at most
    ``e_upper[j]``. Communes whose pairs cost no more than their minimum share get no variable
    (they never need more); the last row is ``province_budget``.
    """
    import scipy.sparse as sp

    pc = inst.pair_c
    rows, cols, vals, rhs, names, e_commune = [], [], [], [], [], []
    for c in np.unique(pc):
        idx = np.flatnonzero(pc == c)
        if inst.pair_cost[idx].sum() <= lo[c]:
            continue
        r = len(rhs)
        rows.append(np.full(len(idx), r))
        cols.append(idx)
        vals.append(inst.pair_cost[idx].astype(float))
        rhs.append(float(lo[c]))
        names.append(f"share[{inst.c_ids[c]}]")
        e_commune.append(int(c))
    n_e, n_r = len(e_commune), len(rhs) + 1
    e_commune = np.asarray(e_commune, dtype=np.int64)
    if rows:
        Ax = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n_r, inst.n_pairs))
    else:
        Ax = sp.csr_matrix((n_r, inst.n_pairs))
    # e_j: -1 in its commune's row, +1 in the province row
    e_rows = np.r_[np.arange(n_e), np.full(n_e, n_r - 1)]
    e_cols = np.r_[np.arange(n_e), np.arange(n_e)]
    e_vals = np.r_[-np.ones(n_e), np.ones(n_e)]
    Ae = sp.csr_matrix((e_vals, (e_rows, e_cols)), shape=(n_r, n_e))
    free = float(int(total) - int(np.asarray(lo, dtype=np.int64).sum()))
    rhs.append(free)
    names.append("province_budget")
    upper = (np.asarray(hi, dtype=np.int64) - np.asarray(lo, dtype=np.int64))[e_commune]
    return Ax, Ae, np.asarray(rhs), e_commune, upper.astype(float), names


def shares_for(inst: Instance, chosen: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """The least shares that fund a plan: each commune's spending, at least its minimum."""
    return np.maximum(usage(inst, chosen)["commune_spend"], np.asarray(lo, dtype=np.int64))


def coupled_violations(inst: Instance, chosen: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                       total: int) -> list[str]:
    """The province rows broken by a plan: a commune above its largest share, or shares (each
    at least its minimum) that add up to more than the province's total."""
    spend = usage(inst, chosen)["commune_spend"]
    out = [f"share[{inst.c_ids[c]}]: spent {spend[c]} > {hi[c]}"
           for c in np.flatnonzero(spend > np.asarray(hi))]
    need = int(shares_for(inst, chosen, lo).sum())
    if need > int(total):
        out.append(f"province_budget: shares {need} > {int(total)}")
    return out
