"""One commune of the seed's size (~1,500 households, 10 projects, 3 pairs each): time to a
proven optimum (relative_gap = 0) by back-end, against greedy.

    python benchmarks/bench_commune.py [--seeds 0,1,2] [--backends cpsat,scip] [--workers 2]
"""

from __future__ import annotations

import argparse
import time

from targeting.allocation import run_baseline, solve_optimal
from targeting.allocation.instance import build_instance
from targeting.config import Settings
from targeting.synth.instances import province


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--backends", default="cpsat,scip")
    ap.add_argument("--households", type=int, default=1500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quota", type=float, default=0.2)
    ap.add_argument("--time-limit", type=float, default=30.0)
    a = ap.parse_args(argv)
    print("| seed | backend | status | objective | bound | gap | seconds | greedy |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in [int(x) for x in a.seeds.split(",")]:
        t = province(n_communes=1, n_households=a.households, projects_per_commune=10,
                     n_cooperatives=3, seed=seed)
        s = Settings(relative_gap=0.0, time_limit_s=a.time_limit, workers=a.workers, seed=seed,
                     min_ethnic_minority_share=a.quota, min_poor_share=a.quota)
        inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                              t["gains"], s)
        greedy = run_baseline("greedy", inst, s).objective
        for backend in a.backends.split(","):
            t0 = time.perf_counter()
            r = solve_optimal(inst, s, backend=backend, decompose=False)
            secs = time.perf_counter() - t0
            print(f"| {seed} | {backend} | {r.status} | {r.objective:.4f} | {r.bound:.4f} | "
                  f"{r.gap:.2e} | {secs:.2f} | {greedy:.4f} |", flush=True)


if __name__ == "__main__":
    main()
