"""Decision quality of whole plans on synthetic worlds, against the truth.

For each seed: write a synthetic world, read it as a user would, train the model on its history,
plan it with every strategy, and score each plan by the *true* sustained exits its support adds
(synth's ground truth). The yardstick is the truth-knowing optimum: the optimizer fed the true
gains under the same budgets, slots and cooperatives.

    python benchmarks/bench_decisions.py --seeds 0 1 2 --communes 3

``--history-communes N`` (N >= --communes) builds a world of N communes but plans only the first
``--communes``: the other communes' households, projects and rows in communes.csv are dropped
(and cooperatives no planned project links to), while the history of all N communes is kept, as
when a province trains one model on every commune's past programmes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from targeting import synth
from targeting.config import STRATEGIES
from targeting.data import read_scenario
from targeting.data.eligibility import eligible_pairs
from targeting.plan import make_plan, resolve_model, scenario_gains
from targeting.scoring import train_model


def true_added(scenario, plan) -> float:
    a = plan.allocation
    sup = a[a["project_id"] != ""][["household_id", "project_id"]]
    pairs = sup.merge(scenario.projects[["project_id", "kind"]], on="project_id")
    return float(synth.true_gains(scenario.households, pairs).sum())


def plan_subset(world: synth.World, communes: int) -> synth.World:
    """The world with only its first ``communes`` communes to plan; the whole history is kept."""
    keep = set(world.communes["commune_id"].iloc[:communes])
    projects = world.projects[world.projects["commune_id"].isin(keep)].reset_index(drop=True)
    coops = set(projects["cooperative_id"].replace("", np.nan).dropna())
    return synth.World(
        communes=world.communes[world.communes["commune_id"].isin(keep)].reset_index(drop=True),
        households=world.households[world.households["commune_id"].isin(keep)].reset_index(drop=True),
        projects=projects,
        cooperatives=world.cooperatives[world.cooperatives["cooperative_id"].isin(coops)].reset_index(drop=True),
        history=world.history,
        settings=world.settings,
    )


def run_seed(seed: int, communes: int, households: int | None, time_limit: float,
             history_factor: float = 1.5, history_communes: int | None = None,
             strategies=STRATEGIES, learner: str | None = None) -> list[dict]:
    n_world = max(communes, history_communes or communes)
    with tempfile.TemporaryDirectory() as tmp:
        world = synth.make_world(seed=seed, communes=n_world, households=households,
                                 history_factor=history_factor)
        world = plan_subset(world, communes)
        folder = synth.write_world(world, Path(tmp) / "w")
        sc = read_scenario(folder)
    t0 = time.perf_counter()
    if learner is None:
        model, source = resolve_model(sc)
    else:  # a forced learner, for comparison (the product trains with learner="auto")
        model = train_model(sc.history, seed=sc.settings.seed, households=sc.households, learner=learner)
        source = f"history.csv ({learner})"
    train_s = time.perf_counter() - t0
    gains, scores = scenario_gains(sc, model)
    rows = []
    for s in strategies:
        t = time.perf_counter()
        p = make_plan(sc, model=model, model_source=source, gains=gains, scores=scores, strategy=s,
                      time_limit_s=time_limit)
        rows.append({"seed": seed, "strategy": s, "true_added_exits": true_added(sc, p),
                     "model_added_exits": p.meta["objective"], "status": p.meta["status"],
                     "supported": p.meta["supported"], "seconds": time.perf_counter() - t})
    # the truth-knowing optimum: same constraints, true gains
    pairs = eligible_pairs(sc.households, sc.projects)
    truth = pairs.assign(gain=synth.true_gains(sc.households, pairs), p_exit_base=np.nan, p_exit_with=np.nan)
    p = make_plan(sc, model_source="truth", gains=truth, scores=scores, strategy="optimal", time_limit_s=time_limit)
    best = true_added(sc, p)
    for r in rows:
        r["share_of_truth_optimum"] = r["true_added_exits"] / best if best else np.nan
        r["truth_optimum"] = best
        r["train_seconds"] = train_s
        r["model"] = model.card_.get("estimator", "?")
        r["history_rows"] = len(sc.history)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--communes", type=int, default=3)
    ap.add_argument("--households", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--history-factor", type=float, default=1.5,
                    help="Past households per register household (more history, better model).")
    ap.add_argument("--history-communes", type=int, default=None,
                    help="Build a world of this many communes (default: --communes) and plan only "
                         "the first --communes; the history of all of them trains the model.")
    ap.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    ap.add_argument("--learner", default=None,
                    help="Force a learner instead of what planning uses (auto), for comparison.")
    ap.add_argument("--out", type=Path, default=None, help="Write the rows as CSV here.")
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        rows += run_seed(seed, args.communes, args.households, args.time_limit, args.history_factor,
                         args.history_communes, args.strategies, args.learner)
        print(f"seed {seed} done ({rows[-1]['history_rows']} history rows, {rows[-1]['model']}, "
              f"trained in {rows[-1]['train_seconds']:.1f} s)", flush=True)
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    agg = df.groupby("strategy")[["true_added_exits", "share_of_truth_optimum"]].mean()
    print("\nmean over seeds:")
    print(agg.loc[list(args.strategies)].to_string(float_format=lambda x: f"{x:.3f}"))
    if args.out:
        df.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
