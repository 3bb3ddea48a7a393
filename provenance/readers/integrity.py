"""The encoding policy's checks on an input's bytes: refused before reading, or located once it failed."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import BinaryIO

from provenance.errors import InputError
from provenance.readers.compression import compression_of, open_binary, sniff_compression

HEAD_BYTES = 1 << 16
"""How much of a (decompressed) input is looked at for NUL bytes and byte order marks."""
BINARY_FORMATS: tuple[str, ...] = ("parquet", "arrow", "hf-dataset", "x-archive", "grailbird")
"""Formats not checked as text here: Parquet and Arrow (a Hugging Face dataset's shards), and archives
(a ``.zip`` or folder; their members are text, checked as they are read)."""
_BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_CHUNK = 1 << 20


def check_text_input(path: Path, fmt: str) -> None:
    """Refuse an input of a text format (``InputError``, no source: the caller names it) that is
    compressed twice, UTF-16 or UTF-32 (by its byte order mark), or binary (a NUL byte in its first
    ``HEAD_BYTES``, decompressed). Reading the head also finds a truncated or corrupt compression
    header. Only UTF-8 is read; a UTF-8 byte order mark is skipped by the readers."""
    if fmt in BINARY_FORMATS:
        return
    with open_binary(path) as fh:
        head = fh.read(HEAD_BYTES)
    inner = compression_of(head)
    if inner is not None:
        outer = sniff_compression(path)
        raise InputError(
            f"compressed twice ({inner} inside {outer}): decompress the outer layer first "
            f"(the file holds a {inner} file, not text)"
        )
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            raise InputError(
                f"{encoding} text (by its byte order mark): only UTF-8 is read; convert it first, "
                f"e.g. iconv -f {encoding} -t UTF-8"
            )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"binary data, not UTF-8 text (a NUL byte at byte {nul:,}); "
            "if this is UTF-16 or UTF-32 text without a byte order mark, convert it to UTF-8 first"
        )


def first_invalid_utf8(path: Path) -> InputError | None:
    """An ``InputError`` naming the line, column and value of the first byte of ``path``
    (decompressed) that is not valid UTF-8; ``None`` if it is all valid."""
    with open_binary(path) as fh:
        return first_invalid_utf8_in(fh)


def first_invalid_utf8_in(fh: BinaryIO) -> InputError | None:
    """``first_invalid_utf8`` of an open binary stream, read whole lines at a time (a newline byte
    is never part of a multi-byte character)."""
    line, rest, first = 1, b"", True
    while True:
        chunk = fh.read(_CHUNK)
        data = rest + chunk
        if first:
            data, first = data.removeprefix(codecs.BOM_UTF8), False
        cut = data.rfind(b"\n") + 1 if chunk else len(data)
        try:
            data[:cut].decode("utf-8")
        except UnicodeDecodeError as err:
            start = data.rfind(b"\n", 0, err.start) + 1
            column = len(data[start : err.start].decode("utf-8", "replace")) + 1
            line += data.count(b"\n", 0, err.start)
            return InputError(invalid_utf8_message(data[err.start], column), line=line)
        if not chunk:
            return None
        line += data.count(b"\n", 0, cut)
        rest = data[cut:]


def invalid_utf8_message(byte: int, column: int | None = None) -> str:
    """``not valid UTF-8 (byte 0xff at column 7)``: the reason for a record or a file."""
    where = f" at column {column}" if column is not None else ""
    return f"not valid UTF-8 (byte 0x{byte:02x}{where})"
