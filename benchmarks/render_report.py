"""Render report.html to PNG with headless Chromium, and time the Excel lists at scale.

Usage::

    python benchmarks/render_report.py                      # a synthetic plan -> report.png
    python benchmarks/render_report.py PLAN_DIR/report.html  # an existing report
    python benchmarks/render_report.py --households 100000   # also time beneficiaries.xlsx

Needs Chromium (Debian: ``apt-get install -y chromium``). The synthetic plan is built from hand-made
tables (no model, no solver) so this script runs on its own.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def render(html_path: str | Path, png_path: str | Path, *, width: int = 1300, height: int = 2400,
           timeout: float = 120.0) -> Path:
    """Screenshot ``html_path`` to ``png_path`` with headless Chromium; raises if it fails."""
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium not found (apt-get install -y chromium)")
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png_path}",
               f"--window-size={width},{height}", html_path.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if not png_path.exists() or png_path.stat().st_size == 0:
        raise RuntimeError(f"chromium did not write {png_path}: rc={proc.returncode}\n{proc.stderr[-2000:]}")
    return png_path


def _render_from(html_path: Path, out: str, start: str, width: int, height: int) -> Path:
    if not start:
        return render(html_path, out, width=width, height=height)
    text = Path(html_path).read_text(encoding="utf-8")
    i, j = text.find("<main>"), text.find(f'<h2 id="{start}"')
    if i < 0 or j < 0:
        raise SystemExit(f"no section {start!r} in {html_path}")
    with tempfile.TemporaryDirectory() as tmp:
        cut = Path(tmp) / "report.html"
        cut.write_text(text[: i + len("<main>")] + text[j:], encoding="utf-8")
        return render(cut, out, width=width, height=height)


def synthetic_plan(households: int = 1500, communes: int = 3, seed: int = 0):
    """A plausible Plan built from random tables (no model or solver), for rendering and timing."""
    from targeting.data import Scenario
    from targeting.labels import NOT_SUPPORTED
    from targeting.outcomes import commune_outcomes, group_outcomes
    from targeting.plan import Plan

    rng = np.random.default_rng(seed)
    names = ["Phong Quang", "Thượng Quan", "Hiệp Lực", "Bằng Vân", "Đồng Hỷ", "Na Rì", "Chợ Đồn", "Bạch Thông"]
    cids = [f"c{i:02d}" for i in range(communes)]
    cnames = [names[i % len(names)] + ("" if i < len(names) else f" {i}") for i in range(communes)]
    n_per = np.full(communes, households // communes)
    n_per[: households % communes] += 1
    hh_total = (n_per * rng.uniform(2.5, 6, communes)).astype(int)
    budget = np.zeros(communes, dtype="int64")  # set below from what the plan spends
    c = pd.DataFrame({"commune_id": cids, "name": cnames, "province": "Thái Nguyên",
                      "area_type": "difficult", "households_total": hh_total, "budget_vnd": budget})
    commune = np.repeat(cids, n_per)
    hid = [f"{cm.upper()}-{i:06d}" for i, cm in enumerate(commune)]
    villages = np.array(["Bản Giang", "Nà Lạn", "Khuổi Slẻ", "Pác Cáp", "Nà Ngần", "Cốc Lào"])
    status = rng.choice(["poor", "near_poor"], size=households, p=[0.6, 0.4])
    h = pd.DataFrame({
        "household_id": hid, "commune_id": commune, "village": rng.choice(villages, households),
        "status": status, "income_vnd": rng.integers(500_000, 2_000_000, households),
        "ethnic_minority": rng.integers(0, 2, households), "female_head": (rng.random(households) < 0.3).astype(int),
    })
    c["target_poor"] = [int((status[commune == cm] == "poor").sum() * 0.85) for cm in cids]
    kinds = ["livestock", "crop", "value_chain", "community", "vocational", "labour_export"]
    pnames = ["Hỗ trợ nuôi bò sinh sản", "Trồng cây ăn quả", "Liên kết chè", "Chăn nuôi lợn đen",
              "Đào tạo nghề", "Xuất khẩu lao động"]
    costs = [25_000_000, 8_000_000, 12_000_000, 10_000_000, 4_500_000, 41_500_000]
    projects = pd.DataFrame([
        {"project_id": f"{cm}-{k}", "commune_id": cm, "name": n, "kind": k,
         "cooperative_id": "htx_che" if k == "value_chain" else "", "cost_vnd": cost, "slots": 10_000}
        for cm in cids for k, n, cost in zip(kinds, pnames, costs, strict=True)
    ])
    coops = pd.DataFrame({"cooperative_id": ["htx_che"], "name": ["HTX Chè Trại Cài"], "sector": ["tea"],
                          "capacity": [10_000], "min_households": [0]})
    p_base = rng.beta(2, 6, households)
    k = rng.integers(0, len(kinds), households)
    gain = rng.uniform(0.0, 0.25, households)
    supported = rng.random(households) < 0.25
    a = h[["household_id", "commune_id", "village", "status"]].copy()
    a["project_id"] = np.where(supported, [f"{cm}-{kinds[i]}" for cm, i in zip(commune, k, strict=True)], "")
    a["cooperative_id"] = np.where(supported & (k == 2), "htx_che", "")
    a["cost_vnd"] = pd.array(np.where(supported, np.take(costs, k), 0), dtype="Int64")
    a.loc[~supported, "cost_vnd"] = pd.NA
    a["p_exit_base"] = p_base
    a["p_exit_plan"] = np.where(supported, np.minimum(p_base + gain, 0.99), p_base)
    a["gain"] = np.where(supported, a["p_exit_plan"] - p_base, 0.0)
    a["kind"] = np.where(supported, np.take(kinds, k), "")
    a["project_name"] = np.where(supported, np.take(pnames, k), "")
    keys = [key for key in NOT_SUPPORTED if key not in ("not_listed",)]
    a["reason_key"] = np.where(supported, "supported", rng.choice(keys, households))
    a["best_project_id"] = [f"{cm}-{kinds[i]}" for cm, i in zip(commune, k, strict=True)]
    a["best_gain"] = gain
    a["capacity"] = p_base + gain
    a["capacity_rank"] = pd.array(np.arange(1, households + 1), dtype="Int64")
    a["_tier"] = (~supported).astype(int)
    a = a.sort_values(["commune_id", "_tier", "gain", "best_gain"], ascending=[True, True, False, False])
    a = a.drop(columns="_tier").reset_index(drop=True)
    a["priority"] = a.groupby("commune_id").cumcount() + 1
    a["reasons_vi"] = np.where(a["project_id"] != "",
                               "được hỗ trợ: " + a["project_name"] + "; 3 người trong độ tuổi lao động (+)",
                               "chưa được hỗ trợ vì: hết kinh phí; thu nhập 900.000 đồng/người/tháng (-)")
    a["reasons_en"] = np.where(a["project_id"] != "",
                               "supported: " + a["project_name"] + "; 3 working-age members (+)",
                               "not supported because: budget used up; income 900,000 VND per person per month (-)")
    # Budgets a little above what the random assignment spends, as a real plan would show.
    spent = a.groupby("commune_id")["cost_vnd"].sum().reindex(cids).fillna(0).astype("int64").to_numpy()
    c["budget_vnd"] = (spent * rng.uniform(1.0, 1.05, communes) // 1e6 * 1e6).astype("int64") + 1_000_000
    summary = commune_outcomes(a, c)
    groups = {by: group_outcomes(a, h, by) for by in ("ethnic_minority", "female_head", "village")}
    meta = {"strategy": "optimal", "status": "optimal", "objective": float(a["gain"].sum()),
            "bound": float(a["gain"].sum()) * 1.00005, "gap": 5e-5, "solve_seconds": 3.21,
            "model": {"name": "targeting-exit-model", "source": "history.csv",
                      "metrics": {"cv_folds": 3, "brier": 0.1395, "log_loss": 0.4391, "ece": 0.0073}},
            "settings": {"plan": {"year": 2026}}, "version": "synthetic", "households": households,
            "warnings": ["synthetic plan for rendering: numbers are random"]}
    scenario = Scenario(path=Path("."), communes=c, households=h, projects=projects, cooperatives=coops,
                        history=None, gains=None, settings=None)
    return Plan(scenario=scenario, strategy="optimal", allocation=a, summary=summary, groups=groups,
                meta=meta, result=None)


def synthetic_comparison(plan):
    rng = np.random.default_rng(1)
    base = float(plan.summary["expected_exits"].sum()) - float(plan.summary["added_exits"].sum())
    spent = int(plan.summary["spent_vnd"].sum())
    rows = []
    for s, f in [("optimal", 1.0), ("greedy", 0.9), ("capacity", 0.7), ("poorest", 0.5), ("lottery", 0.4)]:
        added = float(plan.summary["added_exits"].sum()) * f
        rows.append({"strategy": s, "status": "optimal" if s == "optimal" else "feasible",
                     "supported": int(plan.summary["supported"].sum() * rng.uniform(0.9, 1.1)), "spent_vnd": spent,
                     "expected_exits": base + added, "exits_p10": int(base + added - 12),
                     "exits_p90": int(base + added + 12), "added_exits": added,
                     "exits_per_billion_vnd": added / (spent / 1e9), "share_ethnic_minority": rng.uniform(0.3, 0.6),
                     "share_female_head": rng.uniform(0.2, 0.4), "share_poor": rng.uniform(0.5, 0.8),
                     "communes_meeting_target": int(rng.integers(0, 3)), "objective": added, "bound": None,
                     "gap": None, "solve_seconds": 0.1})
    curve = pd.DataFrame({"budget_multiplier": [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0]})
    total = float(plan.summary["budget_vnd"].sum())
    curve["budget_vnd"] = (curve["budget_multiplier"] * total).astype("int64")
    curve["spent_vnd"] = (curve["budget_vnd"] * 0.99).astype("int64")
    curve["supported"] = (curve["budget_multiplier"] * plan.summary["supported"].sum()).astype(int)
    full = float(plan.summary["added_exits"].sum())
    curve["added_exits"] = full * (1 - np.exp(-1.6 * curve["budget_multiplier"])) / (1 - np.exp(-1.6))
    curve["expected_exits"] = base + curve["added_exits"]
    curve["status"] = "optimal"
    return pd.DataFrame(rows), curve


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="?", help="an existing report.html; default: render a synthetic plan")
    ap.add_argument("--out", default="report.png")
    ap.add_argument("--households", type=int, default=0, help="also time beneficiaries.xlsx at this size")
    ap.add_argument("--width", type=int, default=1300)
    ap.add_argument("--height", type=int, default=2400)
    ap.add_argument("--from", dest="start", default="", help="screenshot from this section on (status, "
                    "communes, comparison, curve, equity, reasons, warnings): long reports do not fit one shot")
    args = ap.parse_args(argv)

    if args.households:
        from targeting.output.excel import write_beneficiaries
        from targeting.output.html import write_report

        plan = synthetic_plan(args.households, communes=max(3, args.households // 5000))
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            write_beneficiaries(plan, Path(tmp) / "beneficiaries.xlsx")
            t1 = time.perf_counter()
            write_report(plan, Path(tmp) / "report.html")
            t2 = time.perf_counter()
            size = (Path(tmp) / "beneficiaries.xlsx").stat().st_size
        print(f"{args.households} households: beneficiaries.xlsx {t1 - t0:.1f} s ({size / 1e6:.1f} MB), "
              f"report.html {t2 - t1:.2f} s")

    if args.html:
        html_path = Path(args.html)
        png = _render_from(html_path, args.out, args.start, args.width, args.height)
    else:
        from targeting.output.html import write_report

        plan = synthetic_plan()
        comparison, curve = synthetic_comparison(plan)
        with tempfile.TemporaryDirectory() as tmp:
            html_path = write_report(plan, Path(tmp) / "report.html", comparison=comparison, curve=curve)
            png = _render_from(html_path, args.out, args.start, args.width, args.height)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
