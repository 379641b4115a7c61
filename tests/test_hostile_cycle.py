"""The annual cycle's inputs, fuzzed like the scenario files (test_hostile.py): decisions.csv, the
beneficiaries.xlsx the village meeting filled in, and the registers given to ``targeting review``.

Whatever the bytes or cells, reading ends in a :class:`ScenarioError` with located problems (exit 2
from the command line, no traceback, nothing written) or in a valid table; never another exception.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from targeting.data import read_scenario
from targeting.data.decisions import read_decisions
from targeting.errors import ScenarioError
from targeting.review import read_register

from .support import cli, tiny_tables, write_tables

TEXT = st.text(alphabet=string.printable + "đàơưĐỒ,;\"'\n\r\t\x00", max_size=300)
ANY_BYTES = st.binary(max_size=300) | TEXT.map(lambda s: s.encode("utf-8"))
CELL = (st.text(max_size=30) | st.integers(-10**20, 10**20).map(str)
        | st.floats(allow_nan=True, allow_infinity=True).map(repr)
        | st.sampled_from(["assign", "exclude", "decline", "Đồng ý", "h1", "p1", "p2", "h1 ", "P1", "",
                           "livestock", "value_chain", "=1+1", "poor", "non_poor", "c1", "c9"]))
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@cache
def _world(root: str) -> tuple[Path, object]:
    """The tiny scenario, read; its plan folder (beneficiaries.xlsx, allocation.csv)."""
    folder = write_tables(Path(root) / "tiny", tiny_tables())
    plan = Path(root) / "plan"
    r = cli("plan", folder, "--out", plan, "-q", "--strategy", "greedy")
    assert r.exit_code == 0, r.output
    return plan, read_scenario(folder)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return _world(str(tmp_path_factory.mktemp("cycle")))


def _located(e: ScenarioError) -> None:
    assert str(e)
    assert e.problems, str(e)
    assert all(p.file for p in e.problems)


def _ends_well(read, check) -> None:
    """``read()`` gives a table that passes ``check``, or a ScenarioError naming where."""
    try:
        table = read()
    except ScenarioError as e:
        _located(e)
    else:
        assert check(table)


def _decisions_end_well(path: Path, sc) -> None:
    _ends_well(lambda: read_decisions(path, sc.households, sc.projects, sc.inputs),
               lambda d: set(d["household_id"]) <= set(sc.households["household_id"]))


# --- decisions.csv ---------------------------------------------------------------------------------

@FUZZ
@given(data=ANY_BYTES)
@pytest.mark.slow
def test_fuzz_decisions_any_bytes(world, tmp_path_factory, data):
    _, sc = world
    path = tmp_path_factory.mktemp("d") / "decisions.csv"
    path.write_bytes(data)
    _decisions_end_well(path, sc)


@FUZZ
@given(rows=st.lists(st.tuples(CELL, CELL, CELL, CELL, CELL), min_size=1, max_size=6))
@pytest.mark.slow
def test_fuzz_decisions_cells(world, tmp_path_factory, rows):
    _, sc = world
    path = tmp_path_factory.mktemp("d") / "decisions.csv"
    pd.DataFrame(rows, columns=["household_id", "decision", "project_id", "kind", "note"]).to_csv(path, index=False)
    _decisions_end_well(path, sc)


# --- the filled-in beneficiaries.xlsx ---------------------------------------------------------------

def _meeting_sheet(wb):
    return next(ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.max_row > 3)


@FUZZ
@given(cells=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 16), CELL), min_size=1, max_size=8))
@pytest.mark.slow
def test_fuzz_filled_workbook_cells(world, tmp_path_factory, cells):
    """Anything typed anywhere in a commune sheet (ids, decisions, headings, notes)."""
    plan, sc = world
    wb = load_workbook(plan / "beneficiaries.xlsx")
    ws = _meeting_sheet(wb)
    for row, col, value in cells:
        ws.cell(row, col).value = ILLEGAL_CHARACTERS_RE.sub("", value)  # what Excel can hold
    path = tmp_path_factory.mktemp("m") / "meeting.xlsx"
    wb.save(path)
    _decisions_end_well(path, sc)


@FUZZ
@given(at=st.floats(0, 1), junk=st.binary(min_size=1, max_size=64))
@pytest.mark.slow
def test_fuzz_filled_workbook_bytes(world, tmp_path_factory, at, junk):
    """A damaged workbook file: bytes overwritten anywhere in the zip."""
    plan, sc = world
    data = bytearray((plan / "beneficiaries.xlsx").read_bytes())
    i = int(at * (len(data) - 1))
    data[i:i + len(junk)] = junk
    path = tmp_path_factory.mktemp("m") / "meeting.xlsx"
    path.write_bytes(bytes(data))
    _decisions_end_well(path, sc)


def test_a_workbook_needing_a_newer_zip_version_is_exit_2_naming_it(world, tmp_path):
    """Found by the fuzzing above: a central directory entry asking for zip version 6.4 made
    Python's zipfile raise NotImplementedError, which escaped the reader (exit 1)."""
    plan, sc = world
    data = bytearray((plan / "beneficiaries.xlsx").read_bytes())
    at = data.index(b"PK\x01\x02")  # the first central directory entry
    data[at + 6:at + 8] = (64).to_bytes(2, "little")  # version needed to extract: 6.4
    path = tmp_path / "meeting.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ScenarioError, match="meeting.xlsx.*not a readable .xlsx workbook"):
        read_decisions(path, sc.households, sc.projects, sc.inputs)


# --- registers for review -------------------------------------------------------------------------

def _register_ends_well(path: Path, sc) -> None:
    _ends_well(lambda: read_register(path, sc.settings), lambda reg: "household_id" in reg.columns)


@FUZZ
@given(data=ANY_BYTES)
@pytest.mark.slow
def test_fuzz_register_any_bytes(world, tmp_path_factory, data):
    _, sc = world
    path = tmp_path_factory.mktemp("r") / "after.csv"
    path.write_bytes(data)
    _register_ends_well(path, sc)


@FUZZ
@given(cell=CELL, column=st.sampled_from(["household_id", "commune_id", "status", "members", "working_age",
                                          "income_vnd", "village", "dep_water"]),
       row=st.integers(0, 4))
@pytest.mark.slow
def test_fuzz_register_cells(world, tmp_path_factory, cell, column, row):
    _, sc = world
    h = tiny_tables()["households"].astype(object)
    h.loc[row, column] = cell
    path = tmp_path_factory.mktemp("r") / "after.csv"
    h.to_csv(path, index=False)
    _register_ends_well(path, sc)


# --- through the command line: exit 2, no traceback, nothing written --------------------------------

BAD = {
    "binary": b"\x00\x01\x02garbage",
    "utf-16": "household_id,decision\nh1,assign\n".encode("utf-16"),
    "no header": b"\n\n",
    "ragged": b"household_id,decision,project_id,kind,note\nh1,assign,p1,,,extra,extra\n",
    "unknown household": b"household_id,decision,project_id,kind,note\nh99,assign,p1,,\n",
    "fake xlsx": b"PK\x03\x04 not really a zip",
}


@pytest.mark.parametrize("case", list(BAD))
def test_cli_bad_decisions_exit_2(world, tmp_path, case):
    plan, sc = world
    suffix = ".xlsx" if case == "fake xlsx" else ".csv"
    path = tmp_path / f"decisions{suffix}"
    path.write_bytes(BAD[case])
    out = tmp_path / "out"
    r = cli("plan", sc.path, "--out", out, "--decisions", path, "-q", catch=True)
    assert r.exit_code == 2, r.output
    assert path.name in r.output
    assert "Traceback" not in r.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("case", ["binary", "utf-16", "no header", "fake xlsx"])
def test_cli_bad_register_exit_2(world, tmp_path, case):
    plan, _ = world
    suffix = ".xlsx" if case == "fake xlsx" else ".csv"
    path = tmp_path / f"after{suffix}"
    path.write_bytes(BAD[case])
    out = tmp_path / "out"
    r = cli("review", plan, "--after", path, "--out", out, catch=True)
    assert r.exit_code == 2, r.output
    assert path.name in r.output
    assert "Traceback" not in r.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_cli_damaged_meeting_workbook_exit_2(world, tmp_path):
    plan, sc = world
    data = (plan / "beneficiaries.xlsx").read_bytes()
    path = tmp_path / "meeting.xlsx"
    path.write_bytes(data[: len(data) // 2])  # cut short, as by a failed copy
    out = tmp_path / "out"
    r = cli("plan", sc.path, "--out", out, "--decisions", path, "-q", catch=True)
    assert r.exit_code == 2, r.output
    assert "meeting.xlsx" in r.output and "Traceback" not in r.output
    assert not out.exists()
