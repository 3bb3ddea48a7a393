"""The normaliser: each documented step, CJK, and agreement of the two tokenisers."""

from __future__ import annotations

import pytest

from provenance.text.normalize import NormalizerConfig, normalize, tokenize, tokenize_with_spans

CASES = [
    ("Hello &amp; WORLD", "hello world"),
    ("RT @someone: great game tonight", "great game tonight"),
    ("see https://t.co/AbC123 and www.example.com/x now", "see and now"),
    ("thanks @bob for #Python tips", "thanks for python tips"),
    ("Ｆｕｌｌ　ｗｉｄｔｈ", "full width"),
    ("Straße", "strasse"),
    ("so   much\n\twhitespace", "so much whitespace"),
    ('“curly” "straight" quotes…', "curly straight quotes"),
    ("emoji 😀🎉 gone", "emoji gone"),
    ("東京は晴れ", "東 京 は 晴 れ"),
    ("한국어 텍스트", "한국어 텍스트"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_steps(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_options_can_keep_mentions_and_links() -> None:
    keep = NormalizerConfig(strip_mentions=False, strip_urls=False)
    assert tokenize("hi @bob https://t.co/x", keep) == ["hi", "bob", "https", "t", "co", "x"]


@pytest.mark.parametrize("raw", [c[0] for c in CASES] + ["a&amp;b RT @x: y", "x\u00a8y", "ﬁne ǅ ㍱"])
def test_spans_point_at_the_original_tokens(raw: str) -> None:
    tokens, spans = tokenize_with_spans(raw)
    assert tokens == tokenize(raw)
    for token, (start, end) in zip(tokens, spans, strict=False):
        assert 0 <= start < end <= len(raw)
        assert token in normalize(raw[start:end]).replace(" ", "") or len(raw[start:end]) != len(token)


def test_spans_are_exact_for_plain_text() -> None:
    raw = "The Quick brown fox"
    _, spans = tokenize_with_spans(raw)
    assert [raw[a:b] for a, b in spans] == ["The", "Quick", "brown", "fox"]


@pytest.mark.shared_data
def test_tokenisers_agree_on_real_text(shared_real) -> None:
    import json

    docs = (shared_real / "web_docs_extracted" / "web_docs.jsonl").read_text(encoding="utf-8").splitlines()
    for line in docs[:300]:
        text = json.loads(line)["text"]
        assert tokenize_with_spans(text)[0] == tokenize(text)


def reference_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Every whitespace-delimited chunk folded on its own, joined by single spaces (the definition)."""
    from provenance.text.normalize import _CHUNK_RE, _TOKEN_RE, DEFAULT_NORMALIZER, _fold, _strip

    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for chunk in _CHUNK_RE.finditer(text):
        folded = _fold(chunk.group())
        c0, c1 = chunk.span()
        if pieces:
            pieces.append(" ")
            starts.append(c0)
            ends.append(c0)
        pieces.append(folded)
        exact = len(folded) == c1 - c0
        starts.extend(range(c0, c1) if exact else [c0] * len(folded))
        ends.extend(range(c0 + 1, c1 + 1) if exact else [c1] * len(folded))
    matches = list(_TOKEN_RE.finditer(_strip("".join(pieces), DEFAULT_NORMALIZER)))
    return [m.group() for m in matches], [(starts[m.start()], ends[m.end() - 1]) for m in matches]


def test_chunk_spans_equal_the_definition_on_tricky_text() -> None:
    import random

    from provenance.text.normalize import spans_by_chunks

    pieces = [
        "ß",
        "é",
        "…",
        "&amp;",
        "&",
        "AT&T",
        " ",
        "\u00a0",
        "\n",
        "RT",
        " @x:",
        "https://t.co/a",
        "ﬁ",
        "東京",
        "word",
        "Word",
        "\u3000",
        "½",
        "™",
        "e\u0301",
    ]
    rng = random.Random(1)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        assert spans_by_chunks(text) == reference_spans(text), repr(text)
        assert tokenize_with_spans(text) == reference_spans(text), repr(text)


@pytest.mark.shared_data
def test_span_fast_path_equals_chunked_spans(shared_real) -> None:
    import json

    from provenance.text.normalize import spans_by_chunks

    lines = (shared_real / "web_docs_extracted" / "web_docs.jsonl").read_text(encoding="utf-8").splitlines()
    tweets = json.loads((shared_real / "trump_condensed_2009_2016" / "condensed_2015.json").read_text())
    texts = [json.loads(line)["text"] for line in lines[:400]] + [t["text"] for t in tweets[:3000]]
    for text in texts + ["Plain ASCII text, Café", "ÀB straße"]:
        assert tokenize_with_spans(text) == spans_by_chunks(text) == reference_spans(text)
