"""Crash-safe file writes, and the crash points that the kill tests interrupt them at.

A write goes beside the target, is fsynced, renamed over it, and the directory fsynced. Writers call
``checkpoint(name)`` between steps. When the environment variable ``PROVENANCE_KILL_AT`` is set to
``N``, the process kills itself (SIGKILL, no clean-up) at the N-th checkpoint, which lets tests
interrupt a build, add or compact at every step. Unset, it costs a dictionary lookup.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

_BLOCK = 1 << 20
_KILL_ENV = "PROVENANCE_KILL_AT"
_count = 0
_lock = threading.Lock()  # writers run some steps in threads


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(target: Path) -> Path:
    """A unique temporary sibling of ``target`` (same directory, so the rename is atomic)."""
    return target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:12]}")


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` so that readers see either the old or the new content."""
    tmp = temp_name(target)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is fsynced and renamed over ``target``."""
    tmp = temp_name(target)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def checkpoint(name: str) -> None:
    """Count this step; die here if it is the step the kill test asked for."""
    global _count
    target = os.environ.get(_KILL_ENV)
    if target is None:
        return
    with _lock:
        _count += 1
        if os.environ.get("PROVENANCE_KILL_TRACE"):
            print(f"checkpoint {_count}: {name}", flush=True)
        if _count == int(target):
            os.kill(os.getpid(), signal.SIGKILL)
