"""Compiled tokeniser: the reference normaliser's tokens, computed over UTF-8 bytes in numba.

``normalize.tokenize`` (Python regular expressions) is the definition. This module computes the
same tokens for a whole batch in one compiled pass, from per-code-point tables derived from that
definition: each code point's NFKC + case-folded form and its class (word character, one-character
token, separator, whitespace). A text containing anything the tables cannot decide alone
(combining marks, Hangul jamo, most characters outside the Basic Multilingual Plane, characters whose
folding yields several unstable characters) is flagged and tokenised by the reference instead. HTML
entities are unescaped first, in Python, for the texts that contain an '&' (the reference's first
step). Tests check equality with the reference on real text.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from provenance.text.arrays import utf8_buffers
from provenance.text.cache import cache_dir
from provenance.text.normalize import _NO_SPACE_SCRIPTS, _TOKEN_RE, DEFAULT_NORMALIZER, NormalizerConfig

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pyarrow as pa

SEPARATOR, WORD, SINGLE, COMPLEX, SPACE, SINGLE_NOT_WORD = 0, 1, 2, 3, 4, 5
MAX_FOLD = 3
STARTER_AFTER = 0x80
"""Added to a fold length in the tables: the fold is a space and combining marks (as NFKC gives
'´' or '¨'), which equals the whole text's NFKC only where the next code point is a starter; the
kernels take it where that one is ASCII or the text ends, and leave the text to the reference
otherwise."""
AMPERSAND = 0x40
"""Added to the fold length of '&' alone: it keeps '&' off the kernels' one-read ASCII path, so that
``text_shingles_kernel`` can stop at an '&' that may start an HTML entity at no cost elsewhere."""
_TABLE_SIZE = 0x10000
_EMOJI = range(0x1F000, 0x1FB00)
_SINGLE_RE = re.compile(rf"[{_NO_SPACE_SCRIPTS}]")
_JAMO = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))


@lru_cache(maxsize=1)
def _composing_marks() -> frozenset[str]:
    """Characters that NFC/NFKC can merge into the character before them: the second element of
    every two-character canonical decomposition."""
    marks = set()
    for cp in range(0x30000):  # no canonical decomposition lies above U+2FA1D
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            marks.add(chr(int(parts[1], 16)))
    return frozenset(marks)


def _class_of_folded(ch: str) -> int:
    """The class of one character that normalisation leaves as it is."""
    if ch.isspace():
        return SPACE
    if _SINGLE_RE.fullmatch(ch):  # a token of its own; punctuation in these blocks is not \w
        return SINGLE if re.fullmatch(r"\w", ch) else SINGLE_NOT_WORD
    return WORD if _TOKEN_RE.fullmatch(ch) else SEPARATOR


def _classify(cp: int) -> list[tuple[int, int]]:
    """The (class, code point) sequence one code point normalises to; [] when the kernel must not
    decide it alone (it may merge with its neighbours, or fold into something unstable)."""
    ch = chr(cp)
    if 0xD800 <= cp <= 0xDFFF or any(lo <= cp <= hi for lo, hi in _JAMO) or ch in _composing_marks():
        return []
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if not folded or len(folded) > MAX_FOLD:
        return []
    for c in folded:
        if (
            c in _composing_marks()
            or unicodedata.normalize("NFKC", c).casefold() != c
            or any(lo <= ord(c) <= hi for lo, hi in _JAMO)
        ):
            return []
    return [(_class_of_folded(c), ord(c)) for c in folded]


def _spacing_accent(cp: int) -> list[tuple[int, int]]:
    """``_classify`` for a spacing accent ('´', '¨', '゛'): NFKC makes it a space and combining
    marks, stable on their own. The space keeps the marks from merging with the character before;
    only a non-starter after them could reorder with them (see ``STARTER_AFTER``). [] otherwise."""
    if 0xD800 <= cp <= 0xDFFF:
        return []
    folded = unicodedata.normalize("NFKC", chr(cp)).casefold()
    if not 2 <= len(folded) <= MAX_FOLD or folded[0] != " ":
        return []
    if not all(unicodedata.combining(c) for c in folded[1:]):
        return []
    if unicodedata.normalize("NFKC", folded).casefold() != folded:
        return []
    return [(_class_of_folded(c), ord(c)) for c in folded]


def _table(codepoints: range) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = np.zeros(len(codepoints), dtype=np.uint8)
    classes = np.full((len(codepoints), MAX_FOLD), COMPLEX, dtype=np.uint8)
    folds = np.zeros((len(codepoints), MAX_FOLD), dtype=np.int64)
    for row, cp in enumerate(codepoints):
        parts = _classify(cp)
        if not parts and cp < _TABLE_SIZE and (parts := _spacing_accent(cp)):
            lengths[row] = STARTER_AFTER
        lengths[row] += len(parts)
        if cp == ord("&"):
            lengths[row] |= AMPERSAND
        for k, (cls, folded) in enumerate(parts):
            classes[row, k], folds[row, k] = cls, folded
    return lengths, classes, folds


def _cache_file() -> Path:
    """Where the tables are kept between runs: keyed by the Unicode version and this module's code."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + unicodedata.unidata_version.encode()).hexdigest()[
        :16
    ]
    return cache_dir() / f"token-tables-{digest}.npz"


@lru_cache(maxsize=1)
def tables() -> tuple[np.ndarray, ...]:
    """Fold lengths, classes and folded code points for the BMP and the emoji planes.

    Deriving them takes about a second, so they are cached on disk (recomputed if the cache is
    unreadable or unwritable; the key changes with the Unicode version and with this module).
    """
    names = ("len_bmp", "cls_bmp", "fold_bmp", "len_emoji", "cls_emoji", "fold_emoji")
    cache = _cache_file()
    try:
        with np.load(cache) as stored:
            return tuple(stored[name] for name in names)
    except (OSError, KeyError, ValueError):
        pass
    arrays = (*_table(range(_TABLE_SIZE)), *_table(_EMOJI))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.npz")
        np.savez(tmp, **dict(zip(names, arrays, strict=True)))
        os.replace(tmp, cache)
    except OSError:
        pass
    return arrays


def supported(config: NormalizerConfig) -> bool:
    """The compiled path implements the default normaliser options only."""
    return config == DEFAULT_NORMALIZER


def _unescaped_utf8(
    texts: Sequence[str] | pa.Array,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]:
    """The texts (strings, or an Arrow string array read straight from the input), HTML entities
    unescaped (the normaliser's first step), as a UTF-8 buffer with each text's offsets in it, the
    longest text's length in bytes, and code point and class work arrays for it."""
    return utf8_and_work_arrays(_unescaped_array(texts))


def utf8_and_work_arrays(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]:
    """A large-string array's UTF-8 buffer and offsets, its longest text's length in bytes, and
    code point and class work arrays for it."""
    data, offsets = utf8_buffers(texts)
    longest = int(np.diff(offsets).max()) if len(texts) else 0
    cps = np.empty(MAX_FOLD * longest + 1, dtype=np.int64)
    classes = np.empty(MAX_FOLD * longest + 1, dtype=np.uint8)
    return data, offsets, longest, cps, classes


def _unescaped_array(texts: Sequence[str] | pa.Array) -> pa.Array:
    """The texts as an Arrow large-string array, HTML entities unescaped: only texts holding an
    '&' can change, and for an Arrow array only those become Python strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(texts, pa.Array):
        return pa.array([html.unescape(t) if "&" in t else t for t in texts], type=pa.large_string())
    texts = texts.cast(pa.large_string())
    with_amp = _may_hold_entities(texts)
    if len(with_amp) == 0:
        return texts
    before = texts.take(pa.array(with_amp)).to_pylist()
    after = [html.unescape(t) for t in before]
    changed = [k for k, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    if not changed:
        return texts
    mask = np.zeros(len(texts), dtype=bool)
    mask[with_amp[changed]] = True
    return pc.replace_with_mask(
        texts, pa.array(mask), pa.array([after[k] for k in changed], pa.large_string())
    )


_ENTITY_STARTS = np.zeros(256, dtype=bool)
_ENTITY_STARTS[[ord("#"), *range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1)]] = True
"""The bytes that can follow the '&' of an entity ``html.unescape`` replaces: '#' or an ASCII letter
(every HTML5 entity name starts with one)."""


def _may_hold_entities(texts: pa.Array) -> np.ndarray:
    """Which texts of a large-string array (no nulls) hold an '&' followed by a byte that can start
    an entity, ascending: ``html.unescape`` leaves every other text as it is. In web text most
    '&'s are not entities ("Q & A"): three quarters of the texts holding one, on a real sample."""
    if len(texts) == 0:
        return np.zeros(0, dtype=np.int64)
    data, offsets = utf8_buffers(texts)
    data = data[offsets[0] : offsets[-1]]
    at = np.flatnonzero(data[:-1] == ord("&"))
    at = at[_ENTITY_STARTS[data[at + 1]]] + offsets[0]
    return np.unique(np.searchsorted(offsets, at, side="right") - 1)


def tokenize_texts(texts: list[str], config: NormalizerConfig = DEFAULT_NORMALIZER):  # noqa: ANN201
    """Tokens of many texts as one Arrow string array, and each text's token offsets.

    Returns ``(tokens, offsets, fallbacks)``: text ``i`` owns ``tokens[offsets[i]:offsets[i + 1]]``;
    ``fallbacks`` counts the texts the reference tokeniser handled.
    """
    import pyarrow as pa

    from provenance.text.normalize import tokenize
    from provenance.text.token_kernels import tokenize_kernel

    if not supported(config):
        lists = [tokenize(t, config) for t in texts]
        return _from_lists(lists), np.concatenate(([0], np.cumsum([len(x) for x in lists]))), len(texts)
    data, offsets, longest, cps, classes = _unescaped_utf8(texts)
    out = np.empty(4 * MAX_FOLD * len(data) + 16, dtype=np.uint8)
    token_ends = np.empty(MAX_FOLD * len(data) + 1, dtype=np.int64)
    text_ends = np.empty(len(texts), dtype=np.int64)
    fallback = np.zeros(len(texts), dtype=np.bool_)
    n_tokens = tokenize_kernel(data, offsets, *tables(), cps, classes, out, token_ends, text_ends, fallback)
    token_offsets = np.concatenate(([0], token_ends[:n_tokens]))
    tokens = pa.LargeStringArray.from_buffers(
        n_tokens, pa.py_buffer(token_offsets), pa.py_buffer(out[: token_offsets[-1]].copy())
    )
    text_offsets = np.concatenate(([0], text_ends)).astype(np.int64)
    if not fallback.any():
        return tokens, text_offsets, 0
    return _merge_fallbacks(texts, tokens, text_offsets, fallback, config)


def _from_lists(lists: list[list[str]]):  # noqa: ANN202
    import pyarrow as pa

    return pa.array([t for tokens in lists for t in tokens], type=pa.large_string())


def _merge_fallbacks(texts, tokens, text_offsets, fallback, config):  # noqa: ANN001, ANN202
    """Splice the reference tokens of the flagged texts into the kernel's output, in order."""
    import pyarrow as pa

    from provenance.text.normalize import tokenize

    pieces, counts, start = [], [], 0
    for t in np.flatnonzero(fallback):
        t = int(t)
        pieces.append(tokens.slice(text_offsets[start], text_offsets[t] - text_offsets[start]))
        counts.extend(np.diff(text_offsets[start : t + 1]).tolist())
        own = tokenize(texts[t], config)
        pieces.append(pa.array(own, type=pa.large_string()))
        counts.append(len(own))
        start = t + 1
    pieces.append(tokens.slice(text_offsets[start], text_offsets[-1] - text_offsets[start]))
    counts.extend(np.diff(text_offsets[start:]).tolist())
    merged = pa.concat_arrays(pieces)
    return merged, np.concatenate(([0], np.cumsum(counts))).astype(np.int64), int(fallback.sum())


def token_spans(text: str, config: NormalizerConfig = DEFAULT_NORMALIZER) -> np.ndarray | None:
    """``tokenize_with_spans(text)[1]`` through the kernel, as an int64 array of ``(start, end)``
    rows; ``None`` when the reference must do it (see ``tokens_with_spans``)."""
    return tokens_with_spans([text], config)[1][0]


@dataclass(frozen=True)
class TokenBytes:
    """One text's tokens as UTF-8, back to back: token ``i`` is ``data[ends[i - 1]:ends[i]]``
    (from 0 for the first)."""

    data: np.ndarray
    """uint8."""
    ends: np.ndarray
    """int64, one per token."""

    @classmethod
    def of(cls, tokens: Sequence[str]) -> TokenBytes:
        """The same layout from token strings (for a text the reference tokenised)."""
        encoded = [token.encode("utf-8") for token in tokens]
        ends = np.cumsum([len(token) for token in encoded], dtype=np.int64)
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), ends)


def tokens_with_spans(
    texts: list[str], config: NormalizerConfig = DEFAULT_NORMALIZER
) -> tuple[list[list[str]], list[np.ndarray | None]]:
    """Each text's tokens (as ``normalize.tokenize``) and their character spans in the text (as
    ``normalize.tokenize_with_spans``, an int64 array of ``(start, end)`` rows), in one compiled
    pass. A text's spans are ``None`` where the reference must give them: other normaliser
    options, a text the kernel cannot decide alone, or one of the rare texts whose entities
    ``_spans_in_original`` cannot place."""
    tokens, spans, _ = tokens_spans_and_bytes(texts, config)
    return tokens, spans


def tokens_spans_and_bytes(
    texts: list[str], config: NormalizerConfig = DEFAULT_NORMALIZER
) -> tuple[list[list[str]], list[np.ndarray | None], list[TokenBytes | None]]:
    """``tokens_with_spans``, and each text's tokens as the kernel wrote them (``None`` for a text
    the reference tokenised)."""
    import pyarrow as pa

    from provenance.text.normalize import tokenize
    from provenance.text.token_kernels import tokens_with_spans_kernel

    if not supported(config):
        return [tokenize(t, config) for t in texts], [None] * len(texts), [None] * len(texts)
    data, offsets, longest, cps, classes = _unescaped_utf8(texts)
    first, last = np.empty(len(cps), dtype=np.int64), np.empty(len(cps), dtype=np.int64)
    out = np.empty(4 * MAX_FOLD * len(data) + 16, dtype=np.uint8)
    token_bytes, starts, ends = (np.empty(MAX_FOLD * len(data) + 1, dtype=np.int64) for _ in range(3))
    text_ends, fallback = np.empty(len(texts), dtype=np.int64), np.zeros(len(texts), dtype=np.bool_)
    outputs = (out, token_bytes, starts, ends, text_ends, fallback)
    n = tokens_with_spans_kernel(data, offsets, *tables(), cps, classes, first, last, *outputs)
    token_offsets = np.concatenate(([0], token_bytes[:n]))
    flat = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(token_offsets), pa.py_buffer(out[: token_offsets[-1]])
    ).to_pylist()
    spans = np.stack((starts[:n], ends[:n]), axis=1)
    bounds = np.concatenate(([0], text_ends)).tolist()
    token_lists: list[list[str]] = []
    span_arrays: list[np.ndarray | None] = []
    written: list[TokenBytes | None] = []
    for t, text in enumerate(texts):
        if fallback[t]:
            token_lists.append(tokenize(text, config))
            span_arrays.append(None)
            written.append(None)
            continue
        a, b = bounds[t], bounds[t + 1]
        token_lists.append(flat[a:b])
        start = token_offsets[a]
        written.append(TokenBytes(out[start : token_offsets[b]], token_offsets[a + 1 : b + 1] - start))
        if "&" in text:
            read = data[offsets[t] : offsets[t + 1]].tobytes().decode("utf-8")
            span_arrays.append(_spans_in_original(text, read, spans[a:b]))
        else:
            span_arrays.append(spans[a:b])
    return token_lists, span_arrays, written


_ENTITY_CHUNK_RE = re.compile(r"(?<!\S)\S*&\S*")


def _unescaped_char_sources(chunks: list[tuple[int, int, int]], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Per character of a text of ``length`` characters whose entity ``chunks`` (start, end,
    unescaped length) were unescaped: the span ``[start, end)`` of the original it comes from,
    itself outside the chunks and the whole chunk inside them."""
    c0, c1, sizes = (np.array(column, dtype=np.int64) for column in zip(*chunks, strict=True))
    before = np.concatenate(([0], c1))  # where each plain piece starts in the original
    lengths = np.empty(2 * len(chunks) + 1, dtype=np.int64)  # pieces: plain, chunk, ..., plain
    lengths[0::2], lengths[1::2] = np.append(c0, length) - before, sizes
    in_chunk = np.zeros(len(lengths), dtype=bool)
    in_chunk[1::2] = True
    first, last = np.zeros(len(lengths), dtype=np.int64), np.zeros(len(lengths), dtype=np.int64)
    first[0::2], first[1::2], last[1::2] = before, c0, c1
    starts_unescaped = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    position = np.arange(int(lengths.sum())) + np.repeat(first - starts_unescaped, lengths)
    inside = np.repeat(in_chunk, lengths)
    return (
        np.where(inside, np.repeat(first, lengths), position),
        np.where(inside, np.repeat(last, lengths), position + 1),
    )


def _spans_in_original(text: str, read: str, spans: np.ndarray) -> np.ndarray | None:
    """The kernel's ``spans`` (offsets in ``read``, the unescaped ``text`` it read) as offsets in
    ``text``, as ``normalize.spans_by_chunks`` gives them: every character of a whitespace-delimited
    chunk whose entities unescape maps to the whole chunk. ``None`` where that reading differs: a
    chunk whose folding keeps its length all the same (mapped character for character there), or
    a text whose chunk-by-chunk unescaping differs from the kernel's."""
    if read == text:  # nothing unescaped as a whole, so no chunk unescapes on its own (tested)
        return spans
    return _spans_of_unescaped_chunks(text, read, spans)


def _spans_of_unescaped_chunks(text: str, read: str, spans: np.ndarray) -> np.ndarray | None:
    """``_spans_in_original`` for a text the kernel read unescaped."""
    from provenance.text.normalize import _fold

    pieces: list[str] = []
    chunks: list[tuple[int, int, int]] = []  # (start, end, unescaped length) of each entity chunk
    pos = 0
    for chunk in _ENTITY_CHUNK_RE.finditer(text):
        c0, c1 = chunk.span()
        unescaped = html.unescape(chunk.group())
        if unescaped == chunk.group():
            continue
        if len(_fold(chunk.group())) == c1 - c0:
            return None
        pieces += [text[pos:c0], unescaped]
        chunks.append((c0, c1, len(unescaped)))
        pos = c1
    if not chunks:  # no entity unescapes chunk by chunk: the kernel must have read the text itself
        return spans if read == text else None
    pieces.append(text[pos:])
    if "".join(pieces) != read:
        return None
    start_of, end_of = _unescaped_char_sources(chunks, len(text))
    if len(spans) == 0:
        return spans
    return np.stack((start_of[spans[:, 0]], end_of[spans[:, 1] - 1]), axis=1)
