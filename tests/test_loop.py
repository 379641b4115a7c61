"""The learning loop: registers drawn from the truth after a plan, and the cycle played end to end.

The draws are checked against the probabilities they must reproduce with tolerances of six
standard errors (a correct draw fails about once in 500 million runs; a draw off by the
fall-back share, 20% of the probability, misses by dozens of standard errors)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from targeting import synth
from targeting.config import KINDS, Settings
from targeting.review import read_register
from targeting.synth.cycle import FALL_BACK, NEW_SHARE, draw_exits, draw_registers, write_register

P_VALUES = np.array([0.0, 0.05, 0.3, 0.5, 1 - FALL_BACK, 0.9, 0.99, 1.0])


def test_sustained_exits_happen_with_the_truths_probability():
    n = 200_000
    p = np.repeat(P_VALUES, n)
    exited, sustained = draw_exits(p, np.random.default_rng(7))
    assert not (sustained & ~exited).any()  # a sustained exit is off the register one year on
    for i, v in enumerate(P_VALUES):
        s, e = sustained[i * n:(i + 1) * n], exited[i * n:(i + 1) * n]
        q = min(1.0, v / (1 - FALL_BACK))
        assert abs(s.mean() - v) <= 6 * np.sqrt(v * (1 - v) / n), v
        assert abs(e.mean() - q) <= 6 * np.sqrt(q * (1 - q) / n), v
    # below 1 - FALL_BACK exactly that share of the one-year exits falls back
    low = np.repeat(P_VALUES <= 1 - FALL_BACK, n) & (p > 0)
    fell = (exited & ~sustained)[low].sum() / exited[low].sum()
    assert abs(fell - FALL_BACK) < 0.005


def test_exit_draws_refuse_probabilities_outside_0_1():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        draw_exits([0.2, 1.2], np.random.default_rng(0))
    with pytest.raises(ValueError, match="fall_back"):
        draw_exits([0.2], np.random.default_rng(0), fall_back=1.0)


@pytest.fixture(scope="module")
def register():
    return synth.make_world(seed=5, communes=2, history_factor=0.01).households


def _kinds(register, seed=0):
    return np.random.default_rng(seed).choice(["none", *KINDS], len(register))


def test_registers_say_who_exited_and_who_fell_back(register):
    r = draw_registers(register, _kinds(register), np.random.default_rng(1))
    o = r.outcomes.set_index("household_id")
    on_after = o.index.isin(r.after["household_id"])
    on_followup = o.index.isin(r.followup["household_id"])
    assert (o["exited"] == (~on_after).astype(int)).all()
    assert (o["sustained_exit"] == ((~on_after) & ~on_followup).astype(int)).all()
    assert (o["fell_back"] == ((~on_after) & on_followup).astype(int)).all()
    assert not (on_after & ~on_followup).any()  # nobody still on the register leaves it unseen
    for reg in (r.after, r.followup):
        assert set(reg["status"]) <= {"poor", "near_poor"}
        assert not reg["household_id"].duplicated().any()
        assert list(reg.columns) == list(register.columns)
    new_after = r.after["household_id"].str.startswith("NEW-A-")
    assert new_after.sum() == round(NEW_SHARE * len(register)) > 0
    assert r.followup["household_id"].str.startswith("NEW-F-").sum() == new_after.sum()
    assert set(r.after.loc[new_after, "household_id"]) <= set(r.followup["household_id"])
    # some of those who stayed changed status, most did not
    stayed = r.after[~new_after].set_index("household_id")["status"]
    changed = (stayed != register.set_index("household_id").loc[stayed.index, "status"]).mean()
    assert 0.02 < changed < 0.3


def test_register_draws_follow_the_truth_under_each_support(register):
    kinds = _kinds(register)
    p = synth.true_probability(register, kinds)
    draws = 20
    total = sum(draw_registers(register, kinds, np.random.default_rng(s)).outcomes["sustained_exit"].sum()
                for s in range(draws))
    expected = draws * p.sum()
    assert abs(total - expected) <= 6 * np.sqrt(draws * (p * (1 - p)).sum())


def test_the_same_draws_never_take_an_exit_from_more_support(register):
    """Common random numbers: support only raises the truth's probability, so with the same seed
    every exit without support is also an exit with it (two plans compare without noise)."""
    none = draw_registers(register, "none", np.random.default_rng(3)).outcomes
    some = draw_registers(register, _kinds(register), np.random.default_rng(3)).outcomes
    assert (some["sustained_exit"] >= none["sustained_exit"]).all()
    assert some["sustained_exit"].sum() > none["sustained_exit"].sum()


def test_drawn_registers_are_read_as_registers(register, tmp_path):
    r = draw_registers(register, _kinds(register), np.random.default_rng(2))
    for name, reg in (("after", r.after), ("followup", r.followup)):
        path = write_register(reg, tmp_path / f"{name}.csv")
        back = read_register(path, Settings(standard="vn-2022-2025"))
        assert list(back["household_id"]) == list(reg["household_id"])
        assert list(back["status"]) == list(reg["status"])
        assert np.allclose(back["land_m2"].astype(float), reg["land_m2"].astype(float))


def test_draw_registers_refuses_what_it_cannot_draw(register):
    rng = np.random.default_rng(0)
    off = register.assign(status=np.where(np.arange(len(register)) == 3, "non_poor", register["status"]))
    with pytest.raises(ValueError, match="poor or near_poor"):
        draw_registers(off, "none", rng)
    with pytest.raises(ValueError, match="kinds for"):
        draw_registers(register, ["none"] * 3, rng)
    clash = register.assign(household_id=["NEW-1"] + list(register["household_id"].iloc[1:]))
    with pytest.raises(ValueError, match="NEW-"):
        draw_registers(clash, "none", rng)


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_learning_loop.py"
    spec = importlib.util.spec_from_file_location("bench_learning_loop", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_two_years_of_the_loop_run_end_to_end():
    rows = pd.DataFrame(_bench().run_seed(0, years=2, communes=1, history_factor=0.5, time_limit=5,
                                          progress=lambda m: None))
    assert list(rows["year"]) == [1, 2]
    first, second = rows.iloc[0], rows.iloc[1]
    # year 1: both plans use the initial history's model; year 2 adds year 1's review rows
    assert first["learns"] == first["never"]
    assert second["history_rows"] == first["history_rows"] + first["households"]
    for r in (first, second):
        # the truth-knowing optimum adds the most true exits the rules allow, within its gap
        best = (r["oracle"] - r["none"]) / (1 - r["oracle_gap"]) + 1e-9
        for name in ("learns", "never"):
            assert 0 < r[name] - r["none"] <= best, name
            assert 0 <= r[f"coverage_{name}"] <= 1 and 0 < r[f"brier_{name}"] < 0.25
