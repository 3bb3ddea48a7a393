"""LSH banding: parameters from datasketch's optimiser, weighted for recall, and band keys.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values; two texts become
candidates when any band is identical. The probability that a pair at Jaccard ``s`` becomes a
candidate is ``1 - (1 - s**rows)**bands``. We ask datasketch's ``_optimal_param`` for the best
``(bands, rows)`` and raise the weight of false negatives until a pair at the threshold is proposed
with probability at least ``min_recall``: exact verification restores precision later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import UsageError

_PRIME = np.uint64(0x9E3779B185EBCA87)


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
    probability of proposing a pair at ``threshold`` reaches ``min_recall``."""
    from datasketch.lsh import _optimal_param  # imports scipy: only when parameters are chosen

    if not 0.0 < threshold < 1.0:
        raise UsageError(f"LSH threshold must be between 0 and 1, got {threshold}")
    for fn_weight in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
        bands, rows = _optimal_param(threshold, num_perm, 1.0 - fn_weight, fn_weight)
        config = LSHConfig(threshold, bands, rows, min_recall)
        if config.candidate_probability(threshold) >= min_recall:
            return config
    return LSHConfig(threshold, num_perm, 1, min_recall)


def band_keys(signatures: np.ndarray, config: LSHConfig) -> np.ndarray:
    """uint64 keys ``[bands, texts]``: band ``j`` of text ``i`` hashed to one value."""
    n = signatures.shape[0]
    keys = np.empty((config.bands, n), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(config.bands):
            h = np.full(n, band + 1, dtype=np.uint64)
            for col in range(band * config.rows, (band + 1) * config.rows):
                h = h * _PRIME + signatures[:, col].astype(np.uint64)
            h ^= h >> np.uint64(29)
            keys[band] = h * _PRIME
    return keys
