"""The MIP back-ends, one module per family, each solving a :class:`~..model.LinearModel` once
and returning a :class:`~..results.SolveOutcome`:

:mod:`.highs`          HiGHS through ``scipy.optimize.milp`` on the sparse matrix of :mod:`..lp`
                       (the default; the tie-break in the objective, scaled below one unit of gain).
:mod:`.cpsat`          OR-Tools CP-SAT (lexicographic tie-break in a second solve).
:mod:`.linear_solver`  SCIP or CBC through OR-Tools' ``pywraplp``.

Which one runs, and the portfolio of the first two, is decided in :mod:`..mip`.
"""
