"""Vietnamese and English labels for lists and reports (from domain.md's glossary)."""

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

#: Why a household is not supported: eligibility (targeting.eligibility) and allocation keys.
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
