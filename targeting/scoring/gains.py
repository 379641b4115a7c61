"""From probabilities to what the commune and the optimizer use: ranked scores and gains."""

from __future__ import annotations

import numpy as np
import pandas as pd

from targeting.eligibility import eligible_pairs
from targeting.errors import ModelError
from targeting.schema import KINDS
from targeting.scoring.explain import reasons_text
from targeting.scoring.features import INTERVENTIONS

__all__ = ["score_households", "gains_for_pairs"]


def gains_for_pairs(model, households: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Gain of each eligible (household, project) pair: p with the project's kind minus p without.

    ``pairs`` has at least ``household_id`` and ``kind`` (as :func:`targeting.eligibility.eligible_pairs`
    returns). The result is ``pairs`` in the same order, plus ``p_exit_base``, ``p_exit_with``, ``gain``.
    """
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
    model.check_overlap(hh, kinds=set(pairs["kind"]))
    return out


def score_households(model, households: pd.DataFrame, projects: pd.DataFrame, *,
                     reasons: bool = True, top_reasons: int = 3) -> pd.DataFrame:
    """Rank households by their capacity to exit poverty sustainably, with reasons.

    ``score`` is the probability of a sustained exit with the most suitable support open to the
    household in this scenario (the eligible kind with the highest probability), or without
    support when none is open; ``rank`` is 1 for the highest score within each commune (ties by
    household order). ``reasons_en`` / ``reasons_vi`` list the top factors behind the score.
    """
    model.check_features(households)
    P = model.predict_proba_all(households)
    pairs = eligible_pairs(households, projects) if len(projects) else pd.DataFrame(
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
    order = np.lexsort((np.arange(len(out)), -out["score"].to_numpy()))
    rank = np.empty(len(out), dtype=np.int64)
    sorted_c = out["commune_id"].to_numpy()[order]
    rank[order] = pd.Series(np.ones(len(out), dtype=np.int64)).groupby(sorted_c).cumsum().to_numpy()
    out["rank"] = rank
    if reasons:
        en, vi = reasons_text(model, households, out["best_kind"].to_numpy(), top=top_reasons)
        out["reasons_en"] = en
        out["reasons_vi"] = vi
    else:
        out["reasons_en"] = ""
        out["reasons_vi"] = ""
    model.check_overlap(households, kinds=set(out["best_kind"]) - {"none"})
    cols = ["household_id", "commune_id", "village", "status", "rank", "score", "best_kind",
            "p_exit_base", *[f"p_{k}" for k in KINDS], "reasons_en", "reasons_vi"]
    out.index = households.index
    return out[cols]
