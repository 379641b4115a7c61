"""The province budget split (``[policy] budget_split``): how much of the province's money each
commune may spend.

- ``fixed``: each commune's ``budget_vnd`` is its cap (nothing here runs).
- ``proportional``: the province's total (``province_budget_vnd``, default the sum of the
  communes' ``budget_vnd``) in proportion to the poor households on each commune's register
  (households.csv ``status = poor``). Each share is clipped to ``[min_commune_share,
  max_commune_share]`` times the commune's own ``budget_vnd``, and what the clipping frees or
  takes is handed to the other communes in the same proportion, so the total is used exactly
  (unless every commune is at its largest share). Shares are whole VND: rounded down, the
  remainder one VND at a time by largest fraction, communes in file order on ties.
- ``optimal``: the optimizer decides the shares as well (:func:`solve_split`): every commune's
  share within its bounds, the shares adding up to at most the total, each commune spending at
  most its share (the rows of :func:`.constraints.budgets.coupled_rows`). One row couples every
  commune, so the exact split into independent groups of communes no longer holds for the
  coupled problem; it is solved as:

  1. the LP relaxation of the coupled problem: a proven upper bound on every plan, and the
     price of the province's money (the dual of ``province_budget``);
  2. plans under fixed shares, each solved by the ordinary optimizer (exact by groups of
     communes, decomposed at province scale): the commune's own budgets (``fixed``, when they fit
     the total), the ``proportional`` shares and the LP's shares (its spending per commune,
     rounded down). Each is a plan of the coupled problem when its spending fits the rows;
  3. if the best is not yet within ``relative_gap`` of the LP bound: below
     :data:`COUPLED_MIP_MAX_PAIRS` pairs, the coupled MIP (HiGHS) in the time left, whose own
     bound also counts; above, one coordinating round: the money the best plan leaves unspent
     goes to the communes whose budgets the LP prices highest, and the plan is solved again;
  4. money the best plan still leaves unallocated is spent greedily (:func:`_top_up`: best
     gain per VND, in projects and cooperatives already running) where that adds exits.

  The plan is the best of these (so never worse than the fixed or proportional split that was
  solved), its shares the least that fund it (each commune's spending, at least its minimum
  share), and its bound the least of the proven bounds of the coupled problem. Baseline
  strategies cannot choose shares: with ``optimal`` they use the proportional split.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ..config import Settings
from ..errors import PolicyConflictError
from . import conflicts
from .backends.highs import native_stdout_silenced
from .baselines import run_baseline
from .constraints import budgets
from .constraints.usage import usage
from .fill import fill, greedy_order
from .instance import Instance
from .model import build_model, constraint_matrix
from .objective import scale_gains, small_tiebreak_weights
from .results import AllocationResult, LPSolution, SolveOutcome, status_from_gap
from .solve import PER_VND, optimal_result, solve_optimal

__all__ = ["SplitBounds", "split_bounds", "poor_weights", "proportional_shares", "run_split",
           "solve_split", "coupled_lp", "COUPLED_MIP_MAX_PAIRS", "COUNTED"]

log = logging.getLogger(__name__)

#: Up to this many pairs the coupled MIP is tried when the fixed-share plans are not proven.
COUPLED_MIP_MAX_PAIRS = 60_000
#: What the proportional split counts, for plan.json.
COUNTED = "poor households (households.csv status = poor) on each commune's register"
#: Share of the time limit each comparison plan (fixed, proportional) may take.
_COMPARE_SHARE = 0.2


@dataclass(frozen=True)
class SplitBounds:
    """The province's total and each commune's share bounds, in whole VND (commune order)."""

    total: int
    requested: np.ndarray  # each commune's budget_vnd
    lo: np.ndarray
    hi: np.ndarray
    total_is_default: bool

    def describe(self, settings: Settings) -> dict:
        return {
            "province_budget_vnd": int(self.total),
            "province_budget_source": ("sum of communes.csv budget_vnd" if self.total_is_default
                                       else "scenario.toml [policy] province_budget_vnd"),
            "requested_total_vnd": int(self.requested.sum()),
            "min_commune_share": float(settings.min_commune_share),
            "max_commune_share": float(settings.max_commune_share),
        }


def _times(values: np.ndarray, share: float, up: bool) -> np.ndarray:
    """``values * share`` rounded up or down to whole VND, exactly (share as typed)."""
    fr = Fraction(str(share)).limit_denominator(10**6)
    out = []
    for v in np.asarray(values, dtype=np.int64).tolist():
        num = v * fr.numerator
        out.append(-(-num // fr.denominator) if up else num // fr.denominator)
    return np.asarray(out, dtype=np.int64)


def split_bounds(c_ids: np.ndarray, requested: np.ndarray, settings: Settings) -> SplitBounds:
    """The bounds of ``settings``' split; :class:`PolicyConflictError` (exit 3) when even the
    smallest shares add up to more than the province's total."""
    req = np.asarray(requested, dtype=np.int64)
    default = settings.province_budget_vnd is None
    total = int(req.sum()) if default else int(settings.province_budget_vnd)
    lo = _times(req, settings.min_commune_share, up=True)
    hi = _times(req, settings.max_commune_share, up=False)
    if int(lo.sum()) > total:
        raise PolicyConflictError(
            f"scenario.toml [policy]: min_commune_share = {settings.min_commune_share:g} gives the "
            f"{len(req)} communes at least {int(lo.sum()):,} VND in all, more than "
            f"province_budget_vnd = {total:,}; lower min_commune_share or raise "
            "province_budget_vnd")
    return SplitBounds(total=total, requested=req, lo=lo, hi=hi, total_is_default=default)


def poor_weights(households: pd.DataFrame, c_ids: np.ndarray) -> np.ndarray:
    """Poor households per commune (``c_ids`` order): what the proportional split counts."""
    if "status" not in households or "commune_id" not in households:
        return np.zeros(len(c_ids))
    poor = households.loc[households["status"].astype(str) == "poor", "commune_id"].astype(str)
    counts = poor.value_counts()
    return np.array([float(counts.get(str(c), 0)) for c in c_ids])


def _water_fill(lo: np.ndarray, hi: np.ndarray, w: np.ndarray, total: float) -> np.ndarray:
    """``clip(t * w, lo, hi)`` with ``t`` such that the sum is ``total`` (as near as the bounds
    allow): shares in proportion to ``w``, what the bounds free handed to the others."""
    lo, hi, w = lo.astype(float), hi.astype(float), np.asarray(w, dtype=float)
    top = np.where(w > 0, hi, lo)
    if top.sum() <= total:
        return top
    if lo.sum() >= total:
        return lo
    a, b = 0.0, float(np.max(hi[w > 0] / w[w > 0]))
    for _ in range(200):
        t = 0.5 * (a + b)
        if np.clip(t * w, lo, hi).sum() < total:
            a = t
        else:
            b = t
    return np.clip(b * w, lo, hi)


def _whole(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: int) -> np.ndarray:
    """Whole VND within the bounds adding up to ``total`` (or to the nearest the bounds allow):
    rounded down, then one VND at a time by largest fraction (file order on ties)."""
    base = np.clip(np.floor(x + 1e-6).astype(np.int64), lo, hi)
    target = min(int(total), int(hi.sum()))
    left = target - int(base.sum())
    order = np.lexsort((np.arange(len(x)), -(x - base)))
    while left > 0:
        room = [c for c in order if base[c] < hi[c]]
        for c in room[:left]:
            base[c] += 1
        left = target - int(base.sum())
    while left < 0:
        room = [c for c in order[::-1] if base[c] > lo[c]]
        for c in room[:-left]:
            base[c] -= 1
        left = target - int(base.sum())
    return base


def proportional_shares(bounds: SplitBounds, weights: np.ndarray) -> tuple[np.ndarray, str]:
    """The proportional split: shares in proportion to ``weights`` (poor households), within the
    bounds, using the whole total when the bounds allow. Returns ``(shares, what was counted)``.

    A commune with no poor household gets its smallest share; only if the others are all at
    their largest does the rest go to such communes, in proportion to their own budgets (and with
    no poor household anywhere, every share is in proportion to the budgets)."""
    lo, hi, total = bounds.lo, bounds.hi, bounds.total
    w = np.asarray(weights, dtype=float)
    counted = COUNTED
    if not (w > 0).any():
        w = bounds.requested.astype(float)
        counted = "communes.csv budget_vnd (no commune has a poor household)"
    x = _water_fill(lo, hi, w, float(total))
    if x.sum() < total - 0.5 and (w == 0).any():  # the rest to communes without poor households
        x = _water_fill(x, np.where(w == 0, hi, x), bounds.requested.astype(float), float(total))
    return _whole(x, lo, hi, total), counted


# --------------------------------------------------------------------------------------------
# The coupled problem
# --------------------------------------------------------------------------------------------


@dataclass
class _Coupled:
    """The coupled model as one sparse matrix over pairs, the model's binaries and the shares."""

    A: sp.csr_matrix
    b: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_x: int
    n_var: int  # pairs and binaries
    e_commune: np.ndarray
    model_rows: list  # the model's named constraints
    offset: int  # row of model_rows[0]
    share_rows: list[str]


def _coupled_matrix(inst_hi: Instance, bounds: SplitBounds) -> _Coupled:
    m = build_model(inst_hi)
    A, b, cons, off = constraint_matrix(m)
    n_var = m.n_x + len(m.bool_names)
    Ax, Ae, rb, e_c, e_ub, names = budgets.coupled_rows(inst_hi, bounds.lo, bounds.hi, bounds.total)
    n_e = len(e_c)
    pad = sp.csr_matrix((Ax.shape[0], n_var - m.n_x))
    top = sp.hstack([sp.csr_matrix(A, shape=(A.shape[0], n_var)), sp.csr_matrix((A.shape[0], n_e))])
    bottom = sp.hstack([Ax, pad, Ae])
    full = sp.vstack([top, bottom]).tocsr()
    upper = np.ones(n_var)
    upper[: m.n_x][m.zero] = 0.0
    return _Coupled(A=full, b=np.r_[b, rb], lower=np.r_[m.lower_bounds(), np.zeros(n_e)],
                    upper=np.r_[upper, e_ub], n_x=m.n_x, n_var=n_var, e_commune=e_c,
                    model_rows=cons, offset=off, share_rows=names)


def coupled_lp(inst_hi: Instance, bounds: SplitBounds,
               cm: _Coupled | None = None) -> tuple[LPSolution, np.ndarray, float]:
    """The LP relaxation of the coupled problem on ``inst_hi`` (budgets at the largest shares).

    Returns ``(lp, shares, price)``: the LP (its ``budget_dual`` per commune is the value of one
    more VND for that commune alone, outside the province's total), the LP's shares (each
    commune's minimum plus what it takes from the total) and the price of one more VND of the
    province's total (the dual of ``province_budget``)."""
    t0 = time.perf_counter()
    cm = cm or _coupled_matrix(inst_hi, bounds)
    cost = np.zeros(len(cm.lower))
    cost[: cm.n_x] = -inst_hi.pair_gain
    res = linprog(cost, A_ub=cm.A, b_ub=cm.b, bounds=np.c_[cm.lower, cm.upper], method="highs")
    if res.status != 0:
        raise RuntimeError(f"coupled LP relaxation not solved: {res.message}")
    duals = -np.asarray(res.ineqlin.marginals)
    nc = len(inst_hi.c_ids)
    bdual, kdual = np.zeros(nc), np.zeros(len(inst_hi.k_ids))
    for i, c in enumerate(cm.model_rows):
        if c.family == "budget":
            bdual[c.key[1]] += duals[cm.offset + i]
        elif c.family == "cooperative":
            kdual[c.key[1]] = duals[cm.offset + i]
    first = cm.offset + len(cm.model_rows)
    bdual[cm.e_commune] += duals[first: first + len(cm.e_commune)]
    price = float(duals[-1])
    shares = bounds.lo.astype(float).copy()
    shares[cm.e_commune] += np.asarray(res.x[cm.n_var:])
    lp = LPSolution(bound=float(-res.fun), x=np.asarray(res.x[: cm.n_x]),
                    reduced_cost=np.asarray(res.lower.marginals[: cm.n_x]), budget_dual=bdual,
                    coop_dual=kdual, seconds=time.perf_counter() - t0)
    return lp, shares, price


def _coupled_mip(inst_hi: Instance, cm: _Coupled, settings: Settings,
                 limit: float) -> SolveOutcome | None:
    """The coupled MIP with HiGHS (through scipy), exactly scaled gains and the tie-break in
    the objective as :mod:`.backends.highs` does; ``None`` without a plan in time."""
    t0 = time.perf_counter()
    sg = scale_gains(inst_hi.pair_gain, len(inst_hi.hh_ids))
    K, w = 1, 0
    if sg.exact:
        w = small_tiebreak_weights(inst_hi)
        K = int(w.sum()) + 1
        if float(np.abs(sg.values).sum()) * K + K > 2.0**52:
            K, w = 1, 0
        cost_x = -(sg.values.astype(float) * K + w)
    else:
        cost_x = -inst_hi.pair_gain
    cost = np.zeros(len(cm.lower))
    cost[: cm.n_x] = cost_x
    integrality = np.r_[np.ones(cm.n_var), np.zeros(len(cm.e_commune))]
    opts = {"mip_rel_gap": float(settings.relative_gap), "time_limit": max(0.05, float(limit)),
            "disp": False}
    with native_stdout_silenced():
        res = milp(cost, constraints=[LinearConstraint(cm.A, -np.inf, cm.b)],
                   integrality=integrality, bounds=Bounds(cm.lower, cm.upper), options=opts)
    if res.x is None:
        return None
    chosen = np.flatnonzero(res.x[: cm.n_x] > 0.5)
    dual = getattr(res, "mip_dual_bound", None)
    dual_bound = -float(dual if dual is not None else res.fun)
    if sg.exact:
        bound = sg.true_bound(math.floor(dual_bound / K + 1e-9), len(inst_hi.hh_ids))
    else:
        bound = dual_bound + 1e-6 * max(1.0, abs(dual_bound))
    objective = inst_hi.total_gain(chosen)
    return SolveOutcome(chosen=chosen, status="optimal" if res.status == 0 else "timeout",
                        objective=objective, bound=max(bound, objective),
                        solver="highs via scipy.optimize.milp (coupled model)",
                        seconds=time.perf_counter() - t0,
                        stats={"highs_status": int(res.status),
                               "nodes": int(getattr(res, "mip_node_count", 0) or 0)})


def _fits(inst: Instance, chosen: np.ndarray, bounds: SplitBounds) -> bool:
    return not budgets.coupled_violations(inst, chosen, bounds.lo, bounds.hi, bounds.total)


def _solve_shares(inst: Instance, shares: np.ndarray, settings: Settings, limit: float,
                  engine) -> AllocationResult:
    s = replace(settings, time_limit_s=max(0.5, float(limit)))
    funded = replace(inst, c_budget=np.asarray(shares, dtype=np.int64))
    conflicts.raise_if_decisions_conflict(funded)  # assigned pairs these shares cannot fund
    return solve_optimal(funded, s, engine=engine)


def _chosen(inst: Instance, res: AllocationResult) -> np.ndarray:
    """Pair indices of a result's assignment in ``inst``."""
    key = pd.MultiIndex.from_frame(res.assignment[["household_id", "project_id"]].astype(str))
    pairs = pd.MultiIndex.from_arrays([inst.hh_ids[inst.pair_h].astype(str),
                                       inst.p_ids[inst.pair_p].astype(str)])
    return np.flatnonzero(pairs.isin(key))


def _summary(res: AllocationResult | None, fits: bool | None, total: int, why: str = "") -> dict:
    if res is None:
        return {"solved": False, "reason": why}
    return {"solved": True, "objective": float(res.objective), "status": res.status,
            "bound": None if res.bound is None else float(res.bound),
            "gap": None if res.gap is None else float(res.gap),
            "seconds": round(float(res.solve_seconds), 3),
            "total_vnd": int(total), "fits_province_budget": bool(fits)}


def solve_split(inst: Instance, bounds: SplitBounds, proportional: np.ndarray,
                settings: Settings, *, engine=None) -> tuple[AllocationResult, np.ndarray, dict]:
    """The ``optimal`` split (see the module docstring). Returns the plan (on the instance with
    the chosen shares as budgets), the shares and plan.json's account of how they were found."""
    t0 = time.perf_counter()
    limit = float(settings.time_limit_s)
    inst_hi = replace(inst, c_budget=bounds.hi)
    conflicts.raise_if_decisions_conflict(inst_hi)
    cm = _coupled_matrix(inst_hi, bounds)
    lp, lp_shares, price = coupled_lp(inst_hi, bounds, cm)
    lp_bound = float(lp.bound) + 1e-9 * abs(float(lp.bound))
    plans: dict[str, tuple[np.ndarray, float, str]] = {}  # name -> (chosen, objective, status)
    tried: dict[str, dict] = {}
    stopped = False

    def consider(name: str, res: AllocationResult | None, total: int, why: str = "") -> None:
        nonlocal stopped
        if res is None:
            tried[name] = _summary(None, None, total, why)
            return
        chosen = _chosen(inst_hi, res)
        fits = _fits(inst_hi, chosen, bounds)
        tried[name] = _summary(res, fits, total)
        if fits:
            plans[name] = (chosen, float(res.objective), res.status)
            stopped = stopped or res.status == "timeout"

    def attempt(name: str, shares: np.ndarray, time_share: float) -> None:
        left = limit - (time.perf_counter() - t0)
        if left < 0.5:
            consider(name, None, int(shares.sum()), "no time left within time_limit_s")
            return
        try:
            res = _solve_shares(inst, shares, settings, time_share * left, engine)
        except PolicyConflictError as e:
            consider(name, None, int(shares.sum()), f"policy conflict: {e}")
            return
        consider(name, res, int(shares.sum()))

    def best() -> tuple[str, np.ndarray, float]:
        if not plans:
            return "", np.zeros(0, dtype=np.int64), 0.0
        name = max(plans, key=lambda k: (plans[k][1], -list(plans).index(k)))
        return name, plans[name][0], plans[name][1]

    def proven(bound: float) -> bool:
        return bound - best()[2] <= settings.relative_gap * abs(bound) + 1e-12

    bound = lp_bound
    lp_whole = np.clip(np.floor(lp_shares + 1e-6).astype(np.int64), bounds.lo, bounds.hi)
    small = inst.n_pairs <= COUPLED_MIP_MAX_PAIRS
    # The two usual splits: what the report compares with, and plans of the coupled problem.
    # The fixed split goes first at every scale, so the plan is never below the fixed plan the
    # report sets beside it, however short the time (at province scale with the LP's shares
    # first, a 60 s limit left the fixed split no time and the plan 0.6% below it).
    attempt("fixed", bounds.requested, _COMPARE_SHARE if small else 1 / 3)
    if not small:  # at province scale the LP's shares are the best bet for more exits
        attempt("lp_shares", lp_whole, 0.5)
    attempt("proportional", proportional, _COMPARE_SHARE / (1 - _COMPARE_SHARE) if small else 1.0)
    route = "lp"
    if proven(bound):
        pass
    elif small and limit - (time.perf_counter() - t0) > 0.5:
        route = "coupled_mip"
        # most of the time left; the rest for the LP's shares should the MIP find no plan
        mip = _coupled_mip(inst_hi, cm, settings, 0.85 * (limit - (time.perf_counter() - t0)))
        if mip is None:
            tried["coupled_mip"] = {"solved": False, "reason": "no plan within the time left"}
            attempt("lp_shares", lp_whole, 1.0)
        else:
            ok = _fits(inst_hi, mip.chosen, bounds) and not _broken(inst_hi, mip.chosen)
            tried["coupled_mip"] = {"solved": True, "objective": mip.objective,
                                    "status": mip.status, "bound": mip.bound,
                                    "seconds": round(mip.seconds, 3),
                                    "fits_province_budget": ok}
            if ok:
                plans["coupled_mip"] = (mip.chosen, mip.objective, mip.status)
                bound = min(bound, mip.bound)
            stopped = stopped or mip.status == "timeout"
    elif not small:
        route = "lp_shares"
        if limit - (time.perf_counter() - t0) > 1.0 and plans:
            route = "coordinating_round"
            attempt("coordinated", _coordinate(inst_hi, best()[1], bounds, lp), 1.0)
    name, chosen, objective = best()
    if name and bounds.total > int(budgets.shares_for(inst_hi, chosen, bounds.lo).sum()):
        topped = _top_up(inst_hi, chosen, bounds, lp)
        if inst_hi.total_gain(topped) > objective and _fits(inst_hi, topped, bounds) \
                and not _broken(inst_hi, topped):
            tried["top_up"] = {"solved": True, "objective": inst_hi.total_gain(topped),
                               "from": name, "added_households": int(len(topped) - len(chosen))}
            name, chosen, objective = "top_up", topped, inst_hi.total_gain(topped)
    shares = budgets.shares_for(inst_hi, chosen, bounds.lo)
    inst_b = replace(inst, c_budget=shares)
    objective = inst_b.total_gain(chosen)
    out = SolveOutcome(
        chosen=chosen, objective=objective, bound=max(bound, objective),
        status=status_from_gap(objective, bound, settings.relative_gap, stopped=stopped),
        solver=f"province budget split ({name or 'empty plan'})", seconds=time.perf_counter() - t0,
        stats={"coupled_lp_seconds": round(lp.seconds, 3)}, lp=lp)
    result = optimal_result(inst_b, settings, out, t0)
    how = {
        "method": "optimal",
        "how_found": ("LP relaxation of the coupled problem (bound and price), plans under fixed "
                      "shares (fixed, proportional), then "
                      + {"lp": "none needed: the best was within relative_gap of the LP bound",
                         "coupled_mip": "the coupled MIP (HiGHS) in the time left",
                         "lp_shares": "the plan under the LP's shares",
                         "coordinating_round": "the plan under the LP's shares and one "
                                               "coordinating round (unspent money to the "
                                               "communes the LP prices highest)"}[route]
                      + "; money the best plan leaves unallocated spent greedily (top_up) "
                        "where that adds exits"),
        "found_by": name or None,
        "bound": float(result.bound) if result.bound is not None else None,
        "lp_bound": float(lp.bound),
        "price_per_100m_vnd": round(price * PER_VND, 6),
        "tried": tried,
        "unallocated_vnd": int(bounds.total - int(shares.sum())),
    }
    return result, shares, how


def _broken(inst: Instance, chosen: np.ndarray) -> bool:
    from .checks import violations

    return bool(violations(inst, chosen))


def _top_up(inst_hi: Instance, chosen: np.ndarray, bounds: SplitBounds, lp: LPSolution,
            communes: int = 10) -> np.ndarray:
    """The plan with the money it leaves unallocated spent greedily: commune by commune (the
    ``communes`` the coupled LP prices highest, with room below their largest share), the
    plan kept and households added by best gain per VND on what it leaves (budgets, slots,
    envelopes, cooperative capacity), in projects and cooperatives already running (so no group
    minimum is broken), the additions meeting the quotas by themselves (so the plan's do too)."""
    chosen = np.sort(np.asarray(chosen, dtype=np.int64))
    shares = budgets.shares_for(inst_hi, chosen, bounds.lo)
    done = 0
    for c in np.lexsort((np.arange(len(shares)), -lp.budget_dual)):
        pool = int(bounds.total - shares.sum())
        if pool <= 0 or done >= communes:
            break
        if shares[c] >= bounds.hi[c]:
            continue
        done += 1
        budget = shares.copy()
        budget[c] = min(int(bounds.hi[c]), int(shares[c]) + pool)
        u = usage(inst_hi, chosen)
        env = inst_hi.p_envelope
        left = replace(inst_hi, c_budget=budget - u["commune_spend"],
                       p_slots=inst_hi.p_slots - u["project_count"],
                       p_envelope=np.where(env >= 0, env - u["project_spend"], env),
                       k_capacity=inst_hi.k_capacity - u["coop_count"], pair_forced=None)
        free = ~np.isin(inst_hi.pair_h, inst_hi.pair_h[chosen])
        order = greedy_order(inst_hi)
        order = order[free[order]]
        k = inst_hi.pair_k[chosen]
        n_k = np.bincount(k[k >= 0], minlength=len(inst_hi.k_ids))
        added = fill(left, order, closed_p=(u["project_count"] == 0) & (inst_hi.p_min_group > 1),
                     closed_k=(n_k == 0) & (inst_hi.k_min > 1))
        if len(added):
            chosen = np.sort(np.r_[chosen, added])
            shares = budgets.shares_for(inst_hi, chosen, bounds.lo)
    return chosen


def _coordinate(inst_hi: Instance, chosen: np.ndarray, bounds: SplitBounds,
                lp: LPSolution) -> np.ndarray:
    """One coordinating round: each commune keeps what its plan spends (at least its minimum);
    the rest of the total goes, up to their largest shares, to the communes whose budgets the
    coupled LP prices highest (its share rows' duals), communes in file order on ties."""
    shares = budgets.shares_for(inst_hi, chosen, bounds.lo)
    pool = int(bounds.total - shares.sum())
    for c in np.lexsort((np.arange(len(shares)), -lp.budget_dual)):
        if pool <= 0:
            break
        add = int(min(pool, bounds.hi[c] - shares[c]))
        shares[c] += add
        pool -= add
    return shares


def run_split(strategy: str, inst: Instance, households: pd.DataFrame, settings: Settings, *,
              capacity: pd.Series | None = None, engine=None, start: np.ndarray | None = None,
              decompose: bool | str | None = None) -> AllocationResult:
    """``strategy`` under ``settings.budget_split`` (``proportional`` or ``optimal``). The
    result's ``details["budget_split"]`` says how the shares were found and lists them (what
    plan.json's ``budget_split`` and summary.csv's ``budget_vnd`` show).

    ``start`` and ``decompose`` (:func:`.solve.solve_optimal`) are used by ``optimal`` under
    the proportional split, whose shares are known before the solve (a start that breaks one is
    no start); the optimal split solves its own models (:func:`solve_split`) and uses neither."""
    t0 = time.perf_counter()
    bounds = split_bounds(inst.c_ids, inst.c_budget, settings)
    prop, counted = proportional_shares(bounds, poor_weights(households, inst.c_ids))
    how: dict = {"method": settings.budget_split}
    coupled = settings.budget_split == "optimal" and strategy == "optimal"
    if coupled:
        result, shares, found = solve_split(inst, bounds, prop, settings, engine=engine)
        how.update(found)
        unsolved = [k for k in ("fixed", "proportional") if not found["tried"][k].get("solved")]
        if unsolved:  # the optimal split could not show that it beats them
            result.details.setdefault("warnings", []).append(
                f"budget split: the {' and '.join(unsolved)} split{'s' if len(unsolved) > 1 else ''}"
                f" could not be solved within time_limit_s = {settings.time_limit_s:g} beside the "
                "optimal split, which solves up to four plans and the LP of the whole province: "
                "give it more time (several times what a fixed plan needs) to compare them")
    else:
        shares = prop
        inst_p = replace(inst, c_budget=shares)
        conflicts.raise_if_decisions_conflict(inst_p)
        if strategy == "optimal":
            result = solve_optimal(inst_p, settings, engine=engine, start=start, decompose=decompose)
        else:
            result = run_baseline(strategy, inst_p, settings, capacity=capacity)
        how["how_found"] = "in proportion to " + counted + ", clipped to the share bounds, the " \
                           "remainder handed to the other communes in the same proportion"
        if settings.budget_split == "optimal":
            how["how_found"] = (f"the {strategy} baseline cannot choose shares: the proportional "
                                "split, " + how["how_found"])
        how["unallocated_vnd"] = int(bounds.total - int(shares.sum()))
    how.update(bounds.describe(settings))
    how["counted"] = counted
    how["proportional_weights"] = {str(c): float(w) for c, w in
                                   zip(inst.c_ids, poor_weights(households, inst.c_ids))}
    how["shares_vnd"] = {str(c): int(s) for c, s in zip(inst.c_ids, shares)}
    how["requested_vnd"] = {str(c): int(s) for c, s in zip(inst.c_ids, bounds.requested)}
    how["seconds"] = round(time.perf_counter() - t0, 3)
    if how.get("unallocated_vnd") and not coupled:
        # the optimal split's unspent money is in plan.json; the proportional split's comes from
        # the bounds the designer chose, so it is said where it is read
        result.details.setdefault("warnings", []).append(
            f"budget split: {how['unallocated_vnd']:,} VND of the province budget is not "
            "allocated: every commune is at its largest share (max_commune_share)")
    result.details["budget_split"] = how
    return result
