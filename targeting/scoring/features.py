"""Which columns the scoring model uses, and how they become numbers.

Features are every column of the training history except identifiers and labels, so a province
whose register carries extra fields (a region, an ethnic group, a survey score) trains without code
changes. Numbers (and text that parses as numbers) stay numeric, with missing values kept as NaN for
the gradient-boosted models; text with few distinct values is categorical; identifiers and free text
(household_id, village, names) are left out.

The register extras the contract makes optional (``income_score`` and the ``cause_*`` flags) may
be absent from the households a model scores even when its history had them: they are then
unknown for every household (missing values, which every learner handles: the gradient-boosted
ones natively, the linear ones as the typical past household). Any other feature the model has
must be there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from targeting.config import CAUSES, KINDS
from targeting.errors import ModelError

__all__ = ["INTERVENTIONS", "LABELS", "IDENTIFIERS", "MAY_BE_ABSENT", "FeatureSpec", "infer_features",
           "intervention_codes", "history_fingerprint"]

#: The arms of the model: no support, then each project kind.
INTERVENTIONS: tuple[str, ...] = ("none", *KINDS)
LABELS = ("intervention", "sustained_exit")
#: Never features: keys, places, names, the year of the programme, and the support a household
#: asked for (``wants``: consent, not a trait that makes an exit more likely).
IDENTIFIERS = frozenset(
    {"household_id", "commune_id", "village", "year", "name", "household_name", "head_name",
     "head", "address", "phone", "project_id", "cooperative_id", "province", "district", "wants"}
)
#: Features a scored table may lack (optional register extras): absent means unknown.
MAY_BE_ABSENT = frozenset({"income_score", *CAUSES})
#: A text column with more distinct values than this is free text, not a category.
MAX_CATEGORIES = 30


def _is_identifier(name: str) -> bool:
    n = name.strip().lower()
    return n in IDENTIFIERS or n.endswith("_id") or n.endswith("_name")


@dataclass
class FeatureSpec:
    """The learned feature layout: numeric columns, categorical columns with their categories."""

    numeric: list
    categorical: dict
    ignored: list

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    @property
    def cat_mask(self) -> np.ndarray:
        return np.array([False] * len(self.numeric) + [True] * len(self.categorical), dtype=bool)

    def missing(self, frame: pd.DataFrame) -> list[str]:
        """The features ``frame`` lacks that it must have (absent extras are unknown, not missing)."""
        return [c for c in self.names if c not in frame.columns and c not in MAY_BE_ABSENT]

    def check(self, frame: pd.DataFrame, what: str = "households") -> None:
        miss = self.missing(frame)
        if miss:
            raise ModelError(
                f"{what}: the scoring model needs column(s) {', '.join(miss)}, which are missing; "
                "add them or train a model on a history without them"
            )

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """A float matrix: numeric columns as numbers (NaN when missing), categories as codes.

        Unknown categories become NaN (missing), which the models handle; so does every value of
        an absent optional extra (:data:`MAY_BE_ABSENT`).
        """
        self.check(frame)
        n = len(frame)
        out = np.empty((n, len(self.numeric) + len(self.categorical)), dtype=np.float64)
        for j, c in enumerate(self.numeric):
            out[:, j] = _to_float(frame[c]) if c in frame.columns else np.nan
        for k, (c, cats) in enumerate(self.categorical.items()):
            if c not in frame.columns:
                out[:, len(self.numeric) + k] = np.nan
                continue
            v = frame[c]
            text = v.astype(str).where(v.notna(), None)
            # -1 for a category the model has not seen (pd.Categorical would refuse it in pandas 4)
            codes = pd.Index(cats).get_indexer(text.astype(object)).astype(np.float64)
            codes[codes < 0] = np.nan
            out[:, len(self.numeric) + k] = codes
        return out


def _to_float(s: pd.Series) -> np.ndarray:
    if s.dtype == object or str(s.dtype) in ("string", "str", "category"):
        s = pd.to_numeric(s.astype("object"), errors="coerce")
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def infer_features(history: pd.DataFrame, households: pd.DataFrame | None = None) -> FeatureSpec:
    """Choose the features from the training history (and, when given, the households to score).

    Every column except identifiers and labels; with ``households`` only the columns both share.
    Text that parses as numbers is numeric; other text is categorical when it has at most
    :data:`MAX_CATEGORIES` distinct values (and repeats), else ignored as free text.
    """
    numeric: list[str] = []
    categorical: dict[str, list[str]] = {}
    ignored: list[str] = []
    n = len(history)
    for c in history.columns:
        if c in LABELS:
            continue
        if _is_identifier(c) or (households is not None and c not in households.columns):
            ignored.append(c)
            continue
        s = history[c]
        if s.isna().all():
            ignored.append(c)
            continue
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            numeric.append(c)
            continue
        num = pd.to_numeric(s.astype("object"), errors="coerce")
        if num.notna().sum() == s.notna().sum():
            numeric.append(c)
            continue
        values = s.dropna().astype(str)
        k = values.nunique()
        if k <= MAX_CATEGORIES and k <= max(2, n // 5):
            categorical[c] = sorted(values.unique().tolist())
        else:
            ignored.append(c)
    if not numeric and not categorical:
        raise ModelError("history: no feature columns besides identifiers and labels")
    return FeatureSpec(numeric=numeric, categorical=categorical, ignored=ignored)


def intervention_codes(frame: pd.DataFrame) -> np.ndarray:
    """The arm index of each row's ``intervention`` (0 = none, then the project kinds).

    Raises :class:`ModelError` naming the first row whose intervention is not one of
    :data:`INTERVENTIONS`, or the missing column.
    """
    if "intervention" not in frame.columns:
        raise ModelError("history: column intervention is missing (expected none or a project kind)")
    iv = frame["intervention"].astype("object")
    bad = ~iv.isin(INTERVENTIONS)
    if bad.any():
        raise ModelError(
            f"history row {int(np.nonzero(bad.to_numpy())[0][0]) + 2}, column intervention: "
            f"expected one of {', '.join(INTERVENTIONS)}; got {iv[bad].iloc[0]!r}"
        )
    return iv.map({k: i for i, k in enumerate(INTERVENTIONS)}).to_numpy(dtype=int)


def history_fingerprint(history: pd.DataFrame) -> str:
    """The sha256 of a history table as CSV: what a model card records of its training data."""
    return hashlib.sha256(history.to_csv(index=False).encode("utf-8")).hexdigest()


def dense_stats(X: np.ndarray, cat_mask: np.ndarray, n_cats: list[int]) -> dict:
    """Medians, means and scales to turn an encoded matrix into a dense design (for linear models)."""
    num = X[:, ~cat_mask]
    med = np.nanmedian(num, axis=0) if num.shape[1] else np.zeros(0)
    med = np.where(np.isnan(med), 0.0, med)
    filled = np.where(np.isnan(num), med, num)
    mean = filled.mean(axis=0) if len(filled) else np.zeros(num.shape[1])
    sd = filled.std(axis=0) if len(filled) else np.ones(num.shape[1])
    sd = np.where(sd > 0, sd, 1.0)
    return {"median": med, "mean": mean, "sd": sd, "n_cats": list(n_cats)}


def dense_design(X: np.ndarray, cat_mask: np.ndarray, stats: dict) -> np.ndarray:
    """Standardised numeric columns with missing-indicators folded in as the median, plus one-hot
    categories (a missing or unknown category is all zeros)."""
    num = X[:, ~cat_mask]
    num = np.where(np.isnan(num), stats["median"], num)
    parts = [(num - stats["mean"]) / stats["sd"], *one_hot(X[:, cat_mask], stats["n_cats"])]
    return np.hstack(parts) if parts else np.zeros((len(X), 0))


def dense_owners(cat_mask: np.ndarray, stats: dict) -> np.ndarray:
    """The encoded column each column of :func:`dense_design` is made from (same order)."""
    cat_mask = np.asarray(cat_mask)
    cats = [np.full(int(k), col) for col, k in zip(np.nonzero(cat_mask)[0], stats["n_cats"])]
    return np.concatenate([np.nonzero(~cat_mask)[0], *cats]).astype(int)


def one_hot(cats: np.ndarray, n_cats) -> list[np.ndarray]:
    """One block of 0/1 columns per categorical column (a missing or unknown code: all zeros)."""
    blocks = []
    for j, k in enumerate(n_cats):
        col = cats[:, j]
        oh = np.zeros((len(cats), k))
        ok = ~np.isnan(col)
        oh[np.nonzero(ok)[0], col[ok].astype(int)] = 1.0
        blocks.append(oh)
    return blocks
