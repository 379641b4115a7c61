"""The register as communes record it: income scores, causes of poverty, and what households asked for."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from targeting.config import CAUSES
from targeting.data import read_scenario
from targeting.data.eligibility import eligible_pairs, ineligibility_reasons
from targeting.errors import OverlapWarning
from targeting.plan import make_plan
from targeting.scoring import train_model
from targeting.scoring.interpret import phrase
from targeting.synth.heldout import make_history

from .support import DEPS, cli, household, tiny_tables, write_tables

DEPS_2027 = [d for d in DEPS if d != "dep_info_access"] + ["dep_waste"]
LINES_2027 = "[plan]\nyear = 2027\n\n[standard]\nscore_line_rural = 190\nscore_line_urban = 230\n"


def scored_register(scores: list[int], urban: int, standard: str = "vn-2022-2025", n_deps: int = 3):
    """Tiny tables whose households have no status and no income: only an income score."""
    t = tiny_tables()
    deps = DEPS if standard == "vn-2022-2025" else DEPS_2027
    rows = []
    for i, s in enumerate(scores):
        r = household(f"h{i}", urban=urban, income_score=s, **{d: int(j < n_deps) for j, d in enumerate(deps)})
        del r["status"], r["income_vnd"]
        for d in set(DEPS) - set(deps):
            r.pop(d, None)
        rows.append(r)
    t["households"] = pd.DataFrame(rows)
    return t


def statuses(tmp_path, t, toml=None) -> list[str]:
    sc = read_scenario(write_tables(tmp_path / "sc", t, toml))
    return list(sc.households["status"])


@pytest.mark.parametrize("urban, line", [(0, 140), (1, 175)])
def test_score_lines_2022_2025(tmp_path, urban, line):
    got = statuses(tmp_path, scored_register([line - 1, line, line + 1], urban))
    assert got == ["poor", "poor", "non_poor"]  # at the line is under it
    # fewer than 3 deprivations: near-poor under the line
    got = statuses(tmp_path / "b", scored_register([line - 1, line, line + 1], urban, n_deps=2))
    assert got == ["near_poor", "near_poor", "non_poor"]


def test_the_2022_standard_lines_apply_through_2026(tmp_path):
    assert statuses(tmp_path, scored_register([140, 141], 0), "[plan]\nyear = 2026\n") == ["poor", "non_poor"]


@pytest.mark.parametrize("urban, line", [(0, 190), (1, 230)])
def test_score_lines_2027_2030_from_scenario_toml(tmp_path, urban, line):
    t = scored_register([line - 1, line, line + 1, 139, 176], urban, standard="vn-2027-2030")
    # the 2022-2025 lines (140, 175) do not apply: 176 is under a line of 190 or 230
    assert statuses(tmp_path, t, LINES_2027) == ["poor", "poor", "non_poor", "poor", "poor"]


def test_score_lines_missing_for_2027_is_exit_2(tmp_path):
    t = scored_register([150], 0, standard="vn-2027-2030")
    r = cli("validate", write_tables(tmp_path / "sc", t, "[plan]\nyear = 2027\n"))
    assert r.exit_code == 2
    assert "scenario.toml, column standard.score_line_rural" in r.output
    assert "scenario.toml, column standard.score_line_urban" in r.output
    assert "Traceback" not in r.output


def test_incomes_keep_their_line_and_mix_with_scores(tmp_path):
    t = scored_register([140, 141], 0)
    h = t["households"]
    h["income_vnd"] = [None, None]
    extra = pd.DataFrame([household("h8", income_vnd=1_500_000), household("h9", income_vnd=1_500_001)])
    t["households"] = pd.concat([h, extra.drop(columns="status")], ignore_index=True)
    assert statuses(tmp_path, t) == ["poor", "non_poor", "poor", "non_poor"]


def test_neither_income_nor_score_names_the_row(tmp_path):
    t = scored_register([120, 130, 125], 0)
    t["households"]["income_score"] = ["120", "", "125"]
    r = cli("validate", write_tables(tmp_path / "sc", t))
    assert r.exit_code == 2
    assert "households.csv row 3, column income_vnd:" in r.output
    assert "income_vnd or income_score" in r.output
    # with its status given the row needs no income test, and the others are still derived
    t["households"]["status"] = ["", "poor", ""]
    assert statuses(tmp_path / "sc2", t) == ["poor", "poor", "poor"]


def test_classify_command_by_score(tmp_path):
    t = scored_register([174, 175, 176], 1)
    t["households"].to_csv(tmp_path / "h.csv", index=False)
    r = cli("classify", tmp_path / "h.csv", "--out", tmp_path / "out.csv")
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out["status"]) == ["poor", "poor", "non_poor"]
    assert list(out["income_score_line"]) == [175, 175, 175]
    t27 = scored_register([229, 230, 231], 1, standard="vn-2027-2030")
    t27["households"].to_csv(tmp_path / "h27.csv", index=False)
    r = cli("classify", tmp_path / "h27.csv", "--standard", "vn-2027-2030", "--out", tmp_path / "o27.csv")
    assert r.exit_code == 2 and "--score-line-rural" in r.output and "--score-line-urban" in r.output
    r = cli("classify", tmp_path / "h27.csv", "--standard", "vn-2027-2030", "--score-line-rural", 190,
            "--score-line-urban", 230, "--out", tmp_path / "o27.csv")
    assert r.exit_code == 0, r.output
    assert list(pd.read_csv(tmp_path / "o27.csv")["status"]) == ["poor", "poor", "non_poor"]


def test_register_of_scores_only_plans(tmp_path):
    """No income_vnd column at all: the plan runs, and ``poorest`` goes by the score."""
    t = scored_register([100, 139, 90, 120, 110], 0)
    folder = write_tables(tmp_path / "sc", t)
    r = cli("plan", folder, "--out", tmp_path / "plan", "--strategy", "poorest")
    assert r.exit_code == 0, r.output
    a = pd.read_csv(tmp_path / "plan" / "allocation.csv", keep_default_na=False)
    supported = set(a.loc[a["project_id"] != "", "household_id"])
    # 50M budget: p1 (20M) twice at most, p2 25M: the two lowest scores (h2 90, h0 100) come first
    assert {"h2", "h0"} <= supported


def test_bad_wants_names_file_row_column_value(tmp_path):
    t = tiny_tables()
    t["households"]["wants"] = ["livestock", "livestock;vocational", "cows", "", "crop; value_chain"]
    r = cli("validate", write_tables(tmp_path / "sc", t))
    assert r.exit_code == 2
    assert "households.csv row 4, column wants:" in r.output and "'cows'" in r.output
    assert r.output.count("column wants") == 1


def test_bad_consent_setting(tmp_path):
    r = cli("validate", write_tables(tmp_path / "sc", tiny_tables(), '[policy]\nconsent = "maybe"\n'))
    assert r.exit_code == 2 and "policy.consent" in r.output
    # consent "wants" without the column
    r = cli("validate", write_tables(tmp_path / "sc2", tiny_tables(), '[policy]\nconsent = "wants"\n'))
    assert r.exit_code == 2 and "policy.consent" in r.output and "wants" in r.output


def consent_tables():
    t = tiny_tables()
    # every household could take either project; gains make value_chain the better buy for all
    t["households"]["wants"] = ["livestock", "value_chain", "", "livestock;value_chain", "crop"]
    t["communes"]["budget_vnd"] = 200_000_000
    pairs = [(f"h{i}", p, g) for i in range(1, 6) for p, g in (("p1", 0.10), ("p2", 0.30))]
    t["gains"] = pd.DataFrame(pairs, columns=["household_id", "project_id", "gain"])
    t["households"]["household_id"] = [f"h{i}" for i in range(1, 6)]
    return t


def test_consent_wants_versus_any(tmp_path):
    t = consent_tables()
    wants = dict(zip(t["households"]["household_id"], t["households"]["wants"], strict=True))
    any_plan = make_plan(read_scenario(write_tables(tmp_path / "any", t)), strategy="optimal")
    got_any = any_plan.allocation.set_index("household_id")["project_id"].to_dict()
    # shown, not enforced: h5 asked for crop (none is open) and still gets a project
    assert got_any["h5"] != ""
    sc = read_scenario(write_tables(tmp_path / "wants", t, '[policy]\nconsent = "wants"\n'))
    plan = make_plan(sc, strategy="optimal")
    a = plan.allocation.set_index("household_id")
    kind = {"p1": "livestock", "p2": "value_chain"}
    for hid, pid in a["project_id"].items():
        if pid:
            assert kind[pid] in wants[hid].split(";"), (hid, pid, wants[hid])
    assert a.loc["h1", "project_id"] == "p1" and a.loc["h2", "project_id"] == "p2"
    assert a.loc["h3", "project_id"] == "" and a.loc["h5", "project_id"] == ""
    assert a.loc["h3", "reason_key"] == "not_requested"
    assert "hộ không đăng ký loại hỗ trợ này" in a.loc["h3", "reasons_vi"]
    # the list shows what each household asked for
    assert "asked for: livestock" in a.loc["h1", "reasons_en"]
    assert "hộ không đăng ký hỗ trợ" in a.loc["h3", "reasons_vi"]
    assert plan.meta["settings"]["policy"]["consent"] == "wants"
    assert "consent" not in any_plan.meta["settings"]["policy"]


def test_consent_in_eligibility():
    h = pd.DataFrame([household("a", wants="crop"), household("b", wants=None), household("c", wants="livestock")])
    p = pd.DataFrame({"project_id": ["x", "y"], "commune_id": ["c1", "c1"], "kind": ["livestock", "crop"],
                      "village": ["", ""], "cooperative_id": ["", ""], "cost_vnd": [1, 1],
                      "requires_working_age": [0, 0], "min_land_m2": [np.nan, 5000.0], "eligible": ["any", "any"]})
    pairs = eligible_pairs(h, p, consent="wants")
    assert set(zip(pairs["household_id"], pairs["project_id"])) == {("c", "x")}
    assert len(eligible_pairs(h, p)) == 3  # consent "any": land rules only (2000 m2 < 5000)
    r = ineligibility_reasons(h, p, consent="wants")
    # a asked for crop, which needs more land than it has: the rule, not consent, shuts it out
    assert r["a"] == "not_enough_land" and r["b"] == "not_requested" and r["c"] is None


def test_wants_not_shown_without_the_column(tmp_path):
    plan = make_plan(read_scenario(write_tables(tmp_path / "sc", {**tiny_tables(), "gains": consent_tables()["gains"]})),
                     strategy="greedy")
    assert "wants" not in plan.allocation.columns
    assert not plan.allocation["reasons_en"].str.contains("asked for").any()


def test_cause_columns_are_flag_features_with_words(tmp_path):
    hist = make_history(800, seed=2)
    rng = np.random.default_rng(0)
    for c in CAUSES:
        hist[c] = rng.integers(0, 2, len(hist))
    hist["wants"] = rng.choice(["livestock", "crop;vocational", ""], len(hist))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(hist, seed=0, learner="s", cv=0)
    assert set(CAUSES) <= set(m.features_.numeric)
    assert "wants" not in m.features_.names  # consent is not a trait
    assert phrase("cause_land", 1, "en") == "lacks land"
    assert phrase("cause_land", 1, "vi") == "thiếu đất sản xuất"
    assert phrase("cause_illness", 1, "vi") == "ốm đau, tai nạn"
    assert phrase("cause_capital", 0, "vi") == "không thiếu vốn"
    assert phrase("income_score", 120.0, "vi") == "điểm thu nhập (điểm A) 120 điểm"
    # the history file is checked: a cause is 0/1, wants names kinds
    hist.loc[4, "cause_tools"] = 2
    hist.loc[6, "wants"] = "pigs"
    hist.to_csv(tmp_path / "bad.csv", index=False)
    r = cli("train", tmp_path / "bad.csv", "--out", tmp_path / "m2")
    assert r.exit_code == 2
    assert "bad.csv row 6, column cause_tools" in r.output and "bad.csv row 8, column wants" in r.output


def test_causes_accepted_in_households_and_used_by_a_model_trained_on_them(tmp_path):
    t = tiny_tables()
    for c in CAUSES:
        t["households"][c] = [1, 0, 1, 0, 1]
    hist = make_history(600, seed=3)
    rng = np.random.default_rng(1)
    keep = [c for c in hist.columns if c in t["households"].columns or c in ("intervention", "sustained_exit")]
    hist = hist[keep]
    for c in CAUSES:
        hist[c] = rng.integers(0, 2, len(hist))
    t["history"] = hist
    sc = read_scenario(write_tables(tmp_path / "sc", t))
    assert sc.households["cause_land"].tolist() == [1, 0, 1, 0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        m = train_model(sc.history, seed=0, learner="s", cv=0, households=sc.households)
    assert set(CAUSES) <= set(m.features_.numeric)


def test_public_lists_drop_the_income_score(tmp_path):
    from dataclasses import replace

    from targeting.privacy import public_plan

    plan = make_plan(read_scenario(write_tables(tmp_path / "sc", consent_tables())), strategy="greedy")
    a = plan.allocation.copy()
    for col, lang in (("reasons_en", "en"), ("reasons_vi", "vi")):
        a[col] = a[col] + ". " + phrase("income_score", 120.0, lang) + "; " + phrase("cause_land", 1, lang)
    pub = public_plan(replace(plan, allocation=a), b"k" * 16).allocation
    assert not pub["reasons_en"].str.contains("income score").any()
    assert not pub["reasons_vi"].str.contains("điểm thu nhập").any()
    assert pub["reasons_vi"].str.contains("thiếu đất sản xuất").all()
