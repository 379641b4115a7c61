"""Writing files whole or not at all, and cells that spreadsheets cannot run as formulas."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import OutputExistsError

__all__ = [
    "neutralise", "neutralise_frame", "safe_csv", "write_folder_atomically", "write_table_atomically",
    "REVIEWED_OUTPUTS",
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




def write_folder_atomically(
    out: str | os.PathLike, write: Callable[[Path], None], *, force: bool = False
) -> Path:
    """Create folder ``out`` whole or not at all.

    ``write(tmp)`` fills a temporary sibling folder; on success it replaces ``out`` with one
    rename (the old folder, with ``force``, is moved aside first and removed afterwards). On any
    error, or an interrupt, the temporary folder is removed and ``out`` is left as it was.
    """
    out = Path(out)
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists; use --force to replace it")
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder")
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
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
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return out


def write_table_atomically(frame: pd.DataFrame, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a CSV (or XLSX, by extension) to a temporary file, then rename it into place."""
    out = Path(out)
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
