"""The ground truth of every synthetic world: who exits poverty sustainably, with which support.

The probability that a household exits poverty sustainably with support of kind ``k`` (or
``none``) is ``sigmoid(base(x) + effect_k(x))``, a function of the household's observed columns
only (:func:`true_probability`; the coefficients are in :func:`base_log_odds` and
:func:`effect_log_odds`):

* capacity rises with working-age members, registration to exit, grid power, income closer to
  the line and near-poor status; it falls with dependants, years in poverty, distance to an
  all-weather road, disability and the number of deprivations;
* livestock helps households with a working-age member, more so with livestock already, less
  far from a road; crops help only with at least 500 m2 of land, more with more land; value-chain
  linkage helps most, but only with a working-age member and 1,000 m2 of land, and less far from
  a road; community projects help everyone a little, ethnic-minority households more; vocational
  training needs a working-age member and helps less where adult education is lacking; labour
  export helps much with two or more working-age members, little with one, not at all with none.
* the causes of poverty recorded at the review (``cause_*``, 0/1) shift those effects modestly
  (each by at most 0.4 in log-odds, and no effect below zero): a household lacking land gains
  less from livestock and crops and more from labour export and vocational training; lacking
  capital, more from livestock and value chains (an asset or a buyer's advance); lacking tools,
  more from crops; lacking know-how, more from livestock and community projects (which come with
  training); lacking skills, much more from vocational training; lacking labour, less from labour
  export and more from community projects; illness, much less from labour export and less from
  livestock. The base log-odds do not depend on them, so they matter only for which support helps.

A missing column counts as its default (0, one member), so any frame with the household columns
of ``households.csv`` can be scored. The truth never enters a scenario file: tests and
benchmarks call these functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import CAUSES, DEPRIVATIONS, KINDS

__all__ = [
    "LINE_RURAL",
    "INDICATORS_2022",
    "base_log_odds",
    "effect_log_odds",
    "sigmoid",
    "true_probability",
    "true_probabilities",
    "true_gains",
    "true_capacity",
]

#: The rural poverty line (VND per person per month, 2022-2025) the synthetic incomes are drawn
#: against.
LINE_RURAL = 1_500_000
#: The deprivation indicators of the 2022-2025 standard (every one but ``dep_waste``).
INDICATORS_2022 = [d for d in DEPRIVATIONS if d != "dep_waste"]


def _col(frame: pd.DataFrame, name: str, default: float = 0.0) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").fillna(default).to_numpy(dtype=float)
    return np.full(len(frame), default, dtype=float)


def base_log_odds(frame: pd.DataFrame) -> np.ndarray:
    """True log-odds of a sustained exit without support.

    Parameters
    ----------
    frame : DataFrame
        Household rows (the columns of ``households.csv``; missing ones count as their default).

    Returns
    -------
    ndarray
        One log-odds per row.
    """
    wa = _col(frame, "working_age")
    members = _col(frame, "members", 1)
    deps = sum(_col(frame, d) for d in INDICATORS_2022)
    income_ratio = _col(frame, "income_vnd") / LINE_RURAL
    near = (frame["status"].astype(str) == "near_poor").to_numpy(dtype=float) if "status" in frame else 0
    return (
        -2.0
        + 0.40 * np.minimum(wa, 3)
        - 0.50 * (wa == 0)
        - 0.15 * np.maximum(members - wa - 1, 0)
        + 0.60 * _col(frame, "registered_exit")
        - 0.10 * np.minimum(_col(frame, "years_poor"), 10)
        - 0.05 * np.minimum(_col(frame, "road_km"), 30)
        + 0.35 * _col(frame, "grid_power")
        - 0.45 * _col(frame, "disability")
        - 0.12 * deps
        + 1.20 * (np.minimum(income_ratio, 1.5) - 0.75)
        - 0.15 * _col(frame, "ethnic_minority")
        + 0.50 * near
        + 0.10 * np.log1p(_col(frame, "land_m2") / 1000.0)
    )


def effect_log_odds(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """True change in the log-odds of a sustained exit that support of ``kind`` brings.

    Parameters
    ----------
    frame : DataFrame
        Household rows, as for :func:`base_log_odds`.
    kind : str
        ``none`` (no support: zero) or one of :data:`targeting.config.KINDS`.

    Returns
    -------
    ndarray
        One log-odds effect per row, never negative.

    Raises
    ------
    ValueError
        For an unknown kind.
    """
    n = len(frame)
    if kind == "none":
        return np.zeros(n)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected none or one of {', '.join(KINDS)}")
    wa = _col(frame, "working_age")
    land = _col(frame, "land_m2")
    road = np.minimum(_col(frame, "road_km"), 30)
    em = _col(frame, "ethnic_minority")
    cause = {c: _col(frame, c) for c in CAUSES}
    if kind == "livestock":
        e = (0.8 + 0.15 * np.minimum(_col(frame, "livestock_units"), 3) - 0.03 * road + 0.2 * em
             - 0.25 * cause["cause_land"] + 0.2 * cause["cause_capital"] + 0.15 * cause["cause_know_how"]
             - 0.2 * cause["cause_illness"])
        return np.where(wa >= 1, np.maximum(e, 0), 0.0)
    if kind == "crop":
        e = 0.3 + 0.5 * np.minimum(land / 3000.0, 1.5) - 0.3 * cause["cause_land"] + 0.2 * cause["cause_tools"]
        return np.where(land >= 500, np.maximum(e, 0), 0.0)
    if kind == "value_chain":
        e = 1.1 + 0.3 * _col(frame, "registered_exit") - 0.05 * road + 0.25 * cause["cause_capital"]
        return np.where((wa >= 1) & (land >= 1000), np.maximum(e, 0), 0.0)
    if kind == "community":
        e = 0.5 + 0.2 * em + 0.15 * cause["cause_know_how"] + 0.15 * cause["cause_labour"]
        return np.where(wa >= 1, e, 0.25)
    if kind == "vocational":
        e = (0.4 + 0.35 * (1 - _col(frame, "dep_adult_education")) + 0.15 * np.minimum(wa, 3)
             + 0.4 * cause["cause_skills"] + 0.15 * cause["cause_land"])
        return np.where(wa >= 1, e, 0.0)
    e = (np.where(wa >= 2, 1.3 + 0.1 * np.minimum(wa - 2, 3), np.where(wa == 1, 0.2, 0.0))
         + 0.3 * cause["cause_land"] - 0.4 * cause["cause_labour"] - 0.4 * cause["cause_illness"])
    return np.where(wa >= 1, np.maximum(e, 0), 0.0)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def true_probability(frame: pd.DataFrame, kind: str | pd.Series | np.ndarray) -> np.ndarray:
    """True P(sustained exit) of each row with support ``kind``.

    Parameters
    ----------
    frame : DataFrame
        Household rows, as for :func:`base_log_odds`.
    kind : str or array-like of str
        ``none`` or a project kind: one for all rows, or one per row.

    Returns
    -------
    ndarray
        One probability per row.
    """
    base = base_log_odds(frame)
    if isinstance(kind, str):
        return sigmoid(base + effect_log_odds(frame, kind))
    kinds = np.asarray(kind, dtype=object)
    eff = np.zeros(len(frame))
    for k in set(kinds.tolist()):
        m = kinds == k
        eff[m] = effect_log_odds(frame, k)[m]
    return sigmoid(base + eff)


def true_probabilities(frame: pd.DataFrame) -> pd.DataFrame:
    """True P(sustained exit) of each row under every arm.

    Parameters
    ----------
    frame : DataFrame
        Household rows, as for :func:`base_log_odds`.

    Returns
    -------
    DataFrame
        Columns ``p_none`` and ``p_<kind>`` for each of :data:`targeting.config.KINDS` (the
        order of a model's ``predict_proba_all``), indexed like ``frame``.
    """
    return pd.DataFrame({f"p_{k}": true_probability(frame, k) for k in ("none", *KINDS)},
                        index=frame.index)


def true_gains(households: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """True gain of each eligible pair.

    Parameters
    ----------
    households : DataFrame
        Household rows with ``household_id``.
    pairs : DataFrame
        ``household_id, kind`` (and anything else) per pair.

    Returns
    -------
    ndarray
        P(sustained exit) with the pair's project kind minus P without support, one per pair.
    """
    h = households.set_index("household_id").loc[pairs["household_id"]].reset_index()
    return true_probability(h, pairs["kind"].to_numpy()) - true_probability(h, "none")


def true_capacity(households: pd.DataFrame, kinds=KINDS) -> np.ndarray:
    """True P(sustained exit) with the most suitable support.

    Parameters
    ----------
    households : DataFrame
        Household rows, as for :func:`base_log_odds`.
    kinds : sequence of str
        The kinds on offer (default: every kind).

    Returns
    -------
    ndarray
        Per row, the highest true probability over ``kinds`` and no support.
    """
    ps = [true_probability(households, k) for k in ("none", *kinds)]
    return np.max(np.vstack(ps), axis=0)
