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


@pytest.fixture
def cut_blocks(monkeypatch: pytest.MonkeyPatch) -> list:
    """Cuts JSON Lines into 2 KB blocks and lists every block handed to workers (empty when the
    main process read the records itself)."""
    from provenance.readers import fastjsonl

    cut: list = []
    bounds = fastjsonl.block_bounds

    def counted_bounds(path: Path) -> list:
        cut.extend(bounds(path))
        return cut

    monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(fastjsonl, "block_bounds", counted_bounds)
    return cut
