"""Read a scenario folder; write a plan folder whole or not at all.

Inputs are only ever opened for reading. Every file is read once, as bytes (hashed for
``plan.json``), then decoded and parsed by :mod:`targeting.schema`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import schema
from .errors import OutputExistsError, ScenarioError
from .schema import Problem

__all__ = [
    "Settings",
    "Scenario",
    "read_scenario",
    "read_table_file",
    "write_folder_atomically",
    "bundled_sample",
    "sha256_bytes",
]

STRATEGIES = ("optimal", "greedy", "capacity", "poorest", "lottery")


# --------------------------------------------------------------------------------------------
# Settings (scenario.toml)
# --------------------------------------------------------------------------------------------

_SETTINGS_SPEC: dict[str, dict[str, tuple[type | tuple[type, ...], object]]] = {
    "plan": {"year": (int, 2026), "standard": (str, None), "strategy": (str, "optimal")},
    "solver": {
        "time_limit_s": ((int, float), 60.0),
        "relative_gap": ((int, float), 1e-4),
        "seed": (int, 0),
        "workers": (int, 0),
    },
    "policy": {
        "min_ethnic_minority_share": ((int, float), 0.0),
        "min_poor_share": ((int, float), 0.0),
    },
}


@dataclass
class Settings:
    """scenario.toml, with defaults for what it leaves out."""

    year: int = 2026
    standard: str | None = None
    strategy: str = "optimal"
    time_limit_s: float = 60.0
    relative_gap: float = 1e-4
    seed: int = 0
    workers: int = 0
    min_ethnic_minority_share: float = 0.0
    min_poor_share: float = 0.0

    @property
    def standard_name(self) -> str:
        """The standard named in the file, else the one in force in ``year``."""
        if self.standard:
            return self.standard
        return "vn-2022-2025" if self.year <= 2026 else "vn-2027-2030"

    def as_dict(self) -> dict:
        return {
            "plan": {"year": self.year, "standard": self.standard_name, "strategy": self.strategy},
            "solver": {
                "time_limit_s": self.time_limit_s,
                "relative_gap": self.relative_gap,
                "seed": self.seed,
                "workers": self.workers,
            },
            "policy": {
                "min_ethnic_minority_share": self.min_ethnic_minority_share,
                "min_poor_share": self.min_poor_share,
            },
        }


def parse_settings(text: str, file: str, problems: list[Problem]) -> Settings:
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(file, None, None, f"is not valid TOML: {e}"))
        return Settings()
    s = Settings()
    for section, body in d.items():
        if section not in _SETTINGS_SPEC:
            problems.append(
                Problem(file, None, section, f"unknown section; expected one of {', '.join(_SETTINGS_SPEC)}")
            )
            continue
        if not isinstance(body, dict):
            problems.append(Problem(file, None, section, "expected a [section] table"))
            continue
        for key, value in body.items():
            spec = _SETTINGS_SPEC[section].get(key)
            where = f"{section}.{key}"
            if spec is None:
                problems.append(
                    Problem(
                        file,
                        None,
                        where,
                        f"unknown setting; expected one of {', '.join(_SETTINGS_SPEC[section])}",
                    )
                )
                continue
            typ, _ = spec
            if isinstance(value, bool) or not isinstance(value, typ):
                problems.append(Problem(file, None, where, f"expected {_typename(typ)}; got {value!r}"))
                continue
            setattr(s, key, float(value) if typ == (int, float) else value)
    _check_settings(s, file, problems)
    return s


def _typename(typ) -> str:
    if typ == (int, float):
        return "a number"
    return {int: "a whole number", str: "text", float: "a number"}.get(typ, str(typ))


def _check_settings(s: Settings, file: str, problems: list[Problem]) -> None:
    from .standards import available_standards

    if s.strategy not in STRATEGIES:
        problems.append(
            Problem(file, None, "plan.strategy", f"expected one of {', '.join(STRATEGIES)}; got {s.strategy!r}")
        )
    if s.standard is not None and s.standard not in available_standards():
        problems.append(
            Problem(
                file,
                None,
                "plan.standard",
                f"expected one of {', '.join(available_standards())}; got {s.standard!r}",
            )
        )
    if not 2000 <= s.year <= 2100:
        problems.append(Problem(file, None, "plan.year", f"expected a year between 2000 and 2100; got {s.year}"))
    if not s.time_limit_s > 0:
        problems.append(Problem(file, None, "solver.time_limit_s", f"expected a number > 0; got {s.time_limit_s}"))
    if not 0 <= s.relative_gap < 1:
        problems.append(
            Problem(file, None, "solver.relative_gap", f"expected a number in [0, 1); got {s.relative_gap}")
        )
    if s.workers < 0:
        problems.append(Problem(file, None, "solver.workers", f"expected a whole number >= 0; got {s.workers}"))
    for key in ("min_ethnic_minority_share", "min_poor_share"):
        v = getattr(s, key)
        if not 0 <= v <= 1:
            problems.append(Problem(file, None, f"policy.{key}", f"expected a share between 0 and 1; got {v}"))


# --------------------------------------------------------------------------------------------
# Reading tables
# --------------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, file: str, problems: list[Problem]) -> str | None:
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
        first = next(csv.reader(io.StringIO(text, newline="")))
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
            io.StringIO(text),
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

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
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
            text = _decode(data, file, problems)
            if text is not None:
                frame = _frame_from_csv_text(text, file, problems)
    if own and problems:
        raise ScenarioError(_summary(problems), problems)
    return frame, data


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A validated scenario: typed tables, settings and the sha256 of every input file."""

    path: Path
    communes: pd.DataFrame
    households: pd.DataFrame
    projects: pd.DataFrame
    cooperatives: pd.DataFrame
    history: pd.DataFrame | None
    gains: pd.DataFrame | None
    settings: Settings
    inputs: dict[str, str] = field(default_factory=dict)
    status_derived: bool = False


def _find(folder: Path, name: str, problems: list[Problem]) -> Path | None:
    csv_path = folder / f"{name}.csv"
    xlsx_path = folder / f"{name}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        problems.append(
            Problem(
                f"{name}.csv",
                None,
                None,
                f"both {name}.csv and {name}.xlsx are present; keep one so it is clear which is read",
            )
        )
        return None
    if csv_path.exists():
        return csv_path
    if xlsx_path.exists():
        return xlsx_path
    return None


def _summary(problems: list[Problem]) -> str:
    head = "\n".join(str(p) for p in problems)
    n = len(problems)
    return f"{n} problem{'s' if n != 1 else ''} found:\n{head}"


def read_scenario(folder: str | os.PathLike, *, classify_missing: bool = True) -> Scenario:
    """Read and validate a scenario folder against the data contract.

    Every problem in every file is collected; if there is any, :class:`ScenarioError` is raised
    with all of them (``.problems``) and a message listing them. Households without a ``status``
    are classified with the scenario's standard (see :func:`targeting.standards.classify`).
    """
    from .standards import classify, load_standard

    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.exists():
        raise ScenarioError(f"scenario folder not found: {folder}")
    if not folder.is_dir():
        raise ScenarioError(f"{folder} is not a folder; expected a scenario folder holding communes.csv, ...")

    inputs: dict[str, str] = {}
    settings = Settings()
    toml_path = folder / "scenario.toml"
    if toml_path.exists():
        data = toml_path.read_bytes()
        inputs[toml_path.name] = sha256_bytes(data)
        text = _decode(data, toml_path.name, problems)
        if text is not None:
            settings = parse_settings(text, toml_path.name, problems)

    tables: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    for name, spec in schema.TABLES.items():
        path = _find(folder, name, problems)
        if path is None:
            if spec.required and not any(p.file.startswith(name + ".") for p in problems):
                problems.append(Problem(f"{name}.csv", None, None, f"required file is missing in {folder}"))
            tables[name] = None
            continue
        files[name] = path.name
        raw, data = read_table_file(path, sheet=name, problems=problems)
        if data is not None:
            inputs[path.name] = sha256_bytes(data)
        if raw is None:
            tables[name] = None
            continue
        tables[name] = schema.parse_table(raw, spec, path.name, problems)

    h, p, c, co = (tables[k] for k in ("households", "projects", "communes", "cooperatives"))
    if h is not None:
        schema.check_households(h, files["households"], problems)
    if p is not None:
        schema.check_projects(p, files["projects"], problems)
    if c is not None:
        keys = c["commune_id"].dropna() if "commune_id" in c else []
        if h is not None:
            schema.check_reference(h, files["households"], "commune_id", keys, files["communes"], problems)
        if p is not None:
            schema.check_reference(p, files["projects"], "commune_id", keys, files["communes"], problems)
    if p is not None and "cooperative_id" in p.columns:
        named = p["cooperative_id"].fillna("") != ""
        if named.any():
            if co is None and "cooperatives" not in files:
                problems.append(
                    Problem(
                        "cooperatives.csv",
                        None,
                        None,
                        f"required because projects.csv names cooperatives (first: "
                        f"{p.loc[named, 'cooperative_id'].iloc[0]!r}); the file is missing",
                    )
                )
            elif co is not None and "cooperative_id" in co:
                schema.check_reference(
                    p, files["projects"], "cooperative_id", co["cooperative_id"].dropna(),
                    files["cooperatives"], problems, allow_empty=True,
                )
    g = tables["gains"]
    if g is not None:
        if h is not None and "household_id" in h:
            schema.check_reference(g, files["gains"], "household_id", h["household_id"].dropna(),
                                   files["households"], problems)
        if p is not None and "project_id" in p:
            schema.check_reference(g, files["gains"], "project_id", p["project_id"].dropna(),
                                   files["projects"], problems)
        if {"household_id", "project_id"} <= set(g.columns):
            dup = g.duplicated(["household_id", "project_id"], keep="first")
            schema._Collector(problems).cells(
                files["gains"], "project_id", g.index[dup], g.loc[dup, "project_id"],
                "each (household_id, project_id) pair may appear once; this pair is on an earlier row",
            )

    status_derived = False
    if h is not None and not problems:
        std = load_standard(settings.standard_name)
        need = "status" not in h.columns or h["status"].isna().any()
        if need:
            missing = [d for d in std.indicators if d not in h.columns]
            if missing:
                problems.append(
                    Problem(
                        files["households"],
                        None,
                        ", ".join(missing),
                        f"status is not given for every household, so it is derived with {std.name}, "
                        "which needs these deprivation columns; they are missing",
                    )
                )
            else:
                blank = h[list(std.indicators)].isna()
                rows = blank.any(axis=1) & (h["status"].isna() if "status" in h else True)
                for i in h.index[rows][: schema.MAX_PROBLEMS_PER_COLUMN]:
                    col = blank.columns[blank.loc[i]][0]
                    problems.append(
                        Problem(files["households"], int(i) + 2, col,
                                f"status is empty, so it is derived with {std.name}, which needs 0 or 1 "
                                "here; got an empty cell")
                    )
        if need and not problems and classify_missing:
            derived = classify(h, std)
            if "status" in h.columns:
                h["status"] = h["status"].where(h["status"].notna(), derived["status"])
            else:
                h["status"] = derived["status"]
            status_derived = True
        if "status" in h.columns:
            h["status"] = h["status"].astype("object")
    if p is not None and not problems:
        if "requires_working_age" not in p.columns:
            p["requires_working_age"] = schema.default_requires_working_age(p["kind"])
        else:
            p["requires_working_age"] = (
                p["requires_working_age"].fillna(schema.default_requires_working_age(p["kind"])).astype("int64")
            )
    if co is None and not problems:
        co = pd.DataFrame(
            {c.name: pd.Series(dtype=schema._dtype(c, False)) for c in schema.COOPERATIVES.columns}
        )
    if problems:
        raise ScenarioError(_summary(problems), problems)
    return Scenario(
        path=folder,
        communes=c,
        households=h,
        projects=p,
        cooperatives=co,
        history=tables["history"],
        gains=g,
        settings=settings,
        inputs=inputs,
        status_derived=status_derived,
    )


# --------------------------------------------------------------------------------------------
# Writing a folder atomically
# --------------------------------------------------------------------------------------------


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


def bundled_sample() -> Path:
    """The bundled sample scenario (``data_samples/thai_nguyen``)."""
    return _bundled("data_samples", "thai_nguyen")


def bundled_model() -> Path:
    """The bundled default scoring model (``models/default``)."""
    return _bundled("models", "default")


def _bundled(package: str, name: str) -> Path:
    # Installed (pip install .): the folders are inside the package, targeting/data_samples/...
    # In a checkout or an editable install: at the top of the repository, beside targeting/.
    here = Path(__file__).resolve().parent
    for base in (here / package, here.parent / package):
        if (base / name).exists():
            return base / name
    return here / package / name
