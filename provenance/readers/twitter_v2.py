"""X API v2 responses (twarc2 JSON Lines, one response page per line) and twarc2 "flattened" tweets.

Records are the entries of each page's ``data`` (a list, or one object in filtered-stream output);
``includes.users`` resolves ``author_id`` to a username and ``includes.tweets`` completes truncated
retweets (``RT @<username>: `` + the referenced tweet's full text); ``note_tweet.text`` beats ``text``.
Flattened lines (one tweet with ``author`` and ``referenced_tweets`` inlined) are read the same way.

Non-tweet responses: a ``data`` entry without text (counts, users, lists) is a ``SkippedRecord``
with reason ``NOT_A_TWEET``. The ``errors`` of a page are API notices, not records: each is logged
on the ``provenance.readers`` logger at INFO level (``"<source>:<line>: API notice: ..."``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import (
    Emitter,
    ReadItem,
    clean_meta,
    extra_meta,
    logger,
    parse_date,
    to_str,
    tweet_url,
)
from provenance.readers.generic import iter_values
from provenance.readers.jsonstream import JsonError

NOT_A_TWEET = "v2 data entry without text (not a tweet: counts, users or lists response?)"
_RT_PREFIX = re.compile(r"^RT @(\w+):")


def read_twitter_v2(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of a v2 file: response pages or flattened tweets, one per line (or one document)."""
    emitter = Emitter(source.name)
    for item in iter_values(source, options.max_record_bytes):
        if isinstance(item, JsonError):
            yield emitter.skip(item.message, item.line, item.element)
        elif is_page(item.value):
            yield from page_records(emitter, item.value, item.line, options)
        else:
            yield tweet_record(emitter, item.value, item.line, options, {}, {})


def is_page(value: Any) -> bool:
    """Whether ``value`` is a response page (``data``/``errors``/``meta``) rather than a flat tweet."""
    if not isinstance(value, dict):
        return False
    return "data" in value or ("text" not in value and ("errors" in value or "meta" in value))


def page_records(
    emitter: Emitter, page: Mapping[str, Any], line: int | None, options: ReaderOptions
) -> Iterator[ReadItem]:
    """The records of one response page; its ``errors`` are logged as notices."""
    for error in page.get("errors") or []:
        logger.info("%s:%s: API notice: %s", emitter.source, line, _describe_error(error))
    includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
    users = {u.get("id"): u.get("username") for u in includes.get("users") or [] if isinstance(u, dict)}
    tweets = {t.get("id"): t for t in includes.get("tweets") or [] if isinstance(t, dict)}
    data = page.get("data")
    for tweet in [data] if isinstance(data, dict) else data or []:
        yield tweet_record(emitter, tweet, line, options, users, tweets)


def tweet_record(
    emitter: Emitter,
    tweet: Any,
    line: int | None,
    options: ReaderOptions,
    users: Mapping[Any, Any],
    tweets: Mapping[Any, Any],
) -> ReadItem:
    """One record from a v2 tweet (page entry or flattened line)."""
    if not isinstance(tweet, dict):
        return emitter.skip(f"not a tweet object ({type(tweet).__name__})", line)
    text = _retweet_text(tweet, users, tweets) or note_text(tweet)
    if text is None:
        return emitter.skip(NOT_A_TWEET, line)
    record_id = to_str(tweet.get("id"))
    author = _username(tweet, users)
    meta = clean_meta(
        author=author,
        author_id=to_str(tweet.get("author_id")),
        created_at=parse_date(tweet.get("created_at")),
        url=tweet_url(author, record_id),
        lang=to_str(tweet.get("lang")),
    ) | extra_meta(tweet, options.meta_fields)
    return emitter.record(record_id, text, line, meta)


def note_text(tweet: Mapping[str, Any]) -> str | None:
    """``note_tweet.text`` (long posts), else ``text``."""
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return note["text"]
    text = tweet.get("text")
    return text if isinstance(text, str) else None


def _retweet_text(
    tweet: Mapping[str, Any], users: Mapping[Any, Any], tweets: Mapping[Any, Any]
) -> str | None:
    """``RT @<author>: <full text>`` from the referenced (retweeted) tweet, when it is known."""
    for ref in tweet.get("referenced_tweets") or []:
        if not isinstance(ref, dict) or ref.get("type") != "retweeted":
            continue
        target = tweets.get(ref.get("id")) or (ref if "text" in ref else None)
        if not isinstance(target, dict) or (full := note_text(target)) is None:
            return None
        match = _RT_PREFIX.match(note_text(tweet) or "")
        name = _username(target, users) or (match.group(1) if match else None)
        return f"RT @{name}: {full}" if name else None
    return None


def _username(tweet: Mapping[str, Any], users: Mapping[Any, Any]) -> str | None:
    author = tweet.get("author")
    if isinstance(author, dict) and isinstance(author.get("username"), str):
        return author["username"]
    return to_str(users.get(tweet.get("author_id")))


def _describe_error(error: Any) -> str:
    if isinstance(error, dict):
        parts = [to_str(error.get(key)) for key in ("title", "detail", "value")]
        return " - ".join(part for part in parts if part) or to_str(error) or ""
    return to_str(error) or ""
