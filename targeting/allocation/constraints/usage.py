"""Resource use of a plan (chosen pair indices), shared by the constraint families, the checks,
the diagnosis and the baselines."""

from __future__ import annotations

import numpy as np

from ..instance import Instance


def int_sum_by(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact integer sums of ``values`` grouped by ``keys`` in ``0..size-1`` (negative keys dropped)."""
    out = np.zeros(size, dtype=np.int64)
    ok = keys >= 0
    np.add.at(out, keys[ok], values[ok].astype(np.int64))
    return out


def count_by(keys: np.ndarray, size: int) -> np.ndarray:
    ok = keys >= 0
    return np.bincount(keys[ok], minlength=size).astype(np.int64)


def usage(inst: Instance, chosen: np.ndarray) -> dict[str, np.ndarray]:
    chosen = np.asarray(chosen, dtype=np.int64)
    p = inst.pair_p[chosen]
    c = inst.p_commune[p]
    k = inst.p_coop[p]
    cost = inst.pair_cost[chosen]
    return {
        "commune_spend": int_sum_by(c, cost, len(inst.c_ids)),
        "commune_count": count_by(c, len(inst.c_ids)),
        "project_count": count_by(p, len(inst.p_ids)),
        "project_spend": int_sum_by(p, cost, len(inst.p_ids)),
        "coop_count": count_by(k, len(inst.k_ids)),
    }
