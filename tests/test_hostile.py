"""Hostile inputs: every one ends in ScenarioError (exit 2) naming the file, never a traceback."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from targeting.data import read_scenario
from targeting.errors import ScenarioError

from .support import cli, tiny_tables, write_tables


def scenario_with(tmp_path, name: str, data: bytes):
    folder = write_tables(tmp_path / "s", tiny_tables())
    (folder / f"{name}.csv").write_bytes(data)
    return folder


def messages(folder) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        read_scenario(folder)
    return [str(p) for p in e.value.problems] or [str(e.value)]


CASES = {
    "binary garbage": (b"\x00\x01\x02\xff\xfe" * 50, "households.csv: is not a text file"),
    "empty file": (b"", "households.csv: is empty; expected a header row"),
    "header only": (b"household_id,commune_id\n", "households.csv, column village: required column is missing"),
    "utf-16": ("household_id,commune_id\nh1,c1\n".encode("utf-16"), "households.csv: is UTF-16 text"),
    "windows-1258": ("household_id,village\nh1,Nà Pài\n".encode("cp1258"), "households.csv row 2: is not UTF-8 text"),
    "duplicated header": (b"household_id,household_id,commune_id\nh1,h2,c1\n",
                          "households.csv row 1, column household_id: column name appears twice"),
    "empty header cell": (b"household_id,,commune_id\nh1,x,c1\n", "households.csv row 1, column #2: header cell is empty"),
    "ragged rows": (b"household_id,commune_id\nh1,c1,extra,more\n", "households.csv: cannot be read as CSV"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file(tmp_path, case):
    data, expected = CASES[case]
    msgs = messages(scenario_with(tmp_path, "households", data))
    assert any(m.startswith(expected) for m in msgs), msgs


@pytest.mark.parametrize(
    "value, expected",
    [
        ("nan", "got 'nan'"),
        ("inf", "got 'inf'"),
        ("-inf", "got '-inf'"),
        ("1e400", "got '1e400'"),
        ("99999999999999999999999", "got '99999999999999999999999'"),
        ("a lot", "got 'a lot'"),
        ("１２", "got '１２'"),
    ],
)
def test_hostile_numbers(tmp_path, value, expected):
    t = tiny_tables()
    t["households"]["income_vnd"] = t["households"]["income_vnd"].astype(object)
    t["households"].loc[2, "income_vnd"] = value
    msgs = messages(write_tables(tmp_path / "s", t))
    assert any(m.startswith("households.csv row 4, column income_vnd: expected a whole number of VND")
               and m.endswith(expected) for m in msgs), msgs


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario folder not found"):
        read_scenario(tmp_path / "nope")
    f = tmp_path / "file.csv"
    f.write_text("x")
    with pytest.raises(ScenarioError, match="is not a folder"):
        read_scenario(f)


def test_bad_xlsx(tmp_path):
    folder = write_tables(tmp_path / "s", tiny_tables())
    (folder / "households.csv").unlink()
    (folder / "households.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    msgs = messages(folder)
    assert any(m.startswith("households.xlsx: is not a readable .xlsx workbook") for m in msgs), msgs


def test_both_csv_and_xlsx(tmp_path):
    t = tiny_tables()
    folder = write_tables(tmp_path / "s", t)
    t["communes"].to_excel(folder / "communes.xlsx", sheet_name="communes", index=False)
    msgs = messages(folder)
    assert any("both communes.csv and communes.xlsx are present" in m for m in msgs)


def test_bad_toml(tmp_path):
    folder = write_tables(tmp_path / "s", tiny_tables(), toml="[plan\nyear=")
    msgs = messages(folder)
    assert any(m.startswith("scenario.toml: is not valid TOML") for m in msgs)


@pytest.mark.parametrize("case", ["binary garbage", "utf-16", "duplicated header"])
def test_cli_exit_2_without_traceback(tmp_path, case):
    folder = scenario_with(tmp_path, "households", CASES[case][0])
    for cmd in (["validate", folder], ["plan", folder, "--out", tmp_path / "o"]):
        r = cli(*cmd, catch=True)
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output
        assert "households.csv" in r.output
    assert not (tmp_path / "o").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300) | st.text(alphabet=string.printable + "đàơ,\n\"", max_size=300).map(
    lambda s: s.encode("utf-8")))
@pytest.mark.slow
def test_fuzz_any_bytes_end_in_scenario_error(tmp_path_factory, data):
    folder = write_tables(tmp_path_factory.mktemp("fz"), tiny_tables())
    for name in ("households", "projects"):
        (folder / f"{name}.csv").write_bytes(data)
        try:
            read_scenario(folder)
        except ScenarioError as e:
            assert str(e)
        # a random file that happens to be a valid table is fine too


@settings(max_examples=40, deadline=None)
@given(cell=st.text(max_size=20), column=st.sampled_from(
    ["members", "working_age", "income_vnd", "land_m2", "status", "village", "urban", "road_km"]))
@pytest.mark.slow
def test_fuzz_cells(tmp_path_factory, cell, column):
    t = tiny_tables()
    h = t["households"]
    h[column] = h[column].astype(object) if column in h else 0
    h[column] = h[column].astype(object)
    h.loc[1, column] = cell
    folder = write_tables(tmp_path_factory.mktemp("fc"), t)
    try:
        sc = read_scenario(folder)
    except ScenarioError as e:
        assert all(p.file for p in e.problems)
    else:
        assert len(sc.households) == 5
