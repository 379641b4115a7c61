"""Uploaded files turned into a scenario folder: CSV/XLSX tables, one workbook, or a zip.

Nothing here trusts a file name: an upload is only ever written under a name of the data
contract (``households.csv``, ``scenario.toml``, ...), so a name such as ``../../x`` inside a zip
cannot reach outside the folder. A zip is read member by member with a cap on what it expands to
(a zip bomb stops at the cap, whatever its headers claim), and links are refused.
"""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..data.schema import TABLES
from ..errors import Problem

__all__ = ["Upload", "Limits", "ScenarioFiles", "collect_scenario_files", "SCENARIO_FILE_NAMES"]

#: The files a scenario folder may hold (besides the tables as .csv or .xlsx).
SETTINGS_FILE = "scenario.toml"
SCENARIO_FILE_NAMES = tuple(f"{t}.csv" for t in TABLES) + (SETTINGS_FILE,)

#: At most this many members in one zip (a scenario has at most nine files).
MAX_ZIP_MEMBERS = 200
READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the browser sent and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Limits:
    """How much an upload may be: the request (checked before reading) and a zip's content."""

    max_upload_bytes: int = 50 * 1024 * 1024
    #: what the members of one zip may expand to, in all
    max_extracted_bytes: int = 200 * 1024 * 1024


@dataclass
class ScenarioFiles:
    """The scenario's files by their name in the folder, and where each came from (for messages)."""

    files: dict[str, bytes] = field(default_factory=dict)
    #: folder name -> what the person uploaded ("xa.xlsx, sheet households", "sample.zip: households.csv")
    origin: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, name: str, data: bytes, origin: str) -> None:
        stem = name.rsplit(".", 1)[0]
        clash = [n for n in self.files if n.rsplit(".", 1)[0] == stem]
        if clash:
            self.problems.append(Problem(origin, None, None,
                                         f"{stem} was given twice (also {self.origin[clash[0]]}); keep one"))
            return
        self.files[name] = data
        self.origin[name] = origin

    def write(self, folder: Path) -> None:
        for name, data in self.files.items():
            (folder / name).write_bytes(data)


def collect_scenario_files(uploads: list[Upload], limits: Limits) -> ScenarioFiles:
    """Sort the uploads into a scenario's files; every problem is listed, nothing is raised."""
    out = ScenarioFiles()
    for u in uploads:
        _add_upload(out, u.name, u.data, u.name, limits)
    if not out.problems and not any(n.startswith("households.") for n in out.files):
        out.problems.append(Problem("households.csv", None, None,
                                    "no register was uploaded: expected households.csv (or .xlsx), "
                                    "a workbook with a households sheet, or a zip holding them"))
    return out


def _add_upload(out: ScenarioFiles, name: str, data: bytes, origin: str, limits: Limits,
                in_zip: bool = False) -> None:
    base = PurePosixPath(name.replace("\\", "/")).name
    lower = base.lower()
    stem, _, ext = lower.rpartition(".")
    if lower == SETTINGS_FILE:
        out.add(SETTINGS_FILE, data, origin)
    elif ext == "csv" and stem in TABLES:
        out.add(f"{stem}.csv", data, origin)
    elif ext == "xlsx" and stem in TABLES:
        out.add(f"{stem}.xlsx", data, origin)
    elif ext == "xlsx":
        _add_workbook(out, data, origin)
    elif ext == "zip" and not in_zip:
        _add_zip(out, data, origin, limits)
    else:
        expected = ", ".join(SCENARIO_FILE_NAMES)
        out.problems.append(Problem(origin, None, None,
                                    f"is not a file of a scenario; expected {expected} (or .xlsx), "
                                    "one workbook with a sheet per table, or a .zip of them"))


def _add_workbook(out: ScenarioFiles, data: bytes, origin: str) -> None:
    """A workbook with a sheet per table: each table's sheet is read from the same bytes."""
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True)
        sheets = list(wb.sheetnames)
        wb.close()
    except Exception as e:  # openpyxl raises many kinds on a damaged file
        out.problems.append(Problem(origin, None, None, f"is not a readable .xlsx workbook: {e}"))
        return
    found = [s for s in sheets if s in TABLES]
    if not found:
        out.problems.append(Problem(origin, None, None,
                                    f"has no sheet named like a table ({', '.join(TABLES)}); "
                                    f"sheets: {', '.join(sheets)}"))
        return
    for s in found:
        # the table reader reads the sheet named like the table (targeting.data.files)
        out.add(f"{s}.xlsx", data, f"{origin}, sheet {s}")


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _add_zip(out: ScenarioFiles, data: bytes, origin: str, limits: Limits) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        out.problems.append(Problem(origin, None, None, f"is not a readable .zip file: {e}"))
        return
    with z:
        infos = z.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            out.problems.append(Problem(origin, None, None,
                                        f"holds {len(infos)} files; at most {MAX_ZIP_MEMBERS} are read"))
            return
        budget = limits.max_extracted_bytes
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            where = f"{origin}: {name}"
            if info.is_dir():
                continue
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]) or _is_link(info):
                out.problems.append(Problem(where, None, None,
                                            "unsafe path in the zip (absolute, '..' or a link); not read"))
                continue
            base = parts[-1] if parts else ""
            if base.startswith(".") or "__MACOSX" in parts:
                continue  # hidden files and the resource forks of macOS
            try:
                content = _read_member(z, info, budget)
            except DamagedMember as e:
                out.problems.append(Problem(where, None, None, f"cannot be read from the zip: {e}"))
                continue
            if content is None:
                out.problems.append(Problem(
                    where, None, None,
                    f"expands to more than {limits.max_extracted_bytes // (1024 * 1024)} MB in all; "
                    "not read (split the data, or start the server with a larger --max-upload-mb)"))
                return
            budget -= len(content)
            _add_upload(out, base, content, where, limits, in_zip=True)


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes | None:
    """The member's bytes, or None once more than ``budget`` bytes come out (whatever the header says)."""
    if info.file_size > budget:
        return None
    buf = bytearray()
    try:
        with z.open(info) as f:
            while True:
                chunk = f.read(READ_CHUNK)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > budget:
                    return None
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as e:
        raise DamagedMember(str(e)) from None
    return bytes(buf)


class DamagedMember(Exception):
    """A zip member that cannot be read (damaged, encrypted, an unknown compression)."""
