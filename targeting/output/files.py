"""Writing files whole or not at all, and cells that spreadsheets cannot run as formulas."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..errors import DiskFullError, OutputExistsError, OutputInUseError

__all__ = [
    "neutralise", "neutralise_frame", "safe_csv", "write_folder_atomically", "write_table_atomically",
    "REVIEWED_OUTPUTS", "hold_output", "lock_path",
]

#: The plan folder's files that `targeting review` reads; plan.json records their sha256.
REVIEWED_OUTPUTS = ("allocation.csv", "summary.csv")

#: A text cell starting with one of these is run as a formula by Excel/LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a formula-looking text with an apostrophe so spreadsheets show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write UTF-8 CSV (with no index, ``\\n`` line ends) with text cells neutralised."""
    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")




def lock_path(out: str | os.PathLike) -> Path:
    """The lock file of output ``out``: ``.NAME.lock`` beside it."""
    out = Path(out).resolve()
    return out.parent / f".{out.name}.lock"


# Locks this process holds, by lock path, with how many times each is held (a command takes
# the lock before its work and the folder writer takes it again: the same run, not a rival).
_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _is_stale(info: dict) -> bool:
    """A lock left by a run on this machine whose process is gone. A lock from another host
    cannot be checked from here and is never taken over."""
    return info.get("host") == socket.gethostname() and isinstance(info.get("pid"), int) \
        and not _pid_alive(info["pid"])


def _read_lock(lock: Path) -> tuple[str, dict] | None:
    try:
        text = lock.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        info = json.loads(text)
    except ValueError:
        info = {}
    return text, info if isinstance(info, dict) else {}


def _take_over(lock: Path, seen: str) -> None:
    """Remove the stale lock whose text was ``seen``. It is first renamed to a name of our own,
    so that of two runs taking it over at once only one removes it; a lock that turns out to be
    another's fresh one is put back."""
    grave = lock.with_name(f"{lock.name}.stale-{os.getpid()}-{threading.get_ident()}")
    try:
        os.rename(lock, grave)
    except FileNotFoundError:
        return
    try:
        if grave.read_text(encoding="utf-8") != seen:
            try:
                os.link(grave, lock)
            except FileExistsError:
                pass
    finally:
        grave.unlink(missing_ok=True)


def _acquire(out: Path, lock: Path) -> None:
    body = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                       "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n"
    for _ in range(5):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            seen = _read_lock(lock)
            if seen is None:
                continue  # released meanwhile: try again
            text, info = seen
            if _is_stale(info):
                _take_over(lock, text)
                continue
            who = (f"process {info.get('pid', '?')} on {info.get('host', '?')} since {info.get('time', '?')}"
                   if info else "an unreadable lock")
            raise OutputInUseError(
                f"{out} is in use: another run is writing it ({who}); wait for it to finish, or "
                f"remove {lock} if that run is gone") from None
        try:
            try:
                os.write(fd, body.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError as e:
            lock.unlink(missing_ok=True)
            if _disk_full(e):
                raise _disk_full_error(out, lock.parent) from None
            raise
        return
    raise OutputInUseError(f"{out} is in use: its lock file {lock} keeps changing; try again")


@contextmanager
def hold_output(out: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock of output ``out`` (a folder or a file) while the block runs.

    The lock is a file ``.NAME.lock`` beside ``out``, created with ``O_EXCL`` and holding the
    process id, host and time; it is removed on every way out of the block (an error, Ctrl-C,
    SIGTERM). A lock left by a process of this host that no longer exists (a run killed with
    SIGKILL, a power cut) is stale and taken over. Re-entrant within one process.

    Raises
    ------
    OutputInUseError
        Another live run holds the lock.
    """
    out = Path(out)
    lock = lock_path(out)
    with _HELD_GUARD:
        held = _HELD.get(lock, 0)
        if held:
            _HELD[lock] = held + 1
    made: list[Path] = []  # folders made for the lock, removed with it if nothing was written
    if not held:
        missing = lock.parent
        while not missing.exists():
            made.append(missing)
            missing = missing.parent
        lock.parent.mkdir(parents=True, exist_ok=True)
        try:
            _acquire(out, lock)
        except BaseException:
            _remove_empty(made)
            raise
        with _HELD_GUARD:
            _HELD[lock] = 1
    try:
        yield lock
    finally:
        with _HELD_GUARD:
            _HELD[lock] -= 1
            last = _HELD[lock] == 0
            if last:
                del _HELD[lock]
        if last:
            lock.unlink(missing_ok=True)
            _remove_empty(made)


def _remove_empty(folders: list[Path]) -> None:
    for f in folders:  # deepest first
        try:
            f.rmdir()
        except OSError:
            break


def _disk_full(e: BaseException) -> bool:
    """``e`` or an error it was raised from is ENOSPC / EDQUOT (libraries sometimes wrap it)."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        e = e.__cause__ or e.__context__
    return False


def _disk_full_error(out: Path, where: Path) -> DiskFullError:
    try:
        free = f"; {shutil.disk_usage(where).free / 1e6:,.1f} MB free there"
    except OSError:
        free = ""
    return DiskFullError(errno.ENOSPC, f"{out}: disk full while writing it{free}; nothing was written "
                         "(an existing folder is left as it was)")


def write_folder_atomically(
    out: str | os.PathLike, write: Callable[[Path], None], *, force: bool = False
) -> Path:
    """Create folder ``out`` whole or not at all.

    ``write(tmp)`` fills a temporary sibling folder; on success it replaces ``out`` with one
    rename (the old folder, with ``force``, is moved aside first and removed afterwards). On any
    error, or an interrupt, the temporary folder is removed and ``out`` is left as it was.
    """
    out = Path(out)
    with hold_output(out):
        return _write_folder(out, write, force)


def _write_folder(out: Path, write: Callable[[Path], None], force: bool) -> Path:
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists; use --force to replace it")
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder")
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    except OSError as e:
        if _disk_full(e):
            raise _disk_full_error(out, parent) from None
        raise
    old: Path | None = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a plan folder is shared as usual
        write(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rmdir(old)
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)
        if _disk_full(e):
            raise _disk_full_error(out, parent) from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return out


def write_table_atomically(frame: pd.DataFrame, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a CSV (or XLSX, by extension) to a temporary file, then rename it into place
    (under the output's lock, see :func:`hold_output`)."""
    out = Path(out)
    with hold_output(out):
        return _write_table(frame, out, force)


def _write_table(frame: pd.DataFrame, out: Path, force: bool) -> Path:
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists; use --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        safe = neutralise_frame(frame)
        if out.suffix.lower() == ".xlsx":
            safe.to_excel(tmp, index=False, sheet_name=out.stem[:31] or "Sheet1")
        else:
            safe.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
        os.replace(tmp, out)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if _disk_full(e):
            raise _disk_full_error(out, out.parent) from None
        raise
    return out
