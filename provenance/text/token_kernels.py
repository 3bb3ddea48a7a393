"""Compiled tokeniser loops (numba): the reference normaliser's tokens, shingle hashes and spans from UTF-8.

Import this module lazily: importing numba costs ~0.3 s. Kernels are module-level functions with
``cache=True``, so numba compiles each once per machine and loads it from its on-disk cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from provenance.text.hash_kernels import _SHINGLE_PRIME, _fmix64, _xxh64

# --- tokeniser (see provenance/text/tokens.py for the tables and the contract) -----------------
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
    """A spacing accent (``tokens.STARTER_AFTER``) followed by a non-ASCII code point: the
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
    return c == 0x23 or (0x41 <= (c & 0xDF) <= 0x5A)  # tokens._ENTITY_STARTS (tested equal)


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
