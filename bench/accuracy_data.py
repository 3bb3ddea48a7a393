"""Readers for the real data the accuracy benchmark is built from (``../shared/data/real``).

The data is read where it lies and never copied into the repository; see its ``SOURCES.md``. Every
loader returns plain dataclasses in a stable order, so that a seeded benchmark is reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REAL_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"
"""Where the shared real data lives, relative to this checkout."""

X_ARCHIVES: tuple[str, ...] = (
    "x_archive_alrocar_2024",
    "x_archive_andreruffert",
    "x_archive_smithjd",
    "x_archive_lumeninferius_2020",
)
"""X archives in the current layout (``x_archive_alrocar`` is an older export of the same account)."""

SECTION_E_TWEETS: tuple[tuple[str, str], ...] = (
    ("trump", "514572383530020864"),
    ("trump", "468604176898211840"),
    ("trump", "360244707147784193"),
    ("trump", "517045156826988544"),
    ("trump", "519224951703105536"),
    ("trump", "802972944532209664"),
    ("trump", "799974635274194947"),
    ("tweeteval", "emoji/test_text.txt:19238"),
    ("tweeteval", "emoji/test_text.txt:33924"),
    ("tweeteval", "emoji/test_text.txt:48255"),
    ("tweeteval", "emoji/test_text.txt:49716"),
    ("tweeteval", "sentiment/test_text.txt:8744"),
    ("tweeteval", "emoji/train_text.txt:4131"),
)
"""Tweets SOURCES.md section E lists as overlapping real documents (copies and stock-phrase traps)."""

SECTION_E_DOCS: tuple[str, ...] = (
    "postlight/parser:fixtures/www.inquisitr.com.html.gz",
    "postlight/parser:fixtures/www.cnn.com.html.gz",
    "postlight/parser:fixtures/www.buzzfeed.com--splash.html.gz",
    "adbar/trafilatura:eval/d43f330cbaf74e92b9aec85e937cb904.html.gz",
    "adbar/trafilatura:eval/changenow.de.loibl.html.gz",
    "adbar/trafilatura:eval/bewusster-leben.de.hope.html.gz",
    "adbar/trafilatura:eval/redtri.com.jokes.html.gz",
)
"""The documents of section E: kept as untouched records only, never used as hosts for planting."""


class MissingDataError(RuntimeError):
    """The shared real data is not where the benchmark expects it."""


@dataclass(frozen=True)
class Tweet:
    """One real tweet: ``source`` is ``trump``, ``tweeteval`` or ``x``; ``id`` is unique within all."""

    id: str
    text: str
    source: str


@dataclass(frozen=True)
class Doc:
    """One real long-form document (a web page's extracted text or a BBC article)."""

    id: str
    text: str
    source: str


@dataclass(frozen=True)
class EmbeddedTweet:
    """A tweet embedded in a real web page, with whether its text survived extraction."""

    doc_id: str
    status_id: str
    text: str
    survival: str
    """``full``, ``partial`` or ``absent``."""


def require_real_data(root: Path = REAL_DATA) -> Path:
    """The resolved data folder; ``MissingDataError`` with a clear message when it is absent."""
    if not (root / "SOURCES.md").is_file():
        raise MissingDataError(
            f"real data not found at {root.resolve()} (expected ../shared/data/real next to the checkout)"
        )
    return root.resolve()


def load_trump(root: Path) -> list[Tweet]:
    """The Trump archive 2009-2016 (``id_str``, ``text``)."""
    tweets: list[Tweet] = []
    for path in sorted((root / "trump_condensed_2009_2016").glob("condensed_*.json")):
        tweets.extend(Tweet(f"trump:{t['id_str']}", t["text"], "trump") for t in json.loads(path.read_text()))
    return tweets


def load_tweeteval(root: Path) -> list[Tweet]:
    """Every TweetEval ``*_text.txt`` line; ids are ``tweeteval:<task>/<file>:<0-based line>``."""
    base = root / "tweeteval" / "datasets"
    tweets: list[Tweet] = []
    for path in sorted(base.glob("*/*_text.txt")):
        rel = path.relative_to(base).as_posix()
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                tweets.append(Tweet(f"tweeteval:{rel}:{i}", line.rstrip(), "tweeteval"))
    return tweets


def _x_archive_array(path: Path) -> list[dict]:
    """A ``tweets.js`` file's JSON array (everything after the first ``=``, optional ``;`` dropped)."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index("=") + 1 :].strip().rstrip(";"))


def load_x_archives(root: Path) -> list[Tweet]:
    """The tweets of the X archives in the current layout (``tweet.full_text``)."""
    tweets: list[Tweet] = []
    for name in X_ARCHIVES:
        folder = root / name / "data"
        path = folder / "tweets.js" if (folder / "tweets.js").exists() else folder / "tweet.js"
        for entry in _x_archive_array(path):
            tweet = entry["tweet"]
            tweets.append(Tweet(f"x:{tweet['id_str']}", tweet["full_text"], "x"))
    return tweets


def load_web_docs(root: Path) -> list[Doc]:
    """The extracted web pages (``web_docs_extracted/web_docs.jsonl``)."""
    with open(root / "web_docs_extracted" / "web_docs.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [Doc(r["id"], r["text"], "web") for r in rows if r.get("text")]


def _read_text_any(path: Path) -> str:
    """UTF-8, falling back to Latin-1 (one BBC file is Latin-1)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_bbc(root: Path) -> list[Doc]:
    """The BBC News 2004-2005 articles."""
    base = root / "bbc_news_2004_2005" / "bbc"
    return [
        Doc(f"bbc:{p.relative_to(base).as_posix()}", _read_text_any(p), "bbc")
        for p in sorted(base.glob("*/*.txt"))
    ]


def load_embedded_tweets(root: Path) -> list[EmbeddedTweet]:
    """The tweets embedded in the web pages (``web_docs_extracted/embedded_tweets.jsonl``)."""
    with open(root / "web_docs_extracted" / "embedded_tweets.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [
        EmbeddedTweet(r["doc_id"], r["status_id"], r["p_text"], r["tweet_text_in_extracted_doc"])
        for r in rows
        if r.get("p_text")
    ]


def section_e_ids() -> Iterator[str]:
    """The tweet ids (as ``Tweet.id``) of SOURCES.md section E."""
    for source, key in SECTION_E_TWEETS:
        yield f"{source}:{key}"
