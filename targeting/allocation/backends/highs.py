"""HiGHS MIP through scipy's ``milp``: a sparse build of the model (:func:`..model.constraint_matrix`).

``pywraplp``'s own HiGHS interface crashed (segmentation fault) on these models, and the sparse
build is far quicker than one ``pywraplp`` call per coefficient. Exactly scaled gains
(:mod:`..objective`) go in as integers, so with ``relative_gap = 0`` the proof (an absolute gap
below one scaled unit) is exact, and the tie-break rides in the same objective below one unit of
gain. Gains that cannot be scaled exactly are used as floats: HiGHS's own tolerance applies, and
the bound is padded by it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager

import numpy as np

from ...config import Settings
from ..instance import Instance
from ..model import LinearModel, constraint_matrix
from ..objective import mip_bound, mip_objective
from ..results import SolveOutcome, no_plan

__all__ = ["solve_highs", "native_stdout_silenced", "LABEL"]

#: What a plan's ``solver`` says: the back-end and the interface.
LABEL = "highs via scipy.optimize.milp"

_SILENCE_LOCK = threading.Lock()
_SILENCE_DEPTH = 0
_SILENCE_SAVED: int | None = None


@contextmanager
def native_stdout_silenced():
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


def _milp(lm: LinearModel, A, b, cost_x: np.ndarray, settings: Settings, limit: float):
    """Minimise ``cost_x @ x`` over the 0/1 points of the model (its binaries cost nothing)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_var = lm.n_x + len(lm.bool_names)
    cost = np.zeros(n_var)
    cost[: lm.n_x] = cost_x
    upper = np.ones(n_var)
    upper[: lm.n_x][lm.zero] = 0.0
    cons = [LinearConstraint(A, -np.inf, b)] if A.shape[0] else []
    opts = {"mip_rel_gap": float(settings.relative_gap), "time_limit": max(0.05, float(limit)),
            "disp": False}
    with native_stdout_silenced():
        return milp(cost, constraints=cons, integrality=np.ones(n_var),
                    bounds=Bounds(lm.lower_bounds(), upper),
                    options=opts)


def solve_highs(inst: Instance, lm: LinearModel, settings: Settings, limit: float,
                tiebreak: bool = True) -> SolveOutcome:
    """Solve ``lm`` with HiGHS within ``limit`` seconds; status optimal (proven within
    ``relative_gap``) or timeout."""
    t0 = time.perf_counter()
    A, b, _, _ = constraint_matrix(lm)
    cost, K, sg = mip_objective(inst, tiebreak)
    cost_x = -cost  # scipy minimises
    build = time.perf_counter() - t0
    res = _milp(lm, A, b, cost_x, settings, limit - build)
    timing = {"build_seconds": round(build, 3),
              "solve_seconds": round(time.perf_counter() - t0 - build, 3)}
    if res.x is None:
        return no_plan(LABEL, {"highs_status": int(res.status), **timing},
                       time.perf_counter() - t0)
    chosen = np.flatnonzero(res.x[: lm.n_x] > 0.5)
    objective = inst.total_gain(chosen)
    dual = getattr(res, "mip_dual_bound", None)
    dual_bound = -float(dual if dual is not None else res.fun)
    nodes = int(getattr(res, "mip_node_count", 0) or 0)
    seconds = time.perf_counter() - t0
    bound, scaling = mip_bound(sg, K, dual_bound, len(inst.hh_ids))
    stats = {"highs_status": int(res.status), **scaling, "nodes": nodes,
             "seconds": round(seconds, 3), **timing}
    return SolveOutcome(chosen=chosen, status="optimal" if res.status == 0 else "timeout",
                        objective=objective, bound=max(bound, objective), solver=LABEL,
                        seconds=seconds, stats=stats)
