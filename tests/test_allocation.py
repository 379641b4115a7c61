"""The optimizer on tiny instances with optima worked out by hand, one per constraint family;
conflicts; time limits; property tests across every strategy."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from targeting.allocation.instance import build_instance
from targeting.allocation.objective import scale_gains
from targeting.config import STRATEGIES, Settings
from targeting.errors import PolicyConflictError
from targeting.synth.instances import province, tables

from .support import BruteForce, plan_violations, solve_tables

EXACT = Settings(relative_gap=0.0, time_limit_s=20, workers=2)


def plan(res):
    return dict(zip(res.assignment["household_id"], res.assignment["project_id"]))


# ---------------------------------------------------------------- one family at a time


def test_budget_knapsack_beats_greedy():
    # budget 30: greedy takes a-p (0.12/VND) then c-p: 2.2; the optimum is b-q alone: 3.0
    t = tables([{"household_id": h} for h in "abc"],
               [{"project_id": "p", "cost_vnd": 10}, {"project_id": "q", "cost_vnd": 30}],
               [("a", "p", 1.2), ("b", "q", 3.0), ("c", "p", 1.0)], {"c1": 30})
    opt, gr = solve_tables("optimal", t, EXACT), solve_tables("greedy", t, EXACT)
    assert plan(opt) == {"b": "q"} and opt.objective == pytest.approx(3.0)
    assert gr.objective == pytest.approx(2.2)
    assert opt.status == "optimal" and opt.gap == 0.0 and opt.bound == pytest.approx(3.0)
    assert opt.unsupported_reason.to_dict() == {"a": "budget", "c": "budget"}
    sp = opt.details["shadow_prices"]
    assert sp["method"] == "lp_dual" and set(sp["budget_per_100m_vnd"]) == {"c1"}
    json.dumps(opt.details)


def test_slots():
    # p has 2 places, q 1: a-q 2.5 + b-p 2 + c-p 1 = 5.5 beats a-p 3 + b-p 2 = 5
    t = tables([{"household_id": h} for h in "abc"],
               [{"project_id": "p", "slots": 2}, {"project_id": "q", "slots": 1}],
               [("a", "p", 3.0), ("a", "q", 2.5), ("b", "p", 2.0), ("c", "p", 1.0)], {"c1": 1000})
    opt = solve_tables("optimal", t, EXACT)
    assert plan(opt) == {"a": "q", "b": "p", "c": "p"}
    assert opt.objective == pytest.approx(5.5)


def test_envelope():
    # envelope 25 with pair costs 10, 15, 20: {10, 15} = 2.4 beats {20} = 2.2
    t = tables([{"household_id": h} for h in "abc"], [{"project_id": "p", "budget_vnd": 25}],
               [("a", "p", 1.0, 10), ("b", "p", 1.4, 15), ("c", "p", 2.2, 20)], {"c1": 1000})
    opt = solve_tables("optimal", t, EXACT)
    assert plan(opt) == {"a": "p", "b": "p"}
    assert opt.unsupported_reason.to_dict() == {"c": "envelope"}
    assert opt.objective == pytest.approx(2.4)


def test_min_group_runs_with_enough_or_none():
    hs = [{"household_id": h} for h in "abcde"]
    pr = [{"project_id": "p", "min_group": 3}, {"project_id": "q"}]
    # only a and b can join p: it cannot run; c and d go to q
    t = tables(hs, pr, [("a", "p", 5.0), ("b", "p", 4.0), ("c", "q", 1.0), ("d", "q", 1.0)],
               {"c1": 30})
    opt = solve_tables("optimal", t, EXACT)
    assert plan(opt) == {"c": "q", "d": "q"}
    assert opt.unsupported_reason.to_dict() == {"a": "min_group", "b": "min_group"}
    # with e (a small loss) p runs with a, b, e: 8.5 beats c, d
    t = tables(hs, pr, [("a", "p", 5.0), ("b", "p", 4.0), ("e", "p", -0.5), ("c", "q", 1.0),
                        ("d", "q", 1.0)], {"c1": 30})
    opt = solve_tables("optimal", t, EXACT)
    assert plan(opt) == {"a": "p", "b": "p", "e": "p"}
    assert opt.objective == pytest.approx(8.5)


def _coop(gain_bc, cap=3, mn=3, gain_aq=4.5):
    return tables(
        [{"household_id": "a", "commune_id": "c1"}, {"household_id": "b", "commune_id": "c2"},
         {"household_id": "c", "commune_id": "c2"}],
        [{"project_id": "p1", "commune_id": "c1", "cooperative_id": "k"},
         {"project_id": "q", "commune_id": "c1"},
         {"project_id": "p2", "commune_id": "c2", "cooperative_id": "k"}],
        [("a", "p1", 3.0), ("a", "q", gain_aq), ("b", "p2", gain_bc), ("c", "p2", gain_bc)],
        {"c1": 100, "c2": 100},
        [{"cooperative_id": "k", "name": "k", "sector": "tea", "capacity": cap, "min_households": mn}],
    )


def test_cooperative_minimum_across_communes():
    # linked: a-p1 3 + b, c 1.0 each = 5.0 beats a-q 4.5 (b, c alone are below the minimum of 3)
    opt = solve_tables("optimal", _coop(1.0), EXACT)
    assert plan(opt) == {"a": "p1", "b": "p2", "c": "p2"}
    # with b, c at 0.7 linking gives 4.4 < 4.5: the cooperative does not link
    opt = solve_tables("optimal", _coop(0.7), EXACT)
    assert plan(opt) == {"a": "q"}
    assert opt.unsupported_reason.to_dict() == {"b": "cooperative", "c": "cooperative"}


def test_cooperative_capacity():
    # capacity 2, no minimum: a-q 4.5 + b + c (1.0 each) = 6.5
    opt = solve_tables("optimal", _coop(1.0, cap=2, mn=0), EXACT)
    assert plan(opt) == {"a": "q", "b": "p2", "c": "p2"}
    opt = solve_tables("optimal", _coop(1.0, cap=1, mn=0, gain_aq=0.5), EXACT)
    assert opt.objective == pytest.approx(3.0)  # a-p1 3 takes the one linkage, b/c wait
    assert opt.unsupported_reason.to_dict() == {"b": "cooperative", "c": "cooperative"}


def _quota_instance(**extra):
    hs = [{"household_id": f"h{i}", "ethnic_minority": int(i >= 4),
           "status": "poor" if i % 2 else "near_poor"} for i in range(6)]
    return tables(hs, [{"project_id": "p"}], [(f"h{i}", "p", 10.0 - i) for i in range(6)],
                  {"c1": 40}, **extra)


def test_quota_ethnic_minority():
    t = _quota_instance()
    assert solve_tables("optimal", t, EXACT).objective == pytest.approx(34.0)  # h0..h3
    s = Settings(relative_gap=0.0, min_ethnic_minority_share=0.5)
    opt = solve_tables("optimal", t, s)
    assert sorted(plan(opt)) == ["h0", "h1", "h4", "h5"]
    assert opt.objective == pytest.approx(30.0)
    assert set(opt.unsupported_reason) == {"quota"}


def test_quota_poor_share():
    # poor: h1, h3, h5; share 0.75 of 4 supported needs 3 poor: h0 + h1 + h3 + h5 = 10+9+7+5
    s = Settings(relative_gap=0.0, min_poor_share=0.75)
    opt = solve_tables("optimal", _quota_instance(), s)
    assert sorted(plan(opt)) == ["h0", "h1", "h3", "h5"]
    assert opt.objective == pytest.approx(31.0)
    assert plan_violations(_quota_instance(), opt, s) == []


def test_tie_break_poorer_then_cheaper():
    hs = [{"household_id": "rich", "status": "near_poor"}, {"household_id": "poor", "status": "poor"}]
    t = tables(hs, [{"project_id": "p", "slots": 1}], [("rich", "p", 1.0), ("poor", "p", 1.0)],
               {"c1": 100})
    assert plan(solve_tables("optimal", t, EXACT)) == {"poor": "p"}
    hs = [{"household_id": "a"}, {"household_id": "b"}]
    t = tables(hs, [{"project_id": "p", "slots": 1}], [("a", "p", 1.0, 20), ("b", "p", 1.0, 10)],
               {"c1": 100})
    assert plan(solve_tables("optimal", t, EXACT)) == {"b": "p"}


def test_gains_used_exactly():
    g = scale_gains(np.array([0.1, 0.2, 0.35]))
    assert g.exact and g.scale == 100 and g.values.tolist() == [10, 20, 35]
    g = scale_gains(np.array([3, -7, 12]))
    assert g.exact and g.scale == 1
    g = scale_gains(np.array([1 / 3, 2 / 3]))
    assert not g.exact
    # a near tie resolved by the 6th decimal must not be rounded away
    t = tables([{"household_id": h} for h in "ab"], [{"project_id": "p", "slots": 1}],
               [("a", "p", 0.123456), ("b", "p", 0.123457)], {"c1": 100})
    assert plan(solve_tables("optimal", t, EXACT)) == {"b": "p"}


# ---------------------------------------------------------------- conflicts and limits


def test_conflict_quota_without_qualifying_households():
    t = tables([{"household_id": h, "commune_id": c} for h, c in [("a", "c1"), ("b", "c2")]],
               [{"project_id": "p1", "commune_id": "c1"}, {"project_id": "p2", "commune_id": "c2"}],
               [("a", "p1", 1.0), ("b", "p2", 1.0)], {"c1": 100, "c2": 100})
    t["households"].loc[1, "ethnic_minority"] = 1
    s = Settings(relative_gap=0.0, min_ethnic_minority_share=0.3)
    with pytest.raises(PolicyConflictError) as e:
        solve_tables("optimal", t, s)
    msg = str(e.value)
    assert "commune c1" in msg and "quota_ethnic_minority[c1]" in msg and "c2" not in msg
    assert "0 of the 1 eligible households" in msg
    assert e.value.exit_code == 3


def test_conflict_quota_with_group_minimum():
    # the only project needs 3 participants; half must be ethnic minority; only one is
    hs = [{"household_id": f"h{i}", "ethnic_minority": int(i == 0)} for i in range(4)]
    t = tables(hs, [{"project_id": "p", "min_group": 3}], [(f"h{i}", "p", 1.0) for i in range(4)],
               {"c1": 100})
    s = Settings(relative_gap=0.0, min_ethnic_minority_share=0.5)
    with pytest.raises(PolicyConflictError, match=r"min_group\[p\].*quota_ethnic_minority\[c1\]|"
                                                  r"quota_ethnic_minority\[c1\].*min_group\[p\]"):
        solve_tables("optimal", t, s)
    # baselines do not raise: they leave the project out
    res = solve_tables("greedy", t, s)
    assert res.assignment.empty


def test_time_limit_returns_a_feasible_plan():
    t = province(n_communes=3, n_households=3000, projects_per_commune=8, n_cooperatives=3, seed=1)
    s = Settings(time_limit_s=0.5, relative_gap=0.0, workers=2)
    res = solve_tables("optimal", t, s)
    assert res.status in ("optimal", "timeout")
    assert res.solve_seconds < 15
    assert plan_violations(t, res, s) == []
    assert res.objective >= solve_tables("greedy", t, s).objective - 1e-9
    assert res.bound >= res.objective


# ---------------------------------------------------------------- properties


@st.composite
def instances(draw):
    n_c = draw(st.integers(1, 2))
    n_h = draw(st.integers(1, 8))
    n_p = draw(st.integers(1, 4))
    communes = {f"c{i}": draw(st.integers(0, 60)) for i in range(n_c)}
    coop = draw(st.booleans())
    projects = []
    for j in range(n_p):
        projects.append({
            "project_id": f"p{j}", "commune_id": f"c{j % n_c}",
            "cost_vnd": draw(st.integers(1, 20)), "slots": draw(st.integers(0, 5)),
            "budget_vnd": draw(st.one_of(st.none(), st.integers(0, 50))),
            "min_group": draw(st.one_of(st.none(), st.integers(1, 4))),
            "cooperative_id": "k" if coop and draw(st.booleans()) else "",
        })
    hs = [{"household_id": f"h{i}", "commune_id": f"c{i % n_c}",
           "ethnic_minority": draw(st.integers(0, 1)),
           "status": draw(st.sampled_from(["poor", "near_poor"])),
           "income_vnd": draw(st.integers(0, 10))} for i in range(n_h)]
    pairs = []
    for h in hs:
        for p in projects:
            if p["commune_id"] == h["commune_id"] and draw(st.booleans()):
                pairs.append((h["household_id"], p["project_id"],
                              draw(st.integers(-3, 10)) / 4, draw(st.integers(1, 20))))
    if not pairs:
        pairs = [(hs[0]["household_id"], projects[0]["project_id"], 1.0)]
    coops = [{"cooperative_id": "k", "name": "k", "sector": "x", "capacity": draw(st.integers(0, 6)),
              "min_households": draw(st.integers(0, 3))}] if coop else None
    t = tables(hs, projects, pairs, communes, coops)
    quota = Settings(relative_gap=0.0, workers=1, seed=draw(st.integers(0, 5)),
                     min_ethnic_minority_share=draw(st.sampled_from([0.0, 0.0, 0.3, 0.5])),
                     min_poor_share=draw(st.sampled_from([0.0, 0.0, 0.5])))
    return t, quota


@hsettings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(instances())
@pytest.mark.slow
def test_property_no_strategy_breaks_a_constraint_and_optimal_wins(case):
    t, s = case
    cap = pd.Series(np.arange(len(t["households"]), dtype=float),
                    index=t["households"]["household_id"])
    results = {k: solve_tables(k, t, s, capacity=cap) for k in STRATEGIES if k != "optimal"}
    for k, res in results.items():
        assert plan_violations(t, res, s) == [], k
        assert res.status == "feasible"
        assert res.assignment["household_id"].is_unique
    try:
        opt = solve_tables("optimal", t, s)
    except PolicyConflictError:
        return
    assert plan_violations(t, opt, s) == []
    assert opt.status == "optimal"
    for k, res in results.items():
        assert opt.objective >= res.objective - 1e-9, k
    assert opt.bound >= opt.objective - 1e-9


@hsettings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(instances(), st.integers(1, 40))
def test_property_more_budget_never_lowers_the_optimum(case, extra):
    t, s = case
    try:
        before = solve_tables("optimal", t, s).objective
    except PolicyConflictError:
        return
    t["communes"]["budget_vnd"] += extra
    try:
        after = solve_tables("optimal", t, s).objective
    except PolicyConflictError:  # money can make a quota-starved commune fundable: a conflict
        return
    assert after >= before - 1e-9


@pytest.mark.slow
def test_decomposition_by_commune_is_feasible_and_bounded():
    from targeting.allocation import solve_optimal

    # one cooperative links every commune: one component, split by commune through LP shares
    t = province(n_communes=5, n_households=1500, projects_per_commune=6, n_cooperatives=1, seed=4)
    s = Settings(time_limit_s=20, relative_gap=1e-4, workers=2, min_ethnic_minority_share=0.2,
                 min_poor_share=0.2)
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)
    dec = solve_optimal(inst, s, decompose=True)
    full = solve_optimal(inst, s, decompose=False)
    assert plan_violations(t, dec, s) == []
    assert dec.details["decomposition"]["communes"] == 5
    assert dec.bound >= full.objective - 1e-6  # the LP bound is a true bound
    assert dec.objective >= solve_tables("greedy", t, s).objective - 1e-9
    assert dec.objective >= 0.99 * full.objective
    json.dumps(dec.details)


@pytest.mark.slow
def test_groups_of_communes_sharing_no_cooperative_are_solved_apart_exactly():
    from targeting.allocation import solve_optimal
    from targeting.allocation.components import components

    t = province(n_communes=6, n_households=1200, projects_per_commune=5, n_cooperatives=3, seed=7)
    # a generous limit: both solves prove optimality in seconds, the limit only guards a loaded machine
    s = Settings(time_limit_s=120, relative_gap=0.0, workers=2, min_poor_share=0.2)
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)
    parts = components(inst)
    assert len(parts) > 1
    # the parts cover every pair once, and no cooperative or commune is in two parts
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(inst.n_pairs))
    for a in range(len(parts)):
        for b in range(a + 1, len(parts)):
            assert not set(inst.pair_c[parts[a]]) & set(inst.pair_c[parts[b]])
            ka, kb = inst.pair_k[parts[a]], inst.pair_k[parts[b]]
            assert not set(ka[ka >= 0]) & set(kb[kb >= 0])
    split = solve_optimal(inst, s, decompose=True)
    whole = solve_optimal(inst, s, decompose=False)
    assert split.details["decomposition"]["components"] == len(parts)
    assert plan_violations(t, split, s) == []
    assert split.status == whole.status == "optimal"
    assert split.objective == pytest.approx(whole.objective, rel=1e-9)  # exact, not a heuristic
    assert split.bound >= whole.objective - 1e-9
    assert set(split.details["shadow_prices"]["budget_per_100m_vnd"]) == set(
        whole.details["shadow_prices"]["budget_per_100m_vnd"])
    json.dumps(split.details)


@hsettings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(instances(), st.booleans(), st.sampled_from(["highs", "cpsat"]))
def test_property_optimal_matches_brute_force(case, irrational, backend):
    from targeting.allocation import solve_optimal

    t, s = case
    if len(t["households"]) > 6:
        t["households"] = t["households"].iloc[:6]
        t["gains"] = t["gains"][t["gains"]["household_id"].isin(t["households"]["household_id"])]
        if t["gains"].empty:
            return
    if irrational:  # model-like floats: not short decimals
        t["gains"]["gain"] = t["gains"]["gain"] * np.sqrt(2) / 3
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)
    try:
        res = solve_optimal(inst, s, backend=backend)
    except PolicyConflictError:
        return
    assert res.objective == pytest.approx(max(BruteForce(t, s).best(), 0.0), abs=1e-9)
    assert res.bound >= res.objective - 1e-9


def test_auto_falls_back_to_cpsat_when_highs_does_not_prove(monkeypatch):
    from targeting.allocation import mip
    from targeting.allocation.results import no_plan

    def stalled(inst, lm, settings, limit, hint, backend, tiebreak=True, interrupter=None,
                work_limit=None):
        assert backend == "highs"
        return no_plan("highs via ortools.math_opt", {})  # stopped without a plan or a bound

    monkeypatch.setattr(mip, "solve_mathopt", stalled)
    t = tables([{"household_id": h} for h in "abc"],
               [{"project_id": "p", "cost_vnd": 10}, {"project_id": "q", "cost_vnd": 30}],
               [("a", "p", 1.2), ("b", "q", 3.0), ("c", "p", 1.0)], {"c1": 30})
    res = solve_tables("optimal", t, EXACT)
    # status, bound and solver are those of the back-end that found the plan
    assert res.solver == "cp-sat via ortools.sat (cp_model)" and res.status == "optimal"
    assert res.objective == pytest.approx(3.0)  # greedy alone gives 2.2
    stats = res.details["solver_stats"]
    assert stats["found_by"] == res.solver and stats["highs"]["bound"] is None
