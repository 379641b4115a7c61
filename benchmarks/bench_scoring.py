"""Scoring-model benchmarks: quality against synth's ground truth, targeting on real randomized
trials, and speed. Run from the repository root::

    python benchmarks/bench_scoring.py                 # everything
    python benchmarks/bench_scoring.py synth trials    # some parts (synth, trials, speed)

Prints Markdown tables (pasted into benchmarks/README.md, section "Scoring model").
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from targeting.data.eligibility import eligible_pairs
from targeting.scoring import (
    INTERVENTIONS,
    OverlapWarning,
    gains_for_pairs,
    score_households,
    train_model,
)

warnings.simplefilter("ignore", OverlapWarning)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LEARNERS = ("auto", "s", "t", "dr", "logistic", "logistic_x", "logistic_h")


def bench_synth(seeds=(0, 1, 2), households: int | None = 4000) -> None:
    from targeting import synth

    print("\n### Synthetic worlds vs ground truth (targeting.synth)\n")
    print("| seed | history rows | learner | chosen | score vs true capacity (Spearman) | "
          "p_exit_base MAE | gain corr (Pearson) | gain MAE | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seed in seeds:
        w = synth.make_world(seed=seed, households=households)
        h, p = w.households, w.projects
        cap = synth.true_capacity(h)
        p0 = synth.true_probability(h, "none")
        pairs = eligible_pairs(h, p)
        tg = synth.true_gains(h, pairs)
        for learner in LEARNERS:
            t0 = time.perf_counter()
            m = train_model(w.history, seed=seed, learner=learner, cv=3 if learner == "auto" else 0)
            fit = time.perf_counter() - t0
            s = score_households(m, h, p, reasons=False)
            g = gains_for_pairs(m, h, pairs)
            print(f"| {seed} | {len(w.history)} | {learner} | {m.learner_} | "
                  f"{spearmanr(s['score'], cap)[0]:.3f} | {np.abs(s['p_exit_base'] - p0).mean():.3f} | "
                  f"{pearsonr(g['gain'], tg)[0]:.3f} | {np.abs(g['gain'] - tg).mean():.3f} | {fit:.1f} |")


def _ipw_gain(y, d, p, pi) -> float:
    """Exits added per household by treating where pi=1 (vs nobody), IPW with known p."""
    return float(np.mean(y * pi * (d / p - (1 - d) / (1 - p))))


def _trial(name, hist, y, d, p, reps: int = 20) -> list[str]:
    rows = []
    n = len(hist)
    for learner in ("auto", "s", "logistic_x"):
        res = {0.2: [], 0.3: []}
        rnd = {0.2: [], 0.3: []}
        for r in range(reps):
            rng = np.random.default_rng(r)
            tr = rng.permutation(n) < n // 2
            m = train_model(hist[tr].reset_index(drop=True), seed=r, learner=learner,
                            cv=3 if learner == "auto" else 0)
            P = m.predict_proba_all(hist[~tr].reset_index(drop=True))
            kind = hist["intervention"][hist["intervention"] != "none"].iloc[0]
            gain = (P[f"p_{kind}"] - P["p_none"]).to_numpy()
            yt, dt, pt = y[~tr], d[~tr], p[~tr]
            for q in (0.2, 0.3):
                k = int(round(q * len(gain)))
                pi = np.zeros(len(gain))
                pi[np.argsort(-gain, kind="stable")[:k]] = 1
                res[q].append(_ipw_gain(yt, dt, pt, pi))
                rnd[q].append(q * _ipw_gain(yt, dt, pt, np.ones(len(gain))))
        for q in (0.2, 0.3):
            a, b = np.array(res[q]) * 1000, np.array(rnd[q]) * 1000
            rows.append(f"| {name} | {learner} | top {int(q * 100)}% | {a.mean():.1f} ± {a.std() / np.sqrt(reps):.1f} "
                        f"| {b.mean():.1f} | {(a - b).mean():+.1f} |")
    return rows


def bench_trials(reps: int = 20) -> None:
    print("\n### Randomized trials: exits added per 1,000 households by targeting vs random "
          f"(random half train, other half IPW; mean ± s.e. over {reps} splits)\n")
    print("| trial | learner | share targeted | exits added, targeted | random, same size | difference |")
    print("|---|---|---|---|---|---|")
    jt = SHARED / "jtpa" / "jtpa_kt.tab"
    if jt.exists():
        j = pd.read_csv(jt, sep="\t")
        y = (j["earnings"] > j["earnings"].median()).astype(int).to_numpy()
        d = j["D"].to_numpy()
        hist = pd.DataFrame({"prevearn": j["prevearn"], "edu": j["edu"],
                             "intervention": np.where(d == 1, "vocational", "none"),
                             "sustained_exit": y})
        for r in _trial("JTPA (exit = 30-month earnings above median)", hist, y, d,
                        np.full(len(j), 2 / 3), reps):
            print(r)
    else:
        print(f"| JTPA | skipped: {jt} not found | | | | |")
    gr = SHARED / "graduation" / "lasting_progress.csv"
    if gr.exists():
        g = pd.read_csv(gr).dropna(subset=["ctotal_pcmonth_bsl", "ctotal_pcmonth_end"]).reset_index(drop=True)
        line = g.groupby("country")["ctotal_pcmonth_bsl"].transform("median")
        y = (g["ctotal_pcmonth_end"] > line).astype(int).to_numpy()
        d = (g["treatment"] == "Treatment").astype(int).to_numpy()
        p = pd.Series(d).groupby(g["country"]).transform("mean").to_numpy()
        hist = pd.DataFrame({"country": g["country"], "consumption_bsl": g["ctotal_pcmonth_bsl"],
                             "intervention": np.where(d == 1, "livestock", "none"),
                             "sustained_exit": y})
        for r in _trial("Graduation (exit = endline consumption above country baseline median)",
                        hist, y, d, p, reps):
            print(r)
    else:
        print(f"| Graduation | skipped: {gr} not found | | | | |")


def bench_speed(n_score: int = 1_000_000, n_train: int = 100_000) -> None:
    from targeting.synth.heldout import make_history, make_households

    print("\n### Speed (this machine, 1 thread)\n")
    print("| task | rows | seconds |")
    print("|---|---|---|")
    hist = make_history(n_train, seed=0)
    t0 = time.perf_counter()
    m = train_model(hist, seed=0)
    print(f"| train (auto: CV of 5 learners on 30,000 rows, final fit on all; chose {m.learner_}) "
          f"| {n_train:,} | {time.perf_counter() - t0:.1f} |")
    h = make_households(n_score, seed=1, communes=200)
    projects = pd.DataFrame({
        "project_id": [f"P{c}-{k}" for c in range(200) for k in range(3)],
        "commune_id": [f"C{c}" for c in range(200) for k in range(3)],
        "name": "x", "kind": ["livestock", "vocational", "crop"] * 200, "village": "",
        "cooperative_id": "", "cost_vnd": 1_000_000, "slots": 10,
        "requires_working_age": [0, 1, 0] * 200, "min_land_m2": [np.nan, np.nan, 500.0] * 200,
        "eligible": "any",
    })
    import os

    models = {f"auto ({m.learner_})": m,
              "logistic": train_model(hist, seed=0, learner="logistic", cv=0)}
    for name, mm in models.items():
        t0 = time.perf_counter()
        mm.predict_proba_all(h)
        print(f"| {name}: predict_proba_all (7 arms) | {n_score:,} | {time.perf_counter() - t0:.1f} |")
        t0 = time.perf_counter()
        score_households(mm, h, projects)
        print(f"| {name}: score_households with EN/VI reasons | {n_score:,} | "
              f"{time.perf_counter() - t0:.1f} |")
        pairs = eligible_pairs(h, projects)
        t0 = time.perf_counter()
        gains_for_pairs(mm, h, pairs)
        print(f"| {name}: gains_for_pairs | {len(pairs):,} pairs | {time.perf_counter() - t0:.1f} |")
    print(f"\nLoad average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other jobs share the machine).")


if __name__ == "__main__":
    parts = sys.argv[1:] or ["synth", "trials", "speed"]
    assert set(parts) <= {"synth", "trials", "speed"}, parts
    print(f"Arms: {', '.join(INTERVENTIONS)}")
    if "synth" in parts:
        bench_synth()
    if "trials" in parts:
        bench_trials()
    if "speed" in parts:
        bench_speed()
