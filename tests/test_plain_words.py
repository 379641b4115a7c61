"""What commune staff read: the model's check in plain words (metrics only in the appendix),
targets out of reach with their reason, what the village meeting decided and what it cost, and
workbook cells that hold rounded shares, never float noise."""

from __future__ import annotations

import html
import re

import numpy as np
import openpyxl
import pytest

from targeting.labels import MEETING_CHOICES, MEETING_WORDS, MODEL_WORDS
from targeting.outcomes import commune_outcomes
from targeting.output.excel import HEADER_ROW, write_beneficiaries
from targeting.output.html import render_report
from targeting.output.plain import model_quality, out_of_reach

from .test_report import make_plan

#: Names of the raw metrics that must stay out of the main part of the page.
METRIC_NAMES = ("brier", "log_loss", "ece", "auuc", "reliability", "uplift_per_intervention", "cv_rows",
                "mean_predicted", "observed_rate")

GOOD_METRICS = {
    "cv_folds": 3, "cv_rows": 3559, "brier": 0.1394, "log_loss": 0.439, "ece": 0.0113,
    "uplift_auuc_aipw": 0.0241, "uplift_auuc_ipw": 0.0139,
    "uplift_per_intervention": {"livestock": {"n_arm": 540, "ate": 0.0737, "auuc": 0.0098}},
    "reliability": [
        {"bin": "0.0-0.1", "n": 1046, "mean_predicted": 0.0604, "observed_rate": 0.0631},
        {"bin": "0.1-0.2", "n": 1093, "mean_predicted": 0.1468, "observed_rate": 0.1555},
        {"bin": "0.3-0.4", "n": 371, "mean_predicted": 0.3441, "observed_rate": 0.3154},
        {"bin": "0.4-0.5", "n": 210, "mean_predicted": 0.4464, "observed_rate": 0.4381},
        {"bin": "0.7-0.8", "n": 38, "mean_predicted": 0.7347, "observed_rate": 0.9368},
    ],
}
WEAK_METRICS = {
    "cv_rows": 320, "brier": 0.2, "ece": 0.15, "uplift_auuc_aipw": 0.001,
    "reliability": [
        {"bin": "0.0-0.1", "n": 180, "mean_predicted": 0.05, "observed_rate": 0.25},
        {"bin": "0.5-0.6", "n": 140, "mean_predicted": 0.55, "observed_rate": 0.45},
    ],
}


def _plan(metrics=GOOD_METRICS):
    plan = make_plan()
    plan.meta["model"] = {"name": "m", "source": "history.csv", "metrics": metrics}
    return plan


def _main_and_appendix(text: str) -> tuple[str, str]:
    i = text.index('id="appendix"')
    return text[:i], text[i:]


def _words(text: str) -> str:
    """The page's text without tags, entities unescaped (for phrase checks)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_the_models_check_is_said_in_plain_words_and_its_metrics_only_in_the_appendix():
    text = render_report(_plan())
    main, appendix = _main_and_appendix(text)
    words = re.sub(r"\s+", " ", _words(main))
    assert "Checked on 3,559 past households the model had not seen" in words
    assert "Kiểm tra trên 3.559 hộ trước đây mà mô hình chưa từng thấy" in words
    assert "of the households it gave about a 6% chance, 6% left poverty for good" in words
    assert "of those given about 45%, 44% did" in words  # 38 households are too few to quote
    assert "94%" not in words
    assert MODEL_WORDS["uplift_ok"][0] in words and MODEL_WORDS["meaning"][1] in words
    for name in METRIC_NAMES:
        assert name not in main.lower(), name
    for name in ("brier", "log_loss", "ece", "uplift_auuc_aipw", "reliability", "uplift_per_intervention",
                 "mean_predicted"):
        assert name in appendix, name
    assert "<details><summary>" in appendix  # collapsed


def test_a_weak_model_is_called_weak():
    said = [en for en, _ in model_quality({"source": "history.csv", "metrics": WEAK_METRICS})]
    assert any("only 320 households" in s for s in said)
    assert MODEL_WORDS["uplift_weak"][0] in said
    assert any(s.startswith("The chances it gives were far from what happened") for s in said)
    assert "Where it gave about 5%, 25% actually left: chances around 5% are off." in said
    good = [en for en, _ in model_quality({"source": "history.csv", "metrics": GOOD_METRICS})]
    assert not any("only" in s or "far from" in s or "are off" in s for s in good)
    assert MODEL_WORDS["uplift_weak"][0] not in good


def test_without_a_model_there_is_nothing_to_check():
    assert model_quality({"name": "", "source": "gains.csv"})[0] == MODEL_WORDS["no_model"]
    assert model_quality({"source": "x", "metrics": {}})[0] == MODEL_WORDS["no_check"]


def _out_of_reach_plan():
    """Phong Quang must lift all 3 of its poor households out of poverty (target_poor 0): its two
    supported poor households and one with a 5% chance cannot make 3. Thượng Quan needs 1 of 2."""
    plan = _plan()
    plan.scenario.communes.loc[plan.scenario.communes["commune_id"] == "pq", "target_poor"] = 0
    plan.summary = commune_outcomes(plan.allocation, plan.scenario.communes)
    return plan


def test_a_commune_out_of_reach_says_so_with_the_reason():
    plan = _out_of_reach_plan()
    s = plan.summary.set_index("commune_id")
    assert s.loc["pq", "p_target_met"] < 0.05 <= s.loc["tq", "p_target_met"]
    reach = out_of_reach(plan.summary, plan.allocation, {"pq": "Phong Quang", "tq": "Thượng Quan"})
    assert set(reach) == {"pq"}
    en, vi = reach["pq"]
    assert en.startswith("Phong Quang: the target of 3 poor households leaving poverty is out of reach")
    assert "even if all 2 supported poor households left poverty, with about 0 more expected to " \
        "leave without support, that makes about 2, fewer than 3" in en
    assert vi.startswith("Phong Quang: chỉ tiêu 3 hộ nghèo thoát nghèo năm nay không thể đạt")
    words = re.sub(r"\s+", " ", _words(render_report(plan)))
    assert en in words and vi in words
    assert "Thượng Quan: the target" not in words
    # a best case just short of the target is not rounded up to it
    plan.allocation.loc[plan.allocation["household_id"] == "PQ-4", "p_exit_plan"] = 0.99
    short, _ = out_of_reach(plan.summary, plan.allocation, {})["pq"]
    assert "with about 1 more expected" in short and "makes about 2.9, fewer than 3" in short


def test_the_budget_is_named_when_it_is_the_limit():
    plan = _out_of_reach_plan()
    # With every poor household supported, the best case is no limit: the used-up budget is named.
    a = plan.allocation
    a.loc[a["household_id"] == "PQ-4", "project_id"] = "pq-cow"
    s = plan.summary.copy()
    s.loc[s["commune_id"] == "pq", ["spent_vnd", "p_target_met", "supported"]] = [59_000_000, 0.01, 3]
    en, vi = out_of_reach(s, a, {})["pq"]
    assert "the budget of 60 million VND is used up supporting 3 households" in en
    assert "kinh phí 60 triệu đồng đã dùng hết để hỗ trợ 3 hộ" in vi
    s.loc[s["commune_id"] == "pq", "spent_vnd"] = 10_000_000
    en, _ = out_of_reach(s, a, {})["pq"]
    assert "poor households are expected to leave poverty, against a target of 3" in en


def test_no_commune_out_of_reach_no_sentence():
    plan = _plan()
    assert out_of_reach(plan.summary, plan.allocation, {}) == {}
    assert "out of reach" not in render_report(plan)


def test_the_workbook_summary_says_it_too(tmp_path):
    plan = _out_of_reach_plan()
    for lang, reach_words, model_words in (("vi", "không thể đạt", "Kiểm tra trên 3.559 hộ"),
                                           ("en", "is out of reach", "Checked on 3,559 past households")):
        wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / f"{lang}.xlsx", lang=lang))
        texts = [v for row in wb.worksheets[0].iter_rows(values_only=True) for v in row if isinstance(v, str)]
        assert any(t.startswith("Phong Quang") and reach_words in t for t in texts)
        assert not any(t.startswith("Thượng Quan") and reach_words in t for t in texts)
        assert any(t.startswith(model_words) for t in texts)
        assert not any(name in t for t in texts for name in ("brier", "auuc", "ece "))


def test_every_probability_cell_is_a_rounded_share_never_float_noise(tmp_path):
    plan = _out_of_reach_plan()
    a = plan.allocation
    a.loc[a["household_id"] == "PQ-4", "p_exit_base"] = 6.66e-16
    a.loc[a["household_id"] == "TQ-1", "p_exit_plan"] = 0.123456789
    plan.summary.loc[plan.summary["commune_id"] == "pq", "p_target_met"] = 6.66e-16
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    shares = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, float):
                    assert abs(c.value) >= 1e-6 or c.value == 0, f"{ws.title}!{c.coordinate}: {c.value!r}"
                if c.number_format.endswith("%") and c.value is not None:
                    assert isinstance(c.value, int | float), f"{ws.title}!{c.coordinate}: {c.value!r}"
                    assert 0 <= c.value <= 1 and round(c.value, 4) == c.value, f"{ws.title}!{c.coordinate}"
                    shares += 1
    assert shares >= 2 * len(a)  # both probabilities of every supported row, the base of the rest
    ws = wb["Phong Quang"]
    header = [c.value for c in ws[HEADER_ROW]]
    pq4 = next(r for r in ws.iter_rows(values_only=True) if r[2] == "PQ-4")
    assert pq4[header.index("Xác suất thoát nghèo (không hỗ trợ)")] == 0
    tq1 = next(r for r in wb["Thượng Quan"].iter_rows(values_only=True) if r[2] == "TQ-1")
    assert tq1[header.index("Xác suất thoát nghèo (có hỗ trợ)")] == 0.1235


# --------------------------------------------------------------------------------------------
# The meeting's decisions, shown
# --------------------------------------------------------------------------------------------


def _decided_plan(cost: bool = False):
    plan = _plan()
    a = plan.allocation
    a["decision"] = ""
    a["decision_note"] = ""
    a.loc[a["household_id"] == "PQ-1", ["decision", "decision_note"]] = ["assign", "chăn nuôi giỏi"]
    a.loc[a["household_id"] == "PQ-3", ["decision", "decision_note"]] = ["exclude", "đã có việc làm"]
    a.loc[a["household_id"] == "TQ-2", ["decision", "decision_note"]] = ["decline", "không muốn học nghề"]
    if cost:
        a["decision_cost"] = np.nan
        a.loc[a["household_id"] == "PQ-1", "decision_cost"] = 0.0
        a.loc[a["household_id"] == "PQ-3", "decision_cost"] = 0.04
        a.loc[a["household_id"] == "TQ-2", "decision_cost"] = 0.117
    plan.meta["objective"] = 0.45
    plan.meta["decisions"] = {"assign": 1, "exclude": 1, "decline": 1, "objective_without": 0.6123,
                              "exits_cost": 0.1623}
    return plan


def _meeting_part(text: str) -> str:
    start = text.index('id="meeting"')
    return text[start:text.index("<h2", start + 10)]


def test_the_meetings_decisions_are_shown_with_their_cost():
    text = render_report(_decided_plan())
    part = _meeting_part(text)
    words = re.sub(r"\s+", " ", _words(part))
    assert "Quyết định của cuộc họp thôn" in words and "What the meeting decided" in words
    for pair in (("agreed by the meeting", "1"), ("no support this year (meeting's decision)", "1"),
                 ("the household declined", "1")):
        assert re.search(re.escape(pair[0]) + r"\s*:\s*" + pair[1], words), pair
    assert "cost about 0.16 expected lasting exits" in words
    assert "adds about 0.61 exits without them, 0.45 with them" in words
    for hid, note in (("PQ-1", "chăn nuôi giỏi"), ("PQ-3", "đã có việc làm"), ("TQ-2", "không muốn học nghề")):
        assert hid in part and note in words
    assert "Hỗ trợ nuôi bò sinh sản" in words  # the project PQ-1 was given
    # no decision_cost column: the price is shown as "–" on every row
    rows = re.findall(r"<tr>(<td>.*?)</tr>", part)
    assert len(rows) == 3 and all(r.endswith('<td class="num">–</td>') for r in rows)


def test_each_decisions_price_is_shown_costliest_first_when_the_plan_has_it():
    part = _meeting_part(render_report(_decided_plan(cost=True)))
    rows = re.findall(r"<tr>(<td>.*?)</tr>", part)
    assert [re.search(r"(PQ|TQ)-\d", r).group(0) for r in rows] == ["TQ-2", "PQ-3", "PQ-1"]
    assert [re.findall(r'<td class="num">([^<]*)</td>', r)[-1] for r in rows] == ["0.12", "0.04", "0.00"]


def test_no_meeting_section_without_decisions():
    text = render_report(_plan())
    assert 'id="meeting"' not in text and "What the meeting decided" not in text


def test_a_solver_gap_note_is_explained():
    plan = _decided_plan()
    plan.meta["decisions"].update(exits_cost=0.0, note="the decided plan's objective is 0.001 above ...")
    words = re.sub(r"\s+", " ", _words(_meeting_part(render_report(plan))))
    assert "These decisions cost no expected exits" in words
    assert MEETING_WORDS["gap_note"][0] in words and "0.001 above" in words


@pytest.mark.parametrize("cost", [False, True])
def test_the_lists_prefill_each_decision_with_its_note_and_price(tmp_path, cost):
    plan = _decided_plan(cost=cost)
    wb = openpyxl.load_workbook(write_beneficiaries(plan, tmp_path / "b.xlsx"))
    ws = wb["Phong Quang"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[-3:] == ["Quyết định của cuộc họp", "Ghi chú", "Số hộ thoát nghèo mất đi"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[2] in ("PQ-1", "PQ-2",
                                                                                                  "PQ-3")}
    assert rows["PQ-1"][-3:-1] == (MEETING_CHOICES["assign"][1], "chăn nuôi giỏi")
    assert rows["PQ-3"][-3:-1] == (MEETING_CHOICES["exclude"][1], "đã có việc làm")
    assert rows["PQ-2"][-3:] == (None, None, None)  # not decided: left for the meeting
    assert rows["PQ-3"][-1] == (0.04 if cost else "–")
    if cost:
        cell = next(c for r in ws.iter_rows() for c in r if c.value == 0.04)
        assert cell.number_format == "0.00"


def test_a_plan_without_decisions_has_no_price_column(tmp_path):
    wb = openpyxl.load_workbook(write_beneficiaries(_plan(), tmp_path / "b.xlsx"))
    header = [c.value for c in wb["Phong Quang"][HEADER_ROW]]
    assert header[-2:] == ["Quyết định của cuộc họp", "Ghi chú"]
    assert "Số hộ thoát nghèo mất đi" not in header
