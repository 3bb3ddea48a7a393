"""Killing a build, add or compact at any step leaves the previous index intact and readable.

Each write step calls ``provenance.atomic.checkpoint``; with ``PROVENANCE_KILL_AT=N`` the child
process SIGKILLs itself at step N. After every kill the index must open with all checksums verified
and hold exactly the previous state or exactly the new one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic import tweets, write_jsonl

from provenance.index import CorpusInfo, Index, add_to_index, build_index

WORKER = Path(__file__).parents[1] / "kill_worker.py"
OPERATIONS = ("build", "add", "compact")
# Every step is killed in the slow suite; every other step in the default one.
DEFAULT_STRIDE = 2
MAX_STEPS = 40


def run_worker(
    operation: str, index: Path, corpus: Path, kill_at: int | None, trace: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_KILL")}
    if kill_at is not None:
        env["PROVENANCE_KILL_AT"] = str(kill_at)
    if trace:
        env["PROVENANCE_KILL_TRACE"] = "1"
    return subprocess.run(
        [sys.executable, str(WORKER), operation, str(index), str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def state(index: Path) -> tuple:
    opened = Index.open(index, verify_checksums=True)
    return (
        tuple(c["name"] for c in opened.manifest["corpora"]),
        tuple(opened.items(["id"]).column("id").to_pylist()),
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Indexes of one and two segments, each operation's step count and its completed state."""
    root = tmp_path_factory.mktemp("kill")
    first = write_jsonl(root / "first.jsonl", tweets(100, seed=1))
    second = write_jsonl(root / "second.jsonl", tweets(150, seed=2))
    one_segment = root / "one.idx"
    build_index([first], one_segment, CorpusInfo("first", "MIT"))
    two_segments = root / "two.idx"
    shutil.copytree(one_segment, two_segments)
    add_to_index([second], two_segments, CorpusInfo("second", "MIT"))
    info: dict = {
        "second": second,
        "sources": {"build": one_segment, "add": one_segment, "compact": two_segments},
    }
    info["steps"], info["after"] = {}, {}
    for operation in OPERATIONS:
        done_dir = root / f"done-{operation}"
        shutil.copytree(info["sources"][operation], done_dir)
        traced = run_worker(operation, done_dir, second, MAX_STEPS * 10, trace=True)
        assert traced.returncode == 0, traced.stderr
        info["steps"][operation] = traced.stdout.count("checkpoint ")
        info["after"][operation] = state(done_dir)
    return info


def check_kill(base: dict, operation: str, kill_at: int, tmp_path: Path) -> None:
    index = tmp_path / f"{operation}-{kill_at}"
    shutil.copytree(base["sources"][operation], index)
    before = state(index)
    code = run_worker(operation, index, base["second"], kill_at).returncode
    assert code == -9, f"the kill at step {kill_at} did not happen (exit {code})"
    assert state(index) in (before, base["after"][operation]), f"{operation} killed at step {kill_at}"
    rerun = run_worker(operation, index, base["second"], None)
    assert rerun.returncode == 0 or "already has a corpus" in rerun.stderr, rerun.stderr
    assert state(index) == base["after"][operation]
    shutil.rmtree(index)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_kill_leaves_a_readable_index(base: dict, operation: str, tmp_path: Path) -> None:
    for kill_at in range(1, base["steps"][operation] + 1, DEFAULT_STRIDE):
        check_kill(base, operation, kill_at, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("operation", OPERATIONS)
def test_kill_at_the_other_steps(base: dict, operation: str, tmp_path: Path) -> None:
    for kill_at in range(2, base["steps"][operation] + 1, DEFAULT_STRIDE):
        check_kill(base, operation, kill_at, tmp_path)


def test_enough_kill_points(base: dict) -> None:
    """Build, add and compact together offer 20+ kill points, and the default suite kills half."""
    assert sum(base["steps"].values()) >= 20, base["steps"]
    assert all(steps <= MAX_STEPS for steps in base["steps"].values())
