"""``provenance index ...``: build, extend, describe and compact a licensed-corpus index."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    print_skipped,
    progress_bar,
    reader_options,
    say,
    stdout,
)

if TYPE_CHECKING:
    from provenance.api import BuildResult, CorpusInfo

index_app = typer.Typer(
    help="Build and inspect the index of licensed corpora that scans compare against.",
    no_args_is_help=True,
)

CORPUS_PANEL = "Corpus"
PARAMS_PANEL = "Index parameters"

CorpusOpt = Annotated[
    str,
    typer.Option(
        "--corpus",
        "-c",
        help="Name of the licensed corpus.",
        rich_help_panel=CORPUS_PANEL,
        show_default=False,
    ),
]
LicenseOpt = Annotated[
    str,
    typer.Option(
        "--license",
        help="SPDX licence identifier or expression of the corpus (e.g. CC-BY-4.0, LicenseRef-X-Agreement).",
        rich_help_panel=CORPUS_PANEL,
        show_default=False,
    ),
]
OwnerOpt = Annotated[
    str | None,
    typer.Option("--owner", help="Who owns or licenses the corpus.", rich_help_panel=CORPUS_PANEL),
]
TermsUrlOpt = Annotated[
    str | None,
    typer.Option("--terms-url", help="URL of the licence terms.", rich_help_panel=CORPUS_PANEL),
]
AcquiredOpt = Annotated[
    str | None,
    typer.Option(
        "--acquired", help="Date the corpus was acquired (YYYY-MM-DD).", rich_help_panel=CORPUS_PANEL
    ),
]
IndexPathArg = Annotated[Path, typer.Argument(help="The index directory.", show_default=False)]


def _corpus(
    name: str, license: str, owner: str | None, terms_url: str | None, acquired: str | None
) -> CorpusInfo:
    from provenance.api import CorpusInfo

    return CorpusInfo(name=name, license=license, owner=owner, terms_url=terms_url, acquired=acquired)


def _print_build_summary(verb: str, result: BuildResult) -> None:
    """Counts (records read = indexed + duplicates + skipped), skipped records and time, on stderr."""
    counts = result.counts
    say(f"[green]{verb}[/] corpus [bold]{escape(result.corpus)}[/] in index {escape(str(result.index_path))}")
    say(
        f"  records read {counts.records_read:,} = {counts.indexed:,} indexed"
        f" + {counts.duplicates:,} duplicates + {counts.skipped:,} skipped"
    )
    if counts.shared_items:
        say(
            f"  {counts.shared_items:,} of the duplicates are items of earlier corpora: the corpus holds"
            " them too, and their matches carry its licence as well"
        )
    if counts.ids_qualified:
        examples = [f"{escape(read)} -> {escape(given)}" for read, given in result.qualified]
        if counts.ids_qualified > len(examples):
            examples.append("...")
        say(
            f"  [yellow]{counts.ids_qualified:,} record id(s) already named another text of the corpus[/]:"
            f" indexed as ID@FILE:POSITION ({', '.join(examples)})"
        )
    print_skipped(result.skipped, counts.skipped)
    say(f"  took {result.seconds:.2f} s")


@index_app.command("build")
@handle_errors
def build(
    inputs: InputsArg,
    index: IndexOpt,
    corpus: CorpusOpt,
    license: LicenseOpt,
    owner: OwnerOpt = None,
    terms_url: TermsUrlOpt = None,
    acquired: AcquiredOpt = None,
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    meta_field: MetaFieldOpt = None,
    include_deleted: IncludeDeletedOpt = False,
    max_record_bytes: MaxRecordBytesOpt = MAX_RECORD_BYTES_DEFAULT,
    strict: StrictOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing index at --index.")] = False,
    jobs: JobsOpt = None,
    lsh_threshold: Annotated[
        float,
        typer.Option(
            help="Jaccard similarity at which whole-record near-duplicates are proposed (0-1).",
            rich_help_panel=PARAMS_PANEL,
        ),
    ] = 0.5,
    num_perm: Annotated[
        int, typer.Option(min=8, help="MinHash signature length.", rich_help_panel=PARAMS_PANEL)
    ] = 128,
    shingle_size: Annotated[
        int, typer.Option(min=1, help="Words per shingle.", rich_help_panel=PARAMS_PANEL)
    ] = 3,
) -> None:
    """Create an index from INPUTS as one licensed corpus."""
    from provenance.api import IndexParams, MinHashConfig, ShingleConfig, build_index

    options = reader_options(fmt, text_field, id_field, meta_field, include_deleted, max_record_bytes)
    info = _corpus(corpus, license, owner, terms_url, acquired)
    params = IndexParams(
        shingles=ShingleConfig(n=shingle_size),
        minhash=MinHashConfig(num_perm=num_perm),
        lsh_threshold=lsh_threshold,
    )
    params.lsh  # noqa: B018 - validates the threshold before any input is read
    with progress_bar("indexing") as progress:
        result = build_index(
            inputs,
            index,
            info,
            reader_options=options,
            params=params,
            overwrite=force,
            strict=strict,
            progress=progress,
            jobs=jobs,
        )
    _print_build_summary("indexed", result)


@index_app.command("add")
@handle_errors
def add(
    inputs: InputsArg,
    index: IndexOpt,
    corpus: CorpusOpt,
    license: LicenseOpt,
    owner: OwnerOpt = None,
    terms_url: TermsUrlOpt = None,
    acquired: AcquiredOpt = None,
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    meta_field: MetaFieldOpt = None,
    include_deleted: IncludeDeletedOpt = False,
    max_record_bytes: MaxRecordBytesOpt = MAX_RECORD_BYTES_DEFAULT,
    strict: StrictOpt = False,
    jobs: JobsOpt = None,
) -> None:
    """Add INPUTS to an existing index as another licensed corpus (with the index's parameters)."""
    from provenance.api import add_to_index

    options = reader_options(fmt, text_field, id_field, meta_field, include_deleted, max_record_bytes)
    info = _corpus(corpus, license, owner, terms_url, acquired)
    with progress_bar("indexing") as progress:
        result = add_to_index(
            inputs, index, info, reader_options=options, strict=strict, progress=progress, jobs=jobs
        )
    _print_build_summary("added", result)


@index_app.command("info")
@handle_errors
def info(
    path: IndexPathArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the description as JSON.")] = False,
    verify_checksums: Annotated[
        bool,
        typer.Option(
            "--verify-checksums/--no-verify-checksums",
            help="Check every index file against its SHA-256 (exit 2 when one differs).",
        ),
    ] = True,
) -> None:
    """Describe an index: its corpora, parameters and size (on stdout), once its files check out."""
    from provenance.api import index_info

    described = index_info(path, verify_checksums=verify_checksums)
    if as_json:
        sys.stdout.write(json.dumps(described, sort_keys=True, indent=2) + "\n")
        return
    _print_info(described)


def _print_info(described: dict[str, Any]) -> None:
    """The human description: a corpora table, a parameters table, then size and digest."""
    corpora = Table(title="Corpora", title_justify="left")
    for name in ("name", "licence", "owner"):
        corpora.add_column(name, overflow="fold")
    for name in ("records read", "indexed", "duplicates", "skipped"):
        corpora.add_column(name, justify="right")
    for c in described["corpora"]:
        corpora.add_row(
            escape(c["name"]),
            escape(c["license"]),
            escape(c["owner"] or "-"),
            *(f"{c[k] or 0:,}" for k in ("records_read", "indexed", "duplicates", "skipped")),
        )
    stdout.print(corpora)

    p = described["params"]
    params = Table(title="Parameters", title_justify="left", show_header=False)
    params.add_column("parameter", style="bold")
    params.add_column("value")
    params.add_row("normaliser", f"{p['normalizer']['name']} v{p['normalizer']['version']}")
    params.add_row("shingle size", f"{p['shingles']['n']} ({p['shingles']['scheme']})")
    params.add_row("num_perm", str(p["minhash"]["num_perm"]))
    params.add_row("LSH bands × rows", f"{p['lsh']['bands']} × {p['lsh']['rows']}")
    params.add_row("LSH threshold", str(p["lsh"]["threshold"]))
    stdout.print(params)

    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("path", escape(described["path"]))
    summary.add_row("items", f"{described['items']:,}")
    summary.add_row("segments", str(described["segments"]))
    per_item = described["bytes_per_item"]
    size = _human_bytes(described["bytes"]) + (f" ({per_item:,} bytes/item)" if per_item is not None else "")
    summary.add_row("size on disk", size)
    summary.add_row("format version", str(described["format_version"]))
    summary.add_row("digest", described["digest"])
    stdout.print(summary)


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@index_app.command("compact")
@handle_errors
def compact(path: IndexPathArg) -> None:
    """Merge all segments of an index into one (same items, same order)."""
    from provenance.api import compact_index

    result = compact_index(path)
    if result.segments_before == result.segments_after:
        say(f"nothing to compact: {escape(str(result.index_path))} has {result.segments_after} segment")
        return
    say(
        f"[green]compacted[/] {escape(str(result.index_path))}: {result.segments_before} segments → "
        f"{result.segments_after} ({result.items:,} items)"
    )
