"""Compiled loops (numba) of candidate search: shingle filter, postings lookup, anchors, LSH bands.

Import this module lazily: importing numba costs ~0.3 s. Kernels are module-level functions with
``cache=True``, so numba compiles each once per machine and loads it from its on-disk cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# --- candidate generation (see provenance/scanner/candidates.py) --------------------------------


@njit(cache=True, nogil=True)
def set_filter_bits(keys, shift, table):  # numba-typed arguments
    """Set the bit of every key's top bits (``key >> shift``) in the byte ``table`` (a one-hash
    Bloom filter). Keys sorted by hash give sequential writes."""
    for i in range(keys.shape[0]):
        slot = keys[i] >> shift
        table[slot >> np.uint64(3)] |= np.uint8(1) << np.uint8(slot & np.uint64(7))


@njit(cache=True, nogil=True)
def bucket_starts(keys, shift, starts):  # numba-typed arguments
    """``starts[b]``: the first position of sorted ``keys`` whose top bits (``key >> shift``) are
    at least ``b``; ``starts[-1]`` is the number of keys."""
    b = 0
    for i in range(keys.shape[0]):
        top = np.int64(keys[i] >> shift)
        while b <= top:
            starts[b] = i
            b += 1
    while b < starts.shape[0]:
        starts[b] = keys.shape[0]
        b += 1


@njit(cache=True, inline="always")
def _lower_bound(values, lo, hi, value):  # numba-typed arguments
    """First position in the sorted ``values[lo:hi]`` not below ``value``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _upper_bound(values, lo, hi, value):  # numba-typed arguments
    """First position in the sorted ``values[lo:hi]`` above ``value``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _dedupe(values, m, out):  # numba-typed arguments
    """The distinct values among ``values[:m]``, in first-seen order, into ``out`` (which may be
    ``values``); returns how many. A linear-probing hash set: a sort costs several times more."""
    size = 16
    while size < 2 * m:
        size *= 2
    slots = np.zeros(size, np.uint64)  # 0 marks an empty slot; the value 0 is kept apart
    low = np.uint64(size - 1)
    u = 0
    zero = False
    for j in range(m):
        v = values[j]
        if v == 0:
            if not zero:
                zero = True
                out[u] = v
                u += 1
            continue
        at = (v ^ (v >> np.uint64(29))) & low
        while slots[at] != 0 and slots[at] != v:
            at = (at + np.uint64(1)) & low
        if slots[at] == 0:
            slots[at] = v
            out[u] = v
            u += 1
    return u


@njit(cache=True)
def _distinct_count(values):  # numba-typed arguments
    """How many distinct values there are."""
    return _dedupe(values, values.shape[0], np.empty(values.shape[0], np.uint64))


@njit(cache=True, inline="always")
def _filtered_distinct(hashes, table, shift):  # numba-typed arguments
    """The distinct hashes whose filter bit is set (the filter test has no branch, so the core
    keeps many table reads in flight)."""
    found = np.empty(hashes.shape[0], np.uint64)
    m = 0
    for i in range(hashes.shape[0]):
        h = hashes[i]
        slot = h >> shift
        found[m] = h
        m += (table[slot >> np.uint64(3)] >> np.uint8(slot & np.uint64(7))) & np.uint8(1)
    return found[: _dedupe(found, m, found)]


@njit(cache=True, inline="always")
def _narrow_to_key(keys, lo, hi, j, value):  # numba-typed arguments
    """Narrow ``[lo[j], hi[j])``, a bucket of the sorted ``keys``, to the run of ``value`` in it."""
    first = _lower_bound(keys, lo[j], hi[j], value)
    hi[j] = _upper_bound(keys, first, hi[j], value)
    lo[j] = first


@njit(cache=True, inline="always")
def _posting_ranges(found, keys, buckets, shift):  # numba-typed arguments
    """``[lo, hi)`` of each hash's postings: all bucket reads first, then all key searches
    (independent loads overlap; one pass per hash would wait on each cache miss in turn)."""
    lo = np.empty(found.shape[0], np.int64)
    hi = np.empty(found.shape[0], np.int64)
    for j in range(found.shape[0]):
        b = found[j] >> shift
        lo[j] = buckets[b]
        hi[j] = buckets[b + 1]
    for j in range(found.shape[0]):
        _narrow_to_key(keys, lo, hi, j, found[j])
    return lo, hi


@njit(cache=True, inline="always")
def _cached_posting_ranges(found, keys, buckets, shift, cache, heavy_lo, heavy_above):  # numba-typed
    """``_posting_ranges``, and for a heavy hash (over ``heavy_above`` postings) its number in
    ``heavy_lo``, through ``cache``: rows ``(hash, lo, hi, heavy)`` indexed by the hash's low bits.

    A text's found hashes are mostly the same few hundred thousand phrases ("one of the"), so most
    are answered by one read of a row that stays in cache, where the postings cost two dependent
    misses (bucket, then keys) and a heavy hash a binary search. A row whose hash differs is
    replaced: the cache changes the time only, never the answer.
    """
    n = found.shape[0]
    lo = np.empty(n, np.int64)
    hi = np.empty(n, np.int64)
    heavy = np.empty(n, np.int64)
    missed = np.empty(n, np.int64)
    low = np.uint64(cache.shape[0] - 1)
    n_missed = 0
    for j in range(n):
        row = found[j] & low
        if cache[row, 0] == found[j]:
            lo[j], hi[j], heavy[j] = np.int64(cache[row, 1]), np.int64(cache[row, 2]), np.int64(cache[row, 3])
        else:  # the bucket now, the keys in a second pass (independent loads overlap)
            b = found[j] >> shift
            lo[j], hi[j] = buckets[b], buckets[b + 1]
            missed[n_missed] = j
            n_missed += 1
    for q in range(n_missed):
        j = missed[q]
        _narrow_to_key(keys, lo, hi, j, found[j])
        heavy[j] = _lower_bound(heavy_lo, 0, heavy_lo.shape[0], lo[j]) if hi[j] - lo[j] > heavy_above else -1
        row = found[j] & low
        cache[row, 0], cache[row, 1] = found[j], np.uint64(lo[j])
        cache[row, 2], cache[row, 3] = np.uint64(hi[j]), np.uint64(heavy[j])
    return lo, hi, heavy


def empty_postings_cache(rows: int) -> np.ndarray:
    """A cache for ``_cached_posting_ranges`` with ``rows`` rows (a power of two, at least 2): each
    row's hash is one no hash indexed to that row can equal (its low bits differ from the row's)."""
    cache = np.zeros((rows, 4), np.uint64)
    cache[:, 0] = np.arange(rows, dtype=np.uint64) ^ np.uint64(1)
    return cache


@njit(cache=True, nogil=True)
def posting_counts(hashes, keys, buckets, shift):  # numba-typed arguments
    """How many postings (items) each of ``hashes`` has in the sorted ``keys``."""
    lo, hi = _posting_ranges(hashes, keys, buckets, shift)
    return hi - lo


@njit(cache=True, inline="always")
def _next_run(keys, i, longer_than):  # numba-typed arguments
    """Where the run of equal values starting at ``i`` of the sorted ``keys`` ends, or ``-end``
    when it holds ``longer_than`` values or fewer (only such a run's length is not needed)."""
    n = keys.shape[0]
    if i + longer_than < n and keys[i + longer_than] == keys[i]:
        j = i + longer_than + 1
        while j < n and keys[j] == keys[i]:
            j += 1
        return j
    j = i + 1
    while j < n and keys[j] == keys[j - 1]:
        j += 1
    return -j


@njit(cache=True, nogil=True)
def long_runs(keys, longer_than):  # numba-typed arguments
    """``[lo, hi)`` of every run of equal values in the sorted ``keys`` longer than
    ``longer_than``: a pass to count them, a pass to list them (an array grown inside the loop
    made the loop 25 times slower)."""
    found = 0
    i = 0
    while i < keys.shape[0]:
        j = _next_run(keys, i, longer_than)
        found += j > 0
        i = abs(j)
    lo = np.empty(found, np.int64)
    hi = np.empty(found, np.int64)
    found = 0
    i = 0
    while i < keys.shape[0]:
        j = _next_run(keys, i, longer_than)
        if j > 0:
            lo[found] = i
            hi[found] = j
            found += 1
        i = abs(j)
    return lo, hi


@njit(cache=True, nogil=True)
def heavy_tables(key_items, heavy_lo, heavy_hi, max_postings, need):  # numba-typed arguments
    """What ``anchor_kernel`` needs to count heavy hashes (postings ``[heavy_lo[h], heavy_hi[h])``)
    without expanding them. Returns (heavy_common, item_starts, item_heavy, light_need, dominated,
    dominated_starts, dominated_items)."""
    n_items = need.shape[0]
    n_heavy = heavy_lo.shape[0]
    heavy_common = heavy_hi - heavy_lo > max_postings
    anchored = np.zeros(n_items, np.int64)  # heavy hashes of each item that count towards its need
    item_starts = np.zeros(n_items + 1, np.int64)
    for h in range(n_heavy):
        for p in range(heavy_lo[h], heavy_hi[h]):
            item = key_items[p]
            item_starts[item + 1] += 1
            if not heavy_common[h]:
                anchored[item] += 1
    for i in range(n_items):
        item_starts[i + 1] += item_starts[i]
    item_heavy = np.empty(item_starts[n_items], np.int32)
    filled = item_starts[:n_items].copy()
    for h in range(n_heavy):
        for p in range(heavy_lo[h], heavy_hi[h]):
            item = key_items[p]
            item_heavy[filled[item]] = h
            filled[item] += 1
    light_need = need.copy()
    dominated = np.zeros(n_items, np.bool_)
    for i in range(n_items):
        if anchored[i] >= need[i]:
            dominated[i] = True
        else:
            light_need[i] = need[i] - anchored[i]
    dominated_starts = np.zeros(n_heavy + 1, np.int64)
    for h in range(n_heavy):
        dominated_starts[h + 1] = dominated_starts[h]
        if not heavy_common[h]:
            for p in range(heavy_lo[h], heavy_hi[h]):
                dominated_starts[h + 1] += dominated[key_items[p]]
    dominated_items = np.empty(dominated_starts[n_heavy], key_items.dtype)
    at = 0
    for h in range(n_heavy):
        if not heavy_common[h]:
            for p in range(heavy_lo[h], heavy_hi[h]):
                if dominated[key_items[p]]:
                    dominated_items[at] = key_items[p]
                    at += 1
    return heavy_common, item_starts, item_heavy, light_need, dominated, dominated_starts, dominated_items


@njit(cache=True, nogil=True)
def anchor_kernel(
    texts, bits, postings, heavy, max_postings
):  # numba-typed arguments (candidates.py's tuples)
    """Anchor candidates of a batch against one segment's postings (sorted by hash, then item).

    For each text: its distinct shingle hashes that pass the filter are looked up (``buckets``
    indexes the postings by the top bits of the hash). An item is a candidate when the text holds
    ``need[item]`` of its distinct hashes (the share asked of its shingles, rounded up), hashes held
    by over ``max_postings`` items (common) not counting. Returns (text, item, shared,
    text_distinct) arrays: ``shared`` also counts the common hashes, so it is the exact number of
    distinct shingle hashes the pair shares.

    The postings of a light hash (``heavy_above`` items or fewer) are counted per item. A heavy
    hash (``heavy_lo`` lists where their postings start) is only marked as seen in the text. An
    item is checked against its own heavy hashes (``item_heavy``; ``heavy_common`` flags the
    common ones) once its light count reaches ``light_need``: its need less its heavy hashes that
    count. An item whose heavy hashes alone can reach its need (``dominated``) is counted in full,
    from the heavy hashes' ``dominated_items``.
    Same pairs as expanding every hash (tested), with a small share of the item counts: most
    counts came from a few stock phrases held by thousands of items. ``cache`` (see
    ``_cached_posting_ranges``) remembers the postings of recently found hashes across calls.
    """
    hashes, offsets = texts
    table, table_shift = bits
    keys, buckets, shift, key_items, need, counter, touched = postings
    (heavy_above, heavy_lo, heavy_common, item_starts, item_heavy, light_need, dominated, dominated_starts,
     dominated_items, seen, cache) = heavy  # fmt: skip
    cap = 1024
    out_text = np.empty(cap, np.int64)
    out_item = np.empty(cap, np.int64)
    out_shared = np.empty(cap, np.int64)
    out_distinct = np.empty(cap, np.int64)
    n_out = 0
    for t in range(offsets.shape[0] - 1):
        start, stop = offsets[t], offsets[t + 1]
        seen[-1] += 1  # this text's stamp: seen[h] == stamp marks heavy hash h as in the text
        stamp = seen[-1]
        found = _filtered_distinct(hashes[start:stop], table, table_shift)
        lo, hi, heavy = _cached_posting_ranges(found, keys, buckets, shift, cache, heavy_lo, heavy_above)
        n_touched = 0
        for j in range(found.shape[0]):
            if hi[j] - lo[j] > heavy_above:
                h = heavy[j]
                seen[h] = stamp
                if hi[j] - lo[j] > max_postings:
                    continue
                for p in range(dominated_starts[h], dominated_starts[h + 1]):
                    item = dominated_items[p]
                    touched[n_touched] = item
                    n_touched += counter[item] == 0
                    counter[item] += 1
                continue
            for p in range(lo[j], hi[j]):  # branch-free: ``touched`` has room for one more item
                item = key_items[p]
                touched[n_touched] = item
                n_touched += counter[item] == 0
                counter[item] += 1
        distinct = -1
        for k in range(n_touched):
            item = touched[k]
            counted = np.int64(counter[item])
            counter[item] = 0
            if counted < light_need[item]:
                continue
            common = 0
            for q in range(item_starts[item], item_starts[item + 1]):
                h = item_heavy[q]
                if seen[h] == stamp:
                    if heavy_common[h]:
                        common += 1
                    elif not dominated[item]:  # a dominated item's were counted from the postings
                        counted += 1
            if counted < need[item]:
                continue
            shared = counted + common
            if distinct < 0:
                distinct = _distinct_count(hashes[start:stop])
            if n_out == cap:
                cap *= 2
                out_text = _grown(out_text, cap)
                out_item = _grown(out_item, cap)
                out_shared = _grown(out_shared, cap)
                out_distinct = _grown(out_distinct, cap)
            out_text[n_out] = t
            out_item[n_out] = item
            out_shared[n_out] = shared
            out_distinct[n_out] = distinct
            n_out += 1
    return out_text[:n_out], out_item[:n_out], out_shared[:n_out], out_distinct[:n_out]


@njit(cache=True, nogil=True)
def band_matches_kernel(keys, texts, band_keys, band_items, buckets, shift):  # numba-typed arguments
    """Every (text, item) whose band key equals one of the text's: ``keys[band, j]`` is band
    ``band`` of text ``texts[j]``; each row of ``band_keys`` is sorted, ``band_items`` gives each
    key's item and ``buckets[band]`` where each run of leading key bits starts. Pairs may repeat."""
    cap = 1024
    out_text = np.empty(cap, np.int64)
    out_item = np.empty(cap, np.int64)
    n_out = 0
    for band in range(keys.shape[0]):
        row = band_keys[band]
        starts = buckets[band]
        for j in range(keys.shape[1]):
            h = keys[band, j]
            b = h >> shift
            lo = _lower_bound(row, starts[b], starts[b + 1], h)
            hi = _upper_bound(row, lo, starts[b + 1], h)
            for p in range(lo, hi):
                if n_out == cap:
                    cap *= 2
                    out_text = _grown(out_text, cap)
                    out_item = _grown(out_item, cap)
                out_text[n_out] = texts[j]
                out_item[n_out] = band_items[band, p]
                n_out += 1
    return out_text[:n_out], out_item[:n_out]


@njit(cache=True)
def _grown(values, size):  # numba-typed arguments
    out = np.empty(size, values.dtype)
    out[: values.shape[0]] = values
    return out
