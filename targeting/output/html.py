"""report.html: the plan for programme designers, in one self-contained, offline page.

Inline CSS and inline SVG charts drawn here (no scripts, no fonts or images from the network), so
the file can be mailed, opened on a laptop in a commune office, or printed. Every value that comes
from the data is escaped. The report shows aggregates only (per commune, per strategy, per group);
the household lists are in beneficiaries.xlsx.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import NOT_SUPPORTED, PLAN_STATUS_LABELS, STRATEGY_LABELS

__all__ = ["write_report", "render_report"]

# Palette (colour-blind safe: blue / orange / grey, plus a red target marker).
BLUE = "#2b6cb0"
LIGHT_BLUE = "#9cc3e6"
ORANGE = "#dd8452"
LIGHT_ORANGE = "#f3c9a8"
GREY = "#8c8c8c"
RED = "#c53030"


def write_report(plan, path: str | Path, comparison: pd.DataFrame | None = None,
                 curve: pd.DataFrame | None = None) -> Path:
    """Write the HTML report of ``plan`` to ``path``.

    Parameters
    ----------
    plan : targeting.plan.Plan
        The computed plan.
    path : str or Path
        The .html file to write (UTF-8).
    comparison : DataFrame, optional
        One row per strategy (``targeting compare``); adds the strategy chart and table.
    curve : DataFrame, optional
        Exits as the budget varies; adds the budget-exits chart.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.write_text(render_report(plan, comparison=comparison, curve=curve), encoding="utf-8")
    return path


def render_report(plan, comparison: pd.DataFrame | None = None, curve: pd.DataFrame | None = None) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    meta = plan.meta or {}
    names = _commune_names(plan)
    parts = [
        _head(meta),
        _status_section(plan, meta),
        _communes_section(plan, names),
    ]
    if comparison is not None and len(comparison):
        parts.append(_comparison_section(comparison, meta.get("strategy", getattr(plan, "strategy", ""))))
    if curve is not None and len(curve):
        parts.append(_curve_section(curve))
    parts.append(_equity_section(plan, names))
    parts.append(_reasons_section(plan, names))
    parts.append(_warnings_section(meta))
    parts.append(_details_section(meta))
    parts.append("</main>\n</body>\n</html>\n")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def esc(x: object) -> str:
    """Escaped text of ``x`` (for element content and attribute values)."""
    return html.escape("" if x is None else str(x), quote=True)


def _missing(x) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _num(x, digits: int = 1) -> str:
    if _missing(x):
        return "–"
    return f"{float(x):,.{digits}f}"


def _exits(x) -> str:
    """Exits: one decimal, two when small (gains-only plans add fractions of an exit)."""
    if _missing(x):
        return "–"
    return _num(x, 1 if abs(float(x)) >= 10 else 2)


def _int(x) -> str:
    return "–" if _missing(x) else f"{int(round(float(x))):,}"


def _pct(x, digits: int = 0) -> str:
    return "–" if _missing(x) else f"{100 * float(x):.{digits}f}%"


def _mvnd(x) -> str:
    """Money in millions of VND."""
    return "–" if _missing(x) else f"{float(x) / 1e6:,.1f}"


def _h(vi: str, en: str, level: int = 2, anchor: str | None = None) -> str:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f'<h{level}{ident}>{esc(vi)} <span class="en">/ {esc(en)}</span></h{level}>'


def _th(vi: str, en: str, num: bool = False) -> str:
    cls = ' class="num"' if num else ""
    return f'<th{cls}>{esc(vi)}<br><span class="en">{esc(en)}</span></th>'


def _td(text: str, num: bool = False, raw: bool = False) -> str:
    cls = ' class="num"' if num else ""
    return f"<td{cls}>{text if raw else esc(text)}</td>"


def _bi(table: dict, key: str) -> str:
    """``Vietnamese / English`` label of ``key``, escaped."""
    if key in table:
        en, vi = table[key]
        return f'{esc(vi)} <span class="en">/ {esc(en)}</span>'
    return esc(key)


def _desc(table: dict, key: str) -> str:
    """A small bilingual description line under a card value."""
    if key not in table:
        return ""
    en, vi = table[key]
    return f'<div class="d">{esc(vi)} / {esc(en)}</div>'


def _table(head: str, rows: str) -> str:
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _commune_names(plan) -> dict[str, str]:
    c = plan.scenario.communes
    if "name" in c:
        return dict(zip(c["commune_id"], c["name"].fillna(c["commune_id"]).astype(str), strict=True))
    return {k: str(k) for k in c["commune_id"]}


CSS = """
:root { --ink: #1a202c; --muted: #5a6473; --line: #d7dde5; --band: #f4f7fa; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; line-height: 1.4; font-size: 15px; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 28px 40px; }
header.top { background: #1f3a5f; color: #fff; padding: 18px 28px; }
header.top h1 { margin: 0; font-size: 24px; font-weight: 600; }
header.top p { margin: 4px 0 0; color: #d6e2f0; font-size: 14px; }
header.top .en { color: #b8c9dd; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #1f3a5f; }
h3 { font-size: 16px; margin: 20px 0 8px; }
.en { color: var(--muted); font-weight: normal; }
th .en { font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13.5px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.scroll { overflow-x: auto; }
tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
tr.current td { background: #eef5fc; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; margin: 10px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: #fff; }
.card .k { font-size: 13px; color: var(--muted); }
.card .d { font-size: 12px; color: var(--muted); margin-top: 2px; }
.card .v { font-size: 18px; font-weight: 600; margin-top: 2px; overflow-wrap: anywhere; }
.ok { color: #276749; } .warn { color: #975a16; } .bad { color: #c53030; }
figure { margin: 12px 0 18px; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: inherit; font-size: 13px; fill: var(--ink); }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .grid { stroke: #e6eaef; stroke-width: 1; }
svg .small { font-size: 11px; fill: var(--muted); }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
ul.warnings li { margin: 4px 0; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #1f3a5f; }
pre { background: var(--band); padding: 10px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }
p.note { color: var(--muted); font-size: 13px; margin: 4px 0; }
@media print {
  header.top { background: none; color: var(--ink); border-bottom: 2px solid #1f3a5f; }
  header.top p, header.top .en { color: var(--muted); }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; } figure, table { break-inside: avoid; }
  details > *:not(summary) { display: block; }
}
"""


def _head(meta: dict) -> str:
    year = (meta.get("settings") or {}).get("plan", {}).get("year", "")
    strategy = meta.get("strategy", "")
    sub = f"Năm {esc(year)} · phương án {esc(strategy)}" if year else f"Phương án {esc(strategy)}"
    sub_en = f"Year {esc(year)} · strategy {esc(strategy)}" if year else f"Strategy {esc(strategy)}"
    version = meta.get("version", "")
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kế hoạch hỗ trợ sinh kế / Livelihood support plan</title>
<style>{CSS}</style>
</head>
<body>
<header class="top">
<h1>Kế hoạch hỗ trợ phát triển sản xuất <span class="en">/ Livelihood support plan</span></h1>
<p>{sub} <span class="en">/ {sub_en}</span> · targeting {esc(version)}</p>
</header>
<main>"""


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def _card(vi: str, en: str, value: str, cls: str = "") -> str:
    c = f' class="v {cls}"' if cls else ' class="v"'
    return (f'<div class="card"><div class="k">{esc(vi)} <span class="en">/ {esc(en)}</span></div>'
            f"<div{c}>{value}</div></div>")


def _status_section(plan, meta: dict) -> str:
    status = meta.get("status", "")
    cls = {"optimal": "ok", "feasible": "warn", "timeout": "warn", "infeasible": "bad"}.get(status, "")
    strategy = meta.get("strategy", getattr(plan, "strategy", ""))
    gap = meta.get("gap")
    s = plan.summary
    model = meta.get("model") or {}
    cards = [
        _card("Phương án", "Strategy", esc(strategy) + _desc(STRATEGY_LABELS, strategy)),
        _card("Trạng thái", "Status", _bi(PLAN_STATUS_LABELS, status), cls),
        _card("Mục tiêu (số hộ thoát nghèo tăng thêm)", "Objective (added exits)", _num(meta.get("objective"), 2)),
        _card("Cận trên", "Bound", _num(meta.get("bound"), 2)),
        _card("Khoảng cách tối ưu", "Gap", "–" if _missing(gap) else _pct(gap, 2)),
        _card("Thời gian giải", "Solve time", "–" if _missing(meta.get("solve_seconds"))
              else f"{float(meta['solve_seconds']):.2f} s"),
        _card("Số hộ trong danh sách", "Households on the register", _int(meta.get("households", len(plan.allocation)))),
        _card("Số hộ được hỗ trợ", "Households supported", _int(s["supported"].sum() if len(s) else 0)),
        _card("Kinh phí đã dùng / tổng", "Spent / budget (million VND)",
              f"{_mvnd(s['spent_vnd'].sum())} / {_mvnd(s['budget_vnd'].sum())}" if len(s) else "–"),
        _card("Mô hình", "Model", f"{esc(model.get('name', ''))}<br><span class='en'>{esc(model.get('source', ''))}</span>"),
    ]
    out = [_h("Tình trạng kế hoạch", "Plan status", anchor="status"), '<div class="cards">', *cards, "</div>"]
    metrics = model.get("metrics") or {}
    scalars = {k: v for k, v in metrics.items() if isinstance(v, int | float | str) and not isinstance(v, bool)}
    if scalars:
        out.append(_h("Chất lượng mô hình", "Model metrics (cross-validated)", 3))
        out.append('<div class="cards">')
        for k, v in scalars.items():
            val = f"{v:.4g}" if isinstance(v, float) else esc(v)
            out.append(f'<div class="card"><div class="k">{esc(k)}</div><div class="v">{val}</div></div>')
        out.append("</div>")
    for k, v in metrics.items():
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()):
            out.append(_dict_table(k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out.append(_records_table(k, v))
    return "\n".join(out)


def _dict_table(title: str, d: dict) -> str:
    cols = sorted({c for row in d.values() for c in row})
    head = "".join(f'<th class="num">{esc(c)}</th>' for c in cols)
    body = "".join(
        "<tr>" + _td(k) + "".join(_td(_fmt_any(row.get(c)), num=True) for c in cols) + "</tr>" for k, row in d.items()
    )
    return (f"<details><summary>{esc(title)}</summary><table><thead><tr><th></th>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></details>")


def _records_table(title: str, rows: list[dict]) -> str:
    cols = list(dict.fromkeys(c for r in rows for c in r))
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_td(_fmt_any(r.get(c)), num=True) for c in cols) + "</tr>" for r in rows)
    return (f"<details><summary>{esc(title)}</summary><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></details>")


def _fmt_any(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:.4g}"
    return "" if v is None else str(v)


def _communes_section(plan, names: dict[str, str]) -> str:
    s = plan.summary
    out = [_h("Kết quả theo xã", "Results by commune", anchor="communes")]
    heads = [
        _th("Xã", "Commune"),
        _th("Kinh phí (triệu đồng)", "Budget (million VND)", True),
        _th("Đã sử dụng", "Spent", True),
        _th("Số hộ được hỗ trợ", "Supported", True),
        _th("Số hộ dự kiến thoát nghèo", "Expected exits", True),
        _th("Khoảng p10–p90", "p10–p90 range", True),
        _th("Tăng thêm nhờ hỗ trợ", "Added by support", True),
        _th("Chỉ tiêu (hộ nghèo cần thoát)", "Target (poor exits)", True),
        _th("Hộ nghèo dự kiến thoát", "Poor households exiting", True),
        _th("Xác suất đạt chỉ tiêu", "P(target met)", True),
        _th("Tỷ lệ nghèo trước → sau", "Poverty rate before → after", True),
    ]
    rows = []
    for r in s.itertuples(index=False):
        rng = "–" if _missing(r.exits_p10) or _missing(r.exits_p90) else f"{_int(r.exits_p10)}–{_int(r.exits_p90)}"
        ptm = r.p_target_met
        cls = "" if _missing(ptm) else ("ok" if ptm >= 0.8 else "warn" if ptm >= 0.5 else "bad")
        ptm_s = f'<span class="{cls}">{_pct(ptm)}</span>' if cls else _pct(ptm)
        rows.append(
            "<tr>" + _td(names.get(r.commune_id, r.commune_id)) + _td(_mvnd(r.budget_vnd), True)
            + _td(_mvnd(r.spent_vnd), True) + _td(_int(r.supported), True) + _td(_exits(r.expected_exits), True)
            + _td(rng, True) + _td(_exits(r.added_exits), True) + _td(_int(r.target_exits), True)
            + _td(_exits(r.expected_exits_poor), True) + _td(ptm_s, True, raw=True)
            + _td(f"{_pct(r.poverty_rate_before, 1)} → {_pct(r.poverty_rate_after, 1)}", True) + "</tr>"
        )
    if len(s) > 1:
        has_p = s["expected_exits"].notna().all()
        rows.append(
            '<tr class="total">' + _td("Tổng / Total") + _td(_mvnd(s["budget_vnd"].sum()), True)
            + _td(_mvnd(s["spent_vnd"].sum()), True) + _td(_int(s["supported"].sum()), True)
            + _td(_num(s["expected_exits"].sum()) if has_p else "–", True) + _td("", True)
            + _td(_exits(s["added_exits"].sum()), True) + _td("", True)
            + _td(_num(s["expected_exits_poor"].sum()) if has_p else "–", True) + _td("", True) + _td("", True)
            + "</tr>"
        )
    out.append(_table("".join(heads), "".join(rows)))
    out.append(
        '<p class="note">Số hộ dự kiến thoát nghèo: mọi hộ trong danh sách (nghèo và cận nghèo), có hoặc không '
        "được hỗ trợ; chỉ tiêu tính trên hộ nghèo. "
        '<span class="en">Expected exits count every household on the register (poor and near-poor), '
        "supported or not; the target counts poor households. P(target met) is the probability that at "
        "least the target number of poor households exit sustainably.</span></p>"
    )
    out.append(_exits_chart(s, names))
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Charts (inline SVG)
# --------------------------------------------------------------------------------------------


def _nice_max(x: float) -> float:
    if not np.isfinite(x) or x <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= x:
            return m * exp
    return 10 * exp


def _ticks(vmax: float, n: int = 5) -> list[float]:
    step = vmax / n
    return [i * step for i in range(n + 1)]


def _tick_label(v: float, vmax: float, pct: bool = False) -> str:
    if pct:
        return f"{100 * v:.0f}%"
    if vmax >= 10:
        return f"{v:,.0f}"
    return f"{v:.2g}" if v else "0"


def _svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{esc(title)}"><title>{esc(title)}</title>')


def _truncate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _hbars(
    categories: list[str],
    series: list[dict],
    *,
    title: str,
    pct: bool = False,
    vmax: float | None = None,
    value_fmt=None,
    width: int = 1000,
    label_w: int = 190,
    bar_h: int = 16,
    gap: int = 4,
    group_gap: int = 14,
    right_pad: int | None = None,
) -> str:
    """Grouped horizontal bars: one group per category, one bar per series.

    Each series: ``name, color, values`` and optionally ``lo``/``hi`` (a whisker), ``marker``
    (a red tick, e.g. a target) and ``notes`` (text after the value).
    """
    value_fmt = value_fmt or (_pct if pct else _exits)
    finite = [v for s in series for key in ("values", "hi", "marker") for v in s.get(key, []) if not _missing(v)]
    vmax = vmax or _nice_max(max(finite, default=1.0))
    legend_h = 26
    top = legend_h + 8
    group_h = len(series) * (bar_h + gap) - gap
    plot_h = len(categories) * (group_h + group_gap)
    height = top + plot_h + 26
    if right_pad is None:
        right_pad = 150 if width >= 800 else 50
    plot_w = width - label_w - right_pad
    x = lambda v: label_w + plot_w * max(0.0, min(float(v), vmax)) / vmax  # noqa: E731

    out = [_svg_open(width, height, title)]
    # Legend.
    lx = label_w
    for s in series:
        out.append(f'<rect x="{lx}" y="6" width="14" height="14" fill="{s["color"]}"/>')
        out.append(f'<text x="{lx + 20}" y="18">{esc(s["name"])}</text>')
        lx += 30 + 7.2 * len(s["name"])
    if any("marker" in s for s in series):
        out.append(f'<line x1="{lx}" x2="{lx}" y1="4" y2="22" stroke="{RED}" stroke-width="3"/>')
        out.append(f'<text x="{lx + 8}" y="18">{esc(next(s["marker_name"] for s in series if "marker" in s))}</text>')
    # Grid and axis.
    for t in _ticks(vmax):
        gx = x(t)
        out.append(f'<line class="grid" x1="{gx:.1f}" x2="{gx:.1f}" y1="{top - 4}" y2="{top + plot_h}"/>')
        out.append(f'<text class="small" x="{gx:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                   f"{esc(_tick_label(t, vmax, pct))}</text>")
    out.append(f'<line class="axis" x1="{label_w}" x2="{label_w}" y1="{top - 4}" y2="{top + plot_h}"/>')
    for i, cat in enumerate(categories):
        gy = top + i * (group_h + group_gap)
        out.append(f'<text x="{label_w - 8}" y="{gy + group_h / 2 + 4:.1f}" text-anchor="end">'
                   f"{esc(_truncate(cat, 26))}</text>")
        for j, s in enumerate(series):
            v = s["values"][i]
            by = gy + j * (bar_h + gap)
            if _missing(v):
                out.append(f'<text class="small" x="{label_w + 4}" y="{by + bar_h - 4}">–</text>')
                continue
            w = x(v) - label_w
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{s["color"]}">'
                       f"<title>{esc(s['name'])}: {esc(value_fmt(v))}</title></rect>")
            end = x(v)
            if "lo" in s and not _missing(s["lo"][i]) and not _missing(s["hi"][i]):
                lo, hi = x(s["lo"][i]), x(s["hi"][i])
                cy = by + bar_h / 2
                out.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{cy}" y2="{cy}" stroke="#1a202c" stroke-width="1.2"/>')
                for xx in (lo, hi):
                    out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{by + 3}" y2="{by + bar_h - 3}" '
                               'stroke="#1a202c" stroke-width="1.2"/>')
                end = max(end, hi)
            if "marker" in s and not _missing(s["marker"][i]):
                mx = x(s["marker"][i])
                out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{by - 3}" y2="{by + bar_h + 3}" '
                           f'stroke="{RED}" stroke-width="3"/>')
                end = max(end, mx)
            note = s.get("notes", [None] * len(categories))[i]
            text = value_fmt(v) + (f"  ·  {note}" if note else "")
            out.append(f'<text x="{end + 6:.1f}" y="{by + bar_h - 3}" class="small">{esc(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _exits_chart(s: pd.DataFrame, names: dict[str, str]) -> str:
    cats = [names.get(c, c) for c in s["commune_id"]]
    has_p = s["expected_exits"].notna().any()
    if has_p:
        notes = [None if _missing(p) else f"P(đạt / met) = {_pct(p)}" for p in s["p_target_met"]]
        series = [
            {"name": "Mọi hộ / all households (p10–p90)", "color": LIGHT_BLUE,
             "values": list(s["expected_exits"]), "lo": list(s["exits_p10"]), "hi": list(s["exits_p90"])},
            {"name": "Hộ nghèo / poor households", "color": BLUE, "values": list(s["expected_exits_poor"]),
             "marker": list(s["target_exits"]), "marker_name": "Chỉ tiêu / target", "notes": notes},
        ]
        title = "Số hộ dự kiến thoát nghèo theo xã so với chỉ tiêu / Expected exits by commune vs target"
        caption = ("Thanh: số hộ dự kiến thoát nghèo bền vững; vạch đen: khoảng p10–p90; vạch đỏ: chỉ tiêu; "
                   "P: xác suất đạt chỉ tiêu. <span class='en'>Bars: expected sustained exits; black whisker: "
                   "p10–p90; red tick: target (poor households that must exit); P: probability of meeting it."
                   "</span>")
    else:
        series = [{"name": "Tăng thêm nhờ hỗ trợ / added by support", "color": BLUE,
                   "values": list(s["added_exits"])}]
        title = "Số hộ thoát nghèo tăng thêm theo xã / Exits added by commune"
        caption = ("Không có xác suất (mức tăng do người dùng cung cấp). <span class='en'>No probabilities "
                   "(gains supplied by the user): only the exits added by the support are known.</span>")
    svg = _hbars(cats, series, title=title)
    return (f"<figure>{_h(*title.split(' / ', 1), 3)}{svg}<figcaption>{caption}</figcaption></figure>")


def _comparison_section(c: pd.DataFrame, current: str) -> str:
    out = [_h("So sánh các phương án", "Strategies compared", anchor="comparison")]
    cats = [str(x) for x in c["strategy"]]
    per_bn = c["exits_per_billion_vnd"] if "exits_per_billion_vnd" in c else [np.nan] * len(c)
    notes = [None if _missing(v) else f"({_num(v, 2)} / tỷ đồng · per bn VND)" for v in per_bn]
    series = [{"name": "Số hộ thoát nghèo tăng thêm / added exits", "color": BLUE,
               "values": list(c["added_exits"]), "notes": notes}]
    if "expected_exits" in c and c["expected_exits"].notna().any():
        series.insert(0, {"name": "Số hộ dự kiến thoát nghèo / expected exits (p10–p90)", "color": LIGHT_BLUE,
                          "values": list(c["expected_exits"]),
                          "lo": list(c.get("exits_p10", [np.nan] * len(c))),
                          "hi": list(c.get("exits_p90", [np.nan] * len(c)))})
    title = "Số hộ thoát nghèo theo phương án / Exits by strategy"
    out.append(f"<figure>{_h(*title.split(' / ', 1), 3)}{_hbars(cats, series, title=title, right_pad=290)}"
               "<figcaption>Cùng kinh phí, cùng mô hình. <span class='en'>Same money, same model; "
               "added exits are what the support itself adds over no support.</span></figcaption></figure>")
    cols = [
        ("strategy", _th("Phương án", "Strategy"), lambda r: f"<b>{esc(r['strategy'])}</b>", False, True),
        ("status", _th("Trạng thái", "Status"), lambda r: esc(r.get("status", "")), False, True),
        ("supported", _th("Số hộ hỗ trợ", "Supported", True), lambda r: _int(r["supported"]), True, False),
        ("spent_vnd", _th("Đã sử dụng (triệu đồng)", "Spent (million VND)", True),
         lambda r: _mvnd(r["spent_vnd"]), True, False),
        ("expected_exits", _th("Dự kiến thoát nghèo", "Expected exits", True),
         lambda r: _num(r["expected_exits"]), True, False),
        ("exits_p10", _th("p10–p90", "p10–p90", True),
         lambda r: "–" if _missing(r.get("exits_p10")) else f"{_int(r['exits_p10'])}–{_int(r['exits_p90'])}",
         True, False),
        ("added_exits", _th("Tăng thêm", "Added exits", True), lambda r: _num(r["added_exits"], 2), True, False),
        ("exits_per_billion_vnd", _th("Tăng thêm / tỷ đồng", "Added per bn VND", True),
         lambda r: _num(r["exits_per_billion_vnd"], 2), True, False),
        ("share_ethnic_minority", _th("Tỷ lệ DTTS", "Ethnic-minority share", True),
         lambda r: _pct(r["share_ethnic_minority"]), True, False),
        ("share_female_head", _th("Tỷ lệ chủ hộ nữ", "Female-head share", True),
         lambda r: _pct(r["share_female_head"]), True, False),
        ("share_poor", _th("Tỷ lệ hộ nghèo", "Poor share", True), lambda r: _pct(r["share_poor"]), True, False),
        ("communes_meeting_target", _th("Số xã đạt chỉ tiêu", "Communes meeting target", True),
         lambda r: _int(r["communes_meeting_target"]), True, False),
        ("gap", _th("Khoảng cách", "Gap", True), lambda r: _pct(r["gap"], 2), True, False),
        ("solve_seconds", _th("Thời gian (s)", "Time (s)", True), lambda r: _num(r["solve_seconds"], 2), True, False),
    ]
    cols = [col for col in cols if col[0] in c]
    head = "".join(col[1] for col in cols)
    body = []
    for r in c.to_dict("records"):
        cls = ' class="current"' if r.get("strategy") == current else ""
        body.append(f"<tr{cls}>" + "".join(_td(f(r), num, raw) for _, _, f, num, raw in cols) + "</tr>")
    out.append(_table(head, "".join(body)))
    out.append('<p class="note">Xã đạt chỉ tiêu: xác suất đạt chỉ tiêu từ 50% trở lên. '
               '<span class="en">A commune meets its target when P(target met) is at least 50%. '
               "The highlighted row is the strategy of this plan.</span></p>")
    return "\n".join(out)


def _curve_section(curve: pd.DataFrame) -> str:
    cv = curve.sort_values("budget_vnd")
    xs = (cv["budget_vnd"].astype(float) / 1e9).to_numpy()
    ys = cv["added_exits"].astype(float).to_numpy()
    title = "Số hộ thoát nghèo tăng thêm theo kinh phí / Added exits as the budget varies"
    width, height = 1000, 380
    left, right, top, bottom = 70, 30, 20, 56
    pw, ph = width - left - right, height - top - bottom
    xmin, xmax = 0.0, _nice_max(float(np.nanmax(xs)) if len(xs) else 1.0)
    ymax = _nice_max(float(np.nanmax(ys)) if np.isfinite(ys).any() else 1.0)
    px = lambda v: left + pw * (v - xmin) / (xmax - xmin)  # noqa: E731
    py = lambda v: top + ph * (1 - v / ymax)  # noqa: E731
    out = [_svg_open(width, height, title)]
    for t in _ticks(ymax):
        out.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}"/>')
        out.append(f'<text class="small" x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">'
                   f"{esc(_tick_label(t, ymax))}</text>")
    for t in _ticks(xmax):
        out.append(f'<line class="grid" x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{top}" y2="{top + ph}"/>')
        out.append(f'<text class="small" x="{px(t):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f"{esc(_tick_label(t, xmax))}</text>")
    out.append(f'<line class="axis" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    out.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">'
               "Tổng kinh phí (tỷ đồng) / total budget (billion VND)</text>")
    out.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {top + ph / 2})">'
               "Tăng thêm / added exits</text>")
    if "budget_multiplier" in cv:
        cur = cv[np.isclose(cv["budget_multiplier"].astype(float), 1.0)]
        if len(cur):
            cx = px(float(cur["budget_vnd"].iloc[0]) / 1e9)
            out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top}" y2="{top + ph}" stroke="{ORANGE}" '
                       'stroke-width="1.5" stroke-dasharray="5 4"/>')
            out.append(f'<text x="{cx + 6:.1f}" y="{top + ph - 8}" class="small">kinh phí hiện tại / '
                       "current budget</text>")
    ok = np.isfinite(xs) & np.isfinite(ys)
    pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs[ok], ys[ok], strict=True))
    out.append(f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>')
    for a, b in zip(xs[ok], ys[ok], strict=True):
        out.append(f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="4" fill="{BLUE}">'
                   f"<title>{a:.2f} tỷ đồng: {b:.1f}</title></circle>")
        out.append(f'<text class="small" x="{px(a):.1f}" y="{py(b) - 9:.1f}" text-anchor="middle">'
                   f"{esc(_exits(b))}</text>")
    out.append("</svg>")
    rows = []
    prev = None
    for r in cv.to_dict("records"):
        marg = "–"
        if prev is not None and r["budget_vnd"] != prev["budget_vnd"]:
            marg = _num((r["added_exits"] - prev["added_exits"]) / ((r["budget_vnd"] - prev["budget_vnd"]) / 1e9), 2)
        rows.append("<tr>" + _td(f"{float(r.get('budget_multiplier', np.nan)):g}×"
                                 if not _missing(r.get("budget_multiplier")) else "–", True)
                    + _td(_mvnd(r["budget_vnd"]), True) + _td(_mvnd(r.get("spent_vnd")), True)
                    + _td(_int(r.get("supported")), True) + _td(_num(r["added_exits"], 2), True)
                    + _td(_num(r.get("expected_exits")), True) + _td(marg, True) + _td(r.get("status", ""))
                    + "</tr>")
        prev = r
    head = (_th("Hệ số kinh phí", "Budget ×", True) + _th("Kinh phí (triệu đồng)", "Budget (million VND)", True)
            + _th("Đã sử dụng", "Spent", True) + _th("Số hộ hỗ trợ", "Supported", True)
            + _th("Tăng thêm", "Added exits", True) + _th("Dự kiến thoát nghèo", "Expected exits", True)
            + _th("Tăng thêm biên / tỷ đồng", "Marginal added exits per bn VND", True)
            + _th("Trạng thái", "Status"))
    return "\n".join([
        _h("Kinh phí và số hộ thoát nghèo", "Budget and exits", anchor="curve"),
        f"<figure>{''.join(out)}<figcaption>Mỗi điểm là một lần giải lại với kinh phí mọi xã nhân với cùng hệ số. "
        "<span class='en'>Each point re-solves the plan with every commune's budget scaled by the same factor."
        "</span></figcaption></figure>",
        _table(head, "".join(rows)),
    ])


def _equity_section(plan, names: dict[str, str]) -> str:
    out = [_h("Công bằng: tỷ lệ được hỗ trợ theo nhóm", "Equity: share supported by group", anchor="equity")]
    charts = []
    specs = [
        ("ethnic_minority", "Dân tộc thiểu số", "Ethnic minority", "DTTS / minority", "Kinh / other"),
        ("female_head", "Chủ hộ nữ", "Female head of household", "Chủ hộ nữ / female head", "Chủ hộ nam / male head"),
    ]
    table_rows = []
    for by, vi, en, yes, no in specs:
        g = (plan.groups or {}).get(by)
        if g is None or not len(g):
            continue
        g = g.copy()
        g["_flag"] = pd.to_numeric(g[by], errors="coerce").fillna(0).astype(int)
        order = [c for c in plan.summary["commune_id"] if c in set(g["commune_id"])]
        communes = order + [c for c in dict.fromkeys(g["commune_id"]) if c not in set(order)]
        tot = g.groupby("_flag")[["households", "supported"]].sum()
        cats = [names.get(c, c) for c in communes] + ["Tất cả / all"]
        vals = {}
        for flag in (1, 0):
            sub = g[g["_flag"] == flag].set_index("commune_id")
            v = [float(sub.loc[c, "supported_share"]) if c in sub.index else np.nan for c in communes]
            v.append(float(tot.loc[flag, "supported"] / tot.loc[flag, "households"])
                     if flag in tot.index and tot.loc[flag, "households"] else np.nan)
            vals[flag] = v
        series = [{"name": yes, "color": ORANGE, "values": vals[1]},
                  {"name": no, "color": LIGHT_ORANGE, "values": vals[0]}]
        svg = _hbars(cats, series, title=f"{vi} / {en}", pct=True, width=560, label_w=130, bar_h=14,
                     vmax=_nice_max(max([v for v in vals[1] + vals[0] if not _missing(v)], default=1.0)))
        charts.append(f"<figure>{_h(vi, en, 3)}{svg}</figure>")
        for c, name in zip(communes + [None], cats, strict=True):
            sub = g if c is None else g[g["commune_id"] == c]
            n1 = sub.loc[sub["_flag"] == 1, "households"].sum()
            s1 = sub.loc[sub["_flag"] == 1, "supported"].sum()
            n_all, s_all = sub["households"].sum(), sub["supported"].sum()
            table_rows.append(
                "<tr>" + _td(f'{esc(vi)}<br><span class="en">{esc(en)}</span>', raw=True) + _td(name) + _td(_pct(n1 / n_all if n_all else np.nan), True)
                + _td(_pct(s1 / s_all if s_all else np.nan), True)
                + _td(_pct(s1 / n1 if n1 else np.nan), True)
                + _td(_pct((s_all - s1) / (n_all - n1) if n_all - n1 else np.nan), True) + "</tr>"
            )
    if not charts:
        return ""
    out.append(f'<div class="two">{"".join(charts)}</div>')
    head = (_th("Nhóm", "Group") + _th("Xã", "Commune") + _th("Tỷ lệ trong danh sách", "Share of register", True)
            + _th("Tỷ lệ trong số hộ được hỗ trợ", "Share of supported", True)
            + _th("Tỷ lệ được hỗ trợ (trong nhóm)", "Supported rate (group)", True)
            + _th("Tỷ lệ được hỗ trợ (ngoài nhóm)", "Supported rate (others)", True))
    out.append(_table(head, "".join(table_rows)))
    v = (plan.groups or {}).get("village")
    if v is not None and len(v):
        rows = "".join(
            "<tr>" + _td(names.get(r["commune_id"], r["commune_id"])) + _td(r["village"])
            + _td(_int(r["households"]), True) + _td(_int(r["supported"]), True)
            + _td(_pct(r["supported_share"]), True) + _td(_num(r["added_exits"], 2), True)
            + _td(_num(r.get("expected_exits")), True) + "</tr>"
            for r in v.to_dict("records")
        )
        head = (_th("Xã", "Commune") + _th("Thôn, bản", "Village") + _th("Số hộ", "Households", True)
                + _th("Được hỗ trợ", "Supported", True) + _th("Tỷ lệ", "Share", True)
                + _th("Tăng thêm", "Added exits", True) + _th("Dự kiến thoát nghèo", "Expected exits", True))
        out.append(f"<details><summary>Theo thôn, bản / By village ({len(v)})</summary>"
                   f"{_table(head, rows)}</details>")
    return "\n".join(out)


def _reasons_section(plan, names: dict[str, str]) -> str:
    a = plan.allocation
    unsup = a[a["project_id"].fillna("") == ""]
    out = [_h("Lý do chưa được hỗ trợ", "Why households are not supported", anchor="reasons")]
    if not len(unsup):
        out.append("<p>Tất cả các hộ đều được hỗ trợ. <span class='en'>Every household is supported.</span></p>")
        return "\n".join(out)
    t = unsup.groupby(["reason_key", "commune_id"]).size().unstack(fill_value=0)
    communes = [c for c in plan.summary["commune_id"] if c in t.columns] + [
        c for c in t.columns if c not in set(plan.summary["commune_id"])]
    t = t.reindex(columns=communes, fill_value=0)
    t = t.loc[t.sum(axis=1).sort_values(ascending=False).index]
    head = _th("Lý do", "Reason") + "".join(f'<th class="num">{esc(names.get(c, c))}</th>' for c in communes) \
        + _th("Tổng", "Total", True)
    rows = "".join(
        "<tr>" + _td(_bi(NOT_SUPPORTED, key), raw=True) + "".join(_td(_int(n), True) for n in row)
        + _td(_int(sum(row)), True) + "</tr>"
        for key, row in zip(t.index, t.to_numpy().tolist(), strict=True)
    )
    out.append(_table(head, rows))
    return "\n".join(out)


def _warnings_section(meta: dict) -> str:
    warnings = [str(w) for w in meta.get("warnings") or []]
    details = meta.get("details") or {}
    for v in details.get("violations") or [] if isinstance(details, dict) else []:
        warnings.append(f"violation: {v}" if not isinstance(v, str) else v)
    if meta.get("status") in ("infeasible", "timeout"):
        warnings.append(f"solver status: {meta['status']}")
    out = [_h("Cảnh báo", "Warnings", anchor="warnings")]
    if not warnings:
        out.append("<p>Không có cảnh báo. <span class='en'>No warnings.</span></p>")
    else:
        out.append('<ul class="warnings">' + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>")
    return "\n".join(out)


def _details_section(meta: dict) -> str:
    keep = {k: meta[k] for k in ("settings", "details", "inputs", "solver", "eligible_pairs", "status_derived")
            if k in meta}
    text = json.dumps(keep, indent=2, ensure_ascii=False, default=str)
    return ("<details><summary>Thiết lập và chi tiết kỹ thuật / Settings and technical details</summary>"
            f"<pre>{esc(text)}</pre></details>")
