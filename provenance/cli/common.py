"""What every command shares: consoles, reader options, error translation and progress bars.

Only typer and rich are imported at module level; the library (``provenance.api``, and with it
numpy and pyarrow) is imported inside functions so that ``provenance --help`` stays fast.
"""

from __future__ import annotations

import functools
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from provenance.cli import interrupts
from provenance.cli.interrupts import EXIT_INTERRUPTED, was_interrupted

if TYPE_CHECKING:
    from provenance.api import ProgressUpdate, ReaderOptions, SkippedRecord

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_DIFFERENCE = 1
EXIT_ERROR = 2
DEBUG_ENV = "PROVENANCE_DEBUG"
"""Set (to anything but 0) to print the traceback of an internal error."""

REFRESH_SECONDS = 0.1
"""Least time between two redraws of a progress bar."""
SKIPPED_SHOWN = 10
"""Skipped records listed by name in a summary; the rest are counted."""
MESSAGE_CHARS = 2000
"""Longest error message printed (an exception's text may quote a whole record)."""

stderr = Console(stderr=True, highlight=False)
"""For people: progress, summaries, errors."""
stdout = Console(highlight=False)
"""For the command's own output (``index info``'s table)."""

# Kept in step with provenance.api.INPUT_FORMATS (tests check it); importing the readers here
# would pull in pyarrow and slow down --help.
FORMATS_HELP = (
    "auto, x-archive, grailbird, twitter-v1, twitter-v2, jsonl, json, parquet, arrow, hf-dataset, csv, tsv, "
    "text, text-file"
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
        help="Field holding the text: a name, a dotted path (meta.text) or a list (messages[].content:"
        " a record per message). Default: first of text, content, full_text, tweet, body; else chat"
        " messages.",
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
MaxRecordBytesOpt = Annotated[
    int,
    typer.Option(
        "--max-record-bytes",
        min=1,
        help="Skip (and record) any record longer than this many bytes, without reading it into memory.",
        rich_help_panel=INPUT_PANEL,
    ),
]
MAX_RECORD_BYTES_DEFAULT = 64 << 20
"""``provenance.readers.base.DEFAULT_MAX_RECORD_BYTES`` (tests check they agree), without importing it."""
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
    max_record_bytes: int = MAX_RECORD_BYTES_DEFAULT,
) -> ReaderOptions:
    """The library's ``ReaderOptions`` from the shared flags; an unknown ``--format`` or a malformed
    ``--text-field`` path is a usage error."""
    from provenance.api import INPUT_FORMATS, ReaderOptions
    from provenance.errors import UsageError

    if fmt not in INPUT_FORMATS:
        raise typer.BadParameter(
            f"unknown format {fmt!r}; choose one of {', '.join(INPUT_FORMATS)}", param_hint="'--format'"
        )
    try:
        return ReaderOptions(
            format=fmt,
            text_field=text_field,
            id_field=id_field,
            meta_fields=tuple(meta_fields or ()),
            include_deleted=include_deleted,
            max_record_bytes=max_record_bytes,
        )
    except UsageError as err:
        raise typer.BadParameter(err.message, param_hint="'--text-field'") from None


class CommandFailed(typer.Exit):
    """A ``typer.Exit`` whose message was printed already (by ``fail``); ``check`` reuses the message in
    its tool-error outputs."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(code)
        self.message = message


def out_dir(value: str) -> Path:
    """``--out``: a directory name, never empty (``Path("")`` would be the working directory)."""
    if not value.strip():
        raise typer.BadParameter("is empty: give the directory the evidence goes to")
    return Path(value)


def fail(message: str, code: int = EXIT_ERROR) -> CommandFailed:
    """Print ``error: message`` in red on stderr and return the ``typer.Exit`` to raise."""
    stderr.print(f"[bold red]error:[/] [red]{escape(message)}[/]", soft_wrap=True)
    return CommandFailed(message, code)


@dataclass(frozen=True)
class Failure:
    """What an exception that ends a command means for its user."""

    code: int
    message: str
    """One line, printed after ``error: `` (empty when it was printed already or there is none)."""
    source: str | None = None
    """The file (or index) at fault, where it is known."""
    internal: bool = False
    """A bug of provenance rather than a problem of the input: say so, and how to see the traceback."""


def failure_of(err: BaseException) -> Failure:
    """The exit code and message for ``err``; every failure exits 2 (130 when interrupted), none 1,
    which ``check`` and ``verify`` keep for a finding."""
    from provenance.errors import ProvenanceError

    if was_interrupted(err):
        return Failure(EXIT_INTERRUPTED, "interrupted")
    if isinstance(err, CommandFailed):
        return Failure(err.exit_code, err.message)
    if isinstance(err, typer.Exit):
        return Failure(err.exit_code, "")
    if isinstance(err, typer.TyperException):  # a usage error (typer prints those it passes on)
        return Failure(EXIT_ERROR, _one_line(err.format_message()))
    if isinstance(err, ProvenanceError):
        return Failure(EXIT_ERROR, _one_line(str(err)), err.source)
    if isinstance(err, OSError):
        filename = str(err.filename) if err.filename else None
        return Failure(EXIT_ERROR, _one_line(_describe_os_error(err)), filename)
    if isinstance(err, MemoryError):
        return Failure(
            EXIT_ERROR,
            "out of memory: the input holds a record too large for this machine, or too many workers"
            " hold one each; retry with a smaller --max-record-bytes or fewer --jobs",
        )
    if isinstance(err, RecursionError):
        return Failure(
            EXIT_ERROR,
            "the input is nested too deeply to read (maximum recursion depth exceeded):"
            " a JSON value nested thousands of levels deep, or a reader's bug",
        )
    return Failure(EXIT_ERROR, _one_line(f"internal error: {type(err).__name__}: {err}"), internal=True)


def report_failure(failure: Failure, err: BaseException) -> None:
    """Print ``failure`` on stderr: ``interrupted``, or ``error: ...`` (with a hint for a bug, and the
    traceback where ``PROVENANCE_DEBUG`` is set)."""
    if failure.code == EXIT_INTERRUPTED:
        interrupts.STATE.reported = True
        stderr.print(f"[red]{interrupts.MESSAGE}[/]")
        return
    if failure.internal and os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        stderr.print("".join(traceback.format_exception(err)), end="", markup=False, highlight=False)
    if failure.message:
        fail(failure.message)
    if failure.internal:
        say(
            "[red]this is a bug in provenance: please report it with the command that gave it"
            f" ({DEBUG_ENV}=1 prints the traceback)[/]"
        )


def handle_errors(func: F) -> F:
    """Translate whatever a command raises into a one-line ``error: ...`` on stderr, never a traceback.

    Every failure exits 2 (``failure_of``); Ctrl-C prints ``interrupted`` and exits 130. Exits the
    command chose, and typer's usage errors, pass through.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SystemExit, GeneratorExit):
            raise
        except BaseException as err:
            if _passes_through(err):
                raise
            failure = failure_of(err)
            report_failure(failure, err)
            raise typer.Exit(failure.code) from None

    return wrapper  # type: ignore[return-value]


def _passes_through(err: BaseException) -> bool:
    """An exit the command chose, or a usage error typer reports itself (with exit code 2)."""
    if was_interrupted(err):
        return False
    return isinstance(err, typer.Exit) or (
        isinstance(err, typer.TyperException) and getattr(err, "exit_code", None) == EXIT_ERROR
    )


def _one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    flat = " ".join(text.split()) or "(no message)"
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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


def print_inputs_skipped(skipped: Sequence[dict], shown: int = 5) -> None:
    """The paths a directory walk did not read, with why (the manifest lists them all)."""
    if not skipped:
        return
    say(f"[yellow]{len(skipped):,} path(s) not read[/] (listed in the manifest's inputs_skipped):")
    for entry in skipped[:shown]:
        say(f"  {escape(entry['path'])}: {escape(entry['reason'])}")
    if len(skipped) > shown:
        say(f"  ... and {len(skipped) - shown:,} more")


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
