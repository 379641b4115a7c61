"""The ``optimal`` strategy: choose how to split the model, solve it, check and explain the plan.

How a model is solved, from the bottom up:

- :mod:`.mip` solves a whole model once with the chosen back-end (:mod:`.backends`: HiGHS by
  default, then CP-SAT in the ``auto`` portfolio; the measured reasons are in its docstring);
- :mod:`.pipeline` tries LP rounding and the MIP over the LP-guided neighbourhood before that
  full MIP, each kept only when the LP bound proves it within ``relative_gap``;
- at province scale (``DECOMPOSE_MIN_PAIRS``) the model is split: exactly into groups of
  communes that share no cooperative (:mod:`.components`), and a group that is still large by
  commune through cooperative shares (:mod:`.decompose`). Both take the solve of one part as an
  argument; this module passes them the pipeline and the MIP.
"""

from __future__ import annotations

import math
import time
from functools import partial

import numpy as np

from ..config import Settings
from . import checks, conflicts, diagnose
from .components import components, solve_components
from .decompose import solve_decomposed
from .instance import Instance
from .mip import BACKENDS, solve_plan
from .pipeline import household_bound, solve_whole
from .results import AllocationResult, LPSolution, SolveOutcome, relative_gap

__all__ = ["solve_optimal", "optimal_result", "solve_component", "is_large", "shadow_prices",
           "feasible_start", "DECOMPOSE_MIN_PAIRS", "SPLITS", "START_PROVEN"]

#: Above this many pairs (and with more than one commune) the model is split.
DECOMPOSE_MIN_PAIRS = 60_000
#: Shadow prices are given per this many VND.
PER_VND = 100_000_000
#: What ``solve_optimal(decompose=...)`` accepts.
SPLITS = (None, False, True, "communes", "groups")


def is_large(inst: Instance) -> bool:
    """Whether to split the model: many pairs over more than one commune."""
    return inst.n_pairs >= DECOMPOSE_MIN_PAIRS and len(np.unique(inst.pair_c)) > 1


def _solve_connected(inst: Instance, settings: Settings, *, backend: str, by_commune: bool,
                     engine=None, t0: float | None = None, full: bool = True,
                     start: np.ndarray | None = None) -> SolveOutcome:
    """One group of communes: by commune (``by_commune``, with more than one), else whole."""
    if by_commune and len(np.unique(inst.pair_c)) > 1:
        return solve_decomposed(inst, settings, solve_part=solve_plan, backend=backend,
                                engine=engine)
    return solve_whole(inst, settings, backend=backend, t0=t0, full=full, start=start)


#: What a plan's ``solver`` says when a sweep's earlier plan is proven by its earlier bound.
START_PROVEN = "the earlier plan of the sweep, proven within relative_gap by its earlier bound"


def _start_proven(inst: Instance, settings: Settings, start: np.ndarray | None,
                  start_bound: float | None, t0: float) -> SolveOutcome | None:
    """``start`` as the plan, when ``start_bound`` (the caller's proven bound for this very
    model) proves it within ``relative_gap``."""
    if start is None or start_bound is None or not np.isfinite(start_bound):
        return None
    obj = inst.total_gain(start)
    bound = max(float(start_bound), obj)
    if relative_gap(obj, bound) > settings.relative_gap + 1e-12:
        return None
    return SolveOutcome(chosen=np.asarray(start, dtype=np.int64), status="optimal", objective=obj,
                        bound=bound, solver=START_PROVEN, seconds=time.perf_counter() - t0,
                        stats={"method": START_PROVEN}, hint_objective=obj)


def feasible_start(inst: Instance, start: np.ndarray | None) -> np.ndarray | None:
    """``start`` when it is a plan of ``inst`` that meets every constraint, else None."""
    if start is None:
        return None
    start = np.asarray(start, dtype=np.int64)
    if (start < 0).any() or checks.violations(inst, start) or not checks.honours_decisions(inst, start):
        return None
    return start


def solve_component(inst: Instance, settings: Settings, *, backend: str,
                    start: np.ndarray | None = None) -> SolveOutcome:
    """One group of communes sharing no cooperative with the others, within
    ``settings.time_limit_s``: without ``start`` the quick pass (whole, without the full MIP; by
    commune when the group is itself large), with it the full MIP warm-started from ``start``."""
    if start is not None:
        return solve_plan(inst, settings, backend=backend, hint=start,
                          time_limit=settings.time_limit_s)
    return _solve_connected(inst, settings, backend=backend, by_commune=is_large(inst), full=False)


def shadow_prices(inst: Instance, lp: LPSolution) -> dict:
    """Per commune: extra sustained exits per extra 100,000,000 VND of budget; per cooperative:
    extra exits per one more linkage of capacity. Both are LP duals (``method: lp_dual``): the
    marginal value in the LP relaxation, exact for small changes of the relaxed problem."""
    active_c = np.unique(inst.pair_c)
    active_k = np.unique(inst.pair_k[inst.pair_k >= 0])
    return {
        "method": "lp_dual",
        "budget_per_100m_vnd": {str(inst.c_ids[c]): round(float(lp.budget_dual[c]) * PER_VND, 6)
                                for c in active_c},
        "cooperative_per_linkage": {str(inst.k_ids[k]): round(float(lp.coop_dual[k]), 6)
                                    for k in active_k},
    }


def solve_optimal(inst: Instance, settings: Settings, *, backend: str | None = None,
                  decompose: bool | str | None = None, engine=None, start: np.ndarray | None = None,
                  start_bound: float | None = None) -> AllocationResult:
    """The best plan (see :func:`targeting.allocation.run_strategy`).

    Parameters
    ----------
    inst : Instance
    settings : Settings
    backend : str, optional
        The MIP back-end, one of :data:`targeting.config.BACKENDS` (:mod:`.mip`); default:
        ``settings.backend`` (scenario.toml ``[solver] backend``, itself ``auto`` by default).
    decompose : {None, False, True, "communes", "groups"}
        ``None``: split when the model is large (``DECOMPOSE_MIN_PAIRS``); ``False``: one
        model; ``True``: split into groups of communes that share no cooperative, a single
        group (or a large one) by commune; ``"communes"``: by commune at once, the whole model
        as one group coupled through cooperative shares; ``"groups"``: split into groups of
        communes that share no cooperative whenever there is more than one (an exact split,
        whatever the size; measured on the bundled sample: 3 s where the whole model took 24 s,
        both proven within relative_gap), each group as ``None`` would solve it.
    engine : LocalEngine or DaskEngine, optional
        Runs the subproblems of the split (:mod:`targeting.engine`). Whether to split does not
        depend on the engine, so both engines give the same plan: below
        ``DECOMPOSE_MIN_PAIRS`` the whole model is solved on this machine.
    start : ndarray, optional
        Chosen pair indices of an earlier plan (a sweep's neighbouring setting). Ignored unless
        it meets every constraint of ``inst``; then it warm-starts the solve of a model solved
        whole, and with ``start_bound`` it is the plan when that bound proves it.
    start_bound : float, optional
        A proven upper bound on this model's objective that the caller knows (the earlier
        model's bound, when this model only has fewer plans than that one).

    Raises
    ------
    PolicyConflictError
        When quotas, group minimums and cooperative minimums cannot all be met.
    """
    t0 = time.perf_counter()
    backend = settings.backend if backend is None else backend
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if decompose not in SPLITS:
        raise ValueError(f"decompose must be one of {SPLITS}; got {decompose!r}")
    by_commune_only = decompose == "communes"
    if decompose == "groups":
        parts = components(inst)
        decompose = len(parts) > 1 or is_large(inst)
    else:
        if decompose is None:
            decompose = is_large(inst)
        parts = components(inst) if decompose and not by_commune_only else []
    start = feasible_start(inst, start)
    proven = _start_proven(inst, settings, start, start_bound, t0)
    if proven is not None:
        out = proven
    elif len(parts) > 1:
        # Groups of communes that share no cooperative are independent problems: solved apart
        # (as tasks of the engine), their plans and bounds add up exactly.
        out = solve_components(inst, parts, settings, engine=engine,
                               solve_part=partial(solve_component, backend=backend))
    else:
        out = _solve_connected(inst, settings, backend=backend, by_commune=bool(decompose),
                               engine=engine, t0=t0, start=start)
    if not math.isfinite(out.bound):
        # stopped before the solver proved a bound, and no LP in time: the households' best
        # gains bound every plan (plan.json never shows an infinite bound)
        out.bound = household_bound(inst)
    if out.lp is not None:
        # both are proven upper bounds: keep the tighter
        out.bound = min(out.bound, float(out.lp.bound) + 1e-9 * abs(out.lp.bound))
    return optimal_result(inst, settings, out, t0)


def optimal_result(inst: Instance, settings: Settings, out: SolveOutcome,
                   t0: float) -> AllocationResult:
    """The :class:`AllocationResult` of an optimizer's plan ``out`` on ``inst``: the plan
    checked against every constraint, explained (slack, shadow prices from ``out.lp``, why a
    household was not supported), its bound and gap as ``out`` proves them."""
    out.bound = max(out.bound, out.objective)
    chosen = np.asarray(out.chosen, dtype=np.int64)
    conflicts.raise_if_conflicts(inst, chosen, settings)
    broken = checks.violations(inst, chosen)
    if broken:  # a guard: the solver's plan must meet every constraint
        raise RuntimeError(f"optimal plan ({out.solver}) breaks {broken[0]}; please report this as a bug")
    if inst.pair_forced is not None and not np.isin(np.flatnonzero(inst.pair_forced), chosen).all():
        raise RuntimeError(f"optimal plan ({out.solver}) drops a pair the meeting assigned; "
                           "please report this as a bug")
    gap = relative_gap(out.objective, out.bound)
    if gap < 1e-12:
        gap = 0.0
    details = {"slack": diagnose.slack(inst, chosen), "solver_stats": out.stats,
               "warm_start_objective": out.hint_objective}
    if out.lp is not None:
        details["lp_bound"] = float(out.lp.bound)
        details["shadow_prices"] = shadow_prices(inst, out.lp)
    if out.decomposition:
        details["decomposition"] = out.decomposition
    return AllocationResult(
        assignment=inst.assignment(chosen),
        strategy="optimal",
        status=out.status,
        objective=out.objective,
        bound=out.bound,
        gap=gap,
        solve_seconds=time.perf_counter() - t0,
        solver=out.solver,
        details=details,
        unsupported_reason=diagnose.unsupported_reasons(inst, chosen),
    )
