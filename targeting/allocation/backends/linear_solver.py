"""SCIP or CBC through OR-Tools' ``pywraplp`` (``backend="scip"`` / ``"cbc"``).

Measured on OR-Library gap1-12, SCIP stopped early ("feasible") on 20 of the 60 instances and
missed 16 optima, where HiGHS and CP-SAT proved all 60; it stays as an option, not a default.
Gains go in as floats (no tie-break).
"""

from __future__ import annotations

import time

import numpy as np

from ...config import Settings
from ..instance import Instance
from ..model import LinearModel, to_linear_solver
from ..results import SolveOutcome, no_plan

__all__ = ["solve_linear_solver", "SOLVER_IDS"]

#: ``backend`` -> OR-Tools solver id.
SOLVER_IDS = {"scip": "SCIP", "cbc": "CBC"}


def solve_linear_solver(inst: Instance, lm: LinearModel, settings: Settings, limit: float,
                        hint: np.ndarray, backend: str) -> SolveOutcome:
    """Solve ``lm`` with the ``pywraplp`` solver ``backend`` from the warm start ``hint``."""
    from ortools.linear_solver import pywraplp

    t0 = time.perf_counter()
    sid = SOLVER_IDS[backend]
    solver, x, _, _ = to_linear_solver(lm, inst.pair_gain, sid, hint=hint)
    solver.SetTimeLimit(int(max(1, limit * 1000)))
    solver.SetNumThreads(settings.threads)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, max(float(settings.relative_gap), 1e-9))
    code = solver.Solve(params)
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return no_plan(sid.lower(), {"mip_status": int(code)}, time.perf_counter() - t0)
    chosen = np.flatnonzero([v.solution_value() > 0.5 for v in x])
    objective = inst.total_gain(chosen)
    bound = solver.Objective().BestBound()
    status = "optimal" if code == pywraplp.Solver.OPTIMAL else "timeout"
    return SolveOutcome(chosen=chosen, status=status, objective=objective,
                        bound=max(bound, objective), solver=sid.lower(),
                        seconds=time.perf_counter() - t0,
                        stats={"mip_status": int(code), "nodes": int(solver.nodes())})
