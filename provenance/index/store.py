"""The index directory: manifest, segments, atomic commits, locking, opening with checks.

Layout::

    INDEX/
      manifest.json          the commit point: lists the live segments and their file checksums
      segments/<id>/         immutable segments (see ``segment.py``)
      tmp/                   work in progress; never read
      .lock                  held by a writer

A writer builds a segment under ``tmp/``, renames it into ``segments/``, then replaces
``manifest.json`` atomically. Until that replacement, readers see the previous manifest and only
the segments it names, so killing a writer at any moment leaves the previous index intact. Stale
temporary files and unreferenced segments are removed by the next writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from provenance.atomic import atomic_write_bytes, checkpoint, fsync_dir, sha256_file
from provenance.errors import IndexStoreError
from provenance.index.params import IndexParams
from provenance.index.segment import ARRAY_FILES, Segment
from provenance.version import __version__

FORMAT_NAME = "provenance-index"
FORMAT_VERSION = 4
"""3: the manifest carries ``manifest_sha256``, the SHA-256 of its own canonical JSON without it.
4: ``duplicates.parquet`` names the corpus of each duplicate (an item is held by every corpus that
read its text) and a corpus counts its ``ids_qualified`` and ``shared_items``."""
SEAL = "manifest_sha256"
MANIFEST = "manifest.json"
SEGMENT_FILES = ("items.parquet", *ARRAY_FILES, "duplicates.parquet", "skipped.parquet")


def _canonical(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def seal_of(manifest: dict) -> str:
    """SHA-256 of the manifest's canonical JSON without its seal."""
    return hashlib.sha256(_canonical({k: v for k, v in manifest.items() if k != SEAL})).hexdigest()


def manifest_bytes(manifest: dict) -> bytes:
    """Canonical JSON (sorted keys, two-space indent, trailing newline), sealed with
    ``manifest_sha256``: a manifest edited by hand (parameters, counts, licences) no longer opens."""
    return _canonical({**manifest, SEAL: seal_of(manifest)})


def new_manifest(params: IndexParams) -> dict:
    """An empty manifest for a new index."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "params": params.describe(),
        "corpora": [],
        "segments": [],
    }


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive lock for writers; a second writer fails at once with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise IndexStoreError(
                "another provenance process is writing this index", source=str(index_dir)
            ) from err
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_workdir(index_dir: Path) -> Path:
    """A fresh directory under ``tmp/`` for a segment being built."""
    work = index_dir / "tmp" / uuid.uuid4().hex
    work.mkdir(parents=True)
    return work


def publish_segment(index_dir: Path, workdir: Path, seq: int, files: dict[str, dict]) -> tuple[str, dict]:
    """Move a finished segment into ``segments/``; return its id and its files' manifest entries
    (``files``, as their writers hashed them, for exactly the segment files)."""
    if sorted(files) != sorted(SEGMENT_FILES):
        raise AssertionError(f"segment files described: {sorted(files)}, expected {sorted(SEGMENT_FILES)}")
    files = {name: files[name] for name in SEGMENT_FILES}
    segment_id = f"{seq:06d}-{uuid.uuid4().hex[:8]}"
    (index_dir / "segments").mkdir(exist_ok=True)
    checkpoint("before segment rename")
    workdir.rename(index_dir / "segments" / segment_id)
    fsync_dir(index_dir / "segments")
    checkpoint("after segment rename")
    return segment_id, files


def commit_manifest(index_dir: Path, manifest: dict) -> None:
    """Atomically make ``manifest`` the index's state, then remove what it no longer names."""
    checkpoint("before manifest")
    atomic_write_bytes(index_dir / MANIFEST, manifest_bytes(manifest))
    checkpoint("after manifest")
    collect_garbage(index_dir, manifest)


def collect_garbage(index_dir: Path, manifest: dict) -> None:
    """Delete temporary work and segments the manifest does not reference."""
    live = {segment["id"] for segment in manifest["segments"]}
    segments = index_dir / "segments"
    if segments.is_dir():
        for child in sorted(segments.iterdir()):
            if child.name not in live:
                shutil.rmtree(child, ignore_errors=True)
                checkpoint("removed old segment")
    shutil.rmtree(index_dir / "tmp", ignore_errors=True)
    for stale in index_dir.glob(f".{MANIFEST}.tmp-*"):
        stale.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict:
    """Load and check the manifest's format; clear errors for every way it can be wrong."""
    path = index_dir / MANIFEST
    if not index_dir.exists():
        raise IndexStoreError("no index here (the path does not exist)", source=str(index_dir))
    if not path.is_file():
        raise IndexStoreError(
            "not a provenance index (no manifest.json); if a build was interrupted, run it again",
            source=str(index_dir),
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IndexStoreError(f"manifest.json is not valid JSON: {err}", source=str(index_dir)) from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexStoreError("manifest.json is not a provenance index manifest", source=str(index_dir))
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexStoreError(
            f"index format version {version} is not supported by this provenance "
            f"(it reads version {FORMAT_VERSION}); rebuild the index with this version",
            source=str(index_dir),
        )
    if manifest.get(SEAL) != seal_of(manifest):
        raise IndexStoreError(
            "manifest.json was edited or damaged: its content does not match its manifest_sha256; "
            "restore it or rebuild the index",
            source=str(index_dir),
        )
    check_manifest_shape(manifest, index_dir)
    check_normalizer(manifest, index_dir)
    return manifest


def _problem(manifest: dict) -> str | None:
    """What is wrong with the shape of a manifest's corpora and segments, or None."""
    segments, corpora = manifest.get("segments"), manifest.get("corpora")
    if not isinstance(manifest.get("params"), dict):
        return "params is not an object"
    if not isinstance(segments, list) or not isinstance(corpora, list):
        return "segments and corpora must be lists"
    ids = set()
    for n, segment in enumerate(segments):
        if not isinstance(segment, dict) or not isinstance(segment.get("id"), str):
            return f"segments[{n}] has no id"
        if not _count(segment.get("items")):
            return f"segment {segment['id']}: items is not a count"
        files = segment.get("files")
        if not isinstance(files, dict) or sorted(files) != sorted(SEGMENT_FILES):
            return f"segment {segment['id']}: files must list exactly {', '.join(SEGMENT_FILES)}"
        for name, described in files.items():
            if not isinstance(described, dict) or not _count(described.get("bytes")):
                return f"segment {segment['id']} file {name}: bytes is not a count"
            if not isinstance(described.get("sha256"), str) or len(described["sha256"]) != 64:
                return f"segment {segment['id']} file {name}: sha256 is not a SHA-256"
        if "/" in segment["id"] or segment["id"] in ("", ".", ".."):
            return f"segment id {segment['id']!r} is not a directory name"
        ids.add(segment["id"])
    for n, corpus in enumerate(corpora):
        if not isinstance(corpus, dict) or not isinstance(corpus.get("name"), str):
            return f"corpora[{n}] has no name"
        if not isinstance(corpus.get("license"), str):
            return f"corpus {corpus['name']!r}: license is not a string"
        for key in ("indexed", "records_read", "skipped", "duplicates", "ids_qualified", "shared_items"):
            if key in corpus and not _count(corpus[key]):
                return f"corpus {corpus['name']!r}: {key} is not a count"
        named = corpus.get("segments")
        if not isinstance(named, list) or not all(isinstance(i, str) and i in ids for i in named):
            return f"corpus {corpus['name']!r}: segments must list segments of this index"
    return None


def _count(value: object) -> bool:
    """A non-negative integer (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_manifest_shape(manifest: dict, index_dir: Path) -> None:
    """Refuse a manifest whose corpora or segments are not what a build writes (an edited or
    damaged manifest), with what is wrong."""
    problem = _problem(manifest)
    if problem:
        raise IndexStoreError(
            f"manifest.json is damaged: {problem}; rebuild the index", source=str(index_dir)
        )


def check_normalizer(manifest: dict, index_dir: Path) -> None:
    """Scans must normalise and hash exactly as the index did: refuse another normaliser, normaliser
    version or shingle hashing scheme."""
    from provenance.text.normalize import NORMALIZER_NAME, NORMALIZER_VERSION
    from provenance.text.shingles import SHINGLE_SCHEME

    scheme = manifest.get("params", {}).get("shingles", {}).get("scheme")
    if scheme != SHINGLE_SCHEME:
        raise IndexStoreError(
            f"the index hashes shingles as {scheme}, this provenance as {SHINGLE_SCHEME}: rebuild the index",
            source=str(index_dir),
        )
    described = manifest.get("params", {}).get("normalizer", {})
    if (described.get("name"), described.get("version")) != (NORMALIZER_NAME, NORMALIZER_VERSION):
        raise IndexStoreError(
            f"the index was built with normaliser {described.get('name')} v{described.get('version')}, "
            f"this provenance uses {NORMALIZER_NAME} v{NORMALIZER_VERSION}: rebuild the index",
            source=str(index_dir),
        )


def index_digest(index_dir: Path) -> str:
    """SHA-256 of the manifest, which itself holds the SHA-256 of every index file."""
    return hashlib.sha256((index_dir / MANIFEST).read_bytes()).hexdigest()


@dataclass
class Index:
    """An open index: its manifest, parameters and memory-mapped segments."""

    path: Path
    manifest: dict
    params: IndexParams
    segments: list[Segment]
    offsets: np.ndarray
    """Global item number of each segment's first item (plus the total at the end)."""

    @classmethod
    def open(cls, path: str | Path, verify_checksums: bool = True) -> Index:
        """Open an index, checking format version and (by default) every file's SHA-256."""
        index_dir = Path(path)
        manifest = read_manifest(index_dir)
        segments = []
        for entry in manifest["segments"]:
            seg_dir = index_dir / "segments" / entry["id"]
            check_segment_files(seg_dir, entry, verify_checksums)
            try:
                segments.append(Segment.open(seg_dir, int(entry["items"])))
            except (OSError, ValueError) as err:
                raise IndexStoreError(
                    f"segment {entry['id']} cannot be opened: {err}", source=str(index_dir)
                ) from err
        for entry, segment in zip(manifest["segments"], segments, strict=True):
            problem = segment_problem(segment)
            if problem:
                raise IndexStoreError(
                    f"segment {entry['id']} is damaged: {problem}; rebuild the index", source=str(index_dir)
                )
        counts = [s.n_items for s in segments]
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        try:
            params = IndexParams.from_description(manifest["params"])
        except (KeyError, TypeError, ValueError) as err:
            raise IndexStoreError(
                f"manifest.json is damaged: params cannot be read ({err!r}); rebuild the index",
                source=str(index_dir),
            ) from err
        return cls(path=index_dir, manifest=manifest, params=params, segments=segments, offsets=offsets)

    @property
    def n_items(self) -> int:
        """Number of indexed items in all segments."""
        return int(self.offsets[-1])

    def verify_checksums(self) -> None:
        """Check every segment file's SHA-256 against the manifest (raises ``IndexStoreError``)."""
        for entry in self.manifest["segments"]:
            check_segment_files(self.path / "segments" / entry["id"], entry, verify_checksums=True)

    def digest(self) -> str:
        """SHA-256 of the manifest: identifies this exact index state."""
        return index_digest(self.path)

    def items(self, columns: list[str] | None = None) -> pa.Table:
        """All items in global item order."""
        tables = [s.items_table(columns) for s in self.segments]
        if not tables:
            from provenance.index.segment import ITEMS_SCHEMA

            schema = ITEMS_SCHEMA if columns is None else pa.schema([ITEMS_SCHEMA.field(c) for c in columns])
            return schema.empty_table()
        return pa.concat_tables(tables)

    def item_shingle_counts(self) -> np.ndarray:
        """Distinct shingles of every item, in global item order."""
        return np.concatenate([np.asarray(s.item_shingles) for s in self.segments] or [np.zeros(0, np.int32)])


def segment_problem(segment: Segment) -> str | None:
    """What is inconsistent between a segment's arrays and its item count, or None."""
    n = segment.n_items
    expected = {
        "shingle_keys": (np.uint64, 1),
        "shingle_items": (np.uint32, 1),
        "band_keys": (np.uint64, 2),
        "band_items": (np.uint32, 2),
        "item_shingles": (np.int32, 1),
    }
    for name, (dtype, ndim) in expected.items():
        array = getattr(segment, name)
        if array.dtype != dtype or array.ndim != ndim:
            wanted = f"{np.dtype(dtype)} in {ndim}"
            return f"{name}.npy holds {array.dtype} in {array.ndim} dimension(s), not {wanted}"
    if len(segment.shingle_keys) != len(segment.shingle_items):
        return "shingle_keys.npy and shingle_items.npy differ in length"
    if segment.band_keys.shape != segment.band_items.shape or segment.band_keys.shape[1] != n:
        return f"the band tables are not [bands, {n}]"
    if len(segment.item_shingles) != n:
        return f"item_shingles.npy holds {len(segment.item_shingles)} counts for {n} items"
    return None


def check_segment_files(seg_dir: Path, entry: dict, verify_checksums: bool) -> None:
    """Every file the manifest names exists, has its size and (optionally) its SHA-256."""
    for name, expected in entry["files"].items():
        file = seg_dir / name
        if not file.is_file():
            raise IndexStoreError(
                f"segment {entry['id']} is missing {name}", source=str(seg_dir.parent.parent)
            )
        if file.stat().st_size != expected["bytes"] or (
            verify_checksums and sha256_file(file) != expected["sha256"]
        ):
            raise IndexStoreError(
                f"checksum mismatch in segment {entry['id']} file {name}: the index is corrupt; rebuild it",
                source=str(seg_dir.parent.parent),
            )
