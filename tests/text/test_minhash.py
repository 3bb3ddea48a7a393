"""MinHash kernels against datasketch (the oracle), a pinned golden signature, and LSH parameters."""

from __future__ import annotations

import json

import numpy as np
import pytest
from datasketch import MinHash

from provenance.text.lsh import choose_lsh
from provenance.text.minhash import MinHashConfig, minhash_signatures
from provenance.text.normalize import tokenize
from provenance.text.shingles import (
    ShingleConfig,
    shingle_batch,
    shingle_hash,
    shingle_hash32,
    shingle_strings,
)

GOLDEN_TEXT = "RT @user: The quick brown fox jumps over the lazy dog &amp; runs https://t.co/abc"


def datasketch_signature(tokens: list[str], n: int, num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32, scheme="affine32")
    m.update_batch([s.encode("utf-8") for s in shingle_strings(tokens, n)])
    return m.hashvalues


def test_batch_shingles_equal_scalar_reference() -> None:
    texts = ["a b c d e", "one", "", "東京は晴れです", "two words", GOLDEN_TEXT]
    tokens = [tokenize(t) for t in texts]
    batch = shingle_batch(tokens)
    for i, toks in enumerate(tokens):
        assert batch.of(i).tolist() == [shingle_hash(s) for s in shingle_strings(toks, 3)]


@pytest.mark.parametrize(
    "tokens",
    [
        [["a", ""], ["b"]],  # an empty token
        [["x\ny", "z"], []],  # a newline inside a token
        [[], [], ["only"]],  # empty texts around
        [["a", "b"], [""]],  # a text of one empty token
    ],
)
def test_token_lists_the_joined_layout_cannot_hold(tokens: list[list[str]]) -> None:
    from provenance.text.shingles import combine_token_hashes, token_hash

    batch = shingle_batch(tokens)
    for i, toks in enumerate(tokens):
        expected = (
            [
                combine_token_hashes([token_hash(t) for t in toks[j : j + 3]])
                for j in range(max(1, len(toks) - 2))
            ]
            if toks
            else []
        )
        assert batch.of(i).tolist() == expected


@pytest.mark.parametrize(("num_perm", "seed", "n"), [(128, 1, 3), (64, 7, 2), (256, 42, 5)])
def test_signatures_match_datasketch_on_synthetic_text(num_perm: int, seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(500)]
    tokens = [list(rng.choice(vocab, size=int(rng.integers(0, 60)))) for _ in range(200)]
    sigs = minhash_signatures(shingle_batch(tokens, ShingleConfig(n=n)), MinHashConfig(num_perm, seed))
    for toks, sig in zip(tokens, sigs, strict=False):
        assert np.array_equal(sig, datasketch_signature(toks, n, num_perm, seed))


@pytest.mark.shared_data
def test_signatures_match_datasketch_on_real_tweets(shared_real) -> None:
    tweets = json.loads((shared_real / "trump_condensed_2009_2016" / "condensed_2015.json").read_text())
    tokens = [tokenize(t["text"]) for t in tweets[:2000]]
    sigs = minhash_signatures(shingle_batch(tokens))
    for toks, sig in zip(tokens, sigs, strict=False):
        assert np.array_equal(sig, datasketch_signature(toks, 3, 128, 1))


def test_golden_signature_is_pinned() -> None:
    """A change to normalisation, shingling or hashing changes these values: review, then re-pin."""
    tokens = tokenize(GOLDEN_TEXT)
    assert tokens == ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "runs"]
    sig = minhash_signatures(shingle_batch([tokens]))[0]
    assert shingle_hash("the quick brown") == GOLDEN_SHINGLE
    assert sig[:8].tolist() == GOLDEN_SIGNATURE_PREFIX
    assert int(sig.astype(np.uint64).sum()) == GOLDEN_SIGNATURE_SUM


def test_estimated_jaccard_tracks_true_jaccard() -> None:
    rng = np.random.default_rng(3)
    for overlap in (0.2, 0.5, 0.8):
        base = [f"t{i}" for i in range(400)]
        keep = int(400 * overlap)
        other = base[:keep] + [f"u{i}" for i in range(400 - keep)]
        rng.shuffle(other)
        a, b = set(shingle_strings(base, 1)), set(shingle_strings(other, 1))
        sigs = minhash_signatures(shingle_batch([base, other], ShingleConfig(n=1)), MinHashConfig(256, 1))
        estimate = float(np.mean(sigs[0] == sigs[1]))
        assert abs(estimate - len(a & b) / len(a | b)) < 0.08


def test_first_values_of_a_signature_are_those_of_the_whole() -> None:
    batch = shingle_batch([tokenize(t) for t in (GOLDEN_TEXT, "", "two words", "a b c d e f g")])
    whole = minhash_signatures(batch)
    for first in (1, 78, 128):
        assert np.array_equal(minhash_signatures(batch, first=first), whole[:, :first])


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_signatures_of_tokens_are_the_same_on_any_number_of_threads(threads: int) -> None:
    from provenance.text.minhash import signatures_of_tokens

    rng = np.random.default_rng(threads)
    tokens = [[f"w{v}" for v in rng.integers(0, 50, rng.integers(0, 30))] for _ in range(101)]
    tokens[7] = ["a", ""]  # an empty token: that piece takes the Arrow path
    expected = minhash_signatures(shingle_batch(tokens))
    assert np.array_equal(signatures_of_tokens(tokens, threads=threads), expected)
    assert signatures_of_tokens([], threads=threads).shape == (0, 128)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_signatures_of_encoded_tokens_equal_those_of_the_token_lists(threads: int) -> None:
    from provenance.text.minhash import signatures_of_joined
    from provenance.text.shingles import join_tokens, shingles_of_joined

    rng = np.random.default_rng(10 + threads)
    tokens = [[f"w{v}é" for v in rng.integers(0, 50, rng.integers(0, 30))] for _ in range(101)]
    tokens[0] = tokens[-1] = []  # empty texts at both ends
    joined = join_tokens(tokens)
    expected = minhash_signatures(shingle_batch(tokens))
    assert np.array_equal(signatures_of_joined(joined, len(tokens), threads=threads), expected)
    assert np.array_equal(shingles_of_joined(joined, len(tokens)).hashes, shingle_batch(tokens).hashes)
    assert signatures_of_joined(join_tokens([]), 0, threads=threads).shape == (0, 128)
    for wrong in (len(tokens) - 1, len(tokens) + 1):
        with pytest.raises(ValueError, match="texts"):
            signatures_of_joined(joined, wrong, threads=threads)
    with pytest.raises(ValueError, match="non-empty tokens"):
        shingles_of_joined(np.frombuffer(b"a  b", dtype=np.uint8), 1)  # an empty token


def test_empty_text_has_empty_signature() -> None:
    sig = minhash_signatures(shingle_batch([[]]))
    assert (sig == 0xFFFFFFFF).all()


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.9])
def test_lsh_parameters_meet_recall_target(threshold: float) -> None:
    config = choose_lsh(threshold, 128, 0.95)
    assert config.bands * config.rows <= 128
    assert config.candidate_probability(threshold) >= 0.95


GOLDEN_SHINGLE = 5192980692432941793
GOLDEN_SIGNATURE_PREFIX = [
    74207170,
    45754787,
    156408637,
    484028134,
    706727748,
    807443829,
    1144836002,
    165727274,
]
GOLDEN_SIGNATURE_SUM = 69131526433


def test_xxh64_kernel_matches_python_xxhash() -> None:
    import random

    import pyarrow as pa
    import xxhash

    from provenance.text.xxh64 import xxh64_strings

    rng = random.Random(0)
    strings = ["", "a", "abcd", "abcdefgh", "é", "東京", "x" * 31, "y" * 32, "z" * 33, "q" * 100]
    strings += ["".join(chr(rng.randint(32, 0x3000)) for _ in range(rng.randint(0, 70))) for _ in range(2000)]
    for seed in (0, 7, 2**63 + 5):
        expected = [xxhash.xxh64_intdigest(s.encode("utf-8"), seed) for s in strings]
        assert xxh64_strings(pa.array(strings), seed).tolist() == expected
        assert xxh64_strings(pa.array(strings).slice(5, 100), seed).tolist() == expected[5:105]
