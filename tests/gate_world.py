"""A small licensed world for the ``provenance check`` tests: two corpora, a release with copies."""

from __future__ import annotations

import random
from pathlib import Path

from synthetic import document, tweets, write_jsonl

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


def write_policy(path: Path, body: str) -> Path:
    """Write a policy file and return its path."""
    path.write_text(body, encoding="utf-8")
    return path
