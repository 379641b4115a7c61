"""The time limit covers the whole optimal solve, decisions included (issue 15)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from targeting.config import Settings
from targeting.synth.instances import province

from .support import plan_violations, solve_tables

#: What a plan may take beyond ``time_limit_s`` on this shared 2-core machine: building the
#: instance and the decisions' witness plan (a few seconds at 54,000 pairs under load 7-8), and
#: the last step, which never starts without time for it (allocation.pipeline.setup_seconds).
OVERHEAD_S = 5.0


@pytest.mark.slow
def test_a_decided_province_ends_within_its_time_limit():
    # 18,000 households, 54,000 pairs: below DECOMPOSE_MIN_PAIRS, so one model, solved whole.
    # Before: the decisions' check gave CP-SAT its own 20 s (the plan took ~29 s against 3 s),
    # and a MIP stopped early kept a warm start that broke a group minimum ("please report").
    t = province(n_communes=20, n_households=18_000, seed=0)
    s = Settings(time_limit_s=3.0, relative_gap=1e-4, workers=2, seed=0,
                 min_ethnic_minority_share=0.2, min_poor_share=0.2)
    g = t["gains"]
    hh = np.random.default_rng(1).choice(g["household_id"].unique(), size=10, replace=False)
    forced = g[g["household_id"].isin(hh)].groupby("household_id").head(1)[
        ["household_id", "project_id"]]
    t0 = time.perf_counter()
    res = solve_tables("optimal", t, s, forced=forced)
    wall = time.perf_counter() - t0
    assert wall <= s.time_limit_s + OVERHEAD_S, f"{wall:.1f} s for a {s.time_limit_s} s limit"
    assert plan_violations(t, res, s) == []
    got = set(zip(res.assignment["household_id"], res.assignment["project_id"]))
    assert set(zip(forced["household_id"], forced["project_id"])) <= got
    assert math.isfinite(res.bound) and res.bound >= res.objective
