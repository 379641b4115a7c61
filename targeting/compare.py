"""Run several strategies on one scenario and model, and set their outcomes side by side.

A comparison fits (or loads) the model once and scores the households once; everything after
that re-solves on the same table of gains. A *sweep* (``compare --sweep KEY=v1,v2,...``) plans
the scenario again with one setting changed, every strategy at every value: a numeric
``[policy]`` setting, or ``budget_scale`` (every commune's budget times the value). The budget
curve is the sweep of ``budget_scale`` with one strategy.

Re-solves are cheap where they can be:

- the value the scenario already has is the plan already made (no solve);
- the optimizer starts from the scenario's own plan wherever that plan meets every constraint
  of the changed setting, and when the setting only takes plans away (a higher minimum share,
  a smaller budget) that plan, if it meets the constraints, is proven within ``relative_gap`` by
  the bound already proven (no solve);
- a re-solve splits the model into the groups of communes that share no cooperative whenever
  there are several (:data:`SWEEP_SPLIT`): an exact split, each group proven on its own;
- values are independent tasks of the engine (:mod:`targeting.engine`): ``--engine dask``
  spreads them over the workers; results come back in the order of the values;
- on this machine, when the communes form several groups that share no cooperative, the budget
  curve does not wait for the comparison's plans (:func:`curve_needs_no_base`): its values are
  solved one at a time beside them, on the core the optimizer's own plan leaves idle, and then
  on the main thread too.

A value whose policy cannot be met (the optimizer's :class:`PolicyConflictError`, a baseline's
``infeasible``) is a row marked ``infeasible`` with the reason in ``note``, not an error for the
whole sweep.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Settings, numeric_policy_keys, settings_problems
from .data import Scenario
from .engine import LocalEngine
from .errors import PolicyConflictError, ScenarioError
from .output.files import write_folder_atomically
from .plan import Plan, make_plan, resolve_model, scenario_gains, write_plan_files

__all__ = ["Comparison", "Sweep", "compare_strategies", "comparison_row", "budget_curve", "write_comparison",
           "parse_sweep", "check_sweep", "sweep_keys", "sweep_rows", "BUDGET_SCALE", "CURVE_MULTIPLIERS"]

CURVE_MULTIPLIERS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
#: The sweep key that scales every commune's budget.
BUDGET_SCALE = "budget_scale"
#: Sweep keys whose every step in one direction only takes plans away (+1: a higher value, -1: a
#: lower one): a plan of the scenario that meets the changed setting is then still within
#: relative_gap of that setting's optimum, by the bound already proven.
TIGHTER_WHEN = {"min_ethnic_minority_share": +1, "min_poor_share": +1, BUDGET_SCALE: -1}
#: How the optimizer splits a sweep's re-solves: into the groups of communes that share no
#: cooperative whenever there are several (exact, and proven within relative_gap as the whole
#: model is; on the bundled sample 3 s where the whole model took 24 s).
SWEEP_SPLIT = "groups"
#: Values of a sweep solved side by side on this machine (``--engine local``).
LOCAL_THREADS = max(1, os.cpu_count() or 1)
#: The comparison.csv columns a sweep adds in front.
SWEEP_COLUMNS = ["sweep_key", "sweep_value"]


@dataclass
class Comparison:
    #: One row per strategy on the scenario as it is (comparison.csv without a sweep).
    table: pd.DataFrame
    plans: dict[str, Plan]
    curve: pd.DataFrame | None
    #: With a sweep: one row per value and strategy (comparison.csv then).
    sweep: pd.DataFrame | None = None


@dataclass(frozen=True)
class Sweep:
    """One setting and the values it takes in a sweep."""

    key: str
    values: tuple[float, ...]


def sweep_keys() -> tuple[str, ...]:
    """What ``--sweep`` may vary: ``budget_scale`` and every numeric ``[policy]`` setting."""
    return (BUDGET_SCALE, *numeric_policy_keys())


def parse_sweep(text: str) -> Sweep:
    """``KEY=v1,v2,...`` as a :class:`Sweep`; :class:`ScenarioError` (exit 2) naming the key or
    value that is wrong. Values are checked against the setting's own range here, and against
    the scenario's other settings by :func:`compare_strategies`."""
    key, sep, rest = (text or "").partition("=")
    key = key.strip()
    keys = sweep_keys()
    if not sep or not key:
        raise ScenarioError(f"--sweep {text!r}: expected KEY=v1,v2,... with KEY one of {', '.join(keys)}")
    if key not in keys:
        raise ScenarioError(f"--sweep {key}: not a setting a sweep can vary; expected one of {', '.join(keys)}")
    cells = [c.strip() for c in rest.split(",")]
    if not rest.strip() or any(c == "" for c in cells):
        raise ScenarioError(f"--sweep {key}: expected values separated by commas; got {rest!r}")
    whole = numeric_policy_keys().get(key) is int
    values = []
    for c in cells:
        try:
            v = float(c)
        except ValueError:
            raise ScenarioError(f"--sweep {key}: value {c!r} is not a number") from None
        if not math.isfinite(v):
            raise ScenarioError(f"--sweep {key}: value {c!r} is not a finite number")
        if whole and v != int(v):
            raise ScenarioError(f"--sweep {key}: value {c!r} is not a whole number")
        if key == BUDGET_SCALE and v <= 0:
            raise ScenarioError(f"--sweep {key}: value {c!r} must be above 0")
        values.append(int(v) if whole else v)
    dupes = sorted({c for c, v in zip(cells, values, strict=True) if values.count(v) > 1})
    if dupes:
        raise ScenarioError(f"--sweep {key}: value {', '.join(dupes)} is given twice")
    if key != BUDGET_SCALE:
        for c, v in zip(cells, values, strict=True):
            problems = settings_problems(_with_value_settings(Settings(), key, v))
            if problems:
                raise ScenarioError(f"--sweep {key}={c}: {problems[0].message}")
    return Sweep(key, tuple(values))


def _with_value_settings(settings, key: str, value):
    return replace(settings, **{key: value})


def with_value(scenario: Scenario, key: str, value) -> Scenario:
    """The scenario with one sweep setting changed."""
    if key == BUDGET_SCALE:
        communes = scenario.communes.copy()
        communes["budget_vnd"] = (communes["budget_vnd"] * float(value)).round().astype("int64")
        sc = replace(scenario, communes=communes)
        total = scenario.settings.province_budget_vnd
        if total is not None and scenario.settings.budget_split != "fixed":  # scaled alike
            sc = replace(sc, settings=replace(sc.settings, province_budget_vnd=round(total * float(value))))
        return sc
    return replace(scenario, settings=_with_value_settings(scenario.settings, key, value))


def check_sweep(scenario: Scenario, sweep: Sweep) -> None:
    """:class:`ScenarioError` naming the first value that breaks the scenario's settings (a
    minimum share above one, or one that contradicts another setting)."""
    for v in sweep.values:
        problems = settings_problems(with_value(scenario, sweep.key, v).settings)
        if problems:
            raise ScenarioError(f"--sweep {sweep.key}={v:g}: {problems[0].message}")


def base_value(scenario: Scenario, key: str):
    """The value the scenario itself has for a sweep key."""
    return 1.0 if key == BUDGET_SCALE else getattr(scenario.settings, key)


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


@dataclass(frozen=True)
class _Job:
    """What every value's task shares: sent to each worker once as one object (an engine
    scatters a tuple or a dict item by item, and ``key`` is a keyword of Dask's ``map``)."""

    scenario: Scenario
    setting: str
    strategies: tuple[str, ...]
    gains: pd.DataFrame
    scores: pd.DataFrame | None
    model_source: str | None
    time_limit_s: float | None
    start: pd.DataFrame | None


def _value_rows(item: tuple, *, job: _Job) -> list[dict]:
    """Every strategy at one value of the sweep (one task of the engine; ``item`` is the value
    and the bound known to hold there, or None): rows of comparison.csv with ``budget_vnd`` and
    ``note``; an infeasible policy is a row, not an error."""
    value, start_bound = item
    scenario, key, strategies, gains, scores = job.scenario, job.setting, job.strategies, job.gains, job.scores
    model_source, time_limit_s, start = job.model_source, job.time_limit_s, job.start
    sc = with_value(scenario, key, value)
    rows = []
    budget = int(sc.communes["budget_vnd"].sum())
    for s in strategies:
        try:
            p = make_plan(sc, model_source=model_source, gains=gains, scores=scores, strategy=s,
                          time_limit_s=time_limit_s, start=start if s == "optimal" else None,
                          start_bound=start_bound if s == "optimal" else None, lists=False,
                          decompose=SWEEP_SPLIT)
        except PolicyConflictError as e:
            rows.append({"strategy": s, "status": "infeasible", "budget_vnd": budget, "note": str(e)})
            continue
        row = comparison_row(p)
        row["budget_vnd"] = budget
        row["note"] = ("the policy cannot be met; the plan is the strategy's best attempt"
                       if row["status"] == "infeasible" else "")
        rows.append(row)
    return rows


def sweep_rows(
    scenario: Scenario,
    sweep: Sweep,
    strategies: list[str],
    *,
    gains: pd.DataFrame,
    scores: pd.DataFrame | None,
    base: dict[str, Plan] | None = None,
    model_source: str | None = "shared",
    time_limit_s: float | None = None,
    progress=None,
    engine=None,
    helpers: _Helpers | None = None,
) -> pd.DataFrame:
    """One row per value and strategy: the scenario planned again with ``sweep.key`` at each value.

    ``base`` (the plans of the scenario as it is, by strategy) is reused for the value the
    scenario already has, and its optimal plan starts the optimizer at the other values (see
    the module docstring). Columns: ``sweep_key, sweep_value``, those of
    :func:`comparison_row`, ``budget_vnd`` and ``note``. The values are tasks of ``engine``;
    without one, of ``helpers`` (this thread and those that join it), else a thread per core.
    """
    check_sweep(scenario, sweep)
    base = base or {}
    here = base_value(scenario, sweep.key)
    opt = base.get("optimal")
    proven = opt is not None and opt.meta["status"] == "optimal" and opt.meta["bound"] is not None
    results: dict[float, list[dict]] = {}
    todo = []
    for v in sweep.values:
        if np.isclose(float(v), float(here)) and all(s in base for s in strategies):
            results[v] = [{**comparison_row(base[s]), "budget_vnd": int(scenario.communes["budget_vnd"].sum()),
                           "note": ""} for s in strategies]
        else:
            todo.append(v)

    def bound_at(v) -> float | None:
        """The proven bound that holds at ``v``: the scenario's own, where ``v`` only takes plans away."""
        tighter = sweep.key in TIGHTER_WHEN and TIGHTER_WHEN[sweep.key] * (float(v) - float(here)) >= 0
        return float(opt.meta["bound"]) if proven and tighter else None

    if progress and todo:
        progress(f"sweep {sweep.key}: {len(todo)} value{'s' if len(todo) != 1 else ''} x "
                 f"{len(strategies)} strateg{'ies' if len(strategies) != 1 else 'y'}")
    start = None if opt is None else opt.result.assignment[["household_id", "project_id"]]
    job = _Job(scenario, sweep.key, tuple(strategies), gains, scores, model_source, time_limit_s, start)
    items = [(v, bound_at(v)) for v in todo]
    if engine is not None:
        out = engine.map(_value_rows, items, shared={"job": job})
    elif helpers is not None:
        out = helpers.map(_value_rows, items, job=job)
    else:
        # on this machine, values on a thread per core: the solvers release the GIL (two
        # sample curve solves side by side took half the time of one after the other)
        out = LocalEngine().map(_value_rows, items, shared={"job": job}, max_workers=LOCAL_THREADS)
    results.update(zip(todo, out, strict=True))
    rows = [{"sweep_key": sweep.key, "sweep_value": v, **r} for v in sweep.values for r in results[v]]
    table = pd.DataFrame(rows)
    table["budget_split"] = scenario.settings.budget_split  # as comparison.csv's rows say it
    cols = SWEEP_COLUMNS + [c for c in table.columns if c not in SWEEP_COLUMNS + ["budget_vnd", "note"]]
    return table[cols + ["budget_vnd", "note"]]


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
    base: Plan | None = None,
    helpers: _Helpers | None = None,
) -> pd.DataFrame:
    """Added and expected exits as every commune's budget is scaled: the sweep of
    ``budget_scale`` with one strategy (``base``, the plan at the scenario's own budget, is
    reused and starts the other solves; ``helpers``: the values are solved on this thread and
    on the threads that join, :class:`_Helpers`)."""
    # the comparison's own plan (``base``) had a time limit at least as long as the curve's
    limit = time_limit_s if time_limit_s is not None else min(scenario.settings.time_limit_s, 20.0)
    t = sweep_rows(scenario, Sweep(BUDGET_SCALE, tuple(multipliers)), [strategy], gains=gains, scores=scores,
                   base=None if base is None else {strategy: base}, time_limit_s=limit,
                   progress=progress, engine=engine, helpers=helpers)
    return pd.DataFrame({
        "budget_multiplier": t["sweep_value"].astype(float),
        "budget_vnd": t["budget_vnd"].astype("int64"),
        "spent_vnd": t["spent_vnd"],
        "supported": t["supported"],
        "added_exits": t["objective"].astype(float),
        "expected_exits": t["expected_exits"].astype(float),
        "status": t["status"],
    })


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
    sweep: Sweep | None = None,
) -> Comparison:
    """Plan ``scenario`` with each strategy, sharing one model and one gains table.

    The model is resolved (trained, when it comes from history.csv) once and the households
    scored once; the strategies, the budget curve and the ``sweep`` only re-solve.
    ``splits`` (of :data:`targeting.config.BUDGET_SPLITS`): each strategy under each province
    budget split in turn (plans named ``<strategy>-<split>``; a baseline is not run under
    ``optimal``, which would give it the proportional split again). comparison.csv's
    ``budget_split`` says which split a row used; the curve and the sweep use the scenario's own.
    ``engine`` (:mod:`targeting.engine`) is used for scoring, every optimal solve, and the
    values of the curve and the sweep.
    """
    if sweep is not None:
        check_sweep(scenario, sweep)  # before any work
    model, source = resolve_model(scenario, model_path, progress)
    gains, scores = scenario_gains(scenario, model, engine=engine)
    which = "optimal" if "optimal" in strategies else strategies[0]
    with ThreadPoolExecutor(max_workers=1) as pool:
        early, helpers = None, _Helpers()
        if curve and curve_needs_no_base(scenario, engine):
            # The curve's other budgets, one at a time while the strategies' plans are made, at
            # the lowest priority (the optimizer's own plan often leaves a core idle: the search
            # beside its MIP waits LNS_DELAY of the limit, but HiGHS uses both cores at times),
            # then on this thread too; the curve takes nothing from those plans here.
            early = pool.submit(_at_idle_priority, budget_curve, scenario, gains, scores, strategy=which,
                                time_limit_s=time_limit_s, progress=progress, helpers=helpers,
                                multipliers=[m for m in CURVE_MULTIPLIERS if not math.isclose(m, 1.0)])
        try:
            plans = _strategy_plans(scenario, strategies, splits, model=model, source=source, gains=gains,
                                    scores=scores, time_limit_s=time_limit_s, progress=progress,
                                    engine=engine)
        except BaseException:
            helpers.close()  # the values being solved finish; the pool waits for them
            raise
        helpers.join(early)  # this thread solves the curve's values still waiting
        table = pd.DataFrame([comparison_row(p) for p in plans.values()])
        # which province budget split each row used (the scenario's own, unless ``splits``)
        table["budget_split"] = [p.scenario.settings.budget_split for p in plans.values()]
        # the plans under the scenario's own split: what the curve and the sweep reuse
        own = {p.strategy: p for p in plans.values()
               if p.scenario.settings.budget_split == scenario.settings.budget_split}
        cv = None
        if early is not None:
            here = budget_curve(scenario, gains, scores, strategy=which, multipliers=(1.0,),
                                base=own.get(which), time_limit_s=time_limit_s, engine=engine)
            cv = (pd.concat([early.result(), here], ignore_index=True)
                  .sort_values("budget_multiplier", kind="stable", ignore_index=True))
        elif curve:
            cv = budget_curve(scenario, gains, scores, strategy=which, time_limit_s=time_limit_s,
                              progress=progress, engine=engine, base=own.get(which))
    sw = None
    if sweep is not None:
        sw = sweep_rows(scenario, sweep, strategies, gains=gains, scores=scores, base=own,
                        model_source=source, time_limit_s=time_limit_s, progress=progress, engine=engine)
    return Comparison(table=table, plans=plans, curve=cv, sweep=sw)


def _at_idle_priority(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` on this thread, and the threads it starts, at the lowest CPU
    priority (nice 19, Linux only: there a thread has its own): it then takes only the CPU the
    other threads leave. HiGHS through MathOpt uses both cores at times; a busy thread beside it
    at normal priority slowed its proofs up to 2x (benchmarks/README.md, "A move search for
    packing models"). Not measured: a solver's process-wide worker threads, when this thread
    is the first to start them, keep its priority for every caller; on a machine busy with
    other work the own plan's parallel parts could then wait."""
    if sys.platform == "linux":
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:
            pass
    return fn(*args, **kwargs)


class _Helpers:
    """The values of one sweep, solved by the thread that asks for them (:meth:`map`) and by any
    thread that :meth:`join` s while values are waiting: each value once, the results in input
    order, the first error raised by :meth:`map` once every value taken is done."""

    def __init__(self):
        self._cond = threading.Condition()
        self._work: tuple | None = None  # (fn, items, job, results) while map runs
        self._next = 0  # the next value to take
        self._running = 0  # values being solved
        self._errors: list[BaseException] = []
        self._closed = False  # no more values are taken

    def map(self, fn: Callable, items: list, *, job) -> list:
        results: list = [None] * len(items)
        with self._cond:
            self._work, self._next = (fn, list(items), job, results), 0
            self._cond.notify_all()
        self._take()
        with self._cond:
            self._cond.wait_for(lambda: self._running == 0)
            done = self._next >= len(items)
            self._work = None
            if self._errors:
                raise self._errors[0]
        if not done:
            raise RuntimeError("the sweep was stopped before all its values were solved")
        return results

    def _take(self) -> None:
        while True:
            with self._cond:
                if self._work is None or self._closed or self._next >= len(self._work[1]):
                    return
                fn, items, job, results = self._work
                i, self._next, self._running = self._next, self._next + 1, self._running + 1
            try:
                results[i] = fn(items[i], job=job)
            except BaseException as e:  # noqa: BLE001 - raised again by map
                with self._cond:
                    self._errors.append(e)
                    self._closed = True
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def join(self, sweep: Future | None) -> None:
        """Solve values of ``sweep`` (the future of the call that maps them) until none waits."""
        if sweep is None:
            return
        sweep.add_done_callback(lambda _: self._notify())  # a sweep with nothing to map
        with self._cond:
            self._cond.wait_for(lambda: self._work is not None or sweep.done())
        self._take()

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        """Take no more values (those being solved finish)."""
        with self._cond:
            self._closed = True


def curve_needs_no_base(scenario: Scenario, engine=None) -> bool:
    """Whether the budget curve can be solved before the scenario's own plan is known: on this
    machine, when the communes form several groups that share no cooperative. Each re-solve is
    then split into those groups (:data:`SWEEP_SPLIT`) and takes nothing from the own plan but
    a proof where that plan fits a smaller budget (every commune spending at most that share of
    its budget: budgets that do not bind), which is then solved instead. A model of one group is
    solved whole, warm-started from the own plan, so its curve waits for it."""
    from .allocation.prices import commune_groups

    if engine is not None:
        return False  # a cluster's workers run the own plan's tasks too
    return commune_groups(scenario.projects, scenario.communes).nunique() > 1


def _strategy_plans(scenario: Scenario, strategies: list[str], splits: list[str] | None, *, model,
                    source, gains, scores, time_limit_s, progress, engine) -> dict[str, Plan]:
    """Every strategy under every split (see :func:`compare_strategies`), by plan name."""
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
    return plans


def write_comparison(c: Comparison, out: str | Path, *, force: bool = False) -> Path:
    """comparison.csv (with a sweep: one row per value and strategy, and the strategies of the
    scenario as it is, one row per plan folder, in strategies.csv), budget_curve.csv,
    report.html and one plan folder per strategy (the scenario as it is)."""
    from .output.files import safe_csv

    def write(tmp: Path) -> None:
        safe_csv(c.table if c.sweep is None else c.sweep, tmp / "comparison.csv")
        if c.sweep is not None:  # e.g. --splits rows, which a sweep's rows do not repeat
            safe_csv(c.table, tmp / "strategies.csv")
        if c.curve is not None:
            safe_csv(c.curve, tmp / "budget_curve.csv")
        first = next(iter(c.plans.values()))
        write_plan_files(first, tmp, comparison=c.table, curve=c.curve, sweep=c.sweep, files=("report.html",))
        for name, p in c.plans.items():
            sub = tmp / name
            sub.mkdir()
            write_plan_files(p, sub, files=("allocation.csv", "summary.csv", "plan.json"))

    return write_folder_atomically(out, write, force=force)
