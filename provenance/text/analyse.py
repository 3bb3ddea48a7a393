"""The one analysis of a batch of texts, called by both index and scan: shingles, tokens, digests, bands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from provenance.text.arrays import utf8_buffers
from provenance.text.lsh import LSHConfig, sketch_band_keys
from provenance.text.minhash import MinHashConfig
from provenance.text.normalize import NormalizerConfig
from provenance.text.shingles import ShingleBatch, ShingleConfig, shingle_texts, shingles_of_token_hashes
from provenance.text.tokens import tokenize_texts
from provenance.text.xxh64 import xxh64_strings


class TextParams(Protocol):
    """How texts are analysed: the parameters an index is built with (``IndexParams``)."""

    @property
    def normalizer(self) -> NormalizerConfig: ...
    @property
    def shingles(self) -> ShingleConfig: ...
    @property
    def minhash(self) -> MinHashConfig: ...
    @property
    def lsh(self) -> LSHConfig: ...


@dataclass(frozen=True)
class TextAnalysis:
    """A batch of texts analysed by ``analyse_texts``: what was asked for, ``None`` for the rest."""

    shingles: ShingleBatch | None
    """Each text's shingle hashes in position order."""
    distinct: ShingleBatch | None
    """Each text's distinct shingle hashes, sorted."""
    n_tokens: np.ndarray | None
    """Each text's number of normalised tokens (with ``normalised``)."""
    digests: list[str | None] | None
    """Each text's ``content_hash``, ``None`` where no words are left (with ``normalised``)."""
    band_keys: np.ndarray | None
    """uint64 ``[bands, texts]``: the LSH band keys of each text's MinHash signature."""


def analyse_texts(
    texts: Sequence[str] | pa.Array,
    params: TextParams,
    *,
    shingles: bool = True,
    distinct: bool = False,
    normalised: bool = False,
    band_keys: bool = False,
) -> TextAnalysis:
    """Normalise, tokenise and shingle a batch of texts (strings, or an Arrow string array without
    nulls) in compiled passes, keeping what is asked for: the ``shingles`` in position order, the
    ``distinct`` shingles, the token counts and content digests (``normalised``), the LSH
    ``band_keys``. Nothing depends on the rest of the batch: any cut of the input gives the same.

    The shingle hashes are the same either way they are computed (tested): where the normalised
    text is asked for, its tokens are made anyway and hashed (XXH64, then combined); otherwise the
    fused kernel tokenises and hashes in one pass without making the tokens, the faster path.
    """
    if normalised:
        strings = texts.to_pylist() if isinstance(texts, pa.Array) else list(texts)
        tokens, token_offsets, _ = tokenize_texts(strings, params.normalizer)
        digests = _content_hashes(tokens, token_offsets)
        token_hashes = xxh64_strings(tokens, params.shingles.seed)
        batch = shingles_of_token_hashes(token_hashes, token_offsets, params.shingles.n)
        n_tokens = np.diff(token_offsets)
    else:
        batch = shingle_texts(texts, params.normalizer, params.shingles)
        digests = n_tokens = None
    return TextAnalysis(
        shingles=batch if shingles else None,
        distinct=distinct_shingles(batch) if distinct else None,
        n_tokens=n_tokens,
        digests=digests,
        band_keys=sketch_band_keys(batch, params.minhash, params.lsh) if band_keys else None,
    )


def distinct_shingles(batch: ShingleBatch) -> ShingleBatch:
    """Each text's distinct shingle hashes, sorted (one compiled pass)."""
    from provenance.text.hash_kernels import distinct_per_text

    keys, counts = distinct_per_text(batch.hashes, batch.offsets)
    return ShingleBatch(keys, np.concatenate(([0], np.cumsum(counts))).astype(np.int64))


def content_hash(normalized: str) -> str:
    """Hex XXH3-128 of the normalised text: equal for exact duplicates after normalisation."""
    return xxhash.xxh3_128_hexdigest(normalized.encode("utf-8"))


def _content_hashes(tokens: pa.Array, offsets: np.ndarray) -> list[str | None]:
    """``content_hash`` of each text's normalised form (its tokens joined by single spaces), read
    from the joined Arrow buffer; ``None`` for a text without tokens."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), tokens)
    joined = pc.binary_join(lists, pa.scalar(" ", type=pa.large_string()))
    data_array, bounds = utf8_buffers(joined)
    data = memoryview(data_array)
    digest = xxhash.xxh3_128_hexdigest
    starts, ends = bounds[:-1].tolist(), bounds[1:].tolist()
    return [digest(data[a:b]) if b > a else None for a, b in zip(starts, ends, strict=True)]
