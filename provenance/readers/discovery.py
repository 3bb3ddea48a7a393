"""Finding the inputs: files, globs, pipes and directory walks that read every data file and list the rest."""

from __future__ import annotations

import glob
import logging
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provenance.errors import InputError
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.detect import NOT_AN_X_ZIP, archive_kind, detect_file_format, is_data_name
from provenance.readers.hf_dataset import dataset_parts
from provenance.readers.integrity import check_text_input
from provenance.readers.spool import spool

logger = logging.getLogger("provenance.readers")

ARCHIVE_FORMATS: tuple[str, ...] = ("x-archive", "grailbird")
VCS_FOLDERS: tuple[str, ...] = (".git", ".hg", ".svn", ".bzr", "_darcs", "CVS")
"""Folders a directory walk does not enter (each is listed as skipped)."""
DOCUMENT_STEMS: tuple[str, ...] = (
    "readme",
    "license",
    "licence",
    "copying",
    "notice",
    "authors",
    "changelog",
)
NOT_DATA_NAMES: tuple[str, ...] = ("_success", "_metadata", "_common_metadata", ".ds_store")
NOT_DATA_SUFFIXES: tuple[str, ...] = (
    ".md",
    ".rst",
    ".py",
    ".pyc",
    ".sh",
    ".toml",
    ".cfg",
    ".ini",
    ".yaml",
    ".yml",
    ".lock",
    ".crc",
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
)
"""With ``--format`` given, a walk reads every file in that format but these (and files named
``README``, ``LICENSE``, ... or hidden, without a data extension such as ``.jsonl``)."""


@dataclass(frozen=True)
class SkippedInput:
    """A path a directory walk found and did not read, and why."""

    path: str
    """As the sources are named: ``given-dir/relative/path`` (POSIX)."""
    reason: str

    def describe(self) -> dict[str, str]:
        """``{"path": ..., "reason": ...}``: a manifest's ``inputs_skipped`` entry."""
        return {"path": self.path, "reason": self.reason}


@dataclass
class Discovery:
    """What ``discover_inputs`` found: the sources to read, in order, and the paths it skipped."""

    sources: list[InputSource] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)


def find_inputs(paths: Sequence[str | Path], options: ReaderOptions) -> Discovery:
    """The sources named by ``paths`` (files, directories, globs, pipes), in a deterministic order,
    and every path a directory walk skipped (``Discovery``); see ``provenance.readers.discover``."""
    walk = _Walk(options)
    seen: set[tuple[Path, str]] = set()
    for given in paths:
        for source in walk.expand(os.fspath(given)):
            key = (source.path.resolve(), source.format)
            if key not in seen:
                seen.add(key)
                walk.found.sources.append(source)
    return walk.found


class _Walk:
    """One discovery: its options, what it found, and the folders and pipes it has been through."""

    def __init__(self, options: ReaderOptions) -> None:
        self.options = options
        self.found = Discovery()
        self.folders: set[Path] = set()
        self.pipes: dict[tuple[int, int], Path] = {}

    def expand(self, given: str) -> Iterator[InputSource]:
        path = Path(given)
        if path.exists():
            yield from self.named(path, path.as_posix())
            return
        if not glob.has_magic(given):
            raise InputError("no such file or directory", source=given)
        matches = sorted(glob.glob(given, recursive=True))
        if not matches:
            raise InputError("no files match this pattern", source=given)
        for match in matches:
            yield from self.named(Path(match), Path(match).as_posix())

    def named(self, path: Path, name: str) -> Iterator[InputSource]:
        """A path the user named: a file, a pipe (read once), a directory; anything else refused."""
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            yield from self.folder(path, name, top=True)
        elif stat.S_ISREG(mode):
            yield self.file(path, name, self._format(path, name))
        elif stat.S_ISFIFO(mode):
            yield self.file(self._spooled(path, name), name, None)
        else:
            raise InputError(f"not a file, a directory or a pipe ({_kind(mode)})", source=name)

    def file(self, path: Path, name: str, fmt: str | None) -> InputSource:
        """The source of one file, its content checked against the encoding policy."""
        fmt = fmt or self._format(path, name)
        try:
            check_text_input(path, fmt)
        except InputError as err:
            err.source = err.source or name
            raise
        return InputSource(path, name, fmt, self.options.include_deleted)

    def folder(self, path: Path, name: str, top: bool) -> Iterator[InputSource]:
        fmt = self.options.format
        if fmt in ("auto", "hf-dataset") and (parts := dataset_parts(path, name)) is not None:
            yield from (InputSource(part, part_name, kind) for part, part_name, kind in parts)
            return
        kind = fmt if fmt in ARCHIVE_FORMATS else archive_kind(path) if fmt == "auto" else None
        if kind:
            yield InputSource(path, name, kind, self.options.include_deleted)
            return
        self.folders.add(path.resolve())
        found, skipped_before = False, len(self.found.skipped)
        for child in sorted(path.iterdir(), key=lambda p: p.name):
            for source in self.child(child, f"{name}/{child.name}"):
                found = True
                yield source
        if top and not found:
            skipped = self.found.skipped[skipped_before:]
            example = ""
            if skipped:
                example = f"; {len(skipped)} not read, such as {skipped[0].path}: {skipped[0].reason}"
            raise InputError(f"no data files in this directory{example}", source=name)

    def child(self, path: Path, name: str) -> Iterator[InputSource]:
        """A path found by a walk: read, walked, or listed as skipped with its reason."""
        try:
            mode = path.stat().st_mode
        except OSError as err:
            self.skip(name, f"cannot be read: {err.strerror or err}")
            return
        if stat.S_ISDIR(mode):
            if path.name in VCS_FOLDERS:
                self.skip(name, "a version-control folder")
            elif path.resolve() in self.folders:
                self.skip(name, "a link to a folder this walk has already been through")
            else:
                yield from self.folder(path, name, top=False)
            return
        if not stat.S_ISREG(mode):
            self.skip(name, f"not a regular file ({_kind(mode)}); name it to read it")
            return
        reason = self._not_data(path.name)
        if reason:
            self.skip(name, reason)
            return
        try:
            fmt = self._format(path, name)
        except InputError as err:
            if err.message != NOT_AN_X_ZIP:
                raise
            self.skip(name, err.message)
            return
        yield self.file(path, name, fmt)

    def skip(self, name: str, reason: str) -> None:
        logger.info("%s: not read: %s", name, reason)
        self.found.skipped.append(SkippedInput(name, reason))

    def _not_data(self, filename: str) -> str | None:
        """Why a walk does not read the file ``filename``, or ``None`` to read it."""
        if is_data_name(filename):
            return None
        lower = filename.lower()
        suffix = Path(lower).suffix
        if self.options.format == "auto":
            kind = f"'{suffix}' files" if suffix else "files without an extension"
            return f"no reader for {kind}; name it with --format to read it"
        if lower in NOT_DATA_NAMES or lower.endswith(NOT_DATA_SUFFIXES):
            return "not a data file; name it to read it"
        if lower.startswith("."):
            return "a hidden file without a data extension; name it to read it"
        if lower.split(".")[0] in DOCUMENT_STEMS:
            return "a document (README, LICENSE, ...) without a data extension; name it to read it"
        return None

    def _format(self, path: Path, name: str) -> str:
        fmt = self.options.format
        return fmt if fmt != "auto" else detect_file_format(path, name)

    def _spooled(self, path: Path, name: str) -> Path:
        """The temporary copy of the pipe ``path``, made once per discovery."""
        info = path.stat()
        key = (info.st_dev, info.st_ino)
        if key not in self.pipes:
            self.pipes[key] = spool(path, name).path
        return self.pipes[key]


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"
