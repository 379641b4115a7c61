"""Projects: slots, funding envelopes and group minimums.

- ``slots[<project_id>]``: ``sum(x[h, p]) <= slots``.
- ``envelope[<project_id>]``: ``sum(cost_vnd[h, p] * x[h, p]) <= budget_vnd`` (when the project has one).
- ``min_group[<project_id>]``: the project runs with none or at least ``min_group`` participants.
  A binary ``open[<project_id>]`` links them: ``sum(x) >= min_group * open`` and
  ``sum(x) <= slots * open`` (``open_ub[<project_id>]``), and per pair ``x[h, p] <= open``
  (``joins_open[<project_id>]``), implied for integers but much tighter for the LP relaxation.
"""

from __future__ import annotations

import numpy as np

from ..instance import Instance
from .usage import usage


def violations(inst: Instance, chosen: np.ndarray) -> list[str]:
    u = usage(inst, chosen)
    n, spend = u["project_count"], u["project_spend"]
    out = []
    for p in np.flatnonzero(n > inst.p_slots):
        out.append(f"slots[{inst.p_ids[p]}]: {n[p]} > {inst.p_slots[p]}")
    env = inst.p_envelope
    for p in np.flatnonzero((env >= 0) & (spend > env)):
        out.append(f"envelope[{inst.p_ids[p]}]: spent {spend[p]} > {env[p]}")
    mg = inst.p_min_group
    for p in np.flatnonzero((n > 0) & (n < mg)):
        out.append(f"min_group[{inst.p_ids[p]}]: {n[p]} participants, needs 0 or >= {mg[p]}")
    return out


def add(model, inst: Instance) -> None:
    pp = inst.pair_p
    order = np.argsort(pp, kind="stable")
    starts = np.searchsorted(pp[order], np.arange(len(inst.p_ids) + 1))
    for p in range(len(inst.p_ids)):
        idx = order[starts[p]:starts[p + 1]]
        if len(idx) == 0:
            continue
        pid = inst.p_ids[p]
        slots = int(min(inst.p_slots[p], len(idx)))
        mg = int(inst.p_min_group[p])
        if mg > 1:
            runs = model.add_none_or_between(
                idx, mg, slots, switch=f"open[{pid}]", links=f"joins_open[{pid}]",
                upper=(f"open_ub[{pid}]", "slots"), lower=(f"min_group[{pid}]", "min_group"),
                key=("project", p))
            if not runs:
                continue
        elif inst.p_slots[p] < len(idx):
            model.add_le(f"slots[{pid}]", idx, np.ones(len(idx), dtype=np.int64),
                         int(inst.p_slots[p]), family="slots", key=("project", p))
        env = int(inst.p_envelope[p])
        if env >= 0 and inst.pair_cost[idx].sum() > env:
            model.add_le(f"envelope[{pid}]", idx, inst.pair_cost[idx], env, family="envelope",
                         key=("project", p))
