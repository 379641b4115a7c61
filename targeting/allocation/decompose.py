"""Province scale: solve communes independently, coupled only through cooperatives.

Used for one group of communes that cooperatives link together (groups that share no
cooperative are already separate problems, :mod:`.components`) when it is too large for one
model: above ``DECOMPOSE_MIN_PAIRS`` pairs over several communes.

Communes share nothing but cooperatives (capacity and minimum households over all their
projects and communes). So:

1. Solve the LP relaxation of the whole province (:mod:`.lp`): its value is the global bound
   reported with the plan, and its solution says how much of each cooperative each commune uses.
2. Give each commune an integer share of every cooperative's capacity: the LP use rounded down,
   the capacity left handed out by largest remainder (shares never exceed the capacity).
3. Solve every commune on its own (HiGHS MIP, two communes at a time on this 2-core machine, or
   one task per commune on a Dask cluster with ``engine``),
   with its shares as cooperative capacities and no cooperative minimum, over the pairs the LP
   guides to: those with a positive LP value or a reduced cost within ``RC_SHARE`` of the median
   gain (an LP-guided neighbourhood; measured to reach the commune optimum, or within 0.01%, in
   0.2 s where the full commune model takes 1 s). Any plan of the neighbourhood is a plan of the
   commune, and the reported gap is always against the global LP bound, so the restriction can
   only cost quality that the gap shows.
4. Repair: a cooperative that ended with fewer than ``min_households`` in all is closed and the
   communes that used it are solved again without it, until every linked cooperative is viable.
5. Report the plan, the LP bound and the gap ``(bound - objective) / bound``.

The plan meets every constraint (the shares add up to at most each capacity; step 4 enforces
the minimums); it is 'optimal' when the gap is within ``relative_gap``, else 'feasible'
('timeout' when a commune hit its time limit).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace

import numpy as np

from ..config import Settings
from ..engine import LocalEngine
from .lp import lp_relaxation

log = logging.getLogger(__name__)

#: Pairs whose LP reduced cost is within this share of the median positive gain stay free.
RC_SHARE = 0.05

__all__ = ["solve_decomposed", "coop_shares", "compact", "time_shares"]


def time_shares(sizes: np.ndarray, budget: float, threads: int) -> np.ndarray:
    """Seconds for each of several subproblems run ``threads`` at a time within ``budget``: in
    proportion to their sizes, 15% kept for merging, never more than the budget, at least 0.5 s."""
    sizes = np.asarray(sizes, dtype=float)
    share = 0.85 * budget * threads * sizes / max(sizes.sum(), 1.0)
    return np.maximum(0.5, np.minimum(0.85 * budget, share))


def coop_shares(inst, x_lp: np.ndarray, closed: np.ndarray | None = None) -> np.ndarray:
    """Integer capacity shares ``[cooperative, commune]`` from the LP use (largest remainder)."""
    nk, nc = len(inst.k_ids), len(inst.c_ids)
    use = np.zeros((nk, nc))
    pk = inst.pair_k
    sel = pk >= 0
    np.add.at(use, (pk[sel], inst.pair_c[sel]), x_lp[sel])
    use = np.clip(use + 1e-7, 0, None)
    shares = np.floor(use).astype(np.int64)
    for k in range(nk):
        left = int(inst.k_capacity[k] - shares[k].sum())
        if left <= 0:
            continue
        frac = use[k] - shares[k]
        # communes with any pair of the cooperative, by largest LP remainder first
        has = np.zeros(nc, dtype=bool)
        has[inst.pair_c[pk == k]] = True
        order = np.lexsort((-has.astype(int), -frac))
        order = order[has[order]]
        for c in order[:left]:
            shares[k, c] += 1
    if closed is not None:
        shares[closed] = 0
    return shares


def compact(inst):
    """The same instance over only the households and projects its pairs use.

    ``Instance.take`` keeps every household of the province; a commune's task carries only its
    own (communes and cooperatives, a few thousand entries, stay whole so their indices hold).
    Pair order is kept, so the chosen pair indices mean the same in both.
    """
    from .instance import Instance

    h_used, pair_h = np.unique(inst.pair_h, return_inverse=True)
    p_used, pair_p = np.unique(inst.pair_p, return_inverse=True)
    hh = {k: getattr(inst, k)[h_used] for k in ("hh_ids", "hh_poverty", "hh_income")}
    pp = {k: getattr(inst, k)[p_used] for k in ("p_ids", "p_commune", "p_slots", "p_envelope",
                                                 "p_min_group", "p_coop")}
    kc = {k: getattr(inst, k) for k in ("k_ids", "k_capacity", "k_min", "c_ids", "c_budget")}
    quotas = [replace(q, attr=np.asarray(q.attr)[h_used]) for q in inst.quotas]
    return Instance(**hh, **pp, **kc, pair_h=pair_h.astype(np.int64), pair_p=pair_p.astype(np.int64),
                    pair_gain=inst.pair_gain, pair_cost=inst.pair_cost, quotas=quotas)


def _solve_commune(task: tuple, *, coop_min: np.ndarray, settings: Settings, backend: str) -> dict:
    """One commune's subproblem (a module-level function, so it can be sent to a worker)."""
    from .solve import solve_plan

    sub, cap, per = task
    return solve_plan(sub, settings, time_limit=per, coop_capacity=cap, coop_min=coop_min, backend=backend)


def solve_decomposed(inst, settings: Settings, backend: str = "highs", engine=None) -> dict:
    """Solve by commune (see the module docstring).

    ``engine`` (:mod:`targeting.engine`) runs the commune subproblems; ``None`` runs them on a
    thread pool here. Either way the results are merged in commune order, so the plan does not
    depend on where or in which order the communes were solved.
    """
    if backend == "auto":
        backend = "highs"  # LP-guided neighbourhoods: HiGHS proves them in a fraction of a second
    from .solve import _workers

    t0 = time.perf_counter()
    limit = float(settings.time_limit_s)
    lp = lp_relaxation(inst)
    communes = np.unique(inst.pair_c)
    closed = np.zeros(len(inst.k_ids), dtype=bool)
    shares = coop_shares(inst, lp["x"])
    no_min = np.zeros(len(inst.k_ids), dtype=np.int64)
    sub_settings = replace(settings, workers=1)
    threads = _workers(settings) if engine is None else engine.parallelism
    pos = inst.pair_gain[inst.pair_gain > 0]
    thr = RC_SHARE * float(np.median(pos)) if len(pos) else 0.0
    guided = (lp["x"] > 1e-6) | (lp["reduced_cost"] <= thr)
    subs = {}
    for c in communes:
        idx = np.flatnonzero((inst.pair_c == c) & guided)
        subs[int(c)] = (compact(inst.take(idx)), idx)
    results: dict[int, dict] = {}

    def run(cs: list[int]) -> None:
        left = max(1.0, limit - (time.perf_counter() - t0))
        # weight per-commune limits by size; as many at a time as there are workers
        n = np.array([len(subs[c][1]) for c in cs], dtype=float)
        per = time_shares(n, left, threads)
        tasks = [(subs[c][0], shares[:, c].copy(), float(t)) for c, t in zip(cs, per.tolist())]
        shared = {"coop_min": no_min, "settings": sub_settings, "backend": backend}
        # a thread pool here (HiGHS releases the GIL), or the engine's workers
        outs = (engine or LocalEngine()).map(_solve_commune, tasks, shared=shared, max_workers=threads)
        for c, out in zip(cs, outs):
            results[c] = out

    run([int(c) for c in communes])
    # second pass: communes that hit their share of the time get what is left
    slow = [c for c, r in results.items() if r["status"] != "optimal"]
    if slow and limit - (time.perf_counter() - t0) > 2.0:
        first = {c: results[c] for c in slow}
        run(slow)
        for c in slow:
            if results[c]["objective"] < first[c]["objective"]:
                results[c] = first[c]
    rounds = 0
    while True:
        chosen = _collect(subs, results)
        k = inst.pair_k[chosen]
        tot = np.bincount(k[k >= 0], minlength=len(inst.k_ids))
        bad = (tot > 0) & (tot < inst.k_min) & ~closed
        if not bad.any() or rounds >= 10:
            break
        rounds += 1
        closed |= bad
        shares[closed] = 0
        touched = np.unique(inst.pair_c[chosen][np.isin(k, np.flatnonzero(bad))])
        log.info("closing %d cooperatives below their minimum; re-solving %d communes",
                 int(bad.sum()), len(touched))
        run([int(c) for c in touched])
    objective = math.fsum(inst.pair_gain[chosen].tolist())
    # never worse than the greedy plan of the whole instance (it meets every constraint too)
    from .fill import fill_viable, greedy_order

    greedy = fill_viable(inst, greedy_order(inst))
    greedy_obj = math.fsum(inst.pair_gain[greedy].tolist())
    used_greedy = greedy_obj > objective
    if used_greedy:
        log.warning("decomposed plan (%.4f) below greedy (%.4f): keeping greedy", objective, greedy_obj)
        chosen, objective = greedy, greedy_obj
    bound = float(lp["bound"])
    gap = (bound - objective) / max(abs(bound), 1e-9)
    statuses = [r["status"] for r in results.values()]
    if gap <= settings.relative_gap + 1e-12:
        status = "optimal"
    elif "timeout" in statuses:
        status = "timeout"
    else:
        status = "feasible"
    return {
        "chosen": chosen, "status": status, "objective": objective, "bound": max(bound, objective),
        "solver": "cp-sat (decomposed by commune)", "lp": lp,
        "hint_objective": greedy_obj,
        "stats": {"lp_seconds": round(lp["seconds"], 3)},
        "decomposition": {
            "method": "cooperative shares from the LP relaxation; communes solved independently",
            "communes": len(communes),
            "communes_proven_optimal": int(sum(s == "optimal" for s in statuses)),
            "repair_rounds": rounds,
            "kept_greedy_plan": bool(used_greedy),
            "cooperatives_closed": [str(x) for x in inst.k_ids[closed]],
            "lp_bound": bound,
            "seconds": round(time.perf_counter() - t0, 3),
        },
    }


def _collect(subs, results) -> np.ndarray:
    parts = [subs[c][1][results[c]["chosen"]] for c in sorted(results)]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
