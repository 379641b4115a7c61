"""Reading and checking a scenario: files, the contract's schema, standards, eligibility.

:func:`read_scenario` is the entry point; :mod:`.files` reads one CSV/XLSX table,
:mod:`.schema` is the data contract as code, :mod:`.standards` the official poverty standards
as data, :mod:`.eligibility` who may join which project.
"""

from __future__ import annotations

from .files import read_table, read_table_file
from .scenario import Scenario, read_scenario

__all__ = ["Scenario", "read_scenario", "read_table", "read_table_file"]
