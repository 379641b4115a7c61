"""Run several strategies on one scenario and model, and set their outcomes side by side."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .data import Scenario
from .output.files import write_folder_atomically
from .plan import Plan, make_plan, resolve_model, scenario_gains, write_plan_files

__all__ = ["Comparison", "compare_strategies", "comparison_row", "budget_curve", "write_comparison"]

CURVE_MULTIPLIERS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


@dataclass
class Comparison:
    table: pd.DataFrame
    plans: dict[str, Plan]
    curve: pd.DataFrame | None


def comparison_row(plan: Plan) -> dict:
    """One row of comparison.csv for a plan."""
    a = plan.allocation
    s = plan.summary
    sup = a["project_id"] != ""
    h = plan.scenario.households.set_index("household_id")
    em = h["ethnic_minority"].reindex(a.loc[sup, "household_id"])
    fh = h["female_head"].reindex(a.loc[sup, "household_id"])
    spent = int(s["spent_vnd"].sum())
    has_p = s["expected_exits"].notna().all()
    added = float(a.loc[sup, "gain"].sum())
    met = s["p_target_met"]
    return {
        "strategy": plan.strategy,
        "status": plan.meta["status"],
        "supported": int(sup.sum()),
        "spent_vnd": spent,
        "expected_exits": float(s["expected_exits"].sum()) if has_p else np.nan,
        "exits_p10": int(s["exits_p10"].sum()) if has_p else np.nan,
        "exits_p90": int(s["exits_p90"].sum()) if has_p else np.nan,
        "added_exits": added,
        "exits_per_billion_vnd": added / (spent / 1e9) if spent else 0.0,
        "share_ethnic_minority": float(em.mean()) if len(em) else np.nan,
        "share_female_head": float(fh.mean()) if len(fh) else np.nan,
        "share_poor": float((a.loc[sup, "status"] == "poor").mean()) if sup.any() else np.nan,
        "communes_meeting_target": int((met >= 0.5).sum()) if met.notna().any() else np.nan,
        "objective": plan.meta["objective"],
        "bound": plan.meta["bound"],
        "gap": plan.meta["gap"],
        "solve_seconds": plan.meta["solve_seconds"],
    }


def budget_curve(
    scenario: Scenario,
    gains: pd.DataFrame,
    scores: pd.DataFrame | None,
    *,
    strategy: str = "optimal",
    multipliers=CURVE_MULTIPLIERS,
    time_limit_s: float | None = None,
    progress=None,
    engine=None,
) -> pd.DataFrame:
    """Added and expected exits as every commune's budget is scaled, by re-solving."""
    rows = []
    limit = time_limit_s if time_limit_s is not None else min(scenario.settings.time_limit_s, 20.0)
    for m in multipliers:
        communes = scenario.communes.copy()
        communes["budget_vnd"] = (communes["budget_vnd"] * m).round().astype("int64")
        sc = replace(scenario, communes=communes)
        total = scenario.settings.province_budget_vnd
        if total is not None and scenario.settings.budget_split != "fixed":  # scaled alike
            sc = replace(sc, settings=replace(sc.settings, province_budget_vnd=round(total * m)))
        if progress:
            progress(f"budget curve: {m:g} x budget")
        p = make_plan(sc, model_source="shared", gains=gains, scores=scores, strategy=strategy,
                      time_limit_s=limit, engine=engine)
        rows.append(
            {
                "budget_multiplier": m,
                "budget_vnd": int(communes["budget_vnd"].sum()),
                "spent_vnd": int(p.summary["spent_vnd"].sum()),
                "supported": int(p.summary["supported"].sum()),
                "added_exits": float(p.meta["objective"]),
                "expected_exits": float(p.summary["expected_exits"].sum()),
                "status": p.meta["status"],
            }
        )
    return pd.DataFrame(rows)


def compare_strategies(
    scenario: Scenario,
    strategies: list[str],
    *,
    model_path=None,
    time_limit_s: float | None = None,
    curve: bool = True,
    progress=None,
    engine=None,
    splits: list[str] | None = None,
) -> Comparison:
    """Plan ``scenario`` with each strategy, sharing one model and one gains table.

    ``splits`` (of :data:`targeting.config.BUDGET_SPLITS`): each strategy under each province
    budget split in turn (plans named ``<strategy>-<split>``; a baseline is not run under
    ``optimal``, which would give it the proportional split again). comparison.csv's
    ``budget_split`` says which split a row used.

    ``engine`` (:mod:`targeting.engine`) is used for scoring and every optimal solve.
    """
    model, source = resolve_model(scenario, model_path, progress)
    gains, scores = scenario_gains(scenario, model, engine=engine)
    plans: dict[str, Plan] = {}
    for s in strategies:
        for split in splits or [None]:
            if split == "optimal" and s != "optimal":
                continue  # a baseline cannot choose shares: it would repeat its proportional row
            if progress:
                progress(f"strategy {s}" + (f", {split} budget split" if split else ""))
            sc = scenario if split is None else replace(
                scenario, settings=replace(scenario.settings, budget_split=split))
            plans[s if split is None else f"{s}-{split}"] = make_plan(
                sc, model=model, model_source=source, gains=gains, scores=scores, strategy=s,
                time_limit_s=time_limit_s, engine=engine)
    table = pd.DataFrame([comparison_row(p) for p in plans.values()])
    # which province budget split each row used (the scenario's own, unless ``splits``)
    table["budget_split"] = [p.scenario.settings.budget_split for p in plans.values()]
    cv = None
    if curve:
        cv = budget_curve(scenario, gains, scores, strategy="optimal" if "optimal" in strategies else strategies[0],
                          time_limit_s=time_limit_s, progress=progress, engine=engine)
    return Comparison(table=table, plans=plans, curve=cv)


def write_comparison(c: Comparison, out: str | Path, *, force: bool = False) -> Path:
    """comparison.csv, budget_curve.csv, report.html and one plan folder per strategy."""
    from .output.files import safe_csv

    def write(tmp: Path) -> None:
        safe_csv(c.table, tmp / "comparison.csv")
        if c.curve is not None:
            safe_csv(c.curve, tmp / "budget_curve.csv")
        first = next(iter(c.plans.values()))
        write_plan_files(first, tmp, comparison=c.table, curve=c.curve, files=("report.html",))
        for name, p in c.plans.items():
            sub = tmp / name
            sub.mkdir()
            write_plan_files(p, sub, files=("allocation.csv", "summary.csv", "plan.json"))

    return write_folder_atomically(out, write, force=force)
