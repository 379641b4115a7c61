"""report.html of a review folder: what the plan forecast and what happened, for people.

The same page style as the plan's report (:mod:`.html`: its template environment, CSS, table
cells), one self-contained offline page. It shows, in this order: one sentence on the whole plan,
forecast against outcome per commune (a chart of each commune's band, forecast and outcome, and
the table), exit rates of supported and unsupported households by kind, with the follow-up how
right the chances were (a reliability chart), the movements on the register, and the notes.
Words come from :data:`targeting.labels.REVIEW_LABELS`; the markup is in
``templates/review.html``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..labels import KIND_LABELS, PAGE_LABELS, REVIEW_LABELS, STATUS_LABELS, bilingual
from .html import ENV, Cell, Table, nice_max, tick_label, ticks

__all__ = ["write_review_report", "render_review_report"]

R = REVIEW_LABELS
#: Chart sizes (px).
WIDTH, LABEL_W, ROW_H = 760, 170, 30
CAL_SIZE, CAL_PAD = 360, 52


def write_review_report(review, path: str | Path) -> Path:
    """Write the review's HTML page to ``path`` (``review``: :class:`targeting.review.Review`)."""
    path = Path(path)
    path.write_text(render_review_report(review), encoding="utf-8")
    return path


def render_review_report(review) -> str:
    s = review.summary
    names = _names(review)
    return ENV.get_template("review.html").render(
        R=R,
        subtitle=tuple(t.format(year=s["plan"].get("year", ""), strategy=s["plan"].get("strategy", ""))
                       for t in R["subtitle"]),
        version=review.plan.meta.get("version", ""),
        headline=_headline(s),
        measure=R["measure_sustained"] if s["measure"] == "sustained_exit" else R["measure_one_year"],
        band_chart=_band_chart(s, names),
        communes=_communes_table(s, names),
        inside=(tuple(t.format(share=f"{s['share_inside_band']:.0%}") for t in R["inside_share"])
                if s.get("share_inside_band") is not None else None),
        rates=_rates_table(s),
        calibration=_calibration_chart(s.get("calibration")),
        transitions=_transitions_table(review.transitions, names),
        notes=s.get("notes") or [],
        technical=json.dumps({k: v for k, v in s.items() if k not in ("communes",)}, indent=1,
                             ensure_ascii=False),
    )


def _names(review) -> dict[str, str]:
    """Commune names as review.json has them (the ids where the scenario could not be read)."""
    return {c: v.get("name", c) for c, v in review.summary["communes"].items()}


def _verdict(v: dict) -> str:
    if v["exits"] < v["exits_p10"]:
        return "below"
    if v["exits"] > v["exits_p90"]:
        return "above"
    return "inside"


def _headline(s: dict) -> tuple[str, str]:
    a = s["all"]
    if "expected_exits" not in a:
        return tuple(t.format(exits=a["exits"], households=a["households"]) for t in R["no_forecast"])
    verdict = R[_verdict(a)]
    return tuple(t.format(expected=f"{a['expected_exits']:.0f}", lo=a["exits_p10"], hi=a["exits_p90"],
                          exits=a["exits"], verdict=verdict[i]) for i, t in enumerate(R["all_sentence"]))


def _x(v: float, vmax: float) -> float:
    return round(LABEL_W + (WIDTH - LABEL_W - 20) * (v / vmax if vmax > 0 else 0), 1)


def _band_chart(s: dict, names: dict[str, str]) -> dict | None:
    rows = [(c, v) for c, v in s["communes"].items() if "expected_exits" in v]
    if not rows:
        return None
    vmax = nice_max(max(max(v["exits_p90"], v["exits"], v["expected_exits"]) for _, v in rows))
    out = []
    for i, (c, v) in enumerate(rows):
        y = 20 + i * ROW_H
        out.append({
            "label": names.get(c, c), "y": y, "ty": y + 14,
            "lo": _x(v["exits_p10"], vmax), "w": round(_x(v["exits_p90"], vmax) - _x(v["exits_p10"], vmax), 1),
            "mid": _x(v["expected_exits"], vmax), "dot": _x(v["exits"], vmax), "cy": y + 10,
            "inside": v["inside_band"], "text": f"{v['exits']} / {v['expected_exits']:.0f}",
        })
    axis_y = 20 + len(rows) * ROW_H
    return {"width": WIDTH, "height": 40 + len(rows) * ROW_H, "title": bilingual(R["forecast_title"]),
            "rows": out, "ticks": [{"x": _x(t, vmax), "label": tick_label(t, vmax)} for t in ticks(vmax)],
            "axis_y": axis_y, "label_y": axis_y + 14, "label_w": LABEL_W}


def _communes_table(s: dict, names: dict[str, str]) -> Table:
    heads = [Cell(words=PAGE_LABELS["commune"], form="br"), Cell(words=R["households"], form="br", num=True),
             Cell(words=R["forecast"], form="br", num=True), Cell(words=R["range"], form="br", num=True),
             Cell(words=R["happened"], form="br", num=True), Cell(words=R["verdict"], form="br")]
    rows = []
    for c, v in [*s["communes"].items(), ("", s["all"])]:
        label = names.get(c, c) if c else bilingual(PAGE_LABELS["total"])
        if "expected_exits" in v:
            cells = [Cell(f"{v['expected_exits']:.1f}", num=True),
                     Cell(f"{v['exits_p10']}-{v['exits_p90']}", num=True), Cell(v["exits"], num=True),
                     Cell(words=R[_verdict(v)], form="bi")]
        else:
            cells = [Cell("–", num=True), Cell("–", num=True), Cell(v["exits"], num=True), Cell("–")]
        rows.append(("total" if not c else "", [Cell(label), Cell(v["households"], num=True), *cells]))
    return Table(heads, rows)


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _rates_table(s: dict) -> Table:
    a = s["all"]
    heads = [Cell(words=R["support"], form="br"), Cell(words=R["households"], form="br", num=True),
             Cell(words=R["exit_rate"], form="br", num=True), Cell(words=R["forecast_rate"], form="br", num=True)]
    rows = []
    for kind, v in a["by_kind"].items():
        rows.append(("", [Cell(words=KIND_LABELS.get(kind, (kind, kind)), form="bi"),
                          Cell(v["households"], num=True), Cell(_pct(v["exit_rate"]), num=True),
                          Cell(_pct(v["forecast_rate"]), num=True)]))
    unsupported = a["households"] - a["supported"]
    rows.append(("", [Cell(words=R["none"], form="bi"), Cell(unsupported, num=True),
                      Cell(_pct(a["exit_rate_unsupported"]), num=True),
                      Cell(_pct(a.get("forecast_rate_unsupported")), num=True)]))
    return Table(heads, rows)


def _calibration_chart(cal: dict | None) -> dict | None:
    if not cal or not cal.get("reliability"):
        return None
    size, pad = CAL_SIZE, CAL_PAD
    span = size - 2 * pad
    top = max(b["n"] for b in cal["reliability"])
    dots = []
    for b in cal["reliability"]:
        dots.append({"x": round(pad + span * b["mean_predicted"], 1),
                     "y": round(size - pad - span * b["observed_rate"], 1),
                     "r": round(3 + 9 * (b["n"] / top) ** 0.5, 1),
                     "title": f"{b['bin']}: {b['n']} · {_pct(b['mean_predicted'])} → {_pct(b['observed_rate'])}"})
    marks = [{"v": round(pad + span * t, 1), "label": f"{t:.0%}"} for t in (0, 0.25, 0.5, 0.75, 1.0)]
    return {"size": size, "width": size, "height": size, "title": bilingual(R["calibration_title"]),
            "pad": pad, "end": size - pad, "dots": dots, "ticks": marks}


def _transitions_table(t, names: dict[str, str]) -> Table:
    cols = [c for c in ("households", "to_poor", "to_near_poor", "off_register", "new_on_register", "moved",
                        "fell_back", "sustained_exits") if c in t.columns]
    heads = [Cell(words=PAGE_LABELS["commune"], form="br"), Cell(words=R["status"], form="br"),
             *(Cell(words=R[c], form="br", num=True) for c in cols)]
    rows = []
    for r in t.itertuples(index=False):
        rows.append(("", [Cell(names.get(r.commune_id, r.commune_id)),
                          Cell(words=STATUS_LABELS.get(r.status, (r.status, r.status)), form="bi"),
                          *(Cell(f"{int(getattr(r, c)):,}", num=True) for c in cols)]))
    total = [Cell(bilingual(PAGE_LABELS["total"])), Cell("")] + [Cell(f"{int(t[c].sum()):,}", num=True) for c in cols]
    rows.append(("total", total))
    return Table(heads, rows)
