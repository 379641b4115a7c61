"""What the village meeting decided (decisions.csv): read, checked, and turned into pairs.

A plan is a proposal; the meeting decides. Each row of decisions.csv is ``household_id,
decision, project_id, kind, note`` (the contract, "The annual cycle"): ``assign`` gives the
household ``project_id``, ``exclude`` gives it no support this year, ``decline`` records that the
household refuses ``project_id``, or every project of ``kind``, or (both empty) all support.
A beneficiaries.xlsx filled in by the meeting is read too (:func:`read_meeting_workbook`).

The optimizer sees decisions as data only (:class:`DecisionPairs`): pairs fixed in the plan and
pairs left out. Checks here are those of the data contract (exit 2): unknown households or
projects, a duplicate or contradictory decision, an ``assign`` without its project or against a
programme rule (:func:`.eligibility.broken_rules`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import Problem, ScenarioError, problems_message
from ..labels import (
    COLUMN_LABELS,
    DECISION_LABELS,
    MEETING_CHOICES,
    MEETING_COLUMN_LABELS,
    MEETING_MARKER_SHEET,
)
from . import schema
from .eligibility import broken_rules
from .files import check_file_size, open_xlsx, read_table_file, scenario_fingerprint, sha256_bytes

__all__ = ["DecisionPairs", "check_decisions", "read_decisions", "read_meeting_workbook",
           "decision_pairs", "decisions_by_household"]

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
                   projects: pd.DataFrame, inputs: dict[str, str] | None = None) -> pd.DataFrame:
    """Read and check a decisions file (CSV, or XLSX with a ``decisions`` sheet) for a scenario.

    A beneficiaries.xlsx written by targeting and filled in by the village meeting is read too
    (:func:`read_meeting_workbook`).

    Parameters
    ----------
    path : path-like
        The file (``targeting plan --decisions FILE``).
    households, projects : DataFrame
        The scenario's validated tables.
    inputs : dict, optional
        The scenario's files and their sha256 (``Scenario.inputs``): a filled beneficiaries.xlsx
        must come from a plan of this scenario.

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
    if path.suffix.lower() == ".xlsx" and path.is_file():
        wb = _open_workbook(path)
        if wb is not None and MEETING_MARKER_SHEET in wb.sheetnames:
            return read_meeting_workbook(path, wb, households, projects, inputs)
    raw, data = read_table_file(path, sheet="decisions", problems=problems)
    d = None if raw is None else schema.parse_table(raw, schema.DECISIONS, path.name, problems)
    if d is not None and not problems:
        check_decisions(d, path.name, households, projects, problems)
    if problems:
        raise ScenarioError(problems_message(problems), problems)
    d.attrs["inputs"] = {path.name: sha256_bytes(data)}  # for plan.json, beside the scenario's
    return d


def _open_workbook(path: Path):
    """The workbook at ``path`` (values, not formulas), or None if it is not one or is too large
    (:func:`read_table_file`, reading it next, says which)."""
    problems: list[Problem] = []
    if not check_file_size(path, path.name, problems):
        return None
    return open_xlsx(path.read_bytes(), path.name, problems, read_only=False)


def _cell_text(v) -> str:
    """A cell's value as stripped text (an empty cell is ``""``)."""
    return "" if v is None else str(v).strip()


def read_meeting_workbook(path: Path, wb, households: pd.DataFrame, projects: pd.DataFrame,
                          inputs: dict[str, str] | None) -> pd.DataFrame:
    """The decisions the village meeting typed into a beneficiaries.xlsx written by targeting.

    Every commune sheet is read; a list row (one with a household id under the heading row that
    has the meeting's decision column) with a decision is one decision: "Đồng ý"/"Agreed" (or
    ``assign``) assigns the project the row shows, "Không hỗ trợ"/"Not supported" (or
    ``exclude``) excludes the household, "Hộ từ chối"/"Household declined" (or ``decline``)
    declines the project the row shows, or all support if it shows none. The note goes along.
    Rows and sheets may be in any order; rows without a decision are skipped.

    Parameters
    ----------
    path : Path
        The workbook's path (for messages and plan.json).
    wb : openpyxl.Workbook
        The loaded workbook, with the hidden marker sheet.
    households, projects : DataFrame
        The scenario's validated tables.
    inputs : dict or None
        The scenario's files and their sha256; the workbook must have been made from them.

    Returns
    -------
    DataFrame
        As :func:`read_decisions`.

    Raises
    ------
    ScenarioError
        For a workbook from another scenario or a public list, and naming sheet, row, column
        and value of every decision that cannot be read or checked (exit 2).
    """
    file = path.name
    marker = {str(r[0]): r[1:] for r in wb[MEETING_MARKER_SHEET].iter_rows(values_only=True)
              if r and r[0] is not None}
    if _cell_text(marker.get("public", (0,))[0]) not in ("", "0"):
        raise ScenarioError(f"{file}: a public list (pseudonymised household ids) cannot be read "
                            "back as decisions; fill in the list written without --public")
    if inputs is not None and _cell_text(marker.get("fingerprint", ("",))[0]) != scenario_fingerprint(inputs):
        raise ScenarioError(f"{file}: this workbook was made from another scenario (its households "
                            "and projects files differ from this scenario's); plan this scenario "
                            "and fill in its beneficiaries.xlsx")
    rows = list(wb[MEETING_MARKER_SHEET].iter_rows(values_only=True))
    shown: dict[str, tuple[str, str]] = {}
    prefilled: dict[str, tuple[str, list]] = {}  # rows the plan's own decisions filled in
    for r in rows[3:]:
        if r and r[0] is not None:
            shown[_cell_text(r[0])] = (_cell_text(r[1]), _cell_text(r[2]) if len(r) > 2 else "")
            behind = _decided_rows(r[4] if len(r) > 4 else None)
            if len(r) > 3 and _cell_text(r[3]) in MEETING_CHOICES and behind:
                prefilled[_cell_text(r[0])] = (_cell_text(r[3]), behind)
    choices = {k: k for k in MEETING_CHOICES}
    for table in (DECISION_LABELS, MEETING_CHOICES):
        for k, words in table.items():
            choices.update({w.casefold(): k for w in words})
    decision_heads = set(MEETING_COLUMN_LABELS["decision"])
    note_heads = set(MEETING_COLUMN_LABELS["note"])
    id_heads = set(COLUMN_LABELS["household_id"])
    problems: list[Problem] = []
    frames = []
    for ws in wb.worksheets:
        if ws.title == MEETING_MARKER_SHEET:
            continue
        where = f"{file}, sheet {ws.title!r}"
        found: list[dict] = []
        cols = None  # (household, decision, note) 0-based, from the last heading row
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            texts = [_cell_text(v) for v in row]
            if decision_heads & set(texts):
                cols = tuple(next((i for i, t in enumerate(texts) if t in heads), None)
                             for heads in (id_heads, decision_heads, note_heads))
                continue
            if cols is None or cols[0] is None or cols[0] >= len(texts):
                continue
            hid_cell = texts[cols[0]]
            said = texts[cols[1]] if cols[1] < len(texts) else ""
            if not hid_cell or hid_cell not in shown:
                if said:
                    problems.append(Problem(where, n, "household_id",
                                            f"a decision for a household this workbook does not list; "
                                            f"got {hid_cell!r}"))
                continue
            if not said:
                continue
            column = _column_letter(cols[1])
            code = choices.get(said.casefold())
            if code is None:
                allowed = ", ".join(repr(w) for pair in MEETING_CHOICES.values() for w in pair)
                problems.append(Problem(where, n, column,
                                        f"the meeting's decision must be one of {allowed} (or assign, "
                                        f"exclude, decline); got {said!r}"))
                continue
            hid, project = shown[hid_cell]
            if code == "assign" and not project:
                problems.append(Problem(where, n, column,
                                        f"household {hid}'s row shows no project: nothing to agree to; "
                                        f"got {said!r}"))
                continue
            note = texts[cols[2]] if cols[2] is not None and cols[2] < len(texts) else ""
            if prefilled.get(hid_cell, ("",))[0] == code:
                # the decision the plan was made with, left as it was: read back what it stood
                # for (a decline of a project the row no longer shows, several rows), the note
                # on the first
                for i, (dec, proj, kind) in enumerate(prefilled[hid_cell][1]):
                    found.append({"household_id": hid, "decision": dec, "project_id": proj, "kind": kind,
                                  "note": (note or None) if i == 0 else None, "_row": n})
                continue
            found.append({"household_id": hid, "decision": code,
                          "project_id": "" if code == "exclude" else project, "kind": "",
                          "note": note or None, "_row": n})
        if found:
            d = pd.DataFrame(found)
            d.index = d.pop("_row") - 2  # check_decisions names row index + 2: the sheet's row
            check_decisions(d, where, households, projects, problems)
            frames.append(d)
    if problems:
        raise ScenarioError(problems_message(problems), problems)
    cols_out = ["household_id", "decision", "project_id", "kind", "note"]
    d = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols_out)
    d = d[cols_out]
    d.attrs["inputs"] = {file: sha256_bytes(path.read_bytes())}
    return d


def _decided_rows(cell) -> list[tuple[str, str, str]]:
    """The ``[decision, project_id, kind]`` rows of a marker's ``decided`` cell (JSON; anything
    else, or a row with an unknown decision, gives none)."""
    if not isinstance(cell, str) or not cell:
        return []
    try:
        rows = json.loads(cell)
    except ValueError:
        return []
    if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == 3 and all(isinstance(x, str) for x in r)
            and r[0] in MEETING_CHOICES for r in rows):
        return []
    return [tuple(r) for r in rows]


def _column_letter(col: int) -> str:
    """The column letter of the 0-based column ``col`` (how Excel users name it)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


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
