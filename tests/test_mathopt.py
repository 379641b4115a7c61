"""The MIP back-ends through OR-Tools MathOpt (HiGHS, SCIP, CP-SAT): optima against brute force,
the warm start, the time limit, status/bound/gap, determinism, and the ``[solver] backend``
setting that picks one."""

from __future__ import annotations

import time

import numpy as np
import pytest

from targeting.allocation import solve_optimal
from targeting.allocation.backends import mathopt
from targeting.allocation.checks import violations
from targeting.allocation.fill import fill_viable, greedy_order
from targeting.allocation.instance import build_instance
from targeting.allocation.mip import solve_plan
from targeting.allocation.model import build_model, constraint_matrix
from targeting.allocation.objective import mip_objective
from targeting.config import BACKENDS, Settings, parse_settings
from targeting.synth.instances import province, tables

from .support import BruteForce

EXACT = Settings(relative_gap=0.0, time_limit_s=20, workers=1)
MATHOPT = ["highs", "scip", "cpsat"]


def _tiny(seed: int, irrational: bool = False) -> dict:
    """Six households, three projects (a group minimum, a slot limit, a cooperative with a
    minimum), a commune budget that binds: every constraint family has a say."""
    rng = np.random.default_rng(seed)
    hh = [{"household_id": f"h{i}", "ethnic_minority": int(rng.integers(0, 2))} for i in range(6)]
    projects = [
        {"project_id": "pa", "cost_vnd": 10, "min_group": 2},
        {"project_id": "pb", "cost_vnd": 20, "slots": 2},
        {"project_id": "pc", "cost_vnd": 15, "cooperative_id": "k1"},
    ]
    pairs = []
    for h in hh:
        for p in rng.choice(["pa", "pb", "pc"], size=2, replace=False):
            g = round(float(rng.uniform(0.05, 1.0)), 3)
            pairs.append((h["household_id"], str(p), g * np.sqrt(2) / 3 if irrational else g))
    coops = [{"cooperative_id": "k1", "name": "k1", "sector": "crop", "capacity": 2,
              "min_households": 2}]
    return tables(hh, projects, pairs, {"c1": 60}, cooperatives=coops)


def _instance(t, s=EXACT):
    return build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)


@pytest.mark.parametrize("backend", MATHOPT)
@pytest.mark.parametrize("seed,irrational", [(0, False), (1, False), (2, True)])
def test_each_mathopt_solver_proves_the_brute_force_optimum(backend, seed, irrational):
    inst = _instance(_tiny(seed, irrational))
    out = solve_plan(inst, EXACT, backend=backend)
    best = max(BruteForce(inst).best(), 0.0)
    assert best > 0
    assert out.status == "optimal"
    assert out.objective == pytest.approx(best, abs=1e-9)
    assert violations(inst, out.chosen) == []
    # proven: the bound is the optimum (exact scaling), or within the solver's tolerance
    # (float gains: the padded bound of HiGHS/SCIP, CP-SAT's scaled objective)
    assert best - 1e-9 <= out.bound <= best * (1 + 1e-4) if irrational else best + 1e-9
    assert out.solver == f"{ {'highs': 'highs', 'scip': 'scip', 'cpsat': 'cp-sat'}[backend]} " \
                         "via ortools.math_opt"


def test_the_model_proto_is_the_sparse_model():
    inst = _instance(_tiny(0))
    lm = build_model(inst)
    A, b, _, _ = constraint_matrix(lm)
    cost = np.arange(lm.n_x, dtype=float) + 1
    p = mathopt.model_proto(lm, cost)
    m = p.linear_constraint_matrix
    rebuilt = np.zeros(A.shape)
    rebuilt[np.asarray(m.row_ids), np.asarray(m.column_ids)] = np.asarray(m.coefficients)
    assert np.array_equal(rebuilt, A.toarray())
    assert list(p.linear_constraints.upper_bounds) == list(b)
    assert list(p.objective.linear_coefficients.values) == list(cost)
    assert len(p.variables.ids) == lm.n_x + len(lm.bool_names) and all(p.variables.integers)
    assert not any(mathopt.model_proto(lm, cost, integer=False).variables.integers)


def test_the_warm_start_is_a_feasible_point_of_the_model():
    # a start that leaves the binaries (project runs, cooperative takes part) at 0 is rejected
    # by HiGHS; the hint sets them from the plan and meets every row
    inst = _instance(_tiny(1))
    lm = build_model(inst)
    plan = fill_viable(inst, greedy_order(inst))
    assert len(plan) and violations(inst, plan) == []
    v = mathopt.hint_values(lm, plan)
    A, b, _, _ = constraint_matrix(lm)
    assert np.all(A @ v <= b + 1e-9)
    assert v[lm.n_x:].any()


@pytest.mark.parametrize("solver", ["HIGHS", "GSCIP", "CP_SAT"])
def test_the_warm_start_is_honoured(solver):
    # stopped at the first solution, each solver returns the warm start itself
    inst = _instance(_tiny(0))
    lm = build_model(inst)
    plan = fill_viable(inst, greedy_order(inst))
    cost, _, _ = mip_objective(inst, tiebreak=False)
    p = mathopt.model_proto(lm, cost)
    ans = mathopt.solve_proto(p, solver, limit=10, hint=mathopt.hint_values(lm, plan),
                              solution_limit=1)
    assert ans.values is not None
    assert ans.objective == pytest.approx(float(cost[plan].sum()))
    assert set(np.flatnonzero(ans.values[: lm.n_x] > 0.5)) == set(plan.tolist())


@pytest.mark.parametrize("backend", MATHOPT)
def test_time_limit_honoured_with_a_plan_and_a_consistent_bound(backend):
    t = province(n_communes=1, n_households=1500, projects_per_commune=10, n_cooperatives=3,
                 seed=1)
    s = Settings(relative_gap=0.0, time_limit_s=0.3, workers=1, min_poor_share=0.2,
                 min_ethnic_minority_share=0.2)
    inst = _instance(t, s)
    t0 = time.perf_counter()
    out = solve_plan(inst, s, backend=backend)
    took = time.perf_counter() - t0
    assert took < 0.3 + 1.5  # the limit, plus building the model and the warm start
    assert out.status in ("optimal", "timeout")
    assert violations(inst, out.chosen) == []
    assert out.bound >= out.objective
    if out.status == "optimal":
        assert out.bound == pytest.approx(out.objective, abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("backend", MATHOPT)
def test_same_seed_same_plan(backend):
    t = province(n_communes=1, n_households=100, projects_per_commune=4, n_cooperatives=1,
                 seed=3)
    # proven optimal: a run stopped by the time limit may end anywhere
    s = Settings(relative_gap=0.0, time_limit_s=20, workers=2, seed=7)
    inst = _instance(t, s)
    a, b = solve_plan(inst, s, backend=backend), solve_plan(inst, s, backend=backend)
    assert a.status == b.status == "optimal"
    assert np.array_equal(np.sort(a.chosen), np.sort(b.chosen))
    assert a.bound == b.bound


def test_backend_setting_picks_the_solver_and_names_it_in_the_plan():
    t = _tiny(0)
    s = Settings(relative_gap=0.0, time_limit_s=10, workers=1, backend="scip")
    r = solve_optimal(_instance(t, s), s, decompose=False)
    assert r.solver == "scip via ortools.math_opt" and r.status == "optimal"
    assert r.gap == 0.0 and r.bound == pytest.approx(r.objective)
    assert s.as_dict()["solver"]["backend"] == "scip"
    assert "backend" not in Settings().as_dict()["solver"]  # the default keeps plan.json as it was
    default = solve_optimal(_instance(t), EXACT, decompose=False)
    assert default.solver == "highs via ortools.math_opt"
    assert default.objective == pytest.approx(r.objective)


def test_backend_setting_is_checked():
    problems = []
    s = parse_settings('[solver]\nbackend = "cbc"\n', "scenario.toml", problems)
    assert len(problems) == 1 and problems[0].column == "solver.backend"
    assert "cbc" in problems[0].message and "highs" in problems[0].message
    problems = []
    s = parse_settings('[solver]\nbackend = "cpsat"\n', "scenario.toml", problems)
    assert problems == [] and s.backend == "cpsat" and s.backend in BACKENDS


def test_auto_hands_large_models_to_scipy(monkeypatch):
    from targeting.allocation import mip

    inst = _instance(_tiny(1))
    small = solve_plan(inst, EXACT)
    assert small.solver == "highs via ortools.math_opt"
    monkeypatch.setattr(mip, "SCIPY_MIN_PAIRS", 1)  # as if this model were province-sized
    large = solve_plan(inst, EXACT)
    assert large.solver == "highs via scipy.optimize.milp"
    assert large.status == small.status == "optimal"
    assert large.objective == pytest.approx(small.objective)


def test_a_kept_warm_start_is_named_as_such(monkeypatch):
    from targeting.allocation import mip
    from targeting.allocation.results import no_plan

    monkeypatch.setattr(mip, "solve_mathopt",
                        lambda *a, **k: no_plan("highs via ortools.math_opt", {}))
    inst = _instance(_tiny(0))
    out = solve_plan(inst, EXACT, backend="highs")
    assert out.status == "timeout" and len(out.chosen)
    assert out.solver == "warm start kept (highs via ortools.math_opt found no better plan)"
