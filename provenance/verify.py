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

from .normalize import DEFAULT_NORMALIZER, NormalizerConfig, tokenize, tokenize_with_spans
from .shingles import shingle_strings

if TYPE_CHECKING:
    from .fasttokens import TokenBytes

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
    """The token spans, when the caller has them already (``fasttokens.tokens_with_spans``)."""

    @cached_property
    def spans(self) -> Sequence[Sequence[int]]:
        """``(start, end)`` of each token in ``text`` (only needed for reported matches)."""
        return _token_spans(self.text, self.tokens, self.normalizer, self.known_spans)


def _token_spans(
    text: str, tokens: list[str], normalizer: NormalizerConfig, known: Sequence[Sequence[int]] | None
) -> Sequence[Sequence[int]]:
    """``(start, end)`` of each of the ``tokens`` of ``text``: the ``known`` spans or an array of
    rows from the compiled kernel, else the reference's list of pairs."""
    from .fasttokens import token_spans

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
    an item's, and where two positions share a hash (to count distinct strings exactly)."""

    text: str
    tokens: list[str]
    hashes: np.ndarray
    n: int
    normalizer: NormalizerConfig = DEFAULT_NORMALIZER
    known_spans: Sequence[Sequence[int]] | None = field(default=None, repr=False)
    """The token spans, when the caller has them already (``fasttokens.tokens_with_spans``)."""
    token_bytes: TokenBytes | None = field(default=None, repr=False)
    """The tokens as UTF-8, when the caller has them (``fasttokens.tokens_spans_and_bytes``): the
    distinct strings are then counted in compiled code."""

    def shingle(self, position: int) -> str:
        """The shingle string starting at token ``position``."""
        if len(self.tokens) < self.n:
            return " ".join(self.tokens)
        return " ".join(self.tokens[position : position + self.n])

    @cached_property
    def _by_hash(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The positions in hash order, the hashes in that order, and where each run of equal
        hashes starts (one more entry: the number of positions)."""
        order = np.argsort(self.hashes)
        ordered = self.hashes[order]
        runs = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1])) if len(ordered) else order
        return order, ordered, np.append(runs, len(ordered))

    def positions_of(self, hashes: np.ndarray) -> list[int]:
        """The positions, in order, whose shingle hash is one of ``hashes``."""
        from .kernels import positions_holding

        return positions_holding(self.hashes, np.unique(np.asarray(hashes, dtype=np.uint64))).tolist()

    @cached_property
    def distinct_shingles(self) -> int:
        """Distinct shingle strings: distinct hashes, plus the strings beyond the first of any
        hash that several different strings share (equal strings always share their hash)."""
        if self.token_bytes is not None and len(self.tokens) >= self.n:
            from .kernels import distinct_windows

            written = self.token_bytes
            return int(distinct_windows(self.hashes, written.data, written.ends, self.n))
        order, _, runs = self._by_hash
        extra = 0
        repeated = np.flatnonzero(np.diff(runs) > 1)
        if len(repeated) and len(self.tokens) >= self.n:  # else there is one shingle
            tokens, n = self.tokens, self.n
            for a, b in zip(runs[repeated].tolist(), runs[repeated + 1].tolist(), strict=True):
                positions = order[a:b].tolist()
                first = tokens[positions[0] : positions[0] + n]
                if any(tokens[p : p + n] != first for p in positions[1:]):
                    extra += len({self.shingle(p) for p in positions}) - 1
        return len(runs) - 1 + extra

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
    strings only where its hash is one of the item's ``item_hashes``: two equal strings have equal
    hashes, so every shared string is among them, and each is checked as a string."""
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
