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


def _candidates(households: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    cols = ["household_id", "commune_id", "village", "status", "working_age", "land_m2"]
    h = households[cols + (["wants"] if "wants" in households.columns else [])]
    p = projects[[c for c in _PROJECT_COLUMNS if c in projects.columns]].rename(
        columns={"village": "project_village"}
    )
    m = h.merge(p, on="commune_id", how="inner", sort=False)
    return m


def _rule_masks(m: pd.DataFrame, consent: str = "any") -> dict[str, pd.Series]:
    pv = m["project_village"].fillna("") if "project_village" in m else pd.Series("", index=m.index)
    village_ok = (pv == "") | (pv == m["village"])
    rwa = m["requires_working_age"].fillna(0).astype(bool) if "requires_working_age" in m else False
    wa_ok = ~rwa | (m["working_age"] >= 1)
    if "min_land_m2" in m:
        land_min = pd.to_numeric(m["min_land_m2"], errors="coerce")
        land_ok = land_min.isna() | (m["land_m2"] >= land_min)
    else:
        land_ok = pd.Series(True, index=m.index)
    el = m["eligible"].fillna("any") if "eligible" in m else pd.Series("any", index=m.index)
    status_ok = (el == "any") | (el == m["status"])
    masks = {"village": village_ok, "working_age": wa_ok, "land": land_ok, "status": status_ok}
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
