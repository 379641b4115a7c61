"""beneficiaries.xlsx and report.html, on a small hand-made plan (no model, no solver)."""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from targeting import labels
from targeting.data import Scenario
from targeting.outcomes import commune_outcomes, group_outcomes
from targeting.output.excel import HEADER_ROW, LIST_COLUMNS, sheet_names, write_beneficiaries
from targeting.output.html import ENV, render_report, write_report
from targeting.plan import Plan

EVIL_VILLAGE = '=HYPERLINK("http://evil.example/x","click")'
SCRIPT_VILLAGE = "<script>alert(1)</script>"
LONG_NAME = "Xã Rất Dài: Tên [thử] / kiểm tra * ? \\ quá ba mươi mốt ký tự"


def make_plan(*, with_p: bool = True) -> Plan:
    communes = pd.DataFrame({
        "commune_id": ["pq", "tq", "long"],
        "name": ["Phong Quang", "Thượng Quan", LONG_NAME],
        "province": ["Thái Nguyên"] * 3,
        "area_type": ["difficult"] * 3,
        "households_total": [100, 50, 40],
        "budget_vnd": [60_000_000, 30_000_000, 10_000_000],
        "target_poor": [2, 1, 2],
    })
    hh = pd.DataFrame({
        "household_id": ["PQ-1", "PQ-2", "PQ-3", "PQ-4", "TQ-1", "TQ-2", "TQ-3", "L-1"],
        "commune_id": ["pq", "pq", "pq", "pq", "tq", "tq", "tq", "long"],
        "village": ["Bản Giang", EVIL_VILLAGE, "Bản Giang", SCRIPT_VILLAGE, "Nà Lạn", "Nà Lạn", "Cốc Lào", "Khuổi Ỏ"],
        "status": ["poor", "poor", "near_poor", "poor", "poor", "near_poor", "poor", "poor"],
        "income_vnd": [700_000, 800_000, 1_200_000, 600_000, 900_000, 1_300_000, 500_000, 650_000],
        "ethnic_minority": [1, 0, 1, 1, 0, 1, 1, 1],
        "female_head": [0, 1, 0, 1, 0, 0, 1, 0],
    })
    projects = pd.DataFrame({
        "project_id": ["pq-cow", "pq-tea", "tq-voc"],
        "commune_id": ["pq", "pq", "tq"],
        "name": ["Hỗ trợ nuôi bò sinh sản", "Liên kết chè", "=cmd|' /C calc'!A0"],
        "kind": ["livestock", "value_chain", "vocational"],
        "cooperative_id": ["", "htx_che", ""],
        "cost_vnd": [25_000_000, 12_000_000, 4_500_000],
        "slots": [2, 5, 3],
    })
    coops = pd.DataFrame({"cooperative_id": ["htx_che"], "name": ["HTX Chè Trại Cài"], "sector": ["tea"],
                          "capacity": [10], "min_households": [0]})
    a = hh[["household_id", "commune_id", "village", "status"]].copy()
    a["project_id"] = ["pq-cow", "pq-tea", "", "", "tq-voc", "", "", ""]
    a["cooperative_id"] = ["", "htx_che", "", "", "", "", "", ""]
    a["cost_vnd"] = pd.array([25_000_000, 12_000_000, None, None, 4_500_000, None, None, None], dtype="Int64")
    base = np.array([0.30, 0.25, 0.40, 0.05, 0.35, 0.50, 0.10, 0.2])
    gain = np.array([0.20, 0.15, 0.0, 0.0, 0.10, 0.0, 0.0, 0.0])
    a["p_exit_base"] = base if with_p else np.nan
    a["p_exit_plan"] = base + gain if with_p else np.nan
    a["gain"] = gain
    a["priority"] = [1, 2, 3, 4, 1, 2, 3, 1]
    a["kind"] = ["livestock", "value_chain", "", "", "vocational", "", "", ""]
    a["project_name"] = ["Hỗ trợ nuôi bò sinh sản", "Liên kết chè", "", "", "=cmd|' /C calc'!A0", "", "", ""]
    a["reason_key"] = ["supported", "supported", "budget", "no_working_age", "supported", "not_selected",
                       "slots", "no_project"]
    a["best_project_id"] = ["pq-cow", "pq-tea", "pq-cow", "", "tq-voc", "tq-voc", "tq-voc", ""]
    a["best_gain"] = [0.2, 0.15, 0.05, np.nan, 0.1, 0.02, 0.03, np.nan]
    a["capacity"] = [0.5, 0.4, 0.45, 0.05, 0.45, 0.52, 0.13, 0.2]
    a["capacity_rank"] = pd.array([1, 3, 2, 4, 2, 1, 3, 1], dtype="Int64")
    a["reasons_en"] = [f"reason en {i}" for i in range(len(a))]
    a["reasons_vi"] = [f"lý do {i}" for i in range(len(a))]
    a.loc[3, "reasons_vi"] = "-2 người trong độ tuổi lao động"
    a.loc[3, "reasons_en"] = "+no working-age member"
    summary = commune_outcomes(a, communes)
    groups = {by: group_outcomes(a, hh, by) for by in ("ethnic_minority", "female_head", "village")}
    meta = {"strategy": "optimal", "status": "optimal", "objective": float(gain.sum()), "bound": 0.45,
            "gap": 0.0, "solve_seconds": 0.12, "households": len(a),
            "model": {"name": "test-model", "source": "history.csv",
                      "metrics": {"brier": 0.14, "uplift_per_intervention": {"livestock": {"ate_ipw": 0.08}}}},
            "settings": {"plan": {"year": 2026}}, "version": "test",
            "warnings": ["a warning with <b>markup</b>"], "details": {"violations": []}}
    scenario = Scenario(path=Path("."), communes=communes, households=hh, projects=projects,
                        cooperatives=coops, history=None, gains=None, settings=None)
    return Plan(scenario=scenario, strategy="optimal", allocation=a, summary=summary, groups=groups, meta=meta,
                result=None)


@pytest.fixture
def plan() -> Plan:
    return make_plan()


def comparison_and_curve():
    comparison = pd.DataFrame([
        {"strategy": s, "status": "optimal" if s == "optimal" else "feasible", "supported": 3,
         "spent_vnd": 41_500_000, "expected_exits": 2.5 - i * 0.1, "exits_p10": 1, "exits_p90": 4,
         "added_exits": 0.45 - i * 0.1, "exits_per_billion_vnd": 10.8 - i, "share_ethnic_minority": 0.33,
         "share_female_head": 0.33, "share_poor": 1.0, "communes_meeting_target": 1, "objective": 0.45,
         "bound": 0.45, "gap": 0.0, "solve_seconds": 0.1}
        for i, s in enumerate(["optimal", "greedy", "lottery"])
    ])
    curve = pd.DataFrame({"budget_multiplier": [0.5, 1.0, 2.0], "budget_vnd": [50_000_000, 100_000_000, 200_000_000],
                          "spent_vnd": [37_000_000, 41_500_000, 41_500_000], "supported": [2, 3, 3],
                          "added_exits": [0.35, 0.45, 0.45], "expected_exits": [2.4, 2.5, 2.5],
                          "status": ["optimal"] * 3})
    return comparison, curve


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------


def _all_values(ws):
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def test_sheet_names_are_safe_and_unique():
    names = sheet_names(["A/B", "a_b", "x" * 40, "", "History", "'quoted'", "Tổng hợp"], reserved=("Tổng hợp",))
    assert len(set(n.casefold() for n in names)) == len(names)
    for n in names:
        assert 0 < len(n) <= 31
        assert not re.search(r"[\[\]:*?/\\]", n)
        assert not n.startswith("'") and not n.endswith("'")
    assert names[1] != names[0] and names[1].casefold() != names[0].casefold()
    assert names[4].casefold() != "history"
    assert names[6] != "Tổng hợp"


def test_workbook_has_summary_and_a_sheet_per_commune(plan, tmp_path):
    path = write_beneficiaries(plan, tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Tổng hợp"
    assert wb.sheetnames[1:3] == ["Phong Quang", "Thượng Quan"]
    assert len(wb.sheetnames) == 5 and wb.sheetnames[4] == "targeting"  # the hidden marker
    assert wb["targeting"].sheet_state == "hidden"
    long = wb.sheetnames[3]
    assert len(long) <= 31 and not re.search(r"[\[\]:*?/\\]", long)


def test_vietnamese_headers_by_default(plan, tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    ws = wb["Phong Quang"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[0] == "Thứ tự ưu tiên"
    assert "Thôn, bản" in header and "Lý do" in header and "Kinh phí (đồng)" in header
    assert "Xác suất thoát nghèo (không hỗ trợ)" in header
    values = _all_values(ws)
    assert "hộ nghèo" in values and "chăn nuôi" in values
    assert "hết kinh phí" in values  # the not-supported reason of PQ-3
    assert "HTX Chè Trại Cài" in values  # cooperative shown by name


def test_english_with_lang_en(plan, tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx", lang="en"))
    assert wb.sheetnames[0] == "Summary"
    ws = wb["Phong Quang"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[0] == "Priority" and "Village" in header and "Reasons" in header
    values = _all_values(ws)
    assert "poor household" in values and "budget used up" in values
    assert "reason en 0" in values and "lý do 0" not in values


def test_bad_lang_is_refused(plan, tmp_path):
    with pytest.raises(ValueError, match="lang"):
        write_beneficiaries(plan, tmp_path / "b.xlsx", lang="fr")


def test_text_cells_are_neutralised(plan, tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
    values = _all_values(wb["Phong Quang"])
    assert "'" + EVIL_VILLAGE in values
    assert "'-2 người trong độ tuổi lao động" in values
    assert "'=cmd|' /C calc'!A0" in _all_values(wb["Thượng Quan"])


def test_number_formats_and_print_setup(plan, tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    ws = wb["Phong Quang"]
    header = [c.value for c in ws[HEADER_ROW]]
    first = ws[HEADER_ROW + 1]
    cost = first[header.index("Kinh phí (đồng)")]
    assert cost.value == 25_000_000 and cost.number_format == "#,##0"
    p0 = first[header.index("Xác suất thoát nghèo (không hỗ trợ)")]
    p1 = first[header.index("Xác suất thoát nghèo (có hỗ trợ)")]
    assert p0.number_format == "0%" and p1.number_format == "0%"
    assert p0.value == pytest.approx(0.30) and p1.value == pytest.approx(0.50)
    assert first[0].value == 1  # priority
    reasons = first[header.index("Lý do")]
    assert reasons.alignment.wrap_text
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1
    assert ws.column_dimensions["L"].width >= 50
    # Budget in the title block is a number with the VND format.
    budget = [c for row in ws.iter_rows(max_row=HEADER_ROW) for c in row if c.value == 60_000_000]
    assert budget and budget[0].number_format == "#,##0"


def test_supported_then_not_supported_parts(plan, tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    ws = wb["Phong Quang"]
    ids = [row[2] for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
           if isinstance(row[2], str) and row[2].startswith("PQ-")]
    assert ids == ["PQ-1", "PQ-2", "PQ-3", "PQ-4"]
    values = _all_values(ws)
    assert "B. Các hộ chưa được hỗ trợ năm nay và lý do" in values
    assert "không có người trong độ tuổi lao động" in values


def test_both_parts_follow_the_column_list(plan, tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx", lang="en"))
    ws = wb["Phong Quang"]
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    width = len(LIST_COLUMNS)

    def heading(key):
        return labels.label(labels.REPORT_LABELS, key, "en") if key in labels.REPORT_LABELS \
            else labels.label(labels.COLUMN_LABELS, key, "en")

    assert list(rows[0][:width]) == [heading(c.key) for c in LIST_COLUMNS]
    b = next(i for i, r in enumerate(rows) if r[0] == heading("priority") and i > 0)
    assert list(rows[b][:width]) == [heading(c.key_b) if c.key_b else None for c in LIST_COLUMNS]
    # PQ-3 is not supported: why in the support column, the best project by name, no cost.
    pq3 = next(r for r in rows if r[2] == "PQ-3")
    assert pq3[5] == "budget used up" and pq3[6] == "Hỗ trợ nuôi bò sinh sản" and pq3[8] is None


def test_gains_only_plan_writes_without_probabilities(tmp_path):
    plan = make_plan(with_p=False)
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    ws = wb["Phong Quang"]
    assert ws.cell(HEADER_ROW + 1, 10).value is None
    render_report(plan)  # and the report copes too


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.script_data: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.script_data.append(data)


def test_report_parses_and_is_self_contained(plan, tmp_path):
    comparison, curve = comparison_and_curve()
    path = write_report(plan, tmp_path / "report.html", comparison=comparison, curve=curve)
    text = path.read_text(encoding="utf-8")
    p = _Collector()
    p.feed(text)
    p.close()
    assert "script" not in p.tags  # no scripts at all, and the data's <script> is escaped
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # the village table, escaped
    for name, value in p.attrs:
        if name in ("src", "href", "xlink:href", "data", "action"):
            assert not re.match(r"\s*(https?:)?//", value or ""), (name, value)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "@import" not in text
    # Apart from the (escaped) formula-looking village name, nothing names a URL: no xmlns either.
    rest = text.replace(html.escape(EVIL_VILLAGE, quote=True), "")
    assert "http://" not in rest and "https://" not in rest
    assert p.tags.count("svg") >= 4  # exits by commune, by strategy, curve, 2 equity charts
    for heading in ("Tình trạng kế hoạch", "Plan status", "Kết quả theo xã", "So sánh các phương án",
                    "Kinh phí và số hộ thoát nghèo", "Công bằng", "Cảnh báo"):
        assert heading in text
    assert "Phong Quang" in text and "Thượng Quan" in text
    assert "a warning with &lt;b&gt;markup&lt;/b&gt;" in text


def test_report_escapes_data(plan):
    plan.scenario.communes.loc[0, "name"] = SCRIPT_VILLAGE
    text = render_report(plan)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    # The village table escapes the village name too.
    assert "alert(1)" in text


def test_report_escapes_quotes_as_before(plan):
    plan.meta["warnings"] = ["it's \"quoted\" & <b>bold</b>"]
    text = render_report(plan)
    assert "<li>it&#x27;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;</li>" in text


def test_templates_cannot_switch_escaping_off():
    assert ENV.autoescape is True and "safe" not in ENV.filters
    folder = Path(__file__).resolve().parents[1] / "targeting" / "output" / "templates"
    for path in folder.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert "|safe" not in source.replace(" ", "") and "autoescape false" not in source, path.name
    # Even a template that turns autoescape off prints escaped values (the environment's finalize).
    t = ENV.from_string("{% autoescape false %}{{ x }}{% endautoescape %}")
    assert t.render(x="<script>") == "&lt;script&gt;"


def test_words_are_english_vietnamese_pairs():
    for name in ("KIND_LABELS", "STATUS_LABELS", "NOT_SUPPORTED", "COLUMN_LABELS", "REPORT_LABELS",
                 "WORKBOOK_LABELS", "REASON_TEXTS", "PAGE_LABELS", "STRATEGY_LABELS", "PLAN_STATUS_LABELS"):
        for key, pair in getattr(labels, name).items():
            assert isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(w, str) for w in pair), (name, key)
    assert labels.label(labels.STATUS_LABELS, "poor", "en") == "poor household"
    assert labels.label(labels.STATUS_LABELS, "poor") == "hộ nghèo"
    assert labels.bilingual(labels.PAGE_LABELS["total"]) == "Tổng / Total"


def test_report_without_comparison_or_curve(plan):
    text = render_report(plan)
    assert "So sánh các phương án" not in text
    assert 'id="curve"' not in text
    assert "P(target met)" in text


def test_report_has_no_household_level_data(plan):
    text = render_report(plan)
    for hid in plan.allocation["household_id"]:
        assert hid not in text
    assert "income" not in text.lower() or "income_vnd" not in text


def _render_module():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "render_report.py"
    spec = importlib.util.spec_from_file_location("render_report", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                    reason="headless Chromium is not installed (apt-get install -y chromium)")
def test_report_renders_in_chromium(plan, tmp_path):
    comparison, curve = comparison_and_curve()
    html_path = write_report(plan, tmp_path / "report.html", comparison=comparison, curve=curve)
    png = _render_module().render(html_path, tmp_path / "report.png", width=1300, height=1800)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page is a few kB


def test_print_footer_names_the_commune_and_pages(plan, tmp_path):
    plan.scenario.communes.loc[0, "name"] = "Phong & Quang"
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    ws = wb["Phong & Quang"]
    assert "Phong && Quang" in ws.oddFooter.left.text
    assert "&P" in ws.oddFooter.right.text
