"""Digest every output of the command line on fixed inputs, to check a refactoring changes none.

Runs ``targeting`` (plan, compare, score, train, classify, synth) on the bundled sample and on
two synthetic scenarios, then prints one line per output file: its name and a sha256 of its
content. Fields that measure time (``seconds`` in plan.json and the solver statistics) are left
out; a workbook is digested sheet by sheet (openpyxl stamps the time it was written into
``docProps/core.xml``). Everything else must match byte for byte.

    python benchmarks/snapshot_outputs.py --out before.txt     # on the old code
    python benchmarks/snapshot_outputs.py --out after.txt      # on the new code
    diff before.txt after.txt                                   # empty: nothing changed
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

TIME_KEY = re.compile(r"(seconds|_s$|^seconds$|wall_time)")


def _drop_times(obj):
    if isinstance(obj, dict):
        return {k: _drop_times(v) for k, v in obj.items() if not TIME_KEY.search(k)}
    if isinstance(obj, list):
        return [_drop_times(v) for v in obj]
    return obj


def digest(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".json":
        data = json.dumps(_drop_times(json.loads(data)), sort_keys=True).encode()
    elif path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            parts = [n for n in sorted(z.namelist()) if not n.startswith("docProps/")]
            data = b"".join(n.encode() + z.read(n) for n in parts)
    elif path.suffix == ".skops":
        # skops names its arrays and objects by object id (a memory address): number the ids in
        # the order the schema first names them, and digest the schema and the arrays that way
        with zipfile.ZipFile(path) as z:
            schema = z.read("schema.json").decode()
            ids = list(dict.fromkeys(re.findall(r"\d{6,}", schema)))
            number = {x: f"id{i}" for i, x in enumerate(ids)}
            data = re.sub(r"\d{6,}", lambda m: number[m.group()], schema).encode()
            data += b"".join(z.read(f"{x}.npy") for x in ids if f"{x}.npy" in z.namelist())
    elif path.suffix == ".csv":
        frame = data.decode("utf-8-sig").splitlines()
        if frame and "solve_seconds" in frame[0].split(","):
            j = frame[0].split(",").index("solve_seconds")
            frame = [",".join(c for i, c in enumerate(line.split(",")) if i != j) for line in frame]
            data = "\n".join(frame).encode()
    elif path.suffix == ".html":
        # the report prints the solve time in words ("1.04 s") and, in a comparison, as the last
        # cell of each strategy's row
        data = re.sub(rb"\d+(\.\d+)? s\b", b"T s", data)
        if (path.parent / "comparison.csv").exists():
            data = re.sub(rb'<td class="num">[0-9.]+</td></tr>', b"<td>T</td></tr>", data)
    return hashlib.sha256(data).hexdigest()[:16]


def run(*args: str) -> None:
    # a fixed hash seed: the order of a set of strings (in a saved model's schema, say) is
    # otherwise different in every process
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    r = subprocess.run([sys.executable, "-m", "targeting", *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"targeting {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        run("plan", "--out", str(t / "sample"))
        run("plan", "--out", str(t / "sample_greedy"), "--strategy", "greedy")
        for seed in (1, 2):
            w = t / f"world{seed}"
            run("synth", "--out", str(w), "--seed", str(seed), "--households", "900", "--communes", "3")
            run("plan", str(w), "--out", str(t / f"plan{seed}"))
            run("compare", str(w), "--out", str(t / f"compare{seed}"))
            run("train", str(w / "history.csv"), "--out", str(t / f"model{seed}"))
            run("score", str(w), "--model", str(t / f"model{seed}"), "--out", str(t / f"scores{seed}.csv"))
            run("classify", str(w / "households.csv"), "--standard", "vn-2022-2025",
                "--out", str(t / f"classified{seed}.csv"))
        for p in sorted(t.rglob("*")):
            if p.is_file():
                rel = p.relative_to(t)
                lines.append(f"{rel}  {digest(p)}")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} files digested into {args.out}")


if __name__ == "__main__":
    main()
