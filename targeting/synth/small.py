"""Small household tables and histories with the synthetic ground truth, for the scoring model.

No communes, projects or cooperatives: just households (in communes ``C0, C1, ...`` and villages
``V0 .. V4``, features drawn independently, fast at a million rows) and past programme rows.
Exits follow the one ground truth (:mod:`targeting.synth.truth`) and past support is targeted as
in the full world (:mod:`targeting.synth.history`), so the true probabilities per arm that a
model is measured against are :func:`true_probabilities`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .history import past_support
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


def make_history(n: int, seed: int = 0) -> pd.DataFrame:
    """Past programme rows: households, the support they got (targeted) and the outcome.

    Parameters
    ----------
    n : int
        Number of rows.
    seed : int
        Seed of the households (drawn with ``seed + 1``) and of support and outcomes.

    Returns
    -------
    DataFrame
        The columns of ``history.csv``: ``year`` (2019-2021), the household columns but
        ``household_id`` and ``commune_id``, ``intervention`` and ``sustained_exit``.
    """
    rng = np.random.default_rng(seed + 10_000)
    past = past_support(make_households(n, seed + 1), rng, 2019)
    return past.drop(columns=["household_id", "commune_id"])
