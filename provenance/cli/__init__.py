"""The ``provenance`` command line: a thin layer over the library.

Commands live one module each (``index``, ``scan``, ``verify``, ``check`` with ``baseline``,
``report``), the Typer application ``app`` in ``root``; shared options, consoles and error
translation live in ``common``, Ctrl-C in ``interrupts``. They reach the library through
``provenance.api`` only, imported inside the commands so that ``--help`` stays fast. ``main``
handles Ctrl-C before anything else is imported; ``app`` is imported on first use (PEP 562).
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Any

from provenance.cli.interrupts import interrupt_handling

if TYPE_CHECKING:
    from provenance.cli.root import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``provenance`` script and of ``python -m provenance``."""
    # numpy's OpenBLAS, and scipy's that numba loads, each start a thread per core that spins for a
    # while: 0.2-0.5 s of CPU taken from a scan's start-up. Nothing here calls BLAS. Read when
    # numpy is imported, which the commands do lazily, after this line; a user's value is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        with interrupt_handling():
            from provenance.cli.root import run

            run()
    finally:
        # The process ends here. The collection the interpreter runs on exit would traverse every
        # object still alive (0.4-0.6 s after a scan, more than the report took); frozen, they are
        # skipped and only freed.
        gc.freeze()


def __getattr__(name: str) -> Any:
    if name == "app":
        from provenance.cli.root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
