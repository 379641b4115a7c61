"""What more money would buy, per commune: the budget's shadow price, and the budget that would
meet the commune's target with 80% probability.

The shadow price is the LP dual of the commune's budget row (the optimizer's ``shadow_prices``):
expected sustained exits per 100 million VND more, for a small change.

The budget for the target re-solves that commune alone, on the gains and scores already
computed (the model is not touched), at other budgets: the other communes keep their plan, and
the commune gets the cooperative places they leave. ``p_target_met`` is the chance that at
least ``target_exits`` of its poor households leave poverty (:mod:`targeting.outcomes`). First
the budget at which money stops binding (every household's dearest project paid for): if even
that misses the chance, no budget can, and the plan there says why (households without a
project they can join, places or cooperatives full). Else a bisection between the current
budget and that one, on a grid of :data:`STEP_VND`, each re-solve starting from the plan at the
budget below it (still a plan with more money). The searches share a time budget
(:data:`SEARCH_SECONDS`, at most the plan's time limit); a search stopped by it says so, with
the interval it had narrowed the budget to.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from .allocation import run_strategy
from .errors import PolicyConflictError
from .outcomes import exits_distribution

__all__ = ["budgets_for_targets", "more_money", "P_TARGET", "SEARCH_SECONDS", "STEP_VND",
           "SOLVE_SECONDS", "SEARCH_GAP"]

#: The chance of meeting the target the budget is sought for.
P_TARGET = 0.8
#: The time all the communes' searches share (the plan's time limit when that is shorter).
SEARCH_SECONDS = 30.0
#: The budget is found to within this (VND): a place in a project costs millions.
STEP_VND = 10_000_000
#: Time limit of one re-solve of one commune.
SOLVE_SECONDS = 5.0
#: The least time a re-solve gets, even past the deadline (the search then stops).
MIN_SOLVE_SECONDS = 0.5
#: Relative gap of those re-solves: the budget is found to STEP_VND, far coarser than 1% of
#: the commune's exits.
SEARCH_GAP = 0.01
#: Reasons a poor household that could join a project stays out even where money does not bind.
BINDING = ("slots", "envelope", "cooperative", "min_group", "quota", "no_gain")


def _commune_problem(scenario, gains: pd.DataFrame, allocation: pd.DataFrame, cid: str):
    """The tables of commune ``cid`` alone: its projects and pairs, the cooperatives with the
    places the other communes' plan leaves."""
    projects = scenario.projects[scenario.projects["commune_id"].astype(str) == cid]
    g = gains[gains["project_id"].astype(str).isin(set(projects["project_id"].astype(str)))]
    households = scenario.households[scenario.households["household_id"].isin(set(g["household_id"]))]
    coops = scenario.cooperatives
    if coops is not None and len(coops):
        coops = coops.copy()
        sup = allocation[(allocation["project_id"] != "") & (allocation["commune_id"].astype(str) != cid)]
        used = sup.groupby("cooperative_id").size()
        u = coops["cooperative_id"].map(used).fillna(0).astype("int64")
        cap = pd.to_numeric(coops["capacity"], errors="coerce")
        coops["capacity"] = (cap - u).clip(lower=0).where(cap.notna(), cap)
        mn = pd.to_numeric(coops["min_households"], errors="coerce").fillna(0).astype("int64")
        coops["min_households"] = np.where(u > 0, (mn - u).clip(lower=0), mn)
    communes = scenario.communes[scenario.communes["commune_id"].astype(str) == cid]
    return households, projects, coops, communes, g


def _chance(result, g: pd.DataFrame, poor_base: pd.Series, target: int) -> float:
    """P(at least ``target`` of the commune's poor households exit) under ``result``."""
    p = poor_base.copy()
    if len(result.assignment):
        chosen = result.assignment[["household_id", "project_id"]].merge(
            g[["household_id", "project_id", "p_exit_with"]], on=["household_id", "project_id"], how="left")
        chosen = chosen[chosen["household_id"].isin(p.index)]
        p.loc[chosen["household_id"].to_numpy()] = chosen["p_exit_with"].to_numpy()
    return float(exits_distribution(p.to_numpy())["p_at_least"](target))


def _search(cid: str, *, scenario, gains, allocation, summary_row: dict, settings, deadline: float,
            p_target: float) -> dict:
    """The budget search of one commune (see the module docstring)."""
    target = int(summary_row["target_exits"])
    budget = int(summary_row["budget_vnd"])
    out = {"commune_id": cid, "target_exits": target, "budget_vnd": budget,
           "chance": float(summary_row["p_target_met"])}
    if out["chance"] >= p_target:
        return {**out, "status": "already"}
    households, projects, coops, communes, g = _commune_problem(scenario, gains, allocation, cid)
    a = allocation[allocation["commune_id"].astype(str) == cid]
    poor = a[a["status"] == "poor"]
    poor_base = pd.Series(poor["p_exit_base"].to_numpy(dtype=float), index=poor["household_id"].to_numpy())
    s = replace(settings, time_limit_s=SOLVE_SECONDS, relative_gap=max(settings.relative_gap, SEARCH_GAP))
    pair_cols = ["household_id", "project_id", "gain", "cost_vnd"]
    capacity = g.groupby("household_id")["gain"].max()

    def solve(b: int, start=None):
        c = communes.copy()
        c["budget_vnd"] = int(b)
        # never much beyond the search's deadline: a re-solve gets at most the time left
        left = max(MIN_SOLVE_SECONDS, min(SOLVE_SECONDS, deadline - time.perf_counter()))
        return run_strategy("optimal", households, projects, coops, c, g[pair_cols],
                            replace(s, time_limit_s=left), capacity=capacity, start=start)

    top = int(g.groupby("household_id")["cost_vnd"].max().sum()) if len(g) else 0
    top = max(top, budget)
    try:
        r_top = solve(top)
    except PolicyConflictError as e:
        return {**out, "status": "never", "why": {"conflict": str(e)}}
    p_top = _chance(r_top, g, poor_base, target)
    spent_top = int(r_top.assignment["cost_vnd"].sum()) if len(r_top.assignment) else 0
    if p_top < p_target:
        with_pair = set(g["household_id"])
        n_poor = len(poor)
        none = int((~poor["household_id"].isin(with_pair)).sum())
        unsup = r_top.unsupported_reason
        left = unsup[unsup.index.isin(set(poor["household_id"]))]
        counts = {k: int(v) for k, v in left.value_counts().items() if k in BINDING}
        return {**out, "status": "never", "chance_at_top": p_top, "top_vnd": top, "spent_at_top_vnd": spent_top,
                "why": {"poor": n_poor, "no_project": none, "left_out": counts}}
    low, high, start = budget, top, None
    best_high_chance = p_top
    while high - low > STEP_VND:
        if time.perf_counter() > deadline:
            return {**out, "status": "cut_short", "low_vnd": low, "high_vnd": high}
        mid = int(np.ceil((low + high) / 2 / STEP_VND) * STEP_VND)
        if mid >= high:
            break
        try:
            r = solve(mid, start=start)
        except PolicyConflictError:  # a quota with too little money to fund anyone it allows
            low = mid
            continue
        pm = _chance(r, g, poor_base, target)
        if pm >= p_target:
            high, best_high_chance = mid, pm
        else:
            low, start = mid, r.assignment[["household_id", "project_id"]]
    return {**out, "status": "needed", "needed_vnd": int(high), "chance_needed": best_high_chance}


def budgets_for_targets(scenario, gains: pd.DataFrame, allocation: pd.DataFrame, summary: pd.DataFrame,
                        settings, *, p_target: float = P_TARGET, seconds: float | None = None) -> dict:
    """Per commune with a target: the budget that meets it with ``p_target`` probability.

    Returns ``{"p": p_target, "seconds": limit, "communes": [...]}``; each commune's entry has
    ``status`` ``already`` (the budget meets it), ``needed`` (``needed_vnd``), ``never`` (no
    budget can; ``why``), or ``cut_short`` (the time ran out; ``low_vnd``/``high_vnd``).
    """
    limit = min(SEARCH_SECONDS, settings.time_limit_s) if seconds is None else seconds
    t0 = time.perf_counter()
    rows = []
    todo = summary[summary["target_exits"].notna() & summary["p_target_met"].notna()]
    for i, r in enumerate(todo.to_dict("records")):
        # each commune's search may use its share of what is left, so one cannot starve the rest
        left = limit - (time.perf_counter() - t0)
        deadline = time.perf_counter() + max(left, 0.0) / (len(todo) - i)
        rows.append(_search(str(r["commune_id"]), scenario=scenario, gains=gains, allocation=allocation,
                            summary_row=r, settings=settings, deadline=deadline, p_target=p_target))
    return {"p": p_target, "seconds": limit, "searched_seconds": round(time.perf_counter() - t0, 3),
            "communes": rows}


def more_money(plan_result, scenario, gains: pd.DataFrame, allocation: pd.DataFrame, summary: pd.DataFrame,
               settings, *, seconds: float | None = None, search: bool = True) -> dict | None:
    """plan.json's ``more_money``: the budget's shadow price per commune, and
    :func:`budgets_for_targets` (only where the plan has chances: a model, not gains.csv; and
    not with ``search=False``: a plan with the meeting's decisions, which the search would not
    honour)."""
    prices = (plan_result.details.get("shadow_prices") or {}).get("budget_per_100m_vnd")
    has_p = "p_exit_base" in allocation and allocation["p_exit_base"].notna().all()
    if prices is None and not has_p:
        return None
    out = {"method": "shadow prices: LP duals of the budget rows; budgets for the target: the commune "
                     "re-solved alone at other budgets (bisection), the other communes' plan fixed",
           "per_100m_vnd": prices}
    if search and has_p and "p_exit_with" in gains:
        out["target"] = budgets_for_targets(scenario, gains, allocation, summary, settings, seconds=seconds)
    return out
