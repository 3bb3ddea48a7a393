"""Transparent decompression: gzip, bz2 and zstd, by extension and magic bytes."""

from __future__ import annotations

import bz2
import gzip
import io
from pathlib import Path
from typing import BinaryIO, TextIO

import zstandard

COMPRESSION_SUFFIXES: dict[str, str] = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".zst": "zstd",
    ".zstd": "zstd",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def strip_compression(name: str) -> str:
    """``x.jsonl.gz`` -> ``x.jsonl``; names without a compression suffix are returned unchanged."""
    lower = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def sniff_compression(path: Path) -> str | None:
    """The compression of ``path`` from its magic bytes, else its extension, else ``None``."""
    with path.open("rb") as fh:
        head = fh.read(4)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return COMPRESSION_SUFFIXES.get(path.suffix.lower()) if head else None


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing on the fly."""
    kind = sniff_compression(path)
    if kind == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if kind == "bz2":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    if kind == "zstd":
        raw = path.open("rb")
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.BufferedReader(reader)  # type: ignore[arg-type]
    return path.open("rb")


def open_text(path: Path, encoding: str = "utf-8", newline: str | None = "\n") -> TextIO:
    """Open ``path`` as text (strict decoding), decompressing on the fly.

    ``newline="\\n"`` splits lines on LF only, so a stray CR inside a record does not start a new line.
    """
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="strict", newline=newline)
