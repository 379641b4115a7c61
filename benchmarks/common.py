"""What several benchmark scripts share (imported as ``common``: the scripts run as
``python benchmarks/NAME.py``, which puts this folder on ``sys.path``)."""

from __future__ import annotations

from targeting.config import Settings


def province_settings(time_limit: float, *, workers: int = 2, seed: int = 0, quota: float = 0.2) -> Settings:
    """The settings of the synthetic province (``targeting.synth.instances.province``) in
    bench_province.py and bench_time_limit.py: a 0.01% gap, so that the time limit ends the
    solve, and both quotas at ``quota``."""
    return Settings(time_limit_s=time_limit, relative_gap=1e-4, workers=workers, seed=seed,
                    min_ethnic_minority_share=quota, min_poor_share=quota)
