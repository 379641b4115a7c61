"""Who may join which project: the programme's eligibility rules, shared by scoring and allocation.

A household may join a project when it lives in the project's commune (and village, when the
project names one), has a working-age member if the project needs one, has at least the
project's ``min_land_m2`` of land, and has the status the project admits (``eligible``:
``poor`` admits poor households only, ``near_poor`` near-poor only, ``any`` everyone on the
register). Neither :mod:`targeting.scoring` nor :mod:`targeting.allocation` imports the other;
both import this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["eligible_pairs", "ineligibility_reasons", "REASONS"]

#: Why a household has no project it can join, in English and Vietnamese.
REASONS = {
    "no_project": ("no project open in its commune or village", "không có dự án mở tại xã/thôn"),
    "no_working_age": ("no working-age member", "không có người trong độ tuổi lao động"),
    "not_enough_land": ("not enough land", "không đủ đất"),
    "status": ("its status is not eligible for the open projects", "diện hộ không thuộc đối tượng của dự án"),
    "not_listed": ("no pair listed in gains.csv", "không có trong danh sách gains.csv"),
}

_PROJECT_COLUMNS = ["project_id", "commune_id", "kind", "village", "cooperative_id", "cost_vnd",
                    "requires_working_age", "min_land_m2", "eligible"]


def _candidates(households: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    h = households[["household_id", "commune_id", "village", "status", "working_age", "land_m2"]]
    p = projects[[c for c in _PROJECT_COLUMNS if c in projects.columns]].rename(
        columns={"village": "project_village"}
    )
    m = h.merge(p, on="commune_id", how="inner", sort=False)
    return m


def _rule_masks(m: pd.DataFrame) -> dict[str, pd.Series]:
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
    return {"village": village_ok, "working_age": wa_ok, "land": land_ok, "status": status_ok}


def eligible_pairs(households: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Every (household, project) pair the programme rules allow.

    Returns a frame with ``household_id, project_id, commune_id, kind, cooperative_id,
    cost_vnd``, ordered by household then project as they appear in the inputs.
    """
    m = _candidates(households, projects)
    masks = _rule_masks(m)
    ok = np.logical_and.reduce([v.to_numpy(dtype=bool) for v in masks.values()]) if len(m) else []
    out = m.loc[ok, ["household_id", "project_id", "commune_id", "kind", "cooperative_id", "cost_vnd"]]
    return out.reset_index(drop=True)


def ineligibility_reasons(
    households: pd.DataFrame, projects: pd.DataFrame, pairs: pd.DataFrame | None = None
) -> pd.Series:
    """For each household with no eligible pair, the key of :data:`REASONS` that explains it.

    ``pairs`` (household_id, project_id) restricts eligibility further (gains.csv). Households
    that have at least one eligible pair get ``None``. The reason given is the rule that
    excluded the household from the most projects it could otherwise reach.
    """
    m = _candidates(households, projects)
    masks = _rule_masks(m)
    all_ok = masks["village"] & masks["working_age"] & masks["land"] & masks["status"]
    if pairs is not None:
        listed = pd.MultiIndex.from_frame(pairs[["household_id", "project_id"]])
        in_list = pd.MultiIndex.from_frame(m[["household_id", "project_id"]]).isin(listed)
        all_ok_listed = all_ok & in_list
    else:
        all_ok_listed = all_ok
    has_pair = all_ok_listed.groupby(m["household_id"]).any()
    reasons = pd.Series(None, index=households["household_id"], dtype="object")
    reach = masks["village"]
    for key, mask_name in (("no_working_age", "working_age"), ("not_enough_land", "land"),
                           ("status", "status")):
        fails = (reach & ~masks[mask_name]).groupby(m["household_id"]).any()
        fails = fails[fails & ~has_pair.reindex(fails.index, fill_value=False)]
        unset = reasons.reindex(fails.index).isna()
        reasons.loc[fails.index[unset.to_numpy()]] = key
    no_proj = ~reasons.index.isin(m.loc[reach, "household_id"].unique())
    reasons[no_proj & reasons.isna().to_numpy()] = "no_project"
    if pairs is not None:
        listed_hh = set(pairs["household_id"])
        eligible_hh = set(has_pair.index[has_pair])
        rest = reasons.isna() & ~reasons.index.isin(list(eligible_hh))
        rest &= ~reasons.index.isin(list(listed_hh))
        reasons[rest] = "not_listed"
    reasons[reasons.index.isin(list(has_pair.index[has_pair]))] = None
    return reasons
