"""Batch MinHash, bit-identical to datasketch 2.x ``MinHash(scheme="affine32")``.

datasketch's affine32 scheme takes a 32-bit input hash ``h``, pre-mixes it with the MurmurHash3
32-bit finaliser, then applies ``a_k * h + b_k mod 2^32`` for each permutation ``k`` (``a`` odd,
both drawn from ``numpy.random.RandomState(seed)``) and keeps the minimum. Our input hash is the low
32 bits of the shingle hash (``shingles.shingle_hash32``). Here a numba kernel runs over all
shingles of a batch of texts at once (about 90 times the throughput of the same computation in
numpy array operations, which must materialise a shingles x permutations matrix).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from provenance.text.shingles import (
    DEFAULT_SHINGLES,
    ShingleBatch,
    ShingleConfig,
    join_tokens,
    shingle_batch,
    shingles_of_joined,
)

MINHASH_SCHEME = "affine32"


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
    """The ``(a, b)`` uint32 permutation parameters, drawn exactly as datasketch draws them
    (computed once per parameters; read-only)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def minhash_signatures(
    batch: ShingleBatch, config: MinHashConfig = DEFAULT_MINHASH, first: int | None = None
) -> np.ndarray:
    """uint32 signatures ``[texts, num_perm]``; a text without shingles gets all ``0xFFFFFFFF``.

    ``first`` computes only the first values of each signature (those LSH bands read).
    """
    a, b = permutations(config.num_perm, config.seed)
    if first is not None:
        a, b = a[:first], b[:first]
    out = np.empty((len(batch.offsets) - 1, len(a)), dtype=np.uint32)  # rows filled by the kernel
    from provenance.text.hash_kernels import minhash_kernel

    minhash_kernel(batch.hashes, np.ascontiguousarray(batch.offsets, dtype=np.int64), a, b, out)
    return out


PIECES_PER_THREAD = 2
"""``signatures_of_tokens`` cuts a batch into this many pieces per thread."""


def signatures_of_tokens(
    token_lists: Sequence[Sequence[str]],
    config: MinHashConfig = DEFAULT_MINHASH,
    shingles: ShingleConfig = DEFAULT_SHINGLES,
    threads: int = 1,
) -> np.ndarray:
    """``minhash_signatures(shingle_batch(token_lists))``, on ``threads`` cores.

    Joining the token lists into bytes is Python and holds the GIL; hashing, shingling and MinHash
    are compiled and release it. With several threads the batch is cut into pieces, and each piece
    is computed in a thread while the next one is joined. Same output for any ``threads``.
    """
    pieces = min(len(token_lists), threads * PIECES_PER_THREAD)
    if threads <= 1 or pieces < 2:
        return minhash_signatures(shingle_batch(token_lists, shingles), config)
    out = np.empty((len(token_lists), config.num_perm), dtype=np.uint32)
    sizes = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    bounds = _balanced_bounds(np.cumsum(sizes) - sizes, int(sizes.sum()), pieces)

    def compute(lo: int, hi: int, joined: np.ndarray) -> None:
        out[lo:hi] = minhash_signatures(shingle_batch(token_lists[lo:hi], shingles, joined), config)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        computed = [
            pool.submit(compute, lo, hi, join_tokens(token_lists[lo:hi]))
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        for piece in computed:
            piece.result()
    return out


def signatures_of_joined(
    joined: np.ndarray,
    n_texts: int,
    config: MinHashConfig = DEFAULT_MINHASH,
    shingles: ShingleConfig = DEFAULT_SHINGLES,
    threads: int = 1,
) -> np.ndarray:
    """``minhash_signatures(shingles_of_joined(joined, n_texts))``, on ``threads`` cores: the
    signatures of token lists already encoded (``join_tokens``'s layout), cut into pieces at text
    boundaries. No Python object per text is touched, so the threads run side by side. Same output
    for any ``threads``."""
    joined = np.asarray(joined, dtype=np.uint8)
    pieces = min(n_texts, threads * PIECES_PER_THREAD)
    if threads <= 1 or pieces < 2:
        return minhash_signatures(shingles_of_joined(joined, n_texts, shingles), config)
    ends = np.flatnonzero(joined == ord("\n"))  # text k ends at ends[k]; the last one at the end
    if len(ends) != n_texts - 1:
        raise ValueError(f"the bytes hold {len(ends) + 1} texts, not {n_texts}")
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(joined)]))
    bounds = _balanced_bounds(starts, len(joined), pieces)
    out = np.empty((n_texts, config.num_perm), dtype=np.uint32)

    def compute(lo: int, hi: int) -> None:
        piece = joined[starts[lo] : stops[hi - 1]]
        out[lo:hi] = minhash_signatures(shingles_of_joined(piece, hi - lo, shingles), config)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(compute, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]:
            done.result()
    return out


def _balanced_bounds(starts: np.ndarray, total: int, pieces: int) -> list[int]:
    """Cut texts (text ``k`` starts at ``starts[k]`` of ``total`` units of work) into about
    ``pieces`` runs of about equal work (long documents vary: cutting by count left one thread
    with most of it); the bounds as text numbers, from 0 to the number of texts."""
    cuts = np.searchsorted(starts, np.linspace(0, total, pieces + 1)[1:-1])
    return np.unique(np.concatenate(([0], cuts, [len(starts)]))).astype(int).tolist()
