"""An immutable index segment: the items of one build or add, their sketches and lookup tables.

Files in a segment directory (all written once, never modified):

- ``items.parquet``: one row per indexed item (schema ``ITEMS_SCHEMA``).
- ``band_keys.npy`` / ``band_items.npy``: uint64 / uint32 ``[bands, items]``; row ``j`` holds the
  band-``j`` keys sorted, and the local item number of each key.
- ``shingle_keys.npy`` / ``shingle_items.npy``: uint64 / uint32 postings of every distinct
  (shingle, item) pair, sorted by shingle hash: the anchors of containment search.
- ``item_shingles.npy``: int32 number of distinct shingles of each item.
- ``duplicates.parquet`` and ``skipped.parquet``: the records that were read but not indexed. A
  duplicate names the corpus that read it and the content hash of the item it repeats: the item is
  held by that corpus too, under its licence (``holdings.py``).

Arrays are ``.npy`` files opened memory-mapped, so opening costs no parsing. The MinHash signatures
themselves are not kept: the LSH band keys are all a lookup reads, and the texts they come from are in
``items.parquet``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provenance.atomic import checkpoint, sha256_file
from provenance.errors import IndexStoreError, InputError
from provenance.index.params import CorpusInfo, IndexParams
from provenance.readers.fastjsonl import BlockColumns
from provenance.readers.records import Record, SkippedRecord
from provenance.text.analyse import TextAnalysis, analyse_texts
from provenance.text.arrays import stable_argsort

ITEMS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("corpus", pa.string(), nullable=False),
        pa.field("license", pa.string(), nullable=False),
        pa.field("owner", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("n_tokens", pa.int32(), nullable=False),
        pa.field("n_shingles", pa.int32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("author", pa.string()),
        pa.field("created_at", pa.string()),
        pa.field("url", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("deleted", pa.bool_(), nullable=False),
        pa.field("meta", pa.string(), nullable=False),
    ]
)
DUPLICATES_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("corpus", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string(), nullable=False),
    ]
)
SKIPPED_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("reason", pa.string(), nullable=False),
    ]
)
ARRAY_FILES = (
    "band_keys.npy",
    "band_items.npy",
    "shingle_keys.npy",
    "shingle_items.npy",
    "item_shingles.npy",
)
_KNOWN_META = ("author", "created_at", "url", "lang")
ITEMS_ROW_GROUP = 65_536
"""Rows per row group of ``items.parquet``."""
# Columns with few distinct values: dictionary-encoding the others (texts, ids, hashes) only costs
# the writer time before it falls back to plain encoding.
_DICTIONARY_COLUMNS = ["corpus", "license", "owner", "source", "lang"]
_NOT_EXTRA = frozenset((*_KNOWN_META, "deleted"))


RECORD_SCHEMA = pa.schema(
    [
        ITEMS_SCHEMA.field(name)
        for name in ("id", "text", "source", "position", "line", *_KNOWN_META, "deleted", "meta")
    ]
)
"""What the items table keeps of each record (``records_table``)."""


def records_table(records: Sequence[Record]) -> pa.Table:
    """The records as columns (``RECORD_SCHEMA``): ids, texts, where they were read, metadata."""
    n = len(records)
    metas = [r.meta for r in records]
    if any(metas):
        known: dict[str, list] = {k: [m.get(k) for m in metas] for k in _KNOWN_META}
        deleted = [m.get("deleted") == "true" for m in metas]
        extra = [_extra_meta_json(m) for m in metas]
    else:  # a corpus without metadata: skip a dictionary lookup per record and field
        known, deleted, extra = dict.fromkeys(_KNOWN_META, [None] * n), [False] * n, ["{}"] * n
    columns = {
        "id": [r.id for r in records],
        "text": [r.text for r in records],
        "source": [r.source for r in records],
        "position": [r.position for r in records],
        "line": [r.line for r in records],
        **known,
        "deleted": deleted,
        "meta": extra,
    }
    return pa.Table.from_arrays(
        [pa.array(columns[f.name], type=f.type) for f in RECORD_SCHEMA], schema=RECORD_SCHEMA
    )


def columns_table(columns: BlockColumns, source: str) -> pa.Table:
    """``records_table`` of a block that pyarrow read (``fastjsonl.block_columns``): no metadata
    beyond the url, line = position + 1."""
    n = len(columns.texts)
    positions = pa.array(columns.positions, type=pa.int64())
    arrays = {
        "id": columns.ids,
        "text": columns.texts,
        "source": pa.repeat(pa.scalar(source, pa.string()), n),
        "position": positions,
        "line": pc.add(positions, 1),
        "url": columns.urls,
        "deleted": pa.repeat(pa.scalar(False), n),
        "meta": pa.repeat(pa.scalar("{}", pa.string()), n),
    }
    nulls = pa.nulls(n, pa.string())
    return pa.Table.from_arrays([arrays.get(f.name, nulls) for f in RECORD_SCHEMA], schema=RECORD_SCHEMA)


def _extra_meta_json(meta: Mapping[str, str]) -> str:
    """The record's metadata beyond the known columns, as sorted JSON (``{}`` when none)."""
    if not meta or meta.keys() <= _NOT_EXTRA:
        return "{}"
    extra = {k: v for k, v in meta.items() if k not in _NOT_EXTRA}
    return json.dumps(extra, sort_keys=True, ensure_ascii=False)


def _select(values: np.ndarray, offsets: np.ndarray, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The slices ``values[offsets[i]:offsets[i + 1]]`` of ``rows``, concatenated, and their offsets."""
    rows_array = np.asarray(rows, dtype=np.int64)
    starts, lengths = offsets[rows_array], np.diff(offsets)[rows_array]
    new_offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    positions = np.repeat(starts - new_offsets[:-1], lengths) + np.arange(new_offsets[-1])
    return values[positions], new_offsets


def _write_parquet(path: Path, rows: list[dict], schema: pa.Schema) -> dict:
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression="zstd")
    return describe_file(path)


def describe_file(path: Path) -> dict:
    """A written file's manifest entry: its SHA-256 and size in bytes."""
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def _save_array(path: Path, array: np.ndarray) -> dict:
    """Save ``array`` as the ``.npy`` file ``np.save`` writes for it in C order, hashing it as it
    is written; fsynced. Returns its manifest entry (SHA-256 and size)."""
    array = np.ascontiguousarray(array)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, np.lib.format.header_data_from_array_1_0(array))
    digest = hashlib.sha256(head.getvalue())
    size = len(head.getvalue())
    with open(path, "wb") as fh:
        fh.write(head.getvalue())
        if array.size:  # a memoryview of a zero-size array cannot be cast
            data = memoryview(array).cast("B")
            fh.write(data)
            digest.update(data)
            size += len(data)
        fh.flush()
        os.fsync(fh.fileno())
    return {"sha256": digest.hexdigest(), "bytes": size}


@dataclass
class SegmentCounts:
    """How the records given to one segment were accounted for."""

    records_read: int = 0
    indexed: int = 0
    duplicates: int = 0
    skipped: int = 0
    ids_qualified: int = 0
    """Indexed records whose id already named another text of the corpus (``qualified_id``)."""
    shared_items: int = 0
    """Items of earlier corpora whose text this corpus read too (its duplicates of them): the
    corpus holds them as well."""


def index_analysis(texts: list[str], params: IndexParams) -> TextAnalysis:
    """What a segment keeps of each text (``analyse_texts``): its content digest and token count,
    its distinct shingles and its LSH band keys. Computed without the index's state, so that
    worker processes can compute it."""
    return analyse_texts(texts, params, shingles=False, distinct=True, normalised=True, band_keys=True)


QUALIFIED_ID_EXAMPLES = 5
"""Qualified ids a builder keeps as examples for the summary (``SegmentBuilder.qualified``)."""


def qualified_id(record_id: str, source: str, position: int) -> str:
    """The id of an item whose id as read already names another text of its corpus:
    ``<id>@<source>:<position>`` (position from 0), the id qualified by the record's place."""
    return f"{record_id}@{source}:{position}"


class SegmentBuilder:
    """Accumulates items batch by batch and writes a segment directory.

    Item ids are unique within the segment's corpus: an item whose id as read already names another
    (different) text of the corpus is given ``qualified_id``; a record with the text of an item
    already indexed is a duplicate of it, whatever its id.
    """

    def __init__(self, workdir: Path, corpus: CorpusInfo, params: IndexParams, seen: dict[str, str]) -> None:
        self.workdir = workdir
        self.corpus = corpus
        self.params = params
        self.seen = seen
        """The content hashes of the items already in the index (and their ids); not changed."""
        self._own: dict[str, str] = {}
        """The content hashes of this corpus's items (and their ids)."""
        self._shared: set[str] = set()
        """The content hashes of the items of earlier corpora that this corpus read too."""
        self.counts = SegmentCounts()
        self._items_writer = pq.ParquetWriter(
            workdir / "items.parquet", ITEMS_SCHEMA, compression="zstd", use_dictionary=_DICTIONARY_COLUMNS
        )
        self._pending_items: list[pa.Table] = []
        self._band_keys: list[np.ndarray] = []
        self._posting_keys: list[np.ndarray] = []
        self._posting_items: list[np.ndarray] = []
        self._item_shingles: list[np.ndarray] = []
        self._duplicates: list[dict] = []
        self._ids: set[str] = set()
        """The ids of this corpus's items so far."""
        self.skipped: list[SkippedRecord] = []
        """Every record read but not indexed, in the order met."""
        self.qualified: list[tuple[str, str]] = []
        """The first ``QUALIFIED_ID_EXAMPLES`` qualified ids: (id as read, id given)."""

    def skip(self, skipped: SkippedRecord) -> None:
        """Record a record that could not be read."""
        self.counts.records_read += 1
        self.counts.skipped += 1
        self.skipped.append(skipped)

    def add_batch(self, records: Iterable[Record], analysis: TextAnalysis | None = None) -> None:
        """Deduplicate and index a batch of records; ``analysis`` is ``index_analysis`` of their
        texts when a worker computed it, else it is computed here."""
        records = list(records)
        if analysis is None:
            analysis = index_analysis([r.text for r in records], self.params)
        self.add_table(records_table(records), analysis)

    def add_table(self, records: pa.Table, analysis: TextAnalysis) -> None:
        """Deduplicate and index a batch of records given as ``records_table`` columns, with
        ``index_analysis`` of their texts."""
        self.counts.records_read += records.num_rows
        ids = records.column("id").to_pylist()
        kept: list[int] = []
        digests: list[str] = []
        dropped: list[tuple[int, str | None]] = []
        renamed = False
        for i, digest in enumerate(analysis.digests):
            if digest is None:
                dropped.append((i, None))
                continue
            first = self._own.get(digest)
            if first is None:
                first = self.seen.get(digest)
                if first is not None:
                    self._shared.add(digest)
            if first is not None:
                dropped.append((i, first))
                continue
            if ids[i] in self._ids:
                ids[i], renamed = self._qualify(records, i, ids[i]), True
            self._ids.add(ids[i])
            self._own[digest] = ids[i]
            kept.append(i)
            digests.append(digest)
        if dropped:
            self._drop(records, analysis, dropped)
        if kept:
            if renamed:
                index = records.schema.get_field_index("id")
                records = records.set_column(index, "id", pa.array(ids, type=pa.string()))
            self._index(records, digests, analysis, kept)
        self.counts.shared_items = len(self._shared)
        checkpoint("batch")

    def _qualify(self, records: pa.Table, row: int, record_id: str) -> str:
        """``qualified_id`` of row ``row``, whose id ``record_id`` already names another text of the
        corpus; refused where that is taken too (an id as read that is another's qualified id)."""
        source, position = records.column("source")[row].as_py(), records.column("position")[row].as_py()
        given = qualified_id(record_id, source, position)
        if given in self._ids:
            raise InputError(
                f"record {position}: its id {record_id!r} already names another text of the corpus, and so"
                f" does {given!r}; ids must be unique within a corpus: name a unique field with --id-field",
                source=source,
            )
        self.counts.ids_qualified += 1
        if len(self.qualified) < QUALIFIED_ID_EXAMPLES:
            self.qualified.append((record_id, given))
        return given

    def _drop(self, records: pa.Table, analysis: TextAnalysis, dropped: list[tuple[int, str | None]]) -> None:
        """Account for the rows not indexed: empty after normalisation, or a duplicate of an item."""
        rows = records.take([i for i, _ in dropped]).select(["id", "source", "position", "line"]).to_pylist()
        for row, (i, first) in zip(rows, dropped, strict=True):
            if first is None:
                self.counts.skipped += 1
                reason = "no words left after normalisation (only links, mentions or emoji)"
                self.skipped.append(SkippedRecord(row["source"], row["position"], reason, row["line"]))
                continue
            self.counts.duplicates += 1
            self._duplicates.append(
                {
                    "id": row["id"],
                    "corpus": self.corpus.name,
                    "source": row["source"],
                    "position": row["position"],
                    "content_hash": analysis.digests[i],
                    "duplicate_of": first,
                }
            )

    def _index(self, records: pa.Table, digests: list[str], analysis: TextAnalysis, rows: list[int]) -> None:
        selected = np.asarray(rows, dtype=np.int64)
        keys, key_offsets = _select(analysis.distinct.hashes, analysis.distinct.offsets, rows)
        counts = np.diff(key_offsets)
        first_local = self.counts.indexed
        self._band_keys.append(analysis.band_keys[:, selected])
        self._posting_keys.append(keys)
        self._posting_items.append(
            np.repeat(np.arange(first_local, first_local + len(rows), dtype=np.uint32), counts)
        )
        self._item_shingles.append(counts)
        kept = records.take(selected)
        self._write_items(self._items_table(kept, digests, analysis.n_tokens[selected], counts))
        self.counts.indexed += len(rows)

    def _items_table(
        self, kept: pa.Table, digests: list[str], n_tokens: np.ndarray, n_shingles: np.ndarray
    ) -> pa.Table:
        """The items' rows: the kept records' columns and what the index adds."""
        n = kept.num_rows
        added = {
            "corpus": pa.repeat(pa.scalar(self.corpus.name, pa.string()), n),
            "license": pa.repeat(pa.scalar(self.corpus.license, pa.string()), n),
            "owner": pa.repeat(pa.scalar(self.corpus.owner, pa.string()), n),
            "content_hash": pa.array(digests, type=pa.string()),
            "n_tokens": pa.array(n_tokens.astype(np.int32)),
            "n_shingles": pa.array(n_shingles.astype(np.int32)),
        }
        arrays = [added[f.name] if f.name in added else kept.column(f.name) for f in ITEMS_SCHEMA]
        return pa.Table.from_arrays(arrays, schema=ITEMS_SCHEMA)

    def _write_items(self, table: pa.Table, last: bool = False) -> None:
        """Write the items in row groups of ``ITEMS_ROW_GROUP`` rows, whatever the batches: the file
        is the same however the input was cut (batches, blocks, jobs)."""
        self._pending_items.append(table)
        pending = pa.concat_tables(self._pending_items)
        while pending.num_rows >= ITEMS_ROW_GROUP or (last and pending.num_rows):
            group = pending.slice(0, ITEMS_ROW_GROUP)
            self._items_writer.write_table(group.combine_chunks())
            pending = pending.slice(group.num_rows)
        self._pending_items = [pending]

    def finish(self) -> dict[str, dict]:
        """Write the lookup tables and close the segment's files (all fsynced); returns each file's
        manifest entry (SHA-256 and size, hashed as written)."""
        self._write_items(ITEMS_SCHEMA.empty_table(), last=True)
        self._items_writer.close()
        with open(self.workdir / "items.parquet", "rb+") as fh:
            os.fsync(fh.fileno())
        files = {"items.parquet": describe_file(self.workdir / "items.parquet")}
        checkpoint("items written")
        keys = np.concatenate(self._posting_keys) if self._posting_keys else np.zeros(0, np.uint64)
        items = np.concatenate(self._posting_items) if self._posting_items else np.zeros(0, np.uint32)
        bands = np.zeros((self.params.lsh.bands, 0), dtype=np.uint64)
        # Postings and band tables at once: sorting, writing and hashing release the GIL.
        with ThreadPoolExecutor(max_workers=1) as writer:
            postings = writer.submit(write_postings, self.workdir, keys, items)
            files.update(write_band_tables(self.workdir, np.concatenate([bands, *self._band_keys], axis=1)))
            checkpoint("bands written")
            files.update(postings.result())
        checkpoint("postings written")
        counts = np.concatenate(self._item_shingles) if self._item_shingles else np.zeros(0)
        files["item_shingles.npy"] = _save_array(self.workdir / "item_shingles.npy", counts.astype(np.int32))
        files["duplicates.parquet"] = _write_parquet(
            self.workdir / "duplicates.parquet", self._duplicates, DUPLICATES_SCHEMA
        )
        skipped_rows = [
            {"source": r.source, "position": r.position, "line": r.line, "reason": r.reason}
            for r in self.skipped
        ]
        files["skipped.parquet"] = _write_parquet(
            self.workdir / "skipped.parquet", skipped_rows, SKIPPED_SCHEMA
        )
        checkpoint("segment complete")
        return files


def write_band_tables(workdir: Path, keys: np.ndarray) -> dict[str, dict]:
    """``band_keys.npy`` and ``band_items.npy`` from the ``[bands, items]`` band keys (bands sorted
    on all cores: the sorts and gathers release the GIL); returns their manifest entries."""

    def sort_band(band: int) -> None:
        order[band] = stable_argsort(keys[band])
        np.take(keys[band], order[band], out=ordered[band])

    order = np.empty(keys.shape, dtype=np.int64)
    ordered = np.empty_like(keys)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(sort_band, range(keys.shape[0])))
    return {
        "band_keys.npy": _save_array(workdir / "band_keys.npy", ordered),
        "band_items.npy": _save_array(workdir / "band_items.npy", order.astype(np.uint32)),
    }


def write_postings(workdir: Path, keys: np.ndarray, items: np.ndarray) -> dict[str, dict]:
    """``shingle_keys.npy`` and ``shingle_items.npy``, sorted by (hash, item); returns their
    manifest entries.

    Where ``items`` is ascending (as the builder appends it), a stable sort on the hashes alone
    gives that order; otherwise (compaction) both columns are sorted on.
    """
    if len(items) < 2 or bool(np.all(items[1:] >= items[:-1])):
        order = stable_argsort(keys)
    else:
        order = np.lexsort((items, keys))
    return {
        "shingle_keys.npy": _save_array(workdir / "shingle_keys.npy", keys[order]),
        "shingle_items.npy": _save_array(workdir / "shingle_items.npy", items[order]),
    }


@dataclass
class Segment:
    """An open, memory-mapped segment."""

    path: Path
    n_items: int
    band_keys: np.ndarray
    band_items: np.ndarray
    shingle_keys: np.ndarray
    shingle_items: np.ndarray
    item_shingles: np.ndarray

    @classmethod
    def open(cls, path: Path, n_items: int) -> Segment:
        """Map the segment's arrays (no copy, no parsing)."""
        arrays = {name[:-4]: np.load(path / name, mmap_mode="r", allow_pickle=False) for name in ARRAY_FILES}
        return cls(path=path, n_items=n_items, **arrays)

    def band_keys_by_item(self) -> np.ndarray:
        """The band keys ``[bands, items]`` in item order (as ``TextAnalysis.band_keys``)."""
        keys = np.empty(self.band_keys.shape, dtype=np.uint64)
        for band in range(keys.shape[0]):
            keys[band, self.band_items[band]] = self.band_keys[band]
        return keys

    def items_table(self, columns: list[str] | None = None) -> pa.Table:
        """The items (or some of their columns); a damaged file is an ``IndexStoreError`` naming it."""
        try:
            return pq.read_table(self.path / "items.parquet", columns=columns, memory_map=True)
        except (OSError, pa.ArrowException) as err:  # a scan reads it before its checksum is known
            raise IndexStoreError(
                f"segment {self.path.name} file items.parquet cannot be read ({err}): the index is "
                "corrupt; rebuild it",
                source=str(self.path.parent.parent),
            ) from err
