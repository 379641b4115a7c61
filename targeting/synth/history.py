"""How past support was assigned in a synthetic world, and what came of it (the history panel).

Past support was *targeted*, not random: the chance of any support rises with registration to
exit, poor status and working-age members, and falls with road distance; the kind given follows
the household's land, livestock, ethnicity and working-age members; programme rules were
respected (no vocational training or labour export without a working-age member). Assignment
depends on observed columns only, so the history satisfies unconfoundedness given those columns,
with limited overlap where the rules exclude a kind. An estimator that ignores the targeting is
biased; one that conditions on the features (or weights by estimated propensities) is not.
Outcomes are drawn from the ground truth (:func:`targeting.synth.truth.true_probability`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import KINDS
from .truth import sigmoid, true_probability

__all__ = ["past_support"]


def past_support(hist: pd.DataFrame, rng: np.random.Generator, year0: int) -> pd.DataFrame:
    """Assign past support as the programme did and draw each household's outcome.

    Parameters
    ----------
    hist : DataFrame
        Past households (the columns of ``households.csv``; ``household_id`` first).
    rng : numpy Generator
        Drawn from in a fixed order, so one seed gives one history.
    year0 : int
        First programme year; each row's ``year`` is one of ``year0 .. year0 + 2``.

    Returns
    -------
    DataFrame
        ``hist`` with ``year`` inserted second and ``intervention`` (``none`` or a kind) and
        ``sustained_exit`` (0/1) appended.
    """
    n = len(hist)
    wa = hist["working_age"].to_numpy()
    land = hist["land_m2"].to_numpy()
    road = hist["road_km"].to_numpy()
    poor = (hist["status"] == "poor").to_numpy()
    p_any = sigmoid(-0.5 + 0.9 * hist["registered_exit"].to_numpy() + 0.3 * poor
                    + 0.25 * np.minimum(wa, 2) - 0.04 * road)
    supported = rng.random(n) < p_any
    score = np.vstack(
        [
            0.5 + 0.4 * (hist["livestock_units"].to_numpy() > 0),            # livestock
            -0.2 + 0.9 * (land > 1000),                                       # crop
            np.where((land >= 1000) & (wa >= 1), 0.2 - 0.08 * road, -9),     # value_chain
            0.1 + 0.6 * hist["ethnic_minority"].to_numpy(),                   # community
            np.where(wa >= 1, 0.2, -9),                                       # vocational
            np.where(wa >= 2, 0.3, np.where(wa == 1, -1.0, -9)),              # labour_export
        ]
    ).T
    prob = np.exp(score - score.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    u = rng.random(n)[:, None]
    pick = (prob.cumsum(axis=1) < u).sum(axis=1)
    pick = np.minimum(pick, len(KINDS) - 1)
    intervention = np.where(supported, np.array(KINDS, dtype=object)[pick], "none")
    p = true_probability(hist, intervention)
    out = hist.copy()
    out.insert(1, "year", year0 + rng.integers(0, 3, n))
    out["intervention"] = intervention
    out["sustained_exit"] = (rng.random(n) < p).astype(int)
    return out
