"""The scan's worker: a batch of records through candidate search, exact comparison, evidence rows."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from provenance.engines.interface import Engine
from provenance.errors import UsageError
from provenance.evidence.schema import SNIPPET_CONTEXT, union_length
from provenance.index import Index
from provenance.index.holdings import Holdings
from provenance.readers import fastjsonl
from provenance.readers.blocks import Block, BlockTally, Placement, read_block_records
from provenance.readers.records import Record, own_id
from provenance.scanner.candidates import (
    BandLookup,
    Candidates,
    PostingsLookup,
    ShingleFilter,
    find_candidates,
)
from provenance.scanner.compare import AnalysedText, HashedText, PairEvidence, analyse, compare_hashed
from provenance.text.analyse import analyse_texts
from provenance.text.arrays import utf8_buffers
from provenance.text.tokens import tokens_spans_and_bytes, tokens_with_spans

ITEM_COLUMNS = [
    "id",
    "corpus",
    "license",
    "owner",
    "text",
    "content_hash",
    "n_tokens",
    "author",
    "created_at",
    "url",
]


@dataclass(frozen=True)
class ScanOptions:
    """What counts as a match, and how the scan runs."""

    min_containment: float = 0.65
    """Report a pair when at least this share of the item's distinct shingles is in the record
    and ``min_coverage`` of its words form the aligned copy..."""
    min_coverage: float = 0.5
    """...(shared shingles scattered over a long page are not a copy)..."""
    min_jaccard: float = 0.5
    """...or when the two shingle sets have at least this Jaccard similarity (a near-duplicate)."""
    min_item_tokens: int = 6
    """Information floor: items with fewer normalised words are set aside (counted, not reported)."""
    include_low_information: bool = False
    """Report set-aside matches too (flagged weak)."""
    weak_below_shingles: int = 4
    """Flag a match weak when fewer rare shared shingles than this (its specificity) were found."""
    common_shingle_items: int = 5
    """A shingle found in more licensed items than this is common: it does not count as specific."""
    weak_above_item_matches: int = 50
    """Flag a match weak when its item matched more training records than this in the scan."""
    max_postings: int = 20_000
    """Shingles shared by more licensed items than this are not used as anchors."""
    lsh_max_shingles: int = 256
    """Records with at most this many shingles are also looked up in the LSH band tables."""
    batch_records: int = 256
    """Training records per work unit."""
    strict: bool = False
    """Fail on the first unreadable record instead of skipping and recording it."""

    def __post_init__(self) -> None:
        for name in ("min_containment", "min_coverage", "min_jaccard"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise UsageError(f"{name} must be in (0, 1], got {value}")
        if self.min_item_tokens < 1 or self.batch_records < 1:
            raise UsageError("min_item_tokens and batch_records must be positive")

    def describe(self) -> dict[str, object]:
        """The options as recorded in the scan manifest."""
        return asdict(self)


@dataclass
class ScanCounts:
    """Where every record and every candidate went: the counts balance."""

    records_read: int = 0
    scanned: int = 0
    skipped: int = 0
    characters_scanned: int = 0
    candidates: int = 0
    candidates_by_anchor: int = 0
    candidates_by_lsh: int = 0
    verified: int = 0
    rejected: int = 0
    set_aside_low_information: int = 0
    matched_characters: int = 0

    def add(self, other: ScanCounts) -> None:
        """Accumulate another batch's counts."""
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


class ScanRecord(NamedTuple):
    """One training record as the scan reports it."""

    file: str
    row: int
    """Its position in the file, from 0."""
    line: int | None
    id: str | None
    """Its own id: ``None`` where it has none (its default id counts as none)."""
    text: str


class ScanBatch(NamedTuple):
    """Training records in columns, as a worker receives them: it pickles as fast as plain tuples
    of each record (a list of ``ScanRecord`` would cost eight times more)."""

    files: list[str]
    rows: list[int]
    lines: list[int | None]
    ids: list[str | None]
    texts: list[str]

    @classmethod
    def of(cls, records: Sequence[Record], ids: list[str | None]) -> ScanBatch:
        """The ``records`` with the ids ``ids`` (``None`` for none)."""
        return cls(
            [r.source for r in records],
            [r.position for r in records],
            [r.line for r in records],
            ids,
            [r.text for r in records],
        )

    def record(self, t: int) -> ScanRecord:
        """Record ``t`` of the batch."""
        return ScanRecord(self.files[t], self.rows[t], self.lines[t], self.ids[t], self.texts[t])


class AnalysedItem(NamedTuple):
    """A licensed item as its comparisons read it."""

    text: AnalysedText
    hashes: np.ndarray
    """Its distinct shingle hashes, sorted."""


@dataclass
class BatchOutput:
    """What one work unit found."""

    counts: ScanCounts
    rows: list[dict] = field(default_factory=list)


# One scanner per process: set by ``_init_worker`` (forked workers) or directly (one job).
_SCANNER: Scanner | None = None


class Scanner:
    """Holds the open index and the per-item data a worker needs."""

    ITEM_CACHE = 16_384
    """Licensed items a worker keeps analysed, and their fields, for the next text that matches
    them (a stock phrase's item matches hundreds of pages). Bounded, so a worker's memory stays
    flat however many distinct items a scan meets: the oldest half is dropped when full (a few
    KB each). Tuning only: results are the same for any value."""

    def __init__(self, index_path: Path, options: ScanOptions) -> None:
        self.index = Index.open(index_path, verify_checksums=False)
        self.options = options
        self.params = self.index.params
        self.n = self.params.shingles.n
        self.item_shingles = self.index.item_shingle_counts().astype(np.int64)
        segments = self.index.segments
        # Parquet and the kernels release the GIL: the items and the band tables are read in a
        # thread while this one loads the kernels and builds the postings' tables (joined before
        # any worker is forked).
        with ThreadPoolExecutor(max_workers=1) as helper:
            items = helper.submit(self.index.items, ITEM_COLUMNS)
            self.shingle_filter = ShingleFilter(self.index)
            bands = helper.submit(lambda: [BandLookup(s.band_keys, s.band_items) for s in segments])
            self.lookups = [
                PostingsLookup(s.shingle_keys, s.shingle_items, np.asarray(s.item_shingles)) for s in segments
            ]
            for lookup in self.lookups:
                lookup.heavy(self.min_ratio, options.max_postings)
            self.bands = bands.result()
            self.items = items.result()
        self.holdings = Holdings.of(self.index, self.items)
        self.item_tokens = self.items.column("n_tokens").to_numpy()
        # One value at a time: a one-row slice of the table costs three times more.
        self._item_columns = {name: self.items.column(name) for name in self.items.column_names}
        self._analysed: dict[int, AnalysedItem] = {}
        self._item_fields: dict[int, dict] = {}

    @property
    def min_ratio(self) -> float:
        """The share of an item's shingles a text must hold to be its anchor candidate: the lower of
        the containment and Jaccard thresholds (either can make a match)."""
        return min(self.options.min_containment, self.options.min_jaccard)

    def item(self, number: int) -> AnalysedItem:
        """The analysed text of item ``number`` and its distinct shingle hashes (cached)."""
        if number not in self._analysed:
            self._analyse_items([number])
        return self._analysed[number]

    def _analyse_items(self, numbers: list[int]) -> None:
        """Analyse the items not analysed yet among ``numbers``, all in one compiled pass."""
        new = sorted({number for number in numbers if number not in self._analysed})
        if not new:
            return
        _make_room(self._analysed, self.ITEM_CACHE, len(new))
        column = self._item_columns["text"]  # chunked: ``take`` would join the chunks on every call
        texts = [column[number].as_py() for number in new]
        tokens, spans = tokens_with_spans(texts, self.params.normalizer)
        distinct = analyse_texts(texts, self.params, shingles=False, distinct=True).distinct
        for i, (number, text) in enumerate(zip(new, texts, strict=True)):
            item = analyse(text, self.n, self.params.normalizer, tokens[i], spans[i])
            self._analysed[number] = AnalysedItem(item, distinct.of(i).copy())  # a copy frees the batch

    def warm_up(self) -> None:
        """Load every compiled kernel a scan uses, once, here: forked workers inherit them instead
        of each loading them on its first block. Scans a page quoting the first licensed item with
        enough words, so that verification runs too; what it finds is dropped."""
        quoted = np.flatnonzero(self.item_tokens >= self.options.min_item_tokens)[:1].tolist()
        text = self._item_columns["text"][quoted[0]].as_py() if quoted else ""
        self.scan_batch(ScanBatch([""], [0], [None], [None], [f"warm up the compiled kernels: {text} done"]))
        fastjsonl.warm_up()

    def scan_batch(self, batch: ScanBatch) -> BatchOutput:
        """Find, verify and describe every match in a batch of records."""
        return self._scan(batch.texts, batch.record)

    def scan_columns(self, file: str, rows: np.ndarray, ids: list[str], texts: pa.Array) -> BatchOutput:
        """``scan_batch`` of records read as columns (``fastjsonl.block_columns``): row ``rows[t]``
        (from 0) is on line ``rows[t] + 1``, an id ``""`` is none. Only the texts of candidates
        become Python strings."""

        def record(t: int) -> ScanRecord:
            row = int(rows[t])
            return ScanRecord(file, row, row + 1, ids[t] or None, texts[t].as_py())

        return self._scan(texts, record)

    def _scan(self, texts: list[str] | pa.Array, record: Callable[[int], ScanRecord]) -> BatchOutput:
        """Scan ``texts``; ``record(t)`` gives text ``t``'s record."""
        opts = self.options
        counts = ScanCounts(scanned=len(texts), characters_scanned=_characters(texts))
        batch = analyse_texts(texts, self.params).shingles
        found = find_candidates(
            self.index,
            batch,
            self.min_ratio,
            opts.max_postings,
            opts.lsh_max_shingles,
            self.shingle_filter,
            self.lookups,
            self.bands,
        )
        counts.candidates = len(found.texts)
        counts.candidates_by_anchor = int(found.by_anchor.sum())
        counts.candidates_by_lsh = int(found.by_lsh.sum())
        out = BatchOutput(counts)
        pairs = self._pairs_to_verify(found, counts)
        self._analyse_items([int(number) for _, items in pairs for number in items])
        records = [record(t) for t, _ in pairs]
        tokens, spans, written = tokens_spans_and_bytes([r.text for r in records], self.params.normalizer)
        for (t, items), one, doc_tokens, doc_spans, doc_bytes in zip(
            pairs, records, tokens, spans, written, strict=True
        ):
            doc = HashedText(
                one.text, doc_tokens, batch.of(t), self.n, self.params.normalizer, doc_spans, doc_bytes
            )
            copied = []
            for item_number in items:
                row = self._verify_pair(one, doc, int(item_number), counts)
                if row is not None:
                    out.rows.append(row)
                    copied.append((row["doc_start"], row["doc_end"]))
            counts.matched_characters += union_length(copied)
        return out

    def _pairs_to_verify(self, found: Candidates, counts: ScanCounts) -> list[tuple[int, np.ndarray]]:
        """Candidates above the information floor whose exact shingle-hash measures can pass, by text.

        Items below the floor are set aside. Every other pair is verified: first on the distinct
        shingle hashes the postings gave (equal shingles have equal hashes, so a pair that fails here
        cannot pass on strings), then, for the pairs that pass, on shingle strings (``compare``).
        """
        opts = self.options
        low = self.item_tokens[found.items] < opts.min_item_tokens
        if opts.include_low_information:
            low[:] = False
        counts.set_aside_low_information += int(low.sum())
        counts.verified += int((~low).sum())
        item_shingles = self.item_shingles[found.items]
        with np.errstate(divide="ignore", invalid="ignore"):
            containment = found.shared / item_shingles
            jaccard = found.shared / (item_shingles + found.text_shingles - found.shared)
        measured = found.shared >= 0
        possible = ~measured | (containment >= opts.min_containment) | (jaccard >= opts.min_jaccard)
        counts.rejected += int((~low & ~possible).sum())
        keep = ~low & possible
        texts, items = found.texts[keep], found.items[keep]
        if len(texts) == 0:
            return []
        starts = np.flatnonzero(np.append(True, texts[1:] != texts[:-1]))
        return [(int(texts[a]), items[a:b]) for a, b in zip(starts, [*starts[1:], len(texts)], strict=True)]

    def _verify_pair(
        self, record: ScanRecord, doc: HashedText, number: int, counts: ScanCounts
    ) -> dict | None:
        """Verify one candidate on shingle strings (its shingle-hash measures have passed)."""
        item, item_hashes = self.item(number)
        evidence = compare_hashed(item, item_hashes, doc)
        if evidence is None or not self._reportable(evidence):
            counts.rejected += 1
            return None
        shared_hashes = np.unique(doc.hashes[evidence.shared_at])
        return self._row(
            record, number, evidence, evidence.char_spans(item, doc), self._specificity(shared_hashes)
        )

    def _reportable(self, evidence: PairEvidence) -> bool:
        """A near-duplicate by Jaccard, or a contained copy: enough of the item, and contiguous."""
        opts = self.options
        contained = evidence.containment >= opts.min_containment and evidence.coverage >= opts.min_coverage
        return contained or evidence.jaccard >= opts.min_jaccard

    def _specificity(self, shared: np.ndarray) -> int:
        """Shared shingles (their distinct hashes) that few licensed items contain: stock phrases
        do not count."""
        items_with = np.zeros(len(shared), dtype=np.int64)
        for lookup in self.lookups:
            items_with += lookup.holders(shared)
        return int((items_with <= self.options.common_shingle_items).sum())

    def _row(
        self,
        record: ScanRecord,
        number: int,
        ev: PairEvidence,
        spans: tuple[int, int, int, int],
        specificity: int,
    ) -> dict:
        text = record.text
        item = self._item_fields.get(number)
        if item is None:
            _make_room(self._item_fields, self.ITEM_CACHE, 1)
            item = {name: column[number].as_py() for name, column in self._item_columns.items()}
            held = self.holdings.holding(number, item["corpus"])
            item.update(licenses=list(held.licenses), corpora=list(held.corpora), owners=list(held.owners))
            self._item_fields[number] = item
        item_start, item_end, doc_start, doc_end = spans
        snippet_start = max(0, doc_start - SNIPPET_CONTEXT)
        return {
            "item_id": item["id"],
            "corpus": item["corpus"],
            "license": item["license"],
            "owner": item["owner"],
            "licenses": item["licenses"],
            "corpora": item["corpora"],
            "owners": item["owners"],
            "dataset_file": record.file,
            "dataset_row": record.row,
            "dataset_line": record.line,
            "dataset_doc_id": record.id,
            "kind": "near_duplicate" if ev.jaccard >= self.options.min_jaccard else "contained",
            "doc_start": doc_start,
            "doc_end": doc_end,
            "item_start": item_start,
            "item_end": item_end,
            "jaccard": ev.jaccard,
            "containment": ev.containment,
            "coverage": ev.coverage,
            "shared_shingles": ev.shared_shingles,
            "item_shingles": ev.item_shingles,
            "item_tokens": int(item["n_tokens"]),
            "specificity": specificity,
            "item_matches": 0,
            "weak": False,
            "snippet": text[snippet_start : doc_end + SNIPPET_CONTEXT],
            "snippet_start": snippet_start,
            "licensed_text": item["text"],
            "item_author": item["author"],
            "item_created_at": item["created_at"],
            "item_url": item["url"],
            "item_content_hash": item["content_hash"],
            "doc_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }


def _make_room(cache: dict, limit: int, adding: int) -> None:
    """Drop the oldest entries of ``cache`` (at least half of ``limit``) when ``adding`` more
    would not fit in ``limit``."""
    excess = len(cache) + adding - limit
    if excess > 0:
        for key in list(itertools.islice(cache, max(excess, limit // 2))):
            del cache[key]


def _characters(texts: list[str] | pa.Array) -> int:
    """How many characters the texts hold: for a large-string array, its UTF-8 bytes less the
    continuation bytes (half the time of ``utf8_length``)."""
    if not isinstance(texts, pa.Array):
        return sum(map(len, texts))
    if texts.type != pa.large_string() or texts.null_count:
        return int(pc.sum(pc.utf8_length(texts)).as_py() or 0)
    data, offsets = utf8_buffers(texts)
    body = data[offsets[0] : offsets[-1]]
    return len(body) - int(np.count_nonzero((body & 0xC0) == 0x80))


def _scan_in_worker(batch: ScanBatch) -> BatchOutput:
    assert _SCANNER is not None
    return _SCANNER.scan_batch(batch)


@dataclass
class BlockOutput(BatchOutput):
    """What one block of lines held and matched; positions count from 0 and lines from 1, and a
    record without an id of its own has ``dataset_doc_id`` ``None`` (see ``place_rows``)."""

    tally: BlockTally = field(default_factory=lambda: BlockTally([], 0, 0))


def scan_block_in_worker(block: Block) -> BlockOutput:
    """Read a block of a source that reads in blocks, and scan its records: as Arrow columns
    where pyarrow could read the block, else through the line reader's records."""
    assert _SCANNER is not None
    read, size = read_block_records(block), _SCANNER.options.batch_records
    out = BlockOutput(ScanCounts(), tally=read.tally)
    if read.columns is None:
        for first in range(0, len(read.records), size):
            records = read.records[first : first + size]
            part = _SCANNER.scan_batch(ScanBatch.of(records, [r.id or None for r in records]))
            out.counts.add(part.counts)
            out.rows.extend(part.rows)
        return out
    columns = read.columns
    ids = columns.ids.to_pylist()
    texts = columns.texts.cast(pa.large_string())  # once: a cast of each slice would copy the block
    for first in range(0, len(ids), size):
        part = _SCANNER.scan_columns(
            read.source,
            columns.positions[first : first + size],
            ids[first : first + size],
            texts.slice(first, size),
        )
        out.counts.add(part.counts)
        out.rows.extend(part.rows)
    return out


def place_rows(rows: list[dict], placement: Placement) -> None:
    """Number a block's rows after the positions and lines of the blocks before it; a record id
    equal to its default id counts as none, as ``record_batches`` has it."""
    for row in rows:
        row["dataset_row"] += placement.positions
        row["dataset_line"] += placement.lines
        row["dataset_doc_id"] = own_id(row["dataset_doc_id"], row["dataset_file"], row["dataset_row"])


def record_batches(batches: Iterator[list[Record]]) -> Iterator[ScanBatch]:
    """Batches of records as workers receive them, each with its own id (``None`` for none)."""
    for batch in batches:
        yield ScanBatch.of(batch, [own_id(r.id, r.source, r.position) for r in batch])


def run_batches(
    index_path: Path,
    options: ScanOptions,
    batches: Iterator,
    engine: Engine,
    work: Callable[[Any], BatchOutput] = _scan_in_worker,
) -> Iterator[BatchOutput]:
    """``work`` (by default: scan a ``ScanBatch``) on every unit in order, by ``engine`` (the local
    engine: in this process with one job, else in forked workers).

    The scanner (open index, shingle filter, item table, compiled kernels) is built once here;
    forked workers inherit it copy-on-write instead of each paying its start-up again.
    """
    global _SCANNER
    scanner = Scanner(index_path, options)
    scanner.warm_up()
    _SCANNER = scanner
    yield from engine.map_in_order(work, batches)


def matches_table(rows: list[dict], options: ScanOptions) -> pa.Table:
    """The sorted matches table, with per-item match counts and weak flags filled in."""
    from provenance.evidence.schema import MATCH_SCHEMA, MATCH_SORT_KEYS

    per_item: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["corpus"], row["item_id"])
        per_item[key] = per_item.get(key, 0) + 1
    for row in rows:
        row["item_matches"] = per_item[(row["corpus"], row["item_id"])]
        row["weak"] = bool(
            row["specificity"] < options.weak_below_shingles
            or row["item_matches"] > options.weak_above_item_matches
            or row["item_tokens"] < options.min_item_tokens
        )
    rows.sort(key=itemgetter(*MATCH_SORT_KEYS))
    return pa.Table.from_pylist(rows, schema=MATCH_SCHEMA)
