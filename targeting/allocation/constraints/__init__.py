"""The constraint families, one module each, each owning its constraints and its violation check.

:mod:`.budgets` (``budget[<commune>]``), :mod:`.projects` (``slots``, ``envelope``, ``min_group``,
``open_ub`` per project), :mod:`.cooperatives` (``coop_capacity``, ``coop_min`` per cooperative),
:mod:`.quotas` (``quota_<name>[<commune>]``); :mod:`.usage` is the resource use of a plan that
their checks share. Each family has ``add(model, inst, ...)`` (called by
:func:`targeting.allocation.model.build_model`) and ``violations(inst, chosen)`` (called by
:func:`targeting.allocation.checks.violations`).
"""
