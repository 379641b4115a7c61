"""Plain words for commune staff, computed from the plan: how far to trust the model's chances,
and why a commune's target is out of reach. Both the report and the workbook say them.

Every sentence is an (English, Vietnamese) pair built from the patterns of
:mod:`targeting.labels` (``MODEL_WORDS``, ``REACH_WORDS``); the numbers come from plan.json's
``model.metrics`` (the cross-validated check of the model on past households) and from the plan's
tables. The thresholds below decide which words are said; they are judgement calls written down,
not fitted to any sample.
"""

from __future__ import annotations

import math

import pandas as pd

from ..labels import MODEL_WORDS, MORE_MONEY_WORDS, NOT_SUPPORTED, REACH_WORDS

__all__ = ["model_quality", "out_of_reach", "BIN_MIN_ROWS", "FEW_ROWS", "CLOSE_GAP", "ROUGH_GAP",
           "BIN_OFF_GAP", "UPLIFT_WEAK", "UPLIFT_OK", "OUT_OF_REACH_P", "BUDGET_LEFT", "more_money_words",
           "PRICE_VND"]

Pair = tuple[str, str]

#: A reliability bin is quoted (or called off) only with at least this many past households:
#: with 100 households a share is known to about +-10 points (95%), enough to say "about".
BIN_MIN_ROWS = 100
#: Checked on fewer past households than this, the model is called weak whatever its scores:
#: a few hundred rows spread over ten bins and six kinds of support say little.
FEW_ROWS = 500
#: Mean gap between predicted chance and what happened (the bins' weighted mean, in probability
#: points): up to CLOSE_GAP is "close", up to ROUGH_GAP "roughly right", beyond "far".
#: 3 points is below what a commune could notice on its few hundred households; 8 points starts
#: to change which households look likely.
CLOSE_GAP = 0.03
ROUGH_GAP = 0.08
#: A quoted bin whose observed share is this far from its predicted chance is called off.
BIN_OFF_GAP = 0.10
#: The uplift check (AUUC, AIPW): how much more the households the model ranks first gain from
#: support than households picked at random, in probability points averaged over the ranking.
#: Below half a point the model "cannot yet tell" who gains most; from two points it tells
#: "fairly well" (a fifth to a quarter of the typical 8-12 point effect of support); between,
#: "only roughly".
UPLIFT_WEAK = 0.005
UPLIFT_OK = 0.02
#: A commune's target is called out of reach when the chance of meeting it is below this (one
#: in twenty: a commune that plans on it will almost surely miss).
OUT_OF_REACH_P = 0.05
#: A budget counts as used up when at most this share of it is left (projects cost millions of
#: VND each, so the last few percent of a commune's budget rarely buys another place).
BUDGET_LEFT = 0.05


def _fmt(pair: Pair, **kw) -> Pair:
    return pair[0].format(**kw), pair[1].format(**kw)


def _pct(x: float) -> str:
    return f"{100 * float(x):.0f}%"


def _count(n: float, lang: int) -> str:
    """A whole number as people write it: 3,559 in English, 3.559 in Vietnamese."""
    text = f"{int(round(float(n))):,}"
    return text if lang == 0 else text.replace(",", ".")


def _number(x: float) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def _bins(metrics: dict) -> list[dict]:
    rows = metrics.get("reliability")
    if not isinstance(rows, list):
        return []
    keep = []
    for r in rows:
        if isinstance(r, dict) and all(_number(r.get(k)) for k in ("n", "mean_predicted", "observed_rate")):
            keep.append(r)
    return keep


def model_quality(model: dict | None) -> list[Pair]:
    """Sentences on how far to trust the model's chances, from plan.json's ``model`` block.

    Parameters
    ----------
    model : dict or None
        plan.json's ``model``: ``name``, ``source`` and ``metrics`` (``cv_rows``, ``reliability``
        bins of ``n, mean_predicted, observed_rate``, ``ece``, ``uplift_auuc_aipw``...). None or
        without metrics when the gains were supplied.

    Returns
    -------
    list of (English, Vietnamese)
        What the model got right on past households, where it is weak, and what that means for
        the list.
    """
    if not model or model.get("source") == "gains.csv":
        return [MODEL_WORDS["no_model"], MODEL_WORDS["meaning"]]
    metrics = model.get("metrics") or {}
    bins = _bins(metrics)
    rows = metrics.get("cv_rows")
    if not _number(rows):
        rows = sum(b["n"] for b in bins) if bins else None
    out: list[Pair] = []
    quoted = [b for b in bins if b["n"] >= BIN_MIN_ROWS]
    if rows and quoted:
        # the lowest, a middle and the highest well-filled bin: the range the lists show
        picks = [quoted[0], quoted[len(quoted) // 2], quoted[-1]] if len(quoted) >= 3 else quoted
        picks = list({id(b): b for b in picks}.values())
        parts = [_fmt(MODEL_WORDS["pair" if i == 0 else "pair_short"], pred=_pct(b["mean_predicted"]),
                      obs=_pct(b["observed_rate"])) for i, b in enumerate(picks)]
        out.append(tuple(MODEL_WORDS["checked"][i].format(rows=_count(rows, i), pairs="; ".join(p[i] for p in parts))
                         for i in (0, 1)))
    elif not bins:
        out.append(MODEL_WORDS["no_check"])
    if bins:
        n = sum(b["n"] for b in bins)
        gap = sum(b["n"] * abs(b["mean_predicted"] - b["observed_rate"]) for b in bins) / n if n else math.nan
        if math.isfinite(gap):
            key = "close" if gap <= CLOSE_GAP else "rough" if gap <= ROUGH_GAP else "far"
            points = max(1, round(100 * gap))
            out.append(_fmt(MODEL_WORDS[key], gap=points, s="" if points == 1 else "s"))
        for b in quoted:
            if abs(b["mean_predicted"] - b["observed_rate"]) > BIN_OFF_GAP:
                out.append(_fmt(MODEL_WORDS["off_bin"], pred=_pct(b["mean_predicted"]),
                                obs=_pct(b["observed_rate"])))
    if _number(rows) and rows < FEW_ROWS:
        out.append(tuple(MODEL_WORDS["few_rows"][i].format(rows=_count(rows, i)) for i in (0, 1)))
    auuc = metrics.get("uplift_auuc_aipw")
    if _number(auuc):
        key = "uplift_weak" if auuc < UPLIFT_WEAK else "uplift_ok" if auuc >= UPLIFT_OK else "uplift_rough"
        out.append(MODEL_WORDS[key])
    out.append(MODEL_WORDS["meaning"])
    return out


def out_of_reach(summary: pd.DataFrame, allocation: pd.DataFrame, names: dict[str, str]) -> dict[str, Pair]:
    """One sentence per commune whose target is out of reach this year, with the reason.

    A target is out of reach when ``p_target_met`` is below :data:`OUT_OF_REACH_P`. The reason is
    derived from the plan: the best case (every supported poor household exits, the others as
    expected) still falls short; else the budget is used up; else the expected exits against the
    target.

    Parameters
    ----------
    summary : DataFrame
        summary.csv's table (``commune_id, budget_vnd, spent_vnd, supported, target_exits,
        p_target_met, expected_exits_poor``).
    allocation : DataFrame
        allocation.csv's table (``commune_id, status, project_id, p_exit_plan``).
    names : dict
        Commune names by id.

    Returns
    -------
    dict
        Commune id -> (English, Vietnamese) sentence, for the communes out of reach only.
    """
    out: dict[str, Pair] = {}
    if not len(summary) or "p_target_met" not in summary:
        return out
    a = allocation
    by_commune = dict(tuple(a.groupby("commune_id", sort=False))) if len(a) else {}
    for r in summary.to_dict("records"):
        p, target = r.get("p_target_met"), r.get("target_exits")
        if pd.isna(p) or pd.isna(target) or float(p) >= OUT_OF_REACH_P:
            continue
        target = int(target)
        g = by_commune.get(r["commune_id"], a.iloc[:0])
        poor = g["status"] == "poor"
        supported = g["project_id"].fillna("").astype(str) != ""
        n_sup_poor = int((poor & supported).sum())
        others = float(g.loc[poor & ~supported, "p_exit_plan"].sum())
        expected = r.get("expected_exits_poor")
        spent, budget = r.get("spent_vnd"), r.get("budget_vnd")
        if n_sup_poor + others < target:
            best = n_sup_poor + others
            # a best case just short of the target reads as short of it: 2.9, not "about 3"
            best_text = f"{best:.0f}" if round(best) < target else f"{math.floor(best * 10) / 10:.1f}"
            why = {"key": "ceiling", "supported": n_sup_poor, "others": round(others),
                   "best": best_text, "target": target}
        elif _number(budget) and _number(spent) and budget > 0 and spent >= (1 - BUDGET_LEFT) * budget:
            why = {"key": "budget", "budget": float(budget) / 1e6, "supported": int(r["supported"]),
                   "expected": round(float(expected)), "target": target}
        else:
            why = {"key": "expected", "expected": round(float(expected)), "target": target}
        pattern = REACH_WORDS[why.pop("key")]
        reason = tuple(pattern[i].format(**{k: _count(v, i) if k == "budget" else v for k, v in why.items()})
                       for i in (0, 1))
        name = names.get(r["commune_id"], r["commune_id"])
        chance = "<1%" if float(p) < 0.005 else _pct(p)
        out[r["commune_id"]] = tuple(REACH_WORDS["out_of_reach"][i].format(
            commune=name, target=target, p=chance, why=reason[i]) for i in (0, 1))
    return out


#: The shadow price is said per this much money (plan.json gives it per 100 million VND).
PRICE_VND = 100_000_000


def _decimal(x: float, lang: int, digits: int = 1) -> str:
    """A number with a decimal point in English, a decimal comma in Vietnamese."""
    text = f"{float(x):,.{digits}f}"
    return text if lang == 0 else text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _millions(vnd: float, lang: int) -> str:
    return _count(float(vnd) / 1e6, lang)


def more_money_words(more: dict | None, names: dict[str, str]) -> dict[str, list[Pair]]:
    """What more money would buy, per commune, from plan.json's ``more_money``
    (:mod:`targeting.more_money`): the shadow price in words, and the budget that meets the
    target with 80% probability, or why none can, or that the search was cut short.

    Returns
    -------
    dict
        Commune id -> its (English, Vietnamese) sentences, in the communes' order.
    """
    out: dict[str, list[Pair]] = {}
    if not more:
        return out
    w = MORE_MONEY_WORDS
    for cid, price in (more.get("per_100m_vnd") or {}).items():
        name = names.get(cid, cid)
        if not _number(price):
            continue
        if float(price) < 0.05:
            pair = tuple(w["price_zero"][i].format(money=_millions(PRICE_VND, i), commune=name) for i in (0, 1))
        else:
            pair = tuple(w["price"][i].format(money=_millions(PRICE_VND, i), commune=name,
                                              exits=_decimal(price, i)) for i in (0, 1))
        out.setdefault(cid, []).append(pair)
    target = more.get("target") or {}
    p_words = _pct(target.get("p", 0.8))
    for r in target.get("communes", []):
        cid = str(r["commune_id"])
        name = names.get(cid, cid)
        status = r.get("status")
        common = {"commune": name, "target": r.get("target_exits"), "p": p_words}
        if status == "already":
            pair = tuple(w["already"][i].format(**common, budget=_millions(r["budget_vnd"], i),
                                                chance=_pct(r["chance"])) for i in (0, 1))
        elif status == "needed":
            pair = tuple(w["needed"][i].format(**common, needed=_millions(r["needed_vnd"], i),
                                               budget=_millions(r["budget_vnd"], i),
                                               chance=_pct(r["chance_needed"])) for i in (0, 1))
        elif status == "never":
            pair = tuple(w["never"][i].format(**common, spent=_millions(r.get("spent_at_top_vnd", 0), i),
                                              chance=_pct(r.get("chance_at_top", 0.0)),
                                              why=_never_why(r.get("why") or {}, i)) for i in (0, 1))
        elif status == "cut_short":
            so_far = (w["so_far_between"] if r.get("high_vnd") else w["so_far_above"])
            pair = tuple(w["cut_short"][i].format(
                **common, seconds=_count(target.get("seconds", 0), i),
                so_far=so_far[i].format(low=_millions(r.get("low_vnd", 0), i), high=_millions(r.get("high_vnd", 0), i),
                                        budget=_millions(r.get("low_vnd", 0), i))) for i in (0, 1))
        else:
            continue
        out.setdefault(cid, []).append(pair)
    return out


def _never_why(why: dict, i: int) -> str:
    """Why no budget meets the target, in language ``i`` (0 English, 1 Vietnamese)."""
    w = MORE_MONEY_WORDS
    if "conflict" in why:
        return str(why["conflict"])
    parts = []
    if why.get("no_project"):
        parts.append(w["why_none"][i].format(none=_count(why["no_project"], i), poor=_count(why.get("poor", 0), i)))
    for key, n in sorted((why.get("left_out") or {}).items(), key=lambda kv: -kv[1]):
        if n:
            parts.append(w["why_left"][i].format(left=_count(n, i), reason=NOT_SUPPORTED.get(key, (key, key))[i]))
    if not parts:
        parts.append(w["why_all"][i])
    return "; ".join(parts)
