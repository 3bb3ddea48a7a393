"""XXH64 over many strings at once: a numba kernel over an Arrow string array's buffers.

The same function as ``xxhash.xxh64_intdigest`` (tested against it), run over every token of a
batch without a Python call per token.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from provenance.text.arrays import utf8_buffers


def xxh64_strings(strings: pa.Array, seed: int = 0) -> np.ndarray:
    """uint64 XXH64 of the UTF-8 bytes of every string of an Arrow string array (no nulls)."""
    strings = strings.cast(pa.large_string()) if strings.type != pa.large_string() else strings
    out = np.empty(len(strings), dtype=np.uint64)
    if len(strings) == 0:
        return out
    data, offsets = utf8_buffers(strings)
    from provenance.text.hash_kernels import xxh64_kernel

    xxh64_kernel(data, offsets, np.uint64(seed), out)
    return out
