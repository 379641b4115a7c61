"""Official multidimensional poverty standards, kept as data files, and one classifier.

A new decree is a new TOML file in ``standards/data/``, not a new release of the code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
import pandas as pd

from ...errors import Problem, ScenarioError

__all__ = ["Standard", "available_standards", "load_standard", "standard_for_year", "classify",
           "with_score_lines", "check_income_test"]


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    decree: str
    first_year: int
    last_year: int
    line_rural_vnd: int
    line_urban_vnd: int
    poor_min_deprivations: int
    indicators: tuple[str, ...]
    labels_en: dict
    labels_vi: dict
    #: income-score lines (points) of the review form; None where the standard publishes none
    score_line_rural: int | None = None
    score_line_urban: int | None = None

    def line(self, urban: pd.Series) -> pd.Series:
        """The income line (VND per person per month) for each household."""
        return pd.Series(
            np.where(urban.astype(bool), self.line_urban_vnd, self.line_rural_vnd),
            index=urban.index,
            dtype="int64",
        )

    def score_line(self, urban: pd.Series) -> pd.Series:
        """The income-score line (points) for each household.

        Raises
        ------
        ScenarioError
            When the standard has no score lines (set them with :func:`with_score_lines`),
            naming the scenario.toml settings that supply them.
        """
        missing = [k for k in ("score_line_rural", "score_line_urban") if getattr(self, k) is None]
        if missing:
            raise ScenarioError(
                f"scenario.toml, setting {', '.join('standard.' + k for k in missing)}: standard "
                f"{self.name} publishes no income-score lines, so households classified by "
                "income_score need them here; got no value"
            )
        return pd.Series(
            np.where(urban.astype(bool), self.score_line_urban, self.score_line_rural),
            index=urban.index,
            dtype="int64",
        )


def _data_dir():
    return resources.files("targeting.data.standards").joinpath("data")


def available_standards() -> list[str]:
    return sorted(p.name[: -len(".toml")] for p in _data_dir().iterdir() if p.name.endswith(".toml"))


def load_standard(name: str) -> Standard:
    """Load a standard by name (``vn-2022-2025``, ``vn-2027-2030``)."""
    names = available_standards()
    if name not in names:
        raise ScenarioError(f"unknown poverty standard {name!r}; expected one of {', '.join(names)}")
    d = tomllib.loads(_data_dir().joinpath(f"{name}.toml").read_text(encoding="utf-8"))
    inds = d["indicators"]
    return Standard(
        name=d["name"],
        title=d["title"],
        decree=d["decree"],
        first_year=int(d["first_year"]),
        last_year=int(d["last_year"]),
        line_rural_vnd=int(d["income_line_vnd"]["rural"]),
        line_urban_vnd=int(d["income_line_vnd"]["urban"]),
        poor_min_deprivations=int(d["rule"]["poor_min_deprivations"]),
        indicators=tuple(i["column"] for i in inds),
        labels_en={i["column"]: i["label_en"] for i in inds},
        labels_vi={i["column"]: i["label_vi"] for i in inds},
        score_line_rural=_opt_int(d.get("income_score_line", {}).get("rural")),
        score_line_urban=_opt_int(d.get("income_score_line", {}).get("urban")),
    )


def _opt_int(v) -> int | None:
    return None if v is None else int(v)


def with_score_lines(standard: Standard, rural: int | None, urban: int | None) -> Standard:
    """``standard`` with the income-score lines of scenario.toml where they are given.

    A line given in scenario.toml (``[standard] score_line_rural``, ``score_line_urban``)
    replaces the standard's published one; None keeps it.
    """
    return replace(
        standard,
        score_line_rural=standard.score_line_rural if rural is None else int(rural),
        score_line_urban=standard.score_line_urban if urban is None else int(urban),
    )


def standard_for_year(year: int) -> Standard:
    """The standard in force in ``year`` (2022-2026: Decree 07; 2027-2030: Decree 351)."""
    for name in available_standards():
        s = load_standard(name)
        if s.first_year <= year <= s.last_year:
            return s
    raise ScenarioError(f"no poverty standard is known for year {year}")


def check_income_test(h: pd.DataFrame, file: str, std: Standard, problems: list[Problem], *,
                      todo: pd.Series | None = None, lines_from: tuple[str, str | None] | None = None) -> None:
    """Append a problem for every household the income test of ``std`` cannot judge.

    Parameters
    ----------
    h : DataFrame
        Households with ``income_vnd`` and/or ``income_score``.
    file : str
        The households file, for the messages.
    std : Standard
        The standard, with its score lines (published or from scenario.toml).
    problems : list of Problem
        Where the problems go: a household in ``todo`` with neither income nor score (naming its
        row), and, when some household is judged by its score, each missing score line.
    todo : Series of bool, optional
        The households to classify (default: all).
    lines_from : (str, str or None), optional
        Where the score lines are set, as (file, setting) patterns with ``{}`` for ``rural`` /
        ``urban`` (default: ``scenario.toml``, ``standard.score_line_{}``; the command line
        passes ``("--score-line-{}", None)``).
    """
    nan = pd.Series(np.nan, index=h.index)
    income = h["income_vnd"] if "income_vnd" in h.columns else nan
    score = h["income_score"] if "income_score" in h.columns else nan
    todo = pd.Series(True, index=h.index) if todo is None else todo
    neither = todo & income.isna() & score.isna()
    for i in h.index[neither][:20]:
        problems.append(
            Problem(file, int(i) + 2, "income_vnd",
                    f"the status is derived with {std.name}, whose income test needs income_vnd "
                    "or income_score; got an empty cell in both")
        )
    if not (todo & income.isna() & score.notna()).any():
        return
    where, names = lines_from or ("scenario.toml", "standard.score_line_{}")
    for area in ("rural", "urban"):
        if getattr(std, f"score_line_{area}") is None:
            problems.append(
                Problem(where.format(area), None, names and names.format(area),
                        f"households are classified by income_score and {std.name} publishes no "
                        "income-score lines, so this setting is required; got no value")
            )


def classify(households: pd.DataFrame, standard: Standard | str = "vn-2022-2025") -> pd.DataFrame:
    """Return a copy of ``households`` with ``deprivations``, ``income_line_vnd`` and ``status``.

    poor: income at or below the line and deprived in ``poor_min_deprivations`` (3) or more
    indicators; near-poor: at or below the line and fewer; non-poor: above the line, however
    deprived. Missing indicator columns are an error naming them.

    Where ``income_vnd`` is empty or absent the income test compares ``income_score`` with the
    standard's score line instead (at or below = under the line); the output then also has
    ``income_score_line``. A household with neither is an error naming its row, and so is a
    score without score lines (naming the scenario.toml settings).
    """
    std = load_standard(standard) if isinstance(standard, str) else standard
    missing = [c for c in std.indicators if c not in households.columns]
    if missing:
        raise ScenarioError(
            f"households: standard {std.name} needs the deprivation columns "
            f"{', '.join(missing)}; they are missing"
        )
    out = households.copy()
    deps = out[list(std.indicators)].apply(pd.to_numeric, errors="coerce")
    if deps.isna().any().any():
        col = deps.columns[deps.isna().any()][0]
        row = int(deps.index[deps[col].isna()][0]) + 2
        raise ScenarioError(
            f"households row {row}, column {col}: expected 0 or 1 to classify with {std.name}; "
            "got an empty cell"
        )
    count = deps.sum(axis=1).astype("int64")
    urban = out["urban"] if "urban" in out.columns else pd.Series(0, index=out.index)
    line = std.line(urban.fillna(0))
    below = _under_line(out, std, urban.fillna(0), line)
    status = np.where(
        below, np.where(count >= std.poor_min_deprivations, "poor", "near_poor"), "non_poor"
    )
    out["deprivations"] = count
    out["income_line_vnd"] = line
    out["status"] = pd.Series(status, index=out.index, dtype="object")
    return out


def _under_line(h: pd.DataFrame, std: Standard, urban: pd.Series, line: pd.Series) -> pd.Series:
    """Whether each household's income (or, where it has none, its income score) is at or below
    the line; adds ``income_score_line`` to ``h`` when a score is used."""
    if "income_vnd" in h.columns and h["income_vnd"].notna().all():
        return h["income_vnd"].astype("int64") <= line
    income = pd.to_numeric(h["income_vnd"], errors="coerce") if "income_vnd" in h.columns else (
        pd.Series(np.nan, index=h.index))
    score = pd.to_numeric(h["income_score"], errors="coerce") if "income_score" in h.columns else (
        pd.Series(np.nan, index=h.index))
    neither = income.isna() & score.isna()
    if neither.any():
        row = int(h.index[neither][0]) + 2
        raise ScenarioError(
            f"households row {row}, column income_vnd: the income test of {std.name} needs "
            "income_vnd or income_score; got an empty cell in both"
        )
    by_score = income.isna()
    score_line = std.score_line(urban)
    h["income_score_line"] = score_line.where(by_score).astype("Int64")
    return (income <= line).where(~by_score, score <= score_line).astype(bool)
