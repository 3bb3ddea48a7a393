"""Candidate generation: which (training text, licensed item) pairs deserve exact verification.

Two paths, both vectorised over a batch of training texts:

- **Anchors** (containment): every shingle of a training text is looked up in the index's sorted
  shingle postings; an item becomes a candidate of a text when the share of its distinct shingles
  found in the text reaches ``min_ratio``. This finds a 20-word tweet inside a 2,000-word page,
  where whole-text MinHash cannot (the pair's Jaccard similarity is about 0.01).
- **LSH** (near-duplicates): short training texts are MinHashed and their band keys looked up in
  the index's band tables, as datasketch's ``MinHashLSH`` does.

Shingles shared by more than ``max_postings`` items (stock phrases) are not expanded: they cannot
make a pair specific, and expanding them would cost more than everything else. Below that, the
postings of a heavy shingle (held by more than ``PostingsLookup.HEAVY_ABOVE`` items) are not counted
item by item either: a text marks the heavy shingles it holds, and an item checks its own once its
other shingles have brought it close enough to a candidate (same pairs, a fraction of the counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from provenance.index import Index
from provenance.text.arrays import unique_values
from provenance.text.lsh import sketch_band_keys
from provenance.text.shingles import ShingleBatch


class TextHashes(NamedTuple):
    """A batch's shingle hashes: text ``t``'s are ``hashes[offsets[t]:offsets[t + 1]]``."""

    hashes: np.ndarray
    offsets: np.ndarray


class FilterBits(NamedTuple):
    """``ShingleFilter``'s bitmap over the top bits of every indexed hash."""

    table: np.ndarray
    shift: np.uint64


class Postings(NamedTuple):
    """One segment's postings as ``anchor_kernel`` reads them (``PostingsLookup``), with the item
    counts the scan asks for and the scratch arrays the counting reuses."""

    keys: np.ndarray
    buckets: np.ndarray
    shift: np.uint64
    items: np.ndarray
    need: np.ndarray
    counter: np.ndarray
    touched: np.ndarray


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs, sorted by (text, item), each with how it was found."""

    texts: np.ndarray
    """Index of the training text within the batch."""
    items: np.ndarray
    """Global item number in the index."""
    by_anchor: np.ndarray
    by_lsh: np.ndarray
    shared: np.ndarray
    """Distinct shingle hashes the pair shares (exact, from the postings); -1 for LSH-only pairs."""
    text_shingles: np.ndarray
    """Distinct shingle hashes of the training text; -1 for LSH-only pairs."""


class ShingleFilter:
    """A bitmap over the top bits of every indexed shingle hash (about 16 bits per shingle).

    Most shingles of a training text are in no licensed item; one memory access per shingle rules
    them out before the search in the postings. False positives only cost that search.
    """

    def __init__(self, index: Index) -> None:
        from provenance.scanner.candidate_kernels import set_filter_bits

        total = sum(len(s.shingle_keys) for s in index.segments)
        self.bits = max(20, int(np.ceil(np.log2(max(total, 1) * 16))))
        self.shift = np.uint64(64 - self.bits)
        self.table = np.zeros(1 << (self.bits - 3), dtype=np.uint8)
        for segment in index.segments:
            set_filter_bits(np.asarray(segment.shingle_keys), self.shift, self.table)

    def may_contain(self, hashes: np.ndarray) -> np.ndarray:
        """False where the hash is certainly not in the index."""
        slots = hashes >> self.shift
        return ((self.table[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)) & 1).astype(
            bool
        )


def _bucket_shift(n_keys: int) -> np.uint64:
    """How far to shift a uniform 64-bit key so that its leading bits index about four of
    ``n_keys`` sorted keys per bucket."""
    bits = max(1, min(32, int(np.log2(max(n_keys, 1))) - 2))
    return np.uint64(64 - bits)


def _bucket_starts(keys: np.ndarray, shift: np.uint64) -> np.ndarray:
    """Where each bucket (run of leading key bits, ``key >> shift``) of the sorted ``keys`` starts,
    and one more entry: the number of keys."""
    from provenance.scanner.candidate_kernels import bucket_starts

    starts = np.empty((1 << (64 - int(shift))) + 1, dtype=np.int64)
    bucket_starts(keys, shift, starts)
    return starts


class PostingsLookup:
    """One segment's postings, with a table of where each run of leading hash bits starts.

    The hashes are uniform, so a bucket holds about four keys and a lookup is one table read and a
    search of a few keys instead of a binary search of the whole array.
    """

    HEAVY_ABOVE = 16
    """A hash held by more items than this is heavy: its postings are not counted item by item
    (see ``candidate_kernels.anchor_kernel``). Tuning only: the pairs found are the same for any value."""

    CACHE_ROWS_LOG2 = 18
    """A worker's cache of found hashes' postings holds up to 2**18 rows (8 MB): on the benchmark
    that answers most lookups (see ``candidate_kernels._cached_posting_ranges``). Tuning only."""

    def __init__(
        self, keys: np.ndarray, items: np.ndarray, item_shingles: np.ndarray, heavy_above: int = HEAVY_ABOVE
    ) -> None:
        self.keys = np.asarray(keys)
        self.heavy_above = heavy_above
        self.items = np.asarray(items)
        self.shift = _bucket_shift(len(self.keys))
        self.buckets = _bucket_starts(self.keys, self.shift)
        # A count never exceeds the item's distinct shingles: the narrowest counter keeps the
        # per-item counts in the core's cache (one byte per item for tweets).
        most = int(np.max(item_shingles)) if len(item_shingles) else 0
        dtype = np.uint8 if most <= 0xFF else np.uint16 if most <= 0xFFFF else np.uint32
        self.item_shingles = np.asarray(item_shingles)
        self.counter = np.zeros(len(item_shingles), dtype=dtype)
        self.touched = np.zeros(len(item_shingles) + 1, dtype=np.uint32)
        self._need: dict[float, np.ndarray] = {}
        self._heavy: dict[tuple[float, int], HeavyTables] = {}
        self._heavy_runs: tuple[int, np.ndarray, np.ndarray] | None = None

    def holders(self, hashes: np.ndarray) -> np.ndarray:
        """How many of the segment's items hold each of ``hashes`` (uint64)."""
        from provenance.scanner.candidate_kernels import posting_counts

        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        return posting_counts(hashes, self.keys, self.buckets, self.shift)

    def need(self, min_ratio: float) -> np.ndarray:
        """Per item, the shared shingles that reach ``min_ratio`` of its own (``shared >= ratio *
        shingles`` holds exactly when ``shared >= ceil(ratio * shingles)``), in the counter's type."""
        min_ratio = float(min_ratio)
        if min_ratio not in self._need:
            needed = np.ceil(min_ratio * self.item_shingles.astype(np.float64))
            self._need[min_ratio] = np.maximum(needed, 1).astype(self.counter.dtype)
        return self._need[min_ratio]

    def heavy(self, min_ratio: float, max_postings: int) -> HeavyTables:
        """The heavy hashes' tables for ``anchor_kernel`` (built on first use, in one pass over
        the keys and one over the heavy postings)."""
        from provenance.scanner.candidate_kernels import empty_postings_cache, heavy_tables, long_runs

        min_ratio, max_postings = float(min_ratio), int(max_postings)  # one entry per value, any type
        if (min_ratio, max_postings) not in self._heavy:
            above = min(self.heavy_above, max_postings)  # a common hash is never expanded
            if self._heavy_runs is None or self._heavy_runs[0] != above:
                self._heavy_runs = (above, *long_runs(self.keys, above))
            _, lo, hi = self._heavy_runs
            tables = heavy_tables(self.items, lo, hi, max_postings, self.need(min_ratio))
            rows = 1 << max(1, min(self.CACHE_ROWS_LOG2, int(np.ceil(np.log2(max(len(self.keys), 2))))))
            self._heavy[min_ratio, max_postings] = HeavyTables(
                above, lo, *tables, seen=np.zeros(len(lo) + 1, np.int64), cache=empty_postings_cache(rows)
            )
        return self._heavy[min_ratio, max_postings]


class HeavyTables(NamedTuple):
    """One segment's heavy hashes, as ``candidate_kernels.anchor_kernel`` reads them (in this order)."""

    above: int
    """A hash held by more items than this is heavy."""
    lo: np.ndarray
    """Where each heavy hash's postings start (sorted)."""
    common: np.ndarray
    """Whether it is held by more than ``max_postings`` items (then it does not count as an anchor)."""
    item_starts: np.ndarray
    item_heavy: np.ndarray
    """Item ``i``'s heavy hashes are ``item_heavy[item_starts[i]:item_starts[i + 1]]``."""
    light_need: np.ndarray
    """The light hashes an item must share before its heavy ones are checked."""
    dominated: np.ndarray
    """Items whose heavy hashes alone can reach their need..."""
    dominated_starts: np.ndarray
    dominated_items: np.ndarray
    """...listed under each heavy hash that counts: ``dominated_items[dominated_starts[h]:...]``."""
    seen: np.ndarray
    """Scratch: the last text each heavy hash was seen in; the last entry counts the texts."""
    cache: np.ndarray
    """Scratch: recently found hashes' postings and heavy numbers (see ``empty_postings_cache``)."""


def anchor_pairs(
    index: Index,
    batch: ShingleBatch,
    min_ratio: float,
    max_postings: int,
    shingle_filter: ShingleFilter,
    lookups: list[PostingsLookup],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(text, item, shared, text_shingles) for pairs whose shared distinct shingles reach
    ``min_ratio`` of the item's (one compiled pass per segment)."""
    from provenance.scanner.candidate_kernels import anchor_kernel

    parts = []
    for lookup, offset in zip(lookups, index.offsets[:-1], strict=True):
        heavy = lookup.heavy(min_ratio, max_postings)
        texts, items, shared, distinct = anchor_kernel(
            TextHashes(batch.hashes, batch.offsets),
            FilterBits(shingle_filter.table, shingle_filter.shift),
            Postings(
                lookup.keys,
                lookup.buckets,
                lookup.shift,
                lookup.items,
                lookup.need(min_ratio),
                lookup.counter,
                lookup.touched,
            ),
            heavy,
            int(max_postings),
        )
        parts.append((texts, items + int(offset), shared, distinct))
    if not parts:
        return tuple(np.zeros(0, np.int64) for _ in range(4))  # type: ignore[return-value]
    texts, items, shared, distinct = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.lexsort((items, texts))
    return texts[order], items[order], shared[order], distinct[order]


class BandLookup:
    """One segment's LSH band tables, with a table per band of where each run of leading key bits
    starts (as ``PostingsLookup``): a lookup reads a bucket, then a few keys."""

    def __init__(self, band_keys: np.ndarray, band_items: np.ndarray) -> None:
        self.keys = np.asarray(band_keys)
        self.items = np.asarray(band_items)
        self.shift = _bucket_shift(self.keys.shape[1])
        self.buckets = np.stack([_bucket_starts(row, self.shift) for row in self.keys])


def lsh_pairs(
    index: Index, batch: ShingleBatch, texts: np.ndarray, bands: list[BandLookup]
) -> tuple[np.ndarray, np.ndarray]:
    """(text, item) pairs that share at least one LSH band (texts limited to ``texts``)."""
    from provenance.scanner.candidate_kernels import band_matches_kernel

    if len(texts) == 0 or index.n_items == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sub = ShingleBatch(
        hashes=np.concatenate([batch.of(int(t)) for t in texts]),
        offsets=np.concatenate(([0], np.cumsum(batch.counts()[texts]))).astype(np.int64),
    )
    keys = sketch_band_keys(sub, index.params.minhash, index.params.lsh)
    found_texts, found_items = [], []
    for lookup, offset in zip(bands, index.offsets[:-1], strict=True):
        matched_texts, matched_items = band_matches_kernel(
            keys, texts.astype(np.int64), lookup.keys, lookup.items, lookup.buckets, lookup.shift
        )
        found_texts.append(matched_texts)
        found_items.append(matched_items + int(offset))
    key = unique_values(np.concatenate(found_texts) * max(index.n_items, 1) + np.concatenate(found_items))
    return np.divmod(key, max(index.n_items, 1))


def find_candidates(
    index: Index,
    batch: ShingleBatch,
    min_ratio: float,
    max_postings: int,
    lsh_max_shingles: int,
    shingle_filter: ShingleFilter,
    lookups: list[PostingsLookup],
    bands: list[BandLookup],
) -> Candidates:
    """Union of anchor and LSH candidates for one batch of training texts."""
    a_texts, a_items, a_shared, a_distinct = anchor_pairs(
        index, batch, min_ratio, max_postings, shingle_filter, lookups
    )
    short = np.flatnonzero((batch.counts() > 0) & (batch.counts() <= lsh_max_shingles))
    l_texts, l_items = lsh_pairs(index, batch, short, bands)
    n = max(index.n_items, 1)
    anchor_keys = a_texts * n + a_items
    lsh_keys = l_texts * n + l_items
    keys = np.union1d(anchor_keys, lsh_keys)
    texts, items = np.divmod(keys, n)
    by_anchor = np.isin(keys, anchor_keys)
    shared = np.full(len(keys), -1, dtype=np.int64)
    text_shingles = np.full(len(keys), -1, dtype=np.int64)
    where = np.searchsorted(keys, anchor_keys)  # anchor_keys are sorted and distinct
    shared[where], text_shingles[where] = a_shared, a_distinct
    return Candidates(texts, items, by_anchor, np.isin(keys, lsh_keys), shared, text_shingles)
