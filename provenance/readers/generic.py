"""Generic JSON and JSON Lines: one record per object (or string), fields chosen by the options."""

from __future__ import annotations

from collections.abc import Iterator

from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import open_text, strip_compression
from provenance.readers.fastjsonl import applies, read_jsonl_blocks
from provenance.readers.json_records import expand_arrays, records_of_values
from provenance.readers.jsonstream import JsonError, JsonValue, iter_json_document, iter_json_lines

JSONL_SUFFIXES: tuple[str, ...] = (".jsonl", ".ndjson", ".jsonlines")


def json_container(source: InputSource) -> str:
    """``"jsonl"`` (line by line) or ``"json"`` (streamed document) for ``source``."""
    if source.format in ("jsonl", "json"):
        return source.format
    inner = strip_compression(source.path.name).lower()
    return "jsonl" if inner.endswith(JSONL_SUFFIXES) else "json"


def iter_values(source: InputSource) -> Iterator[JsonValue | JsonError]:
    """The JSON values of ``source``: lines of JSON Lines, or elements of a JSON document.

    A value that is an array (a JSON Lines line holding a list) is expanded into its elements.
    """
    with open_text(source.path, encoding="utf-8-sig") as fh:
        if json_container(source) == "jsonl":
            values = iter_json_lines(fh)
        else:
            values = iter_json_document(fh)
        yield from expand_arrays(values)


def read_generic_json(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of a generic JSON / JSON Lines file (``--text-field``, ``--id-field``, ``--meta-field``)."""
    if applies(source, options, json_container(source)):
        yield from read_jsonl_blocks(source, options)
        return
    yield from records_of_values(iter_values(source), Emitter(source.name), options)
