"""The ``provenance`` Typer application: the command tree, the root help, and ``run``.

``run`` maps every ending of a command to an exit code (see ``provenance.cli.common``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from provenance.cli.check import baseline_command, check_command
from provenance.cli.common import (
    EXIT_INTERRUPTED,
    failure_of,
    report_failure,
    was_interrupted,
)
from provenance.cli.index import index_app
from provenance.cli.report import report_command
from provenance.cli.scan import scan_command
from provenance.cli.verify import verify_command

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

    Exit codes: 0 success, 1 a check found a difference, 2 usage, input or tool error,
    130 interrupted (Ctrl-C).
    """


def run() -> None:
    """The command, whose every ending is an exit code: 130 once Ctrl-C came, whatever the command
    then raised or returned; 2 for what escaped the commands' own handling (never a traceback)."""
    try:
        app(prog_name="provenance")
    except SystemExit:
        if was_interrupted():
            raise SystemExit(EXIT_INTERRUPTED) from None
        raise
    except BaseException as err:  # noqa: BLE001 - typer re-raises what no command handled
        failure = failure_of(err)
        report_failure(failure, err)
        raise SystemExit(failure.code) from None
