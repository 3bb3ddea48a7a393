"""Compiled loop (numba) of the JSON Lines block reader: find the line of each object.

Import this module lazily: importing numba costs ~0.3 s. Kernels are module-level functions with
``cache=True``, so numba compiles each once per machine and loads it from its on-disk cache afterwards.
"""

from __future__ import annotations

from numba import njit

# --- reading (see provenance/readers/fastjsonl.py) ------------------------------------------------


@njit(cache=True, nogil=True)
def object_lines(data, end, longest):  # numba-typed arguments
    """How many lines ``data[:end]`` holds when each starts with ``{``, ends with ``}`` and is at
    most ``longest`` bytes long, else -1 (``end`` > 0, ``data[end - 1]`` not a newline). One pass;
    the newline test is rarely true, so the loop runs at memory speed."""
    if data[0] != 0x7B or data[end - 1] != 0x7D:
        return -1
    lines = 1
    start = 0
    for p in range(end):
        if data[p] == 0x0A:
            if p == 0 or data[p - 1] != 0x7D or data[p + 1] != 0x7B or p - start > longest:
                return -1
            start = p + 1
            lines += 1
    if end - start > longest:
        return -1
    return lines
