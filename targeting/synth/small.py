"""Small household tables and histories with the synthetic ground truth, for the scoring model.

No communes, projects or cooperatives: just households (in communes ``C0, C1, ...`` and villages
``V0 .. V4``, features drawn independently, fast at a million rows) and past programme rows.
Exits follow the one ground truth (:mod:`targeting.synth.truth`), so the true probabilities per
arm that a model is measured against are :func:`true_probabilities`; past support is targeted on
a few features but, unlike the full world's (:mod:`targeting.synth.history`), reaches every kind
of household.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import KINDS
from .truth import INDICATORS_2022, true_probabilities

__all__ = ["make_households", "true_probabilities", "make_history"]


def make_households(n: int, seed: int = 0, communes: int = 3) -> pd.DataFrame:
    """Register households with random features.

    Parameters
    ----------
    n : int
        Number of households.
    seed : int
        Seed of the draws; ``household_id`` carries it, so tables of different seeds do not
        share ids.
    communes : int
        Households are spread at random over communes ``C0 .. C<communes - 1>``.

    Returns
    -------
    DataFrame
        The columns of ``households.csv`` (2022-2025 deprivations), one row per household.
    """
    rng = np.random.default_rng(seed)
    members = rng.integers(1, 8, n)
    working = np.minimum(members, rng.binomial(members, 0.55))
    df = pd.DataFrame({
        "household_id": [f"H{seed}-{i:06d}" for i in range(n)],
        "commune_id": [f"C{c}" for c in rng.integers(0, communes, n)],
        "village": [f"V{v}" for v in rng.integers(0, 5, n)],
        "status": rng.choice(["poor", "near_poor"], n, p=[0.6, 0.4]).astype(object),
        "members": members,
        "working_age": working,
        "income_vnd": rng.integers(300_000, 1_500_000, n),
    })
    for d in INDICATORS_2022:
        df[d] = rng.binomial(1, 0.35, n)
    df["urban"] = 0
    df["ethnic_minority"] = rng.binomial(1, 0.5, n)
    df["female_head"] = rng.binomial(1, 0.3, n)
    df["disability"] = rng.binomial(1, 0.15, n)
    df["land_m2"] = np.round(rng.gamma(1.5, 900, n), 0)
    df["livestock_units"] = np.round(rng.gamma(1.0, 1.0, n), 1)
    df["road_km"] = np.round(rng.gamma(1.5, 3.0, n), 1)
    df["grid_power"] = rng.binomial(1, 0.85, n)
    df["registered_exit"] = rng.binomial(1, 0.3, n)
    df["years_poor"] = rng.integers(0, 10, n)
    return df


def make_history(n: int, seed: int = 0, targeted: bool = True) -> pd.DataFrame:
    """Past programme rows: households, the support they got and the outcome.

    Support here reaches every kind of household (unlike the full world's, where programme rules
    exclude some kinds), so that estimators can be checked on effects everywhere: it is targeted
    on ``registered_exit``, working-age members and land, every arm keeping some chance.

    Parameters
    ----------
    n : int
        Number of rows.
    seed : int
        Seed of the households (drawn with ``seed + 1``) and of support and outcomes.
    targeted : bool
        False gives every arm (``none`` and each kind) the same chance: a randomised history.

    Returns
    -------
    DataFrame
        The columns of ``history.csv``: ``year`` (2019-2023), the household columns but
        ``household_id`` and ``commune_id``, ``intervention`` and ``sustained_exit`` (drawn from
        :func:`true_probabilities`).
    """
    rng = np.random.default_rng(seed + 10_000)
    h = make_households(n, seed + 1)
    wa = h["working_age"].to_numpy(float)
    land = h["land_m2"].to_numpy(float) / 1000
    logits = np.column_stack([
        np.full(n, 1.0),
        0.3 + 0.4 * (wa >= 1),
        -0.5 + 0.8 * np.minimum(land, 2),
        -0.8 + 0.5 * h["registered_exit"].to_numpy(),
        -0.5 + 0.0 * wa,
        -1.0 + 0.4 * np.minimum(wa, 3),
        -1.5 + 0.5 * np.minimum(wa, 3) + 0.5 * h["registered_exit"].to_numpy(),
    ])
    if not targeted:
        logits = np.zeros_like(logits)
    pr = np.exp(logits)
    pr /= pr.sum(axis=1, keepdims=True)
    u = rng.random(n)
    arm = (u[:, None] > np.cumsum(pr, axis=1)).sum(axis=1)
    arms = np.array(("none", *KINDS), dtype=object)[arm]
    P = true_probabilities(h).to_numpy()
    y = rng.binomial(1, P[np.arange(n), arm])
    hist = h.drop(columns=["household_id", "commune_id"]).copy()
    hist.insert(0, "year", rng.integers(2019, 2024, n))
    hist["intervention"] = arms
    hist["sustained_exit"] = y
    return hist
