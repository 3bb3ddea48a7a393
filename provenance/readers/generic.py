"""Generic JSON and JSON Lines: one record per object (or string), fields chosen by the options.

Encoding: UTF-8 (a UTF-8 byte order mark is dropped). Finding the inputs refuses a file that opens
with a UTF-16 or UTF-32 byte order mark (``integrity.check_text_input``: one policy for every text
format); a source handed to ``read_source`` directly is decoded by its mark instead. Bytes that
are not valid UTF-8 do not stop the file: a record whose
text, id or metadata holds them (or a lone surrogate escape such as ``"\\ud800"``) is skipped and
recorded with its line (``Emitter.record``).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from provenance.errors import InputError
from provenance.readers.base import DEFAULT_MAX_RECORD_BYTES, InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import open_binary, strip_compression
from provenance.readers.fastjsonl import applies, read_jsonl_blocks
from provenance.readers.json_records import expand_arrays, records_of_values
from provenance.readers.jsonstream import JsonError, JsonValue, iter_json_document, iter_json_lines

JSONL_SUFFIXES: tuple[str, ...] = (".jsonl", ".ndjson", ".jsonlines")
UTF_BOMS: tuple[tuple[bytes, str], ...] = (  # longest first: UTF-32 LE starts as UTF-16 LE does
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TRANSCODE_CHUNK = 1 << 16


def json_container(source: InputSource) -> str:
    """``"jsonl"`` (line by line) or ``"json"`` (streamed document) for ``source``."""
    if source.format in ("jsonl", "json"):
        return source.format
    inner = strip_compression(source.path.name).lower()
    return "jsonl" if inner.endswith(JSONL_SUFFIXES) else "json"


def iter_values(
    source: InputSource, max_bytes: int | None = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[JsonValue | JsonError]:
    """The JSON values of ``source``: lines of JSON Lines, or elements of a JSON document; a value
    longer than ``max_bytes`` (or nested too deeply) is a ``JsonError``.

    A value that is an array (a JSON Lines line holding a list) is expanded into its elements. A
    syntax error that ends the file raises ``InputError`` naming ``source`` and the line.
    """
    try:
        with json_bytes(source.path) as raw:
            if json_container(source) == "jsonl":
                values = iter_json_lines(raw, max_bytes)
            else:
                text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="\n")
                values = iter_json_document(text, max_bytes=max_bytes)
            yield from expand_arrays(values)
    except InputError as err:
        if err.source is None:
            err.source = source.name
        raise
    except (OSError, EOFError) as err:  # a truncated or corrupt compressed file, met while detecting
        raise InputError(f"cannot read: {err}", source=source.name) from err


def read_generic_json(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of a generic JSON / JSON Lines file (``--text-field``, ``--id-field``, ``--meta-field``)."""
    if applies(source, options, json_container(source)):
        yield from read_jsonl_blocks(source, options)
        return
    values = iter_values(source, options.max_record_bytes)
    yield from records_of_values(values, Emitter(source.name), options)


def utf_bom(head: bytes) -> tuple[str, int] | None:
    """``(encoding, BOM length)`` when ``head`` opens with a Unicode byte order mark."""
    for bom, encoding in UTF_BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return None


@contextmanager
def json_bytes(path: Path) -> Iterator[BinaryIO]:
    """``path`` decompressed, as UTF-8 bytes without a byte order mark (UTF-16 and UTF-32 files,
    told by their byte order mark, transcoded)."""
    with open_binary(path) as raw:
        head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
        bom = utf_bom(head)
        if bom is None:
            yield raw
        elif bom[0] == "utf-8":
            raw.read(bom[1])
            yield raw
        else:
            yield io.BufferedReader(_Utf8Transcoder(raw, bom[0]))  # type: ignore[arg-type]


class _Utf8Transcoder(io.RawIOBase):
    """A UTF-16 or UTF-32 byte stream (with its byte order mark) read as UTF-8 bytes. A lone
    surrogate passes through as the bytes of one (not valid UTF-8: the record holding it is
    skipped); a stream that ends inside a character is an ``InputError``."""

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        super().__init__()
        self.raw = raw
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="surrogatepass")
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 (a writable buffer)
        while not self.pending and not self.done:
            chunk = self.raw.read(_TRANSCODE_CHUNK)
            self.done = not chunk
            try:
                text = self.decoder.decode(chunk, final=self.done)
            except UnicodeDecodeError as err:
                raise InputError(f"not valid {self.encoding.upper()} ({err.reason})") from None
            self.pending = text.encode("utf-8", "surrogatepass")
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count
