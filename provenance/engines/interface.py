"""The engine interface: how a stage hands its units of work to whatever runs them.

A stage (the index build, the scan) cuts its input into units and asks an engine for
``function(unit)`` of every unit, in input order. The engine decides where that runs; the stage's
output does not depend on it, which is what keeps every output byte-identical for any engine and
any number of workers. ``LocalEngine`` (forked processes on this machine) is the default and the
only engine today; a cluster engine implements the same two methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Literal, Protocol, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

EngineName = Literal["local"]
ENGINES: tuple[EngineName, ...] = ("local",)


class Engine(Protocol):
    """Runs a stage's units of work."""

    @property
    def jobs(self) -> int:
        """How many units it works on at once."""
        ...

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``function(item)`` for every item, yielded in input order, with bounded memory."""
        ...


def engine_for(name: str, jobs: int | None = None) -> Engine:
    """The engine called ``name`` with ``jobs`` workers (default: every core this process may use)."""
    from provenance.engines.local import LocalEngine, default_jobs
    from provenance.errors import UsageError

    if name != "local":
        raise UsageError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    return LocalEngine(jobs or default_jobs())
