"""Run ``provenance`` as a user's terminal would and press Ctrl-C: for the interrupt tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from provenance.cli import interrupts

REPO_ROOT = Path(__file__).resolve().parents[1]


def interrupted(
    args: list, delay: float, *, whole_group: bool = True, cwd: Path | None = None
) -> tuple[int, str]:
    """``python -m provenance ARGS`` in its own process group, sent SIGINT after ``delay`` seconds
    (the whole group, as a terminal's Ctrl-C, or the command alone, as ``kill -INT``); its exit code
    and stderr. The command must still be running when the signal comes."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "provenance", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    time.sleep(delay)
    assert process.poll() is None, "the command ended before it could be interrupted"
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGINT)
    try:
        _, err = process.communicate(timeout=interrupts.GRACE_SECONDS + 20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, err
