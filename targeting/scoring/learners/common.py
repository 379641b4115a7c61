"""What every learner shares: arms as indices, per-arm prediction, the constant fall-back."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["Learner", "arms_of", "arm_one_hot", "by_arm", "constant_prob", "replaced_generic"]


def arms_of(arm, n: int) -> np.ndarray:
    """``arm`` (one index, or one per row) as an int array of ``n`` rows."""
    return np.broadcast_to(np.asarray(arm, dtype=int), (n,))


def arm_one_hot(arm: np.ndarray, n_arms: int) -> np.ndarray:
    """One 0/1 column per support (arms ``1 .. n_arms-1``); no support is all zeros."""
    oh = np.zeros((len(arm), n_arms - 1))
    rows = np.nonzero(arm > 0)[0]
    oh[rows, arm[rows] - 1] = 1.0
    return oh


def by_arm(one, X, arm) -> np.ndarray:
    """Predict row by row with ``one(X_rows, a)`` for each arm ``a`` present in ``arm``."""
    arm = arms_of(arm, len(X))
    out = np.empty(len(X))
    for a in np.unique(arm):
        rows = arm == a
        out[rows] = one(X[rows], int(a))
    return out


def constant_prob(y: np.ndarray) -> float:
    """The smoothed exit rate a learner predicts when the history has one outcome only."""
    return float((y.sum() + 1.0) / (len(y) + 2.0))


def replaced_generic(learner, X, arm, columns, refs):
    """P under ``arm`` as is, and with each of ``columns`` in turn set to its ``refs`` value."""
    base = learner.predict_arm(X, arm)
    res = []
    for j, ref in zip(columns, refs):
        X2 = X.copy()
        X2[:, j] = ref
        res.append(learner.predict_arm(X2, arm))
    return base, res


class Learner(BaseEstimator):
    """What a learner offers: ``fit(X, t, y)`` on an encoded feature matrix ``X``, the arm index
    ``t`` and the 0/1 outcome ``y``; ``predict_all(X)``, an ``(n, n_arms)`` matrix of
    probabilities; ``predict_arm(X, arm)``, the probability under one arm per row; and
    ``replaced_arm``, what explanations need (a learner may do it faster).

    Every learner takes the feature layout (``n_arms``, the ``cat_mask`` of categorical columns
    and their ``n_cats`` categories, as scikit-learn's ``categorical_features`` does) and a seed.
    """

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed

    def _fit_constant(self, y, attr: str) -> bool:
        """With one outcome only in ``y``, predict its smoothed rate: ``attr`` (the fitted model)
        becomes None and ``constant_`` the rate. Returns whether it did."""
        if len(np.unique(y)) >= 2:
            return False
        setattr(self, attr, None)
        self.constant_ = constant_prob(y)
        return True

    def replaced_arm(self, X, arm, columns, refs):
        """P under ``arm`` as is, and with each of ``columns`` in turn set to its ``refs`` value."""
        return replaced_generic(self, X, arm, columns, refs)
