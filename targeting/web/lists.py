"""The lists of each village, one CSV each in a zip, from a plan folder's allocation.csv.

For the village head: the households of one village in the commune's order of priority, those
supported first, with the support, the reasons, and why the others are not supported yet. The
workbook (beneficiaries.xlsx) stays the list the meeting fills in; these are for reading and
posting. CSVs carry a byte-order mark so that Excel shows Vietnamese letters right.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from ..labels import COLUMN_LABELS, KIND_LABELS, NOT_SUPPORTED, STATUS_LABELS, WEB_LABELS, label
from ..output.files import neutralise_frame

__all__ = ["village_lists_zip"]

_UNSAFE = re.compile(r"[^\w\- ]+", re.UNICODE)


def _file_name(commune: str, village: str) -> str:
    """A file name that is a name in every system (letters with their marks kept)."""
    name = f"{commune}_{village}".strip()
    return (_UNSAFE.sub("_", name).strip(" _") or "village")[:100] + ".csv"


def village_lists_zip(plan_folder: Path, lang: str = "vi", names: dict[str, str] | None = None) -> bytes:
    """A zip holding one CSV per village of the plan, in the plan's order of priority."""
    a = pd.read_csv(plan_folder / "allocation.csv", dtype={"household_id": str, "project_id": str},
                    keep_default_na=False)
    names = names or {}
    a = a.assign(_supported=(a["project_id"] != "").astype(int))
    a = a.sort_values(["commune_id", "village", "_supported", "priority"], ascending=[True, True, False, True],
                      kind="stable")

    def words(table: dict, values: pd.Series) -> pd.Series:
        return values.map(lambda v: label(table, v, lang) if v in table else v)

    reasons = "reasons_vi" if lang == "vi" else "reasons_en"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for (commune, village), rows in a.groupby(["commune_id", "village"], sort=True):
            supported = rows["_supported"] == 1
            table = pd.DataFrame({
                label(WEB_LABELS, "priority_in_village", lang): range(1, len(rows) + 1),
                label(COLUMN_LABELS, "household_id", lang): rows["household_id"],
                label(COLUMN_LABELS, "status", lang): words(STATUS_LABELS, rows["status"]),
                label(COLUMN_LABELS, "support", lang): words(KIND_LABELS, rows["kind"]).where(supported, ""),
                label(COLUMN_LABELS, "project_name", lang): rows["project_name"].where(supported, ""),
                label(COLUMN_LABELS, "not_supported", lang): words(NOT_SUPPORTED, rows["reason_key"]).where(
                    ~supported, ""),
                label(COLUMN_LABELS, "reasons", lang): rows[reasons] if reasons in rows else "",
            })
            text = neutralise_frame(table).to_csv(index=False, lineterminator="\n")
            z.writestr(_file_name(names.get(commune, commune), str(village)), ("\ufeff" + text).encode("utf-8"))
    return buf.getvalue()
