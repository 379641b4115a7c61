"""Commune budgets: the cost of a commune's supported households stays within its ``budget_vnd``.

Constraint ``budget[<commune_id>]``: ``sum(cost_vnd[h, p] * x[h, p] for p in the commune) <= budget``.
"""

from __future__ import annotations

import numpy as np

from ..instance import Instance
from .usage import usage

FAMILY = "budget"


def violations(inst: Instance, chosen: np.ndarray) -> list[str]:
    spend = usage(inst, chosen)["commune_spend"]
    bad = np.flatnonzero(spend > inst.c_budget)
    return [f"budget[{inst.c_ids[c]}]: spent {spend[c]} > {inst.c_budget[c]}" for c in bad]


def add(model, inst: Instance) -> None:
    """``budget[c]`` for every commune with at least one pair."""
    pc = inst.pair_c
    for c in np.unique(pc):
        idx = np.flatnonzero(pc == c)
        if inst.pair_cost[idx].sum() <= inst.c_budget[c]:
            continue  # cannot bind; kept out of the model (reported slack is computed from the plan)
        model.add_le(f"budget[{inst.c_ids[c]}]", idx, inst.pair_cost[idx], int(inst.c_budget[c]),
                     family=FAMILY, key=("commune", int(c)))
