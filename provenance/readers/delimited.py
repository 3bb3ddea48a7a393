"""CSV and TSV files (RFC 4180 quoting, so texts may span lines), streamed row by row.

Quoting is parsed strictly, so an unterminated quote cannot silently merge the rows after it into
one record: a malformed row on one line (``"ab"c``, a quote left open on the last line) is skipped
and recorded with its line; a row spanning lines that does not parse (a quote opened and never
closed, which swallows the rows after it) makes the file an ``InputError`` naming the line where
the row starts. A line longer than ``--max-record-bytes`` is dropped as it is read (skipped, or the
file refused when inside a quoted field), and so is a field over that size.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from provenance.errors import InputError
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem, clean_meta, extra_meta
from provenance.readers.compression import open_text
from provenance.readers.jsonstream import too_long

_DROP_CHUNK = 1 << 20


def read_delimited(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """One record per data row (blank lines are not rows); ``line`` is where the row starts."""
    delimiter = "\t" if source.format == "tsv" else ","
    limit = options.max_record_bytes
    csv.field_size_limit(limit)
    with open_text(source.path, encoding="utf-8-sig", newline="") as fh:
        lines = _Lines(fh, limit)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
        except (csv.Error, _LineTooLong) as err:
            raise InputError(f"unreadable header row: {err}", source=source.name, line=1) from None
        if header is None:
            return
        text_col = _column(header, options.text_fields())
        if text_col is None:
            raise InputError(
                f"no text column (tried {', '.join(options.text_fields())}; "
                f"columns: {', '.join(header)}); use --text-field",
                source=source.name,
            )
        id_col = _column(header, options.id_fields())
        emitter = Emitter(source.name)
        previous = lines.number
        while True:
            line = previous + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LineTooLong) as err:
                if lines.number > line:  # a row over lines: its end, and the rows after it, are unknown
                    reason = _row_error(err, line, lines.number)
                    raise InputError(reason, source=source.name, line=line) from None
                reason = err.reason if isinstance(err, _LineTooLong) else f"malformed row: {err}"
                yield emitter.skip(reason, line)
                previous = lines.number
                continue
            previous = lines.number
            if not row:
                continue
            if len(row) < len(header):
                yield emitter.skip(f"row has {len(row)} fields, the header has {len(header)}", line)
                continue
            values = dict(zip(header, row, strict=False))
            meta = clean_meta(url=values.get("url")) | extra_meta(values, options.meta_fields)
            record_id = values[id_col] if id_col else None
            yield emitter.record(record_id, values[text_col], line, meta)


def _row_error(err: Exception, start: int, end: int) -> str:
    """Why a row spanning lines ``start`` to ``end`` ends the reading."""
    if isinstance(err, _LineTooLong):
        return f"line {end} inside the quoted field of this row: {err.reason}"
    if "unexpected end of data" in str(err):
        return f"unterminated quote: the quoted field of this row runs to the end of the file (line {end})"
    return (
        f"malformed row ({err} at line {end}): a quote opened in this row was not closed where it"
        " should be, so the rows after it would merge into one record"
    )


class _LineTooLong(Exception):
    """A physical line longer than the limit, dropped as it was read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Lines:
    """The physical lines of a text file, for ``csv.reader``, counted; a line longer than ``limit``
    characters is dropped as it is read and raises ``_LineTooLong`` (the next line follows)."""

    def __init__(self, fh: TextIO, limit: int) -> None:
        self.fh = fh
        self.limit = limit
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) <= self.limit or line[-1] in "\r\n":
            return line
        size = len(line.encode("utf-8", "surrogatepass"))
        while line and line[-1] not in "\r\n":
            line = self.fh.readline(_DROP_CHUNK)
            size += len(line.rstrip("\r\n").encode("utf-8", "surrogatepass"))
        raise _LineTooLong(too_long(size, self.limit))


def _column(header: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in header), None)
