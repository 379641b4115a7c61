"""Scoring speed of the bundled (default) model on a large synthetic register.

    python benchmarks/bench_score_speed.py --households 1000000

It also times the explanations' "what if this column were typical" predictions both ways on the
same rows: the scorecard's quick replacement (bases built once) and the generic one (the whole
prediction again per column), and checks they agree.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from targeting import synth
from targeting.config import bundled_model
from targeting.scoring import load_model, score_households
from targeting.scoring.learners.common import replaced_generic


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
    Xe = m.features_.encode(h)
    arm = np.arange(len(h)) % 7
    cols = list(range(Xe.shape[1]))
    refs = [m.reference_[j] for j in cols]
    t = time.perf_counter()
    _, quick = m.estimator_.replaced_arm(Xe, arm, cols, refs)
    t3 = time.perf_counter() - t
    t = time.perf_counter()
    _, generic = replaced_generic(m.estimator_, Xe, arm, cols, refs)
    t4 = time.perf_counter() - t
    diff = max(float(np.abs(a - b).max()) for a, b in zip(quick, generic))
    print(f"every one of {len(cols)} columns set to its reference: quick {t3:.1f} s, generic {t4:.1f} s "
          f"({t4 / t3:.1f}x), largest difference {diff:.1e}")


if __name__ == "__main__":
    main()
