"""Options and source descriptions shared by every reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from provenance.readers.archive_layout import grailbird_files, x_archive_files
from provenance.readers.hf_dataset import dataset_files

DEFAULT_TEXT_FIELDS: tuple[str, ...] = ("text", "content", "full_text", "tweet", "body")
DEFAULT_ID_FIELDS: tuple[str, ...] = ("id", "id_str", "tweet_id", "doc_id", "uuid")


@dataclass(frozen=True)
class ReaderOptions:
    """How inputs are read.

    Attributes:
        format: one of ``provenance.readers.FORMATS``; anything but ``"auto"`` overrides detection.
        text_field: generic formats: the text field (default: first of ``DEFAULT_TEXT_FIELDS``).
        id_field: generic formats: the id field (default: first of ``DEFAULT_ID_FIELDS``).
        meta_fields: extra fields copied into ``meta`` as strings (dotted paths reach into JSON).
        include_deleted: X archives: also read ``deleted-tweets.js`` (meta ``deleted="true"``).
    """

    format: str = "auto"
    text_field: str | None = None
    id_field: str | None = None
    meta_fields: tuple[str, ...] = ()
    include_deleted: bool = False

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
            return x_archive_files(self.path, include_deleted=self.include_deleted)
        if self.format == "grailbird" and self.path.is_dir():
            return grailbird_files(self.path)
        if self.format == "hf-dataset" and self.path.is_dir():
            return dataset_files(self.path, self.name)
        return [self.path]
