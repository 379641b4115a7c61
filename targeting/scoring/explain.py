"""Why a household got its score: the model's own sensitivity, put in words a village can check.

Estimating and explaining are separate: :func:`explain` returns reasons as data (household,
feature, value, effect), computed from the fitted model itself; :func:`render` turns them into
English or Vietnamese. The effect of a feature is the change in the predicted probability (under
the support that gives the score) when that feature alone is set to its reference value, the
median (or, for categories, the most common value) among past households: ``+`` means the
household's value raises its chance of a sustained exit compared with a typical household.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from targeting.scoring.features import INTERVENTIONS
from targeting.scoring.learners import replaced_generic

__all__ = ["explain", "render", "reasons_text"]

#: Features tried per household: the most influential ones overall (keeps scoring fast).
MAX_CANDIDATES = 5
#: Smallest effect (in probability) worth a reason.
MIN_EFFECT = 0.005

_DEP = {
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

_STATUS = {"poor": ("poor household", "hộ nghèo"), "near_poor": ("near-poor household", "hộ cận nghèo"),
           "non_poor": ("non-poor household", "hộ không nghèo")}

_FLAGS = {
    "grid_power": (("connected to the national grid", "có điện lưới quốc gia"),
                   ("not connected to the national grid", "chưa có điện lưới quốc gia")),
    "registered_exit": (("registered to exit poverty", "đã đăng ký thoát nghèo"),
                        ("not registered to exit poverty", "chưa đăng ký thoát nghèo")),
    "ethnic_minority": (("ethnic-minority household", "hộ dân tộc thiểu số"),
                        ("not an ethnic-minority household", "không phải hộ dân tộc thiểu số")),
    "female_head": (("female household head", "chủ hộ là nữ"), ("male household head", "chủ hộ là nam")),
    "disability": (("a member with a disability", "có thành viên khuyết tật"),
                   ("no member with a disability", "không có thành viên khuyết tật")),
    "urban": (("urban area", "khu vực thành thị"), ("rural area", "khu vực nông thôn")),
}


def _num(v: float, lang: str, digits: int = 1) -> str:
    """1234.5 -> '1,234.5' (en) or '1.234,5' (vi); whole numbers without decimals."""
    if float(v).is_integer():
        s = f"{int(v):,}"
    else:
        s = f"{v:,.{digits}f}".rstrip("0").rstrip(".")
    if lang == "vi":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def phrase(feature: str, value, lang: str) -> str:
    """One feature's value in words, e.g. ``2 working-age members`` / ``2 người trong độ tuổi lao động``."""
    i = 0 if lang == "en" else 1
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    if missing:
        return (f"{feature} not recorded", f"chưa có thông tin {feature}")[i]
    if feature in _FLAGS:
        return _FLAGS[feature][0 if float(value) >= 0.5 else 1][i]
    if feature.startswith("dep_") and feature[4:] in _DEP:
        label = _DEP[feature[4:]][i]
        yes = float(value) >= 0.5
        return ((f"deprived: {label}" if yes else f"not deprived: {label}"),
                (f"thiếu hụt {label}" if yes else f"không thiếu hụt {label}"))[i]
    if feature == "status" and str(value) in _STATUS:
        return _STATUS[str(value)][i]
    if isinstance(value, str):
        return f"{feature}: {value}"
    v = float(value)
    n = _num(v, lang)
    if feature == "working_age":
        return (f"{n} working-age member{'' if v == 1 else 's'}", f"{n} người trong độ tuổi lao động")[i]
    if feature == "members":
        return (f"{n} member{'' if v == 1 else 's'}", f"{n} nhân khẩu")[i]
    if feature == "income_vnd":
        return (f"income {_num(round(v), lang)} VND per person per month",
                f"thu nhập {_num(round(v), lang)} đồng/người/tháng")[i]
    if feature == "land_m2":
        return (f"{_num(round(v), lang)} m² of farm land", f"{_num(round(v), lang)} m² đất sản xuất")[i]
    if feature == "livestock_units":
        return (f"{n} livestock units", f"{n} đơn vị vật nuôi")[i]
    if feature == "road_km":
        return (f"{n} km from an all-weather road", f"cách đường giao thông {n} km")[i]
    if feature == "years_poor":
        return (f"{n} year{'' if v == 1 else 's'} on the poverty register",
                f"{n} năm trong danh sách hộ nghèo")[i]
    return f"{feature} = {n}"


def explain(model, households: pd.DataFrame, arms, top: int = 3,
            candidates: int = MAX_CANDIDATES) -> pd.DataFrame:
    """The top factors behind each household's probability under ``arms`` (one kind per row).

    Returns a long frame ``row, feature, value, effect`` (``row`` is the position in
    ``households``), at most ``top`` rows per household, largest |effect| first; ``effect`` is
    p(household) - p(household with that feature set to its reference value).
    """
    spec = model.features_
    Xe = spec.encode(households)
    arm_idx = pd.Series(arms).map({k: i for i, k in enumerate(INTERVENTIONS)}).to_numpy(dtype=int)
    est = model.estimator_
    order = np.argsort(-np.asarray(model.importance_), kind="stable")[:candidates]
    order = [j for j in order if model.importance_[j] > 0]
    n = len(households)
    if not order or n == 0:
        return pd.DataFrame({"row": [], "slot": [], "feature": [], "value": [], "effect": []})
    refs = [model.reference_[j] for j in order]
    with model._limits():
        if hasattr(est, "replaced_arm"):
            p_raw, variants = est.replaced_arm(Xe, arm_idx, order, refs)
        else:
            p_raw, variants = replaced_generic(est, Xe, arm_idx, order, refs)
    p = model._calibrate(p_raw)
    effects = np.empty((n, len(order)))
    for c, p_j in enumerate(variants):
        effects[:, c] = p - model._calibrate(p_j)
    k = min(top, len(order))
    best = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = best.ravel()
    eff = effects[rows, cols]
    feats = np.array([spec.names[j] for j in order], dtype=object)[cols]
    keep = np.abs(eff) >= MIN_EFFECT
    out = pd.DataFrame({"row": rows[keep], "feature": feats[keep], "effect": eff[keep]})
    out["slot"] = np.tile(np.arange(k), n)[keep]
    # Values as the household has them (not encoded), for rendering.
    vals = np.empty(len(out), dtype=object)
    fa = out["feature"].to_numpy()
    ra = out["row"].to_numpy()
    for f in np.unique(fa):
        m = fa == f
        vals[m] = households[f].to_numpy(dtype=object)[ra[m]]
    out["value"] = vals
    return out[["row", "slot", "feature", "value", "effect"]]


def render(reasons: pd.DataFrame, n: int, lang: str = "en") -> list[str]:
    """Join each household's reasons into one line: ``2 working-age members (+); ...``."""
    k = int(reasons["slot"].max()) + 1 if len(reasons) else 0
    grid = np.full((n, max(k, 1)), "", dtype=object)
    if len(reasons):
        # Phrase each distinct (feature, value, sign) once; most households share them.
        vals = reasons["value"]
        key = (reasons["feature"].astype(str) + "\x1f" + vals.astype(str)
               + np.where(reasons["effect"].to_numpy() > 0, "+", "-"))
        codes, uniques = pd.factorize(key)
        first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        texts = np.empty(len(uniques), dtype=object)
        feats = reasons["feature"].to_numpy()
        raw = vals.to_numpy(dtype=object)
        eff = reasons["effect"].to_numpy()
        for u, i in enumerate(first):
            v = raw[i]
            missing = v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
            val = None if missing else (v if isinstance(v, str) else float(v))
            texts[u] = f"{phrase(feats[i], val, lang)} ({'+' if eff[i] > 0 else '-'})"
        grid[reasons["row"].to_numpy(), reasons["slot"].to_numpy()] = texts[codes]
    line = grid[:, 0]
    for j in range(1, grid.shape[1]):
        nxt = grid[:, j]
        line = np.where(nxt != "", line + "; " + nxt, line)
    return line.tolist()


def reasons_text(model, households, arms, top: int = 3) -> tuple[list[str], list[str]]:
    """English and Vietnamese reason lines for each household."""
    r = explain(model, households, arms, top=top)
    return render(r, len(households), "en"), render(r, len(households), "vi")
