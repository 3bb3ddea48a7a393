"""A small scanned world for the report tests: two corpora, planted copies and hostile texts."""

from __future__ import annotations

import json
import random
from pathlib import Path

from synthetic import document, tweets

from provenance import ReaderOptions, ScanResult, scan
from provenance.index import CorpusInfo, add_to_index, build_index

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_ITEM = f"breaking {SCRIPT} the harbor lantern glows over the violet meadow {IMG} tonight | `pipe`"
HOSTILE_RECORD_PREFIX = f"{IMG} page | header {SCRIPT} "
X_LICENSE = "LicenseRef-X-Developer-Agreement"
CC_LICENSE = "CC-BY-NC-4.0"


def _v1(rows: list[dict], seed: int) -> list[dict]:
    """Invented tweets as API v1.1 statuses (id, text, created_at, author)."""
    rng = random.Random(seed)
    return [
        {
            "id_str": row["id"],
            "text": row["text"],
            "created_at": f"Mon Jan {1 + rng.randrange(28):02d} 12:00:00 +0000 {2015 + i % 8}",
            "user": {"screen_name": f"author{i % 5}", "id_str": str(1000 + i % 5)},
        }
        for i, row in enumerate(rows)
    ]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def build_world(root: Path, copies: int = 12) -> dict:
    """Index two corpora (the first holds the hostile item), plant ``copies`` items, scan."""
    first = tweets(40, seed=3)
    first.append({"id": "hostile-1", "text": HOSTILE_ITEM})
    second = tweets(20, seed=4)
    v1 = ReaderOptions(format="twitter-v1")
    build_index(
        [_write(root / "a.jsonl", _v1(first, 1))],
        root / "idx",
        CorpusInfo("Archive <b>A</b>", X_LICENSE, owner="X Corp."),
        reader_options=v1,
    )
    add_to_index(
        [_write(root / "b.jsonl", _v1(second, 2))],
        root / "idx",
        CorpusInfo("Pull B", CC_LICENSE),
        reader_options=v1,
    )
    rng = random.Random(5)
    docs = [{"id": "hostile-doc", "text": HOSTILE_RECORD_PREFIX + document(rng, 60) + " " + HOSTILE_ITEM}]
    planted = first[:copies] + second[: copies // 2]
    for n, item in enumerate(planted):
        docs.append({"id": f"doc-{n}", "text": f"{document(rng, 80)} {item['text']} {document(rng, 40)}"})
    docs += [{"id": f"clean-{n}", "text": document(rng, 120)} for n in range(10)]
    shard_a = _write(root / "train-00.jsonl", docs[: len(docs) // 2])
    shard_b = _write(root / "train-01.jsonl", docs[len(docs) // 2 :])
    return {"root": root, "index": root / "idx", "shards": [shard_a, shard_b]}


def run_scan(world: dict, out: Path) -> ScanResult:
    """Scan the world's training shards into ``out``."""
    return scan(world["shards"], world["index"], out, jobs=1)
