"""The exit model: P(sustained exit from poverty | household, intervention), as an sklearn estimator.

``ExitModel`` learns from a history table (one row per household and past programme year, with the
``intervention`` received and the ``sustained_exit`` outcome) and predicts, for any household, the
probability of a sustained exit with no support and with each kind of support.

Fitting is estimation only: the candidate learners are in :mod:`.learners`, the choice between
them in :mod:`.selection`, the folds in :mod:`.crossval`. What explains the fitted model (feature
references and importance, reasons, the model card) is computed from its public predictions by
:mod:`.interpret` and :mod:`.card`.

Assumptions (stated in the model card too). Past support was not random: it was targeted on what
the commune saw (registered_exit, working-age members, land...). The estimated differences between
supports are causal effects only if

* **unconfoundedness** holds: given the features, who got which support was as good as random;
* **overlap** holds: households like the ones scored received each support in the past.

The model estimates each household's propensity to receive each support and warns (it does not
fail) when an intervention has few examples or the scored households lie outside the range of
those who received it.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from targeting.errors import ModelError, OverlapWarning
from targeting.scoring import evaluate as ev
from targeting.scoring import interpret, selection
from targeting.scoring.card import build_card
from targeting.scoring.features import (
    INTERVENTIONS,
    history_fingerprint,
    infer_features,
    intervention_codes,
)
from targeting.scoring.learners import LEARNERS, PropensityModel, make_learner

__all__ = ["ExitModel", "train_model", "OverlapWarning"]

log = logging.getLogger(__name__)


class ExitModel(ClassifierMixin, BaseEstimator):
    """P(sustained exit | household, intervention), with calibrated probabilities.

    Parameters
    ----------
    learner : {"auto", "s", "t", "dr", "logistic", "logistic_x", "logistic_h", "logistic_s"}
        One of :data:`targeting.scoring.learners.LEARNERS`, or ``auto``: compare the candidates
        (:data:`targeting.scoring.selection.CANDIDATES`) by cross-validation and keep the best
        (:func:`targeting.scoring.selection.select_learner`).
    calibrate : bool
        Map probabilities through a Platt (logistic) calibration fitted on out-of-fold predictions.
    cv : int
        Folds for the cross-validated metrics (0 or 1: none; then ``auto`` means ``s``).
    max_iter, learning_rate : gradient-boosting settings.
    min_examples : int
        An intervention with fewer past examples gets a warning, and the per-arm learners fall back
        to a pooled model for it.
    features : tuple of str or None
        Candidate feature columns (e.g. those shared with the households to score); None: all.
    cv_max_rows : int
        Cross-validation (metrics, selection, calibration map) runs on a seeded random subsample
        of at most this many rows, so large histories train in minutes; the final model uses all.
    random_state : int
        Seed; the same seed and data give identical models.
    n_threads : int
        OpenMP/BLAS threads for fitting and predicting. 1 by default: on a small shared machine
        busy-waiting threads slow gradient boosting down by an order of magnitude.

    Attributes
    ----------
    learner_ : str
        The learner fitted (the one chosen under ``auto``); ``estimator_`` is it, fitted on the
        whole history.
    cv_results_ : dict
        Cross-validated metrics of every learner compared (:func:`targeting.scoring.selection.cv_metrics`).
    calibration_ : (a, b)
        The Platt map ``sigmoid(a * logit(p) + b)`` applied to every prediction.
    propensity_ : PropensityModel
        Who past programmes gave which support; ``overlap_floor_`` its 1st percentile per arm
        among those who got it.
    reference_, importance_ : list
        Per feature: the value of a typical past household, and the mean change in probability
        when a household takes it (:mod:`targeting.scoring.interpret`).
    card_ : dict
        The model card (:mod:`targeting.scoring.card`).

    Notes
    -----
    ``fit(X, y)``: ``X`` is a history frame with an ``intervention`` column (``none`` or a project
    kind); ``y`` the 0/1 ``sustained_exit`` (taken from ``X`` when omitted). ``predict_proba(X)``
    needs ``intervention`` too; ``predict_proba_all(households)`` gives every arm at once, and
    ``predict_arm`` one arm per row (what explanations use). Causal reading of the differences
    assumes unconfoundedness and overlap (module docstring).
    """

    def __init__(self, *, learner="auto", calibrate=True, cv=3, max_iter=100, learning_rate=0.1,
                 min_examples=50, features=None, cv_max_rows=30000, random_state=0, n_threads=1):
        self.learner = learner
        self.calibrate = calibrate
        self.cv = cv
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.min_examples = min_examples
        self.features = features
        self.cv_max_rows = cv_max_rows
        self.random_state = random_state
        self.n_threads = n_threads

    # ---------------------------------------------------------------------------------------
    def _learner_kw(self):
        return dict(n_arms=len(INTERVENTIONS), cat_mask=self.features_.cat_mask,
                    n_cats=[len(v) for v in self.features_.categorical.values()],
                    seed=self.random_state, max_iter=self.max_iter,
                    learning_rate=self.learning_rate, min_examples=self.min_examples)

    def _fit_propensity(self, Xe, t) -> PropensityModel:
        kw = self._learner_kw()
        return PropensityModel(n_arms=kw["n_arms"], seed=self.random_state).fit(
            Xe, t, kw["cat_mask"], kw["n_cats"])

    def _limits(self):
        return threadpool_limits(limits=max(1, int(self.n_threads)))

    def fit(self, X, y=None):
        """Learn from a history frame: choose the learner (cross-validation), fit it and the
        calibration map and propensities; then describe the model (references, importance, card)."""
        if not isinstance(X, pd.DataFrame):
            raise ModelError("ExitModel.fit expects a history DataFrame with an intervention column")
        if y is None:
            if "sustained_exit" not in X.columns:
                raise ModelError("history: column sustained_exit is missing (expected 0 or 1)")
            y = X["sustained_exit"]
        y = pd.to_numeric(pd.Series(np.asarray(y), index=X.index), errors="coerce")
        keep = y.notna().to_numpy()
        X = X.loc[keep]
        y = y[keep].to_numpy(dtype=int)
        if len(X) < 20 or len(np.unique(y)) < 2:
            raise ModelError(f"history: need at least 20 rows with both outcomes; got {len(X)} rows")
        t = intervention_codes(X)
        candidates = list(selection.CANDIDATES) if self.learner == "auto" else [self.learner]
        for c in candidates:
            if c not in LEARNERS:
                raise ModelError(f"unknown learner {c!r}; expected auto or one of {', '.join(LEARNERS)}")
        with self._limits():
            Xe = self._estimate(X, t, y, candidates)
            # Interpretation, from the fitted model's public predictions.
            self.reference_ = interpret.references(self.features_, Xe)
            self.importance_ = interpret.importance(self, Xe, t, self.reference_)
        self.training_ = {"rows": int(len(X)), "sha256": history_fingerprint(X),
                          "exit_rate": float(y.mean())}
        self.card_ = build_card(self)
        return self

    def _estimate(self, X, t, y, candidates) -> np.ndarray:
        """Features, learner, calibration and propensities; returns the encoded history."""
        base = X.drop(columns=[c for c in ("intervention", "sustained_exit") if c in X.columns])
        if self.features is not None:
            base = base[[c for c in base.columns if c in set(self.features)]]
        self.features_ = infer_features(base)
        self.feature_names_in_ = np.array(self.features_.names, dtype=object)
        self.n_features_in_ = len(self.features_.names)
        self.classes_ = np.array([0, 1])
        self.kinds_ = list(INTERVENTIONS)
        Xe = self.features_.encode(X)
        self.counts_ = {k: int((t == i).sum()) for i, k in enumerate(INTERVENTIONS)}
        for k, c in self.counts_.items():
            if 0 < c < self.min_examples or (c == 0 and k == "none"):
                warnings.warn(f"history: intervention {k!r} has only {c} examples; its effect "
                              "estimates are uncertain", OverlapWarning, stacklevel=3)
        missing = [k for k, c in self.counts_.items() if c == 0]
        if missing:
            warnings.warn(f"history: no examples of {', '.join(missing)}; the model extrapolates "
                          "their effect from other supports", OverlapWarning, stacklevel=3)
        # The learner: chosen by cross-validation (selection.py), or as given.
        fitted = {}
        if self.cv and self.cv >= 2:
            kw = self._learner_kw()
            comparison = selection.compare_learners(
                candidates, lambda name: make_learner(name, **kw), self._fit_propensity, Xe, t, y,
                folds=self.cv, max_rows=self.cv_max_rows, seed=self.random_state,
                min_examples=self.min_examples, auto=self.learner == "auto")
            self.cv_results_ = comparison.results
            self.learner_ = comparison.learner
            self.cv_rows_ = comparison.rows
            fitted = comparison.fitted
            # Calibration map from the chosen learner's out-of-fold predictions.
            self.calibration_ = (ev.platt_fit(comparison.observed, comparison.outcomes)
                                 if self.calibrate else (1.0, 0.0))
        else:
            self.cv_results_ = {}
            self.cv_rows_ = 0
            self.learner_ = "s" if self.learner == "auto" else self.learner
            self.calibration_ = (1.0, 0.0)
        self.estimator_ = fitted.get(self.learner_) or make_learner(
            self.learner_, **self._learner_kw()).fit(Xe, t, y)
        self.propensity_ = self._fit_propensity(Xe, t)
        e_all = self.propensity_.predict_proba(Xe)
        # Overlap reference: the 1st percentile of each arm's propensity among those who got it.
        self.overlap_floor_ = [float(np.quantile(e_all[t == a, a], 0.01)) if (t == a).any() else 1.0
                               for a in range(len(INTERVENTIONS))]
        return Xe

    # ---------------------------------------------------------------------------------------
    def _calibrated(self, p: np.ndarray) -> np.ndarray:
        return ev.platt_apply(p, self.calibration_) if self.calibrate else p

    def _encoded(self, X) -> np.ndarray:
        return self.features_.encode(X) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=float)

    def check_features(self, households: pd.DataFrame, what: str = "households.csv") -> None:
        """Raise :class:`ModelError` naming every feature column the households lack."""
        check_is_fitted(self, "estimator_")
        self.features_.check(households, what)

    def predict_arm(self, X, arm) -> np.ndarray:
        """P(sustained exit) of each row of ``X`` under ``arm``.

        ``X`` is a households frame, or a matrix of its features as ``features_.encode`` gives;
        ``arm`` an arm index (0 = none, then the project kinds, as :data:`INTERVENTIONS`), one
        for all rows or one per row.
        """
        check_is_fitted(self, "estimator_")
        with self._limits():
            p = self.estimator_.predict_arm(self._encoded(X), arm)
        return self._calibrated(p)

    def predict_arm_replaced(self, X, arm, columns, values) -> tuple[np.ndarray, list[np.ndarray]]:
        """:meth:`predict_arm` as is, and with each feature ``columns[i]`` (a position in
        ``features_.names``) in turn set to ``values[i]`` (encoded): what if the household had
        that value. Returns the probabilities as is and one array per column."""
        check_is_fitted(self, "estimator_")
        with self._limits():
            p, variants = self.estimator_.replaced_arm(self._encoded(X), arm, columns, values)
        return self._calibrated(p), [self._calibrated(v) for v in variants]

    def predict_proba(self, X):
        """P(no exit), P(exit) for each row of ``X`` under its ``intervention``."""
        check_is_fitted(self, "estimator_")
        self.check_features(X)
        p = self.predict_arm(X, intervention_codes(X))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def predict_proba_all(self, households: pd.DataFrame) -> pd.DataFrame:
        """Probability of a sustained exit under each arm: ``p_none, p_livestock, ...``."""
        check_is_fitted(self, "estimator_")
        self.check_features(households)
        with self._limits():
            P = self.estimator_.predict_all(self.features_.encode(households))
        return pd.DataFrame(self._calibrated(P), index=households.index,
                            columns=[f"p_{k}" for k in INTERVENTIONS])

    def propensities(self, households: pd.DataFrame) -> pd.DataFrame:
        """Estimated chance that past programmes would have given each household each support."""
        check_is_fitted(self, "estimator_")
        self.check_features(households)
        with self._limits():
            E = self.propensity_.predict_proba(self.features_.encode(households))
        return pd.DataFrame(E, index=households.index, columns=[f"e_{k}" for k in INTERVENTIONS])

    def check_overlap(self, households: pd.DataFrame, kinds=None, share: float = 0.5) -> dict:
        """Warn about interventions with few examples or little overlap with ``households``.

        Returns, per intervention, the share of ``households`` whose propensity lies below the
        1st percentile among past recipients (outside the range the model learned from).
        """
        E = self.propensities(households).to_numpy()
        out = {}
        for a, k in enumerate(INTERVENTIONS):
            if kinds is not None and k not in kinds:
                continue
            if self.counts_.get(k, 0) < self.min_examples:
                warnings.warn(f"intervention {k!r} had only {self.counts_.get(k, 0)} examples in "
                              "the training history; its gains are uncertain", OverlapWarning,
                              stacklevel=2)
            outside = float(np.mean(E[:, a] < self.overlap_floor_[a])) if len(E) else 0.0
            out[k] = outside
            if outside > share:
                warnings.warn(f"intervention {k!r}: {outside:.0%} of the households scored are "
                              "unlike any past recipient (propensity below the 1st percentile); "
                              "its estimated gains for them are extrapolations", OverlapWarning,
                              stacklevel=2)
        return out


def train_model(history: pd.DataFrame, seed: int = 0, *, households: pd.DataFrame | None = None,
                learner: str = "auto", cv: int = 3, **params) -> ExitModel:
    """Train the exit model on a history table (contract.md).

    Features are all columns except identifiers and labels; with ``households`` only the columns
    both tables share. ``learner="auto"`` picks among the candidates by cross-validation.
    """
    feats = None
    if households is not None:
        feats = tuple(c for c in history.columns if c in households.columns)
    model = ExitModel(learner=learner, cv=cv, features=feats, random_state=seed, **params)
    return model.fit(history)
