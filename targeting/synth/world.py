"""A synthetic Thai Nguyen world: communes, register, projects, cooperatives and history.

Nothing here is real data. The world is calibrated to public facts about these communes:

* Phong Quang: about 1,480 households, 117 poor and 100 near-poor on the register, target
  52 poor and 45 near-poor left at year end;
* Thuong Quan: about 776 households, 497 poor (417 of them ethnic-minority), 4 villages off the
  national grid, aiming at 5 points less poverty;
* Hiep Luc, Xuan Duong, Nghien Loan, Cao Minh and Na Phac: over 50% poor plus near-poor (their
  exact counts are not public; the ones here are assumptions);
* cooperatives that link households of several communes (Ngan Son chestnut, Duong Quang, Khau
  Nua Lech sticky rice, a tea cooperative).

Exits follow the ground truth of :mod:`targeting.synth.truth`; past support is assigned as
:mod:`targeting.synth.history` describes. The register and the history carry the review's extras
(``income_score``, the ``cause_*`` flags, ``wants``) as :mod:`targeting.synth.review` draws
them. The truth never enters a scenario file.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..output.files import write_folder_atomically
from .history import past_support
from .review import add_causes, add_income_score, add_wants
from .truth import INDICATORS_2022, LINE_RURAL

__all__ = ["SEED_COMMUNES", "COOPERATIVES", "DISTRICT_COMMUNES", "World", "make_world", "write_world"]

#: Communes per district: cooperatives serve communes of one district only.
DISTRICT_COMMUNES = 12
#: How common each deprivation is among register households (drawn in proportion to these).
_DEP_WEIGHTS = np.array([0.55, 0.35, 0.15, 0.20, 0.45, 0.10, 0.40, 0.35, 0.35, 0.55, 0.10, 0.30])

SEED_COMMUNES: list[dict] = [
    # name, totals and register counts from the public facts where they state them (module doc).
    dict(commune_id="phong_quang", name="Phong Quang", area_type="difficult", households_total=1480,
         poor=117, near_poor=100, em_share=0.55, villages=["Nà Pài", "Khuổi Ỏ", "Bản Chang", "Nà Mặn",
         "Phiêng Lầu", "Cốc Lào"], off_grid=0, road_km=2.5, target_poor=52, target_near_poor=45),
    dict(commune_id="thuong_quan", name="Thượng Quan", area_type="especially_difficult",
         households_total=776, poor=497, near_poor=60, em_share=417 / 497,
         villages=["Nà Vài", "Khau Cưởm", "Bản Mới", "Nà Lẹng", "Khuổi Tạt", "Bó Pia", "Nà Phầy",
                   "Cốc Phát"], off_grid=4, road_km=9.0, target_poor=458, target_near_poor=55),
    dict(commune_id="hiep_luc", name="Hiệp Lực", area_type="especially_difficult",
         households_total=1250, poor=420, near_poor=230, em_share=0.80,
         villages=["Nà Ngần", "Bản Giang", "Khuổi Slẻ", "Nà Lạn", "Pác Cáp"], off_grid=1, road_km=6.0,
         target_poor=383, target_near_poor=215),
    dict(commune_id="xuan_duong", name="Xuân Dương", area_type="especially_difficult",
         households_total=1050, poor=380, near_poor=190, em_share=0.85,
         villages=["Nà Ỏi", "Bản Cháng", "Khuổi Nộc", "Nà Dài", "Thôn Tát"], off_grid=1, road_km=7.0,
         target_poor=349, target_near_poor=178),
    dict(commune_id="nghien_loan", name="Nghiên Loan", area_type="difficult", households_total=1400,
         poor=470, near_poor=260, em_share=0.75,
         villages=["Nà Pẻn", "Bản Cưa", "Khuổi Khỉ", "Nà Diệc", "Pù Mò", "Nà Phai"], off_grid=0,
         road_km=5.0, target_poor=428, target_near_poor=245),
    dict(commune_id="cao_minh", name="Cao Minh", area_type="especially_difficult",
         households_total=700, poor=260, near_poor=120, em_share=0.90,
         villages=["Nà Lại", "Bản Vài", "Khuổi Hoa", "Lũng Viền"], off_grid=1, road_km=8.0,
         target_poor=239, target_near_poor=113),
    dict(commune_id="na_phac", name="Na Phặc", area_type="difficult", households_total=1600,
         poor=520, near_poor=300, em_share=0.70,
         villages=["Nà Chè", "Bản Đâng", "Khuổi Lùng", "Nà Pùng", "Cốc Xả", "Pác Ngòi"], off_grid=0,
         road_km=4.0, target_poor=472, target_near_poor=282),
]

COOPERATIVES = [
    dict(cooperative_id="htx_hat_de_ngan_son", name="HTX Hạt dẻ Ngân Sơn", sector="chestnut",
         capacity=45, min_households=12),
    dict(cooperative_id="htx_duong_quang", name="HTX Dương Quang", sector="vegetables, rice",
         capacity=50, min_households=10),
    dict(cooperative_id="htx_nep_khau_nua_lech", name="HTX Nếp Khẩu nua lếch", sector="sticky rice",
         capacity=60, min_households=15),
    dict(cooperative_id="htx_che_trai_cai", name="HTX Chè Trại Cài", sector="tea",
         capacity=40, min_households=10),
]

#: (kind, Vietnamese project name, cost range VND, slots range, min_group, needs land m2)
_PROJECT_TYPES = {
    "livestock": ("Hỗ trợ nuôi bò sinh sản", (15_000_000, 25_000_000), (10, 30), 5, None),
    "crop": ("Trồng cây ăn quả", (6_000_000, 12_000_000), (15, 40), None, 500),
    "value_chain": ("Liên kết chuỗi giá trị", (20_000_000, 35_000_000), (10, 25), 8, 1000),
    "community": ("Dự án cộng đồng chăn nuôi lợn đen", (8_000_000, 15_000_000), (10, 30), 6, None),
    "vocational": ("Đào tạo nghề", (4_000_000, 8_000_000), (15, 40), None, None),
    "labour_export": ("Hỗ trợ xuất khẩu lao động", (30_000_000, 50_000_000), (4, 12), None, None),
}


@dataclass
class World:
    """A synthetic scenario in memory: the five tables of a scenario folder and its settings.

    Attributes
    ----------
    communes, households, projects, cooperatives, history : DataFrame
        The tables, with the columns of their CSV files.
    settings : str
        The text of ``scenario.toml``.
    """

    communes: pd.DataFrame
    households: pd.DataFrame
    projects: pd.DataFrame
    cooperatives: pd.DataFrame
    history: pd.DataFrame
    settings: str

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem (``communes`` ... ``history``), in the order they are written."""
        return {
            "communes": self.communes,
            "households": self.households,
            "projects": self.projects,
            "cooperatives": self.cooperatives,
            "history": self.history,
        }


def _generic_commune(i: int, rng: np.random.Generator) -> dict:
    total = int(rng.integers(600, 1800))
    share = float(rng.uniform(0.08, 0.5))
    poor = max(5, int(total * share * 0.65))
    near = max(3, int(total * share * 0.35))
    nv = int(rng.integers(3, 8))
    return dict(
        commune_id=f"xa_{i:04d}", name=f"Xã {i:04d}",
        area_type=str(rng.choice(["especially_difficult", "difficult", "other"])),
        households_total=total, poor=poor, near_poor=near, em_share=float(rng.uniform(0.1, 0.95)),
        villages=[f"Thôn {j + 1}" for j in range(nv)], off_grid=int(rng.integers(0, 2)),
        road_km=float(rng.uniform(1, 10)), target_poor=int(poor * 0.9), target_near_poor=int(near * 0.93),
    )


def _register(c: dict, n_poor: int, n_near: int, rng: np.random.Generator, prefix: str) -> pd.DataFrame:
    """Households of one commune's register (or its past cohorts), statuses as given."""
    n = n_poor + n_near
    status = np.array(["poor"] * n_poor + ["near_poor"] * n_near, dtype=object)
    rng.shuffle(status)
    poor = status == "poor"
    villages = np.array(c["villages"], dtype=object)
    vidx = rng.integers(0, len(villages), n)
    off = np.zeros(len(villages), dtype=bool)
    off[: c["off_grid"]] = True
    members = np.minimum(1 + rng.poisson(3.0, n), 10)
    elderly = rng.random(n) < np.where(poor, 0.10, 0.06)
    wa = np.where(elderly, 0, np.maximum(1, rng.binomial(members, 0.55)))
    wa = np.minimum(wa, members)
    # Exactly em_share of the poor are ethnic-minority (Thuong Quan: 417 of 497); near-poor a
    # little less often.
    em = (rng.random(n) < min(0.99, c["em_share"] * 0.9)).astype(int)
    poor_idx = np.flatnonzero(poor)
    em[poor_idx] = 0
    em[rng.permutation(poor_idx)[: round(c["em_share"] * len(poor_idx))]] = 1
    land = np.round(np.exp(rng.normal(7.4, 0.9, n)) * (rng.random(n) > 0.12), 0)
    village_road = np.exp(rng.normal(np.log(c["road_km"]), 0.5, len(villages)))
    road = np.round(village_road[vidx] * rng.uniform(0.5, 1.5, n), 1)
    k = np.where(poor, rng.integers(3, 8, n), rng.integers(0, 3, n))
    deps = np.zeros((n, len(INDICATORS_2022)), dtype=int)
    w = _DEP_WEIGHTS / _DEP_WEIGHTS.sum()
    for i in range(n):
        deps[i, rng.choice(len(INDICATORS_2022), size=k[i], replace=False, p=w)] = 1
    income = (LINE_RURAL * rng.uniform(0.45, 1.0, n) // 1000 * 1000).astype(np.int64)
    income[rng.random(n) < 0.03] = LINE_RURAL  # at the line still counts as below it
    frame = pd.DataFrame(
        {
            "household_id": [f"{prefix}-{i + 1:05d}" for i in range(n)],
            "commune_id": c["commune_id"],
            "village": villages[vidx],
            "status": status,
            "members": members,
            "working_age": wa,
            "income_vnd": income,
            **{d: deps[:, j] for j, d in enumerate(INDICATORS_2022)},
            "urban": 0,
            "ethnic_minority": em,
            "female_head": (rng.random(n) < 0.25).astype(int),
            "disability": (rng.random(n) < 0.10).astype(int),
            "land_m2": land,
            "livestock_units": rng.poisson(1.0, n),
            "road_km": road,
            "grid_power": (~off[vidx] & (rng.random(n) < 0.97)).astype(int),
            "registered_exit": (rng.random(n) < np.where(poor, 0.22, 0.35)).astype(int),
            "years_poor": np.where(poor, rng.geometric(0.25, n), rng.geometric(0.45, n) - 1),
        }
    )
    return frame


def _review(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The register extras of :mod:`targeting.synth.review`: causes, income score, wants."""
    return add_wants(add_income_score(add_causes(frame, rng), rng), rng)


def _projects(c: dict, coops_here: list[str], rng: np.random.Generator, n_reg: int) -> pd.DataFrame:
    rows = []
    kinds = ["livestock", "crop", "community", "vocational", "labour_export"]
    kinds += ["value_chain"] * len(coops_here)
    extra = ["livestock", "crop", "community"]
    n_extra = 1 + n_reg // 250
    kinds += [extra[i % 3] for i in range(n_extra)]
    coop_iter = iter(coops_here)
    for j, kind in enumerate(kinds):
        name, (c_lo, c_hi), (s_lo, s_hi), min_group, land = _PROJECT_TYPES[kind]
        cost = int(rng.integers(c_lo // 500_000, c_hi // 500_000 + 1)) * 500_000
        slots = int(rng.integers(s_lo, s_hi + 1))
        village = ""
        if kind in ("community", "crop") and rng.random() < 0.4:
            village = str(rng.choice(c["villages"]))
        coop = next(coop_iter) if kind == "value_chain" else ""
        envelope = ""
        if rng.random() < 0.3:
            envelope = str(int(cost * max(min_group or 1, int(slots * rng.uniform(0.5, 0.9)))))
        rows.append(
            {
                "project_id": f"{c['commune_id']}-{kind}-{j + 1:02d}",
                "commune_id": c["commune_id"],
                "name": f"{name}{' ' + village if village else ''}",
                "kind": kind,
                "village": village,
                "cooperative_id": coop,
                "cost_vnd": cost,
                "slots": slots,
                "budget_vnd": envelope,
                "min_group": "" if min_group is None else min_group,
                "requires_working_age": 1 if kind in ("vocational", "labour_export", "value_chain") else 0,
                "min_land_m2": "" if land is None else land,
                "eligible": "poor" if (kind == "community" and rng.random() < 0.3) else "any",
            }
        )
    return pd.DataFrame(rows)


def make_world(
    seed: int = 0,
    households: int | None = None,
    communes: int = len(SEED_COMMUNES),
    history_factor: float = 1.5,
    year: int = 2026,
) -> World:
    """Build a synthetic world.

    Parameters
    ----------
    seed : int
        One seed, one world: every draw comes from one generator seeded with it.
    households : int, optional
        Scales every commune's register so the total is about that many rows; left out, the
        seed communes keep their stated counts.
    communes : int
        Number of communes: the seed communes first (in the order of :data:`SEED_COMMUNES`),
        then generic ones.
    history_factor : float
        Past households drawn per current register household.
    year : int
        The plan year; the history covers ``year - 5 .. year - 3``.

    Returns
    -------
    World

    Raises
    ------
    ValueError
        If ``communes`` is below 1.
    """
    if communes < 1:
        raise ValueError("communes must be at least 1")
    rng = np.random.default_rng(seed)
    # The review's extras come from a generator of their own, so the households' other columns
    # are the ones the same seed gave before the extras were written.
    review_rng = np.random.default_rng([seed, 1])
    specs = [dict(c) for c in SEED_COMMUNES[:communes]]
    specs += [_generic_commune(i + 1, rng) for i in range(len(specs), communes)]
    if households is not None:
        total = sum(c["poor"] + c["near_poor"] for c in specs)
        f = households / total
        for c in specs:
            c["poor"] = max(1, round(c["poor"] * f))
            c["near_poor"] = max(0, round(c["near_poor"] * f))
            c["households_total"] = max(c["poor"] + c["near_poor"], round(c["households_total"] * f))
            c["target_poor"] = max(0, round(c["target_poor"] * f))
            c["target_near_poor"] = max(0, round(c["target_near_poor"] * f))
    # Each cooperative serves a few neighbouring communes: communes are grouped in districts of
    # DISTRICT_COMMUNES; the first district has the named cooperatives, every other one its own
    # (one per three communes), and within a district they form a ring, so every commune gets
    # one or two. Communes of different districts share no cooperative.
    coop_rows = [dict(c) for c in COOPERATIVES]
    districts = [list(range(s, min(s + DISTRICT_COMMUNES, len(specs))))
                 for s in range(0, len(specs), DISTRICT_COMMUNES)]
    district_coops = [list(range(len(coop_rows)))]
    for members in districts[1:]:
        ids = []
        for _ in range(max(1, len(members) // 3)):
            i = len(coop_rows) - len(COOPERATIVES)
            coop_rows.append(dict(cooperative_id=f"htx_{i + 1:04d}", name=f"HTX Liên kết {i + 1:04d}",
                                  sector=str(rng.choice(["tea", "cinnamon", "rice", "pigs"])),
                                  capacity=int(rng.integers(30, 80)),
                                  min_households=int(rng.integers(5, 15))))
            ids.append(len(coop_rows) - 1)
        district_coops.append(ids)
    coops_by_commune: dict[str, list[str]] = {c["commune_id"]: [] for c in specs}
    for members, ring in zip(districts, district_coops):
        for j, i in enumerate(members):
            mine = coops_by_commune[specs[i]["commune_id"]]
            mine.append(coop_rows[ring[j % len(ring)]]["cooperative_id"])
            if j % 2 == 0 and len(ring) > 1:
                mine.append(coop_rows[ring[(j + 1) % len(ring)]]["cooperative_id"])
    used = {x for v in coops_by_commune.values() for x in v}
    coop_rows = [r for r in coop_rows if r["cooperative_id"] in used]

    hh, pr, hist, cm = [], [], [], []
    for c in specs:
        reg = _register(c, c["poor"], c["near_poor"], rng, prefix=c["commune_id"].upper())
        hh.append(_review(reg, review_rng))
        n_hist = max(1, round((c["poor"] + c["near_poor"]) * history_factor))
        n_hp = max(1, round(n_hist * c["poor"] / max(1, c["poor"] + c["near_poor"])))
        past = _register(c, n_hp, n_hist - n_hp, rng, prefix="H-" + c["commune_id"].upper())
        hist.append(past_support(_review(past, review_rng), rng, year - 5))
        projects = _projects(c, coops_by_commune[c["commune_id"]], rng, len(reg))
        pr.append(projects)
        spend = (projects["cost_vnd"] * projects["slots"]).sum()
        budget = int(round(spend * 0.4 / 10_000_000)) * 10_000_000
        cm.append(
            {
                "commune_id": c["commune_id"],
                "name": c["name"],
                "province": "Thái Nguyên",
                "area_type": c["area_type"],
                "households_total": c["households_total"],
                "budget_vnd": budget,
                "target_poor": c["target_poor"],
                "target_near_poor": c["target_near_poor"],
            }
        )
    settings = (
        "# Synthetic scenario written by `targeting synth`; see the package targeting/synth/.\n"
        "[plan]\n"
        f"year = {year}\n"
        'standard = "vn-2022-2025"\n'
        'strategy = "optimal"\n\n'
        "[solver]\n"
        "time_limit_s = 60\n"
        "# Gains estimated by a model carry far more error than 0.5%; the plan is proven within\n"
        "# this gap of the best possible for those gains. 0 asks for a proof of optimality.\n"
        "relative_gap = 0.005\n"
        f"seed = {seed}\n"
        "workers = 0\n\n"
        "[policy]\n"
        "min_ethnic_minority_share = 0.0\n"
        "min_poor_share = 0.0\n"
    )
    return World(
        communes=pd.DataFrame(cm),
        households=pd.concat(hh, ignore_index=True),
        projects=pd.concat(pr, ignore_index=True),
        cooperatives=pd.DataFrame(coop_rows, columns=["cooperative_id", "name", "sector", "capacity",
                                                      "min_households"]),
        history=pd.concat(hist, ignore_index=True),
        settings=settings,
    )


def write_world(world: World, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the world as a scenario folder.

    Parameters
    ----------
    world : World
    out : path
        The folder to create; it appears whole or not at all.
    force : bool
        Replace an existing folder.

    Returns
    -------
    Path
        The folder written. The same world gives byte-identical files.
    """

    def write(tmp: Path) -> None:
        for name, frame in world.tables().items():
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n",
                         float_format=lambda x: _fmt_float(x))
        (tmp / "scenario.toml").write_text(world.settings, encoding="utf-8")

    return write_folder_atomically(out, write, force=force)


def _fmt_float(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return f"{x:.1f}"
