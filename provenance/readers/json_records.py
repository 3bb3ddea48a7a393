"""JSON values to records: the field rules of generic JSON, shared by every reader of JSON values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from provenance.readers.base import ReaderOptions
from provenance.readers.common import Emitter, ReadItem, extra_meta, first_field, to_str
from provenance.readers.jsonstream import JsonError, JsonValue


def expand_arrays(values: Iterable[JsonValue | JsonError]) -> Iterator[JsonValue | JsonError]:
    """The values, each array (a JSON Lines line holding a list) replaced by its elements."""
    for item in values:
        if isinstance(item, JsonValue) and isinstance(item.value, list):
            yield from (JsonValue(item.line, element) for element in item.value)
        else:
            yield item


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
