"""The main job end to end: the plan folder, atomicity, reproducibility, inputs untouched."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from targeting import synth
from targeting.data import read_scenario
from targeting.plan import ALLOCATION_COLUMNS, make_plan, write_plan

from .support import cli, digest, tiny_tables, write_tables


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("w") / "world"
    synth.write_world(synth.make_world(seed=11, communes=2, households=260, history_factor=4), folder)
    return folder


@pytest.mark.slow
def test_plan_folder(world, tmp_path):
    before = digest(world)
    out = tmp_path / "plan"
    r = cli("plan", world, "--out", out, "--time-limit", "20")
    assert r.exit_code == 0, r.output
    assert digest(world) == before  # inputs never modified
    assert {p.name for p in out.iterdir()} == {"allocation.csv", "summary.csv", "plan.json",
                                               "beneficiaries.xlsx", "report.html"}
    sc = read_scenario(world)
    a = pd.read_csv(out / "allocation.csv", keep_default_na=False)
    assert list(a.columns[: len(ALLOCATION_COLUMNS)]) == ALLOCATION_COLUMNS
    assert sorted(a["household_id"]) == sorted(sc.households["household_id"])
    sup = a[a["project_id"] != ""]
    # budgets and slots respected
    spent = sup.groupby("commune_id")["cost_vnd"].apply(lambda s: s.astype(int).sum())
    budget = sc.communes.set_index("commune_id")["budget_vnd"]
    assert (spent <= budget.reindex(spent.index)).all()
    slots = sc.projects.set_index("project_id")["slots"]
    assert (sup["project_id"].value_counts() <= slots.reindex(sup["project_id"].value_counts().index)).all()
    # probabilities and gains consistent
    pb = sup["p_exit_base"].astype(float)
    pp = sup["p_exit_plan"].astype(float)
    assert np.allclose(pp - pb, sup["gain"].astype(float))
    # priorities 1..n per commune
    for _, g in a.groupby("commune_id"):
        assert sorted(g["priority"]) == list(range(1, len(g) + 1))
    assert (a["reasons_vi"].str.len() > 10).all() and (a["reasons_en"].str.len() > 10).all()
    meta = json.loads((out / "plan.json").read_text())
    for k in ("strategy", "status", "objective", "bound", "gap", "solve_seconds", "inputs", "model",
              "settings", "version"):
        assert k in meta
    assert meta["status"] in ("optimal", "feasible", "timeout")
    assert meta["bound"] >= meta["objective"] - 1e-6
    assert set(meta["inputs"]) >= {"households.csv", "history.csv", "projects.csv"}
    assert meta["inputs"]["households.csv"] == before["households.csv"]
    assert "HIEP" not in json.dumps(meta) and "PHONG_QUANG-0" not in json.dumps(meta)  # no household ids
    s = pd.read_csv(out / "summary.csv")
    assert list(s.columns[:11]) == ["commune_id", "budget_vnd", "spent_vnd", "supported", "expected_exits",
                                    "exits_p10", "exits_p90", "target_exits", "p_target_met",
                                    "poverty_rate_before", "poverty_rate_after"]
    assert (s["exits_p10"] <= s["expected_exits"]).all() and (s["expected_exits"] <= s["exits_p90"]).all()


@pytest.mark.slow
def test_plan_reproducible_byte_identical(world, tmp_path):
    for name in ("a", "b"):
        assert cli("allocate", world, "--out", tmp_path / name, "--strategy", "greedy").exit_code == 0
    assert (tmp_path / "a" / "allocation.csv").read_bytes() == (tmp_path / "b" / "allocation.csv").read_bytes()


@pytest.mark.slow
def test_failed_write_leaves_nothing(world, tmp_path, monkeypatch):
    sc = read_scenario(world)
    p = make_plan(sc, strategy="greedy")
    import targeting.plan

    def boom(*a, **k):
        raise RuntimeError("disk full")

    # the report is the last file written: fail there, after the others are in the temporary folder
    monkeypatch.setattr(targeting.plan, "write_report", boom)
    out = tmp_path / "plan"
    with pytest.raises(RuntimeError):
        write_plan(p, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    # an existing folder replaced with force survives a failed write intact
    out.mkdir()
    (out / "old.txt").write_text("keep")
    with pytest.raises(RuntimeError):
        write_plan(p, out, force=True)
    assert (out / "old.txt").read_text() == "keep"
    assert [x.name for x in tmp_path.iterdir()] == ["plan"]


def test_gains_csv_replaces_model(tmp_path):
    t = tiny_tables()
    t["gains"] = pd.DataFrame({"household_id": ["h1", "h2", "h3", "h4"], "project_id": ["p1", "p1", "p2", "p2"],
                               "gain": [3, 1, 2, 5], "cost_vnd": ["", "", "", "10000000"]})
    folder = write_tables(tmp_path / "g", t)
    out = tmp_path / "plan"
    r = cli("plan", folder, "--out", out)
    assert r.exit_code == 0, r.output
    a = pd.read_csv(out / "allocation.csv", keep_default_na=False).set_index("household_id")
    # budget 50M: h4 (gain 5, 10M) + h1 (3, 20M) + h3 (2, 25M) is over budget; best is h4 + h1 (+ h2? 20M more: 50M)
    assert a.loc["h4", "project_id"] == "p2" and a.loc["h1", "project_id"] == "p1" and a.loc["h2", "project_id"] == "p1"
    assert a.loc["h5", "project_id"] == ""
    meta = json.loads((out / "plan.json").read_text())
    assert meta["objective"] == 9 and meta["status"] == "optimal"
    assert meta["model"]["source"] == "gains.csv"


@pytest.mark.slow
def test_compare(world, tmp_path):
    out = tmp_path / "cmp"
    r = cli("compare", world, "--out", out, "--strategies", "optimal,greedy,lottery", "--time-limit", "10",
            "--no-curve")
    assert r.exit_code == 0, r.output
    c = pd.read_csv(out / "comparison.csv")
    assert list(c["strategy"]) == ["optimal", "greedy", "lottery"]
    for col in ("supported", "spent_vnd", "expected_exits", "exits_p10", "exits_p90", "exits_per_billion_vnd",
                "share_ethnic_minority", "share_female_head", "share_poor", "communes_meeting_target"):
        assert col in c.columns
    by = c.set_index("strategy")
    assert by.loc["optimal", "added_exits"] >= by.loc["greedy", "added_exits"] - 1e-6
    assert by.loc["optimal", "added_exits"] >= by.loc["lottery", "added_exits"] - 1e-6
    assert (out / "report.html").exists() and (out / "greedy" / "allocation.csv").exists()
    assert "Strategies compared" in r.output


@pytest.mark.slow
def test_bundled_model_is_what_training_on_the_sample_gives():
    """plan reuses the bundled model for the sample's history; it must be that very model."""
    from targeting.config import bundled_model, bundled_sample
    from targeting.plan import _bundled_model_for
    from targeting.scoring import load_model, train_model

    sc = read_scenario(bundled_sample())
    assert _bundled_model_for(sc.history, sc.households, sc.settings.seed) == bundled_model()
    fresh = train_model(sc.history, seed=sc.settings.seed, households=sc.households)
    bundled = load_model(bundled_model())
    a = fresh.predict_proba_all(sc.households)
    b = bundled.predict_proba_all(sc.households)
    assert np.allclose(a.to_numpy(), b.to_numpy(), atol=1e-12)


@pytest.mark.slow
def test_each_overlap_warning_is_given_once(tmp_path):
    """Few past examples of a kind: the operator is told once, not once per step."""
    import warnings

    from targeting.plan import resolve_model, scenario_gains

    folder = tmp_path / "w"
    synth.write_world(synth.make_world(seed=11, communes=2, households=260, history_factor=2), folder)
    sc = read_scenario(folder)
    model, _ = resolve_model(sc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario_gains(sc, model)
    messages = [str(w.message) for w in caught]
    assert any("value_chain" in m for m in messages)  # 13 examples: it must warn
    assert len(messages) == len(set(messages))
