"""The annual cycle played on synthetic worlds: does a plan that learns from its own reviews improve?

For each seed, a small initial history (``--history-factor`` past households per register
household) trains the model. Then, year after year:

1. a fresh register, projects and budgets are drawn from the same world generator (another seed
   each year; the same for every strategy, so they plan the same households);
2. three optimal plans are made: ``learns`` (model retrained on the initial history and every
   review's history rows so far), ``never`` (the model of the initial history, never retrained)
   and ``oracle`` (the optimizer fed the truth's gains);
3. each plan is scored by the **true** expected sustained exits of its allocation (the truth's
   probability under the support each household got, summed: no sampling noise), and its exits
   added over no support;
4. for ``learns`` and ``never`` the plan folder is written, what happened is drawn from the truth
   (:func:`targeting.synth.cycle.draw_registers`: the register one year on and the follow-up,
   with the same random numbers for both plans), the registers are written, and
   :func:`targeting.review.review_plan` reviews the plan: the share of communes inside their
   p10-p90 band (beside the share inside the band the truth's own probabilities give: the
   control), the Brier score of ``p_exit_plan`` (beside the truth's on the same outcomes);
5. ``learns``' review history rows are appended to its history, and the model retrained.

``--past`` adds a control, ``past``: retrained each year on the initial history and as many rows of
*past programmes'* history as ``learns`` has review rows (support drawn at random with the
programme's targeting probabilities, as synth's history is, rather than chosen by the plan's own
optimizer): does learning from one's own plans teach as much as the same amount of other history?

    python benchmarks/bench_learning_loop.py --seeds 0 1 2 --years 4

The review's rows of plan year t are used for plan year t + 1 (the issue's loop). In a real
province the follow-up register comes three years after the plan, so each step here is, in
calendar time, about four years; ``--lag L`` makes year t's rows usable only from year t + 1 + L.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from targeting import synth
from targeting.config import KINDS
from targeting.data import read_scenario
from targeting.data.eligibility import eligible_pairs
from targeting.errors import OverlapWarning
from targeting.outcomes import exits_distribution
from targeting.plan import make_plan, write_plan
from targeting.review import review_plan
from targeting.scoring import train_model
from targeting.synth.cycle import draw_registers, write_register

PLAN_FILES = ("allocation.csv", "summary.csv", "plan.json")
START_YEAR = 2026


def true_exits(households: pd.DataFrame, allocation: pd.DataFrame) -> float:
    """The truth's expected sustained exits of a plan: each household's P under its support."""
    kinds = households["household_id"].map(allocation.set_index("household_id")["kind"]).fillna("")
    return float(synth.true_probability(households, kinds.replace("", "none").to_numpy()).sum())


def year_world(seed: int, year: int, communes: int) -> synth.World:
    """The register, projects and budgets of plan year ``year`` (1, 2, ...) for ``seed``."""
    return synth.make_world(seed=seed + 1000 * year, communes=communes, history_factor=0.01,
                            year=START_YEAR + year - 1)


def review_year(plan, world: synth.World, folder: Path, name: str, draw_seed: int) -> dict:
    """Write the plan, draw its registers from the truth, review it; the review's figures."""
    plan_dir = write_plan(plan, folder / f"plan_{name}", files=PLAN_FILES)
    a = plan.allocation.set_index("household_id")
    kinds = world.households["household_id"].map(a["kind"]).fillna("").to_numpy()
    regs = draw_registers(world.households, kinds, np.random.default_rng(draw_seed))
    after = write_register(regs.after, folder / f"after_{name}.csv")
    followup = write_register(regs.followup, folder / f"followup_{name}.csv")
    r = review_plan(plan_dir, after, followup)
    o = r.outcomes.merge(regs.outcomes[["household_id", "p"]], on="household_id")
    cal = r.summary["calibration"]
    # the control: the same band computed from the truth's probabilities (what a perfect model
    # would have forecast) holds what happened in about 80% of communes, or the draws are wrong
    inside_truth = []
    for _, g in o.groupby("commune_id"):
        d = exits_distribution(g["p"].to_numpy())
        inside_truth.append(d["p10"] <= g["sustained_exit"].sum() <= d["p90"])
    return {
        "coverage": r.summary["share_inside_band"],
        "coverage_truth": float(np.mean(inside_truth)),
        "brier": cal["brier"],
        "brier_truth": round(float(np.mean((o["p"] - o["sustained_exit"]) ** 2)), 4),
        "forecast": float(r.outcomes["p_exit_plan"].sum()),
        "happened": int(r.outcomes["sustained_exit"].sum()),
        "history": r.history,
    }


def run_seed(seed: int, years: int, communes: int, history_factor: float, time_limit: float,
             lag: int = 0, past: bool = False, progress=print) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        w0 = synth.make_world(seed=seed, communes=communes, history_factor=history_factor)
        history0 = read_scenario(synth.write_world(w0, tmp / "w0")).history
        if past:  # rows of past programmes (targeted as the programme did), in a random order
            wp = synth.make_world(seed=seed + 500, communes=communes, history_factor=years)
            more = read_scenario(synth.write_world(wp, tmp / "wp")).history
            more = more.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        reviewed: list[tuple[int, pd.DataFrame]] = []  # (plan year, history rows of its review)
        never = None
        for t in range(1, years + 1):
            world = year_world(seed, t, communes)
            sc = read_scenario(synth.write_world(world, tmp / f"w{t}"))
            usable = [h for year, h in reviewed if year + 1 + lag <= t]
            history = pd.concat([history0, *usable], ignore_index=True)
            t0 = time.perf_counter()
            if never is None:
                never = train_model(history0, seed=seed, households=sc.households)
            learns = never if not usable else train_model(history, seed=seed, households=sc.households)
            train_s = time.perf_counter() - t0
            models = {"learns": learns, "never": never}
            if past:
                models["past"] = never if not usable else train_model(
                    pd.concat([history0, more.iloc[:len(history) - len(history0)]], ignore_index=True),
                    seed=seed, households=sc.households)
            base = float(synth.true_probability(world.households, "none").sum())
            row = {"seed": seed, "year": t, "households": len(world.households),
                   "history_rows": len(history), "model_learns": learns.card_.get("estimator", "?"),
                   "model_never": never.card_.get("estimator", "?"), "train_s": round(train_s, 1),
                   "none": base}
            pairs = eligible_pairs(sc.households, sc.projects)
            truth = pairs.assign(gain=synth.true_gains(sc.households, pairs), p_exit_base=np.nan,
                                 p_exit_with=np.nan)
            plans = {name: make_plan(sc, model=m, model_source=name, strategy="optimal", time_limit_s=time_limit)
                     for name, m in models.items()}
            plans["oracle"] = make_plan(sc, model_source="truth", gains=truth, strategy="optimal",
                                        time_limit_s=time_limit)
            for name, plan in plans.items():
                row[name] = true_exits(world.households, plan.allocation)
                row[f"{name}_status"] = plan.meta["status"]
                row[f"{name}_gap"] = plan.meta["gap"]
                counts = plan.allocation["kind"].replace("", np.nan).dropna().value_counts()
                row[f"{name}_kinds"] = " ".join(f"{k}:{counts.get(k, 0)}" for k in KINDS)
            for name in ("learns", "never"):
                rv = review_year(plans[name], world, tmp / f"y{t}", name, draw_seed=seed * 1000 + t)
                for k in ("coverage", "coverage_truth", "brier", "brier_truth", "forecast", "happened"):
                    row[f"{k}_{name}"] = rv[k]
                if name == "learns":
                    reviewed.append((t, rv["history"]))
            gain = row["oracle"] - base
            for name in models:
                row[f"share_{name}"] = (row[name] - base) / gain if gain > 0 else np.nan
            rows.append(row)
            progress(f"seed {seed} year {t}: {len(history)} history rows ({row['model_learns']}), "
                     f"added exits learns {row['learns'] - base:.1f} / never {row['never'] - base:.1f} / "
                     f"oracle {gain:.1f}, share {row['share_learns']:.3f} / {row['share_never']:.3f}, "
                     f"coverage {row['coverage_learns']:.2f}, train {train_s:.1f} s"
                     + (f", past {row['share_past']:.3f}" if past else ""))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--years", type=int, default=4)
    ap.add_argument("--communes", type=int, default=3)
    ap.add_argument("--history-factor", type=float, default=0.2,
                    help="Past households per register household in the initial history (small, so "
                         "that learning has room to show).")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--lag", type=int, default=0,
                    help="Plan years between a review's plan year and the first plan that uses it, "
                         "beyond the next one (0: the issue's loop).")
    ap.add_argument("--past", action="store_true",
                    help="Add the control `past`: a model retrained each year on the initial history "
                         "and as many rows of past programmes' history (targeted as the programme "
                         "did, not by the plan) as `learns` has review rows.")
    ap.add_argument("--out", type=Path, default=None, help="Write the rows as CSV here.")
    args = ap.parse_args()
    # the first years' models are trained on a few hundred rows: every plan would warn that some
    # kinds had few examples; that is the point of the benchmark, not news
    warnings.simplefilter("ignore", OverlapWarning)
    rows = []
    for seed in args.seeds:
        rows += run_seed(seed, args.years, args.communes, args.history_factor, args.time_limit, args.lag,
                         args.past, progress=lambda m: print(m, flush=True))
    df = pd.DataFrame(rows)
    if args.out:
        df.to_csv(args.out, index=False)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 50)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    arms = ["learns", "never", "oracle"] + (["past"] if args.past else [])
    for name in arms:
        df[f"added_{name}"] = df[name] - df["none"]
    cols = ["history_rows", "none", *arms, *(f"added_{a}" for a in arms),
            "share_learns", "share_never", *(["share_past"] if args.past else []),
            "coverage_learns", "coverage_never", "coverage_truth_learns",
            "brier_learns", "brier_never", "brier_truth_learns", "forecast_learns", "forecast_never",
            "happened_learns"]
    print("\nmean over seeds, by year:")
    print(df.groupby("year")[cols].mean().to_string(float_format=lambda x: f"{x:.3f}"))
    print("\nshare of the oracle's added exits, by seed:")
    print(df.pivot(index="year", columns="seed",
                   values=["share_learns", "share_never", *(["share_past"] if args.past else [])])
          .to_string(float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
