"""X/Twitter "Download your archive" exports (folder or ``.zip``), current and older layouts.

Tweets come from ``data/tweets.js`` (older: ``data/tweet.js``) and their split parts, as listed in
``manifest.js`` (``window.__THAR_CONFIG``), else found by name. The author is the manifest's
``userInfo.userName`` (``author_id`` = ``accountId``). Long posts: ``tweets.js`` holds a truncated
text, ``note-tweet.js`` the full one under another id; a note completes the tweet created within
±5 s whose text it starts with (the note is not an extra record; the tweet gains meta
``note_tweet_id``). ``include_deleted`` adds ``deleted-tweets.js`` (meta ``deleted="true"``).
"""

from __future__ import annotations

import calendar
import html
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from provenance.readers.archive_fs import ArchiveFiles, ZipArchiveFiles
from provenance.readers.archive_layout import (
    DELETED_FILES,
    NOTE_FILES,
    TWEET_FILES,
    data_files,
)
from provenance.readers.base import InputSource, ReaderOptions, checked_manifest
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
from provenance.readers.jsonstream import JsonError, iter_json_document
from provenance.readers.twitter_v1 import full_text

_URL = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(@\w+\s+)+")
_NOTE_WINDOW_S = 5
_MIN_PREFIX = 15


@dataclass(frozen=True)
class Account:
    """The archive owner, from ``manifest.js``."""

    user_name: str | None = None
    account_id: str | None = None


def read_x_archive(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of an X archive folder, ``.zip``, or a single ``tweets.js`` named directly."""
    if source.path.is_file() and source.path.suffix.lower() == ".js":
        files = ArchiveFiles(source.path.parent, "")
        account = _read_account(files, None)
        yield from _read_tweet_file(files, source.path.name, account, _NoteIndex([]), options, source.name)
        return
    zipped = source.path.is_file()
    files = ZipArchiveFiles(source.path, source.name) if zipped else ArchiveFiles(source.path, source.name)
    try:
        manifest = checked_manifest(files)
        account = _read_account(files, manifest)
        notes = _NoteIndex(list(_read_notes(files, manifest)))
        for rel in data_files(files, manifest, ("tweets", "tweet"), TWEET_FILES, required=True):
            yield from _read_tweet_file(files, rel, account, notes, options)
        if options.include_deleted:
            for rel in data_files(files, manifest, ("deletedTweets",), DELETED_FILES, required=False):
                yield from _read_tweet_file(files, rel, account, notes, options, deleted=True)
    finally:
        if isinstance(files, ZipArchiveFiles):
            files.close()


def _read_account(files: ArchiveFiles, manifest: Mapping[str, Any] | None) -> Account:
    if manifest is None:
        manifest = checked_manifest(files)
    info = manifest.get("userInfo") if manifest else None
    if not isinstance(info, dict):
        return Account()
    return Account(to_str(info.get("userName")), to_str(info.get("accountId")))


def _read_tweet_file(
    files: ArchiveFiles,
    rel: str,
    account: Account,
    notes: _NoteIndex,
    options: ReaderOptions,
    label: str | None = None,
    deleted: bool = False,
) -> Iterator[ReadItem]:
    emitter = Emitter(label or files.label(rel))
    with files.open(rel) as fh:
        for item in iter_json_document(fh, prefix_until="=", max_bytes=options.max_record_bytes):
            if isinstance(item, JsonError):
                yield emitter.skip(item.message, item.line, item.element)
                continue
            yield _tweet_record(emitter, item.value, item.line, account, notes, options, deleted)


def _tweet_record(
    emitter: Emitter,
    value: Any,
    line: int,
    account: Account,
    notes: _NoteIndex,
    options: ReaderOptions,
    deleted: bool,
) -> ReadItem:
    tweet = value.get("tweet", value) if isinstance(value, dict) else value
    if not isinstance(tweet, dict):
        return emitter.skip(f"not a tweet object ({type(tweet).__name__})", line)
    record_id = to_str(tweet.get("id_str") or tweet.get("id"))
    text = full_text(tweet)
    note = notes.complete(tweet.get("created_at"), text) if text else None
    meta = clean_meta(
        author=account.user_name,
        author_id=account.account_id,
        created_at=parse_date(tweet.get("created_at")),
        url=tweet_url(account.user_name, record_id),
        lang=to_str(tweet.get("lang")),
        deleted="true" if deleted else None,
        note_tweet_id=note.note_id if note else None,
    ) | extra_meta(tweet, options.meta_fields)
    return emitter.record(record_id, note.text if note else text, line, meta)


@dataclass
class _Note:
    note_id: str
    created: int
    key: str
    text: str
    used: bool = False


def _read_notes(files: ArchiveFiles, manifest: Mapping[str, Any] | None) -> Iterator[_Note]:
    for rel in data_files(files, manifest, ("noteTweet",), NOTE_FILES, required=False):
        with files.open(rel) as fh:
            for item in iter_json_document(fh, prefix_until="="):
                note = _note(item.value) if not isinstance(item, JsonError) else None
                if note is None:
                    logger.info("%s:%s: unreadable note tweet; ignored", files.label(rel), item.line)
                else:
                    yield note


def _note(value: Any) -> _Note | None:
    note = value.get("noteTweet") if isinstance(value, dict) else None
    core = note.get("core") if isinstance(note, dict) else None
    text = core.get("text") if isinstance(core, dict) else None
    created = _epoch(note.get("createdAt")) if isinstance(note, dict) else None
    if not isinstance(text, str) or created is None:
        return None
    return _Note(to_str(note.get("noteTweetId")) or "", created, _match_key(text, truncated=False), text)


class _NoteIndex:
    """Long-post notes by creation second, for completing the truncated tweets they belong to."""

    def __init__(self, notes: list[_Note]) -> None:
        self.by_second: dict[int, list[_Note]] = {}
        for note in notes:
            self.by_second.setdefault(note.created, []).append(note)

    def complete(self, created_at: Any, text: str) -> _Note | None:
        """The unused note created within ±5 s of the tweet whose text starts with the tweet's."""
        created = _epoch(created_at) if self.by_second else None
        if created is None:
            return None
        key = _match_key(text, truncated=True)
        for delta in sorted(range(-_NOTE_WINDOW_S, _NOTE_WINDOW_S + 1), key=abs):
            for note in self.by_second.get(created + delta, []):
                if not note.used and _prefix_matches(key, note.key):
                    note.used = True
                    return note
        return None


def _prefix_matches(tweet_key: str, note_key: str) -> bool:
    if tweet_key == note_key:
        return True
    return len(tweet_key) >= _MIN_PREFIX and note_key.startswith(tweet_key[:100])


def _match_key(text: str, truncated: bool) -> str:
    """Text for prefix matching: entities decoded, links and leading @mentions removed, spaces collapsed."""
    key = _URL.sub(" ", html.unescape(text))
    key = " ".join(_LEADING_MENTIONS.sub("", key.strip()).split())
    if truncated and key.endswith("…"):
        key = key[:-1].rsplit(" ", 1)[0]  # the last word may have been cut
    return key


def _epoch(value: Any) -> int | None:
    iso = parse_date(value)
    try:
        return calendar.timegm(time.strptime(iso or "", "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None
