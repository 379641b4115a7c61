"""targeting: who gets which livelihood support, for the most sustainable exits from poverty.

The small public API, importable from the package itself::

    from targeting import read_scenario, make_plan, write_plan

    scenario = read_scenario("my_world")
    plan = make_plan(scenario, strategy="optimal")
    write_plan(plan, "my_plan")

Names are loaded on first use, so ``import targeting`` (and the command line's ``--help``) stays
quick: the scoring model and the optimizer pull in scikit-learn and OR-Tools.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "Settings": "targeting.config",
    "Scenario": "targeting.data",
    "read_scenario": "targeting.data",
    "Plan": "targeting.plan",
    "make_plan": "targeting.plan",
    "write_plan": "targeting.plan",
    "score_scenario": "targeting.plan",
    "review_plan": "targeting.review",
    "write_review": "targeting.review",
    "train_model": "targeting.scoring",
    "load_model": "targeting.scoring",
    "save_model": "targeting.scoring",
    "run_strategy": "targeting.allocation",
    "AllocationResult": "targeting.allocation",
    "TargetingError": "targeting.errors",
    "ScenarioError": "targeting.errors",
    "ModelError": "targeting.errors",
    "PolicyConflictError": "targeting.errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'targeting' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
