"""Outcome distributions against brute force and simulation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from targeting.outcomes import EXACT_MAX, commune_outcomes, exits_distribution, poisson_binomial_pmf


def test_pmf_matches_brute_force():
    p = np.array([0.1, 0.5, 0.9, 0.33, 0.0, 1.0])
    pmf = np.zeros(len(p) + 1)
    for bits in itertools.product([0, 1], repeat=len(p)):
        b = np.array(bits)
        pmf[b.sum()] += np.prod(np.where(b == 1, p, 1 - p))
    assert np.allclose(poisson_binomial_pmf(p), pmf)


def test_distribution_against_simulation():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.6, 400)
    d = exits_distribution(p)
    sims = (rng.random((20000, len(p))) < p).sum(axis=1)
    assert abs(d["mean"] - sims.mean()) < 0.2
    assert abs(d["p10"] - np.quantile(sims, 0.1)) <= 1
    assert abs(d["p90"] - np.quantile(sims, 0.9)) <= 1
    t = int(np.quantile(sims, 0.7))
    assert abs(d["p_at_least"](t) - (sims >= t).mean()) < 0.015


def test_large_commune_approximation_close_to_exact():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.4, EXACT_MAX + 500)
    approx = exits_distribution(p)
    exact_cdf = np.cumsum(poisson_binomial_pmf(p))
    assert abs(approx["p10"] - int(np.searchsorted(exact_cdf, 0.1))) <= 1
    assert abs(approx["p90"] - int(np.searchsorted(exact_cdf, 0.9))) <= 1
    t = int(p.sum())
    assert abs(approx["p_at_least"](t) - (1 - exact_cdf[t - 1])) < 0.01


def test_commune_outcomes_table():
    alloc = pd.DataFrame({
        "household_id": ["a", "b", "c", "d"],
        "commune_id": ["c1"] * 4,
        "status": ["poor", "poor", "poor", "near_poor"],
        "project_id": ["p1", "", "p1", ""],
        "cost_vnd": pd.array([10, None, 10, None], dtype="Int64"),
        "gain": [0.2, 0.0, 0.3, 0.0],
        "p_exit_plan": [0.5, 0.1, 0.9, 0.4],
    })
    communes = pd.DataFrame({"commune_id": ["c1"], "budget_vnd": [25], "households_total": [10],
                             "target_poor": [2]})
    s = commune_outcomes(alloc, communes).iloc[0]
    assert s["spent_vnd"] == 20 and s["supported"] == 2
    assert np.isclose(s["expected_exits"], 1.9)
    assert s["target_exits"] == 1
    # P(at least one of the three poor exits) = 1 - 0.5*0.9*0.1
    assert np.isclose(s["p_target_met"], 1 - 0.5 * 0.9 * 0.1)
    assert np.isclose(s["poverty_rate_before"], 0.3)
    assert np.isclose(s["poverty_rate_after"], (3 - 1.5) / 10)
    assert np.isclose(s["added_exits"], 0.5)


def test_probabilities_carry_no_float_noise():
    # a target far beyond what the households can reach: the chance is 0, not 6.7e-16
    d = exits_distribution(np.full(40, 0.3))
    assert d["p_at_least"](39) == 0.0
    assert 0.0 < d["p_at_least"](12) < 1.0 and abs(d["p_at_least"](1) - (1 - 0.7**40)) < 1e-12  # real: kept
    # a target every household almost surely meets: 1, not 0.9999999999999998
    assert exits_distribution(np.full(40, 0.9))["p_at_least"](1) == 1.0
