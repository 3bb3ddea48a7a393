"""JSON values to records: the field rules of generic JSON, shared by every reader of JSON values.

The text field must hold a string: a number, object, list, boolean or NaN there is a skipped record
(``text field text is a number, not a string``), never its repr; Parquet binary is decoded as UTF-8.
A text field naming a list (``messages[].content``) makes one record per element, and chat-format
records (``{"messages": [{"role": ..., "content": ...}]}``) are read so when no text field matches
(``message_records``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from provenance.readers.base import CHAT_TEXT_FIELD, DEFAULT_TEXT_FIELDS, ListField, ReaderOptions, list_field
from provenance.readers.common import (
    Emitter,
    ReadItem,
    extra_meta,
    first_field,
    first_named,
    get_path,
    kind_of,
    to_str,
)
from provenance.readers.jsonstream import JsonError, JsonFloat, JsonValue
from provenance.readers.records import message_id

CHAT_FIELD: ListField = list_field(CHAT_TEXT_FIELD)  # type: ignore[assignment]


def expand_arrays(values: Iterable[JsonValue | JsonError]) -> Iterator[JsonValue | JsonError]:
    """The values, each array (a JSON Lines line holding a list) replaced by its elements."""
    for item in values:
        if isinstance(item, JsonValue) and isinstance(item.value, list):
            outer = item.element
            yield from (
                JsonValue(item.line, element, k if outer is None else outer)
                for k, element in enumerate(item.value)
            )
        else:
            yield item


def records_of_values(
    values: Iterable[JsonValue | JsonError], emitter: Emitter, options: ReaderOptions, first_line: int = 1
) -> Iterator[ReadItem]:
    """A record (or a skipped one) per value, one per message of a conversation; line numbers are
    shifted so the first is ``first_line``. (``value_records`` of each value, inlined: the hot loop.)"""
    listed = options.list_text_field()
    auto_chat = options.text_field is None
    for item in values:
        line = item.line + first_line - 1
        if isinstance(item, JsonError):
            yield emitter.skip(item.message, line, item.element)
            continue
        value = item.value
        if listed is not None:
            yield from message_records(emitter, value, line, options, listed, item.element)
        elif auto_chat and type(value) is dict and "messages" in value and is_chat(value):
            yield from message_records(emitter, value, line, options, CHAT_FIELD, item.element)
        else:
            yield generic_record(emitter, value, line, options, item.element)


def value_records(
    emitter: Emitter, value: Any, line: int | None, options: ReaderOptions, element: int | None = None
) -> Iterator[ReadItem]:
    """The records of one value (a Parquet row, say), as ``records_of_values`` makes them."""
    listed = options.list_text_field()
    if listed is not None:
        yield from message_records(emitter, value, line, options, listed, element)
    elif options.text_field is None and type(value) is dict and "messages" in value and is_chat(value):
        yield from message_records(emitter, value, line, options, CHAT_FIELD, element)
    else:
        yield generic_record(emitter, value, line, options, element)


def is_chat(obj: dict) -> bool:
    """Whether ``obj`` is a chat-format record: no default text field, and ``messages`` a non-empty
    list of objects of which one at least has a ``content``."""
    messages = obj.get("messages")
    return (
        isinstance(messages, list)
        and bool(messages)
        and all(isinstance(m, dict) for m in messages)
        and any(m.get("content") is not None for m in messages)
        and first_field(obj, DEFAULT_TEXT_FIELDS) is None
    )


def generic_record(
    emitter: Emitter, obj: Any, line: int | None, options: ReaderOptions, element: int | None = None
) -> ReadItem:
    """One record from a JSON object (or a bare string, which is the text itself)."""
    if isinstance(obj, str) and not isinstance(obj, JsonFloat):
        return emitter.record(None, obj, line, element=element)
    if not isinstance(obj, dict):
        return emitter.skip(f"not a JSON object ({_type_name(obj)})", line, element)
    fields = options.text_fields()
    name, text = first_named(obj, fields)
    record_id = to_str(first_field(obj, options.id_fields()))
    meta = _meta(obj, options)
    if type(text) is str:  # the common case, without a call more
        return emitter.record(record_id, text, line, meta, element=element)
    if text is None:
        return emitter.skip(missing_text_reason(fields), line, element)
    return text_record(emitter, record_id, name, text, line, meta, element)


def text_record(
    emitter: Emitter,
    record_id: str | None,
    name: str,
    value: Any,
    line: int | None,
    meta: dict[str, str],
    element: int | None = None,
) -> ReadItem:
    """A record whose text is ``value`` (field ``name``): a string, or bytes that are UTF-8; any
    other value is a skipped record naming what the field holds."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return emitter.skip(f"text field {name} holds bytes that are not valid UTF-8", line, element)
    if not isinstance(value, str) or isinstance(value, JsonFloat):
        return emitter.skip(f"text field {name} is {kind_of(value)}, not a string", line, element)
    return emitter.record(record_id, value, line, meta, element=element)


def message_records(
    emitter: Emitter,
    obj: Any,
    line: int | None,
    options: ReaderOptions,
    field: ListField,
    element: int | None,
) -> Iterator[ReadItem]:
    """One record per element of the list ``field.items`` of ``obj`` (each message of a chat), its
    text ``field.text`` of the element. A message's meta is the record's (``url``, ``--meta-field``)
    plus ``message`` (its 0-based index in the list) and ``role`` (when a string); its id is
    ``<record id>#messages[2]`` (``records.message_id``) when the record has an id of its own, else
    the default id of the message's own position. Every message takes a position, skipped or not;
    a record without the list, or with an empty one, is one skipped record."""
    if not isinstance(obj, dict):
        yield emitter.skip(f"not a JSON object ({_type_name(obj)})", line, element)
        return
    items = get_path(obj, field.items)
    if items is None:
        yield emitter.skip(missing_text_reason((field.name,)), line, element)
        return
    if not isinstance(items, list) or not items:
        held = "an empty list" if isinstance(items, list) else f"{kind_of(items)}, not a list"
        yield emitter.skip(f"{field.items} is {held}", line, element)
        return
    own = to_str(first_field(obj, options.id_fields()))
    base = _meta(obj, options)
    for k, message in enumerate(items):
        where = f"{field.items}[{k}]"
        meta = {**base, "message": str(k)}
        value = message
        if field.text:
            if not isinstance(message, dict):
                yield emitter.skip(f"{where} is {kind_of(message)}, not an object", line, element)
                continue
            role = message.get("role")
            if isinstance(role, str) and role:
                meta["role"] = role
            value = get_path(message, field.text)
            if value is None:
                yield emitter.skip(f"no text field ({where}.{field.text})", line, element)
                continue
        record_id = message_id(own, field.items, k) if own else None
        name = f"{where}.{field.text}" if field.text else where
        yield text_record(emitter, record_id, name, value, line, meta, element)


def _meta(obj: dict, options: ReaderOptions) -> dict[str, str]:
    url = obj.get("url")
    meta = {"url": url} if type(url) is str and url else {}
    if options.meta_fields:
        meta |= extra_meta(obj, options.meta_fields)
    return meta


def _type_name(value: Any) -> str:
    return "float" if isinstance(value, JsonFloat) else type(value).__name__


def missing_text_reason(fields: tuple[str, ...]) -> str:
    """``no text field (tried text, content, ...)``."""
    return f"no text field (tried {', '.join(fields)})"
