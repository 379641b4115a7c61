"""Writing a plan folder at scale: ``write_plan`` time, file sizes and peak memory.

A synthetic world of about 380 register households per commune (as in ``bench_dask.py``) is
generated on the fly (not committed), scored with the bundled model and planned with ``greedy``
(the plan's content does not change what writing costs); then the whole plan folder is written
(allocation.csv, summary.csv, plan.json, beneficiaries.xlsx with one sheet per commune,
report.html).

    python benchmarks/bench_write.py --households 100000
    python benchmarks/bench_write.py --households 1260000   # the national register (~11 min)
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

HH_PER_COMMUNE = 380


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from targeting.data import read_scenario
    from targeting.plan import make_plan, resolve_model, scenario_gains, write_plan
    from targeting.synth import make_world, write_world

    n = args.households
    with tempfile.TemporaryDirectory(prefix="bench_write_") as tmp:
        folder = Path(tmp) / "scenario"
        write_world(make_world(seed=0, households=n, communes=max(2, round(n / HH_PER_COMMUNE)),
                               history_factor=0.05), folder)
        sc = read_scenario(folder)
        sc = replace(sc, history=None)
        model, source = resolve_model(sc)
        gains, scores = scenario_gains(sc, model)
        plan = make_plan(sc, model=model, model_source=source, gains=gains, scores=scores, strategy="greedy")
        t = time.perf_counter()
        out = write_plan(plan, Path(tmp) / "plan")
        seconds = time.perf_counter() - t
        print(f"households {len(sc.households):,}, communes {len(sc.communes):,}: "
              f"write_plan {seconds:.1f} s, peak memory of the whole run {_peak_mb():,.0f} MB")
        for f in sorted(out.iterdir()):
            print(f"  {f.name}: {f.stat().st_size / 1e6:,.1f} MB")


if __name__ == "__main__":
    main()
