"""Why a household got its score: the fitted model's own sensitivity, put in words a village can check.

Interpreting is separate from estimating: everything here uses the fitted
:class:`~targeting.scoring.ExitModel`'s public predictions (``predict_arm``,
``predict_arm_replaced``). :func:`references` and :func:`importance` describe the model as a
whole; :func:`explain` returns each household's reasons as data (household, feature, value,
effect); :func:`render` turns them into English or Vietnamese with the words of
:mod:`targeting.labels`.

The effect of a feature is the change in the predicted probability (under the support that gives
the score) when that feature alone is set to its reference value, the median (or, for
categories, the most common value) among past households: ``+`` means the household's value
raises its chance of a sustained exit compared with a typical household. The features tried are
the :data:`MAX_CANDIDATES` most important ones and the causes of poverty (``cause_*``) the model
has; each household's reasons are the ``top`` largest effects among them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from targeting import labels
from targeting.config import CAUSES
from targeting.scoring.features import INTERVENTIONS, FeatureSpec

__all__ = ["references", "importance", "explain", "phrase", "render", "reasons_text"]

#: Features tried per household: the most influential ones overall (keeps scoring fast).
MAX_CANDIDATES = 5
#: Smallest effect (in probability) worth a reason.
MIN_EFFECT = 0.005
#: Rows on which :func:`importance` is measured.
IMPORTANCE_ROWS = 2000


def references(spec: FeatureSpec, Xe: np.ndarray) -> list:
    """Per feature of the encoded history ``Xe``: the median, or for a category the most
    common code (NaN when the column is empty)."""
    ref = []
    for j, is_cat in enumerate(spec.cat_mask):
        col = Xe[:, j]
        col = col[~np.isnan(col)]
        if len(col) == 0:
            ref.append(float("nan"))
        elif is_cat:
            vals, cnt = np.unique(col, return_counts=True)
            ref.append(float(vals[np.argmax(cnt)]))
        else:
            ref.append(float(np.median(col)))
    return ref


def importance(model, Xe: np.ndarray, t: np.ndarray, refs: list, n: int = IMPORTANCE_ROWS) -> list:
    """Per feature: the mean |change in probability| (under the arm received) when it is set to
    its reference value, on a seeded sample of ``n`` rows of the encoded history ``Xe``."""
    rng = np.random.default_rng(model.random_state)
    rows = rng.choice(len(Xe), size=min(n, len(Xe)), replace=False)
    Xs, ts = Xe[rows], t[rows]
    p = model.predict_arm(Xs, ts)
    imp = []
    for j in range(Xe.shape[1]):
        X2 = Xs.copy()
        X2[:, j] = refs[j]
        imp.append(float(np.mean(np.abs(p - model.predict_arm(X2, ts)))))
    return imp


def _num(v: float, lang: str, digits: int = 1) -> str:
    """1234.5 -> '1,234.5' (en) or '1.234,5' (vi); whole numbers without decimals."""
    if float(v).is_integer():
        s = f"{int(v):,}"
    else:
        s = f"{v:,.{digits}f}".rstrip("0").rstrip(".")
    if lang == "vi":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def phrase(feature: str, value, lang: str) -> str:
    """One feature's value in words, e.g. ``2 working-age members`` / ``2 người trong độ tuổi lao động``."""
    i = 0 if lang == "en" else 1
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    if missing:
        return labels.REASON_MISSING[i].format(feature=feature)
    if feature in labels.REASON_FLAGS:
        return labels.REASON_FLAGS[feature][0 if float(value) >= 0.5 else 1][i]
    if feature.startswith("dep_") and feature[4:] in labels.REASON_DEPRIVATIONS:
        label = labels.REASON_DEPRIVATIONS[feature[4:]][i]
        words = labels.REASON_DEPRIVED if float(value) >= 0.5 else labels.REASON_NOT_DEPRIVED
        return words[i].format(label=label)
    if feature == "status" and str(value) in labels.REASON_STATUS:
        return labels.REASON_STATUS[str(value)][i]
    if isinstance(value, str):
        return labels.REASON_TEXT[i].format(feature=feature, value=value)
    v = float(value)
    n = _num(v, lang)
    if feature in labels.REASON_AMOUNTS:
        return labels.REASON_AMOUNTS[feature][i].format(n=n, r=_num(round(v), lang),
                                                        s="" if v == 1 else "s")
    return labels.REASON_NUMBER[i].format(feature=feature, n=n)


def explain(model, households: pd.DataFrame, arms, top: int = 3,
            candidates: int = MAX_CANDIDATES) -> pd.DataFrame:
    """The top factors behind each household's probability under ``arms`` (one kind per row).

    Returns a long frame ``row, slot, feature, value, effect`` (``row`` is the position in
    ``households``), at most ``top`` rows per household, largest |effect| first; ``effect`` is
    p(household) - p(household with that feature set to its reference value).
    """
    spec = model.features_
    Xe = spec.encode(households)
    arm_idx = pd.Series(arms).map({k: i for i, k in enumerate(INTERVENTIONS)}).to_numpy(dtype=int)
    order = np.argsort(-np.asarray(model.importance_), kind="stable")[:candidates].tolist()
    # The causes of poverty the review recorded are tried for every household as well: they
    # matter mostly for which support helps (little for the arm most past households had, on
    # which importance is measured), and they are the reasons a village meeting knows.
    order += [j for j, name in enumerate(spec.names) if name in CAUSES and j not in order]
    # an optional extra the households lack is unknown for all of them: no reason
    order = [j for j in order if model.importance_[j] > 0 and spec.names[j] in households.columns]
    n = len(households)
    if not order or n == 0:
        return pd.DataFrame({"row": [], "slot": [], "feature": [], "value": [], "effect": []})
    p, variants = model.predict_arm_replaced(Xe, arm_idx, order, [model.reference_[j] for j in order])
    effects = np.empty((n, len(order)))
    for c, p_j in enumerate(variants):
        effects[:, c] = p - p_j
    k = min(top, len(order))
    best = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = best.ravel()
    eff = effects[rows, cols]
    feats = np.array([spec.names[j] for j in order], dtype=object)[cols]
    keep = np.abs(eff) >= MIN_EFFECT
    out = pd.DataFrame({"row": rows[keep], "feature": feats[keep], "effect": eff[keep]})
    out["slot"] = np.tile(np.arange(k), n)[keep]
    # Values as the household has them (not encoded), for rendering.
    vals = np.empty(len(out), dtype=object)
    fa = out["feature"].to_numpy()
    ra = out["row"].to_numpy()
    for f in np.unique(fa):
        m = fa == f
        vals[m] = households[f].to_numpy(dtype=object)[ra[m]]
    out["value"] = vals
    return out[["row", "slot", "feature", "value", "effect"]]


def render(reasons: pd.DataFrame, n: int, lang: str = "en") -> list[str]:
    """Join each household's reasons into one line: ``2 working-age members (+); ...``."""
    k = int(reasons["slot"].max()) + 1 if len(reasons) else 0
    grid = np.full((n, max(k, 1)), "", dtype=object)
    if len(reasons):
        # Phrase each distinct (feature, value, sign) once; most households share them.
        vals = reasons["value"]
        key = (reasons["feature"].astype(str) + "\x1f" + vals.astype(str)
               + np.where(reasons["effect"].to_numpy() > 0, "+", "-"))
        codes, uniques = pd.factorize(key)
        first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        texts = np.empty(len(uniques), dtype=object)
        feats = reasons["feature"].to_numpy()
        raw = vals.to_numpy(dtype=object)
        eff = reasons["effect"].to_numpy()
        for u, i in enumerate(first):
            v = raw[i]
            missing = v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
            val = None if missing else (v if isinstance(v, str) else float(v))
            texts[u] = f"{phrase(feats[i], val, lang)} ({'+' if eff[i] > 0 else '-'})"
        grid[reasons["row"].to_numpy(), reasons["slot"].to_numpy()] = texts[codes]
    line = grid[:, 0]
    for j in range(1, grid.shape[1]):
        nxt = grid[:, j]
        line = np.where(nxt != "", line + "; " + nxt, line)
    return line.tolist()


def reasons_text(model, households, arms, top: int = 3) -> tuple[list[str], list[str]]:
    """English and Vietnamese reason lines for each household."""
    r = explain(model, households, arms, top=top)
    return render(r, len(households), "en"), render(r, len(households), "vi")
