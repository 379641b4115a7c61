"""What the commune's review records beyond the household's traits: the register extras.

A synthetic register (and its history) gets the three extras communes keep (contract, "Register
extras"), drawn from the household's own columns:

* ``income_score``, the review form's income score (điểm A, form B1). The form does not ask for
  income: it scores assets and living conditions, and its points are meant to track income per
  person. Here the score is ``140 * income_vnd / LINE_RURAL`` (140 points is the rural score line
  of 2022-2026, about the 1,500,000 VND income line) plus the points the form would give or take
  for what it sees (livestock, land, grid power, a solid house, floor area, a means of
  information, dependants), centred on the register's typical household, plus the scorer's noise.
  So the score rises with income, and it classifies a household on the same side of the line as
  its income does for 92-94% of households (measured on several seeds); the others are near the
  line (nine in ten of them have incomes within 12% of it), which is where a form that scores
  assets errs. On a synthetic register every income is at or below the line, so the score errs
  one way: it puts a few households just under the income line above the score line.
* the causes of poverty (``cause_*``, 0/1), as the review records them: lack of land where the
  household has little land, lack of labour where it has no or few working-age members for its
  size, illness where a member has a disability (and sometimes otherwise), lack of know-how more
  often where adult education is lacking and of skills where a working-age member has no job;
  lack of capital is the most common; ``cause_other`` is rare. A poor household with none of them
  gets lack of capital most of the time, so almost every poor household has a cause.
* ``wants``, the kinds of support the household asked for (``;``-separated): one to three kinds,
  chosen by what helps it (the truth's gains, :func:`targeting.synth.truth.true_probability`)
  blurred by noise, so most ask for a kind that helps them and some for one that does not; about
  one in twelve asks for nothing.

Every income stays in ``income_vnd``: the scenario classifies by income where it has one, the
``poorest`` strategy orders by it (a register mixing incomes and scores puts score-only households
first, :func:`targeting.data.schema.income_key`), and the truth depends on it. Blanking some
incomes would make the sample's ``poorest`` baseline rank those households first for a reason
that is not theirs, so the sample keeps them; the score test is exercised by dropping
``income_vnd`` (tests/test_synth.py does, with :func:`targeting.data.standards.classify`).

The causes are drawn before the outcomes, because they change which support helps (the truth);
the score and ``wants`` follow. All draws come from the generator passed in, in a fixed order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import CAUSES, KINDS
from ..data.schema import WANTS_SEPARATOR
from .truth import LINE_RURAL, true_probability

__all__ = ["SCORE_LINE_RURAL", "add_causes", "add_income_score", "add_wants"]

#: The rural income-score line of 2022-2026 (points; at or below = under the line).
SCORE_LINE_RURAL = 140
#: The scorer's noise (points, standard deviation).
_SCORE_NOISE = 12.0
#: The form's points for what it sees, averaged over synthetic register households (so the
#: score of a typical household is its income's points).
_TRAIT_POINTS_MEAN = 4.2


def _num(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.zeros(len(frame))


def add_causes(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with the eight ``cause_*`` columns (0/1) appended, drawn from its traits."""
    n = len(frame)
    land = _num(frame, "land_m2")
    wa = _num(frame, "working_age")
    members = np.maximum(_num(frame, "members"), 1)
    poor = (frame["status"].astype(str) == "poor").to_numpy()
    u = rng.random((n, len(CAUSES)))
    p = {
        "cause_land": np.where(land < 500, 0.85, np.where(land < 1000, 0.35, 0.04)),
        "cause_capital": np.where(poor, 0.50, 0.35),
        "cause_labour": np.where(wa == 0, 0.90, np.where((wa == 1) & (members >= 4), 0.45, 0.04)),
        "cause_tools": np.full(n, 0.15),
        "cause_know_how": np.where(_num(frame, "dep_adult_education") > 0, 0.40, 0.15),
        "cause_skills": np.where((_num(frame, "dep_employment") > 0) & (wa >= 1), 0.45, 0.15),
        "cause_illness": np.where(_num(frame, "disability") > 0, 0.75, 0.06),
        "cause_other": np.full(n, 0.03),
    }
    flags = np.column_stack([(u[:, j] < p[c]) for j, c in enumerate(CAUSES)]).astype(int)
    none = flags.sum(axis=1) == 0
    fill = none & poor & (rng.random(n) < 0.8)
    flags[fill, CAUSES.index("cause_capital")] = 1
    out = frame.copy()
    for j, c in enumerate(CAUSES):
        out[c] = flags[:, j]
    return out


def add_income_score(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with ``income_score`` (int points) appended after ``income_vnd``."""
    ratio = _num(frame, "income_vnd") / LINE_RURAL
    seen = (
        3.0 * np.minimum(_num(frame, "livestock_units"), 3)
        + 4.0 * np.log1p(_num(frame, "land_m2") / 1000.0)
        + 4.0 * _num(frame, "grid_power")
        - 4.0 * _num(frame, "dep_housing_quality")
        - 3.0 * _num(frame, "dep_floor_area")
        - 3.0 * _num(frame, "dep_info_access")
        - 2.0 * np.maximum(_num(frame, "members") - _num(frame, "working_age") - 1, 0)
    )
    score = SCORE_LINE_RURAL * ratio + 0.6 * (seen - _TRAIT_POINTS_MEAN) + rng.normal(0, _SCORE_NOISE, len(frame))
    out = frame.copy()
    at = list(out.columns).index("income_vnd") + 1 if "income_vnd" in out.columns else len(out.columns)
    out.insert(at, "income_score", np.maximum(np.round(score), 0).astype(np.int64))
    return out


def add_wants(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with ``wants`` appended: the kinds asked for, best-helping first, or empty."""
    n = len(frame)
    p0 = true_probability(frame, "none")
    gains = np.column_stack([true_probability(frame, k) - p0 for k in KINDS])
    # what the household thinks would help: the true gain blurred by what it does not know
    noisy = gains + rng.gumbel(0.0, 0.04, (n, len(KINDS)))
    order = np.argsort(-noisy, axis=1, kind="stable")
    how_many = rng.choice([0, 1, 2, 3], size=n, p=[0.08, 0.42, 0.32, 0.18])
    kinds = np.array(KINDS, dtype=object)
    wants = [WANTS_SEPARATOR.join(kinds[order[i, :how_many[i]]]) for i in range(n)]
    out = frame.copy()
    out["wants"] = pd.Series(wants, index=out.index, dtype="object")
    return out
