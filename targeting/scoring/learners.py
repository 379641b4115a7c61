"""The candidate estimators of P(sustained exit | household, intervention).

Each learner works on an encoded feature matrix ``X`` (see :mod:`.features`), the observed
intervention as an arm index ``t`` (0 = none, then :data:`targeting.config.KINDS`) and the 0/1
outcome ``y``. ``predict_all(X)`` returns an ``(n, n_arms)`` matrix of probabilities;
``predict_arm(X, arm)`` the probability under one arm per row (cheaper, used for explanations).

All of them identify causal effects only under two assumptions, which no amount of data checks:

* **unconfoundedness**: given the features, who received which support in past programmes was
  as good as random (no unrecorded trait drove both selection and exit);
* **overlap**: every kind of household had some chance of each support, so the effect on a
  household unlike any past participant is an extrapolation.

Learners:

``s`` (S-learner)
    One gradient-boosted classifier with the intervention as a categorical feature.
``t`` (T-learner)
    One gradient-boosted classifier per intervention; an arm with too few examples (or one
    outcome only) falls back to a pooled S-learner.
``dr`` (doubly robust learner)
    Cross-fitted per-intervention outcome models and a multinomial propensity model give the
    AIPW pseudo-outcome for each support against none; a gradient-boosted regressor of it on the
    features is the effect, added to the outcome model of no support. Consistent if either the
    outcome or the propensity model is right.
``logistic``
    Scorecard-like baseline: a logistic regression on standardised features, one-hot categories
    and the intervention (constant effect per support on the log-odds scale).
``logistic_x``
    The same scorecard with support-by-feature interactions (each support its own slopes), more
    strongly regularised: effects vary between households, still linear in the log-odds.
``logistic_h``
    The scorecard on data-driven bases (each numeric column, step indicators at the observed
    levels of count columns and at quantiles of continuous ones, a log of skewed ones), with
    hierarchical shrinkage: the supports share one average effect and one set of slopes, and
    each support's own offset and slopes are penalised deviations from them. The penalty
    strengths are chosen by an inner cross-validated log loss, so they adapt to the data size.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

from targeting.scoring.features import dense_design, dense_stats, one_hot


def _by_arm(one, X, arm) -> np.ndarray:
    """Predict row by row with ``one(X_rows, a)`` for each arm ``a`` present in ``arm``."""
    arm = np.broadcast_to(np.asarray(arm, dtype=int), (len(X),))
    out = np.empty(len(X))
    for a in np.unique(arm):
        rows = arm == a
        out[rows] = one(X[rows], int(a))
    return out

__all__ = ["LEARNERS", "make_learner", "PropensityModel", "SLearner", "TLearner", "DRLearner",
           "LogisticLearner", "HierLogisticLearner", "StepLogisticLearner"]

EPS = 1e-4


def _hgb_params(n: int, max_iter: int, learning_rate: float, seed: int) -> dict:
    # Small histories overfit easily: stop on a held-out tenth (seeded, so still reproducible)
    # and keep leaves large relative to the data.
    return dict(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=15,
        min_samples_leaf=int(max(10, min(100, n // 100))),
        l2_regularization=1.0,
        early_stopping=n >= 300,
        validation_fraction=0.15,
        n_iter_no_change=15,
        random_state=seed,
    )


def _binned(m, X):
    """``X`` preprocessed and binned as the fitted gradient-boosting model ``m`` bins its data."""
    return np.asfortranarray(m._bin_mapper.transform(m._preprocess_X(X, reset=False)))


def _raw_binned(m, Xb) -> np.ndarray:
    raw = np.zeros((len(Xb), 1), dtype=m._baseline_prediction.dtype, order="F")
    raw += m._baseline_prediction
    m._predict_iterations(Xb, m._predictors, raw, True, _openmp_effective_n_threads())
    return raw[:, 0]


def hgb_raw(m, X) -> np.ndarray:
    """Raw score (log-odds, or value for a regressor) of a fitted HistGradientBoosting model.

    Predicts on binned data (uint8: about twice as fast on large tables, and identical, since
    every split is on a bin boundary: tested); falls back to the public path if scikit-learn's
    private API changes.
    """
    try:
        return _raw_binned(m, _binned(m, X))
    except (AttributeError, TypeError):
        return m._raw_predict(X)[:, 0]


def _logit(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def _arm_probability(D: np.ndarray, W: np.ndarray, b: np.ndarray, arm) -> np.ndarray:
    """P(exit) of each row of design ``D`` under its ``arm``: a logistic model with one weight
    column ``W[:, arm]`` and intercept ``b[arm]`` per arm."""
    arm = np.broadcast_to(np.asarray(arm, dtype=int), (len(D),))
    return expit(np.einsum("ij,ji->i", D, W[:, arm]) + b[arm])


def _constant_prob(y: np.ndarray) -> float:
    return float((y.sum() + 1.0) / (len(y) + 2.0))


class PropensityModel:
    """P(intervention = arm | features): a multinomial logistic regression on a dense design."""

    def __init__(self, *, n_arms: int, seed: int = 0, C: float = 1.0):
        self.n_arms = n_arms
        self.seed = seed
        self.C = C

    def fit(self, X, cat_mask, n_cats, t):
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

    def predict(self, X) -> np.ndarray:
        out = np.zeros((len(X), self.n_arms))
        if self.model_ is None:
            out[:, self.arms_[0]] = 1.0
            return out
        D = dense_design(X, self.cat_mask_, self.stats_)
        out[:, self.model_.classes_.astype(int)] = self.model_.predict_proba(D)
        return out


class SLearner:
    name = "s"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, max_iter=200, learning_rate=0.08):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed
        self.max_iter = max_iter
        self.learning_rate = learning_rate

    def _design(self, X, arm):
        return np.column_stack([X, np.broadcast_to(np.asarray(arm, dtype=float), (len(X),))])

    def fit(self, X, t, y):
        mask = np.append(self.cat_mask, True)
        self.model_ = HistGradientBoostingClassifier(
            categorical_features=mask,
            **_hgb_params(len(X), self.max_iter, self.learning_rate, self.seed),
        )
        if len(np.unique(y)) < 2:
            self.model_ = None
            self.constant_ = _constant_prob(y)
            return self
        self.model_.fit(self._design(X, t), y)
        return self

    def predict_arm(self, X, arm):
        if self.model_ is None:
            return np.full(len(X), self.constant_)
        return expit(hgb_raw(self.model_, self._design(X, arm)))

    def predict_all(self, X):
        if self.model_ is None:
            return np.full((len(X), self.n_arms), self.constant_)
        try:
            return self._predict_all_binned(X)
        except (AttributeError, TypeError, ValueError):  # private sklearn API changed
            return np.column_stack([self.predict_arm(X, a) for a in range(self.n_arms)])

    def replaced_arm(self, X, arm, columns, refs, chunk: int = 100_000):
        """P under ``arm`` with each of ``columns`` in turn set to its ``refs`` value.

        Only the trees that split on a column can change, so only those are evaluated again,
        against each tree's output kept from one pass over the data (same numbers as a full
        prediction, much less work). Returns P as is and a list of arrays, one per column.
        """
        m = self.model_
        try:
            D = self._design(X, arm)
            trees = [it[0] for it in m._predictors]
            used = [set(np.asarray(t.nodes["feature_idx"])[~t.nodes["is_leaf"].astype(bool)].tolist())
                    for t in trees]
            where = []
            for j, ref in zip(columns, refs):
                row = np.repeat(D[:1], 2, axis=0)
                row[0, j] = ref
                row[1, j] = np.nan
                pr = _binned(m, row)
                moved = np.nonzero(pr[0] != pr[1])[0]
                if np.isnan(ref) or len(moved) != 1:
                    raise ValueError("cannot locate the column")
                c = int(moved[0])
                where.append((c, pr[0, c], np.array([c in u for u in used])))
            mv = m._bin_mapper.missing_values_bin_idx_
            threads = _openmp_effective_n_threads()
            out = [np.empty(len(X)) for _ in columns]
            base = np.empty(len(X))
            for lo in range(0, len(X), chunk):
                Xb = _binned(m, D[lo:lo + chunk])
                per_tree = np.column_stack([t.predict_binned(Xb, mv, threads) for t in trees])
                raw = m._baseline_prediction[0, 0] + per_tree.sum(axis=1)
                base[lo:lo + chunk] = expit(raw)
                for o, (c, ref_bin, mask) in zip(out, where):
                    if not mask.any():
                        o[lo:lo + chunk] = expit(raw)
                        continue
                    keep = Xb[:, c].copy()
                    Xb[:, c] = ref_bin
                    new = sum(t.predict_binned(Xb, mv, threads)
                              for t, u in zip(trees, mask) if u)
                    Xb[:, c] = keep
                    o[lo:lo + chunk] = expit(raw - per_tree[:, mask].sum(axis=1) + new)
            return base, out
        except (AttributeError, TypeError, ValueError, IndexError):
            return replaced_generic(self, X, arm, columns, refs)


    def _predict_all_binned(self, X):
        """Every arm from one binned table, changing only the intervention's column."""
        m = self.model_
        Xb = _binned(m, self._design(X, 0))
        probes = [_binned(m, self._design(X[:1], a))[0] for a in range(self.n_arms)]
        moved = np.nonzero(probes[0] != probes[1])[0]
        if len(moved) != 1:
            raise ValueError("cannot locate the intervention column")
        col = int(moved[0])
        out = np.empty((len(X), self.n_arms))
        for a in range(self.n_arms):
            Xb[:, col] = probes[a][col]
            out[:, a] = expit(_raw_binned(m, Xb))
        return out


def replaced_generic(learner, X, arm, columns, refs):
    """P under ``arm`` as is, and with each of ``columns`` in turn set to its ``refs`` value."""
    base = learner.predict_arm(X, arm)
    res = []
    for j, ref in zip(columns, refs):
        X2 = X.copy()
        X2[:, j] = ref
        res.append(learner.predict_arm(X2, arm))
    return base, res


class TLearner:
    name = "t"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, max_iter=200, learning_rate=0.08,
                 min_examples=50):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed
        self.max_iter = max_iter
        self.learning_rate = learning_rate
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
                **_hgb_params(int(rows.sum()), self.max_iter, self.learning_rate, self.seed),
            )
            self.models_.append(m.fit(X[rows], ya))
        if any(m is None for m in self.models_):
            self.pooled_ = SLearner(n_arms=self.n_arms, cat_mask=self.cat_mask, n_cats=self.n_cats,
                                    seed=self.seed, max_iter=self.max_iter,
                                    learning_rate=self.learning_rate).fit(X, t, y)
        return self

    def _one(self, X, a):
        m = self.models_[a]
        if m is None:
            return self.pooled_.predict_arm(X, a)
        return expit(hgb_raw(m, X))

    def predict_arm(self, X, arm):
        return _by_arm(self._one, X, arm)

    def predict_all(self, X):
        return np.column_stack([self._one(X, a) for a in range(self.n_arms)])


class DRLearner:
    name = "dr"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, max_iter=200, learning_rate=0.08,
                 min_examples=50, clip=0.03, folds=2):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.min_examples = min_examples
        self.clip = clip
        self.folds = folds

    def _t(self):
        return TLearner(n_arms=self.n_arms, cat_mask=self.cat_mask, n_cats=self.n_cats,
                        seed=self.seed, max_iter=self.max_iter, learning_rate=self.learning_rate,
                        min_examples=self.min_examples)

    def fit(self, X, t, y):
        n = len(X)
        rng = np.random.default_rng(self.seed)
        fold = rng.permutation(n) % self.folds
        mu = np.empty((n, self.n_arms))
        e = np.empty((n, self.n_arms))
        for k in range(self.folds):
            tr, te = fold != k, fold == k
            mu[te] = self._t().fit(X[tr], t[tr], y[tr]).predict_all(X[te])
            e[te] = PropensityModel(n_arms=self.n_arms, seed=self.seed).fit(
                X[tr], self.cat_mask, self.n_cats, t[tr]).predict(X[te])
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
                **_hgb_params(n, max(50, self.max_iter // 2), self.learning_rate, self.seed),
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
        return _by_arm(self._one, X, arm)

    def predict_all(self, X):
        p0 = self.base_._one(X, 0)
        return np.column_stack([self._one(X, a, base=p0) for a in range(self.n_arms)])


class _LinearScorecard:
    """Prediction shared by the logistic scorecards: one weight column and one offset per arm
    on the learner's bases. A subclass gives ``_weights()`` (log-odds slopes ``(n_bases,
    n_arms)`` and offsets ``(n_arms,)``); it may override ``_bases`` and ``_constant``."""

    def _constant(self) -> bool:
        return self.coef_ is None

    def _bases(self, X):
        return basis_design(X, self.cat_mask, self.stats_)

    def predict_arm(self, X, arm):
        if self._constant():
            return np.full(len(X), self.constant_)
        return _arm_probability(self._bases(X), *self._weights(), arm)

    def predict_all(self, X):
        if self._constant():
            return np.full((len(X), self.n_arms), self.constant_)
        W, b = self._weights()
        return expit(self._bases(X) @ W + b)


class LogisticLearner(_LinearScorecard):
    """Logistic scorecard; with ``interactions`` each support also gets its own feature slopes."""

    name = "logistic"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, C=1.0, interactions=False, **_ignored):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed
        self.C = C
        self.interactions = interactions

    def _design(self, X, arm):
        D = dense_design(X, self.cat_mask, self.stats_)
        arm = np.broadcast_to(np.asarray(arm, dtype=int), (len(X),))
        oh = np.zeros((len(X), self.n_arms - 1))
        rows = np.nonzero(arm > 0)[0]
        oh[rows, arm[rows] - 1] = 1.0
        if not self.interactions:
            return np.hstack([D, oh])
        # Each support's own slope on every feature: heterogeneous effects, still a scorecard.
        inter = (oh[:, :, None] * D[:, None, :]).reshape(len(X), -1)
        return np.hstack([D, oh, inter])

    def fit(self, X, t, y):
        self.stats_ = dense_stats(X, self.cat_mask, self.n_cats)
        if len(np.unique(y)) < 2:
            self.model_ = None
            self.constant_ = _constant_prob(y)
            return self
        self.model_ = LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)
        self.model_.fit(self._design(X, t), y)
        return self

    def _weights(self):
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

    def _bases(self, X):
        return dense_design(X, self.cat_mask, self.stats_)


LEARNERS = {"s": SLearner, "t": TLearner, "dr": DRLearner, "logistic": LogisticLearner,
            "logistic_x": LogisticLearner}


def make_learner(name, **kw):
    cls = LEARNERS[name]
    if cls is LogisticLearner or cls is SLearner:
        kw.pop("min_examples", None)
    if cls in (LogisticLearner, HierLogisticLearner, StepLogisticLearner):
        kw.pop("max_iter", None)
        kw.pop("learning_rate", None)
        if name == "logistic_x":
            kw.update(interactions=True, C=0.3)
    return cls(**kw)


# ---------------------------------------------------------------------------------------------
# Scorecard with data-driven nonlinear bases and shrunken support-by-feature interactions
# ---------------------------------------------------------------------------------------------

#: Quantiles of a continuous column where step bases start (found from the data, not fixed).
BASIS_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Most step bases for a count column (one per observed level, lowest levels first).
MAX_COUNT_STEPS = 6
#: The support indicators are scaled up so the penalty barely touches the average effects.
ARM_SCALE = 10.0


def basis_stats(X: np.ndarray, cat_mask: np.ndarray, n_cats: list[int],
                min_share: float = 0.03) -> dict:
    """The nonlinear bases of each numeric column, learned from the data.

    Per numeric column: the value itself, and for non-binary columns step indicators ``x >= c``
    at cut points ``c`` read off the data (every observed level of a count column, the
    :data:`BASIS_QUANTILES` of a continuous one), keeping only cuts with at least ``min_share`` of
    the rows on each side; a non-negative skewed column also gets ``log1p(x / median)``. Missing
    values are filled with the median first. Every basis is then standardised.
    """
    num = X[:, ~cat_mask]
    n = len(X)
    med = np.nanmedian(num, axis=0) if num.shape[1] and n else np.zeros(num.shape[1])
    med = np.where(np.isnan(med), 0.0, med)
    filled = np.where(np.isnan(num), med, num)
    cuts, logs = [], []
    floor = max(5, int(min_share * n))
    for j in range(filled.shape[1]):
        x = filled[:, j]
        vals = np.unique(x)
        if len(vals) <= 2:
            cuts.append(np.zeros(0))
            logs.append(0.0)
            continue
        if np.all(vals == np.round(vals)) and len(vals) <= 15:
            cand = vals[1:]
        else:
            cand = np.unique(np.quantile(x, BASIS_QUANTILES, method="lower"))
        keep = [c for c in cand if floor <= (x >= c).sum() <= n - floor]
        if len(vals) <= 15:
            keep = keep[:MAX_COUNT_STEPS]
        cuts.append(np.asarray(keep, dtype=float))
        skewed = x.min() >= 0 and np.mean(x) > 0 and np.quantile(x, 0.9) > 3 * max(np.median(x), 1e-9)
        logs.append(float(max(np.median(x), np.mean(x) / 10)) if skewed and len(vals) > 15 else 0.0)
    stats = {"median": med, "cuts": cuts, "logs": logs, "n_cats": list(n_cats)}
    # What each basis is: 0 the value itself (or a category), 1 a step of a count column,
    # 2 a step at a quantile of a continuous column, 3 a log.
    role = []
    for j in range(filled.shape[1]):
        role += [0] + [1 if len(np.unique(filled[:, j])) <= 15 else 2] * len(cuts[j]) + [3] * (logs[j] > 0)
    role += [0] * int(sum(n_cats))
    B = _raw_basis(X, cat_mask, stats)
    mean = B.mean(axis=0) if n else np.zeros(B.shape[1])
    sd = B.std(axis=0) if n else np.ones(B.shape[1])
    stats["keep"] = sd > 0
    stats["role"] = np.asarray(role, dtype=int)[stats["keep"]]
    stats["mean"] = mean[stats["keep"]]
    stats["sd"] = sd[stats["keep"]]
    return stats


def basis_names(stats: dict, numeric: list[str], categorical: dict) -> list[str]:
    """A readable name of each basis of :func:`basis_design` (same order)."""
    names = []
    for j, col in enumerate(numeric):
        names.append(col)
        names += [f"{col} >= {c:g}" for c in stats["cuts"][j]]
        if stats["logs"][j] > 0:
            names.append(f"log(1 + {col} / {stats['logs'][j]:.4g})")
    for col, cats in categorical.items():
        names += [f"{col} = {c}" for c in cats]
    return [n for n, k in zip(names, stats["keep"]) if k]


def _raw_basis(X, cat_mask, stats) -> np.ndarray:
    num = X[:, ~cat_mask]
    num = np.where(np.isnan(num), stats["median"], num)
    parts = []
    for j in range(num.shape[1]):
        x = num[:, j]
        parts.append(x[:, None])
        if len(stats["cuts"][j]):
            parts.append((x[:, None] >= stats["cuts"][j][None, :]).astype(float))
        if stats["logs"][j] > 0:
            parts.append(np.log1p(np.maximum(x, 0) / stats["logs"][j])[:, None])
    parts.extend(one_hot(X[:, cat_mask], stats["n_cats"]))
    return np.hstack(parts) if parts else np.zeros((len(X), 0))


def basis_design(X, cat_mask, stats) -> np.ndarray:
    """Standardised bases (see :func:`basis_stats`) of an encoded matrix."""
    B = _raw_basis(X, cat_mask, stats)[:, stats["keep"]]
    return (B - stats["mean"]) / stats["sd"]


class HierLogisticLearner(_LinearScorecard):
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
                 inter_roles=(0, 1, 2), arm_scale=2.0, folds=3, cv_rows=30000, **_ignored):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed
        self.Cs = Cs
        self.ratios = ratios
        self.shrink = shrink
        self.main = main
        self.main_roles = main_roles
        self.inter_roles = inter_roles
        self.arm_scale = arm_scale
        self.folds = folds
        self.cv_rows = cv_rows

    def _design(self, B, arm, ratio, main_roles):
        arm = np.broadcast_to(np.asarray(arm, dtype=int), (len(B),))
        k = self.n_arms - 1
        oh = np.zeros((len(B), k))
        rows = np.nonzero(arm > 0)[0]
        oh[rows, arm[rows] - 1] = 1.0
        treated = (arm > 0).astype(float)[:, None]
        main_cols, inter_cols = self._masks(main_roles)
        Bi = B[:, inter_cols]
        shared = treated * Bi * (ratio * self.shrink[0])
        own = (oh[:, :, None] * Bi[:, None, :]).reshape(len(B), -1) * (ratio * self.shrink[1])
        return np.hstack([B[:, main_cols] * self.main, treated * ARM_SCALE, oh * self.arm_scale,
                          shared, own])

    def _masks(self, main_roles):
        role = self.stats_["role"]
        return np.isin(role, main_roles), np.isin(role, self.inter_roles)

    def _lr(self, C):
        return LogisticRegression(C=C, max_iter=500, tol=1e-5, random_state=self.seed,
                                  warm_start=True)

    def fit(self, X, t, y):
        self.stats_ = basis_stats(X, self.cat_mask, self.n_cats)
        if len(np.unique(y)) < 2:
            self.coef_ = None
            self.constant_ = _constant_prob(y)
            return self
        B = basis_design(X, self.cat_mask, self.stats_)
        mains = [tuple(m) for m in self.main_roles]
        grid = [(float(C), float(r), m) for m in mains for r in self.ratios for C in sorted(self.Cs)]
        if len(grid) > 1 and self.folds >= 2 and len(y) >= 100:
            from targeting.scoring.evaluate import cv_subsample, stratified_folds

            # The penalties are chosen on a seeded subsample of at most cv_rows rows (as the
            # outer cross-validation is), so large histories train in minutes.
            sub = cv_subsample(len(y), self.cv_rows, self.seed)
            Bs, ts, ys = B[sub], t[sub], y[sub]
            fold = stratified_folds(ts, ys, self.folds, self.seed)
            loss = np.zeros(len(grid))
            for m in mains:
                for r in self.ratios:
                    Dr = self._design(Bs, ts, r, m)
                    for k in range(self.folds):
                        tr, te = fold != k, fold == k
                        if len(np.unique(ys[tr])) < 2:
                            continue
                        lr = self._lr(min(self.Cs))
                        for C in sorted(self.Cs):  # warm-started path, strong to weak penalty
                            lr.set_params(C=C)
                            lr.fit(Dr[tr], ys[tr])
                            p = np.clip(lr.predict_proba(Dr[te])[:, 1], 1e-6, 1 - 1e-6)
                            loss[grid.index((float(C), float(r), m))] -= np.sum(
                                ys[te] * np.log(p) + (1 - ys[te]) * np.log(1 - p))
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

    def _weights(self):
        """Log-odds slopes ``(n_bases, n_arms)`` and offsets ``(n_arms,)`` per arm."""
        k = self.n_arms - 1
        mm, im = self._masks(self.main_roles_)
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


LEARNERS["logistic_h"] = HierLogisticLearner


class StepLogisticLearner(_LinearScorecard):
    """Logistic scorecard with the support-by-feature terms the data clearly support.

    Main effects on the data-driven bases (:func:`basis_stats`), one log-odds shift per support
    pooled toward a shared one (as in :class:`HierLogisticLearner`), one L2 strength ``C``
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
    listed in ``terms_`` with its ``z``.
    """

    name = "logistic_s"

    def __init__(self, *, n_arms, cat_mask, n_cats, seed=0, Cs=(0.003, 0.01, 0.03, 0.1, 0.3),
                 z_crit=2.5, max_terms=24, min_rows=30, inter_roles=(0, 1, 2), arm_scale=2.0,
                 folds=3, cv_rows=30000, **_ignored):
        self.n_arms = n_arms
        self.cat_mask = cat_mask
        self.n_cats = n_cats
        self.seed = seed
        self.Cs = Cs
        self.z_crit = z_crit
        self.max_terms = max_terms
        self.min_rows = min_rows
        self.inter_roles = inter_roles
        self.arm_scale = arm_scale
        self.folds = folds
        self.cv_rows = cv_rows

    def _design(self, B, arm):
        arm = np.broadcast_to(np.asarray(arm, dtype=int), (len(B),))
        oh = np.zeros((len(B), self.n_arms - 1))
        rows = np.nonzero(arm > 0)[0]
        oh[rows, arm[rows] - 1] = 1.0
        cols = [B, (arm > 0).astype(float)[:, None] * ARM_SCALE, oh * self.arm_scale]
        for g, c, mu in self.terms_:
            inside = (arm > 0) if g == 0 else (arm == g)
            cols.append((inside * (B[:, c] - mu))[:, None])
        return np.hstack(cols)

    def _lr(self, C):
        return LogisticRegression(C=C, max_iter=1000, tol=1e-6, random_state=self.seed)

    def _choose_C(self, B, t, y) -> float:
        Cs = sorted(self.Cs)
        if len(Cs) == 1 or self.folds < 2 or len(y) < 100:
            return float(Cs[len(Cs) // 2])
        from targeting.scoring.evaluate import cv_subsample, stratified_folds

        sub = cv_subsample(len(y), self.cv_rows, self.seed)
        D, ts, ys = self._design(B[sub], t[sub]), t[sub], y[sub]
        fold = stratified_folds(ts, ys, self.folds, self.seed)
        loss = np.zeros(len(Cs))
        for k in range(self.folds):
            tr, te = fold != k, fold == k
            if len(np.unique(ys[tr])) < 2:
                continue
            for i, C in enumerate(Cs):
                p = np.clip(self._lr(C).fit(D[tr], ys[tr]).predict_proba(D[te])[:, 1], 1e-6, 1 - 1e-6)
                loss[i] -= np.sum(ys[te] * np.log(p) + (1 - ys[te]) * np.log(1 - p))
        self.cv_log_loss_ = (loss / len(ys)).tolist()
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
        if len(np.unique(y)) < 2:
            self.coef_ = None
            self.constant_ = _constant_prob(y)
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

    def effect_terms(self, numeric: list[str], categorical: dict, arms: list[str]) -> list[dict]:
        """The entered terms for people: which support, which basis, its ``z`` when it entered
        and the change in that support's log-odds effect per standard deviation of the basis."""
        if self.coef_ is None:
            return []
        names = basis_names(self.stats_, numeric, categorical)
        q = len(self.stats_["mean"]) + self.n_arms
        return [{"support": "any support" if g == 0 else arms[g], "basis": names[j], "z": z,
                 "log_odds_per_sd": float(e)}
                for (g, j, _), z, e in zip(self.terms_, self.z_, self.coef_[q:])]

    def _weights(self):
        """Log-odds slopes ``(n_bases, n_arms)`` and offsets ``(n_arms,)`` per arm."""
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


LEARNERS["logistic_s"] = StepLogisticLearner
