"""The planted accuracy benchmark (bench/accuracy.py), at a small scale and (slow) at full size."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import accuracy  # noqa: E402
from accuracy_plant import copy_share, edit_truncate, embed, longest_run, partial_copy  # noqa: E402

pytestmark = pytest.mark.shared_data


def _run(tmp_path: Path, *extra: str) -> dict:
    args = accuracy.parse_args(
        ["--work", str(tmp_path / "work"), "--out", str(tmp_path / "acc.json"), "--no-baseline", *extra]
    )
    results, _met = accuracy.run(args)
    return results["settings"]["default"]


def test_longest_run_and_copy_share() -> None:
    item = "a b c d e f g h i j".split()
    assert longest_run(item, "x a b c y f g h i j z".split()) == 5
    assert copy_share(item, "x y z".split()) == 0.0
    assert copy_share(item, item) == 1.0


def test_planting_helpers_keep_the_tweet() -> None:
    import random

    rng = random.Random(1)
    tweet = "Great meeting with the team today in New York, lots of work ahead of us"
    doc = "First sentence here. Second sentence is here. Third one ends it. And a fourth one."
    assert tweet in embed(doc, tweet, rng)
    cut = edit_truncate(tweet, rng)
    assert cut is not None and cut.endswith("…") and tweet.startswith(cut[:-1])
    part = partial_copy(tweet, rng)
    assert part is not None and part in tweet and 0.6 <= len(part.split()) / len(tweet.split()) < 1


def test_small_benchmark(shared_real: Path, tmp_path: Path) -> None:
    """200 items, 50 copies per group: precision and verbatim recall stay high."""
    result = _run(
        tmp_path,
        "--items",
        "200",
        "--per-group",
        "50",
        "--negatives",
        "30",
        "--bbc-docs",
        "40",
        "--web-docs",
        "60",
        "--pool-per-source",
        "3000",
        "--jobs",
        "1",
    )
    rows = result["rows"]
    assert rows["overall"]["precision"] >= 0.95
    assert rows["verbatim/standalone"]["recall"] >= 0.95
    assert rows["verbatim/embedded"]["recall"] >= 0.95
    assert (tmp_path / "acc.json").exists() is False  # run() does not write; main() does


@pytest.mark.slow
def test_full_benchmark(shared_real: Path, tmp_path: Path) -> None:
    """Full size at default settings: the recall targets per kind, and a precision floor."""
    result = _run(tmp_path)
    targets = result["targets"]
    for name in (
        "recall verbatim/standalone",
        "recall verbatim/embedded",
        "recall edited/standalone",
        "recall edited/embedded",
        "recall partial/standalone",
        "recall partial/embedded",
    ):
        assert targets[name]["met"], (name, targets[name])
    assert result["rows"]["overall"]["precision"] >= 0.98
