"""Crash-point hook for the kill tests of atomic index writes.

Writers call ``checkpoint(name)`` between steps. When the environment variable
``PROVENANCE_KILL_AT`` is set to ``N``, the process kills itself (SIGKILL, no clean-up) at the N-th
checkpoint, which lets tests interrupt a build, add or compact at every step. Unset, it costs a
dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

_ENV = "PROVENANCE_KILL_AT"
_count = 0
_lock = threading.Lock()  # writers run some steps in threads


def checkpoint(name: str) -> None:
    """Count this step; die here if it is the step the kill test asked for."""
    global _count
    target = os.environ.get(_ENV)
    if target is None:
        return
    with _lock:
        _count += 1
        if os.environ.get("PROVENANCE_KILL_TRACE"):
            print(f"checkpoint {_count}: {name}", flush=True)
        if _count == int(target):
            os.kill(os.getpid(), signal.SIGKILL)
