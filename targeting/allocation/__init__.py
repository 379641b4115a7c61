"""The optimizer: allocate projects and cooperative linkages for the most sustainable exits.

It takes a table of gains (``household_id, project_id, gain, cost_vnd``), never the scoring
model. The front door is :func:`run_strategy` (every strategy of
:data:`targeting.config.STRATEGIES`); it returns an :class:`AllocationResult`.

Modules, from the bottom up:

- :mod:`.results`: what the pieces hand each other (:class:`~.results.SolveOutcome`,
  :class:`~.results.LPSolution`) and :class:`AllocationResult`; the gap and the status from it.
- :mod:`.instance`: the problem as arrays.
- :mod:`.constraints`: one module per constraint family (budgets, projects, cooperatives,
  quotas), each owning its constraints and its violation check; :mod:`.checks` checks them all
  on a plan.
- :mod:`.model`: the named linear model, its sparse matrix and its CP-SAT emitter;
  :mod:`.objective`: exact gain scaling, tie-breaks; :mod:`.lp`: the sparse LP relaxation
  (bound, duals, the LP-guided neighbourhood); :mod:`.switches`: the LP bound branched on the
  group and cooperative minimums (a tighter proof where a minimum binds).
- :mod:`.backends`: one module per interface (OR-Tools MathOpt for HiGHS, SCIP and CP-SAT;
  CP-SAT's own API; HiGHS through scipy); :mod:`.mip`: one full MIP with the chosen back-end
  (``[solver] backend``; the measured choice).
- :mod:`.pipeline`: one model, whole (LP rounding, LP-guided neighbourhood, the
  large-neighbourhood search of :mod:`.lns`, then the full MIP with the search beside it),
  within the time limit.
- :mod:`.components` and :mod:`.decompose`: the province-scale splits (groups of communes that
  share no cooperative; communes through cooperative shares), given the solve of one part;
  :mod:`.tasks`: time shares and engines for their subproblems.
- :mod:`.solve`: the ``optimal`` strategy, which chooses the split and explains the plan.
- :mod:`.fill`: filling a plan in a given order (the baselines' engine and the warm start);
  :mod:`.baselines`: greedy, capacity, poorest, lottery; :mod:`.strategy`: :func:`run_strategy`.
- :mod:`.conflicts`: why a policy cannot be met; :mod:`.diagnose`: why a household was not
  supported, and the slack of each constraint family.
- :mod:`.prices`: what the village meeting's decisions cost (the touched groups of communes
  solved again without them, and each decision alone).
- :mod:`.split`: the province budget split (``[policy] budget_split``): proportional shares, and
  the optimal split, whose one province row (:func:`.constraints.budgets.coupled_rows`) couples
  every commune.
"""

from __future__ import annotations

from .baselines import baseline_order, run_baseline
from .results import ASSIGNMENT_COLUMNS, AllocationResult
from .solve import solve_optimal
from .strategy import run_strategy

__all__ = [
    "AllocationResult", "ASSIGNMENT_COLUMNS", "run_strategy", "solve_optimal", "run_baseline",
    "baseline_order",
]
