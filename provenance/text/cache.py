"""The user's cache directory, where derived tables (tokeniser tables, LSH parameters) are kept."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where derived tables are kept between runs (``$XDG_CACHE_HOME/provenance``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "provenance"
