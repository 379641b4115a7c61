"""One connected model, whole: LP rounding, then the MIP over the LP-guided neighbourhood, then
a search, then the full MIP, stopping at the first that the LP bound proves within ``relative_gap``.

On model gains the MIP solvers spend seconds at the root closing the last 0.1-0.2% that the LP
bound leaves. So before the full MIP (:func:`.mip.solve_plan`) three quicker routes are tried,
each kept only when the whole model's LP bound proves it within ``relative_gap`` (with
``relative_gap = 0`` none applies):

1. the LP solution rounded and completed greedily (the better of it and the greedy plan);
2. the MIP over the LP-guided neighbourhood (:func:`.lp.guided_pairs`): a sixth to a tenth of
   the pairs, whose MIP HiGHS proves in 1-2 s where the full model of a 15,000-pair group of
   communes needs 7-20 s to reach the same gap (measured on synthetic districts, 2026-11-28).
   Its plan is a plan of the whole model, and the proof is against the whole model's LP bound.
3. the large-neighbourhood search from the best plan so far (:func:`_quick_search`), a few
   dozen windows whose MIPs stop on CP-SAT's work (deterministic), proven by the same LP bound.
   When it is not proven, its plan warm-starts the full MIP, and HiGHS stops at its root as
   soon as that plan is within ``relative_gap`` of its root bound.

Before the search, and after it, a plan the LP bound does not prove may be proven by the LP
branched on the group and cooperative minimums (:mod:`.switches`): where a cooperative's
minimum binds, the LP bound can lie well above the optimum (1.5-2.9% in one of the bundled
sample's groups), a gap these steps cannot close and the full MIP closes
only at its root, in seconds. Measured together (benchmarks/README.md, "A tighter bound where
minimums bind, and the search before the full MIP"): the bundled sample's plan 9.2 -> 2.4 s,
``synth --seed 1``'s 11.7 -> 3.3 s (the same plan), four other synthetic worlds unchanged.

Whichever plan is best so far warm-starts the next step. The full MIP runs with the
large-neighbourhood search (:mod:`.lns`) beside it (:func:`solve_with_lns`): the search improves
plans, the MIP proves them (on OR-Library gapc/gapd the MIP's incumbent stayed 0.1-2% above the
optimum after 60 s).

The time limit covers the whole solve: the LP relaxation gets at most ``LP_SHARE`` of it, and no
MIP starts without the time its setup and root LP need (:func:`setup_seconds`); the warm start,
bounded by the LP, is the plan then.
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial

import numpy as np

from ..config import Settings
from . import checks
from .fill import fill_viable, greedy_order, lp_guided_order
from .instance import Instance
from .lns import LABEL as LNS_LABEL
from .lns import Stop, improve
from .lp import guided_pairs, lp_relaxation
from .mip import solve_plan
from .model import build_model
from .results import LPSolution, SolveOutcome
from .switches import SwitchBound

__all__ = ["solve_whole", "solve_with_lns", "setup_seconds", "household_bound",
           "NEIGHBOURHOOD_MIN_PAIRS", "LNS_MAX_PAIRS", "QUICK_SEARCH_STEPS", "LNS_SHARE", "LNS_DELAY", "LP_SHARE", "SETUP_S_PER_PAIR"]

log = logging.getLogger(__name__)

#: Models smaller than this go straight from LP rounding to the full MIP (it is quick there).
NEIGHBOURHOOD_MIN_PAIRS = 5_000
#: The large-neighbourhood search (:mod:`.lns`) runs beside the full MIP on models up to this
#: many pairs (above, one window's model costs as much to build as it saves).
LNS_MAX_PAIRS = 60_000
#: Beside the MIP the search starts after this share of the time: a MIP that proves its plan
#: sooner is not slowed down (measured, OR-Library gap8-4 was proven in 33-43 s with the search
#: beside it from the start, and not in 60 s once, at load average 7-8).
LNS_DELAY = 0.2
#: With one thread the full MIP runs first and the search gets this share of the time after it.
LNS_SHARE = 0.4
#: The search of a split model's quick pass (:func:`_quick_search`): at most this many windows.
QUICK_SEARCH_STEPS = 30
#: ... and it stops after this many windows in a row without an improvement.
QUICK_SEARCH_PATIENCE = 10
#: The LP branched on the model's switches (:mod:`.switches`) may run until this share of the
#: time limit has passed (and :data:`.switches.MAX_LPS` LPs).
SWITCH_SHARE = 0.15
#: Share of the time limit the LP relaxation may take (without it the MIP bounds the plan).
LP_SHARE = 0.6
#: A MIP's setup time per pair (:func:`setup_seconds`): 300,000 pairs took 1.2-5.6 s to build,
#: hand over and start (benchmarks/README.md, "OR-Tools MathOpt against scipy").
SETUP_S_PER_PAIR = 1.5e-5
#: How a plan's ``solver`` ends when the LP bound proves it ...
LP_BOUND_LABEL = "bound from the LP relaxation"
#: ... and when the LP branched on the minimums (:mod:`.switches`) does.
BRANCHED_BOUND_LABEL = "bound from the LP relaxation branched on group and cooperative minimums"
#: What the LP-rounded plan is called in a plan's ``solver``.
LP_ROUNDING = "lp-rounding (highs LP via scipy.optimize.linprog)"


def solve_whole(inst: Instance, settings: Settings, *, backend: str, t0: float | None = None,
                full: bool = True, start: np.ndarray | None = None) -> SolveOutcome:
    """The first of LP rounding, the MIP over the LP-guided neighbourhood, the search and the
    full MIP that meets ``relative_gap`` (see the module docstring); ``lp`` is set on the outcome.

    ``full=False`` stops after the search and returns the best plan so far (status
    ``feasible`` when it is not proven within the gap): the quick pass of
    :func:`.components.solve_components`, which decides afterwards where more time is worth it.
    ``start`` (chosen pair indices of a plan that meets every constraint, e.g. the plan of a
    neighbouring setting in a sweep) is one more warm start: kept when it beats the others.
    """
    t0 = time.perf_counter() if t0 is None else t0
    model = build_model(inst)  # the LP's rows, and the branched bound's
    try:
        lp = lp_relaxation(inst, model=model, time_limit=LP_SHARE * settings.time_limit_s)
    except RuntimeError as e:  # an LP not solved (in time) is not fatal: the MIP bounds the plan
        log.warning("no LP relaxation: %s", e)
        lp = None
    # the warm start, once: the better of the greedy and the LP-rounded plan
    hint = fill_viable(inst, greedy_order(inst)) if lp is None else _best_hint(inst, lp)
    if start is not None and inst.total_gain(start) > inst.total_gain(hint):
        hint = np.asarray(start, dtype=np.int64)
    # ``proof``: the LP with the tightest bound proven so far, the LP's own or the LP branched
    # on the group and cooperative minimums (:mod:`.switches`), tightened only as far as the
    # best plan so far needs, and only before the search: the steps before it take a fraction
    # of a second where the LP proves them (measured: 14 LPs of 27,000 pairs took 4.3 s and
    # moved the bound by 0.1% on a synthetic district whose gap lies elsewhere)
    switches = None  # built when first needed
    proof = lp
    deadline = t0 + SWITCH_SHARE * settings.time_limit_s

    def proven(objective: float) -> bool:
        """Whether the bound, tightened as far as needed, proves ``objective``."""
        nonlocal proof, switches
        if _proven_by_lp(objective, proof, settings):
            return True
        if switches is None:
            if (settings.relative_gap <= 0 or not inst.n_pairs
                    or time.perf_counter() + 2 * lp.seconds >= deadline):
                return False  # (no time for two LPs: not even built)
            switches = SwitchBound(inst, lp, model)
        b = switches.tighten(objective / (1.0 - settings.relative_gap), deadline=deadline)
        if b < proof.bound:
            proof = replace(lp, bound=b)
        return _proven_by_lp(objective, proof, settings)

    out = _lp_rounding(inst, settings, lp, hint, t0)
    # then the MIP over the LP-guided neighbourhood, then the search, each from the best plan
    # so far and the plan when the bound proves it; ``full=False`` returns the best found
    best, stopped = None, False
    # Both steps before a full MIP too (the module docstring); with ``full`` each takes half
    # the time left, so the MIP keeps the rest.
    neighbourhood = partial(_neighbourhood, backend=backend)
    for step in (neighbourhood, _quick_search):
        if out is not None or lp is None:
            break
        if step is _quick_search and proven(inst.total_gain(hint)):
            # the plan at hand is proven by the branched bound: no search
            out = best if best is not None else _lp_rounding(inst, settings, proof, hint, t0,
                                                             by=_bound_label(proof, lp))
            if out is not None:
                out.status, out.bound = "optimal", max(float(proof.bound), out.objective)
                break
        found = step(inst, settings, proof, hint, t0, share=0.5 if full else 1.0)
        if found is None or found.objective < inst.total_gain(hint):
            continue  # never worse than the warm start
        # a step cut short by the clock makes every later plan depend on the machine too
        stopped = stopped or found.stopped
        if stopped:
            found.stats["stopped_by_time_limit"] = True
        if found.status != "optimal" and step is _quick_search and proven(found.objective):
            found.status, found.bound = "optimal", max(float(proof.bound), found.objective)
        if found.status == "optimal":
            out = found
        else:
            best, hint = found, found.chosen
    if out is None and not full and best is not None:
        out = best
    if out is None and lp is not None and not full and checks.honours_decisions(inst, hint):
        obj = inst.total_gain(hint)
        out = SolveOutcome(chosen=hint, status="feasible", objective=obj,
                           bound=max(float(proof.bound), obj), solver=LP_ROUNDING,
                           seconds=time.perf_counter() - t0, stats={}, hint_objective=obj)
    if out is None:
        # The time limit covers the whole solve: what the LP and rounding took is spent.
        left = settings.time_limit_s - (time.perf_counter() - t0)
        if left < setup_seconds(inst.n_pairs, lp) and checks.honours_decisions(inst, hint):
            # too little time left for the MIP to start searching: the warm start, bounded
            # by the LP (measured: a decided province whose MIP was started with 0.05 s
            # left spent many seconds building and presolving it)
            out = _warm_start_outcome(inst, hint, proof, t0)
    if out is None:
        left = max(0.05, settings.time_limit_s - (time.perf_counter() - t0))
        out = solve_with_lns(inst, settings, backend=backend, hint=hint, time_limit=left, lp=proof)
    if switches is not None and switches.lps:
        # the branched bound holds whoever found the plan (a MIP stopped by its limit too)
        out.bound = max(min(out.bound, float(proof.bound)), out.objective)
        if out.status != "optimal" and _proven_by_lp(out.objective, proof, settings):
            out.status = "optimal"
        out.stats = {**out.stats, "switch_bound": switches.stats()}
        if _bound_label(proof, lp) == BRANCHED_BOUND_LABEL and out.solver.endswith(LP_BOUND_LABEL):
            out.solver = out.solver[: -len(LP_BOUND_LABEL)] + BRANCHED_BOUND_LABEL
    out.lp = lp
    return out


def setup_seconds(n_pairs: int, lp: LPSolution | None = None, lp_pairs: int | None = None,
                  ) -> float:
    """Seconds a MIP of ``n_pairs`` pairs takes before its search starts, and before HiGHS
    looks at its time limit again: building the model, handing it over and presolve
    (``SETUP_S_PER_PAIR`` per pair and 0.1 s; benchmarks/README.md: 300,000 pairs 1.2-5.6 s),
    and its root LP, about what the LP relaxation ``lp`` of ``lp_pairs`` pairs (default
    ``n_pairs``) took, in proportion. Without an LP (it did not finish in its share of the
    time) the root would not either: infinite. No MIP starts with less time left: measured, a
    MIP of 54,000 pairs started with 1 s left ran 5-6 s past its limit, at the root."""
    if lp is None:
        return math.inf
    root = lp.seconds * n_pairs / max(1, lp_pairs or n_pairs)
    return 0.1 + SETUP_S_PER_PAIR * n_pairs + root


def household_bound(inst: Instance) -> float:
    """A proven upper bound without the LP: every household's best positive gain, summed."""
    best = np.zeros(len(inst.hh_ids))
    np.maximum.at(best, inst.pair_h, inst.pair_gain)
    return float(best.sum())


def _warm_start_outcome(inst: Instance, hint: np.ndarray, lp: LPSolution | None,
                        t0: float) -> SolveOutcome:
    """The warm start as the plan when no MIP fits in the time left (status ``timeout``)."""
    obj = inst.total_gain(hint)
    bound = float(lp.bound) if lp is not None else household_bound(inst)
    status = "optimal" if bound - obj <= 1e-9 * max(1.0, abs(bound)) else "timeout"
    return SolveOutcome(chosen=hint, status=status, objective=obj, bound=max(bound, obj),
                        solver="warm start (greedy or LP rounding; no time left for the MIP)",
                        seconds=time.perf_counter() - t0,
                        stats={"stopped_by_time_limit": True}, hint_objective=obj)


def _proven_by_lp(objective: float, lp: LPSolution, settings: Settings) -> bool:
    """Whether the LP bound proves ``objective`` within ``relative_gap``."""
    return lp.bound > 0 and (lp.bound - objective) / lp.bound <= settings.relative_gap


def _best_hint(inst: Instance, lp: LPSolution) -> np.ndarray:
    """The better of the greedy plan and the LP-rounded plan, as the MIP's warm start."""
    greedy = fill_viable(inst, greedy_order(inst))
    rounded = fill_viable(inst, lp_guided_order(inst, lp.x))
    return rounded if inst.total_gain(rounded) > inst.total_gain(greedy) else greedy


def _bound_label(proof: LPSolution, lp: LPSolution) -> str:
    """What proves a plan: the LP relaxation's bound, or the LP branched on the minimums."""
    return BRANCHED_BOUND_LABEL if proof.bound < lp.bound else LP_BOUND_LABEL


def _lp_rounding(inst: Instance, settings: Settings, lp: LPSolution | None, chosen: np.ndarray | None,
                 t0: float, by: str = LP_BOUND_LABEL) -> SolveOutcome | None:
    """LP rounding (``chosen``, :func:`_best_hint`), returned when it is already proven within
    ``relative_gap`` of the LP bound (a proof: the LP value bounds every plan); ``by`` names
    that bound in the statistics."""
    if lp is None or chosen is None or settings.relative_gap <= 0 or inst.n_pairs == 0:
        return None
    obj = inst.total_gain(chosen)
    if not _proven_by_lp(obj, lp, settings) or not checks.honours_decisions(inst, chosen):
        return None
    return SolveOutcome(chosen=chosen, status="optimal", objective=obj, bound=float(lp.bound),
                        solver=LP_ROUNDING, seconds=time.perf_counter() - t0,
                        stats={"method": "LP relaxation rounded, completed greedily; proven "
                                         f"within relative_gap by the {by}",
                               "tiebreak": "greedy order"},
                        hint_objective=obj)


def _quick_search(inst: Instance, settings: Settings, lp: LPSolution, hint: np.ndarray,
                  t0: float, share: float = 0.5) -> SolveOutcome | None:
    """The large-neighbourhood search (:func:`.lns.improve`) from ``hint``, for at most
    ``QUICK_SEARCH_STEPS`` windows (``QUICK_SEARCH_PATIENCE`` in a row without an improvement end
    it) and ``share`` of the time left: status ``optimal`` when the LP bound proves
    its plan within ``relative_gap``, else ``feasible``. ``None`` when it does not apply (a proof
    of optimality is asked, the model is too large for the search, the warm start breaks a
    decision, or no time). The search's windows have their own back-end (:data:`.lns.BACKEND`).

    In the quick pass of a split model (:func:`solve_whole` with ``full=False``) it replaces a
    second-pass MIP when the LP proves its plan: on the bundled sample's budget curve at 0.5x,
    17.3 s -> 0.9 s (benchmarks/README.md, "The quick pass searches, the second pass shares the
    tolerance"). Before a full MIP, it replaces the MIP in the same way, or hands it a warm start
    closer to the root bound. HiGHS through MathOpt cannot be stopped once started, so the
    search runs before it, not beside it. The windows stop on CP-SAT's work (``deterministic``), so
    the plan is the same on every machine unless the time share cuts the search short
    (``stopped_by_time_limit`` in the statistics).
    """
    if (settings.relative_gap <= 0 or not 0 < inst.n_pairs <= LNS_MAX_PAIRS
            or not checks.honours_decisions(inst, hint)):
        return None
    left = settings.time_limit_s - (time.perf_counter() - t0)
    if left < 1.0:
        return None
    found = improve(inst, settings, hint, time_limit=share * left, lp_x=lp.x,
                    lp_rc=lp.reduced_cost, bound=float(lp.bound), max_steps=QUICK_SEARCH_STEPS,
                    core_share=0.0, deterministic=True, patience=QUICK_SEARCH_PATIENCE)
    obj = found.objective
    return SolveOutcome(
        chosen=found.chosen, status="optimal" if _proven_by_lp(obj, lp, settings) else "feasible",
        objective=obj, bound=max(float(lp.bound), obj), solver=f"{LNS_LABEL}; {LP_BOUND_LABEL}",
        seconds=time.perf_counter() - t0,
        stats={"method": "large-neighbourhood search after the quick pass's MIPs; gap against "
                         "the LP bound",
               "large_neighbourhood_search": found.stats(),
               # cut short by the clock: another run (machine, load) may find another plan
               "stopped_by_time_limit": found.timed_out},
        hint_objective=found.start_objective)


def _neighbourhood(inst: Instance, settings: Settings, lp: LPSolution, hint: np.ndarray,
                   t0: float, share: float = 0.5, backend: str = "highs") -> SolveOutcome | None:
    """The MIP over the LP-guided neighbourhood, with ``share`` of the time left; status
    ``optimal`` when the whole model's LP bound proves it within ``relative_gap``, else
    ``feasible``; with HiGHS (``backend`` when it is one of the HiGHS back-ends, else through
    MathOpt: it proves these in a fraction of a second). ``None`` when it does not apply (a proof of optimality is asked, the model is
    small, or there is no time)."""
    if settings.relative_gap <= 0 or inst.n_pairs < NEIGHBOURHOOD_MIN_PAIRS:
        return None
    idx = np.flatnonzero(guided_pairs(inst, lp))
    if len(idx) == inst.n_pairs:
        return None
    left = settings.time_limit_s - (time.perf_counter() - t0)
    if share * left < max(0.2, setup_seconds(len(idx), lp, inst.n_pairs)):
        return None
    sub = inst.take(idx).compact()
    sub_hint = np.flatnonzero(np.isin(idx, hint))
    if len(sub_hint) != len(hint):  # the warm start uses pairs outside: start from greedy there
        sub_hint = None
    nb_backend = backend if backend in ("highs", "highs-scipy") else "highs"
    r = solve_plan(sub, settings, backend=nb_backend, hint=sub_hint, time_limit=share * left)
    chosen = idx[np.asarray(r.chosen, dtype=np.int64)]
    obj = inst.total_gain(chosen)
    return SolveOutcome(
        chosen=chosen, status="optimal" if _proven_by_lp(obj, lp, settings) else "feasible",
        objective=obj, bound=max(float(lp.bound), obj), solver=f"{r.solver} (LP-guided neighbourhood)",
        seconds=time.perf_counter() - t0,
        stats={"method": "MIP over the pairs the LP relaxation uses or nearly uses; "
                         "gap against the whole model's LP bound",
               "neighbourhood_pairs": int(len(idx)),
               "stopped_by_time_limit": r.status == "timeout"},
        hint_objective=r.hint_objective)


def solve_with_lns(inst: Instance, settings: Settings, *, backend: str, hint: np.ndarray,
                   time_limit: float, lp: LPSolution | None = None) -> SolveOutcome:
    """The full MIP (:func:`.mip.solve_plan`) and the large-neighbourhood search
    (:func:`.lns.improve`) from the same warm start, the better plan kept.

    With two threads or more they run side by side (the MIP keeps all its time to prove; the
    search, on the other core, starts after ``LNS_DELAY`` of the time and stops when the MIP
    returns); with one
    thread the MIP runs first for ``1 - LNS_SHARE`` of it and, when it has not proven its plan,
    the search improves that plan in the rest. The bound and the status are the MIP's (and the
    LP's): the search finds plans, it proves nothing. Models too large for the search
    (``LNS_MAX_PAIRS``), or whose decisions the warm start breaks, get the MIP alone.
    """
    t0 = time.perf_counter()
    usable = (0 < inst.n_pairs <= LNS_MAX_PAIRS and time_limit > 1.0
              and checks.honours_decisions(inst, hint))
    if not usable:
        return solve_plan(inst, settings, backend=backend, hint=hint, time_limit=time_limit)
    lp_x = None if lp is None else lp.x
    lp_bound = None if lp is None else float(lp.bound)
    if settings.threads >= 2:
        stop = Stop()
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(improve, inst, settings, hint, time_limit=time_limit, lp_x=lp_x,
                              lp_rc=None if lp is None else lp.reduced_cost,
                              bound=lp_bound, stop=stop, delay=LNS_DELAY * time_limit)
            try:
                out = solve_plan(inst, replace(settings, workers=settings.threads - 1),
                                 backend=backend, hint=hint, time_limit=time_limit)
            finally:
                stop.set()
            found = job.result()
    else:
        out = solve_plan(inst, settings, backend=backend, hint=hint,
                         time_limit=(1 - LNS_SHARE) * time_limit)
        if out.status == "optimal":
            return out
        left = time_limit - (time.perf_counter() - t0)
        found = improve(inst, settings, out.chosen, time_limit=left, lp_x=lp_x,
                        lp_rc=None if lp is None else lp.reduced_cost, bound=lp_bound)
    stats = {**out.stats, "large_neighbourhood_search": found.stats()}
    if found.objective > out.objective and out.status != "optimal":
        bound = max(out.bound, found.objective)
        proven = bound > 0 and (bound - found.objective) <= settings.relative_gap * bound
        return replace(out, chosen=found.chosen, objective=found.objective, bound=bound,
                       status="optimal" if proven else out.status,
                       solver=f"{LNS_LABEL}; bound from {out.solver}", stats=stats,
                       seconds=time.perf_counter() - t0)
    return replace(out, stats=stats, seconds=time.perf_counter() - t0)
