"""Engines: scoring and planning time on the local engine vs a LocalCluster of 2 worker processes.

A national-scale synthetic world is generated on the fly (not committed): ``targeting.synth``
communes of about 380 register households each (Vietnam's 1,258,997 households in ~3,300
communes), written as a scenario folder and read back. For each size it measures

* read: ``read_scenario`` (always local),
* scoring: ``scenario_gains`` (gains of every eligible pair and the ranked scores),
* planning: ``make_plan`` with strategy ``optimal`` from those gains (groups of communes that
  share no cooperative, packed into tasks: a quick pass of LP, rounding and LP-guided
  neighbourhood MIP per group, then the full MIP for the groups that most need it),
* peak memory: the driver's, and each Dask worker's (``ru_maxrss`` of the worker process),

and checks that both engines give the same gains and scores.

    python benchmarks/bench_dask.py --sizes 50000,100000,200000,400000
    python benchmarks/bench_dask.py --sizes 1260000 --time-limit 1800   # the national register
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


def run(n: int, time_limit: float, seed: int = 0, engines=("local", "dask"), workers: int = 2,
        relative_gap: float | None = None) -> list[dict]:
    from targeting.data import read_scenario
    from targeting.engine import DaskEngine
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
    settings = replace(sc.settings, time_limit_s=time_limit)
    if relative_gap is not None:
        settings = replace(settings, relative_gap=relative_gap)
    sc = replace(sc, history=None, settings=settings)
    model, source = resolve_model(sc)
    rows = []
    ref = None
    ref_plan = None
    for name in engines:
        eng = DaskEngine(n_workers=workers) if name == "dask" else None
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
            if ref_plan is None:
                ref_plan = p.allocation
            same = bool(p.allocation.equals(ref_plan))
            peaks = []
            if eng is not None:
                peaks = sorted(eng.client.run(_peak_mb).values())
            dec = p.result.details.get("decomposition", {})
            rows.append({
                "households": len(sc.households), "communes": len(sc.communes), "pairs": len(gains),
                "engine": name if name == "local" else f"dask x{workers}", "generate_s": round(gen, 1), "read_s": round(read, 1),
                "score_s": round(t_score, 1), "plan_s": round(t_plan, 1),
                "groups": dec.get("components"), "quick_s": dec.get("quick_pass_seconds"),
                "full_mip_groups": dec.get("components_full_mip"),
                "stopped_groups": dec.get("components_stopped_by_time_limit"), "solve_s": dec.get("seconds"),
                "relative_gap": sc.settings.relative_gap, "status": p.meta["status"], "objective": round(p.meta["objective"], 2),
                "gap": None if p.meta["gap"] is None else round(p.meta["gap"], 5),
                "same_plan_as_first_engine": same,
                "driver_peak_mb": round(_peak_mb()),
                "worker_peak_mb": [round(w) for w in peaks],
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
    ap.add_argument("--engines", default="local,dask", help="Comma-separated: local, dask.")
    ap.add_argument("--workers", type=int, default=2, help="Worker processes of the local Dask cluster.")
    ap.add_argument("--relative-gap", type=float, default=None,
                    help="Override the scenario's relative_gap (synth writes 0.005).")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run(n, args.time_limit, engines=tuple(args.engines.split(",")),
                    workers=args.workers, relative_gap=args.relative_gap)
    import pandas as pd

    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
