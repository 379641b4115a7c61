"""Filling a plan in a given order while every hard constraint holds (the baselines' engine,
and the optimizer's warm start)."""

from __future__ import annotations

import numpy as np

from .constraints.quotas import share_fraction
from .instance import Instance

__all__ = ["fill", "fill_viable", "greedy_order", "lp_guided_order"]


def greedy_order(inst: Instance) -> np.ndarray:
    """Pairs with a positive gain, best gain per VND first; ties: poorer, cheaper, input order."""
    gain, cost = inst.pair_gain, inst.pair_cost
    hp = inst.hh_poverty[inst.pair_h]
    pos = np.flatnonzero(gain > 0)
    ratio = gain[pos] / cost[pos]
    o = np.lexsort((pos, cost[pos], -hp[pos], -ratio))
    return pos[o]


def lp_guided_order(inst: Instance, x_lp: np.ndarray) -> np.ndarray:
    """Pairs by their LP relaxation value (largest first), then in greedy order.

    The LP optimum has at most as many fractional pairs as there are binding resource rows, so
    taking its whole pairs first and completing greedily (LP rounding) lands within a few
    households' gains of the LP bound, often within the relative gap asked for.
    """
    g = greedy_order(inst)
    rank = np.full(inst.n_pairs, len(g), dtype=np.int64)
    rank[g] = np.arange(len(g))
    x = np.round(np.asarray(x_lp, dtype=float), 6)
    cand = np.flatnonzero((x > 0) | (rank < len(g)))
    o = np.lexsort((rank[cand], -x[cand]))
    return cand[o]


def fill(inst: Instance, order: np.ndarray, closed_p: np.ndarray | None = None,
         closed_k: np.ndarray | None = None, coop_capacity: np.ndarray | None = None,
         assigned_first: bool = False) -> np.ndarray:
    """Take pairs in ``order`` while every resource constraint and every quota still holds.

    Returns the chosen pair indices. Quotas hold after every step (an empty commune meets them),
    so a household that would break one waits for qualifying households to join first.
    """
    big = np.iinfo(np.int64).max // 4
    budget = inst.c_budget.astype(np.int64).tolist()
    slots = inst.p_slots.astype(np.int64).tolist()
    env = np.where(inst.p_envelope >= 0, inst.p_envelope, big).astype(np.int64).tolist()
    kcap = (inst.k_capacity if coop_capacity is None else coop_capacity).astype(np.int64).tolist()
    ph = inst.pair_h.tolist()
    pp = inst.pair_p.tolist()
    pc = inst.p_commune.tolist()
    pk = inst.p_coop.tolist()
    cost = inst.pair_cost.tolist()
    qcoef = []
    for q in inst.quotas:
        fr = share_fraction(q.share)
        qcoef.append((q.attr.astype(np.int64) * fr.denominator - fr.numerator).tolist())
    tally = [[0] * len(inst.c_ids) for _ in qcoef]
    taken = [False] * len(inst.hh_ids)
    cp = closed_p.tolist() if closed_p is not None else [False] * len(inst.p_ids)
    ck = closed_k.tolist() if closed_k is not None else [False] * len(inst.k_ids)
    chosen: list[int] = []
    pending = [int(i) for i in _forced_first(inst, order)]
    # ``assigned_first`` (the optimizer's warm start): the meeting's assigned pairs are taken
    # even when a quota is not yet met (the households that meet it come after them; the MIP
    # repairs the rest). The baselines keep every quota after every step.
    must = set()
    if assigned_first and inst.pair_forced is not None:
        must = set(np.flatnonzero(inst.pair_forced).tolist())
    while pending:
        deferred = []
        took = False
        for i in pending:
            h = ph[i]
            if taken[h]:
                continue
            p = pp[i]
            if cp[p] or slots[p] <= 0:
                continue
            c = pc[p]
            cst = cost[i]
            if cst > budget[c] or cst > env[p]:
                continue
            k = pk[p]
            if k >= 0 and (ck[k] or kcap[k] <= 0):
                continue
            if qcoef and i not in must and any(t[c] + qc[h] < 0 for t, qc in zip(tally, qcoef)):
                deferred.append(i)
                continue
            taken[h] = True
            slots[p] -= 1
            budget[c] -= cst
            env[p] -= cst
            if k >= 0:
                kcap[k] -= 1
            for t, qc in zip(tally, qcoef):
                t[c] += qc[h]
            chosen.append(i)
            took = True
        if not took:
            break
        pending = deferred
    return np.asarray(chosen, dtype=np.int64)


def fill_viable(inst: Instance, order: np.ndarray, coop_capacity: np.ndarray | None = None,
                coop_min: np.ndarray | None = None, assigned_first: bool = True) -> np.ndarray:
    """:func:`fill`, closing projects below their group minimum and cooperatives below their
    minimum, and filling again, until every open project and linked cooperative is viable.

    ``assigned_first`` (the optimizer's warm start; the baselines pass False): the meeting's
    assigned pairs are taken before any quota is met, and a project or cooperative holding one
    that ends below its minimum is filled first in a second try."""
    closed_p = np.zeros(len(inst.p_ids), dtype=bool)
    closed_k = np.zeros(len(inst.k_ids), dtype=bool)
    topped_up = False
    while True:
        chosen = fill(inst, order, closed_p, closed_k, coop_capacity, assigned_first)
        n_p = np.bincount(inst.pair_p[chosen], minlength=len(inst.p_ids))
        k = inst.p_coop[inst.pair_p[chosen]]
        n_k = np.bincount(k[k >= 0], minlength=len(inst.k_ids))
        bad_p = (n_p > 0) & (n_p < inst.p_min_group)
        bad_k = (n_k > 0) & (n_k < (inst.k_min if coop_min is None else coop_min))
        if not bad_p.any() and not bad_k.any():
            return chosen
        if inst.pair_forced is not None:
            # the meeting's assigned pairs are never dropped: their project and cooperative stay
            # open (a plan that then misses a minimum is a conflict the caller reports)
            keep_p, keep_k = _forced_projects(inst)
            if assigned_first and not topped_up and ((bad_p & keep_p).any()
                                                     or (bad_k & keep_k).any()):
                # a project or cooperative holding an assigned pair is below its minimum: fill
                # the pairs of those first (measured: without it the warm start of a decided
                # province broke a group minimum, and a MIP stopped early kept it)
                order = np.asarray(order, dtype=np.int64)
                pk = inst.pair_k[order]
                first = keep_p[inst.pair_p[order]]
                first[pk >= 0] |= keep_k[pk[pk >= 0]]
                order = np.r_[order[first], order[~first]]
                topped_up = True
                continue
            bad_p &= ~keep_p
            bad_k &= ~keep_k
            if not bad_p.any() and not bad_k.any():
                return chosen
        closed_p |= bad_p
        closed_k |= bad_k


def _forced_first(inst: Instance, order: np.ndarray) -> np.ndarray:
    """``order`` with the meeting's assigned pairs first (unchanged without decisions)."""
    if inst.pair_forced is None:
        return np.asarray(order)
    forced = np.flatnonzero(inst.pair_forced)
    order = np.asarray(order, dtype=np.int64)
    return np.r_[forced, order[~inst.pair_forced[order]]].astype(np.int64)


def _forced_projects(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the projects and cooperatives that hold an assigned pair."""
    keep_p = np.zeros(len(inst.p_ids), dtype=bool)
    keep_p[inst.pair_p[inst.pair_forced]] = True
    keep_k = np.zeros(len(inst.k_ids), dtype=bool)
    k = inst.pair_k[inst.pair_forced]
    keep_k[k[k >= 0]] = True
    return keep_p, keep_k
