"""Policy sweeps in compare, training once, and what more money would buy (issue 16, parts 2-4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import targeting.plan as plan_module
from targeting.allocation import run_strategy
from targeting.allocation.solve import START_PROVEN
from targeting.compare import Sweep, compare_strategies, parse_sweep, sweep_keys
from targeting.config import Settings, bundled_model
from targeting.data import read_scenario
from targeting.errors import ScenarioError
from targeting.more_money import budgets_for_targets
from targeting.output.plain import more_money_words
from targeting.plan import make_plan

from .support import cli, household, tiny_tables, write_tables

# --------------------------------------------------------------------------------------------
# --sweep: parsing and checking
# --------------------------------------------------------------------------------------------


def test_sweep_keys_are_budget_scale_and_the_numeric_policy_settings():
    keys = sweep_keys()
    assert keys[0] == "budget_scale"
    assert {"min_ethnic_minority_share", "min_poor_share"} <= set(keys)
    assert "consent" not in keys  # text, not a number


def test_parse_sweep():
    s = parse_sweep("min_ethnic_minority_share=0, 0.2,0.4")
    assert s == Sweep("min_ethnic_minority_share", (0.0, 0.2, 0.4))
    assert parse_sweep("budget_scale=0.5,1,2").values == (0.5, 1.0, 2.0)


@pytest.mark.parametrize("text, words", [
    ("colour=1,2", ["colour", "budget_scale", "min_poor_share"]),
    ("min_poor_share", ["KEY=v1,v2"]),
    ("min_poor_share=0.1,abc", ["min_poor_share", "'abc'", "not a number"]),
    ("min_poor_share=0.1,1.5", ["min_poor_share=1.5", "between 0 and 1"]),
    ("budget_scale=0,1", ["budget_scale", "'0'", "above 0"]),
    ("budget_scale=1,1.0", ["given twice"]),
    ("budget_scale=1,,2", ["separated by commas"]),
    ("budget_scale=nan", ["finite"]),
])
def test_parse_sweep_names_what_is_wrong(text, words):
    with pytest.raises(ScenarioError) as e:
        parse_sweep(text)
    for w in words:
        assert w in str(e.value)


def test_a_bad_sweep_is_exit_2_before_any_work(tiny, tmp_path):
    r = cli("compare", tiny, "--out", tmp_path / "c", "--sweep", "min_poor_share=0.5,2")
    assert r.exit_code == 2
    assert "min_poor_share=2" in r.output and "between 0 and 1" in r.output
    assert not (tmp_path / "c").exists()


# --------------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------------


def _mixed(tmp_path, minority=(1, 1, 0, 0, 0), budget=50_000_000):
    """The tiny scenario with ethnic-minority households as given."""
    t = tiny_tables()
    t["households"] = pd.DataFrame([household(f"h{i}", income_vnd=900_000 + 10_000 * i, ethnic_minority=m)
                                    for i, m in enumerate(minority, start=1)])
    t["communes"].loc[0, "budget_vnd"] = budget
    return write_tables(tmp_path / "mixed", t)


@pytest.mark.slow
def test_a_sweep_beside_splits_keeps_the_splits_rows(tmp_path):
    """--sweep and --splits together: comparison.csv is the sweep, strategies.csv the plan
    folders' rows (each split), so no row of the comparison is lost."""
    folder = _mixed(tmp_path)
    r = cli("compare", folder, "--out", tmp_path / "c", "--strategies", "optimal", "--no-curve",
            "--splits", "fixed,proportional", "--sweep", "budget_scale=0.5,1")
    assert r.exit_code == 0, r.output
    sweep = pd.read_csv(tmp_path / "c" / "comparison.csv")
    plans = pd.read_csv(tmp_path / "c" / "strategies.csv")
    assert list(sweep["sweep_value"]) == [0.5, 1.0]
    assert list(plans["budget_split"]) == ["fixed", "proportional"]
    assert (tmp_path / "c" / "optimal-proportional" / "plan.json").exists()


@pytest.mark.slow
def test_sweep_marks_infeasible_values_and_goes_on(tmp_path):
    sc = read_scenario(_mixed(tmp_path, minority=(0, 0, 0, 0, 0)))
    c = compare_strategies(sc, ["optimal", "greedy"], curve=False,
                           sweep=Sweep("min_ethnic_minority_share", (0.0, 0.5)))
    t = c.sweep
    assert list(t.columns[:2]) == ["sweep_key", "sweep_value"]
    assert len(t) == 4 and set(t["strategy"]) == {"optimal", "greedy"}
    at0 = t[t["sweep_value"] == 0.0]
    at5 = t[t["sweep_value"] == 0.5]
    assert (at0["status"] != "infeasible").all() and (at0["supported"] > 0).all()
    # no ethnic-minority household: a share of 0.5 cannot be met by any plan that supports anyone
    opt = at5[at5["strategy"] == "optimal"].iloc[0]
    assert opt["status"] == "infeasible"
    assert "min_ethnic_minority_share" in opt["note"]
    # the columns of a plain comparison are all there
    assert set(c.table.columns) <= set(t.columns)


@pytest.mark.slow
def test_sweep_through_the_command_line(tmp_path):
    folder = _mixed(tmp_path, minority=(0, 0, 0, 0, 0))
    out = tmp_path / "c"
    r = cli("compare", folder, "--out", out, "--strategies", "optimal,greedy", "--no-curve",
            "--sweep", "min_ethnic_minority_share=0,0.5")
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out / "comparison.csv")
    assert len(t) == 4 and (t["sweep_key"] == "min_ethnic_minority_share").all()
    assert (t.loc[(t["sweep_value"] == 0.5) & (t["strategy"] == "optimal"), "status"] == "infeasible").all()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="sweep"' in html and "<polyline" in html
    assert "Không thể đáp ứng: 0.5" in html  # the infeasible value is named under the chart


@pytest.mark.slow
@pytest.mark.parametrize("key, value", [("min_ethnic_minority_share", 0.4), ("budget_scale", 0.6),
                                        ("budget_scale", 1.8), ("min_poor_share", 1.0)])
def test_a_sweep_row_is_the_plain_plan_of_that_setting(tmp_path, key, value):
    sc = read_scenario(_mixed(tmp_path))
    c = compare_strategies(sc, ["optimal"], curve=False, sweep=Sweep(key, (value,)))
    row = c.sweep.iloc[0]
    if key == "budget_scale":
        communes = sc.communes.copy()
        communes["budget_vnd"] = (communes["budget_vnd"] * value).round().astype("int64")
        plain = make_plan(plan_module.replace(sc, communes=communes), strategy="optimal")
    else:
        plain = make_plan(plan_module.replace(sc, settings=plan_module.replace(sc.settings, **{key: value})),
                          strategy="optimal")
    gap = sc.settings.relative_gap
    assert row["objective"] == pytest.approx(plain.meta["objective"], rel=gap, abs=1e-9)
    assert row["status"] == plain.meta["status"]


def test_the_earlier_plan_is_kept_when_its_bound_proves_it():
    # four households, budget for two; the earlier plan (two best) meets a quota the new setting
    # adds, and the earlier optimum bounds the tighter problem: no solve, the same plan
    h = pd.DataFrame([household(f"h{i}", ethnic_minority=int(i <= 2)) for i in range(1, 5)])
    communes = pd.DataFrame([{"commune_id": "c1", "budget_vnd": 40_000_000}])
    projects = pd.DataFrame([{"project_id": "p1", "commune_id": "c1", "cost_vnd": 20_000_000, "slots": 10,
                              "cooperative_id": ""}])
    gains = pd.DataFrame({"household_id": ["h1", "h2", "h3", "h4"], "project_id": "p1",
                          "gain": [0.4, 0.3, 0.2, 0.1], "cost_vnd": 20_000_000})
    base = run_strategy("optimal", h, projects, None, communes, gains, Settings())
    assert set(base.assignment["household_id"]) == {"h1", "h2"}
    tight = Settings(min_ethnic_minority_share=1.0)
    r = run_strategy("optimal", h, projects, None, communes, gains, tight,
                     start=base.assignment, start_bound=base.bound)
    assert r.solver == START_PROVEN and r.status == "optimal"
    assert r.objective == pytest.approx(base.objective)
    # a start that breaks the new setting is never kept: h3 and h4 are not ethnic-minority
    bad = gains.iloc[[2, 3]][["household_id", "project_id"]]
    r2 = run_strategy("optimal", h, projects, None, communes, gains, tight, start=bad, start_bound=10.0)
    assert r2.solver != START_PROVEN
    assert set(r2.assignment["household_id"]) == {"h1", "h2"}


@pytest.mark.slow
def test_the_budget_curve_is_the_budget_sweep(tmp_path):
    sc = read_scenario(_mixed(tmp_path))
    c = compare_strategies(sc, ["optimal"], curve=True, sweep=Sweep("budget_scale", (0.5, 1.0, 2.0)))
    cv = c.curve.set_index("budget_multiplier")
    sw = c.sweep.set_index("sweep_value")
    for m in (0.5, 1.0, 2.0):
        assert cv.loc[m, "added_exits"] == pytest.approx(sw.loc[m, "objective"])
        assert cv.loc[m, "budget_vnd"] == sw.loc[m, "budget_vnd"]
    # the scenario's own budget is the comparison's plan, not a re-solve
    assert cv.loc[1.0, "added_exits"] == pytest.approx(c.plans["optimal"].meta["objective"])


@pytest.mark.slow
def test_the_curve_solved_beside_the_plans_is_the_curve_solved_after(tmp_path, monkeypatch):
    """Several groups of communes: the curve is solved while the strategies' plans are made
    (it takes nothing from them but the row at the scenario's own budget), and it is the curve
    solved after them, row for row."""
    import targeting.compare as compare_module
    from targeting.synth import make_world, write_world

    world = write_world(make_world(seed=3, communes=3, households=150, history_factor=0.2), tmp_path / "w")
    sc = read_scenario(world)
    assert compare_module.curve_needs_no_base(sc)  # two groups: Phong Quang and Thuong Quan share a cooperative
    # a limit no solve reaches, even on a loaded machine: a search cut short by the clock may
    # end elsewhere (the quick pass's search stops on its work, the clock being a safety net)
    args = dict(curve=True, model_path=bundled_model(), time_limit_s=60)
    early = compare_strategies(sc, ["optimal", "greedy"], **args)
    monkeypatch.setattr(compare_module, "curve_needs_no_base", lambda *a: False)
    late = compare_strategies(sc, ["optimal", "greedy"], **args)
    pd.testing.assert_frame_equal(early.curve, late.curve)
    assert list(early.curve["budget_multiplier"]) == list(compare_module.CURVE_MULTIPLIERS)
    own = early.curve.set_index("budget_multiplier").loc[1.0, "added_exits"]
    assert own == pytest.approx(early.plans["optimal"].meta["objective"])


def _slow_square(x, *, job):
    """``x * x`` after 50 ms; ``job``: ``calls`` gets (x, thread), ``fails`` is the value that raises."""
    import threading
    import time

    job["calls"].append((x, threading.get_ident()))
    time.sleep(0.05)
    if x == job["fails"]:
        raise ValueError(f"value {x}")
    return x * x


def test_the_values_of_a_sweep_are_shared_by_the_threads_that_join():
    from concurrent.futures import ThreadPoolExecutor

    from targeting.compare import _Helpers

    job = {"calls": [], "fails": None}
    helpers = _Helpers()
    with ThreadPoolExecutor(1) as pool:
        sweep = pool.submit(helpers.map, _slow_square, list(range(12)), job=job)
        helpers.join(sweep)
        assert sweep.result() == [x * x for x in range(12)]
    solved = [x for x, _ in job["calls"]]
    assert sorted(solved) == list(range(12))  # each value once
    assert len({t for _, t in job["calls"]}) == 2  # by both threads


def test_an_error_in_one_value_is_the_sweep_s_error():
    from targeting.compare import _Helpers

    with pytest.raises(ValueError, match="value 3"):
        _Helpers().map(_slow_square, [1, 2, 3, 4], job={"calls": [], "fails": 3})


def test_a_closed_sweep_takes_no_more_values():
    from concurrent.futures import ThreadPoolExecutor

    from targeting.compare import _Helpers

    job = {"calls": [], "fails": None}
    helpers = _Helpers()
    with ThreadPoolExecutor(1) as pool:
        sweep = pool.submit(helpers.map, _slow_square, list(range(40)), job=job)
        helpers.close()
        with pytest.raises(RuntimeError, match="stopped before all its values"):
            sweep.result()
    assert len(job["calls"]) < 40


def test_a_curve_waits_for_the_plan_it_starts_from(tmp_path):
    """One group of communes: the re-solves are warm-started from the own plan."""
    import targeting.compare as compare_module

    sc = read_scenario(_mixed(tmp_path))
    assert not compare_module.curve_needs_no_base(sc)


# --------------------------------------------------------------------------------------------
# Train once, score once
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_compare_with_a_sweep_trains_and_scores_once(tmp_path, monkeypatch):
    from targeting.scoring import load_model
    from targeting.synth import make_world, write_world

    folder = write_world(make_world(seed=3, households=150, communes=2), tmp_path / "w")
    sc = read_scenario(folder)
    assert sc.history is not None
    calls = {"train": 0, "gains": 0}
    real_gains = plan_module.gains_for_pairs

    def fake_train(history, seed=0, households=None, **kw):
        calls["train"] += 1
        return load_model(bundled_model())

    def counted_gains(*a, **kw):
        calls["gains"] += 1
        return real_gains(*a, **kw)

    monkeypatch.setattr(plan_module, "train_model", fake_train)
    monkeypatch.setattr(plan_module, "_bundled_model_for", lambda *a: None)
    monkeypatch.setattr(plan_module, "gains_for_pairs", counted_gains)
    c = compare_strategies(sc, ["optimal", "greedy", "lottery"], curve=True, time_limit_s=10,
                           sweep=Sweep("min_poor_share", (0.0, 0.3, 0.6)))
    assert calls == {"train": 1, "gains": 1}
    assert len(c.sweep) == 9 and len(c.curve) == 7


# --------------------------------------------------------------------------------------------
# What more money would buy
# --------------------------------------------------------------------------------------------


def test_the_shadow_price_in_words():
    words = more_money_words({"per_100m_vnd": {"hiep_luc": 0.8, "c2": 0.0}}, {"hiep_luc": "Hiệp Lực"})
    assert words["hiep_luc"] == [(
        "100 million VND more for Hiệp Lực: about 0.8 more expected sustained exits",
        "100 triệu đồng nữa cho Hiệp Lực: thêm khoảng 0,8 hộ thoát nghèo bền vững",
    )]
    assert "would buy no more exits" in words["c2"][0][0]


def test_the_shadow_price_is_the_budget_dual():
    # four households, each 0.5 exits for 20 million VND, 30 million VND: the LP funds 1.5 of
    # them, so 100 million more would buy 2.5 exits at the margin
    h = pd.DataFrame([household(f"h{i}") for i in range(1, 5)])
    communes = pd.DataFrame([{"commune_id": "c1", "budget_vnd": 30_000_000}])
    projects = pd.DataFrame([{"project_id": "p1", "commune_id": "c1", "cost_vnd": 20_000_000, "slots": 10,
                              "cooperative_id": ""}])
    gains = pd.DataFrame({"household_id": ["h1", "h2", "h3", "h4"], "project_id": "p1",
                          "gain": 0.5, "cost_vnd": 20_000_000})
    r = run_strategy("optimal", h, projects, None, communes, gains, Settings())
    assert r.details["shadow_prices"]["budget_per_100m_vnd"]["c1"] == pytest.approx(2.5)


def _target_case(tmp_path, *, slots: int, budget: int):
    """Five poor households; each exits for sure with project p1 (20 million VND) and never
    without; the target is 3 exits. Meeting it with 80% probability takes 3 places: 60 million."""
    t = tiny_tables()
    t["communes"].loc[0, ["budget_vnd", "target_poor"]] = [budget, 2]
    t["projects"] = t["projects"].iloc[[0]].assign(slots=slots)
    sc = read_scenario(write_tables(tmp_path / f"t{slots}", t))
    ids = sc.households["household_id"]
    gains = pd.DataFrame({"household_id": ids, "project_id": "p1", "gain": 1.0, "cost_vnd": 20_000_000,
                          "p_exit_base": 0.0, "p_exit_with": 1.0})
    r = run_strategy("optimal", sc.households, sc.projects, sc.cooperatives, sc.communes, gains, sc.settings)
    chosen = set(r.assignment["household_id"])
    allocation = pd.DataFrame({"household_id": ids, "commune_id": "c1", "status": "poor",
                               "project_id": ["p1" if h in chosen else "" for h in ids],
                               "cooperative_id": "", "p_exit_base": 0.0})
    summary = pd.DataFrame([{"commune_id": "c1", "budget_vnd": budget, "target_exits": 3,
                             "p_target_met": 1.0 if len(chosen) >= 3 else 0.0}])
    return sc, gains, allocation, summary


def test_the_budget_that_meets_the_target_is_found(tmp_path):
    sc, gains, allocation, summary = _target_case(tmp_path, slots=10, budget=20_000_000)
    out = budgets_for_targets(sc, gains, allocation, summary, sc.settings)
    (c,) = out["communes"]
    assert c["status"] == "needed"
    assert c["needed_vnd"] == 60_000_000
    assert c["chance_needed"] == pytest.approx(1.0)
    words = more_money_words({"target": out}, {"c1": "Phong Quang"})["c1"][0]
    assert words[0].startswith("Phong Quang: about 60 million VND (now 20 million) would meet the target of 3")
    assert words[1].startswith("Phong Quang: khoảng 60 triệu đồng (hiện 20 triệu)")


def test_no_budget_meets_the_target_when_places_run_out(tmp_path):
    sc, gains, allocation, summary = _target_case(tmp_path, slots=2, budget=20_000_000)
    out = budgets_for_targets(sc, gains, allocation, summary, sc.settings)
    (c,) = out["communes"]
    assert c["status"] == "never"
    assert c["why"]["left_out"] == {"slots": 3} and c["why"]["no_project"] == 0
    assert c["spent_at_top_vnd"] == 40_000_000
    en = more_money_words({"target": out}, {"c1": "Phong Quang"})["c1"][0][0]
    assert "no budget can meet the target of 3" in en and "places are taken" in en


def test_the_search_says_when_it_was_cut_short(tmp_path):
    sc, gains, allocation, summary = _target_case(tmp_path, slots=10, budget=20_000_000)
    out = budgets_for_targets(sc, gains, allocation, summary, sc.settings, seconds=0.0)
    (c,) = out["communes"]
    assert c["status"] == "cut_short" and c["low_vnd"] == 20_000_000 and c["high_vnd"] >= 60_000_000
    en = more_money_words({"target": out}, {"c1": "Phong Quang"})["c1"][0][0]
    assert "cut short by its time limit" in en


def test_a_target_already_met_says_so(tmp_path):
    sc, gains, allocation, summary = _target_case(tmp_path, slots=10, budget=60_000_000)
    out = budgets_for_targets(sc, gains, allocation, summary, sc.settings)
    assert out["communes"][0]["status"] == "already"


@pytest.mark.slow
def test_the_plan_reports_what_more_money_buys(tiny, tmp_path):
    out = tmp_path / "p"
    r = cli("plan", tiny, "--out", out, "-q")
    assert r.exit_code == 0, r.output
    import json

    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    more = meta["more_money"]
    assert set(more["per_100m_vnd"]) == {"c1"}
    assert more["target"]["communes"][0]["commune_id"] == "c1"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="more-money"' in html and "100 triệu đồng nữa cho Phong Quang" in html
    from openpyxl import load_workbook

    ws = load_workbook(out / "beneficiaries.xlsx").worksheets[0]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(c.startswith("100 triệu đồng nữa cho Phong Quang") for c in cells)
    assert not np.isnan(more["per_100m_vnd"]["c1"])


@pytest.mark.slow
def test_a_sweep_on_dask_gives_the_rows_of_this_machine(tmp_path):
    pytest.importorskip("distributed")
    from targeting.engine import DaskEngine

    sc = read_scenario(_mixed(tmp_path))
    sweep = Sweep("min_ethnic_minority_share", (0.0, 0.5, 0.9))
    local = compare_strategies(sc, ["optimal", "greedy"], curve=False, sweep=sweep).sweep
    with DaskEngine(n_workers=2) as eng:
        spread = compare_strategies(sc, ["optimal", "greedy"], curve=False, sweep=sweep, engine=eng).sweep
    cols = ["sweep_value", "strategy", "status", "supported", "spent_vnd", "objective"]
    pd.testing.assert_frame_equal(local[cols], spread[cols])
