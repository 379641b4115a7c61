"""Where the web page keeps its work: one folder per register, plan, review and comparison.

Layout under ``--data`` (every folder is the one the command line writes or reads)::

    scenarios/<id>/     a scenario folder: `targeting plan DATA/scenarios/<id>` plans it
    plans/<id>/         a plan folder: `targeting review DATA/plans/<id> --after ...` reviews it
    reviews/<id>/       a review folder (`targeting review --out`)
    compares/<id>/      a comparison folder (`targeting compare --out`)
    jobs/<id>/          the job behind a plan or a comparison: job.json (state, steps, what was
                        asked) and its inputs (the meeting's workbook)

Ids are the time and a random part, so two tabs planning at once never share a folder; every
folder appears whole (written beside and renamed into place), so a reader sees it done or not at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, TargetingError

__all__ = ["Store", "Job", "KINDS", "valid_id"]

log = logging.getLogger(__name__)

KINDS = ("scenarios", "plans", "reviews", "compares", "jobs")
_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def valid_id(run_id: str) -> bool:
    """An id the store made (so it can never name a path outside its folder)."""
    return bool(_ID.match(run_id))


def new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def write_json_atomically(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Job:
    """A piece of work that runs in the background: a plan or a comparison."""

    id: str
    kind: str
    state: str  # running | done | failed | interrupted
    info: dict
    steps: list
    started: float
    finished: float | None = None
    error: str | None = None
    problems: list | None = None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started


class Store:
    """The folders under ``root`` and the jobs running in this process."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        for k in KINDS:
            (self.root / k).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}

    def folder(self, kind: str, run_id: str) -> Path | None:
        """The folder of ``run_id`` if it exists (None for an id the store could not have made)."""
        if kind not in KINDS or not valid_id(run_id):
            return None
        p = self.root / kind / run_id
        return p if p.is_dir() else None

    def reserve(self, kind: str) -> tuple[str, Path]:
        """A fresh id whose folder under ``kind`` does not exist yet (and is not claimed by a job)."""
        while True:
            run_id = new_id()
            job_dir = self.root / "jobs" / run_id
            try:
                job_dir.mkdir()  # the claim: atomic, so two requests in the same second get two ids
            except FileExistsError:
                continue
            if (self.root / kind / run_id).exists():
                continue
            return run_id, self.root / kind / run_id

    def listing(self, kind: str) -> list[str]:
        """Ids of the finished folders of ``kind``, newest first."""
        return sorted((p.name for p in (self.root / kind).iterdir() if p.is_dir() and valid_id(p.name)),
                      reverse=True)

    # ---------------------------------------------------------------------------------------
    # Jobs
    # ---------------------------------------------------------------------------------------

    def _job_file(self, job_id: str) -> Path:
        return self.root / "jobs" / job_id / "job.json"

    def _save(self, job: Job) -> None:
        with self._lock:
            write_json_atomically(self._job_file(job.id), job.__dict__)

    def job(self, job_id: str) -> Job | None:
        if not valid_id(job_id):
            return None
        path = self._job_file(job_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        job = Job(**data)
        if job.state == "running" and job_id not in self._running:
            job.state = "interrupted"  # the server stopped while it ran; its folder was never written
        return job

    def jobs(self, **match) -> list[Job]:
        out = []
        for run_id in self.listing("jobs"):
            j = self.job(run_id)
            if j is not None and all(j.info.get(k) == v for k, v in match.items()):
                out.append(j)
        return out

    def start(self, job_id: str, kind: str, info: dict, work: Callable[[Callable[[str], None]], None]) -> Job:
        """Run ``work(say)`` in a thread; ``say(message)`` adds a step the page shows."""
        job = Job(id=job_id, kind=kind, state="running", info=info, steps=[], started=time.time())
        self._save(job)

        def say(msg: str) -> None:
            job.steps.append([round(time.time() - job.started, 1), msg])
            self._save(job)

        def run() -> None:
            try:
                work(say)
                job.state = "done"
            except TargetingError as e:
                job.state = "failed"
                job.error = str(e).split("\n", 1)[0]
                job.problems = [_problem_row(p) for p in getattr(e, "problems", [])]
            except Exception as e:  # shown on the page; the traceback goes to the server's log
                log.error("job %s failed:\n%s", job.id, traceback.format_exc())
                job.state = "failed"
                job.error = f"unexpected error: {type(e).__name__}: {e}"
            finally:
                job.finished = time.time()
                self._save(job)
                with self._lock:
                    self._running.pop(job.id, None)

        t = threading.Thread(target=run, name=f"targeting-{kind}-{job_id}", daemon=True)
        with self._lock:
            self._running[job_id] = t
        t.start()
        return job

    def record(self, job_id: str, kind: str, info: dict) -> Job:
        """Record work that was done at once (a review), so its page knows what it came from."""
        now = time.time()
        job = Job(id=job_id, kind=kind, state="done", info=info, steps=[], started=now, finished=now)
        self._save(job)
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Wait for a job of this process to end (tests)."""
        t = self._running.get(job_id)
        if t is not None:
            t.join(timeout)


def _problem_row(p: Problem) -> dict:
    return {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
