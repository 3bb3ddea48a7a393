"""Uniform access to the files of an archive, whether an unpacked folder or a ``.zip``."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TextIO

from provenance.errors import InputError
from provenance.readers.compression import open_binary, open_text
from provenance.readers.integrity import first_invalid_utf8_in


class ArchiveFiles:
    """The files of an archive folder, addressed by POSIX paths relative to the archive root."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.name = name

    def names(self) -> list[str]:
        """Every file, relative to the root, sorted."""
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def locate(self, rel: str) -> str | None:
        """``rel`` (e.g. ``data/tweets.js`` from the manifest) as present here, else ``None``."""
        for candidate in _candidates(rel):
            if (self.root / candidate).is_file():
                return candidate
        return None

    @contextmanager
    def open(self, rel: str) -> Iterator[TextIO]:
        """The member ``rel`` as UTF-8 text; an error reading it names the member (and the line of
        a byte that is not UTF-8)."""
        with self._errors_naming(rel, lambda: open_binary(self.root / rel)):
            with open_text(self.root / rel, encoding="utf-8-sig") as fh:
                yield fh

    @contextmanager
    def _errors_naming(self, rel: str, reopen: Callable[[], BinaryIO]) -> Iterator[None]:
        where = self.label(rel) if self.name else self.path(rel).as_posix()
        try:
            yield
        except InputError as err:
            err.source = err.source or where
            raise
        except UnicodeDecodeError as err:
            with reopen() as fh:
                located = first_invalid_utf8_in(fh) or InputError(f"not valid UTF-8 ({err.reason})")
            located.source = where
            raise located from None
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:
            raise InputError(f"cannot read: {err}", source=where) from err

    def label(self, rel: str) -> str:
        """How records name the member: ``<archive name>/data/tweets.js``."""
        return f"{self.name}/{rel}"

    def path(self, rel: str) -> Path:
        return self.root / rel


class ZipArchiveFiles(ArchiveFiles):
    """The files of a zipped archive; members may sit under one top folder."""

    def __init__(self, zip_path: Path, name: str) -> None:
        super().__init__(zip_path, name)
        self.zip = zipfile.ZipFile(zip_path)
        members = [n for n in self.zip.namelist() if not n.endswith("/")]
        self.prefix = zip_prefix(members) or ""
        self.members = {n[len(self.prefix) :]: n for n in members if n.startswith(self.prefix)}

    def names(self) -> list[str]:
        return sorted(self.members)

    def locate(self, rel: str) -> str | None:
        return next((c for c in _candidates(rel) if c in self.members), None)

    @contextmanager
    def open(self, rel: str) -> Iterator[TextIO]:
        with self._errors_naming(rel, lambda: self.zip.open(self.members[rel])):  # type: ignore[arg-type,return-value]
            with self.zip.open(self.members[rel]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\n")

    def label(self, rel: str) -> str:
        return f"{self.name}!{self.members[rel]}"

    def close(self) -> None:
        self.zip.close()


_MARKERS = re.compile(r"(^|/)(data/)?(tweets?|manifest)\.js$")


def zip_prefix(members: list[str]) -> str | None:
    """The folder inside a zip that holds an X archive (``""`` for the top), or ``None``."""
    for member in sorted(members, key=len):
        match = _MARKERS.search(member)
        if match:
            return member[: match.start(2) if match.group(2) else match.start(3)]
    return None


def _candidates(rel: str) -> list[str]:
    path = PurePosixPath(rel)
    if path.parts and path.parts[0] == "data":
        return [rel, PurePosixPath(*path.parts[1:]).as_posix()]
    return [rel, f"data/{rel}"]
