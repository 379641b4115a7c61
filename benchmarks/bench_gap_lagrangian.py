"""OR-Library gapd: the Lagrangian bound, and whether the MIP solvers find the optimum even when
told which pairs it may use (issue 15, the gapd goal; an experiment, not part of the engine).

For each instance (minimisation: every job to one agent, each agent's capacity kept):

1. the LP bound (HiGHS through ``scipy.optimize.linprog``);
2. the Lagrangian bound with the assignment rows relaxed: one 0-1 knapsack per agent (dynamic
   programming, exact for integer weights), multipliers by subgradient with Polyak steps;
3. for every pair (agent, job) the Lagrangian bound with that pair forced into the plan: no plan
   that uses the pair costs less. Every pair of a plan that costs at most the best known value
   therefore has a forced bound at most that value, so the pairs kept below it hold every
   optimal plan (an oracle: it uses the best known value, which a solver does not have);
4. HiGHS (``scipy.optimize.milp``) and CP-SAT (``--workers``) on the model of the kept pairs
   only, ``--time-limit`` seconds each: how close they come to the best known value.

    python benchmarks/bench_gap_lagrangian.py --only 3,5,6 --time-limit 30

Reads ``../shared/data/orlib_gap/gapd.txt`` (override with ``--data``); exits with a message
when it is absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from targeting.data.orlib import read_gap_file  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "orlib_gap"


def knapsack_table(profit: np.ndarray, weight: np.ndarray, cap: int) -> np.ndarray:
    """``F[k, w]``: the best profit of items ``< k`` within weight ``w`` (items of profit <= 0
    are never worth taking)."""
    F = np.zeros((len(profit) + 1, cap + 1))
    for k, (p, w) in enumerate(zip(profit, weight)):
        F[k + 1] = F[k]
        if p > 0 and w <= cap:
            F[k + 1, w:] = np.maximum(F[k, w:], F[k, : cap + 1 - w] + p)
    return F


def knapsack(profit: np.ndarray, weight: np.ndarray, cap: int) -> tuple[float, np.ndarray]:
    F = knapsack_table(profit, weight, cap)
    x, c = np.zeros(len(profit), dtype=bool), cap
    for k in range(len(profit) - 1, -1, -1):
        if F[k + 1, c] != F[k, c]:
            x[k], c = True, c - weight[k]
    return float(F[-1, cap]), x


def lagrangian_bound(c, a, b, target: float, iters: int = 400) -> tuple[float, np.ndarray]:
    """max over u of sum(u) - sum_i knapsack_i(u - c_i): the assignment rows relaxed."""
    m, n = c.shape
    u = c.min(axis=0).astype(float)
    best, best_u, step, stall = -np.inf, u.copy(), 2.0, 0
    for _ in range(iters):
        value, X = u.sum(), np.zeros((m, n), dtype=bool)
        for i in range(m):
            v, X[i] = knapsack(u - c[i], a[i], int(b[i]))
            value -= v
        if value > best + 1e-9:
            best, best_u, stall = value, u.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                step, stall = step / 2, 0
        g = 1 - X.sum(axis=0)
        if not (g * g).sum() or step < 1e-4:
            break
        u = u + step * (target - value) / (g * g).sum() * g
    return best, best_u


def forced_bounds(c, a, b, u) -> np.ndarray:
    """The Lagrangian bound at ``u`` with each pair forced into the plan, (m, n)."""
    m, n = c.shape
    tabs, kp = [], np.zeros(m)
    for i in range(m):
        p, cap = u - c[i], int(b[i])
        F = knapsack_table(p, a[i], cap)
        B = knapsack_table(p[::-1], a[i][::-1], cap)[::-1]  # B[k]: items >= k
        tabs.append((F, B))
        kp[i] = F[-1, cap]
    out = np.full((m, n), np.inf)
    for i in range(m):
        (F, B), p, cap = tabs[i], u - c[i], int(b[i])
        rest = u.sum() - (kp.sum() - kp[i])
        for j in range(n):
            left = cap - a[i, j]
            if left < 0:
                continue
            without = np.max(F[j, : left + 1] + B[j + 1, left::-1])
            out[i, j] = rest - (p[j] + without)
    return out


def reduced_model(c, a, keep):
    idx = np.argwhere(keep)
    nv, (m, n) = len(idx), c.shape
    cost = c[idx[:, 0], idx[:, 1]].astype(float)
    one = sp.csr_matrix((np.ones(nv), (idx[:, 1], np.arange(nv))), shape=(n, nv))
    cap = sp.csr_matrix((a[idx[:, 0], idx[:, 1]].astype(float), (idx[:, 0], np.arange(nv))), shape=(m, nv))
    return idx, cost, one, cap


def highs_on(c, a, b, keep, limit: float) -> float | None:
    _, cost, one, cap = reduced_model(c, a, keep)
    r = milp(cost, constraints=[LinearConstraint(one, 1, 1), LinearConstraint(cap, -np.inf, b)],
             integrality=np.ones(len(cost)), bounds=Bounds(0, 1), options={"time_limit": limit})
    return None if r.x is None else round(float(r.fun))


def cpsat_on(c, a, b, keep, limit: float, workers: int) -> float | None:
    from ortools.sat.python import cp_model

    idx, cost, _, _ = reduced_model(c, a, keep)
    md = cp_model.CpModel()
    x = [md.new_bool_var("") for _ in range(len(idx))]
    for j in range(c.shape[1]):
        md.add_exactly_one([x[k] for k in np.flatnonzero(idx[:, 1] == j)])
    for i in range(c.shape[0]):
        ks = np.flatnonzero(idx[:, 0] == i)
        md.add(sum(int(a[i, idx[k, 1]]) * x[k] for k in ks) <= int(b[i]))
    md.minimize(sum(int(cost[k]) * x[k] for k in range(len(idx))))
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds, s.parameters.num_workers = limit, workers
    st = s.solve(md)
    return round(s.objective_value) if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _pct(v: float | None, best: float) -> str:
    return "none" if v is None else f"{v:.0f} ({100 * (v - best) / best:.3f}%)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--file", default="gapd")
    ap.add_argument("--only", default="1,2,3,4,5,6")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2)
    a_ = ap.parse_args()
    path = a_.data / f"{a_.file}.txt"
    if not path.exists():
        raise SystemExit(f"{path} not found: the OR-Library data are read from ../shared/data")
    known = pd.read_csv(a_.data / "gap_optima.csv").set_index(["file", "idx"])["min_best_known"]
    instances = read_gap_file(path)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| instance | best known | LP bound | Lagrangian bound (s) | pairs kept | HiGHS on them | CP-SAT on them |")
    print("|---|---|---|---|---|---|---|")
    for k in [int(x) for x in a_.only.split(",")]:
        inst = instances[k - 1]
        c, a, b = inst["c"], inst["a"], inst["b"]
        m, n = c.shape
        best = float(known[(f"{a_.file}.txt", k)])
        one = sp.kron(np.ones((1, m)), sp.eye(n))
        cap = sp.kron(sp.eye(m), np.ones((1, n))).multiply(a.reshape(1, -1))
        lp = linprog(c.ravel(), A_ub=cap, b_ub=b, A_eq=one, b_eq=np.ones(n), bounds=(0, 1), method="highs")
        t0 = time.perf_counter()
        lr, u = lagrangian_bound(c, a, b, target=1.01 * lp.fun)
        forced = forced_bounds(c, a, b, u)
        secs = time.perf_counter() - t0
        keep = forced <= best + 1e-6
        h = highs_on(c, a, b, keep, a_.time_limit)
        cp = cpsat_on(c, a, b, keep, a_.time_limit, a_.workers)
        print(f"| {a_.file}-{k} ({m}x{n}) | {best:.0f} | {lp.fun:.1f} | {lr:.1f} ({secs:.1f}) | "
              f"{int(keep.sum())} of {m * n} | {_pct(h, best)} | {_pct(cp, best)} |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
