"""Save and load the model safely: skops with an explicit list of trusted types, never pickle.

A model folder holds ``model.skops`` (the estimator), ``model_card.json`` and ``model_card.md``.
Loading inspects the file's types before building anything: a file that is not a skops archive
(a pickle, say) or that names any type outside :data:`TRUSTED_TYPES` is refused with
:class:`targeting.errors.ModelError`, and nothing in it is run.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd

from targeting.errors import ModelError
from targeting.scoring.card import card_markdown
from targeting.scoring.estimators import ExitModel
from targeting.scoring.features import history_fingerprint

__all__ = ["save_model", "load_model", "TRUSTED_TYPES", "MODEL_FILE"]

MODEL_FILE = "model.skops"

#: Every non-default type a saved ExitModel may contain. skops trusts numpy/builtin containers
#: itself; anything else must be listed here to be loaded. The learners are named by their
#: public package (:mod:`targeting.scoring.learners` sets their ``__module__`` so), which every
#: model file saved since the first version uses.
TRUSTED_TYPES = frozenset({
    "targeting.scoring.estimators.ExitModel",
    "targeting.scoring.features.FeatureSpec",
    "targeting.scoring.learners.PropensityModel",
    "targeting.scoring.learners.SLearner",
    "targeting.scoring.learners.TLearner",
    "targeting.scoring.learners.DRLearner",
    "targeting.scoring.learners.LogisticLearner",
    "targeting.scoring.learners.HierLogisticLearner",
    "targeting.scoring.learners.StepLogisticLearner",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfSquaredError",
    "functools.partial",
    "sklearn.utils.validation.check_array",
})


def _model_file(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p / MODEL_FILE if p.is_dir() or p.suffix != ".skops" else p


def save_model(model, path: str | os.PathLike, history_df: pd.DataFrame | None = None,
               note: str | None = None, source: str | None = None) -> Path:
    """Write ``model.skops``, ``model_card.json`` and ``model_card.md`` into folder ``path``.

    ``history_df`` (the training history) is checked against the card's sha256; ``note`` (e.g.
    "trained on synthetic data") and ``source`` go into the card.
    """
    import skops.io as sio

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    card = dict(model.card_)
    if history_df is not None:
        card["training_data"] = {**card["training_data"], "sha256_supplied": history_fingerprint(history_df)}
    if note:
        card["note"] = note
    if source:
        card["training_data"] = {**card["training_data"], "source": source}
    model.card_ = card
    target = folder / MODEL_FILE
    tmp = folder / (MODEL_FILE + ".tmp")
    sio.dump(model, tmp)
    extra = set(sio.get_untrusted_types(file=tmp)) - TRUSTED_TYPES
    if extra:
        tmp.unlink()
        raise ModelError(f"model contains types outside the trusted list: {', '.join(sorted(extra))}")
    # Each file is written whole (a temporary name, then a rename): an interrupted save leaves
    # no truncated file. `targeting train` writes the whole folder so (write_folder_atomically).
    cards = {"model_card.json": json.dumps(card, indent=2, ensure_ascii=False) + "\n",
             "model_card.md": card_markdown(card)}
    try:
        for name, text in cards.items():
            (folder / (name + ".tmp")).write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        for name in cards:
            os.replace(folder / (name + ".tmp"), folder / name)
    except BaseException:
        for name in (MODEL_FILE, *cards):
            (folder / (name + ".tmp")).unlink(missing_ok=True)
        raise
    return folder


def load_model(path: str | os.PathLike):
    """Load a model saved by :func:`save_model` (a folder or a ``.skops`` file).

    Raises :class:`ModelError` if the file is missing, is not a skops archive, or names any type
    outside :data:`TRUSTED_TYPES` (nothing from the file is executed in that case).
    """
    import skops.io as sio

    f = _model_file(path)
    if not f.is_file():
        raise ModelError(f"{f}: model file not found")
    if not zipfile.is_zipfile(f):
        raise ModelError(f"{f}: not a skops model file (refusing to load other formats such as pickle)")
    try:
        types = set(sio.get_untrusted_types(file=f))
    except Exception as exc:  # damaged archive or schema
        raise ModelError(f"{f}: cannot read the model file ({type(exc).__name__}: {exc})") from None
    extra = types - TRUSTED_TYPES
    if extra:
        raise ModelError(f"{f}: refusing to load untrusted type(s) {', '.join(sorted(extra))}")
    try:
        model = sio.load(f, trusted=sorted(types))
    except Exception as exc:
        raise ModelError(f"{f}: cannot load the model ({type(exc).__name__}: {exc})") from None
    if not isinstance(model, ExitModel):
        raise ModelError(f"{f}: contains a {type(model).__name__}, not an ExitModel")
    return model
