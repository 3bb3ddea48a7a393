"""Exact verification: the measures are set arithmetic on shingle strings, whatever form they take."""

from __future__ import annotations

import random

import pytest

from provenance.normalize import tokenize
from provenance.shingles import shingle_strings
from provenance.verify import analyse, compare

WORDS = ["the", "a", "of", "x", "y", "z", "東", "京", "straße", "über", "rt", "1", "2"]


def _pairs(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pairs = []
    for _ in range(count):
        item = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14)))
        words = item.split()
        kept = [w for w in words if rng.random() > 0.15]  # an edited copy
        doc = " ".join(
            [rng.choice(WORDS) for _ in range(rng.randint(0, 40))]
            + (kept if rng.random() < 0.8 else [])
            + [rng.choice(WORDS) for _ in range(rng.randint(0, 40))]
        )
        pairs.append((item, doc))
    return pairs


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_measures_equal_set_arithmetic_on_shingle_strings(n: int) -> None:
    compared = 0
    for item_text, doc_text in _pairs(random.Random(n), 600):
        item_shingles = set(shingle_strings(tokenize(item_text), n))
        doc_shingles = set(shingle_strings(tokenize(doc_text), n))
        shared = item_shingles & doc_shingles
        evidence = compare(analyse(item_text, n), analyse(doc_text, n), n)
        if not shared:
            assert evidence is None
            continue
        compared += 1
        assert evidence is not None
        assert (evidence.shared_shingles, evidence.item_shingles, evidence.doc_shingles) == (
            len(shared),
            len(item_shingles),
            len(doc_shingles),
        )
        assert evidence.jaccard == len(shared) / len(item_shingles | doc_shingles)
        assert evidence.containment == len(shared) / len(item_shingles)
        a0, a1 = evidence.item_tokens
        b0, b1 = evidence.doc_tokens
        assert 0 <= a0 < a1 <= len(tokenize(item_text)) and 0 <= b0 < b1 <= len(tokenize(doc_text))
    assert compared > 150


def test_a_text_shorter_than_a_shingle_is_one_shingle() -> None:
    short, long = analyse("two words", 3), analyse("intro two words outro", 3)
    assert short.shingles == ["two words"]
    assert analyse("", 3).shingles == []
    assert compare(short, analyse("two words", 3), 3).jaccard == 1.0
    assert compare(short, long, 3) is None  # "two words" is not one of the long text's 3-shingles
