"""Scoring speed of the bundled (default) model on a large synthetic register.

    python benchmarks/bench_score_speed.py --households 1000000
"""

from __future__ import annotations

import argparse
import time
import warnings

from targeting import synth
from targeting.config import bundled_model
from targeting.scoring import load_model, score_households


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1_000_000)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    w = synth.make_world(seed=0, communes=max(1, args.households // 1400), households=args.households,
                         history_factor=0.01)
    h = w.households
    m = load_model(bundled_model())
    t = time.perf_counter()
    m.predict_proba_all(h)
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    score_households(m, h, w.projects)
    t2 = time.perf_counter() - t
    print(f"{len(h):,} households, model {m.card_.get('estimator')}: predict_proba_all {t1:.1f} s, "
          f"score_households (with reasons) {t2:.1f} s")


if __name__ == "__main__":
    main()
