"""Re-planning after the village meetings: a province planned without decisions, then again with
50 random decisions and each decision's price, through :func:`targeting.plan.make_plan` both
times (the path ``targeting plan`` takes). Reports both wall times, their ratio and how many
prices are exact or upper bounds.

    python benchmarks/bench_replan.py [--households 100000] [--communes 92] [--cooperatives 20]
                                      [--decisions 50] [--time-limit 60] [--relative-gap 1e-4]

Uses ``targeting.synth.instances.province`` (numpy, seeded; as ``bench_province.py``). Its
cooperatives are drawn across the whole province, so with the default 20 cooperatives every
commune is linked to every other (one group of communes); ``--cooperatives 400`` gives ~50
groups, closer to a real province where a cooperative serves the communes of one district.

Decisions (seeded): a third ``assign`` (a pair the plan without decisions left out, of a
household it did not support, in a project with a free slot and a commune with the money left for
it), a third ``exclude`` and a third ``decline`` (one eligible project, its kind, or all support)
of households drawn at random among those with an eligible pair. Decisions that together cannot
be met (exit 3) are drawn again with the next seed.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from targeting.config import Settings
from targeting.data import Scenario
from targeting.errors import PolicyConflictError
from targeting.plan import make_plan
from targeting.synth.instances import province


def scenario_of(t: dict, settings: Settings) -> tuple[Scenario, pd.DataFrame]:
    """The province's tables as a scenario with supplied gains (no model)."""
    projects = t["projects"].assign(name=t["projects"]["project_id"])
    gains = t["gains"].assign(p_exit_base=np.nan, p_exit_with=np.nan)
    sc = Scenario(path=Path("province"), communes=t["communes"], households=t["households"],
                  projects=projects, cooperatives=t["cooperatives"], history=None, gains=gains,
                  settings=settings)
    return sc, gains


def draw_decisions(t: dict, free, n: int, seed: int) -> pd.DataFrame:
    """``n`` decisions on distinct households (see the module docstring)."""
    rng = np.random.default_rng(seed)
    g, p = t["gains"], t["projects"].set_index("project_id")
    a = free.allocation
    supported = a[a["project_id"] != ""]
    used = supported.groupby("project_id").size().reindex(p.index, fill_value=0)
    spent = supported.groupby("commune_id")["cost_vnd"].sum()
    money = t["communes"].set_index("commune_id")["budget_vnd"] - spent.reindex(
        t["communes"]["commune_id"], fill_value=0).to_numpy()
    open_p = p.index[(used < p["slots"]).to_numpy()]
    cand = g[~g["household_id"].isin(set(supported["household_id"])) & g["project_id"].isin(open_p)]
    cand = cand[cand["cost_vnd"].to_numpy() <= p.loc[cand["project_id"], "commune_id"].map(money).to_numpy()]
    n_assign = n // 3
    rows, taken = [], set()
    order = rng.permutation(len(cand))
    per_commune: dict[str, int] = {}
    for i in order:
        r = cand.iloc[i]
        c = p.loc[r["project_id"], "commune_id"]
        if r["household_id"] in taken or per_commune.get(c, 0) >= 1:  # one assign per commune
            continue
        rows.append((r["household_id"], "assign", r["project_id"], "", "bench"))
        taken.add(r["household_id"])
        per_commune[c] = per_commune.get(c, 0) + 1
        if len(rows) == n_assign:
            break
    hh = g["household_id"].unique()
    for h in rng.permutation(hh):
        if len(rows) == n:
            break
        if h in taken:
            continue
        taken.add(h)
        if len(rows) < n_assign + (n - n_assign) // 2:
            rows.append((h, "exclude", "", "", "bench"))
            continue
        mine = g.loc[g["household_id"] == h, "project_id"].to_numpy()
        pid = rng.choice(mine)
        how = rng.integers(0, 3)
        rows.append((h, "decline", pid, "", "bench") if how == 0 else
                    (h, "decline", "", p.loc[pid, "kind"], "bench") if how == 1 else
                    (h, "decline", "", "", "bench"))
    return pd.DataFrame(rows, columns=["household_id", "decision", "project_id", "kind", "note"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--communes", type=int, default=92)
    ap.add_argument("--cooperatives", type=int, default=20)
    ap.add_argument("--decisions", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--relative-gap", type=float, default=1e-4)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    t = province(n_communes=a.communes, n_households=a.households, n_cooperatives=a.cooperatives,
                 seed=a.seed)
    s = Settings(time_limit_s=a.time_limit, relative_gap=a.relative_gap, workers=a.workers,
                 seed=a.seed)
    sc, gains = scenario_of(t, s)
    print(f"instance: {len(t['households'])} households, {len(t['projects'])} projects, "
          f"{len(t['cooperatives'])} cooperatives, {len(gains)} pairs", flush=True)
    t0 = time.perf_counter()
    free = make_plan(sc, gains=gains, model_source="province")
    free_s = time.perf_counter() - t0
    print(f"plan without decisions: {free_s:.1f} s, status {free.meta['status']}, objective "
          f"{free.meta['objective']:.3f}", flush=True)
    for attempt in range(5):
        d = draw_decisions(t, free, a.decisions, a.seed * 100 + attempt)
        try:
            t0 = time.perf_counter()
            plan = make_plan(sc, gains=gains, model_source="province", decisions=d)
            replan_s = time.perf_counter() - t0
            break
        except PolicyConflictError as e:
            print(f"decisions of seed {a.seed * 100 + attempt} cannot all be met ({e}); drawing again")
    else:
        raise SystemExit("no feasible draw of decisions in 5 attempts")
    dm = plan.meta["decisions"]
    pr = dm["prices"]
    cost = plan.allocation.set_index("household_id").loc[d["household_id"], "decision_cost"]
    print(f"re-plan with {len(d)} decisions ({dm['assign']} assign, {dm['exclude']} exclude, "
          f"{dm['decline']} decline) incl. prices: {replan_s:.1f} s, status {plan.meta['status']}")
    print(f"ratio re-plan / plan: {replan_s / free_s:.2f}")
    print(f"of which solving the decided plan: {plan.meta['solve_seconds']:.1f} s (without decisions: "
          f"{free.meta['solve_seconds']:.1f} s); gap {plan.meta['gap']:.5f} "
          f"(without decisions {free.meta['gap']:.5f})")
    print(f"groups of communes: {pr['groups']}, touched: {pr['groups_touched']}, solver runs "
          f"for the prices and the plan without decisions: {pr['solves']} in {pr['seconds']:.1f} s "
          f"(price budget {pr['time_budget_s']} s)")
    print(f"solves without decisions proven within relative_gap: {pr['without_status']}; largest "
          f"gap of a touched group {pr['without_gap_exits']} exits")
    print(f"prices: {pr['exact']} exact, {pr['upper_bound']} upper bounds; "
          f"{int((cost > 1e-9).sum())} above 0, largest {cost.max():.4f}, sum {cost.sum():.4f}")
    print(f"objective {plan.meta['objective']:.4f}, objective_without {dm['objective_without']:.4f} "
          f"(the plan without decisions found {free.meta['objective']:.4f}), exits_cost "
          f"{dm['exits_cost']:.4f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
