"""Ctrl-C during a scan: exit 130, no traceback, and ``--out`` left absent or as it was.

The scan runs as a user's would (its own process group, workers forked); Ctrl-C in a terminal
signals the whole group, ``kill -INT`` the command alone. Both are tried, at several points of a
scan that takes about two seconds (start-up, index and kernels loading, records streaming).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupting import REPO_ROOT, interrupted
from synthetic import document, tweets, write_jsonl

from provenance.cli import interrupts
from provenance.index import CorpusInfo, IndexParams, build_index
from provenance.scanner.pipeline import scan

DOCUMENTS = 20_000
"""Training records: about 55 MB, scanned in about two seconds with two jobs."""
EVIDENCE = ("manifest.json", "matches.parquet", "items.parquet", "report.html")

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals and process groups")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An index of 300 tweets, a training set that embeds some, and the evidence of an earlier scan."""
    root = tmp_path_factory.mktemp("interrupt")
    items = tweets(300, seed=5)
    index = root / "idx"
    params = IndexParams(lsh_bands_rows=(26, 3))  # no LSH optimiser run
    build_index([write_jsonl(root / "corpus.jsonl", items)], index, CorpusInfo("c", "MIT"), params=params)
    rng = random.Random(9)
    bodies = [document(rng, 400) for _ in range(50)]
    training = root / "train.jsonl"
    with open(training, "w", encoding="utf-8") as fh:
        for i in range(DOCUMENTS):
            body = bodies[i % len(bodies)]
            if i % 97 == 0:
                body = f"{body} {items[i % len(items)]['text']}"
            fh.write(json.dumps({"id": f"d{i}", "text": body}) + "\n")
    previous = root / "previous"
    small = write_jsonl(root / "small.jsonl", [{"id": "s", "text": f"{items[0]['text']} and more"}])
    scan([small], index, previous, jobs=1)
    return {"root": root, "index": index, "training": training, "previous": previous}


def _snapshot(out: Path) -> dict[str, bytes] | None:
    if not out.exists():
        return None
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    ("delay", "whole_group", "over_previous"),
    [(0.05, True, False), (0.35, True, True), (0.7, False, True), (1.0, True, False)],
    ids=["start-up", "loading", "streaming-command-only", "streaming"],
)
def test_ctrl_c_exits_130_and_leaves_the_old_evidence(
    world: dict[str, Path], tmp_path: Path, delay: float, whole_group: bool, over_previous: bool
) -> None:
    out = tmp_path / "out"
    if over_previous:
        shutil.copytree(world["previous"], out)
    before = _snapshot(out)
    command = ["scan", world["training"], "--index", world["index"], "--out", out, "--jobs", "2"]
    returncode, err = interrupted(command, delay, whole_group=whole_group)
    assert returncode == 130, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.strip().endswith("interrupted"), err
    assert _snapshot(out) == before, "--out changed: it must stay absent, or hold the previous evidence"
    if over_previous:
        assert set(EVIDENCE) <= set(before or {})


def _python(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_an_interrupt_swallowed_by_the_code_still_ends_the_command() -> None:
    """Code that swallows the ``KeyboardInterrupt`` (a library's broad except, an import lock left
    held) cannot keep the command running: the watchdog ends it with 130."""
    started = time.monotonic()
    result = _python(
        "import signal, time\n"
        "from provenance.cli import interrupts\n"
        "interrupts.GRACE_SECONDS = 0.3\n"
        "with interrupts.interrupt_handling():\n"
        "    try:\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "    except BaseException:\n"
        "        pass\n"
        "    time.sleep(20)\n"
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == "interrupted"
    assert time.monotonic() - started < 15


def test_an_interrupt_lost_in_a_finalizer_is_raised_again() -> None:
    """Ctrl-C that lands in a finalizer or an at-fork hook (Python only reports what those raise)
    is raised again where the command can unwind, and nothing is printed about it."""
    result = _python(
        "import signal, time\n"
        "from provenance.cli import interrupts\n"
        "class Finalized:\n"
        "    def __del__(self):\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "        for _ in range(1000): pass\n"
        "with interrupts.interrupt_handling(exit_when_interrupted=False):\n"
        "    try:\n"
        "        Finalized()\n"
        "        time.sleep(5)\n"
        "        print('not raised again')\n"
        "    except KeyboardInterrupt:\n"
        "        print('raised again')\n"
    )
    assert result.stdout.strip() == "raised again", result.stdout + result.stderr
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr


def test_a_second_ctrl_c_ends_the_command_at_once() -> None:
    started = time.monotonic()
    result = _python(
        "import signal, time\n"
        "from provenance.cli import interrupts\n"
        "with interrupts.interrupt_handling():\n"
        "    try:\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "    except KeyboardInterrupt:\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "        time.sleep(20)\n"
    )
    assert result.returncode == 130 and result.stderr.strip() == "interrupted"
    assert time.monotonic() - started < interrupts.GRACE_SECONDS + 2
