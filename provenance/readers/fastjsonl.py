"""JSON Lines through pyarrow's JSON parser, block by block, with the line reader's results.

The line reader (``jsonstream.iter_json_lines`` + ``json_records.generic_record``) is the definition.
A block of whole lines is parsed by pyarrow only when that cannot differ from it: every line holds
one object (it starts with ``{``, ends with ``}``, and the parser yields as many rows as the block
has lines), no ``\\r`` (Python splits lines there too), text fields are strings, id fields strings
or integers. Any other block (a broken line, a blank line, a number where the text should be, ...)
is read by the line reader itself, with the same positions and line numbers. About three times
faster on tweets.

Blocks are independent, so worker processes can read them (``blocks.BlockStream``): ``block_bounds``
cuts a file into newline-aligned byte ranges, and a worker reads its range with ``read_block``
(records) or ``block_columns`` (Arrow columns, no object per record).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from provenance.errors import InputError
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import sniff_compression, strip_compression
from provenance.readers.json_records import expand_arrays, missing_text_reason, records_of_values
from provenance.readers.jsonstream import iter_json_lines
from provenance.readers.records import Record, SkippedRecord

BLOCK_BYTES = 8 << 20
TAIL_BLOCKS = 4
_BOM = b"\xef\xbb\xbf"
_STRING_TYPES = (pa.string(), pa.large_string(), pa.null())
_ID_TYPES = (*_STRING_TYPES, pa.int64())


def applies(source: InputSource, options: ReaderOptions, container: str) -> bool:
    """Whether ``source`` may be read this way: uncompressed JSON Lines, plain field names, no
    ``--meta-field`` (those go through the line reader)."""
    names = (*options.text_fields(), *options.id_fields())
    return (
        container == "jsonl"
        and strip_compression(source.path.name) == source.path.name
        and sniff_compression(source.path) is None
        and not options.meta_fields
        and not any("." in name for name in names)
    )


def read_jsonl_blocks(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """The records of a JSON Lines file, as ``generic.read_generic_json`` gives them."""
    for items in read_jsonl_lists(source, options):
        yield from items


def read_jsonl_lists(source: InputSource, options: ReaderOptions) -> Iterator[list[ReadItem]]:
    """``read_jsonl_blocks``, one list per block of lines (no generator step per record)."""
    emitter = Emitter(source.name)
    line = 1
    rest = b""
    with open(source.path, "rb") as fh:
        first = True
        while True:
            chunk = fh.read(BLOCK_BYTES)
            data = rest + chunk
            if first:
                data = data.removeprefix(_BOM)
                first = False
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            block, rest = data[:cut], data[cut:]
            if block:
                items, lines = _block(block, line, emitter, options)
                line += lines
                yield items
            if not chunk:
                return


def block_bounds(path: Path, block_bytes: int | None = None) -> Iterator[tuple[int, int]]:
    """``[start, end)`` byte ranges of whole lines, about ``block_bytes`` (``BLOCK_BYTES``) each,
    covering the file: each ends just after a newline (the last at the end of the file). The last
    ``TAIL_BLOCKS`` blocks' worth is cut four times finer: workers then finish within a quarter of
    a block of each other, not a whole one."""
    block_bytes = block_bytes or BLOCK_BYTES
    size = path.stat().st_size
    start = 0
    with open(path, "rb") as fh:
        while start < size:
            step = block_bytes if size - start > TAIL_BLOCKS * block_bytes else max(1, block_bytes // 4)
            end = min(start + step, size)
            while end < size:
                fh.seek(end - 1)
                window = fh.read(1 << 16)
                newline = window.find(b"\n")
                if newline >= 0:
                    end += newline
                    break
                end += len(window)
            end = min(end, size)
            yield start, end
            start = end


def read_block(path: Path, start: int, end: int, source_name: str, options: ReaderOptions) -> ReadBlock:
    """The records of the whole lines in bytes ``[start, end)`` of a JSON Lines file, as
    ``read_jsonl_blocks`` reads them, but numbered from position 0 and line 1: the caller shifts
    positions and lines by what the earlier blocks held. A record without an id of its own gets the
    id ``""`` (its default id names its shifted position)."""
    data = _read_range(path, start, end)
    emitter = Emitter(source_name, default_ids=False)
    items, lines = _block(data, 1, emitter, options) if data else ([], 0)
    return ReadBlock(items, emitter.position, lines)


def _read_range(path: Path, start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of a file, without the UTF-8 byte order mark that may open it."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    return data.removeprefix(_BOM) if start == 0 else data


@dataclass
class ReadBlock:
    """What one block of lines held."""

    items: list[ReadItem]
    """Records and skipped records, positions counted from 0 and lines from 1."""
    positions: int
    """Positions the block used (records and skipped records)."""
    lines: int

    def records(self) -> list[Record]:
        """The records among the items."""
        return [item for item in self.items if isinstance(item, Record)]

    def skipped(self) -> list[SkippedRecord]:
        """The skipped records among the items."""
        return [item for item in self.items if isinstance(item, SkippedRecord)]


def _block(
    block: bytes, first_line: int, emitter: Emitter, options: ReaderOptions
) -> tuple[list[ReadItem], int]:
    """The records of one block of whole lines, and how many lines it held."""
    try:
        return _block_items(block, first_line, emitter, options)
    except UnicodeDecodeError:
        raise _invalid_utf8(block, first_line) from None


def _invalid_utf8(block: bytes, first_line: int) -> InputError:
    """The error for a block that is not UTF-8, naming the line of its first bad byte."""
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as err:
        line = first_line + block.count(b"\n", 0, err.start)
        return InputError(f"not valid UTF-8 (byte 0x{block[err.start]:02x})", line=line)
    return InputError("not valid UTF-8", line=first_line)


def _block_items(
    block: bytes, first_line: int, emitter: Emitter, options: ReaderOptions
) -> tuple[list[ReadItem], int]:
    columns = _parse(block, options)
    if columns is None:
        return _line_by_line(block, first_line, emitter, options)
    texts, ids, urls = columns
    missing = missing_text_reason(options.text_fields())
    record, skip = emitter.record, emitter.skip
    items = [
        skip(missing, first_line + k)
        if text is None
        else record(
            record_id if record_id is None or isinstance(record_id, str) else str(record_id),
            text,
            first_line + k,
            {"url": url} if url else None,
        )
        for k, (text, record_id, url) in enumerate(zip(texts, ids, urls, strict=True))
    ]
    return items, len(texts)


def _parse(block: bytes, options: ReaderOptions) -> tuple[list, list, list] | None:
    """(texts, ids, urls) of every line, or ``None`` when the line reader must read the block."""
    columns = _parse_columns(block, options)
    if columns is None:
        return None
    texts, ids, urls = columns
    return texts.to_pylist(), ids.to_pylist(), urls.to_pylist()


def _parse_columns(block: bytes, options: ReaderOptions) -> tuple[pa.Array, pa.Array, pa.Array] | None:
    """``_parse`` as Arrow arrays (ids as read: strings, integers or nulls)."""
    end = len(block) - 1 if block.endswith(b"\n") else len(block)  # the body: no copy of the block
    lines = _object_lines(block, end)
    if block.find(b"\r", 0, end) >= 0 or lines is None:
        return None
    try:
        table = pj.read_json(
            pa.BufferReader(block),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(block) + 1),
            parse_options=pj.ParseOptions(newlines_in_values=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != lines:  # e.g. a line holding two objects
        return None
    texts = _first_present(table, options.text_fields(), _STRING_TYPES)
    ids = _first_present(table, options.id_fields(), _ID_TYPES)
    if texts is None or ids is None:
        return None
    url = table.column("url") if "url" in table.column_names else None
    if url is None or url.type not in _STRING_TYPES:
        url = pa.nulls(table.num_rows, pa.string())
    return _combined(texts), _combined(ids), _combined(url)


def _combined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


@dataclass
class BlockColumns:
    """A block of JSON Lines that pyarrow read, as ``read_block`` would number it, in columns:
    the records (one per line that has a text) and the skipped lines."""

    ids: pa.Array
    """The record's own id as a string, ``""`` where it has none."""
    texts: pa.Array
    urls: pa.Array
    """The ``url`` metadata, null where absent or empty."""
    positions: np.ndarray
    """Each record's position (from 0; every line takes one, skipped or not)."""
    skipped: list[tuple[int, int, str]]
    """(position, line, reason) of each line without a usable text."""
    lines: int


def block_columns(path: Path, start: int, end: int, options: ReaderOptions) -> BlockColumns | None:
    """The records of bytes ``[start, end)`` of a JSON Lines file as columns, without a Python
    object per record; ``None`` when the block needs the line reader (then use ``read_block``).
    Lines are numbered from 1, so a record's line is its position plus one."""
    data = _read_range(path, start, end)
    columns = _parse_columns(data, options) if data else None
    if columns is None or not _valid_utf8(columns):
        return None
    texts, ids, urls = columns
    present = pc.fill_null(pc.invert(pc.is_null(texts)), False)
    usable = pc.and_(present, _has_non_space(pc.fill_null(texts, "")))
    skipped = [
        (int(k), int(k) + 1, "empty text" if is_present else missing_text_reason(options.text_fields()))
        for k, is_present in zip(
            np.flatnonzero(~usable.to_numpy(zero_copy_only=False)).tolist(),
            pc.filter(present, pc.invert(usable)).to_pylist(),
            strict=True,
        )
    ]
    ids = pc.fill_null(pc.cast(ids, pa.string()), "")
    urls = pc.if_else(
        pc.equal(pc.fill_null(urls, ""), ""), pa.scalar(None, pa.string()), pc.cast(urls, pa.string())
    )
    return BlockColumns(
        ids=pc.filter(ids, usable),
        texts=pc.cast(pc.filter(texts, usable), pa.string()),
        urls=pc.filter(urls, usable),
        positions=np.flatnonzero(usable.to_numpy(zero_copy_only=False)).astype(np.int64),
        skipped=skipped,
        lines=len(texts),
    )


def _valid_utf8(columns: tuple[pa.Array, ...]) -> bool:
    """Whether the strings pyarrow read are valid UTF-8 (its JSON parser does not check; the line
    reader then reports the file as ``read_source`` does)."""
    try:
        for column in columns:
            column.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _has_non_space(texts: pa.Array) -> pa.Array:
    """Per text, whether Python's ``str.isspace`` is false and it is not empty (the emitter's
    ``not text or text.isspace()``): any printable ASCII character settles it at once; the few
    texts of only other characters are asked in Python."""
    printable = pc.match_substring_regex(texts, r"[\x21-\x7e]")
    unsettled = np.flatnonzero(~printable.to_numpy(zero_copy_only=False))
    if len(unsettled) == 0:
        return printable
    result = printable.to_numpy(zero_copy_only=False).copy()
    for k, text in zip(unsettled.tolist(), texts.take(pa.array(unsettled)).to_pylist(), strict=True):
        result[k] = bool(text) and not text.isspace()
    return pa.array(result)


def warm_up() -> None:
    """Load the compiled code the block reader runs (forked workers then inherit it)."""
    _object_lines(b"{}\n", 2)


def _object_lines(block: bytes, end: int) -> int | None:
    """How many lines ``block[:end]`` holds when every one starts with ``{`` and ends with ``}``,
    else ``None``. With the row count this pins one row to each line: pyarrow skips blank lines and
    reads an object spread over lines as one row, either of which could otherwise offset a line
    that holds two objects."""
    from provenance.readers.line_kernels import object_lines

    if end == 0 or block[end - 1] == 0x0A:
        return None
    lines = object_lines(np.frombuffer(block, dtype=np.uint8, count=end), end)
    return lines if lines > 0 else None


def _first_present(table: pa.Table, names: tuple[str, ...], types: tuple) -> pa.ChunkedArray | None:
    """Per row, the first of the columns ``names`` that is not null (``first_field``); ``None``
    when one of them has a type the line reader would convert (numbers, objects, ...)."""
    present = [table.column(name) for name in names if name in table.column_names]
    if any(column.type not in types for column in present):
        return None
    present = [column for column in present if column.type != pa.null()]
    if not present:
        return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    if len({column.type for column in present}) > 1:
        present = [column.cast(pa.large_string()) for column in present]
    return present[0] if len(present) == 1 else pc.coalesce(*present)


def _line_by_line(
    block: bytes, first_line: int, emitter: Emitter, options: ReaderOptions
) -> tuple[list[ReadItem], int]:
    """The line reader over one block (same positions, absolute line numbers), and its lines."""
    stream = io.StringIO(block.decode("utf-8"), newline=None)
    items = list(records_of_values(expand_arrays(iter_json_lines(stream)), emitter, options, first_line))
    stream.seek(0)
    return items, sum(1 for _ in stream)
