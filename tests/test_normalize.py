"""The normaliser: each documented step, CJK, and agreement of the two tokenisers."""

from __future__ import annotations

import pytest

from provenance.normalize import NormalizerConfig, normalize, tokenize, tokenize_with_spans

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


@pytest.mark.shared_data
def test_span_fast_path_equals_chunked_spans(shared_real) -> None:
    import json

    from provenance.normalize import spans_by_chunks

    lines = (shared_real / "web_docs_extracted" / "web_docs.jsonl").read_text(encoding="utf-8").splitlines()
    tweets = json.loads((shared_real / "trump_condensed_2009_2016" / "condensed_2015.json").read_text())
    texts = [json.loads(line)["text"] for line in lines[:400]] + [t["text"] for t in tweets[:3000]]
    for text in texts + ["Plain ASCII text, Café", "ÀB straße"]:
        assert tokenize_with_spans(text) == spans_by_chunks(text)
