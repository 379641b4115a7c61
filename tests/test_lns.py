"""The large-neighbourhood search (targeting.allocation.lns) on tiny instances against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from targeting.allocation.checks import violations
from targeting.allocation.instance import build_instance
from targeting.allocation.lns import improve
from targeting.allocation.lp import lp_relaxation
from targeting.config import Settings
from targeting.synth.instances import gap_tables, tables

from .support import BruteForce


def _gap(seed: int) -> dict:
    """A random GAP of 3 agents and 6 jobs, tight capacities (as OR-Library's type D)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 20, size=(3, 6))
    c = 100 - a + rng.integers(-10, 11, size=(3, 6))
    b = (0.8 * a.sum(axis=1) / 3).astype(int) + 1
    return gap_tables({"m": 3, "n": 6, "c": c, "a": a, "b": b}, maximise=False)


def _quota_case() -> dict:
    """Six households, three projects of one commune: a budget, a group minimum, a quota."""
    hh = [{"household_id": f"h{i}", "ethnic_minority": int(i % 3 == 0)} for i in range(6)]
    pr = [{"project_id": "p1", "cost_vnd": 5, "slots": 3},
          {"project_id": "p2", "cost_vnd": 4, "slots": 4, "min_group": 2},
          {"project_id": "p3", "cost_vnd": 3, "slots": 2}]
    rng = np.random.default_rng(3)
    pairs = [(f"h{i}", p, round(float(rng.uniform(0.1, 1.0)), 3))
             for i in range(6) for p in ("p1", "p2", "p3") if rng.random() < 0.7]
    return tables(hh, pr, pairs, {"c1": 17})


def _inst(t, s):
    return build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)


@pytest.mark.parametrize("case", ["gap2"] + [pytest.param(c, marks=pytest.mark.slow)
                                              for c in ("gap0", "gap1", "quota")])
def test_search_from_the_empty_plan_reaches_the_brute_force_optimum(case):
    quota = 0.3 if case == "quota" else 0.0
    s = Settings(relative_gap=0.0, workers=1, seed=0, min_ethnic_minority_share=quota)
    t = _quota_case() if case == "quota" else _gap(int(case[-1]))
    inst = _inst(t, s)
    lp = lp_relaxation(inst)
    start = np.zeros(0, dtype=np.int64)
    # windows of 4 free pairs: no window is the whole model, the search has to walk
    r = improve(inst, s, start, time_limit=60, lp_x=lp.x, lp_rc=lp.reduced_cost, core_share=0,
                window_pairs=4, max_steps=60)
    assert violations(inst, r.chosen) == []
    assert r.start_objective == 0.0 and r.improvements > 1
    assert r.objective == pytest.approx(BruteForce(inst).best(), abs=1e-9)
    # the same seed draws the same windows: the same plan
    again = improve(inst, s, start, time_limit=60, lp_x=lp.x, lp_rc=lp.reduced_cost, core_share=0,
                    window_pairs=4, max_steps=60)
    assert np.array_equal(again.chosen, r.chosen) and again.steps == r.steps


@pytest.mark.slow
def test_search_never_returns_a_worse_plan_and_keeps_assigned_pairs():
    s = Settings(relative_gap=0.0, workers=1, seed=1)
    t = _gap(0)
    inst = _inst(t, s)
    lp = lp_relaxation(inst)
    best = BruteForce(inst)
    # the meeting assigned a pair the optimum does not take: it stays in every plan
    forced = np.zeros(inst.n_pairs, dtype=bool)
    forced[1] = True
    inst.pair_forced = forced
    start = np.array([1], dtype=np.int64)
    r = improve(inst, s, start, time_limit=60, lp_x=lp.x, lp_rc=lp.reduced_cost, window_pairs=4,
                max_steps=40)
    assert 1 in r.chosen
    assert violations(inst, r.chosen) == []
    key = (str(inst.hh_ids[inst.pair_h[1]]), str(inst.p_ids[inst.pair_p[1]]))
    assert r.objective == pytest.approx(best.best(forced=[key]), abs=1e-9)
    assert r.objective >= inst.total_gain(start)


def _bigger_gap(seed: int) -> dict:
    """A random GAP of 5 agents and 40 jobs with tight capacities: windows of a few pairs
    cannot see it whole."""
    rng = np.random.default_rng(seed)
    a = rng.integers(5, 25, size=(5, 40))
    c = 100 - a + rng.integers(-10, 11, size=(5, 40))
    b = (0.8 * a.sum(axis=1) / 5).astype(int) + 1
    return gap_tables({"m": 5, "n": 40, "c": c, "a": a, "b": b}, maximise=False)


def test_a_deterministic_search_gives_the_same_plan_and_stops_on_its_patience():
    s = Settings(relative_gap=0.0, workers=1, seed=4)
    inst = _inst(_bigger_gap(4), s)
    lp = lp_relaxation(inst)
    start = np.zeros(0, dtype=np.int64)
    kw = dict(time_limit=60, lp_x=lp.x, lp_rc=lp.reduced_cost, core_share=0, max_steps=25,
              deterministic=True, patience=8)
    r = improve(inst, s, start, **kw)
    again = improve(inst, s, start, **kw)
    assert violations(inst, r.chosen) == []
    assert r.improvements > 0 and not r.timed_out
    assert np.array_equal(again.chosen, r.chosen) and again.steps == r.steps
    # from its own plan with nothing left to find in a few windows, patience ends it early
    done = improve(inst, s, r.chosen, **{**kw, "patience": 3})
    assert done.objective >= r.objective
    assert done.steps <= 25 and (done.improvements > 0 or done.steps == 3)
    # a clock that has run out is said (another run may find another plan)
    late = improve(inst, s, start, **{**kw, "time_limit": 0.0})
    assert late.timed_out and late.steps == 0 and late.stats()["stopped_by_time_limit"]


@pytest.mark.parametrize("gap", [0.002, 0.00002])
def test_a_whole_model_is_searched_before_its_full_mip(monkeypatch, gap):
    """``solve_whole`` runs the search between the LP's plans and the full MIP: its plan is the
    answer when the LP bound proves it, else the full MIP's warm start (never a worse one)."""
    from targeting.allocation import pipeline

    s = Settings(relative_gap=gap, workers=1, seed=4, time_limit_s=60)
    inst = _inst(_bigger_gap(7), s)
    seen = {}
    search, full = pipeline._quick_search, pipeline.solve_with_lns

    def spy_search(*a, **k):
        seen["search"] = search(*a, **k)
        return seen["search"]

    def spy_full(inst_, settings, *, hint, **k):
        seen["hint"] = inst_.total_gain(hint)
        return full(inst_, settings, hint=hint, **k)

    monkeypatch.setattr(pipeline, "_quick_search", spy_search)
    monkeypatch.setattr(pipeline, "solve_with_lns", spy_full)
    out = pipeline.solve_whole(inst, s, backend="highs")
    assert violations(inst, out.chosen) == []
    found = seen["search"]  # (at these gaps the LP-rounded plan is not proven: 0.25% from the LP)
    if gap == 0.002:  # the search's plan is proven
        assert found.status == "optimal" and "hint" not in seen and out.objective == found.objective
    else:  # ... it is not: the full MIP starts from it
        assert seen["hint"] >= found.objective - 1e-9
        assert out.objective >= found.objective - 1e-9
    assert out.bound - out.objective <= gap * out.bound + 1e-9
