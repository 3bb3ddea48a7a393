"""A small licensed world for the ``provenance check`` tests: two corpora, a release with copies."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from synthetic import document, tweets, write_jsonl

from provenance import scan
from provenance.index import CorpusInfo, add_to_index, build_index

PROPRIETARY = "LicenseRef-Proprietary"
OPEN = "CC-BY-4.0"
PROPRIETARY_ROWS = (1, 4, 7)
"""Release records (0-based) that embed a proprietary item (the item of the same number)."""
OPEN_ROWS = (2, 9)
"""Release records that embed a CC-BY item."""
RECORDS = 12


def build_world(root: Path) -> dict:
    """Index two corpora and write ``release/train.jsonl`` (12 records, 5 copies) under ``root``."""
    proprietary, open_ = tweets(20, seed=1), tweets(20, seed=2)
    index = root / "idx"
    build_index(
        [write_jsonl(root / "prop.jsonl", proprietary)], index, CorpusInfo("acme tweets", PROPRIETARY)
    )
    add_to_index([write_jsonl(root / "open.jsonl", open_)], index, CorpusInfo("open tweets", OPEN))
    rng = random.Random(3)
    docs = []
    for i in range(RECORDS):
        body = document(rng, 200)
        if i in PROPRIETARY_ROWS:
            body += f" {proprietary[i]['text']} {document(rng, 50)}"
        if i in OPEN_ROWS:
            body += f" {open_[i]['text']} {document(rng, 50)}"
        docs.append({"id": f"doc-{i}", "text": body})
    release = root / "release"
    release.mkdir()
    write_jsonl(release / "train.jsonl", docs)
    broken = root / "broken"
    broken.mkdir()
    write_jsonl(broken / "train.jsonl", docs[:3])
    with open(broken / "train.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    return {
        "root": root,
        "index": index,
        "release": release,
        "broken": broken,
        "proprietary": proprietary,
        "open": open_,
    }


def scan_world(world: dict) -> dict:
    """Scan the release into ``out`` (``result``: its ``ScanResult``), the broken release into
    ``broken_out``, and the release written as ``parquet/train.parquet`` into ``parquet_out``."""
    root = world["root"]
    world["out"] = root / "out"
    world["result"] = scan([world["release"]], world["index"], world["out"], jobs=1)
    world["broken_out"] = root / "broken_out"
    scan([world["broken"]], world["index"], world["broken_out"], jobs=1)
    lines = (world["release"] / "train.jsonl").read_text(encoding="utf-8").splitlines()
    world["parquet"] = root / "parquet" / "train.parquet"
    world["parquet"].parent.mkdir()
    pq.write_table(pa.Table.from_pylist([json.loads(line) for line in lines]), world["parquet"])
    world["parquet_out"] = root / "parquet_out"
    scan([world["parquet"]], world["index"], world["parquet_out"], jobs=1)
    return world


def write_policy(path: Path, body: str) -> Path:
    """Write a policy file and return its path."""
    path.write_text(body, encoding="utf-8")
    return path
