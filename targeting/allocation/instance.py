"""The allocation problem as arrays: households, projects, cooperatives, communes and eligible pairs.

Every strategy (the optimizer and the baselines) works on one :class:`Instance`, built once from
the pipeline's DataFrames. Indices are positions in the arrays; ids are kept for the way back.
A *pair* is one eligible (household, project) with its gain and cost; a *plan* is an array of
chosen pair indices, at most one per household.

The commune of a pair is the project's commune: its budget pays, and its quotas count the
household (the contract: "the commune whose budget pays and whose households may join").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..config import Settings
from ..data.schema import income_key

__all__ = ["Instance", "Quota", "build_instance", "POVERTY_LEVEL"]

#: Tie-break order of statuses: higher is poorer.
POVERTY_LEVEL = {"poor": 2, "near_poor": 1, "non_poor": 0}


@dataclass(frozen=True)
class Quota:
    """A per-commune minimum share of supported households that have ``attribute`` = 1.

    Linear in the decisions: ``sum_h x_h * (attr_h - share) >= 0`` over the commune's supported
    households. New quotas are one more entry in :func:`quotas_from_settings`.
    """

    name: str  # e.g. "ethnic_minority"
    setting: str  # e.g. "min_ethnic_minority_share"
    share: float
    attr: np.ndarray  # per household (instance index), 0/1


@dataclass
class Instance:
    # households (only those with at least one pair)
    hh_ids: np.ndarray
    hh_poverty: np.ndarray  # POVERTY_LEVEL
    hh_income: np.ndarray
    # projects
    p_ids: np.ndarray
    p_commune: np.ndarray  # commune index
    p_slots: np.ndarray
    p_envelope: np.ndarray  # -1 = none
    p_min_group: np.ndarray  # 0 = none
    p_coop: np.ndarray  # -1 = none
    # cooperatives
    k_ids: np.ndarray
    k_capacity: np.ndarray
    k_min: np.ndarray
    # communes
    c_ids: np.ndarray
    c_budget: np.ndarray
    # pairs
    pair_h: np.ndarray
    pair_p: np.ndarray
    pair_gain: np.ndarray  # float64, exactly as supplied
    pair_cost: np.ndarray  # int64 VND
    quotas: list[Quota] = field(default_factory=list)
    #: pairs the village meeting assigned (fixed to 1 in every model); None: no decisions
    pair_forced: np.ndarray | None = None

    @property
    def forced(self) -> np.ndarray:
        """Mask over pairs: those fixed to 1 by the meeting's decisions (all False without)."""
        if self.pair_forced is None:
            return np.zeros(self.n_pairs, dtype=bool)
        return self.pair_forced

    @property
    def pair_c(self) -> np.ndarray:
        return self.p_commune[self.pair_p]

    @property
    def pair_k(self) -> np.ndarray:
        return self.p_coop[self.pair_p]

    @property
    def n_pairs(self) -> int:
        return len(self.pair_h)

    def pairs_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "household_id": self.hh_ids[self.pair_h],
                "project_id": self.p_ids[self.pair_p],
                "cooperative_id": np.where(
                    self.pair_k >= 0, self.k_ids[np.maximum(self.pair_k, 0)] if len(self.k_ids) else "", ""
                ),
                "cost_vnd": self.pair_cost,
                "gain": self.pair_gain,
            }
        )

    def assignment(self, chosen: np.ndarray) -> pd.DataFrame:
        """The plan as the ``assignment`` frame (one row per supported household)."""
        chosen = np.asarray(chosen, dtype=np.int64)
        out = self.pairs_frame().iloc[chosen].reset_index(drop=True)
        out["cost_vnd"] = out["cost_vnd"].astype("int64")
        return out

    def subset(self, communes: np.ndarray) -> tuple[Instance, np.ndarray]:
        """The instance restricted to pairs of the given communes (cooperatives kept whole).

        Returns the sub-instance and the original indices of its pairs.
        """
        idx = np.flatnonzero(np.isin(self.pair_c, communes))
        return self.take(idx), idx

    def take(self, idx: np.ndarray) -> Instance:
        """The instance restricted to the pairs ``idx`` (households, projects, cooperatives kept)."""
        idx = np.asarray(idx, dtype=np.int64)
        return Instance(
            **{k: getattr(self, k) for k in _STATIC},
            pair_h=self.pair_h[idx],
            pair_p=self.pair_p[idx],
            pair_gain=self.pair_gain[idx],
            pair_cost=self.pair_cost[idx],
            quotas=self.quotas,
            pair_forced=None if self.pair_forced is None else self.pair_forced[idx],
        )


    def compact(self) -> Instance:
        """The same instance over only the households and projects its pairs use.

        :meth:`take` keeps every household of the province; a subproblem sent to a worker carries
        only its own (communes and cooperatives, a few thousand entries, stay whole so their
        indices hold). Pair order is kept, so chosen pair indices mean the same in both.
        """
        h_used, pair_h = np.unique(self.pair_h, return_inverse=True)
        p_used, pair_p = np.unique(self.pair_p, return_inverse=True)
        hh = {k: getattr(self, k)[h_used] for k in ("hh_ids", "hh_poverty", "hh_income")}
        pp = {k: getattr(self, k)[p_used] for k in ("p_ids", "p_commune", "p_slots", "p_envelope",
                                                     "p_min_group", "p_coop")}
        kc = {k: getattr(self, k) for k in ("k_ids", "k_capacity", "k_min", "c_ids", "c_budget")}
        quotas = [replace(q, attr=np.asarray(q.attr)[h_used]) for q in self.quotas]
        return Instance(**hh, **pp, **kc, pair_h=pair_h.astype(np.int64),
                        pair_p=pair_p.astype(np.int64), pair_gain=self.pair_gain,
                        pair_cost=self.pair_cost, quotas=quotas, pair_forced=self.pair_forced)

    def total_gain(self, chosen) -> float:
        """The objective of a plan: the exactly rounded sum of its pairs' gains."""
        return math.fsum(self.pair_gain[np.asarray(chosen, dtype=np.int64)].tolist())


_STATIC = (
    "hh_ids hh_poverty hh_income p_ids p_commune p_slots p_envelope p_min_group p_coop "
    "k_ids k_capacity k_min c_ids c_budget"
).split()


def _int_or(series: pd.Series, missing: int) -> np.ndarray:
    s = pd.to_numeric(series, errors="coerce")
    return s.fillna(missing).astype("int64").to_numpy()


def quotas_from_settings(settings: Settings, hh: pd.DataFrame) -> list[Quota]:
    """The policy quotas of scenario.toml, as linear per-commune constraints."""
    qs = []
    em = hh["ethnic_minority"] if "ethnic_minority" in hh else pd.Series(0, index=hh.index)
    poor = (hh["status"] == "poor") if "status" in hh else pd.Series(False, index=hh.index)
    for name, setting, attr in (
        ("ethnic_minority", "min_ethnic_minority_share", em),
        ("poor", "min_poor_share", poor),
    ):
        share = float(getattr(settings, setting, 0.0) or 0.0)
        if share > 0:
            qs.append(Quota(name, setting, share, pd.to_numeric(attr).fillna(0).astype("int64").to_numpy()))
    return qs


def build_instance(
    households: pd.DataFrame,
    projects: pd.DataFrame,
    cooperatives: pd.DataFrame | None,
    communes: pd.DataFrame,
    gains: pd.DataFrame,
    settings: Settings,
    forced: pd.DataFrame | None = None,
    removed: pd.DataFrame | None = None,
) -> Instance:
    """Arrays of the allocation problem. ``gains`` lists exactly the eligible pairs.

    ``forced`` and ``removed`` (``household_id, project_id``, the village meeting's decisions):
    a forced pair is fixed to 1 (its household's other pairs are dropped), a removed pair is
    dropped. Without either the instance is exactly as before.
    """
    g = gains[["household_id", "project_id", "gain"] + (["cost_vnd"] if "cost_vnd" in gains else [])]
    g = g.drop_duplicates(["household_id", "project_id"], keep="first")
    keys = g["household_id"].astype(str) + "\x1f" + g["project_id"].astype(str)
    forced_keys = None
    if removed is not None and len(removed):
        gone = set(_pair_keys(removed))
        g, keys = g[~keys.isin(gone)], keys[~keys.isin(gone)]
    if forced is not None and len(forced):
        forced_keys = set(_pair_keys(forced))
        missing = sorted(forced_keys - set(keys))
        if missing:
            h, p = missing[0].split("\x1f")
            raise ValueError(f"assigned pair ({h}, {p}) is not an eligible pair of the gains")
        fh = set(forced["household_id"].astype(str))
        keep = ~g["household_id"].astype(str).isin(fh) | keys.isin(forced_keys)
        g, keys = g[keep], keys[keep]
    hh_all = households.set_index("household_id", drop=False)
    proj = projects.reset_index(drop=True)
    p_index = pd.Index(proj["project_id"].astype(str))
    c_ids = communes["commune_id"].astype(str).to_numpy()
    c_index = pd.Index(c_ids)

    # households that appear in at least one pair with a known project, in input order
    g = g[g["project_id"].astype(str).isin(p_index) & g["household_id"].isin(hh_all.index)]
    hh_ids_used = pd.Index(g["household_id"].unique())
    order = hh_all.index.get_indexer(hh_ids_used)
    hh = hh_all.iloc[np.sort(order)].reset_index(drop=True)
    h_index = pd.Index(hh["household_id"])

    status = hh["status"].astype(str) if "status" in hh else pd.Series("poor", index=hh.index)
    poverty = status.map(POVERTY_LEVEL).fillna(0).astype("int64").to_numpy()
    income = income_key(hh)

    coop = cooperatives if cooperatives is not None else pd.DataFrame(
        columns=["cooperative_id", "capacity", "min_households"])
    k_ids = coop["cooperative_id"].astype(str).to_numpy()
    k_index = pd.Index(k_ids)
    pk = proj["cooperative_id"].fillna("").astype(str) if "cooperative_id" in proj else pd.Series("", index=proj.index)
    p_coop = np.where(pk.to_numpy() == "", -1, k_index.get_indexer(pk))

    p_commune = c_index.get_indexer(proj["commune_id"].astype(str))
    if (p_commune < 0).any():
        bad = proj.loc[p_commune < 0, "project_id"].iloc[0]
        raise ValueError(f"project {bad!r} names a commune that is not in communes")

    pair_h = h_index.get_indexer(g["household_id"])
    pair_p = p_index.get_indexer(g["project_id"].astype(str))
    gain = pd.to_numeric(g["gain"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(gain).all():
        raise ValueError("gains must be finite numbers")
    proj_cost = proj["cost_vnd"].astype("int64").to_numpy()
    if "cost_vnd" in g:
        cost = pd.to_numeric(g["cost_vnd"], errors="coerce").to_numpy(dtype=float)
        cost = np.where(np.isnan(cost), proj_cost[pair_p], cost).astype("int64")
    else:
        cost = proj_cost[pair_p]
    # pairs ordered by household, then project as listed (stable, reproducible)
    o = np.lexsort((pair_p, pair_h))
    inst = Instance(
        hh_ids=hh["household_id"].to_numpy(),
        hh_poverty=poverty,
        hh_income=income,
        p_ids=proj["project_id"].astype(str).to_numpy(),
        p_commune=p_commune,
        p_slots=_int_or(proj["slots"], 10**9),
        p_envelope=_int_or(proj["budget_vnd"], -1) if "budget_vnd" in proj else np.full(len(proj), -1),
        p_min_group=_int_or(proj["min_group"], 0) if "min_group" in proj else np.zeros(len(proj), "int64"),
        p_coop=p_coop.astype("int64"),
        k_ids=k_ids,
        k_capacity=_int_or(coop["capacity"], 10**9),
        k_min=_int_or(coop["min_households"], 0),
        c_ids=c_ids,
        c_budget=_int_or(communes["budget_vnd"], 0),
        pair_h=pair_h[o].astype("int64"),
        pair_p=pair_p[o].astype("int64"),
        pair_gain=gain[o],
        pair_cost=cost[o],
        quotas=quotas_from_settings(settings, hh),
    )
    if forced_keys is not None:
        final = pd.Series(_pair_keys(g), dtype=object)
        inst.pair_forced = final.isin(forced_keys).to_numpy()[o]
    return inst


def _pair_keys(pairs: pd.DataFrame) -> list[str]:
    return (pairs["household_id"].astype(str) + "\x1f" + pairs["project_id"].astype(str)).tolist()
