"""The one text analysis: index and scan analyse the same texts alike, and as defined."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest
from test_tokens import PIECES

from provenance.index.params import IndexParams
from provenance.index.segment import index_analysis
from provenance.text.analyse import analyse_texts, content_hash
from provenance.text.lsh import band_keys
from provenance.text.minhash import MinHashConfig, minhash_signatures
from provenance.text.normalize import NormalizerConfig, normalize, tokenize
from provenance.text.shingles import ShingleConfig, shingle_batch


def _texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["the quick brown fox jumps", "", "https://t.co/x @only", "a b", "RT @x: Straße &amp; 東京は晴れ"]
    texts += ["&amp;amp; a b c", "x &lt; ǅ y", "´\u0328x", "a´\u0301", "a " * 300, "Ünïcödé ＦＵＬＬ width"]
    return texts + ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))) for _ in range(1500)]


PARAMS = [
    IndexParams(),
    IndexParams(shingles=ShingleConfig(n=1)),
    IndexParams(shingles=ShingleConfig(n=5, seed=7), minhash=MinHashConfig(num_perm=64, seed=3)),
    IndexParams(normalizer=NormalizerConfig(strip_mentions=False, strip_urls=False)),
]


@pytest.mark.parametrize("params", PARAMS, ids=["default", "n1", "n5-seeded", "keep-links"])
def test_the_index_and_the_scan_analyse_texts_alike(params: IndexParams) -> None:
    """The index's analysis (from the tokens) and the scan's (the fused kernel, on strings or on
    an Arrow array) give the same shingle hashes, distinct shingles and band keys."""
    texts = _texts(11)
    indexed = analyse_texts(texts, params, distinct=True, normalised=True, band_keys=True)
    scanned = analyse_texts(texts, params, distinct=True, band_keys=True)
    from_arrow = analyse_texts(pa.array(texts, pa.large_string()), params, distinct=True, band_keys=True)
    for other in (scanned, from_arrow):
        assert indexed.shingles.hashes.tolist() == other.shingles.hashes.tolist()
        assert indexed.shingles.offsets.tolist() == other.shingles.offsets.tolist()
        assert indexed.distinct.hashes.tolist() == other.distinct.hashes.tolist()
        assert indexed.distinct.offsets.tolist() == other.distinct.offsets.tolist()
        assert np.array_equal(indexed.band_keys, other.band_keys)
    assert scanned.n_tokens is None and scanned.digests is None
    stored = index_analysis(texts, params)
    assert stored.shingles is None
    assert stored.distinct.hashes.tolist() == indexed.distinct.hashes.tolist()
    assert stored.digests == indexed.digests and np.array_equal(stored.band_keys, indexed.band_keys)


@pytest.mark.parametrize("params", PARAMS[:3], ids=["default", "n1", "n5-seeded"])
def test_the_analysis_equals_its_definition(params: IndexParams) -> None:
    """Per text: the reference tokeniser's shingles, their sorted distinct set, the token count,
    the digest of the normalised text, and the band keys of the MinHash signature."""
    texts = _texts(7)[:400]
    analysis = analyse_texts(texts, params, distinct=True, normalised=True, band_keys=True)
    reference = shingle_batch([tokenize(t, params.normalizer) for t in texts], params.shingles)
    assert analysis.shingles.hashes.tolist() == reference.hashes.tolist()
    for i in range(len(texts)):
        assert analysis.distinct.of(i).tolist() == sorted(set(reference.of(i).tolist()))
    assert analysis.n_tokens.tolist() == [len(tokenize(t, params.normalizer)) for t in texts]
    assert analysis.digests == [content_hash(normalize(t)) if normalize(t) else None for t in texts]
    signatures = minhash_signatures(reference, params.minhash)
    assert np.array_equal(analysis.band_keys, band_keys(signatures, params.lsh))


def test_a_batch_analyses_as_its_parts() -> None:
    """Nothing depends on the rest of the batch: two halves give what the whole gives."""
    texts, params = _texts(3), IndexParams()
    whole = index_analysis(texts, params)
    halves = [index_analysis(texts[:700], params), index_analysis(texts[700:], params)]
    assert whole.digests == halves[0].digests + halves[1].digests
    assert np.array_equal(whole.band_keys, np.concatenate([h.band_keys for h in halves], axis=1))
    assert whole.distinct.hashes.tolist() == np.concatenate([h.distinct.hashes for h in halves]).tolist()
