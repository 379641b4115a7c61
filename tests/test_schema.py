"""One failing case per rule of the data contract, with the message checked."""

from __future__ import annotations

import pandas as pd
import pytest

from targeting.data import read_scenario
from targeting.errors import ScenarioError

from .support import tiny_tables, write_tables


def problems_of(tmp_path, mutate, toml=None) -> list[str]:
    t = tiny_tables()
    mutate(t)
    folder = write_tables(tmp_path / "s", t, toml)
    with pytest.raises(ScenarioError) as e:
        read_scenario(folder)
    return [str(p) for p in e.value.problems]


def test_tiny_scenario_is_valid(tiny):
    sc = read_scenario(tiny)
    assert len(sc.households) == 5
    assert sc.households["members"].dtype == "int64"
    assert sc.projects.loc[0, "requires_working_age"] == 0
    assert sc.communes.loc[0, "target_poor"] == 2
    assert set(sc.inputs) == {"communes.csv", "households.csv", "projects.csv", "cooperatives.csv"}


@pytest.mark.parametrize(
    "table, column, value, expected",
    [
        ("households", "working_age", 6, "households.csv row 2, column working_age: must be between 0 and members (4); got 6"),
        ("households", "members", 0, "households.csv row 2, column members: expected a whole number between 1 and 100; got '0'"),
        ("households", "members", "four", "households.csv row 2, column members: expected a whole number between 1 and 100; got 'four'"),
        ("households", "income_vnd", -5, "households.csv row 2, column income_vnd: expected a whole number of VND between 0 and"),
        ("households", "income_vnd", "1.5", "households.csv row 2, column income_vnd: expected a whole number of VND"),
        ("households", "ethnic_minority", 2, "households.csv row 2, column ethnic_minority: expected 0 or 1; got '2'"),
        ("households", "status", "rich", "households.csv row 2, column status: expected one of poor, near_poor, non_poor; got 'rich'"),
        ("households", "land_m2", "inf", "households.csv row 2, column land_m2: expected a number between 0 and"),
        ("households", "road_km", "nan", "households.csv row 2, column road_km: expected a number"),
        ("households", "commune_id", "zz", "households.csv row 2, column commune_id: must name a commune_id listed in communes.csv; got 'zz'"),
        ("households", "village", "", "households.csv row 2, column village: expected text; got an empty cell"),
        ("communes", "households_total", 0, "communes.csv row 2, column households_total: expected a whole number > 0"),
        ("communes", "area_type", "hard", "communes.csv row 2, column area_type: expected one of especially_difficult, difficult, other; got 'hard'"),
        ("communes", "budget_vnd", "1e30", "communes.csv row 2, column budget_vnd: expected a whole number of VND between 0 and"),
        ("projects", "kind", "fishing", "projects.csv row 2, column kind: expected one of livestock, crop"),
        ("projects", "cost_vnd", 0, "projects.csv row 2, column cost_vnd: expected a whole number of VND > 0"),
        ("projects", "slots", -1, "projects.csv row 2, column slots: expected a whole number"),
        ("projects", "eligible", "all", "projects.csv row 2, column eligible: expected one of poor, near_poor, any; got 'all'"),
        ("projects", "min_group", 0, "projects.csv row 2, column min_group: expected a whole number between 1"),
        ("projects", "commune_id", "zz", "projects.csv row 2, column commune_id: must name a commune_id listed in communes.csv; got 'zz'"),
        ("cooperatives", "capacity", "x", "cooperatives.csv row 2, column capacity: expected a whole number"),
    ],
)
def test_cell_rules(tmp_path, table, column, value, expected):
    def mutate(t):
        t[table][column] = t[table][column].astype(object)
        t[table].loc[0, column] = value

    msgs = problems_of(tmp_path, mutate)
    assert any(m.startswith(expected) for m in msgs), msgs


def test_duplicate_key(tmp_path):
    def mutate(t):
        t["households"].loc[1, "household_id"] = "h1"

    msgs = problems_of(tmp_path, mutate)
    assert "households.csv row 3, column household_id: household_id must be unique; this value appears on an earlier row; got 'h1'" in msgs


def test_missing_required_column(tmp_path):
    msgs = problems_of(tmp_path, lambda t: t.update(households=t["households"].drop(columns="income_vnd")))
    assert msgs == ["households.csv, column income_vnd: required column is missing (expected a whole number of VND between 0 and 1000000000000000)"]


def test_value_chain_needs_cooperative(tmp_path):
    def mutate(t):
        t["projects"].loc[1, "cooperative_id"] = ""

    msgs = problems_of(tmp_path, mutate)
    assert any("projects.csv row 3, column cooperative_id: a value_chain project must name" in m for m in msgs)


def test_unknown_cooperative(tmp_path):
    def mutate(t):
        t["projects"].loc[1, "cooperative_id"] = "k9"

    msgs = problems_of(tmp_path, mutate)
    assert "projects.csv row 3, column cooperative_id: must name a cooperative_id listed in cooperatives.csv; got 'k9'" in msgs


def test_cooperatives_file_required_when_named(tmp_path):
    msgs = problems_of(tmp_path, lambda t: t.pop("cooperatives"))
    assert any(m.startswith("cooperatives.csv: required because projects.csv names cooperatives") for m in msgs)


def test_required_file_missing(tmp_path):
    msgs = problems_of(tmp_path, lambda t: t.pop("projects"))
    assert any(m.startswith("projects.csv: required file is missing") for m in msgs)


def test_envelope_below_min_group(tmp_path):
    def mutate(t):
        p = t["projects"]
        p["budget_vnd"] = p["budget_vnd"].astype(object)
        p["min_group"] = p["min_group"].astype(object)
        p.loc[0, "budget_vnd"] = 10_000_000
        p.loc[0, "min_group"] = 2

    msgs = problems_of(tmp_path, mutate)
    assert any(m.startswith("projects.csv row 2, column budget_vnd: is below cost_vnd x min_group") for m in msgs)


def test_min_group_above_slots(tmp_path):
    def mutate(t):
        t["projects"]["min_group"] = t["projects"]["min_group"].astype(object)
        t["projects"].loc[0, "min_group"] = 5

    msgs = problems_of(tmp_path, mutate)
    assert any(m.startswith("projects.csv row 2, column min_group: is above slots (2)") for m in msgs)


def test_gains_rules(tmp_path):
    def mutate(t):
        t["gains"] = pd.DataFrame({"household_id": ["h1", "h1", "hx"], "project_id": ["p1", "p1", "p1"],
                                   "gain": ["0.1", "0.2", "inf"]})

    msgs = problems_of(tmp_path, mutate)
    assert "gains.csv row 4, column household_id: must name a household_id listed in households.csv; got 'hx'" in msgs
    assert any(m.startswith("gains.csv row 3, column project_id: each (household_id, project_id) pair may appear once") for m in msgs)
    assert "gains.csv row 4, column gain: expected a number; got 'inf'" in msgs


def test_history_rules(tmp_path):
    def mutate(t):
        h = t["households"].copy()
        h["intervention"] = "none"
        h["sustained_exit"] = 0
        h.loc[0, "intervention"] = "magic"
        h.loc[1, "sustained_exit"] = 3
        t["history"] = h

    msgs = problems_of(tmp_path, mutate)
    assert any(m.startswith("history.csv row 2, column intervention: expected one of livestock") for m in msgs)
    assert "history.csv row 3, column sustained_exit: expected 0 or 1; got '3'" in msgs


def test_status_derivation_needs_indicators(tmp_path):
    def mutate(t):
        t["households"] = t["households"].drop(columns=["status", "dep_water"])

    msgs = problems_of(tmp_path, mutate)
    assert any("column dep_water: status is not given" in m for m in msgs)


def test_status_derived_when_absent(tmp_path):
    t = tiny_tables()
    t["households"] = t["households"].drop(columns="status")
    t["households"].loc[0, "income_vnd"] = 1_600_000
    t["households"].loc[1, ["dep_employment", "dep_dependency", "dep_nutrition"]] = [1, 1, 0]
    sc = read_scenario(write_tables(tmp_path / "s", t))
    assert sc.status_derived
    assert list(sc.households["status"][:3]) == ["non_poor", "near_poor", "poor"]


def test_settings_rules(tmp_path):
    toml = '[plan]\nstrategy = "best"\nyaer = 2026\n[solver]\ntime_limit_s = -1\n[policy]\nmin_poor_share = 1.5\n'
    msgs = problems_of(tmp_path, lambda t: None, toml=toml)
    assert "scenario.toml, column plan.strategy: expected one of optimal, greedy, capacity, poorest, lottery; got 'best'" in msgs
    assert any(m.startswith("scenario.toml, column plan.yaer: unknown setting") for m in msgs)
    assert "scenario.toml, column solver.time_limit_s: expected a number > 0; got -1.0" in msgs
    assert "scenario.toml, column policy.min_poor_share: expected a share between 0 and 1; got 1.5" in msgs


def test_all_problems_listed_not_just_first(tmp_path):
    def mutate(t):
        h = t["households"]
        h["members"] = h["members"].astype(object)
        h.loc[0, "members"] = "x"
        h.loc[3, "members"] = "y"
        t["projects"].loc[0, "kind"] = "fishing"

    msgs = problems_of(tmp_path, mutate)
    assert len([m for m in msgs if "column members" in m]) == 2
    assert any("projects.csv" in m for m in msgs)


def test_extra_columns_kept_and_bom_and_vietnamese(tmp_path):
    t = tiny_tables()
    t["households"]["tinh_trang_dat"] = "đất đồi"
    folder = write_tables(tmp_path / "s", t)
    data = (folder / "households.csv").read_bytes()
    (folder / "households.csv").write_bytes(b"\xef\xbb\xbf" + data)
    sc = read_scenario(folder)
    assert sc.households["tinh_trang_dat"].iloc[0] == "đất đồi"
    assert sc.households["village"].iloc[0] == "Nà Pài"


def test_xlsx_accepted(tmp_path):
    t = tiny_tables()
    folder = write_tables(tmp_path / "s", {k: v for k, v in t.items() if k != "households"})
    t["households"].to_excel(folder / "households.xlsx", sheet_name="households", index=False)
    sc = read_scenario(folder)
    assert sc.households["income_vnd"].tolist() == t["households"]["income_vnd"].tolist()
    assert sc.inputs["households.xlsx"]
