"""Exact verification of one (licensed item, training text) pair: no estimate is reported as fact.

Both texts are re-tokenised from their raw form. The scores are set measures on their shingle
strings (not on hashes): Jaccard ``|I & D| / |I | D|`` and containment ``|I & D| / |I|``, where ``I``
and ``D`` are the distinct shingles of the item and of the training text. The copy is then located:
the densest window of shared shingles in the training text is aligned token by token with the item
(rapidfuzz's LCS alignment), and the aligned runs of at least one shingle's length give the character
spans of the copy in both original texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz.distance import LCSseq

from provenance.text.normalize import DEFAULT_NORMALIZER, NormalizerConfig, tokenize, tokenize_with_spans
from provenance.text.shingles import shingle_strings

if TYPE_CHECKING:
    from provenance.text.tokens import TokenBytes

_MARGIN = 3  # extra training-text tokens aligned on each side of the densest window


@dataclass(frozen=True)
class AnalysedText:
    """A text's tokens and its shingles in position order; token spans are computed on demand."""

    text: str
    tokens: list[str]
    shingles: list[str]
    shingle_set: frozenset[str]
    normalizer: NormalizerConfig = DEFAULT_NORMALIZER
    known_spans: Sequence[Sequence[int]] | None = field(default=None, repr=False, compare=False)
    """The token spans, when the caller has them already (``tokens.tokens_with_spans``)."""

    @cached_property
    def spans(self) -> Sequence[Sequence[int]]:
        """``(start, end)`` of each token in ``text`` (only needed for reported matches)."""
        return _token_spans(self.text, self.tokens, self.normalizer, self.known_spans)


def _token_spans(
    text: str, tokens: list[str], normalizer: NormalizerConfig, known: Sequence[Sequence[int]] | None
) -> Sequence[Sequence[int]]:
    """``(start, end)`` of each of the ``tokens`` of ``text``: the ``known`` spans or an array of
    rows from the compiled kernel, else the reference's list of pairs."""
    from provenance.text.tokens import token_spans

    spans = known if known is not None else token_spans(text, normalizer)
    if spans is not None and len(spans) == len(tokens):
        return spans
    reference_tokens, spans = tokenize_with_spans(text, normalizer)
    if reference_tokens != tokens:  # cannot happen for the tested normaliser; never mis-point
        return [(0, len(text))] * len(tokens)
    return spans


@dataclass
class HashedText:
    """A training text's tokens and its shingle hashes in position order (as ``shingle_batch``
    gives them). Shingle strings are built only where they are needed: where a hash equals one of
    an item's. Distinct strings are counted on the tokens' bytes, exactly."""

    text: str
    tokens: list[str]
    hashes: np.ndarray
    n: int
    normalizer: NormalizerConfig = DEFAULT_NORMALIZER
    known_spans: Sequence[Sequence[int]] | None = field(default=None, repr=False)
    """The token spans, when the caller has them already (``tokens.tokens_with_spans``)."""
    token_bytes: TokenBytes | None = field(default=None, repr=False)
    """The tokens as UTF-8, when the caller has them (``tokens.tokens_spans_and_bytes``); else
    they are encoded when the distinct strings are counted."""

    def shingle(self, position: int) -> str:
        """The shingle string starting at token ``position``."""
        if len(self.tokens) < self.n:
            return " ".join(self.tokens)
        return " ".join(self.tokens[position : position + self.n])

    def positions_of(self, hashes: np.ndarray) -> list[int]:
        """The positions, in order, whose shingle hash is one of ``hashes`` (sorted uint64, as
        ``np.unique`` gives them)."""
        from provenance.scanner.compare_kernels import positions_holding

        return positions_holding(self.hashes, hashes).tolist()

    @cached_property
    def distinct_shingles(self) -> int:
        """Distinct shingle strings: positions under one hash are compared byte for byte, each
        with one position of every string already met under that hash (equal strings always share
        their hash), in compiled code."""
        from provenance.scanner.compare_kernels import distinct_windows
        from provenance.text.tokens import TokenBytes

        written = self.token_bytes if self.token_bytes is not None else TokenBytes.of(self.tokens)
        width = min(self.n, len(self.tokens))  # a text shorter than a shingle is one shingle
        return int(distinct_windows(self.hashes, written.data, written.ends, width))

    @cached_property
    def spans(self) -> Sequence[Sequence[int]]:
        """``(start, end)`` of each token in ``text`` (only needed for reported matches)."""
        return _token_spans(self.text, self.tokens, self.normalizer, self.known_spans)


def analyse(
    text: str,
    n: int,
    normalizer: NormalizerConfig = DEFAULT_NORMALIZER,
    tokens: list[str] | None = None,
    spans: Sequence[Sequence[int]] | None = None,
) -> AnalysedText:
    """Tokenise (unless the tokens, and maybe their spans, are given) and shingle one raw text."""
    tokens = tokenize(text, normalizer) if tokens is None else tokens
    shingles = shingle_strings(tokens, n)
    return AnalysedText(text, tokens, shingles, frozenset(shingles), normalizer, spans)


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
    shared_at: list[int] = field(default_factory=list, compare=False, repr=False)
    """Positions in the training text of the shingles it shares with the item, in order."""

    def char_spans(self, item: AnalysedText, doc: AnalysedText | HashedText) -> tuple[int, int, int, int]:
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
    positions = [p for p, s in enumerate(doc.shingles) if s in shared]
    return _evidence(item, doc.tokens, positions, doc.shingles.__getitem__, len(doc.shingle_set), n)


def compare_hashed(item: AnalysedText, item_hashes: np.ndarray, doc: HashedText) -> PairEvidence | None:
    """``compare(item, analyse(doc.text), n)`` (tested equal), building the training text's shingle
    strings only where its hash is one of the item's ``item_hashes`` (its distinct shingle hashes,
    sorted): two equal strings have equal hashes, so every shared string is among them, and each
    is checked as a string."""
    strings = {p: doc.shingle(p) for p in doc.positions_of(item_hashes)}
    positions = [p for p, s in strings.items() if s in item.shingle_set]
    if not positions:
        return None
    return _evidence(item, doc.tokens, positions, strings.__getitem__, doc.distinct_shingles, doc.n)


def _evidence(
    item: AnalysedText,
    doc_tokens: list[str],
    positions: list[int],
    shingle_at: Callable[[int], str],
    doc_shingles: int,
    n: int,
) -> PairEvidence | None:
    """The measures and the aligned copy, given where the training text's shared shingles start."""
    if not positions:
        return None
    shared = len({shingle_at(p) for p in positions})
    union = len(item.shingle_set) + doc_shingles - shared
    width = len(item.tokens) + max(_MARGIN, len(item.tokens) // 2)
    i, j = _densest_window(positions, width)
    lo = max(0, positions[i] - _MARGIN)
    hi = min(len(doc_tokens), positions[j - 1] + n + _MARGIN)
    blocks = _aligned_blocks(item.tokens, doc_tokens[lo:hi], min(n, len(item.tokens)))
    if not blocks:  # the shared shingles are scattered: point at the densest one
        blocks = [
            (item.shingles.index(shingle_at(positions[i])), positions[i] - lo, min(n, len(item.tokens)))
        ]
    a0, b0 = blocks[0][0], blocks[0][1] + lo
    a1, b1 = blocks[-1][0] + blocks[-1][2], blocks[-1][1] + blocks[-1][2] + lo
    return PairEvidence(
        shared_shingles=shared,
        item_shingles=len(item.shingle_set),
        doc_shingles=doc_shingles,
        jaccard=shared / union,
        containment=shared / len(item.shingle_set),
        coverage=sum(size for _, _, size in blocks) / len(item.tokens),
        item_tokens=(a0, a1),
        doc_tokens=(b0, b1),
        shared_at=positions,
    )
