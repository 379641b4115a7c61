"""Whole plans on real randomized trials, evaluated by inverse probability weighting.

Each trial becomes a scenario: one commune, one project whose slots cover 20% or 30% of the
households, history = a random half of the trial (support = the randomized offer), households =
the other half. ``targeting`` trains its model on the history, plans with the optimal strategy,
and the plan is scored on the held-out half by IPW with the trial's known assignment
probabilities: exits added = mean(Y * pi * (D/p - (1-D)/(1-p))) per household. The yardstick is
a random choice of the same size (q times the effect of treating everybody).

- Graduation (Banerjee et al. 2015): support = the asset transfer (kind ``livestock``), exit =
  endline consumption >= 40 per person per month. p = the treated share in each country.
- JTPA (Kitagawa & Tetenov 2018): support = the training offer (``vocational``), exit = 30-month
  earnings >= 15,000 USD. p = 2/3.

    python benchmarks/bench_trials.py --reps 10
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from targeting.config import Settings
from targeting.data import Scenario
from targeting.plan import make_plan

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _register(features: pd.DataFrame) -> pd.DataFrame:
    """Trial units as register households: the contract's required columns, held constant."""
    n = len(features)
    base = pd.DataFrame({
        "commune_id": "trial", "village": "all", "status": "poor", "members": 1, "working_age": 1,
        "income_vnd": 0, "urban": 0, "ethnic_minority": 0, "female_head": 0, "disability": 0,
        "land_m2": 0.0, "livestock_units": 0.0, "road_km": 0.0, "grid_power": 1, "registered_exit": 0,
        "years_poor": 0,
    }, index=range(n))
    return pd.concat([base, features.reset_index(drop=True)], axis=1)


def plan_trial(features, y, d, p, kind, share, seed):
    n = len(features)
    rng = np.random.default_rng(seed)
    tr = rng.permutation(n) < n // 2
    hist = _register(features[tr]).assign(
        intervention=np.where(d[tr] == 1, kind, "none"), sustained_exit=y[tr])
    hh = _register(features[~tr])
    hh.insert(0, "household_id", [f"h{i}" for i in range(len(hh))])
    slots = int(round(share * len(hh)))
    sc = Scenario(
        path=Path("trial"),
        communes=pd.DataFrame({"commune_id": ["trial"], "name": ["trial"], "province": [""], "area_type": ["other"],
                               "households_total": [len(hh)], "budget_vnd": [slots], "target_poor": [pd.NA],
                               "target_near_poor": [pd.NA]}),
        households=hh,
        projects=pd.DataFrame({"project_id": ["support"], "commune_id": ["trial"], "name": ["support"],
                               "kind": [kind], "village": [""], "cooperative_id": [""], "cost_vnd": [1],
                               "slots": [slots], "budget_vnd": pd.array([pd.NA], dtype="Int64"),
                               "min_group": pd.array([pd.NA], dtype="Int64"), "requires_working_age": [0],
                               "min_land_m2": [np.nan], "eligible": ["any"]}),
        cooperatives=pd.DataFrame(columns=["cooperative_id", "name", "sector", "capacity", "min_households"]),
        history=hist,
        gains=None,
        settings=Settings(seed=seed, time_limit_s=30),
    )
    plan = make_plan(sc, strategy="optimal")
    pi = (plan.allocation.set_index("household_id").loc[hh["household_id"], "project_id"] != "").to_numpy(float)
    yt, dt, pt = y[~tr], d[~tr], p[~tr]
    w = dt / pt - (1 - dt) / (1 - pt)
    added = float(np.mean(yt * pi * w))
    random = share * float(np.mean(yt * w))
    return added, random, plan.meta["model"].get("metrics", {}), pi.mean()


def run(name, features, y, d, p, kind, reps):
    for share in (0.2, 0.3):
        res = [plan_trial(features, y, d, p, kind, share, r) for r in range(reps)]
        a = np.array([r[0] for r in res]) * 1000
        b = np.array([r[1] for r in res]) * 1000
        ratio = a.mean() / b.mean() if b.mean() else float("nan")
        print(f"| {name} | {int(share * 100)}% | {a.mean():.1f} ± {a.std(ddof=1) / np.sqrt(reps):.1f} | "
              f"{b.mean():.1f} | {ratio:.2f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10, help="Random train/evaluate splits per setting.")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    print(f"Exits added per 1,000 households (IPW on the held-out half; mean ± s.e. over {args.reps} splits)\n")
    print("| trial | slots | plan (optimal) | random, same size | ratio |")
    print("|---|---|---|---|---|")
    gr = SHARED / "graduation" / "lasting_progress.csv"
    if gr.exists():
        g = pd.read_csv(gr).dropna(subset=["ctotal_pcmonth_bsl", "ctotal_pcmonth_end"]).reset_index(drop=True)
        y = (g["ctotal_pcmonth_end"] >= 40).astype(int).to_numpy()
        d = (g["treatment"] == "Treatment").astype(int).to_numpy()
        p = pd.Series(d).groupby(g["country"]).transform("mean").to_numpy()
        feats = pd.DataFrame({"country": g["country"], "consumption_bsl": g["ctotal_pcmonth_bsl"]})
        run("Graduation (exit: endline consumption >= 40)", feats, y, d, p, "livestock", args.reps)
    else:
        print(f"| Graduation | skipped: {gr} not found | | | |")
    jt = SHARED / "jtpa" / "jtpa_kt.tab"
    if jt.exists():
        j = pd.read_csv(jt, sep="\t")
        y = (j["earnings"] >= 15000).astype(int).to_numpy()
        d = j["D"].to_numpy()
        p = np.full(len(j), 2 / 3)
        feats = pd.DataFrame({"prevearn": j["prevearn"], "edu": j["edu"]})
        run("JTPA (exit: 30-month earnings >= 15,000)", feats, y, d, p, "vocational", args.reps)
    else:
        print(f"| JTPA | skipped: {jt} not found | | | |")


if __name__ == "__main__":
    main()
