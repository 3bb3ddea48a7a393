"""Ctrl-C during the other long stages: ``index build``, ``index add`` and ``check`` exit 130 with no
traceback, and leave the previous index (or none) and no half-written output."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from interrupting import interrupted
from synthetic import document, tweets, write_jsonl

from provenance.errors import IndexStoreError
from provenance.index import CorpusInfo, Index, IndexParams, build_index

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals and process groups")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small index, a corpus big enough to take a second or two to index, a training set."""
    root = tmp_path_factory.mktemp("interrupt-stages")
    items = tweets(200, seed=7)
    params = IndexParams(lsh_bands_rows=(26, 3))  # no LSH optimiser run
    build_index(
        [write_jsonl(root / "items.jsonl", items)], root / "idx", CorpusInfo("c", "MIT"), params=params
    )
    big = tweets(150_000, seed=8)
    write_jsonl(root / "big.jsonl", big)
    rng = random.Random(3)
    bodies = [document(rng, 400) for _ in range(40)]
    with open(root / "train.jsonl", "w", encoding="utf-8") as fh:
        for i in range(20_000):
            body = bodies[i % len(bodies)] + (f" {items[i % 200]['text']}" if i % 101 == 0 else "")
            fh.write(json.dumps({"id": f"d{i}", "text": body}) + "\n")
    (root / "policy.toml").write_text('[policy]\ndeny = ["MIT"]\n', encoding="utf-8")
    return {"root": root, "index": root / "idx", "big": root / "big.jsonl", "train": root / "train.jsonl"}


def _interrupted(args: list, delay: float, cwd: Path) -> str:
    """Ctrl-C ``provenance ARGS`` after ``delay``: it must exit 130 with no traceback; its stderr."""
    returncode, err = interrupted(args, delay, cwd=cwd)
    assert returncode == 130, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    return err


@pytest.mark.parametrize("delay", [0.4, 1.0])
def test_ctrl_c_during_index_build_leaves_no_index(
    world: dict[str, Path], tmp_path: Path, delay: float
) -> None:
    target = tmp_path / "new.idx"
    _interrupted(
        ["index", "build", world["big"], "--index", target, "--corpus", "b", "--license", "MIT"],
        delay,
        tmp_path,
    )
    with pytest.raises(IndexStoreError):  # absent, or a folder without a manifest: never half an index
        Index.open(target)


@pytest.mark.parametrize("delay", [0.4, 1.0])
def test_ctrl_c_during_index_add_leaves_the_previous_index(
    world: dict[str, Path], tmp_path: Path, delay: float
) -> None:
    import shutil

    index = tmp_path / "idx"
    shutil.copytree(world["index"], index)
    before = (index / "manifest.json").read_bytes()
    _interrupted(
        ["index", "add", world["big"], "--index", index, "--corpus", "b", "--license", "CC0-1.0"],
        delay,
        tmp_path,
    )
    assert (index / "manifest.json").read_bytes() == before
    assert Index.open(index).n_items == 200  # every file still matches its checksum


@pytest.mark.parametrize("delay", [0.5, 1.0])
def test_ctrl_c_during_check_writes_no_verdict(world: dict[str, Path], tmp_path: Path, delay: float) -> None:
    sarif, report = tmp_path / "r.sarif", tmp_path / "r.json"
    args = ["check", world["train"], "--index", world["index"], "--policy", world["root"] / "policy.toml"]
    _interrupted([*args, "--sarif", sarif, "--json", report, "--jobs", "2"], delay, tmp_path)
    assert not sarif.exists() and not report.exists()  # an interrupted gate reports nothing, not a pass
