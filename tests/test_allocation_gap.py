"""The optimizer against OR-Library GAP instances with known optima (gap1: 5 agents, 15 jobs).

Agents are projects with funding envelopes, jobs are households, a job's resource use is the
pair's cost (see :func:`targeting.synth.instances.gap_tables`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from targeting.allocation import run_strategy
from targeting.config import Settings
from targeting.data.orlib import read_gap_file
from targeting.synth.instances import gap_tables

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "orlib_gap"

pytestmark = pytest.mark.skipif(
    not (DATA / "gap1.txt").exists(),
    reason=f"OR-Library GAP data not found at {DATA} (the shared reference data folder is absent)",
)


def _optima():
    return pd.read_csv(DATA / "gap_optima.csv")


def _solve(inst, maximise):
    t = gap_tables(inst, maximise=maximise)
    res = run_strategy("optimal", t["households"], t["projects"], t["cooperatives"], t["communes"],
                       t["gains"], Settings(relative_gap=0.0, time_limit_s=30, workers=2))
    n = inst["n"]
    value = res.objective - n * t["offset"] if maximise else n * t["offset"] - res.objective
    return res, round(value)


@pytest.mark.parametrize("idx", range(1, 6))
def test_gap1_maximisation_optimum(idx):
    inst = read_gap_file(DATA / "gap1.txt")[idx - 1]
    res, value = _solve(inst, maximise=True)
    opt = _optima()
    want = int(opt.loc[(opt["file"] == "gap1.txt") & (opt["idx"] == idx), "max_opt_orlib"].iloc[0])
    assert res.status == "optimal"
    assert len(res.assignment) == inst["n"]  # every job assigned
    assert value == want
    # envelopes respected
    spent = res.assignment.groupby("project_id")["cost_vnd"].sum()
    for i, b in enumerate(inst["b"]):
        assert spent.get(f"a{i}", 0) <= b


@pytest.mark.parametrize("idx", [1, 3])
def test_gap1_minimisation_optimum(idx):
    inst = read_gap_file(DATA / "gap1.txt")[idx - 1]
    res, value = _solve(inst, maximise=False)
    opt = _optima()
    want = int(opt.loc[(opt["file"] == "gap1.txt") & (opt["idx"] == idx), "min_opt"].iloc[0])
    assert res.status == "optimal" and value == want
