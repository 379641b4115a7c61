"""Cooperatives: capacity and viability across all their projects and communes.

A binary ``linked[<cooperative_id>]`` says whether the cooperative takes part at all:
``coop_capacity[k]``: ``sum(x over its projects) <= capacity * linked`` and
``coop_min[k]``: ``sum(x over its projects) >= min_households * linked``.
and per pair ``x <= linked`` (``joins_linked[k]``, tightening the LP relaxation).
These are the only constraints that couple communes.
"""

from __future__ import annotations

import numpy as np

from ..instance import Instance
from .usage import usage


def violations(inst: Instance, chosen: np.ndarray) -> list[str]:
    n = usage(inst, chosen)["coop_count"]
    out = []
    for k in np.flatnonzero(n > inst.k_capacity):
        out.append(f"coop_capacity[{inst.k_ids[k]}]: {n[k]} > {inst.k_capacity[k]}")
    for k in np.flatnonzero((n > 0) & (n < inst.k_min)):
        out.append(f"coop_min[{inst.k_ids[k]}]: {n[k]} households, needs 0 or >= {inst.k_min[k]}")
    return out


def add(model, inst: Instance, capacity: np.ndarray | None = None,
        minimum: np.ndarray | None = None) -> None:
    """``capacity`` and ``minimum`` override the cooperatives' own (the decomposition passes a
    commune's share of the capacity and leaves the cross-commune minimum to its repair step)."""
    pk = inst.pair_k
    cap_all = inst.k_capacity if capacity is None else capacity
    min_all = inst.k_min if minimum is None else minimum
    for k in np.unique(pk[pk >= 0]):
        idx = np.flatnonzero(pk == k)
        kid = inst.k_ids[k]
        cap = int(min(cap_all[k], len(idx)))
        mn = int(min_all[k])
        if mn > 1:
            model.add_none_or_between(
                idx, mn, cap, switch=f"linked[{kid}]", links=f"joins_linked[{kid}]",
                upper=(f"coop_capacity[{kid}]", "cooperative"), lower=(f"coop_min[{kid}]", "coop_min"),
                key=("coop", int(k)))
        elif cap < len(idx):
            model.add_le(f"coop_capacity[{kid}]", idx, np.ones(len(idx), dtype=np.int64), cap,
                         family="cooperative", key=("coop", int(k)))
