"""Plain text: ``text`` = one record per non-blank line, ``text-file`` = one record per file.

Files are decoded as UTF-8 (a BOM is dropped); a file that is not valid UTF-8 is decoded as
Latin-1 as a whole, and its records carry meta ``encoding="latin-1"``. For ``text``, ``position``
is the 0-based line index and ``line`` the 1-based line number; blank (whitespace-only) lines
are not records, so positions skip them.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import open_binary, open_text
from provenance.readers.records import Record, default_id

_CHUNK = 1 << 20


def read_text_lines(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """One record per non-blank line, at position (and with the default id of) its line index."""
    encoding, meta = _encoding(source.path)
    with open_text(source.path, encoding=encoding) as fh:
        for index, raw in enumerate(fh):
            text = raw.rstrip("\r\n")
            if text.strip():
                yield Record(default_id(source.name, index), text, source.name, index, index + 1, dict(meta))


def read_text_file(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """The whole file as one record, id ``<source>:0``."""
    encoding, meta = _encoding(source.path)
    with open_text(source.path, encoding=encoding, newline="") as fh:
        text = fh.read()
    yield Emitter(source.name).record(None, text, 1, meta)


def _encoding(path: Path) -> tuple[str, dict[str, str]]:
    """``utf-8-sig`` when the whole file is valid UTF-8, else ``latin-1`` (with a meta note)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_binary(path) as fh:
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1", {"encoding": "latin-1"}
    return "utf-8-sig", {}
