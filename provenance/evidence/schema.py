"""The evidence data model: one verified match per (licensed item, training record) pair."""

from __future__ import annotations

import pyarrow as pa

EVIDENCE_SCHEMA_VERSION = 1
SNIPPET_CONTEXT = 80
"""Characters of training text kept on each side of the copied span in ``snippet``."""

MATCH_FIELDS: list[tuple[str, pa.DataType, bool, str]] = [
    ("item_id", pa.string(), False, "the licensed item's id exactly as read"),
    ("corpus", pa.string(), False, "the licensed corpus that indexed the item first (item_id is its id)"),
    ("license", pa.string(), False, "the licence of that corpus (SPDX identifier or LicenseRef-...)"),
    ("owner", pa.string(), True, "the owner of that corpus, when given"),
    (
        "licenses",
        pa.list_(pa.string()),
        False,
        "every licence the item's text is held under, by any corpus that read it (sorted, no repeats)",
    ),
    ("corpora", pa.list_(pa.string()), False, "every corpus that read the item's text (sorted)"),
    ("owners", pa.list_(pa.string()), False, "the owners those corpora name (sorted, no repeats)"),
    ("dataset_file", pa.string(), False, "the training file, as given on the command line"),
    ("dataset_row", pa.int64(), False, "0-based record index in that file"),
    ("dataset_line", pa.int64(), True, "1-based line where the record starts, for line formats"),
    ("dataset_doc_id", pa.string(), True, "the training record's own id, when it has one"),
    ("kind", pa.string(), False, "near_duplicate (the record is mostly the item) or contained"),
    ("doc_start", pa.int64(), False, "start of the copy in the training text (character offset)"),
    ("doc_end", pa.int64(), False, "end of the copy in the training text (exclusive)"),
    ("item_start", pa.int64(), False, "start of the copied part in the licensed text"),
    ("item_end", pa.int64(), False, "end of the copied part in the licensed text (exclusive)"),
    ("jaccard", pa.float64(), False, "exact Jaccard similarity of the two shingle sets"),
    ("containment", pa.float64(), False, "exact share of the item's distinct shingles present in the record"),
    ("coverage", pa.float64(), False, "share of the item's tokens inside the aligned copy"),
    ("shared_shingles", pa.int32(), False, "distinct shingles the item and the record share"),
    ("item_shingles", pa.int32(), False, "distinct shingles of the item"),
    ("item_tokens", pa.int32(), False, "tokens (words) of the normalised item"),
    (
        "specificity",
        pa.int32(),
        False,
        "shared shingles found in at most 5 licensed items: copied evidence that is not a stock phrase",
    ),
    ("item_matches", pa.int32(), False, "training records this item matched in this scan"),
    ("weak", pa.bool_(), False, "true when the evidence is thin (short copy, or an item matched very often)"),
    ("snippet", pa.string(), False, "the training text around the copy"),
    ("snippet_start", pa.int64(), False, "character offset of the snippet in the training text"),
    ("licensed_text", pa.string(), False, "the licensed item's text"),
    ("item_author", pa.string(), True, "the item's author, when known"),
    ("item_created_at", pa.string(), True, "the item's creation time (ISO 8601), when known"),
    ("item_url", pa.string(), True, "the item's URL, when known"),
    ("item_content_hash", pa.string(), False, "XXH3-128 of the normalised licensed text"),
    ("doc_sha256", pa.string(), False, "SHA-256 of the training record's text (UTF-8)"),
]
MATCH_SCHEMA = pa.schema(
    [pa.field(name, dtype, nullable=nullable) for name, dtype, nullable, _ in MATCH_FIELDS],
    metadata={"provenance.evidence_schema_version": str(EVIDENCE_SCHEMA_VERSION)},
)
MATCH_SORT_KEYS = ("dataset_file", "dataset_row", "corpus", "item_id")

ITEM_FIELDS: list[tuple[str, pa.DataType, bool, str]] = [
    ("item_id", pa.string(), False, "the licensed item's id"),
    ("corpus", pa.string(), False, "its corpus"),
    ("license", pa.string(), False, "its licence"),
    ("licenses", pa.list_(pa.string()), False, "every licence its text is held under (sorted)"),
    ("corpora", pa.list_(pa.string()), False, "every corpus that holds its text (sorted)"),
    ("matches", pa.int32(), False, "training records it was found in"),
    ("near_duplicate", pa.int32(), False, "of which as a near-duplicate record"),
    ("contained", pa.int32(), False, "of which embedded in a longer record"),
    ("strong", pa.int32(), False, "matches not flagged weak"),
    ("best_containment", pa.float64(), False, "highest containment over its matches"),
    ("dataset_files", pa.list_(pa.string()), False, "files it was found in (sorted)"),
    ("first_file", pa.string(), False, "first file (in sort order) it was found in"),
    ("first_row", pa.int64(), False, "row of its first match in that file"),
    ("licensed_text", pa.string(), False, "the item's text"),
]
ITEM_SCHEMA = pa.schema(
    [pa.field(name, dtype, nullable=nullable) for name, dtype, nullable, _ in ITEM_FIELDS]
)


def union_length(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of half-open ``(start, end)`` spans."""
    total, end = 0, -1
    for start, stop in sorted(spans):
        start = max(start, end)
        if stop > start:
            total += stop - start
            end = stop
    return total
