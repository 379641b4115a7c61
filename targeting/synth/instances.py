"""Optimizer instances with supplied gains, for tests, examples and benchmarks.

:func:`tables` turns compact lists into the five DataFrames :func:`targeting.allocation.run_strategy`
takes; :func:`province` draws a province-sized random instance with numpy (cooperatives across
communes, group minimums); :func:`gap_tables` maps an OR-Library GAP instance (as read by
:func:`targeting.data.orlib.read_gap_file`) onto projects with envelopes. The gains here are
drawn or given, not taken from the ground truth: these instances exercise the optimizer alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["tables", "province", "gap_tables"]


def tables(
    households: list[dict],
    projects: list[dict],
    pairs: list[tuple],
    communes: dict[str, int],
    cooperatives: list[dict] | None = None,
) -> dict[str, pd.DataFrame]:
    """Allocation inputs from compact lists.

    Parameters
    ----------
    households : list of dict
        At least ``household_id``; by default commune ``c1``, status ``poor``, income 1e6,
        ``ethnic_minority`` 0.
    projects : list of dict
        At least ``project_id``; optionally ``commune_id, kind, cost_vnd, slots, budget_vnd,
        min_group, cooperative_id``.
    pairs : list of tuple
        ``(household_id, project_id, gain[, cost_vnd])``; the cost defaults to the project's.
    communes : dict
        Budget (VND) by commune id.
    cooperatives : list of dict, optional
        ``cooperative_id, name, sector, capacity, min_households``.

    Returns
    -------
    dict of DataFrame
        ``households, projects, cooperatives, communes, gains``.
    """
    h = pd.DataFrame(households)
    defaults = {"commune_id": "c1", "village": "v1", "status": "poor", "members": 4, "working_age": 2,
                "income_vnd": 1_000_000, "ethnic_minority": 0, "female_head": 0, "land_m2": 1000.0}
    for k, v in defaults.items():
        if k not in h:
            h[k] = v
        else:
            h[k] = h[k].fillna(v)
    p = pd.DataFrame(projects)
    pdef = {"commune_id": "c1", "kind": "livestock", "village": "", "cooperative_id": "",
            "cost_vnd": 10, "slots": 10**6}
    for k, v in pdef.items():
        if k not in p:
            p[k] = v
        else:
            p[k] = p[k].fillna(v)
    for col in ("budget_vnd", "min_group"):
        p[col] = pd.array(p[col] if col in p else [pd.NA] * len(p), dtype="Int64")
    p["cost_vnd"] = p["cost_vnd"].astype("int64")
    p["slots"] = p["slots"].astype("int64")
    rows = []
    cost_of = dict(zip(p["project_id"], p["cost_vnd"]))
    for t in pairs:
        hid, pid, g = t[:3]
        cost = t[3] if len(t) > 3 else cost_of[pid]
        rows.append((hid, pid, g, int(cost)))
    g = pd.DataFrame(rows, columns=["household_id", "project_id", "gain", "cost_vnd"])
    c = pd.DataFrame({"commune_id": list(communes), "budget_vnd": list(communes.values()),
                      "households_total": 1000})
    c["budget_vnd"] = c["budget_vnd"].astype("int64")
    co = pd.DataFrame(cooperatives or [], columns=["cooperative_id", "name", "sector", "capacity",
                                                   "min_households"])
    if cooperatives:
        co["capacity"] = co["capacity"].astype("int64")
        co["min_households"] = co["min_households"].fillna(0).astype("int64")
    return {"households": h, "projects": p, "cooperatives": co, "communes": c, "gains": g}


def province(
    n_communes: int = 92,
    n_households: int = 100_000,
    projects_per_commune: int = 10,
    n_cooperatives: int = 20,
    pairs_per_household: int = 3,
    seed: int = 0,
    integer_gains: bool = False,
) -> dict[str, pd.DataFrame]:
    """A random province with random gains.

    Communes of uneven size, ``projects_per_commune`` projects each (some with group minimums
    and envelopes, the value-chain ones linked to cooperatives that span communes), each
    household eligible for ``pairs_per_household`` projects of its commune, budgets that fund
    roughly a quarter of the households.

    Parameters
    ----------
    n_communes, n_households, projects_per_commune, n_cooperatives, pairs_per_household : int
        The instance's size.
    seed : int
        One seed, one instance.
    integer_gains : bool
        Gains in units of 1/10,000 as int64 instead of floats rounded to 4 decimals.

    Returns
    -------
    dict of DataFrame
        ``households, projects, cooperatives, communes, gains``.
    """
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0, 0.5, n_communes)
    sizes = np.maximum(1, np.round(w / w.sum() * n_households).astype(int))
    sizes[-1] = max(1, n_households - sizes[:-1].sum())
    commune = np.repeat(np.arange(n_communes), sizes)[:n_households]
    n = len(commune)
    cids = np.array([f"C{c:03d}" for c in range(n_communes)])
    status = rng.choice(["poor", "near_poor"], size=n, p=[0.55, 0.45])
    h = pd.DataFrame({
        "household_id": [f"H{i:06d}" for i in range(n)],
        "commune_id": cids[commune],
        "village": "v1",
        "status": status,
        "members": 4,
        "working_age": 2,
        "income_vnd": rng.integers(400_000, 2_500_000, n),
        "ethnic_minority": (rng.random(n) < 0.4).astype(int),
        "female_head": 0,
        "land_m2": 1000.0,
    })
    kinds = np.array(["livestock", "crop", "value_chain", "community", "vocational"])
    prows = []
    for c in range(n_communes):
        for j in range(projects_per_commune):
            kind = kinds[j % len(kinds)]
            cost = int(rng.choice([5, 8, 10, 12, 15, 20, 25, 30])) * 1_000_000
            slots = int(max(5, sizes[c] // projects_per_commune // 2 + rng.integers(0, 20)))
            coop = f"K{rng.integers(0, n_cooperatives):02d}" if kind == "value_chain" else ""
            prows.append({
                "project_id": f"P{c:03d}-{j:02d}", "commune_id": cids[c], "kind": kind,
                "cooperative_id": coop, "cost_vnd": cost, "slots": slots,
                "budget_vnd": int(cost * slots * 0.8) if rng.random() < 0.3 else pd.NA,
                "min_group": int(rng.integers(3, 10)) if rng.random() < 0.4 else pd.NA,
            })
    p = pd.DataFrame(prows)
    p["budget_vnd"] = pd.array(p["budget_vnd"], dtype="Int64")
    p["min_group"] = pd.array(p["min_group"], dtype="Int64")
    p["village"] = ""
    # pairs: each household, k distinct projects of its commune
    ppc = projects_per_commune
    k = min(pairs_per_household, ppc)
    choice = np.argsort(rng.random((n, ppc)), axis=1)[:, :k]
    pidx = commune[:, None] * ppc + choice
    hh = np.repeat(np.arange(n), k)
    pj = pidx.ravel()
    base = rng.beta(2, 5, n)[hh]
    eff = rng.uniform(0.5, 1.5, len(pj))
    gain = np.round(base * eff * 0.5, 4)
    if integer_gains:
        gain = np.round(gain * 10_000).astype(np.int64)
    g = pd.DataFrame({"household_id": h["household_id"].to_numpy()[hh],
                      "project_id": p["project_id"].to_numpy()[pj], "gain": gain,
                      "cost_vnd": p["cost_vnd"].to_numpy()[pj]})
    mean_cost = p["cost_vnd"].mean()
    budget = (sizes * 0.25 * mean_cost).astype(np.int64) // 1_000_000 * 1_000_000
    c = pd.DataFrame({"commune_id": cids, "budget_vnd": budget, "households_total": sizes * 3})
    used = sorted(set(p["cooperative_id"]) - {""})
    co = pd.DataFrame({"cooperative_id": used, "name": used, "sector": "value_chain",
                       "capacity": rng.integers(50, 400, len(used)),
                       "min_households": rng.integers(10, 40, len(used))})
    return {"households": h, "projects": p, "cooperatives": co, "communes": c, "gains": g}


def gap_tables(inst: dict, maximise: bool = True) -> dict:
    """A GAP instance as allocation inputs.

    Agents become projects with envelopes ``budget_vnd = b_i``, jobs households, resource
    ``a_ij`` the pair's ``cost_vnd``; one commune with a budget no plan reaches. GAP assigns
    every job exactly once; here a household joins at most one project, so a constant
    ``B = n * max(c) + 1`` is added to every pair: one more job is worth more than any difference
    in profit or cost over all jobs, and the best plan assigns every job whenever that is
    feasible.

    Parameters
    ----------
    inst : dict
        ``m, n, c, a, b`` as :func:`targeting.data.orlib.read_gap_file` returns them.
    maximise : bool
        ``gain = B + c_ij`` (GAP optimum = objective - n B); else ``gain = B - c_ij`` (GAP
        optimum = n B - objective).

    Returns
    -------
    dict
        The tables of :func:`tables`, and ``B`` under ``"offset"``.
    """
    m, n, c, a, b = inst["m"], inst["n"], inst["c"], inst["a"], inst["b"]
    big = int(n * c.max() + 1)
    gain = big + c if maximise else big - c
    hh = [{"household_id": f"j{j}"} for j in range(n)]
    pr = [{"project_id": f"a{i}", "cost_vnd": 1, "budget_vnd": int(b[i])} for i in range(m)]
    pairs = [(f"j{j}", f"a{i}", int(gain[i, j]), int(a[i, j])) for i in range(m) for j in range(n)]
    out = tables(hh, pr, pairs, {"c1": int(a.sum()) + 1})
    out["offset"] = big
    return out
