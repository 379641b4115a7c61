"""The objective: the sum of gains, scaled to integers without changing the optimum; and the
tie-break that prefers poorer households, then lower cost, without ever touching the optimum.

Scaling. Integer gains are used as they are. Decimal gains (as typed in gains.csv: 0.35, 1.125)
are multiplied by the smallest power of ten that makes every one of them an integer (up to
10**9), which is exact: every plan's scaled objective is exactly 10**d times its true objective,
so the argmax is unchanged. Gains with more digits (model output such as 0.123456789012) are
used as floats by the MIP (HiGHS), which reports its own bound; for CP-SAT they are rounded to
about 10**6 units of the largest gain, and the rounding error of any plan (at most ``n/2`` units
over ``n`` supported households) is added to the bound by :func:`true_bound`, so the reported
bound is still a proven upper bound on the true objective.

Tie-break with CP-SAT (lexicographic, in a second solve); with HiGHS see
:func:`small_tiebreak_weights` (in the objective, scaled below one unit of gain). After the primary solve, the objective is fixed:
``sum(scaled_gain * x) >= best`` (``keep_optimum``), an integer constraint, so every solution of
the second solve has exactly the primary objective (or more, were the first not proven). The
second solve maximises ``tiebreak_weights``: ``poverty_level * (N*L + 1) + (L - cost_rank)``
where ``L`` is the number of distinct costs and ``N`` the households, so any gain in poorer
households outweighs any cost difference over the whole plan. No epsilon is mixed into the
primary objective, so the optimum can never move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .instance import Instance

__all__ = ["ScaledGains", "scale_gains", "tiebreak_weights", "small_tiebreak_weights",
           "mip_objective", "mip_bound"]

_MAX_EXACT_DIGITS = 9
_SUM_LIMIT = 2.0**53
#: Inexact gains are rounded to this many units for the largest gain: fine enough that rounding
#: costs at most n / (2 * 10**6) of the largest gain over n households (added to the bound),
#: coarse enough to keep solver numerics sound.
_INEXACT_UNITS = 1e6


@dataclass(frozen=True)
class ScaledGains:
    values: np.ndarray  # int64 per pair
    scale: float  # scaled = round(gain * scale)
    exact: bool

    def true_bound(self, scaled_bound: float, n_households: int) -> float:
        """A proven upper bound on the true objective from a bound on the scaled one."""
        if self.exact:
            return scaled_bound / self.scale
        return (scaled_bound + 0.5 * n_households) / self.scale


def scale_gains(gain: np.ndarray, n_households: int | None = None) -> ScaledGains:
    g = np.asarray(gain, dtype=float)
    if len(g) == 0:
        return ScaledGains(np.zeros(0, dtype=np.int64), 1.0, True)
    big = float(np.abs(g).max()) or 1.0
    for d in range(_MAX_EXACT_DIGITS + 1):
        s = 10.0**d
        gs = g * s
        r = np.round(gs)
        if big * s * len(g) > _SUM_LIMIT:
            break
        # exact as a decimal with d digits: the float is the nearest double to r / 10**d
        if np.all(r / s == g):
            return ScaledGains(r.astype(np.int64), s, True)
    s = 10.0 ** np.floor(np.log10(_INEXACT_UNITS / big))
    return ScaledGains(np.round(g * s).astype(np.int64), float(s), False)


def tiebreak_weights(inst: Instance) -> np.ndarray:
    """Secondary objective per pair: poorer households first, then lower cost."""
    costs = np.unique(inst.pair_cost)
    cost_rank = np.searchsorted(costs, inst.pair_cost)
    L = len(costs)
    N = len(inst.hh_ids)
    poverty = inst.hh_poverty[inst.pair_h].astype(np.int64)
    return poverty * (N * L + 1) + (L - cost_rank)


def small_tiebreak_weights(inst: Instance) -> np.ndarray:
    """A compact tie-break for MIP solvers that take it in the objective:
    ``poverty_level * (L + 1) + (L - cost_rank)`` (>= 0). The MIP objective is
    ``K * scaled_gain + weight`` with ``K`` = (sum of all weights) + 1, so one scaled unit of gain
    outweighs any tie-break difference: the gain optimum is unchanged (exact in double precision
    while ``K * sum|scaled gains| < 2**52``, checked; otherwise no tie-break)."""
    costs = np.unique(inst.pair_cost)
    cost_rank = np.searchsorted(costs, inst.pair_cost)
    L = len(costs)
    poverty = inst.hh_poverty[inst.pair_h].astype(np.int64)
    return (poverty * (L + 1) + (L - cost_rank)).astype(np.int64)


def mip_objective(inst: Instance, tiebreak: bool) -> tuple[np.ndarray, int, ScaledGains]:
    """A MIP's objective per pair (to maximise), the factor ``K`` of the gain in it, and the
    scaled gains: ``K * scaled_gain + tie_break`` when the gains scale exactly (``K`` more than
    any difference of tie-break totals between plans, so one unit of gain outweighs them all),
    else the gains as floats (no tie-break). The HiGHS back-ends (scipy and MathOpt) share it."""
    sg = scale_gains(inst.pair_gain, len(inst.hh_ids))
    if not sg.exact:
        return np.asarray(inst.pair_gain, dtype=float), 1, sg
    K, w = 1, 0
    if tiebreak:
        w = small_tiebreak_weights(inst)
        K = int(w.sum()) + 1
        if float(np.abs(sg.values).sum()) * K + K > 2.0**52:
            K, w = 1, 0  # no room in double precision: no tie-break
    return sg.values.astype(float) * K + w, K, sg


def mip_bound(sg: ScaledGains, K: int, solver_bound: float, n_households: int) -> tuple[float, dict]:
    """The proven upper bound on the true objective from a MIP's bound on :func:`mip_objective`'s
    objective, and what plan.json says of the scaling. Exact gains: the combined bound divided
    by ``K`` bounds the primary (tie-break totals are >= 0 and < ``K``). Float gains: the solver
    proves within its feasibility tolerance, so the bound is padded to stay one. A solver that
    stopped before proving any bound: infinite."""
    tb = "in_objective" if K > 1 else "skipped"
    if not math.isfinite(solver_bound):
        return math.inf, {"tiebreak": tb}
    if sg.exact:
        return (sg.true_bound(math.floor(solver_bound / K + 1e-9), n_households),
                {"gain_scale": sg.scale, "gain_scale_exact": True, "tiebreak": tb})
    return solver_bound + 1e-6 * max(1.0, abs(solver_bound)), {"gains": "float", "tiebreak": "skipped"}
