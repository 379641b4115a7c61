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
3. Solve every commune on its own with the MIP the caller passes (``solve_part``: HiGHS by
   default, two communes at a time on this 2-core machine, or one task per commune on a Dask
   cluster with ``engine``), with its shares as cooperative capacities and no cooperative
   minimum, over the pairs the LP guides to (:func:`.lp.guided_pairs`: those with a positive LP
   value or a reduced cost within ``RC_SHARE`` of the median gain; measured to reach the commune
   optimum, or within 0.01%, in 0.2 s where the full commune model takes 1 s). Any plan of the
   neighbourhood is a plan of the commune, and the reported gap is always against the global LP
   bound, so the restriction can only cost quality that the gap shows.
4. Repair: a cooperative that ended with fewer than ``min_households`` in all is closed and the
   communes that used it are solved again without it, until every linked cooperative is viable.
5. Report the plan, the LP bound and the gap ``(bound - objective) / bound``.

The plan meets every constraint (the shares add up to at most each capacity; step 4 enforces
the minimums); it is 'optimal' when the gap is within ``relative_gap``, else 'feasible'
('timeout' when a commune hit its time limit).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..config import Settings
from . import checks
from .fill import fill_viable, greedy_order
from .instance import Instance
from .lp import guided_pairs, lp_relaxation
from .results import SolveOutcome, status_from_gap
from .tasks import parallelism, run_tasks, time_shares

log = logging.getLogger(__name__)

__all__ = ["solve_decomposed", "coop_shares"]

#: ``solve_part(instance, settings, *, backend, time_limit, coop_capacity, coop_min)``: one
#: commune's MIP (:func:`.mip.solve_plan`).
SolvePart = Callable[..., SolveOutcome]


def coop_shares(inst: Instance, x_lp: np.ndarray, closed: np.ndarray | None = None) -> np.ndarray:
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


def _solve_commune(task: tuple, *, coop_min: np.ndarray, settings: Settings, backend: str,
                   solve_part: SolvePart) -> SolveOutcome:
    """One commune's subproblem (a module-level function, so it can be sent to a worker)."""
    sub, cap, per = task
    return solve_part(sub, settings, time_limit=per, coop_capacity=cap, coop_min=coop_min,
                      backend=backend)


def solve_decomposed(inst: Instance, settings: Settings, *, solve_part: SolvePart,
                     backend: str = "highs", engine=None) -> SolveOutcome:
    """Solve by commune (see the module docstring), each commune with ``solve_part``.

    ``engine`` (:mod:`targeting.engine`) runs the commune subproblems; ``None`` runs them on a
    thread pool here. Either way the results are merged in commune order, so the plan does not
    depend on where or in which order the communes were solved.
    """
    if backend == "auto":
        backend = "highs"  # LP-guided neighbourhoods: HiGHS proves them in a fraction of a second
    t0 = time.perf_counter()
    limit = float(settings.time_limit_s)
    lp = lp_relaxation(inst)
    communes = np.unique(inst.pair_c)
    closed = np.zeros(len(inst.k_ids), dtype=bool)
    shares = coop_shares(inst, lp.x)
    no_min = np.zeros(len(inst.k_ids), dtype=np.int64)
    sub_settings = replace(settings, workers=1)
    threads = parallelism(settings, engine)
    guided = guided_pairs(inst, lp)
    subs = {}
    for c in communes:
        idx = np.flatnonzero((inst.pair_c == c) & guided)
        subs[int(c)] = (inst.take(idx).compact(), idx)
    results: dict[int, SolveOutcome] = {}

    def run(cs: list[int]) -> None:
        left = max(1.0, limit - (time.perf_counter() - t0))
        # weight per-commune limits by size; as many at a time as there are workers
        n = np.array([len(subs[c][1]) for c in cs], dtype=float)
        per = time_shares(n, left, threads)
        tasks = [(subs[c][0], shares[:, c].copy(), float(t)) for c, t in zip(cs, per.tolist())]
        shared = {"coop_min": no_min, "settings": sub_settings, "backend": backend,
                  "solve_part": solve_part}
        outs = run_tasks(engine, _solve_commune, tasks, shared=shared, threads=threads)
        for c, out in zip(cs, outs):
            results[c] = out

    run([int(c) for c in communes])
    # second pass: communes that hit their share of the time get what is left
    slow = [c for c, r in results.items() if r.status != "optimal"]
    if slow and limit - (time.perf_counter() - t0) > 2.0:
        first = {c: results[c] for c in slow}
        run(slow)
        for c in slow:
            if results[c].objective < first[c].objective:
                results[c] = first[c]
    rounds = 0
    while True:
        chosen = _collect(subs, results)
        k = inst.pair_k[chosen]
        tot = np.bincount(k[k >= 0], minlength=len(inst.k_ids))
        bad = (tot > 0) & (tot < inst.k_min) & ~closed
        if inst.pair_forced is not None:  # a cooperative holding an assigned pair stays open
            k_forced = inst.pair_k[inst.pair_forced]
            bad[k_forced[k_forced >= 0]] = False
        if not bad.any() or rounds >= 10:
            break
        rounds += 1
        closed |= bad
        shares[closed] = 0
        touched = np.unique(inst.pair_c[chosen][np.isin(k, np.flatnonzero(bad))])
        log.info("closing %d cooperatives below their minimum; re-solving %d communes",
                 int(bad.sum()), len(touched))
        run([int(c) for c in touched])
    objective = inst.total_gain(chosen)
    # never worse than the greedy plan of the whole instance (it meets every constraint too)
    greedy = fill_viable(inst, greedy_order(inst))
    greedy_obj = inst.total_gain(greedy)
    used_greedy = greedy_obj > objective and checks.honours_decisions(inst, greedy)
    if used_greedy:
        log.warning("decomposed plan (%.4f) below greedy (%.4f): keeping greedy", objective, greedy_obj)
        chosen, objective = greedy, greedy_obj
    bound = float(lp.bound)
    statuses = [r.status for r in results.values()]
    solvers = sorted({r.solver for r in results.values()})
    return SolveOutcome(
        chosen=chosen,
        status=status_from_gap(objective, bound, settings.relative_gap,
                               stopped=any(r.stopped for r in results.values())),
        objective=objective, bound=max(bound, objective),
        solver=f"{', '.join(solvers)} (decomposed by commune)",
        seconds=time.perf_counter() - t0,
        stats={"lp_seconds": round(lp.seconds, 3)},
        lp=lp,
        hint_objective=greedy_obj,
        decomposition={
            "method": "cooperative shares from the LP relaxation; communes solved independently",
            "communes": len(communes),
            "communes_proven_optimal": int(sum(s == "optimal" for s in statuses)),
            "repair_rounds": rounds,
            "kept_greedy_plan": bool(used_greedy),
            "cooperatives_closed": [str(x) for x in inst.k_ids[closed]],
            "lp_bound": bound,
            "seconds": round(time.perf_counter() - t0, 3),
        },
    )

def _collect(subs, results) -> np.ndarray:
    parts = [subs[c][1][results[c].chosen] for c in sorted(results)]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
