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

from ..config import LIMIT_VARIABLES, read_limits
from ..errors import Problem, ScenarioError, problems_message
from . import schema

__all__ = ["read_table_file", "read_table", "decode_text", "sha256_bytes", "check_file_size", "check_xlsx",
           "open_xlsx"]

MB = 1_000_000


def _mb(n: float) -> str:
    """Megabytes for a message: whole above 10, else three figures."""
    return f"{n:,.0f} MB" if n >= 10 else f"{n:.3g} MB"


def check_file_size(path: Path, file: str, problems: list[Problem]) -> bool:
    """Whether ``path`` is within :attr:`ReadLimits.file_mb`; a problem naming the limit if not.
    Checked before the file is read, so a huge file is refused at once."""
    limit = read_limits().file_mb
    try:
        size = path.stat().st_size
    except OSError:
        return True  # reading it reports why
    if size > limit * MB:
        problems.append(Problem(file, None, None, f"is {_mb(size / MB)}; the limit is {_mb(limit)} "
                                f"(set {LIMIT_VARIABLES['file_mb']} to read larger files, with about "
                                f"{6 * size / 1e9:,.0f} GB of memory free)"))
        return False
    return True


def check_xlsx(data: bytes, file: str, problems: list[Problem]) -> bool:
    """Whether the workbook ``data`` unpacks within :attr:`ReadLimits.xlsx_mb`.

    The sizes come from the zip's central directory, before anything is unpacked; a part whose
    size is understated there fails its check when read (Python's zipfile stops at the stated
    size), so a zip bomb is refused either way. A file that is not a zip passes: openpyxl
    reports it.
    """
    limit = read_limits().xlsx_mb
    try:
        with zipfile.ZipFile(_stdio.BytesIO(data)) as z:
            parts = [(i.filename, i.file_size) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - not a zip Python reads (BadZipFile, a "zip file version 6.4"
        return True    # NotImplementedError, ...): openpyxl's reading reports it, naming the file
    total = sum(size for _, size in parts)
    if total > limit * MB:
        name, size = max(parts, key=lambda x: x[1])
        problems.append(Problem(file, None, None, f"unpacks to {_mb(total / MB)} ({name}: {_mb(size / MB)}) "
                                f"from {_mb(len(data) / MB)}; the limit is {_mb(limit)} (set "
                                f"{LIMIT_VARIABLES['xlsx_mb']} to read larger workbooks, or save the sheet "
                                "as CSV UTF-8)"))
        return False
    return True


def open_xlsx(data: bytes, file: str, problems: list[Problem], *, read_only: bool = True):
    """The workbook in ``data`` (values, not formulas), or None with a problem: too large when
    unpacked (:func:`check_xlsx`), or not a readable workbook."""
    if not check_xlsx(data, file, problems):
        return None
    try:
        from openpyxl import load_workbook

        return load_workbook(_stdio.BytesIO(data), read_only=read_only, data_only=True)
    except Exception as e:  # openpyxl and zipfile raise many kinds (zlib.error, KeyError, XML errors)
        problems.append(Problem(file, None, None, f"is not a readable .xlsx workbook ({type(e).__name__}: {e})"))
        return None




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


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding sheet ``sheet``, from xl/workbook.xml and its relationships."""
    from lxml import etree

    book = etree.fromstring(z.read("xl/workbook.xml"))
    rid = next((el.get(f"{{{_RELS}}}id") for el in book.iter(f"{{{_MAIN}}}sheet") if el.get("name") == sheet),
               None)
    rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next((el.get("Target") for el in rels.iter(f"{{{_PKG_RELS}}}Relationship") if el.get("Id") == rid),
                  None)
    if rid is None or target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def without_empty_rows(data: bytes, sheet: str) -> bytes:
    """The workbook ``data`` with the rows of ``sheet`` that hold no value (formatting only)
    left out, or ``data`` itself when there are none or the workbook cannot be read this way.

    openpyxl parses an empty formatted cell as slowly as a full one (about 40,000 cells a second
    on a loaded machine): a sheet formatted down to row 1,048,576 took minutes. libxml2 skips
    them at C speed here; openpyxl then reads the rows that hold something.
    """
    from lxml import etree

    try:
        with zipfile.ZipFile(_stdio.BytesIO(data)) as z:
            part = _sheet_part(z, sheet)
            if part is None:
                return data
            has_value = etree.XPath("boolean(m:c/m:v | m:c/m:is)", namespaces={"m": _MAIN})
            out = _stdio.BytesIO()
            dropped = 0
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as w:
                for info in z.infolist():
                    if info.filename != part:
                        w.writestr(info.filename, z.read(info.filename))
                        continue
                    with z.open(part) as src, w.open(part, "w", force_zip64=True) as dst:
                        dst.write(f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
                        for _, row in etree.iterparse(src, events=("end",), tag=f"{{{_MAIN}}}row",
                                                      resolve_entities=False, no_network=True):
                            if has_value(row):
                                dst.write(etree.tostring(row))
                            else:
                                dropped += 1
                            row.clear()
                            while row.getprevious() is not None:
                                del row.getparent()[0]
                        dst.write(b"</sheetData></worksheet>")
    except Exception:  # not a workbook this simple reader understands: openpyxl reads it as it is
        return data
    return out.getvalue() if dropped else data


def _frame_from_xlsx(data: bytes, file: str, sheet: str, problems: list[Problem]) -> pd.DataFrame | None:
    if not check_xlsx(data, file, problems):
        return None
    wb = open_xlsx(without_empty_rows(data, sheet), file, problems)
    if wb is None:
        return None
    try:
        if sheet not in wb.sheetnames:
            problems.append(
                Problem(file, None, None, f"has no sheet named {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
            )
            return None
        return _sheet_frame(wb[sheet], file, sheet, problems)
    except Exception as e:  # a part damaged past the directory shows only while rows are read
        problems.append(Problem(file, None, None, f"is not a readable .xlsx workbook ({type(e).__name__}: {e})"))
        return None
    finally:
        wb.close()


def _sheet_frame(ws, file: str, sheet: str, problems: list[Problem]) -> pd.DataFrame | None:
    # Rows are streamed and empty ones dropped as they come: a sheet with a million empty
    # formatted rows costs the time to parse them, not the memory to hold them.
    rows = ws.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None:
        problems.append(Problem(file, None, None, f"sheet {sheet!r} is empty; expected a header row"))
        return None
    header = ["" if v is None else str(v).strip() for v in first]
    while header and header[-1] == "":
        header.pop()
    if not _check_header(header, file, problems):
        return None
    n = len(header)
    body = []
    for r in rows:
        cells = ["" if v is None else _xlsx_cell(v) for v in r[:n]]
        if any(c != "" for c in cells):
            cells += [""] * (n - len(cells))
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
        data = path.read_bytes() if check_file_size(path, file, problems) else None
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
