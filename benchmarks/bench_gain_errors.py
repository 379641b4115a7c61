"""Which part of the estimated gains costs the plan its value: levels, base, or effects?

For each seed: a synthetic world (3 communes, ~2,100 history rows by default), a model trained on
its history, and the optimal plan re-solved with one part of the estimated gains replaced by the
truth (synth's ground truth), each scored by the true exits it adds, as a share of the
truth-knowing optimum:

- ``estimated``: the model's gains as they are;
- ``true_levels``: the true gains rescaled per kind of support to the model's mean gain of that
  kind (only the per-kind levels are wrong) ...
- ``est_levels_fixed``: ... and the converse, the model's gains rescaled to the true per-kind
  means (only the ranking within a kind is wrong);
- ``true_base``: P(exit | none) true, the model's log-odds effect on top of it;
- ``true_effect``: the model's P(exit | none), the true log-odds effect on top of it.

It also prints, per kind, the spread (sd) of the true and estimated log-odds effects and their
correlation.

    python benchmarks/bench_gain_errors.py --seeds 0 1 2 --learner logistic_h
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from bench_decisions import plan_subset, true_added

from targeting import synth
from targeting.data import read_scenario
from targeting.plan import make_plan, scenario_gains
from targeting.scoring import train_model


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def run_seed(seed, learner, history_factor, history_communes, time_limit):
    with tempfile.TemporaryDirectory() as tmp:
        w = synth.make_world(seed=seed, communes=max(3, history_communes), history_factor=history_factor)
        sc = read_scenario(synth.write_world(plan_subset(w, 3), Path(tmp) / "w"))
    model = train_model(sc.history, seed=sc.settings.seed, households=sc.households, learner=learner)
    g, scores = scenario_gains(sc, model)
    true_gain = synth.true_gains(sc.households, g)
    kind = g["kind"].to_numpy()
    hh = sc.households.set_index("household_id").loc[g["household_id"]].reset_index()
    zb_true = synth.base_log_odds(hh)
    ze_true = np.zeros(len(g))
    for k in np.unique(kind):
        ze_true[kind == k] = synth.effect_log_odds(hh[kind == k], k)
    zb_est = _logit(g["p_exit_base"].to_numpy())
    ze_est = _logit(g["p_exit_with"].to_numpy()) - zb_est
    est = g["gain"].to_numpy()

    def value(gain):
        p = make_plan(sc, model_source="x", gains=g.assign(gain=gain), scores=scores,
                      strategy="optimal", time_limit_s=time_limit)
        return true_added(sc, p)

    best = value(true_gain)
    true_levels, est_fixed = true_gain.copy(), est.copy()
    for k in np.unique(kind):
        m = kind == k
        true_levels[m] = true_gain[m] * est[m].mean() / true_gain[m].mean()
        est_fixed[m] = est[m] * true_gain[m].mean() / est[m].mean()
        r = np.corrcoef(ze_true[m], ze_est[m])[0, 1] if ze_est[m].std() > 0 else float("nan")
        print(f"  seed {seed} {k:14s} history rows {int((sc.history['intervention'] == k).sum()):6d}  "
              f"log-odds effect: true {ze_true[m].mean():.2f} sd {ze_true[m].std():.2f}, "
              f"estimated {ze_est[m].mean():.2f} sd {ze_est[m].std():.2f}, correlation {r:.2f}")
    return {"seed": seed, "model": model.learner_, "history_rows": len(sc.history),
            "estimated": value(est) / best, "true_levels": value(true_levels) / best,
            "est_levels_fixed": value(est_fixed) / best,
            "true_base": value(_sigmoid(zb_true + ze_est) - _sigmoid(zb_true)) / best,
            "true_effect": value(_sigmoid(zb_est + ze_true) - _sigmoid(zb_est)) / best}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--learner", default="auto")
    ap.add_argument("--history-factor", type=float, default=1.5)
    ap.add_argument("--history-communes", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rows = [run_seed(s, args.learner, args.history_factor, args.history_communes, args.time_limit)
            for s in args.seeds]
    df = pd.DataFrame(rows)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print("\nmean:\n" + df.drop(columns=["seed", "model", "history_rows"]).mean().to_string(
        float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
