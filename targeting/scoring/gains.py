"""From probabilities to what the commune and the optimizer use: ranked scores and gains."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from targeting.config import KINDS
from targeting.data.eligibility import eligible_pairs
from targeting.errors import ModelError, OverlapWarning
from targeting.scoring.features import INTERVENTIONS
from targeting.scoring.interpret import reasons_text

__all__ = ["score_households", "gains_for_pairs"]


def gains_for_pairs(model, households: pd.DataFrame, pairs: pd.DataFrame, *, engine=None,
                    partition_rows: int | None = None) -> pd.DataFrame:
    """Gain of each eligible (household, project) pair: p with the project's kind minus p without.

    ``pairs`` has at least ``household_id`` and ``kind`` (as :func:`targeting.data.eligibility.eligible_pairs`
    returns). The result is ``pairs`` in the same order, plus ``p_exit_base``, ``p_exit_with``, ``gain``.
    With ``engine`` (:mod:`targeting.engine`) households are scored in partitions of
    ``partition_rows`` as separate tasks, the model sent to each worker once; the result is the
    same, row for row.
    """
    if engine is not None:
        return _gains_partitioned(model, households, pairs, engine, partition_rows)
    return _gains(model, households, pairs)


def _gains(model, households: pd.DataFrame, pairs: pd.DataFrame, overlap: bool = True):
    model.check_features(households)
    for c in ("household_id", "kind"):
        if c not in pairs.columns:
            raise ModelError(f"pairs: column {c} is missing")
    out = pairs.copy()
    if len(pairs) == 0:
        for c in ("p_exit_base", "p_exit_with", "gain"):
            out[c] = pd.Series(dtype="float64")
        return out
    bad = ~pairs["kind"].isin(KINDS)
    if bad.any():
        raise ModelError(f"pairs: kind must be one of {', '.join(KINDS)}; got {pairs.loc[bad, 'kind'].iloc[0]!r}")
    ids = households["household_id"].astype(str)
    need = ids.isin(pairs["household_id"].astype(str).unique()).to_numpy()
    hh = households.loc[need]
    P = model.predict_proba_all(hh)
    pos = pd.Index(hh["household_id"].astype(str)).get_indexer(pairs["household_id"].astype(str))
    if (pos < 0).any():
        raise ModelError(f"pairs: household_id {pairs['household_id'].iloc[int(np.argmax(pos < 0))]!r} "
                         "is not in households")
    Pm = P.to_numpy()
    col = pairs["kind"].map({k: i for i, k in enumerate(INTERVENTIONS)}).to_numpy(dtype=int)
    base = Pm[pos, 0]
    with_ = Pm[pos, col]
    out["p_exit_base"] = base
    out["p_exit_with"] = with_
    out["gain"] = with_ - base
    if overlap:
        model.check_overlap(hh, kinds=set(pairs["kind"]))
    return out


def score_households(model, households: pd.DataFrame, projects: pd.DataFrame, *,
                     reasons: bool = True, top_reasons: int = 3, engine=None,
                     partition_rows: int | None = None, consent: str = "any") -> pd.DataFrame:
    """Rank households by their capacity to exit poverty sustainably, with reasons.

    ``score`` is the probability of a sustained exit with the most suitable support open to the
    household in this scenario (the eligible kind with the highest probability), or without
    support when none is open; ``rank`` is 1 for the highest score within each commune (ties by
    household order). ``reasons_en`` / ``reasons_vi`` list the top factors behind the score.
    With ``engine`` (:mod:`targeting.engine`) households are scored in partitions of
    ``partition_rows`` as separate tasks and ranked together; the result is the same.
    ``consent="wants"`` opens to each household only the kinds it asked for (``wants``).
    """
    if engine is not None:
        return _score_partitioned(model, households, projects, engine, partition_rows,
                                  reasons=reasons, top_reasons=top_reasons, consent=consent)
    out = _score(model, households, projects, reasons=reasons, top_reasons=top_reasons, consent=consent)
    out["rank"] = _rank(out)
    model.check_overlap(households, kinds=set(out["best_kind"]) - {"none"})
    return out[SCORE_COLUMNS]


SCORE_COLUMNS = ["household_id", "commune_id", "village", "status", "rank", "score", "best_kind",
                 "p_exit_base", *[f"p_{k}" for k in KINDS], "reasons_en", "reasons_vi"]


def _rank(out: pd.DataFrame) -> np.ndarray:
    """1 for the highest score within each commune; ties by household order."""
    order = np.lexsort((np.arange(len(out)), -out["score"].to_numpy()))
    rank = np.empty(len(out), dtype=np.int64)
    sorted_c = out["commune_id"].to_numpy()[order]
    rank[order] = pd.Series(np.ones(len(out), dtype=np.int64)).groupby(sorted_c).cumsum().to_numpy()
    return rank


def _score(model, households: pd.DataFrame, projects: pd.DataFrame, *, reasons: bool,
           top_reasons: int, consent: str = "any") -> pd.DataFrame:
    """Scores of ``households`` without ranks (row-wise, so partitions can be scored apart)."""
    model.check_features(households)
    P = model.predict_proba_all(households)
    pairs = eligible_pairs(households, projects, consent=consent) if len(projects) else pd.DataFrame(
        columns=["household_id", "kind"])
    ids = households["household_id"].astype(str).to_numpy()
    open_ = np.zeros((len(households), len(INTERVENTIONS)), dtype=bool)
    open_[:, 0] = True
    if len(pairs):
        pos = pd.Index(ids).get_indexer(pairs["household_id"].astype(str))
        col = pairs["kind"].map({k: i for i, k in enumerate(INTERVENTIONS)}).to_numpy(dtype=int)
        open_[pos, col] = True
    Pm = P.to_numpy()
    masked = np.where(open_, Pm, -np.inf)
    best = masked.argmax(axis=1)
    out = pd.DataFrame({
        "household_id": households["household_id"].to_numpy(),
        "commune_id": households["commune_id"].to_numpy(),
        "village": households["village"].to_numpy() if "village" in households else "",
        "status": households["status"].to_numpy() if "status" in households else None,
    })
    out["score"] = Pm[np.arange(len(Pm)), best]
    out["best_kind"] = np.array(INTERVENTIONS, dtype=object)[best]
    out["p_exit_base"] = Pm[:, 0]
    for i, k in enumerate(KINDS, start=1):
        out[f"p_{k}"] = Pm[:, i]
    if reasons:
        en, vi = reasons_text(model, households, out["best_kind"].to_numpy(), top=top_reasons)
        out["reasons_en"] = en
        out["reasons_vi"] = vi
    else:
        out["reasons_en"] = ""
        out["reasons_vi"] = ""
    out.index = households.index
    return out


# --------------------------------------------------------------------------------------------
# Partitioned execution (an engine of targeting.engine: local or a Dask cluster)
# --------------------------------------------------------------------------------------------


def _partitions(n: int, partition_rows: int | None, parallelism: int = 1) -> list[slice]:
    """At most ``partition_rows`` rows each, and at least one partition per worker."""
    from targeting.engine import PARTITION_ROWS

    size = int(partition_rows or PARTITION_ROWS)
    size = max(1, min(size, -(-n // max(1, parallelism))))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _gains_task(part: tuple, *, model) -> tuple[pd.DataFrame, dict, int]:
    hh, pairs = part
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = _gains(model, hh, pairs, overlap=False)
        seen = hh.loc[hh["household_id"].astype(str).isin(pairs["household_id"].astype(str).unique())]
        outside = model.check_overlap(seen, kinds=set(pairs["kind"])) if len(pairs) else {}
    return out, outside, len(seen)


def _score_task(hh: pd.DataFrame, *, model, projects, reasons: bool, top_reasons: int, consent: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = _score(model, hh, projects, reasons=reasons, top_reasons=top_reasons, consent=consent)
        outside = model.check_overlap(hh, kinds=set(out["best_kind"]) - {"none"})
    return out, outside, len(hh)


def _gains_partitioned(model, households, pairs, engine, partition_rows) -> pd.DataFrame:
    model.check_features(households)
    for c in ("household_id", "kind"):
        if c not in pairs.columns:
            raise ModelError(f"pairs: column {c} is missing")
    if len(pairs) == 0:
        return _gains(model, households, pairs)
    ids = households["household_id"].astype(str)
    hpos = pd.Index(ids).get_indexer(pairs["household_id"].astype(str))
    if (hpos < 0).any():
        raise ModelError(f"pairs: household_id {pairs['household_id'].iloc[int(np.argmax(hpos < 0))]!r} "
                         "is not in households")
    parts, where = [], []
    for sl in _partitions(len(households), partition_rows, engine.parallelism):
        sel = np.flatnonzero((hpos >= sl.start) & (hpos < sl.stop))
        if len(sel):
            parts.append((households.iloc[sl], pairs.iloc[sel]))
            where.append(sel)
    results = engine.map(_gains_task, parts, shared={"model": model})
    out = pd.concat([r[0] for r in results])
    # back to the order of ``pairs``: a deterministic merge whatever the partitioning
    out = out.iloc[np.argsort(np.concatenate(where), kind="stable")]
    _warn_overlap(model, [(r[1], r[2]) for r in results])
    return out


def _score_partitioned(model, households, projects, engine, partition_rows, *, reasons, top_reasons,
                       consent):
    model.check_features(households)
    parts = [households.iloc[sl] for sl in _partitions(len(households), partition_rows, engine.parallelism)]
    if not parts:
        return score_households(model, households, projects, reasons=reasons, top_reasons=top_reasons,
                                consent=consent)
    results = engine.map(_score_task, parts, shared={"model": model, "projects": projects,
                                                     "reasons": reasons, "top_reasons": top_reasons,
                                                     "consent": consent})
    out = pd.concat([r[0] for r in results])
    out["rank"] = _rank(out)
    _warn_overlap(model, [(r[1], r[2]) for r in results])
    return out[SCORE_COLUMNS]


def _warn_overlap(model, parts: list[tuple[dict, int]], share: float = 0.5) -> None:
    """The warnings of ``model.check_overlap`` over all partitions together (workers' warnings
    do not reach the user): shares outside the learned range, weighted by partition size."""


    total = sum(n for _, n in parts)
    kinds = [k for k in INTERVENTIONS if any(k in d for d, _ in parts)]
    for k in kinds:
        if model.counts_.get(k, 0) < model.min_examples:
            warnings.warn(f"intervention {k!r} had only {model.counts_.get(k, 0)} examples in "
                          "the training history; its gains are uncertain", OverlapWarning, stacklevel=3)
        outside = sum(d.get(k, 0.0) * n for d, n in parts) / max(total, 1)
        if outside > share:
            warnings.warn(f"intervention {k!r}: {outside:.0%} of the households scored are "
                          "unlike any past recipient (propensity below the 1st percentile); "
                          "its estimated gains for them are extrapolations", OverlapWarning, stacklevel=3)
