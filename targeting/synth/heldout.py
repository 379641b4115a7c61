"""A held-out world: households and histories whose truth is NOT the synthetic world's.

The scoring model's learners were developed and tuned against the synthetic world's truth
(:mod:`targeting.synth.truth`, additive in log-odds). A model that only works there would pass
every check built from it, so the learners are also checked here, on a world they were not tuned
to: small and fast (a million rows in seconds), no communes or projects, and a different truth
with interactions of another shape. ``targeting synth`` never uses it; the scoring tests and
``benchmarks/bench_scoring.py`` do. Exit probabilities follow a logistic model
whose effects depend on the household (labour export and vocational help only households with
working-age members, crops need land, value chains need a road), and past support is targeted on
``registered_exit``, working-age members and land, as in real programmes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import DEPRIVATIONS, KINDS

__all__ = ["make_households", "true_probabilities", "make_history"]


def make_households(n: int, seed: int = 0, communes: int = 3) -> pd.DataFrame:
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
    for d in DEPRIVATIONS[:12]:
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


def true_probabilities(h: pd.DataFrame) -> pd.DataFrame:
    """The true P(sustained exit) under each arm: ``p_none, p_livestock, ...``."""
    wa = h["working_age"].to_numpy(float)
    land = h["land_m2"].to_numpy(float) / 1000
    road = h["road_km"].to_numpy(float)
    dep = h[[d for d in DEPRIVATIONS[:12]]].sum(axis=1).to_numpy(float)
    z0 = (-1.6 + 0.35 * np.minimum(wa, 3) - 0.07 * road + 0.9 * h["registered_exit"].to_numpy()
          - 0.12 * dep + 0.15 * land - 0.05 * h["years_poor"].to_numpy() + 0.4 * h["grid_power"].to_numpy()
          + 0.6 * (h["status"].to_numpy() == "near_poor"))
    has_wa = (wa >= 1).astype(float)
    effects = {
        "livestock": 0.5 * has_wa + 0.3 * (h["livestock_units"].to_numpy() > 0.5),
        "crop": 0.9 * np.minimum(land, 2.0) - 0.2,
        "value_chain": 1.1 * (road < 5) - 0.1 + 0.2 * np.minimum(land, 2.0),
        "community": 0.35 + 0.0 * wa,
        "vocational": 0.45 * np.minimum(wa, 3) - 0.3 * h["disability"].to_numpy(),
        "labour_export": 0.6 * np.minimum(wa, 3) - 0.6 * (wa <= 1),
    }
    out = {"p_none": 1 / (1 + np.exp(-z0))}
    for k in KINDS:
        out[f"p_{k}"] = 1 / (1 + np.exp(-(z0 + effects[k])))
    return pd.DataFrame(out, index=h.index)


def make_history(n: int, seed: int = 0, targeted: bool = True) -> pd.DataFrame:
    """Past programme rows: households, the intervention they got (targeted on features), outcome."""
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
