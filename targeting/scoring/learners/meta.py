"""Meta-learners on gradient-boosted trees: S-, T- and DR-learner."""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.utils.validation import check_is_fitted

from targeting.scoring.crossval import out_of_fold
from targeting.scoring.learners.common import Learner, by_arm, replaced_generic
from targeting.scoring.learners.hgb import (
    API_CHANGED,
    hgb_params,
    hgb_raw,
    proba_by_column_value,
    proba_replaced,
)
from targeting.scoring.learners.propensity import PropensityModel

__all__ = ["TreeLearner", "SLearner", "TLearner", "DRLearner"]


class TreeLearner(Learner):
    """A learner made of gradient-boosted trees (``max_iter``, ``learning_rate`` their settings)."""

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, max_iter=200, learning_rate=0.08):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed)
        self.max_iter = max_iter
        self.learning_rate = learning_rate


class SLearner(TreeLearner):
    """One gradient-boosted classifier with the intervention as a categorical feature."""

    name = "s"

    def design(self, X, arm) -> np.ndarray:
        """What the classifier sees: the encoded features and the arm as the last column."""
        return np.column_stack([X, np.broadcast_to(np.asarray(arm, dtype=float), (len(X),))])

    def fit(self, X, t, y):
        if self._fit_constant(y, "model_"):
            return self
        self.model_ = HistGradientBoostingClassifier(
            categorical_features=np.append(self.cat_mask, True),
            **hgb_params(len(X), self.max_iter, self.learning_rate, self.seed),
        ).fit(self.design(X, t), y)
        return self

    def predict_arm(self, X, arm):
        check_is_fitted(self)
        if self.model_ is None:
            return np.full(len(X), self.constant_)
        return expit(hgb_raw(self.model_, self.design(X, arm)))

    def predict_all(self, X):
        check_is_fitted(self)
        if self.model_ is None:
            return np.full((len(X), self.n_arms), self.constant_)
        try:
            # Every arm from one binned table, changing only the intervention's column.
            return proba_by_column_value(self.model_, self.design(X, 0),
                                         [self.design(X[:1], a) for a in range(self.n_arms)])
        except API_CHANGED:
            return np.column_stack([self.predict_arm(X, a) for a in range(self.n_arms)])

    def replaced_arm(self, X, arm, columns, refs):
        """P under ``arm`` as is, and with each of ``columns`` in turn set to its ``refs`` value."""
        check_is_fitted(self)
        try:
            return proba_replaced(self.model_, self.design(X, arm), columns, refs)
        except API_CHANGED:
            return replaced_generic(self, X, arm, columns, refs)


class TLearner(TreeLearner):
    """One gradient-boosted classifier per intervention; an arm with too few examples (or one
    outcome only) falls back to a pooled S-learner."""

    name = "t"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, max_iter=200, learning_rate=0.08,
                 min_examples=50):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed,
                         max_iter=max_iter, learning_rate=learning_rate)
        self.min_examples = min_examples

    def fit(self, X, t, y):
        self.models_ = []
        self.pooled_ = None
        for a in range(self.n_arms):
            rows = t == a
            ya = y[rows]
            if rows.sum() < self.min_examples or len(np.unique(ya)) < 2:
                self.models_.append(None)
                continue
            m = HistGradientBoostingClassifier(
                categorical_features=self.cat_mask,
                **hgb_params(int(rows.sum()), self.max_iter, self.learning_rate, self.seed),
            )
            self.models_.append(m.fit(X[rows], ya))
        if any(m is None for m in self.models_):
            self.pooled_ = SLearner(**{k: v for k, v in self.get_params().items()
                                       if k != "min_examples"}).fit(X, t, y)
        return self

    def _one(self, X, a):
        m = self.models_[a]
        if m is None:
            return self.pooled_.predict_arm(X, a)
        return expit(hgb_raw(m, X))

    def predict_arm(self, X, arm):
        check_is_fitted(self)
        return by_arm(self._one, X, arm)

    def predict_all(self, X):
        check_is_fitted(self)
        return np.column_stack([self._one(X, a) for a in range(self.n_arms)])


class DRLearner(TreeLearner):
    """Doubly robust learner.

    Cross-fitted per-intervention outcome models (:class:`TLearner`) and a multinomial propensity
    model give the AIPW pseudo-outcome for each support against none; a gradient-boosted
    regressor of it on the features is the effect, added to the outcome model of no support.
    Consistent if either the outcome or the propensity model is right.
    """

    name = "dr"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, max_iter=200, learning_rate=0.08,
                 min_examples=50, clip=0.03, folds=2):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed,
                         max_iter=max_iter, learning_rate=learning_rate)
        self.min_examples = min_examples
        self.clip = clip
        self.folds = folds

    def _t(self):
        return TLearner(**{k: v for k, v in self.get_params().items() if k not in ("clip", "folds")})

    def fit(self, X, t, y):
        n = len(X)
        fold = np.random.default_rng(self.seed).permutation(n) % self.folds
        mu = out_of_fold(lambda tr, te: self._t().fit(X[tr], t[tr], y[tr]).predict_all(X[te]),
                         fold, self.folds, self.n_arms)
        e = out_of_fold(lambda tr, te: PropensityModel(n_arms=self.n_arms, seed=self.seed).fit(
            X[tr], t[tr], self.cat_mask, self.n_cats).predict_proba(X[te]), fold, self.folds, self.n_arms)
        e = np.clip(e, self.clip, 1.0)
        self.base_ = self._t().fit(X, t, y)
        resid0 = (t == 0) * (y - mu[:, 0]) / e[:, 0]
        self.effects_ = [None]
        for a in range(1, self.n_arms):
            if (t == a).sum() < self.min_examples:
                self.effects_.append(None)
                continue
            psi = mu[:, a] - mu[:, 0] + (t == a) * (y - mu[:, a]) / e[:, a] - resid0
            reg = HistGradientBoostingRegressor(
                categorical_features=self.cat_mask,
                **hgb_params(n, max(50, self.max_iter // 2), self.learning_rate, self.seed),
            )
            self.effects_.append(reg.fit(X, psi))
        return self

    def _one(self, X, a, base=None):
        p0 = self.base_._one(X, 0) if base is None else base
        if a == 0:
            return p0
        reg = self.effects_[a]
        if reg is None:
            return self.base_._one(X, a)
        return np.clip(p0 + hgb_raw(reg, X), 0.005, 0.995)

    def predict_arm(self, X, arm):
        check_is_fitted(self)
        return by_arm(self._one, X, arm)

    def predict_all(self, X):
        check_is_fitted(self)
        p0 = self.base_._one(X, 0)
        return np.column_stack([self._one(X, a, base=p0) for a in range(self.n_arms)])
