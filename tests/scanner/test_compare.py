"""Exact verification: the measures are set arithmetic on shingle strings, whatever form they take."""

from __future__ import annotations

import random

import numpy as np
import pytest

from provenance.scanner.compare import HashedText, analyse, compare, compare_hashed
from provenance.text.normalize import tokenize
from provenance.text.shingles import ShingleConfig, shingle_batch, shingle_strings

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


def _hashed(text: str, n: int, hashes: np.ndarray | None = None, compiled: bool = False) -> HashedText:
    """The training text as the scan holds it; ``compiled``: with the token bytes the tokeniser
    kernel wrote (else they are encoded from the token strings)."""
    from provenance.text.tokens import tokens_spans_and_bytes

    tokens = tokenize(text)
    if hashes is None:
        hashes = shingle_batch([tokens], ShingleConfig(n=n)).hashes
    if not compiled:
        return HashedText(text, tokens, hashes, n)
    kernel_tokens, _, written = tokens_spans_and_bytes([text])
    assert kernel_tokens[0] == tokens and written[0] is not None
    return HashedText(text, tokens, hashes, n, token_bytes=written[0])


def _item_hashes(text: str, n: int) -> np.ndarray:
    return np.unique(shingle_batch([tokenize(text)], ShingleConfig(n=n)).hashes)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_compare_hashed_equals_compare_on_strings(n: int, compiled: bool) -> None:
    compared = 0
    for item_text, doc_text in _pairs(random.Random(10 + n), 600):
        item = analyse(item_text, n)
        expected = compare(item, analyse(doc_text, n), n)
        found = compare_hashed(item, _item_hashes(item_text, n), _hashed(doc_text, n, compiled=compiled))
        assert found == expected
        if expected is not None:
            assert found.shared_at == expected.shared_at
            compared += 1
    assert compared > 150


@pytest.mark.parametrize("compiled", [False, True])
def test_a_shared_hash_never_stands_for_a_shared_string(compiled: bool) -> None:
    """Whatever the hashes say, the measures count strings: with every training shingle given
    one colliding hash, the counts are still those of the strings."""
    item_text, doc_text = "a b c d", "x y a b c d z a b c d"
    item, doc = analyse(item_text, 3), analyse(doc_text, 3)
    collided = _hashed(doc_text, 3, np.full(len(doc.shingles), 7, dtype=np.uint64), compiled)
    assert collided.distinct_shingles == len(doc.shingle_set) == 7
    evidence = compare_hashed(item, np.array([7], dtype=np.uint64), collided)
    assert evidence == compare(item, doc, 3)
    assert (evidence.shared_shingles, evidence.doc_shingles) == (2, 7)


@pytest.mark.parametrize("compiled", [False, True])
def test_distinct_shingles_of_repeated_text(compiled: bool) -> None:
    for text in ["", "one", "a b", "a b c a b c a b c", "the cat the cat the dog", "ab c a bc ab c"]:
        for n in (1, 2, 3):
            assert _hashed(text, n, compiled=compiled).distinct_shingles == len(analyse(text, n).shingle_set)


def test_compiled_distinct_count_is_exact_under_forced_collisions() -> None:
    """Random texts of few words (many repeated shingles), their hashes folded onto three values:
    the count is still the number of distinct strings, from the kernel's token bytes and from the
    token strings alike."""
    rng = random.Random(4)
    words = ["a", "b", "ab", "é", "東京", "x1"]
    for _ in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        n = rng.choice([1, 2, 3, 4])
        hashes = shingle_batch([tokenize(text)], ShingleConfig(n=n)).hashes % np.uint64(3)
        expected = len(analyse(text, n).shingle_set)
        assert _hashed(text, n, hashes, compiled=True).distinct_shingles == expected, (text, n)
        assert _hashed(text, n, hashes).distinct_shingles == expected
