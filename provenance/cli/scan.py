"""``provenance scan``: look for licensed items inside a training dataset and write the evidence."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from provenance.cli.common import (
    MAX_RECORD_BYTES_DEFAULT,
    FormatOpt,
    IdFieldOpt,
    IncludeDeletedOpt,
    IndexOpt,
    InputsArg,
    JobsOpt,
    MaxRecordBytesOpt,
    MetaFieldOpt,
    StrictOpt,
    TextFieldOpt,
    handle_errors,
    out_dir,
    percent,
    print_inputs_skipped,
    print_skipped,
    progress_bar,
    reader_options,
    say,
    shorten,
    stderr,
)

if TYPE_CHECKING:
    from provenance.api import ScanResult

MATCH_PANEL = "Matching"
TOP_ITEMS = 10
EVIDENCE_FILES = ("matches.parquet", "items.parquet", "manifest.json", "report.html")
"""What a scan writes into --out, in the order the summary names them."""


@handle_errors
def scan_command(
    inputs: InputsArg,
    index: IndexOpt,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            parser=out_dir,
            help="Directory for matches.parquet, items.parquet, manifest.json and report.html.",
            show_default=False,
        ),
    ],
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    meta_field: MetaFieldOpt = None,
    include_deleted: IncludeDeletedOpt = False,
    max_record_bytes: MaxRecordBytesOpt = MAX_RECORD_BYTES_DEFAULT,
    strict: StrictOpt = False,
    jobs: JobsOpt = None,
    min_containment: Annotated[
        float,
        typer.Option(
            help="Report a pair when at least this share of the item's shingles is in the record...",
            rich_help_panel=MATCH_PANEL,
        ),
    ] = 0.65,
    min_coverage: Annotated[
        float,
        typer.Option(
            help="...and at least this share of its words forms the aligned, contiguous copy...",
            rich_help_panel=MATCH_PANEL,
        ),
    ] = 0.5,
    min_jaccard: Annotated[
        float,
        typer.Option(
            help="...or when the two shingle sets have at least this Jaccard similarity.",
            rich_help_panel=MATCH_PANEL,
        ),
    ] = 0.5,
    min_item_words: Annotated[
        int,
        typer.Option(
            min=1,
            help="Set aside licensed items with fewer normalised words than this.",
            rich_help_panel=MATCH_PANEL,
        ),
    ] = 6,
    include_low_information: Annotated[
        bool,
        typer.Option(
            "--include-low-information",
            help="Also report matches of set-aside short items (flagged weak).",
            rich_help_panel=MATCH_PANEL,
        ),
    ] = False,
) -> None:
    """Scan INPUTS (a training dataset) for copies of licensed items in the index.

    Exits 0 when the scan completes, whatever it finds; the evidence is written to --out.
    """
    from provenance.api import ScanOptions, paused_gc, scan

    options = reader_options(fmt, text_field, id_field, meta_field, include_deleted, max_record_bytes)
    scan_options = ScanOptions(
        min_containment=min_containment,
        min_coverage=min_coverage,
        min_jaccard=min_jaccard,
        min_item_tokens=min_item_words,
        include_low_information=include_low_information,
        strict=strict,
    )
    with paused_gc():  # as ``scan`` does, to the end of the summary (see there)
        with progress_bar("scanning") as progress:
            result = scan(
                inputs, index, out, reader_options=options, options=scan_options, jobs=jobs, progress=progress
            )
        _print_summary(result)


def _print_summary(result: ScanResult) -> None:
    """Counts, matches by kind and licence, the items found most often, shares, and the outputs."""
    counts = result.counts
    manifest_counts = result.manifest["counts"]
    say(
        f"[green]scan complete[/]: records read {counts.records_read:,}"
        f" = {counts.scanned:,} scanned + {counts.skipped:,} skipped"
    )
    print_skipped(result.skipped, counts.skipped)
    print_inputs_skipped(result.inputs_skipped)
    say(
        f"candidates {counts.candidates:,}"
        f" (anchor {counts.candidates_by_anchor:,}, LSH {counts.candidates_by_lsh:,}),"
        f" verified {counts.verified:,}, rejected {counts.rejected:,},"
        f" set aside as low-information {counts.set_aside_low_information:,}"
    )
    matches = result.matches
    say(
        f"[bold]{matches.num_rows:,} match(es)[/] ({manifest_counts['matches_weak']:,} weak)"
        f" of {manifest_counts['items_found']:,} licensed item(s)"
    )
    if matches.num_rows:
        _print_breakdown(matches.column("kind").to_pylist(), matches.column("licenses").to_pylist())
        _print_top_items(result)
    shares = result.manifest["shares"]
    say(
        f"licensed content: {percent(shares['licensed_character_share'])} of characters"
        f" ({shares['licensed_characters']:,} of {shares['characters_scanned']:,}),"
        f" {percent(shares['matched_record_share'])} of records"
        f" ({shares['matched_records']:,} of {shares['records_scanned']:,})"
    )
    written = [name for name in EVIDENCE_FILES if (result.out_dir / name).is_file()]
    say(f"evidence written to {escape(str(result.out_dir))}/ ({', '.join(written)})")


def _print_breakdown(kinds: list[str], licenses: list[list[str]]) -> None:
    """Matches by kind, and by licence: a match counts under every licence its item is held under."""
    table = Table(show_header=True, box=None, padding=(0, 2))
    table.add_column("by kind")
    table.add_column("matches", justify="right")
    for kind, n in sorted(Counter(kinds).items()):
        table.add_row(escape(kind), f"{n:,}")
    table.add_section()
    table.add_row("[bold]by licence[/]", "")
    for license, n in Counter(lic for held in licenses for lic in held).most_common():
        table.add_row(escape(license), f"{n:,}")
    stderr.print(table)


def _print_top_items(result: ScanResult) -> None:
    rows = sorted(result.items.to_pylist(), key=lambda r: (-r["matches"], r["corpus"], r["item_id"]))
    table = Table(title=f"licensed items found most often (top {TOP_ITEMS})", title_justify="left")
    table.add_column("matches", justify="right")
    table.add_column("corpus", overflow="fold")
    table.add_column("item", overflow="fold")
    table.add_column("text")
    for row in rows[:TOP_ITEMS]:
        table.add_row(
            f"{row['matches']:,}",
            escape(row["corpus"]),
            escape(row["item_id"]),
            escape(shorten(row["licensed_text"])),
        )
    stderr.print(table)
