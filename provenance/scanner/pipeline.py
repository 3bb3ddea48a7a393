"""The scan pipeline: read the inputs, hand batches to the engine, write the evidence and the report."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from provenance.engines.interface import Engine, engine_for
from provenance.engines.local import ForkedCall, paused_gc
from provenance.engines.progress import ProgressCallback, ProgressUpdate, no_progress
from provenance.errors import UsageError
from provenance.evidence.files import items_found_table, write_scan_outputs
from provenance.evidence.schema import EVIDENCE_SCHEMA_VERSION
from provenance.index import Index
from provenance.readers import ReaderOptions, describe_inputs, discover_inputs, workers_read_blocks
from provenance.readers.accounting import ReadTally, accounted_batches
from provenance.readers.blocks import BlockStream
from provenance.readers.fastjsonl import BLOCK_BYTES
from provenance.readers.records import SkippedRecord
from provenance.report.files import prepare_report_writer, write_scan_report
from provenance.report.model import REPORT_FILE, tables_digest
from provenance.scanner.worker import (
    BatchOutput,
    ScanCounts,
    ScanOptions,
    matches_table,
    place_rows,
    record_batches,
    run_batches,
    scan_block_in_worker,
)
from provenance.version import __version__

__all__ = ["ScanOptions", "ScanResult", "scan"]


@dataclass
class ScanResult:
    """A finished scan: its evidence tables, manifest and where they were written."""

    out_dir: Path
    matches: pa.Table
    items: pa.Table
    manifest: dict
    counts: ScanCounts
    skipped: list[SkippedRecord] = field(default_factory=list)
    """Records that could not be read (file, position, reason)."""
    inputs_skipped: list[dict] = field(default_factory=list)
    """Paths a directory walk did not read, each ``{"path", "reason"}`` (also in the manifest)."""


_CORPUS_KEYS = ("name", "license", "owner", "terms_url", "indexed", "shared_items")
"""What the scan manifest keeps of each corpus of the index."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reader_description(options: ReaderOptions) -> dict:
    return {**asdict(options), "meta_fields": list(options.meta_fields)}


def _shares(counts: ScanCounts, matched_records: int) -> dict:
    return {
        "licensed_characters": counts.matched_characters,
        "characters_scanned": counts.characters_scanned,
        "licensed_character_share": counts.matched_characters / counts.characters_scanned
        if counts.characters_scanned
        else 0.0,
        "matched_records": matched_records,
        "records_scanned": counts.scanned,
        "matched_record_share": matched_records / counts.scanned if counts.scanned else 0.0,
    }


def _skipped_summary(skipped: list[SkippedRecord]) -> dict:
    reasons: dict[str, int] = {}
    for s in skipped:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    return {
        "count": len(skipped),
        "by_reason": dict(sorted(reasons.items())),
        "records": [
            {"source": s.source, "position": s.position, "line": s.line, "reason": s.reason} for s in skipped
        ],
    }


class _ReportWarmup:
    """Prepares the report writer in a background thread while the scan runs: with one job from
    the first result (a core is free), with several once the input left is about what the workers
    hold (until then every core is scanning). Workers are forked at the first batch and the thread
    starts after a result is in, so no fork happens while it imports."""

    def __init__(self, jobs: int) -> None:
        self._thread: threading.Thread | None = None
        self._near_end = 2 * jobs * BLOCK_BYTES if jobs > 1 else None
        self._left: int | None = None

    def progressed(self, update: ProgressUpdate) -> None:
        """Note how much input is left."""
        self._left = update.bytes_total - update.bytes_done

    def result_in(self) -> None:
        """A result came back: start if the scan has reached the point described above."""
        if self._near_end is None or (self._left is not None and self._left <= self._near_end):
            self.start()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._prepare, name="provenance-report-warmup", daemon=True
            )
            self._thread.start()

    @staticmethod
    def _prepare() -> None:
        with contextlib.suppress(Exception):  # the report writer meets and reports it again itself
            prepare_report_writer()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _scan_outputs(
    index_path: Path,
    sources: list,
    reader_options: ReaderOptions,
    options: ScanOptions,
    engine: Engine,
    progress: ProgressCallback,
    tally: ReadTally,
) -> Iterator[BatchOutput]:
    """Every batch's scan results, in input order; what was read is accounted in ``tally``.

    With several jobs and JSON Lines the block reader takes, the workers read their own blocks
    and this process numbers what comes back; otherwise it reads the records and hands them out.
    """
    if not workers_read_blocks(sources, reader_options, engine.jobs, options.strict):
        records = accounted_batches(
            sources,
            reader_options,
            batch_size=options.batch_records,
            strict=options.strict,
            tally=tally,
            progress=progress,
            stage="scan",
        )
        yield from run_batches(index_path, options, record_batches(records), engine)
        return
    stream = BlockStream(sources, reader_options)
    outputs = run_batches(index_path, options, stream.blocks(), engine, work=scan_block_in_worker)
    for output, placement in stream.placed(outputs, tally, progress, "scan"):
        place_rows(output.rows, placement)
        yield output


def _checked_and_described(index: Index, sources: list) -> list[dict]:
    """Check the index files' SHA-256 (raises ``IndexStoreError``), then describe the inputs with
    theirs."""
    index.verify_checksums()
    return describe_inputs(sources)


def scan(
    inputs: Sequence[str | Path],
    index: str | Path,
    out: str | Path,
    *,
    reader_options: ReaderOptions | None = None,
    options: ScanOptions | None = None,
    jobs: int | None = None,
    progress: ProgressCallback = no_progress,
) -> ScanResult:
    """Scan ``inputs`` for licensed items of ``index``; write the evidence into ``out``.

    Writes ``matches.parquet``, ``items.parquet`` and ``manifest.json`` (each atomically). The same
    inputs and options give byte-identical evidence tables whatever the number of ``jobs``.
    """
    # The cyclic collector stays paused to the end, not only while records stream through: the
    # rows (a dict per match) hold no cycles, and each collection the evidence tables and the
    # report trigger would traverse them all (0.5-0.8 s of the end of a scan at 20,000 matches).
    with paused_gc():
        return _scan(
            inputs, index, out, reader_options or ReaderOptions(), options or ScanOptions(), jobs, progress
        )


def check_out_dir(out: str | Path, index: Path, inputs: Sequence[Path]) -> None:
    """Refuse an evidence directory that is empty, or that is, holds or lies inside the index or an
    input: writing the evidence there would replace the index's files, or the next scan of the
    inputs would read this scan's evidence."""
    if not str(out).strip():
        raise UsageError("the output directory is empty: give the directory the evidence goes to")
    target = Path(out).resolve()
    for what, path in [("the index", index), *(("the input", p) for p in inputs)]:
        place = Path(path).resolve()
        relation = (
            "is" if target == place
            else "holds" if place.is_relative_to(target)
            else "lies inside" if target.is_relative_to(place)
            else None
        )  # fmt: skip
        if relation:
            raise UsageError(
                f"the output directory {out} {relation} {what} {path}: write the evidence elsewhere",
                source=str(out),
            )


def _scan(
    inputs: Sequence[str | Path],
    index: str | Path,
    out: str | Path,
    reader_options: ReaderOptions,
    options: ScanOptions,
    jobs: int | None,
    progress: ProgressCallback,
) -> ScanResult:
    """``scan``, the collector paused."""
    started, started_at = time.monotonic(), _now()
    engine = engine_for("local", jobs)
    jobs = engine.jobs
    opened = Index.open(index, verify_checksums=False)
    found = discover_inputs(inputs, reader_options)
    sources = found.sources
    check_out_dir(out, opened.path, [*map(Path, inputs), *(source.path for source in sources)])
    # SHA-256 of the index files and of the inputs, in a process forked now: it runs on the core
    # this one leaves idle while it starts up, not against the workers, and no thread is running
    # when they are forked. A corrupt index still fails the scan before any evidence is written.
    with ForkedCall(_checked_and_described, opened, sources) as checks:
        warmup, tally, counts, rows = _ReportWarmup(jobs), ReadTally(), ScanCounts(), []

        def progressed(update: ProgressUpdate) -> None:
            progress(update)
            warmup.progressed(update)

        for output in _scan_outputs(opened.path, sources, reader_options, options, engine, progressed, tally):
            warmup.result_in()
            counts.add(output.counts)
            rows.extend(output.rows)
        warmup.start()
        counts.records_read = tally.records_read
        counts.skipped = len(tally.skipped)
        inputs_described = checks.result()
    matches = matches_table(rows, options)
    match_rows = rows  # sorted and completed by ``matches_table``: ``matches.to_pylist()`` (tested)
    items = items_found_table(matches)
    warmup.join()
    # The report's evidence digest (canonical JSON of every row, 0.4-0.8 s for 20,000 matches) is
    # computed in a process forked now, while this one writes the evidence and draws the report.
    with ForkedCall(tables_digest, match_rows, items) as digest:
        matched_records = len({(r["dataset_file"], r["dataset_row"]) for r in rows})
        manifest = {
            "schema_version": EVIDENCE_SCHEMA_VERSION,
            "tool": {"name": "provenance", "version": __version__},
            "command": "scan",
            "parameters": {"scan": options.describe(), "reader": _reader_description(reader_options)},
            "index": {
                "path": opened.path.as_posix(),
                "resolved_path": opened.path.resolve().as_posix(),
                "digest": opened.digest(),
                "items": opened.n_items,
                "params": opened.manifest["params"],
                "corpora": [{k: c.get(k) for k in _CORPUS_KEYS} for c in opened.manifest["corpora"]],
            },
            "inputs": inputs_described,
            "inputs_skipped": [skipped.describe() for skipped in found.skipped],
            "counts": {
                **asdict(counts),
                "matches": matches.num_rows,
                "matches_weak": int(sum(matches.column("weak").to_pylist())),
                "items_found": items.num_rows,
            },
            "shares": _shares(counts, matched_records),
            "skipped": _skipped_summary(tally.skipped),
            "run": {
                "started_at": started_at,
                "finished_at": _now(),
                "seconds": round(time.monotonic() - started, 3),
                "jobs": jobs,
                "working_directory": Path.cwd().as_posix(),
            },
        }
        out_dir = Path(out)
        write_scan_outputs(out_dir, matches, items, manifest, derived=(REPORT_FILE,))
        write_scan_report(out_dir, manifest, matches, items, match_rows, digest.result)
    return ScanResult(out_dir, matches, items, manifest, counts, tally.skipped, manifest["inputs_skipped"])
