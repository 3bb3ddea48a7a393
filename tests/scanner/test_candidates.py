"""The compiled candidate search: its pairs and shared counts equal set arithmetic on the hashes."""

from __future__ import annotations

import random

import numpy as np
import pytest
from synthetic import write_jsonl

from provenance.index import CorpusInfo, Index, add_to_index, build_index
from provenance.scanner.candidates import BandLookup, PostingsLookup, ShingleFilter, anchor_pairs, lsh_pairs
from provenance.text.shingles import shingle_texts

WORDS = [f"w{i}" for i in range(60)]
COMMON = "one of the best things"  # in every item: its shingles are common


def _items(rng: random.Random, n: int) -> list[dict]:
    return [
        {"id": f"i{k}", "text": f"{COMMON} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))}
        for k in range(n)
    ]


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, list[str]]:
    rng = random.Random(7)
    root = tmp_path_factory.mktemp("candidates")
    items = _items(rng, 120)
    build_index([write_jsonl(root / "a.jsonl", items[:70])], root / "idx", CorpusInfo("c", "MIT"))
    add_to_index([write_jsonl(root / "b.jsonl", items[70:])], root / "idx", CorpusInfo("d", "MIT"))
    return Index.open(root / "idx"), [i["text"] for i in items]


@pytest.mark.parametrize("max_postings", [1000, 8, 3])  # 3, 8: the common shingles are not expanded
@pytest.mark.parametrize("heavy_above", [0, 1, 4, 16])  # 0: every hash is heavy
@pytest.mark.parametrize("cache_rows_log2", [1, 18])  # 1: two rows, replaced at almost every lookup
def test_anchor_pairs_equal_set_arithmetic(
    two_segments, max_postings: int, heavy_above: int, cache_rows_log2: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PostingsLookup, "CACHE_ROWS_LOG2", cache_rows_log2)
    index, item_texts = two_segments
    assert len(index.segments) == 2
    rng = random.Random(1)
    docs = [
        " ".join(rng.choice([*WORDS, *COMMON.split()]) for _ in range(rng.randint(0, 80))) for _ in range(40)
    ]
    docs += [f"intro words {t} outro" for t in item_texts[::9]]
    batch = shingle_texts(docs)
    items = shingle_texts(item_texts)
    item_sets = [set(items.of(i).tolist()) for i in range(len(item_texts))]
    counts = index.item_shingle_counts().astype(np.int64)
    lookups = [
        PostingsLookup(s.shingle_keys, s.shingle_items, np.asarray(s.item_shingles), heavy_above)
        for s in index.segments
    ]
    texts, found, shared, distinct = anchor_pairs(
        index, batch, 0.5, max_postings, ShingleFilter(index), lookups
    )
    again = anchor_pairs(index, batch, 0.5, max_postings, ShingleFilter(index), lookups)  # cache filled
    assert all(np.array_equal(a, b) for a, b in zip(again, (texts, found, shared, distinct), strict=True))
    segment_of = np.searchsorted(index.offsets, np.arange(len(item_texts)), side="right") - 1
    df: dict[tuple[int, int], int] = {}  # postings per segment, as the search counts them
    for i, s in enumerate(item_sets):
        for h in s:
            df[segment_of[i], h] = df.get((segment_of[i], h), 0) + 1
    expected = []
    for t in range(len(docs)):
        doc = set(batch.of(t).tolist())
        for i, s in enumerate(item_sets):
            anchors = sum(1 for h in s & doc if df[segment_of[i], h] <= max_postings)
            if anchors and anchors >= 0.5 * len(s):
                expected.append((t, i, len(s & doc), len(doc)))
    assert (
        list(zip(texts.tolist(), found.tolist(), shared.tolist(), distinct.tolist(), strict=True)) == expected
    )
    planted = {(40 + k, 9 * k) for k in range(len(item_texts[::9]))}
    found_pairs = set(zip(texts.tolist(), found.tolist(), strict=True))
    if max_postings == 1000:  # every planted copy, and pairs that share only part of an item
        assert planted <= found_pairs
        assert any(n < counts[i] for n, i in zip(shared.tolist(), found.tolist(), strict=True))


def test_lsh_pairs_equal_a_search_of_every_band(two_segments) -> None:
    from provenance.text.lsh import band_keys
    from provenance.text.minhash import minhash_signatures

    index, item_texts = two_segments
    rng = random.Random(3)
    docs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) for _ in range(30)]
    docs += [t.upper() for t in item_texts[::7]]  # near-duplicates: every band equal
    batch = shingle_texts(docs)
    texts = np.arange(len(docs))[::2]  # only some texts are looked up
    bands = [BandLookup(s.band_keys, s.band_items) for s in index.segments]
    found = set(zip(*(column.tolist() for column in lsh_pairs(index, batch, texts, bands)), strict=True))
    keys = band_keys(minhash_signatures(batch, index.params.minhash), index.params.lsh)
    expected = set()
    for segment, offset in zip(index.segments, index.offsets[:-1], strict=True):
        for band, row in enumerate(np.asarray(segment.band_keys)):
            for t in texts.tolist():
                for position in np.flatnonzero(row == keys[band, t]).tolist():
                    expected.add((t, int(segment.band_items[band][position]) + int(offset)))
    assert found == expected
    assert {(30 + k, 7 * k) for k in range(len(item_texts[::7])) if (30 + k) % 2 == 0} <= found


def test_the_shingle_filter_has_no_false_negatives_and_few_false_positives(two_segments) -> None:
    index, _ = two_segments
    shingle_filter = ShingleFilter(index)
    indexed = np.concatenate([np.asarray(s.shingle_keys) for s in index.segments])
    assert shingle_filter.may_contain(indexed).all()
    others = np.random.default_rng(5).integers(0, 2**63, 20_000, dtype=np.int64).astype(
        np.uint64
    ) * np.uint64(2)
    assert shingle_filter.may_contain(others).mean() < 0.01  # 16 bits per indexed shingle


def test_holders_count_the_items_holding_each_hash(two_segments) -> None:
    index, item_texts = two_segments
    items = shingle_texts(item_texts)
    for segment, lo, hi in zip(index.segments, index.offsets[:-1], index.offsets[1:], strict=True):
        item_shingles = np.asarray(segment.item_shingles)
        lookup = PostingsLookup(segment.shingle_keys, segment.shingle_items, item_shingles)
        held = [h for i in range(lo, hi) for h in set(items.of(i).tolist())]
        probes = np.array([*sorted(set(held)), 12345, 2**64 - 1], dtype=np.uint64)  # and two absent
        expected = [held.count(h) for h in probes.tolist()]
        assert lookup.holders(probes).tolist() == expected
