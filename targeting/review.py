"""The year after: what a plan did, checked against the registers that followed (``targeting review``).

A plan forecasts sustained exits; the commune's next registers say what happened. The register one
year later (``after``) shows who left it: a household of the plan that is absent from it, or
``non_poor`` in it, is *off the register*. The register two years after that (``followup``) shows
who stayed out: off at one year and off again is a *sustained exit*, off at one year and back on
is *fell back* (tái nghèo). That is the definition the model is trained on (domain: "What
sustainable exit means here"), so with the follow-up the forecast is checked like for like; with
only ``after`` the one-year exits are an upper bound on the sustained ones and are labelled so.

What is read (everything is checked before anything is written):

- the plan folder that was carried out: ``plan.json``, ``allocation.csv`` (who got what, with the
  plan's ``p_exit_base``/``p_exit_plan``) and ``summary.csv`` (each commune's forecast band);
  plan.json records their sha256 (``outputs``), so a folder edited afterwards is refused;
- the registers, in households.csv format, validated like it (a missing status is derived with
  the plan's standard); a register for communes the plan does not know, or sharing no household
  with the plan (another year or province), is refused;
- with ``followup``, the plan's scenario (``scenario``, by default the folder plan.json names,
  checked against the sha256 plan.json recorded for households.csv): the households' columns at
  plan time become ``history.csv`` rows that ``targeting train`` takes as they are.

Counting rules: each household of the plan is counted once, in the commune of the plan, whatever
commune a later register puts it in (``moved`` says how many changed commune); a household on a
later register and not on the plan is *new on the register*, counted in the commune and status of
that register.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import REGISTER_STATUSES, Settings
from .data import schema
from .data.files import read_table_file, sha256_bytes
from .data.scenario import derive_status, find_table_file
from .errors import Problem, ScenarioError, problems_message
from .outcomes import exits_distribution
from .output.files import REVIEWED_OUTPUTS, safe_csv, write_folder_atomically
from .scoring.evaluate import brier, reliability

__all__ = ["PlanRecord", "Review", "read_plan_folder", "read_register", "review_plan", "write_review",
           "transitions", "TRANSITION_COLUMNS", "OUTCOME_COLUMNS", "REVIEW_FILES"]

#: transitions.csv, one row per commune and starting status; the last two with a follow-up.
TRANSITION_COLUMNS = ["commune_id", "status", "households", "to_poor", "to_near_poor", "off_register",
                      "new_on_register", "moved", "fell_back", "sustained_exits"]
#: outcomes.csv, one row per household of the plan (the contract's columns, then the statuses).
OUTCOME_COLUMNS = ["household_id", "commune_id", "project_id", "kind", "p_exit_base", "p_exit_plan",
                   "exited", "sustained_exit", "status", "status_after", "status_followup", "moved"]
REVIEW_FILES = ("transitions.csv", "outcomes.csv", "review.json", "history.csv", "report.html")
#: The plan's numbers review uses (an empty cell is missing: a plan without a model has no
#: probabilities, a commune without them no band).
NUMERIC_PLAN_COLUMNS = ("p_exit_base", "p_exit_plan", "gain", "cost_vnd", "expected_exits", "exits_p10",
                        "exits_p90")


@dataclass
class PlanRecord:
    """A plan folder as written by ``targeting plan``."""

    folder: Path
    meta: dict
    allocation: pd.DataFrame
    summary: pd.DataFrame
    #: whether plan.json recorded the sha256 of the files read (plans written before it did not)
    verified: bool

    @property
    def year(self) -> int:
        return int((self.meta.get("settings") or {}).get("plan", {}).get("year", 0) or 0)

    @property
    def communes(self) -> list[str]:
        return list(dict.fromkeys(self.summary["commune_id"].astype(str)))


@dataclass
class Review:
    """What ``targeting review`` writes: the tables, the figures and the inputs they came from."""

    plan: PlanRecord
    transitions: pd.DataFrame
    outcomes: pd.DataFrame
    summary: dict
    history: pd.DataFrame | None = None
    registers: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _fail(file: str, message: str, row: int | None = None, column: str | None = None):
    problems = [Problem(file, row, column, message)]
    raise ScenarioError(problems_message(problems), problems)


def read_plan_folder(folder: str | os.PathLike) -> PlanRecord:
    """The plan folder's plan.json, allocation.csv and summary.csv, checked against the sha256
    plan.json recorded for them (exit 2 when a file is missing, unreadable or was edited)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(f"plan folder not found: {folder} (give the folder `targeting plan --out` wrote)")
    for name in ("plan.json", *REVIEWED_OUTPUTS):
        if not (folder / name).is_file():
            _fail(name, f"not in the plan folder {folder}; is it a folder written by `targeting plan`?")
    try:
        meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        _fail("plan.json", f"not a plan.json written by `targeting plan`: {e}")
    if not isinstance(meta, dict) or "strategy" not in meta:
        _fail("plan.json", "not a plan.json written by `targeting plan` (no strategy)")
    recorded = meta.get("outputs") or {}
    data = {name: (folder / name).read_bytes() for name in REVIEWED_OUTPUTS}
    for name, digest in recorded.items():
        if name in data and sha256_bytes(data[name]) != digest:
            _fail(name, f"was changed after the plan was written (its sha256 differs from the one in "
                        f"{folder / 'plan.json'}); review the plan folder as `targeting plan` wrote it")
    if meta.get("public"):
        _fail("plan.json", "this is a list for public posting (--public): its household ids are "
                           "pseudonyms; review the plan folder written without --public")
    allocation = _read_csv("allocation.csv", data["allocation.csv"],
                           ["household_id", "commune_id", "status", "project_id", "kind", "p_exit_plan"])
    summary = _read_csv("summary.csv", data["summary.csv"], ["commune_id"])
    return PlanRecord(folder=folder, meta=meta, allocation=allocation, summary=summary,
                      verified=bool(recorded))


def _read_csv(name: str, data: bytes, needed: list[str]) -> pd.DataFrame:
    """A CSV the plan wrote: text as written (ids stay text, empty stays empty), then the numbers."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        _fail(name, f"cannot be read as the plan's CSV: {e}")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        _fail(name, f"has no column {', '.join(missing)}; is it a file written by `targeting plan`?")
    for c in NUMERIC_PLAN_COLUMNS:
        if c in frame.columns:
            frame[c] = pd.to_numeric(frame[c].replace("", np.nan), errors="coerce")
    return frame


def read_register(path: str | os.PathLike, settings: Settings, *, option: str = "--after") -> pd.DataFrame:
    """A later poor / near-poor register in households.csv format, validated like it; a household
    without a status is classified with ``settings``' standard (exit 2 with every problem)."""
    path = Path(path)
    problems: list[Problem] = []
    if not path.is_file():
        raise ScenarioError(f"{option}: register not found: {path}")
    raw, data = read_table_file(path, sheet="households", problems=problems)
    frame = None if raw is None else schema.parse_table(raw, schema.HOUSEHOLDS, path.name, problems)
    if frame is not None and not problems:
        schema.check_households(frame, path.name, problems)
        schema.check_income_columns(frame, path.name, problems)
    if frame is not None and not problems:
        derive_status(frame, path.name, settings, problems)
    if problems:
        raise ScenarioError(f"{option}: " + problems_message(problems), problems)
    frame.attrs["file"] = path.name
    frame.attrs["sha256"] = sha256_bytes(data)
    return frame


def _plan_settings(meta: dict) -> Settings:
    """The standard (and score lines) the plan used: a later register is classified with them."""
    s = meta.get("settings") or {}
    plan = s.get("plan") or {}
    lines = s.get("standard") or {}
    return Settings(year=int(plan.get("year") or Settings.year), standard=plan.get("standard"),
                    score_line_rural=lines.get("score_line_rural"),
                    score_line_urban=lines.get("score_line_urban"))


def _check_register(reg: pd.DataFrame, plan: PlanRecord, option: str) -> None:
    """A register of the plan's communes that shares households with the plan."""
    file = reg.attrs.get("file", option)
    known = set(plan.communes)
    unknown = sorted(set(reg["commune_id"].astype(str)) - known)
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise ScenarioError(f"{option} {file}, column commune_id: communes the plan does not know: {shown} "
                            f"(the plan covers {', '.join(sorted(known))})")
    common = reg["household_id"].astype(str).isin(plan.allocation["household_id"]).sum()
    if common == 0:
        raise ScenarioError(f"{option} {file}: no household id in common with the plan's {len(plan.allocation)} "
                            "households; is it the register of another year or province?")


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------


def _status_on(reg: pd.DataFrame, ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each id's status on ``reg`` (``off`` when absent or non-poor) and its commune there."""
    r = reg.set_index(reg["household_id"].astype(str))  # ids are unique: checked on reading
    status = ids.map(r["status"].astype(str)).where(lambda s: s.isin(REGISTER_STATUSES), "off")
    commune = ids.map(r["commune_id"].astype(str))
    return status, commune


def transitions(plan: PlanRecord, after: pd.DataFrame, followup: pd.DataFrame | None = None) -> pd.DataFrame:
    """transitions.csv: per commune of the plan and starting status, where households went.

    Identities (tested): ``households = to_poor + to_near_poor + off_register`` and, with a
    follow-up, ``off_register = fell_back + sustained_exits``.
    """
    return _transitions(plan, _household_outcomes(plan, after, followup), after, followup)


def _transitions(plan: PlanRecord, o: pd.DataFrame, after: pd.DataFrame, followup: pd.DataFrame | None):
    """:func:`transitions` from the households' outcomes ``o``."""
    new = _new_on_register(o, after)
    rows = []
    for c in plan.communes:
        for s in REGISTER_STATUSES:
            g = o[(o["commune_id"] == c) & (o["status"] == s)]
            row = {
                "commune_id": c,
                "status": s,
                "households": len(g),
                "to_poor": int((g["status_after"] == "poor").sum()),
                "to_near_poor": int((g["status_after"] == "near_poor").sum()),
                "off_register": int((g["status_after"] == "off").sum()),
                "new_on_register": int(new.get((c, s), 0)),
                "moved": int(g["moved"].sum()),
            }
            if followup is not None:
                off = g["status_after"] == "off"
                row["fell_back"] = int((off & (g["status_followup"] != "off")).sum())
                row["sustained_exits"] = int((off & (g["status_followup"] == "off")).sum())
            rows.append(row)
    cols = [c for c in TRANSITION_COLUMNS if followup is not None or c not in ("fell_back", "sustained_exits")]
    return pd.DataFrame(rows, columns=cols)


def _new_on_register(o: pd.DataFrame, reg: pd.DataFrame) -> dict:
    """(commune, status) -> households on ``reg`` that were not on the plan's register (``o``: a
    household the plan listed as non-poor and now on the register is new on it too)."""
    new = reg[~reg["household_id"].astype(str).isin(o["household_id"])
              & reg["status"].isin(REGISTER_STATUSES)]
    return new.groupby([new["commune_id"].astype(str), new["status"].astype(str)]).size().to_dict()


def _household_outcomes(plan: PlanRecord, after: pd.DataFrame, followup: pd.DataFrame | None) -> pd.DataFrame:
    a = plan.allocation
    ids = a["household_id"].astype(str)
    o = pd.DataFrame({
        "household_id": ids,
        "commune_id": a["commune_id"].astype(str),
        "project_id": a["project_id"],
        "kind": a["kind"],
        "p_exit_base": a["p_exit_base"] if "p_exit_base" in a else np.nan,
        "p_exit_plan": a["p_exit_plan"],
        "status": a["status"].astype(str),
    })
    o["status_after"], commune_after = _status_on(after, ids)
    o["exited"] = (o["status_after"] == "off").astype(int)
    moved = commune_after.notna() & (commune_after != o["commune_id"])
    if followup is not None:
        o["status_followup"], commune_followup = _status_on(followup, ids)
        o["sustained_exit"] = ((o["status_after"] == "off") & (o["status_followup"] == "off")).astype(int)
        moved |= commune_followup.notna() & (commune_followup != o["commune_id"])
    else:
        o["status_followup"] = ""
        o["sustained_exit"] = pd.NA
    o["moved"] = moved.astype(int)
    o = o[o["status"].isin(REGISTER_STATUSES)]  # the plan's register: poor and near-poor households
    return o[OUTCOME_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Forecast against outcome
# ---------------------------------------------------------------------------------------------


def _rate(x: pd.Series) -> float | None:
    return None if len(x) == 0 else round(float(x.mean()), 4)


def _forecast_vs_outcome(g: pd.DataFrame, measure: str, band: tuple | None) -> dict:
    """One commune (or all): the forecast, what happened, and the exit rates by support."""
    happened = int(g[measure].sum())
    supported = g["project_id"] != ""
    out: dict = {"households": len(g), "supported": int(supported.sum()), "exits": happened}
    has_p = g["p_exit_plan"].notna().all() and len(g) > 0
    if has_p:
        expected = float(g["p_exit_plan"].sum())
        lo, hi = band if band is not None else _band(g["p_exit_plan"])
        out.update(expected_exits=round(expected, 2), exits_p10=lo, exits_p90=hi,
                   inside_band=bool(lo <= happened <= hi), difference=round(happened - expected, 2))
    out["exit_rate_supported"] = _rate(g.loc[supported, measure])
    out["exit_rate_unsupported"] = _rate(g.loc[~supported, measure])
    if has_p:
        out["forecast_rate_supported"] = _rate(g.loc[supported, "p_exit_plan"])
        out["forecast_rate_unsupported"] = _rate(g.loc[~supported, "p_exit_plan"])
    by_kind = {}
    for kind, k in g[supported].groupby("kind", sort=True):
        by_kind[kind] = {"households": len(k), "exit_rate": _rate(k[measure]),
                         "forecast_rate": _rate(k["p_exit_plan"]) if has_p else None}
    out["by_kind"] = by_kind
    return out


def _band(p: pd.Series) -> tuple[int, int]:
    d = exits_distribution(p.to_numpy(dtype=float))
    return int(d["p10"]), int(d["p90"])


def _calibration(o: pd.DataFrame) -> dict:
    """Brier score of ``p_exit_plan`` for ``sustained_exit`` and the table by tenth of probability."""
    p = o["p_exit_plan"].to_numpy(dtype=float)
    y = o["sustained_exit"].to_numpy(dtype=float)
    return {
        "brier": round(brier(p, y), 4),
        # the Brier score of always forecasting the observed rate: a useful forecast is below it
        "brier_constant": round(brier(np.full_like(y, y.mean()), y), 4),
        "reliability": reliability(p, y)["table"],
    }


def review_plan(plan_dir: str | os.PathLike, after: str | os.PathLike, followup: str | os.PathLike | None = None,
                *, scenario: str | os.PathLike | None = None, standard: str | None = None) -> Review:
    """Review the plan in ``plan_dir`` against the register ``after`` (one year on) and
    ``followup`` (two years after that). See the module docstring; nothing is written here."""
    plan = read_plan_folder(plan_dir)
    settings = _plan_settings(plan.meta)
    if standard is not None:  # the plan's score lines belong to the plan's standard
        settings = Settings(year=settings.year, standard=standard)
    regs = {"after": read_register(after, settings, option="--after")}
    if followup is not None:
        regs["followup"] = read_register(followup, settings, option="--followup")
    for option, reg in regs.items():
        _check_register(reg, plan, f"--{option}")
    f = regs.get("followup")
    o = _household_outcomes(plan, regs["after"], f)
    measure = "sustained_exit" if f is not None else "exited"
    band = plan.summary.set_index("commune_id")
    names = _commune_names(plan, scenario)
    communes = {}
    for c in plan.communes:
        lo, hi = (band.loc[c, "exits_p10"], band.loc[c, "exits_p90"]) if "exits_p10" in band else (np.nan, np.nan)
        communes[c] = {"name": names.get(c, c),
                       **_forecast_vs_outcome(o[o["commune_id"] == c], measure,
                                              None if pd.isna(lo) or pd.isna(hi) else (int(lo), int(hi)))}
    summary: dict = {
        "plan": {"folder": str(Path(plan_dir).resolve()), "strategy": plan.meta.get("strategy"),
                 "year": plan.year, "checked": plan.verified},
        "registers": {k: {"file": r.attrs["file"], "sha256": r.attrs["sha256"],
                          "on_register": int(r["status"].isin(REGISTER_STATUSES).sum())} for k, r in regs.items()},
        "measure": measure,
        "measure_words": ("sustained exits: off the register one year on and still off at the follow-up"
                          if f is not None else
                          "exits one year on: off the register at --after. The plan forecast sustained "
                          "exits; some of these households will fall back, so this is an upper bound "
                          "until the follow-up register is reviewed"),
        "all": _forecast_vs_outcome(o, measure, None),
        "communes": communes,
        "moved": int(o["moved"].sum()),
        "notes": [],
    }
    if not plan.verified:
        summary["notes"].append("plan.json records no sha256 of allocation.csv and summary.csv (a plan "
                                "written before review existed): edits to them cannot be detected")
    has_p = o["p_exit_plan"].notna().all() and len(o) > 0
    if not has_p:
        summary["notes"].append("the plan has no model probabilities (its gains were supplied in gains.csv, "
                                "or no model was used): there is no forecast to check, only what happened")
    elif f is not None:
        summary["calibration"] = _calibration(o)
        inside = [v["inside_band"] for v in communes.values() if "inside_band" in v]
        summary["share_inside_band"] = round(sum(inside) / len(inside), 4) if inside else None
        summary["share_inside_band_words"] = ("share of communes whose sustained exits fell inside the "
                                              "plan's p10-p90 band: about 80% for a calibrated forecast")
    history = _history_rows(plan, o, scenario) if f is not None else None
    t = _transitions(plan, o, regs["after"], f)
    return Review(plan=plan, transitions=t, outcomes=o, summary=summary, history=history, registers=regs)


def _scenario_folder(plan: PlanRecord, scenario) -> Path | None:
    if scenario is not None:
        return Path(scenario)
    return Path(plan.meta["scenario"]) if plan.meta.get("scenario") else None


def _commune_names(plan: PlanRecord, scenario) -> dict[str, str]:
    """Commune names from the plan's scenario, where it can still be read (else the ids)."""
    folder = _scenario_folder(plan, scenario)
    problems: list[Problem] = []
    path = None if folder is None or not folder.is_dir() else find_table_file(folder, "communes", problems)
    raw = None if path is None else read_table_file(path, sheet="communes", problems=problems)[0]
    if raw is None or problems or not {"commune_id", "name"} <= set(raw.columns):
        return {}
    return dict(zip(raw["commune_id"].astype(str), raw["name"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------------
# History rows
# ---------------------------------------------------------------------------------------------


def _history_rows(plan: PlanRecord, o: pd.DataFrame, scenario) -> pd.DataFrame:
    """One history.csv row per household of the plan: its columns at plan time (from the plan's
    scenario), ``year``, ``intervention`` and ``sustained_exit``."""
    households = _scenario_households(plan, scenario)
    h = households.set_index(households["household_id"].astype(str))
    ids = o["household_id"]
    missing = ids[~ids.isin(h.index)]
    if len(missing):
        raise ScenarioError(f"--scenario households file has no row for household {missing.iloc[0]} of the plan "
                            f"({len(missing)} missing); give the scenario the plan was made from")
    rows = h.loc[ids].reset_index(drop=True)
    rows["status"] = o["status"].to_numpy()  # as the plan saw it (derived where the file had none)
    rows.insert(1, "year", plan.year)
    rows["intervention"] = o["kind"].replace("", "none").to_numpy()
    rows["sustained_exit"] = o["sustained_exit"].astype(int).to_numpy()
    return rows


def _scenario_households(plan: PlanRecord, scenario) -> pd.DataFrame:
    folder = _scenario_folder(plan, scenario)
    if folder is None:
        raise ScenarioError("history.csv needs the households' columns at plan time: plan.json does not say "
                            "which scenario the plan was made from; give it with --scenario")
    problems: list[Problem] = []
    path = find_table_file(folder, "households", problems) if folder.is_dir() else None
    if path is None and not problems:
        raise ScenarioError(f"--scenario {folder}: no households.csv (the plan's scenario is needed for "
                            "history.csv); give the scenario folder with --scenario")
    raw, data = (None, None) if path is None else read_table_file(path, sheet="households", problems=problems)
    recorded = (plan.meta.get("inputs") or {}).get(path.name) if path is not None else None
    if data is not None and recorded is not None and sha256_bytes(data) != recorded:
        raise ScenarioError(f"--scenario {folder}: {path.name} changed since the plan was made (its sha256 "
                            "differs from plan.json's inputs); give the scenario as it was with --scenario")
    frame = None if raw is None else schema.parse_table(raw, schema.HOUSEHOLDS, path.name, problems)
    if problems:
        raise ScenarioError(problems_message(problems), problems)
    return frame


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def write_review(review: Review, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the review folder whole or not at all."""

    def write(tmp: Path) -> None:
        safe_csv(review.transitions, tmp / "transitions.csv")
        outcomes = review.outcomes
        if review.history is None:
            outcomes = outcomes.drop(columns=["sustained_exit", "status_followup"])
        safe_csv(outcomes, tmp / "outcomes.csv")
        (tmp / "review.json").write_text(json.dumps(review.summary, indent=2, ensure_ascii=False), encoding="utf-8")
        if review.history is not None:
            safe_csv(review.history, tmp / "history.csv")
        from .output.review_report import write_review_report

        write_review_report(review, tmp / "report.html")

    return write_folder_atomically(out, write, force=force)

