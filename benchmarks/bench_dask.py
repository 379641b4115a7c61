"""Engines: scoring and planning time on the local engine vs a LocalCluster of 2 worker processes.

A national-scale synthetic world is generated on the fly (not committed): ``targeting.synth``
communes of about 380 register households each (Vietnam's 1,258,997 households in ~3,300
communes), written as a scenario folder and read back. For each size it measures

* read: ``read_scenario`` (always local),
* scoring: ``scenario_gains`` (gains of every eligible pair and the ranked scores),
* planning: ``make_plan`` with strategy ``optimal`` from those gains (LP of the whole register on
  the driver, then communes as tasks),
* peak memory: the driver's, and each Dask worker's (``ru_maxrss`` of the worker process),

and checks that both engines give the same gains and scores.

    python benchmarks/bench_dask.py --sizes 50000,100000,200000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

HH_PER_COMMUNE = 380


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across the
    fork and exec that start a Dask worker)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int, time_limit: float, seed: int = 0) -> list[dict]:
    from targeting.engine import DaskEngine
    from targeting.io import read_scenario
    from targeting.plan import make_plan, resolve_model, scenario_gains
    from targeting.synth import make_world, write_world

    communes = max(2, round(n / HH_PER_COMMUNE))
    tmp = Path(tempfile.mkdtemp(prefix="bench_dask_")) / "scenario"
    t = time.perf_counter()
    write_world(make_world(seed=seed, households=n, communes=communes, history_factor=0.05), tmp)
    gen = time.perf_counter() - t
    t = time.perf_counter()
    sc = read_scenario(tmp)
    read = time.perf_counter() - t
    # the bundled model (training on the history is not what is measured here)
    sc = replace(sc, history=None, settings=replace(sc.settings, time_limit_s=time_limit))
    model, source = resolve_model(sc)
    rows = []
    ref = None
    for name in ("local", "dask"):
        eng = DaskEngine() if name == "dask" else None
        try:
            t = time.perf_counter()
            gains, scores = scenario_gains(sc, model, engine=eng)
            t_score = time.perf_counter() - t
            if ref is None:
                ref = (gains, scores)
            else:
                assert gains.equals(ref[0]) and scores.equals(ref[1]), "engines disagree on gains"
            t = time.perf_counter()
            p = make_plan(sc, model=model, model_source=source, gains=gains, scores=scores,
                          strategy="optimal", engine=eng)
            t_plan = time.perf_counter() - t
            workers = []
            if eng is not None:
                workers = sorted(eng.client.run(_peak_mb).values())
            dec = p.result.details.get("decomposition", {})
            rows.append({
                "households": len(sc.households), "communes": len(sc.communes), "pairs": len(gains),
                "engine": name, "generate_s": round(gen, 1), "read_s": round(read, 1),
                "score_s": round(t_score, 1), "plan_s": round(t_plan, 1),
                "lp_s": (p.result.details.get("solver_stats") or {}).get("lp_seconds"),
                "communes_s": dec.get("seconds"),
                "status": p.meta["status"], "objective": round(p.meta["objective"], 2),
                "gap": None if p.meta["gap"] is None else round(p.meta["gap"], 5),
                "driver_peak_mb": round(_peak_mb()),
                "worker_peak_mb": [round(w) for w in workers],
            })
            print(rows[-1], flush=True)
        finally:
            if eng is not None:
                eng.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50000,100000,200000", help="Comma-separated household counts.")
    ap.add_argument("--time-limit", type=float, default=600.0, help="Solver time limit per plan (s).")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run(n, args.time_limit)
    import pandas as pd

    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
