"""An immutable index segment: the items of one build or add, their sketches and lookup tables.

Files in a segment directory (all written once, never modified):

- ``items.parquet``: one row per indexed item (schema ``ITEMS_SCHEMA``).
- ``signatures.npy``: uint32 ``[items, num_perm]`` MinHash signatures.
- ``band_keys.npy`` / ``band_items.npy``: uint64 / uint32 ``[bands, items]``; row ``j`` holds the
  band-``j`` keys sorted, and the local item number of each key.
- ``shingle_keys.npy`` / ``shingle_items.npy``: uint64 / uint32 postings of every distinct
  (shingle, item) pair, sorted by shingle hash: the anchors of containment search.
- ``item_shingles.npy``: int32 number of distinct shingles of each item.
- ``duplicates.parquet`` and ``skipped.parquet``: the records that were read but not indexed.

Arrays are ``.npy`` files opened memory-mapped, so opening costs no parsing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from ..arrays import distinct_pairs
from ..fasttokens import normalize_texts
from ..faults import checkpoint
from ..lsh import band_keys
from ..records import Record, SkippedRecord
from ..shingles import shingle_batch
from ..sketch import minhash_signatures
from .params import CorpusInfo, IndexParams

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
    "signatures.npy",
    "band_keys.npy",
    "band_items.npy",
    "shingle_keys.npy",
    "shingle_items.npy",
    "item_shingles.npy",
)
_KNOWN_META = ("author", "created_at", "url", "lang")


def content_hash(normalized: str) -> str:
    """Hex XXH3-128 of the normalised text: equal for exact duplicates after normalisation."""
    return xxhash.xxh3_128_hexdigest(normalized.encode("utf-8"))


def _write_parquet(path: Path, rows: list[dict], schema: pa.Schema) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression="zstd")


def _save_array(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class SegmentCounts:
    """How the records given to one segment were accounted for."""

    records_read: int = 0
    indexed: int = 0
    duplicates: int = 0
    skipped: int = 0


class SegmentBuilder:
    """Accumulates items batch by batch and writes a segment directory."""

    def __init__(self, workdir: Path, corpus: CorpusInfo, params: IndexParams, seen: dict[str, str]) -> None:
        self.workdir = workdir
        self.corpus = corpus
        self.params = params
        self.seen = seen
        self.counts = SegmentCounts()
        self._items_writer = pq.ParquetWriter(workdir / "items.parquet", ITEMS_SCHEMA, compression="zstd")
        self._signatures: list[np.ndarray] = []
        self._posting_keys: list[np.ndarray] = []
        self._posting_items: list[np.ndarray] = []
        self._item_shingles: list[np.ndarray] = []
        self._duplicates: list[dict] = []
        self.skipped: list[SkippedRecord] = []
        """Every record read but not indexed, in the order met."""

    def skip(self, skipped: SkippedRecord) -> None:
        """Record a record that could not be read."""
        self.counts.records_read += 1
        self.counts.skipped += 1
        self.skipped.append(skipped)

    def add_batch(self, records: Iterable[Record]) -> None:
        """Normalise, deduplicate, shingle and sketch a batch of records."""
        kept: list[tuple[Record, list[str], str]] = []
        records = list(records)
        normalized = normalize_texts([r.text for r in records], self.params.normalizer)
        for record, text in zip(records, normalized, strict=True):
            self.counts.records_read += 1
            if not text:
                self.skip_counted(record, "no words left after normalisation (only links, mentions or emoji)")
                continue
            tokens = text.split(" ")
            digest = content_hash(text)
            first = self.seen.get(digest)
            if first is not None:
                self.counts.duplicates += 1
                self._duplicates.append(
                    {
                        "id": record.id,
                        "source": record.source,
                        "position": record.position,
                        "content_hash": digest,
                        "duplicate_of": first,
                    }
                )
                continue
            self.seen[digest] = record.id
            kept.append((record, tokens, digest))
        if kept:
            self._index(kept)
        checkpoint("batch")

    def skip_counted(self, record: Record, reason: str) -> None:
        """Record a readable record that cannot be indexed (already counted as read)."""
        self.counts.skipped += 1
        self.skipped.append(SkippedRecord(record.source, record.position, reason, record.line))

    def _index(self, kept: list[tuple[Record, list[str], str]]) -> None:
        batch = shingle_batch([tokens for _, tokens, _ in kept], self.params.shingles)
        self._signatures.append(minhash_signatures(batch, self.params.minhash))
        first_local = self.counts.indexed
        local = np.repeat(np.arange(first_local, first_local + len(kept), dtype=np.uint32), batch.counts())
        items, keys = distinct_pairs(local, batch.hashes)
        self._posting_items.append(items)
        self._posting_keys.append(keys)
        self._item_shingles.append(np.bincount(items.astype(np.int64) - first_local, minlength=len(kept)))
        rows = [
            self._item_row(record, tokens, digest, int(n))
            for (record, tokens, digest), n in zip(kept, self._item_shingles[-1], strict=False)
        ]
        self._items_writer.write_table(pa.Table.from_pylist(rows, schema=ITEMS_SCHEMA))
        self.counts.indexed += len(kept)

    def _item_row(self, record: Record, tokens: list[str], digest: str, n_shingles: int) -> dict:
        meta = dict(record.meta)
        extra = {k: v for k, v in meta.items() if k not in (*_KNOWN_META, "deleted")}
        return {
            "id": record.id,
            "corpus": self.corpus.name,
            "license": self.corpus.license,
            "owner": self.corpus.owner,
            "text": record.text,
            "content_hash": digest,
            "n_tokens": len(tokens),
            "n_shingles": n_shingles,
            "source": record.source,
            "position": record.position,
            "line": record.line,
            **{k: meta.get(k) for k in _KNOWN_META},
            "deleted": meta.get("deleted") == "true",
            "meta": json.dumps(extra, sort_keys=True, ensure_ascii=False) if extra else "{}",
        }

    def finish(self) -> None:
        """Write the lookup tables and close the segment's files (all fsynced)."""
        self._items_writer.close()
        with open(self.workdir / "items.parquet", "rb+") as fh:
            os.fsync(fh.fileno())
        checkpoint("items written")
        num_perm = self.params.minhash.num_perm
        signatures = (
            np.concatenate(self._signatures) if self._signatures else np.zeros((0, num_perm), dtype=np.uint32)
        )
        _save_array(self.workdir / "signatures.npy", signatures)
        checkpoint("signatures written")
        write_band_tables(self.workdir, signatures, self.params)
        checkpoint("bands written")
        keys = np.concatenate(self._posting_keys) if self._posting_keys else np.zeros(0, np.uint64)
        items = np.concatenate(self._posting_items) if self._posting_items else np.zeros(0, np.uint32)
        write_postings(self.workdir, keys, items)
        checkpoint("postings written")
        counts = np.concatenate(self._item_shingles) if self._item_shingles else np.zeros(0)
        _save_array(self.workdir / "item_shingles.npy", counts.astype(np.int32))
        _write_parquet(self.workdir / "duplicates.parquet", self._duplicates, DUPLICATES_SCHEMA)
        skipped_rows = [
            {"source": r.source, "position": r.position, "line": r.line, "reason": r.reason}
            for r in self.skipped
        ]
        _write_parquet(self.workdir / "skipped.parquet", skipped_rows, SKIPPED_SCHEMA)
        checkpoint("segment complete")


def write_band_tables(workdir: Path, signatures: np.ndarray, params: IndexParams) -> None:
    """``band_keys.npy`` and ``band_items.npy`` for these signatures."""
    keys = band_keys(signatures, params.lsh)
    order = np.argsort(keys, axis=1, kind="stable")
    _save_array(workdir / "band_keys.npy", np.take_along_axis(keys, order, axis=1))
    _save_array(workdir / "band_items.npy", order.astype(np.uint32))


def write_postings(workdir: Path, keys: np.ndarray, items: np.ndarray) -> None:
    """``shingle_keys.npy`` and ``shingle_items.npy``, sorted by (hash, item)."""
    order = np.lexsort((items, keys))
    _save_array(workdir / "shingle_keys.npy", keys[order])
    _save_array(workdir / "shingle_items.npy", items[order])


@dataclass
class Segment:
    """An open, memory-mapped segment."""

    path: Path
    n_items: int
    signatures: np.ndarray
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

    def items_table(self, columns: list[str] | None = None) -> pa.Table:
        """The items (or some of their columns)."""
        return pq.read_table(self.path / "items.parquet", columns=columns, memory_map=True)
