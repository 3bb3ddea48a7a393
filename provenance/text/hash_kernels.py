"""Compiled hashing loops (numba): XXH64 of tokens, shingle hashes, MinHash and LSH band keys.

Import this module lazily: importing numba costs ~0.3 s. Kernels are module-level functions with
``cache=True``, so numba compiles each once per machine and loads it from its on-disk cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_MASK32 = np.uint32(0xFFFFFFFF)
_SHINGLE_PRIME = np.uint64(0x9E3779B185EBCA87)  # shingles (see provenance/shingles.py)
_FMIX1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)


@njit(cache=True, inline="always")
def _fmix32(h):  # numba-typed arguments
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix) on a uint32."""
    h ^= h >> np.uint32(16)
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h ^= h >> np.uint32(13)
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return np.uint32(h ^ (h >> np.uint32(16)))


@njit(cache=True, nogil=True)
def minhash_kernel(hashes, offsets, a, b, out):  # numba-typed arguments
    """``out[t, p] = min over text t's shingles of (a[p] * h + b[p]) mod 2^32`` (datasketch affine32),
    ``h`` being the fmix32 of the low 32 bits of the shingle hash; ``0xFFFFFFFF`` for a text without
    shingles. Each row is initialised here, while it is in cache (``out`` may be uninitialised)."""
    n_perm = a.shape[0]
    for text in range(offsets.shape[0] - 1):
        row = out[text]
        for p in range(n_perm):
            row[p] = _MASK32
        for i in range(offsets[text], offsets[text + 1]):
            h = _fmix32(np.uint32(hashes[i] & np.uint64(0xFFFFFFFF)))
            for p in range(n_perm):
                value = (a[p] * h + b[p]) & _MASK32
                if value < row[p]:
                    row[p] = value


@njit(cache=True, inline="always")
def _rotl(x, r):  # numba-typed arguments
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@njit(cache=True, inline="always")
def _read4(data, p):  # numba-typed arguments
    """Little-endian uint32 at ``data[p:p + 4]`` (written out: the compiler fuses it into one load)."""
    return (
        np.uint64(data[p])
        | (np.uint64(data[p + 1]) << np.uint64(8))
        | (np.uint64(data[p + 2]) << np.uint64(16))
        | (np.uint64(data[p + 3]) << np.uint64(24))
    )


@njit(cache=True, inline="always")
def _read8(data, p):  # numba-typed arguments
    """Little-endian uint64 at ``data[p:p + 8]``."""
    return (
        np.uint64(data[p])
        | (np.uint64(data[p + 1]) << np.uint64(8))
        | (np.uint64(data[p + 2]) << np.uint64(16))
        | (np.uint64(data[p + 3]) << np.uint64(24))
        | (np.uint64(data[p + 4]) << np.uint64(32))
        | (np.uint64(data[p + 5]) << np.uint64(40))
        | (np.uint64(data[p + 6]) << np.uint64(48))
        | (np.uint64(data[p + 7]) << np.uint64(56))
    )


@njit(cache=True, inline="always")
def _round(acc, lane):  # numba-typed arguments
    return _rotl(acc + lane * _P2, 31) * _P1


@njit(cache=True, inline="always")
def _merge(acc, v):  # numba-typed arguments
    return (acc ^ _round(np.uint64(0), v)) * _P1 + _P4


@njit(cache=True, inline="always")
def _xxh64(data, p, end, seed):  # numba-typed arguments
    """XXH64 of ``data[p:end]`` (the reference algorithm). ``data`` may also be code points, all
    below 0x80: then it hashes their bytes, read in registers (a word made of bytes just stored one
    by one would wait for the stores to drain: the shingle kernel ran 5% slower)."""
    length = end - p
    if length >= 32:
        v1, v2, v3, v4 = seed + _P1 + _P2, seed + _P2, seed, seed - _P1
        while p + 32 <= end:
            v1 = _round(v1, _read8(data, p))
            v2 = _round(v2, _read8(data, p + 8))
            v3 = _round(v3, _read8(data, p + 16))
            v4 = _round(v4, _read8(data, p + 24))
            p += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
    else:
        h = seed + _P5
    h += np.uint64(length)
    while p + 8 <= end:
        h = _rotl(h ^ _round(np.uint64(0), _read8(data, p)), 27) * _P1 + _P4
        p += 8
    if p + 4 <= end:
        h = _rotl(h ^ (_read4(data, p) * _P1), 23) * _P2 + _P3
        p += 4
    while p < end:
        h = _rotl(h ^ (np.uint64(data[p]) * _P5), 11) * _P1
        p += 1
    h ^= h >> np.uint64(33)
    h *= _P2
    h ^= h >> np.uint64(29)
    h *= _P3
    h ^= h >> np.uint64(32)
    return h


@njit(cache=True, nogil=True)
def xxh64_kernel(data, offsets, seed, out):  # numba-typed arguments
    """XXH64 of ``data[offsets[i]:offsets[i + 1]]`` for every i."""
    for i in range(offsets.shape[0] - 1):
        out[i] = _xxh64(data, offsets[i], offsets[i + 1], seed)


@njit(cache=True, nogil=True)
def hash_joined_tokens(data, n_texts, seed, out, counts):  # numba-typed arguments
    """XXH64 of every token of texts joined as ``tokens joined by ' '``, texts joined by ``'\\n'``.

    Writes the token hashes to ``out`` and each text's token count to ``counts``; returns the
    number of tokens, or -1 when the layout does not hold (an empty token: two separators in a
    row, or a different number of texts).
    """
    n = 0
    text = 0
    p = 0
    end = data.shape[0]
    start = 0
    while True:
        at_end = p == end
        c = 10 if at_end else data[p]
        if c == 32 or c == 10:
            if p == start:  # an empty token, unless the text itself is empty
                if c == 32 or (p > 0 and data[p - 1] == 32):
                    return -1
            else:
                out[n] = _xxh64(data, start, p, seed)
                n += 1
                counts[text] += 1
            if c == 10:
                text += 1
                if text > n_texts:
                    return -1
            start = p + 1
        if at_end:
            break
        p += 1
    return n if text == n_texts else -1


@njit(cache=True, inline="always")
def _fmix64(h):  # numba-typed arguments
    h ^= h >> np.uint64(33)
    h *= _FMIX1
    h ^= h >> np.uint64(33)
    h *= _FMIX2
    return h ^ (h >> np.uint64(33))


# --- shingles (see provenance/shingles.py for the scheme) ----------------------------------------


@njit(cache=True, nogil=True)
def shingle_kernel(token_hashes, token_offsets, n, offsets, out):  # numba-typed arguments
    """Each text's shingle hashes from its token hashes: every run of ``n`` consecutive tokens (all
    of them when it has fewer) folded polynomially, then the MurmurHash3 64-bit finaliser."""
    for t in range(token_offsets.shape[0] - 1):
        first, last = token_offsets[t], token_offsets[t + 1]
        width = min(n, last - first)
        at = offsets[t]
        for s in range(first, last - width + 1 if width > 0 else first):
            h = np.uint64(0)
            for j in range(width):
                h = h * _SHINGLE_PRIME + token_hashes[s + j]
            out[at] = _fmix64(h ^ np.uint64(width))
            at += 1


@njit(cache=True, nogil=True)
def distinct_per_text(hashes, offsets):  # numba-typed arguments
    """Each text's distinct hashes, sorted, concatenated; and how many each text has. Short texts
    are sorted in place by insertion in one reused buffer (a sort call per tweet costs more)."""
    out = np.empty(hashes.shape[0], np.uint64)
    counts = np.zeros(offsets.shape[0] - 1, np.int64)
    longest = 0
    for t in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[t + 1] - offsets[t])
    scratch = np.empty(longest, np.uint64)
    n = 0
    for t in range(offsets.shape[0] - 1):
        m = offsets[t + 1] - offsets[t]
        scratch[:m] = hashes[offsets[t] : offsets[t + 1]]
        if m <= 64:
            for i in range(1, m):
                value = scratch[i]
                j = i - 1
                while j >= 0 and scratch[j] > value:
                    scratch[j + 1] = scratch[j]
                    j -= 1
                scratch[j + 1] = value
        else:
            scratch[:m].sort()
        for i in range(m):
            if i == 0 or scratch[i] != scratch[i - 1]:
                out[n] = scratch[i]
                n += 1
                counts[t] += 1
    return out[:n], counts


@njit(cache=True, nogil=True)
def order_runs_by_key(keys, order, high):  # numba-typed arguments
    """Within each run of equal ``high`` (sorted), put ``order`` in (keys[order], order) order:
    an insertion sort, as runs hold a few elements at most."""
    n = order.shape[0]
    start = 0
    while start < n:
        stop = start + 1
        while stop < n and high[stop] == high[start]:
            stop += 1
        for i in range(start + 1, stop):
            current = order[i]
            key = keys[current]
            j = i - 1
            while j >= start and (keys[order[j]] > key or (keys[order[j]] == key and order[j] > current)):
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = current
        start = stop


@njit(cache=True, nogil=True)
def band_keys_kernel(signatures, bands, rows, keys):  # numba-typed arguments
    """``keys[j, i]``: band ``j`` of signature ``i`` folded polynomially (see ``lsh.band_keys``)."""
    for i in range(signatures.shape[0]):
        for band in range(bands):
            h = np.uint64(band + 1)
            for col in range(band * rows, (band + 1) * rows):
                h = h * _SHINGLE_PRIME + np.uint64(signatures[i, col])
            h ^= h >> np.uint64(29)
            keys[band, i] = h * _SHINGLE_PRIME
