"""The machine-readable evidence of a scan: matches.parquet, items.parquet, manifest.json."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provenance.atomic import atomic_output, checkpoint, fsync_dir, temp_name
from provenance.evidence.schema import ITEM_SCHEMA

MATCHES_FILE = "matches.parquet"
ITEMS_FILE = "items.parquet"
MANIFEST_FILE = "manifest.json"


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Write a Parquet file reproducibly: fixed options, no statistics that vary."""
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True)


def write_table(table: pa.Table, target: Path) -> None:
    """Write a Parquet file reproducibly (fixed options, no statistics that vary) and atomically."""
    with atomic_output(target) as tmp:
        _write_parquet(table, tmp)


_ITEM_KEYS = [("corpus", "ascending"), ("item_id", "ascending")]


def items_found_table(matches: pa.Table) -> pa.Table:
    """Per licensed item found: how often, how, and where (from the matches table)."""
    # Single-threaded grouping keeps the input order within each group ("first", "list").
    by_place = matches.sort_by([*_ITEM_KEYS, ("dataset_file", "ascending"), ("dataset_row", "ascending")])
    kind = by_place.column("kind")
    counts = pa.table(
        {
            "row": pa.array(range(by_place.num_rows), type=pa.int64()),
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
                ("row", "min"),
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
    first = found["row_min"]  # the holdings are lists, which "first" does not aggregate
    return pa.table(
        [
            found["item_id"],
            found["corpus"],
            found["license_first"],
            by_place.column("licenses").take(first),
            by_place.column("corpora").take(first),
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


def write_scan_outputs(
    out_dir: Path, matches: pa.Table, items: pa.Table, manifest: dict, *, derived: Sequence[str] = ()
) -> None:
    """Write the three evidence files as one unit; the manifest records the tables' SHA-256.

    Both tables and the manifest are written to temporary names and made durable first; then the
    tables are renamed into place and the manifest last. ``load_scan_dir`` checks every table it
    reads against the manifest's SHA-256, so a reader of a directory whose writer was killed at any
    step sees the old evidence, the new, or (between the renames: new tables, old manifest) a
    refusal naming the table, never a mix. The steps are ``checkpoint``s for the kill tests.

    ``derived`` names files drawn from the evidence (``report.html``): an old one is removed before
    the new tables go in place, so that none is left describing other evidence than the manifest's
    (the caller writes the new one after this returns).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in (MATCHES_FILE, ITEMS_FILE, MANIFEST_FILE):
        for stale in out_dir.glob(f".{name}.tmp-*"):  # left by a writer killed while staging
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
    staged: dict[str, Path] = {}
    try:
        for name, table in ((MATCHES_FILE, matches), (ITEMS_FILE, items)):
            staged[name] = temp_name(out_dir / name)
            _write_parquet(table, staged[name])
            checkpoint(f"{name} staged")
        manifest["outputs"] = {name: {"sha256": _sha256_synced(tmp)} for name, tmp in staged.items()}
        body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        staged[MANIFEST_FILE] = temp_name(out_dir / MANIFEST_FILE)
        with open(staged[MANIFEST_FILE], "wb") as fh:
            fh.write(body.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        checkpoint("manifest staged")
        for name in derived:
            with contextlib.suppress(FileNotFoundError):
                (out_dir / name).unlink()
        for name in (MATCHES_FILE, ITEMS_FILE, MANIFEST_FILE):
            if name == MANIFEST_FILE:
                fsync_dir(out_dir)  # the tables' renames are durable before the manifest's
            os.replace(staged[name], out_dir / name)
            del staged[name]
            checkpoint(f"{name} in place")
        fsync_dir(out_dir)
    finally:
        for leftover in staged.values():
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _sha256_synced(path: Path) -> str:
    """Hex SHA-256 of a file just written, read back in one pass that also fsyncs it."""
    digest = hashlib.sha256()
    with open(path, "rb+") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
        os.fsync(fh.fileno())
    return digest.hexdigest()
