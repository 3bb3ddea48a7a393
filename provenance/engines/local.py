"""The local engine: the index build's and the scan's work in forked processes, results in input order.

Workers are forked, so they inherit what the parent prepared (an open index, loaded kernels)
copy-on-write instead of each building it again; only the work items and the results cross
process boundaries. Results come back in input order whatever the number of workers, which keeps
every output identical for any ``--jobs``.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

_PR_SET_PDEATHSIG = 1
_END = object()
Item = TypeVar("Item")
Result = TypeVar("Result")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while records stream through, and while their evidence
    is written (restored on exit).

    Records, batches, results and evidence rows hold no reference cycles, so reference counting
    frees them; the collector would only rescan the batches in flight, again and again (about a
    third of the time it takes to read a JSON Lines corpus), and then every row held. Workers
    forked meanwhile inherit the pause.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def default_jobs() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when its parent ends, even by SIGKILL (a crashed or
    killed build must not leave workers behind holding its pipes open)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: watch the parent instead
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent ended before the signal was armed
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def map_in_order(
    function: Callable[[Item], Result], items: Iterable[Item], jobs: int, *, window: int = 3
) -> Iterator[Result]:
    """``function(item)`` for every item, in order: in this process when ``jobs`` is 1 or there is
    a single item, else in ``jobs`` forked workers with at most ``window * jobs`` items in flight
    (bounded memory)."""
    items = iter(items)
    first = next(items, _END)
    second = next(items, _END) if first is not _END else _END
    if jobs <= 1 or second is _END:
        heads = [item for item in (first, second) if item is not _END]
        yield from map(function, itertools.chain(heads, items))
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, context, _die_with_parent, (os.getpid(),)) as pool:
        pending: deque[Future[Result]] = deque()
        for item in itertools.chain((first, second), items):
            pending.append(pool.submit(function, item))
            if len(pending) >= window * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class LocalEngine:
    """The default engine (``engines.interface.Engine``): ``jobs`` forked workers on this machine."""

    def __init__(self, jobs: int) -> None:
        self._jobs = max(1, int(jobs))

    @property
    def jobs(self) -> int:
        return self._jobs

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``map_in_order(function, items, self.jobs)``."""
        return map_in_order(function, items, self._jobs)


class ForkedCall(Generic[Result]):
    """``function(*args)`` computed in a forked process while this one goes on; ``result()``
    returns it or raises what it raised.

    For work that would otherwise run in a thread across the fork of the scan's workers (a child
    forked while another thread holds a lock can deadlock): the SHA-256 of the inputs and the
    index runs on the core this process leaves idle while it starts up. Where no process can be
    forked (no fork on the platform, no memory under strict overcommit, no process left, or this
    process is a daemonic worker, which multiprocessing forbids to have children), ``result()``
    computes it here.
    Use as a context manager: leaving it ends the process if its result was never asked for.
    """

    def __init__(self, function: Callable[..., Result], *args: object) -> None:
        self._call = (function, args)
        self._process: multiprocessing.process.BaseProcess | None = None
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # a platform without fork
            return
        self._results, sending = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_call_and_send, args=(sending, os.getpid(), function, args), daemon=True
        )
        try:
            self._process.start()
        except (OSError, AssertionError):  # AssertionError: this is a daemonic process's child
            self._process = None
            self._results.close()
        sending.close()

    def result(self) -> Result:
        if self._process is None:
            function, args = self._call
            return function(*args)
        try:
            succeeded, value = self._results.recv()
        except EOFError:
            self._end(stop=False)
            raise RuntimeError(
                f"a background process ended without a result (exit code {self._process.exitcode})"
            ) from None
        self._end(stop=False)
        if succeeded:
            return value
        raise value

    def _end(self, *, stop: bool) -> None:
        assert self._process is not None
        if stop and self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._results.close()

    def __enter__(self) -> ForkedCall[Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and not self._results.closed:
            self._end(stop=True)


def _call_and_send(sending: Connection, parent: int, function: Callable, args: tuple) -> None:
    """``ForkedCall``'s process: send ``(True, result)`` or ``(False, exception)``."""
    _die_with_parent(parent)
    try:
        outcome = (True, function(*args))
    except BaseException as error:  # noqa: BLE001 - the parent raises it
        outcome = (False, error)
    try:
        sending.send(outcome)
    except Exception as error:  # noqa: BLE001 - e.g. an exception that does not pickle
        sending.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({error})")))
    finally:
        sending.close()
