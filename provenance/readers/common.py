"""Helpers shared by the readers: record emission, field lookup, value and date conversion."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from provenance.readers.jsonstream import JsonFloat
from provenance.readers.records import Record, SkippedRecord, default_id

logger = logging.getLogger("provenance.readers")

ReadItem = Record | SkippedRecord

_CLOCK = r"(?P<time>\d{2}:\d{2}:\d{2})"
_TWITTER_DATE = re.compile(  # Fri Nov 18 21:10:34 +0000 2022 (archives, v1.1)
    r"^[A-Za-z]{3} (?P<month>[A-Za-z]{3}) (?P<day>\d{1,2}) " + _CLOCK + r" (?P<tz>[+-]\d{4}) (?P<year>\d{4})$"
)
_SPACED_DATE = re.compile(  # 2012-01-31 07:57:05 +0000 (Grailbird)
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}) " + _CLOCK + r" (?P<tz>[+-]\d{4})$"
)
_ISO_UTC = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})T" + _CLOCK + r"(\.\d+)?Z$")
_MONTHS: dict[str, int] = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


@dataclass
class Emitter:
    """Builds the records of one source, numbering them (``position``) in order."""

    source: str
    position: int = 0
    default_ids: bool = True
    """Give a record without an id of its own its ``default_id``; else ``""`` (for a reader
    of a block whose positions are shifted later)."""

    def record(
        self,
        record_id: str | None,
        text: str | None,
        line: int | None = None,
        meta: Mapping[str, str] | None = None,
        missing_text: str = "no text field",
        element: int | None = None,
    ) -> ReadItem:
        """A ``Record``, or a ``SkippedRecord`` when ``text`` is missing (``missing_text``) or empty.
        (The readers check that what they decode is valid Unicode: see ``jsonstream.lone_surrogate``.)"""
        if text is None:
            return self.skip(missing_text, line, element)
        if not text or text.isspace():  # as `not text.strip()`, without copying the text
            return self.skip("empty text", line, element)
        position = self.position
        self.position = position + 1
        rid = record_id or (default_id(self.source, position) if self.default_ids else "")
        return Record(rid, text, self.source, position, line, dict(meta) if meta else {})

    def skip(self, reason: str, line: int | None = None, element: int | None = None) -> SkippedRecord:
        """A ``SkippedRecord`` at the next position."""
        return SkippedRecord(self.source, self._next(), reason, line, element)

    def _next(self) -> int:
        position = self.position
        self.position += 1
        return position


def kind_of(value: Any) -> str:
    """``a number``, ``an object``, ... for a reason naming what a field holds instead of a string."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float) and value != value:
        return "a number (NaN)"
    if isinstance(value, (int, float, JsonFloat)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (bytes, bytearray)):
        return "bytes that are not valid UTF-8"
    return f"a {type(value).__name__}"


def to_str(value: Any) -> str | None:
    """A field value as a string (ints exactly, JSON for containers, bytes as UTF-8); ``None`` stays
    ``None``."""
    if value is None:
        return None
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def get_path(obj: Any, path: str) -> Any:
    """``obj[path]``, or the dotted path (``meta.url``) through nested mappings; ``None`` if absent."""
    if isinstance(obj, dict) and path in obj:
        return obj[path]
    current = obj
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def first_field(obj: Mapping[str, Any], names: Iterable[str]) -> Any:
    """The value of the first of ``names`` present (and not null) in ``obj``, else ``None``."""
    for name in names:
        value = get_path(obj, name)
        if value is not None:
            return value
    return None


def first_named(obj: Mapping[str, Any], names: Iterable[str]) -> tuple[str, Any]:
    """``(name, value)`` of the first of ``names`` present (and not null) in ``obj``, else ``("", None)``."""
    for name in names:
        value = get_path(obj, name)
        if value is not None:
            return name, value
    return "", None


def extra_meta(obj: Mapping[str, Any], fields: Iterable[str]) -> dict[str, str]:
    """The ``--meta-field`` values present in ``obj``, as strings."""
    meta: dict[str, str] = {}
    for name in fields:
        value = to_str(get_path(obj, name))
        if value:
            meta[name] = value
    return meta


MANIFEST_DATA_TYPES: tuple[str, ...] = ("tweets", "tweet", "noteTweet", "deletedTweets")
"""The ``dataTypes`` of an X archive's ``manifest.js`` that are read."""


def manifest_problem(manifest: Any) -> str | None:
    """What in an X archive's parsed ``manifest.js`` has a type the readers cannot use (``dataTypes``
    a list, ``userInfo`` a number, ...), or ``None``. Only what is read is checked."""
    if not isinstance(manifest, dict):
        return f"manifest.js is {kind_of(manifest)}, not an object"
    info = manifest.get("userInfo")
    if info is not None and not isinstance(info, dict):
        return f"userInfo is {kind_of(info)}, not an object"
    for key in ("userName", "accountId"):
        value = (info or {}).get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
            return f"userInfo.{key} is {kind_of(value)}, not a string"
    types = manifest.get("dataTypes")
    if types is not None and not isinstance(types, dict):
        return f"dataTypes is {kind_of(types)}, not an object"
    for name in MANIFEST_DATA_TYPES:
        entry = (types or {}).get(name)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            return f"dataTypes.{name} is {kind_of(entry)}, not an object"
        files = entry.get("files")
        if files is not None and not isinstance(files, list):
            return f"dataTypes.{name}.files is {kind_of(files)}, not a list"
        for k, listed in enumerate(files or []):
            if not isinstance(listed, dict) or not isinstance(listed.get("fileName"), str):
                return f"dataTypes.{name}.files[{k}] is not an object with a fileName string"
    return None


def clean_meta(**values: str | None) -> dict[str, str]:
    """``values`` without the ``None`` and empty ones."""
    return {key: value for key, value in values.items() if value}


def parse_date(value: Any) -> str | None:
    """A tweet date as ISO 8601 UTC (``2022-11-18T21:10:34Z``); unparseable values are returned as given."""
    text = to_str(value)
    if not text:
        return None
    text = text.strip()
    fast = _fast_utc(text)
    if fast is not None:
        return fast
    parsed = _parse_datetime(text)
    if parsed is None:
        return text
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fast_utc(text: str) -> str | None:
    """The common UTC cases without building a datetime (the hot path when reading tweets)."""
    if (match := _TWITTER_DATE.match(text)) and match["tz"] == "+0000":
        month = _MONTHS.get(match["month"].lower())
        day = int(match["day"])
        if month and 1 <= day <= 28:
            return f"{match['year']}-{month:02d}-{day:02d}T{match['time']}Z"
    elif (match := _ISO_UTC.match(text)) and 1 <= int(match["date"][8:]) <= 28:
        return f"{match['date']}T{match['time']}Z"
    return None


def _parse_datetime(text: str) -> datetime | None:
    """``Fri Nov 18 21:10:34 +0000 2022``, ``2012-01-31 07:57:05 +0000`` or ISO 8601 with a zone."""
    if match := _TWITTER_DATE.match(text):
        month = _MONTHS.get(match["month"].lower())
        if month is None:
            return None
        return _build(match["year"], month, match["day"], match["time"], match["tz"])
    if match := _SPACED_DATE.match(text):
        return _build(match["year"], int(match["month"]), match["day"], match["time"], match["tz"])
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _build(year: str, month: int, day: str, clock: str, tz: str) -> datetime | None:
    hour, minute, second = (int(part) for part in clock.split(":"))
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5])) * (-1 if tz[0] == "-" else 1)
    try:
        return datetime(int(year), month, int(day), hour, minute, second, tzinfo=timezone(offset))
    except ValueError:
        return None


def tweet_url(author: str | None, tweet_id: str | None) -> str | None:
    """``https://x.com/<author>/status/<id>`` when both are known."""
    if author and tweet_id:
        return f"https://x.com/{author}/status/{tweet_id}"
    return None
