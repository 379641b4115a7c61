"""Synthetic worlds with one documented ground truth (no real data).

Modules: :mod:`.truth` (THE ground truth: base log-odds, effects by kind, true probabilities,
gains and capacity), :mod:`.history` (how past support was targeted, outcomes drawn from the
truth), :mod:`.world` (the Thai Nguyen scenario behind ``targeting synth``), :mod:`.small`
(small household tables and histories from the same truth, for the scoring tests and
benchmarks) and :mod:`.instances` (optimizer instances with supplied gains: compact tables, a
random province, OR-Library GAP instances).
"""

from __future__ import annotations

from .truth import (
    base_log_odds,
    effect_log_odds,
    true_capacity,
    true_gains,
    true_probabilities,
    true_probability,
)
from .world import SEED_COMMUNES, World, make_world, write_world

__all__ = [
    "SEED_COMMUNES",
    "World",
    "make_world",
    "write_world",
    "base_log_odds",
    "effect_log_odds",
    "true_probability",
    "true_probabilities",
    "true_gains",
    "true_capacity",
]
