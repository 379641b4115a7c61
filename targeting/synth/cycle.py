"""What happens after a plan, drawn from the ground truth: the registers that follow a year.

``targeting review`` reads two later registers: one year on (``after``) and two years after that
(``followup``). A household off the first and off the second is a *sustained exit*; off the first
and back on the second *fell back* (tái nghèo). Here both registers are drawn so that each
household's chance of a sustained exit is exactly the truth's
(:func:`targeting.synth.truth.true_probability` under the support it got):

* it is off the register one year on with probability ``q = min(1, p / (1 - fall_back))``;
* of those, it falls back with probability ``1 - p / q`` (``fall_back`` wherever ``q < 1``),

so ``P(sustained) = q * p / q = p``. A household still on the register one year on keeps its row;
a poor one becomes near-poor with probability :data:`UP`, a near-poor one poor with :data:`DOWN`,
and it is on the follow-up with that status. Each
register also lists some *new* households (:data:`NEW_SHARE` of the register each time, copies
of register rows under new ids, as households that fall into poverty resemble those in it). A
household that fell back is on the follow-up as near-poor (:data:`FELL_BACK_NEAR` of them) or
poor. Everything is drawn from one generator in a fixed order that does not depend on the
support: two plans for the same register, drawn with the same seed, share their random numbers
(a fair comparison of plans with little noise).

This module knows nothing of plans (synth is below them): it takes the register and the kind of
support each household got. ``benchmarks/bench_learning_loop.py`` plays the whole cycle.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import REGISTER_STATUSES
from .truth import true_probability

__all__ = ["FALL_BACK", "UP", "DOWN", "NEW_SHARE", "FELL_BACK_NEAR", "Registers", "draw_exits",
           "draw_registers", "write_register"]

#: Share of the households off the register one year on that are back on it two years later
#: (where the truth's probability allows it: ``p <= 1 - FALL_BACK``).
FALL_BACK = 0.2
#: A poor household still on the register is near-poor one year on with this probability.
UP = 0.15
#: A near-poor household still on the register is poor one year on with this probability.
DOWN = 0.10
#: New households on each later register, as a share of the register the plan was made for.
NEW_SHARE = 0.05
#: A household that fell back is near-poor on the follow-up with this probability (else poor).
FELL_BACK_NEAR = 0.6


@dataclass
class Registers:
    """The registers that follow a plan, and what they mean for each household of the plan.

    Attributes
    ----------
    after, followup : DataFrame
        The registers one year on and two years after that, in households.csv format (the
        columns of the register given, statuses ``poor`` / ``near_poor``).
    outcomes : DataFrame
        One row per household of the register given: ``household_id``, ``kind``, ``p`` (the
        true probability of a sustained exit with that support), ``exited`` (off the register one
        year on), ``fell_back`` and ``sustained_exit`` (0/1).
    """

    after: pd.DataFrame
    followup: pd.DataFrame
    outcomes: pd.DataFrame


def draw_exits(p, rng: np.random.Generator, *, fall_back: float = FALL_BACK) -> tuple[np.ndarray, np.ndarray]:
    """Draw who is off the register one year on and who is still off two years later.

    Parameters
    ----------
    p : array-like of float
        Each household's probability of a sustained exit, in [0, 1].
    rng : numpy Generator
        Two uniform draws per household, in that order.
    fall_back : float
        Share of one-year exits that fall back, in [0, 1).

    Returns
    -------
    exited, sustained : ndarray of bool
        ``sustained`` implies ``exited``; ``P(sustained) = p`` and ``P(exited) = min(1, p / (1 -
        fall_back))`` for every household.

    Raises
    ------
    ValueError
        For a probability outside [0, 1] or ``fall_back`` outside [0, 1).
    """
    p = np.asarray(p, dtype=float)
    if not 0.0 <= fall_back < 1.0:
        raise ValueError(f"fall_back must be in [0, 1); got {fall_back}")
    if p.size and (np.isnan(p).any() or p.min() < 0.0 or p.max() > 1.0):
        raise ValueError("every probability must be in [0, 1]")
    q = np.minimum(1.0, p / (1.0 - fall_back))
    u_exit, u_stay = rng.random(p.size), rng.random(p.size)
    exited = u_exit < q
    # P(still off | off) = p / q, so P(sustained) = q * p / q = p (and 0 where p = 0)
    stay = np.divide(p, q, out=np.zeros_like(p), where=q > 0)
    return exited, exited & (u_stay < stay)


def draw_registers(households: pd.DataFrame, kinds, rng: np.random.Generator, *,
                   fall_back: float = FALL_BACK, new_share: float = NEW_SHARE,
                   prefix: str = "NEW") -> Registers:
    """Draw the registers one year and three years after a plan for ``households``.

    Parameters
    ----------
    households : DataFrame
        The register the plan was made for (the columns of households.csv, with ``status``).
    kinds : str or array-like of str
        The support each household got: ``none`` (or an empty string) or a project kind; one
        for all rows or one per row.
    rng : numpy Generator
        Drawn from in a fixed order that does not depend on ``kinds``.
    fall_back : float
        See :func:`draw_exits`.
    new_share : float
        New households on each later register, as a share of ``households``.
    prefix : str
        New households' ids are ``{prefix}-A-00001`` (first on ``after``) and ``{prefix}-F-00001``
        (first on ``followup``).

    Returns
    -------
    Registers

    Raises
    ------
    ValueError
        If a status is not poor or near-poor, a household id repeats or would clash with a new
        one, or for the errors of :func:`draw_exits` and
        :func:`targeting.synth.truth.true_probability`.
    """
    h = households.reset_index(drop=True)
    status = h["status"].astype(str).to_numpy()
    if not np.isin(status, REGISTER_STATUSES).all():
        raise ValueError("every household of the plan's register must be poor or near_poor")
    ids = h["household_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"household_id {ids[ids.duplicated()].iloc[0]} repeats")
    if ids.str.startswith(f"{prefix}-").any():
        raise ValueError(f"household ids starting with {prefix}- would clash with the new households' ids")
    if isinstance(kinds, str):
        kinds = np.full(len(h), kinds, dtype=object)
    kinds = np.asarray(pd.Series(kinds, dtype=object).replace("", "none").fillna("none").to_numpy(), dtype=object)
    if len(kinds) != len(h):
        raise ValueError(f"{len(kinds)} kinds for {len(h)} households")
    p = true_probability(h, kinds)
    exited, sustained = draw_exits(p, rng, fall_back=fall_back)
    n_new = int(round(new_share * len(h)))
    # the status moves of those who stay, and the new households: drawn for every household, so
    # the stream does not depend on who exited
    move = rng.random(len(h))
    near_again = rng.random(len(h)) < FELL_BACK_NEAR
    new_after = _new_households(h, n_new, rng, f"{prefix}-A")
    new_followup = _new_households(h, n_new, rng, f"{prefix}-F")

    stays = h[~exited].copy()
    s = status[~exited]
    m = move[~exited]
    stays["status"] = np.where((s == "poor") & (m < UP), "near_poor",
                               np.where((s == "near_poor") & (m < DOWN), "poor", s))
    after = pd.concat([stays, new_after], ignore_index=True)

    back = h[exited & ~sustained].copy()
    back["status"] = np.where(near_again[exited & ~sustained], "near_poor", "poor")
    followup = pd.concat([stays, back, new_after, new_followup], ignore_index=True)
    outcomes = pd.DataFrame({
        "household_id": ids,
        "kind": kinds,
        "p": p,
        "exited": exited.astype(int),
        "fell_back": (exited & ~sustained).astype(int),
        "sustained_exit": sustained.astype(int),
    })
    return Registers(after=after, followup=followup, outcomes=outcomes)


def _new_households(h: pd.DataFrame, n: int, rng: np.random.Generator, prefix: str) -> pd.DataFrame:
    """``n`` copies of register rows drawn at random, under new ids."""
    rows = h.iloc[rng.integers(0, len(h), n)].copy() if len(h) else h.iloc[:0].copy()
    rows["household_id"] = [f"{prefix}-{i + 1:05d}" for i in range(len(rows))]
    return rows.reset_index(drop=True)


def write_register(register: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a register as a households.csv file (UTF-8, whole numbers without a decimal point).

    Parameters
    ----------
    register : DataFrame
        A register of :class:`Registers`.
    path : path
        The file to write.

    Returns
    -------
    Path
    """
    path = Path(path)
    register.to_csv(path, index=False, lineterminator="\n", float_format="%.12g")
    return path
