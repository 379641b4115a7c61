"""HiGHS, SCIP and CP-SAT (MIP) and HiGHS, GLOP and PDLP (LP) through OR-Tools MathOpt.

The model is built once, as a MathOpt ``ModelProto`` written straight from the sparse matrix of
:func:`..model.constraint_matrix` (numpy arrays encoded as packed wire bytes and parsed once: no
Python object per variable or coefficient), and handed to MathOpt's solver core
(``ortools.math_opt.core.python.solver.solve``, what ``mathopt.solve`` calls after exporting its
``Model`` to the same proto). The answer is read back from the ``SolveResultProto`` as arrays,
only the nonzero values (a ``skip_zero_values`` filter). Measured (benchmarks/README.md,
"Optimizer"): building and handing over cost about what scipy's ``milp`` does up to ~50,000
pairs, and 1.6-1.8x as long from 150,000 pairs (:data:`..mip.SCIPY_MIN_PAIRS`).

Exactly scaled gains (:mod:`..objective`) go in as integers and the tie-break rides in the same
objective below one unit of gain (:func:`..objective.small_tiebreak_weights`), as with HiGHS
through scipy, so ``relative_gap = 0`` is an exact proof. Gains that cannot be scaled exactly go
in as floats, and the bound is padded by the solver's tolerance.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ...config import Settings
from ..instance import Instance
from ..model import LinearModel, constraint_matrix
from ..objective import mip_bound, mip_objective
from ..results import SolveOutcome, no_plan
from .highs import native_stdout_silenced

__all__ = ["MIP_SOLVER_TYPES", "LP_SOLVER_TYPES", "INTERFACE", "solver_label", "model_proto",
           "solve_proto", "solve_mathopt", "hint_values",
           "MathOptAnswer"]

log = logging.getLogger(__name__)

#: The interface named in a plan's ``solver`` (``highs via ortools.math_opt``).
INTERFACE = "ortools.math_opt"
#: ``backend`` -> MathOpt solver name, for the MIP and for the LP relaxation.
MIP_SOLVER_TYPES = {"highs": "HIGHS", "scip": "GSCIP", "cpsat": "CP_SAT"}
LP_SOLVER_TYPES = {"highs": "HIGHS", "glop": "GLOP", "pdlp": "PDLP"}
#: What people read for each MathOpt solver.
_LABELS = {"HIGHS": "highs", "GSCIP": "scip", "CP_SAT": "cp-sat", "GLOP": "glop", "PDLP": "pdlp"}


def solver_label(solver: str) -> str:
    """``highs via ortools.math_opt`` for the MathOpt solver name ``HIGHS``."""
    return f"{_LABELS[solver]} via {INTERFACE}"


def model_proto(lm: LinearModel, objective: np.ndarray, *, integer: bool = True,
                matrix=None):
    """A MathOpt ``ModelProto`` maximising ``objective`` (one float per pair) over the model's
    variables (pairs, then its binaries), ``integer=False`` for the LP relaxation.

    ``matrix``: ``constraint_matrix(lm)`` when the caller has it already. Variable ``i`` of the
    proto is column ``i`` of that matrix, and row ``r`` its row ``r`` (``A @ v <= b``).

    The repeated fields are written as packed wire-format bytes from the numpy arrays and merged
    in one parse: at province scale (300,000 pairs, 2.2 million coefficients) ``extend`` from
    arrays took 4-5 s, the bytes well under one."""
    from ortools.math_opt import model_pb2

    A, b, _, _ = constraint_matrix(lm) if matrix is None else matrix
    n_var = lm.n_x + len(lm.bool_names)
    upper = np.ones(n_var)
    upper[: lm.n_x][lm.zero] = 0.0
    obj = np.asarray(objective, dtype=float)
    nz = np.flatnonzero(obj)
    f = model_pb2.ModelProto.DESCRIPTOR.fields_by_name
    parts = [_message(f["variables"], ids=np.arange(n_var), lower_bounds=lm.lower_bounds(),
                      upper_bounds=upper, integers=np.full(n_var, integer, dtype=bool))]
    p = model_pb2.ModelProto()
    p.objective.maximize = True
    parts.append(_message(f["objective"], linear_coefficients=_message(
        f["objective"].message_type.fields_by_name["linear_coefficients"], ids=nz,
        values=obj[nz])))
    if A.shape[0]:
        A = sp.csr_matrix(A)
        A.sum_duplicates()  # also sorts the columns of each row, as MathOpt requires
        A.eliminate_zeros()
        r = A.shape[0]
        parts.append(_message(f["linear_constraints"], ids=np.arange(r),
                              lower_bounds=np.full(r, -np.inf),
                              upper_bounds=np.asarray(b, dtype=float)))
        parts.append(_message(f["linear_constraint_matrix"],
                              row_ids=np.repeat(np.arange(r), np.diff(A.indptr)),
                              column_ids=A.indices, coefficients=A.data))
    p.MergeFromString(b"".join(parts))
    return p


def _varints(x) -> bytes:
    """Protocol-buffer varints of non-negative integers, vectorised: seven bits a byte, the
    high bit set on every byte but the last of a number."""
    x = np.asarray(x, dtype=np.uint64)
    if len(x) == 0:
        return b""
    if int(x.max()) < 2**32:  # ids and lengths: narrower arithmetic is quicker
        x = x.astype(np.uint32)
    size = np.ones(len(x), dtype=np.uint8)
    for limit in _VARINT_LIMITS[_VARINT_LIMITS <= int(x.max())]:
        size += x >= limit
    k = np.arange(int(size.max()), dtype=np.uint8)
    grid = ((x[:, None] >> (7 * k).astype(x.dtype)) & x.dtype.type(0x7F)).astype(np.uint8)
    grid |= (k < size[:, None] - 1).view(np.uint8) << 7
    return grid[k < size[:, None]].tobytes()


#: The smallest number that needs 2, 3, ... 10 varint bytes.
_VARINT_LIMITS = np.array([1 << (7 * k) for k in range(1, 10)], dtype=np.uint64)


def _message(field, **values) -> bytes:
    """The wire bytes of the message field ``field`` (a descriptor) holding ``values``: numpy
    arrays for its packed repeated fields (int64 ids, doubles, bools) or the bytes of a nested
    message."""
    body = []
    sub = field.message_type.fields_by_name
    for name, v in values.items():
        fd = sub[name]
        if isinstance(v, bytes):  # a nested message, already keyed by its field number
            body.append(v)
            continue
        if fd.type == fd.TYPE_DOUBLE:
            data = np.asarray(v, dtype="<f8").tobytes()
        elif fd.type == fd.TYPE_BOOL:
            data = np.asarray(v, dtype=bool).astype(np.uint8).tobytes()
        else:
            data = _varints(v)
        if data:
            body.append(_varints([fd.number << 3 | 2, len(data)]) + data)
    content = b"".join(body)
    return _varints([field.number << 3 | 2, len(content)]) + content


@dataclass(slots=True)
class MathOptAnswer:
    """What one MathOpt solve returned, as arrays.

    ``status``: ``optimal`` (proven within the gap), ``feasible`` (a solution, stopped by a
    limit), ``none`` (no solution). ``values``: every variable's value (zeros where the solver
    returned none). ``bound``: the dual bound of the maximisation (``inf`` when none).
    ``duals`` / ``reduced_costs``: per row / per variable (LP only, else None).
    """

    status: str
    values: np.ndarray | None
    objective: float
    bound: float
    reason: str
    seconds: float
    nodes: int
    duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None


def solve_proto(proto, solver: str, *, limit: float, relative_gap: float = 0.0,
                threads: int = 1, seed: int = 0, hint: np.ndarray | None = None,
                lp_duals: bool = False, solution_limit: int | None = None,
                interrupter=None, work_limit: float | None = None) -> MathOptAnswer:
    """Solve ``proto`` with the MathOpt solver ``solver`` (``HIGHS``, ``GSCIP``, ``CP_SAT``,
    ``GLOP``, ``PDLP``) within ``limit`` seconds.

    ``hint``: a value per variable, a warm start (:func:`hint_values`); ``lp_duals``: also read
    the duals and reduced costs (an LP); ``solution_limit``: stop after this many solutions;
    ``interrupter``: an ``ortools.util.python.pybind_solve_interrupter.PySolveInterrupter`` that
    another thread may trigger to stop the solve early (its best solution so far is returned);
    ``work_limit`` (``CP_SAT`` only): CP-SAT's ``max_deterministic_time``, a limit on its work
    that stops it at the same point on any machine (``limit`` stays the wall-clock limit)."""
    from ortools.math_opt import model_parameters_pb2, parameters_pb2, result_pb2, solution_pb2
    from ortools.math_opt.core.python import solver as core
    from ortools.math_opt.python import callback, init_arguments
    from pybind11_abseil.status import StatusNotOk

    n_var = len(proto.variables.ids)
    stype = getattr(parameters_pb2, f"SOLVER_TYPE_{solver}")
    params = parameters_pb2.SolveParametersProto()
    params.time_limit.FromNanoseconds(int(max(0.01, float(limit)) * 1e9))
    params.enable_output = False
    if solver == "CP_SAT":
        # HiGHS refuses a thread count (a global setting of its own); SCIP with more than one
        # thread runs its concurrent mode, which stopped with status UNKNOWN on OR-Library gap1-5
        params.threads = max(1, int(threads))
        if work_limit is not None:
            params.cp_sat.max_deterministic_time = float(work_limit)
    if solver not in ("GLOP", "PDLP"):
        params.relative_gap_tolerance = float(relative_gap)
    if solver in ("HIGHS", "GSCIP", "CP_SAT", "GLOP"):
        params.random_seed = int(seed) % (2**31 - 1)
    if solution_limit is not None:
        params.solution_limit = int(solution_limit)
    mparams = model_parameters_pb2.ModelSolveParametersProto()
    if not lp_duals:
        mparams.variable_values_filter.skip_zero_values = True
    if hint is not None:
        h = mparams.solution_hints.add()
        h.variable_values.ids.extend(np.arange(n_var, dtype=np.int64))
        h.variable_values.values.extend(np.asarray(hint, dtype=float))
    t0 = time.perf_counter()
    try:
        with native_stdout_silenced():
            res = core.solve(proto, stype,
                             init_arguments.StreamableSolverInitArguments().to_proto(), params,
                             mparams, None, callback.CallbackRegistration().to_proto(), None,
                             interrupter)
    except StatusNotOk as e:  # a solver's internal error: no plan from it (the caller falls back)
        log.warning("%s through MathOpt stopped with an error: %s", solver, e)
        return MathOptAnswer(status="none", values=None, objective=-math.inf, bound=math.inf,
                             reason=f"error: {e}", seconds=time.perf_counter() - t0, nodes=0)
    seconds = time.perf_counter() - t0
    term = res.termination
    reason = result_pb2.TerminationReasonProto.Name(term.reason).removeprefix(
        "TERMINATION_REASON_").lower()
    if term.reason == result_pb2.TERMINATION_REASON_INFEASIBLE:
        # cannot happen: the empty plan meets every constraint
        raise RuntimeError("the allocation model is infeasible; please report this as a bug")
    values = duals = rc = None
    objective = -math.inf
    for s in res.solutions:
        if (s.HasField("primal_solution") and s.primal_solution.feasibility_status
                == solution_pb2.SOLUTION_STATUS_FEASIBLE):
            pv = s.primal_solution.variable_values
            values = np.zeros(n_var)
            values[np.asarray(pv.ids, dtype=np.int64)] = np.asarray(pv.values, dtype=float)
            objective = float(s.primal_solution.objective_value)
            if lp_duals and s.HasField("dual_solution"):
                dv = s.dual_solution
                duals = np.zeros(len(proto.linear_constraints.ids))
                duals[np.asarray(dv.dual_values.ids, dtype=np.int64)] = dv.dual_values.values
                rc = np.zeros(n_var)
                rc[np.asarray(dv.reduced_costs.ids, dtype=np.int64)] = dv.reduced_costs.values
            break
    bound = float(term.objective_bounds.dual_bound)
    if values is None:
        status = "none"
    elif term.reason == result_pb2.TERMINATION_REASON_OPTIMAL:
        status = "optimal"
    else:
        status = "feasible"
    return MathOptAnswer(status=status, values=values, objective=objective, bound=bound,
                         reason=reason, seconds=seconds, nodes=int(res.solve_stats.node_count),
                         duals=duals, reduced_costs=rc)


def hint_values(lm: LinearModel, chosen: np.ndarray) -> np.ndarray:
    """A warm start as a value per variable: 1 for the ``chosen`` pairs, and each binary of the
    model (a project runs, a cooperative takes part) 1 exactly when one of its pairs is chosen.
    Without the binaries HiGHS rejects the start ("cannot yield feasible solution"). Values
    outside a variable's bounds (a pair the meeting assigned but ``chosen`` leaves out, or one
    fixed to 0) are moved onto them: HiGHS stops with an error on such a start."""
    vals = np.zeros(lm.n_x + len(lm.bool_names))
    vals[np.asarray(chosen, dtype=np.int64)] = 1.0
    vals[: lm.n_x][lm.zero] = 0.0
    vals[: lm.n_x][lm.one] = 1.0
    for _, idx, j in lm.links:
        if len(idx) and vals[np.asarray(idx, dtype=np.int64)].any():
            vals[j] = 1.0
    return vals


def solve_mathopt(inst: Instance, lm: LinearModel, settings: Settings, limit: float,
                  hint: np.ndarray | None, backend: str = "highs", tiebreak: bool = True,
                  interrupter=None, work_limit: float | None = None):
    """Solve ``lm`` with ``backend`` (``highs``, ``scip``, ``cpsat``) through MathOpt within
    ``limit`` seconds, warm-started from ``hint``; status optimal (proven within
    ``relative_gap``) or timeout."""
    t0 = time.perf_counter()
    solver = MIP_SOLVER_TYPES[backend]
    label = solver_label(solver)
    cost, K, sg = mip_objective(inst, tiebreak)
    proto = model_proto(lm, cost)
    build = time.perf_counter() - t0
    ans = solve_proto(proto, solver, limit=limit - build, relative_gap=settings.relative_gap,
                      threads=settings.threads, seed=settings.seed,
                      hint=None if hint is None else hint_values(lm, hint),
                      interrupter=interrupter, work_limit=work_limit)
    stats = {"mathopt_termination": ans.reason, "nodes": ans.nodes,
             "build_seconds": round(build, 3), "solve_seconds": round(ans.seconds, 3)}
    if ans.values is None:
        return no_plan(label, stats, time.perf_counter() - t0)
    chosen = np.flatnonzero(ans.values[: lm.n_x] > 0.5)
    objective = inst.total_gain(chosen)
    bound, scaling = mip_bound(sg, K, ans.bound, len(inst.hh_ids))
    stats.update(scaling)
    seconds = time.perf_counter() - t0
    stats["seconds"] = round(seconds, 3)
    return SolveOutcome(chosen=chosen, status="optimal" if ans.status == "optimal" else "timeout",
                        objective=objective, bound=max(bound, objective), solver=label,
                        seconds=seconds, stats=stats)
