"""Huge inputs against the reading limits: time and peak memory of `targeting validate`.

Each case is a scenario folder checked by ``targeting validate`` in a child process; the child's
peak resident memory comes from ``wait4`` (what ``/usr/bin/time -v`` reports as "Maximum resident
set size"). Cases:

* the national register (1.26 million households, ``targeting.synth`` as in bench_dask.py) as CSV;
* the same register as XLSX (more rows than a sheet can hold in Excel, 1,048,576; written part by
  part) - refused before unpacking by the workbook limit;
* XLSX read speed: the first N households as households.xlsx, read under a raised limit;
* a history of about 200 MB (the synthetic history's rows repeated under new ids);
* a zip bomb: a households.xlsx of a few MB whose sheet unpacks to about 1 GB;
* a households.xlsx with the tiny scenario's rows and then a million formatted empty rows.

    python benchmarks/bench_faults.py --work /tmp/bench_faults             # everything
    python benchmarks/bench_faults.py --work /tmp/bench_faults --cases bomb,styled

The folder ``--work`` keeps the generated files between runs (the national world takes minutes).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import (  # noqa: E402
    empty_styled_row,
    frame_as_xlsx_rows,
    raw_xlsx,
    tiny_tables,
    write_tables,
    xlsx_row,
)

NATIONAL = 1_260_000
HH_PER_COMMUNE = 380
CASES = ("national_csv", "national_xlsx", "xlsx_speed", "history", "bomb", "styled")


def measure_rss(args: list[str], env: dict | None = None) -> dict:
    """Run ``targeting ARGS`` in a child: its exit status, seconds, CPU seconds (user + system:
    what the run costs on a machine shared with other jobs), peak RSS (MB, from ``wait4``) and
    its last two lines on stderr."""
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "targeting", *args], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    err = b""
    # stderr is small (messages); read it while the child runs so it never blocks on a full pipe
    for chunk in iter(lambda: p.stderr.read(65536), b""):
        err += chunk
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return {"exit": p.returncode, "seconds": round(seconds, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "peak_mb": round(usage.ru_maxrss / 1024),
            "said": " | ".join(lines[-2:])[:300] if lines else ""}


def national(work: Path) -> Path:
    folder = work / "national"
    if not (folder / "households.csv").exists():
        from targeting.synth import make_world, write_world

        t = time.perf_counter()
        world = make_world(seed=0, households=NATIONAL, communes=round(NATIONAL / HH_PER_COMMUNE),
                           history_factor=0.05)
        write_world(world, folder, force=True)
        print(f"  generated the national world in {time.perf_counter() - t:.0f} s", flush=True)
    return folder


def copy_scenario(src: Path, dst: Path, skip: tuple[str, ...] = ()) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for f in src.iterdir():
        if f.name not in skip:
            (dst / f.name).symlink_to(f.resolve())  # inputs are only read
    return dst


def csv_rows_as_xlsx(path: Path, limit: int | None = None):
    with open(path, encoding="utf-8", newline="") as f:
        for i, row in enumerate(itertools.islice(csv.reader(f), None if limit is None else limit + 1), start=1):
            yield xlsx_row(i, row)


def tiny(work: Path) -> Path:
    folder = work / "tiny"
    write_tables(folder, tiny_tables())
    return folder


def run(case: str, work: Path) -> dict:
    size = lambda p: round(p.stat().st_size / 1e6, 1)  # noqa: E731
    if case == "national_csv":
        folder = national(work)
        r = measure_rss(["validate", str(folder)])
        return {**r, "file_mb": size(folder / "households.csv")}
    if case == "national_xlsx":
        src = national(work)
        folder = copy_scenario(src, work / "national_xlsx", skip=("households.csv",))
        book = folder / "households.xlsx"
        t = time.perf_counter()
        raw_xlsx(book, "households", csv_rows_as_xlsx(src / "households.csv"), level=1)
        print(f"  wrote {book.name} in {time.perf_counter() - t:.0f} s", flush=True)
        return {**measure_rss(["validate", str(folder)]), "file_mb": size(book)}
    if case == "xlsx_speed":
        src = national(work)
        out = {}
        for n in (20_000, 50_000):
            folder = copy_scenario(src, work / f"xlsx_{n}", skip=("households.csv", "history.csv"))
            book = folder / "households.xlsx"
            raw_xlsx(book, "households", csv_rows_as_xlsx(src / "households.csv", limit=n), level=1)
            # other communes' rows are missing: validate reports no problem for that; the time is reading
            r = measure_rss(["validate", str(folder)], env={"TARGETING_MAX_XLSX_MB": "100000"})
            import zipfile

            unpacked = sum(i.file_size for i in zipfile.ZipFile(book).infolist())
            out[n] = {**r, "file_mb": size(book), "unpacked_mb": round(unpacked / 1e6)}
        return out
    if case == "history":
        src = national(work)
        folder = copy_scenario(tiny(work), work / "history", skip=())
        hist = folder / "history.csv"
        with open(src / "history.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        hid = header.index("household_id")
        with open(hist, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            copy = 0
            while f.tell() < 200e6:
                for r in body:
                    r = list(r)
                    r[hid] = f"{r[hid]}-{copy}"
                    w.writerow(r)
                copy += 1
        return {**measure_rss(["validate", str(folder)]), "file_mb": size(hist)}
    if case == "bomb":
        folder = copy_scenario(tiny(work), work / "bomb", skip=("households.csv",))
        book = folder / "households.xlsx"
        h = tiny_tables()["households"]
        rows = itertools.chain(frame_as_xlsx_rows(h), (empty_styled_row(None, 16) for _ in range(7, 6_000_000)))
        t = time.perf_counter()
        raw_xlsx(book, "households", rows, level=9)
        print(f"  wrote the bomb in {time.perf_counter() - t:.0f} s", flush=True)
        import zipfile

        unpacked = sum(i.file_size for i in zipfile.ZipFile(book).infolist())
        return {**measure_rss(["validate", str(folder)]), "file_mb": size(book),
                "unpacked_mb": round(unpacked / 1e6)}
    if case == "styled":
        folder = copy_scenario(tiny(work), work / "styled", skip=("households.csv",))
        book = folder / "households.xlsx"
        h = tiny_tables()["households"]
        rows = itertools.chain(frame_as_xlsx_rows(h), (empty_styled_row(r, 3) for r in range(7, 1_000_007)))
        raw_xlsx(book, "households", rows)
        import zipfile

        unpacked = sum(i.file_size for i in zipfile.ZipFile(book).infolist())
        return {**measure_rss(["validate", str(folder)]), "file_mb": size(book),
                "unpacked_mb": round(unpacked / 1e6)}
    raise ValueError(case)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench_faults"))
    ap.add_argument("--cases", default=",".join(CASES))
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    for case in a.cases.split(","):
        print(f"{case}: {run(case, a.work)}  (load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
