"""targeting review: the plan checked against the registers that followed.

A small world of two communes whose later registers are written by hand, so every count is known:
each transition identity, each history row, and every refusal (nothing written)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from targeting.data import read_scenario
from targeting.plan import make_plan, write_plan
from targeting.review import REVIEW_FILES, read_plan_folder, review_plan, write_review

from .support import cli, household, tiny_tables, write_tables


def _world() -> dict[str, pd.DataFrame]:
    t = tiny_tables()
    t["communes"] = pd.concat([t["communes"], pd.DataFrame([{
        "commune_id": "c2", "name": "Thượng Quan", "province": "Thái Nguyên", "area_type": "difficult",
        "households_total": 80, "budget_vnd": 30_000_000, "target_poor": 1}])], ignore_index=True)
    rows = [household(f"h{i}", status="poor" if i <= 4 else "near_poor", income_vnd=900_000 + 10_000 * i)
            for i in range(1, 7)]
    rows += [household(f"g{i}", commune="c2", village="Bản Giang", status="poor" if i <= 2 else "near_poor",
                       income_vnd=950_000 + 10_000 * i) for i in range(1, 5)]
    t["households"] = pd.DataFrame(rows)
    t["projects"] = pd.concat([t["projects"], pd.DataFrame([{
        "project_id": "q1", "commune_id": "c2", "name": "Nuôi dê", "kind": "livestock", "village": "",
        "cooperative_id": "", "cost_vnd": 10_000_000, "slots": 2, "budget_vnd": "", "min_group": "",
        "requires_working_age": "", "min_land_m2": "", "eligible": "any"}])], ignore_index=True)
    return t


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The world, its plan folder, and the two later registers (as frames)."""
    root = tmp_path_factory.mktemp("review")
    t = _world()
    scenario = write_tables(root / "world", t)
    plan = make_plan(read_scenario(scenario))
    write_plan(plan, root / "plan")
    return root, t["households"]


def _register(h: pd.DataFrame, statuses: dict, extra: list[dict] = (), moves: dict | None = None) -> pd.DataFrame:
    """The register ``h`` with ``statuses`` (None: absent), new rows ``extra``, communes ``moves``."""
    r = h.copy()
    for hid, s in statuses.items():
        r.loc[r["household_id"] == hid, "status"] = s
    r = r[r["status"].notna()]
    for hid, c in (moves or {}).items():
        r.loc[r["household_id"] == hid, "commune_id"] = c
    return pd.concat([r, pd.DataFrame(list(extra))], ignore_index=True)


#: One year on: h1 absent, h2 non-poor, h5 near-poor -> poor, g1 moved to c1, g2 and g3 absent.
AFTER = {"h1": None, "h2": "non_poor", "h5": "poor", "g2": None, "g3": None}
#: The follow-up: h1 back (fell back), g3 back as near-poor (fell back); h2, g2 still off.
FOLLOWUP = {"h2": None, "g2": None, "h5": "poor"}


def _registers(root, h):
    new = [household("n1", status="poor"), household("n2", commune="c2", status="near_poor"),
           household("n3", status="non_poor")]
    after = _register(h, AFTER, new, moves={"g1": "c1"})
    followup = _register(h, FOLLOWUP, new)
    after.to_csv(root / "after.csv", index=False)
    followup.to_csv(root / "followup.csv", index=False)
    return root / "after.csv", root / "followup.csv"


def test_transitions_are_counted_exactly(planned, tmp_path):
    root, h = planned
    after, followup = _registers(tmp_path, h)
    r = review_plan(root / "plan", after, followup)
    t = r.transitions.set_index(["commune_id", "status"])
    assert t.loc[("c1", "poor")].to_dict() == {
        "households": 4, "to_poor": 2, "to_near_poor": 0, "off_register": 2, "new_on_register": 1,
        "moved": 0, "fell_back": 1, "sustained_exits": 1}
    assert t.loc[("c1", "near_poor")].to_dict() == {
        "households": 2, "to_poor": 1, "to_near_poor": 1, "off_register": 0, "new_on_register": 0,
        "moved": 0, "fell_back": 0, "sustained_exits": 0}
    assert t.loc[("c2", "poor")].to_dict() == {
        "households": 2, "to_poor": 1, "to_near_poor": 0, "off_register": 1, "new_on_register": 0,
        "moved": 1, "fell_back": 0, "sustained_exits": 1}
    assert t.loc[("c2", "near_poor")].to_dict() == {
        "households": 2, "to_poor": 0, "to_near_poor": 1, "off_register": 1, "new_on_register": 1,
        "moved": 0, "fell_back": 1, "sustained_exits": 0}
    o = r.outcomes.set_index("household_id")
    assert o.loc[["h1", "h2", "g2", "g3"], "exited"].tolist() == [1, 1, 1, 1]
    assert o.loc[["h1", "h2", "g2", "g3"], "sustained_exit"].tolist() == [0, 1, 1, 0]
    assert o.loc["g1", "moved"] == 1 and o["moved"].sum() == 1
    assert r.summary["moved"] == 1
    assert r.summary["all"]["exits"] == 2  # sustained: h2 and g2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_identity_holds_on_random_registers(planned, tmp_path, seed):
    root, h = planned
    rng = np.random.default_rng(seed)
    choices = np.array(["poor", "near_poor", "non_poor", None], dtype=object)
    after = {hid: rng.choice(choices) for hid in h["household_id"]}
    followup = {hid: rng.choice(choices) for hid in h["household_id"]}
    a = _register(h, after, [household(f"x{i}", status=rng.choice(["poor", "near_poor"])) for i in range(3)])
    f = _register(h, followup)
    a.to_csv(tmp_path / "a.csv", index=False)
    f.to_csv(tmp_path / "f.csv", index=False)
    r = review_plan(root / "plan", tmp_path / "a.csv", tmp_path / "f.csv")
    t = r.transitions
    assert (t["households"] == t["to_poor"] + t["to_near_poor"] + t["off_register"]).all()
    assert (t["off_register"] == t["fell_back"] + t["sustained_exits"]).all()
    assert t["households"].sum() == len(h)
    assert t["new_on_register"].sum() == 3
    assert t["sustained_exits"].sum() == r.outcomes["sustained_exit"].sum() == r.summary["all"]["exits"]
    assert sum(v["exits"] for v in r.summary["communes"].values()) == r.summary["all"]["exits"]
    off = {k for k, v in after.items() if v in (None, "non_poor")}
    assert set(r.outcomes.loc[r.outcomes["exited"] == 1, "household_id"]) == off


def test_history_rows_are_the_plan_time_rows_and_train_takes_them(planned, tmp_path):
    root, h = planned
    after, followup = _registers(tmp_path, h)
    r = review_plan(root / "plan", after, followup)
    hist = r.history
    assert len(hist) == len(h)
    assert list(hist.columns[:2]) == ["household_id", "year"] and list(hist.columns[-2:]) == [
        "intervention", "sustained_exit"]
    assert (hist["year"] == 2026).all()
    a = pd.read_csv(root / "plan" / "allocation.csv", dtype={"project_id": str}, keep_default_na=False)
    kinds = dict(zip(a["household_id"], a["kind"].replace("", "none"), strict=True))
    assert hist.set_index("household_id")["intervention"].to_dict() == kinds
    assert hist.set_index("household_id").loc[["h1", "h2", "g2", "g3"], "sustained_exit"].tolist() == [0, 1, 1, 0]
    same = hist.set_index("household_id").loc[h["household_id"], "members"].to_numpy()
    assert (same == h["members"].to_numpy()).all()


def test_the_review_folder_and_the_command(planned, tmp_path):
    root, h = planned
    after, followup = _registers(tmp_path, h)
    res = cli("review", root / "plan", "--after", after, "--followup", followup, "--out", tmp_path / "rv")
    assert res.exit_code == 0, res.output
    assert "sustained exits" in res.output
    for f in REVIEW_FILES:
        assert (tmp_path / "rv" / f).is_file(), f
    j = json.loads((tmp_path / "rv" / "review.json").read_text(encoding="utf-8"))
    assert j["measure"] == "sustained_exit" and "calibration" in j and j["plan"]["checked"] is True
    assert j["communes"]["c2"]["name"] == "Thượng Quan"
    page = (tmp_path / "rv" / "report.html").read_text(encoding="utf-8")
    assert "Tái nghèo" in page and "Thượng Quan" in page and "<svg" in page
    again = cli("review", root / "plan", "--after", after, "--out", tmp_path / "rv")
    assert again.exit_code != 0 and "--force" in again.output
    # one year on only: no history, and the exits are labelled as not yet sustained
    one = cli("review", root / "plan", "--after", after, "--out", tmp_path / "one")
    assert one.exit_code == 0, one.output
    assert not (tmp_path / "one" / "history.csv").exists()
    j1 = json.loads((tmp_path / "one" / "review.json").read_text(encoding="utf-8"))
    assert j1["measure"] == "exited" and "calibration" not in j1 and "upper bound" in j1["measure_words"]
    assert "sustained_exit" not in pd.read_csv(tmp_path / "one" / "outcomes.csv").columns


def _refused(args, out, *needles):
    res = cli("review", *args, "--out", out)
    assert res.exit_code == 2, res.output
    for n in needles:
        assert n in res.output, (n, res.output)
    assert not out.exists()


def test_a_register_of_unknown_communes_or_another_province_is_refused(planned, tmp_path):
    root, h = planned
    r = _register(h, {}, [household("z1", commune="c9")])
    r.to_csv(tmp_path / "a.csv", index=False)
    _refused([root / "plan", "--after", tmp_path / "a.csv"], tmp_path / "o1", "c9", "does not know")
    other = h.assign(household_id=h["household_id"] + "-X")
    other.to_csv(tmp_path / "b.csv", index=False)
    _refused([root / "plan", "--after", tmp_path / "b.csv"], tmp_path / "o2", "no household id in common")


def test_bad_registers_are_refused_naming_the_row(planned, tmp_path):
    root, h = planned
    dup = pd.concat([h, h.iloc[[0]]], ignore_index=True)
    dup.to_csv(tmp_path / "dup.csv", index=False)
    _refused([root / "plan", "--after", tmp_path / "dup.csv"], tmp_path / "o1", "dup.csv", "household_id")
    blank = h.drop(columns=["dep_water"]).assign(status=None)
    blank.to_csv(tmp_path / "blank.csv", index=False)
    _refused([root / "plan", "--after", tmp_path / "blank.csv"], tmp_path / "o2", "blank.csv", "dep_water")


def test_an_edited_plan_folder_is_refused(planned, tmp_path):
    root, h = planned
    after, _ = _registers(tmp_path, h)
    copy = tmp_path / "plan"
    shutil.copytree(root / "plan", copy)
    text = (copy / "allocation.csv").read_text(encoding="utf-8")
    (copy / "allocation.csv").write_text(text.replace("poor", "near_poor", 1), encoding="utf-8")
    _refused([copy, "--after", after], tmp_path / "o", "allocation.csv", "changed after the plan was written")


def test_a_changed_scenario_is_refused_for_history_but_scenario_can_be_given(planned, tmp_path):
    root, h = planned
    after, followup = _registers(tmp_path, h)
    moved = tmp_path / "world"
    shutil.copytree(root / "world", moved)
    plan = tmp_path / "plan"
    shutil.copytree(root / "plan", plan)
    meta = json.loads((plan / "plan.json").read_text(encoding="utf-8"))
    meta["scenario"] = str(tmp_path / "gone")
    (plan / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    _refused([plan, "--after", after, "--followup", followup], tmp_path / "o1", "--scenario")
    ok = cli("review", plan, "--after", after, "--followup", followup, "--scenario", moved, "--out", tmp_path / "o2")
    assert ok.exit_code == 0, ok.output
    changed = h.assign(members=h["members"] + 1)
    changed.to_csv(moved / "households.csv", index=False)
    _refused([plan, "--after", after, "--followup", followup, "--scenario", moved], tmp_path / "o3",
             "changed since the plan was made")


def test_a_plan_without_probabilities_is_reviewed_with_a_note(tmp_path):
    t = _world()
    t["gains"] = pd.DataFrame([{"household_id": "h1", "project_id": "p1", "gain": 0.3},
                               {"household_id": "g1", "project_id": "q1", "gain": 0.2}])
    scenario = write_tables(tmp_path / "w", t)
    write_plan(make_plan(read_scenario(scenario)), tmp_path / "plan")
    after, followup = _registers(tmp_path, t["households"])
    r = review_plan(tmp_path / "plan", after, followup)
    assert any("no model probabilities" in n for n in r.summary["notes"])
    assert "calibration" not in r.summary and "expected_exits" not in r.summary["all"]
    write_review(r, tmp_path / "rv")
    assert (tmp_path / "rv" / "report.html").is_file()


def test_a_lottery_plan_is_reviewed(tmp_path):
    scenario = write_tables(tmp_path / "w", _world())
    write_plan(make_plan(read_scenario(scenario), strategy="lottery"), tmp_path / "plan")
    after, followup = _registers(tmp_path, _world()["households"])
    r = review_plan(tmp_path / "plan", after, followup)
    assert r.summary["plan"]["strategy"] == "lottery"
    assert r.transitions["households"].sum() == 10


def test_plan_json_records_what_review_checks(planned):
    root, _ = planned
    p = read_plan_folder(root / "plan")
    assert p.verified and set(p.meta["outputs"]) == {"allocation.csv", "summary.csv"}
    assert p.meta["scenario"] == str((root / "world").resolve())


def test_a_household_non_poor_at_plan_time_that_joins_the_register_is_new_on_it(tmp_path):
    t = _world()
    t["households"].loc[t["households"]["household_id"] == "h6", "status"] = "non_poor"
    scenario = write_tables(tmp_path / "w", t)
    write_plan(make_plan(read_scenario(scenario)), tmp_path / "plan")
    after = _register(t["households"], {"h6": "poor"})
    after.to_csv(tmp_path / "after.csv", index=False)
    r = review_plan(tmp_path / "plan", tmp_path / "after.csv")
    tr = r.transitions.set_index(["commune_id", "status"])
    assert tr.loc[("c1", "poor"), "new_on_register"] == 1
    assert tr["households"].sum() == 9 and "h6" not in set(r.outcomes["household_id"])
    on = r.summary["registers"]["after"]["on_register"]
    assert on == tr["households"].sum() - tr["off_register"].sum() + tr["new_on_register"].sum()
