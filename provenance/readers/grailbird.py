"""Pre-2019 "Grailbird" Twitter archives: ``data/js/tweets/YYYY_MM.js`` files.

Each file is ``Grailbird.data.tweets_2012_01 = [ {...}, ... ]`` holding v1.1-style statuses
(``id_str``, ``text``, embedded ``user``, nested ``retweeted_status``), read like API v1.1. The
folder's ``tweets.csv`` holds the same tweets and is not read here (name it directly to read it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from provenance.readers.archive_layout import grailbird_files
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.common import Emitter, ReadItem
from provenance.readers.compression import open_text
from provenance.readers.jsonstream import JsonError, iter_json_document
from provenance.readers.twitter_v1 import status_record


def read_grailbird(source: InputSource, options: ReaderOptions) -> Iterator[ReadItem]:
    """Records of a Grailbird folder (all months, in order) or of one monthly file named directly."""
    if source.path.is_file():
        yield from _read_month(source.path, source.name, options)
        return
    for path in grailbird_files(source.path):
        label = f"{source.name}/{path.relative_to(source.path).as_posix()}"
        yield from _read_month(path, label, options)


def _read_month(path: Path, label: str, options: ReaderOptions) -> Iterator[ReadItem]:
    emitter = Emitter(label)
    with open_text(path, encoding="utf-8-sig") as fh:
        for item in iter_json_document(fh, prefix_until="=", max_bytes=options.max_record_bytes):
            if isinstance(item, JsonError):
                yield emitter.skip(item.message, item.line, item.element)
            else:
                yield status_record(emitter, item.value, item.line, options)
