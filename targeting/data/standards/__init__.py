"""Official multidimensional poverty standards, kept as data files, and one classifier.

A new decree is a new TOML file in ``standards/data/``, not a new release of the code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ...errors import ScenarioError

__all__ = ["Standard", "available_standards", "load_standard", "standard_for_year", "classify"]


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

    def line(self, urban: pd.Series) -> pd.Series:
        """The income line (VND per person per month) for each household."""
        return pd.Series(
            np.where(urban.astype(bool), self.line_urban_vnd, self.line_rural_vnd),
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
    )


def standard_for_year(year: int) -> Standard:
    """The standard in force in ``year`` (2022-2026: Decree 07; 2027-2030: Decree 351)."""
    for name in available_standards():
        s = load_standard(name)
        if s.first_year <= year <= s.last_year:
            return s
    raise ScenarioError(f"no poverty standard is known for year {year}")


def classify(households: pd.DataFrame, standard: Standard | str = "vn-2022-2025") -> pd.DataFrame:
    """Return a copy of ``households`` with ``deprivations``, ``income_line_vnd`` and ``status``.

    poor: income at or below the line and deprived in ``poor_min_deprivations`` (3) or more
    indicators; near-poor: at or below the line and fewer; non-poor: above the line, however
    deprived. Missing indicator columns are an error naming them.
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
    below = out["income_vnd"].astype("int64") <= line
    status = np.where(
        below, np.where(count >= std.poor_min_deprivations, "poor", "near_poor"), "non_poor"
    )
    out["deprivations"] = count
    out["income_line_vnd"] = line
    out["status"] = pd.Series(status, index=out.index, dtype="object")
    return out
