"""``provenance verify``: re-derive a scan's evidence and report any difference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from provenance.cli.common import EXIT_DIFFERENCE, fail, handle_errors, say


@handle_errors
def verify_command(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="A scan's output directory (with matches.parquet and manifest.json).", show_default=False
        ),
    ],
) -> None:
    """Re-check a scan's evidence against its inputs and index.

    Exits 0 when every match re-derives exactly, 1 when something differs (each difference is
    printed on stdout), 2 when the check cannot run.
    """
    try:
        from provenance.api import verify_scan
    except ModuleNotFoundError as err:
        if err.name != "provenance.evidence.rederive":
            raise
        raise fail(
            "this installation cannot verify scans (provenance.evidence.rederive is missing)"
        ) from None

    report = verify_scan(out_dir)
    if report.ok:
        say(f"[green]ok[/]: {report.checked:,} match(es) re-derived, no differences")
        return
    for problem in report.problems:
        typer.echo(problem)
    say(
        f"[bold red]verification failed[/]: {len(report.problems):,} difference(s)"
        f" ({report.checked:,} match(es) re-derived) in {escape(str(out_dir))}"
    )
    raise typer.Exit(EXIT_DIFFERENCE)
