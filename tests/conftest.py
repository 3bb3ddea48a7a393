"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def shared_real() -> Path:
    """``<repo>/../shared/data/real`` (the real samples); skips the test where it is absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"../shared/data/real not present: {SHARED_REAL}")
    return SHARED_REAL
