"""Input readers: find the inputs, tell their formats, and stream their records.

Public API: ``FORMATS``, ``ReaderOptions``, ``InputSource``, ``discover`` (``discover_inputs`` also
lists what a directory walk skipped), ``describe_inputs``, ``read_source``,
``read_source_lists`` and ``read_records``, and for sources that ``reads_in_blocks``,
``read_block`` (one byte range, for a worker; ``blocks.BlockStream`` is the stream of them that
the index and the scan share). Readers yield ``Record`` or ``SkippedRecord`` (a bad
record never stops a file); a file that cannot be read at all raises ``InputError`` naming it.
Everything streams: memory use does not grow with the size of an input.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyarrow
import zstandard

from provenance.atomic import sha256_file
from provenance.errors import InputError, UsageError
from provenance.readers import fastjsonl
from provenance.readers.arrow_ipc import read_arrow, read_hf_dataset
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import ReadItem
from provenance.readers.delimited import read_delimited
from provenance.readers.discovery import Discovery, SkippedInput, find_inputs
from provenance.readers.generic import json_container, read_generic_json
from provenance.readers.grailbird import read_grailbird
from provenance.readers.integrity import first_invalid_utf8
from provenance.readers.parquet import read_parquet
from provenance.readers.spool import spooled
from provenance.readers.text import read_text_file, read_text_lines
from provenance.readers.twitter_v1 import read_twitter_v1
from provenance.readers.twitter_v2 import read_twitter_v2
from provenance.readers.x_archive import read_x_archive

__all__ = [
    "FORMATS",
    "Discovery",
    "InputSource",
    "ReaderOptions",
    "SkippedInput",
    "describe_inputs",
    "discover",
    "discover_inputs",
    "read_block",
    "read_records",
    "read_source",
    "read_source_lists",
    "reads_in_blocks",
    "workers_read_blocks",
]

Reader = Callable[[InputSource, ReaderOptions], Iterator[ReadItem]]

_READERS: dict[str, Reader] = {
    "x-archive": read_x_archive,
    "grailbird": read_grailbird,
    "twitter-v1": read_twitter_v1,
    "twitter-v2": read_twitter_v2,
    "jsonl": read_generic_json,
    "json": read_generic_json,
    "parquet": read_parquet,
    "arrow": read_arrow,
    "hf-dataset": read_hf_dataset,
    "csv": read_delimited,
    "tsv": read_delimited,
    "text": read_text_lines,
    "text-file": read_text_file,
}
FORMATS: tuple[str, ...] = ("auto", *_READERS)
"""Every ``--format``: ``auto`` (detected per file) and each format that has a reader."""
_READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    UnicodeDecodeError,
    csv.Error,
    zipfile.BadZipFile,
    zstandard.ZstdError,
    pyarrow.ArrowException,
)


def discover(paths: Sequence[str | Path], options: ReaderOptions) -> list[InputSource]:
    """The sources named by ``paths`` (files, directories, globs, pipes), in a deterministic order.

    Directories are walked recursively in name order and every data file in them is read, whatever
    its name (``LICENSE.jsonl``, hidden ``.x.jsonl``); what a walk does not read (a file without a
    reader such as ``README.md``, a ``.git`` folder, a FIFO) ``discover_inputs`` lists. A directory
    that is an X archive or a Grailbird archive is one source, as is an X archive ``.zip``. A pipe
    or FIFO (``<(zcat x.gz)``) is read once into a temporary file (``spool``). Raises
    ``InputError`` naming the path for a missing path, a glob matching nothing, a directory
    without data files, a file of undetectable format, or one the encoding policy refuses
    (compressed twice, UTF-16/32, binary; ``integrity.check_text_input``).
    """
    return discover_inputs(paths, options).sources


def discover_inputs(paths: Sequence[str | Path], options: ReaderOptions) -> Discovery:
    """``discover``, with the paths its directory walks skipped and why (``Discovery.skipped``, a
    list of ``SkippedInput``: a manifest's ``inputs_skipped``)."""
    if options.format not in FORMATS:
        raise UsageError(f"unknown format {options.format!r}; choose one of {', '.join(FORMATS)}")
    return find_inputs(paths, options)


def read_source(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """The records of one source; a file that cannot be read raises ``InputError`` naming it."""
    reader = _READERS.get(source.format)
    if reader is None:
        raise UsageError(f"unknown format {source.format!r}", source=source.name)
    with _errors_naming(source):
        yield from reader(source, options)


def read_source_lists(
    source: InputSource, options: ReaderOptions, size: int = 4096
) -> Iterator[list[ReadItem]]:
    """``read_source`` in lists (a block of lines each where the source ``reads_in_blocks``, else
    up to ``size`` items): the same items, without a generator step per record."""
    if reads_in_blocks(source, options):
        with _errors_naming(source):
            yield from fastjsonl.read_jsonl_lists(source, options)
        return
    items = read_source(source, options)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def reads_in_blocks(source: InputSource, options: ReaderOptions) -> bool:
    """Whether ``source`` can be read as independent blocks of lines (``read_block``)."""
    return _READERS.get(source.format) is read_generic_json and fastjsonl.applies(
        source, options, json_container(source)
    )


def workers_read_blocks(
    sources: Sequence[InputSource], options: ReaderOptions, jobs: int, strict: bool
) -> bool:
    """Whether worker processes read the inputs themselves, block by block: with several jobs,
    when every source ``reads_in_blocks``, and not ``strict`` (its first bad record must stop
    the reading in input order)."""
    return jobs > 1 and not strict and all(reads_in_blocks(s, options) for s in sources)


def describe_inputs(sources: Sequence[InputSource]) -> list[dict]:
    """Every input with the path, SHA-256 and size of each file it reads (a manifest's inputs); a
    pipe by the path it was given as, with the SHA-256 and size of what was read from it."""
    return [
        {"name": source.name, "format": source.format, "files": [_describe(file) for file in source.files()]}
        for source in sources
    ]


def _describe(file: Path) -> dict:
    pipe = spooled(file)
    if pipe is not None:
        return {"path": Path(pipe.given).as_posix(), "sha256": pipe.sha256, "bytes": pipe.bytes}
    return {"path": file.as_posix(), "sha256": sha256_file(file), "bytes": file.stat().st_size}


def read_block(source: InputSource, start: int, end: int, options: ReaderOptions) -> fastjsonl.ReadBlock:
    """The records of bytes ``[start, end)`` of a source that ``reads_in_blocks`` (a range from
    ``fastjsonl.block_bounds``), numbered from position 0 and line 1."""
    with _errors_naming(source):
        return fastjsonl.read_block(source.path, start, end, source.name, options)


@contextlib.contextmanager
def _errors_naming(source: InputSource) -> Iterator[None]:
    """Reading errors become ``InputError`` naming the source."""
    try:
        yield
    except InputError as err:
        if err.source is None:
            err.source = source.name
        raise
    except UnicodeDecodeError as err:
        plain = source.path.is_file() and source.path.suffix.lower() != ".zip"  # members name themselves
        located = first_invalid_utf8(source.path) if plain else None
        located = located or InputError(f"not valid UTF-8 ({err.reason})")
        located.source = source.name
        raise located from None
    except _READ_ERRORS as err:
        raise InputError(f"cannot read: {err}", source=source.name) from err


def read_records(paths: Sequence[str | Path], options: ReaderOptions) -> Iterator[ReadItem]:
    """``discover`` the inputs, then ``read_source`` each in turn."""
    for source in discover(paths, options):
        yield from read_source(source, options)
