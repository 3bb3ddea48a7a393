"""Shingling: token n-grams hashed with xxhash, for one text or a whole batch at once.

Each token is hashed once with XXH64; a shingle's 64-bit hash combines the hashes of its ``n``
tokens (polynomial over 2^64, then the MurmurHash3 64-bit finaliser). A text shorter than ``n``
tokens has one shingle made of all its tokens; a text without tokens has none. The same value is
computed by the scalar ``shingle_hash`` (used as datasketch's ``hashfunc`` in the equivalence tests),
by the vectorised ``shingle_batch`` over token lists, and by ``shingle_texts`` straight from raw texts
(the compiled tokeniser's tables, tokenise, hash and combine in one pass, never materialising tokens).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import xxhash

from provenance.text.normalize import DEFAULT_NORMALIZER, NormalizerConfig, tokenize
from provenance.text.tokens import MAX_FOLD, supported, tables, utf8_and_work_arrays
from provenance.text.xxh64 import xxh64_strings

SHINGLE_SCHEME = "token-ngram/xxh64/poly-fmix64"
_MASK64 = (1 << 64) - 1
_PRIME = 0x9E3779B185EBCA87
_FMIX1 = 0xFF51AFD7ED558CCD
_FMIX2 = 0xC4CEB9FE1A85EC53


@dataclass(frozen=True)
class ShingleConfig:
    """How texts are cut into shingles."""

    n: int = 3
    """Tokens per shingle (word 3-grams; character 3-grams for scripts without spaces)."""
    seed: int = 0
    """Seed of the XXH64 token hash."""

    def describe(self) -> dict[str, object]:
        """The parameters as stored in an index manifest."""
        return {"scheme": SHINGLE_SCHEME, **asdict(self)}


DEFAULT_SHINGLES = ShingleConfig()


def token_hash(token: str, seed: int = 0) -> int:
    """XXH64 of the token's UTF-8 bytes."""
    return xxhash.xxh64_intdigest(token.encode("utf-8"), seed)


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * _FMIX1) & _MASK64
    h ^= h >> 33
    h = (h * _FMIX2) & _MASK64
    return h ^ (h >> 33)


def combine_token_hashes(hashes: Sequence[int]) -> int:
    """The shingle hash of a run of token hashes (scalar reference implementation)."""
    h = 0
    for value in hashes:
        h = (h * _PRIME + value) & _MASK64
    return _fmix64(h ^ len(hashes))


def shingle_hash(shingle: bytes | str, seed: int = 0) -> int:
    """64-bit hash of one shingle given as its tokens joined by single spaces."""
    text = shingle.decode("utf-8") if isinstance(shingle, bytes) else shingle
    return combine_token_hashes([token_hash(t, seed) for t in text.split(" ")])


def shingle_hash32(shingle: bytes | str) -> int:
    """The low 32 bits of ``shingle_hash`` (seed 0): the input hash of the MinHash sketches."""
    return shingle_hash(shingle) & 0xFFFFFFFF


def shingle_strings(tokens: Sequence[str], n: int) -> list[str]:
    """The shingles of one token list as strings (tokens joined by spaces), in order."""
    if not tokens:
        return []
    if len(tokens) < n:
        return [" ".join(tokens)]
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


@dataclass(frozen=True)
class ShingleBatch:
    """The shingles of many texts: text ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``."""

    hashes: np.ndarray
    """uint64 shingle hashes, in position order within each text."""
    offsets: np.ndarray
    """int64, one more than the number of texts."""

    def of(self, i: int) -> np.ndarray:
        """The shingle hashes of text ``i``."""
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]

    def counts(self) -> np.ndarray:
        """Shingles per text."""
        return np.diff(self.offsets)


def join_tokens(token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """The token lists as UTF-8 bytes: tokens joined by ``' '``, lists by ``'\\n'`` (the layout
    ``hash_joined_tokens`` reads), so that Python touches each text once, not each token. Each
    text is encoded on its own: one emoji would otherwise widen the whole joined string to four
    bytes per character before encoding."""
    space = " ".join
    joined = b"\n".join([space(tokens).encode("utf-8") for tokens in token_lists])
    return np.frombuffer(joined, dtype=np.uint8)


def _token_hashes(
    token_lists: Sequence[Sequence[str]], seed: int, joined: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """XXH64 of every token of the batch, in one compiled pass over ``join_tokens(token_lists)``
    (``joined``, when the caller made it), and each list's token offsets.

    The layout is ambiguous only for a token holding a space or a newline (more tokens come back
    than were given) or an empty one (the kernel refuses it); such batches go through an Arrow
    string array instead.
    """
    total = sum(map(len, token_lists))
    if len(token_lists):
        hashed = _hash_joined(join_tokens(token_lists) if joined is None else joined, len(token_lists), seed)
        if hashed is not None and len(hashed[0]) == total:
            return hashed
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = pa.array([t for tokens in token_lists for t in tokens], type=pa.large_string())
    return xxh64_strings(flat, seed), np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)


def _hash_joined(data: np.ndarray, n_texts: int, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Token hashes and each text's token offsets of ``n_texts`` texts in ``join_tokens``'s
    layout; ``None`` where the layout does not hold (an empty token, another number of texts)."""
    from provenance.text.hash_kernels import hash_joined_tokens

    out = np.empty(len(data) + 1, dtype=np.uint64)
    counts = np.zeros(n_texts + 1, dtype=np.int64)
    n = hash_joined_tokens(data, n_texts, np.uint64(seed), out, counts[1:])
    return None if n < 0 else (out[:n], np.cumsum(counts))


def shingles_of_joined(
    joined: np.ndarray, n_texts: int, config: ShingleConfig = DEFAULT_SHINGLES
) -> ShingleBatch:
    """``shingle_batch`` of token lists that are already UTF-8 bytes: ``joined`` is
    ``join_tokens(token_lists)`` and ``n_texts`` their number. No Python object per token or text
    is touched. Raises ``ValueError`` where the bytes do not hold ``n_texts`` texts of non-empty
    tokens (a token holding a space or a newline cannot be told apart: that is the caller's to
    avoid)."""
    hashed = _hash_joined(np.asarray(joined, dtype=np.uint8), n_texts, config.seed) if n_texts else None
    if hashed is None:
        if n_texts == 0 and len(joined) == 0:
            return ShingleBatch(np.zeros(0, np.uint64), np.zeros(1, np.int64))
        raise ValueError(f"the bytes do not hold {n_texts} texts of non-empty tokens joined by ' ' and '\\n'")
    return shingles_of_token_hashes(*hashed, config.n)


def shingle_batch(
    token_lists: Sequence[Sequence[str]],
    config: ShingleConfig = DEFAULT_SHINGLES,
    joined: np.ndarray | None = None,
) -> ShingleBatch:
    """Shingle hashes of many token lists at once (vectorised over the whole batch); ``joined`` is
    ``join_tokens(token_lists)`` when the caller already made it."""
    hashes, token_offsets = _token_hashes(token_lists, config.seed, joined)
    return shingles_of_token_hashes(hashes, token_offsets, config.n)


def shingle_texts(
    texts: Sequence[str] | pa.Array,
    normalizer: NormalizerConfig = DEFAULT_NORMALIZER,
    config: ShingleConfig = DEFAULT_SHINGLES,
) -> ShingleBatch:
    """Shingle hashes of many raw texts (strings, or an Arrow string array without nulls) in one
    compiled pass (tokenise, hash, combine).

    Equal to ``shingle_batch([tokenize(t) for t in texts])`` (tested), several times faster.
    """
    hashes, offsets = text_shingle_hashes(
        texts if isinstance(texts, pa.Array) else list(texts), config, normalizer
    )
    return ShingleBatch(hashes, offsets)


def text_shingle_hashes(
    texts: Sequence[str] | pa.Array, shingles: ShingleConfig, config: NormalizerConfig = DEFAULT_NORMALIZER
) -> tuple[np.ndarray, np.ndarray]:
    """``shingle_batch([tokenize(t) for t in texts], shingles)`` as ``(hashes, offsets)``, in one compiled
    pass that never materialises the tokens. ``texts`` may be an Arrow string array: then only the
    texts that need Python become Python strings. Those are the texts that may hold an HTML entity
    (unescaped, then passed to the kernel again) and the texts the kernel cannot decide alone (the
    reference tokeniser's)."""
    if not supported(config):
        batch = shingle_batch([tokenize(t, config) for t in _strings(texts)], shingles)
        return batch.hashes, batch.offsets
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), type=pa.large_string())
    texts = texts.cast(pa.large_string())
    hashes, bounds, fallback, escaped = _kernel_shingles(texts, shingles, entities=True)
    if escaped.any():
        rows = np.flatnonzero(escaped)
        unescaped = [html.unescape(t) for t in texts.take(pa.array(rows)).to_pylist()]
        again = _kernel_shingles(pa.array(unescaped, type=pa.large_string()), shingles, entities=False)
        own = [again[0][again[1][k] : again[1][k + 1]] for k in range(len(rows))]
        hashes, bounds = _spliced(hashes, bounds, rows, own)
        fallback[rows] = again[2]
    if fallback.any():
        rows = np.flatnonzero(fallback)
        own = [
            shingle_batch([tokenize(text, config)], shingles).hashes
            for text in _strings(texts.take(pa.array(rows)))
        ]
        hashes, bounds = _spliced(hashes, bounds, rows, own)
    # still a view of the kernel's buffer (sized for the worst case) unless texts were spliced in
    return (hashes.copy() if hashes.base is not None else hashes), bounds


def _kernel_shingles(
    texts: pa.Array, shingles: ShingleConfig, entities: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``text_shingles_kernel`` on a large-string array, as (hashes, offsets, fallback, escaped):
    the texts flagged in either have no hashes. ``hashes`` is a view of a larger buffer."""
    from provenance.text.token_kernels import text_shingles_kernel

    data, offsets, longest, cps, classes = utf8_and_work_arrays(texts)
    scratch = np.empty(4 * MAX_FOLD * longest + 16, dtype=np.uint8)
    out = np.empty(MAX_FOLD * int(offsets[-1] - offsets[0]) + len(texts) + 1, dtype=np.uint64)
    text_ends = np.empty(len(texts), dtype=np.int64)
    fallback, escaped = np.zeros(len(texts), dtype=np.bool_), np.zeros(len(texts), dtype=np.bool_)
    n, seed = shingles.n, shingles.seed
    ring = np.empty(1 << max(n - 1, 0).bit_length(), dtype=np.uint64)  # a power of two >= n
    work = (cps, classes, np.uint64(seed), np.int64(n), scratch, ring)
    total = text_shingles_kernel(data, offsets, *tables(), *work, out, text_ends, fallback, entities, escaped)
    return out[:total], np.concatenate(([0], text_ends)).astype(np.int64), fallback, escaped


def _spliced(
    hashes: np.ndarray, bounds: np.ndarray, rows: np.ndarray, own: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Texts' hashes (text ``t``'s are ``hashes[bounds[t]:bounds[t + 1]]``) with the texts ``rows``
    (ascending, none of them with hashes yet) given their ``own``."""
    counts = np.diff(bounds)
    counts[rows] = [len(piece) for piece in own]
    pieces, start = [], 0
    for t, piece in zip(rows.tolist(), own, strict=True):
        pieces += [hashes[bounds[start] : bounds[t]], piece]
        start = t + 1
    pieces.append(hashes[bounds[start] :])
    return np.concatenate(pieces).astype(np.uint64, copy=False), np.concatenate(([0], np.cumsum(counts)))


def _strings(texts: Sequence[str] | pa.Array) -> list[str]:
    """The texts as Python strings."""
    return texts.to_pylist() if hasattr(texts, "to_pylist") else list(texts)


def shingles_of_token_hashes(th: np.ndarray, token_offsets: np.ndarray, n: int) -> ShingleBatch:
    """Combine each text's consecutive token hashes into its shingle hashes (compiled)."""
    from provenance.text.hash_kernels import shingle_kernel

    lengths = np.diff(token_offsets)
    shingle_counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    offsets = np.concatenate(([0], np.cumsum(shingle_counts))).astype(np.int64)
    hashes = np.empty(int(offsets[-1]), dtype=np.uint64)
    shingle_kernel(th, token_offsets.astype(np.int64), int(n), offsets, hashes)
    return ShingleBatch(hashes=hashes, offsets=offsets)
