"""Shared fixtures: a tiny valid scenario written to a temporary folder, and the shared data path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

DEPS = ["dep_employment", "dep_dependency", "dep_nutrition", "dep_health_insurance",
        "dep_adult_education", "dep_child_schooling", "dep_housing_quality", "dep_floor_area",
        "dep_water", "dep_sanitation", "dep_telecom", "dep_info_access"]


def household(hid: str, commune: str = "c1", village: str = "Nà Pài", **kw) -> dict:
    row = {"household_id": hid, "commune_id": commune, "village": village, "status": "poor",
           "members": 4, "working_age": 2, "income_vnd": 1_000_000, **{d: 0 for d in DEPS},
           "ethnic_minority": 1, "female_head": 0, "disability": 0, "land_m2": 2000.0,
           "livestock_units": 1.0, "road_km": 3.0, "grid_power": 1, "registered_exit": 0,
           "years_poor": 2}
    for d in DEPS[:3]:
        row[d] = 1
    row.update(kw)
    return row


def tiny_tables() -> dict[str, pd.DataFrame]:
    communes = pd.DataFrame([
        {"commune_id": "c1", "name": "Phong Quang", "province": "Thái Nguyên", "area_type": "difficult",
         "households_total": 100, "budget_vnd": 50_000_000, "target_poor": 2},
    ])
    households = pd.DataFrame([household(f"h{i}", income_vnd=900_000 + 10_000 * i) for i in range(1, 6)])
    projects = pd.DataFrame([
        {"project_id": "p1", "commune_id": "c1", "name": "Nuôi bò", "kind": "livestock", "village": "",
         "cooperative_id": "", "cost_vnd": 20_000_000, "slots": 2, "budget_vnd": "", "min_group": "",
         "requires_working_age": "", "min_land_m2": "", "eligible": "any"},
        {"project_id": "p2", "commune_id": "c1", "name": "Chè", "kind": "value_chain", "village": "",
         "cooperative_id": "k1", "cost_vnd": 25_000_000, "slots": 3, "budget_vnd": "", "min_group": "",
         "requires_working_age": "", "min_land_m2": 500, "eligible": "any"},
    ])
    cooperatives = pd.DataFrame([
        {"cooperative_id": "k1", "name": "HTX Chè", "sector": "tea", "capacity": 5, "min_households": 0},
    ])
    return {"communes": communes, "households": households, "projects": projects,
            "cooperatives": cooperatives}


def write_tables(folder: Path, tables: dict[str, pd.DataFrame], toml: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    if toml is not None:
        (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    return folder


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_tables(tmp_path / "tiny", tiny_tables())


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA
