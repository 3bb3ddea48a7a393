"""The ``provenance`` command line: a thin layer over the library.

Commands live one module each (``index``, ``scan``, ``verify``, ``check`` with ``baseline``,
``report``); shared options, consoles and error translation live in ``common``. They reach the
library through ``provenance.api`` only, imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import gc
import os
from typing import Annotated

import typer

from provenance.cli.check import baseline_command, check_command
from provenance.cli.index import index_app
from provenance.cli.report import report_command
from provenance.cli.scan import scan_command
from provenance.cli.verify import verify_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="provenance",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(index_app, name="index")
app.command("scan")(scan_command)
app.command("verify")(verify_command)
app.command("check")(check_command)
app.command("baseline")(baseline_command)
app.command("report")(report_command)


def _version(value: bool) -> None:
    if value:
        from provenance.version import __version__

        typer.echo(f"provenance {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Find licensed text (tweets and other corpora) inside training datasets, with verifiable evidence.

    Exit codes: 0 success, 1 a check found a difference, 2 usage, input or tool error.
    """


def main() -> None:
    """Entry point of the ``provenance`` script and of ``python -m provenance``."""
    # numpy's OpenBLAS, and scipy's that numba loads, each start a thread per core that spins for a
    # while: 0.2-0.5 s of CPU taken from a scan's start-up. Nothing here calls BLAS. Read when
    # numpy is imported, which the commands do lazily, after this line; a user's value is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        app(prog_name="provenance")
    finally:
        # The process ends here. The collection the interpreter runs on exit would traverse every
        # object still alive (0.4-0.6 s after a scan, more than the report took); frozen, they are
        # skipped and only freed.
        gc.freeze()
