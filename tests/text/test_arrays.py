"""Sort-based helpers equal numpy's own results."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.text.arrays import stable_argsort, unique_values


@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000, 200_000])
def test_stable_argsort_equals_numpy_stable_argsort(n: int) -> None:
    rng = np.random.default_rng(n)
    keys = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    if n > 10:
        keys[rng.integers(0, n, n // 3)] = keys[rng.integers(0, n, n // 3)]  # ties keep their order
        low = rng.integers(0, 1 << 30, n // 10).astype(np.uint64)
        keys[: n // 10] = (np.uint64(7) << np.uint64(50)) | low  # equal high bits, different keys
    assert np.array_equal(stable_argsort(keys), np.argsort(keys, kind="stable"))


def test_unique_values() -> None:
    values = np.array([5, 3, 5, 2**64 - 1, 3, 3], dtype=np.uint64)
    assert unique_values(values).tolist() == [3, 5, 2**64 - 1]
