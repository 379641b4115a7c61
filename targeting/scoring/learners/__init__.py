"""The candidate estimators of P(sustained exit | household, intervention).

Each learner works on an encoded feature matrix ``X`` (see :mod:`targeting.scoring.features`),
the observed intervention as an arm index ``t`` (0 = none, then :data:`targeting.config.KINDS`)
and the 0/1 outcome ``y``. ``predict_all(X)`` returns an ``(n, n_arms)`` matrix of probabilities;
``predict_arm(X, arm)`` the probability under one arm per row (cheaper, used for explanations).

All of them identify causal effects only under two assumptions, which no amount of data checks:

* **unconfoundedness**: given the features, who received which support in past programmes was
  as good as random (no unrecorded trait drove both selection and exit);
* **overlap**: every kind of household had some chance of each support, so the effect on a
  household unlike any past participant is an extrapolation.

Learners (:data:`LEARNERS`), by module:

:mod:`.meta` (gradient-boosted trees)
    ``s`` S-learner: one classifier with the intervention as a categorical feature.
    ``t`` T-learner: one classifier per intervention; an arm with too few examples (or one
    outcome only) falls back to a pooled S-learner.
    ``dr`` DR-learner: cross-fitted outcome and propensity models give AIPW pseudo-outcomes for
    each support against none; a regressor of them on the features is the effect.
:mod:`.scorecards` (logistic, effects readable on the log-odds scale)
    ``logistic`` main effects and a constant effect per support; ``logistic_x`` with
    support-by-feature interactions, more strongly regularised; ``logistic_h`` on data-driven
    bases (:mod:`.bases`) with hierarchically shrunken interactions; ``logistic_s`` on those
    bases with the interactions that score tests clearly support.

:mod:`.propensity` holds the propensity model, :mod:`.hgb` the fast tree predictions (the one
use of scikit-learn's private API).

Saved models name these classes by this package (``targeting.scoring.learners.SLearner``, as
:data:`targeting.scoring.persist.TRUSTED_TYPES` lists them), not by the module that defines
them, so model files stay the same whichever module a class lives in.
"""

from __future__ import annotations

import inspect

from targeting.scoring.learners.bases import basis_design, basis_names, basis_stats
from targeting.scoring.learners.common import Learner
from targeting.scoring.learners.meta import DRLearner, SLearner, TLearner
from targeting.scoring.learners.propensity import PropensityModel
from targeting.scoring.learners.scorecards import (
    HierLogisticLearner,
    LogisticLearner,
    StepLogisticLearner,
)

__all__ = ["LEARNERS", "make_learner", "Learner", "PropensityModel", "SLearner", "TLearner",
           "DRLearner", "LogisticLearner", "HierLogisticLearner", "StepLogisticLearner",
           "basis_design", "basis_names", "basis_stats"]

for _cls in (PropensityModel, SLearner, TLearner, DRLearner, LogisticLearner, HierLogisticLearner,
             StepLogisticLearner):
    _cls.__module__ = __name__  # the public home, as numpy's set_module does

#: Every learner by name: its class and the parameters that make it that learner.
LEARNERS: dict[str, tuple[type, dict]] = {
    "s": (SLearner, {}),
    "t": (TLearner, {}),
    "dr": (DRLearner, {}),
    "logistic": (LogisticLearner, {}),
    "logistic_x": (LogisticLearner, {"interactions": True, "C": 0.3}),
    "logistic_h": (HierLogisticLearner, {}),
    "logistic_s": (StepLogisticLearner, {}),
}


def make_learner(name: str, **params) -> Learner:
    """An unfitted learner ``name``, given those of ``params`` its class takes (the model passes
    one set to all: layout, seed and the tree settings)."""
    cls, fixed = LEARNERS[name]
    takes = inspect.signature(cls).parameters
    return cls(**{**{k: v for k, v in params.items() if k in takes}, **fixed})
