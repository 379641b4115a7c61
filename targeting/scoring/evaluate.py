"""Cross-validated evidence for choosing an estimator: calibration and uplift quality.

Probability quality is measured on the arm each household actually received (Brier score, log
loss, a reliability table and its expected calibration error). Uplift quality, for each support
against none, is a gain curve: rank households by the estimated gain, and estimate from the
observed outcomes, reweighted by the estimated propensities, the exits added by supporting the top
q of them; the area between that curve and random targeting (an AUUC / Qini-style number) and the
value at q = 30% are reported, both with inverse-propensity weights (IPW) and doubly robust (AIPW)
scores that use a common out-of-fold outcome model. Both are unbiased only under unconfoundedness
and overlap (see :mod:`.learners`). The folds they run on are :mod:`.crossval`'s; propensities are clipped at ``clip``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

__all__ = ["platt_fit", "platt_apply", "reliability", "brier", "log_loss", "log_loss_rows",
           "uplift_scores", "uplift_curve", "auuc_rows"]

QS = np.linspace(0.1, 1.0, 10)


def _logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def platt_fit(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit ``sigmoid(a * logit(p) + b)`` to outcomes (a monotone map, so ranks are kept)."""
    if len(np.unique(y)) < 2 or len(p) < 20:
        return 1.0, 0.0
    z = _logit(p).reshape(-1, 1)
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(z, y)
    a = float(np.clip(lr.coef_[0, 0], 0.05, 20.0))
    return a, float(lr.intercept_[0])


def platt_apply(p: np.ndarray, ab: tuple[float, float]) -> np.ndarray:
    a, b = ab
    return expit(a * _logit(p) + b)


def brier(p, y) -> float:
    return float(np.mean((p - y) ** 2))


def log_loss(p, y) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def log_loss_rows(p, y) -> np.ndarray:
    """Per-row terms whose mean is :func:`log_loss` (for paired standard errors)."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def reliability(p, y, bins: int = 10) -> dict:
    """Reliability table on equal-width bins and the expected calibration error."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.sum() == 0:
            continue
        mp, my = float(p[m].mean()), float(y[m].mean())
        table.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(m.sum()),
                      "mean_predicted": round(mp, 4), "observed_rate": round(my, 4)})
        ece += m.sum() / len(p) * abs(mp - my)
    return {"ece": float(ece), "table": table}


def uplift_scores(t, y, e, arm: int, clip: float = 0.02, mu=None) -> np.ndarray:
    """Per-row uplift scores of ``arm`` vs no support: IPW, or AIPW with outcome predictions ``mu``."""
    ea = np.clip(e[:, arm], clip, 1)
    e0 = np.clip(e[:, 0], clip, 1)
    if mu is None:
        return y * ((t == arm) / ea - (t == 0) / e0)
    return (mu[:, arm] - mu[:, 0] + (t == arm) * (y - mu[:, arm]) / ea
            - (t == 0) * (y - mu[:, 0]) / e0)


def uplift_curve(tau_hat, t, y, e, arm: int, clip: float = 0.02, mu=None) -> dict:
    """Gain curve of targeting ``arm`` (vs none, arm 0) to households ranked by ``tau_hat``.

    ``gain(q)`` estimates the exits per household added by giving ``arm`` to the top q of all
    households; ``auuc`` is the mean over q in 0.1..1 of gain(q) - q * gain(1) (0 for a random
    ranking, positive when the ranking finds those who gain most). Without ``mu`` the per-row
    scores are IPW; with ``mu`` (out-of-fold outcome predictions, ``(n, n_arms)``) they are
    doubly robust (AIPW): ``mu_a - mu_0 + [t=a](y - mu_a)/e_a - [t=0](y - mu_0)/e_0``, unbiased
    if either the propensities or the outcome model is right, and much less noisy.
    """
    n = len(y)
    z = uplift_scores(t, y, e, arm, clip, mu)
    order = np.argsort(-tau_hat, kind="stable")
    cz = np.cumsum(z[order]) / n
    gains = np.array([cz[max(0, int(round(q * n)) - 1)] for q in QS])
    total = gains[-1]
    diffs = gains - QS * total
    return {"n_arm": int((t == arm).sum()), "ate": float(total),
            "auuc": float(diffs.mean()), "gain_at_30": float(np.interp(0.3, QS, gains) - 0.3 * total)}


def auuc_rows(tau_hat, t, y, e, arm: int, clip: float = 0.02, mu=None) -> np.ndarray:
    """Per-row terms whose mean is :func:`uplift_curve`'s ``auuc`` for the same arguments.

    The AUUC is linear in the per-row scores: row i adds ``z_i * (share of the q in QS whose top
    q holds i - mean(QS))``. Differences of two rankings' terms, row by row, give a paired
    standard error of their AUUC difference.
    """
    n = len(y)
    z = uplift_scores(t, y, e, arm, clip, mu)
    rank = np.empty(n, dtype=int)
    rank[np.argsort(-tau_hat, kind="stable")] = np.arange(n)
    tops = np.array([max(1, int(round(q * n))) for q in QS])
    share = (rank[:, None] < tops[None, :]).mean(axis=1)
    return z * (share - QS.mean())
