"""Read one table file (CSV or XLSX) as text cells, with every problem located.

Inputs are only ever opened for reading. A file is read once, as bytes (hashed for
``plan.json``), then decoded here and parsed by :mod:`targeting.data.schema`.
"""

from __future__ import annotations

import csv
import hashlib
import io as _stdio
import os
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import Problem, ScenarioError, problems_message
from . import schema

__all__ = ["read_table_file", "read_table", "decode_text", "sha256_bytes"]




def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scenario_fingerprint(inputs: dict[str, str]) -> str:
    """sha256 of a scenario's households and projects files, from their sha256 by file name
    (``Scenario.inputs``, plan.json's ``inputs``): which scenario a beneficiaries.xlsx lists."""
    parts = sorted(f"{Path(k).stem}={v}" for k, v in inputs.items()
                   if Path(k).stem in ("households", "projects"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def decode_text(data: bytes, file: str, problems: list[Problem]) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(
            Problem(file, None, None, "is UTF-16 text; expected UTF-8 (in Excel: Save As > CSV UTF-8)")
        )
        return None
    if b"\x00" in data:
        problems.append(Problem(file, None, None, "is not a text file (it contains NUL bytes); expected UTF-8 CSV"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(
                file,
                line,
                None,
                f"is not UTF-8 text (byte 0x{data[e.start]:02x} cannot be decoded; a legacy encoding "
                "such as Windows-1258 or TCVN3?); expected UTF-8 (in Excel: Save As > CSV UTF-8)",
            )
        )
        return None


def _frame_from_csv_text(text: str, file: str, problems: list[Problem]) -> pd.DataFrame | None:
    if not text.strip():
        problems.append(Problem(file, None, None, "is empty; expected a header row naming the columns"))
        return None
    try:
        first = next(csv.reader(_stdio.StringIO(text, newline="")))
    except (csv.Error, StopIteration) as e:
        problems.append(Problem(file, 1, None, f"cannot be read as CSV: {e}"))
        return None
    header = [h.strip() for h in first]
    if not _check_header(header, file, problems):
        return None
    try:
        # header=None: a row with more fields than the header is a ParserError naming its line,
        # instead of pandas silently turning the first columns into an index.
        frame = pd.read_csv(
            _stdio.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            header=None,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, ValueError, csv.Error) as e:
        problems.append(Problem(file, None, None, f"cannot be read as CSV: {str(e).strip()}"))
        return None
    if frame.shape[1] > len(header):
        problems.append(Problem(file, None, None, f"cannot be read as CSV: some rows have more fields "
                                                  f"({frame.shape[1]}) than the header ({len(header)})"))
        return None
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = header[: frame.shape[1]]
    for h in header[frame.shape[1]:]:
        frame[h] = ""
    return frame


def _check_header(header: list[str], file: str, problems: list[Problem]) -> bool:
    ok = True
    seen: set[str] = set()
    for j, h in enumerate(header):
        if h == "":
            problems.append(Problem(file, 1, f"#{j + 1}", "header cell is empty; every column needs a name"))
            ok = False
        elif h in seen:
            problems.append(Problem(file, 1, h, "column name appears twice in the header"))
            ok = False
        seen.add(h)
    return ok


def _frame_from_xlsx(data: bytes, file: str, sheet: str, problems: list[Problem]) -> pd.DataFrame | None:
    try:
        from openpyxl import load_workbook

        wb = load_workbook(_stdio.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
        problems.append(Problem(file, None, None, f"is not a readable .xlsx workbook: {e}"))
        return None
    if sheet not in wb.sheetnames:
        problems.append(
            Problem(file, None, None, f"has no sheet named {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
        )
        return None
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    if not rows:
        problems.append(Problem(file, None, None, f"sheet {sheet!r} is empty; expected a header row"))
        return None
    header = ["" if v is None else str(v).strip() for v in rows[0]]
    while header and header[-1] == "":
        header.pop()
    if not _check_header(header, file, problems):
        return None
    body = []
    for r in rows[1:]:
        cells = ["" if v is None else _xlsx_cell(v) for v in r[: len(header)]]
        cells += [""] * (len(header) - len(cells))
        if any(c != "" for c in cells):
            body.append(cells)
    return pd.DataFrame(body, columns=header, dtype=object)


def _xlsx_cell(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_table_file(path: Path, sheet: str | None = None, problems: list[Problem] | None = None):
    """Read one CSV or XLSX file as a frame of text cells. Returns ``(frame, bytes)``.

    Problems are appended to ``problems`` (or raised as :class:`ScenarioError` if it is None).
    """
    own = problems is None
    problems = [] if problems is None else problems
    file = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(file, None, None, f"file not found: {path}"))
        data = None
    except (IsADirectoryError, PermissionError) as e:
        problems.append(Problem(file, None, None, f"cannot be read: {e.strerror}"))
        data = None
    frame = None
    if data is not None:
        if path.suffix.lower() == ".xlsx":
            frame = _frame_from_xlsx(data, file, sheet or path.stem, problems)
        else:
            text = decode_text(data, file, problems)
            if text is not None:
                frame = _frame_from_csv_text(text, file, problems)
    if own and problems:
        raise ScenarioError(problems_message(problems), problems)
    return frame, data




def read_table(path: str | os.PathLike, spec: schema.TableSpec) -> pd.DataFrame:
    """Read and validate one CSV/XLSX table against ``spec``; raise with every problem found."""
    path = Path(path)
    problems: list[Problem] = []
    raw, _ = read_table_file(path, sheet=spec.name, problems=problems)
    frame = None
    if raw is not None:
        frame = schema.parse_table(raw, spec, path.name, problems)
        if spec.name in ("households", "history"):
            schema.check_households(frame, path.name, problems)
        if spec.name == "households":
            schema.check_income_columns(frame, path.name, problems)
    if problems:
        raise ScenarioError(problems_message(problems), problems)
    return frame
