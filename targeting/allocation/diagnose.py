"""Why an eligible household was not supported, and the slack of each constraint family."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .constraints.usage import usage
from .instance import Instance

#: Keys of ``AllocationResult.unsupported_reason``; their words, for people, are in
#: :data:`targeting.labels.NOT_SUPPORTED` (the one catalogue).
UNSUPPORTED_REASONS = ("no_gain", "budget", "slots", "envelope", "min_group", "cooperative", "quota",
                       "not_selected")


def unsupported_reasons(inst: Instance, chosen: np.ndarray) -> pd.Series:
    """A short key for each household that has eligible pairs but got none."""
    chosen = np.asarray(chosen, dtype=np.int64)
    u = usage(inst, chosen)
    supported = np.zeros(len(inst.hh_ids), dtype=bool)
    supported[inst.pair_h[chosen]] = True
    budget_left = inst.c_budget - u["commune_spend"]
    slots_left = inst.p_slots - u["project_count"]
    env_left = np.where(inst.p_envelope >= 0, inst.p_envelope - u["project_spend"], np.iinfo(np.int64).max)
    k_left = inst.k_capacity - u["coop_count"]
    p_closed = (inst.p_min_group > 1) & (u["project_count"] == 0)
    k_closed = (inst.k_min > 1) & (u["coop_count"] == 0)

    # the best pair of each unsupported household (highest gain, then lowest cost)
    cand = np.flatnonzero(~supported[inst.pair_h])
    if len(cand) == 0:
        return pd.Series(dtype="object", index=pd.Index([], name="household_id"), name="reason")
    o = np.lexsort((inst.pair_cost[cand], -inst.pair_gain[cand], inst.pair_h[cand]))
    cand = cand[o]
    first = np.r_[True, inst.pair_h[cand][1:] != inst.pair_h[cand][:-1]]
    best = cand[first]
    p = inst.pair_p[best]
    c = inst.p_commune[p]
    k = inst.p_coop[p]
    cost = inst.pair_cost[best]
    kk = np.maximum(k, 0)
    has_k = k >= 0
    quota_blocked = np.zeros(len(best), dtype=bool)
    if inst.quotas:
        ch_h, ch_c = inst.pair_h[chosen], inst.pair_c[chosen]
        for q in inst.quotas:
            have = np.bincount(ch_c, weights=q.attr[ch_h], minlength=len(inst.c_ids))
            sl = have - q.share * u["commune_count"]
            quota_blocked |= (q.attr[inst.pair_h[best]] == 0) & (sl[c] < q.share)
    conds = [
        ("no_gain", inst.pair_gain[best] <= 0),
        ("min_group", p_closed[p]),
        ("cooperative", has_k & (k_closed[kk] if len(inst.k_ids) else False)),
        ("slots", slots_left[p] <= 0),
        ("envelope", env_left[p] < cost),
        ("cooperative", has_k & ((k_left[kk] <= 0) if len(inst.k_ids) else False)),
        ("quota", quota_blocked),
        ("budget", budget_left[c] < cost),
    ]
    reason = np.select([np.asarray(v, dtype=bool) for _, v in conds], [k_ for k_, _ in conds],
                       default="not_selected")
    return pd.Series(reason, index=pd.Index(inst.hh_ids[inst.pair_h[best]], name="household_id"),
                     name="reason", dtype="object")


def slack(inst: Instance, chosen: np.ndarray) -> dict:
    """Per constraint family: how many constraints bind (no room for one more household at the
    cheapest eligible cost) and the total slack left."""
    chosen = np.asarray(chosen, dtype=np.int64)
    u = usage(inst, chosen)
    out = {}
    active_c = np.unique(inst.pair_c)
    min_cost_c = np.full(len(inst.c_ids), np.iinfo(np.int64).max)
    np.minimum.at(min_cost_c, inst.pair_c, inst.pair_cost)
    left = (inst.c_budget - u["commune_spend"])[active_c]
    out["budget"] = {
        "constraints": int(len(active_c)),
        "binding": int((left < min_cost_c[active_c]).sum()),
        "slack_vnd": int(left.sum()),
    }
    active_p = np.unique(inst.pair_p)
    s = (inst.p_slots - u["project_count"])[active_p]
    out["slots"] = {"constraints": int(len(active_p)), "binding": int((s <= 0).sum()),
                    "slack": int(np.minimum(s, 10**9).sum())}
    env = inst.p_envelope[active_p]
    has = env >= 0
    min_cost_p = np.full(len(inst.p_ids), np.iinfo(np.int64).max)
    np.minimum.at(min_cost_p, inst.pair_p, inst.pair_cost)
    el = (env - u["project_spend"][active_p])[has]
    out["envelope"] = {"constraints": int(has.sum()),
                       "binding": int((el < min_cost_p[active_p][has]).sum()),
                       "slack_vnd": int(el.sum())}
    mg = inst.p_min_group[active_p]
    n = u["project_count"][active_p]
    out["min_group"] = {"constraints": int((mg > 1).sum()),
                        "closed": int(((mg > 1) & (n == 0)).sum()),
                        "binding": int(((mg > 1) & (n == mg)).sum())}
    if len(inst.k_ids):
        active_k = np.unique(inst.pair_k[inst.pair_k >= 0])
        kn = u["coop_count"][active_k]
        out["cooperative"] = {"constraints": int(len(active_k)),
                              "binding": int((kn >= inst.k_capacity[active_k]).sum()),
                              "slack": int(np.minimum(inst.k_capacity[active_k] - kn, 10**9).sum()),
                              "not_linked": int(((inst.k_min[active_k] > 1) & (kn == 0)).sum())}
    for q in inst.quotas:
        h = inst.pair_h[chosen]
        c = inst.pair_c[chosen]
        have = np.bincount(c, weights=q.attr[h], minlength=len(inst.c_ids))
        need = q.share * u["commune_count"]
        sl = (have - need)[active_c]
        out[f"quota_{q.name}"] = {"constraints": int(len(active_c)),
                                  "binding": int((sl < q.share).sum()),
                                  "slack_households": float(round(sl.sum(), 6))}
    return out
