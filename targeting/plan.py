"""The main job end to end: scenario -> model -> gains -> strategy -> outcomes -> plan folder.

The library entry points are :func:`make_plan` (compute) and :func:`write_plan` (write the plan
folder atomically). The command line only calls these.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .allocation import AllocationResult, run_strategy
from .allocation.prices import DecisionPrices, price_decisions
from .allocation.split import split_bounds
from .config import STRATEGIES, bundled_model
from .data import Scenario
from .data.decisions import DecisionPairs, decision_pairs, decisions_by_household
from .data.eligibility import eligible_pairs, ineligibility_reasons
from .data.files import sha256_bytes
from .data.schema import income_key, wanted_kinds
from .errors import OverlapWarning, ScenarioError
from .labels import KIND_LABELS, NOT_SUPPORTED, REASON_TEXTS
from .more_money import more_money
from .outcomes import commune_outcomes, group_outcomes
from .output.excel import write_beneficiaries
from .output.files import REVIEWED_OUTPUTS, safe_csv, write_folder_atomically
from .output.html import write_report
from .scoring import (
    gains_for_pairs,
    history_fingerprint,
    load_model,
    score_households,
    train_model,
)

__all__ = ["Plan", "make_plan", "score_scenario", "write_plan", "resolve_model", "scenario_gains", "ALLOCATION_COLUMNS"]

log = logging.getLogger(__name__)

ALLOCATION_COLUMNS = [
    "household_id", "commune_id", "village", "status", "project_id", "cooperative_id", "cost_vnd",
    "p_exit_base", "p_exit_plan", "gain", "priority",
]
Progress = Callable[[str], None]


@dataclass
class Plan:
    """A computed plan: the tables of the plan folder and what produced them."""

    scenario: Scenario
    strategy: str
    allocation: pd.DataFrame
    summary: pd.DataFrame
    groups: dict[str, pd.DataFrame]
    #: What plan.json holds: strategy, status, objective, bound, gap, solve time, inputs, model,
    #: settings, version, warnings and the solver's details.
    meta: dict
    result: AllocationResult
    scores: pd.DataFrame | None = None
    gains: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Model and gains
# --------------------------------------------------------------------------------------------


def resolve_model(scenario: Scenario, model_path: str | Path | None = None, progress: Progress | None = None):
    """The model a plan uses: ``model_path``, else trained on history.csv, else the bundled one.

    Returns ``(model, source)``; ``(None, "gains.csv")`` when the scenario supplies gains.
    """
    if scenario.gains is not None:
        if model_path is not None:
            raise ScenarioError(
                "the scenario has gains.csv, which replaces the model; leave out --model "
                "or remove gains.csv"
            )
        return None, "gains.csv"
    if model_path is not None:
        _say(progress, f"loading model {model_path}")
        return load_model(model_path), str(model_path)
    if scenario.history is not None:
        cached = _bundled_model_for(scenario.history, scenario.households, scenario.settings.seed)
        if cached is not None:
            # The bundled model was trained on this very history with this seed and this version:
            # training again would give the same model (tests/test_plan.py, test_bundled_model_is_what_training_on_the_sample_gives, checks it).
            _say(progress, "history.csv is the bundled model's training data; reusing that model")
            return load_model(cached), "history.csv (bundled model trained on it)"
        _say(progress, f"training the scoring model on history.csv ({len(scenario.history)} rows)")
        model = train_model(scenario.history, seed=scenario.settings.seed, households=scenario.households)
        return model, "history.csv"
    path = bundled_model()
    _say(progress, "using the bundled model")
    return load_model(path), f"bundled:{path.name}"


def _bundled_model_for(history: pd.DataFrame, households: pd.DataFrame, seed: int) -> Path | None:
    """The bundled model folder if it was trained on ``history`` with ``seed`` by this version,
    with the features ``history`` shares with ``households``."""
    folder = bundled_model()
    try:
        card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    td = card.get("training_data", {})
    same = (
        td.get("sha256") == history_fingerprint(history)
        and card.get("seed") == seed
        and card.get("libraries", {}).get("targeting") == __version__
        and card.get("parameters", {}).get("learner", "auto") == "auto"
        and card.get("parameters", {}).get("features") == [c for c in history.columns if c in households.columns]
    )
    return folder if same else None


def scenario_gains(scenario: Scenario, model, engine=None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The eligible (household, project) pairs with their gains and costs, and the scores.

    ``engine`` (:mod:`targeting.engine`) scores households in partitions; the tables are the
    same as without it.

    With a model: every pair the programme rules allow, ``gain = P(exit | project kind) -
    P(exit | no support)``. With gains.csv: the listed pairs that the rules also allow, gains as
    given, ``cost_vnd`` from the file where given, else from the project.
    """
    h, p = scenario.households, scenario.projects
    consent = scenario.settings.consent
    pairs = eligible_pairs(h, p, consent=consent)
    if model is None:
        g = scenario.gains
        merged = pairs.merge(
            g.rename(columns={"cost_vnd": "cost_override"}), on=["household_id", "project_id"], how="inner"
        )
        dropped = len(g) - len(merged)
        if "cost_override" in merged:
            merged["cost_vnd"] = merged["cost_override"].fillna(merged["cost_vnd"]).astype("int64")
            merged = merged.drop(columns="cost_override")
        merged["p_exit_base"] = np.nan
        merged["p_exit_with"] = np.nan
        merged.attrs["dropped_pairs"] = int(dropped)
        return merged.reset_index(drop=True), None
    model.check_features(h)
    gains = gains_for_pairs(model, h, pairs, engine=engine)
    # gains_for_pairs has warned about overlap for every kind any household may get; the
    # scores' kinds are a subset of those, so their warnings would only repeat it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)
        scores = score_households(model, h, p, engine=engine, consent=consent)
    return gains, scores


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def score_scenario(scenario: Scenario, model_path: str | Path | None = None,
                   progress: Progress | None = None, engine=None) -> pd.DataFrame:
    """Rank the scenario's households by their capacity to exit poverty sustainably, with reasons.

    The model is resolved as for a plan (:func:`resolve_model`), except that ``gains.csv`` does
    not replace it: scores need a model even where the allocation would use supplied gains.
    """
    if scenario.gains is not None and model_path is None:
        scenario = replace(scenario, gains=None)
    model, _ = resolve_model(scenario, model_path, progress)
    model.check_features(scenario.households)
    return score_households(model, scenario.households, scenario.projects, engine=engine,
                            consent=scenario.settings.consent)


def make_plan(
    scenario: Scenario,
    *,
    model=None,
    model_source: str | None = None,
    model_path: str | Path | None = None,
    strategy: str | None = None,
    time_limit_s: float | None = None,
    gains: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    progress: Progress | None = None,
    engine=None,
    decisions: pd.DataFrame | None = None,
    start: pd.DataFrame | None = None,
    start_bound: float | None = None,
    lists: bool = True,
    decompose: bool | str | None = None,
) -> Plan:
    """Compute the plan of ``strategy`` (default: the scenario's, ``optimal``).

    ``model``/``gains``/``scores`` may be passed in to share them between strategies (compare).
    ``engine`` (:mod:`targeting.engine`; ``None`` = this machine) scores households in
    partitions and solves the optimizer's per-commune subproblems as tasks; results are merged
    in a fixed order, so the same scenario and seed give the same plan on every engine.
    ``decisions`` (checked, :func:`targeting.data.decisions.read_decisions`; default: the
    scenario's decisions.csv) are honoured: the plan is optimal around them, and the same
    scenario is solved again without them for ``plan.json``'s ``decisions`` block.
    ``start``/``start_bound``: an earlier plan's assignment and a bound known to hold here (a
    sweep, :mod:`targeting.compare`; see :func:`targeting.allocation.run_strategy`).
    ``lists=False`` leaves out what only the lists and the report read (each household's
    reasons in words, the groups): a sweep's rows need the plan's numbers only.
    ``decompose``: how the optimizer splits the model
    (:func:`targeting.allocation.solve_optimal`).
    """
    strategy = strategy or scenario.settings.strategy
    if strategy not in STRATEGIES:
        raise ScenarioError(f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    settings = scenario.settings
    if time_limit_s is not None:
        settings = replace(settings, time_limit_s=float(time_limit_s))
    if settings.budget_split != "fixed":  # bounds that cannot be met: exit 3 before any training
        split_bounds(scenario.communes["commune_id"].to_numpy(),
                     scenario.communes["budget_vnd"].to_numpy(), settings)
    if gains is None:
        if model is None and model_source is None:
            model, model_source = resolve_model(scenario, model_path, progress)
        _say(progress, "computing gains for eligible household-project pairs")
        gains, scores = scenario_gains(scenario, model, engine=engine)
    capacity = _capacity(gains, scores)
    decisions = scenario.decisions if decisions is None else decisions
    pairs = None if decisions is None else decision_pairs(decisions, scenario.projects)
    if pairs is not None:
        _check_assigned_pairs(pairs, gains)
    _say(progress, f"allocating with strategy {strategy}")
    t0 = time.perf_counter()

    def allocate(**decided) -> AllocationResult:
        return run_strategy(
            strategy,
            scenario.households,
            scenario.projects,
            scenario.cooperatives,
            scenario.communes,
            gains[["household_id", "project_id", "gain", "cost_vnd"]],
            settings,
            capacity=capacity,
            engine=engine,
            start=start,
            start_bound=start_bound,
            decompose=decompose,
            **decided,
        )

    result = allocate() if pairs is None else allocate(forced=pairs.forced, removed=pairs.removed)
    log.info("strategy %s: status %s, objective %.4f in %.2fs", strategy, result.status, result.objective,
             time.perf_counter() - t0)
    allocation = _allocation_table(scenario, gains, scores, result, reasons=lists)
    if pairs is not None:
        allocation = _with_decisions(allocation, decisions, pairs, gains)
    summary = _summary(allocation, scenario.communes, result)
    groups = {
        by: group_outcomes(allocation, scenario.households, by)
        for by in ("ethnic_minority", "female_head", "village")
    } if lists else {}
    meta = _meta(scenario, strategy, settings, result, model, model_source, gains)
    if "budget_split" in result.details:  # plan.json says how the province's money was split
        meta["budget_split"] = result.details.pop("budget_split")
    if strategy == "optimal" and lists:
        _say(progress, "what more money would buy: re-solving each commune at other budgets")
        more = more_money(result, scenario, gains, allocation, summary, settings, search=pairs is None)
        if more is not None:
            meta["more_money"] = more
    if pairs is not None:
        _say(progress, "solving the groups of communes the decisions touch again without them, "
                       "and pricing each decision")
        # Under a province budget split the decisions are priced with each commune's share as
        # its budget (the split held where the plan put it): groups of communes stay separate
        # problems, as the pricing needs
        price_communes, price_settings = scenario.communes, settings
        if "budget_split" in meta:
            shares = meta["budget_split"]["shares_vnd"]
            price_communes = scenario.communes.assign(budget_vnd=scenario.communes["commune_id"]
                                                      .astype(str).map(shares).astype("int64"))
            price_settings = replace(settings, budget_split="fixed")
        prices = price_decisions(
            strategy, scenario.households, scenario.projects, scenario.cooperatives,
            price_communes, gains, price_settings, decided=result, forced=pairs.forced,
            removed=pairs.removed, capacity=capacity, engine=engine)
        allocation = _with_prices(allocation, prices)
        meta["decisions"] = _decisions_meta(decisions, result, prices, settings)
        if "budget_split" in meta:
            meta["decisions"]["budget_split"] = ("priced with each commune's share of the "
                                                 "province budget as its budget")
    return Plan(
        scenario=scenario, strategy=strategy, allocation=allocation, summary=summary, groups=groups,
        meta=meta, result=result, scores=scores, gains=gains,
        extra={} if pairs is None else {"decisions": decisions},  # the workbook prefills them
    )


def _summary(allocation: pd.DataFrame, communes: pd.DataFrame,
             result: AllocationResult) -> pd.DataFrame:
    """summary.csv; under a province budget split ``budget_vnd`` is the commune's share and
    ``budget_requested_vnd`` (after it) its own ``budget_vnd`` from communes.csv."""
    split = result.details.get("budget_split")
    if split is None:
        return commune_outcomes(allocation, communes)
    shared = communes.copy()
    shares = shared["commune_id"].astype(str).map(split["shares_vnd"])
    shared["budget_vnd"] = shares.fillna(shared["budget_vnd"]).astype("int64")
    out = commune_outcomes(allocation, shared)
    out.insert(out.columns.get_loc("budget_vnd") + 1, "budget_requested_vnd",
               communes["budget_vnd"].astype("int64").to_numpy())
    return out


def _capacity(gains: pd.DataFrame, scores: pd.DataFrame | None) -> pd.Series:
    if scores is not None:
        return scores.set_index("household_id")["score"]
    # Without a model (gains.csv) capacity falls back to the household's best listed gain.
    return gains.groupby("household_id")["gain"].max()


def _mapped_text(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys`` mapped through ``mapping``, ``""`` where it has no value. When nothing matches
    pandas gives float NaN, which it will refuse to fill with text (pandas 4): made text first."""
    out = keys.map(mapping)
    return (out.astype(object) if out.dtype.kind == "f" else out).fillna("")


def _allocation_table(scenario: Scenario, gains: pd.DataFrame, scores, result,
                      reasons: bool = True) -> pd.DataFrame:
    h = scenario.households
    p = scenario.projects.set_index("project_id")
    a = h[["household_id", "commune_id", "village", "status"] + (["wants"] if "wants" in h else [])].copy()
    asg = result.assignment.set_index("household_id")
    a["project_id"] = _mapped_text(a["household_id"], asg["project_id"])
    a["cooperative_id"] = _mapped_text(a["project_id"], p["cooperative_id"])
    a["cost_vnd"] = a["household_id"].map(asg["cost_vnd"]).astype("Int64")
    pair_key = gains.set_index(["household_id", "project_id"])
    if scores is not None:
        base = scores.set_index("household_id")["p_exit_base"]
        a["p_exit_base"] = a["household_id"].map(base).astype(float)
    else:
        a["p_exit_base"] = np.nan
    chosen = asg.reset_index()[["household_id", "project_id"]]
    chosen_idx = pd.MultiIndex.from_frame(chosen)
    with_p = pair_key["p_exit_with"].reindex(chosen_idx).to_numpy() if len(chosen) else np.array([])
    p_with = pd.Series(with_p, index=chosen["household_id"].to_numpy(), dtype=float)
    a["p_exit_plan"] = a["household_id"].map(p_with).astype(float)
    a["p_exit_plan"] = a["p_exit_plan"].where(a["project_id"] != "", a["p_exit_base"])
    a["gain"] = a["household_id"].map(asg["gain"]).astype(float).fillna(0.0)
    a["kind"] = _mapped_text(a["project_id"], p["kind"])
    a["project_name"] = _mapped_text(a["project_id"], p["name"])

    # Why each household is where it is.
    inel = ineligibility_reasons(h, scenario.projects, gains[["household_id", "project_id"]],
                                 consent=scenario.settings.consent)
    unsup = result.unsupported_reason
    reason = a["household_id"].map(unsup).astype("object")
    reason = reason.where(reason.notna(), a["household_id"].map(inel))
    reason = reason.where(a["project_id"] == "", "supported")
    a["reason_key"] = reason.fillna("not_selected")

    best = gains.sort_values(["gain", "cost_vnd"], ascending=[False, True], kind="stable")
    best = best.drop_duplicates("household_id").set_index("household_id")
    a["best_project_id"] = _mapped_text(a["household_id"], best["project_id"])
    a["best_gain"] = a["household_id"].map(best["gain"]).astype(float)
    if scores is not None:
        s = scores.set_index("household_id")
        a["capacity"] = a["household_id"].map(s["score"]).astype(float)
        a["capacity_rank"] = a["household_id"].map(s["rank"]).astype("Int64")
        factors_en = _mapped_text(a["household_id"], s["reasons_en"])
        factors_vi = _mapped_text(a["household_id"], s["reasons_vi"])
    else:
        a["capacity"] = a["best_gain"]
        factors_en = factors_vi = pd.Series("", index=a.index)

    # Priority within each commune: supported first by gain (poorer first on ties), then the
    # eligible not supported by their best gain (next in line), then the rest by capacity.
    income = income_key(h)
    tier = np.where(a["project_id"] != "", 0, np.where(a["best_gain"].notna(), 1, 2))
    key_gain = np.where(tier == 0, a["gain"], np.where(tier == 1, a["best_gain"], a["capacity"].fillna(0)))
    order = np.lexsort((a["household_id"].to_numpy(), income, -np.nan_to_num(key_gain), tier,
                        a["commune_id"].to_numpy()))
    a = a.iloc[order].reset_index(drop=True)
    a["priority"] = a.groupby("commune_id").cumcount() + 1
    if reasons:
        a["reasons_en"], a["reasons_vi"] = _reason_texts(a, factors_en.iloc[order].to_numpy(),
                                                         factors_vi.iloc[order].to_numpy())
    else:
        a["reasons_en"] = a["reasons_vi"] = ""
    extra = [c for c in a.columns if c not in ALLOCATION_COLUMNS]
    return a[ALLOCATION_COLUMNS + extra]


def _check_assigned_pairs(pairs: DecisionPairs, gains: pd.DataFrame) -> None:
    """An assigned pair must be one of the scenario's eligible pairs (exit 2 otherwise)."""
    listed = pd.MultiIndex.from_frame(gains[["household_id", "project_id"]].astype(str))
    missing = ~pd.MultiIndex.from_frame(pairs.forced).isin(listed)
    if missing.any():
        h, p = pairs.forced[missing].iloc[0]
        raise ScenarioError(f"decisions: household {h} may not join project {p}: the pair is not "
                            "among the scenario's eligible pairs (gains.csv does not list it)")


def _with_decisions(a: pd.DataFrame, decisions: pd.DataFrame, pairs: DecisionPairs,
                    gains: pd.DataFrame) -> pd.DataFrame:
    """``decision`` and ``decision_note`` after the contract's columns; a household the meeting
    excluded, or that declined everything it could get, is unsupported for that reason."""
    by = decisions_by_household(decisions).set_index("household_id")
    a = a.copy()
    for col in ("decision", "decision_note"):
        a[col] = a["household_id"].map(by[col].astype(object)).astype(object).fillna("")
    left = pd.MultiIndex.from_frame(gains[["household_id", "project_id"]].astype(str))
    gone = left.isin(pd.MultiIndex.from_frame(pairs.removed.astype(str)))
    has_pair = set(gains["household_id"].astype(str)[~gone])
    unsupported = a["project_id"] == ""
    meeting = unsupported & (a["decision"] == "exclude")
    declined = unsupported & (a["decision"] == "decline") & ~a["household_id"].astype(str).isin(has_pair)
    a.loc[meeting, "reason_key"] = "meeting"
    a.loc[declined, "reason_key"] = "declined"
    for key in ("meeting", "declined"):
        rows = a.index[a["reason_key"] == key]
        why_en, why_vi = NOT_SUPPORTED[key]
        a.loc[rows, "reasons_en"] = REASON_TEXTS["not_supported"][0].format(why=why_en)
        a.loc[rows, "reasons_vi"] = REASON_TEXTS["not_supported"][1].format(why=why_vi)
    # a household given support by the meeting's decision is told so before the model's reasons
    assigned = (a["decision"] == "assign") & ~unsupported
    for i, col in enumerate(("reasons_en", "reasons_vi")):
        a.loc[assigned, col] = REASON_TEXTS["assigned"][i] + a.loc[assigned, col].astype(str)
    cols = list(a.columns)
    head = ALLOCATION_COLUMNS + ["decision", "decision_note"]
    return a[head + [c for c in cols if c not in head]]


def _with_prices(a: pd.DataFrame, prices: DecisionPrices) -> pd.DataFrame:
    """``decision_cost`` after ``decision_note``: the exits each household's decisions alone
    cost (empty without a decision); an upper bound for the households plan.json lists."""
    a = a.copy()
    cost = a["household_id"].astype(str).map(prices.cost).astype(float)
    cols = list(a.columns)
    at = cols.index("decision_note") + 1
    a.insert(at, "decision_cost", cost.to_numpy())
    return a


def _decisions_meta(decisions: pd.DataFrame, result: AllocationResult, prices: DecisionPrices,
                    settings) -> dict:
    """plan.json's ``decisions``: counts, the objective without them, what they cost in all and
    how each household's price was found."""
    counts = decisions["decision"].value_counts()
    out = {k: int(counts.get(k, 0)) for k in ("assign", "exclude", "decline")}
    if decisions.attrs.get("inputs"):  # a --decisions file: which one, beside the scenario's inputs
        out["file"] = dict(decisions.attrs["inputs"])
    cost = float(prices.objective_without) - float(result.objective)
    out["objective_without"] = float(prices.objective_without)
    out["exits_cost"] = max(cost, 0.0)
    if cost < 0:
        why = (f"the solver stops within relative_gap = {settings.relative_gap}, so the plan "
               "without decisions may be that far below its optimum"
               if result.strategy == "optimal" else
               f"the {result.strategy} baseline is not optimal, with or without decisions")
        out["note"] = (f"the decided plan's objective is {-cost:.6g} above the plan without "
                       f"decisions: {why}; exits_cost is reported as 0")
    out["prices"] = prices.summary()
    return out


def _pct(x: float) -> str:
    return "?" if pd.isna(x) else f"{x:.0%}"


def _wants_words(cell) -> tuple[str, str]:
    """What the household asked for (households.csv ``wants``), in both languages."""
    kinds = [k for k in KIND_LABELS if k in wanted_kinds(cell)]
    if not kinds:
        return REASON_TEXTS["wants_none"]
    return tuple(t.format(kinds=", ".join(KIND_LABELS[k][i] for k in kinds))
                 for i, t in enumerate(REASON_TEXTS["wants"]))


def _reason_texts(a: pd.DataFrame, factors_en, factors_vi) -> tuple[list[str], list[str]]:
    en, vi = [], []
    shows_wants = "wants" in a.columns
    for i, r in enumerate(a.itertuples(index=False)):
        fe, fv = factors_en[i], factors_vi[i]
        if r.project_id:
            k_en, k_vi = KIND_LABELS.get(r.kind, (r.kind, r.kind))
            if pd.notna(r.p_exit_base):
                e, v = (t.format(project=r.project_name, kind=k, p_base=_pct(r.p_exit_base),
                                 p_plan=_pct(r.p_exit_plan))
                        for t, k in zip(REASON_TEXTS["supported_p"], (k_en, k_vi), strict=True))
            else:
                e, v = (t.format(project=r.project_name, kind=k, gain=f"{r.gain:.3g}")
                        for t, k in zip(REASON_TEXTS["supported_gain"], (k_en, k_vi), strict=True))
        else:
            whys = NOT_SUPPORTED.get(r.reason_key, (r.reason_key, r.reason_key))
            e, v = (t.format(why=why) for t, why in zip(REASON_TEXTS["not_supported"], whys, strict=True))
            if pd.notna(r.p_exit_base):
                e_p, v_p = (t.format(p_base=_pct(r.p_exit_base)) for t in REASON_TEXTS["p_without"])
                e, v = e + e_p, v + v_p
        if shows_wants:
            e, v = (f"{x}; {y}" for x, y in zip((e, v), _wants_words(r.wants), strict=True))
        en.append(f"{e}. {fe}".strip() if fe else e)
        vi.append(f"{v}. {fv}".strip() if fv else v)
    return en, vi


def _meta(scenario, strategy, settings, result, model, model_source, gains) -> dict:
    card = getattr(model, "card_", None) or {}
    model_info = {
        "name": card.get("name", "none" if model is None else type(model).__name__),
        "version": card.get("version", __version__),
        "metrics": card.get("metrics", {}),
        "source": model_source,
    }
    if model is None:
        model_info = {"name": "none (gains.csv)", "version": None, "metrics": {}, "source": "gains.csv"}
    warnings = list(result.details.get("warnings", []))
    dropped = gains.attrs.get("dropped_pairs", 0) if gains is not None else 0
    if dropped:
        warnings.append(
            f"gains.csv lists {dropped} pairs that the programme rules exclude (another commune or "
            "village, no working-age member, too little land, or status); they were left out"
        )
    return {
        "strategy": strategy,
        "status": result.status,
        "objective": float(result.objective),
        "bound": None if result.bound is None else float(result.bound),
        "gap": None if result.gap is None else float(result.gap),
        "solve_seconds": round(float(result.solve_seconds), 3),
        "solver": result.solver,
        "inputs": dict(sorted(scenario.inputs.items())),
        "model": model_info,
        "settings": settings.as_dict(),
        "version": __version__,
        "status_derived": bool(scenario.status_derived),
        "households": int(len(scenario.households)),
        "eligible_pairs": int(len(gains)) if gains is not None else None,
        "supported": int(len(result.assignment)),
        "details": result.details,
        "warnings": warnings,
    }


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_plan(
    plan: Plan,
    out: str | Path,
    *,
    force: bool = False,
    lang: str = "vi",
    comparison: pd.DataFrame | None = None,
    curve: pd.DataFrame | None = None,
    files: tuple[str, ...] = ("allocation.csv", "summary.csv", "plan.json", "beneficiaries.xlsx", "report.html"),
) -> Path:
    """Write the plan folder whole or not at all (see :func:`targeting.output.files.write_folder_atomically`)."""

    def write(tmp: Path) -> None:
        write_plan_files(plan, tmp, lang=lang, comparison=comparison, curve=curve, files=files)

    return write_folder_atomically(out, write, force=force)


def write_plan_files(plan: Plan, folder: Path, *, lang="vi", comparison=None, curve=None, files=(),
                     sweep=None) -> None:
    if "allocation.csv" in files:
        safe_csv(plan.allocation, folder / "allocation.csv")
    if "summary.csv" in files:
        safe_csv(plan.summary, folder / "summary.csv")
    if "plan.json" in files:
        meta = dict(plan.meta)
        if getattr(plan.scenario, "path", None) is not None:  # where `targeting review` finds it
            meta["scenario"] = str(Path(plan.scenario.path).resolve())
        # what `targeting review` reads back, so that it can tell a plan folder edited afterwards
        written = [f for f in REVIEWED_OUTPUTS if (folder / f).exists()]
        if written:
            meta["outputs"] = {f: sha256_bytes((folder / f).read_bytes()) for f in written}
        (folder / "plan.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=_json),
                                          encoding="utf-8")
    if "beneficiaries.xlsx" in files:
        write_beneficiaries(plan, folder / "beneficiaries.xlsx", lang=lang)
    if "report.html" in files:
        write_report(plan, folder / "report.html", comparison=comparison, curve=curve, sweep=sweep)


def _json(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _say(progress: Progress | None, msg: str) -> None:
    log.info(msg)
    if progress is not None:
        progress(msg)

