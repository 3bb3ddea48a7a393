"""Ctrl-C: whatever the command is doing when it comes, the process ends with exit code 130, no traceback.

Standard library only, so that ``main`` installs the handler before typer, rich or the library are
imported. A ``KeyboardInterrupt`` raised at an arbitrary point cannot always unwind: raised inside a
numba kernel it surfaces as a ``SystemError`` (found by walking the cause chain), inside a finalizer
or weakref callback it is swallowed ("Exception ignored in ..."), and one swallowed inside the import
system can leave the import lock held, so that a helper thread importing pyarrow never returns. So
the handler also records the interrupt (any error that follows means 130), starts a watchdog that
ends the process after ``GRACE_SECONDS`` if unwinding has not, and a second Ctrl-C ends it at once.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

EXIT_INTERRUPTED = 130
GRACE_SECONDS = 3.0
"""Time the command has to unwind after Ctrl-C (cleanups, workers joined) before the watchdog ends it."""
REDELIVER_SECONDS = 0.01
"""Delay before a swallowed ``KeyboardInterrupt`` is raised again (out of the code that swallowed it)."""
MESSAGE = "interrupted"


class _State:
    """The current command's interrupt state (one command per process, or per ``main`` in tests)."""

    def __init__(self) -> None:
        self.main_pid = 0
        self.main_thread = 0
        self.received = False
        self.reported = False
        self.redeliver = False
        self.generation = 0
        """Counts the commands run: a watchdog ends only the command that started it."""


STATE = _State()


def was_interrupted(err: BaseException | None = None) -> bool:
    """Whether Ctrl-C reached this command (while ``interrupt_handling`` is active), or ``err`` is,
    was caused by or arose while handling a ``KeyboardInterrupt`` (Ctrl-C inside a numba kernel
    surfaces as ``SystemError: CPUDispatcher(...) returned a result with an exception set`` with
    the ``KeyboardInterrupt`` as its cause; a worker it ended, as the parent's ``BrokenProcessPool``)."""
    if STATE.received:
        return True
    seen: set[int] = set()
    pending: list[Any] = [err]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt):
            return True
        pending += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    return False


def say_interrupted() -> None:
    """Print ``interrupted`` on stderr once (a plain write: it may run while another thread holds
    ``sys.stderr``'s lock)."""
    if STATE.reported:
        return
    STATE.reported = True
    with suppress(OSError):
        os.write(2, (MESSAGE + "\n").encode())


def exit_interrupted() -> None:
    """End the process now with exit code 130: flush what was printed, say ``interrupted``, and skip
    the interpreter's shutdown (whose atexit hooks join threads and workers that may never end)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a closed or broken stream: nothing more to save
            stream.flush()
    say_interrupted()
    os._exit(EXIT_INTERRUPTED)


def _watchdog(seconds: float, generation: int) -> None:
    time.sleep(seconds)
    if STATE.generation == generation and STATE.main_pid == os.getpid():  # still that command
        say_interrupted()
        os._exit(EXIT_INTERRUPTED)


def _interrupt_main_soon(generation: int) -> None:
    time.sleep(REDELIVER_SECONDS)
    if STATE.redeliver and STATE.generation == generation and STATE.main_pid == os.getpid():
        # A signal to the main thread itself, which wakes it from a wait (``interrupt_main`` would not).
        signal.pthread_kill(STATE.main_thread, signal.SIGINT)


def _on_sigint(signum: int, frame: object) -> None:
    if os.getpid() != STATE.main_pid:
        # A forked worker (Ctrl-C reaches the whole process group): end without a traceback; the
        # command reports the interrupt once, with its exit code.
        os._exit(EXIT_INTERRUPTED)
    if STATE.received:
        if STATE.redeliver:  # the first one, swallowed (see ``_unraisable``), raised again
            STATE.redeliver = False
            raise KeyboardInterrupt
        say_interrupted()  # the second Ctrl-C: do not wait for the unwinding
        os._exit(EXIT_INTERRUPTED)
    STATE.received = True
    # ``_thread``, not ``threading``: this may run while the interrupted code holds threading's locks.
    _thread.start_new_thread(_watchdog, (GRACE_SECONDS, STATE.generation))
    raise KeyboardInterrupt


def _unraisable(previous: Any) -> Any:
    """A ``KeyboardInterrupt`` raised in code whose exceptions Python only reports ("Exception ignored
    in ...": an at-fork hook, a finalizer, a weakref callback) is raised again in the main thread;
    after Ctrl-C nothing of the kind is printed."""

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and os.getpid() == STATE.main_pid:
            STATE.redeliver = True
            # Not from here: the hook's caller would swallow it too.
            _thread.start_new_thread(_interrupt_main_soon, (STATE.generation,))
            return
        if STATE.received:
            return
        previous(unraisable)

    return hook


@contextmanager
def interrupt_handling(*, exit_when_interrupted: bool = True) -> Iterator[None]:
    """While the command runs, Ctrl-C raises ``KeyboardInterrupt`` as usual and is also recorded (so
    that any error it then causes exits 130) and watched; forked workers end quietly on it. On the
    way out the previous handlers are restored and, after a Ctrl-C, the process ends with 130
    (``exit_interrupted``) whatever the command raised or returned."""
    try:
        previous = signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:  # not the main thread: leave the handling as it is
        yield
        return
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable(previous_hook)
    STATE.main_pid, STATE.received, STATE.reported, STATE.redeliver = os.getpid(), False, False, False
    STATE.generation += 1
    STATE.main_thread = _thread.get_ident()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook
        received, STATE.main_pid, STATE.received = STATE.received, 0, False
        if received and exit_when_interrupted:
            exit_interrupted()
