"""Plain text: ``text`` = one record per non-blank line, ``text-file`` = one record per file.

Files are UTF-8 (a BOM at the start is dropped). A line that is not valid UTF-8 is skipped and
recorded (``text``; the other lines are read as they are, never reinterpreted), and a ``text-file``
that is not is its one record skipped, with the line of its first bad byte. For ``text``,
``position`` is the 0-based line index and ``line`` the 1-based line number; blank
(whitespace-only) lines are not records, so positions skip them.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import open_binary
from provenance.readers.integrity import invalid_utf8_message
from provenance.readers.records import Record, SkippedRecord, default_id


def read_text_lines(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """One record per non-blank line, at position (and with the default id of) its line index."""
    with open_binary(source.path) as fh:
        for index, raw in enumerate(fh):
            line = raw.removeprefix(codecs.BOM_UTF8) if index == 0 else raw
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as err:
                yield SkippedRecord(source.name, index, _reason(line, err), index + 1)
                continue
            text = text.rstrip("\r\n")
            if text.strip():
                yield Record(default_id(source.name, index), text, source.name, index, index + 1, {})


def read_text_file(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """The whole file as one record, id ``<source>:0``."""
    with open_binary(source.path) as fh:
        data = fh.read().removeprefix(codecs.BOM_UTF8)
    emitter = Emitter(source.name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        start = data.rfind(b"\n", 0, err.start) + 1
        yield emitter.skip(_reason(data[start:], err, start), data.count(b"\n", 0, err.start) + 1)
        return
    yield emitter.record(None, text, 1)


def _reason(line: bytes, err: UnicodeDecodeError, start: int = 0) -> str:
    """The skip reason for ``line`` (bytes from ``start`` of the decoded data), which ``err`` failed."""
    at = err.start - start
    return invalid_utf8_message(line[at], len(line[:at].decode("utf-8", "replace")) + 1)
