"""Compiled hot loops (numba). Import this module lazily: importing numba costs ~0.3 s.

Kernels are module-level functions with ``cache=True``, so numba compiles each once per machine and
loads it from its on-disk cache afterwards.
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


@njit(cache=True, nogil=True)
def minhash_kernel(hv, offsets, a, b, out):  # numba-typed arguments
    """``out[t, p] = min over text t's shingles of (a[p] * h + b[p]) mod 2^32`` (datasketch affine32)."""
    n_perm = a.shape[0]
    for text in range(offsets.shape[0] - 1):
        row = out[text]
        for i in range(offsets[text], offsets[text + 1]):
            h = hv[i]
            for p in range(n_perm):
                value = (a[p] * h + b[p]) & _MASK32
                if value < row[p]:
                    row[p] = value


@njit(cache=True, inline="always")
def _rotl(x, r):  # numba-typed arguments
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@njit(cache=True, inline="always")
def _read(data, p, width):  # numba-typed arguments
    v = np.uint64(0)
    for k in range(width):
        v |= np.uint64(data[p + k]) << np.uint64(8 * k)
    return v


@njit(cache=True, inline="always")
def _round(acc, lane):  # numba-typed arguments
    return _rotl(acc + lane * _P2, 31) * _P1


@njit(cache=True, inline="always")
def _merge(acc, v):  # numba-typed arguments
    return (acc ^ _round(np.uint64(0), v)) * _P1 + _P4


@njit(cache=True, nogil=True)
def xxh64_kernel(data, offsets, seed, out):  # numba-typed arguments
    """XXH64 of ``data[offsets[i]:offsets[i + 1]]`` for every i (the reference algorithm)."""
    for i in range(offsets.shape[0] - 1):
        p, end = offsets[i], offsets[i + 1]
        length = end - p
        if length >= 32:
            v1, v2, v3, v4 = seed + _P1 + _P2, seed + _P2, seed, seed - _P1
            while p + 32 <= end:
                v1 = _round(v1, _read(data, p, 8))
                v2 = _round(v2, _read(data, p + 8, 8))
                v3 = _round(v3, _read(data, p + 16, 8))
                v4 = _round(v4, _read(data, p + 24, 8))
                p += 32
            h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
            h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
        else:
            h = seed + _P5
        h += np.uint64(length)
        while p + 8 <= end:
            h = _rotl(h ^ _round(np.uint64(0), _read(data, p, 8)), 27) * _P1 + _P4
            p += 8
        if p + 4 <= end:
            h = _rotl(h ^ (_read(data, p, 4) * _P1), 23) * _P2 + _P3
            p += 4
        while p < end:
            h = _rotl(h ^ (np.uint64(data[p]) * _P5), 11) * _P1
            p += 1
        h ^= h >> np.uint64(33)
        h *= _P2
        h ^= h >> np.uint64(29)
        h *= _P3
        h ^= h >> np.uint64(32)
        out[i] = h
