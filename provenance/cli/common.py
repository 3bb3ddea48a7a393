"""What every command shares: consoles, reader options, error translation and progress bars.

Only typer and rich are imported at module level; the library (``provenance.api``, and with it
numpy and pyarrow) is imported inside functions so that ``provenance --help`` stays fast.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from provenance.api import ProgressUpdate, ReaderOptions, SkippedRecord

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_DIFFERENCE = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

REFRESH_SECONDS = 0.1
"""Least time between two redraws of a progress bar."""
SKIPPED_SHOWN = 10
"""Skipped records listed by name in a summary; the rest are counted."""

stderr = Console(stderr=True, highlight=False)
"""For people: progress, summaries, errors."""
stdout = Console(highlight=False)
"""For the command's own output (``index info``'s table)."""

# Kept in step with provenance.api.INPUT_FORMATS (tests check it); importing the readers here
# would pull in pyarrow and slow down --help.
FORMATS_HELP = (
    "auto, x-archive, grailbird, twitter-v1, twitter-v2, jsonl, json, parquet, csv, tsv, text, text-file"
)

INPUT_PANEL = "Input"

InputsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Input files, directories (walked recursively), globs, X/Grailbird archives or .zip archives.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=f"Input format, detected per file when 'auto'. One of: {FORMATS_HELP}.",
        rich_help_panel=INPUT_PANEL,
    ),
]
TextFieldOpt = Annotated[
    str | None,
    typer.Option(
        "--text-field",
        help="Field holding the text (default: first of text, content, full_text, tweet, body).",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
IdFieldOpt = Annotated[
    str | None,
    typer.Option(
        "--id-field",
        help="Field holding the record id (default: first of id, id_str, tweet_id, doc_id, uuid).",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
MetaFieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--meta-field",
        help="Extra field to keep as metadata (repeatable; dotted paths reach into JSON).",
        rich_help_panel=INPUT_PANEL,
        show_default=False,
    ),
]
IncludeDeletedOpt = Annotated[
    bool,
    typer.Option(
        "--include-deleted",
        help="X archives: also read deleted-tweets.js.",
        rich_help_panel=INPUT_PANEL,
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Stop at the first unreadable record (exit 2, naming file and line) instead of skipping it.",
        rich_help_panel=INPUT_PANEL,
    ),
]
IndexOpt = Annotated[
    Path,
    typer.Option("--index", "-i", help="The index directory.", show_default=False),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", min=1, help="Worker processes (default: all available cores).", show_default=False
    ),
]


def reader_options(
    fmt: str,
    text_field: str | None,
    id_field: str | None,
    meta_fields: Sequence[str] | None,
    include_deleted: bool,
) -> ReaderOptions:
    """The library's ``ReaderOptions`` from the shared flags; an unknown ``--format`` is a usage error."""
    from provenance.api import INPUT_FORMATS, ReaderOptions

    if fmt not in INPUT_FORMATS:
        raise typer.BadParameter(
            f"unknown format {fmt!r}; choose one of {', '.join(INPUT_FORMATS)}", param_hint="'--format'"
        )
    return ReaderOptions(
        format=fmt,
        text_field=text_field,
        id_field=id_field,
        meta_fields=tuple(meta_fields or ()),
        include_deleted=include_deleted,
    )


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print ``error: message`` in red on stderr and return the ``typer.Exit`` to raise."""
    stderr.print(f"[bold red]error:[/] [red]{escape(message)}[/]", soft_wrap=True)
    return typer.Exit(code)


def handle_errors(func: F) -> F:
    """Translate library errors into a one-line ``error: ...`` on stderr, never a traceback.

    Every ``ProvenanceError`` (and ``OSError``, e.g. an unwritable output directory) exits 2;
    Ctrl-C prints ``interrupted`` and exits 130.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from provenance.errors import ProvenanceError

        try:
            return func(*args, **kwargs)
        except ProvenanceError as err:
            raise fail(str(err)) from None
        except OSError as err:
            raise fail(_describe_os_error(err)) from None
        except KeyboardInterrupt:
            stderr.print("[red]interrupted[/]")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def _describe_os_error(err: OSError) -> str:
    """``path: reason`` for an ``OSError``, as the library words its own errors."""
    reason = err.strerror or str(err)
    return f"{err.filename}: {reason}" if err.filename else reason


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[ProgressUpdate], None]]:
    """A progress callback for the library: records, records/s, bytes and ETA on stderr.

    Draws only when stderr is a terminal; otherwise the callback does nothing. The bar is redrawn
    from the callback (at most ``REFRESH_SECONDS`` apart), not by a background thread, so that no
    thread is running when the scan forks its workers.
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:>12,} records"),
        TextColumn("{task.fields[rate]:>8,.0f}/s"),
        DownloadColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=stderr,
        auto_refresh=False,
        transient=True,
        disable=not stderr.is_terminal,
    )
    task = progress.add_task(description, total=None, records=0, rate=0.0)
    last_refresh = 0.0

    def update(state: ProgressUpdate) -> None:
        nonlocal last_refresh
        elapsed = progress.tasks[0].elapsed or 0.0
        rate = state.records / elapsed if elapsed > 0 else 0.0
        progress.update(
            task,
            completed=state.bytes_done,
            total=state.bytes_total or None,
            records=state.records,
            rate=rate,
        )
        now = time.monotonic()
        if now - last_refresh >= REFRESH_SECONDS:
            last_refresh = now
            progress.refresh()

    with progress:
        yield update


def say(message: str) -> None:
    """One line for people on stderr (rich markup allowed), never wrapped."""
    stderr.print(message, soft_wrap=True)


def print_skipped(skipped: Sequence[SkippedRecord], total: int | None = None) -> None:
    """List the first skipped records as ``file:line  reason``, then ``... and N more``."""
    total = len(skipped) if total is None else total
    if not total:
        return
    stderr.print(f"[yellow]skipped {total:,} unreadable record(s):[/]")
    for record in skipped[:SKIPPED_SHOWN]:
        stderr.print(f"  {escape(record.where())}  {escape(record.reason)}", soft_wrap=True)
    if total > SKIPPED_SHOWN:
        stderr.print(f"  ... and {total - SKIPPED_SHOWN:,} more")


def shorten(text: str, width: int = 60) -> str:
    """One line of at most ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def percent(share: float) -> str:
    """A share in [0, 1] as a percentage with enough digits to tell small shares from zero."""
    value = 100.0 * share
    if value == 0 or value >= 1:
        return f"{value:.1f}%"
    return f"{value:.3g}%"
