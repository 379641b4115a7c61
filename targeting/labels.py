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
}

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
    en, vi = table.get(key, (key, key))
    return vi if lang == "vi" else en


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

PLAN_STATUS_LABELS = {
    "optimal": ("optimal (proven)", "tối ưu (đã chứng minh)"),
    "feasible": ("feasible", "khả thi"),
    "infeasible": ("infeasible", "không khả thi"),
    "timeout": ("time limit reached", "hết thời gian giải"),
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
}

#: Numeric features with words of their own.
REASON_AMOUNTS = {
    "working_age": ("{n} working-age member{s}", "{n} người trong độ tuổi lao động"),
    "members": ("{n} member{s}", "{n} nhân khẩu"),
    "income_vnd": ("income {r} VND per person per month", "thu nhập {r} đồng/người/tháng"),
    "land_m2": ("{r} m² of farm land", "{r} m² đất sản xuất"),
    "livestock_units": ("{n} livestock units", "{n} đơn vị vật nuôi"),
    "road_km": ("{n} km from an all-weather road", "cách đường giao thông {n} km"),
    "years_poor": ("{n} year{s} on the poverty register", "{n} năm trong danh sách hộ nghèo"),
}
#: Any other feature: not recorded, a text value, a number.
REASON_MISSING = ("{feature} not recorded", "chưa có thông tin {feature}")
REASON_TEXT = ("{feature}: {value}", "{feature}: {value}")
REASON_NUMBER = ("{feature} = {n}", "{feature} = {n}")
