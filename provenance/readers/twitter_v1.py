"""X/Twitter API v1.1 statuses: single objects, arrays, search envelopes and streaming JSON Lines.

The text is the full text: ``extended_tweet.full_text``, then ``full_text``, then ``text``; a
retweet's text is ``RT @<screen_name>: `` plus the retweeted status's full text (not truncated).
The same conversion serves Grailbird archives and the Trump Twitter Archive export.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import (
    Emitter,
    ReadItem,
    clean_meta,
    extra_meta,
    parse_date,
    to_str,
    tweet_url,
)
from provenance.readers.generic import iter_values
from provenance.readers.jsonstream import JsonError

NO_TEXT = "no text field in status (tried extended_tweet.full_text, full_text, text)"


def read_twitter_v1(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of a v1.1 file; ``{"statuses": [...]}`` envelopes are expanded."""
    emitter = Emitter(source.name)
    for item in iter_values(source, options.max_record_bytes):
        if isinstance(item, JsonError):
            yield emitter.skip(item.message, item.line, item.element)
            continue
        value = item.value
        statuses = value.get("statuses") if isinstance(value, dict) else None
        for status in statuses if isinstance(statuses, list) else [value]:
            yield status_record(emitter, status, item.line, options)


def status_record(
    emitter: Emitter, status: Any, line: int | None, options: ReaderOptions, author: str | None = None
) -> ReadItem:
    """One record from a v1.1-style status; ``author`` is used when the status has no ``user``."""
    if not isinstance(status, dict):
        return emitter.skip(f"not a status object ({type(status).__name__})", line)
    record_id = to_str(status.get("id_str") or status.get("id"))
    user = status.get("user")
    screen_name = to_str(user.get("screen_name")) if isinstance(user, dict) else author
    user_id = to_str(user.get("id_str") or user.get("id")) if isinstance(user, dict) else None
    meta = clean_meta(
        author=screen_name,
        author_id=user_id,
        created_at=parse_date(status.get("created_at")),
        url=tweet_url(screen_name, record_id),
        lang=to_str(status.get("lang")),
    ) | extra_meta(status, options.meta_fields)
    return emitter.record(record_id, status_text(status), line, meta, missing_text=NO_TEXT)


def status_text(status: Mapping[str, Any]) -> str | None:
    """The full text of a status, retweets completed from ``retweeted_status``."""
    retweeted = status.get("retweeted_status")
    if isinstance(retweeted, dict):
        inner = full_text(retweeted)
        user = retweeted.get("user")
        name = user.get("screen_name") if isinstance(user, dict) else None
        if inner and name:
            return f"RT @{name}: {inner}"
    return full_text(status)


def full_text(status: Mapping[str, Any]) -> str | None:
    """``extended_tweet.full_text``, then ``full_text``, then ``text``."""
    extended = status.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("full_text"), str):
        return extended["full_text"]
    for name in ("full_text", "text"):
        if isinstance(status.get(name), str):
            return status[name]
    return None
