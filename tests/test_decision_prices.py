"""Each meeting decision's price (allocation.csv ``decision_cost``) and the plan without decisions,
re-solved only in the groups of communes the decisions touch: against brute force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import targeting.allocation.prices as prices_module
from targeting.allocation import run_strategy
from targeting.allocation.prices import commune_groups, price_decisions
from targeting.config import Settings
from targeting.data import Scenario
from targeting.data.decisions import decision_pairs
from targeting.plan import make_plan
from targeting.synth.instances import tables

from .support import BruteForce

EXACT = Settings(relative_gap=0.0, time_limit_s=30.0)
DECISION_COLUMNS = ["household_id", "decision", "project_id", "kind", "note"]


def _scenario(t: dict, settings: Settings = EXACT) -> Scenario:
    projects = t["projects"].assign(name=t["projects"]["project_id"])
    return Scenario(path=Path("."), communes=t["communes"], households=t["households"],
                    projects=projects, cooperatives=t["cooperatives"], history=None,
                    gains=_gains(t), settings=settings)


def _gains(t: dict) -> pd.DataFrame:
    return t["gains"].assign(p_exit_base=np.nan, p_exit_with=np.nan)


def _plan(t: dict, decisions: pd.DataFrame | None, settings: Settings = EXACT):
    return make_plan(_scenario(t, settings), gains=_gains(t), model_source="test",
                     decisions=decisions)


def _decisions(rows) -> pd.DataFrame:
    return pd.DataFrame([list(r) + [""] * (5 - len(r)) for r in rows], columns=DECISION_COLUMNS)


def _random_tables(seed: int) -> dict:
    """6-8 households, 2-3 projects over 1-2 communes, a cooperative shared by both communes
    on some seeds."""
    rng = np.random.default_rng(seed)
    two = bool(rng.integers(0, 2))
    shared = two and bool(rng.integers(0, 2))
    n = int(rng.integers(6, 9))
    hh = [{"household_id": f"h{i}", "commune_id": "c2" if two and i >= n // 2 else "c1"}
          for i in range(n)]
    projects = [
        {"project_id": "p1", "commune_id": "c1", "kind": "livestock", "slots": 2,
         "cost_vnd": int(rng.integers(5, 15))},
        {"project_id": "p2", "commune_id": "c1", "kind": "value_chain", "slots": 3,
         "cost_vnd": int(rng.integers(5, 15)), "cooperative_id": "k1",
         "min_group": 2 if rng.random() < 0.5 else None},
    ]
    if two:
        projects.append({"project_id": "p3", "commune_id": "c2", "kind": "value_chain" if shared else "crop",
                         "slots": 2, "cost_vnd": int(rng.integers(5, 15)),
                         "cooperative_id": "k1" if shared else ""})
    commune_of = {p["project_id"]: p["commune_id"] for p in projects}
    pairs = [(h["household_id"], p, round(float(rng.uniform(-0.1, 1.0)), 4))
             for h in hh for p in commune_of if commune_of[p] == h["commune_id"] and rng.random() < 0.85]
    coops = [{"cooperative_id": "k1", "name": "k", "sector": "tea", "capacity": 3,
              "min_households": int(rng.integers(0, 3))}]
    budgets = {"c1": int(rng.integers(20, 40))}
    if two:
        budgets["c2"] = int(rng.integers(10, 30))
    return tables(hh, projects, pairs, budgets, cooperatives=coops)


def _random_decisions(t: dict, rng) -> pd.DataFrame:
    g = t["gains"]
    kind = t["projects"].set_index("project_id")["kind"]
    rows = []
    for h in rng.permutation(g["household_id"].unique())[: int(rng.integers(2, 5))]:
        mine = g[g["household_id"] == h]["project_id"].tolist()
        what = rng.choice(["assign", "exclude", "decline"])
        if what == "assign":
            rows.append((h, "assign", rng.choice(mine)))
        elif what == "exclude":
            rows.append((h, "exclude"))
        else:
            how = rng.integers(0, 3)
            p = rng.choice(mine)
            rows.append((h, "decline", p) if how == 0 else (h, "decline", "", kind[p]) if how == 1
                        else (h, "decline"))
    return _decisions(rows)


def _feasible_case(seed: int):
    """Random tables and random decisions that can all be met (redrawn until they can)."""
    rng = np.random.default_rng(1000 + seed)
    for attempt in range(50):
        t = _random_tables(seed * 100 + attempt)
        bf = BruteForce(t, EXACT)
        d = _random_decisions(t, rng)
        pairs = decision_pairs(d, t["projects"])
        if bf.best(pairs.forced.to_numpy(), pairs.removed.to_numpy()) > -np.inf:
            return t, bf, d, pairs
    raise AssertionError("no feasible random case")  # pragma: no cover


@pytest.mark.parametrize("seed", range(8))
def test_every_price_and_the_objective_without_are_the_brute_force_ones(seed):
    t, bf, d, pairs = _feasible_case(seed)
    plan = _plan(t, d)
    meta = plan.meta["decisions"]
    free = bf.best()
    assert plan.meta["objective"] == pytest.approx(
        bf.best(pairs.forced.to_numpy(), pairs.removed.to_numpy()), abs=1e-9)
    assert meta["objective_without"] == pytest.approx(free, abs=1e-9)
    assert meta["prices"]["upper_bound"] == 0 and meta["prices"]["households_upper_bound"] == []
    a = plan.allocation.set_index("household_id")
    decided = set(d["household_id"])
    assert a.loc[~a.index.isin(decided), "decision_cost"].isna().all()
    cols = list(plan.allocation.columns)
    assert cols[cols.index("decision_note") + 1] == "decision_cost"
    for h in decided:
        mine_f = pairs.forced[pairs.forced["household_id"] == h].to_numpy()
        mine_r = pairs.removed[pairs.removed["household_id"] == h].to_numpy()
        want = free - bf.best(mine_f, mine_r)
        assert a.loc[h, "decision_cost"] == pytest.approx(want, abs=1e-9), (h, d)


def _district() -> dict:
    """Three communes: c1 and c2 share cooperative k1, c3 is alone; distinct gains."""
    hh = [{"household_id": f"{c}h{i}", "commune_id": c} for c in ("c1", "c2", "c3") for i in range(3)]
    projects = [
        {"project_id": "p1", "commune_id": "c1", "kind": "value_chain", "slots": 2, "cooperative_id": "k1"},
        {"project_id": "p2", "commune_id": "c2", "kind": "value_chain", "slots": 2, "cooperative_id": "k1"},
        {"project_id": "p3", "commune_id": "c3", "kind": "livestock", "slots": 2},
        {"project_id": "p4", "commune_id": "c3", "kind": "crop", "slots": 1},
    ]
    rng = np.random.default_rng(7)
    pairs = []
    for h in hh:
        for p in projects:
            if p["commune_id"] == h["commune_id"]:
                pairs.append((h["household_id"], p["project_id"], round(float(rng.uniform(0.1, 1.0)), 4)))
    coops = [{"cooperative_id": "k1", "name": "k", "sector": "tea", "capacity": 3, "min_households": 0}]
    return tables(hh, projects, pairs, {"c1": 100, "c2": 100, "c3": 20}, cooperatives=coops)


def test_commune_groups_link_communes_through_shared_cooperatives():
    t = _district()
    g = commune_groups(t["projects"], t["communes"])
    assert g.to_dict() == {"c1": 0, "c2": 0, "c3": 1}


def _supported(plan, decided=(), communes=("c1", "c2", "c3")) -> dict:
    a = plan.allocation
    a = a[a["commune_id"].isin(communes) & ~a["household_id"].isin(decided) & (a["project_id"] != "")]
    return dict(zip(a["household_id"], a["project_id"]))


def _counting(monkeypatch) -> list[set]:
    """Record the communes of every run_strategy call the pricing makes."""
    calls = []

    def counted(strategy, households, projects, cooperatives, communes, gains, *a, **kw):
        calls.append(set(communes["commune_id"]))
        return run_strategy(strategy, households, projects, cooperatives, communes, gains, *a, **kw)

    monkeypatch.setattr(prices_module, "run_strategy", counted)
    return calls


def test_a_decision_in_one_group_solves_only_that_group_again(monkeypatch):
    t = _district()
    free = _plan(t, None)
    a = free.allocation
    best_c3 = a[a["commune_id"] == "c3"].sort_values("gain")["household_id"].iloc[-1]
    calls = _counting(monkeypatch)
    plan = _plan(t, _decisions([(best_c3, "exclude")]))
    assert calls and all(c == {"c3"} for c in calls)
    assert len(calls) == 2  # c3 without decisions, c3 with the exclusion
    prices = plan.meta["decisions"]["prices"]
    assert (prices["groups"], prices["groups_touched"], prices["solves"]) == (2, 1, 2)
    assert plan.meta["decisions"]["objective_without"] == pytest.approx(free.meta["objective"], abs=1e-9)
    calls.clear()
    _plan(t, _decisions([("c1h0", "exclude")]))
    assert calls and all(c == {"c1", "c2"} for c in calls)


def test_outside_the_touched_groups_the_plan_is_the_plan_without_decisions():
    t = _district()
    free = _plan(t, None)
    supported_c3 = sorted(_supported(free, communes=("c3",)))
    d = _decisions([(supported_c3[0], "exclude"), ("c3h2", "decline", "p4")])
    plan = _plan(t, d)
    assert _supported(plan, communes=("c1", "c2")) == _supported(free, communes=("c1", "c2"))
    assert plan.meta["decisions"]["prices"]["groups_touched"] == 1
    bf = BruteForce(t, EXACT)
    assert plan.meta["decisions"]["objective_without"] == pytest.approx(bf.best(), abs=1e-9)


def test_a_decision_the_plan_without_decisions_already_honours_costs_nothing_and_no_solve(monkeypatch):
    t = _district()
    free = _plan(t, None)
    unsupported = sorted(set(t["households"]["household_id"]) - set(_supported(free)))
    calls = _counting(monkeypatch)
    plan = _plan(t, _decisions([(unsupported[0], "exclude")]))
    a = plan.allocation.set_index("household_id")
    assert a.loc[unsupported[0], "decision_cost"] == 0.0
    assert len(calls) == 1  # the group without decisions only
    assert plan.meta["decisions"]["exits_cost"] == 0.0


class StoppedClock:
    """A clock that jumps ``step`` seconds at every reading: the budget runs out at once."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("seed", range(4))
def test_a_decision_not_priced_in_time_gets_a_labelled_upper_bound(seed):
    t, bf, d, pairs = _feasible_case(seed)
    s = EXACT
    decided = run_strategy("optimal", t["households"], t["projects"], t["cooperatives"],
                           t["communes"], t["gains"], s, forced=pairs.forced, removed=pairs.removed)
    args = ("optimal", t["households"], t["projects"], t["cooperatives"], t["communes"], t["gains"], s)
    kw = {"decided": decided, "forced": pairs.forced, "removed": pairs.removed}
    exact = price_decisions(*args, **kw)
    late = price_decisions(*args, **kw, budget_s=0.0)
    stopped = price_decisions(*args, **kw, clock=StoppedClock(1000.0))
    free = bf.best()
    assert late.objective_without == pytest.approx(free, abs=1e-9)
    for r in (late, stopped):
        summary = r.summary()
        bounded = set(summary["households_upper_bound"])
        assert summary["exact"] + summary["upper_bound"] == len(set(d["household_id"]))
        for h in r.cost.index:
            price = free - bf.best(pairs.forced[pairs.forced["household_id"] == h].to_numpy(),
                                   pairs.removed[pairs.removed["household_id"] == h].to_numpy())
            assert exact.cost[h] == pytest.approx(price, abs=1e-9)
            assert r.cost[h] >= price - 1e-9  # a bound, and a true one
            assert (h in bounded) == (not r.exact[h])
            if r.exact[h]:  # priced without a solve: the plan without decisions honours it
                assert r.cost[h] == pytest.approx(price, abs=1e-9) and price == pytest.approx(0, abs=1e-9)
    # a household whose price needs a solve is bounded when there is no time
    needs_solve = [h for h in exact.cost.index if exact.cost[h] > 1e-9]
    assert all(not late.exact[h] for h in needs_solve)


def test_the_bound_is_labelled_in_plan_json_when_the_time_is_out(monkeypatch):
    t = _district()
    free = _plan(t, None)
    top = _supported(free, communes=("c3",))
    h = sorted(top)[0]
    monkeypatch.setattr(prices_module, "now", StoppedClock(1000.0))
    plan = _plan(t, _decisions([(h, "exclude")]))
    prices = plan.meta["decisions"]["prices"]
    assert prices["households_upper_bound"] == [h] and prices["exact"] == 0
    bf = BruteForce(t, EXACT)
    price = bf.best() - bf.best(removed=[(h, p) for p in t["projects"]["project_id"]])
    assert price > 0
    assert plan.allocation.set_index("household_id").loc[h, "decision_cost"] >= price - 1e-9


@pytest.mark.parametrize("strategy", ["greedy", "lottery"])
def test_baseline_prices_rerun_the_whole_scenario(strategy):
    t = _district()
    d = _decisions([("c1h0", "exclude"), ("c3h1", "assign", "p4")])
    plan = _plan(t, d, Settings(seed=3))
    pairs = decision_pairs(d, t["projects"])

    def run(**kw):
        return run_strategy(strategy, t["households"], t["projects"], t["cooperatives"],
                            t["communes"], t["gains"], Settings(seed=3), **kw).objective

    # make_plan used the scenario's default strategy: optimal; plan the baseline explicitly
    plan = make_plan(_scenario(t, Settings(seed=3)), gains=_gains(t), model_source="test",
                     decisions=d, strategy=strategy)
    a = plan.allocation.set_index("household_id")
    free = run()
    assert plan.meta["decisions"]["objective_without"] == pytest.approx(free)
    for h in ("c1h0", "c3h1"):
        want = free - run(forced=pairs.forced[pairs.forced["household_id"] == h],
                          removed=pairs.removed[pairs.removed["household_id"] == h])
        assert a.loc[h, "decision_cost"] == pytest.approx(want)
    assert "baseline" in plan.meta["decisions"]["prices"]["method"]


def test_a_poor_solve_without_decisions_never_puts_the_plan_without_them_below_the_decided_one(monkeypatch):
    t = _district()
    d = _decisions([("c3h0", "exclude"), ("c3h1", "assign", "p4")])
    decided = _plan(t, d).meta["objective"]

    def empty(strategy, households, projects, cooperatives, communes, gains, *a, **kw):
        r = run_strategy(strategy, households, projects, cooperatives, communes, gains, *a, **kw)
        if "forced" not in kw:  # the solve without decisions found nothing in its time
            r.assignment, r.objective, r.status = r.assignment.iloc[:0], 0.0, "timeout"
        return r

    monkeypatch.setattr(prices_module, "run_strategy", empty)
    plan = _plan(t, d)
    meta = plan.meta["decisions"]
    # the decided plan meets every constraint without the decisions: it is the plan without them
    assert meta["objective_without"] == pytest.approx(decided, abs=1e-12)
    assert meta["exits_cost"] == 0.0
    prices = meta["prices"]
    assert prices["without_status"] == "feasible" and prices["upper_bound"] == 2
    bf = BruteForce(t, EXACT)
    pairs = decision_pairs(d, t["projects"])
    a = plan.allocation.set_index("household_id")
    for h in ("c3h0", "c3h1"):
        price = bf.best() - bf.best(pairs.forced[pairs.forced["household_id"] == h].to_numpy(),
                                    pairs.removed[pairs.removed["household_id"] == h].to_numpy())
        assert a.loc[h, "decision_cost"] >= price - 1e-9
