"""What the village meeting's decisions cost: the plan without them, and each decision's price.

Every constraint of the model lives inside one commune or one cooperative, so communes linked,
directly or through a chain, by the cooperatives their projects use form a *group* whose problem
is independent of every other group's (:mod:`.components` splits a built instance the same way;
here the split is of the scenario's tables, so that only the groups a decision touches are built
and solved again). Given the decided plan (solved once, whole):

- **Without decisions.** Only the groups some decision touches are solved again without
  decisions; elsewhere the decided plan is the plan without decisions (nothing was decided
  there). ``objective_without = decided objective - sum of the decided objective in the touched
  groups + sum of their objectives without decisions``: the optimum of the whole scenario
  without decisions (up to the solver's ``relative_gap``), as a full re-solve would give it.
- **A decision's price** (per household: a household's several declines are priced together):
  the optimum of its group without decisions minus the optimum with only this household's
  decisions, i.e. the expected sustained exits lost by that household's decisions alone. It is
  0 without a solve when the group's plan without decisions already honours them (that plan is
  then optimal with them too), and when they touch no eligible pair.
- **Time.** After the decided plan, one budget (``budget_s``, default ``time_limit_s``): each
  touched group is solved without decisions with the share of the time limit it has when the whole
  scenario is split (so re-planning costs the plan plus at most one more time limit, and less when
  few groups are touched), and the price solves share what is left. A solve is started only when the budget left can give it
  ``SOLVE_MARGIN`` times what its group's solve without decisions took (the same problem but for
  one household's decisions; in decision order), and the budget is shared in proportion to those
  needs. A household not priced in time, or whose solve was cut short, gets an upper bound
  instead: the proven bound
  of its group without decisions minus the best plan known that honours only its decisions (the
  decided plan, which honours them and more; the plan without decisions with the household's
  decisions applied, when that meets every constraint; the cut-short solve's plan). Where the
  group's solve without decisions was itself cut short (not proven within ``relative_gap``), no
  price there can be exact: those households get the upper bound without a solve, and the budget
  goes to the others.

The baselines (greedy, capacity, poorest, lottery) are not split by group: ``lottery`` draws one
random order over every household of the instance, so a group alone gets another order, and the
others close under-filled projects and cooperatives over the whole instance in rounds. For them
the whole scenario is run again, without decisions and once per decided household (each run is
one quick pass; a baseline has no bound, so no price is an upper bound).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config import Settings
from ..errors import PolicyConflictError
from . import checks
from .instance import build_instance
from .results import AllocationResult
from .strategy import run_strategy
from .tasks import parallelism, run_tasks, time_shares

__all__ = ["DecisionPrices", "commune_groups", "price_decisions", "group_tables"]

KEY = ["household_id", "project_id"]

#: What plan.json's ``decisions.prices.method`` says, by strategy family.
METHOD_OPTIMAL = (
    "per household with a decision: optimum of its group of communes (communes linked by shared "
    "cooperatives) without decisions minus the optimum with only that household's decisions; "
    "each solve within relative_gap of its optimum, so a price is exact to about relative_gap x "
    "the group's objective (a difference below 0 is reported as 0); 0 without a solve when the "
    "group's plan without decisions already honours the household's decisions; an upper bound "
    "(the group's proven bound without decisions minus the best plan known that honours only "
    "that household's decisions) when the time budget ran out or a solve (with or without the "
    "decision) was cut short"
)
METHOD_BASELINE = (
    "per household with a decision: the {strategy} baseline's objective on the whole scenario "
    "without decisions minus its objective with only that household's decisions (the baselines "
    "are not optimal, so a decision can also raise their objective: a price may be negative)"
)


@dataclass
class DecisionPrices:
    """The plan without decisions and each decided household's price.

    Attributes
    ----------
    objective_without : float
        The objective of the scenario without decisions.
    cost : Series
        By ``household_id`` (every household with a decision): exits its decisions alone cost;
        an upper bound where ``exact`` is False.
    exact : Series
        By ``household_id``: whether ``cost`` is the price (True) or an upper bound (False).
    method : str
        How the prices were found, for people.
    groups, groups_touched, solves : int
        Groups of communes in the scenario, those a decision touches, and solver runs made here.
    seconds : float
        Time spent here (solves without decisions and prices).
    without_status : str
        ``optimal`` when every solve without decisions was proven within ``relative_gap``.
    """

    objective_without: float
    cost: pd.Series
    exact: pd.Series
    method: str
    groups: int = 1
    groups_touched: int = 0
    solves: int = 0
    seconds: float = 0.0
    without_status: str = "optimal"
    budget_s: float | None = None
    #: The largest gap (bound - objective, in exits) of a touched group's solve without decisions:
    #: every upper bound of that group includes it.
    without_gap: float | None = 0.0

    def summary(self) -> dict:
        """plan.json's ``decisions.prices`` (JSON-serialisable)."""
        bounded = self.exact.index[~self.exact.to_numpy(dtype=bool)]
        return {
            "method": self.method,
            "exact": int(self.exact.sum()),
            "upper_bound": int(len(bounded)),
            "households_upper_bound": [str(h) for h in bounded],
            "groups": int(self.groups),
            "groups_touched": int(self.groups_touched),
            "solves": int(self.solves),
            "time_budget_s": self.budget_s,
            "seconds": round(float(self.seconds), 3),
            "without_status": self.without_status,
            "without_gap_exits": None if self.without_gap is None else round(float(self.without_gap), 6),
        }


def now() -> float:
    """The clock the price budget is kept with."""
    return time.perf_counter()


def commune_groups(projects: pd.DataFrame, communes: pd.DataFrame) -> pd.Series:
    """Group number of every commune (by ``commune_id``): communes linked, directly or through a
    chain, by cooperatives their projects use share a group. Numbered by first commune in
    ``communes`` order (a deterministic order)."""
    ids = communes["commune_id"].astype(str).tolist()
    parent = {c: c for c in ids}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    coop = projects["cooperative_id"].fillna("").astype(str) if "cooperative_id" in projects else None
    if coop is not None:
        linked = pd.DataFrame({"k": coop, "c": projects["commune_id"].astype(str)})
        linked = linked[(linked["k"] != "") & linked["c"].isin(parent)].drop_duplicates()
        for _, cs in linked.groupby("k", sort=False)["c"]:
            cs = cs.tolist()
            for c in cs[1:]:
                a, b = find(cs[0]), find(c)
                if a != b:
                    parent[b] = a
    number: dict[str, int] = {}
    out = {}
    for c in ids:
        out[c] = number.setdefault(find(c), len(number))
    return pd.Series(out, name="group", dtype="int64")


def group_tables(households: pd.DataFrame, projects: pd.DataFrame,
                 cooperatives: pd.DataFrame | None, communes: pd.DataFrame, gains: pd.DataFrame,
                 communes_in: set[str]) -> dict[str, pd.DataFrame]:
    """The scenario's tables restricted to the communes ``communes_in`` (a union of groups): their
    projects, the pairs of those projects, the households of those pairs, the cooperatives those
    projects use."""
    p = projects[projects["commune_id"].astype(str).isin(communes_in)]
    g = gains[gains["project_id"].astype(str).isin(set(p["project_id"].astype(str)))]
    h = households[households["household_id"].isin(set(g["household_id"]))]
    c = communes[communes["commune_id"].astype(str).isin(communes_in)]
    k = cooperatives
    if k is not None and "cooperative_id" in p:
        k = k[k["cooperative_id"].astype(str).isin(set(p["cooperative_id"].fillna("").astype(str)))]
    return {"households": h, "projects": p, "cooperatives": k, "communes": c, "gains": g}


def _keys(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["household_id"].astype(str), frame["project_id"].astype(str)))


def _group_objective(assignment: pd.DataFrame, group_of_project: pd.Series) -> dict[int, float]:
    """A plan's objective per group (exactly rounded sums of its pairs' gains)."""
    g = assignment["project_id"].astype(str).map(group_of_project)
    return {int(k): math.fsum(v.tolist()) for k, v in assignment["gain"].groupby(g.to_numpy())}


def price_decisions(
    strategy: str,
    households: pd.DataFrame,
    projects: pd.DataFrame,
    cooperatives: pd.DataFrame | None,
    communes: pd.DataFrame,
    gains: pd.DataFrame,
    settings: Settings,
    *,
    decided: AllocationResult,
    forced: pd.DataFrame,
    removed: pd.DataFrame,
    capacity: pd.Series | None = None,
    engine=None,
    budget_s: float | None = None,
    clock: Callable[[], float] | None = None,
) -> DecisionPrices:
    """The objective without decisions and every decided household's price (module docstring).

    Parameters
    ----------
    strategy, households, projects, cooperatives, communes, gains, settings, capacity, engine
        As for :func:`.strategy.run_strategy`, which produced ``decided``.
    decided : AllocationResult
        The plan of the whole scenario with every decision (``forced`` in, ``removed`` out).
    forced, removed : DataFrame
        The decisions as pairs (:class:`targeting.data.decisions.DecisionPairs`).
    budget_s : float, optional
        Seconds for the touched groups' solves without decisions and the price solves together
        (default ``settings.time_limit_s``): the solves without decisions take their groups'
        shares of the plan's time limit, the price solves what is left.
    clock : callable, optional
        Seconds, for the budget (default :func:`now`; a test may replace either).
    """
    clock = clock or now
    t0 = clock()
    budget = float(settings.time_limit_s if budget_s is None else budget_s)
    forced = forced[KEY].astype(str)
    removed = removed[KEY].astype(str)
    gains = gains[["household_id", "project_id", "gain", "cost_vnd"]]
    decided_hh = list(dict.fromkeys(forced["household_id"].tolist() + removed["household_id"].tolist()))
    run = _whole_runner(households, projects, cooperatives, communes, settings, capacity, engine)
    if strategy != "optimal":
        return _price_baseline(strategy, gains, forced, removed, decided_hh, run, clock, t0)

    group_of_commune = commune_groups(projects, communes)
    group_of_project = pd.Series(
        projects["commune_id"].astype(str).map(group_of_commune).to_numpy(),
        index=projects["project_id"].astype(str).to_numpy())
    communes_of_group = {int(g): set(cs.index) for g, cs in group_of_commune.groupby(group_of_commune)}
    # the groups each decided household's decisions touch: those of the eligible pairs they fix
    # or remove (a decision on no eligible pair changes no plan)
    pair_keys = pd.MultiIndex.from_frame(gains[KEY].astype(str))
    touched_by: dict[str, tuple[int, ...]] = {}
    for frame in (forced, removed):
        hit = frame[pd.MultiIndex.from_frame(frame).isin(pair_keys)] if len(frame) else frame
        for h, ps in hit.groupby("household_id", sort=False)["project_id"]:
            gs = set(touched_by.get(h, ())) | set(ps.map(group_of_project).astype(int).tolist())
            touched_by[h] = tuple(sorted(gs))
    # an assigned pair also drops the household's other pairs: same group (its own commune)
    units = sorted(set(touched_by.values()))  # the sets of groups solved together
    touched = sorted({g for u in units for g in u})

    decided_obj = _group_objective(decided.assignment, group_of_project)
    sub_of: dict[tuple[int, ...], dict] = {}
    for u in units:
        sub_of[u] = group_tables(households, projects, cooperatives, communes, gains,
                                 set().union(*(communes_of_group[g] for g in u)))
    # Units are disjoint unions of groups only when no household touches two groups, which the
    # eligibility rules make the case (a household's projects are in its commune); overlapping
    # units are solved as the union of all touched groups.
    if sum(len(u) for u in units) != len(touched):
        units = [tuple(touched)]
        sub_of = {units[0]: group_tables(households, projects, cooperatives, communes, gains,
                                         set().union(*(communes_of_group[g] for g in touched)))}
        touched_by = {h: units[0] for h in touched_by}
    pairs_of = {u: len(sub_of[u]["gains"]) for u in units}
    repair = {u: _Repair(sub_of[u], settings) for u in units}
    threads = parallelism(settings, engine)

    # Without decisions: each touched unit solved again with the share of settings.time_limit_s
    # its groups have when the whole scenario is split (in proportion to pairs over every group,
    # ``threads`` at a time), so with and without decisions get the same effort, and re-solving a
    # few groups costs a fraction of the plan instead of a whole time limit again.
    sizes = np.array([pairs_of[u] for u in units], dtype=float)
    rest = max(float(len(gains)) - sizes.sum(), 0.0)  # the untouched groups' pairs
    limits = time_shares(np.append(sizes, rest), settings.time_limit_s, threads)[:-1]
    runs = _run_all(engine, threads, settings, [(sub_of[u], float(lim), None, None)
                                                for u, lim in zip(units, limits)])
    solves = len(units)
    without = {}
    for u, r, limit in zip(units, runs, limits):
        here = math.fsum(decided_obj.get(g, 0.0) for g in u)
        # the decided plan meets every constraint without the decisions too: never worse than it
        if r is None or r.objective < here:
            bound = None if r is None else r.bound
            r = _Known(assignment=_rows_in(decided.assignment, sub_of[u]), objective=here,
                       bound=bound, status="feasible" if r is None else r.status,
                       solve_seconds=float(limit if r is None else r.solve_seconds))
        without[u] = r
    objective_without = math.fsum(
        [float(decided.objective)]
        + [-decided_obj.get(g, 0.0) for g in touched]
        + [float(without[u].objective) for u in units])
    without_status = "optimal" if all(r.status == "optimal" for r in without.values()) else "feasible"

    # Prices: 0 where the plan without decisions honours the household's decisions; else a solve
    # with only them, within what is left of the budget (below).
    cost, exact = {}, {}
    todo = []
    for h in decided_hh:
        u = touched_by.get(h)
        if u is None:  # no eligible pair fixed or removed: the plans are the same with or without
            cost[h], exact[h] = 0.0, True
            continue
        mine_f, mine_r = forced[forced["household_id"] == h], removed[removed["household_id"] == h]
        free = _keys(without[u].assignment)
        if _keys(mine_f) <= free and not (_keys(mine_r) & free):
            exact[h] = without[u].status == "optimal"
            cost[h] = 0.0 if exact[h] else _bound_cost(without[u], without[u].objective)
            continue
        if without[u].status != "optimal":
            # its price could not be exact (the group's optimum without decisions is not known
            # within relative_gap): the upper bound, without spending the budget on a solve
            cost[h], exact[h] = _upper_bound(repair[u], without[u], decided_obj, u,
                                             mine_f, mine_r, None), False
            continue
        todo.append((h, u, mine_f, mine_r))
    # A solve with one household's decisions is taken to need about what its group's solve
    # without decisions took (SOLVE_MARGIN times that): solves are chosen in decision order while
    # their needs fit in the budget (``threads`` at a time), and share it in proportion to them;
    # a solve that would not fit is not started (it would be cut short): an upper bound instead.
    left = budget - (clock() - t0)  # the solves without decisions spent their part of it
    need = [max(MIN_SOLVE_S, SOLVE_MARGIN * without[u].solve_seconds) for _, u, _, _ in todo]
    chosen, total = [], 0.0
    for i, n in enumerate(need):
        if n <= left and total + n <= left * threads:
            chosen.append(i)
            total += n
    limits = {i: min(left, left * threads * need[i] / total) for i in chosen}
    runs = _run_all(engine, threads, settings, [
        (sub_of[u], float(limits[i]), mine_f, mine_r) if i in limits else None
        for i, (_, u, mine_f, mine_r) in enumerate(todo)])
    for (h, u, mine_f, mine_r), r in zip(todo, runs):
        solves += r is not None
        if r is not None and r.status == "optimal" and without[u].status == "optimal":
            cost[h], exact[h] = max(float(without[u].objective) - float(r.objective), 0.0), True
            continue
        cost[h], exact[h] = _upper_bound(repair[u], without[u], decided_obj, u,
                                         mine_f, mine_r, r), False
    return DecisionPrices(
        objective_without=objective_without,
        cost=pd.Series(cost, dtype=float).reindex(decided_hh),
        exact=pd.Series(exact, dtype=bool).reindex(decided_hh),
        method=METHOD_OPTIMAL, groups=len(communes_of_group), groups_touched=len(touched),
        solves=solves, seconds=clock() - t0, without_status=without_status, budget_s=budget,
        without_gap=_largest_gap(without.values()),
    )


def _largest_gap(results) -> float | None:
    """The largest ``bound - objective`` of ``results`` (None when one has no bound)."""
    gaps = [None if r.bound is None else max(float(r.bound) - float(r.objective), 0.0) for r in results]
    return None if None in gaps else max(gaps, default=0.0)


#: A price solve gets at least this many seconds, else the household gets its upper bound.
MIN_SOLVE_S = 0.1
#: A price solve is started only with this many times the seconds its group's solve without
#: decisions took (the same problem but for one household's decisions).
SOLVE_MARGIN = 2.0


@dataclass
class _Known:
    """A plan known without a solve (the decided plan of a group), as a solve's result."""

    assignment: pd.DataFrame
    objective: float
    bound: float | None
    status: str
    solve_seconds: float


def _rows_in(assignment: pd.DataFrame, t: dict) -> pd.DataFrame:
    return assignment[assignment["project_id"].astype(str).isin(set(t["projects"]["project_id"].astype(str)))]


def _solve(task, *, settings: Settings) -> AllocationResult | None:
    """One solve of ``(tables, time limit, forced, removed)`` (a module-level function for
    workers); None when it stopped before meeting the quotas (a time-out, not a conflict: the
    decided plan proves the problem feasible)."""
    if task is None:
        return None
    t, limit, forced, removed = task
    decided = {} if forced is None else {"forced": forced, "removed": removed}
    try:
        return run_strategy("optimal", t["households"], t["projects"], t["cooperatives"],
                            t["communes"], t["gains"], replace(settings, time_limit_s=limit),
                            **decided)
    except PolicyConflictError:
        return None


def _run_all(engine, threads: int, settings: Settings, tasks: list) -> list:
    """``_solve`` over ``tasks`` (None: no solve), ``threads`` at a time, in task order."""
    todo = [i for i, x in enumerate(tasks) if x is not None]
    out = [None] * len(tasks)
    # several solves at once share the cores: one thread each (as the split of a plan does)
    s = settings if len(todo) <= 1 else replace(settings, workers=1)
    done = run_tasks(engine, _solve, [tasks[i] for i in todo], shared={"settings": s},
                     threads=threads)
    for i, r in zip(todo, done):
        out[i] = r
    return out


def _upper_bound(repair: _Repair, without, decided_obj: dict, unit: tuple,
                 forced: pd.DataFrame, removed: pd.DataFrame, solved) -> float:
    """A household's price bounded from above: the unit's proven bound without decisions minus
    the best plan known that honours the household's decisions (the decided plan; the plan
    without decisions with them applied, when it meets every constraint; a cut-short solve's)."""
    known = [math.fsum(decided_obj.get(g, 0.0) for g in unit)]
    if solved is not None:
        known.append(float(solved.objective))
    repaired = repair.objective(without.assignment, forced, removed)
    if repaired is not None:
        known.append(repaired)
    return _bound_cost(without, max(known))


def _bound_cost(without: AllocationResult, best_known: float) -> float:
    """Upper bound on a price: the proven bound without decisions minus a plan's objective that
    honours the household's decisions (never below 0)."""
    if without.bound is None:  # no proven bound (the solve stopped without one): no price
        return math.nan
    return max(float(without.bound) - float(best_known), 0.0)


class _Repair:
    """The plan without decisions of one unit with a household's decisions applied (its removed
    pairs dropped, its assigned pair in place of what it had), checked against every constraint
    of the unit (the same with or without decisions: they only fix or drop pairs). The unit's
    instance is built once, on first use."""

    def __init__(self, t: dict, settings: Settings):
        self.t, self.settings, self.inst, self.index = t, settings, None, None

    def objective(self, plan: pd.DataFrame, forced: pd.DataFrame, removed: pd.DataFrame) -> float | None:
        """The repaired plan's objective when it meets every constraint, else None."""
        if self.inst is None:
            t = self.t
            self.inst = build_instance(t["households"], t["projects"], t["cooperatives"],
                                       t["communes"], t["gains"], self.settings)
            self.index = pd.Index(self.inst.hh_ids[self.inst.pair_h].astype(str) + "\x1f"
                                  + self.inst.p_ids[self.inst.pair_p].astype(str))
        hh = set(forced["household_id"]) | set(removed["household_id"])
        mine = plan["household_id"].astype(str).isin(hh)
        keys = plan[~mine][KEY].astype(str)
        own = plan[mine][KEY].astype(str)
        if len(removed):
            own = own[~pd.MultiIndex.from_frame(own).isin(pd.MultiIndex.from_frame(removed))]
        keys = pd.concat([keys, own if forced.empty else forced], ignore_index=True)
        chosen = self.index.get_indexer(keys["household_id"] + "\x1f" + keys["project_id"])
        if (chosen < 0).any() or checks.violations(self.inst, np.sort(chosen)):
            return None
        return self.inst.total_gain(chosen)


def _whole_runner(households, projects, cooperatives, communes, settings, capacity, engine):
    """``run(strategy, tables, settings, **decisions)``: :func:`.strategy.run_strategy` on
    ``tables`` (a dict of the scenario's tables; a table it lacks is the whole scenario's)."""
    whole = {"households": households, "projects": projects, "cooperatives": cooperatives,
             "communes": communes}

    def run(strategy: str, t: dict, s: Settings | None = None, **decided) -> AllocationResult:
        t = {**whole, **t}
        return run_strategy(strategy, t["households"], t["projects"], t["cooperatives"],
                            t["communes"], t["gains"], s or settings, capacity=capacity,
                            engine=engine, **decided)

    return run


def _price_baseline(strategy, gains, forced, removed, decided_hh, run, clock, t0) -> DecisionPrices:
    """Baselines: the whole scenario again, without decisions and per decided household."""
    without = run(strategy, {"gains": gains})
    cost, solves = {}, 1
    for h in decided_hh:
        r = run(strategy, {"gains": gains}, forced=forced[forced["household_id"] == h],
                removed=removed[removed["household_id"] == h])
        solves += 1
        cost[h] = float(without.objective) - float(r.objective)
    return DecisionPrices(
        objective_without=float(without.objective),
        cost=pd.Series(cost, dtype=float).reindex(decided_hh),
        exact=pd.Series(True, index=pd.Index(decided_hh, dtype=object), dtype=bool),
        method=METHOD_BASELINE.format(strategy=strategy), groups=1, groups_touched=1,
        solves=solves, seconds=clock() - t0, without_status=without.status,
    )
