"""Lists for public posting: pseudonymised household ids, no exact incomes.

A commune posts its beneficiary list publicly (niêm yết công khai). The posted list must let a
household find itself and let neighbours check the order, without publishing the register's ids
or incomes. Each household id is replaced by an HMAC-SHA256 pseudonym under a key the commune
keeps: the commune (holding the key) can recompute any household's pseudonym; nobody else can
reverse it or link lists made with different keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import replace
from pathlib import Path

from .errors import ScenarioError
from .labels import INCOME_WORDS

__all__ = ["read_key", "pseudonym", "public_plan", "KEY_ENV"]

KEY_ENV = "TARGETING_PUBLIC_KEY"
#: Reason fragments that reveal an exact income (English and Vietnamese).
_INCOME = re.compile("|".join(map(re.escape, INCOME_WORDS)), re.IGNORECASE)


def read_key(path: str | os.PathLike | None) -> bytes:
    """The commune's key: the file's bytes (stripped), else the TARGETING_PUBLIC_KEY variable."""
    if path is not None:
        try:
            key = Path(path).read_bytes().strip()
        except OSError as e:
            raise ScenarioError(f"{path}: cannot read the key file: {e.strerror}") from None
    else:
        key = os.environ.get(KEY_ENV, "").encode("utf-8").strip()
    if len(key) < 16:
        raise ScenarioError(
            "--public needs the commune's key of at least 16 characters: give --key-file FILE "
            f"or set {KEY_ENV}"
        )
    return key


def pseudonym(key: bytes, commune_id: str, household_id: str) -> str:
    digest = hmac.new(key, f"{commune_id}\x1f{household_id}".encode(), hashlib.sha256).hexdigest()
    return "HH-" + digest[:12].upper()


def _drop_income(text: str) -> str:
    """Remove the reason fragments (separated by '; ' or '. ') that state an income."""
    pieces = re.split(r"(; |\. )", str(text))
    out: list[str] = []
    for i in range(0, len(pieces), 2):
        seg = pieces[i]
        if _INCOME.search(seg):
            continue
        if out:
            out.append(pieces[i - 1] if i > 0 else "; ")
        out.append(seg)
    return "".join(out)


def public_plan(plan, key: bytes):
    """A copy of ``plan`` fit for public posting (see the module doc)."""
    a = plan.allocation.copy()
    ids = [pseudonym(key, c, h) for c, h in zip(a["commune_id"], a["household_id"])]
    a["household_id"] = ids
    for col in ("reasons_en", "reasons_vi"):
        if col in a:
            a[col] = a[col].map(_drop_income)
    meta = dict(plan.meta, public=True)
    prices = (meta.get("decisions") or {}).get("prices") or {}
    if prices.get("households_upper_bound"):  # household ids in plan.json: pseudonyms too
        commune = dict(zip(plan.allocation["household_id"].astype(str), plan.allocation["commune_id"], strict=True))
        listed = [pseudonym(key, commune[h], h) for h in prices["households_upper_bound"]]
        meta["decisions"] = dict(meta["decisions"], prices=dict(prices, households_upper_bound=listed))
    return replace(plan, allocation=a, scores=None, gains=None, meta=meta, extra=dict(plan.extra, public=True))

