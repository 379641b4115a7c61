"""The village meeting decides: decisions.csv / --decisions are honoured, the rest stays optimal."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from targeting.allocation.instance import build_instance
from targeting.allocation.solve import solve_optimal
from targeting.config import Settings
from targeting.data import read_scenario
from targeting.data.decisions import decision_pairs, read_decisions
from targeting.errors import PolicyConflictError, ScenarioError
from targeting.plan import make_plan
from targeting.synth.instances import tables

from .support import BruteForce, cli, solve_tables, tiny_tables, write_tables

EXACT = Settings(relative_gap=0.0)


# --------------------------------------------------------------------------------------------
# The optimizer: forced pairs in, removed pairs out, the rest optimal
# --------------------------------------------------------------------------------------------


def _pairs(rows):
    return pd.DataFrame(rows, columns=["household_id", "project_id"])


def _brute_force(t, forced, removed, settings=EXACT) -> float:
    """The best objective over every plan that holds ``forced`` and avoids ``removed``."""
    return BruteForce(t, settings).best(forced.astype(str).to_numpy(), removed.astype(str).to_numpy())


def _random_tables(seed: int):
    rng = np.random.default_rng(seed)
    hh = [{"household_id": f"h{i}", "ethnic_minority": int(rng.integers(0, 2))} for i in range(6)]
    projects = [
        {"project_id": "p1", "slots": 2, "cost_vnd": 10},
        {"project_id": "p2", "slots": 3, "cost_vnd": 15, "min_group": 2, "cooperative_id": "k1"},
        {"project_id": "p3", "slots": 2, "cost_vnd": 5},
    ]
    pairs = [(h["household_id"], p["project_id"], round(float(rng.uniform(-0.2, 1.0)), 3))
             for h in hh for p in projects if rng.random() < 0.8]
    coops = [{"cooperative_id": "k1", "name": "k", "sector": "tea", "capacity": 3, "min_households": 2}]
    return tables(hh, projects, pairs, {"c1": 50}, cooperatives=coops)


@pytest.mark.parametrize("seed", range(6))
def test_decided_plan_is_the_best_plan_that_honours_the_decisions(seed):
    t = _random_tables(seed)
    g = t["gains"]
    rng = np.random.default_rng(100 + seed)
    rows = g.sample(frac=1.0, random_state=seed).drop_duplicates("household_id")
    forced = _pairs(rows[["household_id", "project_id"]].iloc[:1].to_numpy())
    rest = g[~g["household_id"].isin(forced["household_id"])]
    removed = _pairs(rest[["household_id", "project_id"]].iloc[rng.integers(0, len(rest), 2)].to_numpy())
    best = _brute_force(t, forced, removed)
    if best == -np.inf:  # these decisions cannot all be met: exit 3
        with pytest.raises(PolicyConflictError):
            solve_tables("optimal", t, EXACT, forced=forced, removed=removed)
        return
    r = solve_tables("optimal", t, EXACT, forced=forced, removed=removed)
    got = set(map(tuple, r.assignment[["household_id", "project_id"]].to_numpy()))
    assert set(map(tuple, forced.to_numpy())) <= got
    assert not got & set(map(tuple, removed.to_numpy()))
    assert r.objective == pytest.approx(best, abs=1e-9)
    # without decisions: the brute-force optimum of the same tables, never below the decided one
    free = solve_tables("optimal", t, EXACT)
    assert free.objective == pytest.approx(_brute_force(t, _pairs([]), _pairs([])), abs=1e-9)
    assert free.objective >= r.objective - 1e-9


def _two_communes():
    hh = [{"household_id": f"a{i}", "commune_id": "c1"} for i in range(5)]
    hh += [{"household_id": f"b{i}", "commune_id": "c2"} for i in range(5)]
    projects = [{"project_id": "pa", "commune_id": "c1", "slots": 3, "cost_vnd": 10},
                {"project_id": "pb", "commune_id": "c2", "slots": 2, "cost_vnd": 10, "min_group": 2}]
    gains = [(h["household_id"], "pa" if h["commune_id"] == "c1" else "pb", 1.0 + i / 10)
             for i, h in enumerate(hh)]
    return tables(hh, projects, gains, {"c1": 30, "c2": 30})


def test_component_split_with_decisions_equals_whole_model():
    t = _two_communes()
    forced = _pairs([("a0", "pa"), ("b0", "pb")])
    removed = _pairs([("a4", "pa")])
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"], t["gains"],
                          EXACT, forced=forced, removed=removed)
    whole = solve_optimal(inst, EXACT, decompose=False)
    split = solve_optimal(inst, EXACT, decompose=True)
    key = ["household_id", "project_id"]
    assert whole.objective == pytest.approx(split.objective)
    assert sorted(map(tuple, whole.assignment[key].to_numpy())) == \
        sorted(map(tuple, split.assignment[key].to_numpy()))
    assert {"a0", "b0"} <= set(whole.assignment["household_id"]) and "a4" not in set(whole.assignment["household_id"])
    # a0 (lowest gain) is in: the best of the rest fill the other two places of pa
    assert set(whole.assignment["household_id"]) == {"a0", "a2", "a3", "b0", "b4"}


@pytest.mark.parametrize("backend", ["highs", "cpsat", "scip", "auto"])
def test_every_backend_fixes_the_assigned_pairs(backend):
    t = _two_communes()
    forced = _pairs([("a0", "pa")])
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"], t["gains"],
                          EXACT, forced=forced)
    r = solve_optimal(inst, EXACT, backend=backend, decompose=False)
    assert "a0" in set(r.assignment["household_id"])
    assert r.objective == pytest.approx(_brute_force(t, forced, _pairs([])))


def test_decided_plan_by_commune_holds_the_assigned_pairs():
    t = _two_communes()
    forced = _pairs([("a0", "pa"), ("b0", "pb")])
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"], t["gains"],
                          EXACT, forced=forced)
    r = solve_optimal(inst, EXACT, decompose="communes")
    assert {"a0", "b0"} <= set(r.assignment["household_id"])


@pytest.mark.parametrize("strategy", ["greedy", "capacity", "poorest", "lottery"])
def test_baselines_take_assigned_pairs_first_and_drop_removed(strategy):
    t = _two_communes()
    forced = _pairs([("a0", "pa"), ("b1", "pb")])
    removed = _pairs([("a4", "pa"), ("b4", "pb")])
    r = solve_tables(strategy, t, forced=forced, removed=removed)
    got = set(r.assignment["household_id"])
    assert {"a0", "b1"} <= got and not {"a4", "b4"} & got
    assert r.status == "feasible"


@pytest.mark.parametrize("forced, removed, names", [
    ([("a0", "pa"), ("a1", "pa"), ("a2", "pa"), ("a3", "pa")], [], ["slots[pa]"]),
    ([("b0", "pb")], [("b1", "pb"), ("b2", "pb"), ("b3", "pb"), ("b4", "pb")], ["min_group[pb]"]),
])
def test_decisions_that_break_a_constraint_are_a_policy_conflict(forced, removed, names):
    t = _two_communes()
    t["communes"]["budget_vnd"] = 1000  # only the slots or the group minimum can be the reason
    with pytest.raises(PolicyConflictError) as e:
        solve_tables("optimal", t, EXACT, forced=_pairs(forced), removed=_pairs(removed))
    msg = str(e.value)
    assert all(n in msg for n in names), msg
    assert f"assign {forced[0][0]} to {forced[0][1]}" in msg
    with pytest.raises(PolicyConflictError):  # the baselines too
        solve_tables("greedy", t, forced=_pairs(forced), removed=_pairs(removed))


def test_budget_conflict_names_the_budget():
    t = _two_communes()
    t["communes"].loc[t["communes"]["commune_id"] == "c1", "budget_vnd"] = 15
    with pytest.raises(PolicyConflictError, match=r"budget\[c1\].*20 of 15"):
        solve_tables("optimal", t, EXACT, forced=_pairs([("a0", "pa"), ("a1", "pa")]))


# --------------------------------------------------------------------------------------------
# Decisions as pairs
# --------------------------------------------------------------------------------------------


def test_decision_pairs_expand_declines_by_project_kind_and_all():
    t = tiny_tables()
    d = pd.DataFrame({"household_id": ["h1", "h2", "h3", "h4"],
                      "decision": ["assign", "decline", "decline", "exclude"],
                      "project_id": ["p1", "", "", ""], "kind": [None, "value_chain", None, None],
                      "note": ["", "", "", ""]})
    pairs = decision_pairs(d, t["projects"])
    assert pairs.forced.values.tolist() == [["h1", "p1"]]
    removed = sorted(map(tuple, pairs.removed.to_numpy()))
    assert removed == [("h2", "p2"), ("h3", "p1"), ("h3", "p2"), ("h4", "p1"), ("h4", "p2")]


# --------------------------------------------------------------------------------------------
# Through the files and the command line
# --------------------------------------------------------------------------------------------


GAINS = pd.DataFrame({"household_id": [f"h{i}" for i in range(1, 6) for _ in (1, 2)],
                      "project_id": ["p1", "p2"] * 5,
                      "gain": [0.30, 0.20, 0.25, 0.35, 0.10, 0.15, 0.05, 0.40, 0.20, 0.22]})


def _scenario(tmp_path, decisions: str | None = None, name: str = "s"):
    t = tiny_tables()
    t["gains"] = GAINS
    folder = write_tables(tmp_path / name, t, toml="[solver]\nrelative_gap = 0.0\n")
    if decisions is not None:
        (folder / "decisions.csv").write_text(decisions, encoding="utf-8")
    return folder


HEADER = "household_id,decision,project_id,kind,note\n"


def test_plan_honours_decisions_csv_and_prices_them(tmp_path):
    base = _scenario(tmp_path, name="base")
    r = cli("allocate", base, "--out", tmp_path / "free")
    assert r.exit_code == 0, r.output
    free = json.loads((tmp_path / "free" / "plan.json").read_text())
    free_alloc = pd.read_csv(tmp_path / "free" / "allocation.csv", keep_default_na=False)
    assert "decisions" not in free and "decision" not in free_alloc.columns
    # h3 is assigned the tea project it gains least from; h4 is excluded; h1 declines livestock
    folder = _scenario(tmp_path, HEADER + "h3,assign,p1,,họp thôn 12/3\nh4,exclude,,,đã có việc làm\n"
                                           "h1,decline,,livestock,\n")
    r = cli("allocate", folder, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "decisions: 1 assign, 1 exclude, 1 decline" in r.output
    meta = json.loads((tmp_path / "out" / "plan.json").read_text())
    a = pd.read_csv(tmp_path / "out" / "allocation.csv", keep_default_na=False).set_index("household_id")
    assert a.loc["h3", "project_id"] == "p1" and a.loc["h3", "decision"] == "assign"
    assert a.loc["h3", "decision_note"] == "họp thôn 12/3"
    assert a.loc["h3", "reasons_vi"].startswith("hỗ trợ theo quyết định của cuộc họp thôn; được hỗ trợ:")
    assert a.loc["h3", "reasons_en"].startswith("the village meeting decided this support; supported:")
    assert not a.loc[a["decision"] != "assign", "reasons_en"].str.contains("decided this support").any()
    assert a.loc["h4", "project_id"] == "" and a.loc["h4", "reason_key"] == "meeting"
    assert "quyết định của cuộc họp" in a.loc["h4", "reasons_vi"]
    assert a.loc["h1", "project_id"] != "p1"
    assert list(a.columns[list(a.columns).index("priority") + 1:][:2]) == ["decision", "decision_note"]
    d = meta["decisions"]
    assert (d["assign"], d["exclude"], d["decline"]) == (1, 1, 1)
    assert d["objective_without"] == pytest.approx(free["objective"])
    assert d["exits_cost"] == pytest.approx(free["objective"] - meta["objective"])
    assert d["exits_cost"] > 0


def test_decisions_csv_plan_is_the_best_plan_that_honours_them(tmp_path):
    folder = _scenario(tmp_path, HEADER + "h3,assign,p1,,họp thôn 12/3\nh4,exclude,,,đã có việc làm\n"
                                           "h1,decline,,livestock,\n")
    sc = read_scenario(folder)
    assert len(sc.decisions) == 3
    meta = make_plan(sc).meta
    gains = GAINS.assign(cost_vnd=GAINS["project_id"].map({"p1": 20_000_000, "p2": 25_000_000}))
    forced = _pairs([("h3", "p1")])
    removed = _pairs([("h4", "p1"), ("h4", "p2"), ("h1", "p1")])
    t = {"households": sc.households, "projects": sc.projects, "cooperatives": sc.cooperatives,
         "communes": sc.communes, "gains": gains}
    assert meta["objective"] == pytest.approx(_brute_force(t, forced, removed))
    assert meta["decisions"]["objective_without"] == pytest.approx(_brute_force(t, _pairs([]), _pairs([])))


def test_declined_household_is_unsupported_because_it_declined(tmp_path):
    folder = _scenario(tmp_path, HEADER + "h4,decline,,,không muốn\n")
    r = cli("allocate", folder, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    a = pd.read_csv(tmp_path / "out" / "allocation.csv", keep_default_na=False).set_index("household_id")
    assert a.loc["h4", "reason_key"] == "declined" and "hộ từ chối" in a.loc["h4", "reasons_vi"]
    assert a.loc["h4", "decision_note"] == "không muốn"


def test_decisions_option_reads_the_file_instead(tmp_path):
    folder = _scenario(tmp_path, HEADER + "h4,exclude,,,\n")
    other = tmp_path / "meeting.csv"
    other.write_text(HEADER + "h5,assign,p1,,\n", encoding="utf-8")
    r = cli("allocate", folder, "--out", tmp_path / "out", "--decisions", other)
    assert r.exit_code == 0, r.output
    a = pd.read_csv(tmp_path / "out" / "allocation.csv", keep_default_na=False).set_index("household_id")
    assert a.loc["h5", "project_id"] == "p1" and a.loc["h4", "decision"] == ""
    d = read_decisions(other, read_scenario(folder).households, read_scenario(folder).projects)
    assert d["decision"].tolist() == ["assign"]


@pytest.mark.parametrize("rows, where", [
    ("h9,assign,p1,,\n", ["decisions.csv row 2, column household_id", "'h9'"]),
    ("h1,assign,p9,,\n", ["decisions.csv row 2, column project_id", "'p9'"]),
    ("h1,maybe,p1,,\n", ["decisions.csv row 2, column decision", "'maybe'"]),
    ("h1,assign,,,\n", ["decisions.csv row 2, column project_id", "must name the project"]),
    ("h1,decline,,fishing,\n", ["decisions.csv row 2, column kind", "'fishing'"]),
    ("h1,exclude,,,\nh1,exclude,,,\n", ["decisions.csv row 3, column decision", "row 2"]),
    ("h1,assign,p1,,\nh1,exclude,,,\n", ["decisions.csv row 3, column decision", "contradictory"]),
    ("h1,assign,p1,,\nh1,assign,p2,,\n", ["decisions.csv row 3, column decision", "contradictory"]),
    ("h1,assign,p1,,\nh1,decline,,livestock,\n", ["decisions.csv row 3, column decision", "row 2"]),
])
def test_bad_decisions_are_exit_2_naming_file_row_column_value(tmp_path, rows, where):
    folder = _scenario(tmp_path, HEADER + rows)
    r = cli("plan", folder, "--out", tmp_path / "out")
    assert r.exit_code == 2, r.output
    assert all(w in r.output for w in where), r.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(ScenarioError):
        read_scenario(folder)


def test_assign_against_a_programme_rule_is_exit_2_naming_household_project_rule(tmp_path):
    t = tiny_tables()
    t["households"].loc[0, "land_m2"] = 100.0  # h1: too little land for the tea project (500 m2)
    t["gains"] = GAINS[~((GAINS["household_id"] == "h1") & (GAINS["project_id"] == "p2"))]
    folder = write_tables(tmp_path / "s", t)
    other = tmp_path / "meeting.csv"
    other.write_text(HEADER + "h1,assign,p2,,\n", encoding="utf-8")
    r = cli("allocate", folder, "--out", tmp_path / "out", "--decisions", other)
    assert r.exit_code == 2, r.output
    assert "meeting.csv row 2, column project_id" in r.output
    assert "household h1 may not join project p2" in r.output and "'land'" in r.output


def test_decisions_breaking_a_constraint_are_exit_3(tmp_path):
    # p1 has 2 slots: three households assigned to it
    folder = _scenario(tmp_path, HEADER + "h1,assign,p1,,\nh2,assign,p1,,\nh3,assign,p1,,\n")
    r = cli("plan", folder, "--out", tmp_path / "out")
    assert r.exit_code == 3, r.output
    assert "assign h1 to p1" in r.output and "assign h3 to p1" in r.output
    assert "slots[p1]" in r.output or "budget[c1]" in r.output
    assert not (tmp_path / "out").exists()


def test_quota_counts_assigned_households_and_stays_optimal():
    t = _random_tables(3)
    quota = Settings(relative_gap=0.0, min_ethnic_minority_share=0.5)
    h = t["households"].set_index("household_id")["ethnic_minority"]
    g = t["gains"]
    minority = g[g["household_id"].map(h) == 1]
    forced = _pairs(minority[["household_id", "project_id"]].iloc[:1].to_numpy())
    r = solve_tables("optimal", t, quota, forced=forced)
    assert r.objective == pytest.approx(_brute_force(t, forced, _pairs([]), quota), abs=1e-9)
    assert tuple(forced.iloc[0]) in set(map(tuple, r.assignment[["household_id", "project_id"]].to_numpy()))


def test_assigning_only_majority_households_against_a_quota_is_a_conflict():
    hh = [{"household_id": f"h{i}", "ethnic_minority": 0} for i in range(3)]
    t = tables(hh, [{"project_id": "p1", "slots": 5}], [(f"h{i}", "p1", 1.0) for i in range(3)],
               {"c1": 100})
    with pytest.raises(PolicyConflictError, match=r"quota_ethnic_minority\[c1\]"):
        solve_tables("optimal", t, Settings(min_ethnic_minority_share=0.5), forced=_pairs([("h0", "p1")]))


def test_plan_with_decisions_writes_every_file_and_records_the_file(tmp_path):
    folder = _scenario(tmp_path)
    other = tmp_path / "meeting.csv"
    other.write_text(HEADER + "h5,assign,p1,,\n", encoding="utf-8")
    r = cli("plan", folder, "--out", tmp_path / "out", "--decisions", other, "-q")
    assert r.exit_code == 0, r.output
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"allocation.csv", "plan.json", "beneficiaries.xlsx", "report.html"} <= names
    meta = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert list(meta["decisions"]["file"]) == ["meeting.csv"]


def test_a_baseline_helped_by_the_decisions_reports_no_cost_and_says_why(tmp_path):
    t = tiny_tables()
    # greedy takes h1 and h2 on p1 (best gain per VND) and has no money left for h3 on p2
    t["gains"] = pd.DataFrame({"household_id": ["h1", "h2", "h3"], "project_id": ["p1", "p1", "p2"],
                               "gain": [0.30, 0.29, 0.35]})
    folder = write_tables(tmp_path / "s", t)
    (folder / "decisions.csv").write_text(HEADER + "h3,assign,p2,,\n", encoding="utf-8")
    r = cli("allocate", folder, "--out", tmp_path / "out", "--strategy", "greedy")
    assert r.exit_code == 0, r.output
    d = json.loads((tmp_path / "out" / "plan.json").read_text())["decisions"]
    assert d["objective_without"] == pytest.approx(0.59)
    assert d["exits_cost"] == 0.0 and "greedy baseline is not optimal" in d["note"]


def test_a_baseline_that_cannot_keep_an_assigned_pair_says_so():
    # the quota defers the assigned majority household h0; the two minority households then take
    # the whole budget in greedy order: the plan says it broke the decision
    hh = [{"household_id": "h0", "ethnic_minority": 0}, {"household_id": "h1", "ethnic_minority": 1},
          {"household_id": "h2", "ethnic_minority": 1}]
    t = tables(hh, [{"project_id": "p1", "slots": 5}], [("h0", "p1", 0.1), ("h1", "p1", 1.0),
                                                       ("h2", "p1", 0.9)], {"c1": 20})
    quota = Settings(min_ethnic_minority_share=0.5)
    forced = _pairs([("h0", "p1")])
    r = solve_tables("greedy", t, quota, forced=forced)
    assert r.status == "infeasible"
    assert any(v.startswith("decision[h0,p1]") for v in r.details["violations"])
    best = solve_tables("optimal", t, quota, forced=forced)  # the optimizer keeps it
    assert set(best.assignment["household_id"]) == {"h0", "h1"}


def test_an_empty_decisions_file_changes_no_assignment(tmp_path):
    base = _scenario(tmp_path, name="base")
    folder = _scenario(tmp_path, HEADER)
    assert cli("allocate", base, "--out", tmp_path / "a").exit_code == 0
    r = cli("allocate", folder, "--out", tmp_path / "b")
    assert r.exit_code == 0, r.output
    a = pd.read_csv(tmp_path / "a" / "allocation.csv", keep_default_na=False)
    b = pd.read_csv(tmp_path / "b" / "allocation.csv", keep_default_na=False)
    assert b["project_id"].tolist() == a["project_id"].tolist() and set(b["decision"]) == {""}
    d = json.loads((tmp_path / "b" / "plan.json").read_text())["decisions"]
    assert (d["assign"], d["exclude"], d["decline"], d["exits_cost"]) == (0, 0, 0, 0.0)
