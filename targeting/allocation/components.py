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

How one component is solved is the caller's (:func:`.solve.solve_optimal` passes the whole-model
pipeline, or the commune decomposition for a component that is itself large): this module only
splits, shares the time and merges.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..config import Settings
from .instance import Instance
from .results import LPSolution, SolveOutcome, status_from_gap
from .tasks import parallelism, run_tasks, time_shares

__all__ = ["components", "solve_components"]

#: Components are packed into tasks of at least this many pairs (a component of one commune of
#: a few hundred households solves in milliseconds; a task per component would be mostly
#: scheduling overhead on a cluster).
TASK_PAIRS = 20_000

#: ``solve_part(instance, settings, *, start)``: one component within ``settings.time_limit_s``.
#: Without a warm ``start`` it is the quick pass (the best plan found without the full MIP,
#: status ``feasible`` when not yet proven); with one, the full MIP from it.
SolvePart = Callable[..., SolveOutcome]


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


def _solve_group(task: list, *, settings: Settings, solve_part: SolvePart) -> list[SolveOutcome]:
    """Solve a task's components one after the other (a module-level function for workers).

    Each item is ``(instance, time limit, warm start)``. The bound of each is the tighter of
    the solve's and its LP's.
    """
    out = []
    for sub, limit, start in task:
        t0 = time.perf_counter()
        r = solve_part(sub, replace(settings, time_limit_s=limit), start=start)
        lp = r.lp
        bound = r.bound if lp is None else min(r.bound, lp.bound + 1e-9 * abs(lp.bound))
        out.append(SolveOutcome(
            chosen=np.asarray(r.chosen, dtype=np.int64), status=r.status,
            objective=float(r.objective), bound=float(bound), solver=r.solver,
            seconds=time.perf_counter() - t0, stats=r.stats, lp=lp))
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
                     solve_part: SolvePart, engine=None) -> SolveOutcome:
    """Solve every component (see the module docstring) with ``solve_part`` and merge, in
    component order.

    Two passes. The quick pass solves each component without the full MIP (LP, rounding, the
    MIP over its LP-guided neighbourhood: seconds per component, so the pass grows linearly
    with the households). If the summed plan is not yet within ``relative_gap`` of the summed
    bound, the components with the largest absolute gaps (just enough of them that the others'
    gaps fit in 3/4 of the tolerance) get the full MIP, aiming at a quarter of the tolerance,
    warm-started from their quick plan, in the time left.
    Time is shared in proportion to pairs, times the number of workers running at once;
    ``engine`` runs groups of components as tasks (``None``: a thread pool of
    ``settings.threads`` threads here; HiGHS releases the GIL).
    """
    t0 = time.perf_counter()
    limit = float(settings.time_limit_s)
    sizes = np.array([len(p) for p in parts], dtype=float)
    threads = parallelism(settings, engine)
    sub_settings = replace(settings, workers=1)
    # each task carries only its own households and projects (never the whole register)
    subs = [inst.take(p).compact() for p in parts]

    def run(which: list[int], budget: float, sub_settings: Settings,
            starts: dict | None = None) -> list[SolveOutcome]:
        n = sizes[which]
        per = time_shares(n, budget, threads)
        groups = _pack(n.astype(np.int64), TASK_PAIRS)
        tasks = [[(subs[which[i]], float(per[i]), None if starts is None else starts[which[i]])
                  for i in g] for g in groups]
        shared = {"settings": sub_settings, "solve_part": solve_part}
        outs = run_tasks(engine, _solve_group, tasks, shared=shared, threads=threads)
        return [r for group in outs for r in group]

    results = run(list(range(len(parts))), 0.5 * limit, sub_settings)
    stopped = [r.stopped for r in results]
    quick_s = time.perf_counter() - t0
    second = []
    bound = math.fsum(r.bound for r in results)
    objective = math.fsum(r.objective for r in results)
    left = limit - (time.perf_counter() - t0)
    if bound - objective > settings.relative_gap * bound and left > 2.0:
        gaps = np.array([r.bound - r.objective for r in results])
        order = np.argsort(-gaps, kind="stable")
        # The fewest components whose gaps, removed, leave the rest within 3/4 of the
        # tolerance; their full MIPs aim at a quarter of it, so the sum can meet it (a MIP asked
        # for the tolerance itself stops as soon as its own gap reaches it: measured at 400,000
        # households, that left the whole at 0.51% for a 0.5% tolerance).
        rest = gaps.sum() - np.cumsum(gaps[order])
        k = int(np.searchsorted(-rest, -0.75 * settings.relative_gap * bound)) + 1
        second = sorted(order[:k].tolist())
        starts = {i: results[i].chosen for i in second}
        # Their MIPs share what the others' gaps leave of the tolerance, in proportion to their
        # bounds (each MIP's bound only falls, so the sum holds): at least a quarter of it, and
        # on the bundled sample's budget curve 2-3 times that, where a quarter (0.125%) kept
        # HiGHS busy for the whole limit.
        room = settings.relative_gap * bound - (rest[k - 1] if k - 1 < len(rest) else 0.0)
        share = 0.95 * room / max(1e-12, math.fsum(results[i].bound for i in second))
        tight = replace(sub_settings,
                        relative_gap=max(0.25 * settings.relative_gap, min(settings.relative_gap, share)))
        for i, r in zip(second, run(second, left, tight, starts)):
            old = results[i]
            sb = _switch_stats(old.stats.get("switch_bound"), r.stats.get("switch_bound"))
            if sb is not None:
                old.stats = {**old.stats, "switch_bound": sb}
            if r.objective > old.objective:
                old.chosen, old.objective, old.solver = r.chosen, r.objective, r.solver
            old.bound = max(min(old.bound, r.bound), old.objective)
            old.status = "optimal" if r.status == "optimal" else old.status
            if r.status == "timeout":
                old.status = "timeout"
            stopped[i] = stopped[i] or r.stopped

    chosen = np.sort(np.concatenate([p[r.chosen] for p, r in zip(parts, results)]))
    objective = inst.total_gain(chosen)
    bound = math.fsum(r.bound for r in results)
    lp = _merged_lp(inst, parts, results)
    solvers = sorted({r.solver for r in results})
    return SolveOutcome(
        chosen=chosen,
        status=status_from_gap(objective, bound, settings.relative_gap, stopped=any(stopped)),
        objective=objective, bound=max(bound, objective),
        solver=f"independent groups of communes: {', '.join(solvers)}",
        seconds=time.perf_counter() - t0,
        stats=_merged_stats(results, lp),
        lp=lp,
        decomposition={
            "method": "exact: groups of communes sharing no cooperative solved independently",
            "components": len(parts),
            "components_within_gap": int(sum(r.bound - r.objective
                                             <= settings.relative_gap * r.bound + 1e-12
                                             for r in results)),
            "components_full_mip": len(second),
            # solves cut short by their share of the time limit: where these are not 0, another
            # run (another machine, another load) may find a different plan
            "components_stopped_by_time_limit": int(sum(stopped)),
            "largest_component_pairs": int(sizes.max()),
            "quick_pass_seconds": round(quick_s, 3),
            "seconds": round(time.perf_counter() - t0, 3),
        },
    )


def _switch_stats(first: dict | None, second: dict | None) -> dict | None:
    """One component's branched-bound statistics (:mod:`.switches`) over both passes: the LPs
    and seconds of both, the tighter bound."""
    if first is None or second is None:
        return first or second
    return {**second, "bound": min(first["bound"], second["bound"]),
            "lps": first["lps"] + second["lps"],
            "seconds": round(first["seconds"] + second["seconds"], 3)}


def _merged_stats(results: list[SolveOutcome], lp: LPSolution | None) -> dict:
    """The merged plan's solver statistics: the LP's time, and the branched bound's
    (:mod:`.switches`) summed over the components that used it, so that plan.json says how much
    it tightened the bound there (``lp_bound`` against ``bound``, each summed over them)."""
    stats: dict = {"lp_seconds": None if lp is None else round(lp.seconds, 3)}
    used = [r.stats["switch_bound"] for r in results if r.stats.get("switch_bound")]
    if used:
        stats["switch_bound"] = {
            "method": used[0]["method"], "components": len(used),
            "lp_bound": math.fsum(u["lp_bound"] for u in used),
            "bound": math.fsum(u["bound"] for u in used),
            "lps": sum(u["lps"] for u in used),
            "switches": sum(u["switches"] for u in used),
            "seconds": round(sum(u["seconds"] for u in used), 3)}
    return stats


def _merged_lp(inst: Instance, parts: list[np.ndarray],
               results: list[SolveOutcome]) -> LPSolution | None:
    """The LP relaxation of the whole, from the components' (they share no row)."""
    if any(r.lp is None for r in results):
        return None
    n = inst.n_pairs
    x, rc = np.zeros(n), np.zeros(n)
    bdual, kdual = np.zeros(len(inst.c_ids)), np.zeros(len(inst.k_ids))
    for p, r in zip(parts, results):
        x[p] = r.lp.x
        rc[p] = r.lp.reduced_cost
        bdual += r.lp.budget_dual
        kdual += r.lp.coop_dual
    return LPSolution(bound=math.fsum(r.lp.bound for r in results), x=x, reduced_cost=rc,
                      budget_dual=bdual, coop_dual=kdual,
                      seconds=sum(r.lp.seconds for r in results))
