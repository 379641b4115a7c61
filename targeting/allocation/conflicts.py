"""Why a policy cannot be met: name the communes and the constraints in conflict.

The model always has a plan (supporting nobody meets every quota and group minimum), so a
conflict shows as a commune that could fund a household with a positive gain but whose plan is
empty. For each such commune a small CP-SAT model asks for at least one supported household with
a positive gain, with every quota and group minimum guarded by an assumption literal;
``sufficient_assumptions_for_infeasibility`` then names a set of constraints that together rule
out any plan. Only conflicts that involve a quota are raised: a project whose group minimum
cannot be reached on its own simply does not run (it shows as closed in the plan's slack).
Cooperative minimums span communes and are left out of this per-commune question.
"""

from __future__ import annotations

import numpy as np

from ..config import Settings
from ..errors import PolicyConflictError
from .checks import honours_decisions, violations
from .constraints.usage import usage
from .fill import fill_viable, greedy_order
from .instance import Instance
from .model import build_model, to_cpsat

FAMILIES = {"quota", "min_group"}


def _starved_communes(inst: Instance, chosen: np.ndarray) -> np.ndarray:
    u = usage(inst, chosen)
    ok = (inst.pair_gain > 0) & (inst.pair_cost <= inst.c_budget[inst.pair_c])
    env = inst.p_envelope[inst.pair_p]
    ok &= (env < 0) | (inst.pair_cost <= env)
    ok &= inst.p_slots[inst.pair_p] > 0
    cand = np.unique(inst.pair_c[ok])
    return cand[u["commune_count"][cand] == 0]


def explain_commune(inst: Instance, c: int, time_limit: float = 5.0) -> list[str] | None:
    """Names of constraints that together leave commune ``c`` no plan with a positive-gain
    household, or None when such a plan exists."""
    from ortools.sat.python import cp_model

    sub, idx = inst.subset(np.array([c]))
    lm = build_model(sub, with_coops=False)
    model, x, _, assume = to_cpsat(lm, np.zeros(sub.n_pairs, dtype=np.int64),
                                   assumptions_for=FAMILIES)
    pos = np.flatnonzero(sub.pair_gain > 0)
    model.add(sum(x[i] for i in pos) >= 1).with_name(f"support_someone[{inst.c_ids[c]}]")
    model.clear_objective()
    lits = [lit for lit, _ in assume.values()]
    model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # assumptions need the single-thread core extraction
    code = solver.solve(model)
    if code != cp_model.INFEASIBLE:
        return None
    core = solver.sufficient_assumptions_for_infeasibility()
    names = [assume[i][1].name for i in core if i in assume]
    if not any(n.startswith("quota_") for n in names):
        return None  # group minimums alone: those projects just do not run (reported as closed)
    return names


def describe(inst: Instance, c: int, names: list[str]) -> str:
    cid = inst.c_ids[c]
    facts = []
    sel = np.flatnonzero((inst.pair_c == c) & (inst.pair_gain > 0))
    hh = np.unique(inst.pair_h[sel])
    for q in inst.quotas:
        if any(n.startswith(f"quota_{q.name}[") for n in names):
            facts.append(f"{q.setting} = {q.share}: {int(q.attr[hh].sum())} of the {len(hh)} "
                         f"eligible households with a positive gain qualify")
    for n in names:
        if n.startswith("min_group["):
            pid = n[len("min_group["):-1]
            p = int(np.flatnonzero(inst.p_ids == pid)[0])
            facts.append(f"{pid} needs at least {inst.p_min_group[p]} participants")
    tail = f" ({'; '.join(facts)})" if facts else ""
    return f"commune {cid}: {', '.join(names)} cannot all be met by any non-empty plan{tail}"


def raise_if_conflicts(inst: Instance, chosen: np.ndarray, settings: Settings) -> None:
    """Raise :class:`PolicyConflictError` naming every commune whose policy leaves it no plan."""
    if not inst.quotas:
        return
    msgs = []
    for c in _starved_communes(inst, chosen):
        names = explain_commune(inst, int(c))
        if names is not None:
            msgs.append(describe(inst, int(c), names))
    if msgs:
        more = f" ... and {len(msgs) - 5} more communes" if len(msgs) > 5 else ""
        raise PolicyConflictError("the policy cannot be met: " + "; ".join(msgs[:5]) + more)


#: Every constraint family, for explaining decisions that cannot all be honoured.
ALL_FAMILIES = {"budget", "slots", "envelope", "min_group", "cooperative", "coop_min", "quota"}


def _decided(inst: Instance, idx) -> list[str]:
    return [f"assign {inst.hh_ids[inst.pair_h[i]]} to {inst.p_ids[inst.pair_p[i]]}" for i in idx]


def raise_if_decisions_conflict(inst: Instance, time_limit: float = 20.0) -> None:
    """Raise :class:`PolicyConflictError` when the pairs the village meeting assigned cannot all
    be held by any plan, naming the decisions and the constraints that rule them out.

    When the assigned pairs alone meet every constraint they are a plan and nothing is asked.
    Otherwise only the groups of communes (:func:`.components.components`) that hold an assigned
    pair are asked; each constraint is guarded by an assumption literal, so CP-SAT names a set of them
    that together leave no plan (as :func:`explain_commune` does for quotas).
    """
    from ortools.sat.python import cp_model

    from .components import components

    if inst.pair_forced is None or not inst.pair_forced.any():
        return
    if not violations(inst, np.flatnonzero(inst.pair_forced)):
        return  # the assigned pairs alone are a plan: nothing to explain
    if honours_decisions(inst, fill_viable(inst, greedy_order(inst))):
        # the greedy plan around them (the solve's warm start) holds them: nothing to explain.
        # Measured: without this witness a decided province of 100,000 households spent up to
        # ``time_limit`` (20 s) in CP-SAT here before its solve began
        return
    parts = [p for p in components(inst) if inst.pair_forced[p].any()]
    sub = inst.take(np.sort(np.concatenate(parts)))
    lm = build_model(sub)
    stuck = np.flatnonzero(lm.zero & lm.one)
    if len(stuck):
        raise PolicyConflictError(
            "the village meeting's decisions cannot be honoured: "
            f"{', '.join(_decided(sub, stuck))}: the project can never run "
            f"({', '.join(lm.zero_reasons)} cannot be met)")
    model, _, _, assume = to_cpsat(lm, np.zeros(sub.n_pairs, dtype=np.int64),
                                   assumptions_for=ALL_FAMILIES)
    model.clear_objective()
    model.add_assumptions([lit for lit, _ in assume.values()])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # assumptions need the single-thread core extraction
    if solver.solve(model) != cp_model.INFEASIBLE:
        return
    core = [assume[i][1] for i in solver.sufficient_assumptions_for_infeasibility() if i in assume]
    forced = np.flatnonzero(sub.pair_forced)
    facts, involved = [], set()
    for c in core:
        mine = forced[np.isin(forced, c.idx)]
        involved.update(mine.tolist())
        fact = c.name
        if c.ub is not None and len(mine):
            coef = dict(zip(c.idx.tolist(), c.coef.tolist()))
            fact += f" (the assigned households alone use {sum(coef[i] for i in mine)} of {c.ub})"
        facts.append(fact)
    names = _decided(sub, sorted(involved) or forced)
    raise PolicyConflictError("the village meeting's decisions cannot all be honoured: "
                              f"{'; '.join(names)}: {', '.join(facts)} cannot all be met")
