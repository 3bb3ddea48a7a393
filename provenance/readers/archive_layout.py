"""Where X and Grailbird archive folders keep their tweets: the files their readers read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provenance.errors import InputError
from provenance.readers.archive_fs import ArchiveFiles
from provenance.readers.common import logger, to_str
from provenance.readers.jsonstream import JsonError, iter_json_document

GRAILBIRD_TWEETS_DIR = Path("data", "js", "tweets")
TWEET_FILES = re.compile(r"^(data/)?tweets?(-part\d+)?\.js$")
NOTE_FILES = re.compile(r"^(data/)?note-tweet(-part\d+)?\.js$")
DELETED_FILES = re.compile(r"^(data/)?deleted-tweets(-part\d+)?\.js$")
_PART = re.compile(r"(\d+)\.js$")


def x_archive_files(root: Path, include_deleted: bool = False) -> list[Path]:
    """The files of an X archive folder that are read (manifest, tweets, notes, deleted), sorted."""
    files = ArchiveFiles(root, root.name)
    manifest = read_manifest(files)
    rels = set(data_files(files, manifest, ("tweets", "tweet"), TWEET_FILES, required=False))
    rels |= set(data_files(files, manifest, ("noteTweet",), NOTE_FILES, required=False))
    if include_deleted:
        rels |= set(data_files(files, manifest, ("deletedTweets",), DELETED_FILES, required=False))
    manifest_rel = files.locate("data/manifest.js")
    if manifest_rel:
        rels.add(manifest_rel)
    return sorted(root / rel for rel in rels)


def read_manifest(files: ArchiveFiles) -> Mapping[str, Any] | None:
    """The parsed ``data/manifest.js`` of an X archive (``window.__THAR_CONFIG``), ``None`` when absent."""
    rel = files.locate("data/manifest.js")
    if rel is None:
        return None
    with files.open(rel) as fh:
        for item in iter_json_document(fh, prefix_until="="):
            if isinstance(item, JsonError) or not isinstance(item.value, dict):
                raise InputError(f"unreadable manifest.js: {getattr(item, 'message', 'not an object')}")
            return item.value
    return None


def data_files(
    files: ArchiveFiles,
    manifest: Mapping[str, Any] | None,
    data_types: tuple[str, ...],
    pattern: re.Pattern[str],
    required: bool,
) -> list[str]:
    """The files of one data type: as the manifest lists them, else found by name (parts in order)."""
    types = manifest.get("dataTypes") if manifest else None
    listed = [
        entry.get("fileName")
        for name in data_types
        for entry in ((types or {}).get(name) or {}).get("files") or []
        if isinstance(entry, dict)
    ]
    if not listed:
        return sorted((n for n in files.names() if pattern.match(n)), key=_part_number)
    found: list[str] = []
    for rel in listed:
        located = files.locate(to_str(rel) or "")
        if located:
            found.append(located)
        elif required:
            raise InputError(f"manifest.js lists {rel}, which is missing", source=files.name)
        else:
            logger.info("%s: manifest.js lists %s, which is missing; skipped", files.name, rel)
    return found


def _part_number(rel: str) -> int:
    match = _PART.search(rel)
    return int(match.group(1)) if match and "-part" in rel else 0


def grailbird_files(root: Path) -> list[Path]:
    """The monthly tweet files of a Grailbird archive folder, sorted."""
    return sorted(p for p in (root / GRAILBIRD_TWEETS_DIR).glob("*.js") if p.is_file())
