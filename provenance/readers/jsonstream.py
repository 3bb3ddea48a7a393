"""Streaming JSON with line numbers: JSON Lines line by line; JSON documents value by value.

A top-level array is streamed element by element (bounded memory, whatever the file size); other
top-level values are decoded whole. Integers are decoded exactly (ids above 2^53 stay exact) and
floats are kept as the text that was read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

_DECODER = json.JSONDecoder(parse_float=str)
_CHUNK = 1 << 20  # characters read at a time
_MARGIN = 64  # a value must end this far before the buffer's end (or at EOF) to be trusted complete
_WS = re.compile(r"[ \t\r\n]*")
_WS_JS = re.compile(r"[ \t\r\n;]*")


@dataclass(frozen=True)
class JsonValue:
    """A decoded top-level value (or top-level array element) and the 1-based line where it starts."""

    line: int
    value: Any


@dataclass(frozen=True)
class JsonError:
    """A value that could not be decoded; reading went on after it."""

    line: int
    message: str


class JsonSyntaxError(ValueError):
    """A syntax error that ends the stream (inside a top-level array, where no resync is possible)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"{message} (line {line})")
        self.message = message
        self.line = line


def iter_json_lines(fh: TextIO) -> Iterator[JsonValue | JsonError]:
    """JSON Lines: one value per non-blank line; a line that does not parse is a ``JsonError``."""
    for number, raw in enumerate(fh, 1):
        if not raw.strip():
            continue
        try:
            yield JsonValue(number, _DECODER.decode(raw))
        except json.JSONDecodeError as err:
            yield JsonError(number, f"invalid JSON: {err.msg.removesuffix(' at')} at column {err.colno}")


def iter_json_document(fh: TextIO, *, prefix_until: str | None = None) -> Iterator[JsonValue | JsonError]:
    """The top-level values of a JSON text, top-level arrays expanded into their elements.

    ``prefix_until="="`` first skips a JavaScript prefix (``window.YTD.tweets.part0 =``) and
    tolerates a trailing ``;``. Several concatenated top-level values (JSON Lines saved as ``.json``)
    are read one after another; a broken one becomes a ``JsonError`` and reading resumes at the next
    line. A syntax error inside a top-level array raises ``JsonSyntaxError``.
    """
    stream = _Stream(fh, ws=_WS_JS if prefix_until else _WS)
    if prefix_until is not None:
        stream.skip_past(prefix_until)
    while ch := stream.peek():
        if ch == "[":
            yield from _iter_array(stream)
            continue
        start = stream.line
        try:
            value, line = stream.value()
        except json.JSONDecodeError as err:
            yield JsonError(start, f"invalid JSON: {stream.describe(err)}")
            stream.skip_line()
            continue
        yield JsonValue(line, value)


def _iter_array(stream: _Stream) -> Iterator[JsonValue]:
    stream.advance(1)
    first = True
    while True:
        ch = stream.peek()
        if ch == "]":
            stream.advance(1)
            return
        if not first:
            if ch != ",":
                raise JsonSyntaxError(f"invalid JSON: expected ',' or ']' but found {ch!r}", stream.line)
            stream.advance(1)
            ch = stream.peek()
            if ch == "]":  # tolerate a trailing comma
                continue
        if not ch:
            raise JsonSyntaxError("invalid JSON: unterminated array (file truncated?)", stream.line)
        try:
            value, line = stream.value()
        except json.JSONDecodeError as err:
            raise JsonSyntaxError(f"invalid JSON: {stream.describe(err)}", stream.line) from err
        yield JsonValue(line, value)
        first = False


class _Stream:
    """A growing window on a text stream, with the line number at the read position."""

    def __init__(self, fh: TextIO, ws: re.Pattern[str]) -> None:
        self.fh = fh
        self.ws = ws
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def fill(self) -> None:
        """Read more text (at least as much as is buffered, so retries stay linear)."""
        if self.pos > len(self.buf) // 2:
            self.buf = self.buf[self.pos :]
            self.pos = 0
        data = self.fh.read(max(_CHUNK, len(self.buf) - self.pos))
        if not data:
            self.eof = True
        self.buf += data

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
        """Decode the value at the read position; returns it with its start line."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                if self.eof or not self._maybe_truncated(err):
                    raise
                self.fill()
                continue
            if end + _MARGIN > len(self.buf) and not self.eof:
                self.fill()
                continue
            line = self.line
            self.advance(end - self.pos)
            return value, line

    def _maybe_truncated(self, err: json.JSONDecodeError) -> bool:
        return err.pos + _MARGIN >= len(self.buf) or err.msg.startswith("Unterminated string")

    def describe(self, err: json.JSONDecodeError) -> str:
        """``err`` with a line and column in file terms."""
        line = self.line + self.buf.count("\n", self.pos, err.pos)
        column = err.pos - self.buf.rfind("\n", 0, err.pos)
        return f"{err.msg.removesuffix(' at')} at line {line} column {column}"
