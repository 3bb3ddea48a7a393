"""Candidate generation: which (training text, licensed item) pairs deserve exact verification.

Two paths, both vectorised over a batch of training texts:

- **Anchors** (containment): every shingle of a training text is looked up in the index's sorted
  shingle postings; an item becomes a candidate of a text when the share of its distinct shingles
  found in the text reaches ``min_ratio``. This finds a 20-word tweet inside a 2,000-word page,
  where whole-text MinHash cannot (the pair's Jaccard similarity is about 0.01).
- **LSH** (near-duplicates): short training texts are MinHashed and their band keys looked up in
  the index's band tables, as datasketch's ``MinHashLSH`` does.

Shingles shared by more than ``max_postings`` items (stock phrases) are not expanded: they cannot
make a pair specific, and expanding them would cost more than everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import distinct_pairs, unique_counts, unique_inverse, unique_values
from ..index import Index
from ..lsh import band_keys
from ..shingles import ShingleBatch
from ..sketch import minhash_signatures


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs, sorted by (text, item), each with how it was found."""

    texts: np.ndarray
    """Index of the training text within the batch."""
    items: np.ndarray
    """Global item number in the index."""
    by_anchor: np.ndarray
    by_lsh: np.ndarray


def _expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All positions in the ranges ``[lo, hi)``, and the number of the range each comes from."""
    lengths = hi - lo
    owner = np.repeat(np.arange(len(lo)), lengths)
    starts = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
    return starts + np.arange(len(owner)), owner


class ShingleFilter:
    """A bitmap over the low bits of every indexed shingle hash (about 16 bits per shingle).

    Most shingles of a training text are in no licensed item; one memory access per shingle rules
    them out before the binary search in the postings. False positives only cost that search.
    """

    def __init__(self, index: Index) -> None:
        total = sum(len(s.shingle_keys) for s in index.segments)
        self.bits = max(20, int(np.ceil(np.log2(max(total, 1) * 16))))
        self.mask = np.uint64((1 << self.bits) - 1)
        self.table = np.zeros(1 << (self.bits - 3), dtype=np.uint8)
        for segment in index.segments:
            slots = unique_values(np.asarray(segment.shingle_keys) & self.mask)
            byte = slots >> np.uint64(3)
            bit = (np.uint64(1) << (slots & np.uint64(7))).astype(np.uint8)
            starts = np.flatnonzero(np.append(True, byte[1:] != byte[:-1]))
            self.table[byte[starts]] |= np.bitwise_or.reduceat(bit, starts) if len(bit) else bit

    def may_contain(self, hashes: np.ndarray) -> np.ndarray:
        """False where the hash is certainly not in the index."""
        slots = hashes & self.mask
        return ((self.table[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)) & 1).astype(
            bool
        )


def anchor_pairs(
    index: Index,
    batch: ShingleBatch,
    item_shingles: np.ndarray,
    min_ratio: float,
    max_postings: int,
    shingle_filter: ShingleFilter,
) -> tuple[np.ndarray, np.ndarray]:
    """(text, item) pairs whose shared distinct shingles reach ``min_ratio`` of the item's."""
    n_texts = len(batch.offsets) - 1
    text_of = np.repeat(np.arange(n_texts, dtype=np.int64), batch.counts())
    maybe = shingle_filter.may_contain(batch.hashes)
    pair_texts, pair_hashes = distinct_pairs(text_of[maybe], batch.hashes[maybe])
    unique_hashes, inverse = unique_inverse(pair_hashes)
    texts_found, items_found = [], []
    for segment, offset in zip(index.segments, index.offsets[:-1], strict=False):
        lo = np.searchsorted(segment.shingle_keys, unique_hashes, side="left")
        hi = np.searchsorted(segment.shingle_keys, unique_hashes, side="right")
        n = (hi - lo)[inverse]
        keep = (n > 0) & (n <= max_postings)
        positions, owner = _expand_ranges(lo[inverse][keep], hi[inverse][keep])
        texts_found.append(pair_texts[keep][owner])
        items_found.append(np.asarray(segment.shingle_items)[positions].astype(np.int64) + int(offset))
    texts = np.concatenate(texts_found) if texts_found else np.zeros(0, np.int64)
    items = np.concatenate(items_found) if items_found else np.zeros(0, np.int64)
    key = texts * max(index.n_items, 1) + items
    unique_keys, shared = unique_counts(key)
    found_texts, found_items = np.divmod(unique_keys, max(index.n_items, 1))
    keep = shared >= min_ratio * item_shingles[found_items]
    return found_texts[keep], found_items[keep]


def lsh_pairs(index: Index, batch: ShingleBatch, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(text, item) pairs that share at least one LSH band (texts limited to ``texts``)."""
    if len(texts) == 0 or index.n_items == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sub = ShingleBatch(
        hashes=np.concatenate([batch.of(int(t)) for t in texts]),
        offsets=np.concatenate(([0], np.cumsum(batch.counts()[texts]))).astype(np.int64),
    )
    keys = band_keys(minhash_signatures(sub, index.params.minhash), index.params.lsh)
    found_texts, found_items = [], []
    for segment, offset in zip(index.segments, index.offsets[:-1], strict=False):
        for band in range(keys.shape[0]):
            table = segment.band_keys[band]
            lo = np.searchsorted(table, keys[band], side="left")
            hi = np.searchsorted(table, keys[band], side="right")
            positions, owner = _expand_ranges(lo, hi)
            found_texts.append(texts[owner])
            found_items.append(np.asarray(segment.band_items[band])[positions].astype(np.int64) + int(offset))
    key = unique_values(np.concatenate(found_texts) * max(index.n_items, 1) + np.concatenate(found_items))
    return np.divmod(key, max(index.n_items, 1))


def find_candidates(
    index: Index,
    batch: ShingleBatch,
    item_shingles: np.ndarray,
    min_ratio: float,
    max_postings: int,
    lsh_max_shingles: int,
    shingle_filter: ShingleFilter,
) -> Candidates:
    """Union of anchor and LSH candidates for one batch of training texts."""
    a_texts, a_items = anchor_pairs(index, batch, item_shingles, min_ratio, max_postings, shingle_filter)
    short = np.flatnonzero((batch.counts() > 0) & (batch.counts() <= lsh_max_shingles))
    l_texts, l_items = lsh_pairs(index, batch, short)
    n = max(index.n_items, 1)
    anchor_keys = a_texts * n + a_items
    lsh_keys = l_texts * n + l_items
    keys = np.union1d(anchor_keys, lsh_keys)
    texts, items = np.divmod(keys, n)
    return Candidates(texts, items, np.isin(keys, anchor_keys), np.isin(keys, lsh_keys))
