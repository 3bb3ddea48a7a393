"""Options and source descriptions shared by every reader."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.errors import InputError, UsageError
from provenance.readers.archive_fs import ArchiveFiles
from provenance.readers.archive_layout import grailbird_files, read_manifest, x_archive_files
from provenance.readers.common import manifest_problem
from provenance.readers.hf_dataset import dataset_files

DEFAULT_TEXT_FIELDS: tuple[str, ...] = ("text", "content", "full_text", "tweet", "body")
DEFAULT_ID_FIELDS: tuple[str, ...] = ("id", "id_str", "tweet_id", "doc_id", "uuid")
DEFAULT_MAX_RECORD_BYTES = 64 << 20
"""A longer record (a JSON Lines line, a JSON value, a CSV row) is skipped without being read whole."""
CHAT_TEXT_FIELD = "messages[].content"
"""The text of chat-format data (``{"messages": [{"role": ..., "content": ...}]}``): a record per message."""


@dataclass(frozen=True)
class ListField:
    """A text field that names a list: ``messages[].content`` is ``ListField("messages", "content")``,
    one record per element (``texts[]``: each element is the text)."""

    items: str
    """The dotted path of the list."""
    text: str
    """The dotted path of the text inside each element; ``""``: the element itself."""

    @property
    def name(self) -> str:
        return f"{self.items}[]" + (f".{self.text}" if self.text else "")


@functools.lru_cache(maxsize=64)
def list_field(name: str) -> ListField | None:
    """``name`` as a ``ListField`` when it holds ``[]``, else ``None``; raises ``UsageError`` for a
    path with more than one ``[]`` or an empty part."""
    if "[" not in name and "]" not in name:
        return None
    items, sep, rest = name.partition("[]")
    text = rest.removeprefix(".")
    if (
        not sep
        or not items
        or "[" in items + text
        or "]" in items + text
        or (rest and not rest.startswith("."))
    ):
        raise UsageError(f"--text-field {name!r}: write a list as 'items[]' or 'items[].field' (one [] only)")
    return ListField(items, text)


@dataclass(frozen=True)
class ReaderOptions:
    """How inputs are read.

    Attributes:
        format: one of ``provenance.readers.FORMATS``; anything but ``"auto"`` overrides detection.
        text_field: generic formats: the text field (default: first of ``DEFAULT_TEXT_FIELDS``).
        id_field: generic formats: the id field (default: first of ``DEFAULT_ID_FIELDS``).
        meta_fields: extra fields copied into ``meta`` as strings (dotted paths reach into JSON).
        include_deleted: X archives: also read ``deleted-tweets.js`` (meta ``deleted="true"``).
        max_record_bytes: a longer record is skipped (``record of N bytes exceeds --max-record-bytes``)
            without being read into memory whole.

    ``text_field`` may be a dotted path (``meta.text``) or name a list (``messages[].content``: one
    record per element, see ``json_records.message_records``).
    """

    format: str = "auto"
    text_field: str | None = None
    id_field: str | None = None
    meta_fields: tuple[str, ...] = ()
    include_deleted: bool = False
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES

    def __post_init__(self) -> None:
        if self.text_field:
            list_field(self.text_field)  # a malformed path is a usage error at once
        if self.max_record_bytes < 1:
            raise UsageError(f"--max-record-bytes must be at least 1, not {self.max_record_bytes}")

    def list_text_field(self) -> ListField | None:
        """The ``--text-field`` as a ``ListField`` when it names a list, else ``None``."""
        return list_field(self.text_field) if self.text_field else None

    def text_fields(self) -> tuple[str, ...]:
        """The text fields to try, in order."""
        return (self.text_field,) if self.text_field else DEFAULT_TEXT_FIELDS

    def id_fields(self) -> tuple[str, ...]:
        """The id fields to try, in order."""
        return (self.id_field,) if self.id_field else DEFAULT_ID_FIELDS


@dataclass(frozen=True)
class InputSource:
    """One input to read: a file, an X/Grailbird archive folder, or an archive ``.zip``.

    Attributes:
        path: the concrete file, archive folder or ``.zip``.
        name: how the user named it (POSIX), or ``given-dir/relative/path`` for files found in a directory.
        format: the concrete format (never ``"auto"``).
        include_deleted: X archives: ``deleted-tweets.js`` is read too (and listed by ``files()``).
    """

    path: Path
    name: str
    format: str
    include_deleted: bool = field(default=False, compare=False)

    def files(self) -> list[Path]:
        """The concrete files that will be read, sorted (for hashing the inputs)."""
        if self.format == "x-archive" and self.path.is_dir():
            checked_manifest(ArchiveFiles(self.path, self.name))
            return x_archive_files(self.path, include_deleted=self.include_deleted)
        if self.format == "grailbird" and self.path.is_dir():
            return grailbird_files(self.path)
        if self.format == "hf-dataset" and self.path.is_dir():
            return dataset_files(self.path, self.name)
        return [self.path]


def checked_manifest(files: ArchiveFiles) -> Mapping[str, Any] | None:
    """The parsed ``manifest.js`` of an X archive (``None`` when absent); one that does not parse,
    or holds what the readers cannot use, is an ``InputError`` naming the member file."""
    rel = files.locate("data/manifest.js")
    if rel is None:
        return None
    try:
        manifest = read_manifest(files)
    except InputError as err:
        err.source = files.label(rel)
        raise
    problem = manifest_problem(manifest) if manifest is not None else None
    if problem is not None:
        raise InputError(f"unexpected manifest.js: {problem}", source=files.label(rel))
    return manifest
