"""The one cross-validation loop of scoring, and the folds it runs on.

Every out-of-fold computation of the package goes through :func:`splits`: the comparison of
learners and their propensities (:mod:`.selection`), the out-of-fold calibration of the metrics,
the DR-learner's cross-fitting and the scorecards' inner penalty search (:func:`path_log_loss`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

__all__ = ["cv_subsample", "stratified_folds", "splits", "out_of_fold", "path_log_loss"]


def cv_subsample(n: int, max_rows: int | None, seed: int) -> np.ndarray:
    """The rows a cross-validation runs on: all ``n``, or a seeded sorted sample of ``max_rows``."""
    if not max_rows or n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=int(max_rows), replace=False))


def stratified_folds(t, y, k: int, seed: int) -> np.ndarray:
    """Fold index per row, balanced within each (intervention, outcome) stratum."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=int)
    strata = t.astype(int) * 2 + y.astype(int)
    for s in np.unique(strata):
        rows = np.nonzero(strata == s)[0]
        rows = rows[rng.permutation(len(rows))]
        fold[rows] = (np.arange(len(rows)) + rng.integers(k)) % k
    return fold


def splits(fold: np.ndarray, k: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` boolean masks of folds ``0 .. k-1``, in that order."""
    for i in range(k):
        yield fold != i, fold == i


def out_of_fold(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], fold: np.ndarray,
                k: int, *shape: int) -> np.ndarray:
    """Out-of-fold predictions: row block ``test`` of the result is ``fit_predict(train, test)``.

    ``shape`` is the shape of one row's prediction (none for a scalar).
    """
    out = np.empty((len(fold), *shape))
    for train, test in splits(fold, k):
        out[test] = fit_predict(train, test)
    return out


def path_log_loss(D: np.ndarray, y: np.ndarray, fold: np.ndarray, k: int, Cs: Sequence[float],
                  make_lr: Callable[[float], object]) -> np.ndarray:
    """Summed out-of-fold log loss of a logistic regression on design ``D`` for each ``C`` of
    ``Cs`` (ascending: a warm-starting ``make_lr`` follows the path from strong to weak penalty).

    A fold whose training rows have one outcome only is left out.
    """
    loss = np.zeros(len(Cs))
    for train, test in splits(fold, k):
        if len(np.unique(y[train])) < 2:
            continue
        lr = make_lr(Cs[0])
        for i, C in enumerate(Cs):
            lr.set_params(C=C)
            lr.fit(D[train], y[train])
            p = np.clip(lr.predict_proba(D[test])[:, 1], 1e-6, 1 - 1e-6)
            loss[i] -= np.sum(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p))
    return loss
