"""Read and validate a scenario folder: every file, the checks across files, derived statuses.

:func:`read_scenario` reads each file of the contract once (:mod:`.files`), parses it
(:mod:`.schema`), checks what one file says about another (:func:`check_across_files`),
derives missing statuses with the scenario's standard (:func:`derive_status`) and fills the
defaults of the contract (:func:`fill_defaults`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Settings, parse_settings
from ..errors import Problem, ScenarioError, problems_message
from . import schema
from .decisions import check_decisions
from .files import decode_text, read_table_file, sha256_bytes
from .standards import (
    available_standards,
    check_income_test,
    classify,
    load_standard,
    with_score_lines,
)

__all__ = ["Scenario", "read_scenario", "find_table_file"]


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
    #: decisions.csv, checked (:mod:`.decisions`); None when the folder has none
    decisions: pd.DataFrame | None = None


def find_table_file(folder: Path, name: str, problems: list[Problem]) -> Path | None:
    """``name``.csv or ``name``.xlsx in ``folder`` (None when neither; a problem when both)."""
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


def read_scenario(folder: str | os.PathLike, *, classify_missing: bool = True) -> Scenario:
    """Read and validate a scenario folder against the data contract.

    Every problem in every file is collected; if there is any, :class:`ScenarioError` is raised
    with all of them (``.problems``) and a message listing them. Households without a ``status``
    are classified with the scenario's standard (see :func:`targeting.data.standards.classify`).
    """
    folder = Path(folder)
    if not folder.exists():
        raise ScenarioError(f"scenario folder not found: {folder}")
    if not folder.is_dir():
        raise ScenarioError(f"{folder} is not a folder; expected a scenario folder holding communes.csv, ...")
    problems: list[Problem] = []
    inputs: dict[str, str] = {}
    settings = _read_settings(folder, inputs, problems)
    tables, files = _read_tables(folder, inputs, problems)
    check_across_files(tables, files, problems)
    if tables["households"] is not None:
        check_consent(tables["households"], files["households"], settings, problems)
    status_derived = False
    if not problems:
        status_derived = derive_status(tables["households"], files["households"], settings,
                                       problems, classify_missing=classify_missing)
    if not problems:
        fill_defaults(tables)
    if problems:
        raise ScenarioError(problems_message(problems), problems)
    return Scenario(
        path=folder,
        communes=tables["communes"],
        households=tables["households"],
        projects=tables["projects"],
        cooperatives=tables["cooperatives"],
        history=tables["history"],
        gains=tables["gains"],
        settings=settings,
        inputs=inputs,
        status_derived=status_derived,
        decisions=tables["decisions"],
    )


def _read_settings(folder: Path, inputs: dict[str, str], problems: list[Problem]) -> Settings:
    toml_path = folder / "scenario.toml"
    if not toml_path.exists():
        return Settings()
    data = toml_path.read_bytes()
    inputs[toml_path.name] = sha256_bytes(data)
    text = decode_text(data, toml_path.name, problems)
    if text is None:
        return Settings()
    return parse_settings(text, toml_path.name, problems, standards=available_standards())


def _read_tables(folder: Path, inputs: dict[str, str], problems: list[Problem]):
    """Every table of the contract, parsed (None where absent or unreadable), and its file name."""
    tables: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    for name, spec in schema.TABLES.items():
        path = find_table_file(folder, name, problems)
        if path is None:
            if spec.required and not any(p.file.startswith(name + ".") for p in problems):
                problems.append(Problem(f"{name}.csv", None, None, f"required file is missing in {folder}"))
            tables[name] = None
            continue
        files[name] = path.name
        raw, data = read_table_file(path, sheet=name, problems=problems)
        if data is not None:
            inputs[path.name] = sha256_bytes(data)
        tables[name] = None if raw is None else schema.parse_table(raw, spec, path.name, problems)
    return tables, files


def check_across_files(tables: dict[str, pd.DataFrame | None], files: dict[str, str],
                       problems: list[Problem]) -> None:
    """What one table says about another: keys that must exist, pairs that must be unique."""
    h, p, c, co, g = (tables[k] for k in ("households", "projects", "communes", "cooperatives", "gains"))
    if h is not None:
        schema.check_households(h, files["households"], problems)
        schema.check_income_columns(h, files["households"], problems)
    if p is not None:
        schema.check_projects(p, files["projects"], problems)
    if tables["history"] is not None:
        schema.check_wants(tables["history"], files["history"], problems)
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
    if g is not None:
        if h is not None and "household_id" in h:
            schema.check_reference(g, files["gains"], "household_id", h["household_id"].dropna(),
                                   files["households"], problems)
        if p is not None and "project_id" in p:
            schema.check_reference(g, files["gains"], "project_id", p["project_id"].dropna(),
                                   files["projects"], problems)
        schema.check_unique_pairs(g, files["gains"], ["household_id", "project_id"], problems)
    d = tables["decisions"]
    if d is not None and h is not None and p is not None and not problems:
        check_decisions(d, files["decisions"], h, p, problems, households_file=files["households"],
                        projects_file=files["projects"])


def derive_status(h: pd.DataFrame, file: str, settings: Settings, problems: list[Problem], *,
                  classify_missing: bool = True) -> bool:
    """Fill empty statuses of ``h`` (in place) with the scenario's standard; True if any was.

    A household whose status is empty needs every deprivation column of the standard; where
    one is missing or empty the problem is reported and nothing is derived.
    """
    std = with_score_lines(load_standard(settings.standard_name), settings.score_line_rural,
                           settings.score_line_urban)
    need = "status" not in h.columns or h["status"].isna().any()
    if need:
        check_income_test(h, file, std, problems, todo=h["status"].isna() if "status" in h.columns else None)
    if need:
        missing = [d for d in std.indicators if d not in h.columns]
        if missing:
            problems.append(
                Problem(file, None, ", ".join(missing),
                        f"status is not given for every household, so it is derived with {std.name}, "
                        "which needs these deprivation columns; they are missing")
            )
        else:
            blank = h[list(std.indicators)].isna()
            rows = blank.any(axis=1) & (h["status"].isna() if "status" in h else True)
            for i in h.index[rows][: schema.MAX_PROBLEMS_PER_COLUMN]:
                col = blank.columns[blank.loc[i]][0]
                problems.append(
                    Problem(file, int(i) + 2, col,
                            f"status is empty, so it is derived with {std.name}, which needs 0 or 1 "
                            "here; got an empty cell")
                )
    derived = False
    if need and not problems and classify_missing:
        if "status" in h.columns:  # classify only the households without a status
            status = classify(h.loc[h["status"].isna()], std)["status"]
            h["status"] = h["status"].where(h["status"].notna(), status.reindex(h.index))
        else:
            h["status"] = classify(h, std)["status"]
        derived = True
    if "status" in h.columns:
        h["status"] = h["status"].astype("object")
    return derived


def check_consent(h: pd.DataFrame, file: str, settings: Settings, problems: list[Problem]) -> None:
    """``[policy] consent = "wants"`` needs the households' ``wants`` column."""
    if settings.consent == "wants" and "wants" not in h.columns:
        problems.append(
            Problem("scenario.toml", None, "policy.consent",
                    f"consent \"wants\" gives households only the kinds they asked for, which {file} "
                    "lists in a wants column; the column is missing")
        )


def fill_defaults(tables: dict[str, pd.DataFrame | None]) -> None:
    """The contract's defaults that depend on other columns, and an empty cooperatives table."""
    p = tables["projects"]
    if "requires_working_age" not in p.columns:
        p["requires_working_age"] = schema.default_requires_working_age(p["kind"])
    else:
        p["requires_working_age"] = (
            p["requires_working_age"].fillna(schema.default_requires_working_age(p["kind"])).astype("int64")
        )
    h = tables["households"]
    if "income_vnd" not in h.columns:  # a register of scores only: incomes are unknown
        h["income_vnd"] = pd.Series(pd.NA, index=h.index, dtype="Int64")
    if tables["cooperatives"] is None:
        tables["cooperatives"] = schema.empty_frame(schema.COOPERATIVES)
