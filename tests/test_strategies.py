"""The baselines: one interface, every hard constraint kept."""

from __future__ import annotations

import pandas as pd
import pytest

from targeting.allocation import AllocationResult
from targeting.config import Settings
from targeting.synth.instances import province, tables

from .support import plan_violations, solve_tables

BASELINES = ["greedy", "capacity", "poorest", "lottery"]


def test_greedy_best_gain_per_vnd_first():
    t = tables(
        [{"household_id": h} for h in "abc"],
        [{"project_id": "p", "cost_vnd": 10}, {"project_id": "q", "cost_vnd": 30}],
        [("a", "p", 1.0), ("a", "q", 2.5), ("b", "q", 2.9), ("c", "p", 0.5), ("c", "q", -1.0)],
        {"c1": 40},
    )
    res = solve_tables("greedy", t)
    assert isinstance(res, AllocationResult)
    got = dict(zip(res.assignment["household_id"], res.assignment["project_id"]))
    # ratios: a-p 0.1, b-q 0.0967, a-q 0.083, c-p 0.05: a-p (10), b-q (30): budget used up
    assert got == {"a": "p", "b": "q"}
    assert res.objective == pytest.approx(3.9)
    assert res.unsupported_reason.to_dict() == {"c": "budget"}
    assert res.status == "feasible"
    assert list(res.assignment.columns) == ["household_id", "project_id", "cooperative_id",
                                            "cost_vnd", "gain"]


def test_greedy_skips_non_positive_gains():
    t = tables([{"household_id": "a"}, {"household_id": "b"}], [{"project_id": "p"}],
               [("a", "p", 0.0), ("b", "p", -0.2)], {"c1": 100})
    res = solve_tables("greedy", t)
    assert res.assignment.empty
    assert set(res.unsupported_reason) == {"no_gain"}


def test_baseline_leaves_out_project_below_min_group():
    t = tables(
        [{"household_id": h} for h in "abcd"],
        [{"project_id": "p", "cost_vnd": 10, "min_group": 3}, {"project_id": "q", "cost_vnd": 10}],
        [("a", "p", 5.0), ("b", "p", 4.0), ("c", "q", 1.0), ("d", "q", 1.0)],
        {"c1": 30},
    )
    res = solve_tables("greedy", t)
    assert set(res.assignment["project_id"]) == {"q"}
    assert res.unsupported_reason.to_dict() == {"a": "min_group", "b": "min_group"}


def test_baseline_cooperative_minimum_and_capacity():
    t = tables(
        [{"household_id": h, "commune_id": c} for h, c in [("a", "c1"), ("b", "c2"), ("c", "c2")]],
        [{"project_id": "p1", "commune_id": "c1", "cooperative_id": "k"},
         {"project_id": "p2", "commune_id": "c2", "cooperative_id": "k"}],
        [("a", "p1", 1.0), ("b", "p2", 1.0), ("c", "p2", 1.0)],
        {"c1": 100, "c2": 100},
        [{"cooperative_id": "k", "name": "k", "sector": "tea", "capacity": 2, "min_households": 2}],
    )
    res = solve_tables("greedy", t)
    assert len(res.assignment) == 2  # capacity 2, across communes
    assert set(res.assignment["cooperative_id"]) == {"k"}
    t["cooperatives"].loc[0, "min_households"] = 3
    res = solve_tables("greedy", t)
    assert res.assignment.empty
    assert set(res.unsupported_reason) == {"cooperative"}


def test_baselines_keep_quotas():
    hs = [{"household_id": f"h{i}", "ethnic_minority": int(i >= 4)} for i in range(6)]
    pairs = [(f"h{i}", "p", 10.0 - i) for i in range(6)]
    t = tables(hs, [{"project_id": "p"}], pairs, {"c1": 40})
    s = Settings(min_ethnic_minority_share=0.5)
    for strat in BASELINES:
        res = solve_tables(strat, t, s)
        em = res.assignment["household_id"].isin(["h4", "h5"]).sum()
        assert em * 2 >= len(res.assignment), strat
        assert plan_violations(t, res, s) == []
    res = solve_tables("greedy", t, s)
    assert sorted(res.assignment["household_id"]) == ["h0", "h1", "h4", "h5"]


def test_orders_of_capacity_poorest_lottery():
    hs = [{"household_id": f"h{i}", "income_vnd": 1000 * (5 - i)} for i in range(5)]
    pairs = [(f"h{i}", "p", 1.0) for i in range(5)]
    t = tables(hs, [{"project_id": "p", "slots": 2}], pairs, {"c1": 1000})
    assert sorted(solve_tables("poorest", t).assignment["household_id"]) == ["h3", "h4"]
    cap = pd.Series([0.9, 0.1, 0.8, 0.2, 0.3], index=[f"h{i}" for i in range(5)])
    assert sorted(solve_tables("capacity", t, capacity=cap).assignment["household_id"]) == ["h0", "h2"]
    a = solve_tables("lottery", t, Settings(seed=1)).assignment
    b = solve_tables("lottery", t, Settings(seed=1)).assignment
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 2


def test_capacity_picks_best_gain_pair_of_household():
    t = tables([{"household_id": "a"}], [{"project_id": "p"}, {"project_id": "q"}],
               [("a", "p", 0.1), ("a", "q", 0.3)], {"c1": 100})
    assert solve_tables("capacity", t, capacity=pd.Series({"a": 1.0})).assignment["project_id"].tolist() == ["q"]


def test_unknown_strategy():
    t = tables([{"household_id": "a"}], [{"project_id": "p"}], [("a", "p", 1.0)], {"c1": 100})
    with pytest.raises(ValueError, match="strategy must be one of"):
        solve_tables("best", t)


@pytest.mark.parametrize("strategy", BASELINES)
def test_baselines_feasible_on_small_province(strategy):
    t = province(n_communes=4, n_households=600, projects_per_commune=5, n_cooperatives=3, seed=3)
    s = Settings(min_ethnic_minority_share=0.3, min_poor_share=0.4)
    res = solve_tables(strategy, t, s)
    assert res.status == "feasible"
    assert plan_violations(t, res, s) == []
    assert len(res.assignment) > 0
    assert res.assignment["household_id"].is_unique
