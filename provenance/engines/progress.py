"""Progress reporting without a UI dependency: the library calls a callback, the CLI draws bars."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressUpdate:
    """Where a long operation stands."""

    stage: str
    records: int
    bytes_done: int
    bytes_total: int


ProgressCallback = Callable[[ProgressUpdate], None]


def no_progress(_: ProgressUpdate) -> None:
    """The default callback: report nothing."""
