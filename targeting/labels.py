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
