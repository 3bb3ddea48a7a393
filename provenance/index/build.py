"""Build, extend and compact an index; every operation commits atomically."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provenance.atomic import checkpoint
from provenance.engines.interface import Engine, engine_for
from provenance.engines.local import paused_gc
from provenance.engines.progress import ProgressCallback, no_progress
from provenance.errors import UsageError
from provenance.index.params import CorpusInfo, IndexParams
from provenance.index.segment import (
    DUPLICATES_SCHEMA,
    ITEMS_SCHEMA,
    SKIPPED_SCHEMA,
    Segment,
    SegmentBuilder,
    SegmentCounts,
    _save_array,
    columns_table,
    describe_file,
    index_analysis,
    records_table,
    write_band_tables,
    write_postings,
)
from provenance.index.store import (
    MANIFEST,
    Index,
    commit_manifest,
    new_manifest,
    new_workdir,
    publish_segment,
    read_manifest,
    writer_lock,
)
from provenance.readers import (
    InputSource,
    ReaderOptions,
    describe_inputs,
    discover,
    workers_read_blocks,
)
from provenance.readers.accounting import ReadTally, accounted_batches
from provenance.readers.blocks import Block, BlockStream, BlockTally, Placement, read_block_records
from provenance.readers.records import Record, SkippedRecord, default_ids
from provenance.text.analyse import TextAnalysis

BATCH_SIZE = 20_000


@dataclass
class BuildResult:
    """What one build or add did."""

    index_path: Path
    corpus: str
    counts: SegmentCounts
    skipped: list[SkippedRecord] = field(default_factory=list)
    seconds: float = 0.0
    qualified: list[tuple[str, str]] = field(default_factory=list)
    """Examples of the ids qualified (``counts.ids_qualified`` in all): (id as read, id given)."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _existing_hashes(index: Index) -> dict[str, str]:
    table = index.items(["content_hash", "id"])
    return dict(zip(table.column("content_hash").to_pylist(), table.column("id").to_pylist(), strict=False))


def _analysed(
    batches: Iterator[list[Record]], params: IndexParams, engine: Engine
) -> Iterator[tuple[list[Record], TextAnalysis]]:
    """Each batch with ``index_analysis`` of its texts, in order; with several jobs the analyses
    are computed by forked workers (only the texts travel) while the next batches are read."""
    held: deque[list[Record]] = deque()

    def texts_of(batches: Iterator[list[Record]]) -> Iterator[list[str]]:
        for batch in batches:
            held.append(batch)
            yield [record.text for record in batch]

    analyse = partial(index_analysis, params=params)
    if engine.jobs > 1:
        analyse(["load the compiled kernels once, before the workers are forked"])
    for analysis in engine.map_in_order(analyse, texts_of(batches)):
        yield held.popleft(), analysis


@dataclass
class _AnalysedBlock:
    """A block of JSON Lines that a worker read, tabled (``RECORD_SCHEMA``) and analysed: positions
    count from 0 and lines from 1, and a record without an id of its own has the id ``""``."""

    records: pa.Table
    analysis: TextAnalysis
    tally: BlockTally


def _analyse_block(block: Block, params: IndexParams) -> _AnalysedBlock:
    """Read, table and analyse one block: straight from pyarrow's columns where it could read the
    block, else through the line reader's records."""
    read = read_block_records(block)
    if read.columns is None:
        table, texts = records_table(read.records), [r.text for r in read.records]
    else:
        table, texts = columns_table(read.columns, read.source), read.columns.texts.to_pylist()
    return _AnalysedBlock(table, index_analysis(texts, params), read.tally)


def _placed(records: pa.Table, placement: Placement) -> pa.Table:
    """A worker's records numbered after the positions and lines of the blocks before, each record
    without an id of its own given its ``default_id``."""
    position = pc.add(records.column("position"), placement.positions)
    ids = records.column("id")
    new = {
        "id": pc.if_else(pc.equal(ids, ""), default_ids(placement.block.source.name, position), ids),
        "position": position,
        "line": pc.add(records.column("line"), placement.lines),
    }
    arrays = [new.get(name, records.column(name)) for name in records.column_names]
    return pa.Table.from_arrays(arrays, schema=records.schema)


def _ingest_blocks(
    builder: SegmentBuilder,
    sources: list[InputSource],
    params: IndexParams,
    options: ReaderOptions,
    engine: Engine,
    tally: ReadTally,
    progress: ProgressCallback,
) -> None:
    """Index JSON Lines files that workers read, table and analyse block by block, while this
    process deduplicates in input order (the same segment as reading here); the records that could
    not be read go to ``tally``, numbered in the file."""
    index_analysis(["load the compiled kernels once, before the workers are forked"], params)
    stream = BlockStream(sources, options)
    with paused_gc():
        analysed = engine.map_in_order(partial(_analyse_block, params=params), stream.blocks())
        for block, placement in stream.placed(analysed, tally, progress, "index"):
            builder.add_table(_placed(block.records, placement), block.analysis)


def _ingest(
    index_dir: Path,
    manifest: dict,
    inputs: Sequence[str | Path],
    corpus: CorpusInfo,
    params: IndexParams,
    options: ReaderOptions,
    strict: bool,
    seen: dict[str, str],
    progress: ProgressCallback,
    batch_size: int,
    jobs: int | None,
) -> BuildResult:
    """Read the inputs into a new segment and commit a manifest that adds it.

    With several ``jobs``, forked workers normalise, hash and sketch the batches while this process
    reads the next ones and deduplicates in input order: the segment is identical for any ``jobs``.
    """
    started = time.monotonic()
    sources = discover(inputs, options)
    workdir = new_workdir(index_dir)
    builder = SegmentBuilder(workdir, corpus, params, seen)
    engine = engine_for("local", jobs)
    tally = ReadTally()
    if workers_read_blocks(sources, options, engine.jobs, strict):
        _ingest_blocks(builder, sources, params, options, engine, tally, progress)
    else:
        batches = accounted_batches(
            sources,
            options,
            batch_size=batch_size,
            strict=strict,
            tally=tally,
            progress=progress,
            stage="index",
        )
        with paused_gc():
            for batch, analysis in _analysed(batches, params, engine):
                builder.add_batch(batch, analysis)
    for skipped in tally.skipped:
        builder.skip(skipped)
    files = builder.finish()
    seq = 1 + max((int(s["id"].split("-")[0]) for s in manifest["segments"]), default=0)
    segment_id, files = publish_segment(index_dir, workdir, seq, files)
    counts = builder.counts
    manifest["segments"].append({"id": segment_id, "items": counts.indexed, "files": files})
    manifest["corpora"].append(
        {
            "name": corpus.name,
            "license": corpus.license,
            "owner": corpus.owner,
            "terms_url": corpus.terms_url,
            "acquired": corpus.acquired,
            **({"extra": dict(sorted(corpus.extra.items()))} if corpus.extra else {}),
            "inputs": describe_inputs(sources),
            "reader": {
                "format": options.format,
                "text_field": options.text_field,
                "id_field": options.id_field,
                "meta_fields": list(options.meta_fields),
                "include_deleted": options.include_deleted,
            },
            "records_read": counts.records_read,
            "indexed": counts.indexed,
            "duplicates": counts.duplicates,
            "skipped": counts.skipped,
            "ids_qualified": counts.ids_qualified,
            "shared_items": counts.shared_items,
            "segments": [segment_id],
            "built_at": _now(),
        }
    )
    commit_manifest(index_dir, manifest)
    seconds = time.monotonic() - started
    return BuildResult(index_dir, corpus.name, counts, builder.skipped, seconds, builder.qualified)


def build_index(
    inputs: Sequence[str | Path],
    index: str | Path,
    corpus: CorpusInfo,
    *,
    reader_options: ReaderOptions | None = None,
    params: IndexParams | None = None,
    overwrite: bool = False,
    strict: bool = False,
    progress: ProgressCallback = no_progress,
    batch_size: int = BATCH_SIZE,
    jobs: int | None = None,
) -> BuildResult:
    """Create an index at ``index`` from ``inputs`` as one licensed corpus (``jobs`` worker
    processes, default all cores; the index is identical for any number).

    An existing index is replaced only with ``overwrite``; until the new one is committed the
    previous one stays intact and readable.
    """
    index_dir = Path(index)
    if (index_dir / MANIFEST).exists() and not overwrite:
        raise UsageError(f"an index already exists at {index_dir}; use --force to replace it, or 'index add'")
    if index_dir.exists() and not index_dir.is_dir():
        raise UsageError(f"{index_dir} exists and is not a directory")
    params = params or IndexParams()
    with writer_lock(index_dir):
        manifest = new_manifest(params)
        return _ingest(
            index_dir,
            manifest,
            inputs,
            corpus,
            params,
            reader_options or ReaderOptions(),
            strict,
            {},
            progress,
            batch_size,
            jobs,
        )


def add_to_index(
    inputs: Sequence[str | Path],
    index: str | Path,
    corpus: CorpusInfo,
    *,
    reader_options: ReaderOptions | None = None,
    strict: bool = False,
    progress: ProgressCallback = no_progress,
    batch_size: int = BATCH_SIZE,
    jobs: int | None = None,
) -> BuildResult:
    """Add a corpus to an existing index as a new segment (exact duplicates of items already in
    the index are counted, not indexed again)."""
    index_dir = Path(index)
    with writer_lock(index_dir):
        current = Index.open(index_dir)
        if any(c["name"] == corpus.name for c in current.manifest["corpora"]):
            raise UsageError(
                f"the index already has a corpus named {corpus.name!r}; choose another --corpus name"
            )
        return _ingest(
            index_dir,
            current.manifest,
            inputs,
            corpus,
            current.params,
            reader_options or ReaderOptions(),
            strict,
            _existing_hashes(current),
            progress,
            batch_size,
            jobs,
        )


@dataclass
class CompactResult:
    """What a compaction did."""

    index_path: Path
    segments_before: int
    segments_after: int
    items: int


def _concat_parquet(segments: list[Segment], name: str, schema: pa.Schema, out: Path) -> dict:
    tables = [pq.read_table(s.path / name) for s in segments]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    pq.write_table(table.cast(schema), out, compression="zstd")
    return describe_file(out)


def compact_index(index: str | Path) -> CompactResult:
    """Merge all segments into one (same items, same order), atomically."""
    index_dir = Path(index)
    with writer_lock(index_dir):
        current = Index.open(index_dir)
        before = len(current.segments)
        if before <= 1:
            return CompactResult(index_dir, before, before, current.n_items)
        workdir = new_workdir(index_dir)
        segs = current.segments
        files = {
            "items.parquet": _concat_parquet(segs, "items.parquet", ITEMS_SCHEMA, workdir / "items.parquet")
        }
        checkpoint("compact items")
        keys_by_item = np.concatenate([s.band_keys_by_item() for s in segs], axis=1)
        files.update(write_band_tables(workdir, keys_by_item))
        checkpoint("compact bands")
        offsets = current.offsets[:-1]
        keys = np.concatenate([np.asarray(s.shingle_keys) for s in segs])
        shifted = zip(segs, offsets, strict=True)
        items = np.concatenate([np.asarray(s.shingle_items, np.uint32) + np.uint32(o) for s, o in shifted])
        files.update(write_postings(workdir, keys, items))
        files["item_shingles.npy"] = _save_array(
            workdir / "item_shingles.npy", current.item_shingle_counts().astype(np.int32)
        )
        for name, schema in (("duplicates.parquet", DUPLICATES_SCHEMA), ("skipped.parquet", SKIPPED_SCHEMA)):
            files[name] = _concat_parquet(segs, name, schema, workdir / name)
        checkpoint("compact written")
        manifest = read_manifest(index_dir)
        seq = 1 + max(int(s["id"].split("-")[0]) for s in manifest["segments"])
        segment_id, files = publish_segment(index_dir, workdir, seq, files)
        manifest["segments"] = [{"id": segment_id, "items": current.n_items, "files": files}]
        for corpus in manifest["corpora"]:
            corpus["segments"] = [segment_id]
        commit_manifest(index_dir, manifest)
        return CompactResult(index_dir, before, 1, current.n_items)


def index_info(index: str | Path, verify_checksums: bool = False) -> dict:
    """A summary of an index for people and machines: corpora, counts, parameters, size."""
    opened = Index.open(index, verify_checksums=verify_checksums)
    manifest = opened.manifest
    size = sum(f["bytes"] for s in manifest["segments"] for f in s["files"].values())
    size += (opened.path / MANIFEST).stat().st_size
    corpora = [
        {
            k: c.get(k)
            for k in (
                "name",
                "license",
                "owner",
                "terms_url",
                "acquired",
                "records_read",
                "indexed",
                "duplicates",
                "skipped",
                "ids_qualified",
                "shared_items",
                "built_at",
            )
        }
        | {"inputs": [i["name"] for i in c["inputs"]]}
        for c in manifest["corpora"]
    ]
    return {
        "path": opened.path.as_posix(),
        "format_version": manifest["format_version"],
        "tool_version": manifest["tool_version"],
        "digest": opened.digest(),
        "items": opened.n_items,
        "segments": len(manifest["segments"]),
        "bytes": size,
        "bytes_per_item": round(size / opened.n_items, 1) if opened.n_items else None,
        "params": manifest["params"],
        "corpora": corpora,
    }
