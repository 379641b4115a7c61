"""Words for people: every Vietnamese and English label, reason and heading, as (en, vi) pairs.

The bottom layer (it imports nothing), so that every layer renders its words from this one
catalogue and a translator edits one file. Terms follow the glossary of the domain notes.
"""

from __future__ import annotations

KIND_LABELS = {
    "livestock": ("livestock", "chăn nuôi"),
    "crop": ("crops", "trồng trọt"),
    "value_chain": ("value-chain linkage project", "dự án liên kết theo chuỗi giá trị"),
    "community": ("community project", "dự án phát triển sản xuất cộng đồng"),
    "vocational": ("vocational training", "đào tạo nghề"),
    "labour_export": (
        "labour export (contract work abroad)",
        "đi làm việc ở nước ngoài theo hợp đồng (xuất khẩu lao động)",
    ),
    "none": ("no support", "không hỗ trợ"),
}

STATUS_LABELS = {
    "poor": ("poor household", "hộ nghèo"),
    "near_poor": ("near-poor household", "hộ cận nghèo"),
    "non_poor": ("non-poor", "không nghèo"),
}

#: Why a household is not supported: eligibility (targeting.data.eligibility) and allocation keys.
NOT_SUPPORTED = {
    "no_project": ("no project open in its commune or village", "không có dự án mở tại xã/thôn"),
    "no_working_age": ("no working-age member", "không có người trong độ tuổi lao động"),
    "not_enough_land": ("not enough land", "không đủ đất"),
    "status": ("its status is not eligible for the open projects", "diện hộ không thuộc đối tượng của dự án"),
    "not_listed": ("no project listed for it in gains.csv", "không có dự án nào cho hộ trong gains.csv"),
    "not_requested": ("not requested by the household", "hộ không đăng ký loại hỗ trợ này"),
    "no_gain": (
        "no project is expected to raise its chance of a lasting exit (other help may fit better)",
        "không dự án nào dự kiến giúp tăng khả năng thoát nghèo bền vững (cần hình thức hỗ trợ khác)",
    ),
    "budget": ("budget used up", "hết kinh phí"),
    "slots": ("the project's places are taken", "dự án đã đủ số hộ tham gia"),
    "envelope": ("the project's own funding is used up", "hết kinh phí của dự án"),
    "min_group": (
        "the project did not reach its minimum group and does not run",
        "dự án không đủ số hộ tối thiểu nên không triển khai",
    ),
    "cooperative": (
        "the cooperative is full or did not reach its minimum",
        "hợp tác xã đã đủ hộ liên kết hoặc không đủ số hộ tối thiểu",
    ),
    "quota": ("a policy quota of the commune left no room", "chỉ tiêu cơ cấu của xã không còn chỗ"),
    "not_selected": (
        "others gain more for the money; next in line if more money comes",
        "hộ khác có hiệu quả cao hơn với cùng kinh phí; được xét tiếp khi có thêm kinh phí",
    ),
    "meeting": ("the village meeting decided so", "quyết định của cuộc họp thôn"),
    "declined": ("the household declined", "hộ từ chối"),
}

#: What the village meeting decided (decisions.csv ``decision``), for the lists.
DECISION_LABELS = {
    "assign": ("agreed by the meeting", "đồng ý"),
    "exclude": ("no support this year (meeting's decision)", "không hỗ trợ (quyết định của cuộc họp)"),
    "decline": ("the household declined", "hộ từ chối"),
}

#: The meeting's columns at the end of every list row of beneficiaries.xlsx.
MEETING_COLUMN_LABELS = {
    "decision": ("Meeting decision", "Quyết định của cuộc họp"),
    "note": ("Note", "Ghi chú"),
}

#: The words of the decision dropdown, by decision code (what the meeting types or picks).
MEETING_CHOICES = {
    "assign": ("Agreed", "Đồng ý"),
    "exclude": ("Not supported", "Không hỗ trợ"),
    "decline": ("Household declined", "Hộ từ chối"),
}

#: The hidden sheet that marks a workbook written by targeting: the scenario's fingerprint, then
#: every listed household with the project its row shows.
MEETING_MARKER_SHEET = "targeting"

COLUMN_LABELS = {
    "priority": ("Priority", "Thứ tự ưu tiên"),
    "household_id": ("Household", "Mã hộ"),
    "village": ("Village", "Thôn, bản"),
    "status": ("Status", "Diện hộ"),
    "support": ("Support", "Hình thức hỗ trợ"),
    "project_id": ("Project", "Dự án"),
    "project_name": ("Project name", "Tên dự án"),
    "cooperative": ("Cooperative", "Hợp tác xã"),
    "cost_vnd": ("Cost (VND)", "Kinh phí (đồng)"),
    "p_exit_base": ("Probability of exiting poverty without support",
                    "Xác suất thoát nghèo (không hỗ trợ)"),
    "p_exit_plan": ("Probability of exiting poverty with support", "Xác suất thoát nghèo (có hỗ trợ)"),
    "gain": ("Expected gain", "Mức tăng dự kiến"),
    "reasons": ("Reasons", "Lý do"),
    "supported": ("Supported", "Được hỗ trợ"),
    "not_supported": ("Not supported because", "Chưa được hỗ trợ vì"),
    "expected_exits": ("Expected exits", "Số hộ dự kiến thoát nghèo"),
    "target": ("Target", "Chỉ tiêu"),
    "budget": ("Budget (VND)", "Kinh phí (đồng)"),
}


def label(table: dict, key: str, lang: str = "vi") -> str:
    """The word for ``key`` in one language.

    Parameters
    ----------
    table : dict
        One of the tables of this module: key -> (English, Vietnamese).
    key : str
        The key; a key the table does not know stands for itself.
    lang : {"vi", "en"}
        Vietnamese (default) or English.

    Returns
    -------
    str
    """
    en, vi = table.get(key, (key, key))
    return vi if lang == "vi" else en


def bilingual(pair: tuple[str, str]) -> str:
    """``"Vietnamese / English"`` of an (English, Vietnamese) pair, as the report writes both."""
    en, vi = pair
    return f"{vi} / {en}"


# --------------------------------------------------------------------------------------------
# Beneficiary lists (beneficiaries.xlsx) and the HTML report (report.html)
# --------------------------------------------------------------------------------------------

#: Labels of the Excel lists and the report, as (English, Vietnamese).
REPORT_LABELS = {
    "summary_sheet": ("Summary", "Tổng hợp"),
    "list_title": ("Production-development support: prioritized list",
                   "Danh sách ưu tiên hỗ trợ phát triển sản xuất"),
    "summary_title": ("Production-development support plan: summary",
                      "Kế hoạch hỗ trợ phát triển sản xuất: tổng hợp"),
    "commune": ("Commune", "Xã"),
    "province": ("Province", "Tỉnh"),
    "spent": ("Spent (VND)", "Đã sử dụng (đồng)"),
    "supported_count": ("Households supported", "Số hộ được hỗ trợ"),
    "not_supported_count": ("Households not supported", "Số hộ chưa được hỗ trợ"),
    "exits_range": ("Likely range (p10-p90)", "Khoảng dự kiến (p10-p90)"),
    "target_exits": ("Target: poor households to exit", "Chỉ tiêu: số hộ nghèo cần thoát nghèo"),
    "target_poor": ("Target: poor households at year end", "Chỉ tiêu: số hộ nghèo cuối năm"),
    "expected_exits_poor": ("Expected exits of poor households", "Số hộ nghèo dự kiến thoát nghèo"),
    "p_target_met": ("Probability of meeting the target", "Xác suất đạt chỉ tiêu"),
    "poverty_rate_before": ("Poverty rate before", "Tỷ lệ hộ nghèo hiện tại"),
    "poverty_rate_after": ("Poverty rate expected after", "Tỷ lệ hộ nghèo dự kiến sau"),
    "added_exits": ("Exits added by the support", "Số hộ thoát nghèo tăng thêm nhờ hỗ trợ"),
    "poor": ("Poor households", "Số hộ nghèo"),
    "near_poor": ("Near-poor households", "Số hộ cận nghèo"),
    "part_supported": ("A. Households supported, in order of priority",
                       "A. Các hộ được hỗ trợ, theo thứ tự ưu tiên"),
    "part_not_supported": ("B. Households not supported this year, and why",
                           "B. Các hộ chưa được hỗ trợ năm nay và lý do"),
    "priority_village": ("Priority in village", "Thứ tự trong thôn"),
    "best_project": ("Best-fitting project (if more money comes)",
                     "Dự án phù hợp nhất (khi có thêm kinh phí)"),
    "none_supported": ("No household is supported in this commune.", "Không có hộ nào được hỗ trợ tại xã."),
    "none_unsupported": ("Every household on the register is supported.",
                         "Tất cả các hộ trong danh sách đều được hỗ trợ."),
    "strategy": ("Strategy", "Phương án phân bổ"),
    "plan_status": ("Solver status", "Trạng thái lời giải"),
    "model": ("Scoring model", "Mô hình chấm điểm"),
    "year": ("Year", "Năm"),
    "generated_by": ("Generated by targeting", "Lập bằng targeting"),
    "note_reasons": (
        "Reasons come from the scoring model and the programme rules; they are for the village "
        "meeting to read and challenge.",
        "Lý do được lập từ mô hình chấm điểm và quy định của chương trình, để họp dân ở thôn "
        "xem xét và góp ý.",
    ),
    "warnings": ("Warnings", "Cảnh báo"),
    "reason_counts": ("Households not supported, by reason", "Số hộ chưa được hỗ trợ, theo lý do"),
    "count": ("Households", "Số hộ"),
    "all": ("All communes", "Toàn bộ các xã"),
}

STRATEGY_LABELS = {
    "optimal": ("optimal (optimizer)", "tối ưu (mô hình tối ưu hóa)"),
    "greedy": ("greedy (best gain per VND first)", "tham lam (hiệu quả trên mỗi đồng cao nhất trước)"),
    "capacity": ("capacity (highest capacity score first)", "năng lực (điểm năng lực cao nhất trước)"),
    "poorest": ("poorest first (lowest income first)", "nghèo nhất trước (thu nhập thấp nhất trước)"),
    "lottery": ("lottery (random among the eligible)", "bốc thăm (ngẫu nhiên trong số hộ đủ điều kiện)"),
}

#: Words of the beneficiary workbook that are not column headings, as (English, Vietnamese).
#: ``page_footer`` is an Excel footer code: ``&P`` the page, ``&N`` the number of pages.
WORKBOOK_LABELS = {
    "gain_note": (
        "Expected gains were supplied by the user (gains.csv); with no model there are no probabilities.",
        "Mức tăng dự kiến do người dùng cung cấp (gains.csv), không có mô hình nên không có "
        "xác suất thoát nghèo.",
    ),
    "page_footer": ("Page &P of &N", "Trang &P / &N"),
}

# --------------------------------------------------------------------------------------------
# Reasons of the plan (allocation.csv ``reasons_en`` / ``reasons_vi``)
# --------------------------------------------------------------------------------------------

#: Sentences of a household's reason, as (English, Vietnamese) ``str.format`` patterns.
REASON_TEXTS = {
    "supported_p": (
        "supported: {project} ({kind}); chance of a lasting exit {p_base} -> {p_plan}",
        "được hỗ trợ: {project} ({kind}); xác suất thoát nghèo bền vững {p_base} -> {p_plan}",
    ),
    "supported_gain": (
        "supported: {project} ({kind}); expected gain {gain}",
        "được hỗ trợ: {project} ({kind}); mức tăng dự kiến {gain}",
    ),
    "not_supported": ("not supported because: {why}", "chưa được hỗ trợ vì: {why}"),
    # a household the village meeting assigned its support: said before the rest of its reasons
    "assigned": ("the village meeting decided this support; ", "hỗ trợ theo quyết định của cuộc họp thôn; "),
    "p_without": (
        "; chance of a lasting exit without support {p_base}",
        "; xác suất thoát nghèo không hỗ trợ {p_base}",
    ),
    # households.csv ``wants``: what the household asked for, shown on the lists
    "wants": ("asked for: {kinds}", "hộ đăng ký: {kinds}"),
    "wants_none": ("asked for no support", "hộ không đăng ký hỗ trợ"),
}

#: Words that mark a reason fragment stating an income, dropped from lists for public posting.
INCOME_WORDS = ("income", "thu nhập")

# --------------------------------------------------------------------------------------------
# The HTML report (report.html): headings, table heads, chart legends, captions and notes.
# The report shows both languages, "Vietnamese / English".
# --------------------------------------------------------------------------------------------

#: Words of report.html, as (English, Vietnamese).
PAGE_LABELS = {
    # page head
    "title": ("Livelihood support plan", "Kế hoạch hỗ trợ sinh kế"),
    "heading": ("Livelihood support plan", "Kế hoạch hỗ trợ phát triển sản xuất"),
    "subtitle_year": ("Year {year} · strategy {strategy}", "Năm {year} · phương án {strategy}"),
    "subtitle": ("Strategy {strategy}", "Phương án {strategy}"),
    # plan status
    "status_title": ("Plan status", "Tình trạng kế hoạch"),
    "strategy": ("Strategy", "Phương án"),
    "status": ("Status", "Trạng thái"),
    "objective": ("Objective (added exits)", "Mục tiêu (số hộ thoát nghèo tăng thêm)"),
    "bound": ("Bound", "Cận trên"),
    "optimality_gap": ("Gap", "Khoảng cách tối ưu"),
    "solve_time": ("Solve time", "Thời gian giải"),
    "households_register": ("Households on the register", "Số hộ trong danh sách"),
    "households_supported": ("Households supported", "Số hộ được hỗ trợ"),
    "spent_of_budget": ("Spent / budget (million VND)", "Kinh phí đã dùng / tổng"),
    "model": ("Model", "Mô hình"),
    "metrics_title": ("Model metrics (cross-validated)", "Chất lượng mô hình"),
    # results by commune
    "communes_title": ("Results by commune", "Kết quả theo xã"),
    "commune": ("Commune", "Xã"),
    "budget_mvnd": ("Budget (million VND)", "Kinh phí (triệu đồng)"),
    "spent": ("Spent", "Đã sử dụng"),
    "supported_households": ("Supported", "Số hộ được hỗ trợ"),
    "expected_exits": ("Expected exits", "Số hộ dự kiến thoát nghèo"),
    "exits_range": ("p10–p90 range", "Khoảng p10–p90"),
    "added_by_support": ("Added by support", "Tăng thêm nhờ hỗ trợ"),
    "target_poor_exits": ("Target (poor exits)", "Chỉ tiêu (hộ nghèo cần thoát)"),
    "poor_exiting": ("Poor households exiting", "Hộ nghèo dự kiến thoát"),
    "p_target_met": ("P(target met)", "Xác suất đạt chỉ tiêu"),
    "poverty_rate": ("Poverty rate before → after", "Tỷ lệ nghèo trước → sau"),
    "total": ("Total", "Tổng"),
    "note_exits": (
        "Expected exits count every household on the register (poor and near-poor), supported or "
        "not; the target counts poor households. P(target met) is the probability that at least "
        "the target number of poor households exit sustainably.",
        "Số hộ dự kiến thoát nghèo: mọi hộ trong danh sách (nghèo và cận nghèo), có hoặc không "
        "được hỗ trợ; chỉ tiêu tính trên hộ nghèo.",
    ),
    # expected exits by commune (chart)
    "exits_chart": ("Expected exits by commune vs target", "Số hộ dự kiến thoát nghèo theo xã so với chỉ tiêu"),
    "all_households_range": ("all households (p10–p90)", "Mọi hộ"),
    "poor_households": ("poor households", "Hộ nghèo"),
    "target": ("target", "Chỉ tiêu"),
    "met": ("met", "đạt"),
    "exits_chart_caption": (
        "Bars: expected sustained exits; black whisker: p10–p90; red tick: target (poor "
        "households that must exit); P: probability of meeting it.",
        "Thanh: số hộ dự kiến thoát nghèo bền vững; vạch đen: khoảng p10–p90; vạch đỏ: chỉ tiêu; "
        "P: xác suất đạt chỉ tiêu.",
    ),
    "added_chart": ("Exits added by commune", "Số hộ thoát nghèo tăng thêm theo xã"),
    "added_by_support_series": ("added by support", "Tăng thêm nhờ hỗ trợ"),
    "added_chart_caption": (
        "No probabilities (gains supplied by the user): only the exits added by the support are known.",
        "Không có xác suất (mức tăng do người dùng cung cấp).",
    ),
    # strategies compared
    "comparison_title": ("Strategies compared", "So sánh các phương án"),
    "per_billion": ("per bn VND", "tỷ đồng"),
    "added_exits_series": ("added exits", "Số hộ thoát nghèo tăng thêm"),
    "expected_exits_series": ("expected exits (p10–p90)", "Số hộ dự kiến thoát nghèo"),
    "strategies_chart": ("Exits by strategy", "Số hộ thoát nghèo theo phương án"),
    "strategies_caption": (
        "Same money, same model; added exits are what the support itself adds over no support.",
        "Cùng kinh phí, cùng mô hình.",
    ),
    "supported": ("Supported", "Số hộ hỗ trợ"),
    "spent_mvnd": ("Spent (million VND)", "Đã sử dụng (triệu đồng)"),
    "expected": ("Expected exits", "Dự kiến thoát nghèo"),
    "p10_p90": ("p10–p90", "p10–p90"),
    "added_exits": ("Added exits", "Tăng thêm"),
    "added_per_billion": ("Added per bn VND", "Tăng thêm / tỷ đồng"),
    "share_ethnic_minority": ("Ethnic-minority share", "Tỷ lệ DTTS"),
    "share_female_head": ("Female-head share", "Tỷ lệ chủ hộ nữ"),
    "share_poor": ("Poor share", "Tỷ lệ hộ nghèo"),
    "communes_meeting_target": ("Communes meeting target", "Số xã đạt chỉ tiêu"),
    "gap": ("Gap", "Khoảng cách"),
    "time_s": ("Time (s)", "Thời gian (s)"),
    "note_comparison": (
        "A commune meets its target when P(target met) is at least 50%. The highlighted row is "
        "the strategy of this plan.",
        "Xã đạt chỉ tiêu: xác suất đạt chỉ tiêu từ 50% trở lên.",
    ),
    # budget and exits
    "curve_title": ("Budget and exits", "Kinh phí và số hộ thoát nghèo"),
    "curve_chart": ("Added exits as the budget varies", "Số hộ thoát nghèo tăng thêm theo kinh phí"),
    "total_budget_bn": ("total budget (billion VND)", "Tổng kinh phí (tỷ đồng)"),
    "added_exits_axis": ("added exits", "Tăng thêm"),
    "current_budget": ("current budget", "kinh phí hiện tại"),
    "billion_vnd": ("billion VND", "tỷ đồng"),
    "curve_caption": (
        "Each point re-solves the plan with every commune's budget scaled by the same factor.",
        "Mỗi điểm là một lần giải lại với kinh phí mọi xã nhân với cùng hệ số.",
    ),
    "budget_factor": ("Budget ×", "Hệ số kinh phí"),
    "marginal_per_billion": ("Marginal added exits per bn VND", "Tăng thêm biên / tỷ đồng"),
    # equity
    "equity_title": ("Equity: share supported by group", "Công bằng: tỷ lệ được hỗ trợ theo nhóm"),
    "ethnic_minority": ("Ethnic minority", "Dân tộc thiểu số"),
    "minority": ("minority", "DTTS"),
    "majority": ("other", "Kinh"),
    "female_head": ("Female head of household", "Chủ hộ nữ"),
    "female": ("female head", "Chủ hộ nữ"),
    "male": ("male head", "Chủ hộ nam"),
    "all": ("all", "Tất cả"),
    "group": ("Group", "Nhóm"),
    "share_register": ("Share of register", "Tỷ lệ trong danh sách"),
    "share_supported": ("Share of supported", "Tỷ lệ trong số hộ được hỗ trợ"),
    "rate_group": ("Supported rate (group)", "Tỷ lệ được hỗ trợ (trong nhóm)"),
    "rate_others": ("Supported rate (others)", "Tỷ lệ được hỗ trợ (ngoài nhóm)"),
    "by_village": ("By village", "Theo thôn, bản"),
    "village": ("Village", "Thôn, bản"),
    "households": ("Households", "Số hộ"),
    "supported_share": ("Supported", "Được hỗ trợ"),
    "share": ("Share", "Tỷ lệ"),
    # not supported
    "reasons_title": ("Why households are not supported", "Lý do chưa được hỗ trợ"),
    "all_supported": ("Every household is supported.", "Tất cả các hộ đều được hỗ trợ."),
    "reason": ("Reason", "Lý do"),
    # warnings and details
    "warnings": ("Warnings", "Cảnh báo"),
    "no_warnings": ("No warnings.", "Không có cảnh báo."),
    "details": ("Settings and technical details", "Thiết lập và chi tiết kỹ thuật"),
}

PLAN_STATUS_LABELS = {
    "optimal": ("optimal (proven)", "tối ưu (đã chứng minh)"),
    "feasible": ("feasible", "khả thi"),
    "infeasible": ("infeasible", "không khả thi"),
    "timeout": ("time limit reached", "hết thời gian giải"),
}

#: The review of a plan a year on (``targeting review``: report.html of the review folder).
REVIEW_LABELS = {
    "title": ("Review of the plan", "Đánh giá kế hoạch"),
    "heading": ("The year after: forecast and outcome", "Một năm sau: dự báo và kết quả"),
    "subtitle": ("plan of {year}, strategy {strategy}", "kế hoạch năm {year}, phương án {strategy}"),
    "measure_sustained": ("Counted: sustained exits, households off the register one year on and still off "
                          "at the follow-up.",
                          "Tính: số hộ thoát nghèo bền vững, ra khỏi danh sách sau một năm và vẫn ngoài danh "
                          "sách khi theo dõi lại."),
    "measure_one_year": ("Counted: households off the register one year on. The plan forecast sustained exits; "
                         "some of these households may still fall back, so review again with the follow-up "
                         "register.",
                         "Tính: số hộ ra khỏi danh sách sau một năm. Kế hoạch dự báo số hộ thoát nghèo bền "
                         "vững; một số hộ có thể tái nghèo, nên cần đánh giá lại với danh sách theo dõi."),
    "all_sentence": ("The plan forecast {expected} exits (most likely between {lo} and {hi}); {exits} happened: "
                     "{verdict}.",
                     "Kế hoạch dự báo {expected} hộ thoát nghèo (nhiều khả năng từ {lo} đến {hi}); thực tế "
                     "{exits} hộ: {verdict}."),
    "no_forecast": ("The plan has no forecast to check (its gains were supplied, not estimated by a model); "
                    "{exits} of {households} households left the register.",
                    "Kế hoạch không có dự báo để đối chiếu (lợi ích được nhập sẵn, không do mô hình ước "
                    "tính); {exits} trên {households} hộ đã ra khỏi danh sách."),
    "inside": ("inside the forecast range", "nằm trong khoảng dự báo"),
    "below": ("below the forecast range", "thấp hơn khoảng dự báo"),
    "above": ("above the forecast range", "cao hơn khoảng dự báo"),
    "forecast_title": ("Forecast and outcome by commune", "Dự báo và kết quả theo xã"),
    "forecast_caption": ("Grey bar: the range the plan gave (10% to 90% chance); line: the forecast; dot: "
                         "what happened (blue inside the range, orange outside). About 8 in 10 communes "
                         "should fall inside when the forecasts are right.",
                         "Thanh xám: khoảng dự báo của kế hoạch (khả năng 10% đến 90%); vạch: số dự báo; "
                         "chấm: kết quả thực tế (xanh: trong khoảng, cam: ngoài khoảng). Nếu dự báo đúng, "
                         "khoảng 8 trên 10 xã nằm trong khoảng."),
    "inside_share": ("{share} of communes fell inside their forecast range (about 80% is what right "
                     "forecasts give).",
                     "{share} số xã có kết quả nằm trong khoảng dự báo (dự báo đúng cho khoảng 80%)."),
    "forecast": ("Forecast", "Dự báo"),
    "range": ("Range (10%-90%)", "Khoảng (10%-90%)"),
    "happened": ("Happened", "Thực tế"),
    "verdict": ("Inside the range?", "Trong khoảng?"),
    "rates_title": ("Who left poverty: supported and not supported", "Ai đã thoát nghèo: được và chưa được hỗ trợ"),
    "rates_caption": ("Share of households that left poverty, by the support they got, beside the share the "
                      "plan forecast. Supported households were chosen, so the difference is not the effect "
                      "of support by itself.",
                      "Tỷ lệ hộ thoát nghèo theo loại hỗ trợ nhận được, bên cạnh tỷ lệ kế hoạch dự báo. Hộ "
                      "được hỗ trợ là hộ được chọn, nên chênh lệch không hoàn toàn do hỗ trợ."),
    "support": ("Support", "Hỗ trợ"),
    "none": ("no support", "không được hỗ trợ"),
    "households": ("Households", "Số hộ"),
    "exit_rate": ("Left poverty", "Tỷ lệ thoát nghèo"),
    "forecast_rate": ("Forecast", "Dự báo"),
    "calibration_title": ("Were the chances right?", "Xác suất dự báo có đúng không?"),
    "calibration_caption": ("Households grouped by the chance the plan gave them; each dot is one group, its size "
                            "the number of households. On the diagonal, the chance was right: of households given "
                            "about 40%, about 40 in 100 left poverty for good.",
                            "Các hộ được nhóm theo xác suất kế hoạch đưa ra; mỗi chấm là một nhóm, to nhỏ theo "
                            "số hộ. Chấm nằm trên đường chéo là dự báo đúng: trong các hộ được dự báo khoảng "
                            "40%, khoảng 40 trên 100 hộ đã thoát nghèo bền vững."),
    "chance_given": ("chance given by the plan", "xác suất kế hoạch đưa ra"),
    "share_left": ("share that left for good", "tỷ lệ đã thoát bền vững"),
    "transitions_title": ("Movements on the register", "Biến động danh sách hộ nghèo, cận nghèo"),
    "transitions_caption": ("Per commune and status at plan time. New on the register: households on the later "
                            "register that were not on the plan's (counted by their new status). Moved: "
                            "households a later register puts in another commune (counted in the plan's "
                            "commune).",
                            "Theo xã và tình trạng khi lập kế hoạch. Phát sinh mới: hộ có trong danh sách sau "
                            "nhưng không có trong danh sách của kế hoạch (tính theo tình trạng mới). Chuyển xã: "
                            "hộ được ghi ở xã khác trong danh sách sau (vẫn tính ở xã của kế hoạch)."),
    "status": ("Status at plan time", "Tình trạng khi lập kế hoạch"),
    "to_poor": ("Poor one year on", "Nghèo sau một năm"),
    "to_near_poor": ("Near-poor one year on", "Cận nghèo sau một năm"),
    "off_register": ("Left the register", "Ra khỏi danh sách"),
    "new_on_register": ("Newly on the register", "Phát sinh mới"),
    "moved": ("Moved commune", "Chuyển xã"),
    "fell_back": ("Fell back", "Tái nghèo"),
    "sustained_exits": ("Left for good", "Thoát nghèo bền vững"),
    "notes": ("Notes", "Ghi chú"),
    "technical": ("Technical details", "Chi tiết kỹ thuật"),
}

# ---------------------------------------------------------------------------------------------
# Reasons behind a score (targeting.scoring.interpret): one feature's value in words. Templates
# take {feature} (the column name), {value} (text as recorded), {n} (the number, 1 decimal at
# most), {r} (the number rounded to a whole one), {label}, and {s}: "s" unless the number is 1.
# ---------------------------------------------------------------------------------------------

#: The deprivation indicators ``dep_<key>`` of the poverty standards, as reasons name them.
REASON_DEPRIVATIONS = {
    "employment": ("employment", "việc làm"),
    "dependency": ("dependants", "người phụ thuộc"),
    "nutrition": ("child nutrition", "dinh dưỡng"),
    "health_insurance": ("health insurance", "bảo hiểm y tế"),
    "adult_education": ("adult education", "trình độ giáo dục của người lớn"),
    "child_schooling": ("children's schooling", "tình trạng đi học của trẻ em"),
    "housing_quality": ("housing quality", "chất lượng nhà ở"),
    "floor_area": ("floor area per person", "diện tích nhà ở bình quân đầu người"),
    "water": ("safe domestic water", "nguồn nước sinh hoạt"),
    "sanitation": ("hygienic latrine", "nhà tiêu hợp vệ sinh"),
    "telecom": ("telecom services", "dịch vụ viễn thông"),
    "info_access": ("means of access to information", "phương tiện tiếp cận thông tin"),
    "waste": ("waste treatment", "thu gom, xử lý rác thải"),
}
REASON_DEPRIVED = ("deprived: {label}", "thiếu hụt {label}")
REASON_NOT_DEPRIVED = ("not deprived: {label}", "không thiếu hụt {label}")

#: The household's status on the register.
REASON_STATUS = {
    "poor": ("poor household", "hộ nghèo"),
    "near_poor": ("near-poor household", "hộ cận nghèo"),
    "non_poor": ("non-poor household", "hộ không nghèo"),
}

#: 0/1 features: (words when 1, words when 0).
REASON_FLAGS = {
    "grid_power": (
        ("connected to the national grid", "có điện lưới quốc gia"),
        ("not connected to the national grid", "chưa có điện lưới quốc gia"),
    ),
    "registered_exit": (
        ("registered to exit poverty", "đã đăng ký thoát nghèo"),
        ("not registered to exit poverty", "chưa đăng ký thoát nghèo"),
    ),
    "ethnic_minority": (
        ("ethnic-minority household", "hộ dân tộc thiểu số"),
        ("not an ethnic-minority household", "không phải hộ dân tộc thiểu số"),
    ),
    "female_head": (("female household head", "chủ hộ là nữ"), ("male household head", "chủ hộ là nam")),
    "disability": (
        ("a member with a disability", "có thành viên khuyết tật"),
        ("no member with a disability", "không có thành viên khuyết tật"),
    ),
    "urban": (("urban area", "khu vực thành thị"), ("rural area", "khu vực nông thôn")),
    # the causes of poverty recorded at the annual review (nguyên nhân nghèo)
    "cause_land": (("lacks land", "thiếu đất sản xuất"), ("does not lack land", "không thiếu đất sản xuất")),
    "cause_capital": (("lacks capital", "thiếu vốn"), ("does not lack capital", "không thiếu vốn")),
    "cause_labour": (("lacks labour", "thiếu lao động"), ("does not lack labour", "không thiếu lao động")),
    "cause_tools": (
        ("lacks tools of production", "thiếu công cụ sản xuất"),
        ("does not lack tools of production", "không thiếu công cụ sản xuất"),
    ),
    "cause_know_how": (("lacks know-how", "thiếu kiến thức"), ("does not lack know-how", "không thiếu kiến thức")),
    "cause_skills": (("lacks skills", "thiếu kỹ năng"), ("does not lack skills", "không thiếu kỹ năng")),
    "cause_illness": (
        ("illness or accident", "ốm đau, tai nạn"),
        ("no illness or accident recorded", "không có ốm đau, tai nạn"),
    ),
    "cause_other": (
        ("another cause of poverty", "nguyên nhân khác"),
        ("no other cause of poverty recorded", "không có nguyên nhân khác"),
    ),
}

#: Numeric features with words of their own.
REASON_AMOUNTS = {
    "working_age": ("{n} working-age member{s}", "{n} người trong độ tuổi lao động"),
    "members": ("{n} member{s}", "{n} nhân khẩu"),
    "income_vnd": ("income {r} VND per person per month", "thu nhập {r} đồng/người/tháng"),
    "income_score": ("income score {r} points", "điểm thu nhập (điểm A) {r} điểm"),
    "land_m2": ("{r} m² of farm land", "{r} m² đất sản xuất"),
    "livestock_units": ("{n} livestock units", "{n} đơn vị vật nuôi"),
    "road_km": ("{n} km from an all-weather road", "cách đường giao thông {n} km"),
    "years_poor": ("{n} year{s} on the poverty register", "{n} năm trong danh sách hộ nghèo"),
}
#: Any other feature: not recorded, a text value, a number.
REASON_MISSING = ("{feature} not recorded", "chưa có thông tin {feature}")
REASON_TEXT = ("{feature}: {value}", "{feature}: {value}")
REASON_NUMBER = ("{feature} = {n}", "{feature} = {n}")

# ---------------------------------------------------------------------------------------------
# Plain words for commune staff (targeting.output.plain): how far to trust the model's chances,
# a target out of reach, what the village meeting decided. ``str.format`` patterns, (en, vi).
# ---------------------------------------------------------------------------------------------

#: How well the model's chances matched what happened, in words (report and workbook).
MODEL_WORDS = {
    "title": ("How far to trust the chances", "Độ tin cậy của xác suất thoát nghèo"),
    "checked": (
        "Checked on {rows} past households the model had not seen: {pairs}.",
        "Kiểm tra trên {rows} hộ trước đây mà mô hình chưa từng thấy: {pairs}.",
    ),
    "pair": (
        "of the households it gave about a {pred} chance, {obs} left poverty for good",
        "trong các hộ được dự báo khoảng {pred}, có {obs} đã thoát nghèo bền vững",
    ),
    "pair_short": ("of those given about {pred}, {obs} did", "nhóm được dự báo khoảng {pred}: {obs}"),
    "close": (
        "Overall the chances it gives were close to what happened: off by about {gap} percentage point{s} on average.",
        "Nhìn chung xác suất dự báo sát với thực tế: chênh lệch trung bình khoảng {gap} điểm phần trăm.",
    ),
    "rough": (
        "Overall the chances it gives were roughly right: off by about {gap} percentage point{s} on average.",
        "Nhìn chung xác suất dự báo chỉ gần đúng: chênh lệch trung bình khoảng {gap} điểm phần trăm.",
    ),
    "far": (
        "The chances it gives were far from what happened: off by about {gap} percentage point{s} on average; "
        "read them as a rough order, not as chances.",
        "Xác suất dự báo còn xa thực tế: chênh lệch trung bình khoảng {gap} điểm phần trăm; chỉ nên "
        "xem như thứ tự ưu tiên tương đối, không phải xác suất.",
    ),
    "off_bin": (
        "Where it gave about {pred}, {obs} actually left: chances around {pred} are off.",
        "Ở nhóm được dự báo khoảng {pred}, thực tế có {obs} thoát nghèo: xác suất quanh mức {pred} chưa chính xác.",
    ),
    "few_rows": (
        "It was checked on only {rows} households: too few to trust the chances much.",
        "Mô hình mới được kiểm tra trên {rows} hộ: quá ít để tin nhiều vào các xác suất.",
    ),
    "uplift_weak": (
        "The model cannot yet tell well who gains most from support: it mostly tells who is likely "
        "to leave poverty anyway.",
        "Mô hình chưa phân biệt tốt hộ nào được lợi nhiều nhất từ hỗ trợ: chủ yếu chỉ cho biết hộ nào "
        "có khả năng tự thoát nghèo.",
    ),
    "uplift_rough": (
        "It tells only roughly who gains most from support.",
        "Mô hình chỉ phân biệt một cách tương đối hộ nào được lợi nhiều nhất từ hỗ trợ.",
    ),
    "uplift_ok": (
        "It tells fairly well who gains most from support.",
        "Mô hình phân biệt khá tốt hộ nào được lợi nhiều nhất từ hỗ trợ.",
    ),
    "meaning": (
        "For the list: the chances order households by how much support is expected to help; they "
        "are an aid to ranking. The village meeting decides who is supported.",
        "Đối với danh sách: xác suất dùng để sắp xếp thứ tự các hộ theo mức hỗ trợ dự kiến giúp được; "
        "đây chỉ là công cụ hỗ trợ xếp hạng. Cuộc họp thôn quyết định hộ nào được hỗ trợ.",
    ),
    "no_check": (
        "The model's record does not say how it was checked against past households.",
        "Hồ sơ mô hình không cho biết mô hình đã được kiểm tra trên các hộ trước đây như thế nào.",
    ),
    "no_model": (
        "No model: the expected gains were supplied by the user (gains.csv), so there are no chances to check.",
        "Không có mô hình: mức tăng dự kiến do người dùng cung cấp (gains.csv), nên không có xác suất để kiểm tra.",
    ),
    "workbook_title": ("How far to trust the chances", "Độ tin cậy của xác suất"),
}

#: A commune whose target is out of reach this year, and why (report and workbook).
REACH_WORDS = {
    "out_of_reach": (
        "{commune}: the target of {target} poor households leaving poverty is out of reach this year "
        "(chance {p}): {why}.",
        "{commune}: chỉ tiêu {target} hộ nghèo thoát nghèo năm nay không thể đạt (xác suất {p}): {why}.",
    ),
    "ceiling": (
        "even if all {supported} supported poor households left poverty, with about {others} more "
        "expected to leave without support, that makes about {best}, fewer than {target}",
        "kể cả khi tất cả {supported} hộ nghèo được hỗ trợ đều thoát nghèo, cộng khoảng {others} hộ "
        "khác dự kiến tự thoát, cũng chỉ được khoảng {best} hộ, ít hơn {target}",
    ),
    "budget": (
        "the budget of {budget} million VND is used up supporting {supported} households; about "
        "{expected} poor households are expected to leave poverty, against a target of {target}",
        "kinh phí {budget} triệu đồng đã dùng hết để hỗ trợ {supported} hộ; dự kiến khoảng {expected} "
        "hộ nghèo thoát nghèo, so với chỉ tiêu {target}",
    ),
    "expected": (
        "about {expected} poor households are expected to leave poverty, against a target of {target}",
        "dự kiến khoảng {expected} hộ nghèo thoát nghèo, so với chỉ tiêu {target}",
    ),
    "title": ("Targets out of reach", "Chỉ tiêu không thể đạt"),
}

#: The report's section on the village meeting's decisions, and the workbook's price column.
MEETING_WORDS = {
    "title": ("What the meeting decided", "Quyết định của cuộc họp thôn"),
    "counts": ("The meeting's decisions:", "Các quyết định của cuộc họp:"),
    "count_item": ("{words}: {n}", "{words}: {n}"),
    "cost": (
        "Together these decisions cost about {cost} expected lasting exits from poverty: the support "
        "adds about {without} exits without them, {with_} with them.",
        "Các quyết định này làm giảm khoảng {cost} hộ dự kiến thoát nghèo bền vững: hỗ trợ giúp thêm "
        "khoảng {without} hộ thoát nghèo nếu không có các quyết định, {with_} hộ khi có.",
    ),
    "no_cost": (
        "These decisions cost no expected exits: the support adds about {with_} lasting exits with "
        "them, as without them.",
        "Các quyết định này không làm giảm số hộ dự kiến thoát nghèo: hỗ trợ vẫn giúp thêm khoảng "
        "{with_} hộ thoát nghèo bền vững, như khi không có các quyết định.",
    ),
    "gap_note": (
        "The solver stops within a small tolerance of the best plan, so a cost this small may be "
        "within that tolerance; it is reported as 0.",
        "Bộ giải dừng khi đã rất gần phương án tốt nhất, nên mức chênh nhỏ như vậy nằm trong sai số "
        "cho phép; được ghi là 0.",
    ),
    "households": ("Decided households, costliest first", "Các hộ có quyết định, tốn kém nhất trước"),
    "household": ("Household", "Mã hộ"),
    "decision": ("Decision", "Quyết định"),
    "note": ("Note", "Ghi chú"),
    "project": ("Project given", "Dự án được hỗ trợ"),
    "none": ("none", "không"),
    "price": ("Exits lost", "Số hộ thoát nghèo mất đi"),
    "price_note": (
        "Exits lost: the expected lasting exits from poverty that this household's decision alone "
        "costs the plan (– when not computed).",
        "Số hộ thoát nghèo mất đi: số hộ dự kiến thoát nghèo bền vững giảm đi chỉ vì quyết định về "
        "hộ này (– khi chưa tính).",
    ),
}

#: The technical appendix of the report (raw model metrics, for programme designers).
APPENDIX_WORDS = {
    "title": ("Technical appendix", "Phụ lục kỹ thuật"),
    "metrics": ("Model metrics (cross-validated)", "Chỉ số của mô hình (kiểm định chéo)"),
    "intro": (
        "For programme designers: the raw metrics behind the plain words above.",
        "Dành cho người thiết kế chương trình: các chỉ số gốc của phần diễn giải ở trên.",
    ),
}


# --------------------------------------------------------------------------------------------
# The web page for commune staff (targeting serve: targeting/web/)
# --------------------------------------------------------------------------------------------

#: Words of the web pages, as (English, Vietnamese).
WEB_LABELS = {
    "app_title": ("Livelihood support planning", "Lập kế hoạch hỗ trợ sinh kế"),
    "language": ("Language", "Ngôn ngữ"),
    "steps": ("Steps of the year", "Các bước trong năm"),
    "step_register": ("Register", "Danh sách hộ"),
    "step_plan": ("Plan", "Lập kế hoạch"),
    "step_meeting": ("Village meeting", "Họp thôn"),
    "step_after": ("After the year", "Sau một năm"),
    "step_compare": ("Compare", "So sánh"),
    "home": ("Home", "Trang chủ"),
    "home_title": ("Plan the year's livelihood support", "Lập kế hoạch hỗ trợ sinh kế trong năm"),
    "home_intro": (
        "This page helps the commune decide which poor and near-poor households get which support, "
        "so that the most households leave poverty for good. The year goes in four steps:",
        "Trang này giúp xã quyết định hộ nghèo, hộ cận nghèo nào được hỗ trợ gì, để nhiều hộ thoát "
        "nghèo bền vững nhất. Một năm gồm bốn bước:"),
    "home_step1": ("Upload the register: the communes, households and projects files.",
                   "Tải lên danh sách: các tệp xã, hộ gia đình và dự án."),
    "home_step2": ("Make the plan and download the lists for each village.",
                   "Lập kế hoạch và tải về danh sách của từng thôn."),
    "home_step3": ("After the village meeting, upload the filled-in list and plan again.",
                   "Sau cuộc họp thôn, tải lên danh sách đã ghi quyết định và lập lại kế hoạch."),
    "home_step4": ("A year later, upload the new register and see who left poverty.",
                   "Một năm sau, tải lên danh sách mới và xem hộ nào đã thoát nghèo."),
    "upload_register": ("Upload a register", "Tải lên danh sách hộ"),
    "registers_title": ("Registers and plans", "Danh sách và kế hoạch đã có"),
    "no_registers": ("No register yet: start by uploading one.", "Chưa có danh sách nào: hãy bắt đầu bằng việc tải lên."),
    "register_of": ("Register {id}", "Danh sách {id}"),
    "communes_word": ("communes", "xã"),
    "plan_word": ("Plan", "Kế hoạch"),
    "strategy": ("Way of choosing", "Phương án lựa chọn"),
    "state": ("State", "Trạng thái"),
    "state_running": ("running", "đang tính"),
    "state_done": ("done", "xong"),
    "state_failed": ("failed", "lỗi"),
    "state_interrupted": ("interrupted", "bị gián đoạn"),
    "supported": ("Households supported", "Số hộ được hỗ trợ"),
    "after_meeting": ("after the meeting", "sau họp thôn"),
    # 1. register
    "register_title": ("1. Upload the register", "1. Tải lên danh sách hộ"),
    "register_intro": (
        "Choose the files of the register: one file per table (CSV or Excel), one Excel workbook with "
        "a sheet per table (communes, households, projects, ...), or a zip of them. Every file is "
        "checked; nothing is kept until all of them are right.",
        "Chọn các tệp của danh sách: mỗi bảng một tệp (CSV hoặc Excel), một tệp Excel có mỗi bảng một "
        "trang tính (communes, households, projects, ...), hoặc một tệp nén zip. Mọi tệp đều được "
        "kiểm tra; chưa lưu gì cho đến khi tất cả đều đúng."),
    "register_files": ("Files", "Các tệp"),
    "register_hint": ("At most {mb} MB in all. You can choose several files at once.",
                      "Tổng dung lượng tối đa {mb} MB. Có thể chọn nhiều tệp một lúc."),
    "register_name": ("Name (optional)", "Tên (không bắt buộc)"),
    "register_name_hint": ("e.g. Phú Lương district 2026", "ví dụ: huyện Phú Lương năm 2026"),
    "check_and_save": ("Check and save", "Kiểm tra và lưu"),
    "register_files_title": ("The files of a register", "Các tệp của một danh sách"),
    "col_what": ("What it holds", "Nội dung"),
    "file_communes": ("the communes: name, budget, target of households leaving poverty",
                      "các xã: tên, kinh phí, chỉ tiêu số hộ thoát nghèo"),
    "file_households": ("the poor and near-poor register (one row per household)",
                        "danh sách hộ nghèo, hộ cận nghèo (mỗi hộ một dòng)"),
    "file_projects": ("the projects open this year: kind, cost per household, places",
                      "các dự án năm nay: loại hỗ trợ, kinh phí mỗi hộ, số suất"),
    "file_cooperatives": ("the cooperatives linked to value-chain projects (optional)",
                          "các hợp tác xã liên kết chuỗi giá trị (không bắt buộc)"),
    "file_history": ("past programmes and who left poverty, to learn from (optional)",
                     "các chương trình trước và hộ đã thoát nghèo, để học hỏi (không bắt buộc)"),
    "file_settings": ("year, poverty standard and rules (optional)",
                      "năm, chuẩn nghèo và các quy định (không bắt buộc)"),
    "problems_title": ("{n} problem(s) found: nothing was saved", "Có {n} lỗi: chưa lưu gì"),
    "problems_intro": ("Correct these cells in the files and upload them again.",
                       "Hãy sửa các ô này trong tệp rồi tải lên lại."),
    "col_file": ("File", "Tệp"),
    "col_row": ("Row", "Dòng"),
    "col_column": ("Column", "Cột"),
    "col_problem": ("What is wrong", "Lỗi"),
    "col_value": ("Value found", "Giá trị trong tệp"),
    "register_ok": ("The register was checked and saved.", "Danh sách đã được kiểm tra và lưu."),
    "files_kept": ("Files kept", "Các tệp đã lưu"),
    "commune": ("Commune", "Xã"),
    "budget_mvnd": ("Budget (million VND)", "Kinh phí (triệu đồng)"),
    "target_poor": ("Target (households leaving poverty)", "Chỉ tiêu (hộ thoát nghèo)"),
    # 2. plan
    "plan_title": ("2. Make the plan", "2. Lập kế hoạch"),
    "strategy_hint": ("The optimal way gives the most households leaving poverty for good; the others "
                      "are simple rules to compare with.",
                      "Phương án tối ưu giúp nhiều hộ thoát nghèo bền vững nhất; các phương án khác là "
                      "quy tắc đơn giản để so sánh."),
    "time_limit": ("Time for the calculation (seconds)", "Thời gian tính toán (giây)"),
    "time_limit_hint": ("The plan is found within this time; a longer time can give a slightly better plan.",
                        "Kế hoạch được tìm trong thời gian này; thời gian dài hơn có thể cho kế hoạch tốt hơn một chút."),
    "list_lang": ("Language of the lists", "Ngôn ngữ của danh sách"),
    "make_plan": ("Make the plan", "Lập kế hoạch"),
    "plans_made": ("Plans made from this register", "Các kế hoạch đã lập từ danh sách này"),
    "running_title": ("Calculating the plan…", "Đang tính kế hoạch…"),
    "running_intro": ("This takes about a minute (the calculation itself at most {limit} seconds). "
                      "You can leave this page open; the plan is kept when it is done.",
                      "Việc này mất khoảng một phút (riêng phần tính toán tối đa {limit} giây). "
                      "Có thể để trang này mở; kế hoạch được lưu khi xong."),
    "seconds": ("seconds", "giây"),
    "plan_failed": ("The calculation stopped with an error", "Việc tính toán dừng vì có lỗi"),
    "plan_interrupted": ("The calculation was interrupted (the server stopped); make the plan again.",
                         "Việc tính toán bị gián đoạn (máy chủ đã dừng); hãy lập lại kế hoạch."),
    "try_again": ("Back to the register", "Quay lại danh sách"),
    "back_to_meeting": ("Back to the meeting's upload", "Quay lại bước tải lên quyết định của cuộc họp"),
    "plan_result_title": ("The plan", "Kế hoạch"),
    "plan_after_meeting_title": ("The plan after the village meeting", "Kế hoạch sau họp thôn"),
    "back_to_register": ("back to the register", "quay lại danh sách"),
    "back_to_plan": ("back to plan {id}", "quay lại kế hoạch {id}"),
    "added_exits": ("Extra households expected to leave poverty thanks to the support",
                    "Số hộ dự kiến thoát nghèo thêm nhờ hỗ trợ"),
    "plan_status": ("Calculation", "Kết quả tính toán"),
    "gap": ("At most this far from the best plan", "Cách phương án tốt nhất tối đa"),
    "status_hint_optimal": ("The best plan was found (proven within the tolerance of the settings).",
                            "Đã tìm được phương án tốt nhất (đã chứng minh, trong sai số cho phép)."),
    "status_hint_timeout": ("The time ran out: this is the best plan found, and it is at most the gap above "
                            "from the best possible.",
                            "Hết thời gian: đây là phương án tốt nhất đã tìm được, cách phương án tốt nhất "
                            "có thể không quá khoảng trên."),
    "status_hint_feasible": ("A plan that keeps every rule.", "Một phương án đáp ứng mọi quy định."),
    "status_hint_infeasible": ("No plan keeps every rule.", "Không có phương án nào đáp ứng mọi quy định."),
    "by_commune": ("By commune", "Theo xã"),
    "spent_of_budget": ("Spent / budget (million VND)", "Đã dùng / kinh phí (triệu đồng)"),
    "expected_exits": ("Expected to leave poverty (range)", "Dự kiến thoát nghèo (khoảng)"),
    "downloads_title": ("Downloads", "Tải về"),
    "downloads_intro": (
        "The workbook has a sheet per commune with the prioritized list of each village, the reasons, "
        "and two empty columns for the meeting's decisions.",
        "Tệp Excel có mỗi xã một trang, danh sách ưu tiên của từng thôn kèm lý do, và hai cột trống "
        "để ghi quyết định của cuộc họp."),
    "file_beneficiaries.xlsx": ("Lists (Excel)", "Danh sách (Excel)"),
    "file_allocation.csv": ("Plan (CSV)", "Kế hoạch (CSV)"),
    "file_summary.csv": ("Summary by commune (CSV)", "Tổng hợp theo xã (CSV)"),
    "file_plan.json": ("Technical details (JSON)", "Chi tiết kỹ thuật (JSON)"),
    "file_transitions.csv": ("Movements on the register (CSV)", "Biến động danh sách (CSV)"),
    "file_outcomes.csv": ("Each household's outcome (CSV)", "Kết quả từng hộ (CSV)"),
    "file_review.json": ("Technical details (JSON)", "Chi tiết kỹ thuật (JSON)"),
    "file_history.csv": ("History rows for next year's model (CSV)", "Dữ liệu lịch sử cho năm sau (CSV)"),
    "file_comparison.csv": ("Comparison (CSV)", "Bảng so sánh (CSV)"),
    "file_budget_curve.csv": ("Budget curve (CSV)", "Đường kinh phí (CSV)"),
    "open_report": ("Open the report", "Xem báo cáo"),
    "download_all": ("Everything (zip)", "Tất cả (zip)"),
    "village_lists": ("The list of each village (zip of CSV)", "Danh sách từng thôn (zip, CSV)"),
    "priority_in_village": ("Priority in the village", "Thứ tự ưu tiên trong thôn"),
    "next_title": ("Next", "Bước tiếp theo"),
    "to_meeting": ("3. After the village meeting", "3. Sau cuộc họp thôn"),
    "to_after": ("4. After the year", "4. Sau một năm"),
    # 3. meeting
    "meeting_title": ("3. What the village meeting decided", "3. Quyết định của cuộc họp thôn"),
    "meeting_intro": ("The plan is a proposal; the village meeting decides.",
                      "Kế hoạch là đề xuất; cuộc họp thôn quyết định."),
    "meeting_step1": ("Download the lists:", "Tải về danh sách:"),
    "meeting_step2": (
        "At the meeting, fill in the column \"Meeting decision\" where the meeting decided something: "
        "Agreed, Not supported or Household declined, and a note if needed. Leave the other rows empty.",
        "Trong cuộc họp, ghi vào cột \"Quyết định của cuộc họp\" ở các hộ có quyết định: Đồng ý, Không "
        "hỗ trợ hoặc Hộ từ chối, và ghi chú nếu cần. Để trống các dòng khác."),
    "meeting_step3": ("Save the workbook and upload it here: the plan is made again around the decisions.",
                      "Lưu tệp Excel và tải lên ở đây: kế hoạch được lập lại theo các quyết định."),
    "meeting_file": ("The filled-in workbook", "Tệp Excel đã ghi quyết định"),
    "meeting_hint": ("The workbook downloaded from this plan (or a decisions.csv). At most {mb} MB.",
                     "Tệp Excel tải về từ kế hoạch này (hoặc tệp decisions.csv). Tối đa {mb} MB."),
    "replan": ("Plan again with the decisions", "Lập lại kế hoạch theo quyết định"),
    "meeting_result_title": ("What the meeting decided and what it costs", "Quyết định của cuộc họp và cái giá"),
    "meeting_counts": ("Agreed: {assign} · not supported: {exclude} · declined: {decline}",
                       "Đồng ý: {assign} · không hỗ trợ: {exclude} · hộ từ chối: {decline}"),
    "meeting_cost": ("Together the decisions cost about {cost} expected exits from poverty: {without} "
                     "without them, {with_} with them.",
                     "Các quyết định làm giảm khoảng {cost} hộ dự kiến thoát nghèo: {without} hộ nếu "
                     "không có quyết định, {with_} hộ khi có."),
    "household": ("Household", "Mã hộ"),
    "village": ("Village", "Thôn"),
    "decision": ("Decision", "Quyết định"),
    "project_now": ("Support now", "Hỗ trợ hiện nay"),
    "exits_lost": ("Exits lost", "Số hộ thoát nghèo mất đi"),
    "note": ("Note", "Ghi chú"),
    "changes_title": ("{n} households whose support changed", "{n} hộ thay đổi hỗ trợ"),
    "changes_intro": ("Compared with the plan before the meeting:", "So với kế hoạch trước cuộc họp:"),
    "before": ("Before", "Trước"),
    "after": ("After", "Sau"),
    # 4. after the year
    "after_title": ("4. After the year: who left poverty", "4. Sau một năm: hộ nào đã thoát nghèo"),
    "after_intro": ("Upload the poor and near-poor register made one year after this plan (the same "
                    "columns as households.csv). The review compares what happened with the forecast.",
                    "Tải lên danh sách hộ nghèo, cận nghèo lập một năm sau kế hoạch này (cùng các cột như "
                    "households.csv). Phần đánh giá so sánh kết quả thực tế với dự báo."),
    "after_file": ("Register one year later", "Danh sách một năm sau"),
    "followup_file": ("Register two years after that (optional)", "Danh sách hai năm sau đó (không bắt buộc)"),
    "followup_hint": ("With it, the review counts lasting exits and gives the history rows that teach "
                      "next year's model.",
                      "Khi có, phần đánh giá tính số hộ thoát nghèo bền vững và tạo dữ liệu lịch sử để "
                      "mô hình năm sau học hỏi."),
    "review_run": ("Review the plan", "Đánh giá kế hoạch"),
    "reviews_made": ("Reviews made", "Các lần đánh giá"),
    "review_title": ("Review: forecast and what happened", "Đánh giá: dự báo và thực tế"),
    "reviewed": ("Households reviewed", "Số hộ được đánh giá"),
    "exits_sustained": ("Left poverty for good", "Thoát nghèo bền vững"),
    "exits_one_year": ("Off the register one year on", "Ra khỏi danh sách sau một năm"),
    "exits_word": ("Left poverty", "Thoát nghèo"),
    "forecast": ("Forecast", "Dự báo"),
    "inside_band": ("Inside the forecast range", "Trong khoảng dự báo"),
    "one_year_note": ("Without the later register, exits are counted one year on; whether they last is "
                      "not known yet.",
                      "Khi chưa có danh sách sau đó, số hộ thoát nghèo được tính sau một năm; chưa biết có "
                      "bền vững hay không."),
    "yes": ("yes", "có"),
    "no": ("no", "không"),
    "review_downloads_intro": ("The review's report and tables.", "Báo cáo và các bảng của phần đánh giá."),
    "no_history_yet": ("History rows come with the register two years later.",
                       "Dữ liệu lịch sử có khi tải lên danh sách hai năm sau."),
    # 5. compare
    "compare_title": ("5. Compare the ways of choosing (for programme designers)",
                      "5. So sánh các phương án (dành cho người thiết kế chương trình)"),
    "compare_intro": ("Plans the register with every way of choosing and sets the results side by side.",
                      "Lập kế hoạch theo mọi phương án và đặt kết quả cạnh nhau."),
    "compare_run": ("Compare", "So sánh"),
    "comparison_of": ("Comparison {id}", "So sánh {id}"),
    "spent_mvnd": ("Spent (million VND)", "Đã dùng (triệu đồng)"),
    "exits_per_billion": ("Exits per billion VND", "Hộ thoát nghèo trên mỗi tỷ đồng"),
    "communes_meeting_target": ("Communes likely to meet the target", "Số xã có khả năng đạt chỉ tiêu"),
    "not_found": ("This page does not exist (or was removed).", "Trang này không tồn tại (hoặc đã bị xóa)."),
}

#: The steps a running plan reports (targeting.plan's progress messages), by how they begin.
WEB_STEP_WORDS = {
    "read": ("Reading the register", "Đọc danh sách"),
    "loading model": ("Loading the model", "Nạp mô hình"),
    "history.csv is the bundled": ("Using the model trained on this history", "Dùng mô hình đã học từ dữ liệu lịch sử này"),
    "training the scoring model": ("Learning from past programmes", "Học từ các chương trình trước"),
    "using the bundled model": ("Using the bundled model", "Dùng mô hình có sẵn"),
    "computing gains": ("Estimating each household's chances", "Ước tính khả năng của từng hộ"),
    "allocating with strategy": ("Choosing who gets which support", "Lựa chọn hộ và loại hỗ trợ"),
    "solving the groups": ("Pricing the meeting's decisions", "Tính cái giá của các quyết định"),
    "strategy ": ("Planning with one way of choosing", "Lập kế hoạch theo một phương án"),
    "write": ("Writing the lists and the report", "Ghi danh sách và báo cáo"),
}

#: Validation messages of the data contract in Vietnamese, by their English pattern (regex,
#: Vietnamese with the groups as {0}, {1}); a message matching none is shown as it is.
WEB_PROBLEM_PATTERNS = [
    (r"^required column is missing \(expected (.*)\)$", "thiếu cột bắt buộc (cần {0})"),
    (r"^required file is missing in .*$", "thiếu tệp bắt buộc"),
    (r"^expected (.*)$", "giá trị không hợp lệ: cần {0}"),
    (r"^(.*) was given twice \(also (.*)\); keep one$", "{0} được tải lên hai lần (cả {1}); chỉ giữ một"),
    (r"^is not a file of a scenario; .*$",
     "không phải tệp của danh sách; cần communes.csv, households.csv, projects.csv, ... (hoặc .xlsx), "
     "một tệp Excel có mỗi bảng một trang tính, hoặc tệp zip"),
    (r"^no register was uploaded.*$", "chưa tải lên danh sách hộ (households.csv hoặc .xlsx)"),
    (r"^unsafe path in the zip.*$", "đường dẫn không an toàn trong tệp zip; không đọc"),
    (r"^expands to more than (\d+) MB.*$", "giải nén ra hơn {0} MB; không đọc"),
    (r"^is not a readable \.(xlsx|zip) .*$", "không đọc được tệp .{0}"),
    (r"^column name appears twice in the header$", "tên cột bị lặp lại ở dòng tiêu đề"),
    (r"^header cell is empty.*$", "ô tiêu đề bị trống; mỗi cột cần có tên"),
    (r"^expected one (.*)$", "cần đúng một tệp ({0})"),
]

#: What a cell should hold (the data contract's "expected ..."), in Vietnamese, by English pattern.
WEB_EXPECTED_PATTERNS = [
    (r"^0 or 1$", "0 hoặc 1"),
    (r"^one of (.*)$", "một trong các giá trị: {0}"),
    (r"^a probability between 0 and 1$", "xác suất từ 0 đến 1"),
    (r"^(.*) between (\S+) and (\S+)$", "{0} từ {1} đến {2}"),
    (r"^(.*) > (\S+) and at most (\S+)$", "{0} lớn hơn {1} và tối đa {2}"),
    (r"^(.*) >= (\S+)$", "{0} từ {1} trở lên"),
    (r"^(.*) > (\S+)$", "{0} lớn hơn {1}"),
    (r"^(a whole number of VND|a whole number|a number|text)$", "{0}"),
]

#: The kinds of value of the data contract, in Vietnamese.
WEB_VALUE_WORDS = {
    "a whole number of VND": "số tiền (đồng, số nguyên)",
    "a whole number": "số nguyên",
    "a number": "số",
    "text": "chữ",
}

#: The province budget split in the report (``[policy] budget_split``; targeting.output.html).
SPLIT_WORDS = {
    "title": ("Province budget split", "Phân bổ kinh phí của tỉnh"),
    "proportional": (
        "The province's {total} million VND are split between the communes in proportion to "
        "their poor households, each share between {lo}× and {hi}× the commune's own budget.",
        "Tổng kinh phí {total} triệu đồng của tỉnh được chia cho các xã theo số hộ nghèo, phần "
        "của mỗi xã từ {lo} đến {hi} lần kinh phí xã đề nghị.",
    ),
    "optimal": (
        "The optimizer split the province's {total} million VND between the communes for the "
        "most expected sustained exits, each share between {lo}× and {hi}× the commune's own "
        "budget.",
        "Tổng kinh phí {total} triệu đồng của tỉnh được phân bổ cho các xã sao cho có nhiều hộ "
        "thoát nghèo bền vững nhất, phần của mỗi xã từ {lo} đến {hi} lần kinh phí xã đề nghị.",
    ),
    "baseline": (
        "A baseline strategy cannot choose the shares: this plan uses the proportional split.",
        "Phương án so sánh không tự chọn được phần kinh phí: kế hoạch này dùng cách chia theo "
        "số hộ nghèo.",
    ),
    "more": (
        "The same total buys {d} more expected sustained exits than the {split} split ({ours} "
        "against {theirs}).",
        "Với cùng tổng kinh phí, cách phân bổ này có thêm {d} hộ dự kiến thoát nghèo bền vững so "
        "với cách chia {split} ({ours} so với {theirs}).",
    ),
    "at_least": (
        "The {split} split's plan was solved in a share of the time limit; its proven bound, "
        "{bound}, still leaves at least {d} more exits to this split.",
        "Kế hoạch theo cách chia {split} được giải trong một phần thời gian; ngay cả cận trên "
        "đã chứng minh của nó ({bound}) vẫn kém cách phân bổ này ít nhất {d} hộ.",
    ),
    "unproven": (
        "The {split} split's plan was solved in a share of the time limit and may be up to "
        "{gap} below its own best.",
        "Kế hoạch theo cách chia {split} được giải trong một phần thời gian, có thể thấp hơn "
        "mức tốt nhất của nó tới {gap}.",
    ),
    "other_total": (
        "The {split} split spends {total} million VND, more than the province's total: not "
        "compared.",
        "Cách chia {split} dùng {total} triệu đồng, vượt tổng kinh phí của tỉnh: không so sánh.",
    ),
    "not_solved": (
        "The {split} split was not solved ({reason}).",
        "Chưa giải được kế hoạch theo cách chia {split} ({reason}).",
    ),
    "fixed": ("fixed (each commune its own budget)", "cố định (mỗi xã theo kinh phí của xã)"),
    "proportional_name": ("proportional (to poor households)", "theo số hộ nghèo"),
    "unallocated": (
        "{m} million VND of the total are not allocated: no commune could use them within its "
        "largest share and the projects on offer.",
        "{m} triệu đồng chưa được phân bổ: không xã nào dùng được trong giới hạn phần tối đa và "
        "các dự án hiện có.",
    ),
    "chart": ("Budget requested and received by commune (million VND)",
              "Kinh phí xã đề nghị và được phân bổ (triệu đồng)"),
    "requested": ("requested", "Đề nghị"),
    "received": ("received", "Được phân bổ"),
    "spent": ("spent", "Đã sử dụng"),
    "caption": (
        "Requested: the commune's own budget (communes.csv budget_vnd); received: its share of "
        "the province's total under this split; spent: what the plan uses.",
        "Đề nghị: kinh phí của xã (communes.csv); được phân bổ: phần của xã trong tổng kinh phí "
        "của tỉnh; đã sử dụng: kinh phí kế hoạch dùng.",
    ),
    "budget_requested_vnd": ("Budget requested (VND)", "Kinh phí đề nghị (đồng)"),
    "column": ("Budget split", "Cách phân bổ kinh phí"),
}

#: The report's section on a policy sweep (``targeting compare --sweep KEY=v1,v2,...``).
SWEEP_WORDS = {
    "title": ("Policy sweep: {key}", "Thay đổi chính sách: {key}"),
    "chart": ("Exits added by the support as {key} varies", "Số hộ thoát nghèo tăng thêm nhờ hỗ trợ khi {key} thay đổi"),
    "y_axis": ("added exits", "Tăng thêm"),
    "caption": (
        "Each point plans the scenario again with this one setting changed, every strategy at every "
        "value, on the same model and gains. A red × on the axis marks a value whose policy cannot "
        "be met; the dashed line is the scenario's own value.",
        "Mỗi điểm là một lần lập lại phương án chỉ với thiết lập này thay đổi, mọi phương án ở mọi "
        "giá trị, trên cùng mô hình và mức tăng. Dấu × đỏ trên trục: giá trị mà chính sách không thể "
        "đáp ứng; đường nét đứt: giá trị hiện tại của kịch bản.",
    ),
    "infeasible": (
        "Cannot be met: {values}.",
        "Không thể đáp ứng: {values}.",
    ),
    "value": ("Value", "Giá trị"),
    "note": ("Note", "Ghi chú"),
    "current": ("current", "hiện tại"),
    "keys": {
        "budget_scale": ("budget × (every commune)", "hệ số kinh phí (mọi xã)"),
        "min_ethnic_minority_share": ("minimum ethnic-minority share", "tỷ lệ tối thiểu hộ DTTS"),
        "min_poor_share": ("minimum poor share", "tỷ lệ tối thiểu hộ nghèo"),
    },
}

#: What more money would buy, per commune (report and workbook): the budget's shadow price in
#: words, and the budget that would meet the commune's target with 80% probability.
MORE_MONEY_WORDS = {
    "title": ("What more money would buy", "Thêm kinh phí thì được gì"),
    "intro": (
        "From the optimizer: the marginal value of each commune's budget, and the budget that would "
        "meet the commune's target for poor households leaving poverty with {p} probability, found "
        "by planning the commune again at other budgets with the same model.",
        "Từ mô hình tối ưu hóa: giá trị biên của kinh phí từng xã, và mức kinh phí giúp xã đạt chỉ "
        "tiêu hộ nghèo thoát nghèo với xác suất {p}, tìm bằng cách lập lại phương án của xã ở các mức "
        "kinh phí khác với cùng mô hình.",
    ),
    "price": (
        "{money} million VND more for {commune}: about {exits} more expected sustained exits",
        "{money} triệu đồng nữa cho {commune}: thêm khoảng {exits} hộ thoát nghèo bền vững",
    ),
    "price_zero": (
        "{money} million VND more for {commune} would buy no more exits: money is not what limits "
        "the plan there (places, cooperatives or eligible households are)",
        "{money} triệu đồng nữa cho {commune} không giúp thêm hộ thoát nghèo: kinh phí không phải là "
        "giới hạn ở xã này (số chỗ, hợp tác xã hoặc số hộ đủ điều kiện mới là giới hạn)",
    ),
    "already": (
        "{commune}: the budget of {budget} million VND already meets the target of {target} poor "
        "households leaving poverty with {p} probability (chance {chance})",
        "{commune}: kinh phí {budget} triệu đồng đã đủ để đạt chỉ tiêu {target} hộ nghèo thoát nghèo "
        "với xác suất {p} (xác suất {chance})",
    ),
    "needed": (
        "{commune}: about {needed} million VND (now {budget} million) would meet the target of "
        "{target} poor households leaving poverty with {p} probability (chance {chance})",
        "{commune}: khoảng {needed} triệu đồng (hiện {budget} triệu) sẽ giúp đạt chỉ tiêu {target} hộ "
        "nghèo thoát nghèo với xác suất {p} (xác suất {chance})",
    ),
    "never": (
        "{commune}: no budget can meet the target of {target} poor households leaving poverty with "
        "{p} probability with the projects on offer: with every useful place paid for ({spent} "
        "million VND) the chance is {chance}; {why}",
        "{commune}: với các dự án hiện có, không mức kinh phí nào đạt được chỉ tiêu {target} hộ nghèo "
        "thoát nghèo với xác suất {p}: kể cả khi chi trả mọi chỗ hữu ích ({spent} triệu đồng) xác "
        "suất chỉ là {chance}; {why}",
    ),
    "why_none": (
        "{none} of the {poor} poor households can join no open project",
        "{none} trong {poor} hộ nghèo không tham gia được dự án nào đang mở",
    ),
    "why_left": (
        "{left} poor households who could join are left out because {reason}",
        "{left} hộ nghèo đủ điều kiện vẫn không được hỗ trợ vì {reason}",
    ),
    "why_all": (
        "every poor household that can join a project already does",
        "mọi hộ nghèo tham gia được dự án đều đã được hỗ trợ",
    ),
    "cut_short": (
        "{commune}: the search for the budget that meets the target with {p} probability was cut "
        "short by its time limit ({seconds} s); so far: {so_far}",
        "{commune}: việc tìm mức kinh phí đạt chỉ tiêu với xác suất {p} bị dừng do hết thời gian "
        "({seconds} giây); đến lúc dừng: {so_far}",
    ),
    "so_far_above": ("more than {budget} million VND", "trên {budget} triệu đồng"),
    "so_far_between": ("between {low} and {high} million VND", "từ {low} đến {high} triệu đồng"),
    "no_target": (
        "{commune}: no target for poor households leaving poverty is set (communes.csv target_poor)",
        "{commune}: chưa đặt chỉ tiêu hộ nghèo thoát nghèo (communes.csv target_poor)",
    ),
}
