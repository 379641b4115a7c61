"""Shared fixtures: a tiny valid scenario written to a temporary folder, and the shared data path.

The helpers they are built from live in tests/support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import SHARED_DATA, tiny_tables, write_tables


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_tables(tmp_path / "tiny", tiny_tables())


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA
