"""The machine-readable evidence of a scan: matches.parquet, items.parquet, manifest.json."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provenance.atomic import atomic_output, atomic_write_bytes, sha256_file
from provenance.evidence.schema import ITEM_SCHEMA

MATCHES_FILE = "matches.parquet"
ITEMS_FILE = "items.parquet"
MANIFEST_FILE = "manifest.json"


def write_table(table: pa.Table, target: Path) -> None:
    """Write a Parquet file reproducibly (fixed options, no statistics that vary) and atomically."""
    with atomic_output(target) as tmp:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)


_ITEM_KEYS = [("corpus", "ascending"), ("item_id", "ascending")]


def items_found_table(matches: pa.Table) -> pa.Table:
    """Per licensed item found: how often, how, and where (from the matches table)."""
    # Single-threaded grouping keeps the input order within each group ("first", "list").
    by_place = matches.sort_by([*_ITEM_KEYS, ("dataset_file", "ascending"), ("dataset_row", "ascending")])
    kind = by_place.column("kind")
    counts = pa.table(
        {
            "corpus": by_place.column("corpus"),
            "item_id": by_place.column("item_id"),
            "license": by_place.column("license"),
            "near_duplicate": pc.equal(kind, "near_duplicate").cast(pa.int32()),
            "contained": pc.equal(kind, "contained").cast(pa.int32()),
            "strong": pc.invert(by_place.column("weak")).cast(pa.int32()),
            "containment": by_place.column("containment"),
            "dataset_file": by_place.column("dataset_file"),
            "dataset_row": by_place.column("dataset_row"),
            "licensed_text": by_place.column("licensed_text"),
        }
    )
    found = (
        counts.group_by(["corpus", "item_id"], use_threads=False)
        .aggregate(
            [
                ("license", "first"),
                ("item_id", "count"),
                ("near_duplicate", "sum"),
                ("contained", "sum"),
                ("strong", "sum"),
                ("containment", "max"),
                ("dataset_file", "first"),
                ("dataset_row", "first"),
                ("licensed_text", "first"),
            ]
        )
        .sort_by(_ITEM_KEYS)
    )
    files = (
        counts.group_by(["corpus", "item_id", "dataset_file"], use_threads=False)
        .aggregate([])
        .sort_by([*_ITEM_KEYS, ("dataset_file", "ascending")])
        .group_by(["corpus", "item_id"], use_threads=False)
        .aggregate([("dataset_file", "list")])
        .sort_by(_ITEM_KEYS)
    )
    return pa.table(
        [
            found["item_id"],
            found["corpus"],
            found["license_first"],
            found["item_id_count"],
            found["near_duplicate_sum"],
            found["contained_sum"],
            found["strong_sum"],
            found["containment_max"],
            files["dataset_file_list"],
            found["dataset_file_first"],
            found["dataset_row_first"],
            found["licensed_text_first"],
        ],
        names=ITEM_SCHEMA.names,
    ).cast(ITEM_SCHEMA)


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
