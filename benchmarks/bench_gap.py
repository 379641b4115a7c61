"""OR-Library GAP instances through the optimizer: gap1-12 (maximisation, proven optima) and
gapa-d (minimisation, best known), with any back-end.

    python benchmarks/bench_gap.py                              # all files, CP-SAT, 60 s each
    python benchmarks/bench_gap.py --files gap1,gap2 --backend scip --time-limit 10

Agents are projects with funding envelopes, jobs are households (see
``targeting.synth.instances.gap_tables``). Prints one CSV row per instance and a markdown
summary per file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from targeting.allocation import solve_optimal
from targeting.allocation.instance import build_instance
from targeting.config import Settings
from targeting.data.orlib import read_gap_file
from targeting.synth.instances import gap_tables

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "orlib_gap"
ALL = [f"gap{i}" for i in range(1, 13)] + ["gapa", "gapb", "gapc", "gapd"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default=",".join(ALL))
    ap.add_argument("--backend", default="cpsat")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="CSV of per-instance results")
    a = ap.parse_args(argv)
    if not DATA.exists():
        sys.exit(f"GAP data not found at {DATA}")
    optima = pd.read_csv(DATA / "gap_optima.csv")
    rows = []
    print("file,idx,agents,jobs,status,value,reference,rel_diff,seconds,backend", flush=True)
    for f in a.files.split(","):
        maximise = f[3:].isdigit()
        for idx, inst in enumerate(read_gap_file(DATA / f"{f}.txt"), start=1):
            t = gap_tables(inst, maximise=maximise)
            s = Settings(relative_gap=0.0, time_limit_s=a.time_limit, workers=a.workers)
            t0 = time.perf_counter()
            ins = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                                 t["gains"], s)
            res = solve_optimal(ins, s, backend=a.backend, decompose=False)
            secs = time.perf_counter() - t0
            n = inst["n"]
            assigned = len(res.assignment) == n
            value = round(res.objective - n * t["offset"]) if maximise else round(
                n * t["offset"] - res.objective)
            ref_row = optima[(optima["file"] == f"{f}.txt") & (optima["idx"] == idx)].iloc[0]
            if maximise:
                ref = int(ref_row["max_opt_orlib"])
            elif pd.notna(ref_row["min_opt"]):
                ref = int(ref_row["min_opt"])
            else:  # still open (gapd 20x200): the best known value
                ref = int(ref_row["min_best_known"])
            diff = (ref - value) / ref if maximise else (value - ref) / ref
            status = res.status if assigned else "unassigned_jobs"
            row = dict(file=f, idx=idx, agents=inst["m"], jobs=n, status=status, value=value,
                       reference=ref, rel_diff=diff, seconds=round(secs, 2), backend=a.backend)
            rows.append(row)
            print(",".join(str(v) for v in row.values()), flush=True)
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    summ = df.groupby("file", sort=False).agg(
        instances=("idx", "size"),
        proven_optimal=("status", lambda s: int((s == "optimal").sum())),
        matches_reference=("rel_diff", lambda d: int((d.abs() < 1e-12).sum())),
        worst_rel_diff=("rel_diff", "max"),
        max_seconds=("seconds", "max"),
        total_seconds=("seconds", "sum"),
    )
    print()
    print(markdown(summ.reset_index()))


def markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in df.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
