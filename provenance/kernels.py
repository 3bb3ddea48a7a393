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


# --- tokeniser (see provenance/fasttokens.py for the tables and the contract) -------------------
_SEP, _WORD, _SINGLE, _COMPLEX, _SPACE, _SINGLE_NOT_WORD = 0, 1, 2, 3, 4, 5


@njit(cache=True, inline="always")
def _is_word(c):  # numba-typed arguments
    return c == _WORD or c == _SINGLE


@njit(cache=True)
def _entity(data, p, end):  # numba-typed arguments
    """After an '&' at p-1: (bytes consumed, decoded character) for the five basic entities, else (0, 0)."""
    names = ("amp;", "lt;", "gt;", "quot;", "#39;")
    values = (38, 60, 62, 34, 39)
    for k in range(5):
        name = names[k]
        n = len(name)
        if p + n <= end:
            ok = True
            for j in range(n):
                if data[p + j] != ord(name[j]):
                    ok = False
                    break
            if ok:
                return n, values[k]
    return 0, 0


@njit(cache=True)
def _decode(
    data, p, end, len_bmp, cls_bmp, fold_bmp, len_emoji, cls_emoji, fold_emoji, cps, classes
):  # numba
    """Decode one text into folded code points and classes; -1 when it needs the reference."""
    m = 0
    while p < end:
        b0 = data[p]
        if b0 < 0x80:
            cp = np.int64(b0)
            p += 1
        elif b0 < 0xE0:
            cp = ((np.int64(b0) & 0x1F) << 6) | (np.int64(data[p + 1]) & 0x3F)
            p += 2
        elif b0 < 0xF0:
            cp = (
                ((np.int64(b0) & 0x0F) << 12)
                | ((np.int64(data[p + 1]) & 0x3F) << 6)
                | (np.int64(data[p + 2]) & 0x3F)
            )
            p += 3
        else:
            cp = (
                ((np.int64(b0) & 0x07) << 18)
                | ((np.int64(data[p + 1]) & 0x3F) << 12)
                | ((np.int64(data[p + 2]) & 0x3F) << 6)
                | (np.int64(data[p + 3]) & 0x3F)
            )
            p += 4
        if cp == 38 and p < end:  # '&': HTML entities are decoded before anything else
            nxt = data[p]
            if nxt == 35 or (65 <= nxt <= 90) or (97 <= nxt <= 122):
                used, value = _entity(data, p, end)
                if used == 0:
                    return -1
                cp = np.int64(value)
                p += used
        if cp < 0x10000:
            n = len_bmp[cp]
            for k in range(n):
                cps[m] = fold_bmp[cp, k]
                classes[m] = cls_bmp[cp, k]
                m += 1
        elif 0x1F000 <= cp < 0x1FB00:
            row = cp - 0x1F000
            n = len_emoji[row]
            for k in range(n):
                cps[m] = fold_emoji[row, k]
                classes[m] = cls_emoji[row, k]
                m += 1
        elif 0x20000 <= cp < 0x2F800:
            n = 1
            cps[m] = cp
            classes[m] = _SINGLE
            m += 1
        else:
            return -1
        if n == 0:
            return -1
    return m


@njit(cache=True, inline="always")
def _blank(cps, classes, start, stop):  # numba-typed arguments
    for j in range(start, stop):
        cps[j] = 32
        classes[j] = _SPACE


@njit(cache=True)
def _prefix(cps, i, m, text):  # numba-typed arguments
    if i + len(text) > m:
        return False
    for j in range(len(text)):
        if cps[i + j] != ord(text[j]):
            return False
    return True


@njit(cache=True)
def _strip_links(cps, classes, m):  # numba-typed arguments
    """(?:https?://|www\\.)\\S+|\\bt\\.co/\\S+ -> spaces."""
    i = 0
    while i < m:
        n = 0
        if _prefix(cps, i, m, "https://"):
            n = 8
        elif _prefix(cps, i, m, "http://"):
            n = 7
        elif _prefix(cps, i, m, "www."):
            n = 4
        elif _prefix(cps, i, m, "t.co/") and (i == 0 or not _is_word(classes[i - 1])):
            n = 5
        if n > 0 and i + n < m and classes[i + n] != _SPACE:
            j = i
            while j < m and classes[j] != _SPACE:
                j += 1
            _blank(cps, classes, i, j)
            i = j
        else:
            i += 1


@njit(cache=True)
def _strip_retweets_and_mentions(cps, classes, m):  # numba-typed arguments
    """(?<!\\w)rt\\s+@\\w+:? then (?<!\\w)@\\w+ -> spaces, in that order."""
    i = 0
    while i < m:
        if (
            cps[i] == 114
            and i + 2 < m
            and cps[i + 1] == 116
            and classes[i + 2] == _SPACE
            and (i == 0 or not _is_word(classes[i - 1]))
        ):
            j = i + 2
            while j < m and classes[j] == _SPACE:
                j += 1
            if j + 1 < m and cps[j] == 64 and _is_word(classes[j + 1]):
                k = j + 1
                while k < m and _is_word(classes[k]):
                    k += 1
                if k < m and cps[k] == 58:
                    k += 1
                _blank(cps, classes, i, k)
                i = k
                continue
        i += 1
    i = 0
    while i < m:
        if (
            cps[i] == 64
            and i + 1 < m
            and _is_word(classes[i + 1])
            and (i == 0 or not _is_word(classes[i - 1]))
        ):
            k = i + 1
            while k < m and _is_word(classes[k]):
                k += 1
            _blank(cps, classes, i, k)
            # re.sub judges every match against its input: an '@' right after a mention follows a
            # word character there, so it starts no mention of its own.
            i = k + 1 if k < m and cps[k] == 64 else k
        else:
            i += 1


@njit(cache=True, inline="always")
def _put_utf8(out, n, cp):  # numba-typed arguments
    if cp < 0x80:
        out[n] = cp
        return n + 1
    if cp < 0x800:
        out[n] = 0xC0 | (cp >> 6)
        out[n + 1] = 0x80 | (cp & 0x3F)
        return n + 2
    if cp < 0x10000:
        out[n] = 0xE0 | (cp >> 12)
        out[n + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[n + 2] = 0x80 | (cp & 0x3F)
        return n + 3
    out[n] = 0xF0 | (cp >> 18)
    out[n + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[n + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[n + 3] = 0x80 | (cp & 0x3F)
    return n + 4


@njit(cache=True, nogil=True)
def tokenize_kernel(
    data,
    offsets,
    len_bmp,
    cls_bmp,
    fold_bmp,
    len_emoji,
    cls_emoji,
    fold_emoji,  # numba
    cps,
    classes,
    out,
    token_ends,
    text_token_ends,
    fallback,
):
    """Tokens of every text as UTF-8 in ``out`` (token i ends at ``token_ends[i]``); texts that
    need the reference tokeniser get ``fallback`` and no tokens. Returns the number of tokens."""
    n_out = 0
    n_tokens = 0
    for t in range(offsets.shape[0] - 1):
        m = _decode(
            data,
            offsets[t],
            offsets[t + 1],
            len_bmp,
            cls_bmp,
            fold_bmp,
            len_emoji,
            cls_emoji,
            fold_emoji,
            cps,
            classes,
        )
        if m < 0:
            fallback[t] = True
            text_token_ends[t] = n_tokens
            continue
        _strip_links(cps, classes, m)
        _strip_retweets_and_mentions(cps, classes, m)
        i = 0
        while i < m:
            c = classes[i]
            if c == _WORD:
                while i < m and classes[i] == _WORD:
                    n_out = _put_utf8(out, n_out, cps[i])
                    i += 1
                token_ends[n_tokens] = n_out
                n_tokens += 1
            elif c == _SINGLE or c == _SINGLE_NOT_WORD:
                n_out = _put_utf8(out, n_out, cps[i])
                token_ends[n_tokens] = n_out
                n_tokens += 1
                i += 1
            else:
                i += 1
        text_token_ends[t] = n_tokens
    return n_tokens
