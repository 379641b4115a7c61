"""A synthetic province: 92 communes, 100,000 households, ~10 projects per commune, cooperatives
across communes, group minimums and quotas. Every strategy; objective against the LP bound, wall
time and peak memory.

    python benchmarks/bench_province.py [--households 100000] [--communes 92] [--time-limit 60]

Uses ``targeting.synth.instances.province`` (numpy, seeded).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
from common import province_settings

from targeting.allocation import run_strategy
from targeting.config import STRATEGIES
from targeting.synth.instances import province


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--communes", type=int, default=92)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quota", type=float, default=0.2)
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    t = province(n_communes=a.communes, n_households=a.households, seed=a.seed)
    print(f"instance: {len(t['households'])} households, {len(t['projects'])} projects, "
          f"{len(t['cooperatives'])} cooperatives, {len(t['gains'])} pairs "
          f"({time.perf_counter() - t0:.1f} s to generate)", flush=True)
    s = province_settings(a.time_limit, workers=a.workers, seed=a.seed, quota=a.quota)
    cap = pd.Series(np.random.default_rng(a.seed).random(len(t["households"])),
                    index=t["households"]["household_id"])
    rows = []
    bound = None
    for strat in a.strategies.split(","):
        t0 = time.perf_counter()
        r = run_strategy(strat, t["households"], t["projects"], t["cooperatives"], t["communes"],
                         t["gains"], s, capacity=cap)
        secs = time.perf_counter() - t0
        if strat == "optimal":
            bound = r.bound
            dec = r.details.get("decomposition", {})
            print(f"optimal: {dec}", flush=True)
            print(f"optimal: LP relaxation {r.details['solver_stats'].get('lp_seconds')} s",
                  flush=True)
        rows.append({"strategy": strat, "status": r.status, "objective": r.objective,
                     "supported": len(r.assignment), "seconds": secs})
        print(rows[-1], flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"LP bound: {bound}; peak memory (whole run): {peak:.0f} MB")
    print("| strategy | status | objective | % of LP bound | supported | seconds |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        pct = f"{100 * r['objective'] / bound:.3f}" if bound else "-"
        print(f"| {r['strategy']} | {r['status']} | {r['objective']:.3f} | {pct} | "
              f"{r['supported']} | {r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
