"""P(intervention = arm | features): who past programmes gave which support.

Used for the overlap checks of :class:`targeting.scoring.ExitModel`, the doubly robust uplift
metrics of :mod:`targeting.scoring.selection` and the DR-learner's pseudo-outcomes.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from targeting.scoring.features import dense_design, dense_stats

__all__ = ["PropensityModel"]


class PropensityModel(BaseEstimator):
    """A multinomial logistic regression of the arm on a dense design of the features.

    ``fit(X, t, cat_mask, n_cats)``: ``X`` encoded features, ``t`` the arm index per row, and
    the feature layout (which columns are categories, and how many categories each has).
    """

    def __init__(self, *, n_arms: int, seed: int = 0, C: float = 1.0):
        self.n_arms = n_arms
        self.seed = seed
        self.C = C

    def fit(self, X, t, cat_mask, n_cats):
        self.cat_mask_ = cat_mask
        self.stats_ = dense_stats(X, cat_mask, n_cats)
        D = dense_design(X, cat_mask, self.stats_)
        self.arms_ = np.unique(t).astype(int)
        if len(self.arms_) == 1:
            self.model_ = None
        else:
            self.model_ = LogisticRegression(C=self.C, max_iter=1000, random_state=self.seed)
            self.model_.fit(D, t)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """``(n, n_arms)`` probabilities of each arm."""
        check_is_fitted(self)
        out = np.zeros((len(X), self.n_arms))
        if self.model_ is None:
            out[:, self.arms_[0]] = 1.0
            return out
        D = dense_design(X, self.cat_mask_, self.stats_)
        out[:, self.model_.classes_.astype(int)] = self.model_.predict_proba(D)
        return out
