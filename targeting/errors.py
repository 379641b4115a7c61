"""Domain exceptions, kept in one module.

Each is a one-line message that the command line prints without a traceback. They subclass
built-ins so library users can catch them the ordinary way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One breach of the contract, located as a spreadsheet user would look for it."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        place = " ".join(where)
        if self.column is not None:
            place += f", column {self.column}"
        return f"{place}: {self.message}"


def problems_message(problems: list[Problem]) -> str:
    """``N problems found:`` and one line per problem."""
    n = len(problems)
    return f"{n} problem{'s' if n != 1 else ''} found:\n" + "\n".join(str(p) for p in problems)


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


class EngineError(TargetingError, RuntimeError):
    """The Dask cluster failed mid-run: its scheduler was lost, or no worker is left. Exit 1."""

    exit_code = 1


class OutputInUseError(TargetingError, FileExistsError):
    """Another run is writing the same output folder now (its lock file exists). Exit 1."""

    exit_code = 1


class DiskFullError(TargetingError, OSError):
    """The disk filled up while an output was written; nothing was written. Exit 1."""

    exit_code = 1


class OverlapWarning(UserWarning):
    """An intervention has few past examples, or the scored households are unlike those who got it."""
