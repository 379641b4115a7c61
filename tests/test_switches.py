"""The LP bound branched on group and cooperative minimums (targeting.allocation.switches)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from targeting.allocation import solve_optimal
from targeting.allocation.instance import build_instance
from targeting.allocation.lp import lp_relaxation
from targeting.allocation.switches import SwitchBound
from targeting.config import Settings
from targeting.errors import PolicyConflictError
from targeting.synth.instances import tables

from .test_allocation import instances


def _inst(t, s):
    return build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)


def _minimum_case() -> dict:
    """A cooperative of three households at least, a budget for two: the LP links it two
    thirds of the way (bound 1.4); no plan can link it, so the optimum is the other project."""
    hh = [{"household_id": f"h{i}"} for i in range(5)]
    pr = [{"project_id": "vc", "kind": "value_chain", "cost_vnd": 1, "slots": 4, "cooperative_id": "k"},
          {"project_id": "crop", "kind": "crops", "cost_vnd": 1, "slots": 1}]
    pairs = [("h0", "vc", 1.0), ("h1", "vc", 1.0), ("h2", "vc", 0.1), ("h3", "vc", 0.1),
             ("h4", "crop", 0.5)]
    coops = [{"cooperative_id": "k", "name": "k", "sector": "tea", "capacity": 10, "min_households": 3}]
    return tables(hh, pr, pairs, {"c1": 2}, coops)


def test_a_minimum_the_lp_half_meets_is_decided_and_the_bound_falls_to_the_optimum():
    s = Settings(relative_gap=0.01, workers=1)
    inst = _inst(_minimum_case(), s)
    lp = lp_relaxation(inst)
    assert lp.bound == pytest.approx(1.4)  # two thirds of h0, h1, h2 at the cooperative
    sb = SwitchBound(inst, lp)
    assert sb.tighten(0.5) == pytest.approx(0.5)
    assert sb.lps == 2 and sb.exact is False  # "on" has no plan; "off" proves the target
    # the optimizer proves the rounded plan with it: no MIP
    res = solve_optimal(inst, s)
    assert res.status == "optimal" and res.objective == pytest.approx(0.5)
    assert res.bound == pytest.approx(0.5) and res.solver.startswith("lp-rounding")
    stats = res.details["solver_stats"]["switch_bound"]
    assert stats["lps"] == 2 and stats["lp_bound"] == pytest.approx(1.4)
    assert res.details["lp_bound"] == pytest.approx(1.4)  # the LP's own, as before
    assert res.details["solver_stats"]["method"].endswith("branched on group and cooperative minimums")


def test_groups_solved_apart_report_their_branched_bounds_together():
    """Two communes, each with the cooperative above: split into two groups, each proven by its
    branched bound; plan.json's statistics sum the two."""
    one = _minimum_case()
    hh = [{"household_id": f"{c}h{i}", "commune_id": c} for c in ("c1", "c2") for i in range(5)]
    pr = [{**p, "project_id": f"{c}{p['project_id']}", "commune_id": c,
           **({"cooperative_id": f"k{c}"} if p["project_id"] == "vc" else {})}
          for c in ("c1", "c2") for p in one["projects"].to_dict("records")]
    pairs = [(f"{c}{h}", f"{c}{p}", g) for c in ("c1", "c2")
             for h, p, g in [("h0", "vc", 1.0), ("h1", "vc", 1.0), ("h2", "vc", 0.1),
                             ("h3", "vc", 0.1), ("h4", "crop", 0.5)]]
    coops = [{"cooperative_id": f"k{c}", "name": c, "sector": "tea", "capacity": 10,
              "min_households": 3} for c in ("c1", "c2")]
    s = Settings(relative_gap=0.01, workers=1)
    inst = _inst(tables(hh, pr, pairs, {"c1": 2, "c2": 2}, coops), s)
    res = solve_optimal(inst, s, decompose="groups")
    assert res.status == "optimal" and res.objective == pytest.approx(1.0)
    assert res.details["decomposition"]["components"] == 2
    stats = res.details["solver_stats"]["switch_bound"]
    assert stats["components"] == 2 and stats["lps"] == 4
    assert stats["lp_bound"] == pytest.approx(2.8) and stats["bound"] == pytest.approx(1.0)


def test_budgets_of_lps_and_time_are_kept_and_the_bound_stays_proven():
    s = Settings(relative_gap=0.01, workers=1)
    inst = _inst(_minimum_case(), s)
    lp = lp_relaxation(inst)
    none = SwitchBound(inst, lp)
    assert none.tighten(0.5, max_lps=1) == lp.bound and none.lps == 0
    late = SwitchBound(inst, lp)
    assert late.tighten(0.5, deadline=0.0) == lp.bound and late.lps == 0
    # a target the LP already meets: nothing solved
    met = SwitchBound(inst, lp)
    assert met.tighten(2.0) == lp.bound and met.lps == 0


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(instances())
def test_property_the_branched_bound_lies_between_the_optimum_and_the_lp(case):
    t, s = case
    inst = _inst(t, s)
    try:
        opt = solve_optimal(inst, s)  # relative_gap 0: the proven optimum
    except PolicyConflictError:
        return
    lp = lp_relaxation(inst)
    sb = SwitchBound(inst, lp)
    b = sb.tighten(-math.inf, max_lps=10**6)  # every half-on switch decided
    assert sb.exact
    assert opt.objective - 1e-7 <= b <= lp.bound + 1e-9


def test_an_lp_highs_does_not_solve_stops_the_splits_and_keeps_the_bound(monkeypatch):
    from types import SimpleNamespace

    from targeting.allocation import switches

    s = Settings(relative_gap=0.01, workers=1)
    inst = _inst(_minimum_case(), s)
    lp = lp_relaxation(inst)
    monkeypatch.setattr(switches, "linprog",
                        lambda *a, **k: SimpleNamespace(status=4, message="numerical difficulties"))
    sb = SwitchBound(inst, lp)
    assert sb.tighten(0.5) == lp.bound  # the root stays: its bound holds
    assert sb.unsolved and sb.lps == 2 and sb.stats()["stopped_by_an_unsolved_lp"]
    assert sb.tighten(0.5) == lp.bound and sb.lps == 2  # and no more LPs are tried


def test_the_pace_rule_gives_up_on_a_target_the_switches_cannot_reach():
    """Three cooperatives half on, each split lowering the bound a little: a target far below
    (the gap lies elsewhere) is given up after the grace LPs; without a target every switch is
    decided."""
    from targeting.allocation.switches import GRACE_LPS

    hh = [{"household_id": f"h{i}"} for i in range(9)]
    pr = [{"project_id": f"vc{k}", "kind": "value_chain", "cost_vnd": 1, "slots": 9,
           "cooperative_id": f"k{k}"} for k in range(3)]
    pairs = [(f"h{3 * k + i}", f"vc{k}", 1.0 - 0.1 * k - 0.01 * i) for k in range(3) for i in range(3)]
    coops = [{"cooperative_id": f"k{k}", "name": f"k{k}", "sector": "tea", "capacity": 9,
              "min_households": 3} for k in range(3)]
    s = Settings(relative_gap=0.01, workers=1)
    inst = _inst(tables(hh, pr, pairs, {"c1": 4}, coops), s)
    lp = lp_relaxation(inst)
    quick = SwitchBound(inst, lp)
    b = quick.tighten(0.01)  # no plan is that poor: the switches cannot get there
    assert quick.lps == GRACE_LPS and b > 0.01 and not quick.exact
    full = SwitchBound(inst, lp)
    assert full.tighten(-math.inf) <= b and full.exact
