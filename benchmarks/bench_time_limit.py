"""Does a decided plan of one large model end within its time limit? (issue 15)

    python benchmarks/bench_time_limit.py [--households 18000] [--communes 20] [--time-limit 3]
                                          [--assign 10]

A synthetic province (``targeting.synth.instances.province``) small enough to be solved as one
model (below ``DECOMPOSE_MIN_PAIRS``), with ``--assign`` random households assigned to their
first eligible project (as the village meeting's ``assign``): the wall time of ``run_strategy``
against the limit, and the plan's status, objective and bound.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import province_settings

from targeting.allocation import run_strategy
from targeting.synth.instances import province


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=18_000)
    ap.add_argument("--communes", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=3.0)
    ap.add_argument("--assign", type=int, default=10)
    a = ap.parse_args(argv)
    t = province(n_communes=a.communes, n_households=a.households, seed=0)
    s = province_settings(a.time_limit)
    g = t["gains"]
    forced = None
    if a.assign:
        hh = np.random.default_rng(1).choice(g["household_id"].unique(), size=a.assign,
                                             replace=False)
        forced = g[g["household_id"].isin(hh)].groupby("household_id").head(1)[
            ["household_id", "project_id"]]
    t0 = time.perf_counter()
    r = run_strategy("optimal", t["households"], t["projects"], t["cooperatives"], t["communes"],
                     g, s, forced=forced)
    print(f"pairs {len(g)} limit {a.time_limit} wall {time.perf_counter() - t0:.1f} "
          f"status {r.status} obj {r.objective:.3f} bound {r.bound:.3f} solver {r.solver} "
          f"solve_seconds {r.solve_seconds:.1f}")


if __name__ == "__main__":
    main()
