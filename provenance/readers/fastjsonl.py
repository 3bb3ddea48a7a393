"""JSON Lines through pyarrow's JSON parser, block by block, with the line reader's results.

The line reader (``jsonstream.iter_json_lines`` + ``json_records.records_of_values``) is the
definition. A block of whole lines is parsed by pyarrow only when that cannot differ from it: every
line holds one object (it starts with ``{``, ends with ``}``, and the parser yields as many rows as
the block has lines), none is longer than ``--max-record-bytes``, no ``\\r`` (pyarrow reads one
inside a string, Python's JSON decoder refuses it), text fields are strings, id fields strings or
integers, and the strings are valid UTF-8. Any other block (a broken line, a blank line, a number
where the text should be, ...) is read by the line reader itself, with the same positions and line
numbers. About three times faster on tweets. Chat-format blocks (``messages[].content``) are parsed
by pyarrow too, then turned into records by the line reader's rules, row by row.

A line longer than ``--max-record-bytes`` is never held whole: the block reader drops it while
reading (``_pieces``) and it becomes a skipped record, so no block handed to pyarrow holds one.

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

from provenance.readers.base import DEFAULT_TEXT_FIELDS, InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import sniff_compression, strip_compression
from provenance.readers.json_records import expand_arrays, missing_text_reason, records_of_values
from provenance.readers.jsonstream import JsonValue, iter_json_lines, too_long
from provenance.readers.records import Record, SkippedRecord

BLOCK_BYTES = 8 << 20
TAIL_BLOCKS = 4
_BOM = b"\xef\xbb\xbf"
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_STRING_TYPES = (pa.string(), pa.large_string(), pa.null())
_ID_TYPES = (*_STRING_TYPES, pa.int64())


def applies(source: InputSource, options: ReaderOptions, container: str) -> bool:
    """Whether ``source`` may be read this way: uncompressed UTF-8 JSON Lines, plain field names
    (``messages[].content`` included), no ``--meta-field`` (those go through the line reader)."""
    listed = options.list_text_field()
    texts = (listed.items, listed.text) if listed else options.text_fields()
    names = (*texts, *options.id_fields())
    return (
        container == "jsonl"
        and strip_compression(source.path.name) == source.path.name
        and sniff_compression(source.path) is None
        and not options.meta_fields
        and not any("." in name for name in names)
        and not _utf16_or_32(source.path)
    )


def _utf16_or_32(path: Path) -> bool:
    """Whether ``path`` opens with a UTF-16 or UTF-32 byte order mark (the line reader decodes those)."""
    with open(path, "rb") as fh:
        return fh.read(4).startswith(_UTF16_32_BOMS)


def read_jsonl_blocks(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """The records of a JSON Lines file, as ``generic.read_generic_json`` gives them."""
    for items in read_jsonl_lists(source, options):
        yield from items


def read_jsonl_lists(source: InputSource, options: ReaderOptions) -> Iterator[list[ReadItem]]:
    """``read_jsonl_blocks``, one list per block of lines (no generator step per record)."""
    emitter = Emitter(source.name)
    line = 1
    with open(source.path, "rb") as fh:
        for piece in _pieces(fh, None, BLOCK_BYTES, options.max_record_bytes, bom=True):
            if isinstance(piece, int):
                yield [emitter.skip(too_long(piece, options.max_record_bytes), line)]
                line += 1
                continue
            items, lines = _block(piece, line, emitter, options)
            line += lines
            yield items


def _pieces(
    fh: io.BufferedIOBase, size: int | None, chunk_bytes: int, max_bytes: int, bom: bool
) -> Iterator[bytes | int]:
    """The lines of ``fh`` (its next ``size`` bytes, or all), read ``chunk_bytes`` at a time: blocks
    of whole lines (the last may lack its newline), and in place of a line longer than ``max_bytes``
    its length (newline not counted), dropped as it is read. ``bom``: drop a UTF-8 byte order mark
    at the start."""
    left = size
    rest = b""
    dropping = -1  # bytes of an over-long line dropped so far; -1 when none is under way
    while True:
        chunk = fh.read(chunk_bytes if left is None else min(chunk_bytes, left))
        if left is not None:
            left -= len(chunk)
        if bom:
            chunk, bom = chunk.removeprefix(_BOM), False
        end = not chunk
        if dropping >= 0:
            newline = -1 if end else chunk.find(b"\n")
            if newline < 0 and not end:
                dropping += len(chunk)
                continue
            yield dropping + max(newline, 0)
            dropping = -1
            chunk = chunk[newline + 1 :] if newline >= 0 else b""
        data = rest + chunk if rest else chunk
        cut = len(data) if end else data.rfind(b"\n") + 1
        block, rest = (data, b"") if cut == len(data) else (data[:cut], data[cut:])
        if len(rest) > max_bytes:
            dropping, rest = len(rest), b""
        if block:
            yield block
        if end:
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
    emitter = Emitter(source_name, default_ids=False)
    items: list[ReadItem] = []
    line = 1
    for piece in _read_range(path, start, end, options.max_record_bytes):
        if isinstance(piece, int):
            items.append(emitter.skip(too_long(piece, options.max_record_bytes), line))
            line += 1
            continue
        block_items, lines = _block(piece, line, emitter, options)
        items.extend(block_items)
        line += lines
    return ReadBlock(items, emitter.position, line - 1)


def _read_range(path: Path, start: int, end: int, max_bytes: int) -> list[bytes | int]:
    """Bytes ``[start, end)`` of a file, without the UTF-8 byte order mark that may open it, as
    ``_pieces``: one block of whole lines unless the range holds a line longer than ``max_bytes``."""
    with open(path, "rb") as fh:
        fh.seek(start)
        chunk = min(end - start, BLOCK_BYTES + max_bytes)
        return list(_pieces(fh, end - start, max(chunk, 1), max_bytes, bom=start == 0))


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
    """The records of one block of whole lines, and how many lines it held (strings that are not
    valid UTF-8 send the block to the line reader, which skips the records holding them)."""
    try:
        return _block_items(block, first_line, emitter, options)
    except UnicodeDecodeError:
        return _line_by_line(block, first_line, emitter, options)


def _block_items(
    block: bytes, first_line: int, emitter: Emitter, options: ReaderOptions
) -> tuple[list[ReadItem], int]:
    table = _read_table(block, options)
    if table is not None and _chat(table, options):
        chat = _chat_items(table, first_line, emitter, options)
        return chat if chat is not None else _line_by_line(block, first_line, emitter, options)
    columns = None if table is None else _table_columns(table, options)
    if columns is None:
        return _line_by_line(block, first_line, emitter, options)
    texts, ids, urls = columns[0].to_pylist(), columns[1].to_pylist(), columns[2].to_pylist()
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


def _read_table(block: bytes, options: ReaderOptions) -> pa.Table | None:
    """The block parsed by pyarrow, one row per line, or ``None`` when the line reader must read it.
    A block is at most ``BLOCK_BYTES`` plus one line of at most ``--max-record-bytes``, so pyarrow's
    ``block_size`` stays bounded."""
    end = len(block) - 1 if block.endswith(b"\n") else len(block)  # the body: no copy of the block
    lines = _object_lines(block, end, options.max_record_bytes)
    if block.find(b"\r", 0, end) >= 0 or lines is None or not _utf8(block):
        return None
    try:
        table = pj.read_json(
            pa.BufferReader(block),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(block) + 1),
            parse_options=pj.ParseOptions(newlines_in_values=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table if table.num_rows == lines else None  # not: e.g. a line holding two objects


def _utf8(block: bytes) -> bool:
    """Whether ``block`` is valid UTF-8 (pyarrow's JSON parser does not check: the line reader then
    skips the lines that are not). Arrow's validation, some 2 GB/s."""
    offsets = pa.py_buffer(np.array([0, len(block)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(block)]).cast(
            pa.large_string()
        )
    except pa.ArrowInvalid:
        return False
    return True


def _chat(table: pa.Table, options: ReaderOptions) -> bool:
    """Whether the block's rows are read as lists of messages (``--text-field messages[].content``,
    or chat-format rows found without ``--text-field``)."""
    return options.list_text_field() is not None or (
        options.text_field is None and "messages" in table.column_names
    )


def _chat_items(
    table: pa.Table, first_line: int, emitter: Emitter, options: ReaderOptions
) -> tuple[list[ReadItem], int] | None:
    """The records of a block of chat rows: pyarrow's rows through the line reader's rules, or
    ``None`` (for the line reader) where pyarrow's values could differ from Python's: ids that are
    not strings or integers, or any value it read as other than a string, number, boolean, list or
    object (a timestamp, say)."""
    listed = options.list_text_field()
    wanted = [listed.items] if listed else ["messages", *DEFAULT_TEXT_FIELDS]
    wanted += [*options.id_fields(), "url"]
    present = [name for name in dict.fromkeys(wanted) if name in table.column_names]
    if any(table.column(name).type not in _ID_TYPES for name in options.id_fields() if name in present):
        return None
    if not all(_json_like(table.column(name).type) for name in present):
        return None
    rows = table.select(present).to_pylist()
    values = (JsonValue(k + 1, {k: v for k, v in row.items() if v is not None}) for k, row in enumerate(rows))
    return list(records_of_values(values, emitter, options, first_line)), len(rows)


def _json_like(kind: pa.DataType) -> bool:
    """Whether pyarrow's values of type ``kind`` are what Python's JSON decoder gives (up to floats,
    which are numbers either way)."""
    if pa.types.is_struct(kind):
        return all(_json_like(kind.field(k).type) for k in range(kind.num_fields))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _json_like(kind.value_type)
    return (
        kind in _STRING_TYPES
        or pa.types.is_int64(kind)
        or pa.types.is_float64(kind)
        or pa.types.is_boolean(kind)
    )


def _parse_columns(block: bytes, options: ReaderOptions) -> tuple[pa.Array, pa.Array, pa.Array] | None:
    """(texts, ids, urls) of every line as Arrow arrays (ids as read: strings, integers or nulls), or
    ``None`` when the line reader must read the block (or it holds chat rows)."""
    table = _read_table(block, options)
    if table is None or _chat(table, options):
        return None
    return _table_columns(table, options)


def _table_columns(table: pa.Table, options: ReaderOptions) -> tuple[pa.Array, pa.Array, pa.Array] | None:
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
    pieces = _read_range(path, start, end, options.max_record_bytes)
    if len(pieces) != 1 or isinstance(pieces[0], int):
        return None
    columns = _parse_columns(pieces[0], options)
    if columns is None:
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


def _object_lines(block: bytes, end: int, longest: int | None = None) -> int | None:
    """How many lines ``block[:end]`` holds when every one starts with ``{``, ends with ``}`` and
    is at most ``longest`` bytes long, else ``None``. With the row count this pins one row to each
    line: pyarrow skips blank lines and reads an object spread over lines as one row, either of
    which could otherwise offset a line that holds two objects."""
    from provenance.readers.line_kernels import object_lines

    if end == 0 or block[end - 1] == 0x0A:
        return None
    limit = end if longest is None else longest
    lines = object_lines(np.frombuffer(block, dtype=np.uint8, count=end), end, limit)
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
    values = expand_arrays(iter_json_lines(io.BytesIO(block), options.max_record_bytes))
    items = list(records_of_values(values, emitter, options, first_line))
    return items, block.count(b"\n") + (not block.endswith(b"\n"))
