"""MIP back-ends side by side on the same instances: HiGHS through scipy's ``milp`` against
HiGHS (and optionally SCIP, CP-SAT) through OR-Tools MathOpt. Model-building and solve time,
objective, bound and status of one full MIP (:func:`targeting.allocation.mip.solve_plan`, the
same greedy warm start for every back-end).

    python benchmarks/bench_backends.py gap --files gap1,gap2 [--backends highs-scipy,highs]
    python benchmarks/bench_backends.py commune --seeds 0,1
    python benchmarks/bench_backends.py province --households 100000 --time-limit 60
    python benchmarks/bench_backends.py province --households 100000 --full   # solve_optimal
    python benchmarks/bench_backends.py lp --households 100000 --backends scipy,highs,glop,pdlp
    python benchmarks/bench_backends.py overhead --sizes 1500,5000,15000,50000,100000

The machine may be shared with other jobs, so the back-ends are interleaved on each instance
(their order rotates from one instance to the next) and the ratio per instance is what to read.
``--full`` runs the whole optimizer (LP relaxation, decomposition) once per back-end instead;
``lp`` times the LP relaxation of a province (:func:`targeting.allocation.lp.lp_relaxation`)
with each LP solver, ``--repeat`` times, interleaved; ``overhead`` times one full MIP of a
province of each size stopped at once (a 0.01 s limit): the cost of building the model and
handing it to HiGHS, before any search.
Prints one CSV row per solve and a markdown summary.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from targeting.allocation import solve_optimal
from targeting.allocation.fill import fill_viable, greedy_order
from targeting.allocation.instance import build_instance
from targeting.allocation.mip import solve_plan
from targeting.config import Settings
from targeting.data.orlib import read_gap_file
from targeting.synth.instances import gap_tables, province

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "orlib_gap"


def _instances(a):
    """``(name, tables, settings, reference value or None)`` per instance of the suite."""
    if a.suite == "gap":
        optima = pd.read_csv(DATA / "gap_optima.csv")
        for f in a.files.split(","):
            maximise = f[3:].isdigit()
            insts = list(read_gap_file(DATA / f"{f}.txt"))
            picks = range(1, len(insts) + 1) if not a.only else [int(i) for i in a.only.split(",")]
            for idx in picks:
                inst = insts[idx - 1]
                t = gap_tables(inst, maximise=maximise)
                row = optima[(optima["file"] == f"{f}.txt") & (optima["idx"] == idx)].iloc[0]
                ref = row["max_opt_orlib"] if maximise else (
                    row["min_opt"] if pd.notna(row["min_opt"]) else row["min_best_known"])
                n = inst["n"]
                # back to OR-Library's own value, from the objective of the gain model
                to_value = ((lambda o, n=n, off=t["offset"]: round(o - n * off)) if maximise
                            else (lambda o, n=n, off=t["offset"]: round(n * off - o)))
                s = Settings(relative_gap=0.0, time_limit_s=a.time_limit, workers=a.workers)
                yield f"{f}-{idx}", t, s, (int(ref), to_value)
    elif a.suite == "commune":
        for seed in [int(x) for x in a.seeds.split(",")]:
            t = province(n_communes=1, n_households=1500, projects_per_commune=10,
                         n_cooperatives=3, seed=seed)
            s = Settings(relative_gap=0.0, time_limit_s=a.time_limit, workers=a.workers,
                         seed=seed, min_ethnic_minority_share=0.2, min_poor_share=0.2)
            yield f"commune-seed{seed}", t, s, None
    else:
        t = province(n_communes=a.communes, n_households=a.households, seed=a.seed)
        s = Settings(relative_gap=a.gap, time_limit_s=a.time_limit, workers=a.workers,
                     seed=a.seed, min_ethnic_minority_share=0.2, min_poor_share=0.2)
        yield f"province-{a.households}", t, s, None


def _warm_up(backends):
    """One untimed solve per back-end of a tiny commune: imports and solver start-up are paid
    before the first measured solve."""
    t = province(n_communes=1, n_households=60, projects_per_commune=3, n_cooperatives=1, seed=0)
    s = Settings(relative_gap=0.0, time_limit_s=5.0, workers=1)
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)
    for b in backends:
        solve_plan(inst, s, backend=b)


def _bench_lp(a, solvers):
    from targeting.allocation.lp import lp_relaxation

    t = province(n_communes=a.communes, n_households=a.households, seed=a.seed)
    s = Settings(min_ethnic_minority_share=0.2, min_poor_share=0.2)
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], s)
    print(f"{inst.n_pairs} pairs")
    print("| LP solver | run | seconds | bound | budget duals equal scipy's |")
    print("|---|---|---|---|---|")
    ref = None
    for k in range(a.repeat):
        for sv in solvers[k % len(solvers):] + solvers[: k % len(solvers)]:
            t0 = time.perf_counter()
            lp = lp_relaxation(inst, solver=sv)
            secs = time.perf_counter() - t0
            if sv == "scipy" and ref is None:
                ref = lp
            same = "" if ref is None else bool(np.allclose(lp.budget_dual, ref.budget_dual,
                                                           rtol=1e-4, atol=1e-12))
            print(f"| {sv} | {k + 1} | {secs:.2f} | {lp.bound:.6f} | {same} |", flush=True)


def _bench_overhead(a, backends):
    print("| households | pairs | back-end | build s | hand-over and presolve s | total s |")
    print("|---|---|---|---|---|---|")
    for n in [int(x) for x in a.sizes.split(",")]:
        t = province(n_communes=max(1, round(n / 1100)), n_households=n, seed=a.seed)
        s = Settings(relative_gap=1e-4, time_limit_s=0.01, workers=a.workers,
                     min_ethnic_minority_share=0.2, min_poor_share=0.2)
        inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                              t["gains"], s)
        hint = fill_viable(inst, greedy_order(inst))
        for b in backends:
            t0 = time.perf_counter()
            r = solve_plan(inst, s, backend=b, hint=hint)
            total = time.perf_counter() - t0
            print(f"| {n} | {inst.n_pairs} | {b} | {r.stats.get('build_seconds', np.nan):.2f} | "
                  f"{r.stats.get('solve_seconds', np.nan):.2f} | {total:.2f} |", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", choices=["gap", "commune", "province", "lp", "overhead"])
    ap.add_argument("--sizes", default="1500,5000,15000,50000,100000",
                    help="households per province (overhead)")
    ap.add_argument("--repeat", type=int, default=2, help="LP solves per solver (lp)")
    ap.add_argument("--backends", default="highs-scipy,highs")
    ap.add_argument("--files", default=",".join(f"gap{i}" for i in range(1, 13)))
    ap.add_argument("--only", default="", help="instance numbers within each file (1-based)")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--communes", type=int, default=92)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap", type=float, default=1e-4, help="relative_gap (province)")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="the whole optimizer (solve_optimal)")
    ap.add_argument("--out", default=None, help="CSV of every solve")
    a = ap.parse_args(argv)
    if a.suite == "gap" and not DATA.exists():
        sys.exit(f"GAP data not found at {DATA}")
    backends = a.backends.split(",")
    if a.suite == "lp":
        return _bench_lp(a, backends)
    _warm_up(backends)
    if a.suite == "overhead":
        return _bench_overhead(a, backends)
    rows = []
    cols = ["instance", "backend", "status", "objective", "bound", "value", "reference",
            "build_s", "solve_s", "total_s", "solver"]
    print(",".join(cols), flush=True)
    for k, (name, t, s, ref) in enumerate(_instances(a)):
        inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                              t["gains"], s)
        hint = fill_viable(inst, greedy_order(inst))
        order = backends[k % len(backends):] + backends[: k % len(backends)]
        for b in order:
            t0 = time.perf_counter()
            if a.full:
                r = solve_optimal(inst, s, backend=b)
                stats, status, solver = r.details["solver_stats"], r.status, r.solver
            else:
                r = solve_plan(inst, s, backend=b, hint=hint)
                stats, status, solver = r.stats, r.status, r.solver
            total = time.perf_counter() - t0
            row = dict(instance=name, backend=b, status=status, objective=r.objective,
                       bound=r.bound, value=ref[1](r.objective) if ref else "",
                       reference=ref[0] if ref else "",
                       build_s=stats.get("build_seconds", np.nan),
                       solve_s=stats.get("solve_seconds", np.nan), total_s=round(total, 3),
                       solver=solver)
            rows.append(row)
            print(",".join(str(row[c]) for c in cols), flush=True)
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    base = backends[0]
    print()
    print(f"| back-end | instances | optimal | same objective as {base} | build s (sum) | "
          f"solve s (sum) | total s (sum) | total s (max) | total / {base} (median) |")
    print("|---|---|---|---|---|---|---|---|---|")
    ref_tot = df[df["backend"] == base].set_index("instance")
    for b in backends:
        d = df[df["backend"] == b].set_index("instance")
        same = int((np.abs(d["objective"] - ref_tot["objective"].reindex(d.index)) <= 1e-9
                    * np.maximum(1, np.abs(d["objective"]))).sum())
        ratio = (d["total_s"] / ref_tot["total_s"].reindex(d.index)).median()
        print(f"| {b} | {len(d)} | {int((d['status'] == 'optimal').sum())} | {same} | "
              f"{d['build_s'].sum():.2f} | {d['solve_s'].sum():.1f} | {d['total_s'].sum():.1f} | "
              f"{d['total_s'].max():.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
