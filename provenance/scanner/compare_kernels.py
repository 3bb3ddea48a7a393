"""Compiled loops (numba) of the exact pair comparison: distinct shingle windows, shared positions.

Import this module lazily: importing numba costs ~0.3 s. Kernels are module-level functions with
``cache=True``, so numba compiles each once per machine and loads it from its on-disk cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from provenance.scanner.candidate_kernels import _lower_bound


@njit(cache=True, inline="always")
def _same_window(data, ends, p, q, n):  # numba-typed arguments
    """Whether the ``n`` tokens from ``p`` equal those from ``q`` (token i is
    ``data[ends[i - 1]:ends[i]]``), byte for byte."""
    for k in range(n):
        a0 = ends[p + k - 1] if p + k > 0 else 0
        b0 = ends[q + k - 1] if q + k > 0 else 0
        size = ends[p + k] - a0
        if ends[q + k] - b0 != size:
            return False
        for j in range(size):
            if data[a0 + j] != data[b0 + j]:
                return False
    return True


@njit(cache=True, nogil=True)
def distinct_windows(hashes, data, ends, n):  # numba-typed arguments
    """How many distinct strings one text's shingles are: its shingle at position ``p`` is tokens
    ``p`` to ``p + n - 1`` (token i is ``data[ends[i - 1]:ends[i]]``) and ``hashes[p]`` its hash.
    Equal strings have equal hashes, so a position is compared only with one position of each
    string already met under its hash (a hash table of the first positions, chained per hash)."""
    m = hashes.shape[0]
    size = 16
    while size < 2 * m:
        size *= 2
    low = np.uint64(size - 1)
    slots = np.full(size, -1, np.int64)  # a position met first under the hash, or -1
    chained = np.full(m, -1, np.int64)  # the next string met under the same hash
    count = 0
    for p in range(m):
        h = hashes[p]
        at = (h ^ (h >> np.uint64(29))) & low
        while slots[at] >= 0 and hashes[slots[at]] != h:
            at = (at + np.uint64(1)) & low
        if slots[at] < 0:
            slots[at] = p
            count += 1
            continue
        q = slots[at]
        while True:
            if _same_window(data, ends, p, q, n):
                break
            if chained[q] < 0:
                chained[q] = p
                count += 1
                break
            q = chained[q]
    return count


@njit(cache=True, nogil=True)
def positions_holding(hashes, values):  # numba-typed arguments
    """The positions ``p``, in order, where ``hashes[p]`` is one of the sorted ``values``."""
    out = np.empty(hashes.shape[0], np.int64)
    found = 0
    for p in range(hashes.shape[0]):
        at = _lower_bound(values, 0, values.shape[0], hashes[p])
        out[found] = p
        found += at < values.shape[0] and values[at] == hashes[p]
    return out[:found]
