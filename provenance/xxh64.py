"""XXH64 over many strings at once: a numba kernel over an Arrow string array's buffers.

The same function as ``xxhash.xxh64_intdigest`` (tested against it), run over every token of a
batch without a Python call per token.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa

_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


@lru_cache(maxsize=1)
def _kernel():  # returns a numba dispatcher
    """Compile (or load from numba's cache) the kernel; numba is imported only here."""
    from numba import njit

    p1, p2, p3, p4, p5 = (np.uint64(p) for p in (_P1, _P2, _P3, _P4, _P5))

    @njit(inline="always")
    def rotl(x, r):  # numba-typed arguments
        return (x << np.uint64(r)) | (x >> np.uint64(64 - r))

    @njit(inline="always")
    def read64(data, p):  # numba-typed arguments
        v = np.uint64(0)
        for k in range(8):
            v |= np.uint64(data[p + k]) << np.uint64(8 * k)
        return v

    @njit(inline="always")
    def read32(data, p):  # numba-typed arguments
        v = np.uint64(0)
        for k in range(4):
            v |= np.uint64(data[p + k]) << np.uint64(8 * k)
        return v

    @njit(inline="always")
    def step(acc, lane):  # numba-typed arguments
        return rotl(acc + lane * p2, 31) * p1

    @njit(inline="always")
    def merge(acc, v):  # numba-typed arguments
        return (acc ^ step(np.uint64(0), v)) * p1 + p4

    @njit(cache=True, nogil=True)
    def hash_all(data, offsets, seed, out):  # numba-typed arguments
        for i in range(offsets.shape[0] - 1):
            p, end = offsets[i], offsets[i + 1]
            length = end - p
            if length >= 32:
                v1, v2, v3, v4 = seed + p1 + p2, seed + p2, seed, seed - p1
                while p + 32 <= end:
                    v1 = step(v1, read64(data, p))
                    v2 = step(v2, read64(data, p + 8))
                    v3 = step(v3, read64(data, p + 16))
                    v4 = step(v4, read64(data, p + 24))
                    p += 32
                h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
                h = merge(merge(merge(merge(h, v1), v2), v3), v4)
            else:
                h = seed + p5
            h += np.uint64(length)
            while p + 8 <= end:
                h = rotl(h ^ step(np.uint64(0), read64(data, p)), 27) * p1 + p4
                p += 8
            if p + 4 <= end:
                h = rotl(h ^ (read32(data, p) * p1), 23) * p2 + p3
                p += 4
            while p < end:
                h = rotl(h ^ (np.uint64(data[p]) * p5), 11) * p1
                p += 1
            h ^= h >> np.uint64(33)
            h *= p2
            h ^= h >> np.uint64(29)
            h *= p3
            h ^= h >> np.uint64(32)
            out[i] = h

    return hash_all


def xxh64_strings(strings: pa.Array, seed: int = 0) -> np.ndarray:
    """uint64 XXH64 of the UTF-8 bytes of every string of an Arrow string array (no nulls)."""
    strings = strings.cast(pa.large_string()) if strings.type != pa.large_string() else strings
    out = np.empty(len(strings), dtype=np.uint64)
    if len(strings) == 0:
        return out
    _, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[strings.offset : strings.offset + len(strings) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    _kernel()(data, offsets, np.uint64(seed), out)
    return out
