"""Invented tweets and documents for tests that must run anywhere (no ../shared needed)."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = (
    "river mountain signal harbor lantern meadow quartz violet thunder pepper orbit canyon marble "
    "falcon willow ember glacier prism cobalt saffron tundra beacon velvet comet juniper oasis "
    "granite pixel lagoon nectar summit cipher meadowlark tidal amber fjord gazette kestrel"
).split()
FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt".split()


def tweets(n: int, seed: int = 0) -> list[dict]:
    """``n`` distinct invented tweets of 10-24 words with 19-digit string ids."""
    rng = random.Random(seed)
    return [
        {
            "id": str(1_400_000_000_000_000_000 + seed * 100_000 + i),
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 24))),
        }
        for i in range(n)
    ]


def document(rng: random.Random, words: int) -> str:
    """Invented filler prose."""
    return " ".join(rng.choice(FILLER) for _ in range(words))


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSON lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def planted_training_set(
    items: list[dict], n_docs: int = 30, seed: int = 1
) -> tuple[list[dict], set[tuple[int, str]]]:
    """Documents with every third one embedding an item; returns the docs and (row, item id) truth."""
    rng = random.Random(seed)
    docs, truth = [], set()
    for i in range(n_docs):
        body = document(rng, rng.randint(300, 900))
        if i % 3 == 0:
            item = items[i]
            cut = len(body) // 2
            cut = body.index(" ", cut)
            body = f"{body[:cut]} {item['text']} {body[cut:]}"
            truth.add((i, item["id"]))
        docs.append({"id": f"doc-{i}", "text": body})
    return docs, truth
