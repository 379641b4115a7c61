"""One OR-Library GAP instance through the optimizer, with the search's statistics: for
before/after comparisons run in turn on the same load (issue 15).

    python benchmarks/bench_gap_one.py gapd 4 [--time-limit 60] [--backend auto] [--workers 2]

Prints the status, the value, the best known value, the gap to it, the seconds and who found
the plan, then the large-neighbourhood search's statistics (when it ran).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from targeting.allocation import solve_optimal
from targeting.allocation.instance import build_instance
from targeting.config import Settings
from targeting.data.orlib import read_gap_file
from targeting.synth.instances import gap_tables

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "orlib_gap"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("idx", type=int)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    g = read_gap_file(DATA / f"{a.file}.txt")[a.idx - 1]
    maximise = a.file[3:].isdigit()
    t = gap_tables(g, maximise=maximise)
    s = Settings(relative_gap=0.0, time_limit_s=a.time_limit, workers=a.workers)
    ins = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                         t["gains"], s)
    t0 = time.perf_counter()
    r = solve_optimal(ins, s, backend=a.backend, decompose=False)
    n = g["n"]
    val = round(r.objective - n * t["offset"]) if maximise else round(n * t["offset"] - r.objective)
    opt = pd.read_csv(DATA / "gap_optima.csv")
    row = opt[(opt.file == f"{a.file}.txt") & (opt.idx == a.idx)].iloc[0]
    ref = row.max_opt_orlib if maximise else (
        row.min_opt if pd.notna(row.min_opt) else row.min_best_known)
    print(a.file, a.idx, r.status, "value", val, "ref", ref, "diff%",
          round(100 * abs(val - ref) / ref, 3), round(time.perf_counter() - t0, 1), r.solver)
    print(json.dumps(r.details["solver_stats"].get("large_neighbourhood_search")))


if __name__ == "__main__":
    main()
