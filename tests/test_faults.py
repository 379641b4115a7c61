"""Faults of the machinery, tried for real: two runs writing one folder, a full disk, a killed run.

Each test here is a row of docs/robustness.md ("Faults of the machinery").
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from targeting.errors import DiskFullError, OutputInUseError
from targeting.output.files import hold_output, lock_path, write_folder_atomically

from .support import cli, digest

TARGETING = [sys.executable, "-m", "targeting"]


def _env() -> dict:
    # the subprocess runs this worktree's code, as the tests do
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _write_lock(out: Path, **info) -> Path:
    lock = lock_path(out)
    lock.write_text(json.dumps(info) + "\n", encoding="utf-8")
    return lock


def _leftovers(folder: Path, name: str) -> list[str]:
    """Temporary folders, old copies and locks of output ``name`` left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}"))


# --- two runs, one --out -------------------------------------------------------------------------

def test_a_live_lock_refuses_the_second_run(tiny, tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "allocation.csv").write_text("the other run's\n")
    before = digest(out)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = _write_lock(out, pid=other.pid, host=socket.gethostname(), time="2026-11-29T10:00:00+0000")
        r = cli("plan", tiny, "--out", out, "--strategy", "greedy", "--force", catch=True)
        assert r.exit_code == 1, r.output
        assert f"{out} is in use" in r.output and str(other.pid) in r.output
        assert "Traceback" not in r.output
        assert digest(out) == before  # the other run's folder is left alone
        assert lock.exists()  # and so is its lock
    finally:
        other.kill()
        other.wait()


def test_a_stale_lock_is_taken_over_and_released(tiny, tmp_path):
    out = tmp_path / "plan"
    lock = _write_lock(out, pid=_dead_pid(), host=socket.gethostname(), time="2026-11-29T10:00:00+0000")
    r = cli("plan", tiny, "--out", out, "--strategy", "greedy", catch=True)
    assert r.exit_code == 0, r.output
    assert (out / "allocation.csv").exists()
    assert not lock.exists()
    assert _leftovers(tmp_path, "plan") == []


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    out = tmp_path / "model"
    _write_lock(out, pid=_dead_pid(), host="another-machine.invalid", time="2026-11-29T10:00:00+0000")
    with pytest.raises(OutputInUseError, match="another-machine.invalid"):
        write_folder_atomically(out, lambda tmp: (tmp / "x").write_text("x"))
    assert not out.exists()


def test_an_unreadable_lock_is_respected(tmp_path):
    out = tmp_path / "review"
    lock_path(out).write_bytes(b"\x00garbage")
    with pytest.raises(OutputInUseError, match="remove .*lock"):
        write_folder_atomically(out, lambda tmp: (tmp / "x").write_text("x"))


def test_lock_is_reentrant_within_a_run_and_released_on_error(tmp_path):
    out = tmp_path / "plan"
    lock = lock_path(out)
    with hold_output(out):
        assert lock.exists()
        write_folder_atomically(out, lambda tmp: (tmp / "a").write_text("a"))  # the same run
        assert lock.exists()

        def fail(tmp):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            write_folder_atomically(out, fail, force=True)
        assert lock.exists()
    assert not lock.exists()
    assert (out / "a").read_text() == "a"
    assert _leftovers(tmp_path, "plan") == []


@pytest.mark.parametrize("args", [
    ["plan", "{missing}", "--out", "{out}"],  # bad input: exit 2
    ["train", "{missing}", "--out", "{out}"],
    ["review", "{missing}", "--after", "{missing}", "--out", "{out}"],
    ["compare", "{missing}", "--out", "{out}"],
])
def test_lock_released_on_bad_input(tmp_path, args):
    out = tmp_path / "new" / "folders" / "out"
    r = cli(*[a.format(missing=tmp_path / "missing", out=out) for a in args], catch=True)
    assert r.exit_code == 2, r.output
    assert list(tmp_path.iterdir()) == []  # no lock, and no folder made for it


@pytest.mark.slow
def test_two_runs_with_the_same_out_at_once(tmp_path):
    """Run A holds the folder; run B with --force starts while A works and fails naming the folder;
    A's folder is whole; no lock or temporary folder is left."""
    out = tmp_path / "plan"
    lock = lock_path(out)
    args = [*TARGETING, "plan", "--out", str(out), "--force", "--strategy", "greedy", "-q"]
    a = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    t0 = time.monotonic()
    while not lock.exists() and a.poll() is None and time.monotonic() - t0 < 60:
        time.sleep(0.02)
    assert lock.exists(), "run A never took the lock"
    assert json.loads(lock.read_text())["pid"] == a.pid
    # A is paused while B runs, so B meets A's lock however quick A would be (on an idle machine
    # A's greedy plan finished before B's interpreter started, and the test proved nothing)
    a.send_signal(signal.SIGSTOP)
    try:
        b = subprocess.run(args, capture_output=True, text=True, env=_env(), timeout=120)
        a_running = a.poll() is None
    finally:
        a.send_signal(signal.SIGCONT)
    a_out, a_err = a.communicate(timeout=300)
    assert a_running, "run A finished before run B asked for the lock: the test proved nothing"
    assert b.returncode == 1, b.stderr
    assert f"{out} is in use" in b.stderr and f"process {a.pid}" in b.stderr
    assert "Traceback" not in b.stderr
    assert a.returncode == 0, a_err
    assert sorted(p.name for p in out.iterdir()) == [
        "allocation.csv", "beneficiaries.xlsx", "plan.json", "report.html", "summary.csv"]
    assert _leftovers(tmp_path, "plan") == []


@pytest.mark.slow
def test_lock_released_after_sigkill_is_taken_over(tmp_path):
    """A run killed with SIGKILL leaves its lock; the next run on this host takes it over."""
    out = tmp_path / "plan"
    lock = lock_path(out)
    args = [*TARGETING, "plan", "--out", str(out), "--strategy", "greedy", "-q"]
    a = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    t0 = time.monotonic()
    while not lock.exists() and time.monotonic() - t0 < 60:
        time.sleep(0.02)
    a.kill()
    a.wait()
    assert lock.exists()
    b = subprocess.run(args, capture_output=True, text=True, env=_env(), timeout=300)
    assert b.returncode == 0, b.stderr
    assert (out / "allocation.csv").exists()
    assert _leftovers(tmp_path, "plan") == []


# --- a full disk --------------------------------------------------------------------------------

def _no_space(*a, **k):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_writing_the_plan(tiny, tmp_path, monkeypatch):
    import targeting.plan

    out = tmp_path / "plan"
    assert cli("plan", tiny, "--out", out, "--strategy", "greedy").exit_code == 0
    before = digest(out)
    # the report is written last, after the lists are in the temporary folder
    monkeypatch.setattr(targeting.plan, "write_report", _no_space)
    r = cli("plan", tiny, "--out", out, "--strategy", "greedy", "--force", catch=True)
    assert r.exit_code == 1, r.output
    assert f"{out}: disk full while writing it" in r.output
    assert "Traceback" not in r.output
    assert digest(out) == before
    assert _leftovers(tmp_path, "plan") == []


def test_disk_full_wrapped_by_a_library_is_recognised(tmp_path):
    def write(tmp):
        try:
            _no_space()
        except OSError as e:
            raise RuntimeError("zip writer failed") from e

    with pytest.raises(DiskFullError, match="disk full"):
        write_folder_atomically(tmp_path / "m", write)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_while_writing_a_table(tmp_path, monkeypatch):
    import pandas as pd

    from targeting.output.files import write_table_atomically

    out = tmp_path / "scores.csv"
    out.write_text("old\n")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _no_space)
    with pytest.raises(DiskFullError, match="scores.csv: disk full"):
        write_table_atomically(pd.DataFrame({"a": [1]}), out, force=True)
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def _can_mount_tmpfs() -> str | None:
    if shutil.which("unshare") is None:
        return "unshare(1) is not installed"
    r = subprocess.run(["unshare", "-rm", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot mount a tmpfs in a private mount namespace here: {r.stderr.strip()}"
    return None


@pytest.mark.slow
def test_disk_full_on_a_real_small_tmpfs(tmp_path):
    """A tmpfs a little larger than one plan folder: replacing the folder needs room for two."""
    why = _can_mount_tmpfs()
    if why:
        pytest.skip(why)
    old = tmp_path / "old"
    r = subprocess.run([*TARGETING, "plan", "--out", str(old), "--strategy", "greedy", "-q"],
                       capture_output=True, text=True, env=_env(), timeout=300)
    assert r.returncode == 0, r.stderr
    size_k = sum(p.stat().st_size for p in old.iterdir()) // 1024
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "plan"
    # the mount exists only in the private namespace of this shell: nothing to clean up
    script = textwrap.dedent(f"""\
        set -e
        mount -t tmpfs -o size={size_k + size_k // 2 + 64}k tmpfs {disk}
        cp -r {old} {out}
        set +e
        {' '.join(TARGETING)} plan --out {out} --strategy greedy -q --force 2>{tmp_path}/err
        echo "rc=$?"
        sha256sum {out}/*
        ls -a {disk}
        """)
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True,
                       env=_env(), timeout=300)
    err = (tmp_path / "err").read_text()
    assert "rc=1" in r.stdout, (r.stdout, r.stderr, err)
    assert f"{out}: disk full while writing it" in err
    assert "Traceback" not in err
    # the old folder is whole and unchanged; no temporary folder or lock is left on the tmpfs
    import hashlib
    for p in old.iterdir():
        assert f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {out}/{p.name}" in r.stdout
    listing = r.stdout.split(f"{out}/summary.csv\n", 1)[1].split()
    assert listing == [".", "..", "plan"], r.stdout


# --- an interrupted training ---------------------------------------------------------------------

@pytest.mark.slow
def test_sigterm_during_train_leaves_no_model_folder(tmp_path):
    from targeting.synth import make_world, write_world

    world = write_world(make_world(seed=1, communes=3, households=1500, history_factor=6), tmp_path / "w")
    out = tmp_path / "model"
    p = subprocess.Popen([*TARGETING, "train", str(world / "history.csv"), "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    lock = lock_path(out)
    t0 = time.monotonic()
    while not lock.exists() and p.poll() is None and time.monotonic() - t0 < 60:
        time.sleep(0.02)
    time.sleep(1.5)  # reading done; training under way
    assert p.poll() is None, "training finished before it could be interrupted"
    p.send_signal(15)
    t = time.monotonic()
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted; nothing was written" in err
    assert "Traceback" not in err
    assert time.monotonic() - t < 30
    assert not out.exists()
    assert _leftovers(tmp_path, "model") == []


# --- a Dask cluster losing its workers or its scheduler -------------------------------------------

SOLVE_TASKS = ("_solve_group-", "_solve_commune-")
PLAN_TASKS = ("_gains_task-", "_score_task-", *SOLVE_TASKS)


class Cluster:
    """A scheduler and two worker processes (no nanny: a killed worker stays dead) on 127.0.0.1,
    each its own process, so that any of them can be SIGKILLed."""

    def __init__(self, folder: Path, workers: int = 2):
        distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
        dask = Path(sys.executable).parent / "dask"
        if not dask.exists():
            pytest.skip("the dask command line is not installed")
        sf = folder / "scheduler.json"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": _env()}
        self.scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                           "--no-dashboard", "--scheduler-file", str(sf)], **quiet)
        self.workers: list[subprocess.Popen] = []
        try:
            t0 = time.monotonic()
            while not sf.exists() or not sf.read_text().strip().endswith("}"):
                assert time.monotonic() - t0 < 60, "the scheduler did not start"
                time.sleep(0.1)
            self.workers = [subprocess.Popen([str(dask), "worker", "--no-nanny", "--nthreads", "1",
                                              "--no-dashboard", "--scheduler-file", str(sf)], **quiet)
                            for _ in range(workers)]
            self.client = distributed.Client(scheduler_file=str(sf), timeout=30)
            self.client.wait_for_workers(workers, timeout=60)
        except BaseException:
            self.close()
            raise
        self.address = self.client.scheduler.address
        self.pids = self.client.run(os.getpid)  # worker address -> pid

    def processing(self) -> dict[str, list[str]]:
        return {w: [str(k) for k in keys] for w, keys in self.client.processing().items()}

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            try:
                client.close(timeout=2)
            except Exception:
                pass
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait()


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


@pytest.fixture(scope="module")
def dask_world(tmp_path_factory):
    """Two groups of communes sharing no cooperative and more pairs than the split's threshold:
    the optimal plan sends one solve task per group. The bundled model (no history.csv); a 1%
    gap, so that every solve stops on its gap, never on the clock (deterministic)."""
    from targeting.synth import make_world, write_world

    path = write_world(make_world(seed=3, communes=12, households=9000, history_factor=0.05),
                       tmp_path_factory.mktemp("dask_world") / "scenario")
    (path / "history.csv").unlink()
    toml = (path / "scenario.toml").read_text()
    toml = toml.replace("relative_gap = 0.005", "relative_gap = 0.01").replace("time_limit_s = 60",
                                                                                "time_limit_s = 600")
    (path / "scenario.toml").write_text(toml)
    return path


def _plan_on(cluster: Cluster, world: Path, out: Path, when: tuple[str, ...], kill) -> tuple:
    """Plan ``world`` on ``cluster`` in a subprocess; the first time a task named ``when`` runs,
    call ``kill(worker address)``. Returns (process, stderr, the task killed, seconds from kill to exit)."""
    p = subprocess.Popen([*TARGETING, "plan", str(world), "--out", str(out), "-q", "--engine", "dask",
                          "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=_env())
    killed = None
    t_kill = None
    try:
        while p.poll() is None and killed is None:
            for w, keys in cluster.processing().items():
                hit = [k for k in keys if k.startswith(when)]
                if hit:
                    kill(w)
                    killed, t_kill = hit[0], time.monotonic()
                    break
            time.sleep(0.01)
        _, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    return p, err, killed, None if t_kill is None else time.monotonic() - t_kill


def _plan_json(folder: Path) -> dict:
    """plan.json without its timings."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if "seconds" not in k}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(json.loads((folder / "plan.json").read_text()))


def _sigkill(pid: int) -> None:
    os.kill(pid, 9)


@pytest.mark.slow
def test_worker_killed_mid_solve_the_plan_is_the_local_plan(cluster, dask_world, tmp_path):
    local = tmp_path / "local"
    r = subprocess.run([*TARGETING, "plan", str(dask_world), "--out", str(local), "-q"],
                       capture_output=True, text=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "dask"
    p, err, killed, _ = _plan_on(cluster, dask_world, out, SOLVE_TASKS, lambda w: _sigkill(cluster.pids[w]))
    assert killed is not None, "no solve task was seen running: the test proved nothing"
    print(f"worker killed while {killed} ran")
    assert p.returncode == 0, err
    assert sum(w.poll() is not None for w in cluster.workers) == 1  # one worker is dead
    for f in ("allocation.csv", "summary.csv"):
        assert (out / f).read_bytes() == (local / f).read_bytes(), f
    assert _plan_json(out) == _plan_json(local)
    assert json.loads((out / "plan.json").read_text())["details"]["decomposition"]["components"] == 2


@pytest.mark.slow
def test_every_worker_killed_mid_plan_fails_naming_the_cluster(cluster, dask_world, tmp_path):
    from targeting.engine import NO_WORKERS_TIMEOUT_S

    out = tmp_path / "plan"

    def kill_all(_):
        for pid in cluster.pids.values():
            _sigkill(pid)

    p, err, killed, seconds = _plan_on(cluster, dask_world, out, PLAN_TASKS, kill_all)
    assert killed is not None
    assert p.returncode == 1, err
    # either the tasks' data died with the workers (at once) or no worker came back (after the wait)
    assert f"the Dask cluster at {cluster.address}" in err
    assert "no worker left (every worker died or left)" in err or "has had no worker for" in err
    assert "Traceback" not in err
    print(f"every worker killed: exit {p.returncode} {seconds:.1f} s after the kill")
    assert seconds < NO_WORKERS_TIMEOUT_S + 30
    assert not out.exists()
    assert _leftovers(tmp_path, "plan") == []


@pytest.mark.slow
def test_scheduler_killed_mid_plan_fails_at_once(cluster, dask_world, tmp_path):
    out = tmp_path / "plan"
    p, err, killed, seconds = _plan_on(cluster, dask_world, out, PLAN_TASKS,
                                       lambda _: cluster.scheduler.kill())
    assert killed is not None
    assert p.returncode == 1, err
    assert f"lost the Dask scheduler at {cluster.address} mid-run" in err
    assert "Traceback" not in err
    print(f"scheduler killed: exit {p.returncode} {seconds:.1f} s after the kill")
    assert seconds < 30
    assert not out.exists()
    assert _leftovers(tmp_path, "plan") == []


# --- huge inputs: the reading limits, lowered (benchmarks/bench_faults.py measures the real sizes) --

@pytest.mark.slow
def test_a_file_over_the_size_limit_is_refused_before_reading(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("TARGETING_MAX_FILE_MB", "0.0003")  # 300 bytes: households.csv is larger
    r = cli("validate", tiny, catch=True)
    assert r.exit_code == 2, r.output
    assert "households.csv: is " in r.output and "the limit is 0.0003 MB" in r.output
    assert "TARGETING_MAX_FILE_MB" in r.output
    out = tmp_path / "plan"
    r = cli("plan", tiny, "--out", out, catch=True)
    assert r.exit_code == 2 and not out.exists() and "Traceback" not in r.output


def test_a_bad_limit_setting_is_exit_2(tiny, monkeypatch):
    monkeypatch.setenv("TARGETING_MAX_XLSX_MB", "lots")
    r = cli("validate", tiny, catch=True)
    assert r.exit_code == 2, r.output
    assert "TARGETING_MAX_XLSX_MB must be a number of megabytes" in r.output


def _households_xlsx(folder: Path, empty_rows: int, columns: int, level: int = 6, numbered: bool = True) -> Path:
    import itertools

    from .support import empty_styled_row, frame_as_xlsx_rows, raw_xlsx, tiny_tables

    (folder / "households.csv").unlink()
    rows = itertools.chain(frame_as_xlsx_rows(tiny_tables()["households"]),
                           (empty_styled_row(r if numbered else None, columns) for r in range(7, 7 + empty_rows)))
    return raw_xlsx(folder / "households.xlsx", "households", rows, level=level)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tiny, tmp_path, monkeypatch):
    import tracemalloc
    import zipfile

    book = _households_xlsx(tiny, 40_000, 16, level=9, numbered=False)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(book).infolist())
    assert unpacked > 200 * book.stat().st_size  # a bomb in miniature: 7 MB from a few KB
    monkeypatch.setenv("TARGETING_MAX_XLSX_MB", "2")
    tracemalloc.start()
    t = time.perf_counter()
    r = cli("validate", tiny, catch=True)
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.exit_code == 2, r.output
    assert "households.xlsx: unpacks to" in r.output and "the limit is 2 MB" in r.output
    assert seconds < 5 and peak < unpacked / 4  # refused from the zip's directory, not by unpacking it
    # the same workbook given as the meeting's decisions
    out = tmp_path / "plan"
    shutil.copy(book, tmp_path / "decisions.xlsx")
    (tiny / "households.xlsx").unlink()
    from .support import tiny_tables, write_tables

    write_tables(tiny, {"households": tiny_tables()["households"]})
    r = cli("plan", tiny, "--out", out, "--decisions", tmp_path / "decisions.xlsx", catch=True)
    assert r.exit_code == 2, r.output
    assert "decisions.xlsx: unpacks to" in r.output and not out.exists()


@pytest.mark.slow
def test_formatted_empty_rows_are_skipped_before_openpyxl(tiny):
    import io
    import zipfile

    from targeting.data.files import read_table_file, without_empty_rows

    book = _households_xlsx(tiny, 20_000, 3)
    data = book.read_bytes()
    slim = without_empty_rows(data, "households")
    sheet = zipfile.ZipFile(io.BytesIO(slim)).read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row") == 6  # the header and the five households
    assert len(sheet) < 20_000
    frame, raw = read_table_file(book, sheet="households")
    assert raw == data
    assert frame["household_id"].tolist() == ["h1", "h2", "h3", "h4", "h5"]
    r = cli("validate", tiny, catch=True)
    assert r.exit_code == 0, r.output
    assert "5 households" in r.output


def _sleep_then_double(x):
    import time

    time.sleep(2)
    return 2 * x


@pytest.mark.slow
def test_no_worker_left_with_tasks_waiting_gives_up_after_the_timeout(cluster):
    """Tasks that share no data wait for a worker rather than fail; the engine gives up after
    ``no_workers_timeout`` with no worker, naming the cluster, instead of waiting for ever."""
    import threading

    from targeting.engine import DaskEngine
    from targeting.errors import EngineError

    with DaskEngine(cluster.address, no_workers_timeout=3) as eng:
        def kill_all():
            t0 = time.monotonic()
            while not any(cluster.processing().values()) and time.monotonic() - t0 < 30:
                time.sleep(0.05)
            for pid in cluster.pids.values():
                _sigkill(pid)

        killer = threading.Thread(target=kill_all)
        killer.start()
        t = time.monotonic()
        with pytest.raises(EngineError, match=f"the Dask cluster at {cluster.address} has had no worker for 3 s"):
            eng.map(_sleep_then_double, list(range(4)))
        killer.join()
        assert time.monotonic() - t < 30
