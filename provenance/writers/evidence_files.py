"""The machine-readable evidence of a scan: matches.parquet, items.parquet, manifest.json."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from operator import itemgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_output, atomic_write_bytes, sha256_file
from ..evidence import ITEM_SCHEMA

MATCHES_FILE = "matches.parquet"
ITEMS_FILE = "items.parquet"
MANIFEST_FILE = "manifest.json"


def write_table(table: pa.Table, target: Path) -> None:
    """Write a Parquet file reproducibly (fixed options, no statistics that vary) and atomically."""
    with atomic_output(target) as tmp:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)


def items_found_table(match_rows: list[dict]) -> pa.Table:
    """Per licensed item found: how often, how, and where (from the rows of the matches table)."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in match_rows:
        groups[(row["corpus"], row["item_id"])].append(row)
    where = itemgetter("dataset_file", "dataset_row")
    rows = []
    for (corpus, item_id), found in sorted(groups.items()):
        kinds = Counter(r["kind"] for r in found)
        first = min(found, key=where)
        rows.append(
            {
                "item_id": item_id,
                "corpus": corpus,
                "license": found[0]["license"],
                "matches": len(found),
                "near_duplicate": kinds["near_duplicate"],
                "contained": kinds["contained"],
                "strong": sum(not r["weak"] for r in found),
                "best_containment": max(r["containment"] for r in found),
                "dataset_files": sorted({r["dataset_file"] for r in found}),
                "first_file": first["dataset_file"],
                "first_row": first["dataset_row"],
                "licensed_text": found[0]["licensed_text"],
            }
        )
    return pa.Table.from_pylist(rows, schema=ITEM_SCHEMA)


def write_scan_outputs(out_dir: Path, matches: pa.Table, items: pa.Table, manifest: dict) -> None:
    """Write the three evidence files; the manifest records the tables' SHA-256."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(matches, out_dir / MATCHES_FILE)
    write_table(items, out_dir / ITEMS_FILE)
    manifest["outputs"] = {
        name: {"sha256": sha256_file(out_dir / name)} for name in (MATCHES_FILE, ITEMS_FILE)
    }
    body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(out_dir / MANIFEST_FILE, body.encode("utf-8"))
