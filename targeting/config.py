"""The bottom layer: the words every layer shares, the settings of a run, the bundled files.

Nothing here imports anything else of the package but :mod:`targeting.errors`, so every module
may import it. ``scenario.toml`` is parsed here (:func:`parse_settings`) into :class:`Settings`;
the file reader (:mod:`targeting.data`) only hands over its text.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem

__all__ = [
    "KINDS", "HOUSEHOLD_STATUSES", "REGISTER_STATUSES", "AREA_TYPES", "ELIGIBLE", "DEPRIVATIONS", "STRATEGIES",
    "PLAN_STATUSES", "CONSENT", "CAUSES", "DECISIONS", "BACKENDS", "BUDGET_SPLITS", "Settings", "parse_settings", "bundled_sample",
    "bundled_model",
    "numeric_policy_keys", "settings_problems",
]

#: The kinds of livelihood support a project offers (projects.csv ``kind``).
KINDS = ("livestock", "crop", "value_chain", "community", "vocational", "labour_export")
#: A household's place on the register (households.csv ``status``).
HOUSEHOLD_STATUSES = ("poor", "near_poor", "non_poor")
#: On the poor / near-poor register; a household absent from it, or non-poor, is off it.
REGISTER_STATUSES = ("poor", "near_poor")
AREA_TYPES = ("especially_difficult", "difficult", "other")
#: Who a project admits (projects.csv ``eligible``).
ELIGIBLE = ("poor", "near_poor", "any")
#: Every deprivation indicator any supported standard uses (2022-2025 has the first 12;
#: 2027-2030 replaces dep_info_access with dep_waste).
DEPRIVATIONS = (
    "dep_employment",
    "dep_dependency",
    "dep_nutrition",
    "dep_health_insurance",
    "dep_adult_education",
    "dep_child_schooling",
    "dep_housing_quality",
    "dep_floor_area",
    "dep_water",
    "dep_sanitation",
    "dep_telecom",
    "dep_info_access",
    "dep_waste",
)
#: The causes of poverty recorded at the annual review (households.csv ``cause_*`` flags).
CAUSES = ("cause_land", "cause_capital", "cause_labour", "cause_tools", "cause_know_how",
          "cause_skills", "cause_illness", "cause_other")
#: The allocation strategies: the optimizer and the baselines it is compared with.
STRATEGIES = ("optimal", "greedy", "capacity", "poorest", "lottery")
#: What the village meeting may decide for a household (decisions.csv ``decision``).
DECISIONS = ("assign", "exclude", "decline")
#: What a plan's ``status`` may say (plan.json): ``optimal`` proven within the gap, ``feasible``
#: meets every constraint, ``infeasible`` a baseline that could not meet a quota or minimum,
#: ``timeout`` the time limit stopped the solver.
PLAN_STATUSES = ("optimal", "feasible", "infeasible", "timeout")
#: The optimizer's MIP back-ends (scenario.toml ``[solver] backend``; measured and described in
#: :mod:`targeting.allocation.mip`): ``auto`` (HiGHS, then CP-SAT if HiGHS has not proven the
#: optimum), ``highs``, ``scip`` and ``cpsat`` through OR-Tools MathOpt, ``cpsat-native``
#: (CP-SAT's own API) and ``highs-scipy`` (HiGHS through ``scipy.optimize.milp``).
BACKENDS = ("auto", "highs", "scip", "cpsat", "cpsat-native", "highs-scipy")


# --------------------------------------------------------------------------------------------
# Settings (scenario.toml)
# --------------------------------------------------------------------------------------------

_SETTINGS_SPEC: dict[str, dict[str, tuple[type | tuple[type, ...], object]]] = {
    "plan": {"year": (int, 2026), "standard": (str, None), "strategy": (str, "optimal")},
    "solver": {
        "time_limit_s": ((int, float), 60.0),
        "relative_gap": ((int, float), 1e-4),
        "seed": (int, 0),
        "workers": (int, 0),
        "backend": (str, "auto"),
    },
    "policy": {
        "min_ethnic_minority_share": ((int, float), 0.0),
        "min_poor_share": ((int, float), 0.0),
        "consent": (str, "any"),
        "budget_split": (str, "fixed"),
        "province_budget_vnd": (int, None),
        "min_commune_share": ((int, float), 0.5),
        "max_commune_share": ((int, float), 2.0),
    },
    "standard": {"score_line_rural": (int, None), "score_line_urban": (int, None)},
}
#: ``[policy] consent``: ``any`` shows what households asked for (``wants``); ``wants`` enforces it.
CONSENT = ("any", "wants")
#: ``[policy] budget_split``: how the province's money is split between communes. ``fixed``: each
#: commune's ``budget_vnd`` is its cap; ``proportional``: the total in proportion to poor
#: households; ``optimal``: the optimizer decides each share (:mod:`targeting.allocation.split`).
BUDGET_SPLITS = ("fixed", "proportional", "optimal")


@dataclass
class Settings:
    """scenario.toml, with defaults for what it leaves out."""

    year: int = 2026
    standard: str | None = None
    strategy: str = "optimal"
    time_limit_s: float = 60.0
    relative_gap: float = 1e-4
    seed: int = 0
    workers: int = 0
    backend: str = "auto"
    min_ethnic_minority_share: float = 0.0
    min_poor_share: float = 0.0
    consent: str = "any"
    budget_split: str = "fixed"
    #: the money the province splits; None: the sum of the communes' ``budget_vnd``
    province_budget_vnd: int | None = None
    #: each commune's share is between these multiples of its own ``budget_vnd``
    min_commune_share: float = 0.5
    max_commune_share: float = 2.0
    score_line_rural: int | None = None
    score_line_urban: int | None = None

    @property
    def standard_name(self) -> str:
        """The standard named in the file, else the one in force in ``year``."""
        if self.standard:
            return self.standard
        return "vn-2022-2025" if self.year <= 2026 else "vn-2027-2030"

    @property
    def threads(self) -> int:
        """Solver threads: ``workers``, or every core when it is 0."""
        import os

        return self.workers if self.workers and self.workers > 0 else (os.cpu_count() or 1)

    def as_dict(self) -> dict:
        d = {
            "plan": {"year": self.year, "standard": self.standard_name, "strategy": self.strategy},
            "solver": {
                "time_limit_s": self.time_limit_s,
                "relative_gap": self.relative_gap,
                "seed": self.seed,
                "workers": self.workers,
            },
            "policy": {
                "min_ethnic_minority_share": self.min_ethnic_minority_share,
                "min_poor_share": self.min_poor_share,
            },
        }
        # settings of the register extras, and a back-end other than the default, appear only
        # when set, so plans without them keep the plan.json they had
        if self.backend != "auto":
            d["solver"]["backend"] = self.backend
        if self.consent != "any":
            d["policy"]["consent"] = self.consent
        if self.budget_split != "fixed":  # the province budget split: only when one is asked for
            d["policy"].update(budget_split=self.budget_split,
                               province_budget_vnd=self.province_budget_vnd,
                               min_commune_share=self.min_commune_share,
                               max_commune_share=self.max_commune_share)
        lines = {k: getattr(self, k) for k in ("score_line_rural", "score_line_urban")}
        if any(v is not None for v in lines.values()):
            d["standard"] = {k: v for k, v in lines.items() if v is not None}
        return d


def parse_settings(text: str, file: str, problems: list[Problem],
                   standards: Iterable[str] | None = None) -> Settings:
    """Settings from the text of ``scenario.toml``; every problem is appended to ``problems``.

    ``standards`` are the standard names that ``[plan] standard`` may take (not checked when
    None).
    """
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(file, None, None, f"is not valid TOML: {e}"))
        return Settings()
    s = Settings()
    for section, body in d.items():
        if section not in _SETTINGS_SPEC:
            problems.append(
                Problem(file, None, section, f"unknown section; expected one of {', '.join(_SETTINGS_SPEC)}")
            )
            continue
        if not isinstance(body, dict):
            problems.append(Problem(file, None, section, "expected a [section] table"))
            continue
        for key, value in body.items():
            spec = _SETTINGS_SPEC[section].get(key)
            where = f"{section}.{key}"
            if spec is None:
                problems.append(
                    Problem(
                        file,
                        None,
                        where,
                        f"unknown setting; expected one of {', '.join(_SETTINGS_SPEC[section])}",
                    )
                )
                continue
            typ, _ = spec
            if isinstance(value, bool) or not isinstance(value, typ):
                problems.append(Problem(file, None, where, f"expected {_typename(typ)}; got {value!r}"))
                continue
            setattr(s, key, float(value) if typ == (int, float) else value)
    _check_settings(s, file, problems, None if standards is None else list(standards))
    return s


def _typename(typ) -> str:
    if typ == (int, float):
        return "a number"
    return {int: "a whole number", str: "text", float: "a number"}.get(typ, str(typ))


def _check_settings(s: Settings, file: str, problems: list[Problem], standards: list[str] | None) -> None:
    if s.strategy not in STRATEGIES:
        problems.append(
            Problem(file, None, "plan.strategy", f"expected one of {', '.join(STRATEGIES)}; got {s.strategy!r}")
        )
    if s.standard is not None and standards is not None and s.standard not in standards:
        problems.append(
            Problem(file, None, "plan.standard", f"expected one of {', '.join(standards)}; got {s.standard!r}")
        )
    if not 2000 <= s.year <= 2100:
        problems.append(Problem(file, None, "plan.year", f"expected a year between 2000 and 2100; got {s.year}"))
    if not s.time_limit_s > 0:
        problems.append(Problem(file, None, "solver.time_limit_s", f"expected a number > 0; got {s.time_limit_s}"))
    if not 0 <= s.relative_gap < 1:
        problems.append(
            Problem(file, None, "solver.relative_gap", f"expected a number in [0, 1); got {s.relative_gap}")
        )
    if s.workers < 0:
        problems.append(Problem(file, None, "solver.workers", f"expected a whole number >= 0; got {s.workers}"))
    if s.backend not in BACKENDS:
        problems.append(
            Problem(file, None, "solver.backend", f"expected one of {', '.join(BACKENDS)}; got {s.backend!r}")
        )
    if s.consent not in CONSENT:
        problems.append(
            Problem(file, None, "policy.consent", f"expected one of {', '.join(CONSENT)}; got {s.consent!r}")
        )
    _check_split(s, file, problems)
    for key in ("score_line_rural", "score_line_urban"):
        v = getattr(s, key)
        if v is not None and v < 0:
            problems.append(Problem(file, None, f"standard.{key}", f"expected a whole number >= 0; got {v}"))
    for key in ("min_ethnic_minority_share", "min_poor_share"):
        v = getattr(s, key)
        if not 0 <= v <= 1:
            problems.append(Problem(file, None, f"policy.{key}", f"expected a share between 0 and 1; got {v}"))


def _check_split(s: Settings, file: str, problems: list[Problem]) -> None:
    """The province budget split's settings: a known split, a positive total, and share bounds
    that let a commune keep its own budget (``min_commune_share <= 1 <= max_commune_share``)."""
    if s.budget_split not in BUDGET_SPLITS:
        problems.append(Problem(file, None, "policy.budget_split",
                                f"expected one of {', '.join(BUDGET_SPLITS)}; got {s.budget_split!r}"))
    if s.province_budget_vnd is not None and s.province_budget_vnd <= 0:
        problems.append(Problem(file, None, "policy.province_budget_vnd",
                                f"expected a whole number of VND > 0; got {s.province_budget_vnd}"))
    lo, hi = s.min_commune_share, s.max_commune_share
    if not 0 <= lo <= 1:
        problems.append(Problem(file, None, "policy.min_commune_share",
                                f"expected a multiple of the commune's budget_vnd between 0 and 1; "
                                f"got {lo:g}"))
    if not 1 <= hi <= 100:
        problems.append(Problem(file, None, "policy.max_commune_share",
                                f"expected a multiple of the commune's budget_vnd between 1 and 100; "
                                f"got {hi:g}"))


def numeric_policy_keys() -> dict[str, type]:
    """The ``[policy]`` settings that take a number (what ``compare --sweep`` may vary), each
    with ``int`` when it takes whole numbers only, else ``float``."""
    return {k: int if typ is int else float for k, (typ, _) in _SETTINGS_SPEC["policy"].items()
            if typ in (int, float, (int, float))}


def settings_problems(s: Settings, file: str = "scenario.toml") -> list[Problem]:
    """Every setting of ``s`` out of its range, as scenario.toml's reader reports it."""
    problems: list[Problem] = []
    _check_settings(s, file, problems, None)
    return problems


# --------------------------------------------------------------------------------------------
# The bundled sample and model
# --------------------------------------------------------------------------------------------


def bundled_sample() -> Path:
    """The bundled sample scenario (``data_samples/thai_nguyen``)."""
    return _bundled("data_samples", "thai_nguyen")


def bundled_model() -> Path:
    """The bundled default scoring model (``models/default``)."""
    return _bundled("models", "default")


def _bundled(package: str, name: str) -> Path:
    # Installed (pip install .): the folders are inside the package, targeting/data_samples/...
    # In a checkout or an editable install: at the top of the repository, beside targeting/.
    here = Path(__file__).resolve().parent
    for base in (here / package, here.parent / package):
        if (base / name).exists():
            return base / name
    return here / package / name


# --------------------------------------------------------------------------------------------
# Limits on what is read (docs/robustness.md, "Huge inputs")
# --------------------------------------------------------------------------------------------

#: Environment variables that change the limits below, for an operator with more memory.
LIMIT_VARIABLES = {"file_mb": "TARGETING_MAX_FILE_MB", "xlsx_mb": "TARGETING_MAX_XLSX_MB"}


@dataclass(frozen=True)
class ReadLimits:
    """The largest input read, checked before the file is parsed.

    ``file_mb``: any one input file (CSV or XLSX) on disk. Reading a CSV table peaks at about 12
    times its size (the bytes, the text, the cells, the parsed columns; the national register of
    1.26 million households, 169 MB, peaked at 2.1 GB in ``targeting validate``): the default
    500 MB (about 3.7 million households) keeps reading within a budget of 6 GB. ``xlsx_mb``:
    what the parts of one .xlsx workbook unpack to (sheets, shared strings, styles), read from
    the zip's directory before anything is unpacked, so a zip bomb (a tiny file with an
    enormous sheet) is refused at once; the default 300 MB is about 150,000 register rows
    (2 KB a row unpacked), which openpyxl reads in about 2 minutes.
    """

    file_mb: float = 500.0
    xlsx_mb: float = 300.0


def read_limits() -> ReadLimits:
    """The limits in force: :class:`ReadLimits` with the environment's overrides."""
    import os

    values = {}
    for field, var in LIMIT_VARIABLES.items():
        text = os.environ.get(var, "").strip()
        if text:
            try:
                values[field] = float(text)
            except ValueError:
                values[field] = float("nan")
            if not values[field] > 0:
                from .errors import ScenarioError

                raise ScenarioError(f"{var} must be a number of megabytes above 0; got {text!r}")
    return ReadLimits(**values)
