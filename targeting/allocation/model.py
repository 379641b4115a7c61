"""The allocation model as a named linear program over 0/1 variables (back-ends: :mod:`.backends`).

Variables: ``x[<household_id>,<project_id>]`` (the household joins the project), ``open[<project>]``
(a project with a group minimum runs), ``linked[<cooperative>]`` (a cooperative with a minimum
takes part). Constraints, one family per module of :mod:`.constraints`:
``one_project[<household>]`` (here), ``budget[<commune>]`` (:mod:`.constraints.budgets`),
``slots/envelope/min_group/open_ub[<project>]`` (:mod:`.constraints.projects`),
``coop_capacity/coop_min[<cooperative>]`` (:mod:`.constraints.cooperatives`),
``quota_<name>[<commune>]`` (:mod:`.constraints.quotas`). Constraints that cannot bind are left out.

The model is held solver-neutral (index arrays and integer coefficients) and emitted to
CP-SAT (:func:`to_cpsat`), or as one sparse matrix (:func:`constraint_matrix`) to scipy's
HiGHS and to OR-Tools MathOpt (:func:`.backends.mathopt.model_proto`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .constraints import budgets, cooperatives, projects, quotas
from .instance import Instance

__all__ = ["LinearModel", "build_model", "constraint_matrix", "to_cpsat"]


@dataclass
class Constraint:
    name: str
    idx: np.ndarray  # pair indices
    coef: np.ndarray  # int64
    lb: int | None
    ub: int | None
    extra: list[tuple[int, int]]  # (variable index >= n_x, coefficient)
    family: str
    key: tuple


@dataclass
class LinearModel:
    inst: Instance
    n_x: int
    bool_names: list[str] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    zero: np.ndarray | None = None  # pairs fixed to 0 (their project or cooperative can never run)
    zero_reasons: list[str] = field(default_factory=list)
    #: ``(name, pair indices, variable)``: ``x[i] <= variable`` for each pair (valid inequalities
    #: that tighten the LP relaxation of the open / linked binaries a great deal)
    links: list[tuple[str, np.ndarray, int]] = field(default_factory=list)
    one: np.ndarray | None = None  # pairs fixed to 1 (the village meeting assigned them)

    def __post_init__(self):
        if self.zero is None:
            self.zero = np.zeros(self.n_x, dtype=bool)
        if self.one is None:
            self.one = self.inst.forced.copy()

    def lower_bounds(self) -> np.ndarray:
        """Lower bound of every variable (pairs, then the binaries): 1 for assigned pairs."""
        lo = np.zeros(self.n_x + len(self.bool_names))
        lo[: self.n_x][self.one] = 1.0
        return lo

    def new_bool(self, name: str) -> int:
        self.bool_names.append(name)
        return self.n_x + len(self.bool_names) - 1

    def add_le(self, name, idx, coef, rhs, *, extra=(), family="", key=()):
        self.constraints.append(Constraint(name, np.asarray(idx), np.asarray(coef, dtype=np.int64),
                                           None, int(rhs), list(extra), family, key))

    def add_ge(self, name, idx, coef, rhs, *, extra=(), family="", key=()):
        self.constraints.append(Constraint(name, np.asarray(idx), np.asarray(coef, dtype=np.int64),
                                           int(rhs), None, list(extra), family, key))

    def add_links(self, name: str, idx, var: int):
        self.links.append((name, np.asarray(idx), int(var)))

    def add_none_or_between(self, idx, lo: int, hi: int, *, switch: str, links: str,
                            upper: tuple[str, str], lower: tuple[str, str], key: tuple) -> bool:
        """``sum(x[idx])`` is 0 or within ``lo..hi``: a binary ``switch`` with ``x[i] <= switch``
        per pair (``links``), ``sum <= hi * switch`` and ``sum >= lo * switch`` (``upper`` and
        ``lower``: constraint name and family). When ``lo > hi`` the pairs are fixed to 0 instead
        (reason: the name of ``lower``) and the answer is False: they can never be chosen."""
        if lo > hi:
            self.fix_zero(idx, reason=lower[0])
            return False
        ones = np.ones(len(idx), dtype=np.int64)
        y = self.new_bool(switch)
        self.add_links(links, idx, y)
        self.add_le(upper[0], idx, ones, 0, extra=[(y, -hi)], family=upper[1], key=key)
        self.add_ge(lower[0], idx, ones, 0, extra=[(y, -lo)], family=lower[1], key=key)
        return True

    def switches(self) -> list[tuple[int, np.ndarray, int]]:
        """Every switch of :meth:`add_none_or_between`: ``(variable, pair indices, minimum)``."""
        lows = {}
        for c in self.constraints:
            if c.lb is not None and len(c.extra) == 1:  # sum(x) - minimum * switch >= 0
                var, coef = c.extra[0]
                lows[var] = -int(coef)
        return [(var, idx, lows[var]) for _, idx, var in self.links if var in lows]

    def fix_zero(self, idx, reason: str):
        self.zero[np.asarray(idx)] = True
        self.zero_reasons.append(reason)

    def x_name(self, i: int) -> str:
        inst = self.inst
        return f"x[{inst.hh_ids[inst.pair_h[i]]},{inst.p_ids[inst.pair_p[i]]}]"

    def household_groups(self) -> list[np.ndarray]:
        """Pair indices of each household with two or more pairs (pairs are sorted by household)."""
        ph = self.inst.pair_h
        if len(ph) == 0:
            return []
        starts = np.flatnonzero(np.r_[True, ph[1:] != ph[:-1]])
        ends = np.r_[starts[1:], len(ph)]
        multi = (ends - starts) > 1
        return [np.arange(s, e) for s, e in zip(starts[multi], ends[multi])]


def build_model(inst: Instance, *, with_quotas: bool = True, with_coops: bool = True,
                coop_capacity: np.ndarray | None = None,
                coop_min: np.ndarray | None = None) -> LinearModel:
    """Every hard constraint of the instance, named."""
    m = LinearModel(inst, inst.n_pairs)
    budgets.add(m, inst)
    projects.add(m, inst)
    if with_coops:
        cooperatives.add(m, inst, capacity=coop_capacity, minimum=coop_min)
    if with_quotas:
        quotas.add(m, inst)
    return m


def constraint_matrix(m: LinearModel):
    """Every row of ``m`` as ``A @ v <= b`` over the variables ``v`` (pairs, then the model's
    binaries). Returns ``(A, b, constraints, offset)``: ``constraints[i]`` is row ``offset + i``
    (before them: one row per household, then the ``x <= open/linked`` links)."""
    n_var = m.n_x + len(m.bool_names)
    rows, cols, vals, ub = [], [], [], []
    r = 0
    # one_project[h]: every household, as one row (a row of a single pair is harmless)
    ph = m.inst.pair_h
    if len(ph):
        uniq, inv = np.unique(ph, return_inverse=True)
        rows.append(inv)
        cols.append(np.arange(m.n_x))
        vals.append(np.ones(m.n_x))
        ub.append(np.ones(len(uniq)))
        r = len(uniq)
    for _, idx, j in m.links:
        k = len(idx)
        rows.append(np.repeat(np.arange(r, r + k), 2))
        cols.append(np.column_stack([idx, np.full(k, j)]).ravel())
        vals.append(np.tile([1.0, -1.0], k))
        ub.append(np.zeros(k))
        r += k
    names = []
    for c in m.constraints:
        sign = 1.0 if c.ub is not None else -1.0
        rhs = c.ub if c.ub is not None else c.lb
        k = len(c.idx) + len(c.extra)
        rows.append(np.full(k, r))
        cols.append(np.r_[c.idx, [j for j, _ in c.extra]].astype(np.int64))
        vals.append(sign * np.r_[c.coef.astype(float), [float(a) for _, a in c.extra]])
        ub.append(np.array([sign * float(rhs)]))
        names.append(c)
        r += 1
    if r == 0:
        return sp.csr_matrix((0, n_var)), np.zeros(0), names, 0
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(r, n_var))
    n_before = (len(np.unique(ph)) if len(ph) else 0) + sum(len(i) for _, i, _ in m.links)
    return A, np.concatenate(ub), names, n_before


# --------------------------------------------------------------------------------------------
# CP-SAT
# --------------------------------------------------------------------------------------------


def to_cpsat(m: LinearModel, objective: np.ndarray, *, names: bool = True, hint=None,
             assumptions_for: set[str] | None = None):
    """A CP-SAT model maximising ``objective`` (int64 per pair).

    ``assumptions_for``: families whose constraints are enforced by an assumption literal
    ``assume[<constraint>]`` (for explaining infeasibility). Returns ``(model, x, extra, assume)``,
    ``assume`` mapping a literal's index to ``(literal, constraint)``.
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    n = m.n_x
    if names:
        x = [model.new_bool_var(m.x_name(i)) for i in range(n)]
    else:
        x = [model.new_bool_var("") for _ in range(n)]
    extra = [model.new_bool_var(nm) for nm in m.bool_names]
    allv = x + extra
    for i in np.flatnonzero(m.zero):
        model.add(x[i] == 0)
    for i in np.flatnonzero(m.one):
        model.add(x[i] == 1)
    for grp in m.household_groups():
        ct = model.add_at_most_one([x[i] for i in grp])
        if names:
            ct.with_name(f"one_project[{m.inst.hh_ids[m.inst.pair_h[grp[0]]]}]")
    for _, idx, j in m.links:
        for i in idx:
            model.add_implication(x[i], allv[j])
    assume = {}
    for c in m.constraints:
        expr = sum_expr(cp_model, [x[i] for i in c.idx] + [allv[j] for j, _ in c.extra],
                        c.coef.tolist() + [int(a) for _, a in c.extra])
        if c.ub is not None:
            ct = model.add(expr <= c.ub)
        else:
            ct = model.add(expr >= c.lb)
        ct.with_name(c.name)
        if assumptions_for is not None and c.family in assumptions_for:
            lit = model.new_bool_var(f"assume[{c.name}]")
            ct.only_enforce_if(lit)
            assume[lit.index] = (lit, c)
    obj = np.asarray(objective, dtype=np.int64)
    nz = np.flatnonzero(obj)
    model.maximize(sum_expr(cp_model, [x[i] for i in nz], obj[nz].tolist()))
    if hint is not None:
        on = np.zeros(n, dtype=bool)
        on[np.asarray(hint, dtype=np.int64)] = True
        for i in range(n):
            model.add_hint(x[i], bool(on[i]))
    return model, x, extra, assume


def sum_expr(cp_model, variables, coefs):
    return cp_model.LinearExpr.weighted_sum(variables, coefs)
