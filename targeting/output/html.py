"""report.html: the plan for programme designers, in one self-contained, offline page.

The page is drawn by the Jinja2 templates next to this module (``templates/``): ``report.html``
lays out the page, ``sections.html`` the sections, ``macros.html`` the small repeated parts
(headings, cards, tables) and ``charts.html`` the inline SVG charts. Inline CSS and inline SVG (no
scripts, no fonts or images from the network), so the file can be mailed, opened on a laptop in
a commune office, or printed. The report shows aggregates only (per commune, per strategy, per
group); the household lists are in beneficiaries.xlsx.

This module gathers what the page shows: the words come from :mod:`targeting.labels`, numbers are
formatted here, chart geometry is computed here; all markup is in the templates. Every value a
template prints is escaped, and no template can switch that off (see :data:`ENV`).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..labels import (
    APPENDIX_WORDS,
    DECISION_LABELS,
    MEETING_WORDS,
    MODEL_WORDS,
    MORE_MONEY_WORDS,
    NOT_SUPPORTED,
    PAGE_LABELS,
    PLAN_STATUS_LABELS,
    SPLIT_WORDS,
    STRATEGY_LABELS,
    SWEEP_WORDS,
    bilingual,
)
from .plain import model_quality, more_money_words, out_of_reach

__all__ = ["write_report", "render_report", "ENV", "Cell", "Table", "nice_max", "ticks", "tick_label"]

# Palette (colour-blind safe: blue / orange / grey, plus a red target marker).
BLUE = "#2b6cb0"
LIGHT_BLUE = "#9cc3e6"
ORANGE = "#dd8452"
LIGHT_ORANGE = "#f3c9a8"
RED = "#c53030"

W = PAGE_LABELS


def write_report(plan, path: str | Path, comparison: pd.DataFrame | None = None,
                 curve: pd.DataFrame | None = None, sweep: pd.DataFrame | None = None) -> Path:
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
    sweep : DataFrame, optional
        One row per value and strategy of a sweep (``compare --sweep``); adds the sweep chart.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.write_text(render_report(plan, comparison=comparison, curve=curve, sweep=sweep), encoding="utf-8")
    return path


def render_report(plan, comparison: pd.DataFrame | None = None, curve: pd.DataFrame | None = None,
                  sweep: pd.DataFrame | None = None) -> str:
    """The report as an HTML string (see :func:`write_report`).

    Parameters
    ----------
    plan : targeting.plan.Plan
        The computed plan.
    comparison : DataFrame, optional
        One row per strategy.
    curve : DataFrame, optional
        Exits as the budget varies.
    sweep : DataFrame, optional
        One row per value and strategy of a sweep.

    Returns
    -------
    str
        The whole page.
    """
    meta = plan.meta or {}
    names = _commune_names(plan)
    year = (meta.get("settings") or {}).get("plan", {}).get("year", "")
    strategy = meta.get("strategy", "")
    subtitle = W["subtitle_year"] if year else W["subtitle"]
    return ENV.get_template("report.html").render(
        subtitle=tuple(t.format(year=year, strategy=strategy) for t in subtitle),
        version=meta.get("version", ""),
        status=_status_section(plan, meta),
        quality={"title": MODEL_WORDS["title"], "sentences": model_quality(meta.get("model"))},
        communes=_communes_section(plan, names),
        split=_split_section(plan, meta, names),
        meeting=_meeting_section(plan, meta, names),
        more_money=_more_money_section(meta, plan, names),
        comparison=(_comparison_section(comparison, meta.get("strategy", getattr(plan, "strategy", "")))
                    if comparison is not None and len(comparison) else None),
        curve=_curve_section(curve) if curve is not None and len(curve) else None,
        sweep=_sweep_section(sweep, plan) if sweep is not None and len(sweep) else None,
        equity=_equity_section(plan, names),
        reasons=_reasons_section(plan, names),
        warnings=_warnings(meta),
        details=_details(meta),
        appendix=_appendix(meta),
    )


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def _escape(value: object) -> Markup:
    """Every printed value, escaped as :func:`html.escape` does (quotes too); markup the
    templates made themselves (a macro's output) passes as it is."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def _text(value: object) -> Markup:
    """Escaped element content: ``& < >`` (an apostrophe in prose stays one)."""
    return Markup(html.escape("" if value is None else str(value), quote=False))


#: The template environment. ``finalize`` escapes every value a template prints, whatever the
#: template's autoescape setting, and the ``safe`` filter is removed: nothing the data holds can
#: become markup. Whitespace control (``trim_blocks``, ``lstrip_blocks``) lets the templates be
#: laid out for reading while the page keeps its lines.
ENV = Environment(
    loader=PackageLoader("targeting.output", "templates"),
    autoescape=True,
    finalize=_escape,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)
del ENV.filters["safe"]
ENV.filters["text"] = _text
ENV.globals.update(W=W, RED=RED, ORANGE=ORANGE, BLUE=BLUE)


@dataclass(frozen=True)
class Cell:
    """One table cell (``<td>``, or ``<th>`` in a head row).

    ``words`` is an (English, Vietnamese) pair shown instead of ``text``: on two lines (``form``
    "br") or as "Vietnamese / English" (``form`` "bi"); ``form`` "b" makes the text bold; ``cls``
    puts the text in a span of that class.
    """

    text: object = ""
    num: bool = False
    words: tuple[str, str] | None = None
    form: str = ""
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A table for the ``table`` macro: the head row, then rows as (row class, cells)."""

    heads: list[Cell]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)


def _th(key: str, num: bool = False) -> Cell:
    """A bilingual column heading from :data:`targeting.labels.PAGE_LABELS`."""
    return Cell(words=W[key], form="br", num=num)


def _row(*cells: Cell, cls: str = "") -> tuple[str, list[Cell]]:
    return cls, list(cells)


def _n(text: object) -> Cell:
    """A number cell (right-aligned)."""
    return Cell(text, num=True)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


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


def _fmt_any(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:.4g}"
    return "" if v is None else str(v)


def _commune_names(plan) -> dict[str, str]:
    c = plan.scenario.communes
    if "name" in c:
        return dict(zip(c["commune_id"], c["name"].fillna(c["commune_id"]).astype(str), strict=True))
    return {k: str(k) for k in c["commune_id"]}


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def _status_section(plan, meta: dict) -> dict:
    status = meta.get("status", "")
    strategy = meta.get("strategy", getattr(plan, "strategy", ""))
    gap = meta.get("gap")
    s = plan.summary
    model = meta.get("model") or {}
    figures = [
        ("objective", _num(meta.get("objective"), 2)),
        ("bound", _num(meta.get("bound"), 2)),
        ("optimality_gap", "–" if _missing(gap) else _pct(gap, 2)),
        ("solve_time", "–" if _missing(meta.get("solve_seconds")) else f"{float(meta['solve_seconds']):.2f} s"),
        ("households_register", _int(meta.get("households", len(plan.allocation)))),
        ("households_supported", _int(s["supported"].sum() if len(s) else 0)),
        ("spent_of_budget", f"{_mvnd(s['spent_vnd'].sum())} / {_mvnd(s['budget_vnd'].sum())}" if len(s) else "–"),
    ]
    return {
        "strategy": strategy,
        "strategy_words": STRATEGY_LABELS.get(strategy),
        "status": status,
        "status_words": PLAN_STATUS_LABELS.get(status),
        "status_cls": {"optimal": "ok", "feasible": "warn", "timeout": "warn", "infeasible": "bad"}.get(status, ""),
        "figures": figures,
        "model_name": model.get("name", ""),
        "model_source": model.get("source", ""),
    }


def _appendix(meta: dict) -> dict | None:
    """The model's raw metrics (cross-validated), for programme designers: scalars as cards,
    nested ones (reliability bins, uplift by kind of support) as tables."""
    metrics = ((meta.get("model") or {}).get("metrics")) or {}
    if not metrics:
        return None
    scalars = [(k, f"{v:.4g}" if isinstance(v, float) else v) for k, v in metrics.items()
               if isinstance(v, int | float | str) and not isinstance(v, bool)]
    tables = []
    for k, v in metrics.items():
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()):
            cols = sorted({c for row in v.values() for c in row})
            tables.append((k, Table([Cell(), *(Cell(c, num=True) for c in cols)],
                                    [_row(Cell(r), *(_n(_fmt_any(row.get(c))) for c in cols))
                                     for r, row in v.items()])))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            cols = list(dict.fromkeys(c for r in v for c in r))
            tables.append((k, Table([Cell(c) for c in cols],
                                    [_row(*(_n(_fmt_any(r.get(c))) for c in cols)) for r in v])))
    return {"title": APPENDIX_WORDS["title"], "metrics_title": APPENDIX_WORDS["metrics"],
            "intro": APPENDIX_WORDS["intro"], "metrics": scalars, "tables": tables}


def _meeting_section(plan, meta: dict, names: dict[str, str]) -> dict | None:
    """What the village meeting decided (plan.json ``decisions``): counts, their price in
    expected exits, and the decided households, costliest first."""
    d = meta.get("decisions")
    if not isinstance(d, dict):
        return None
    counts = [(DECISION_LABELS[k], _int(d.get(k, 0))) for k in ("assign", "exclude", "decline")]
    objective, without, cost = meta.get("objective"), d.get("objective_without"), d.get("exits_cost")
    if _missing(cost) or float(cost) <= 0:
        price = tuple(t.format(with_=_exits(objective)) for t in MEETING_WORDS["no_cost"])
    else:
        # the three numbers with the same decimals, enough to show the cost (0.13 of 47.10)
        digits = 2 if float(cost) < 1 else 1
        price = tuple(t.format(cost=_num(cost, digits), without=_num(without, digits),
                               with_=_num(objective, digits)) for t in MEETING_WORDS["cost"])
    note = d.get("note")
    a = plan.allocation
    decided = a[a["decision"].fillna("").astype(str) != ""] if "decision" in a else a.iloc[:0]
    has_cost = "decision_cost" in decided
    if len(decided):
        cost_col = pd.to_numeric(decided["decision_cost"], errors="coerce") if has_cost \
            else pd.Series(np.nan, index=decided.index)
        decided = decided.assign(_cost=cost_col).sort_values(
            ["_cost", "commune_id", "household_id"], ascending=[False, True, True], na_position="last",
            kind="stable")
    m = MEETING_WORDS
    heads = [Cell(words=m["household"], form="br"), _th("commune"), _th("village"),
             Cell(words=m["decision"], form="br"), Cell(words=m["note"], form="br"),
             Cell(words=m["project"], form="br"), Cell(words=m["price"], form="br", num=True)]
    rows = []
    for r in decided.to_dict("records"):
        project = r.get("project_name") or r.get("project_id")
        rows.append(_row(
            Cell(r["household_id"]), Cell(names.get(r["commune_id"], r["commune_id"])), Cell(r.get("village", "")),
            Cell(r["decision"], words=DECISION_LABELS.get(r["decision"]), form="bi"),
            Cell(r.get("decision_note") or ""),
            Cell(project) if isinstance(project, str) and project else Cell(words=m["none"], form="bi"),
            _n(_exits(r["_cost"])),
        ))
    return {"title": m["title"], "counts_title": m["counts"], "counts": counts, "price": price,
            "gap_note": m["gap_note"] if note else None, "raw_note": note,
            "households_title": m["households"], "table": Table(heads, rows) if rows else None,
            "price_note": m["price_note"]}


def _communes_section(plan, names: dict[str, str]) -> dict:
    s = plan.summary
    heads = [_th("commune"), *(_th(k, True) for k in (
        "budget_mvnd", "spent", "supported_households", "expected_exits", "exits_range", "added_by_support",
        "target_poor_exits", "poor_exiting", "p_target_met", "poverty_rate"))]
    rows = []
    for r in s.itertuples(index=False):
        rng = "–" if _missing(r.exits_p10) or _missing(r.exits_p90) else f"{_int(r.exits_p10)}–{_int(r.exits_p90)}"
        ptm = r.p_target_met
        cls = "" if _missing(ptm) else ("ok" if ptm >= 0.8 else "warn" if ptm >= 0.5 else "bad")
        rows.append(_row(
            Cell(names.get(r.commune_id, r.commune_id)), _n(_mvnd(r.budget_vnd)), _n(_mvnd(r.spent_vnd)),
            _n(_int(r.supported)), _n(_exits(r.expected_exits)), _n(rng), _n(_exits(r.added_exits)),
            _n(_int(r.target_exits)), _n(_exits(r.expected_exits_poor)), Cell(_pct(ptm), num=True, cls=cls),
            _n(f"{_pct(r.poverty_rate_before, 1)} → {_pct(r.poverty_rate_after, 1)}"),
        ))
    if len(s) > 1:
        has_p = s["expected_exits"].notna().all()
        rows.append(_row(
            Cell(bilingual(W["total"])), _n(_mvnd(s["budget_vnd"].sum())), _n(_mvnd(s["spent_vnd"].sum())),
            _n(_int(s["supported"].sum())), _n(_num(s["expected_exits"].sum()) if has_p else "–"), _n(""),
            _n(_exits(s["added_exits"].sum())), _n(""),
            _n(_num(s["expected_exits_poor"].sum()) if has_p else "–"), _n(""), _n(""), cls="total",
        ))
    reach = out_of_reach(s, plan.allocation, names)
    return {"table": Table(heads, rows), "chart": _exits_chart(s, names),
            "out_of_reach": [reach[c] for c in s["commune_id"] if c in reach]}


def _split_section(plan, meta: dict, names: dict[str, str]) -> dict | None:
    """The province budget split: how it was made, what it buys against the fixed and the
    proportional splits (when they were solved beside it), and a chart of each commune's budget
    requested, received and spent. None under the fixed split."""
    split = meta.get("budget_split")
    s = plan.summary
    if not split or "budget_requested_vnd" not in s:
        return None
    sw = SPLIT_WORDS
    fmt = {"total": _mvnd(split["province_budget_vnd"]), "lo": f"{split['min_commune_share']:g}",
           "hi": f"{split['max_commune_share']:g}"}
    method = split.get("method", "")
    coupled = "tried" in split
    sentences = [tuple(t.format(**fmt) for t in sw["optimal" if coupled else "proportional"])]
    if method == "optimal" and not coupled:
        sentences.append(sw["baseline"])
    ours = float(meta.get("objective", np.nan))
    tol = float((meta.get("settings") or {}).get("solver", {}).get("relative_gap", 0.0) or 0.0)
    for key, label in (("fixed", sw["fixed"]), ("proportional", sw["proportional_name"])):
        t = (split.get("tried") or {}).get(key)
        if t is None:
            continue
        if not t.get("solved"):
            sentences.append(tuple(x.format(split=n, reason=t.get("reason", ""))
                                   for x, n in zip(sw["not_solved"], label, strict=True)))
        elif not t.get("fits_province_budget", True):
            sentences.append(tuple(x.format(split=n, total=_mvnd(t.get("total_vnd")))
                                   for x, n in zip(sw["other_total"], label, strict=True)))
        else:
            theirs = float(t["objective"])
            sentences.append(tuple(x.format(split=n, d=_num(ours - theirs, 2), ours=_num(ours, 2),
                                            theirs=_num(theirs, 2))
                                   for x, n in zip(sw["more"], label, strict=True)))
            if not _missing(t.get("gap")) and float(t["gap"]) > tol + 1e-12:
                # not proven in its share of the time: what its bound still guarantees
                bound = t.get("bound")
                sure = None if _missing(bound) else ours - float(bound)
                words, d = ((sw["at_least"], sure) if sure is not None and sure > 0
                            else (sw["unproven"], None))
                sentences.append(tuple(x.format(split=n, gap=_pct(t["gap"], 2), d=_num(d, 2),
                                                bound=_num(bound, 2))
                                       for x, n in zip(words, label, strict=True)))
    if split.get("unallocated_vnd"):
        sentences.append(tuple(x.format(m=_mvnd(split["unallocated_vnd"])) for x in sw["unallocated"]))
    cats = [names.get(c, c) for c in s["commune_id"]]
    series = [
        {"name": bilingual(sw["requested"]), "color": LIGHT_ORANGE,
         "values": list(s["budget_requested_vnd"].astype(float) / 1e6)},
        {"name": bilingual(sw["received"]), "color": BLUE, "values": list(s["budget_vnd"].astype(float) / 1e6)},
        {"name": bilingual(sw["spent"]), "color": LIGHT_BLUE, "values": list(s["spent_vnd"].astype(float) / 1e6)},
    ]
    chart = {"title": sw["chart"], "svg": _hbars(cats, series, title=bilingual(sw["chart"])),
             "caption": sw["caption"]}
    return {"title": sw["title"], "sentences": sentences, "chart": chart}


def _exits_chart(s: pd.DataFrame, names: dict[str, str]) -> dict:
    cats = [names.get(c, c) for c in s["commune_id"]]
    if s["expected_exits"].notna().any():
        met = bilingual(W["met"])
        notes = [None if _missing(p) else f"P({met}) = {_pct(p)}" for p in s["p_target_met"]]
        series = [
            {"name": bilingual(W["all_households_range"]), "color": LIGHT_BLUE,
             "values": list(s["expected_exits"]), "lo": list(s["exits_p10"]), "hi": list(s["exits_p90"])},
            {"name": bilingual(W["poor_households"]), "color": BLUE, "values": list(s["expected_exits_poor"]),
             "marker": list(s["target_exits"]), "marker_name": bilingual(W["target"]), "notes": notes},
        ]
        title, caption = W["exits_chart"], W["exits_chart_caption"]
    else:
        series = [{"name": bilingual(W["added_by_support_series"]), "color": BLUE, "values": list(s["added_exits"])}]
        title, caption = W["added_chart"], W["added_chart_caption"]
    return {"title": title, "svg": _hbars(cats, series, title=bilingual(title)), "caption": caption}


def _comparison_section(c: pd.DataFrame, current: str) -> dict:
    cats = [str(x) for x in c["strategy"]]
    if "budget_split" in c and c["budget_split"].nunique() > 1:  # compare --splits: name both
        cats = [f"{s} / {b}" for s, b in zip(cats, c["budget_split"], strict=True)]
    per_bn = c["exits_per_billion_vnd"] if "exits_per_billion_vnd" in c else [np.nan] * len(c)
    unit = W["per_billion"]
    notes = [None if _missing(v) else f"({_num(v, 2)} / {unit[1]} · {unit[0]})" for v in per_bn]
    series = [{"name": bilingual(W["added_exits_series"]), "color": BLUE,
               "values": list(c["added_exits"]), "notes": notes}]
    if "expected_exits" in c and c["expected_exits"].notna().any():
        series.insert(0, {"name": bilingual(W["expected_exits_series"]), "color": LIGHT_BLUE,
                          "values": list(c["expected_exits"]),
                          "lo": list(c.get("exits_p10", [np.nan] * len(c))),
                          "hi": list(c.get("exits_p90", [np.nan] * len(c)))})
    # (column of the comparison, heading, cell of a row)
    cols = [
        ("strategy", _th("strategy"), lambda r: Cell(r["strategy"], form="b")),
        ("budget_split", Cell(words=SPLIT_WORDS["column"], form="br"), lambda r: Cell(r["budget_split"])),
        ("status", _th("status"), lambda r: Cell(r.get("status", ""))),
        ("supported", _th("supported", True), lambda r: _n(_int(r["supported"]))),
        ("spent_vnd", _th("spent_mvnd", True), lambda r: _n(_mvnd(r["spent_vnd"]))),
        ("expected_exits", _th("expected", True), lambda r: _n(_num(r["expected_exits"]))),
        ("exits_p10", _th("p10_p90", True),
         lambda r: _n("–" if _missing(r.get("exits_p10")) else f"{_int(r['exits_p10'])}–{_int(r['exits_p90'])}")),
        ("added_exits", _th("added_exits", True), lambda r: _n(_num(r["added_exits"], 2))),
        ("exits_per_billion_vnd", _th("added_per_billion", True), lambda r: _n(_num(r["exits_per_billion_vnd"], 2))),
        ("share_ethnic_minority", _th("share_ethnic_minority", True), lambda r: _n(_pct(r["share_ethnic_minority"]))),
        ("share_female_head", _th("share_female_head", True), lambda r: _n(_pct(r["share_female_head"]))),
        ("share_poor", _th("share_poor", True), lambda r: _n(_pct(r["share_poor"]))),
        ("communes_meeting_target", _th("communes_meeting_target", True),
         lambda r: _n(_int(r["communes_meeting_target"]))),
        ("gap", _th("gap", True), lambda r: _n(_pct(r["gap"], 2))),
        ("solve_seconds", _th("time_s", True), lambda r: _n(_num(r["solve_seconds"], 2))),
    ]
    cols = [col for col in cols if col[0] in c]
    if "budget_split" in c and c["budget_split"].nunique() <= 1:  # one split: as it always was
        cols = [col for col in cols if col[0] != "budget_split"]
    rows = [_row(*(cell(r) for _, _, cell in cols), cls="current" if r.get("strategy") == current else "")
            for r in c.to_dict("records")]
    title = W["strategies_chart"]
    chart = {"title": title, "svg": _hbars(cats, series, title=bilingual(title), right_pad=290),
             "caption": W["strategies_caption"]}
    return {"chart": chart, "table": Table([head for _, head, _ in cols], rows)}


def _curve_section(curve: pd.DataFrame) -> dict:
    cv = curve.sort_values("budget_vnd")
    rows = []
    prev = None
    for r in cv.to_dict("records"):
        marg = "–"
        if prev is not None and r["budget_vnd"] != prev["budget_vnd"]:
            marg = _num((r["added_exits"] - prev["added_exits"]) / ((r["budget_vnd"] - prev["budget_vnd"]) / 1e9), 2)
        factor = "–" if _missing(r.get("budget_multiplier")) else f"{float(r.get('budget_multiplier', np.nan)):g}×"
        rows.append(_row(_n(factor), _n(_mvnd(r["budget_vnd"])), _n(_mvnd(r.get("spent_vnd"))),
                         _n(_int(r.get("supported"))), _n(_num(r["added_exits"], 2)),
                         _n(_num(r.get("expected_exits"))), _n(marg), Cell(r.get("status", ""))))
        prev = r
    heads = [*(_th(k, True) for k in ("budget_factor", "budget_mvnd", "spent", "supported", "added_exits",
                                       "expected", "marginal_per_billion")), _th("status")]
    return {"chart": _curve_chart(cv), "table": Table(heads, rows)}


def _equity_section(plan, names: dict[str, str]) -> dict | None:
    charts = []
    specs = [("ethnic_minority", "minority", "majority"), ("female_head", "female", "male")]
    rows = []
    for by, yes, no in specs:
        g = (plan.groups or {}).get(by)
        if g is None or not len(g):
            continue
        g = g.copy()
        g["_flag"] = pd.to_numeric(g[by], errors="coerce").fillna(0).astype(int)
        order = [c for c in plan.summary["commune_id"] if c in set(g["commune_id"])]
        communes = order + [c for c in dict.fromkeys(g["commune_id"]) if c not in set(order)]
        tot = g.groupby("_flag")[["households", "supported"]].sum()
        cats = [names.get(c, c) for c in communes] + [bilingual(W["all"])]
        vals = {}
        for flag in (1, 0):
            sub = g[g["_flag"] == flag].set_index("commune_id")
            v = [float(sub.loc[c, "supported_share"]) if c in sub.index else np.nan for c in communes]
            v.append(float(tot.loc[flag, "supported"] / tot.loc[flag, "households"])
                     if flag in tot.index and tot.loc[flag, "households"] else np.nan)
            vals[flag] = v
        series = [{"name": bilingual(W[yes]), "color": ORANGE, "values": vals[1]},
                  {"name": bilingual(W[no]), "color": LIGHT_ORANGE, "values": vals[0]}]
        charts.append({"title": W[by], "caption": None, "svg": _hbars(
            cats, series, title=bilingual(W[by]), pct=True, width=560, label_w=130, bar_h=14,
            vmax=nice_max(max([v for v in vals[1] + vals[0] if not _missing(v)], default=1.0)))})
        for c, name in zip(communes + [None], cats, strict=True):
            sub = g if c is None else g[g["commune_id"] == c]
            n1 = sub.loc[sub["_flag"] == 1, "households"].sum()
            s1 = sub.loc[sub["_flag"] == 1, "supported"].sum()
            n_all, s_all = sub["households"].sum(), sub["supported"].sum()
            rows.append(_row(
                Cell(words=W[by], form="br"), Cell(name), _n(_pct(n1 / n_all if n_all else np.nan)),
                _n(_pct(s1 / s_all if s_all else np.nan)), _n(_pct(s1 / n1 if n1 else np.nan)),
                _n(_pct((s_all - s1) / (n_all - n1) if n_all - n1 else np.nan)),
            ))
    if not charts:
        return None
    heads = [_th("group"), _th("commune"), *(_th(k, True) for k in (
        "share_register", "share_supported", "rate_group", "rate_others"))]
    villages = None
    v = (plan.groups or {}).get("village")
    if v is not None and len(v):
        villages = Table(
            [_th("commune"), _th("village"), *(_th(k, True) for k in (
                "households", "supported_share", "share", "added_exits", "expected"))],
            [_row(Cell(names.get(r["commune_id"], r["commune_id"])), Cell(r["village"]),
                  _n(_int(r["households"])), _n(_int(r["supported"])), _n(_pct(r["supported_share"])),
                  _n(_num(r["added_exits"], 2)), _n(_num(r.get("expected_exits"))))
             for r in v.to_dict("records")],
        )
    return {"charts": charts, "table": Table(heads, rows), "villages": villages,
            "village_count": 0 if v is None else len(v)}


def _reasons_section(plan, names: dict[str, str]) -> Table | None:
    a = plan.allocation
    unsup = a[a["project_id"].fillna("") == ""]
    if not len(unsup):
        return None
    t = unsup.groupby(["reason_key", "commune_id"]).size().unstack(fill_value=0)
    communes = [c for c in plan.summary["commune_id"] if c in t.columns] + [
        c for c in t.columns if c not in set(plan.summary["commune_id"])]
    t = t.reindex(columns=communes, fill_value=0)
    t = t.loc[t.sum(axis=1).sort_values(ascending=False).index]
    heads = [_th("reason"), *(Cell(names.get(c, c), num=True) for c in communes), _th("total", True)]
    rows = [_row(Cell(key, words=NOT_SUPPORTED.get(key), form="bi"), *(_n(_int(n)) for n in row), _n(_int(sum(row))))
            for key, row in zip(t.index, t.to_numpy().tolist(), strict=True)]
    return Table(heads, rows)


def _warnings(meta: dict) -> list[str]:
    warnings = [str(w) for w in meta.get("warnings") or []]
    details = meta.get("details") or {}
    for v in details.get("violations") or [] if isinstance(details, dict) else []:
        warnings.append(f"violation: {v}" if not isinstance(v, str) else v)
    if meta.get("status") in ("infeasible", "timeout"):
        warnings.append(f"solver status: {meta['status']}")
    return warnings


def _details(meta: dict) -> str:
    keep = {k: meta[k] for k in ("settings", "details", "inputs", "solver", "eligible_pairs", "status_derived")
            if k in meta}
    return json.dumps(keep, indent=2, ensure_ascii=False, default=str)


# --------------------------------------------------------------------------------------------
# Charts: the geometry here, the SVG in templates/charts.html
# --------------------------------------------------------------------------------------------


def nice_max(x: float) -> float:
    if not np.isfinite(x) or x <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= x:
            return m * exp
    return 10 * exp


def ticks(vmax: float, n: int = 5) -> list[float]:
    step = vmax / n
    return [i * step for i in range(n + 1)]


def tick_label(v: float, vmax: float, pct: bool = False) -> str:
    if pct:
        return f"{100 * v:.0f}%"
    if vmax >= 10:
        return f"{v:,.0f}"
    return f"{v:.2g}" if v else "0"


def _truncate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _hbars(
    categories: list[str],
    series: list[dict],
    *,
    title: str,
    pct: bool = False,
    vmax: float | None = None,
    width: int = 1000,
    label_w: int = 190,
    bar_h: int = 16,
    gap: int = 4,
    group_gap: int = 14,
    right_pad: int | None = None,
) -> dict:
    """Geometry of grouped horizontal bars: one group per category, one bar per series.

    Each series: ``name, color, values`` and optionally ``lo``/``hi`` (a whisker), ``marker``
    (a red tick, e.g. a target) and ``notes`` (text after the value). The template macro
    ``hbars`` of charts.html draws it.
    """
    value_fmt = _pct if pct else _exits
    finite = [v for s in series for key in ("values", "hi", "marker") for v in s.get(key, []) if not _missing(v)]
    vmax = vmax or nice_max(max(finite, default=1.0))
    top = 26 + 8  # below the legend
    group_h = len(series) * (bar_h + gap) - gap
    plot_h = len(categories) * (group_h + group_gap)
    if right_pad is None:
        right_pad = 150 if width >= 800 else 50
    plot_w = width - label_w - right_pad
    x = lambda v: label_w + plot_w * max(0.0, min(float(v), vmax)) / vmax  # noqa: E731

    legend, lx = [], label_w
    for s in series:
        legend.append({"x": lx, "text_x": lx + 20, "color": s["color"], "name": s["name"]})
        lx += 30 + 7.2 * len(s["name"])
    marker = None
    if any("marker" in s for s in series):
        marker = {"x": lx, "text_x": lx + 8, "name": next(s["marker_name"] for s in series if "marker" in s)}
    groups = []
    for i, cat in enumerate(categories):
        gy = top + i * (group_h + group_gap)
        bars = []
        for j, s in enumerate(series):
            v = s["values"][i]
            by = gy + j * (bar_h + gap)
            if _missing(v):
                bars.append({"missing": True, "y": by + bar_h - 4})
                continue
            bar = {"missing": False, "y": by, "w": f"{x(v) - label_w:.1f}", "color": s["color"], "name": s["name"],
                   "value": value_fmt(v), "whisker": None, "marker": None}
            end = x(v)
            if "lo" in s and not _missing(s["lo"][i]) and not _missing(s["hi"][i]):
                lo, hi = x(s["lo"][i]), x(s["hi"][i])
                bar["whisker"] = {"lo": f"{lo:.1f}", "hi": f"{hi:.1f}", "cy": by + bar_h / 2,
                                  "y1": by + 3, "y2": by + bar_h - 3}
                end = max(end, hi)
            if "marker" in s and not _missing(s["marker"][i]):
                mx = x(s["marker"][i])
                bar["marker"] = {"x": f"{mx:.1f}", "y1": by - 3, "y2": by + bar_h + 3}
                end = max(end, mx)
            note = s.get("notes", [None] * len(categories))[i]
            bar["text"] = value_fmt(v) + (f"  ·  {note}" if note else "")
            bar["text_x"] = f"{end + 6:.1f}"
            bar["text_y"] = by + bar_h - 3
            bars.append(bar)
        groups.append({"label": _truncate(cat, 26), "y": f"{gy + group_h / 2 + 4:.1f}", "bars": bars})
    return {
        "title": title, "width": width, "height": top + plot_h + 26, "label_w": label_w,
        "grid_y1": top - 4, "grid_y2": top + plot_h, "tick_y": top + plot_h + 16, "bar_h": bar_h,
        "ticks": [{"x": f"{x(t):.1f}", "label": tick_label(t, vmax, pct)} for t in ticks(vmax)],
        "legend": legend, "marker": marker, "groups": groups,
    }


def _curve_chart(cv: pd.DataFrame) -> dict:
    """Geometry of the budget-exits line (template macro ``curve`` of charts.html)."""
    xs = (cv["budget_vnd"].astype(float) / 1e9).to_numpy()
    ys = cv["added_exits"].astype(float).to_numpy()
    width, height = 1000, 380
    left, right, top, bottom = 70, 30, 20, 56
    pw, ph = width - left - right, height - top - bottom
    xmin, xmax = 0.0, nice_max(float(np.nanmax(xs)) if len(xs) else 1.0)
    ymax = nice_max(float(np.nanmax(ys)) if np.isfinite(ys).any() else 1.0)
    px = lambda v: left + pw * (v - xmin) / (xmax - xmin)  # noqa: E731
    py = lambda v: top + ph * (1 - v / ymax)  # noqa: E731
    current = None
    if "budget_multiplier" in cv:
        cur = cv[np.isclose(cv["budget_multiplier"].astype(float), 1.0)]
        if len(cur):
            cx = px(float(cur["budget_vnd"].iloc[0]) / 1e9)
            current = {"x": f"{cx:.1f}", "text_x": f"{cx + 6:.1f}"}
    ok = np.isfinite(xs) & np.isfinite(ys)
    unit = W["billion_vnd"][1]
    return {
        "title": bilingual(W["curve_chart"]), "width": width, "height": height,
        "left": left, "right_x": left + pw, "top": top, "bottom_y": top + ph,
        "yticks": [{"y": f"{py(t):.1f}", "label_y": f"{py(t) + 4:.1f}", "label": tick_label(t, ymax)}
                   for t in ticks(ymax)],
        "xticks": [{"x": f"{px(t):.1f}", "label": tick_label(t, xmax)} for t in ticks(xmax)],
        "label_x": left - 6, "tick_y": top + ph + 16,
        "x_title": {"x": left + pw / 2, "y": height - 10}, "y_title_y": top + ph / 2,
        "current": current, "current_y": top + ph - 8,
        "points": " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs[ok], ys[ok], strict=True)),
        "dots": [{"x": f"{px(a):.1f}", "y": f"{py(b):.1f}", "label_y": f"{py(b) - 9:.1f}",
                  "title": f"{a:.2f} {unit}: {b:.1f}", "label": _exits(b)}
                 for a, b in zip(xs[ok], ys[ok], strict=True)],
    }


# --------------------------------------------------------------------------------------------
# A policy sweep (compare --sweep)
# --------------------------------------------------------------------------------------------

#: One colour per strategy in the sweep chart (the first two those of the other charts).
SWEEP_COLOURS = (BLUE, ORANGE, "#38a169", "#805ad5", "#718096", "#b7791f")


def _sweep_key_words(key: str) -> tuple[str, str]:
    return SWEEP_WORDS["keys"].get(key, (key, key))


def _sweep_section(sw: pd.DataFrame, plan) -> dict:
    """The sweep's chart (exits against the swept value, one line per strategy) and table."""
    key = str(sw["sweep_key"].iloc[0])
    kw = _sweep_key_words(key)
    # added exits, as the budget curve: the exits without support are the same at every value
    # and would flatten the lines
    ycol = "added_exits"
    words = SWEEP_WORDS
    current = None
    settings = (plan.meta or {}).get("settings", {}).get("policy", {})
    if key == "budget_scale":
        current = 1.0
    elif key in settings:
        current = float(settings[key])
    bad = sw["status"].astype(str) == "infeasible"
    values = ", ".join(f"{float(v):g}" for v in dict.fromkeys(sw.loc[bad, "sweep_value"]))
    heads = [Cell(words=words["value"], form="br", num=True), _th("strategy"), _th("status"),
             *(_th(k, True) for k in ("supported", "spent_mvnd", "expected", "p10_p90", "added_exits",
                                       "share_ethnic_minority", "share_poor", "communes_meeting_target")),
             Cell(words=words["note"], form="br")]
    rows = []
    for r in sw.to_dict("records"):
        infeasible = str(r.get("status")) == "infeasible"
        rng = ("–" if _missing(r.get("exits_p10")) or _missing(r.get("exits_p90"))
               else f"{_int(r['exits_p10'])}–{_int(r['exits_p90'])}")
        rows.append(_row(
            _n(f"{float(r['sweep_value']):g}"), Cell(r["strategy"], form="b"),
            Cell(r.get("status", ""), cls="bad" if infeasible else ""),
            _n(_int(r.get("supported"))), _n(_mvnd(r.get("spent_vnd"))), _n(_num(r.get("expected_exits"))),
            _n(rng), _n(_num(r.get("added_exits"), 2)), _n(_pct(r.get("share_ethnic_minority"))),
            _n(_pct(r.get("share_poor"))), _n(_int(r.get("communes_meeting_target"))),
            Cell(r.get("note", "") if not _missing(r.get("note")) else ""),
            cls="current" if current is not None and np.isclose(float(r["sweep_value"]), current) else "",
        ))
    title = tuple(t.format(key=k) for t, k in zip(words["title"], kw, strict=True))
    chart_title = tuple(t.format(key=k) for t, k in zip(words["chart"], kw, strict=True))
    return {
        "title": title, "caption": words["caption"],
        "chart": _lines_chart(sw, ycol, bilingual(chart_title), x_title=bilingual(kw),
                              y_title=bilingual(words["y_axis"]), current=current),
        "infeasible": tuple(t.format(values=values) for t in words["infeasible"]) if values else None,
        "table": Table(heads, rows),
    }


def _lines_chart(sw: pd.DataFrame, ycol: str, title: str, *, x_title: str, y_title: str,
                 current: float | None) -> dict:
    """Geometry of the sweep chart (template macro ``lines`` of charts.html): one line per
    strategy through its feasible values, a red × on the axis at an infeasible value."""
    width, height = 1000, 400
    left, right, top, bottom = 70, 30, 40, 56
    pw, ph = width - left - right, height - top - bottom
    xs_all = sw["sweep_value"].astype(float).to_numpy()
    ok = (sw["status"].astype(str) != "infeasible").to_numpy() & np.isfinite(
        pd.to_numeric(sw[ycol], errors="coerce").to_numpy(dtype=float))
    xmin, xmax = float(np.min(xs_all)), float(np.max(xs_all))
    if current is not None and np.isfinite(current):
        xmin, xmax = min(xmin, current), max(xmax, current)
    if xmax <= xmin:
        xmin, xmax = xmin - 0.5, xmax + 0.5
    ys = pd.to_numeric(sw.loc[ok, ycol], errors="coerce").to_numpy(dtype=float)
    ymax = nice_max(float(np.nanmax(ys)) if len(ys) else 1.0)
    px = lambda v: left + pw * (v - xmin) / (xmax - xmin)  # noqa: E731
    py = lambda v: top + ph * (1 - v / ymax)  # noqa: E731
    series, legend = [], []
    for i, (name, g) in enumerate(sw.groupby("strategy", sort=False)):
        colour = SWEEP_COLOURS[i % len(SWEEP_COLOURS)]
        g = g.sort_values("sweep_value")
        good = g[(g["status"].astype(str) != "infeasible") & pd.to_numeric(g[ycol], errors="coerce").notna()]
        pts = [(px(float(a)), py(float(b))) for a, b in zip(good["sweep_value"], good[ycol], strict=True)]
        series.append({
            "colour": colour,
            "points": " ".join(f"{a:.1f},{b:.1f}" for a, b in pts),
            "dots": [{"x": f"{a:.1f}", "y": f"{b:.1f}", "title": f"{name} {float(v):g}: {_exits(y)}"}
                     for (a, b), v, y in zip(pts, good["sweep_value"], good[ycol], strict=True)],
        })
        legend.append({"name": str(name), "colour": colour, "x": left + 150 * i, "text_x": left + 150 * i + 18})
    crosses = [{"x": f"{px(float(v)):.1f}", "y": f"{top + ph:.1f}", "title": f"{float(v):g}"}
               for v in dict.fromkeys(sw.loc[sw["status"].astype(str) == "infeasible", "sweep_value"])]
    xt = sorted({float(v) for v in xs_all} | ({float(current)} if current is not None else set()))
    return {
        "title": title, "width": width, "height": height, "left": left, "right_x": left + pw,
        "top": top, "bottom_y": top + ph, "label_x": left - 6, "tick_y": top + ph + 16,
        "yticks": [{"y": f"{py(t):.1f}", "label_y": f"{py(t) + 4:.1f}", "label": tick_label(t, ymax)}
                   for t in ticks(ymax)],
        "xticks": [{"x": f"{px(t):.1f}", "label": f"{t:.3g}"} for t in xt],
        "x_title": {"x": left + pw / 2, "y": height - 10, "text": x_title},
        "y_title": {"y": top + ph / 2, "text": y_title},
        "current": None if current is None else {"x": f"{px(current):.1f}"},
        "series": series, "legend": legend, "crosses": crosses,
    }


def _more_money_section(meta: dict, plan, names: dict[str, str]) -> dict | None:
    """What more money would buy, per commune, in words (plan.json's ``more_money``)."""
    more = meta.get("more_money")
    words = more_money_words(more, names)
    if not words:
        return None
    order = [c for c in plan.summary["commune_id"].astype(str) if c in words] if len(plan.summary) else []
    order += [c for c in words if c not in order]
    p = (more.get("target") or {}).get("p", 0.8)
    intro = tuple(t.format(p=f"{100 * float(p):.0f}%") for t in MORE_MONEY_WORDS["intro"])
    return {"title": MORE_MONEY_WORDS["title"], "intro": intro, "sentences": [s for c in order for s in words[c]]}
