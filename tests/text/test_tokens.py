"""The compiled tokeniser equals the reference tokeniser, token for token."""

from __future__ import annotations

import json
import random

import pytest

from provenance.text.normalize import NormalizerConfig, tokenize, tokenize_with_spans
from provenance.text.shingles import ShingleConfig, shingle_batch, shingle_texts
from provenance.text.tokens import token_spans, tokenize_texts, tokens_with_spans

PIECES = [
    "http://", "https://", "www.", "t.co/", "RT", "rt", " ", "  ", "\t", "\n", "@", "#", ":", "&amp;", "&lt;",
    "&", "&#39;", "&quot;", "&x;", "a", "b", "Z", "ß", "İ", "ﬁ", "™", "½", "・", "東", "京", "は", "한", "é",
    "e\u0301", "\u0301", "\ufe0f", "😀", "🄰", "\u00a0", "\u3000", "_", "1", "٣", "…", "’", '"', "@@", "rt@",
    "RT @", "ｒｔ", "＠", "ｈｔｔｐ://", "\u2028", "Σ", "ς", "\u212a", "ǅ", "ŉ", "\U00020000",
    "\U0002f800", "𝐀", "´", "´\u0328", "¨",
]  # fmt: skip


def assert_same_spans(texts: list[str]) -> int:
    """The kernel's token spans equal the reference's wherever it gives them; returns how many
    texts it left to the reference."""
    left = 0
    for text in texts:
        spans = token_spans(text)
        if spans is None:
            left += 1
        else:
            assert [tuple(span) for span in spans.tolist()] == tokenize_with_spans(text)[1], repr(text)
    return left


def assert_same_tokens(texts: list[str], config: NormalizerConfig | None = None) -> int:
    tokens, offsets, fallbacks = tokenize_texts(texts, *([config] if config else []))
    flat = tokens.to_pylist()
    for i, text in enumerate(texts):
        assert flat[offsets[i] : offsets[i + 1]] == tokenize(text, *([config] if config else [])), repr(text)
    return fallbacks


def test_random_texts_from_tricky_pieces() -> None:
    rng = random.Random(0)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25))) for _ in range(20000)]
    fallbacks = assert_same_tokens(texts)
    assert fallbacks < len(texts)  # the kernel decides most texts itself
    assert assert_same_spans(texts) < len(texts)


def test_long_texts_the_kernel_decides_itself() -> None:
    """Links and mentions anywhere in long texts (the kernel looks for ':', '.' and '@' 16 code
    points at a time), with no piece that sends a text to the reference."""
    pieces = [
        "http://",
        "https://",
        "www.",
        "t.co/",
        "rt",
        "RT @",
        "rt@",
        " ",
        "\t",
        "@",
        "@@",
        ":",
        ".",
        "..",
        "a.b",
    ]
    pieces += ["a", "b", "Z", "é", "東", "_", "1", "’", "&amp;", "hello world ", "abcdefghijklmnop", "x" * 15]
    rng = random.Random(8)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(20, 150))) for _ in range(1000)]
    assert assert_same_tokens(texts) == 0
    fast, reference = shingle_texts(texts), shingle_batch([tokenize(t) for t in texts])
    assert fast.hashes.tolist() == reference.hashes.tolist()
    assert assert_same_spans(texts[:300]) == 0


def test_spacing_accents_before_ascii_are_decided_by_the_kernel() -> None:
    """'´' folds to a space and a combining mark: the kernel takes it where ASCII or the end of the
    text follows (nothing can reorder with the mark), and leaves the text to the reference where a
    non-ASCII code point follows."""
    decided = ["don´t stop", "it´s", "a¨b ¯x", "´", "x´", "΅a", "゛ok", "café´s ´ ´", "@user´s t.co/x´y"]
    assert assert_same_tokens(decided) == 0
    assert assert_same_spans(decided) == 0
    reference = shingle_batch([tokenize(t) for t in decided])
    assert shingle_texts(decided).hashes.tolist() == reference.hashes.tolist()
    undecided = ["´\u0328x", "´é", "´東", "a´\u0301", "x¨\u0323"]
    assert assert_same_tokens(undecided) == len(undecided)
    assert assert_same_spans(undecided) == len(undecided)


def test_tokens_with_spans_of_a_batch_equal_the_reference() -> None:
    rng = random.Random(5)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25))) for _ in range(3000)]
    tokens, spans = tokens_with_spans(texts)
    given = 0
    for text, own_tokens, own_spans in zip(texts, tokens, spans, strict=True):
        reference_tokens, reference_spans = tokenize_with_spans(text)
        assert own_tokens == tokenize(text), repr(text)
        if own_spans is not None:
            given += 1
            assert [tuple(span) for span in own_spans.tolist()] == reference_spans, repr(text)
    assert 0 < given < len(texts)  # entities and undecidable texts are left to the reference


def test_spans_of_texts_with_entities_point_into_the_escaped_text() -> None:
    """The kernel reads the unescaped text; its spans are mapped back, a chunk whose entities
    unescape mapping whole, as the reference maps it."""
    texts = [
        "Tom &amp; Jerry &lt;3 AT&T &amp",
        "a&nbsp;b c&#10;d &#32;e x",
        "café &quot;ﬁne&quot; ½ &amp;½ ok",
        "&amp;&amp; && &x; &#39;quoted&#39; rt @a: t.co/x&amp;y",
    ]
    assert assert_same_spans(texts) == 0
    assert token_spans("Tom &amp; Jerry").tolist() == [[0, 3], [10, 15]]
    # A chunk whose folding keeps its length although an entity unescapes: the reference maps it
    # character for character, so the reference gives the spans.
    assert token_spans("x &amp;ﬃﬃ y") is None
    assert assert_same_spans(["x &amp;ﬃﬃ y"]) == 1


def test_spans_of_chunks_whose_folding_changes_length() -> None:
    texts = ["ﬁne Straße x", "a\u00a0ßb c", "½ off…now", "Ǆ\u2028ǅ", "x &amp; y", "plain ascii text"]
    assert assert_same_spans(texts) == 0
    assert token_spans("ﬁne day").tolist() == [
        [0, 3],
        [4, 7],
    ]  # 'ﬁ' folds to two letters: the chunk maps whole


def test_mentions_follow_re_sub_semantics() -> None:
    assert_same_tokens(["@a@b c", "x@y @z", "rt @a: rt @b hi", "RT\n@x:y", "https://t.co/x\u00a0after"])
    # a retweet prefix ends where the last one's match ended: "rt rt @a:" holds one, not two
    assert_same_tokens(["rt rt @a: @b", "rt @a:rt @b", "rt  @a @b", "xrt @a", "www.http://x t.co/y"])
    assert_same_tokens(["hhttps://x", "xhttp://y", "http://", "www.", "at.co/x", "a t.co/", "https://www.x"])


def test_other_normaliser_options_use_the_reference() -> None:
    keep = NormalizerConfig(strip_mentions=False)
    assert assert_same_tokens(["hi @bob"], keep) == 1
    texts = ["hi @bob and @alice", "", "RT @x: https://t.co/q yes"]
    fast = shingle_texts(texts, keep)
    assert fast.hashes.tolist() == shingle_batch([tokenize(t, keep) for t in texts]).hashes.tolist()
    assert fast.offsets.tolist() == [0, 2, 2, 3]


@pytest.mark.parametrize(
    "config",
    [ShingleConfig(), ShingleConfig(n=1), ShingleConfig(n=2), ShingleConfig(n=4), ShingleConfig(n=5, seed=7)],
)
def test_shingle_texts_equals_shingle_batch(config: ShingleConfig) -> None:
    rng = random.Random(config.n)
    texts = ["the quick brown fox", "", "a b", "RT @x: Straße &amp; 東京は晴れ https://t.co/q", "e\u0301 x"]
    # entities (the kernel hands the text back to be unescaped), then one the reference must take
    texts += ["&amp;amp; a b c", "x &lt; ǅ y", "plain words", "&#39;s ok &", "&unknown; z", "a&b", "Q & A"]
    # ASCII words of every length around the hash's 4- and 8-byte steps and its 32-byte stripes,
    # and the same with a non-ASCII letter or an upper-case one (folded) somewhere inside
    texts += [" ".join("qwertyuiopasdfghjklzxcvbnm1234567890QWERTY"[:size] for size in range(1, 43))]
    texts += [" ".join(("x" * size)[:k] + letter + ("y" * size)[k:] for size in range(1, 36)) for k, letter in
              [(0, "é"), (3, "Ö"), (7, "K")]]  # fmt: skip
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25))) for _ in range(3000)]
    fast = shingle_texts(texts, config=config)
    reference = shingle_batch([tokenize(t) for t in texts], config)
    assert fast.hashes.tolist() == reference.hashes.tolist()
    assert fast.offsets.tolist() == reference.offsets.tolist()


def test_a_text_unescape_leaves_alone_has_no_chunk_that_unescapes() -> None:
    """The span map's shortcut: where ``html.unescape`` leaves a whole text as it is, unescaping
    it chunk by chunk changes nothing either (whitespace of every kind around '&'s and near-entity
    names), so the kernel's spans are the text's own."""
    import html

    import numpy as np

    from provenance.text.tokens import _spans_of_unescaped_chunks

    rng = random.Random(12)
    pieces = [
        "&",
        "&amp",
        "&amp;",
        "amp",
        "&not",
        "in",
        "&#",
        "39",
        ";",
        "x",
        " ",
        "\xa0",
        "\x85",
        "\r",
        "\u2028",
    ]
    pieces += ["&#x", "2F", "&lt", "&LT", "&ampx", "é"]
    spans = np.zeros((0, 2), dtype=np.int64)
    unchanged = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        if html.unescape(text) == text:
            unchanged += 1
            assert _spans_of_unescaped_chunks(text, text, spans) is spans, repr(text)
    assert unchanged > 1000


def test_arrow_texts_are_unescaped_as_strings_are() -> None:
    """Only texts with an '&' before '#' or a letter go through ``html.unescape``: every text it
    changes is among them, and shingles of an Arrow array equal those of the same strings."""
    import html

    import pyarrow as pa

    from provenance.text.tokens import _may_hold_entities

    rng = random.Random(11)
    texts = ["Q & A", "AT&T", "&amp;", "x &", "amp; y", "&#39;", "&#x27;", "& #39;", "&&lt;", "a&", "b"]
    texts += [
        "".join(rng.choice([*PIECES, "&", "&#", "&a", "& "]) for _ in range(rng.randint(0, 12)))
        for _ in range(3000)
    ]
    array = pa.array(texts, type=pa.large_string())
    flagged = set(_may_hold_entities(array).tolist())
    changed = {k for k, text in enumerate(texts) if html.unescape(text) != text}
    assert changed <= flagged
    assert {0, 7}.isdisjoint(flagged)  # "Q & A", "& #39;": an "&" before a space starts no entity
    for sliced in (array, array.slice(3, 2000)):
        fast = shingle_texts(sliced)
        reference = shingle_texts(sliced.to_pylist())
        assert fast.hashes.tolist() == reference.hashes.tolist()
        assert fast.offsets.tolist() == reference.offsets.tolist()


@pytest.mark.shared_data
def test_real_tweets_and_pages(shared_real) -> None:
    texts = [
        json.loads(line)["text"] for line in (shared_real / "web_docs_extracted" / "web_docs.jsonl").open()
    ]
    for path in sorted((shared_real / "trump_condensed_2009_2016").glob("*.json")):
        texts += [t["text"] for t in json.loads(path.read_text())]
    texts += (
        (shared_real / "tweeteval" / "datasets" / "emoji" / "train_text.txt").read_text().splitlines()[:30000]
    )
    fallbacks = assert_same_tokens(texts)
    assert fallbacks < 0.02 * len(texts)
    assert assert_same_spans(texts[::10]) < 0.1 * len(texts[::10])


def test_the_kernel_and_the_arrow_path_agree_on_what_may_start_an_entity() -> None:
    """Two places decide whether an '&' may start an HTML entity: the shingle kernel (byte by byte)
    and the numpy search the other kernels' callers run first. They must agree on every byte."""
    import numpy as np

    from provenance.text.token_kernels import _entity_after
    from provenance.text.tokens import _ENTITY_STARTS

    data = np.arange(256, dtype=np.uint8)
    assert [_entity_after(data, b, 256) for b in range(256)] == _ENTITY_STARTS.tolist()
    assert not _entity_after(data, 256, 256)  # an '&' at the end starts nothing
