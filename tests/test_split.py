"""The province budget split (``[policy] budget_split``): settings, the proportional shares, the
optimal split against brute force and against the fixed and proportional splits, and the plan
folder (summary.csv, plan.json, report.html)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from targeting.allocation.instance import build_instance
from targeting.allocation.split import (
    SplitBounds,
    poor_weights,
    proportional_shares,
    split_bounds,
)
from targeting.config import Settings, parse_settings
from targeting.errors import PolicyConflictError
from targeting.synth.instances import tables

from .support import (
    BruteForce,
    cli,
    digest,
    household,
    plan_violations,
    solve_tables,
    tiny_tables,
    write_tables,
)

EXACT = dict(relative_gap=0.0, time_limit_s=20, workers=1)


# ---------------------------------------------------------------- settings


def _problems(toml: str) -> list[str]:
    problems = []
    parse_settings(toml, "scenario.toml", problems)
    return [str(p) for p in problems]


def test_settings_name_file_key_and_value():
    msgs = _problems('[policy]\nbudget_split = "equal"\nprovince_budget_vnd = 0\n'
                     'min_commune_share = 1.5\nmax_commune_share = 0.5\n')
    assert ("scenario.toml, column policy.budget_split: expected one of fixed, proportional, "
            "optimal; got 'equal'") in msgs
    assert "scenario.toml, column policy.province_budget_vnd: expected a whole number of VND > 0; got 0" in msgs
    assert any(m.startswith("scenario.toml, column policy.min_commune_share:") and m.endswith("got 1.5")
               for m in msgs)
    assert any(m.startswith("scenario.toml, column policy.max_commune_share:") and m.endswith("got 0.5")
               for m in msgs)
    assert _problems('[policy]\nbudget_split = "optimal"\nprovince_budget_vnd = 5000000000\n') == []
    assert _problems('[policy]\nprovince_budget_vnd = 2.5e9\n') == [
        "scenario.toml, column policy.province_budget_vnd: expected a whole number; got 2500000000.0"]


def test_fixed_settings_keep_plan_json_as_it_was():
    assert Settings().as_dict() == Settings(budget_split="fixed", min_commune_share=0.2).as_dict()
    assert Settings(budget_split="optimal").as_dict()["policy"]["budget_split"] == "optimal"


def test_bounds_that_cannot_be_met_are_a_policy_conflict():
    s = Settings(budget_split="proportional", province_budget_vnd=100, min_commune_share=0.6)
    with pytest.raises(PolicyConflictError, match="min_commune_share = 0.6 gives the 2 communes at "
                                                  "least 120 VND in all, more than province_budget_vnd = 100"):
        split_bounds(np.array(["a", "b"]), np.array([100, 100]), s)


# ---------------------------------------------------------------- proportional


def _bounds(req, total, lo=0.5, hi=2.0) -> SplitBounds:
    s = Settings(province_budget_vnd=total, min_commune_share=lo, max_commune_share=hi)
    return split_bounds(np.array([f"c{i}" for i in range(len(req))]), np.array(req), s)


def test_proportional_by_hand():
    # 300 VND split 1:2 between budgets of 100 and 200: 100 and 200, nothing clipped
    shares, counted = proportional_shares(_bounds([100, 200], 300), np.array([1.0, 2.0]))
    assert shares.tolist() == [100, 200] and "poor households" in counted
    # 3:1 would give 225 and 75; the second may not go below 0.5 x 200 = 100: 200 and 100
    shares, _ = proportional_shares(_bounds([100, 200], 300), np.array([3.0, 1.0]))
    assert shares.tolist() == [200, 100]
    # the first may not exceed 2 x 100 = 200 when all the weight is on it: the rest to the second
    shares, _ = proportional_shares(_bounds([100, 200], 300), np.array([1.0, 0.0]))
    assert shares.tolist() == [200, 100]
    # whole VND, the remainder by largest fraction: 100 in thirds
    shares, _ = proportional_shares(_bounds([50, 50, 50], 100, lo=0.0), np.ones(3))
    assert shares.tolist() == [34, 33, 33]


@hsettings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=8), st.data())
def test_property_proportional_shares_respect_bounds_and_total(req, data):
    n = len(req)
    lo = data.draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]))
    hi = data.draw(st.sampled_from([1.0, 1.5, 2.0, 3.0]))
    total = data.draw(st.integers(max(1, -(-int(sum(req) * lo * 10) // 10) + 1), 3 * sum(req) + 10))
    weights = np.array(data.draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)), dtype=float)
    try:
        b = _bounds(req, total, lo, hi)
    except PolicyConflictError:
        return
    shares, _ = proportional_shares(b, weights)
    assert shares.dtype == np.int64
    assert (shares >= b.lo).all() and (shares <= b.hi).all()
    assert shares.sum() == min(total, b.hi.sum())
    again, _ = proportional_shares(b, weights)
    assert again.tolist() == shares.tolist()


def test_poor_weights_count_poor_households_per_commune():
    hh = pd.DataFrame({"commune_id": ["a", "a", "b", "b", "b"],
                       "status": ["poor", "near_poor", "poor", "poor", "non_poor"]})
    assert poor_weights(hh, np.array(["a", "b", "c"])).tolist() == [1.0, 2.0, 0.0]


# ---------------------------------------------------------------- optimal against brute force


@st.composite
def split_cases(draw):
    n_c = draw(st.integers(2, 3))
    budgets = {f"c{i}": draw(st.integers(0, 40)) for i in range(n_c)}
    projects, hs, pairs = [], [], []
    for j in range(draw(st.integers(n_c, 4))):
        projects.append({"project_id": f"p{j}", "commune_id": f"c{j % n_c}",
                         "cost_vnd": draw(st.integers(1, 20)), "slots": draw(st.integers(1, 3)),
                         "min_group": draw(st.one_of(st.none(), st.integers(1, 2)))})
    for i in range(draw(st.integers(2, 6))):
        hs.append({"household_id": f"h{i}", "commune_id": f"c{i % n_c}",
                   "status": draw(st.sampled_from(["poor", "near_poor"]))})
    for h in hs:
        for p in projects:
            if p["commune_id"] == h["commune_id"] and draw(st.booleans()):
                pairs.append((h["household_id"], p["project_id"], draw(st.integers(-1, 10)) / 4))
    if not pairs:
        pairs = [(hs[0]["household_id"], projects[0]["project_id"], 1.0)]
    t = tables(hs, projects, pairs, budgets)
    total = draw(st.one_of(st.none(), st.integers(1, 120)))
    lo = draw(st.sampled_from([0.0, 0.5, 1.0]))
    hi = draw(st.sampled_from([1.0, 2.0, 3.0]))
    return t, Settings(**EXACT, budget_split="optimal", province_budget_vnd=total,
                       min_commune_share=lo, max_commune_share=hi)


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(split_cases())
@pytest.mark.slow
def test_property_optimal_split_is_the_coupled_optimum_and_beats_fixed_and_proportional(case):
    t, s = case
    try:
        res = solve_tables("optimal", t, s)
    except PolicyConflictError:
        return
    split = res.details["budget_split"]
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)
    bounds = split_bounds(inst.c_ids, inst.c_budget, s)
    shares = np.array([split["shares_vnd"][c] for c in inst.c_ids])
    # the shares: within their bounds, at most the total, and each funds its commune's plan
    assert (shares >= bounds.lo).all() and (shares <= bounds.hi).all()
    assert shares.sum() <= bounds.total
    assert split["unallocated_vnd"] == bounds.total - shares.sum()
    funded = t | {"communes": t["communes"].assign(budget_vnd=shares)}
    assert plan_violations(funded, res, s) == []
    # the optimum of the coupled problem, by brute force; the bound is a proof
    best = BruteForce(t, s, split=bounds).best()
    assert res.objective == pytest.approx(max(best, 0.0), abs=1e-9)
    assert res.bound >= res.objective - 1e-9 and res.bound >= best - 1e-9
    # never worse than the proportional split, nor than the fixed one when it fits the total
    prop = solve_tables("optimal", t, replace(s, budget_split="proportional"))
    assert res.objective >= prop.objective - 1e-9
    fixed = solve_tables("optimal", t, replace(s, budget_split="fixed"))
    if t["communes"]["budget_vnd"].sum() <= bounds.total:
        assert res.objective >= fixed.objective - 1e-9
    for name in ("fixed", "proportional"):
        assert split["tried"][name]["solved"]
    assert split["tried"]["proportional"]["objective"] == pytest.approx(prop.objective, abs=1e-9)


def test_optimal_split_moves_money_to_where_it_buys_more():
    # c1 can only use 10 of its 30 (one project of cost 10); c2 has two households worth 1 each at
    # 20 but only 20 of its own: the optimal split gives c2 the 20 c1 cannot use
    hs = [{"household_id": "a", "commune_id": "c1"}, {"household_id": "b", "commune_id": "c2"},
          {"household_id": "c", "commune_id": "c2"}]
    projects = [{"project_id": "p", "commune_id": "c1", "cost_vnd": 10, "slots": 1},
                {"project_id": "q", "commune_id": "c2", "cost_vnd": 20}]
    t = tables(hs, projects, [("a", "p", 0.5), ("b", "q", 1.0), ("c", "q", 1.0)], {"c1": 30, "c2": 20})
    s = Settings(**EXACT, budget_split="optimal", min_commune_share=0.0)
    res = solve_tables("optimal", t, s)
    assert res.objective == pytest.approx(2.5)
    split = res.details["budget_split"]
    assert split["shares_vnd"] == {"c1": 10, "c2": 40}
    assert split["tried"]["fixed"]["objective"] == pytest.approx(1.5)
    assert split["unallocated_vnd"] == 0 and res.status == "optimal"
    # a minimum share counts against the total even unspent: at 0.5 c1 keeps 15, c2 gets 35
    res = solve_tables("optimal", t, replace(s, min_commune_share=0.5))
    assert res.objective == pytest.approx(1.5)
    assert res.details["budget_split"]["shares_vnd"] == {"c1": 15, "c2": 20}
    # baselines cannot choose the shares: proportional, and said so
    g = solve_tables("greedy", t, s)
    assert "proportional split" in g.details["budget_split"]["how_found"]


# ---------------------------------------------------------------- the plan folder


def _two_communes() -> dict[str, pd.DataFrame]:
    t = tiny_tables()
    t["communes"] = pd.concat([t["communes"], t["communes"].assign(
        commune_id="c2", name="Thượng Quan", budget_vnd=40_000_000)], ignore_index=True)
    more = pd.DataFrame([household(f"g{i}", commune="c2", income_vnd=800_000 + 10_000 * i)
                         for i in range(1, 5)])
    t["households"] = pd.concat([t["households"], more], ignore_index=True)
    t["projects"] = pd.concat([t["projects"], t["projects"].iloc[[0]].assign(
        project_id="p3", commune_id="c2", slots=4)], ignore_index=True)
    return t


TOML = '[solver]\ntime_limit_s = 10\nrelative_gap = 0\n[policy]\n'


@pytest.mark.slow
def test_plan_folder_under_each_split(tmp_path):
    folder = write_tables(tmp_path / "s", _two_communes(), TOML + 'budget_split = "optimal"\n')
    r = cli("plan", folder, "--out", tmp_path / "opt")
    assert r.exit_code == 0, r.output
    summary = pd.read_csv(tmp_path / "opt" / "summary.csv")
    assert list(summary.columns[:3]) == ["commune_id", "budget_vnd", "budget_requested_vnd"]
    assert summary["budget_requested_vnd"].tolist() == [50_000_000, 40_000_000]
    assert summary["budget_vnd"].sum() <= 90_000_000
    assert (summary["spent_vnd"] <= summary["budget_vnd"]).all()
    meta = json.loads((tmp_path / "opt" / "plan.json").read_text(encoding="utf-8"))
    split = meta["budget_split"]
    assert split["method"] == "optimal" and split["province_budget_vnd"] == 90_000_000
    assert "how_found" in split and "budget_split" not in meta["details"]
    assert meta["settings"]["policy"]["budget_split"] == "optimal"
    html = (tmp_path / "opt" / "report.html").read_text(encoding="utf-8")
    assert 'id="split"' in html and "Phân bổ kinh phí của tỉnh" in html
    assert "more expected sustained exits than the fixed" in html
    assert "more expected sustained exits than the proportional" in html

    folder = write_tables(tmp_path / "p", _two_communes(), TOML + 'budget_split = "proportional"\n')
    r = cli("plan", folder, "--out", tmp_path / "prop")
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "prop" / "plan.json").read_text(encoding="utf-8"))
    assert meta["budget_split"]["counted"].startswith("poor households")
    summary = pd.read_csv(tmp_path / "prop" / "summary.csv")
    # 5 poor households in c1, 4 in c2: 50 and 40 million, as requested
    assert summary["budget_vnd"].tolist() == [50_000_000, 40_000_000]


@pytest.mark.slow
def test_fixed_is_the_plan_of_today(tmp_path):
    base = write_tables(tmp_path / "a", _two_communes(), TOML)
    fixed = write_tables(tmp_path / "b", _two_communes(),
                         TOML + 'budget_split = "fixed"\nprovince_budget_vnd = 10\n')
    for folder, out in ((base, "oa"), (fixed, "ob")):
        r = cli("plan", folder, "--out", tmp_path / out)
        assert r.exit_code == 0, r.output
    a, b = digest(tmp_path / "oa"), digest(tmp_path / "ob")
    # the CSVs are the same bytes; the workbook the same cells (its zip carries a timestamp),
    # plan.json the same but for the fingerprint of scenario.toml and the solve time
    skip = ("plan.json", "report.html", "beneficiaries.xlsx")
    assert {k: v for k, v in a.items() if k not in skip} == {k: v for k, v in b.items() if k not in skip}
    wa, wb = (openpyxl.load_workbook(tmp_path / o / "beneficiaries.xlsx") for o in ("oa", "ob"))
    assert [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wa.worksheets] == \
        [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets]
    assert 'id="split"' not in (tmp_path / "ob" / "report.html").read_text(encoding="utf-8")
    ja, jb = (json.loads((tmp_path / o / "plan.json").read_text(encoding="utf-8")) for o in ("oa", "ob"))
    for j in (ja, jb):
        j.pop("inputs"), j.pop("solve_seconds"), j.pop("outputs"), j.pop("scenario")
        j["details"].pop("solver_stats", None)
        j.get("more_money", {}).get("target", {}).pop("searched_seconds", None)
    assert ja == jb and "budget_split" not in ja
    assert "budget_requested_vnd" not in pd.read_csv(tmp_path / "ob" / "summary.csv")


def test_bounds_that_cannot_be_met_exit_3_before_any_work(tmp_path):
    folder = write_tables(tmp_path / "s", _two_communes(),
                          TOML + 'budget_split = "optimal"\nprovince_budget_vnd = 40000000\n'
                                 'min_commune_share = 0.9\n')
    r = cli("plan", folder, "--out", tmp_path / "out")
    assert r.exit_code == 3
    assert "min_commune_share = 0.9" in r.output and "province_budget_vnd = 40,000,000" in r.output
    assert not (tmp_path / "out").exists()
    folder = write_tables(tmp_path / "t", _two_communes(),
                          TOML + 'budget_split = "optimal"\nmax_commune_share = 0.5\n')
    r = cli("plan", folder, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "policy.max_commune_share" in r.output and "got 0.5" in r.output


@pytest.mark.slow
def test_compare_sets_the_splits_side_by_side(tmp_path):
    folder = write_tables(tmp_path / "s", _two_communes(), TOML)
    r = cli("compare", folder, "--out", tmp_path / "cmp", "--strategies", "optimal,greedy",
            "--splits", "fixed,proportional,optimal", "--no-curve")
    assert r.exit_code == 0, r.output
    c = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert list(zip(c["strategy"], c["budget_split"])) == [
        ("optimal", "fixed"), ("optimal", "proportional"), ("optimal", "optimal"),
        ("greedy", "fixed"), ("greedy", "proportional")]
    opt = c.set_index(["strategy", "budget_split"])["added_exits"]
    assert opt["optimal", "optimal"] >= max(opt["optimal", "fixed"], opt["optimal", "proportional"]) - 1e-9
    assert (tmp_path / "cmp" / "optimal-optimal" / "summary.csv").exists()
    assert "optimal / proportional" in (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    r = cli("compare", folder, "--out", tmp_path / "bad", "--splits", "equal")
    assert r.exit_code == 2 and "unknown split equal" in r.output
    # without --splits: the columns as before, and the scenario's own split
    r = cli("compare", folder, "--out", tmp_path / "one", "--strategies", "optimal,greedy", "--no-curve")
    c = pd.read_csv(tmp_path / "one" / "comparison.csv")
    assert c["budget_split"].tolist() == ["fixed", "fixed"] and c.columns[-1] == "budget_split"


@pytest.mark.slow
def test_decisions_under_the_optimal_split_are_priced_with_the_shares(tmp_path):
    folder = write_tables(tmp_path / "s", _two_communes(), TOML + 'budget_split = "optimal"\n')
    (folder / "decisions.csv").write_text("household_id,decision,project_id,kind,note\n"
                                          "g1,assign,p3,,họp thôn\nh1,exclude,,,\n", encoding="utf-8")
    r = cli("allocate", folder, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    a = pd.read_csv(tmp_path / "out" / "allocation.csv", keep_default_na=False).set_index("household_id")
    assert a.loc["g1", "project_id"] == "p3" and a.loc["h1", "project_id"] == ""
    meta = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert meta["decisions"]["budget_split"].startswith("priced with each commune's share")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert (summary["spent_vnd"] <= summary["budget_vnd"]).all()
    assert summary["budget_vnd"].sum() <= 90_000_000


@pytest.mark.slow
def test_province_path_is_feasible_and_its_bound_holds(monkeypatch):
    # the route for large provinces (no coupled MIP: the LP's shares, fixed, proportional, a
    # coordinating round, the top-up) on a small random province, against the exact coupled MIP
    import targeting.allocation.split as split_module
    from targeting.synth.instances import province

    t = province(n_communes=5, n_households=400, projects_per_commune=4, n_cooperatives=2, seed=3)
    s = Settings(relative_gap=0.0, time_limit_s=10, workers=1, budget_split="optimal",
                 min_poor_share=0.2)
    exact = solve_tables("optimal", t, s)
    monkeypatch.setattr(split_module, "COUPLED_MIP_MAX_PAIRS", 0)
    large = solve_tables("optimal", t, s)
    how = large.details["budget_split"]
    assert "coupled_mip" not in how["tried"] and how["tried"]["lp_shares"]["solved"]
    shares = pd.Series(how["shares_vnd"])
    funded = t | {"communes": t["communes"].assign(
        budget_vnd=t["communes"]["commune_id"].map(shares))}
    assert plan_violations(funded, large, s) == []
    assert shares.sum() <= how["province_budget_vnd"]
    # each bound holds for the other's plan (both are plans of the same coupled problem)
    assert large.objective <= exact.bound + 1e-9 and exact.objective <= large.bound + 1e-9
    for name in ("fixed", "proportional"):
        assert large.objective >= how["tried"][name]["objective"] - 1e-9


@pytest.mark.slow
def test_the_proportional_split_solves_as_asked(tmp_path):
    """A sweep's re-solve under the proportional split is split into the groups of communes that
    share no cooperative, as under the fixed split (``decompose`` used to be dropped there)."""
    from targeting.config import bundled_model
    from targeting.data import read_scenario
    from targeting.plan import make_plan
    from targeting.synth import make_world, write_world

    sc = read_scenario(write_world(make_world(seed=3, communes=3, households=150, history_factor=0.2),
                                   tmp_path / "w"))
    sc = replace(sc, settings=replace(sc.settings, budget_split="proportional"))
    p = make_plan(sc, model_path=bundled_model(), strategy="optimal", lists=False, decompose="groups")
    assert p.result.details["decomposition"]["components"] == 2
    assert p.meta["budget_split"]["method"] == "proportional"
