"""beneficiaries.xlsx: the prioritized support list of each commune, for the village meeting.

One summary sheet, then one sheet per commune: a title block (budget, spending, expected exits,
target), part A (the supported households in order of priority, with the support, its cost, the
chance of a lasting exit without and with it, and the reasons), and part B (the households not
supported, why, and who is next in line). Every list row ends with the village meeting's two
empty columns, its decision (with a dropdown of the allowed words) and a note; a hidden sheet
(:data:`targeting.labels.MEETING_MARKER_SHEET`) records the scenario's fingerprint and the project
each row shows, so that ``--decisions`` reads the filled workbook back
(:func:`targeting.data.decisions.read_meeting_workbook`). Vietnamese labels by default, English with
``lang="en"``. Sheets are set up to print: landscape, fit to width, header row repeated.

Every text cell goes through :func:`targeting.output.files.neutralise`, so a village called
``=HYPERLINK(...)`` stays text. The workbook is streamed (openpyxl write-only mode) so that
100,000-household plans write in seconds, not minutes.
"""

from __future__ import annotations

import json
import re
from copy import copy
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from ..data.files import scenario_fingerprint
from ..labels import (
    COLUMN_LABELS,
    KIND_LABELS,
    MEETING_CHOICES,
    MEETING_COLUMN_LABELS,
    MEETING_MARKER_SHEET,
    MEETING_WORDS,
    MODEL_WORDS,
    MORE_MONEY_WORDS,
    NOT_SUPPORTED,
    PLAN_STATUS_LABELS,
    REACH_WORDS,
    REPORT_LABELS,
    STATUS_LABELS,
    STRATEGY_LABELS,
    WORKBOOK_LABELS,
    label,
)
from .files import neutralise
from .plain import model_quality, more_money_words, out_of_reach

__all__ = ["write_beneficiaries", "sheet_names"]

VND_FORMAT = "#,##0"
PCT_FORMAT = "0%"
EXITS_FORMAT = "0.0"
#: A share or probability is written as a number rounded to this many decimals (0.01 of a
#: percent point, finer than any format shows), so that no cell holds float noise.
PCT_DECIMALS = 4

@dataclass(frozen=True)
class ListColumn:
    """One column of the household lists (parts A and B of a commune sheet).

    ``key`` names both the label of the heading and the field shown in part A (the supported
    households); ``part_b`` the field and heading shown in part B (the households not
    supported) instead, ``None`` for a column part B leaves empty.
    """

    key: str
    width: float
    number_format: str | None = None
    wrap: bool = False
    part_b: str | None = ""

    @property
    def key_b(self) -> str | None:
        return self.key if self.part_b == "" else self.part_b


#: Column layout shared by parts A and B, so widths suit both.
LIST_COLUMNS = [
    ListColumn("priority", 9),
    ListColumn("priority_village", 9),
    ListColumn("household_id", 17),
    ListColumn("village", 16),
    ListColumn("status", 13),
    ListColumn("support", 22, wrap=True, part_b="not_supported"),
    ListColumn("project_name", 26, wrap=True, part_b="best_project"),
    ListColumn("cooperative", 18, wrap=True, part_b=None),
    ListColumn("cost_vnd", 15, VND_FORMAT, part_b=None),
    ListColumn("p_exit_base", 12, PCT_FORMAT),
    ListColumn("p_exit_plan", 12, PCT_FORMAT, part_b=None),
    ListColumn("reasons", 70, wrap=True),
]
#: The meeting's columns after :data:`LIST_COLUMNS`, empty, filled in by the village meeting:
#: (key of :data:`targeting.labels.MEETING_COLUMN_LABELS`, width).
MEETING_COLUMNS = [("decision", 22), ("note", 30)]
DECISION_COL = len(LIST_COLUMNS) + 1  # 1-based index of the meeting's decision column
#: After a plan made with the meeting's decisions, the decision and note cells of the decided
#: households are filled in with them, and this column after the note gives each decision's
#: price (allocation.csv ``decision_cost``: the expected exits that household's decision alone
#: costs; "–" where the plan does not have it): (width, number format).
PRICE_COLUMN = (14, "0.00")
HEADER_ROW = 8  # the column-header row of part A, frozen and repeated on every printed page

_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_SECTION_FONT = Font(bold=True, size=12, color="1F3A5F")
_THIN = Side(style="thin", color="999999")
_HEADER_BORDER = Border(bottom=_THIN, top=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_LEFT = Alignment(horizontal="left")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")


def sheet_names(names: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    """Safe, unique Excel sheet names for ``names``, in order.

    Excel forbids ``[]:*?/\\``, a leading or trailing apostrophe, names over 31 characters, the
    name "History", and two names that differ only in case.
    """
    taken = {r.casefold() for r in reserved}
    out = []
    for i, raw in enumerate(names):
        base = _INVALID_SHEET_CHARS.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(raw))).strip().strip("'").strip()
        base = base[:31].strip() or f"Sheet {i + 1}"
        if base.casefold() == "history":
            base = f"{base}_"
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def write_beneficiaries(plan, path: str | Path, lang: str = "vi") -> Path:
    """Write the beneficiary lists of ``plan`` to ``path`` (an .xlsx file).

    Parameters
    ----------
    plan : targeting.plan.Plan
        The computed plan; its ``allocation`` is sorted by commune, then priority.
    path : str or Path
        Where to write the workbook.
    lang : {"vi", "en"}
        Label language: Vietnamese (default) or English.

    Returns
    -------
    Path
        ``path``.
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en'; got {lang!r}")
    path = Path(path)
    writer = _Writer(lang)
    writer.decided = "decision" in plan.allocation.columns
    communes = plan.scenario.communes
    summary = plan.summary.set_index("commune_id") if len(plan.summary) else plan.summary
    alloc = plan.allocation
    names = communes["name"].fillna(communes["commune_id"]).astype(str).tolist() if "name" in communes \
        else communes["commune_id"].astype(str).tolist()
    summary_name = writer.L("summary_sheet")
    titles = sheet_names(names, reserved=(summary_name, MEETING_MARKER_SHEET))

    wb = Workbook(write_only=True)
    _write_summary(wb.create_sheet(summary_name), plan, writer, communes, summary, titles)
    coop_names = _cooperative_names(plan.scenario)
    project_names = plan.scenario.projects.set_index("project_id")["name"].astype(str).to_dict()
    by_commune = dict(tuple(alloc.groupby("commune_id", sort=False))) if len(alloc) else {}
    for title, c in zip(titles, communes.itertuples(index=False), strict=True):
        rows = by_commune.get(c.commune_id, alloc.iloc[0:0])
        srow = summary.loc[c.commune_id] if c.commune_id in getattr(summary, "index", []) else None
        _write_commune(wb.create_sheet(title), writer, c, srow, rows, coop_names, project_names)
    _write_marker(wb.create_sheet(MEETING_MARKER_SHEET), plan)
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


class _Writer:
    """Labels in one language and cell factories that neutralise text."""

    def __init__(self, lang: str):
        self.lang = lang
        self.decided = False  # the plan was made with the meeting's decisions: prefill them
        self._templates: dict[tuple, WriteOnlyCell] = {}

    def L(self, key: str) -> str:  # noqa: N802 - reads like a label lookup
        if key in REPORT_LABELS:
            return label(REPORT_LABELS, key, self.lang)
        return label(COLUMN_LABELS, key, self.lang)

    def cell(self, ws, value, *, font=None, number_format=None, alignment=None, fill=None, border=None):
        value = _value(value)
        if isinstance(value, float) and number_format is not None and number_format.endswith("%"):
            value = round(value, PCT_DECIMALS) + 0.0  # + 0.0: no -0.0
        c = WriteOnlyCell(ws, value=value)
        key = (id(font), number_format, id(alignment), id(fill), id(border))
        if key != (id(None), None, id(None), id(None), id(None)):
            # Registering a style is slow (hashing in openpyxl's indexed lists); copy the style
            # array of a template cell instead, which matters for 100,000-row lists.
            template = self._templates.get(key)
            if template is None:
                template = WriteOnlyCell(ws)
                if font is not None:
                    template.font = font
                if number_format is not None:
                    template.number_format = number_format
                if alignment is not None:
                    template.alignment = alignment
                if fill is not None:
                    template.fill = fill
                if border is not None:
                    template.border = border
                self._templates[key] = template
            c._style = copy(template._style)
        return c

    def header(self, ws, labels: list[str]) -> list:
        return [self.cell(ws, t, font=_BOLD, fill=_HEADER_FILL, alignment=_HEADER_ALIGN, border=_HEADER_BORDER)
                for t in labels]


def _value(v):
    """A cell value: None for missing, plain Python numbers, and safe text."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", v))
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(v)))


def _cooperative_names(scenario) -> dict[str, str]:
    co = getattr(scenario, "cooperatives", None)
    if co is None or not len(co) or "name" not in co:
        return {}
    return dict(zip(co["cooperative_id"].astype(str), co["name"].fillna(co["cooperative_id"]).astype(str),
                    strict=True))


def _setup_print(ws, widths: list[float], header_row: int, footer: str = "", lang: str = "vi") -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    # "&" starts a header/footer code in Excel; "&&" is a literal ampersand.
    ws.oddFooter.left.text = ILLEGAL_CHARACTERS_RE.sub("", footer).replace("&", "&&")[:200]
    ws.oddFooter.right.text = label(WORKBOOK_LABELS, "page_footer", lang)


# --------------------------------------------------------------------------------------------
# Commune sheets
# --------------------------------------------------------------------------------------------


def _write_commune(ws, w: _Writer, c, srow, rows: pd.DataFrame, coop_names, project_names) -> None:
    lang = w.lang
    name = getattr(c, "name", None)
    name = c.commune_id if name is None or pd.isna(name) else name
    province = getattr(c, "province", None)
    place = f"{label(REPORT_LABELS, 'commune', lang)} {name}"
    if province is not None and not pd.isna(province) and str(province):
        place += f", {province}"
    widths = [col.width for col in LIST_COLUMNS] + [wd for _, wd in MEETING_COLUMNS]
    _setup_print(ws, widths + ([PRICE_COLUMN[0]] if w.decided else []), HEADER_ROW, footer=place, lang=lang)

    supported = rows["project_id"].fillna("") != ""
    ws.append([w.cell(ws, f"{w.L('list_title')}: {place}", font=_TITLE_FONT)])

    def get(col):
        return None if srow is None else srow.get(col)

    rng = None
    if pd.notna(get("exits_p10")) and pd.notna(get("exits_p90")):
        rng = f"{int(get('exits_p10'))}-{int(get('exits_p90'))}"
    pairs = [
        # the commune's share under a province budget split (summary.csv), else its own budget
        ("budget", getattr(c, "budget_vnd", None) if get("budget_requested_vnd") is None
         else get("budget_vnd"), VND_FORMAT, "spent", get("spent_vnd"), VND_FORMAT),
        ("supported_count", int(supported.sum()), "0", "not_supported_count", int((~supported).sum()), "0"),
        ("expected_exits", get("expected_exits"), EXITS_FORMAT, "exits_range", rng, None),
        ("added_exits", get("added_exits"), EXITS_FORMAT, "expected_exits_poor", get("expected_exits_poor"),
         EXITS_FORMAT),
        ("target_exits", get("target_exits"), "0", "p_target_met", get("p_target_met"), PCT_FORMAT),
    ]
    # Labels in A (spilling over to E), values in F; labels in G (spilling to H), values in I.
    for k1, v1, f1, k2, v2, f2 in pairs:
        ws.append([w.cell(ws, w.L(k1), font=_BOLD), None, None, None, None,
                   w.cell(ws, v1, number_format=f1, alignment=_LEFT), w.cell(ws, w.L(k2), font=_BOLD), None,
                   w.cell(ws, v2, number_format=f2, alignment=_LEFT)])
    ws.append([w.cell(ws, w.L("part_supported"), font=_SECTION_FONT)])

    fields = _list_fields(rows, lang, coop_names, project_names)
    _write_list(ws, w, fields[supported], [col.key for col in LIST_COLUMNS], empty=w.L("none_supported"))
    part_a = rows[supported]
    n_a = len(part_a)
    row = HEADER_ROW + max(n_a, 1)  # the last row written so far
    if n_a:
        last_col = get_column_letter(len(LIST_COLUMNS) + len(MEETING_COLUMNS) + int(w.decided))
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + n_a}"
        total = part_a["cost_vnd"].fillna(0).astype("int64").sum()
        ws.append([None] * 7 + [w.cell(ws, w.L("spent"), font=_BOLD),
                                w.cell(ws, int(total), number_format=VND_FORMAT, font=_BOLD)])
        row += 1
    if n_a and part_a["p_exit_base"].isna().all():
        ws.append([w.cell(ws, label(WORKBOOK_LABELS, "gain_note", lang))])
        row += 1

    # Part B: the households not supported, next in line first.
    ws.append([])
    ws.append([w.cell(ws, w.L("part_not_supported"), font=_SECTION_FONT)])
    _write_list(ws, w, fields[~supported], [col.key_b for col in LIST_COLUMNS], empty=w.L("none_unsupported"))
    header_b = row + 3
    n_b = int((~supported).sum())
    _add_decision_dropdown(ws, lang, [(HEADER_ROW + 1, HEADER_ROW + n_a), (header_b + 1, header_b + n_b)])
    ws.append([])
    ws.append([w.cell(ws, w.L("note_reasons"))])
    if w.decided:
        ws.append([w.cell(ws, label(MEETING_WORDS, "price_note", lang))])


def _list_fields(rows: pd.DataFrame, lang: str, coop_names, project_names) -> pd.DataFrame:
    """Every field the lists show, one column per key of :data:`LIST_COLUMNS` (both parts)."""

    def words(table: dict, values: pd.Series) -> pd.Series:
        named = {k: label(table, k, lang) for k in table}
        return values.map(lambda v: named.get(v, v))

    coop = rows["cooperative_id"].map(lambda v: v if isinstance(v, str) else "")
    best = rows["best_project_id"].map(lambda v: v if isinstance(v, str) else "")
    fields = pd.DataFrame({
        "priority": rows["priority"],
        "priority_village": rows.groupby("village", sort=False, dropna=False).cumcount() + 1,
        "household_id": rows["household_id"],
        "village": rows["village"],
        "status": words(STATUS_LABELS, rows["status"]),
        "support": words(KIND_LABELS, rows["kind"]),
        "project_name": rows["project_name"],
        "cooperative": coop.map(lambda v: coop_names.get(v, v)),
        "cost_vnd": rows["cost_vnd"],
        "p_exit_base": rows["p_exit_base"],
        "p_exit_plan": rows["p_exit_plan"],
        "reasons": rows["reasons_vi" if lang == "vi" else "reasons_en"],
        "not_supported": words(NOT_SUPPORTED, rows["reason_key"]),
        "best_project": best.map(lambda v: project_names.get(v, v)),
    }, index=rows.index)
    if "decision" in rows:
        # the words of the dropdown, so that the filled workbook reads back as the same decisions
        code = rows["decision"].map(lambda v: v if isinstance(v, str) and v in MEETING_CHOICES else "")
        fields["decision"] = code.map(lambda v: label(MEETING_CHOICES, v, lang) if v else None)
        fields["note"] = rows["decision_note"].map(lambda v: v if isinstance(v, str) and v else None)
        cost = pd.to_numeric(rows["decision_cost"], errors="coerce") if "decision_cost" in rows \
            else pd.Series(np.nan, index=rows.index)
        fields["price"] = [None if not c else "–" if pd.isna(v) else float(v)
                           for c, v in zip(code, cost, strict=True)]
    return fields


def _write_list(ws, w: _Writer, fields: pd.DataFrame, keys: list[str | None], empty: str) -> None:
    """One part of a commune sheet: the heading row, then a row per household (``empty`` if none).

    ``keys`` gives, column by column of :data:`LIST_COLUMNS`, the field shown and its heading;
    ``None`` leaves the column empty.
    """
    meeting = [label(MEETING_COLUMN_LABELS, k, w.lang) for k, _ in MEETING_COLUMNS]
    if w.decided:
        meeting.append(label(MEETING_WORDS, "price", w.lang))
    ws.append(w.header(ws, [w.L(k) if k else "" for k in keys] + meeting))
    if not len(fields):
        ws.append([w.cell(ws, empty)])
    styles = [(c.number_format, _WRAP if c.wrap else _TOP) for c in LIST_COLUMNS]
    # Iterating a Series gives Python scalars (pd.NA for a missing Int64), as itertuples does.
    columns = [repeat(None) if k is None else iter(fields[k]) for k in keys]
    if w.decided:
        styles += [(None, _TOP), (None, _WRAP), (PRICE_COLUMN[1], _TOP)]
        keys = [*keys, "decision", "note", "price"]
        columns += [iter(fields["decision"]), iter(fields["note"]), iter(fields["price"])]
    for values in zip(*columns):
        ws.append([None if k is None else w.cell(ws, v, number_format=fmt, alignment=align)
                   for k, v, (fmt, align) in zip(keys, values, styles, strict=True)])


def _add_decision_dropdown(ws, lang: str, spans: list[tuple[int, int]]) -> None:
    """The meeting's choices as a dropdown on the decision cells of the rows ``spans`` (first,
    last; an empty span is skipped)."""
    col = get_column_letter(DECISION_COL)
    refs = [f"{col}{a}:{col}{b}" for a, b in spans if b >= a]
    if not refs:
        return
    choices = ",".join(label(MEETING_CHOICES, k, lang) for k in MEETING_CHOICES)
    dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
    for ref in refs:
        dv.add(ref)
    ws.data_validations.append(dv)


def _write_marker(ws, plan) -> None:
    """The hidden sheet that lets ``--decisions`` read the workbook back.

    Row 1: ``fingerprint`` and the scenario's fingerprint
    (:func:`targeting.data.files.scenario_fingerprint`); row 2: ``public`` and 1 for a list with
    pseudonymised ids; then ``household_id_cell, household_id, project_id, decision, decided`` for
    every listed household: its id as the list shows it, as the scenario has it, the project its
    row shows (part A: its support; part B: the best project, if any), and for a household the
    plan's decisions decided on, the decision its row is prefilled with and (JSON) the
    ``[decision, project_id, kind]`` rows behind it, which a row left as prefilled reads back as
    (a decline of a project the row no longer shows, several declines).
    """
    ws.sheet_state = "hidden"
    meta = plan.meta or {}
    ws.append(["fingerprint", scenario_fingerprint(meta.get("inputs") or {})])
    ws.append(["public", int(bool(meta.get("public")))])
    ws.append(["household_id_cell", "household_id", "project_id", "decision", "decided"])
    a = plan.allocation
    if not len(a) or meta.get("public"):  # a public list keeps the real ids out of the file
        return
    pid = a["project_id"].map(lambda v: v if isinstance(v, str) else "")
    best = a["best_project_id"].map(lambda v: v if isinstance(v, str) else "")
    shown = pid.where(pid != "", best)
    code = a["decision"].map(lambda v: v if isinstance(v, str) else "") if "decision" in a \
        else pd.Series("", index=a.index)
    behind = _decision_rows(plan.extra.get("decisions") if isinstance(plan.extra, dict) else None)
    for hid, p, c in zip(a["household_id"].astype(str), shown, code, strict=True):
        row = [_value(hid), hid, p or None]
        if c:
            row += [c, behind.get(hid)]
        ws.append(row)


def _decision_rows(decisions: pd.DataFrame | None) -> dict[str, str]:
    """Household id -> JSON list of its ``[decision, project_id, kind]`` rows."""
    if decisions is None or not len(decisions):
        return {}

    def text(v) -> str:
        return v if isinstance(v, str) else ""

    out: dict[str, list] = {}
    for r in decisions.to_dict("records"):
        out.setdefault(str(r["household_id"]), []).append(
            [text(r.get("decision")), text(r.get("project_id")), text(r.get("kind"))])
    return {k: json.dumps(v, ensure_ascii=False) for k, v in out.items()}


# --------------------------------------------------------------------------------------------
# Summary sheet
# --------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    # (label key, summary column, number format, width)
    ("commune", None, None, 22),
    ("province", None, None, 14),
    ("budget", "budget_vnd", VND_FORMAT, 16),
    ("spent", "spent_vnd", VND_FORMAT, 16),
    ("supported_count", "supported", "0", 11),
    ("poor", "poor", "0", 10),
    ("near_poor", "near_poor", "0", 10),
    ("expected_exits", "expected_exits", EXITS_FORMAT, 13),
    ("exits_range", None, None, 12),
    ("added_exits", "added_exits", EXITS_FORMAT, 14),
    ("target_exits", "target_exits", "0", 14),
    ("expected_exits_poor", "expected_exits_poor", EXITS_FORMAT, 14),
    ("p_target_met", "p_target_met", PCT_FORMAT, 12),
    ("poverty_rate_before", "poverty_rate_before", "0.0%", 12),
    ("poverty_rate_after", "poverty_rate_after", "0.0%", 12),
]


def _write_summary(ws, plan, w: _Writer, communes, summary, titles) -> None:
    lang = w.lang
    header_row = 6
    _setup_print(ws, [c[3] for c in SUMMARY_COLUMNS], header_row, footer=w.L("summary_title"), lang=lang)
    meta = plan.meta or {}
    ws.append([w.cell(ws, w.L("summary_title"), font=_TITLE_FONT)])
    strategy = meta.get("strategy", getattr(plan, "strategy", ""))
    status = meta.get("status", "")
    model = (meta.get("model") or {}).get("name", "")
    ws.append([w.cell(ws, w.L("strategy"), font=_BOLD), None,
               w.cell(ws, label(STRATEGY_LABELS, strategy, lang) if strategy in STRATEGY_LABELS else strategy)])
    ws.append([w.cell(ws, w.L("plan_status"), font=_BOLD), None,
               w.cell(ws, label(PLAN_STATUS_LABELS, status, lang) if status in PLAN_STATUS_LABELS else status)])
    ws.append([w.cell(ws, w.L("model"), font=_BOLD), None, w.cell(ws, model)])
    ws.append([])
    ws.append(w.header(ws, [w.L(k) for k, *_ in SUMMARY_COLUMNS]))
    n = 0
    for c in communes.itertuples(index=False):
        s = summary.loc[c.commune_id] if c.commune_id in getattr(summary, "index", []) else None
        row = []
        for key, col, fmt, _ in SUMMARY_COLUMNS:
            if key == "commune":
                v = getattr(c, "name", c.commune_id)
            elif key == "province":
                v = getattr(c, "province", None)
            elif key == "exits_range":
                v = None
                if s is not None and pd.notna(s.get("exits_p10")) and pd.notna(s.get("exits_p90")):
                    v = f"{int(s['exits_p10'])}-{int(s['exits_p90'])}"
            else:
                v = None if s is None else s.get(col)
            row.append(w.cell(ws, v, number_format=fmt))
        ws.append(row)
        n += 1
    if len(summary):
        tot = [w.cell(ws, w.L("all"), font=_BOLD), None]
        for _key, col, fmt, _ in SUMMARY_COLUMNS[2:]:
            v = None
            if col in ("budget_vnd", "spent_vnd", "supported", "poor", "near_poor", "added_exits"):
                v = summary[col].sum()
            elif col in ("expected_exits", "expected_exits_poor") and summary[col].notna().all():
                v = summary[col].sum()
            tot.append(w.cell(ws, v, number_format=fmt, font=_BOLD))
        ws.append(tot)

    # In words: a target out of reach and why, and how far to trust the chances.
    names = dict(zip(communes["commune_id"], communes["name"].fillna(communes["commune_id"]).astype(str)
                     if "name" in communes else communes["commune_id"].astype(str), strict=True))
    reach = out_of_reach(plan.summary, plan.allocation, names) if len(summary) else {}
    i = 0 if lang == "en" else 1
    if reach:
        ws.append([])
        ws.append([w.cell(ws, label(REACH_WORDS, "title", lang), font=_SECTION_FONT)])
        for cid in communes["commune_id"]:
            if cid in reach:
                ws.append([w.cell(ws, reach[cid][i])])
    more = more_money_words(meta.get("more_money"), names) if len(summary) else {}
    if more:
        ws.append([])
        ws.append([w.cell(ws, label(MORE_MONEY_WORDS, "title", lang), font=_SECTION_FONT)])
        for cid in communes["commune_id"]:
            for pair in more.get(str(cid), []):
                ws.append([w.cell(ws, pair[i])])
    ws.append([])
    ws.append([w.cell(ws, label(MODEL_WORDS, "workbook_title", lang), font=_SECTION_FONT)])
    for pair in model_quality(meta.get("model")):
        ws.append([w.cell(ws, pair[i])])

    # Why households are not supported, by commune.
    alloc = plan.allocation
    unsup = alloc[alloc["project_id"].fillna("") == ""]
    ws.append([])
    ws.append([w.cell(ws, w.L("reason_counts"), font=_SECTION_FONT)])
    ws.append(w.header(ws, [w.L("commune"), w.L("count"), w.L("not_supported")]))
    if len(unsup):
        counts = unsup.groupby(["commune_id", "reason_key"], sort=False).size()
        names = dict(zip(communes["commune_id"], titles, strict=True))
        for (cid, key), k in counts.items():
            ws.append([w.cell(ws, names.get(cid, cid)), w.cell(ws, int(k)),
                       w.cell(ws, label(NOT_SUPPORTED, key, lang))])
    warnings = list(meta.get("warnings") or [])
    if warnings:
        ws.append([])
        ws.append([w.cell(ws, w.L("warnings"), font=_SECTION_FONT)])
        for text in warnings:
            ws.append([w.cell(ws, text)])
