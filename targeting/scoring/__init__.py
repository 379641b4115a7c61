"""The capacity-to-exit model: learn who exits poverty for good, with and without each support.

Public API::

    model = train_model(history_df, seed=0)
    model.predict_proba_all(households_df)
    score_households(model, households_df, projects_df)
    gains_for_pairs(model, households_df, pairs_df)
    save_model(model, "models/default", history_df=history_df); load_model("models/default")
    history_fingerprint(history_df)     # the sha256 a model card records of its training data

Inside: :mod:`.features` (columns to numbers), :mod:`.learners` (the candidate estimators),
:mod:`.crossval` (folds), :mod:`.selection` (choosing the learner), :mod:`.estimators`
(``ExitModel``: estimation), :mod:`.evaluate` (metrics, calibration), :mod:`.interpret` and
:mod:`.card` (reasons and the model card, from the fitted model's public predictions),
:mod:`.gains` (scores and gains for a scenario), :mod:`.persist` (skops files).
"""

from targeting.scoring.estimators import ExitModel, OverlapWarning, train_model
from targeting.scoring.features import INTERVENTIONS, history_fingerprint
from targeting.scoring.gains import gains_for_pairs, score_households
from targeting.scoring.persist import TRUSTED_TYPES, load_model, save_model

__all__ = [
    "ExitModel",
    "INTERVENTIONS",
    "OverlapWarning",
    "TRUSTED_TYPES",
    "gains_for_pairs",
    "history_fingerprint",
    "load_model",
    "save_model",
    "score_households",
    "train_model",
]
