"""The versioned text normaliser, applied identically when indexing and when scanning.

Pipeline (``provenance-text`` version 1), in order:

1. HTML entities unescaped (``&amp;`` -> ``&``), as tweets store them escaped.
2. Unicode NFKC (full-width and compatibility forms folded), then case folding.
3. Links removed (``http(s)://...``, ``www.…``, bare ``t.co/…``), because t.co links are rewritten or
   dropped on a tweet's way into training data.
4. ``RT @user:`` prefixes removed, then ``@mentions`` (handles are not part of the licensed prose and
   are anonymised in many datasets), then the ``#`` of hashtags (the word is kept).
5. Tokens are the maximal runs of word characters; punctuation, quotes, ellipses and emoji separate
   tokens and are dropped. Scripts written without spaces between words (Chinese, Japanese kana,
   Thai, Lao, Khmer, Myanmar) are tokenised one character per token, so shingles over them are
   character n-grams.

The normalised text is the tokens joined by single spaces. ``tokenize_with_spans`` gives the same
tokens together with their character spans in the original text, for evidence.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import asdict, dataclass

NORMALIZER_NAME = "provenance-text"
NORMALIZER_VERSION = 1

_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\U00020000-\U0002fa1f"
)
_TOKEN_RE = re.compile(rf"[{_NO_SPACE_SCRIPTS}]|[^\W{_NO_SPACE_SCRIPTS}]+")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\bt\.co/\S+")
_RT_RE = re.compile(r"(?<!\w)rt\s+@\w+:?")
_MENTION_RE = re.compile(r"(?<!\w)@\w+")
_HASHTAG_RE = re.compile(r"(?<!\w)#(?=\w)")
_CHUNK_RE = re.compile(r"\S+")
# Whitespace-delimited chunks that folding may change: a non-ASCII non-space character, or an '&'.
_FOLDABLE_CHUNK_RE = re.compile(r"(?<!\S)\S*?(?:[^\s\x00-\x7f]|&)\S*")
# html.unescape can only change text where '&' is followed by one of these (its own pattern).
_MAYBE_ENTITY_RE = re.compile(r"&[^\t\n\f <&;]")


@dataclass(frozen=True)
class NormalizerConfig:
    """Which optional, tweet-aware steps the normaliser applies (all on by default)."""

    strip_urls: bool = True
    """Remove links (t.co and any other URL)."""
    strip_retweet_prefix: bool = True
    """Remove ``RT @user:`` prefixes."""
    strip_mentions: bool = True
    """Remove ``@handle`` mentions."""
    strip_hashtag_marks: bool = True
    """Drop the ``#`` of hashtags, keeping the word."""

    def describe(self) -> dict[str, object]:
        """The name, version and options, as stored in an index and a scan manifest."""
        return {"name": NORMALIZER_NAME, "version": NORMALIZER_VERSION, **asdict(self)}

    @classmethod
    def from_description(cls, described: dict[str, object]) -> NormalizerConfig:
        """Rebuild the options from ``describe()`` output."""
        return cls(**{k: bool(described[k]) for k in asdict(cls()) if k in described})


DEFAULT_NORMALIZER = NormalizerConfig()


def _fold(text: str) -> str:
    """Steps 1-2: entities, NFKC, case folding."""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def _blank(match: re.Match[str]) -> str:
    """As many spaces as the match is long, so character offsets survive the removal."""
    return " " * (match.end() - match.start())


def _strip(text: str, config: NormalizerConfig) -> str:
    """Steps 3-4: links, retweet prefixes, mentions and hashtag marks become spaces."""
    if config.strip_urls:
        text = _URL_RE.sub(_blank, text)
    if config.strip_retweet_prefix:
        text = _RT_RE.sub(_blank, text)
    if config.strip_mentions:
        text = _MENTION_RE.sub(_blank, text)
    if config.strip_hashtag_marks:
        text = _HASHTAG_RE.sub(_blank, text)
    return text


def tokenize(text: str, config: NormalizerConfig = DEFAULT_NORMALIZER) -> list[str]:
    """The normalised tokens of ``text``."""
    return _TOKEN_RE.findall(_strip(_fold(text), config))


def normalize(text: str, config: NormalizerConfig = DEFAULT_NORMALIZER) -> str:
    """The normalised text: the tokens joined by single spaces."""
    return " ".join(tokenize(text, config))


def tokenize_with_spans(
    text: str, config: NormalizerConfig = DEFAULT_NORMALIZER
) -> tuple[list[str], list[tuple[int, int]]]:
    """The tokens of ``text`` (as ``tokenize``) and each one's ``(start, end)`` span in ``text``.

    Each whitespace-delimited chunk is folded on its own; where folding keeps the chunk's length the
    character map is exact, otherwise the chunk's characters all map to the whole chunk. A text that
    folds character for character (no entity, already NFKC, case folding keeps its length) needs no
    chunking: its regex spans are already spans of the original.
    """
    if not _MAYBE_ENTITY_RE.search(text) and unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        if len(folded) == len(text):
            matches = list(_TOKEN_RE.finditer(_strip(folded, config)))
            return [m.group() for m in matches], [m.span() for m in matches]
    return spans_by_chunks(text, config)


def spans_by_chunks(
    text: str, config: NormalizerConfig = DEFAULT_NORMALIZER
) -> tuple[list[str], list[tuple[int, int]]]:
    """``tokenize_with_spans`` for any text: fold chunk by chunk, keeping a character map.

    Only whitespace-delimited chunks that folding can change (a non-ASCII character or an '&')
    are folded on their own; the text between them is ASCII, where folding is case folding,
    character for character.
    """
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for chunk in [*_FOLDABLE_CHUNK_RE.finditer(text), None]:
        c0, c1 = chunk.span() if chunk else (len(text), len(text))
        if c0 > pos:
            pieces.append(text[pos:c0].casefold())
            starts.extend(range(pos, c0))
            ends.extend(range(pos + 1, c0 + 1))
        if chunk is None:
            break
        folded = _fold(chunk.group())
        pieces.append(folded)
        if len(folded) == c1 - c0:
            starts.extend(range(c0, c1))
            ends.extend(range(c0 + 1, c1 + 1))
        else:
            starts.extend([c0] * len(folded))
            ends.extend([c1] * len(folded))
        pos = c1
    stripped = _strip("".join(pieces), config)
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _TOKEN_RE.finditer(stripped):
        a, b = match.span()
        tokens.append(match.group())
        spans.append((starts[a], ends[b - 1]))
    return tokens, spans
