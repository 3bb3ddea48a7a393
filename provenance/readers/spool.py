"""Pipes and FIFOs as inputs (``<(zcat x.gz)``): read once into a private temporary file, hashed as read."""

from __future__ import annotations

import atexit
import hashlib
import os
import select
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import InputError

PIPE_WAIT_SECONDS = 120.0
"""How long a pipe or FIFO may stay silent (no byte, no writer closing it) before it is refused:
a FIFO nobody writes to would otherwise hang the command."""
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SpooledInput:
    """A pipe or FIFO as read: where its bytes now are, and what the manifest records of it."""

    given: str
    """The path as given (``/dev/fd/63``), which the manifest records."""
    path: Path
    """The temporary copy that the readers read (removed when the process exits)."""
    sha256: str
    bytes: int


_SPOOLED: dict[Path, SpooledInput] = {}
_DIRECTORIES: list[tuple[int, Path]] = []


def spooled(path: Path) -> SpooledInput | None:
    """The pipe whose temporary copy is ``path``, else ``None``."""
    return _SPOOLED.get(path)


def spool(path: Path, given: str, wait: float | None = None) -> SpooledInput:
    """Copy the pipe or FIFO ``path`` (named ``given``) to a temporary file, once, hashing it.

    The FIFO is opened without blocking, so one that no process writes to does not hang: it is
    refused (``InputError``) after ``wait`` seconds (``PIPE_WAIT_SECONDS``) without a byte or an
    end. The copy lies in a private folder of ``$TMPDIR``, removed when this process exits.
    """
    wait = PIPE_WAIT_SECONDS if wait is None else wait
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise InputError(f"cannot open the pipe: {err.strerror}", source=given) from err
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        if not poller.poll(int(wait * 1000)):
            raise InputError(
                f"a pipe or FIFO that nothing was written to in {wait:g} s (is its writer running?); "
                "start the writer first, or write the data to a file",
                source=given,
            )
        os.set_blocking(fd, True)
        return _copy(fd, given)
    finally:
        os.close(fd)


def _copy(fd: int, given: str) -> SpooledInput:
    directory = Path(tempfile.mkdtemp(prefix="provenance-pipe-"))
    if not _DIRECTORIES:
        atexit.register(_remove_copies)
    _DIRECTORIES.append((os.getpid(), directory))
    target = directory / (Path(given).name or "pipe")
    digest, size = hashlib.sha256(), 0
    try:
        with target.open("wb") as out:
            while chunk := os.read(fd, _CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    except OSError as err:
        raise InputError(f"cannot copy the pipe to {target}: {err.strerror or err}", source=given) from err
    copy = SpooledInput(given, target, digest.hexdigest(), size)
    _SPOOLED[target] = copy
    return copy


def _remove_copies() -> None:
    """Remove the copies this process made (not a forked child's exit: it shares them)."""
    for pid, directory in _DIRECTORIES:
        if pid == os.getpid():
            shutil.rmtree(directory, ignore_errors=True)
