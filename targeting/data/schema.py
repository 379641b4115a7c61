"""The data contract as code: column specifications, parsing and validation with clear errors.

Every table is read as text first and parsed here, cell by cell, so that a problem can be reported
the way a spreadsheet user finds it: ``households.csv row 17, column working_age: must be between 0
and members (4); got 6``. Row numbers count the header as row 1, as Excel and LibreOffice show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import AREA_TYPES, CAUSES, DEPRIVATIONS, ELIGIBLE, HOUSEHOLD_STATUSES, KINDS
from ..config import DECISIONS as DECISION_CODES
from ..errors import Problem

#: Whole VND up to a quadrillion: beyond that a value is a typo, and floats lose integers.
MAX_MONEY = 10**15
#: Reported problems per column and table before they are summarised as "... and N more".
MAX_PROBLEMS_PER_COLUMN = 20


@dataclass(frozen=True)
class Column:
    """Specification of one column.

    ``kind`` is one of ``text``, ``int``, ``money`` (whole VND), ``float``, ``flag`` (0/1),
    ``enum`` (one of ``choices``), ``prob`` (a float in [0, 1]).
    A column that is not ``required`` takes ``default`` when absent or empty; with no default
    it stays missing (``<NA>``).
    """

    name: str
    kind: str
    required: bool = True
    default: object = None
    min: float | None = None
    max: float | None = None
    strict_min: bool = False
    choices: tuple[str, ...] = ()
    unique: bool = False
    finite: bool = True
    help: str = ""

    def expected(self) -> str:
        if self.kind == "flag":
            return "0 or 1"
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        if self.kind == "prob":
            return "a probability between 0 and 1"
        word = {
            "int": "a whole number",
            "money": "a whole number of VND",
            "float": "a number",
            "text": "text",
        }[self.kind]
        if self.strict_min and self.min is not None:
            top = f" and at most {_fmt(self.max)}" if self.max is not None else ""
            return f"{word} > {_fmt(self.min)}{top}"
        if self.min is not None and self.max is not None:
            return f"{word} between {_fmt(self.min)} and {_fmt(self.max)}"
        if self.min is not None:
            return f"{word} {'>' if self.strict_min else '>='} {_fmt(self.min)}"
        return word


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    key: str | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _flag(name: str, required: bool = True, default: object = 0, help: str = "") -> Column:
    return Column(name, "flag", required=required, default=None if required else default, help=help)


_HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("household_id", "text", unique=True, help="key"),
    Column("commune_id", "text", help="must exist in communes.csv"),
    Column("village", "text", help="village / hamlet (thon, ban)"),
    Column("status", "enum", required=False, choices=HOUSEHOLD_STATUSES, help="derived when absent"),
    Column("members", "int", min=1, max=100),
    Column("working_age", "int", min=0, max=100, help="between 0 and members"),
    Column("income_vnd", "money", required=False, min=0, max=MAX_MONEY,
           help="per person per month; this or income_score"),
    *(_flag(d, required=False, default=None) for d in DEPRIVATIONS),
    _flag("urban", required=False, default=0),
    _flag("ethnic_minority"),
    _flag("female_head"),
    _flag("disability"),
    Column("land_m2", "float", min=0, max=1e9),
    Column("livestock_units", "float", min=0, max=1e6),
    Column("road_km", "float", min=0, max=1e4),
    _flag("grid_power"),
    _flag("registered_exit"),
    Column("years_poor", "int", min=0, max=200),
    # the register extras of the annual review: all optional, absent when not given
    Column("income_score", "int", required=False, min=0, max=10**6,
           help="the review form's income score (points); used where income_vnd is empty"),
    *(_flag(c, required=False, default=None, help="a cause of poverty recorded at the review")
      for c in CAUSES),
    Column("wants", "text", required=False,
           help="the kinds of support the household asked for, ';'-separated"),
)

#: Separates the kinds in a ``wants`` cell (``livestock;vocational``).
WANTS_SEPARATOR = ";"


def income_key(h: pd.DataFrame) -> np.ndarray:
    """How poor each household is by income, lowest first, as floats (the ``poorest`` order).

    ``income_vnd`` where every household has it (as before the register extras); on a register
    of scores only, ``income_score``; on a register mixing both, each household's income where
    given, else its score (points are far below any income in VND, so a household known only by
    its score comes first). A household with neither counts as 0.
    """
    nan = pd.Series(np.nan, index=h.index)
    income = pd.to_numeric(h["income_vnd"], errors="coerce") if "income_vnd" in h.columns else nan
    score = pd.to_numeric(h["income_score"], errors="coerce") if "income_score" in h.columns else nan
    return income.fillna(score).fillna(0).to_numpy(dtype=float)


def wanted_kinds(cell: object) -> frozenset[str]:
    """The kinds named in one ``wants`` cell (empty for an empty or missing cell)."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
        return frozenset()
    return frozenset(k.strip() for k in str(cell).split(WANTS_SEPARATOR) if k.strip())

def _optional_text(name: str) -> Column:
    """Text that may be left out or empty (it is then empty)."""
    return Column(name, "text", required=False, default="")


def _money(name: str, required: bool = True, positive: bool = False) -> Column:
    """Whole VND, at least 0 (above 0 when ``positive``), at most :data:`MAX_MONEY`."""
    return Column(name, "money", required=required, min=0, strict_min=positive, max=MAX_MONEY)


def _count(name: str, required: bool = True, low: int = 0, **kw) -> Column:
    """A count of households, places or slots: a whole number from ``low`` to a hundred million."""
    return Column(name, "int", required=required, min=low, max=10**8, **kw)


HOUSEHOLDS = TableSpec(
    "households",
    _HOUSEHOLD_COLUMNS,
    key="household_id",
    description="one row per household on the commune's poor / near-poor register",
)

COMMUNES = TableSpec(
    "communes",
    (
        Column("commune_id", "text", unique=True),
        Column("name", "text"),
        _optional_text("province"),
        Column("area_type", "enum", required=False, default="other", choices=AREA_TYPES),
        _count("households_total", strict_min=True),
        _money("budget_vnd"),
        _count("target_poor", required=False),
        _count("target_near_poor", required=False),
    ),
    key="commune_id",
)

PROJECTS = TableSpec(
    "projects",
    (
        Column("project_id", "text", unique=True),
        Column("commune_id", "text"),
        Column("name", "text"),
        Column("kind", "enum", choices=KINDS),
        _optional_text("village"),
        _optional_text("cooperative_id"),
        _money("cost_vnd", positive=True),
        _count("slots"),
        _money("budget_vnd", required=False),
        _count("min_group", required=False, low=1),
        Column("requires_working_age", "flag", required=False),
        Column("min_land_m2", "float", required=False, min=0, max=1e9),
        Column("eligible", "enum", required=False, default="any", choices=ELIGIBLE),
    ),
    key="project_id",
)

COOPERATIVES = TableSpec(
    "cooperatives",
    (
        Column("cooperative_id", "text", unique=True),
        Column("name", "text"),
        _optional_text("sector"),
        _count("capacity"),
        _count("min_households"),
    ),
    required=False,
    key="cooperative_id",
)

HISTORY = TableSpec(
    "history",
    (
        *(
            Column(
                c.name,
                c.kind,
                required=False,
                default=c.default if not c.required else None,
                min=c.min,
                max=c.max,
                choices=c.choices,
            )
            for c in _HOUSEHOLD_COLUMNS
        ),
        Column("year", "int", required=False, min=1900, max=2200),
        Column("intervention", "enum", choices=(*KINDS, "none")),
        Column("sustained_exit", "flag"),
    ),
    required=False,
)

GAINS = TableSpec(
    "gains",
    (
        Column("household_id", "text"),
        Column("project_id", "text"),
        Column("gain", "float", min=None),
        _money("cost_vnd", required=False, positive=True),
    ),
    required=False,
)

DECISIONS = TableSpec(
    "decisions",
    (
        Column("household_id", "text", help="on the register"),
        Column("decision", "enum", choices=DECISION_CODES),
        _optional_text("project_id"),
        Column("kind", "enum", required=False, choices=KINDS),
        _optional_text("note"),
    ),
    required=False,
    description="what the village meeting decided (targeting.data.decisions)",
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (COMMUNES, HOUSEHOLDS, PROJECTS, COOPERATIVES, HISTORY, GAINS, DECISIONS)
}


# --------------------------------------------------------------------------------------------
# Parsing one table
# --------------------------------------------------------------------------------------------


class Collector:
    """Collects problems, capping how many are listed per (file, column, rule)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def cells(
        self,
        file: str,
        column: str,
        index: Iterable[int],
        values: Iterable[object],
        message: str,
    ) -> None:
        """Report bad cells; ``message`` gets the offending value appended as ``got ...``."""
        idx = list(index)
        vals = list(values)
        for i, v in list(zip(idx, vals))[:MAX_PROBLEMS_PER_COLUMN]:
            self.problems.append(Problem(file, int(i) + 2, column, f"{message}; got {_show(v)}"))
        if len(idx) > MAX_PROBLEMS_PER_COLUMN:
            self.problems.append(
                Problem(
                    file,
                    None,
                    column,
                    f"{message}; {len(idx) - MAX_PROBLEMS_PER_COLUMN} more rows like this "
                    f"(first listed above)",
                )
            )


def _show(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "an empty cell"
    s = str(v)
    if s == "":
        return "an empty cell"
    if len(s) > 60:
        s = s[:57] + "..."
    return repr(s)


def parse_table(raw: pd.DataFrame, spec: TableSpec, file: str, problems: list[Problem]) -> pd.DataFrame:
    """Turn a table of text cells into typed columns, appending every problem found.

    Unknown columns are kept as they are (text); the scoring model may use them as features.
    The returned frame has a fresh RangeIndex; row ``i`` is spreadsheet row ``i + 2``.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    col = Collector(problems)
    n = len(raw)
    for c in spec.columns:
        if c.name not in raw.columns:
            if c.required:
                problems.append(
                    Problem(file, None, c.name, f"required column is missing (expected {c.expected()})")
                )
                continue
            if c.default is not None:
                out[c.name] = pd.Series([c.default] * n, dtype=_dtype(c, has_missing=False))
            continue
        text = raw[c.name].fillna("").astype(str).str.strip().astype("object")
        empty = text == ""
        if c.required and empty.any():
            col.cells(file, c.name, text.index[empty], text[empty], f"expected {c.expected()}")
        if c.kind in ("text", "enum"):
            values = text.copy()
            if c.kind == "enum":
                bad = ~empty & ~values.isin(c.choices)
                if bad.any():
                    col.cells(file, c.name, values.index[bad], values[bad], f"expected {c.expected()}")
            if empty.any():
                if c.default is not None:
                    values[empty] = c.default
                else:
                    values = values.astype("object")
                    values[empty] = None
            out[c.name] = values.astype("object")
        else:
            out[c.name] = _parse_numeric(text, empty, c, file, col)
        if c.unique:
            dup = ~empty & text.duplicated(keep="first")
            if dup.any():
                col.cells(
                    file,
                    c.name,
                    text.index[dup],
                    text[dup],
                    f"{c.name} must be unique; this value appears on an earlier row",
                )
    known = {c.name for c in spec.columns}
    for name in raw.columns:
        if name not in known:
            out[name] = raw[name].values
    return out


def _dtype(c: Column, has_missing: bool) -> str:
    if c.kind in ("int", "money", "flag"):
        return "Int64" if has_missing else "int64"
    if c.kind in ("float", "prob"):
        return "float64"
    return "object"


def _parse_numeric(text: pd.Series, empty: pd.Series, c: Column, file: str, col: Collector) -> pd.Series:
    num = pd.to_numeric(text.where(~empty, None), errors="coerce").astype("float64")
    bad = ~empty & num.isna()
    if c.finite:
        bad |= ~empty & np.isinf(num)
    if bad.any():
        col.cells(file, c.name, text.index[bad], text[bad], f"expected {c.expected()}")
    ok = ~empty & ~bad
    if c.kind in ("int", "money", "flag"):
        frac = ok & (num != np.floor(num))
        if frac.any():
            col.cells(file, c.name, text.index[frac], text[frac], f"expected {c.expected()}")
        ok &= ~frac
    if c.kind == "flag":
        wrong = ok & ~num.isin([0.0, 1.0])
        if wrong.any():
            col.cells(file, c.name, text.index[wrong], text[wrong], f"expected {c.expected()}")
        ok &= ~wrong
    lo = 0.0 if c.kind == "prob" else c.min
    hi = 1.0 if c.kind == "prob" else c.max
    if lo is not None:
        low = ok & ((num <= lo) if c.strict_min else (num < lo))
        if low.any():
            col.cells(file, c.name, text.index[low], text[low], f"expected {c.expected()}")
        ok &= ~low
    if hi is not None:
        high = ok & (num > hi)
        if high.any():
            col.cells(file, c.name, text.index[high], text[high], f"expected {c.expected()}")
        ok &= ~high
    values = num.where(ok)
    missing = values.isna()
    if missing.any() and c.default is not None:
        values = values.where(~missing, float(c.default))
        missing = values.isna()
    if c.kind in ("int", "money", "flag"):
        if missing.any():
            return values.round().astype("Int64")
        return values.round().astype("int64")
    return values


# --------------------------------------------------------------------------------------------
# Rules that span rows and tables
# --------------------------------------------------------------------------------------------


def check_households(h: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """Rules across a household's columns: working_age at most members, every ``wants`` a kind."""
    check_wants(h, file, problems)
    if {"members", "working_age"} <= set(h.columns):
        m = h["members"]
        w = h["working_age"]
        bad = (m.notna() & w.notna() & (w > m)).fillna(False).astype(bool)
        for i in h.index[bad][:MAX_PROBLEMS_PER_COLUMN]:
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "working_age",
                    f"must be between 0 and members ({m[i]}); got {w[i]}",
                )
            )


def check_income_columns(h: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """A register needs ``income_vnd`` or ``income_score`` (or both)."""
    if "income_vnd" not in h.columns and "income_score" not in h.columns:
        # the message of a missing required column, as before income_score was accepted
        expected = HOUSEHOLDS.column("income_vnd").expected()
        problems.append(Problem(file, None, "income_vnd", f"required column is missing (expected {expected})"))


def check_wants(frame: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """Every kind named in a ``wants`` cell must be a project kind."""
    if "wants" not in frame.columns:
        return
    # judged once per distinct cell: a national register has 1.3 million cells and a few dozen values
    cells = frame["wants"]
    verdict = {v: bool(wanted_kinds(v) - set(KINDS)) for v in cells.unique()}
    bad = cells.map(verdict).astype(bool)
    Collector(problems).cells(
        file, "wants", frame.index[bad], frame.loc[bad, "wants"],
        f"expected kinds separated by '{WANTS_SEPARATOR}', each one of {', '.join(KINDS)}",
    )


def check_projects(p: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    if {"kind", "cooperative_id"} <= set(p.columns):
        vc = (p["kind"] == "value_chain") & (p["cooperative_id"].fillna("") == "")
        for i in p.index[vc.fillna(False).astype(bool)][:MAX_PROBLEMS_PER_COLUMN]:
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "cooperative_id",
                    "a value_chain project must name the cooperative that leads it; got an empty cell",
                )
            )
    if {"budget_vnd", "cost_vnd", "min_group"} <= set(p.columns):
        env = p["budget_vnd"]
        need = p["cost_vnd"] * p["min_group"].fillna(1)
        bad = (env.notna() & (env < need)).fillna(False).astype(bool)
        bad &= p["min_group"].notna()
        for i in p.index[bad][:MAX_PROBLEMS_PER_COLUMN]:
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "budget_vnd",
                    f"is below cost_vnd x min_group ({int(need[i])}), so the project can never run; "
                    f"got {int(env[i])}",
                )
            )
    if {"slots", "min_group"} <= set(p.columns):
        bad = (p["min_group"].notna() & (p["min_group"] > p["slots"])).fillna(False).astype(bool)
        for i in p.index[bad][:MAX_PROBLEMS_PER_COLUMN]:
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "min_group",
                    f"is above slots ({p['slots'][i]}), so the project can never run; got {p['min_group'][i]}",
                )
            )


def check_reference(
    child: pd.DataFrame,
    child_file: str,
    column: str,
    parent_keys: Iterable[str],
    parent_file: str,
    problems: list[Problem],
    allow_empty: bool = False,
) -> None:
    if column not in child.columns:
        return
    keys = set(parent_keys)
    vals = child[column]
    present = vals.notna() & (vals != "")
    bad = present & ~vals.isin(keys)
    if not allow_empty:
        bad |= ~present
    col = Collector(problems)
    if bad.any():
        col.cells(
            child_file,
            column,
            child.index[bad],
            vals[bad],
            f"must name a {column} listed in {parent_file}",
        )


def default_requires_working_age(kind: pd.Series) -> pd.Series:
    """Vocational training and labour export need a working-age member; other kinds do not."""
    return kind.isin(["vocational", "labour_export"]).astype("int64")


def check_unique_pairs(frame: pd.DataFrame, file: str, key: list[str], problems: list[Problem]) -> None:
    """Each combination of the ``key`` columns may appear on one row only."""
    if not set(key) <= set(frame.columns):
        return
    dup = frame.duplicated(key, keep="first")
    Collector(problems).cells(
        file, key[-1], frame.index[dup], frame.loc[dup, key[-1]],
        f"each ({', '.join(key)}) pair may appear once; this pair is on an earlier row",
    )


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """A table of ``spec`` with its columns and no rows."""
    return pd.DataFrame({c.name: pd.Series(dtype=_dtype(c, False)) for c in spec.columns})
