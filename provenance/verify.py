"""Exact verification of one (licensed item, training text) pair: no estimate is reported as fact.

Both texts are re-tokenised from their raw form. The scores are set measures on their shingle
strings (not on hashes): Jaccard ``|I & D| / |I | D|`` and containment ``|I & D| / |I|``, where ``I``
and ``D`` are the distinct shingles of the item and of the training text. The copy is then located:
the densest window of shared shingles in the training text is aligned token by token with the item
(rapidfuzz's LCS alignment), and the aligned runs of at least one shingle's length give the character
spans of the copy in both original texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz.distance import LCSseq

from .normalize import DEFAULT_NORMALIZER, NormalizerConfig, tokenize, tokenize_with_spans
from .shingles import shingle_strings

_MARGIN = 3  # extra training-text tokens aligned on each side of the densest window


@dataclass(frozen=True)
class AnalysedText:
    """A text's tokens and its shingles in position order; token spans are computed on demand."""

    text: str
    tokens: list[str]
    shingles: list[str]
    shingle_set: frozenset[str]
    normalizer: NormalizerConfig = DEFAULT_NORMALIZER

    @cached_property
    def spans(self) -> Sequence[Sequence[int]]:
        """``(start, end)`` of each token in ``text`` (only needed for reported matches): an array
        of rows from the compiled kernel, or the reference's list of pairs."""
        from .fasttokens import token_spans

        spans = token_spans(self.text, self.normalizer)
        if spans is not None and len(spans) == len(self.tokens):
            return spans
        tokens, spans = tokenize_with_spans(self.text, self.normalizer)
        if tokens != self.tokens:  # cannot happen for the tested normaliser; never mis-point
            return [(0, len(self.text))] * len(self.tokens)
        return spans


def analyse(
    text: str, n: int, normalizer: NormalizerConfig = DEFAULT_NORMALIZER, tokens: list[str] | None = None
) -> AnalysedText:
    """Tokenise (unless the tokens are given) and shingle one raw text."""
    tokens = tokenize(text, normalizer) if tokens is None else tokens
    shingles = shingle_strings(tokens, n)
    return AnalysedText(text, tokens, shingles, frozenset(shingles), normalizer)


@dataclass(frozen=True)
class PairEvidence:
    """Exact measurements of how much of an item a training text holds, and where."""

    shared_shingles: int
    item_shingles: int
    doc_shingles: int
    jaccard: float
    containment: float
    coverage: float
    """Share of the item's tokens inside the aligned runs (the contiguous copy, edits aside)."""
    item_tokens: tuple[int, int]
    """Token range ``[first, end)`` of the copied part of the item."""
    doc_tokens: tuple[int, int]
    """Token range ``[first, end)`` of the copy in the training text."""

    def char_spans(self, item: AnalysedText, doc: AnalysedText) -> tuple[int, int, int, int]:
        """``(item_start, item_end, doc_start, doc_end)``: the copy's character offsets."""
        (a0, a1), (b0, b1) = self.item_tokens, self.doc_tokens
        return (
            int(item.spans[a0][0]),
            int(item.spans[a1 - 1][1]),
            int(doc.spans[b0][0]),
            int(doc.spans[b1 - 1][1]),
        )


def _densest_window(positions: list[int], width: int) -> tuple[int, int]:
    """The run ``positions[i:j]`` spanning less than ``width`` tokens with the most entries."""
    best = (0, 1)
    i = 0
    for j in range(len(positions)):
        while positions[j] - positions[i] >= width:
            i += 1
        if j + 1 - i > best[1] - best[0]:
            best = (i, j + 1)
    return best


def _aligned_blocks(
    item_tokens: list[str], doc_tokens: list[str], min_size: int
) -> list[tuple[int, int, int]]:
    """LCS matching blocks ``(item_pos, doc_pos, size)`` of at least ``min_size`` tokens."""
    blocks = LCSseq.opcodes(item_tokens, doc_tokens).as_matching_blocks()
    return [(b.a, b.b, b.size) for b in blocks if b.size >= min_size]


def compare(item: AnalysedText, doc: AnalysedText, n: int) -> PairEvidence | None:
    """Measure the pair exactly; ``None`` when they share no shingle."""
    shared = item.shingle_set & doc.shingle_set
    if not shared:
        return None
    union = len(item.shingle_set) + len(doc.shingle_set) - len(shared)
    positions = [p for p, s in enumerate(doc.shingles) if s in shared]
    width = len(item.tokens) + max(_MARGIN, len(item.tokens) // 2)
    i, j = _densest_window(positions, width)
    lo = max(0, positions[i] - _MARGIN)
    hi = min(len(doc.tokens), positions[j - 1] + n + _MARGIN)
    blocks = _aligned_blocks(item.tokens, doc.tokens[lo:hi], min(n, len(item.tokens)))
    if not blocks:  # the shared shingles are scattered: point at the densest one
        blocks = [
            (item.shingles.index(doc.shingles[positions[i]]), positions[i] - lo, min(n, len(item.tokens)))
        ]
    a0, b0 = blocks[0][0], blocks[0][1] + lo
    a1, b1 = blocks[-1][0] + blocks[-1][2], blocks[-1][1] + blocks[-1][2] + lo
    return PairEvidence(
        shared_shingles=len(shared),
        item_shingles=len(item.shingle_set),
        doc_shingles=len(doc.shingle_set),
        jaccard=len(shared) / union,
        containment=len(shared) / len(item.shingle_set),
        coverage=sum(size for _, _, size in blocks) / len(item.tokens),
        item_tokens=(a0, a1),
        doc_tokens=(b0, b1),
    )
