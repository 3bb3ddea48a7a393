"""CSV and TSV files (RFC 4180 quoting, so texts may span lines), streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from provenance.errors import InputError
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem, clean_meta, extra_meta
from provenance.readers.compression import open_text

csv.field_size_limit(2**31 - 1)


def read_delimited(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """One record per data row (blank lines are not rows); ``line`` is where the row starts."""
    delimiter = "\t" if source.format == "tsv" else ","
    with open_text(source.path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
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
        previous = reader.line_num
        for row in reader:
            line, previous = previous + 1, reader.line_num
            if not row:
                continue
            if len(row) < len(header):
                yield emitter.skip(f"row has {len(row)} fields, the header has {len(header)}", line)
                continue
            values = dict(zip(header, row, strict=False))
            meta = clean_meta(url=values.get("url")) | extra_meta(values, options.meta_fields)
            record_id = values[id_col] if id_col else None
            yield emitter.record(record_id, values[text_col], line, meta)


def _column(header: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in header), None)
