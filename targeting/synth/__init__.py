"""The synthetic world and its one documented ground truth (no real data).

Modules: :mod:`.truth` (THE ground truth: base log-odds, effects by kind, true probabilities,
gains and capacity), :mod:`.history` (how past support was targeted, outcomes drawn from the
truth), :mod:`.review` (what the annual review records: income score, causes of poverty, the
kinds asked for), :mod:`.world` (the Thai Nguyen scenario behind ``targeting synth``) and
:mod:`.instances` (optimizer instances with supplied gains: compact tables, a random province,
OR-Library GAP instances). :mod:`.heldout` is deliberately apart: a small world with ANOTHER
truth, on which the learners are checked because they were not tuned to it.
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
