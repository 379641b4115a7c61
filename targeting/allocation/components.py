"""Exact split: groups of communes that share no cooperative are separate problems.

Every constraint of the model lives inside one commune (budget, projects' slots and envelopes,
group minimums, quotas) or one cooperative (capacity, minimum households). So communes linked,
directly or through a chain, by cooperatives their projects use form a *component*, and the
model is the sum of independent models, one per component: the optimum is the sum of their
optima and the sum of their proven bounds bounds the whole. Nothing is approximated here (unlike
the commune decomposition of :mod:`.decompose`, which splits *within* a component through
cooperative shares).

This is what makes a national register tractable: cooperatives serve neighbouring communes, so a
country of ~3,300 communes is a few hundred components of a handful of communes each, and the
work grows linearly with households and spreads over an engine's workers (one task per group of
components). Results are merged in component order, so the plan does not depend on the engine.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..io import Settings
from .instance import Instance

__all__ = ["components", "solve_components"]

#: Components are packed into tasks of at least this many pairs (a component of one commune of
#: a few hundred households solves in milliseconds; a task per component would be mostly
#: scheduling overhead on a cluster).
TASK_PAIRS = 20_000


def components(inst: Instance) -> list[np.ndarray]:
    """Pair indices of each group of communes linked by shared cooperatives.

    Ordered by their first commune index, pair indices ascending: a deterministic order.
    """
    if inst.n_pairs == 0:
        return []
    nc, nk = len(inst.c_ids), len(inst.k_ids)
    pc, pk = inst.pair_c, inst.pair_k
    linked = pk >= 0
    # bipartite graph: communes 0..nc-1, cooperatives nc..nc+nk-1; an edge per (commune, coop) used
    rows = pc[linked]
    cols = nc + pk[linked]
    g = sp.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(nc + nk, nc + nk))
    _, label = connected_components(g, directed=False)
    pair_label = label[pc]
    # renumber labels by first commune index, so the order does not depend on scipy's numbering
    first = {}
    for c in np.unique(pc):
        first.setdefault(int(label[c]), int(c))
    order = sorted(first, key=first.get)
    rank = np.full(label.max() + 1, -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    keyed = rank[pair_label]
    idx = np.argsort(keyed, kind="stable")
    bounds = np.flatnonzero(np.diff(keyed[idx])) + 1
    return [np.sort(part) for part in np.split(idx, bounds)]


def _solve_group(task: tuple, *, settings: Settings, backend: str) -> list[dict]:
    """Solve a task's components one after the other (a module-level function for workers)."""
    from .solve import _large, _solve_whole

    out = []
    for sub, limit in task:
        t0 = time.perf_counter()
        r = _solve_whole(sub, replace(settings, time_limit_s=limit), backend=backend,
                         decompose=_large(sub), t0=t0)
        lp = r.get("lp")
        out.append({
            "chosen": np.asarray(r["chosen"], dtype=np.int64), "status": r["status"],
            "objective": float(r["objective"]),
            "bound": float(min(r["bound"], lp["bound"] + 1e-9 * abs(lp["bound"])) if lp else r["bound"]),
            "solver": r["solver"], "seconds": time.perf_counter() - t0,
            "lp": None if lp is None else {k: lp[k] for k in ("bound", "x", "reduced_cost",
                                                              "budget_dual", "coop_dual", "seconds")},
        })
    return out


def _pack(sizes: np.ndarray, target: int) -> list[list[int]]:
    """Consecutive components grouped until each group has at least ``target`` pairs."""
    groups, cur, n = [], [], 0
    for i, s in enumerate(sizes.tolist()):
        cur.append(i)
        n += s
        if n >= target:
            groups.append(cur)
            cur, n = [], 0
    if cur:
        groups.append(cur)
    return groups


def solve_components(inst: Instance, parts: list[np.ndarray], settings: Settings, *,
                     backend: str = "auto", engine=None) -> dict:
    """Solve every component (see the module docstring) and merge, in component order.

    Each component gets a share of the time limit in proportion to its pairs, times the number of
    workers running at once; ``engine`` runs groups of components as tasks (``None``: a thread
    pool of ``settings.workers`` threads here; HiGHS releases the GIL).
    """
    from .solve import _workers

    t0 = time.perf_counter()
    sizes = np.array([len(p) for p in parts], dtype=float)
    threads = _workers(settings) if engine is None else engine.parallelism
    limit = float(settings.time_limit_s)
    per = np.maximum(0.5, 0.85 * limit * threads * sizes / max(sizes.sum(), 1.0))
    sub_settings = replace(settings, workers=1)
    groups = _pack(sizes.astype(np.int64), TASK_PAIRS)
    from .decompose import compact

    # each task carries only its own households and projects (never the whole register)
    tasks = [[(compact(inst.take(parts[i])), float(per[i])) for i in g] for g in groups]
    shared = {"settings": sub_settings, "backend": backend}
    if engine is None:
        from ..engine import LocalEngine

        outs = LocalEngine().map(_solve_group, tasks, shared=shared, max_workers=threads)
    else:
        outs = engine.map(_solve_group, tasks, shared=shared)
    results = [r for group in outs for r in group]

    n = inst.n_pairs
    chosen = np.sort(np.concatenate([p[r["chosen"]] for p, r in zip(parts, results)]))
    objective = math.fsum(inst.pair_gain[chosen].tolist())
    bound = math.fsum(r["bound"] for r in results)
    lp = None
    if all(r["lp"] is not None for r in results):
        x, rc = np.zeros(n), np.zeros(n)
        bdual, kdual = np.zeros(len(inst.c_ids)), np.zeros(len(inst.k_ids))
        for p, r in zip(parts, results):
            x[p] = r["lp"]["x"]
            rc[p] = r["lp"]["reduced_cost"]
            bdual += r["lp"]["budget_dual"]
            kdual += r["lp"]["coop_dual"]
        lp = {"bound": math.fsum(r["lp"]["bound"] for r in results), "x": x, "reduced_cost": rc,
              "budget_dual": bdual, "coop_dual": kdual,
              "seconds": sum(r["lp"]["seconds"] for r in results)}
    gap = (bound - objective) / max(abs(bound), 1e-9)
    statuses = [r["status"] for r in results]
    if gap <= settings.relative_gap + 1e-12:
        status = "optimal"
    elif "timeout" in statuses:
        status = "timeout"
    else:
        status = "feasible"
    solvers = sorted({r["solver"] for r in results})
    return {
        "chosen": chosen, "status": status, "objective": objective, "bound": max(bound, objective),
        "solver": f"independent groups of communes: {', '.join(solvers)}", "lp": lp,
        "hint_objective": None,
        "stats": {"lp_seconds": None if lp is None else round(lp["seconds"], 3)},
        "decomposition": {
            "method": "exact: groups of communes sharing no cooperative solved independently",
            "components": len(parts),
            "tasks": len(tasks),
            "components_optimal": int(sum(s == "optimal" for s in statuses)),
            "largest_component_pairs": int(sizes.max()),
            "seconds": round(time.perf_counter() - t0, 3),
        },
    }
