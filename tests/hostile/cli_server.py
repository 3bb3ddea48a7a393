"""A warm ``provenance`` command line for the hostile-input suite: each command a fresh process.

``python tests/hostile/cli_server.py`` imports the library once (and, with ``--warm DIR``, runs one
small index build, scan, verify and check in-process, so that numba's kernels and matplotlib are
loaded), then reads one JSON request a line on stdin::

    {"argv": ["check", ...], "cwd": "...", "stdout": "...", "stderr": "...", "timeout": 60,
     "stdin": "file to feed through a pipe (optional)"}

For each it forks a child that redirects its standard streams to the files named, calls
``provenance.cli.main()`` with ``argv`` (the entry point of ``python -m provenance``) and exits with
its exit code; an exception that escapes ``main`` prints its traceback and exits 1, as the
interpreter would. Its standard input is ``/dev/null``, or a pipe the server feeds with the file
``stdin`` names. The server answers one JSON line:
``{"code": N, "timed_out": false, "seconds": s, "max_rss_kb": k}`` (``code`` is ``-signal`` for a
child a signal ended; a child past its ``timeout`` is killed with its process group; ``max_rss_kb``
is the child's peak resident memory).

What is shared with ``python -m provenance INPUT ...`` is only what a fresh interpreter would have
built the same way: imported modules and loaded kernels. A few cases of the suite run through
``python -m provenance`` itself to keep the two in step.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # what the interpreter does with SystemExit("message")
    return 1


def _child(request: dict, stdin: int) -> None:
    """Run one command in this (forked) process and end it; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        os.chdir(request["cwd"])
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        for fd, target in ((stdin, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.update(request.get("env") or {})
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = ["provenance", *request["argv"]]
        from provenance.cli import main

        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = _exit_code(exit_.code)
        except BaseException:  # noqa: BLE001 - what the interpreter would print for an uncaught exception
            traceback.print_exc()
            code = 1
    finally:
        _flush(sys.stdout, sys.stderr)
        os._exit(code)


def _flush(*streams: object) -> None:
    """Flush what the command printed; the process ends right after, whatever happens here."""
    for stream in streams:
        with contextlib.suppress(Exception):
            stream.flush()


def _wait(pid: int, timeout: float) -> tuple[int, bool, int]:
    """The child's exit code, whether it ran past ``timeout`` (and was killed), its peak RSS (KiB)."""
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), timed_out, usage.ru_maxrss
        if not timed_out and time.monotonic() > deadline:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        time.sleep(0.005)


def _feed(path: str, fd: int) -> None:
    """Write the file at ``path`` into the pipe ``fd`` and close it (a reader that stops early ends it)."""
    with contextlib.suppress(OSError), open(fd, "wb") as pipe, open(path, "rb") as source:
        shutil.copyfileobj(source, pipe)


def _warm_up(root: Path) -> None:
    """Load what a command loads (kernels, report writer) with one small build, scan and check."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from synthetic import document, tweets, write_jsonl

    from provenance import scan
    from provenance.api import CorpusInfo, Policy, build_index, check_scan, verify_scan

    items = tweets(5, seed=99)
    lic = write_jsonl(root / "warm.jsonl", items)
    build_index([lic], root / "idx", CorpusInfo("warm", "LicenseRef-Warm"), jobs=1)
    import random

    rng = random.Random(0)
    train = write_jsonl(
        root / "train.jsonl", [{"id": "a", "text": document(rng, 80) + " " + items[0]["text"]}]
    )
    scan([train], root / "idx", root / "out", jobs=1)
    verify_scan(root / "out")
    check_scan(Policy.from_toml('[policy]\ndeny = ["LicenseRef-Warm"]\n', source="warm.toml"), root / "out")


def serve(warm: bool) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import provenance.cli.root  # noqa: F401 - the command tree and its consoles
    import provenance.index.build  # noqa: F401
    import provenance.scanner.pipeline  # noqa: F401

    if warm:
        with tempfile.TemporaryDirectory(prefix="provenance-cli-server-") as tmp:
            _warm_up(Path(tmp))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        started = time.monotonic()
        feed = None
        if request.get("stdin"):
            stdin, feed = os.pipe()
        else:
            stdin = os.open(os.devnull, os.O_RDONLY)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            if feed is not None:
                os.close(feed)
            _child(request, stdin)
        os.close(stdin)
        feeder = None
        if feed is not None:
            feeder = threading.Thread(target=_feed, args=(request["stdin"], feed), daemon=True)
            feeder.start()
        code, timed_out, rss = _wait(pid, float(request.get("timeout", 120)))
        if feeder is not None:
            feeder.join(timeout=5)
        reply = {
            "code": code,
            "timed_out": timed_out,
            "seconds": round(time.monotonic() - started, 3),
            "max_rss_kb": rss,
        }
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    serve(warm="--warm" in sys.argv[1:])
