"""The commands that work on one file rather than a scenario folder: classify, train."""

from __future__ import annotations

from pathlib import Path

from .config import HOUSEHOLD_STATUSES
from .data import schema
from .data.files import read_table
from .data.standards import check_income_test, classify, load_standard, with_score_lines
from .errors import Problem, ScenarioError, problems_message
from .output.files import write_folder_atomically, write_table_atomically
from .scoring import save_model, train_model

__all__ = ["classify_file", "train_file"]


def classify_file(path, out, *, standard: str = "vn-2022-2025", force: bool = False,
                  score_line_rural: int | None = None, score_line_urban: int | None = None) -> dict[str, int]:
    """Classify the households in ``path`` with ``standard``; write ``out``; return counts.

    Where ``income_vnd`` is empty the income test uses ``income_score`` against the standard's
    score lines, or ``score_line_rural`` / ``score_line_urban`` where given (required for a
    standard that publishes none).
    """
    std = with_score_lines(load_standard(standard), score_line_rural, score_line_urban)
    frame = read_table(path, schema.HOUSEHOLDS)
    problems: list[Problem] = []
    check_income_test(frame, Path(path).name, std, problems, lines_from=("--score-line-{}", None))
    if problems:
        raise ScenarioError(problems_message(problems), problems)
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
    return {s: int(counts.get(s, 0)) for s in HOUSEHOLD_STATUSES}


def train_file(path, out, *, seed: int = 0, force: bool = False) -> dict:
    """Train the scoring model on a history file and save it with its model card."""
    history = read_table(path, schema.HISTORY)
    model = train_model(history, seed=seed)
    write_folder_atomically(out, lambda tmp: save_model(model, tmp, history_df=history,
                                                        source=Path(path).name), force=force)
    return dict(getattr(model, "card_", {}) or {})
