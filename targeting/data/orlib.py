"""OR-Library files: the generalised assignment problem instances (``gap1.txt`` .. ``gap12.txt``).

The instances are benchmark data for the optimizer, not scenarios;
:func:`targeting.synth.instances.gap_tables` turns one into allocation inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["read_gap_file"]


def read_gap_file(path: str | Path) -> list[dict]:
    """Read the instances of an OR-Library ``gapK.txt``.

    Parameters
    ----------
    path : path
        The file: the instance count, then per instance ``m n``, the profits ``c`` and resource
        uses ``a`` (m x n each, agent by agent) and the capacities ``b`` (m).

    Returns
    -------
    list of dict
        One dict per instance with ``m, n`` (agents, jobs), ``c, a`` (m x n int arrays) and
        ``b`` (m).
    """
    toks = [int(t) for t in Path(path).read_text().split()]
    pos = 0
    count = toks[pos]
    pos += 1
    out = []
    for _ in range(count):
        m, n = toks[pos], toks[pos + 1]
        pos += 2
        c = np.array(toks[pos:pos + m * n]).reshape(m, n)
        pos += m * n
        a = np.array(toks[pos:pos + m * n]).reshape(m, n)
        pos += m * n
        b = np.array(toks[pos:pos + m])
        pos += m
        out.append({"m": m, "n": n, "c": c, "a": a, "b": b})
    return out
