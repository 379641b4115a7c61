"""The ``optimal`` strategy: build the model, solve it, explain the plan.

Solver choice, by measurement on this 2-core machine (shared with other jobs; commands and
tables in benchmarks/README.md, section "Optimizer"):

- Communes of the seed's size (1,500 households, 10 projects, quotas, group minimums), proven
  optimal (relative_gap = 0): HiGHS MIP 1.2-4 s on all four seeds; SCIP (pywraplp) 1.9-7 s;
  CP-SAT (2 workers) timed out at 30 s with a 1-3% gap on three of four seeds (its LP-free
  search struggles with a budget knapsack over ~4,500 pairs whose LP relaxation is nearly tight).
- OR-Library gap1-12 (60 instances): HiGHS and CP-SAT both prove all 60 (HiGHS 52 s in all,
  CP-SAT 65 s); SCIP through pywraplp stopped early ("feasible") on 20 and missed 16 optima.
  ``pywraplp``'s own HiGHS interface crashed (segmentation fault) on our models, so HiGHS is
  called through ``scipy.optimize.milp`` with a sparse matrix (also far quicker to build).

So HiGHS is the default back-end (``DEFAULT_BACKEND``); CP-SAT stays for explaining conflicts
(assumption literals) and as ``backend="cpsat"``; SCIP and CBC as ``backend="scip"/"cbc"``.
Gains go in as exactly scaled integers (:mod:`.objective`), so relative_gap = 0 is an exact
proof. Before the full MIP, two quicker routes are tried, each kept only when the LP bound
proves it within ``relative_gap``: the LP solution rounded, then the MIP over the LP-guided
neighbourhood. At province scale the model is split: exactly into groups of communes that share
no cooperative (:mod:`.components`), and a group that is still large by commune through
cooperative shares (:mod:`.decompose`).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from contextlib import contextmanager

import numpy as np

from ..config import Settings
from . import AllocationResult, checks, explain
from .components import components, solve_components
from .fill import fill_viable, greedy_order, lp_guided_order
from .instance import Instance
from .lp import lp_relaxation
from .model import build_model, to_cpsat, to_linear_solver
from .objective import scale_gains, small_tiebreak_weights, tiebreak_weights

__all__ = ["solve_optimal", "solve_plan", "lp_relaxation", "BACKENDS", "DECOMPOSE_MIN_PAIRS"]

log = logging.getLogger(__name__)

BACKENDS = ("auto", "highs", "cpsat", "scip", "cbc")
DEFAULT_BACKEND = "auto"
#: Share of the time limit HiGHS gets in the ``auto`` portfolio before CP-SAT takes over.
PORTFOLIO_SHARE = 0.75
#: Above this many pairs (and with more than one commune) the model is decomposed by commune.
DECOMPOSE_MIN_PAIRS = 60_000
#: Models smaller than this go straight from LP rounding to the full MIP (it is quick there).
NEIGHBOURHOOD_MIN_PAIRS = 5_000
#: Share of the time limit the tie-break solve may use (never more than what is left).
TIEBREAK_SHARE = 0.15
#: Shadow prices are given per this many VND.
PER_VND = 100_000_000


_SILENCE_LOCK = threading.Lock()
_SILENCE_DEPTH = 0
_SILENCE_SAVED: int | None = None


@contextmanager
def _native_stdout_silenced():
    """HiGHS' C++ code sometimes writes debugging lines straight to file descriptor 1; keep them
    out of the command line's output (our own code never prints). Re-entrant across the threads
    of the decomposition: the first to enter redirects fd 1, the last to leave restores it."""
    global _SILENCE_DEPTH, _SILENCE_SAVED
    with _SILENCE_LOCK:
        if _SILENCE_DEPTH == 0:
            try:
                sys.stdout.flush()
            except (AttributeError, OSError, ValueError):
                pass
            try:
                _SILENCE_SAVED = os.dup(1)
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.close(null)
            except OSError:
                _SILENCE_SAVED = None
        _SILENCE_DEPTH += 1
    try:
        yield
    finally:
        with _SILENCE_LOCK:
            _SILENCE_DEPTH -= 1
            if _SILENCE_DEPTH == 0 and _SILENCE_SAVED is not None:
                os.dup2(_SILENCE_SAVED, 1)
                os.close(_SILENCE_SAVED)
                _SILENCE_SAVED = None


def _workers(settings: Settings) -> int:
    return settings.workers if settings.workers and settings.workers > 0 else (os.cpu_count() or 1)


def solve_plan(inst: Instance, settings: Settings, *, backend: str = DEFAULT_BACKEND,
               time_limit: float | None = None, coop_capacity: np.ndarray | None = None,
               coop_min: np.ndarray | None = None, tiebreak: bool = True,
               hint: np.ndarray | None = None) -> dict:
    """Solve the full model of ``inst`` once. Returns a dict: ``chosen, status, objective,
    bound, solver, seconds, stats``. ``status`` is optimal / timeout (a plan, not proven)."""
    t0 = time.perf_counter()
    limit = settings.time_limit_s if time_limit is None else time_limit
    lm = build_model(inst, coop_capacity=coop_capacity, coop_min=coop_min)
    if hint is None:
        hint = fill_viable(inst, greedy_order(inst), coop_capacity=coop_capacity, coop_min=coop_min)
    hint_obj = math.fsum(inst.pair_gain[hint].tolist())
    if backend == "cpsat":
        out = _solve_cpsat(inst, lm, settings, limit, hint, tiebreak)
    elif backend == "highs":
        out = _solve_highs(inst, lm, settings, limit, hint, tiebreak)
    elif backend == "auto":
        out = _solve_portfolio(inst, lm, settings, limit, hint, hint_obj, tiebreak, t0)
    else:
        out = _solve_mip(inst, lm, settings, limit, hint, backend)
    if out["chosen"] is None or out["objective"] < hint_obj - 1e-9:
        # no plan in time (or a worse one): keep the greedy plan
        out["chosen"] = hint
        out["objective"] = hint_obj
        out["status"] = "timeout" if out["status"] != "optimal" else out["status"]
    out["seconds"] = time.perf_counter() - t0
    out["hint_objective"] = hint_obj
    return out


def _solve_portfolio(inst, lm, settings, limit, hint, hint_obj, tiebreak, t0) -> dict:
    """HiGHS for up to ``PORTFOLIO_SHARE`` of the time; when it has not proven the optimum,
    CP-SAT for the rest, warm-started from the best plan so far. The bound is the smaller of the
    two proven bounds; the plan the better of the two."""
    del hint_obj
    out = _solve_highs(inst, lm, settings, PORTFOLIO_SHARE * limit, hint, tiebreak)
    left = limit - (time.perf_counter() - t0)
    if out["status"] == "optimal" or left < 0.5:
        return out
    # CP-SAT starts from the greedy plan, not HiGHS's: measured, its search did worse from the
    # MIP incumbent on the bundled sample (38.45 vs 38.63 in 30 s)
    cp = _solve_cpsat(inst, lm, settings, left, hint, tiebreak)
    best = cp if cp["chosen"] is not None and cp["objective"] > out["objective"] else out
    bound = min(out["bound"], cp["bound"])
    best = dict(best)
    best["bound"] = max(bound, best["objective"])
    gap = (best["bound"] - best["objective"]) / max(abs(best["bound"]), 1e-9)
    proven = cp["status"] == "optimal" or gap <= settings.relative_gap
    best["status"] = "optimal" if proven else "timeout"
    best["solver"] = "highs+cp-sat"
    best["stats"] = {"highs": out.get("stats", {}), "cp_sat": cp.get("stats", {})}
    return best


def _solve_cpsat(inst, lm, settings, limit, hint, tiebreak) -> dict:
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    sg = scale_gains(inst.pair_gain, len(inst.hh_ids))
    model, x, _, _ = to_cpsat(lm, sg.values, hint=hint)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, float(limit))
    p.num_workers = _workers(settings)
    p.random_seed = int(settings.seed)
    p.relative_gap_limit = float(settings.relative_gap)
    code = solver.solve(model)
    name = solver.status_name(code)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if code == cp_model.INFEASIBLE:  # cannot happen: the empty plan meets every constraint
            raise RuntimeError("the allocation model is infeasible; please report this as a bug")
        if code == cp_model.MODEL_INVALID:
            raise RuntimeError(f"invalid CP-SAT model: {model.validate()}")
        return {"chosen": None, "status": "timeout", "objective": -math.inf,
                "bound": math.inf, "solver": "cp-sat", "stats": {"cp_sat_status": name}}
    vals = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    chosen = np.flatnonzero(vals)
    best = int(round(solver.objective_value))
    bound_scaled = solver.best_objective_bound
    status = "optimal" if code == cp_model.OPTIMAL else "timeout"
    stats = {"cp_sat_status": name, "gain_scale": sg.scale, "gain_scale_exact": sg.exact,
             "branches": int(solver.num_branches), "conflicts": int(solver.num_conflicts),
             "primary_seconds": round(solver.wall_time, 3)}
    left = limit - (time.perf_counter() - t0)
    if tiebreak and len(chosen) and left > 0.05:
        # lexicographic second stage: keep the primary objective, prefer poorer then cheaper
        # at most as long again as the primary solve, so the tie-break never dominates the time
        # (any solution it finds keeps the primary objective, so stopping early is safe)
        tb_limit = min(left, 0.5 * solver.wall_time + 0.1, TIEBREAK_SHARE * limit + 0.2)
        w = tiebreak_weights(inst)
        model.add(cp_model.LinearExpr.weighted_sum(x, sg.values.tolist()) >= best).with_name(
            "keep_optimum")
        model.maximize(cp_model.LinearExpr.weighted_sum(x, w.tolist()))
        model.clear_hints()
        for i, v in enumerate(vals):
            model.add_hint(x[i], bool(v))
        s2 = cp_model.CpSolver()
        s2.parameters.max_time_in_seconds = tb_limit
        s2.parameters.num_workers = _workers(settings)
        s2.parameters.random_seed = int(settings.seed)
        c2 = s2.solve(model)
        if c2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = np.flatnonzero([s2.boolean_value(v) for v in x])
            stats["tiebreak"] = s2.status_name(c2).lower()
        else:
            stats["tiebreak"] = "not_run"
    objective = math.fsum(inst.pair_gain[chosen].tolist())
    bound = sg.true_bound(bound_scaled, len(inst.hh_ids))
    return {"chosen": chosen, "status": status, "objective": objective,
            "bound": max(bound, objective), "solver": "cp-sat", "stats": stats}


def _solve_mip(inst, lm, settings, limit, hint, backend) -> dict:
    from ortools.linear_solver import pywraplp

    sid = {"scip": "SCIP", "highs": "HIGHS", "cbc": "CBC"}[backend]
    solver, x, _, _ = to_linear_solver(lm, inst.pair_gain, sid, hint=hint)
    solver.SetTimeLimit(int(max(1, limit * 1000)))
    solver.SetNumThreads(_workers(settings))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, max(float(settings.relative_gap), 1e-9))
    code = solver.Solve(params)
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return {"chosen": None, "status": "timeout", "objective": -math.inf, "bound": math.inf,
                "solver": sid.lower(), "stats": {"mip_status": int(code)}}
    chosen = np.flatnonzero([v.solution_value() > 0.5 for v in x])
    objective = math.fsum(inst.pair_gain[chosen].tolist())
    bound = solver.Objective().BestBound()
    status = "optimal" if code == pywraplp.Solver.OPTIMAL else "timeout"
    return {"chosen": chosen, "status": status, "objective": objective,
            "bound": max(bound, objective), "solver": sid.lower(),
            "stats": {"mip_status": int(code), "nodes": int(solver.nodes())}}


def _solve_highs(inst, lm, settings, limit, hint, tiebreak=True) -> dict:
    """HiGHS MIP through scipy's ``milp`` (a sparse build; ``pywraplp``'s HiGHS crashed on this
    model). The objective is the exactly scaled integer gains of :mod:`.objective`, so with
    ``relative_gap = 0`` the proof (absolute gap below one scaled unit) is exact."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    from .lp import _matrix

    t0 = time.perf_counter()
    sg = scale_gains(inst.pair_gain, len(inst.hh_ids))
    n_var = lm.n_x + len(lm.bool_names)
    A, b, _, _ = _matrix(lm)
    cost = np.zeros(n_var)
    K = 1
    if not sg.exact:
        # floats as they are: HiGHS's own tolerances and bound apply (reported as the gap)
        return _solve_highs_float(inst, lm, settings, limit, A, b, n_var)
    if tiebreak:
        w = small_tiebreak_weights(inst)
        K = int(w.sum()) + 1  # more than any difference of tie-break totals between plans
        if float(np.abs(sg.values).sum()) * K + K > 2.0**52:
            K = 1  # no room in double precision: no tie-break
    cost[: lm.n_x] = -(sg.values.astype(float) * K + (w if K > 1 else 0))
    upper = np.ones(n_var)
    upper[: lm.n_x][lm.zero] = 0.0
    cons = [LinearConstraint(A, -np.inf, b)] if A.shape[0] else []
    opts = {"mip_rel_gap": float(settings.relative_gap), "time_limit": max(0.05, float(limit)),
            "disp": False}
    if settings.relative_gap == 0:
        opts["mip_rel_gap"] = 0.0
    with _native_stdout_silenced():
        res = milp(cost, constraints=cons, integrality=np.ones(n_var), bounds=Bounds(0, upper),
                   options=opts)
    if res.x is None:
        return {"chosen": None, "status": "timeout", "objective": -math.inf, "bound": math.inf,
                "solver": "highs", "stats": {"highs_status": int(res.status)}}
    xv = res.x[: lm.n_x] > 0.5
    chosen = np.flatnonzero(xv)
    dual = getattr(res, "mip_dual_bound", None)
    # the combined bound divided by K bounds the primary (tie-break totals are >= 0 and < K)
    bound_scaled = math.floor(-float(dual if dual is not None else res.fun) / K + 1e-9)
    status = "optimal" if res.status == 0 else "timeout"
    primary = time.perf_counter() - t0
    stats = {"highs_status": int(res.status), "gain_scale": sg.scale, "gain_scale_exact": sg.exact,
             "nodes": int(getattr(res, "mip_node_count", 0) or 0),
             "seconds": round(primary, 3),
             "tiebreak": "in_objective" if K > 1 else "skipped"}
    objective = math.fsum(inst.pair_gain[chosen].tolist())
    bound = sg.true_bound(bound_scaled, len(inst.hh_ids))
    return {"chosen": chosen, "status": status, "objective": objective,
            "bound": max(bound, objective), "solver": "highs", "stats": stats}


def _solve_highs_float(inst, lm, settings, limit, A, b, n_var) -> dict:
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost = np.zeros(n_var)
    cost[: lm.n_x] = -inst.pair_gain
    upper = np.ones(n_var)
    upper[: lm.n_x][lm.zero] = 0.0
    cons = [LinearConstraint(A, -np.inf, b)] if A.shape[0] else []
    t0 = time.perf_counter()
    with _native_stdout_silenced():
        res = milp(cost, constraints=cons, integrality=np.ones(n_var), bounds=Bounds(0, upper),
                   options={"mip_rel_gap": float(settings.relative_gap),
                            "time_limit": max(0.05, float(limit)), "disp": False})
    if res.x is None:
        return {"chosen": None, "status": "timeout", "objective": -math.inf, "bound": math.inf,
                "solver": "highs", "stats": {"highs_status": int(res.status)}}
    chosen = np.flatnonzero(res.x[: lm.n_x] > 0.5)
    objective = math.fsum(inst.pair_gain[chosen].tolist())
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual if dual is not None else res.fun)
    # HiGHS proves within its feasibility tolerance; pad the bound by it so it stays an upper bound
    bound += 1e-6 * max(1.0, abs(bound))
    return {"chosen": chosen, "status": "optimal" if res.status == 0 else "timeout",
            "objective": objective, "bound": max(bound, objective), "solver": "highs",
            "stats": {"highs_status": int(res.status), "gains": "float",
                      "nodes": int(getattr(res, "mip_node_count", 0) or 0),
                      "seconds": round(time.perf_counter() - t0, 3), "tiebreak": "skipped"}}


def shadow_prices(inst: Instance, lp: dict) -> dict:
    """Per commune: extra sustained exits per extra 100,000,000 VND of budget; per cooperative:
    extra exits per one more linkage of capacity. Both are LP duals (``method: lp_dual``): the
    marginal value in the LP relaxation, exact for small changes of the relaxed problem."""
    active_c = np.unique(inst.pair_c)
    active_k = np.unique(inst.pair_k[inst.pair_k >= 0])
    return {
        "method": "lp_dual",
        "budget_per_100m_vnd": {str(inst.c_ids[c]): round(float(lp["budget_dual"][c]) * PER_VND, 6)
                                for c in active_c},
        "cooperative_per_linkage": {str(inst.k_ids[k]): round(float(lp["coop_dual"][k]), 6)
                                    for k in active_k},
    }


def _best_hint(inst: Instance, lp: dict) -> np.ndarray:
    """The better of the greedy plan and the LP-rounded plan, as the MIP's warm start."""
    greedy = fill_viable(inst, greedy_order(inst))
    rounded = fill_viable(inst, lp_guided_order(inst, lp["x"]))
    g = inst.pair_gain
    return rounded if math.fsum(g[rounded].tolist()) > math.fsum(g[greedy].tolist()) else greedy


def _lp_rounding(inst: Instance, settings: Settings, lp: dict | None, t0: float) -> dict | None:
    """LP rounding, returned when it is already proven within ``relative_gap`` of the LP bound.

    On model gains the MIP solvers spend seconds at the root closing the last 0.1-0.2% that the
    LP bound leaves; a rounded LP plan often meets the requested gap at once (a proof: the LP
    value bounds every plan). With ``relative_gap = 0`` this never applies.
    """
    if lp is None or settings.relative_gap <= 0 or inst.n_pairs == 0:
        return None
    chosen = _best_hint(inst, lp)
    obj = math.fsum(inst.pair_gain[chosen].tolist())
    bound = float(lp["bound"])
    if bound <= 0 or (bound - obj) / bound > settings.relative_gap:
        return None
    return {"chosen": chosen, "status": "optimal", "objective": obj, "bound": bound,
            "solver": "lp-rounding (HiGHS LP)", "seconds": time.perf_counter() - t0,
            "stats": {"method": "LP relaxation rounded, completed greedily; proven within "
                                "relative_gap by the LP bound", "tiebreak": "greedy order"},
            "hint_objective": obj}


def _large(inst: Instance) -> bool:
    """Whether to split the model: many pairs over more than one commune."""
    return inst.n_pairs >= DECOMPOSE_MIN_PAIRS and len(np.unique(inst.pair_c)) > 1


def _solve_whole(inst: Instance, settings: Settings, *, backend: str, decompose: bool, engine=None,
                 t0: float | None = None, full: bool = True) -> dict:
    """One connected problem: by commune (``decompose``), else the first of LP rounding, the
    MIP over the LP-guided neighbourhood and the full MIP that meets ``relative_gap``.

    ``full=False`` stops after the neighbourhood and returns the best plan so far (status
    ``feasible`` when it is not proven within the gap): the quick pass of
    :func:`.components.solve_components`, which decides afterwards where more time is worth it.
    """
    t0 = time.perf_counter() if t0 is None else t0
    if decompose and len(np.unique(inst.pair_c)) > 1:
        from .decompose import solve_decomposed

        return solve_decomposed(inst, settings, backend=backend, engine=engine)
    try:
        lp = lp_relaxation(inst)
    except RuntimeError as e:  # pragma: no cover - an LP failure is not fatal
        log.warning("no LP relaxation: %s", e)
        lp = None
    out = _lp_rounding(inst, settings, lp, t0)
    if out is None:
        hint = None
        if lp is not None:
            hint = _best_hint(inst, lp)
            nb = _neighbourhood(inst, settings, lp, hint, t0, share=0.5 if full else 1.0)
            if nb is not None and nb["objective"] < math.fsum(inst.pair_gain[hint].tolist()):
                nb = None  # never worse than the warm start
            if nb is not None and (nb["status"] == "optimal" or not full):
                out = nb
            elif nb is not None:
                hint = nb["chosen"]
            if out is None and not full:
                obj = math.fsum(inst.pair_gain[hint].tolist())
                out = {"chosen": hint, "status": "feasible", "objective": obj,
                       "bound": max(float(lp["bound"]), obj), "solver": "lp-rounding (HiGHS LP)",
                       "stats": {}, "hint_objective": obj}
        if out is None:
            # The time limit covers the whole solve: what the LP and rounding took is spent.
            left = max(0.05, settings.time_limit_s - (time.perf_counter() - t0))
            out = solve_plan(inst, settings, backend=backend, hint=hint, time_limit=left)
    out["lp"] = lp
    return out


def _neighbourhood(inst: Instance, settings: Settings, lp: dict, hint: np.ndarray, t0: float,
                   share: float = 0.5) -> dict | None:
    """The MIP over the LP-guided neighbourhood, with ``share`` of the time left; status
    ``optimal`` when the whole model's LP bound proves it within ``relative_gap``, else
    ``feasible``. ``None`` when it does not apply (a proof of optimality is asked, the model is
    small, or there is no time).

    The neighbourhood is every pair the LP uses or whose reduced cost is within ``RC_SHARE`` of
    the median gain: a sixth to a tenth of the pairs, whose MIP HiGHS proves in 1-2 s where the
    full model of a 15,000-pair group of communes needs 7-20 s to reach the same gap (measured on
    synthetic districts, 2026-11-28). Its plan is a plan of the whole model, and the proof is
    against the whole model's LP bound.
    """
    from .decompose import RC_SHARE, compact

    if settings.relative_gap <= 0 or inst.n_pairs < NEIGHBOURHOOD_MIN_PAIRS:
        return None
    pos = inst.pair_gain[inst.pair_gain > 0]
    thr = RC_SHARE * float(np.median(pos)) if len(pos) else 0.0
    idx = np.flatnonzero((lp["x"] > 1e-6) | (lp["reduced_cost"] <= thr))
    if len(idx) == inst.n_pairs:
        return None
    left = settings.time_limit_s - (time.perf_counter() - t0)
    if left < 0.2:
        return None
    sub = compact(inst.take(idx))
    sub_hint = np.flatnonzero(np.isin(idx, hint))
    if len(sub_hint) != len(hint):  # the warm start uses pairs outside: start from greedy there
        sub_hint = None
    r = solve_plan(sub, settings, backend="highs", hint=sub_hint, time_limit=share * left)
    chosen = idx[np.asarray(r["chosen"], dtype=np.int64)]
    obj = math.fsum(inst.pair_gain[chosen].tolist())
    bound = float(lp["bound"])
    proven = bound > 0 and (bound - obj) / bound <= settings.relative_gap
    return {"chosen": chosen, "status": "optimal" if proven else "feasible", "objective": obj,
            "bound": max(bound, obj), "solver": "highs (LP-guided neighbourhood)",
            "seconds": time.perf_counter() - t0,
            "stats": {"method": "MIP over the pairs the LP relaxation uses or nearly uses; "
                                "gap against the whole model's LP bound",
                      "neighbourhood_pairs": int(len(idx)),
                      "stopped_by_time_limit": r["status"] == "timeout"},
            "hint_objective": r.get("hint_objective")}


def solve_optimal(inst: Instance, settings: Settings, *, backend: str = DEFAULT_BACKEND,
                  decompose: bool | None = None, engine=None) -> AllocationResult:
    """The best plan (see :func:`targeting.strategies.run_strategy`).

    ``engine`` (:mod:`targeting.engine`) runs the subproblems of the split (groups of communes
    that share no cooperative, or communes coupled through cooperative shares). Whether to
    split does not depend on the engine, so both engines give the same plan: below
    ``DECOMPOSE_MIN_PAIRS`` the whole model is solved on this machine.
    """
    from . import conflicts

    t0 = time.perf_counter()
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if decompose is None:
        decompose = _large(inst)
    parts = components(inst) if decompose else []
    if len(parts) > 1:
        # Groups of communes that share no cooperative are independent problems: solved apart
        # (as tasks of the engine), their plans and bounds add up exactly.
        out = solve_components(inst, parts, settings, backend=backend, engine=engine)
    else:
        out = _solve_whole(inst, settings, backend=backend, decompose=decompose, engine=engine, t0=t0)
    if out.get("lp") is not None:
        # both are proven upper bounds: keep the tighter
        out["bound"] = min(out["bound"], float(out["lp"]["bound"]) + 1e-9 * abs(out["lp"]["bound"]))
    out["bound"] = max(out["bound"], out["objective"])
    chosen = np.asarray(out["chosen"], dtype=np.int64)
    conflicts.raise_if_conflicts(inst, chosen, settings)
    broken = checks.violations(inst, chosen)
    if broken:  # a guard: the solver's plan must meet every constraint
        raise RuntimeError(f"optimal plan breaks {broken[0]}; please report this as a bug")
    obj = out["objective"]
    bound = out["bound"]
    gap = (bound - obj) / max(abs(bound), 1e-9) if bound is not None else None
    if gap is not None and gap < 1e-12:
        gap = 0.0
    details = {"slack": explain.slack(inst, chosen), "solver_stats": out.get("stats", {}),
               "warm_start_objective": out.get("hint_objective")}
    if out.get("lp") is not None:
        details["lp_bound"] = float(out["lp"]["bound"])
        details["shadow_prices"] = shadow_prices(inst, out["lp"])
    if out.get("decomposition"):
        details["decomposition"] = out["decomposition"]
    return AllocationResult(
        assignment=inst.assignment(chosen),
        strategy="optimal",
        status=out["status"],
        objective=obj,
        bound=bound,
        gap=gap,
        solve_seconds=time.perf_counter() - t0,
        solver=out["solver"],
        details=details,
        unsupported_reason=explain.unsupported_reasons(inst, chosen),
    )
