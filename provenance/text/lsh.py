"""LSH banding: parameters from datasketch's optimiser, weighted for recall, and band keys.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values; two texts become
candidates when any band is identical. The probability that a pair at Jaccard ``s`` becomes a
candidate is ``1 - (1 - s**rows)**bands``. We ask datasketch's ``_optimal_param`` for the best
``(bands, rows)`` and raise the weight of false negatives until a pair at the threshold is proposed
with probability at least ``min_recall``: exact verification restores precision later.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from provenance.errors import UsageError
from provenance.text.cache import cache_dir

if TYPE_CHECKING:
    from provenance.text.minhash import MinHashConfig
    from provenance.text.shingles import ShingleBatch


@dataclass(frozen=True)
class LSHConfig:
    """Banding parameters of an index."""

    threshold: float
    """Jaccard similarity at which a near-duplicate must be proposed."""
    bands: int
    rows: int
    min_recall: float
    """Probability with which a pair at ``threshold`` is proposed."""

    def candidate_probability(self, similarity: float) -> float:
        """Probability that a pair with this Jaccard similarity shares at least one band."""
        return 1.0 - (1.0 - similarity**self.rows) ** self.bands

    def describe(self) -> dict[str, object]:
        """The parameters as stored in an index manifest."""
        return {
            "threshold": self.threshold,
            "bands": self.bands,
            "rows": self.rows,
            "min_recall": self.min_recall,
            "recall_at_threshold": round(self.candidate_probability(self.threshold), 6),
        }


@lru_cache(maxsize=32)
def choose_lsh(threshold: float, num_perm: int, min_recall: float = 0.95) -> LSHConfig:
    """Bands and rows from datasketch's optimiser with the false-negative weight raised until the
    probability of proposing a pair at ``threshold`` reaches ``min_recall``.

    The optimiser integrates numerically for every split of ``num_perm`` (about 0.7 s), so its
    answer is kept in the user's cache directory, keyed by the arguments and datasketch's version.
    """
    if not 0.0 < threshold < 1.0:
        raise UsageError(f"LSH threshold must be between 0 and 1, got {threshold}")
    from importlib.metadata import version

    key = f"{threshold!r}/{num_perm}/{min_recall!r}/datasketch-{version('datasketch')}"
    cache = cache_dir() / "lsh-params.json"
    try:
        known = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known.get(key), list) and len(known[key]) == 2:
        bands, rows = (int(v) for v in known[key])
        return LSHConfig(threshold, bands, rows, min_recall)
    config = _optimise(threshold, num_perm, min_recall)
    known[key] = [config.bands, config.rows]
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass
    return config


def _optimise(threshold: float, num_perm: int, min_recall: float) -> LSHConfig:
    from datasketch.lsh import _optimal_param  # imports scipy: only when parameters are chosen

    for fn_weight in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
        bands, rows = _optimal_param(threshold, num_perm, 1.0 - fn_weight, fn_weight)
        config = LSHConfig(threshold, bands, rows, min_recall)
        if config.candidate_probability(threshold) >= min_recall:
            return config
    return LSHConfig(threshold, num_perm, 1, min_recall)


def band_keys(signatures: np.ndarray, config: LSHConfig) -> np.ndarray:
    """uint64 keys ``[bands, texts]``: band ``j`` of text ``i`` hashed to one value (the rows of
    the band folded as ``h = h * P + value`` from ``h = j + 1``, then ``(h ^ h >> 29) * P``)."""
    from provenance.text.hash_kernels import band_keys_kernel

    keys = np.empty((config.bands, signatures.shape[0]), dtype=np.uint64)
    band_keys_kernel(np.ascontiguousarray(signatures), config.bands, config.rows, keys)
    return keys


def sketch_band_keys(batch: ShingleBatch, minhash: MinHashConfig, config: LSHConfig) -> np.ndarray:
    """``band_keys`` of the batch's MinHash signatures, computing only the values the bands read."""
    from provenance.text.minhash import minhash_signatures

    return band_keys(minhash_signatures(batch, minhash, first=config.bands * config.rows), config)
