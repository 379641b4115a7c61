"""Data-driven nonlinear bases of the encoded features, for the logistic scorecards.

Each numeric column gives its value, step indicators at the observed levels of a count column or
at quantiles of a continuous one, and a log of a skewed one; each category a 0/1 column. The
bases are learned from the training rows (:func:`basis_stats`) and standardised.
"""

from __future__ import annotations

import numpy as np

from targeting.scoring.features import one_hot

__all__ = ["BASIS_QUANTILES", "MAX_COUNT_STEPS", "basis_stats", "basis_names", "basis_design",
           "basis_owners"]

#: Quantiles of a continuous column where step bases start (found from the data, not fixed).
BASIS_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Most step bases for a count column (one per observed level, lowest levels first).
MAX_COUNT_STEPS = 6


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


def basis_owners(cat_mask: np.ndarray, stats: dict) -> np.ndarray:
    """The encoded column each basis of :func:`basis_design` is made from (same order): every
    basis depends on one column only, which is what makes explanations cheap."""
    numeric = np.nonzero(~np.asarray(cat_mask))[0]
    owners = []
    for j, col in enumerate(numeric):
        owners += [col] * (1 + len(stats["cuts"][j]) + (stats["logs"][j] > 0))
    for col, k in zip(np.nonzero(np.asarray(cat_mask))[0], stats["n_cats"]):
        owners += [col] * int(k)
    return np.asarray(owners, dtype=int)[stats["keep"]]


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
