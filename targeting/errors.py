"""Domain exceptions, kept in one module.

Each is a one-line message that the command line prints without a traceback. They subclass
built-ins so library users can catch them the ordinary way.
"""

from __future__ import annotations


class TargetingError(Exception):
    """Base class of every error the engine raises on purpose."""

    exit_code = 1


class ScenarioError(TargetingError, ValueError):
    """The input (a scenario folder, a table, an option) breaks the data contract. Exit 2."""

    exit_code = 2

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class ModelError(TargetingError, ValueError):
    """A model file is unsafe, damaged, or does not fit the scenario. Exit 2."""

    exit_code = 2


class PolicyConflictError(TargetingError, RuntimeError):
    """The policy (quotas, group minimums, budgets) cannot be met. Exit 3."""

    exit_code = 3


class OutputExistsError(TargetingError, FileExistsError):
    """The plan folder exists and --force was not given. Exit 2."""

    exit_code = 2
