"""Policy quotas per commune: a minimum share of supported households with an attribute.

``quota_<name>[<commune_id>]``: ``sum(x[h, p] * (attr[h] - share)) >= 0`` over the commune's pairs,
i.e. (households with the attribute) >= share * (supported households). Coefficients are scaled to
integers exactly when ``share`` is a decimal with few digits (as typed in scenario.toml).
An empty plan meets every quota, so quotas alone never make the model infeasible; they conflict
with group minimums and cooperative minimums (reported by :mod:`targeting.allocation.conflicts`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..instance import Instance
from .usage import count_by


def share_fraction(share: float) -> Fraction:
    return Fraction(str(share)).limit_denominator(10**6)


def violations(inst: Instance, chosen: np.ndarray) -> list[str]:
    chosen = np.asarray(chosen, dtype=np.int64)
    out = []
    c = inst.pair_c[chosen]
    h = inst.pair_h[chosen]
    n = count_by(c, len(inst.c_ids))
    for q in inst.quotas:
        fr = share_fraction(q.share)
        have = np.bincount(c, weights=q.attr[h], minlength=len(inst.c_ids)).astype(np.int64)
        for ci in np.flatnonzero(have * fr.denominator < n * fr.numerator):
            out.append(f"quota_{q.name}[{inst.c_ids[ci]}]: {have[ci]} of {n[ci]} supported, "
                       f"needs a share >= {q.share}")
    return out


def coefficients(inst: Instance, q, idx: np.ndarray) -> np.ndarray:
    fr = share_fraction(q.share)
    return q.attr[inst.pair_h[idx]].astype(np.int64) * fr.denominator - fr.numerator


def add(model, inst: Instance) -> None:
    pc = inst.pair_c
    for q in inst.quotas:
        for c in np.unique(pc):
            idx = np.flatnonzero(pc == c)
            coef = coefficients(inst, q, idx)
            if (coef >= 0).all():
                continue
            model.add_ge(f"quota_{q.name}[{inst.c_ids[c]}]", idx, coef, 0, family="quota",
                         key=("quota", q.name, int(c)))
