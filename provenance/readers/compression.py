"""Transparent decompression (gzip, bz2, zstd by magic bytes and extension) that never ends a stream early."""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from pathlib import Path
from typing import BinaryIO, TextIO

import zstandard

from provenance.errors import InputError

COMPRESSION_SUFFIXES: dict[str, str] = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".zst": "zstd",
    ".zstd": "zstd",
}
_ZSTD_MAGIC = 0xFD2FB528
_ZSTD_SKIPPABLE = range(0x184D2A50, 0x184D2A60)
_BZ2_BLOCK = (b"1AY&SY", b"\x17rE8P\x90")  # the first block's magic, or the end of an empty stream
_HEAD = 10
_BUFFER = 1 << 16


def strip_compression(name: str) -> str:
    """``x.jsonl.gz`` -> ``x.jsonl``; names without a compression suffix are returned unchanged."""
    lower = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes open ``head`` (its first 10 bytes or more), else ``None``.

    None of these can open UTF-8 text except bz2's, which needs its whole ten-byte header
    (``BZh9`` and the block magic), so a text that merely starts with ``BZh`` is not taken for it.
    """
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0" and head[4:10] in _BZ2_BLOCK:
        return "bz2"
    return None


def sniff_compression(path: Path) -> str | None:
    """The compression of ``path`` from its magic bytes, else its extension, else ``None``."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    return compression_of(head) or (COMPRESSION_SUFFIXES.get(path.suffix.lower()) if head else None)


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing on the fly.

    A compressed stream that ends before its end-of-stream marker (a truncated copy), or that is
    corrupt, raises ``InputError`` saying so when the reading reaches that point: it is never read
    as a shorter file. zstd files of several frames (``pzstd``, concatenated files) are read whole.
    """
    kind = sniff_compression(path)
    if kind is None:
        return path.open("rb")
    if kind == "gzip":
        inner: BinaryIO = gzip.open(path, "rb")  # type: ignore[assignment]
    elif kind == "bz2":
        inner = bz2.open(path, "rb")  # type: ignore[assignment]
    else:
        raw = path.open("rb")
        inner = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)  # type: ignore[assignment]
    return io.BufferedReader(_Checked(inner, kind, path), _BUFFER)  # type: ignore[return-value]


def open_text(path: Path, encoding: str = "utf-8", newline: str | None = "\n") -> TextIO:
    """Open ``path`` as text (strict decoding), decompressing on the fly.

    ``newline="\\n"`` splits lines on LF only, so a stray CR inside a record does not start a new line.
    """
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="strict", newline=newline)


class _Checked(io.RawIOBase):
    """A decompressed stream whose errors say what is wrong with the compressed file, and whose
    end is checked: a zstd reader ends quietly at a truncated frame, so its frames are walked."""

    def __init__(self, inner: BinaryIO, kind: str, path: Path) -> None:
        super().__init__()
        self._inner = inner
        self._kind = kind
        self._path = path
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            count = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        except EOFError as err:
            raise InputError(_truncated(self._kind)) from err
        except (OSError, zlib.error, zstandard.ZstdError) as err:
            raise InputError(f"not a readable {self._kind} stream: {err}") from err
        if not count and not self._ended:
            self._ended = True
            if self._kind == "zstd" and (problem := zstd_end_problem(self._path)):
                raise InputError(problem)
        return count

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def _truncated(kind: str) -> str:
    return (
        f"truncated {kind} stream: the file ends before its end-of-stream marker "
        "(an incomplete copy or download?)"
    )


def zstd_end_problem(path: Path) -> str | None:
    """Why the zstd frames of ``path`` do not end exactly at the end of the file, else ``None``.

    Walks the frame and block headers (RFC 8878) without decompressing: a few bytes per block.
    """
    with path.open("rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        pos = 0
        while pos < size:
            fh.seek(pos)
            head = fh.read(18)
            magic = int.from_bytes(head[:4], "little")
            if len(head) >= 8 and magic in _ZSTD_SKIPPABLE:
                pos += 8 + int.from_bytes(head[4:8], "little")
            elif len(head) >= 5 and magic == _ZSTD_MAGIC:
                pos = _zstd_frame_end(fh, pos, head[4], size)
                if pos == -1:
                    return _truncated("zstd")
                if pos < 0:
                    return f"corrupt zstd stream: a bad block header at byte {-pos}"
            elif len(head) < 5 and _ZSTD_MAGIC.to_bytes(4, "little").startswith(head[:4]):
                return _truncated("zstd")
            else:
                return f"corrupt zstd stream: no zstd frame at byte {pos}"
        return _truncated("zstd") if pos > size else None


def _zstd_frame_end(fh: BinaryIO, start: int, descriptor: int, size: int) -> int:
    """Where the frame at ``start`` ends: ``-1`` past the end of the file, ``-offset`` of a bad block."""
    single = descriptor >> 5 & 1
    fcs = (single, 2, 4, 8)[descriptor >> 6]
    pos = start + 5 + (0 if single else 1) + (0, 1, 2, 4)[descriptor & 3] + fcs
    while True:
        fh.seek(pos)
        header = fh.read(3)
        if len(header) < 3:
            return -1
        value = int.from_bytes(header, "little")
        kind = value >> 1 & 3
        if kind == 3:
            return -pos
        pos += 3 + (1 if kind == 1 else value >> 3)
        if pos > size:
            return -1
        if value & 1:
            break
    pos += 4 if descriptor & 4 else 0
    return -1 if pos > size else pos
