"""Generic JSON and JSON Lines: one record per object (or string), fields chosen by the options."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from provenance.readers import fastjsonl
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem, extra_meta, first_field, to_str
from provenance.readers.compression import open_text, strip_compression
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


def expand_arrays(values: Iterable[JsonValue | JsonError]) -> Iterator[JsonValue | JsonError]:
    """The values, each array (a JSON Lines line holding a list) replaced by its elements."""
    for item in values:
        if isinstance(item, JsonValue) and isinstance(item.value, list):
            yield from (JsonValue(item.line, element) for element in item.value)
        else:
            yield item


def read_generic_json(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of a generic JSON / JSON Lines file (``--text-field``, ``--id-field``, ``--meta-field``)."""
    if fastjsonl.applies(source, options, json_container(source)):
        yield from fastjsonl.read_jsonl_blocks(source, options)
        return
    yield from records_of_values(iter_values(source), Emitter(source.name), options)


def records_of_values(
    values: Iterable[JsonValue | JsonError], emitter: Emitter, options: ReaderOptions, first_line: int = 1
) -> Iterator[ReadItem]:
    """A record (or a skipped one) per value; line numbers are shifted so the first is ``first_line``."""
    for item in values:
        line = item.line + first_line - 1
        if isinstance(item, JsonError):
            yield emitter.skip(item.message, line)
        else:
            yield generic_record(emitter, item.value, line, options)


def generic_record(emitter: Emitter, obj: Any, line: int | None, options: ReaderOptions) -> ReadItem:
    """One record from a JSON object (or a bare string, which is the text itself)."""
    if isinstance(obj, str):
        return emitter.record(None, obj, line)
    if not isinstance(obj, dict):
        return emitter.skip(f"not a JSON object ({type(obj).__name__})", line)
    fields = options.text_fields()
    text = to_str(first_field(obj, fields))
    record_id = to_str(first_field(obj, options.id_fields()))
    url = obj.get("url")
    meta = {"url": url} if isinstance(url, str) and url else {}
    if options.meta_fields:
        meta |= extra_meta(obj, options.meta_fields)
    if text is None:
        return emitter.skip(missing_text_reason(fields), line)
    return emitter.record(record_id, text, line, meta)


def missing_text_reason(fields: tuple[str, ...]) -> str:
    """``no text field (tried text, content, ...)``."""
    return f"no text field (tried {', '.join(fields)})"
