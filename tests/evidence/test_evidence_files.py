"""The items table is the per-item summary of the matches table."""

from __future__ import annotations

import random
from collections import defaultdict

import pyarrow as pa

from provenance.evidence.files import items_found_table
from provenance.evidence.schema import ITEM_SCHEMA, MATCH_SCHEMA


def items_by_definition(rows: list[dict]) -> pa.Table:
    """The items table written out in plain Python, one item at a time."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["corpus"], row["item_id"])].append(row)
    items = []
    for (corpus, item_id), found in sorted(groups.items()):
        first = min(found, key=lambda r: (r["dataset_file"], r["dataset_row"]))
        items.append(
            {
                "item_id": item_id,
                "corpus": corpus,
                "license": found[0]["license"],
                "licenses": found[0]["licenses"],
                "corpora": found[0]["corpora"],
                "matches": len(found),
                "near_duplicate": sum(r["kind"] == "near_duplicate" for r in found),
                "contained": sum(r["kind"] == "contained" for r in found),
                "strong": sum(not r["weak"] for r in found),
                "best_containment": max(r["containment"] for r in found),
                "dataset_files": sorted({r["dataset_file"] for r in found}),
                "first_file": first["dataset_file"],
                "first_row": first["dataset_row"],
                "licensed_text": found[0]["licensed_text"],
            }
        )
    return pa.Table.from_pylist(items, schema=ITEM_SCHEMA)


def random_matches(rng: random.Random, n: int) -> list[dict]:
    items = [(corpus, item) for corpus in ("c1", "C2", "ä") for item in ("i1", "i2", "I3", "é", "ü", "a b")]
    shared = {("c1", "i2"): ["c1", "ä"], ("ä", "é"): ["C2", "ä"]}  # texts a second corpus holds too
    rows = []
    for _ in range(n):
        corpus, item_id = rng.choice(items)
        rows.append(
            {
                **{field.name: None for field in MATCH_SCHEMA},
                "item_id": item_id,
                "corpus": corpus,
                "license": f"LicenseRef-{corpus}",
                "licenses": sorted(f"LicenseRef-{c}" for c in shared.get((corpus, item_id), [corpus])),
                "corpora": shared.get((corpus, item_id), [corpus]),
                "owners": [],
                "dataset_file": rng.choice(["b.jsonl", "a.jsonl", "é.jsonl", "Z.jsonl", "a/b.jsonl"]),
                "dataset_row": rng.randint(0, 40),
                "kind": rng.choice(["contained", "near_duplicate"]),
                "doc_start": 0,
                "doc_end": 1,
                "item_start": 0,
                "item_end": 1,
                "jaccard": rng.random(),
                "containment": rng.random(),
                "coverage": 1.0,
                "shared_shingles": 1,
                "item_shingles": 1,
                "item_tokens": 1,
                "specificity": 1,
                "item_matches": 1,
                "weak": rng.random() < 0.3,
                "snippet": "x",
                "snippet_start": 0,
                "licensed_text": f"the text of {corpus}/{item_id}",
                "item_content_hash": "h",
                "doc_sha256": "s",
            }
        )
    return rows


def test_items_table_follows_its_definition_in_any_row_order() -> None:
    rng = random.Random(3)
    for n in (1, 7, 300, 3000):
        rows = random_matches(rng, n)
        rng.shuffle(rows)
        table = pa.Table.from_pylist(rows, schema=MATCH_SCHEMA)
        assert items_found_table(table).equals(items_by_definition(rows))


def test_no_matches_no_items() -> None:
    items = items_found_table(MATCH_SCHEMA.empty_table())
    assert items.num_rows == 0
    assert items.schema == ITEM_SCHEMA
