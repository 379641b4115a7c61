"""What several test files share: a tiny valid scenario, the command line, plan digests,
strategies run on compact tables. Fixtures live in conftest.py and are built from these."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from targeting.allocation import run_strategy
from targeting.allocation.checks import violations
from targeting.allocation.instance import build_instance
from targeting.cli import main
from targeting.config import Settings

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

DEPS = ["dep_employment", "dep_dependency", "dep_nutrition", "dep_health_insurance",
        "dep_adult_education", "dep_child_schooling", "dep_housing_quality", "dep_floor_area",
        "dep_water", "dep_sanitation", "dep_telecom", "dep_info_access"]


def household(hid: str, commune: str = "c1", village: str = "Nà Pài", **kw) -> dict:
    row = {"household_id": hid, "commune_id": commune, "village": village, "status": "poor",
           "members": 4, "working_age": 2, "income_vnd": 1_000_000, **{d: 0 for d in DEPS},
           "ethnic_minority": 1, "female_head": 0, "disability": 0, "land_m2": 2000.0,
           "livestock_units": 1.0, "road_km": 3.0, "grid_power": 1, "registered_exit": 0,
           "years_poor": 2}
    for d in DEPS[:3]:
        row[d] = 1
    row.update(kw)
    return row


def tiny_tables() -> dict[str, pd.DataFrame]:
    communes = pd.DataFrame([
        {"commune_id": "c1", "name": "Phong Quang", "province": "Thái Nguyên", "area_type": "difficult",
         "households_total": 100, "budget_vnd": 50_000_000, "target_poor": 2},
    ])
    households = pd.DataFrame([household(f"h{i}", income_vnd=900_000 + 10_000 * i) for i in range(1, 6)])
    projects = pd.DataFrame([
        {"project_id": "p1", "commune_id": "c1", "name": "Nuôi bò", "kind": "livestock", "village": "",
         "cooperative_id": "", "cost_vnd": 20_000_000, "slots": 2, "budget_vnd": "", "min_group": "",
         "requires_working_age": "", "min_land_m2": "", "eligible": "any"},
        {"project_id": "p2", "commune_id": "c1", "name": "Chè", "kind": "value_chain", "village": "",
         "cooperative_id": "k1", "cost_vnd": 25_000_000, "slots": 3, "budget_vnd": "", "min_group": "",
         "requires_working_age": "", "min_land_m2": 500, "eligible": "any"},
    ])
    cooperatives = pd.DataFrame([
        {"cooperative_id": "k1", "name": "HTX Chè", "sector": "tea", "capacity": 5, "min_households": 0},
    ])
    return {"communes": communes, "households": households, "projects": projects,
            "cooperatives": cooperatives}


def write_tables(folder: Path, tables: dict[str, pd.DataFrame], toml: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    if toml is not None:
        (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    return folder


def cli(*args, catch: bool = False):
    """Run ``targeting ARGS`` through click's test runner; ``catch`` keeps exceptions as results."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=catch)


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file directly in ``folder``, by name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def solve_tables(strategy: str, t: dict, settings: Settings | None = None, **kw):
    """Run ``strategy`` on the compact tables of :func:`targeting.synth.instances.tables`."""
    return run_strategy(strategy, t["households"], t["projects"], t["cooperatives"], t["communes"],
                        t["gains"], settings or Settings(), **kw)


def plan_violations(t: dict, res, settings: Settings | None = None) -> list[str]:
    """Every hard constraint a strategy's plan on tables ``t`` breaks (none, for a valid plan)."""
    inst = build_instance(t["households"], t["projects"], t["cooperatives"], t["communes"],
                          t["gains"], settings or Settings())
    key = pd.MultiIndex.from_frame(res.assignment[["household_id", "project_id"]])
    pairs = pd.MultiIndex.from_arrays([inst.hh_ids[inst.pair_h], inst.p_ids[inst.pair_p]])
    chosen = np.flatnonzero(pairs.isin(key))
    assert len(chosen) == len(res.assignment)
    return violations(inst, chosen)


class BruteForce:
    """Every plan of tables ``t`` (or of a built instance) that meets every constraint, with its
    pairs and objective: the exact optimum of tiny cases, with or without decisions."""

    def __init__(self, t, settings: Settings | None = None, split=None):
        """``split`` (a :class:`targeting.allocation.split.SplitBounds`): the coupled problem of
        the province budget split instead, each commune spending at most its largest share and
        the shares (at least the minimums) adding up to at most the total."""
        inst = t if hasattr(t, "pair_h") else build_instance(
            t["households"], t["projects"], t["cooperatives"], t["communes"], t["gains"],
            settings or Settings())
        if split is not None:
            from dataclasses import replace

            from targeting.allocation.constraints.budgets import coupled_violations

            inst = replace(inst, c_budget=split.hi)
            fits = lambda ch: not coupled_violations(inst, ch, split.lo, split.hi,  # noqa: E731
                                                     split.total)
        else:
            fits = lambda ch: True  # noqa: E731
        keys = list(zip(inst.hh_ids[inst.pair_h].astype(str), inst.p_ids[inst.pair_p].astype(str)))
        options = [[None] + [i for i in range(inst.n_pairs) if inst.pair_h[i] == h]
                   for h in range(len(inst.hh_ids))]
        self.plans = []
        for pick in itertools.product(*options):
            chosen = np.array([i for i in pick if i is not None], dtype=np.int64)
            if not violations(inst, chosen) and fits(chosen):
                self.plans.append(({keys[i] for i in chosen}, inst.total_gain(chosen)))

    def best(self, forced=(), removed=()) -> float:
        """The best objective of a plan holding the pairs ``forced`` and none of ``removed``
        (-inf when there is none)."""
        must, never = set(map(tuple, forced)), set(map(tuple, removed))
        return max((obj for keys, obj in self.plans if must <= keys and not keys & never),
                   default=-np.inf)


# --- workbooks written part by part: huge, bombs, a million empty formatted rows -------------------

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="0" fillId="1" borderId="0" xfId="0" applyFill="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def _column(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def xlsx_row(r: int, values) -> str:
    """One sheet row ``r`` (1-based) of text cells, as XML."""
    from xml.sax.saxutils import escape

    cells = "".join(f'<c r="{_column(j)}{r}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                    for j, v in enumerate(values) if v is not None and v != "")
    return f'<row r="{r}">{cells}</row>'


def empty_styled_row(r: int | None, columns: int = 3) -> str:
    """A row with formatted empty cells, as left by formatting a range down to row 1,048,576.
    ``r=None`` leaves the (optional) row and cell references out: every row the same, as a zip
    bomb is made."""
    if r is None:
        return '<row s="1" customFormat="1">' + '<c s="1"/>' * columns + "</row>"
    cells = "".join(f'<c r="{_column(j)}{r}" s="1"/>' for j in range(columns))
    return f'<row r="{r}" s="1" customFormat="1">{cells}</row>'


def raw_xlsx(path, sheet: str, rows, *, level: int = 6) -> Path:
    """Write an .xlsx of one sheet named ``sheet`` whose rows are the XML strings ``rows``
    (an iterable: streamed into the zip, so a sheet of gigabytes needs no memory)."""
    import zipfile
    from xml.sax.saxutils import quoteattr

    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, text in _XLSX_PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets></workbook>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            buf = []
            for row in rows:
                buf.append(row)
                if len(buf) >= 10_000:
                    f.write("".join(buf).encode("utf-8"))
                    buf = []
            f.write("".join(buf).encode("utf-8"))
            f.write(b"</sheetData></worksheet>")
    return path


def frame_as_xlsx_rows(frame: pd.DataFrame, *, start: int = 1):
    """The rows of ``frame`` (header first) as sheet XML, one by one."""
    yield xlsx_row(start, list(frame.columns))
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=start + 1):
        yield xlsx_row(i, values)
