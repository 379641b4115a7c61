"""Single tables in and out: classify a households file, train from a history file, write a table.

These back the commands that work on one file rather than a scenario folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from . import schema
from .errors import OutputExistsError, ScenarioError
from .io import read_table_file

__all__ = ["read_table", "write_table_atomically", "classify_file", "train_file"]


def read_table(path: str | os.PathLike, spec: schema.TableSpec) -> pd.DataFrame:
    """Read and validate one CSV/XLSX table against ``spec``; raise with every problem found."""
    path = Path(path)
    problems: list[schema.Problem] = []
    raw, _ = read_table_file(path, sheet=spec.name, problems=problems)
    frame = None
    if raw is not None:
        frame = schema.parse_table(raw, spec, path.name, problems)
        if spec.name in ("households", "history"):
            schema.check_households(frame, path.name, problems)
    if problems:
        n = len(problems)
        raise ScenarioError(
            f"{n} problem{'s' if n != 1 else ''} found:\n" + "\n".join(str(p) for p in problems), problems
        )
    return frame


def write_table_atomically(frame: pd.DataFrame, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a CSV (or XLSX, by extension) to a temporary file, then rename it into place."""
    from .report import neutralise_frame

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


def classify_file(path, out, *, standard: str = "vn-2022-2025", force: bool = False) -> dict[str, int]:
    """Classify the households in ``path`` with ``standard``; write ``out``; return counts."""
    from .standards import classify, load_standard

    std = load_standard(standard)
    frame = read_table(path, schema.HOUSEHOLDS)
    missing = [c for c in std.indicators if c not in frame.columns]
    if missing:
        raise ScenarioError(
            f"{Path(path).name}, column {', '.join(missing)}: standard {std.name} needs these "
            "deprivation columns; they are missing"
        )
    blank = frame[list(std.indicators)].isna()
    if blank.any().any():
        col = blank.columns[blank.any()][0]
        row = int(blank.index[blank[col]][0]) + 2
        raise ScenarioError(f"{Path(path).name} row {row}, column {col}: expected 0 or 1; got an empty cell")
    result = classify(frame, std)
    write_table_atomically(result, out, force=force)
    counts = result["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in schema.STATUSES}


def train_file(path, out, *, seed: int = 0, force: bool = False) -> dict:
    """Train the scoring model on a history file and save it with its model card."""
    from .io import write_folder_atomically
    from .scoring import save_model, train_model

    history = read_table(path, schema.HISTORY)
    model = train_model(history, seed=seed)
    write_folder_atomically(out, lambda tmp: save_model(model, tmp, history_df=history,
                                                        source=Path(path).name), force=force)
    return dict(getattr(model, "card_", {}) or {})
