"""Batch MinHash, bit-identical to datasketch 2.x ``MinHash(scheme="affine32")``.

datasketch's affine32 scheme takes a 32-bit input hash ``h``, pre-mixes it with the MurmurHash3
32-bit finaliser, then applies ``a_k * h + b_k mod 2^32`` for each permutation ``k`` (``a`` odd,
both drawn from ``numpy.random.RandomState(seed)``) and keeps the minimum. Our input hash is the low
32 bits of the shingle hash (``shingles.shingle_hash32``). Here all shingles of a batch of texts are
permuted at once and reduced per text with ``numpy.minimum.reduceat``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .shingles import ShingleBatch

MINHASH_SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK_CELLS = 1 << 23  # shingles x permutations per block: bounds temporary memory (~32 MiB)


@dataclass(frozen=True)
class MinHashConfig:
    """MinHash parameters (datasketch's names and defaults)."""

    num_perm: int = 128
    """Number of permutations, i.e. signature length."""
    seed: int = 1
    """Seed of the permutation parameters (datasketch's default)."""

    def describe(self) -> dict[str, object]:
        """The parameters as stored in an index manifest."""
        return {"scheme": MINHASH_SCHEME, "num_perm": self.num_perm, "seed": self.seed}


DEFAULT_MINHASH = MinHashConfig()


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 permutation parameters, drawn exactly as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix), element-wise on uint32."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _signatures_of_block(hv: np.ndarray, starts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signatures of consecutive non-empty texts whose pre-mixed hashes are ``hv``."""
    with np.errstate(over="ignore"):
        permuted = hv[:, None] * a[None, :] + b[None, :]
    return np.minimum.reduceat(permuted, starts, axis=0)


def minhash_signatures(batch: ShingleBatch, config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """uint32 signatures ``[texts, num_perm]``; a text without shingles gets all ``0xFFFFFFFF``."""
    a, b = permutations(config.num_perm, config.seed)
    n_texts = len(batch.offsets) - 1
    out = np.full((n_texts, config.num_perm), EMPTY, dtype=np.uint32)
    counts = batch.counts()
    hv = fmix32((batch.hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    max_shingles = max(1, _CHUNK_CELLS // config.num_perm)
    nonempty = np.flatnonzero(counts > 0)
    i = 0
    while i < len(nonempty):
        j = i + 1
        total = int(counts[nonempty[i]])
        while j < len(nonempty) and total + int(counts[nonempty[j]]) <= max_shingles:
            total += int(counts[nonempty[j]])
            j += 1
        texts = nonempty[i:j]
        lo, hi = int(batch.offsets[texts[0]]), int(batch.offsets[texts[-1] + 1])
        starts = batch.offsets[texts] - lo
        out[texts] = _signatures_of_block(hv[lo:hi], starts, a, b)
        i = j
    return out
