"""Boundary cases of both poverty standards."""

from __future__ import annotations

import pandas as pd
import pytest

from targeting.data.standards import available_standards, classify, load_standard, standard_for_year
from targeting.errors import ScenarioError

from .support import DEPS


def frame(income, n_deps, urban=0, standard="vn-2022-2025", swap=None):
    std = load_standard(standard)
    row = {"household_id": "h", "income_vnd": income, "urban": urban}
    for i, d in enumerate(std.indicators):
        row[d] = 1 if i < n_deps else 0
    if swap:
        row.update(swap)
    return pd.DataFrame([row])


CASES = [
    # standard, urban, line
    ("vn-2022-2025", 0, 1_500_000),
    ("vn-2022-2025", 1, 2_000_000),
    ("vn-2027-2030", 0, 2_200_000),
    ("vn-2027-2030", 1, 2_800_000),
]


@pytest.mark.parametrize("standard, urban, line", CASES)
@pytest.mark.parametrize(
    "delta, n_deps, expected",
    [
        (0, 3, "poor"),          # at the line counts as at or below it
        (-1, 3, "poor"),
        (1, 3, "non_poor"),      # just above: not poor, however deprived
        (0, 2, "near_poor"),
        (-1, 2, "near_poor"),
        (1, 2, "non_poor"),
        (-1, 12, "poor"),
        (-1, 0, "near_poor"),
    ],
)
def test_boundaries(standard, urban, line, delta, n_deps, expected):
    out = classify(frame(line + delta, n_deps, urban, standard), standard)
    assert out["status"].iloc[0] == expected
    assert out["deprivations"].iloc[0] == n_deps
    assert out["income_line_vnd"].iloc[0] == line


def test_rural_income_between_lines():
    # 1.8M is above the 2022-2025 rural line but below the urban line and the 2027 rural line
    assert classify(frame(1_800_000, 3, 0), "vn-2022-2025")["status"].iloc[0] == "non_poor"
    assert classify(frame(1_800_000, 3, 1), "vn-2022-2025")["status"].iloc[0] == "poor"
    assert classify(frame(1_800_000, 3, 0, "vn-2027-2030"), "vn-2027-2030")["status"].iloc[0] == "poor"


def test_indicator_that_changed():
    old = load_standard("vn-2022-2025")
    new = load_standard("vn-2027-2030")
    assert "dep_info_access" in old.indicators and "dep_waste" not in old.indicators
    assert "dep_waste" in new.indicators and "dep_info_access" not in new.indicators
    assert len(old.indicators) == 12 and len(new.indicators) == 12
    # two deprivations plus info access: poor in 2022-2025 ...
    row = {d: 0 for d in DEPS} | {"dep_waste": 0, "household_id": "h", "income_vnd": 1_000_000}
    row.update(dep_water=1, dep_sanitation=1, dep_info_access=1)
    f = pd.DataFrame([row])
    assert classify(f, "vn-2022-2025")["status"].iloc[0] == "poor"
    # ... near-poor in 2027-2030, where info access no longer counts; waste does
    assert classify(f, "vn-2027-2030")["status"].iloc[0] == "near_poor"
    f.loc[0, "dep_waste"] = 1
    assert classify(f, "vn-2027-2030")["status"].iloc[0] == "poor"


def test_missing_indicator_named():
    f = frame(1_000_000, 3).drop(columns="dep_telecom")
    with pytest.raises(ScenarioError, match="dep_telecom"):
        classify(f, "vn-2022-2025")


def test_standards_are_data():
    assert available_standards() == ["vn-2022-2025", "vn-2027-2030"]
    assert standard_for_year(2026).name == "vn-2022-2025"
    assert standard_for_year(2027).name == "vn-2027-2030"
    with pytest.raises(ScenarioError):
        load_standard("vn-1990")
    with pytest.raises(ScenarioError):
        standard_for_year(2040)
