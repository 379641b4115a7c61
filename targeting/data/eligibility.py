"""Who may join which project: the programme's eligibility rules, shared by scoring and allocation.

A household may join a project when it lives in the project's commune (and village, when the
project names one), has a working-age member if the project needs one, has at least the
project's ``min_land_m2`` of land, and has the status the project admits (``eligible``:
``poor`` admits poor households only, ``near_poor`` near-poor only, ``any`` everyone on the
register). Under ``[policy] consent = "wants"`` it must also have asked for the project's kind
(households.csv ``wants``; an empty cell asks for none). Neither :mod:`targeting.scoring` nor :mod:`targeting.allocation` imports the other;
both import this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import wanted_kinds

__all__ = ["eligible_pairs", "ineligibility_reasons", "broken_rules", "RULES"]

#: The programme rules a pair must meet, in the order they are reported.
RULES = ("commune", "village", "working_age", "land", "status")

_PROJECT_COLUMNS = ["project_id", "commune_id", "kind", "village", "cooperative_id", "cost_vnd",
                    "requires_working_age", "min_land_m2", "eligible"]


def _text(col: pd.Series) -> np.ndarray:
    """A text column as plain strings, an empty cell as ``""``."""
    return col.astype(object).where(col.notna(), "").astype(str).to_numpy()


def _number(col: pd.Series) -> np.ndarray:
    """A column as floats, anything not a number as NaN."""
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _candidates(households: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Every (household, project of its commune) pair, with what the rules compare.

    The rules' inputs are turned into numbers on the two tables before they are joined
    (village and status as codes of one shared vocabulary, the land minimum as a number), so
    the rules on the millions of joined rows are integer comparisons (on 200,000 households the
    text comparisons and conversions after the join took 9 s of 10).
    """
    cols = ["household_id", "commune_id", "village", "status", "working_age", "land_m2"]
    h = households[cols + (["wants"] if "wants" in households.columns else [])].copy()
    p = projects[[c for c in _PROJECT_COLUMNS if c in projects.columns]].rename(
        columns={"village": "project_village"}
    )
    h_village, h_status = _text(h["village"]), _text(h["status"])
    p_village = _text(p["project_village"]) if "project_village" in p else np.full(len(p), "")
    p_el = _text(p["eligible"]) if "eligible" in p else np.full(len(p), "")
    p_el = np.where(p_el == "", "any", p_el)
    vocab = pd.unique(np.concatenate([h_village, h_status, p_village, p_el]))

    def code(a: np.ndarray) -> np.ndarray:
        return pd.Categorical(a, categories=vocab).codes.astype(np.int64)

    h["_village"], h["_status"] = code(h_village), code(h_status)
    h["_working_age"] = _number(h["working_age"])
    h["_land_m2"] = _number(h["land_m2"])
    p = p.copy()
    p["_project_village"] = np.where(p_village == "", -1, code(p_village))
    p["_eligible"] = np.where(p_el == "any", -1, code(p_el))
    p["_min_land"] = _number(p["min_land_m2"]) if "min_land_m2" in p else np.nan
    p["_needs_working_age"] = (_number(p["requires_working_age"]) > 0) if "requires_working_age" in p else False
    return h.merge(p, on="commune_id", how="inner", sort=False)


def _rule_masks(m: pd.DataFrame, consent: str = "any") -> dict[str, pd.Series]:
    pv = m["_project_village"].to_numpy()
    village_ok = (pv == -1) | (pv == m["_village"].to_numpy())
    wa_ok = ~m["_needs_working_age"].to_numpy(dtype=bool) | (m["_working_age"].to_numpy() >= 1)
    land_min = m["_min_land"].to_numpy(dtype=float)
    land_ok = np.isnan(land_min) | (m["_land_m2"].to_numpy() >= land_min)
    el = m["_eligible"].to_numpy()
    status_ok = (el == -1) | (el == m["_status"].to_numpy())
    masks = {name: pd.Series(v, index=m.index, dtype=bool) for name, v in
             (("village", village_ok), ("working_age", wa_ok), ("land", land_ok), ("status", status_ok))}
    if consent == "wants":
        wants = m["wants"] if "wants" in m else pd.Series(None, index=m.index, dtype="object")
        masks["consent"] = pd.Series(
            [k in wanted_kinds(w) for k, w in zip(m["kind"], wants, strict=True)], index=m.index, dtype=bool
        )
    return masks


def eligible_pairs(households: pd.DataFrame, projects: pd.DataFrame, *, consent: str = "any") -> pd.DataFrame:
    """Every (household, project) pair the programme rules allow.

    Parameters
    ----------
    households, projects : DataFrame
        The validated tables of a scenario.
    consent : {"any", "wants"}
        ``wants``: only pairs whose project kind the household asked for (``wants``).

    Returns
    -------
    DataFrame
        ``household_id, project_id, commune_id, kind, cooperative_id, cost_vnd``, ordered by
        household then project as they appear in the inputs.
    """
    m = _candidates(households, projects)
    masks = _rule_masks(m, consent)
    ok = np.logical_and.reduce([v.to_numpy(dtype=bool) for v in masks.values()]) if len(m) else []
    out = m.loc[ok, ["household_id", "project_id", "commune_id", "kind", "cooperative_id", "cost_vnd"]]
    return out.reset_index(drop=True)


def ineligibility_reasons(
    households: pd.DataFrame, projects: pd.DataFrame, pairs: pd.DataFrame | None = None, *,
    consent: str = "any",
) -> pd.Series:
    """Why each household has no project it may join (``None`` for those that have one).

    Keys (labelled in :data:`targeting.labels.NOT_SUPPORTED`): ``no_project`` (nothing open in
    its commune or village), then the rule that shut it out of the projects it could reach:
    ``no_working_age``, ``not_enough_land``, ``status``, under ``consent="wants"``
    ``not_requested`` (it asked for none of the kinds it could join); with ``pairs``
    (gains.csv), ``not_listed`` for households the rules allow but the file does not list.
    """
    m = _candidates(households, projects)
    masks = _rule_masks(m, consent)
    ok = np.logical_and.reduce([v.to_numpy(dtype=bool) for v in masks.values()]) if len(m) else []
    ok = pd.Series(ok, index=m.index, dtype=bool)
    if pairs is not None:
        listed = pd.MultiIndex.from_frame(pairs[["household_id", "project_id"]])
        ok_listed = ok & pd.MultiIndex.from_frame(m[["household_id", "project_id"]]).isin(listed)
    else:
        ok_listed = ok
    by = m["household_id"]
    reach = masks["village"]
    reasons = pd.Series("no_project", index=households["household_id"], dtype="object")
    # the first rule (in this order) that shuts the household out of a project it can reach
    for key, rule in (("status", "status"), ("not_enough_land", "land"), ("no_working_age", "working_age")):
        hit = (reach & ~masks[rule]).groupby(by).any()
        reasons[reasons.index.isin(hit.index[hit])] = key
    if "consent" in masks:  # it can reach projects, but asked for none of their kinds
        reached = reach.groupby(by).any()
        asked = (reach & masks["consent"]).groupby(by).any()
        none_asked = reached & ~asked
        reasons[reasons.index.isin(none_asked.index[none_asked])] = "not_requested"
    if pairs is not None:
        rules_ok = ok.groupby(by).any()
        reasons[reasons.index.isin(rules_ok.index[rules_ok])] = "not_listed"
    has_pair = ok_listed.groupby(by).any()
    reasons[reasons.index.isin(has_pair.index[has_pair])] = None
    return reasons


def broken_rules(households: pd.DataFrame, projects: pd.DataFrame, pairs: pd.DataFrame) -> list:
    """The first programme rule (of :data:`RULES`) each ``(household_id, project_id)`` pair of
    ``pairs`` breaks, in the order of ``pairs``; ``None`` where the pair is eligible.

    Households and projects must exist (the caller checks ids first).
    """
    h = households.set_index("household_id")
    p = projects.set_index("project_id")
    out = []
    for hid, pid in zip(pairs["household_id"], pairs["project_id"]):
        if h.at[hid, "commune_id"] != p.at[pid, "commune_id"]:
            out.append("commune")
            continue
        m = _candidates(households[households["household_id"] == hid],
                        projects[projects["project_id"] == pid])
        masks = _rule_masks(m)
        out.append(next((r for r in RULES[1:] if not bool(masks[r].iloc[0])), None))
    return out
