"""The model card: what the model was trained on, how well it did, and what it assumes."""

from __future__ import annotations

import platform

import numpy as np

from targeting.scoring.learners import StepLogisticLearner, basis_names

__all__ = ["build_card", "card_markdown", "effect_terms", "MODEL_NAME", "MODEL_VERSION"]

MODEL_NAME = "targeting-exit-model"
MODEL_VERSION = "1"

ASSUMPTIONS = [
    "Unconfoundedness: given the features, who received which support in past programmes was as "
    "good as random. Past support was targeted (e.g. on registered_exit, working-age members, "
    "land); only what is in the features is adjusted for.",
    "Overlap: households like those scored received each kind of support in the past. Scoring "
    "warns when an intervention has few examples or the households lie outside the range of its "
    "past recipients.",
    "Stability: the programmes, prices and markets that produced the history still apply.",
]

LEARNER_NAMES = {
    "s": "S-learner (one gradient-boosted classifier, intervention as a feature)",
    "t": "T-learner (one gradient-boosted classifier per intervention)",
    "dr": "DR-learner (cross-fitted outcome and propensity models, AIPW pseudo-outcomes)",
    "logistic": "logistic scorecard (main effects, constant log-odds effect per support)",
    "logistic_x": "logistic scorecard with support-by-feature interactions (heterogeneous effects)",
    "logistic_h": ("logistic scorecard on data-driven nonlinear bases with hierarchically shrunken "
                   "support-by-feature interactions, penalties chosen by cross-validated log loss"),
    "logistic_s": ("logistic scorecard on data-driven nonlinear bases with the support-by-feature "
                   "terms that score tests clearly support (|z| >= 2.5), added one at a time"),
}


def _versions() -> dict:
    import pandas
    import sklearn
    import skops

    import targeting

    return {"python": platform.python_version(), "numpy": np.__version__,
            "pandas": pandas.__version__, "scikit-learn": sklearn.__version__,
            "skops": skops.__version__, "targeting": targeting.__version__}


def _round(x, nd=4):
    if isinstance(x, float):
        return round(x, nd)
    if isinstance(x, dict):
        return {k: _round(v, nd) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v, nd) for v in x]
    return x


def effect_terms(est: StepLogisticLearner, numeric: list[str], categorical: dict,
                 arms: list[str]) -> list[dict]:
    """The terms a stepwise scorecard let in, for people: which support, which basis, its ``z``
    when it entered and the change in that support's log-odds effect per standard deviation of
    the basis."""
    if est.coef_ is None:
        return []
    names = basis_names(est.stats_, numeric, categorical)
    return [{"support": "any support" if g == 0 else arms[g], "basis": names[j], "z": z,
             "log_odds_per_sd": float(e)}
            for (g, j, _), z, e in zip(est.terms_, est.z_, est.term_effects())]


def build_card(model) -> dict:
    """A JSON-ready description of a fitted :class:`ExitModel`, from its public attributes."""
    sel = model.learner_
    res = model.cv_results_.get(sel, {})
    metrics = {}
    if res:
        metrics = {
            "cv_folds": int(model.cv),
            "cv_rows": int(model.cv_rows_),
            "brier": res["brier"], "brier_uncalibrated": res["brier_raw"],
            "log_loss": res["log_loss"], "ece": res["ece"],
            "uplift_auuc_aipw": res["uplift_auuc"],
            "uplift_auuc_ipw": res["uplift_auuc_ipw"],
            "uplift_per_intervention": res["uplift"],
            "reliability": res["reliability"],
        }
    comparison = {c: {"brier": r["brier"], "log_loss": r["log_loss"], "ece": r["ece"],
                      "uplift_auuc_aipw": r["uplift_auuc"], "uplift_auuc_ipw": r["uplift_auuc_ipw"]}
                  for c, r in model.cv_results_.items()}
    imp = sorted(zip(model.features_.names, model.importance_), key=lambda kv: -kv[1])
    card = {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "estimator": sel,
        "estimator_description": LEARNER_NAMES.get(sel, sel),
        "selection": ("learner='auto': among learners whose cross-validated Brier score is "
                      "within 0.002 of the best, the lowest out-of-fold log loss (logistic_h instead "
                      "when it is among them and its log loss is worse by at most 2 paired standard "
                      "errors), unless another's "
                      "doubly robust (AIPW) uplift AUUC (count-weighted over interventions; outcome "
                      "model: the mean of all candidates' out-of-fold predictions) beats it by more "
                      "than 2 paired standard errors; then the highest such AUUC; logistic_s competes only "
                      "if a term entered on the whole history, and is preferred instead of logistic_h "
                      "when one entered with |z| >= 5") if model.learner == "auto" else f"fixed learner={model.learner!r}",
        "calibration": {"method": "Platt (logistic on the log-odds), fitted on out-of-fold predictions",
                        "enabled": bool(model.calibrate),
                        "a": float(model.calibration_[0]), "b": float(model.calibration_[1])},
        "metrics": metrics,
        "comparison": comparison,
        "training_data": {**model.training_,
                          "counts_per_intervention": dict(model.counts_)},
        "features": {"numeric": list(model.features_.numeric),
                     "categorical": {k: list(v) for k, v in model.features_.categorical.items()},
                     "ignored": list(model.features_.ignored)},
        "feature_importance": {k: v for k, v in imp},
        "seed": int(model.random_state),
        "parameters": {k: (list(v) if isinstance(v, tuple) else v)
                       for k, v in model.get_params().items()},
        "assumptions": ASSUMPTIONS,
        "libraries": _versions(),
    }
    if isinstance(model.estimator_, StepLogisticLearner):
        card["effect_terms"] = effect_terms(model.estimator_, list(model.features_.numeric),
                                            model.features_.categorical, list(model.kinds_))
    return _round(card)


def card_markdown(card: dict) -> str:
    """The card for people (Markdown)."""
    m = card.get("metrics", {})
    td = card["training_data"]
    lines = [f"# Model card: {card['name']} v{card['version']}", ""]
    if card.get("note"):
        lines += [f"**{card['note']}**", ""]
    lines += [
        "Predicts the probability that a household exits poverty sustainably (leaves the register "
        "within a year and has not fallen back two years later), without support and with each "
        "kind of livelihood support; the difference is the gain the allocation maximises.", "",
        f"- Estimator: {card['estimator_description']}",
        f"- Selection: {card['selection']}",
        f"- Calibration: {card['calibration']['method']} (a={card['calibration']['a']}, "
        f"b={card['calibration']['b']})",
        f"- Seed: {card['seed']}",
        "", "## Training data", "",
        f"- Rows: {td['rows']}, sustained-exit rate {td['exit_rate']}",
        f"- sha256: `{td['sha256']}`",
    ]
    if td.get("source"):
        lines.append(f"- Source: {td['source']}")
    lines += ["", "| intervention | rows |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in td["counts_per_intervention"].items()]
    if m:
        lines += ["", f"## Cross-validated metrics ({m['cv_folds']} folds, {m.get('cv_rows', '')} rows)", "",
                  f"- Brier score {m['brier']} (uncalibrated {m['brier_uncalibrated']}), "
                  f"log loss {m['log_loss']}, expected calibration error {m['ece']}",
                  f"- Uplift AUUC, count-weighted: AIPW {m['uplift_auuc_aipw']}, IPW {m['uplift_auuc_ipw']}",
                  "", "| intervention | rows | AIPW effect | AUUC | gain at top 30% vs random |",
                  "|---|---|---|---|---|"]
        for k, u in m["uplift_per_intervention"].items():
            lines.append(f"| {k} | {u['n_arm']} | {u['ate']} | {u['auuc']} | {u['gain_at_30']} |")
        lines += ["", "Reliability (out of fold, calibrated):", "",
                  "| bin | n | mean predicted | observed |", "|---|---|---|---|"]
        lines += [f"| {r['bin']} | {r['n']} | {r['mean_predicted']} | {r['observed_rate']} |"
                  for r in m["reliability"]]
    if card.get("comparison"):
        lines += ["", "## Estimators compared", "",
                  "| learner | Brier | log loss | ECE | uplift AUUC (AIPW) | uplift AUUC (IPW) |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {c} | {r['brier']} | {r['log_loss']} | {r['ece']} | {r['uplift_auuc_aipw']} "
                  f"| {r['uplift_auuc_ipw']} |"
                  for c, r in card["comparison"].items()]
    if card.get("effect_terms"):
        lines += ["", "## Where a support's effect varies", "",
                  "Terms the score tests let in (each: this support's log-odds effect changes by the "
                  "amount shown per standard deviation of the basis):", "",
                  "| support | basis | z when it entered | log-odds per SD |", "|---|---|---|---|"]
        lines += [f"| {t['support']} | {t['basis']} | {t['z']} | {t['log_odds_per_sd']} |"
                  for t in card["effect_terms"]]
    f = card["features"]
    lines += ["", "## Features", "", f"- Numeric: {', '.join(f['numeric'])}",
              f"- Categorical: {', '.join(f['categorical']) or '(none)'}",
              f"- Not used (identifiers, free text): {', '.join(f['ignored']) or '(none)'}",
              "", "## Assumptions", ""]
    lines += [f"- {a}" for a in card["assumptions"]]
    lines += ["", "## Libraries", ""]
    lines += [f"- {k} {v}" for k, v in card["libraries"].items()]
    return "\n".join(lines) + "\n"
