"""Streaming JSON with line numbers: JSON Lines line by line; JSON documents value by value.

A top-level array is streamed element by element (bounded memory, whatever the file size); other
top-level values are decoded whole. Integers are decoded exactly (ids above 2^53 stay exact) and
floats are kept as the text that was read. A value longer than ``max_bytes`` is skipped without
being decoded (JSON Lines: without being read into memory), and so is one nested too deeply for
the decoder: each becomes a ``JsonError`` and reading goes on after it. JSON Lines are split at LF
only (a CR before it is whitespace; a lone CR is not a line end, as in JSON Lines itself).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from provenance.errors import InputError


class JsonFloat(str):
    """A JSON number with a fraction or exponent, kept as the text that was read (exact), but told
    apart from a JSON string: a text field must be a string."""

    __slots__ = ()


_DECODER = json.JSONDecoder(parse_float=JsonFloat)
_CHUNK = 1 << 20  # characters read at a time
_LINE_CHUNK = 1 << 20  # bytes of JSON Lines read at a time
_MARGIN = 64  # a value must end this far before the buffer's end (or at EOF) to be trusted complete
_WS = re.compile(r"[ \t\r\n]*")
_WS_JS = re.compile(r"[ \t\r\n;]*")
_STRUCTURE = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[ \t\r\n,:;\]}]")
_LONE_ESCAPE = re.compile(  # a high surrogate escape not followed by a low one, or a low one alone
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)

NESTED_TOO_DEEPLY = "nested too deeply to decode (thousands of levels of arrays or objects)"


def too_long(size: int, limit: int) -> str:
    """The reason a record of ``size`` bytes is skipped."""
    return f"record of {size} bytes exceeds --max-record-bytes ({limit})"


@dataclass(frozen=True)
class JsonValue:
    """A decoded top-level value (or top-level array element) and the 1-based line where it starts;
    ``element`` is its 0-based index in the array that holds it, where one does."""

    line: int
    value: Any
    element: int | None = None


@dataclass(frozen=True)
class JsonError:
    """A value that could not be decoded (or was too long or too deep to); reading went on after it."""

    line: int
    message: str
    element: int | None = None


class JsonSyntaxError(InputError):
    """A syntax error that ends the stream (inside a top-level array, where no resync is possible):
    an ``InputError`` at ``line``, whose reader names the file."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message, line=line)


def read_lines(fh: BinaryIO, max_bytes: int | None = None) -> Iterator[tuple[int, bytes | int]]:
    """``(line number, bytes)`` of each line (without its LF), split at LF only, read in chunks; a
    line longer than ``max_bytes`` is dropped as it is read: ``(line number, its length)``."""
    limit = -1 if max_bytes is None else max_bytes
    number = 0
    parts: list[bytes] = []  # the line under way
    pending = 0
    dropping = -1  # bytes of an over-long line dropped so far; -1 when none is under way
    while True:
        chunk = fh.read(_LINE_CHUNK)
        if not chunk:
            if dropping >= 0 or parts:
                yield number + 1, dropping if dropping >= 0 else b"".join(parts)
            return
        newline = chunk.find(b"\n")
        if dropping >= 0:
            if newline < 0:
                dropping += len(chunk)
                continue
            number += 1
            yield number, dropping + newline
            dropping = -1
            chunk = chunk[newline + 1 :]
            newline = chunk.find(b"\n")
        if newline < 0:
            parts.append(chunk)
            pending += len(chunk)
            if 0 <= limit < pending:
                dropping, parts, pending = pending, [], 0
            continue
        if parts:
            parts.append(chunk)
            chunk, parts, pending = b"".join(parts), [], 0
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if 0 <= limit < len(chunk):  # a line in this chunk may be too long
            for line in lines:
                number += 1
                yield number, len(line) if len(line) > limit else line
        else:
            for line in lines:
                number += 1
                yield number, line
        if tail:
            parts, pending = [tail], len(tail)
            if 0 <= limit < pending:
                dropping, parts, pending = pending, [], 0


def iter_json_lines(fh: BinaryIO, max_bytes: int | None = None) -> Iterator[JsonValue | JsonError]:
    """JSON Lines (bytes, UTF-8): one value per non-blank line; a line that does not parse, is too
    long or too deep, is not valid UTF-8 or holds a lone surrogate escape (``"\\ud800"``, which no
    later stage could write as UTF-8) is a ``JsonError``."""
    decode = _DECODER.decode
    for number, raw in read_lines(fh, max_bytes):
        if type(raw) is int:
            yield JsonError(number, too_long(raw, max_bytes or 0))
            continue
        try:  # decode_line, inlined (the hot loop): the common case costs no call more
            value = decode(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            if (item := decode_line(raw, number)) is not None:
                yield item
            continue
        if (b"\\ud" in raw or b"\\uD" in raw) and _LONE_ESCAPE.search(raw) and (bad := lone_surrogate(value)):
            yield JsonError(number, bad)
        else:
            yield JsonValue(number, value)


def decode_line(raw: bytes, number: int) -> JsonValue | JsonError | None:
    """The value of one JSON Lines line, a ``JsonError``, or ``None`` for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return JsonError(
            number, f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at byte {err.start + 1} of the line)"
        )
    if not text.strip():
        return None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as err:
        message = f"invalid JSON: {err.msg.removesuffix(' at')} at column {err.colno}"
        return JsonError(number, message + _hint(text))
    except RecursionError:
        return JsonError(number, NESTED_TOO_DEEPLY)
    if (b"\\ud" in raw or b"\\uD" in raw) and _LONE_ESCAPE.search(raw) and (bad := lone_surrogate(value)):
        return JsonError(number, bad)
    return JsonValue(number, value)


def lone_surrogate(value: Any) -> str | None:
    """Why ``value`` (decoded JSON) cannot be written as UTF-8: a string in it (key or value) holds a
    lone surrogate (a ``"\\ud800"`` escape, or a byte that was not UTF-8 read with
    ``surrogateescape``); ``None`` when none does."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and (bad := _unencodable(item)):
                return bad
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _unencodable(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        code = ord(text[err.start])
        if 0xDC80 <= code <= 0xDCFF:
            return f"not valid UTF-8 (byte 0x{code - 0xDC00:02x}, or a lone surrogate \\u{code:04x})"
        return f"not valid Unicode: a lone surrogate \\u{code:04x} in a string"
    return None


def _hint(text: str) -> str:
    """Why a line may not parse, where its bytes tell."""
    if "\x00" in text:
        return " (NUL bytes: UTF-16 or UTF-32 without a byte order mark?)"
    if "\r" in text.rstrip("\r\n"):
        return " (a lone CR is not a line end in JSON Lines: lines end with LF)"
    return ""


def iter_json_document(
    fh: TextIO, *, prefix_until: str | None = None, max_bytes: int | None = None
) -> Iterator[JsonValue | JsonError]:
    """The top-level values of a JSON text, top-level arrays expanded into their elements.

    ``prefix_until="="`` first skips a JavaScript prefix (``window.YTD.tweets.part0 =``) and
    tolerates a trailing ``;``. Several concatenated top-level values (JSON Lines saved as ``.json``)
    are read one after another; a broken one becomes a ``JsonError`` and reading resumes at the next
    line. A syntax error inside a top-level array raises ``JsonSyntaxError``; a value (or element)
    longer than ``max_bytes`` or nested too deeply is skipped over as a ``JsonError``.
    """
    stream = _Stream(fh, ws=_WS_JS if prefix_until else _WS, max_bytes=max_bytes)
    if prefix_until is not None:
        stream.skip_past(prefix_until)
    while ch := stream.peek():
        if ch == "[":
            yield from _iter_array(stream)
            continue
        start = stream.line
        try:
            value, line = stream.value()
        except _Skipped as skipped:
            yield JsonError(skipped.line, skipped.reason)
            continue
        except json.JSONDecodeError as err:
            yield JsonError(start, f"invalid JSON: {stream.describe(err)}")
            stream.skip_line()
            continue
        yield JsonValue(line, value)


def _iter_array(stream: _Stream) -> Iterator[JsonValue | JsonError]:
    stream.advance(1)
    element = 0
    while True:
        ch = stream.peek()
        if ch == "]":
            stream.advance(1)
            return
        if element:
            if ch != ",":
                found = repr(ch) if ch else "the end of the file (truncated?)"
                raise JsonSyntaxError(f"invalid JSON: expected ',' or ']' but found {found}", stream.line)
            stream.advance(1)
            ch = stream.peek()
            if ch == "]":  # tolerate a trailing comma
                continue
        if not ch:
            raise JsonSyntaxError("invalid JSON: unterminated array (file truncated?)", stream.line)
        try:
            value, line = stream.value()
        except _Skipped as skipped:
            yield JsonError(skipped.line, skipped.reason, element)
        except json.JSONDecodeError as err:
            raise JsonSyntaxError(f"invalid JSON: {stream.describe(err)}", stream.line) from err
        else:
            yield JsonValue(line, value, element)
        element += 1


class _Skipped(Exception):
    """A value that was moved past without decoding it (too long, or nested too deeply)."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class _Stream:
    """A growing window on a text stream, with the line number at the read position."""

    def __init__(self, fh: TextIO, ws: re.Pattern[str], max_bytes: int | None = None) -> None:
        self.fh = fh
        self.ws = ws
        self.max_bytes = max_bytes
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.tainted = False
        """Text read holds a surrogate or a surrogate escape: values are checked (``lone_surrogate``)."""

    def fill(self, most: int | None = None) -> None:
        """Read more text (at least as much as is buffered, so retries stay linear; at most ``most``)."""
        if self.pos > len(self.buf) // 2:
            self.buf = self.buf[self.pos :]
            self.pos = 0
        size = max(_CHUNK, len(self.buf) - self.pos)
        data = self.fh.read(size if most is None else max(1, min(size, most)))
        if not data:
            self.eof = True
        start = max(0, len(self.buf) - 2)  # an escape may straddle two reads
        self.buf += data
        if data and not self.tainted:
            found = self.buf.find("\\ud", start) >= 0 or self.buf.find("\\uD", start) >= 0
            self.tainted = found or (not data.isascii() and _unencodable(data) is not None)

    def advance(self, count: int) -> None:
        end = self.pos + count
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        """Skip whitespace; the next character, or ``""`` at the end."""
        while True:
            match = self.ws.match(self.buf, self.pos)
            assert match is not None
            self.advance(match.end() - self.pos)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.fill()

    def skip_past(self, char: str) -> None:
        """Move past the first ``char``."""
        while (index := self.buf.find(char, self.pos)) < 0:
            if self.eof:
                raise JsonSyntaxError(f"expected {char!r} after the JavaScript prefix", self.line)
            self.fill()
        self.advance(index + 1 - self.pos)

    def skip_line(self) -> None:
        """Move to the start of the next line."""
        while (index := self.buf.find("\n", self.pos)) < 0:
            if self.eof:
                self.advance(len(self.buf) - self.pos)
                return
            self.fill()
        self.advance(index + 1 - self.pos)

    def value(self) -> tuple[Any, int]:
        """Decode the value at the read position; returns it with its start line. Raises ``_Skipped``
        (after moving past it) for a value too long or nested too deeply."""
        line = self.line
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                if self.eof or not self._maybe_truncated(err):
                    raise
                self._fill_for_value(line)
                continue
            except RecursionError:
                self.skip_value()
                raise _Skipped(NESTED_TOO_DEEPLY, line) from None
            if end + _MARGIN > len(self.buf) and not self.eof:
                self._fill_for_value(line)
                continue
            size = (
                self._bytes(self.pos, end) if self.max_bytes and (end - self.pos) * 4 > self.max_bytes else 0
            )
            self.advance(end - self.pos)
            if self.max_bytes and size > self.max_bytes:
                raise _Skipped(too_long(size, self.max_bytes), line)
            if self.tainted and (bad := lone_surrogate(value)):
                raise _Skipped(bad, line)
            return value, line

    def _fill_for_value(self, line: int) -> None:
        """More text for the value at the read position, unless it is too long already (then move
        past it and raise ``_Skipped``)."""
        pending = len(self.buf) - self.pos
        if self.max_bytes and pending > self.max_bytes:
            raise _Skipped(too_long(self.skip_value(), self.max_bytes), line)
        self.fill(self.max_bytes + 1 - pending if self.max_bytes else None)

    def skip_value(self) -> int:
        """Move past the value at the read position without decoding it, discarding the text as it
        goes (brackets counted outside strings); returns its size in bytes."""
        size = 0
        depth = 0
        in_string = False
        scalar = self.buf[self.pos] not in '[{"'
        i = self.pos
        while True:
            if i >= len(self.buf):
                size += self._consume(i)
                if self.eof:
                    raise JsonSyntaxError("invalid JSON: unterminated value (file truncated?)", self.line)
                self.fill()
                i = self.pos
                continue
            if scalar:
                match = _SCALAR_END.search(self.buf, i)
                if match is None:
                    i = len(self.buf)
                    continue
                i = match.start()
                break
            match = (_IN_STRING if in_string else _STRUCTURE).search(self.buf, i)
            if match is None:
                i = len(self.buf)
                continue
            ch, i = match.group(), match.end()
            if ch == "\\":
                if i >= len(self.buf):  # the escaped character is in the next chunk
                    i -= 1
                    size += self._consume(i)
                    if self.eof:
                        raise JsonSyntaxError(
                            "invalid JSON: unterminated string (file truncated?)", self.line
                        )
                    self.fill()
                    i = self.pos
                else:
                    i += 1
            elif ch == '"':
                in_string = not in_string
                if not in_string and depth == 0:
                    break
            elif ch in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    break
        return size + self._consume(i)

    def _consume(self, end: int) -> int:
        """Advance to ``end``; the UTF-8 size of the text passed."""
        size = self._bytes(self.pos, end)
        self.advance(end - self.pos)
        return size

    def _bytes(self, start: int, end: int) -> int:
        text = self.buf[start:end]
        return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))

    def _maybe_truncated(self, err: json.JSONDecodeError) -> bool:
        return err.pos + _MARGIN >= len(self.buf) or err.msg.startswith("Unterminated string")

    def describe(self, err: json.JSONDecodeError) -> str:
        """``err`` with a line and column in file terms."""
        line = self.line + self.buf.count("\n", self.pos, err.pos)
        column = err.pos - self.buf.rfind("\n", 0, err.pos)
        return f"{err.msg.removesuffix(' at')} at line {line} column {column}"
