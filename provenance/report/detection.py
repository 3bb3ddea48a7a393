"""What a scan could have missed: the detection model behind the report's coverage statement.

A licensed item is reported by two candidate paths followed by exact verification:

- **Anchors** (containment path): every shingle of a training record is looked up in the index's
  exact shingle postings. An item whose share of distinct shingles present in the record reaches
  ``min(min_containment, min_jaccard)`` always becomes a candidate (no sampling, no hashing
  trade-off), except that shingles shared by more than ``max_postings`` licensed items are not
  expanded. Verification then reports the pair when ``containment >= min_containment`` and
  ``coverage >= min_coverage``, or when ``jaccard >= min_jaccard``. Given the copy's containment
  ``c`` (and enough of it contiguous), detection is a **step**: probability 1 for
  ``c >= min_containment``, 0 below.
- **LSH** (near-duplicate path, records of at most ``lsh_max_shingles`` shingles): MinHash band
  tables propose a pair at Jaccard similarity ``s`` with probability ``1 - (1 - s**rows)**bands``.
  A near-duplicate's containment is at least its Jaccard similarity, so every pair with
  ``s >= min_jaccard`` is also proposed by the anchors; the LSH curve is a second, independent
  chance, which matters only where anchors are not expanded (very common shingles).

What the model does not cover: copies whose normalised containment is below the threshold (heavy
edits, paraphrase, translation, short partial quotes), items with fewer than ``min_item_tokens``
words (set aside by design), and copies split so that less than ``min_coverage`` of the item's
words form one aligned run. Normalisation (case, entities, links, ``RT @user:``, mentions, quotes)
happens before shingling, so those edits leave containment unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

CURVE_POINTS = 101
"""Points of each curve (similarity 0.00, 0.01, ..., 1.00)."""
STATEMENT_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""Similarities at which the report states the LSH detection probability in words."""


@dataclass(frozen=True)
class DetectionModel:
    """The scan's detection parameters, read from its manifest."""

    min_containment: float
    min_coverage: float
    min_jaccard: float
    min_item_tokens: int
    max_postings: int
    lsh_max_shingles: int
    bands: int
    rows: int
    shingle_size: int

    @classmethod
    def from_manifest(cls, manifest: dict) -> DetectionModel:
        """The model of the scan described by ``manifest`` (a scan's manifest.json)."""
        scan = manifest["parameters"]["scan"]
        params = manifest["index"]["params"]
        return cls(
            min_containment=float(scan["min_containment"]),
            min_coverage=float(scan["min_coverage"]),
            min_jaccard=float(scan["min_jaccard"]),
            min_item_tokens=int(scan["min_item_tokens"]),
            max_postings=int(scan["max_postings"]),
            lsh_max_shingles=int(scan["lsh_max_shingles"]),
            bands=int(params["lsh"]["bands"]),
            rows=int(params["lsh"]["rows"]),
            shingle_size=int(params["shingles"]["n"]),
        )

    def anchor_probability(self, containment: float) -> float:
        """P(detected | containment), for a copy with enough contiguous words (the step)."""
        return 1.0 if containment >= self.min_containment else 0.0

    def lsh_probability(self, jaccard: float) -> float:
        """P(an LSH band collision | Jaccard similarity): ``1 - (1 - s**rows)**bands``."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands

    def near_duplicate_probability(self, jaccard: float) -> float:
        """P(detected | a whole-record near-duplicate at Jaccard ``s``): anchors or LSH, then verified.

        Reported only when ``s >= min_jaccard``; at or above it the anchors alone propose the pair
        (containment >= Jaccard), so the probability is 1; below it, 0 on this path.
        """
        if jaccard < self.min_jaccard:
            return 0.0
        anchors = 1.0 if jaccard >= min(self.min_containment, self.min_jaccard) else 0.0
        return 1.0 - (1.0 - anchors) * (1.0 - self.lsh_probability(jaccard))

    def curves(self) -> dict[str, list[list[float]]]:
        """``[x, P]`` points of the three curves, x from 0 to 1 (JSON friendly, deterministic)."""
        xs = [i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS)]
        return {
            "containment_anchor": [[x, self.anchor_probability(x)] for x in xs],
            "jaccard_lsh": [[x, round(self.lsh_probability(x), 9)] for x in xs],
            "jaccard_near_duplicate": [[x, round(self.near_duplicate_probability(x), 9)] for x in xs],
        }

    def statements(self) -> list[str]:
        """Plain sentences: what is detected with which probability, and what is not covered."""
        c, cov = self.min_containment, self.min_coverage
        lines = [
            f"An item of {self.min_item_tokens} or more words copied into a training record with "
            f"containment >= {c:g} (at least {c:.0%} of its distinct word {self.shingle_size}-grams "
            f"present, after normalisation) and with at least {cov:.0%} of its words in one aligned "
            "run is detected with probability 1: the containment path uses exact n-gram anchors, "
            "not sampling, and every candidate is verified exactly.",
            "A whole record that is a near-duplicate of an item "
            f"(Jaccard similarity >= {self.min_jaccard:g}) is detected with probability 1 "
            "(its containment is at least its Jaccard similarity); "
            f"the MinHash LSH path ({self.bands} bands x {self.rows} rows) alone would propose it with "
            + ", ".join(f"{p_text(self.lsh_probability(s))} at {s:g}" for s in STATEMENT_LEVELS)
            + ".",
            f"Not covered: copies whose containment falls below {c:g} (heavy edits, paraphrase, "
            f"translation, quotes of a small part of an item), items with fewer than {self.min_item_tokens} "
            "words (set aside, counted in the manifest), and anchors made only of word n-grams shared "
            f"by more than {self.max_postings:,} licensed items (not expanded).",
        ]
        return lines

    def absence_statement(self) -> str:
        """What a scan that found nothing may claim."""
        return (
            "This scan found no licensed item. Under the detection model this means that no indexed item "
            f"of {self.min_item_tokens} or more words occurs in the scanned records with containment "
            f">= {self.min_containment:g} and {self.min_coverage:.0%} of its words in one aligned run "
            "(such a copy would have been found with probability 1). It says nothing about copies below "
            "that threshold, paraphrases, translations, shorter items, or records that were skipped as "
            "unreadable."
        )

    def describe(self) -> dict[str, object]:
        """The model's parameters, for the JSON report."""
        return {
            "min_containment": self.min_containment,
            "min_coverage": self.min_coverage,
            "min_jaccard": self.min_jaccard,
            "min_item_tokens": self.min_item_tokens,
            "max_postings": self.max_postings,
            "lsh_max_shingles": self.lsh_max_shingles,
            "lsh_bands": self.bands,
            "lsh_rows": self.rows,
            "shingle_size": self.shingle_size,
        }


def p_text(probability: float) -> str:
    """A probability in words that never rounds a near-certainty up to 1 or a tiny one down to 0."""
    if probability >= 1.0:
        return "1"
    if probability >= 0.999:
        return ">= 0.999"
    if probability <= 0.0:
        return "0"
    if probability < 0.001:
        return "< 0.001"
    return f"{probability:.3f}"
