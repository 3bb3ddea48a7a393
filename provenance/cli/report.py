"""``provenance report``: a readable report (HTML, Markdown or JSON) of a scan's evidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from provenance.cli.common import handle_errors, say

# Kept in step with provenance.api.ReportFormat (a test checks it); importing the library here would
# slow down --help.
REPORT_FORMATS = ("html", "markdown", "json")


@handle_errors
def report_command(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="A scan's output directory (with manifest.json, matches.parquet, items.parquet).",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help=f"Report format: {', '.join(REPORT_FORMATS)}."),
    ] = "html",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report to this file (default: stdout).", show_default=False
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(min=0, help="Matches shown in full in HTML and Markdown (the strongest first)."),
    ] = 500,
) -> None:
    """Write a readable report of the scan in OUT_DIR: HTML (plots, tables), Markdown or JSON.

    The HTML page is self-contained (no network needed); Markdown stays under 1 MiB (CI summaries,
    pull-request comments); JSON is the complete report with a versioned schema.
    """
    if fmt not in REPORT_FORMATS:
        raise typer.BadParameter(
            f"unknown format {fmt!r}; choose one of {', '.join(REPORT_FORMATS)}", param_hint="'--format'"
        )
    from provenance.api import ReportFormat, atomic_write_bytes, load_report, render_report

    text = render_report(load_report(out_dir), ReportFormat(fmt), top=top)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(output, text.encode("utf-8"))
    say(f"[green]wrote[/] {fmt} report to {escape(str(output))}")
