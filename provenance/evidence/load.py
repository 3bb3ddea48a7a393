"""The one loader of a scan's output directory (manifest.json, matches.parquet, items.parquet)."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from provenance.errors import EvidenceError
from provenance.evidence.files import ITEMS_FILE, MANIFEST_FILE, MATCHES_FILE
from provenance.evidence.schema import EVIDENCE_SCHEMA_VERSION, ITEM_SCHEMA, MATCH_SCHEMA

__all__ = ["ScanEvidence", "check_scan_manifest", "load_scan_dir"]

NOT_A_SCAN = "not a scan output directory"
INDEX_FORMAT = "provenance-index"
"""``format`` of an index's manifest.json (``provenance.index.store.FORMAT_NAME``)."""
MIXED = "the evidence is mixed or altered; scan again"
"""Why a table that does not match the manifest is refused (parts of two scans, or an edit)."""


@dataclass(frozen=True)
class ScanEvidence:
    """A scan's output directory as loaded: its manifest and its evidence tables (Arrow, not rows:
    each caller converts what it needs, once)."""

    directory: Path
    manifest: dict[str, Any]
    matches: pa.Table
    items: pa.Table | None
    """``None`` when the caller did not ask for it (``load_scan_dir(..., items=False)``)."""

    @property
    def manifest_path(self) -> Path:
        """``manifest.json`` of the scan."""
        return self.directory / MANIFEST_FILE

    @property
    def matches_path(self) -> Path:
        """``matches.parquet`` of the scan."""
        return self.directory / MATCHES_FILE

    @property
    def items_path(self) -> Path:
        """``items.parquet`` of the scan."""
        return self.directory / ITEMS_FILE


def load_scan_dir(directory: str | Path, *, items: bool = True, check_outputs: bool = True) -> ScanEvidence:
    """Load the scan whose evidence is in ``directory``; ``items=False`` leaves ``items.parquet``
    unread (and not required).

    Every table read is checked against the SHA-256 that manifest.json records for it (in
    ``outputs``, written last by the scan) before it is returned: a table that does not match
    means the directory holds parts of two scans (one killed while writing) or an edited file,
    and is refused. ``check_outputs=False`` skips that check, for ``verify``, which reports such
    a difference itself.

    Raises ``EvidenceError`` naming the directory or file at fault: no such directory, no
    manifest.json, a manifest that is not JSON or does not describe a scan of this evidence schema
    version (an index's manifest is named as such), a missing table, one that is not readable
    Parquet or lacks columns, or one that does not match the manifest.
    """
    out = Path(directory)
    if not out.is_dir():
        what = "not a directory" if out.exists() else "no such directory"
        raise EvidenceError(f"{what}: {NOT_A_SCAN}", source=out.as_posix())
    manifest = _read_manifest(out)
    recorded = manifest.get("outputs", {}) if check_outputs else None
    matches = _read_table(out, MATCHES_FILE, MATCH_SCHEMA, recorded)
    item_table = _read_table(out, ITEMS_FILE, ITEM_SCHEMA, recorded) if items else None
    return ScanEvidence(out, manifest, matches, item_table)


def _read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST_FILE
    if not path.is_file():
        message = f"no {MANIFEST_FILE}: {NOT_A_SCAN}"
        if (out / MATCHES_FILE).is_file():
            message += f" ({MATCHES_FILE} without a manifest: an interrupted first scan; scan again)"
        raise EvidenceError(message, source=out.as_posix())
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise EvidenceError(f"{MANIFEST_FILE} is not valid JSON: {err}", source=path.as_posix()) from None
    except UnicodeDecodeError as err:
        raise EvidenceError(f"{MANIFEST_FILE} is not valid UTF-8: {err}", source=path.as_posix()) from None
    except OSError as err:
        reason = err.strerror or str(err)
        raise EvidenceError(f"{MANIFEST_FILE} cannot be read: {reason}", source=path.as_posix()) from None
    check_scan_manifest(manifest, path)
    return manifest


def check_scan_manifest(manifest: Any, path: str | Path) -> None:
    """Raise ``EvidenceError`` unless ``manifest`` (read from ``path``) describes a scan whose
    evidence this version reads."""
    source = Path(path).as_posix()
    if isinstance(manifest, dict) and manifest.get("format") == INDEX_FORMAT:
        raise EvidenceError(
            "this is a provenance index, not a scan output directory (give the --out directory of"
            " `provenance scan`)",
            source=Path(path).parent.as_posix(),
        )
    if not isinstance(manifest, dict) or manifest.get("command") != "scan" or "counts" not in manifest:
        raise EvidenceError(f"{MANIFEST_FILE} does not describe a scan", source=source)
    version = manifest.get("schema_version")
    if version != EVIDENCE_SCHEMA_VERSION:
        raise EvidenceError(
            f"evidence schema_version {version!r}, this provenance reads version {EVIDENCE_SCHEMA_VERSION}"
            " (scan again with this version)",
            source=source,
        )


def with_holdings(table: pa.Table) -> pa.Table:
    """``table`` with the holding columns (``licenses``, ``corpora`` and, for matches, ``owners``)
    that evidence written before they existed lacks: each item held by its own corpus alone, as
    the index of such a scan recorded no other."""
    single = {"licenses": "license", "corpora": "corpus", "owners": "owner"}
    for name, column in single.items():
        if name in table.column_names or column not in table.column_names:
            continue
        values = table[column].to_pylist()
        lists = pa.array([[v] if v is not None else [] for v in values], type=pa.list_(pa.string()))
        at = table.column_names.index(column) + 1
        table = table.add_column(at, pa.field(name, lists.type, nullable=False), lists)
    return table


def _read_table(out: Path, name: str, schema: pa.Schema, recorded: Any) -> pa.Table:
    """The table ``name``, read from disk once: hashed and parsed from the same mapped bytes, checked
    against the manifest's ``outputs`` (``recorded``) unless that is ``None``. A table that is not
    Parquet or lacks columns is named as such (a more precise fault than its hash)."""
    path = out / name
    if not path.is_file():
        raise EvidenceError(f"{name} is missing", source=out.as_posix())
    try:
        with pa.memory_map(path.as_posix(), "r") as mapped:
            data = mapped.read_buffer()  # the file's bytes, mapped, not copied
            with ThreadPoolExecutor(1) as pool:  # hashing and parsing release the GIL: side by side
                digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
                table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as err:
        reason = str(err).removeprefix("Could not open Parquet input source '<Buffer>': ")
        raise EvidenceError(f"not a readable Parquet file ({reason})", source=path.as_posix()) from None
    table = with_holdings(table)
    missing = [column for column in schema.names if column not in table.column_names]
    if missing:
        raise EvidenceError(
            f"not a {name} of a scan: column(s) {', '.join(missing)} missing", source=path.as_posix()
        )
    if recorded is not None:
        entry = recorded.get(name) if isinstance(recorded, dict) else None
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(expected, str):
            where = (out / MANIFEST_FILE).as_posix()
            raise EvidenceError(f"{MANIFEST_FILE} records no SHA-256 for {name}: {MIXED}", source=where)
        if digest.result() != expected:
            raise EvidenceError(f"{name} does not match {MANIFEST_FILE}: {MIXED}", source=path.as_posix())
    return table
