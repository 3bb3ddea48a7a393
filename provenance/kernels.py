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


# --- tokeniser (see provenance/fasttokens.py for the tables and the contract) -------------------
_SEP, _WORD, _SINGLE, _COMPLEX, _SPACE, _SINGLE_NOT_WORD = 0, 1, 2, 3, 4, 5


@njit(cache=True, inline="always")
def _is_word(c):  # numba-typed arguments
    return c == _WORD or c == _SINGLE


@njit(cache=True)
def _next_cp(data, p):  # numba-typed arguments
    """The code point whose UTF-8 encoding starts at ``p``, and where the next one starts."""
    b0 = data[p]
    if b0 < 0x80:
        return np.int64(b0), p + 1
    if b0 < 0xE0:
        return ((np.int64(b0) & 0x1F) << 6) | (np.int64(data[p + 1]) & 0x3F), p + 2
    if b0 < 0xF0:
        cp = (
            ((np.int64(b0) & 0x0F) << 12)
            | ((np.int64(data[p + 1]) & 0x3F) << 6)
            | (np.int64(data[p + 2]) & 0x3F)
        )
        return cp, p + 3
    cp = (
        ((np.int64(b0) & 0x07) << 18)
        | ((np.int64(data[p + 1]) & 0x3F) << 12)
        | ((np.int64(data[p + 2]) & 0x3F) << 6)
        | (np.int64(data[p + 3]) & 0x3F)
    )
    return cp, p + 4


@njit(cache=True)
def _fold_cp(cp, m, len_bmp, cls_bmp, fold_bmp, len_emoji, cls_emoji, fold_emoji, cps, classes):  # numba
    """Append the folded form of ``cp`` at ``cps[m:]``; returns how many code points it gave, or
    0 when the kernel cannot decide it alone."""
    if cp < 0x10000:
        n = np.int64(len_bmp[cp] & 0x3F)  # without the flags (checked by the caller)
        for k in range(n):
            cps[m + k] = fold_bmp[cp, k]
            classes[m + k] = cls_bmp[cp, k]
        return n
    if 0x1F000 <= cp < 0x1FB00:
        row = cp - 0x1F000
        n = np.int64(len_emoji[row])
        for k in range(n):
            cps[m + k] = fold_emoji[row, k]
            classes[m + k] = cls_emoji[row, k]
        return n
    if 0x20000 <= cp < 0x2F800:
        cps[m] = cp
        classes[m] = _SINGLE
        return np.int64(1)
    return np.int64(0)


@njit(cache=True, inline="always")
def _needs_reference_after(cp, len_bmp, data, p, end):  # numba-typed arguments
    """A spacing accent (``fasttokens.STARTER_AFTER``) followed by a non-ASCII code point: the
    kernel cannot tell whether that one reorders with the accent's marks."""
    return cp < 0x10000 and len_bmp[cp] >= 0x80 and p < end and data[p] >= 0x80


_NEEDS_REFERENCE, _HOLDS_ENTITY = -1, -2


@njit(cache=True, inline="always")
def _entity_after(data, p, end):  # numba-typed arguments
    """Whether the '&' before ``p`` may start an entity ``html.unescape`` replaces: '#' or an ASCII
    letter follows (every HTML5 entity name starts with one)."""
    if p >= end:
        return False
    c = data[p]
    return c == 0x23 or (0x41 <= (c & 0xDF) <= 0x5A)  # fasttokens._ENTITY_STARTS (tested equal)


@njit(cache=True)
def _decode(
    data, p, end, len_bmp, cls_bmp, fold_bmp, len_emoji, cls_emoji, fold_emoji, cps, classes, entities
):  # numba
    """Decode one text into folded code points and classes; ``_NEEDS_REFERENCE`` when it needs the
    reference, and with ``entities``, ``_HOLDS_ENTITY`` at an '&' that may start an entity."""
    m = 0
    while p < end:
        b0 = data[p]
        if b0 < 0x80 and len_bmp[b0] == 1:  # ASCII: one table read ('&' is flagged, so not here)
            cps[m] = fold_bmp[b0, 0]
            classes[m] = cls_bmp[b0, 0]
            m += 1
            p += 1
            continue
        cp, p = _next_cp(data, p)
        if cp < 0x10000 and len_bmp[cp] == 1:  # inline: a call per character costs reference counts
            cps[m] = fold_bmp[cp, 0]
            classes[m] = cls_bmp[cp, 0]
            m += 1
            continue
        if entities and cp == 0x26 and _entity_after(data, p, end):
            return _HOLDS_ENTITY
        n = _fold_cp(cp, m, len_bmp, cls_bmp, fold_bmp, len_emoji, cls_emoji, fold_emoji, cps, classes)
        if n == 0 or _needs_reference_after(cp, len_bmp, data, p, end):
            return _NEEDS_REFERENCE
        m += n
    return m


@njit(cache=True, inline="always")
def _is_space(cp):  # numba-typed arguments
    """Python's ``str.isspace`` (the regex ``\\s``) for one code point."""
    if cp < 0x80:
        return (9 <= cp <= 13) or (28 <= cp <= 32)
    return (
        cp == 0x85
        or cp == 0xA0
        or cp == 0x1680
        or (0x2000 <= cp <= 0x200A)
        or cp == 0x2028
        or cp == 0x2029
        or cp == 0x202F
        or cp == 0x205F
        or cp == 0x3000
    )


@njit(cache=True)
def _decode_with_sources(
    data, p, end, len_bmp, cls_bmp, fold_bmp, len_emoji, cls_emoji, fold_emoji, cps, classes, first, last
):  # numba
    """``_decode``, also giving each folded code point the character span ``[first, last)`` of
    the text it came from, as ``normalize.tokenize_with_spans`` defines it: character for
    character, except that in a whitespace-delimited chunk whose folding changes its length every
    character maps to the whole chunk."""
    m = 0
    char = 0
    chunk_char, chunk_m, changed = -1, 0, False
    while p < end:
        if data[p] < 0x80:  # ASCII without the general decoder's call: 3x faster on English
            cp, p = np.int64(data[p]), p + 1
        else:
            cp, p = _next_cp(data, p)
        if _is_space(cp):
            if changed:
                for j in range(chunk_m, m):
                    first[j], last[j] = chunk_char, char
            chunk_char, changed = -1, False
        elif chunk_char < 0:
            chunk_char, chunk_m = char, m
        if cp < 0x10000 and len_bmp[cp] == 1:  # inline, as in _decode: twice as fast
            cps[m] = fold_bmp[cp, 0]
            classes[m] = cls_bmp[cp, 0]
            first[m], last[m] = char, char + 1
            m += 1
            char += 1
            continue
        n = _fold_cp(cp, m, len_bmp, cls_bmp, fold_bmp, len_emoji, cls_emoji, fold_emoji, cps, classes)
        if n == 0 or _needs_reference_after(cp, len_bmp, data, p, end):
            return _NEEDS_REFERENCE
        if n != 1:
            changed = True
        for j in range(m, m + n):
            first[j], last[j] = char, char + 1
        m += n
        char += 1
    if changed:
        for j in range(chunk_m, m):
            first[j], last[j] = chunk_char, char
    return m


@njit(cache=True, inline="always")
def _skip_without(cps, k, m, a, b):  # numba-typed arguments
    """Skip runs of 16 code points from ``k`` holding neither ``a`` nor ``b`` (a fixed-length test
    the compiler turns into vector compares); returns where to look one by one from."""
    while k + 16 <= m:
        hit = False
        for j in range(16):
            c = cps[k + j]
            hit |= (c == a) | (c == b)
        if hit:
            return k
        k += 16
    return k


@njit(cache=True, inline="always")
def _contains(cps, m, cp):  # numba-typed arguments
    for i in range(_skip_without(cps, 0, m, cp, cp), m):
        if cps[i] == cp:
            return True
    return False


@njit(cache=True, inline="always")
def _blank(cps, classes, start, stop):  # numba-typed arguments
    for j in range(start, stop):
        cps[j] = 32
        classes[j] = _SPACE


@njit(cache=True, inline="always")
def _prefix(cps, i, m, codes):  # numba-typed arguments
    """Whether ``cps[i:]`` starts with the code points ``codes`` (a tuple of ints)."""
    if i + len(codes) > m:
        return False
    for j in range(len(codes)):
        if cps[i + j] != codes[j]:
            return False
    return True


_HTTPS = (104, 116, 116, 112, 115, 58, 47, 47)
_HTTP = (104, 116, 116, 112, 58, 47, 47)
_WWW = (119, 119, 119, 46)
_TCO = (116, 46, 99, 111, 47)


@njit(cache=True, inline="always")
def _link_start(cps, classes, k, m):  # numba-typed arguments
    """Where a link prefix around the ':' or '.' at ``k`` starts, and its length; (-1, 0) if none.

    Every prefix holds one of them: ``https?://`` a ':', ``www.`` and ``t.co/`` a '.'.
    """
    if cps[k] == 58:  # ':' of "http://" or "https://"
        if k + 2 < m and cps[k + 1] == 47 and cps[k + 2] == 47:
            if k >= 5 and _prefix(cps, k - 5, m, _HTTPS):
                return k - 5, 8
            if k >= 4 and _prefix(cps, k - 4, m, _HTTP):
                return k - 4, 7
        return -1, 0
    if k >= 3 and _prefix(cps, k - 3, m, _WWW):
        return k - 3, 4
    if k >= 1 and _prefix(cps, k - 1, m, _TCO) and (k == 1 or not _is_word(classes[k - 2])):
        return k - 1, 5
    return -1, 0


@njit(cache=True)
def _strip_links(cps, classes, m):  # numba-typed arguments
    """(?:https?://|www\\.)\\S+|\\bt\\.co/\\S+ -> spaces.

    Found from the ':' and '.' in the text (rare, where 'h', 't' and 'w' are common): a match runs
    to the end of its whitespace-delimited chunk, so the first prefix in a chunk followed by a
    non-space wins; prefixes met in the order of their ':' or '.' are met in the order of their
    starts (no two can overlap that way), which is the order ``re.sub`` tries them in.
    """
    k = 0
    while k < m:
        k = _skip_without(cps, k, m, 58, 46)
        stop = min(k + 16, m)  # one by one through the run that holds one
        while k < stop:
            c = cps[k]
            if c != 58 and c != 46:
                k += 1
                continue
            start, n = _link_start(cps, classes, k, m)
            if start >= 0 and start + n < m and classes[start + n] != _SPACE:
                j = start + n
                while j < m and classes[j] != _SPACE:
                    j += 1
                _blank(cps, classes, start, j)
                k = j
            else:
                k += 1


@njit(cache=True)
def _strip_retweets_and_mentions(cps, classes, m):  # numba-typed arguments
    """(?<!\\w)rt\\s+@\\w+:? then (?<!\\w)@\\w+ -> spaces, in that order.

    Both start from an '@' (rare, where 'r' is common): a retweet prefix is the "rt" before the
    whitespace before it.
    """
    i = 0
    floor = 0  # where the last match ended: the regex resumes there
    while i < m:
        if cps[i] != 64 or i + 1 >= m or not _is_word(classes[i + 1]):
            i += 1
            continue
        k = i - 1
        while k >= floor and classes[k] == _SPACE:
            k -= 1
        if (
            k < i - 1
            and k - 1 >= floor
            and cps[k] == 116
            and cps[k - 1] == 114
            and (k == 1 or not _is_word(classes[k - 2]))
        ):
            end = i + 1
            while end < m and _is_word(classes[end]):
                end += 1
            if end < m and cps[end] == 58:
                end += 1
            _blank(cps, classes, k - 1, end)
            i = floor = end
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
def _strip(cps, classes, m):  # numba-typed arguments
    """Links, then retweet prefixes and mentions (both need an '@') become spaces."""
    _strip_links(cps, classes, m)
    if _contains(cps, m, 64):
        _strip_retweets_and_mentions(cps, classes, m)


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
            False,
        )
        if m < 0:
            fallback[t] = True
            text_token_ends[t] = n_tokens
            continue
        _strip(cps, classes, m)
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


@njit(cache=True, inline="always")
def _fmix64(h):  # numba-typed arguments
    h ^= h >> np.uint64(33)
    h *= _FMIX1
    h ^= h >> np.uint64(33)
    h *= _FMIX2
    return h ^ (h >> np.uint64(33))


@njit(cache=True, nogil=True)
def text_shingles_kernel(
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
    seed,
    n,
    scratch,
    ring,
    out,
    text_ends,
    fallback,
    entities,
    escaped,
):
    """Shingle hashes of every text straight from its UTF-8: ``tokenize_kernel``'s tokens, each
    hashed with XXH64 as it ends (an ASCII word from its code points, any other token from its
    UTF-8 in ``scratch``; never stored), combined as ``shingle_kernel`` combines them (``ring``
    holds a power of two of them, at least ``n``). Text ``t``'s hashes end at
    ``out[text_ends[t]]``; texts that need the reference tokeniser get ``fallback`` and no hashes,
    and with ``entities``, texts that may hold an HTML entity get ``escaped`` and no hashes (the
    caller unescapes them and passes them again without ``entities``). Returns the number of
    hashes."""
    n_out = 0
    last = ring.shape[0] - 1  # a mask, not a modulo: a division per token cost 6% of the kernel
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
            entities,
        )
        if m < 0:
            if m == _HOLDS_ENTITY:
                escaped[t] = True
            else:
                fallback[t] = True
            text_ends[t] = n_out
            continue
        _strip(cps, classes, m)
        # The token loop is ``tokenize_kernel``'s, written out again: factored into an inlined
        # helper, both kernels ran 25-50% slower.
        k = 0  # tokens of this text so far; the last ``n`` hashes are in ``ring``
        i = 0
        while i < m:
            c = classes[i]
            if c == _WORD:
                j = i
                wide = 0
                while j < m and classes[j] == _WORD:
                    wide |= cps[j]
                    j += 1
                if wide < 0x80:  # ASCII: its code points are its bytes
                    token = _xxh64(cps, i, j, seed)
                else:
                    b = 0
                    for q in range(i, j):
                        b = _put_utf8(scratch, b, cps[q])
                    token = _xxh64(scratch, 0, b, seed)
                i = j
            elif c == _SINGLE or c == _SINGLE_NOT_WORD:
                token = _xxh64(scratch, 0, _put_utf8(scratch, 0, cps[i]), seed)
                i += 1
            else:
                i += 1
                continue
            ring[k & last] = token
            k += 1
            if k >= n:
                h = np.uint64(0)
                for j in range(k - n, k):
                    h = h * _SHINGLE_PRIME + ring[j & last]
                out[n_out] = _fmix64(h ^ np.uint64(n))
                n_out += 1
        if 0 < k < n:  # a text shorter than a shingle is one shingle of all its tokens
            h = np.uint64(0)
            for j in range(k):
                h = h * _SHINGLE_PRIME + ring[j]
            out[n_out] = _fmix64(h ^ np.uint64(k))
            n_out += 1
        text_ends[t] = n_out
    return n_out


@njit(cache=True, nogil=True)
def tokens_with_spans_kernel(
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
    first,
    last,
    out,
    token_bytes,
    token_starts,
    token_ends,
    text_token_ends,
    fallback,
):
    """``tokenize_kernel`` (token i's UTF-8 in ``out`` ends at ``token_bytes[i]``), also giving the
    character span ``[token_starts[i], token_ends[i])`` of every token in the text it came from;
    texts that need the reference get ``fallback``."""
    n_out = 0
    n_tokens = 0
    for t in range(offsets.shape[0] - 1):
        m = _decode_with_sources(
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
            first,
            last,
        )
        if m < 0:
            fallback[t] = True
            text_token_ends[t] = n_tokens
            continue
        _strip(cps, classes, m)
        i = 0
        while i < m:
            c = classes[i]
            if c == _WORD:
                token_starts[n_tokens] = first[i]
                while i < m and classes[i] == _WORD:
                    n_out = _put_utf8(out, n_out, cps[i])
                    i += 1
                token_ends[n_tokens] = last[i - 1]
                token_bytes[n_tokens] = n_out
                n_tokens += 1
            elif c == _SINGLE or c == _SINGLE_NOT_WORD:
                token_starts[n_tokens], token_ends[n_tokens] = first[i], last[i]
                n_out = _put_utf8(out, n_out, cps[i])
                token_bytes[n_tokens] = n_out
                n_tokens += 1
                i += 1
            else:
                i += 1
        text_token_ends[t] = n_tokens
    return n_tokens


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
    hashes,
    offsets,
    table,
    table_shift,
    keys,
    buckets,
    shift,
    key_items,
    need,
    max_postings,
    heavy_above,
    heavy_lo,
    heavy_common,
    item_starts,
    item_heavy,
    light_need,
    dominated,
    dominated_starts,
    dominated_items,
    seen,
    counter,
    touched,
    cache,
):  # numba-typed arguments
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


# --- reading (see provenance/readers/fastjsonl.py) ------------------------------------------------


@njit(cache=True, nogil=True)
def object_lines(data, end):  # numba-typed arguments
    """How many lines ``data[:end]`` holds when each starts with ``{`` and ends with ``}``, else
    -1 (``end`` > 0, ``data[end - 1]`` not a newline). One pass; the newline test is rarely true,
    so the loop runs at memory speed."""
    if data[0] != 0x7B or data[end - 1] != 0x7D:
        return -1
    lines = 1
    for p in range(end):
        if data[p] == 0x0A:
            if p == 0 or data[p - 1] != 0x7D or data[p + 1] != 0x7B:
                return -1
            lines += 1
    return lines
