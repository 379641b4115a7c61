"""Fast predictions of fitted HistGradientBoosting models: the only use of scikit-learn's
private API in the package.

Predicting on binned data (uint8) is about twice as fast on large tables, and identical, since
every split is on a bin boundary (tests check it against the public ``predict_proba``). When
scikit-learn's internals change, these functions raise one of :data:`API_CHANGED` and the
callers fall back to the public path.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

__all__ = ["API_CHANGED", "hgb_params", "hgb_raw", "proba_by_column_value", "proba_replaced"]

#: What a call into scikit-learn's private API raises when that API has changed.
API_CHANGED = (AttributeError, TypeError, ValueError, IndexError)


def hgb_params(n: int, max_iter: int, learning_rate: float, seed: int) -> dict:
    """Settings of a gradient-boosting model fitted on ``n`` rows."""
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
    """Raw score (log-odds, or value for a regressor) of a fitted HistGradientBoosting model."""
    try:
        return _raw_binned(m, _binned(m, X))
    except (AttributeError, TypeError):
        return m._raw_predict(X)[:, 0]


def proba_by_column_value(m, D: np.ndarray, probes: list[np.ndarray]) -> np.ndarray:
    """P of a fitted classifier on design ``D`` with one column set in turn to each probe's value.

    ``probes`` are one-row designs that differ only in that column; the column is found by
    binning them, and ``D`` is binned once. Returns ``(len(D), len(probes))``.
    """
    Xb = _binned(m, D)
    bins = [_binned(m, p)[0] for p in probes]
    moved = np.nonzero(bins[0] != bins[1])[0]
    if len(moved) != 1:
        raise ValueError("cannot locate the varying column")
    col = int(moved[0])
    out = np.empty((len(D), len(probes)))
    for a, b in enumerate(bins):
        Xb[:, col] = b[col]
        out[:, a] = expit(_raw_binned(m, Xb))
    return out


def proba_replaced(m, D: np.ndarray, columns, refs, chunk: int = 100_000):
    """P of a fitted classifier on design ``D`` as is, and with each of ``columns`` in turn set to
    its ``refs`` value.

    Only the trees that split on a column can change, so only those are evaluated again, against
    each tree's output kept from one pass over the data (same numbers as a full prediction, much
    less work). Returns P as is and a list of arrays, one per column.
    """
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
    out = [np.empty(len(D)) for _ in columns]
    base = np.empty(len(D))
    for lo in range(0, len(D), chunk):
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
            new = sum(t.predict_binned(Xb, mv, threads) for t, u in zip(trees, mask) if u)
            Xb[:, c] = keep
            o[lo:lo + chunk] = expit(raw - per_tree[:, mask].sum(axis=1) + new)
    return base, out
