"""The Excel round trip: the village meeting fills in beneficiaries.xlsx, the commune re-plans
from it with ``--decisions``.

The tiny scenario's plan supports h5 and h4 with p2 (part A); h3, h2 and h1 are next in line
for p2 (part B).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from targeting.labels import MEETING_CHOICES, MEETING_MARKER_SHEET

from .support import cli, tiny_tables, write_tables

SHEET = "Phong Quang"
ID_COL, DECISION_COL, NOTE_COL = 3, 13, 14  # C, M, N


def _plan(scenario: Path, out: Path, *args) -> Path:
    r = cli("plan", scenario, "--out", out, "-q", *args)
    assert r.exit_code == 0, r.output
    return out / "beneficiaries.xlsx"


def _rows(ws) -> dict[str, int]:
    """The sheet row of every listed household, by id."""
    return {ws.cell(r, ID_COL).value: r for r in range(1, ws.max_row + 1)
            if str(ws.cell(r, ID_COL).value or "").startswith("h")}


def _fill(book: Path, decisions: dict[str, tuple[str, str | None]], *, first: bool = True,
          swap: tuple[str, str] | None = None) -> Path:
    """Type ``decisions`` (household -> decision text, note) as a person would; optionally move
    the commune sheet first and swap two household rows; save as meeting.xlsx beside it."""
    wb = load_workbook(book)
    ws = wb[SHEET]
    rows = _rows(ws)
    if swap is not None:
        a, b = rows[swap[0]], rows[swap[1]]
        for c in range(1, ws.max_column + 1):
            va, vb = ws.cell(a, c).value, ws.cell(b, c).value
            ws.cell(a, c).value, ws.cell(b, c).value = vb, va
        rows = _rows(ws)
    for hid, (text, note) in decisions.items():
        ws.cell(rows[hid], DECISION_COL).value = text
        ws.cell(rows[hid], NOTE_COL).value = note
    if first:
        wb.move_sheet(SHEET, offset=-wb.index(ws))
    out = book.parent.parent / "meeting.xlsx"
    wb.save(out)
    return out


def _replan(scenario: Path, meeting: Path, out: Path):
    return cli("plan", scenario, "--out", out, "-q", "--decisions", meeting)


def _decided(out: Path) -> tuple[pd.DataFrame, dict]:
    a = pd.read_csv(out / "allocation.csv", dtype=str, keep_default_na=False).set_index("household_id")
    return a, json.loads((out / "plan.json").read_text(encoding="utf-8"))["decisions"]


def test_vietnamese_decisions_typed_into_the_workbook_are_honoured(tiny, tmp_path):
    book = _plan(tiny, tmp_path / "plan")
    meeting = _fill(book, {"h5": ("Hộ từ chối", "đi làm xa"), "h3": ("Đồng ý", None),
                           "h1": ("Không hỗ trợ", "đã có việc làm")})
    assert load_workbook(meeting).sheetnames[0] == SHEET  # the sheets were reordered
    r = _replan(tiny, meeting, tmp_path / "decided")
    assert r.exit_code == 0, r.output
    a, d = _decided(tmp_path / "decided")
    assert a.loc["h3", "project_id"] == "p2" and a.loc["h3", "decision"] == "assign"
    assert a.loc["h5", "project_id"] != "p2" and a.loc["h5", "decision"] == "decline"
    assert a.loc["h5", "decision_note"] == "đi làm xa"
    assert a.loc["h1", "project_id"] == "" and a.loc["h1", "decision"] == "exclude"
    assert a.loc["h1", "decision_note"] == "đã có việc làm"
    assert a.loc["h4", "decision"] == "" and a.loc["h2", "decision"] == ""  # rows left empty
    assert {k: d[k] for k in ("assign", "exclude", "decline")} == {"assign": 1, "exclude": 1, "decline": 1}
    assert list(d["file"]) == ["meeting.xlsx"]


def test_english_decisions_and_codes_with_rows_reordered(tiny, tmp_path):
    book = _plan(tiny, tmp_path / "plan", "--lang", "en")
    meeting = _fill(book, {"h4": ("Agreed", None), "h2": ("household declined", "no time"),
                           "h1": ("exclude", None)}, swap=("h3", "h1"))
    r = _replan(tiny, meeting, tmp_path / "decided")
    assert r.exit_code == 0, r.output
    a, d = _decided(tmp_path / "decided")
    assert a.loc["h4", ["project_id", "decision"]].tolist() == ["p2", "assign"]
    assert a.loc["h2", "project_id"] != "p2" and a.loc["h2", "decision"] == "decline"
    assert a.loc["h1", ["project_id", "decision"]].tolist() == ["", "exclude"]
    assert a.loc["h3", "decision"] == ""
    assert {k: d[k] for k in ("assign", "exclude", "decline")} == {"assign": 1, "exclude": 1, "decline": 1}


def test_the_decision_column_has_the_dropdown_and_the_marker_is_hidden(tiny, tmp_path):
    for lang, heads in (("vi", ("Quyết định của cuộc họp", "Ghi chú")), ("en", ("Meeting decision", "Note"))):
        book = _plan(tiny, tmp_path / lang, "--lang", lang)
        wb = load_workbook(book)
        ws = wb[SHEET]
        rows = _rows(ws)
        assert (ws.cell(8, DECISION_COL).value, ws.cell(8, NOTE_COL).value) == heads
        assert all(ws.cell(r, DECISION_COL).value is None for r in rows.values())
        (dv,) = ws.data_validations.dataValidation
        i = 0 if lang == "en" else 1
        assert dv.type == "list"
        assert dv.formula1 == '"' + ",".join(w[i] for w in MEETING_CHOICES.values()) + '"'
        assert all(f"M{r}" in dv.sqref for r in rows.values())
        assert "M8" not in dv.sqref  # not on the heading
        assert wb[MEETING_MARKER_SHEET].sheet_state == "hidden"


def test_a_workbook_from_another_scenario_is_refused(tiny, tmp_path):
    book = _plan(tiny, tmp_path / "plan")
    meeting = _fill(book, {"h3": ("Đồng ý", None)})
    t = tiny_tables()
    t["households"].loc[0, "income_vnd"] += 1
    other = write_tables(tmp_path / "other", t)
    r = _replan(other, meeting, tmp_path / "decided")
    assert r.exit_code == 2, r.output
    assert "this workbook was made from another scenario" in r.output
    assert not (tmp_path / "decided").exists()


def test_an_unknown_decision_names_sheet_row_column_and_value(tiny, tmp_path):
    book = _plan(tiny, tmp_path / "plan")
    row = _rows(load_workbook(book)[SHEET])["h2"]
    meeting = _fill(book, {"h2": ("Có lẽ", None), "h5": ("Đồng ý", None)})
    r = _replan(tiny, meeting, tmp_path / "decided")
    assert r.exit_code == 2, r.output
    assert f"meeting.xlsx, sheet '{SHEET}' row {row}, column M" in r.output
    assert "'Có lẽ'" in r.output
    assert not (tmp_path / "decided").exists()


def test_an_untouched_workbook_decides_nothing(tiny, tmp_path):
    book = _plan(tiny, tmp_path / "plan")
    r = _replan(tiny, book, tmp_path / "decided")
    assert r.exit_code == 0, r.output
    a, d = _decided(tmp_path / "decided")
    before = pd.read_csv(tmp_path / "plan" / "allocation.csv", dtype=str, keep_default_na=False)
    assert a["project_id"].tolist() == before["project_id"].tolist()
    assert (a["decision"] == "").all() and d["assign"] == d["exclude"] == d["decline"] == 0


def test_a_public_list_is_not_read_back(tiny, tmp_path):
    key = tmp_path / "key.txt"
    key.write_text("a commune secret key of some length", encoding="utf-8")
    book = _plan(tiny, tmp_path / "plan", "--public", "--key-file", key)
    wb = load_workbook(book)
    assert [r[0] for r in wb[MEETING_MARKER_SHEET].iter_rows(values_only=True)] == \
        ["fingerprint", "public", "household_id_cell"]  # no real ids in a posted file
    ws = wb[SHEET]
    ws.cell(9, DECISION_COL).value = "Đồng ý"
    wb.save(tmp_path / "meeting.xlsx")
    r = _replan(tiny, tmp_path / "meeting.xlsx", tmp_path / "decided")
    assert r.exit_code == 2, r.output
    assert "public list" in r.output


def test_agreeing_on_a_row_without_a_project_names_the_row(tmp_path):
    t = tiny_tables()
    t["projects"].loc[0, "requires_working_age"] = "1"
    t["households"] = pd.concat([t["households"], pd.DataFrame([{
        **t["households"].iloc[0].to_dict(), "household_id": "h6", "working_age": 0, "land_m2": 0.0}])],
        ignore_index=True)
    scenario = write_tables(tmp_path / "s", t)
    book = _plan(scenario, tmp_path / "plan")
    row = _rows(load_workbook(book)[SHEET])["h6"]
    meeting = _fill(book, {"h6": ("Đồng ý", None)}, first=False)
    r = _replan(scenario, meeting, tmp_path / "decided")
    assert r.exit_code == 2, r.output
    assert f"sheet '{SHEET}' row {row}, column M" in r.output and "nothing to agree to" in r.output
    meeting = _fill(book, {"h6": ("Hộ từ chối", "không cần")}, first=False)  # declines all support
    r = _replan(scenario, meeting, tmp_path / "decided")
    assert r.exit_code == 0, r.output
    a, d = _decided(tmp_path / "decided")
    assert a.loc["h6", ["project_id", "decision", "decision_note"]].tolist() == ["", "decline", "không cần"]
    assert d["decline"] == 1


def _decisions_csv(folder: Path) -> Path:
    """The meeting declined p2 for h5 (the plan's first household), agreed h3 to p2 and excluded h1;
    h2 declined p1 and, on a second row, every value-chain project (two rows, one household)."""
    path = folder / "decisions.csv"
    path.write_text("household_id,decision,project_id,kind,note\n"
                    "h5,decline,p2,,đi làm xa\n"
                    "h3,assign,p2,,\n"
                    "h1,exclude,,,đã có việc làm\n"
                    "h2,decline,p1,,không nuôi bò\n"
                    "h2,decline,,value_chain,\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_plan_made_with_decisions_prefills_them_and_reads_back_the_same(tiny, tmp_path, lang):
    decided = tmp_path / "decided"
    book = _plan(tiny, decided / lang, "--decisions", _decisions_csv(tmp_path), "--lang", lang)
    ws = load_workbook(book)[SHEET]
    rows = _rows(ws)
    i = 0 if lang == "en" else 1
    said = {h: (ws.cell(r, DECISION_COL).value, ws.cell(r, NOTE_COL).value) for h, r in rows.items()}
    assert said == {"h5": (MEETING_CHOICES["decline"][i], "đi làm xa"), "h3": (MEETING_CHOICES["assign"][i], None),
                    "h1": (MEETING_CHOICES["exclude"][i], "đã có việc làm"),
                    "h2": (MEETING_CHOICES["decline"][i], "không nuôi bò"), "h4": (None, None)}
    assert ws.cell(8, NOTE_COL + 1).value == ("Exits lost" if lang == "en" else "Số hộ thoát nghèo mất đi")
    price = ws.cell(rows["h1"], NOTE_COL + 1).value
    assert isinstance(price, int | float)  # each decision is priced (a whole number reads back as int)
    assert ws.cell(rows["h4"], NOTE_COL + 1).value is None
    # The untouched workbook, read back, is the same decisions: the same plan.
    r = _replan(tiny, book, tmp_path / f"again-{lang}")
    assert r.exit_code == 0, r.output
    first, d1 = _decided(decided / lang)
    again, d2 = _decided(tmp_path / f"again-{lang}")
    cols = ["project_id", "decision", "decision_note"]
    assert again[cols].equals(first[cols])
    assert first.loc["h5", "project_id"] != "p2" and first.loc["h2", "project_id"] == ""
    assert {k: d2[k] for k in ("assign", "exclude", "decline")} == \
        {k: d1[k] for k in ("assign", "exclude", "decline")} == {"assign": 1, "exclude": 1, "decline": 3}


def test_a_prefilled_decision_the_meeting_changes_is_read_as_changed(tiny, tmp_path):
    book = _plan(tiny, tmp_path / "plan", "--decisions", _decisions_csv(tmp_path))
    meeting = _fill(book, {"h5": (None, None), "h1": ("Đồng ý", "đổi ý")}, first=False)
    r = _replan(tiny, meeting, tmp_path / "decided")
    assert r.exit_code == 0, r.output
    a, d = _decided(tmp_path / "decided")
    assert a.loc["h5", "decision"] == ""  # cleared: no longer decided
    assert a.loc["h1", ["decision", "decision_note"]].tolist() == ["assign", "đổi ý"]
    assert a.loc["h1", "project_id"] != ""
    assert {k: d[k] for k in ("assign", "exclude", "decline")} == {"assign": 2, "exclude": 0, "decline": 2}


@pytest.mark.slow
def test_on_the_sample_a_household_that_declined_one_project_and_got_another_reads_back_the_same(tmp_path):
    """The row of a household that declined labour export and was then given vocational training
    shows vocational training: left as prefilled, it must decline labour export again, not the
    training it now has."""
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("household_id,decision,project_id,kind,note\n"
                         "THUONG_QUAN-00026,decline,thuong_quan-labour_export-05,,không muốn đi xa\n"
                         "PHONG_QUANG-00077,exclude,,,đã có việc làm\n"
                         "PHONG_QUANG-00115,assign,phong_quang-labour_export-05,,\n", encoding="utf-8")
    r = cli("plan", "--out", tmp_path / "decided", "-q", "--decisions", decisions)
    assert r.exit_code == 0, r.output
    first, d1 = _decided(tmp_path / "decided")
    assert first.loc["THUONG_QUAN-00026", "project_id"] not in ("", "thuong_quan-labour_export-05")
    r = cli("plan", "--out", tmp_path / "again", "-q", "--decisions", tmp_path / "decided" / "beneficiaries.xlsx")
    assert r.exit_code == 0, r.output
    again, d2 = _decided(tmp_path / "again")
    cols = ["project_id", "decision", "decision_note"]
    assert again[cols].equals(first[cols])
    assert d2["exits_cost"] == pytest.approx(d1["exits_cost"])
