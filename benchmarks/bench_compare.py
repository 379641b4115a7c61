"""How long ``targeting compare`` takes, end to end, as a designer runs it (issue 16, part 4).

Three timings, each the wall-clock time of the command in a fresh process (reading, training or
loading the model, scoring, every solve, writing):

1. ``compare`` with the default strategies and the budget curve on the bundled sample;
2. the same on a synthetic scenario of about 5,000 households with about 15,000 history rows
   (``targeting synth --households 5000 --history-factor 3``; the model is trained on it);
3. a 10-value sweep (``--sweep min_ethnic_minority_share=0,0.1,...,0.9``) on the bundled sample,
   as a multiple of (1).

``--code DIR`` runs another checkout of the package (e.g. the commit before this work, unpacked
with ``git archive COMMIT | tar -x -C DIR``), so that before and after are measured in one run, in
turn, on the same machine. The load average is printed with every figure: the machine is shared.

    python benchmarks/bench_compare.py                      # this checkout
    python benchmarks/bench_compare.py --code /tmp/before   # another checkout, then this one
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SAMPLE = HERE / "data_samples" / "thai_nguyen"
SWEEP = "min_ethnic_minority_share=" + ",".join(f"{v / 10:g}" for v in range(10))


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run(code: Path, args: list[str], out: Path) -> float:
    """Seconds ``targeting ARGS --out OUT`` takes with the package at ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "targeting", *args, "--out", str(out), "--force"],
                       env=env, capture_output=True, text=True, cwd=code)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"targeting {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return seconds


def has_sweep(code: Path) -> bool:
    env = {**os.environ, "PYTHONPATH": str(code)}
    r = subprocess.run([sys.executable, "-m", "targeting", "compare", "--help"], env=env,
                       capture_output=True, text=True, cwd=code)
    return "--sweep" in r.stdout


def bench(code: Path, big: Path, work: Path, which: set[str]) -> dict:
    res = {}
    if "sample" in which:
        res["sample"] = (run(code, ["compare", str(SAMPLE)], work / "sample"), load())
        print(f"  compare, bundled sample: {res['sample'][0]:.1f} s (load {res['sample'][1]})", flush=True)
    if "big" in which:
        res["big"] = (run(code, ["compare", str(big)], work / "big"), load())
        print(f"  compare, 5,000 households / 15,000 history rows: {res['big'][0]:.1f} s "
              f"(load {res['big'][1]})", flush=True)
    if "sweep" in which and has_sweep(code):
        res["sweep"] = (run(code, ["compare", str(SAMPLE), "--sweep", SWEEP], work / "sweep"), load())
        ratio = res["sweep"][0] / res["sample"][0] if "sample" in res else float("nan")
        print(f"  compare --sweep (10 values), bundled sample: {res['sweep'][0]:.1f} s = {ratio:.2f} x "
              f"one comparison (load {res['sweep'][1]})", flush=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", type=Path, action="append", default=[],
                    help="Another checkout to time first (repeatable).")
    ap.add_argument("--big", type=Path, default=None, help="The 5,000-household scenario (made if absent).")
    ap.add_argument("--only", default="sample,big,sweep", help="Which timings (comma-separated).")
    a = ap.parse_args()
    which = set(a.only.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = a.big or tmp / "big"
        if "big" in which and not big.exists():
            subprocess.run([sys.executable, "-m", "targeting", "synth", "--out", str(big), "--households", "5000",
                            "--history-factor", "3"], env={**os.environ, "PYTHONPATH": str(HERE)}, check=True)
        for code in [*a.code, HERE]:
            print(f"{code} (load before {load()}):", flush=True)
            work = tmp / code.name
            work.mkdir(exist_ok=True)
            bench(code.resolve(), big, work, which)


if __name__ == "__main__":
    main()
