"""Every hard constraint, checked on a finished plan (used by tests and as a final guard)."""

from __future__ import annotations

import numpy as np

from .constraints import budgets, cooperatives, projects, quotas
from .instance import Instance


def one_project_violations(inst: Instance, chosen: np.ndarray) -> list[str]:
    h = inst.pair_h[np.asarray(chosen, dtype=np.int64)]
    counts = np.bincount(h, minlength=len(inst.hh_ids))
    return [f"one_project[{inst.hh_ids[i]}]: {counts[i]} projects" for i in np.flatnonzero(counts > 1)]


def violations(inst: Instance, chosen: np.ndarray, *, with_quotas: bool = True) -> list[str]:
    """Every broken hard constraint of the plan, by constraint name; empty when feasible."""
    out = one_project_violations(inst, chosen)
    out += budgets.violations(inst, chosen)
    out += projects.violations(inst, chosen)
    out += cooperatives.violations(inst, chosen)
    if with_quotas:
        out += quotas.violations(inst, chosen)
    return out


def honours_decisions(inst: Instance, chosen: np.ndarray) -> bool:
    """With decisions: whether a plan holds every assigned pair and meets every hard constraint.
    Without decisions it is True and nothing is checked (the caller's plan is feasible by
    construction, or checked with :func:`violations`)."""
    if inst.pair_forced is None:
        return True
    chosen = np.asarray(chosen, dtype=np.int64)
    return bool(np.isin(np.flatnonzero(inst.pair_forced), chosen).all()) and not violations(inst, chosen)
