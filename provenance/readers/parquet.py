"""Parquet files, read in record batches of only the needed columns.

Rows follow the generic JSON rules (``json_records``): a binary text column is decoded as UTF-8 (a
row whose bytes are not is skipped), a text that is not a string is a skipped record, and a
``messages`` column of chat rows (or ``--text-field messages[].content``) gives a record per message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pyarrow.parquet as pq

from provenance.errors import InputError
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.json_records import value_records

BATCH_ROWS = 1024


def read_parquet(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """One record per row; dotted fields (``meta.url``) reach into struct columns."""
    parquet = pq.ParquetFile(source.path)
    try:
        columns = set(parquet.schema_arrow.names)
        listed = options.list_text_field()
        if listed is not None:
            text_field = options.text_field if listed.items.split(".")[0] in columns else None
        else:
            text_field = resolve_column(columns, options.text_fields())
        chat = text_field is None and options.text_field is None and "messages" in columns
        if text_field is None and not chat:
            raise InputError(
                f"no text column (tried {', '.join(options.text_fields())}; "
                f"columns: {', '.join(sorted(columns))}); use --text-field",
                source=source.name,
            )
        id_field = resolve_column(columns, options.id_fields())
        text_column = "messages" if chat else listed.items if listed else text_field
        wanted = [text_column, id_field, "url", *options.meta_fields]
        needed = sorted({name.split(".")[0] for name in wanted if name} & columns)
        row_options = replace(options, text_field=text_field, id_field=id_field)
        emitter = Emitter(source.name)
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=needed):
            for row in batch.to_pylist():
                yield from value_records(emitter, row, None, row_options)
    finally:
        parquet.close()


def resolve_column(columns: set[str], candidates: tuple[str, ...]) -> str | None:
    """The first candidate whose (top-level) column exists."""
    return next((name for name in candidates if name.split(".")[0] in columns), None)
