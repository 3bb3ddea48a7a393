"""Format detection: archive folders, file extensions, a peek at the first JSON object; never a traceback."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Mapping
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import Any

import zstandard

from provenance.errors import InputError
from provenance.readers.archive_fs import zip_prefix
from provenance.readers.arrow_ipc import has_file_magic
from provenance.readers.base import InputSource
from provenance.readers.compression import strip_compression
from provenance.readers.generic import JSONL_SUFFIXES, iter_values
from provenance.readers.jsonstream import JsonValue

_X_MARKERS: tuple[str, ...] = (
    "data/tweets.js",
    "data/tweet.js",
    "data/manifest.js",
    "tweets.js",
    "tweet.js",
    "manifest.js",
)
_SUFFIX_FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".arrows": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".text": "text",
}
_X_JS = re.compile(r"^tweets?(-part\d+)?\.js$", re.IGNORECASE)
_GRAILBIRD_JS = re.compile(r"^\d{4}_\d{2}\.js$")
_V2_PAGE_KEYS: tuple[str, ...] = ("includes", "meta", "__twarc", "matching_rules", "errors")
_PEEK_VALUES = 20
NOT_AN_X_ZIP = "this .zip does not hold an X archive (no data/tweets.js)"


def archive_kind(directory: Path) -> str | None:
    """``"x-archive"`` or ``"grailbird"`` when ``directory`` is such an archive, else ``None``."""
    if any((directory / marker).is_file() for marker in _X_MARKERS):
        return "x-archive"
    tweets = directory / "data" / "js" / "tweets"
    if tweets.is_dir() and any(tweets.glob("*.js")):
        return "grailbird"
    return None


def detect_file_format(path: Path, name: str) -> str:
    """The concrete format of one file; raises ``InputError`` naming ``name`` when it cannot be told
    or the file cannot be read (a corrupt ``.zip``, a truncated compressed file, ...)."""
    try:
        return _detect(path, name)
    except InputError as err:
        err.source = err.source or name
        raise
    except zipfile.BadZipFile as err:
        raise InputError(f"not a readable .zip: {err}", source=name) from err
    except (OSError, EOFError, zlib.error, zstandard.ZstdError) as err:
        raise InputError(f"cannot read: {err}", source=name) from err


def is_data_name(name: str) -> bool:
    """Whether a file's name alone says it has a reader (``.jsonl``, ``.csv.gz``, ``tweets.js``, a
    ``.zip``, ...): what a directory walk reads, whatever the rest of the name (``LICENSE.jsonl``)."""
    inner = strip_compression(name)
    suffix = Path(inner).suffix.lower()
    return (
        suffix in _SUFFIX_FORMATS
        or suffix in (".json", ".zip")
        or inner.lower().endswith(JSONL_SUFFIXES)
        or bool(_X_JS.match(inner) or _GRAILBIRD_JS.match(inner))
    )


def _detect(path: Path, name: str) -> str:
    inner = strip_compression(path.name)
    suffix = Path(inner).suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    if inner.lower().endswith(JSONL_SUFFIXES):
        return sniff_json(path, name, "jsonl")
    if suffix == ".json":
        return sniff_json(path, name, "json")
    if suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            if zip_prefix(archive.namelist()) is not None:
                return "x-archive"
        raise InputError(NOT_AN_X_ZIP, source=name)
    if _X_JS.match(inner):
        return "x-archive"
    if _GRAILBIRD_JS.match(inner):
        return "grailbird"
    if has_file_magic(path):
        return "arrow"
    raise InputError("cannot tell the format from the file name; use --format", source=name)


def sniff_json(path: Path, name: str, container: str) -> str:
    """``twitter-v2``, ``twitter-v1``, or ``container`` (generic) from the first JSON object.

    Content the peek cannot decode (not UTF-8, broken or too deeply nested JSON) leaves the
    generic ``container``: its reader reports the fault with its line."""
    probe = InputSource(path, name, container)
    try:
        with closing(iter_values(probe)) as values:
            for item in islice(values, _PEEK_VALUES):
                if isinstance(item, JsonValue) and isinstance(item.value, dict):
                    return classify_json_object(item.value) or container
    except (ValueError, RecursionError):  # UnicodeDecodeError and JsonSyntaxError are ValueErrors
        return container
    return container


def classify_json_object(obj: Mapping[str, Any]) -> str | None:
    """``twitter-v2`` / ``twitter-v1`` when ``obj`` looks like one, else ``None``."""
    if "data" in obj and any(key in obj for key in _V2_PAGE_KEYS):
        return "twitter-v2"
    if "id" in obj and "text" in obj and ("author_id" in obj or "edit_history_tweet_ids" in obj):
        return "twitter-v2"
    if isinstance(obj.get("statuses"), list):
        return "twitter-v1"
    if "id_str" in obj and ("text" in obj or "full_text" in obj):
        return "twitter-v1"
    if "text" in obj and isinstance(obj.get("user"), dict):
        return "twitter-v1"
    return None
