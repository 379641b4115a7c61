"""What the village meeting decided (decisions.csv): read, checked, and turned into pairs.

A plan is a proposal; the meeting decides. Each row of decisions.csv is ``household_id,
decision, project_id, kind, note`` (the contract, "The annual cycle"): ``assign`` gives the
household ``project_id``, ``exclude`` gives it no support this year, ``decline`` records that the
household refuses ``project_id``, or every project of ``kind``, or (both empty) all support.

The optimizer sees decisions as data only (:class:`DecisionPairs`): pairs fixed in the plan and
pairs left out. Checks here are those of the data contract (exit 2): unknown households or
projects, a duplicate or contradictory decision, an ``assign`` without its project or against a
programme rule (:func:`.eligibility.broken_rules`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import Problem, ScenarioError, problems_message
from . import schema
from .eligibility import broken_rules
from .files import read_table_file, sha256_bytes

__all__ = ["DecisionPairs", "check_decisions", "read_decisions", "decision_pairs",
           "decisions_by_household"]

#: What each programme rule asks, for the message of an ``assign`` that breaks it.
_RULE_TEXT = {
    "commune": "the household lives in another commune",
    "village": "the project is open to another village only",
    "working_age": "the project needs a working-age member and the household has none",
    "land": "the household has less land than the project's min_land_m2",
    "status": "the project does not admit the household's status",
}


@dataclass(frozen=True)
class DecisionPairs:
    """The decisions as pairs (``household_id, project_id``): ``forced`` are in the plan,
    ``removed`` are in no plan (exclusions and declines)."""

    forced: pd.DataFrame
    removed: pd.DataFrame


def _text(v) -> str:
    """A parsed text cell as a string (an empty cell is ``""``)."""
    return v if isinstance(v, str) else ""


def _covers(row, project_id: str, project_kind: str) -> bool:
    """Whether a ``decline`` row refuses the project ``project_id`` (of ``project_kind``)."""
    p, k = _text(row["project_id"]), _text(row["kind"])
    return (p == "" and k == "") or p == project_id or (p == "" and k == project_kind)


def check_decisions(d: pd.DataFrame, file: str, households: pd.DataFrame, projects: pd.DataFrame,
                    problems: list[Problem], *, households_file: str = "households.csv",
                    projects_file: str = "projects.csv") -> None:
    """Append every problem of the parsed decisions ``d`` (see the module docstring)."""
    before = len(problems)
    schema.check_reference(d, file, "household_id", households["household_id"], households_file,
                           problems)
    schema.check_reference(d, file, "project_id", projects["project_id"], projects_file, problems,
                           allow_empty=True)
    if problems[before:] or not {"household_id", "decision"} <= set(d.columns):
        return
    kind_of = dict(zip(projects["project_id"], projects["kind"]))
    seen: dict[str, list] = {}
    for i, row in d.iterrows():
        r = int(i) + 2
        if row["decision"] == "assign" and not _text(row["project_id"]):
            problems.append(Problem(file, r, "project_id",
                                    "an assign decision must name the project; got an empty cell"))
            continue
        earlier = seen.setdefault(row["household_id"], [])
        why = _clash(row, earlier, kind_of)
        if why:
            problems.append(Problem(file, r, "decision", f"{why}; got {row['decision']!r}"))
        earlier.append((r, row))
    if problems[before:]:
        return
    assign = d[d["decision"] == "assign"]
    if len(assign):
        for (i, row), rule in zip(assign.iterrows(), broken_rules(households, projects, assign)):
            if rule is not None:
                problems.append(Problem(
                    file, int(i) + 2, "project_id",
                    f"household {row['household_id']} may not join project {row['project_id']}: "
                    f"the programme rule {rule!r} ({_RULE_TEXT[rule]}); got {row['project_id']!r}"))


def _clash(row, earlier: list, kind_of: dict) -> str | None:
    """Why ``row`` duplicates or contradicts an earlier decision for its household, if it does."""
    hid = row["household_id"]
    for r0, e in earlier:
        same = all(_text(row[c]) == _text(e[c]) for c in ("decision", "project_id", "kind"))
        if same:
            return f"household {hid} has this decision already on row {r0}"
        pair = {row["decision"], e["decision"]}
        if "exclude" in pair or pair == {"assign"}:
            return f"household {hid} has a contradictory decision on row {r0}"
        if pair == {"assign", "decline"}:
            a, dcl = (row, e) if row["decision"] == "assign" else (e, row)
            if _covers(dcl, a["project_id"], kind_of.get(a["project_id"], "")):
                return f"household {hid} declines on row {r0} the project assigned here" \
                    if row is a else f"household {hid} is assigned on row {r0} what it declines here"
    return None


def read_decisions(path: str | os.PathLike, households: pd.DataFrame,
                   projects: pd.DataFrame) -> pd.DataFrame:
    """Read and check a decisions file (CSV, or XLSX with a ``decisions`` sheet) for a scenario.

    Parameters
    ----------
    path : path-like
        The file (``targeting plan --decisions FILE``).
    households, projects : DataFrame
        The scenario's validated tables.

    Returns
    -------
    DataFrame
        ``household_id, decision, project_id, kind, note`` (empty texts as ``""``/None);
        ``attrs["inputs"]``: the file's name and sha256.

    Raises
    ------
    ScenarioError
        Naming file, row, column and value of every problem (exit 2).
    """
    path = Path(path)
    problems: list[Problem] = []
    raw, data = read_table_file(path, sheet="decisions", problems=problems)
    d = None if raw is None else schema.parse_table(raw, schema.DECISIONS, path.name, problems)
    if d is not None and not problems:
        check_decisions(d, path.name, households, projects, problems)
    if problems:
        raise ScenarioError(problems_message(problems), problems)
    d.attrs["inputs"] = {path.name: sha256_bytes(data)}  # for plan.json, beside the scenario's
    return d


def decision_pairs(decisions: pd.DataFrame, projects: pd.DataFrame) -> DecisionPairs:
    """The checked decisions as the pairs the optimizer fixes and drops."""
    cols = ["household_id", "project_id"]
    assign = decisions[decisions["decision"] == "assign"]
    forced = assign[cols].astype(str).reset_index(drop=True)
    removed = []
    pid, kind = projects["project_id"].astype(str), projects["kind"].astype(str)
    for _, row in decisions[decisions["decision"] != "assign"].iterrows():
        if row["decision"] == "exclude":
            ids = pid
        else:
            ids = pid[[_covers(row, p, k) for p, k in zip(pid, kind)]]
        removed.append(pd.DataFrame({"household_id": str(row["household_id"]),
                                     "project_id": ids.to_numpy()}))
    removed = pd.concat(removed, ignore_index=True) if removed else pd.DataFrame(columns=cols)
    return DecisionPairs(forced=forced, removed=removed)


def decisions_by_household(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per decided household: ``household_id, decision, decision_note`` (a household's
    several declines as one ``decline``, their notes joined with ``"; "``)."""
    rows = []
    for hid, g in decisions.groupby("household_id", sort=False):
        notes = [str(n) for n in g["note"] if isinstance(n, str) and n]
        first = "assign" if (g["decision"] == "assign").any() else g["decision"].iloc[0]
        rows.append({"household_id": hid, "decision": first,
                     "decision_note": "; ".join(notes)})
    return pd.DataFrame(rows, columns=["household_id", "decision", "decision_note"])
