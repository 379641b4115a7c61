"""The MIP back-ends, one module per interface, each solving a :class:`~..model.LinearModel` once
and returning a :class:`~..results.SolveOutcome` whose ``solver`` names the back-end and the
interface (``highs via ortools.math_opt``):

:mod:`.mathopt`  HiGHS, SCIP and CP-SAT through OR-Tools MathOpt, from one ``ModelProto`` built
                 with numpy (and the LP relaxation with HiGHS, GLOP or PDLP, for :mod:`..lp`).
:mod:`.cpsat`    CP-SAT through its own API (a lexicographic tie-break in a second solve).
:mod:`.highs`    HiGHS through ``scipy.optimize.milp`` on the same sparse matrix.

Which one runs (``[solver] backend``), and the ``auto`` portfolio, is decided in :mod:`..mip`.
"""
