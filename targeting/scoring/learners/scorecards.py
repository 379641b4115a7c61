"""Logistic scorecards: one weight column and one offset per arm, so the effect of a support is
readable on the log-odds scale.

``logistic``
    Logistic regression on standardised features, one-hot categories and the intervention
    (constant effect per support); ``logistic_x`` adds support-by-feature interactions.
``logistic_h``
    :class:`HierLogisticLearner`: data-driven bases (:mod:`.bases`) with hierarchically shrunken
    support-by-feature interactions.
``logistic_s``
    :class:`StepLogisticLearner`: data-driven bases with the support-by-feature terms that score
    tests clearly support.

The penalties of ``logistic_h`` and ``logistic_s`` are chosen by an inner cross-validated log loss
(:func:`targeting.scoring.crossval.path_log_loss`), so they adapt to the amount of data.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from targeting.scoring.crossval import cv_subsample, path_log_loss, stratified_folds
from targeting.scoring.features import dense_design, dense_owners, dense_stats
from targeting.scoring.learners.bases import basis_design, basis_owners, basis_stats
from targeting.scoring.learners.common import Learner, arm_one_hot, arms_of, replaced_generic

__all__ = ["ARM_SCALE", "LinearScorecard", "LogisticLearner", "HierLogisticLearner",
           "StepLogisticLearner"]

#: The support indicators are scaled up so the penalty barely touches the average effects.
ARM_SCALE = 10.0


class LinearScorecard(Learner):
    """Prediction shared by the logistic scorecards: one weight column and one offset per arm
    on the learner's bases. A subclass gives :meth:`arm_weights` and :meth:`design`; it may
    override :meth:`bases` and ``_constant``."""

    def _constant(self) -> bool:
        return self.coef_ is None

    def bases(self, X) -> np.ndarray:
        """The bases the weights apply to, for an encoded feature matrix."""
        return basis_design(X, self.cat_mask, self.stats_)

    def owners(self) -> np.ndarray:
        """The encoded column each basis is made from (see :func:`.bases.basis_owners`)."""
        return basis_owners(self.cat_mask, self.stats_)

    def arm_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds slopes ``(n_bases, n_arms)`` and offsets ``(n_arms,)`` per arm."""
        raise NotImplementedError

    def predict_arm(self, X, arm):
        check_is_fitted(self)
        if self._constant():
            return np.full(len(X), self.constant_)
        D = self.bases(X)
        W, b = self.arm_weights()
        arm = arms_of(arm, len(D))
        return expit(np.einsum("ij,ji->i", D, W[:, arm]) + b[arm])

    def predict_all(self, X):
        check_is_fitted(self)
        if self._constant():
            return np.full((len(X), self.n_arms), self.constant_)
        W, b = self.arm_weights()
        return expit(self.bases(X) @ W + b)

    def replaced_arm(self, X, arm, columns, refs):
        """P under ``arm`` as is, and with each of ``columns`` in turn set to its ``refs`` value.

        Exact and quick: every basis depends on one encoded column, so setting column ``j`` to
        its reference changes only the bases ``j`` owns, and to the same values on every row.
        The bases are built once; each replacement moves the log-odds by those bases' change
        times their weights (building the bases again per column took 14 of 21 s on 200,000
        households).
        """
        check_is_fitted(self)
        if self._constant() or len(X) == 0:
            return replaced_generic(self, X, arm, columns, refs)
        D = self.bases(X)
        W, b = self.arm_weights()
        arm = arms_of(arm, len(D))
        logit = np.einsum("ij,ji->i", D, W[:, arm]) + b[arm]
        owners = self.owners()
        res = []
        for j, ref in zip(columns, refs):
            cols = np.nonzero(owners == j)[0]
            if len(cols) == 0:
                res.append(expit(logit))
                continue
            row = X[:1].copy()
            row[0, j] = ref
            at_ref = self.bases(row)[0, cols]
            Wc = W[cols][:, arm]  # (bases of j, rows)
            res.append(expit(logit + np.einsum("ij,ji->i", at_ref[None, :] - D[:, cols], Wc)))
        return expit(logit), res


class LogisticLearner(LinearScorecard):
    """Logistic scorecard; with ``interactions`` each support also gets its own feature slopes."""

    name = "logistic"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, C=1.0, interactions=False):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed)
        self.C = C
        self.interactions = interactions

    def design(self, X, arm) -> np.ndarray:
        """What the regression sees: the dense features, the supports one-hot, and with
        ``interactions`` each support's own copy of the features."""
        D = dense_design(X, self.cat_mask, self.stats_)
        oh = arm_one_hot(arms_of(arm, len(X)), self.n_arms)
        if not self.interactions:
            return np.hstack([D, oh])
        # Each support's own slope on every feature: heterogeneous effects, still a scorecard.
        inter = (oh[:, :, None] * D[:, None, :]).reshape(len(X), -1)
        return np.hstack([D, oh, inter])

    def fit(self, X, t, y):
        self.stats_ = dense_stats(X, self.cat_mask, self.n_cats)
        if self._fit_constant(y, "model_"):
            return self
        self.model_ = LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)
        self.model_.fit(self.design(X, t), y)
        return self

    def arm_weights(self):
        """Log-odds weights per arm: ``(n_features_dense, n_arms)`` slopes and ``(n_arms,)`` offsets."""
        coef = self.model_.coef_[0]
        k = self.n_arms - 1
        if self.interactions:
            p = (len(coef) - k) // (1 + k)
        else:
            p = len(coef) - k
        main, oh = coef[:p], coef[p:p + k]
        W = np.tile(main[:, None], (1, self.n_arms))
        if self.interactions:
            W[:, 1:] += coef[p + k:].reshape(k, p).T
        b = self.model_.intercept_[0] + np.concatenate([[0.0], oh])
        return W, b

    def _constant(self) -> bool:
        return self.model_ is None

    def bases(self, X):
        return dense_design(X, self.cat_mask, self.stats_)

    def owners(self):
        return dense_owners(self.cat_mask, self.stats_)


class PenalisedScorecard(LinearScorecard):
    """A scorecard whose support terms are penalised, the penalty chosen by an inner
    cross-validation: the parameters both such scorecards share."""

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, Cs=(0.003, 0.01, 0.03, 0.1, 0.3),
                 inter_roles=(0, 1, 2), arm_scale=2.0, folds=3, cv_rows=30000):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed)
        self.Cs = Cs
        self.inter_roles = inter_roles
        self.arm_scale = arm_scale
        self.folds = folds
        self.cv_rows = cv_rows

    def _penalty_folds(self, t, y):
        """The rows (a seeded subsample of at most ``cv_rows``, as the outer cross-validation
        has, so large histories train in minutes) and folds of the inner penalty search."""
        sub = cv_subsample(len(y), self.cv_rows, self.seed)
        return sub, stratified_folds(t[sub], y[sub], self.folds, self.seed)


class HierLogisticLearner(PenalisedScorecard):
    """Logistic scorecard on nonlinear bases with hierarchically shrunken interactions.

    The log-odds under arm ``a`` is ``b_a + x'(w + [a>0] v + u_a)``: ``w`` the main slopes on the
    standardised bases, ``v`` slopes shared by every support (what makes support pay in general)
    and ``u_a`` each support's own deviation. All are L2-penalised, the shared and per-support
    ones more strongly (scaled by ``shrink``), so a support with few examples borrows from the
    others and its own deviation is pulled toward zero; each support's offset is shrunk toward
    the shared one too (``arm_scale``). The penalty strength ``C``, the interactions' relative
    scale (``ratios``) and, when several are given, which bases the main effects use
    (``main_roles``: 0 values and categories, 1 count steps, 2 quantile steps, 3 logs) are chosen
    by an inner cross-validated log loss (folds stratified by arm and outcome), so they adapt to
    the amount of data (on at most ``cv_rows`` rows). Interactions use ``inter_roles`` (values,
    count steps and quantile steps by default).
    """

    name = "logistic_h"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, Cs=(0.003, 0.01, 0.03, 0.1, 0.3),
                 ratios=(0.1, 0.25), shrink=(1.0, 0.7), main=1.0, main_roles=((0, 1, 2, 3),),
                 inter_roles=(0, 1, 2), arm_scale=2.0, folds=3, cv_rows=30000):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed, Cs=Cs,
                         inter_roles=inter_roles, arm_scale=arm_scale, folds=folds, cv_rows=cv_rows)
        self.ratios = ratios
        self.shrink = shrink
        self.main = main
        self.main_roles = main_roles

    def _design(self, B, arm, ratio, main_roles):
        arm = arms_of(arm, len(B))
        oh = arm_one_hot(arm, self.n_arms)
        treated = (arm > 0).astype(float)[:, None]
        main_cols, inter_cols = self._masks(main_roles)
        Bi = B[:, inter_cols]
        shared = treated * Bi * (ratio * self.shrink[0])
        own = (oh[:, :, None] * Bi[:, None, :]).reshape(len(B), -1) * (ratio * self.shrink[1])
        return np.hstack([B[:, main_cols] * self.main, treated * ARM_SCALE, oh * self.arm_scale,
                          shared, own])

    def design(self, X, arm) -> np.ndarray:
        """What the regression saw, with the penalties chosen: main bases, the support indicators
        and the (scaled) shared and per-support interactions."""
        return self._design(self.bases(X), arm, self.ratio_, self.main_roles_)

    def _masks(self, main_roles):
        role = self.stats_["role"]
        return np.isin(role, main_roles), np.isin(role, self.inter_roles)

    def basis_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Which bases the main effects use, and which the interactions use."""
        return self._masks(self.main_roles_)

    def _lr(self, C):
        return LogisticRegression(C=C, max_iter=500, tol=1e-5, random_state=self.seed,
                                  warm_start=True)

    def fit(self, X, t, y):
        self.stats_ = basis_stats(X, self.cat_mask, self.n_cats)
        if self._fit_constant(y, "coef_"):
            return self
        B = basis_design(X, self.cat_mask, self.stats_)
        mains = [tuple(m) for m in self.main_roles]
        Cs = sorted(self.Cs)
        grid = [(float(C), float(r), m) for m in mains for r in self.ratios for C in Cs]
        if len(grid) > 1 and self.folds >= 2 and len(y) >= 100:
            sub, fold = self._penalty_folds(t, y)
            Bs, ts, ys = B[sub], t[sub], y[sub]
            # warm-started paths from strong to weak penalty, one per (main bases, ratio)
            loss = np.concatenate([path_log_loss(self._design(Bs, ts, r, m), ys, fold, self.folds,
                                                 Cs, self._lr)
                                   for m in mains for r in self.ratios])
            self.C_, self.ratio_, self.main_roles_ = grid[int(np.argmin(loss))]
            self.cv_log_loss_ = (loss / len(ys)).tolist()
        else:
            self.C_, self.ratio_, self.main_roles_ = grid[len(grid) // 2]
        self.main_roles_ = list(self.main_roles_)
        D = self._design(B, t, self.ratio_, self.main_roles_)
        lr = self._lr(self.C_).fit(D, y)
        self.coef_ = lr.coef_[0].copy()
        self.intercept_ = float(lr.intercept_[0])
        return self

    def arm_weights(self):
        k = self.n_arms - 1
        mm, im = self.basis_masks()
        q, r = int(mm.sum()), int(im.sum())
        c = self.coef_
        W = np.zeros((len(mm), self.n_arms))
        W[mm] = c[:q, None] * self.main
        oh = c[q] * ARM_SCALE + c[q + 1:q + 1 + k] * self.arm_scale
        c = c[q + 1 + k:]
        shared = c[:r] * (self.ratio_ * self.shrink[0])
        own = c[r:].reshape(k, r).T * (self.ratio_ * self.shrink[1])
        W[im, 1:] += shared[:, None] + own
        b = self.intercept_ + np.concatenate([[0.0], oh])
        return W, b


class StepLogisticLearner(PenalisedScorecard):
    """Logistic scorecard with the support-by-feature terms the data clearly support.

    Main effects on the data-driven bases (:func:`.bases.basis_stats`), one log-odds shift per
    support pooled toward a shared one (as in :class:`HierLogisticLearner`), one L2 strength ``C``
    chosen by an inner cross-validated log loss. Then forward selection: each round computes,
    for every candidate term "support ``a`` (or any support) x basis ``c``" (centred within
    that support's rows), the score-test statistic ``z`` of adding it to the current fit; the
    largest ``|z|`` enters if it is at least ``z_crit``, and the model is refitted, until none
    qualifies or ``max_terms`` have entered.

    Why: the hierarchical scorecard shrinks every interaction by one common strength, which
    cross-validated log loss keeps heavy at any history size; on synthetic worlds with 80,000
    history rows its effect estimates stayed flat and noisy. Selecting the few terms a test
    clearly supports lets them enter at the main effects' (light) penalty, and keeps all others
    at zero; with ~2,000 rows usually none enters and the model is the plain pooled scorecard.
    Each entered term is a readable statement ("support a pays more where feature c is high"),
    listed in ``terms_`` (support, basis, centre) with its ``z`` in ``z_``; group 0 is "any
    support".
    """

    name = "logistic_s"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, Cs=(0.003, 0.01, 0.03, 0.1, 0.3),
                 z_crit=2.5, max_terms=24, min_rows=30, inter_roles=(0, 1, 2), arm_scale=2.0,
                 folds=3, cv_rows=30000):
        super().__init__(n_arms=n_arms, cat_mask=cat_mask, n_cats=n_cats, seed=seed, Cs=Cs,
                         inter_roles=inter_roles, arm_scale=arm_scale, folds=folds, cv_rows=cv_rows)
        self.z_crit = z_crit
        self.max_terms = max_terms
        self.min_rows = min_rows

    def _design(self, B, arm):
        arm = arms_of(arm, len(B))
        oh = arm_one_hot(arm, self.n_arms)
        cols = [B, (arm > 0).astype(float)[:, None] * ARM_SCALE, oh * self.arm_scale]
        for g, c, mu in self.terms_:
            inside = (arm > 0) if g == 0 else (arm == g)
            cols.append((inside * (B[:, c] - mu))[:, None])
        return np.hstack(cols)

    def design(self, X, arm) -> np.ndarray:
        """What the regression saw: the bases, the support indicators and the entered terms."""
        return self._design(self.bases(X), arm)

    def _lr(self, C):
        return LogisticRegression(C=C, max_iter=1000, tol=1e-6, random_state=self.seed)

    def _choose_C(self, B, t, y) -> float:
        Cs = sorted(self.Cs)
        if len(Cs) == 1 or self.folds < 2 or len(y) < 100:
            return float(Cs[len(Cs) // 2])
        sub, fold = self._penalty_folds(t, y)
        loss = path_log_loss(self._design(B[sub], t[sub]), y[sub], fold, self.folds, Cs, self._lr)
        self.cv_log_loss_ = (loss / len(sub)).tolist()
        return float(Cs[int(np.argmin(loss))])

    def _best_term(self, B, t, y, D, p, inter):
        """The candidate term with the largest score-test ``|z|`` given the fit ``p`` on ``D``."""
        w = p * (1 - p)
        D1 = np.hstack([np.ones((len(D), 1)), D])
        # Penalised information (the intercept is not penalised), as the fit used it.
        A = D1.T @ (D1 * w[:, None]) + np.diag([0.0] + [1.0 / self.C_] * D.shape[1])
        Ainv = np.linalg.pinv(A)
        have = {(g, c) for g, c, _ in self.terms_}
        best = (0.0, None)
        # With one kind of support in the history, "any support" is that kind: test it once.
        groups = range(1 if len(np.unique(t[t > 0])) == 1 else 0, self.n_arms)
        for g in groups:
            rows = (t > 0) if g == 0 else (t == g)
            if rows.sum() < self.min_rows:
                continue
            Bc = B[rows][:, inter]
            mu = Bc.mean(axis=0)
            Bc = Bc - mu
            wr = w[rows][:, None]
            U = Bc.T @ (y[rows] - p[rows])
            M = Bc.T @ (D1[rows] * wr)
            V = (Bc ** 2 * wr).sum(axis=0) - np.einsum("ij,jk,ik->i", M, Ainv, M)
            z = np.where(V > 1e-8, U / np.sqrt(np.maximum(V, 1e-12)), 0.0)
            for j, c in enumerate(inter):
                if (g, int(c)) not in have and abs(z[j]) > abs(best[0]):
                    best = (float(z[j]), (g, int(c), float(mu[j])))
        return best

    def fit(self, X, t, y):
        t = np.asarray(t, dtype=int)
        self.stats_ = basis_stats(X, self.cat_mask, self.n_cats)
        self.terms_, self.z_ = [], []
        if self._fit_constant(y, "coef_"):
            return self
        B = basis_design(X, self.cat_mask, self.stats_)
        self.C_ = self._choose_C(B, t, y)
        inter = np.nonzero(np.isin(self.stats_["role"], self.inter_roles))[0]
        while True:
            D = self._design(B, t)
            lr = self._lr(self.C_).fit(D, y)
            if len(self.terms_) >= self.max_terms:
                break
            z, term = self._best_term(B, t, y, D, lr.predict_proba(D)[:, 1], inter)
            if term is None or abs(z) < self.z_crit:
                break
            self.terms_.append(term)
            self.z_.append(round(z, 2))
        self.coef_ = lr.coef_[0].copy()
        self.intercept_ = float(lr.intercept_[0])
        return self

    def term_effects(self) -> np.ndarray:
        """Each entered term's change in its support's log-odds effect per standard deviation of
        its basis (the order of ``terms_``)."""
        check_is_fitted(self)
        if self.coef_ is None:
            return np.zeros(0)
        return self.coef_[len(self.stats_["mean"]) + self.n_arms:]

    def arm_weights(self):
        k = self.n_arms - 1
        q = len(self.stats_["mean"])
        c = self.coef_
        W = np.repeat(c[:q, None], self.n_arms, axis=1)
        b = self.intercept_ + np.concatenate([[0.0], c[q] * ARM_SCALE + c[q + 1:q + 1 + k] * self.arm_scale])
        for (g, j, mu), e in zip(self.terms_, c[q + 1 + k:]):
            arms = list(range(1, self.n_arms)) if g == 0 else [g]
            W[j, arms] += e
            b[arms] -= e * mu
        return W, b
