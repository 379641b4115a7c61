"""The province budget split: added exits, bound, gap and time under the fixed, proportional and
optimal splits, on a scenario folder (model, gains and scores computed once) or on a synthetic
province with supplied gains (``targeting.synth.instances.province``).

    python benchmarks/bench_split.py --scenario /tmp/s1 [--time-limit 60]
    python benchmarks/bench_split.py --province [--households 100000] [--communes 92]

Each split is a separate plan of the same inputs and the same total (the sum of the communes'
budgets, shares between 0.5x and 2x each commune's own).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from targeting.allocation import run_strategy
from targeting.config import BUDGET_SPLITS, Settings
from targeting.data import read_scenario
from targeting.plan import make_plan, resolve_model, scenario_gains
from targeting.synth.instances import province

SPLITS = list(BUDGET_SPLITS)


def _row(split: str, objective, bound, gap, status, seconds, expected=np.nan, how=None) -> dict:
    how = how or {}
    tried = how.get("tried", {})
    return {"split": split, "status": status, "added_exits": round(objective, 3),
            "expected_exits": round(expected, 2), "bound": round(bound, 3),
            "gap_%": round(100 * gap, 3), "seconds": round(seconds, 1),
            "found_by": how.get("found_by", ""),
            "unallocated_vnd": how.get("unallocated_vnd", ""),
            "tried": {k: round(v.get("objective", np.nan), 3) for k, v in tried.items()}}


def on_scenario(folder: str, limit: float) -> list[dict]:
    sc = read_scenario(folder)
    t0 = time.perf_counter()
    model, source = resolve_model(sc)
    gains, scores = scenario_gains(sc, model)
    print(f"model and gains: {time.perf_counter() - t0:.1f} s; {len(gains)} pairs", flush=True)
    rows = []
    for split in SPLITS:
        s = replace(sc, settings=replace(sc.settings, budget_split=split))
        t0 = time.perf_counter()
        p = make_plan(s, model=model, model_source=source, gains=gains, scores=scores,
                      time_limit_s=limit)
        secs = time.perf_counter() - t0
        rows.append(_row(split, p.meta["objective"], p.meta["bound"], p.meta["gap"],
                         p.meta["status"], secs, float(p.summary["expected_exits"].sum()),
                         p.meta.get("budget_split")))
        print(rows[-1], flush=True)
    return rows


def on_province(households: int, communes: int, seed: int, limit: float) -> list[dict]:
    t = province(n_communes=communes, n_households=households, seed=seed)
    print(f"instance: {len(t['households'])} households, {len(t['communes'])} communes, "
          f"{len(t['gains'])} pairs", flush=True)
    rows = []
    for split in SPLITS:
        s = Settings(time_limit_s=limit, relative_gap=1e-4, workers=2, seed=seed,
                     min_ethnic_minority_share=0.2, min_poor_share=0.2, budget_split=split)
        t0 = time.perf_counter()
        r = run_strategy("optimal", t["households"], t["projects"], t["cooperatives"],
                         t["communes"], t["gains"], s)
        secs = time.perf_counter() - t0
        rows.append(_row(split, r.objective, r.bound, r.gap, r.status, secs,
                         how=r.details.get("budget_split")))
        print(rows[-1], flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario")
    ap.add_argument("--province", action="store_true")
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--communes", type=int, default=92)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--splits", default=",".join(BUDGET_SPLITS))
    a = ap.parse_args(argv)
    global SPLITS
    SPLITS = a.splits.split(",")
    print("load average:", os.getloadavg())
    rows = (on_scenario(a.scenario, a.time_limit) if a.scenario
            else on_province(a.households, a.communes, a.seed, a.time_limit))
    print("load average:", os.getloadavg())
    table = pd.DataFrame(rows).drop(columns="tried")
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for r in table.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in r) + " |")


if __name__ == "__main__":
    main()
