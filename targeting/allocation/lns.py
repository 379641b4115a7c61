"""Large-neighbourhood search: improve a plan by re-solving small windows of it exactly.

The full MIP of a hard model (OR-Library gapc/gapd, a knapsack-like commune) finds its last
0.1-2% slowly: HiGHS spends its time on the bound, and its incumbent moves rarely. A
large-neighbourhood search works on the incumbent instead. Each step keeps most of the plan as it
is and frees a *window*: a few households, every pair of which becomes a decision again. The
model of the window is the whole model with every other household's choice fixed (its chosen
pair forced to 1, its other pairs gone): a small MIP that CP-SAT solves in a fraction of a
second, and whose every plan is a plan of the whole model. First, and again whenever the windows
stop improving, the *core* is solved: every household, with only its chosen pair and the few
pairs of smallest LP reduced cost (measured on gapd-4: from the greedy plan to 0.18-0.23% above
the optimum in 40 s, where the windows alone stayed at 2-5%). An improvement is kept, and the next window
is drawn.

Windows, in turn (any :class:`~.instance.Instance`; nothing here knows GAP or communes):

- ``projects``: a few projects (agents), every household in them or eligible for them and
  unsupported, with its pairs in those projects: the households can swap between the projects;
- ``households``: households drawn at random, with all their pairs;
- ``lp``: households drawn with weights from the LP relaxation: those whose chosen pair the LP
  does not use, or whose unused pairs it does (a reduced-cost view of where the plan is wrong).

The window's size adapts per kind: it grows when its MIP is proven quickly and shrinks when the
sub-limit stops it. Every random draw comes from ``numpy.random.default_rng(settings.seed)``, so
with the same seed the same windows are drawn in the same order (how many steps fit in the time
limit depends on the machine). The search never reports a bound: the plan's bound is the LP's or
the MIP's (:mod:`.pipeline`), so a gap stays a proof.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from ..config import Settings
from .instance import Instance
from .mip import solve_plan
from .objective import small_tiebreak_weights

__all__ = ["LNSResult", "Stop", "improve", "KINDS", "SUB_LIMIT", "LABEL", "BACKEND"]

#: The back-end of the windows' MIPs: CP-SAT through MathOpt, one worker. Measured on gapd-4
#: from the greedy plan, 40 s, load average 7: 0.217% above the optimum against 0.233% with
#: HiGHS, and it stops at once when the full MIP is done (HiGHS cannot be interrupted).
BACKEND = "cpsat"
#: What a plan's ``solver`` says when the search found it.
LABEL = "large-neighbourhood search (windows: cp-sat via ortools.math_opt)"

#: The windows, drawn in turn.
KINDS = ("projects", "households", "lp")
#: Seconds one window's MIP may take at most.
SUB_LIMIT = 1.0
#: Free pairs in a window at first, and its bounds as it adapts.
START_PAIRS, MIN_PAIRS, MAX_PAIRS = 100, 30, 20_000
#: A free household of a ``households`` or ``lp`` window may take its chosen pair and this many
#: others, those with the smallest LP reduced cost.
PAIRS_PER_HOUSEHOLD = 5
#: The core (:meth:`_Windows.core`): each household's chosen pair and this many with the smallest
#: LP reduced cost; it is solved first, for ``CORE_SHARE`` of the time, when it holds at most
#: ``CORE_MAX_SHARE`` of the pairs.
CORE_PAIRS, CORE_SHARE, CORE_MAX_SHARE = 3, 0.4, 0.5
#: A ``deterministic`` search: a window's MIP stops after ``SUB_WORK`` of CP-SAT's deterministic
#: time, the clock (``DETERMINISTIC_WALL`` times ``SUB_LIMIT``) being only a safety net; windows
#: grow to at most ``DETERMINISTIC_MAX_PAIRS`` free pairs. Measured on the bundled sample (1x
#: and 2x budget) and `synth` seed 1 (0.5x and 1x), 40 windows each: 0.1 and 1,000 took about
#: 0.1 s a window, 0.5 and 20,000 about 0.35 s, and the plans they reached were within 0.07% of
#: each other.
SUB_WORK = 0.1
DETERMINISTIC_WALL = 5.0
DETERMINISTIC_MAX_PAIRS = 1_000
#: After this many windows in a row without an improvement the core is solved again, with one
#: more pair per household.
STALL_WINDOWS = 30


class Stop:
    """Stops a search from another thread: after its current window, and that window's MIP at
    once (a MathOpt interrupter: CP-SAT heeds it; measured, HiGHS through MathOpt 9.15 does
    not, hence CP-SAT for the windows, :data:`BACKEND`)."""

    def __init__(self):
        from ortools.util.python.pybind_solve_interrupter import PySolveInterrupter

        self.event = threading.Event()
        self.interrupter = PySolveInterrupter()

    def set(self) -> None:
        self.event.set()
        self.interrupter.interrupt()

    def is_set(self) -> bool:
        return self.event.is_set()


@dataclass(slots=True)
class LNSResult:
    """What a search returned: the best plan, its objective, and how it got there."""

    chosen: np.ndarray
    objective: float
    start_objective: float
    steps: int
    improvements: int
    seconds: float
    by_kind: dict
    #: Whether the clock ended it (not ``max_steps``, ``patience``, the bound or ``stop``).
    timed_out: bool = False

    def stats(self) -> dict:
        """JSON-serialisable statistics for plan.json."""
        return {"steps": self.steps, "improvements": self.improvements,
                "start_objective": self.start_objective, "objective": self.objective,
                "seconds": round(self.seconds, 3), "improvements_by_window": self.by_kind,
                "stopped_by_time_limit": self.timed_out}


class _Plan:
    """The incumbent, with who holds what, and its objective as an exact sum."""

    def __init__(self, inst: Instance, chosen: np.ndarray, tiebreak: np.ndarray):
        self.inst = inst
        self.tiebreak = tiebreak
        self.set(np.asarray(chosen, dtype=np.int64))

    def set(self, chosen: np.ndarray) -> None:
        self.chosen = np.sort(chosen)
        self.objective = self.inst.total_gain(self.chosen)
        self.tb = int(self.tiebreak[self.chosen].sum())
        self.pair_of = np.full(len(self.inst.hh_ids), -1, dtype=np.int64)
        self.pair_of[self.inst.pair_h[self.chosen]] = self.chosen

    def better(self, chosen: np.ndarray) -> bool:
        """Strictly better: more gain (exactly summed), or the same gain and a better tie-break."""
        obj = self.inst.total_gain(chosen)
        if obj != self.objective:
            return obj > self.objective
        return int(self.tiebreak[chosen].sum()) > self.tb


class _Windows:
    """Draws windows (sets of free households, each with the pairs it may take)."""

    def __init__(self, inst: Instance, lp_x: np.ndarray | None, rc: np.ndarray | None,
                 rng: np.random.Generator):
        self.inst, self.rng, self.lp_x = inst, rng, lp_x
        ph, pp = inst.pair_h, inst.pair_p
        self.h_order = np.argsort(ph, kind="stable")
        self.h_start = np.searchsorted(ph[self.h_order], np.arange(len(inst.hh_ids) + 1))
        self.p_order = np.argsort(pp, kind="stable")
        self.p_start = np.searchsorted(pp[self.p_order], np.arange(len(inst.p_ids) + 1))
        n_pairs_h = np.diff(self.h_start)
        # households the meeting assigned are never freed (their one pair stays)
        fixed_h = np.zeros(len(inst.hh_ids), dtype=bool)
        fixed_h[ph[inst.forced]] = True
        self.movable = np.flatnonzero((n_pairs_h > 0) & ~fixed_h)
        self.fixed_h = fixed_h
        self.projects = np.flatnonzero(np.diff(self.p_start) > 0)
        # each pair's rank within its household by LP reduced cost (0: the most promising)
        self.rank = None
        if rc is not None:
            o = np.lexsort((rc, ph))
            first = self.h_start[ph[o]]
            self.rank = np.empty(len(ph), dtype=np.int64)
            self.rank[o] = np.arange(len(ph)) - first

    def pairs_of(self, h: np.ndarray) -> np.ndarray:
        if len(h) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([self.h_order[self.h_start[i]:self.h_start[i + 1]] for i in h])

    def draw(self, kind: str, plan: _Plan, target: int) -> np.ndarray:
        """Free pairs of one window (sorted), about ``target`` of them."""
        if kind == "projects":
            return self._projects(plan, target)
        weights = None
        if kind == "lp" and self.lp_x is not None:
            weights = self._lp_weights(plan)
        return self._households(plan, target, weights)

    def _households(self, plan: _Plan, target: int, weights: np.ndarray | None) -> np.ndarray:
        mv = self.movable
        if len(mv) == 0:
            return np.zeros(0, dtype=np.int64)
        per = np.minimum(np.diff(self.h_start)[mv], PAIRS_PER_HOUSEHOLD + 1)
        k = int(min(len(mv), max(1, round(target / max(per.mean(), 1.0)))))
        p = None
        if weights is not None:
            w = weights[mv] + 1e-3
            p = w / w.sum()
        h = np.sort(self.rng.choice(mv, size=k, replace=False, p=p))
        return np.sort(np.concatenate([self._promising(plan, i) for i in h]))

    def core(self, plan: _Plan, pairs: int) -> np.ndarray:
        """Every household's chosen pair and its ``pairs`` pairs of smallest LP reduced cost,
        as sorted pair indices (only with an LP)."""
        keep = self.rank < pairs
        keep[plan.chosen] = True
        keep |= self.inst.forced
        return np.flatnonzero(keep)

    def _promising(self, plan: _Plan, h: int) -> np.ndarray:
        """A free household's pairs in a window: its chosen pair and the ``PAIRS_PER_HOUSEHOLD``
        with the smallest LP reduced cost (all of them without an LP)."""
        pairs = self.h_order[self.h_start[h]:self.h_start[h + 1]]
        if self.rank is None or len(pairs) <= PAIRS_PER_HOUSEHOLD:
            return pairs
        keep = pairs[self.rank[pairs] < PAIRS_PER_HOUSEHOLD]
        cur = plan.pair_of[h]
        return keep if cur < 0 or cur in keep else np.r_[keep, cur]

    def _lp_weights(self, plan: _Plan) -> np.ndarray:
        """Per household: how far the plan is from the LP (1 - LP value of its chosen pair, or
        the LP value of its pairs when it is unsupported)."""
        inst, x = self.inst, self.lp_x
        lp_use = np.bincount(inst.pair_h, weights=x, minlength=len(inst.hh_ids))
        w = lp_use.copy()
        held = plan.pair_of >= 0
        w[held] = 1.0 - x[plan.pair_of[held]]
        return np.clip(w, 0.0, None)

    def _projects(self, plan: _Plan, target: int) -> np.ndarray:
        inst = self.inst
        if len(self.projects) == 0:
            return np.zeros(0, dtype=np.int64)
        pool = self.rng.permutation(self.projects)
        # projects of the first one's commune first: they share its budget and quotas
        first_c = inst.p_commune[pool[0]]
        pool = np.r_[pool[inst.p_commune[pool] == first_c], pool[inst.p_commune[pool] != first_c]]
        window = np.zeros(len(inst.p_ids), dtype=bool)
        free = np.zeros(0, dtype=np.int64)
        for p in pool:
            window[p] = True
            pairs = self.p_order[self.p_start[p]:self.p_start[p + 1]]
            free = np.union1d(free, pairs)
            # the window's households: those held by its projects, or unsupported
            h = inst.pair_h[free]
            held = plan.pair_of[h]
            keep = ((held < 0) | window[inst.pair_p[np.maximum(held, 0)]]) & ~self.fixed_h[h]
            free = free[keep]
            if len(free) >= target:
                break
        return free


def improve(inst: Instance, settings: Settings, start: np.ndarray, *, time_limit: float,
            lp_x: np.ndarray | None = None, lp_rc: np.ndarray | None = None, bound: float | None = None,
            stop: Stop | None = None, backend: str = BACKEND,
            core_share: float = CORE_SHARE, window_pairs: int | None = None,
            max_steps: int | None = None, delay: float = 0.0,
            deterministic: bool = False, patience: int | None = None) -> LNSResult:
    """Improve the plan ``start`` by large-neighbourhood search for ``time_limit`` seconds (see
    the module docstring).

    Parameters
    ----------
    inst : Instance
    settings : Settings
        ``seed`` seeds the windows; ``relative_gap`` with ``bound`` stops the search early.
    start : ndarray
        A plan meeting every constraint (chosen pair indices).
    time_limit : float
    lp_x, lp_rc : ndarray, optional
        The LP relaxation's value and reduced cost per pair (for the ``lp`` windows and the pairs
        a freed household may take; without them the windows are random and take every pair).
    bound : float, optional
        A proven upper bound: the search stops once the plan is within ``relative_gap`` of it.
    stop : Stop, optional
        Set by another thread to stop the search (the current window's MIP at once).
    backend : str
        The back-end of the windows' MIPs (:func:`.mip.solve_plan`).
    core_share : float
        Share of ``time_limit`` the core's MIP may take each time (0: no core).
    window_pairs : int, optional
        Free pairs of the first windows (default ``START_PAIRS``, at most a quarter of the
        model); they adapt from there, never below it or ``MIN_PAIRS``.
    max_steps : int, optional
        Stop after this many windows (with a time limit long enough, the same plan every run).
    delay : float
        With ``stop``: wait this long first, and do nothing when ``stop`` is set meanwhile (the
        MIP beside it proved its plan: the search would only slow it down).
    deterministic : bool
        A window's MIP stops after ``SUB_WORK`` of CP-SAT's deterministic time (the clock only
        as a safety net), windows adapt on their MIP's status alone (not on how quickly it was
        proven) and grow to at most ``DETERMINISTIC_MAX_PAIRS`` free pairs: with ``max_steps``
        or ``patience``, the same plan on any machine, unless ``time_limit`` ends the search
        first (``timed_out``).
    patience : int, optional
        Stop after this many windows in a row without an improvement.

    Returns
    -------
    LNSResult
        Never worse than ``start``.
    """
    t0 = time.perf_counter()
    deadline = t0 + float(time_limit)
    if delay > 0 and stop is not None and stop.event.wait(min(delay, float(time_limit))):
        delay = -1.0  # the MIP was done first: no search
    rng = np.random.default_rng(int(settings.seed))
    plan = _Plan(inst, start, small_tiebreak_weights(inst) if inst.n_pairs else np.zeros(0))
    start_obj = plan.objective
    windows = _Windows(inst, lp_x, lp_rc, rng)
    sub_settings = replace(settings, relative_gap=0.0, workers=1)
    first = window_pairs or min(START_PAIRS, max(MIN_PAIRS, inst.n_pairs // 4))
    smallest = min(first, MIN_PAIRS)
    target = dict.fromkeys(KINDS, first)
    by_kind = dict.fromkeys(("core",) + KINDS, 0)
    steps = improvements = stalled = 0
    timed_out = False
    forced = inst.forced
    core_pairs = CORE_PAIRS
    run_core = core_share > 0 and lp_rc is not None

    def solve(idx: np.ndarray, fixed: np.ndarray, limit: float, work: float | None = None):
        """The MIP over the pairs ``idx`` with ``fixed`` (a subset) forced: the best plan of
        the whole model found, as pair indices, and the solve."""
        sub = inst.take(idx)
        sub.pair_forced = np.isin(idx, fixed) | forced[idx]
        r = solve_plan(sub.compact(), sub_settings, backend=backend,
                       hint=np.flatnonzero(np.isin(idx, plan.chosen)), time_limit=limit,
                       tiebreak=False, interrupter=None if stop is None else stop.interrupter,
                       work_limit=work)
        return idx[np.asarray(r.chosen, dtype=np.int64)], r

    while delay >= 0 and inst.n_pairs and (len(windows.movable) or run_core):
        if stop is not None and stop.is_set():
            break
        if bound is not None and bound > 0 and (bound - plan.objective) <= (
                settings.relative_gap * bound):
            break
        left = deadline - time.perf_counter()
        if max_steps is not None and steps >= max_steps:
            break
        if left < 0.05:
            timed_out = True
            break
        if patience is not None and stalled >= patience:
            break
        if run_core:
            # the core: every household, with only its most promising pairs (first, and
            # again with more pairs each when the windows stop improving)
            run_core = False
            core = windows.core(plan, core_pairs)
            if len(core) <= CORE_MAX_SHARE * inst.n_pairs:
                cand, r = solve(core, np.zeros(0, dtype=np.int64),
                                min(left, core_share * float(time_limit)))
                if plan.better(cand):
                    plan.set(cand)
                    improvements += 1
                    by_kind["core"] += 1
            core_pairs += 1
            continue
        kind = KINDS[steps % len(KINDS)]
        steps += 1
        free = windows.draw(kind, plan, target[kind])
        if len(free) == 0:
            continue
        free_h = np.zeros(len(inst.hh_ids), dtype=bool)
        free_h[inst.pair_h[free]] = True
        kept = plan.chosen[~free_h[inst.pair_h[plan.chosen]]]
        # deterministic: the window stops on its work (the same on every machine), the clock
        # being only a safety net
        limit = min(left, SUB_LIMIT * (DETERMINISTIC_WALL if deterministic else 1.0))
        # the window's MIP keeps every fixed pair (they are forced), so cand is a whole plan
        cand, r = solve(np.union1d(kept, free), kept, limit, SUB_WORK if deterministic else None)
        if plan.better(cand) and np.isin(kept, cand).all():
            plan.set(cand)
            improvements += 1
            by_kind[kind] += 1
            stalled = 0
        else:
            stalled += 1
        if deterministic:
            if r.status == "optimal":
                target[kind] = min(DETERMINISTIC_MAX_PAIRS, int(math.ceil(target[kind] * 1.25)))
            else:
                target[kind] = max(smallest, int(target[kind] * 0.7))
        elif r.status == "optimal" and r.seconds < 0.25 * limit:
            target[kind] = min(MAX_PAIRS, int(math.ceil(target[kind] * 1.25)))
        elif r.status != "optimal":
            target[kind] = max(smallest, int(target[kind] * 0.7))
        if stalled >= STALL_WINDOWS and core_share > 0 and lp_rc is not None:
            run_core, stalled = True, 0
    return LNSResult(chosen=plan.chosen, objective=plan.objective, start_objective=start_obj,
                     steps=steps, improvements=improvements,
                     seconds=time.perf_counter() - t0, by_kind=by_kind, timed_out=timed_out)
