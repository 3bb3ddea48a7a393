"""Arrow IPC files and streams (Feather v2, Hugging Face datasets), read record batch by record batch."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import zstandard

from provenance.errors import InputError
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem, get_path
from provenance.readers.compression import open_binary, sniff_compression
from provenance.readers.hf_dataset import data_files
from provenance.readers.json_records import generic_record
from provenance.readers.parquet import resolve_column

FILE_MAGIC = b"ARROW1"
"""The first (and last) bytes of the IPC file format (Feather v2); a stream has no magic."""
FILE_HEADER = 8
"""The magic and its padding: what precedes the stream of messages in the file format."""
FEATHER_V1_MAGIC = b"FEA1"
ROWS = 1024
"""Rows turned into Python values at a time, however large the stored record batch."""
_READ_ERRORS: tuple[type[BaseException], ...] = (pa.ArrowException, OSError, EOFError, zstandard.ZstdError)


def read_arrow(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """One record per row of an Arrow IPC file or stream (told apart by magic); fields as in Parquet."""
    yield from _read_file(source.path, source.name, Emitter(source.name), options)


def read_hf_dataset(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """The rows of a saved ``Dataset`` folder: its data files in ``state.json`` order, numbered on."""
    if not source.path.is_dir():
        raise InputError(
            "not a Hugging Face save_to_disk folder (an Arrow file is --format arrow)", source=source.name
        )
    emitter = Emitter(source.name)
    for path in data_files(source.path, source.name):
        name = f"{source.name}/{path.relative_to(source.path).as_posix()}"
        yield from _read_file(path, name, emitter, options)


def has_file_magic(path: Path) -> bool:
    """Whether ``path`` (decompressed) starts as an Arrow IPC file (or Feather v2) does."""
    try:
        with open_binary(path) as fh:
            return fh.read(len(FILE_MAGIC)) == FILE_MAGIC
    except (OSError, EOFError, zstandard.ZstdError):
        return False  # unreadable here: the reader, if asked to, names the problem


def _read_file(path: Path, name: str, emitter: Emitter, options: ReaderOptions) -> Iterator[ReadItem]:
    """The rows of one Arrow file (``name`` in errors), numbered on by ``emitter``."""
    with _naming(name), _batches(path, name) as (schema, batches):
        columns = set(schema.names)
        text_field = resolve_column(columns, options.text_fields())
        if text_field is None:
            raise InputError(
                f"no text column (tried {', '.join(options.text_fields())}; "
                f"columns: {', '.join(sorted(columns))}); use --text-field",
                source=name,
            )
        id_field = resolve_column(columns, options.id_fields())
        wanted = [text_field, id_field, "url", *options.meta_fields]
        needed = [n for n in schema.names if n in {w.split(".")[0] for w in wanted if w}]
        row_options = replace(options, text_field=text_field, id_field=id_field)
        for batch in batches:
            batch = batch.select(needed)
            for start in range(0, batch.num_rows, ROWS):
                for row in batch.slice(start, ROWS).to_pylist():
                    yield _row_record(emitter, row, text_field, row_options)


def _row_record(emitter: Emitter, row: dict[str, Any], text_field: str, options: ReaderOptions) -> ReadItem:
    """``generic_record``, except that a text that is not a string (bytes, a number, a list) is skipped."""
    text = get_path(row, text_field)
    if text is not None and not isinstance(text, str):
        return emitter.skip(f"text field {text_field} is not a string ({type(text).__name__})")
    return generic_record(emitter, row, None, options)


@contextlib.contextmanager
def _batches(path: Path, name: str) -> Iterator[tuple[pa.Schema, Iterator[pa.RecordBatch]]]:
    """The schema and the record batches of an IPC file (random access) or stream (in order)."""
    with open_binary(path) as fh:
        head = fh.read(FILE_HEADER)
    if head.startswith(FEATHER_V1_MAGIC):
        raise InputError("a Feather v1 file; write it again as Feather v2 (pyarrow.feather)", source=name)
    if not head:
        raise InputError("empty file, not an Arrow IPC file or stream", source=name)
    with open_binary(path) as fh:
        if not head.startswith(FILE_MAGIC):
            stream = pa.ipc.open_stream(fh)
            yield stream.schema, iter(stream)
        elif sniff_compression(path) is None:
            file = pa.ipc.open_file(fh)  # checks the footer: a truncated file fails here
            yield file.schema, (file.get_batch(i) for i in range(file.num_record_batches))
        else:  # a compressed file cannot seek to its footer; the messages after the header are a stream
            fh.read(FILE_HEADER)
            stream = pa.ipc.open_stream(fh)
            yield stream.schema, iter(stream)


@contextlib.contextmanager
def _naming(name: str) -> Iterator[None]:
    """Arrow's reading errors become ``InputError`` naming the file."""
    try:
        yield
    except _READ_ERRORS as err:
        raise InputError(
            f"not a readable Arrow IPC file or stream (corrupt or cut short?): {err}", source=name
        ) from err
