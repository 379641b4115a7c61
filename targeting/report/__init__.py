"""Outputs for people: the beneficiary lists in Excel, the HTML report, and safe CSV writing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "safe_csv"]

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
