"""Build the planted accuracy benchmark: licensed items, training records and the ground truth.

Licensed items are real tweets (Trump archive, TweetEval, X archives), deduplicated by normalised text,
plus the SOURCES.md section E tweets and the tweets really embedded in the web pages. Training records
are real documents with tweets planted standalone (the record is the tweet) or embedded (inserted at a
sentence boundary in the middle of a long document): verbatim, edited (one edit type per record) or as
a partial copy. Negatives are held-out real tweets planted the same ways, stock-phrase traps (distinct
real tweets sharing a 5+ word phrase with an indexed item) and the untouched documents.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import accuracy_data as data

from provenance.text.normalize import tokenize, tokenize_with_spans

MIN_PLANT_WORDS = 5
"""Planted positives are items of at least this many normalised words."""
TRAP_PHRASE = 5
"""A trap shares at least this many consecutive words with an indexed item."""
COPY_RUN = 0.8
"""A training text holds a copy of an item (of 6+ words) when this share of its words is one run."""
COPY_MIN_WORDS = 6
"""Items with fewer words count as copied only where planted."""


@dataclass(frozen=True)
class Item:
    """A licensed item of the index."""

    id: str
    text: str
    words: int


@dataclass
class Record:
    """A training record: its text, the scenario it was made for and the document it came from."""

    text: str
    scenario: str
    origin: str
    meta: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Planted:
    """Ground truth: ``item_id`` is copied into training record ``record`` under ``scenario``."""

    item_id: str
    record: int
    scenario: str
    words: int


@dataclass(frozen=True)
class BenchConfig:
    """The benchmark's size and seed."""

    seed: int = 0
    items: int = 3000
    """Sampled tweets in the index (section E and embedded tweets come on top)."""
    per_group: int = 400
    """Planted copies per scenario group (verbatim, edited, partial; standalone and embedded each)."""
    negatives: int = 300
    """Held-out tweets and traps planted per placement (standalone, embedded)."""
    bbc_docs: int = 500
    """BBC articles kept as untouched records."""
    web_docs: int | None = None
    """Web pages kept as untouched records (``None``: all; pages with embedded tweets are always kept)."""
    pool_per_source: int = 20000
    """Tweets sampled per source before deduplication (the held-out and trap candidates)."""


@dataclass
class Bench:
    """A generated benchmark: items, records and ground truth."""

    config: BenchConfig
    items: list[Item]
    records: list[Record]
    planted: list[Planted]

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write ``items.jsonl`` and ``train.jsonl`` (plus ``truth.jsonl``) into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        items_path, train_path = folder / "items.jsonl", folder / "train.jsonl"
        _write_jsonl(items_path, ({"id": i.id, "text": i.text} for i in self.items))
        _write_jsonl(
            train_path,
            (
                {"id": f"r{n}", "text": r.text, "scenario": r.scenario, "origin": r.origin}
                for n, r in enumerate(self.records)
            ),
        )
        _write_jsonl(folder / "truth.jsonl", (p.__dict__ for p in self.planted))
        return items_path, train_path


def _write_jsonl(path: Path, rows: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:  # type: ignore[attr-defined]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------------------------- copies


def longest_run(item_tokens: Sequence[str], doc_tokens: Sequence[str]) -> int:
    """Length of the longest contiguous run of ``item_tokens`` that occurs in ``doc_tokens``."""
    if not item_tokens or not doc_tokens:
        return 0

    def found(k: int) -> bool:
        grams = {tuple(doc_tokens[i : i + k]) for i in range(len(doc_tokens) - k + 1)}
        return any(tuple(item_tokens[i : i + k]) in grams for i in range(len(item_tokens) - k + 1))

    lo, hi = 0, min(len(item_tokens), len(doc_tokens))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if found(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def copy_share(item_tokens: Sequence[str], doc_tokens: Sequence[str]) -> float:
    """The share of the item's words that occur in the document as one contiguous run."""
    return longest_run(item_tokens, doc_tokens) / len(item_tokens) if item_tokens else 0.0


def is_copy(item_tokens: Sequence[str], doc_tokens: Sequence[str]) -> bool:
    """Whether the document holds a copy of the item by the benchmark's rule (planted copies aside)."""
    return len(item_tokens) >= COPY_MIN_WORDS and copy_share(item_tokens, doc_tokens) >= COPY_RUN


# ----------------------------------------------------------------------------------------------- edits

Edit = Callable[[str, random.Random], "str | None"]

_ENTITY_RE = re.compile(r"&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);", re.I)
_TCO_RE = re.compile(r"https?://t\.co/\w+")
_RT_RE = re.compile(r"^RT @\w+:?\s*")
_EMOJI_RE = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f1e6-\U0001f1ff]+")
_QUOTES = {'"': "\u201c", "'": "\u2019", "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}
_PREFIXES = ("Saw this earlier: ", "lol ", "So true!! ", "Quote of the day - ", "Reposting:\n", "ok but ")
_SUFFIXES = (" (via twitter)", " - so true", " #repost", " ... thoughts?", " 😂😂", " Source: Twitter.")


def _random_handle(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_0123456789") for _ in range(rng.randint(5, 12)))


def _random_tco(rng: random.Random) -> str:
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "https://t.co/" + "".join(rng.choice(chars) for _ in range(10))


def edit_case(text: str, rng: random.Random) -> str | None:
    """Lower- or upper-case the whole tweet."""
    first, second = (str.lower, str.upper) if rng.random() < 0.5 else (str.upper, str.lower)
    for change in (first, second):
        if change(text) != text:
            return change(text)
    return None


def edit_entities(text: str, rng: random.Random) -> str | None:
    """Unescape stored HTML entities, or escape ``& < > " '`` where there are none."""
    if _ENTITY_RE.search(text):
        return html.unescape(text)
    escaped = html.escape(text, quote=rng.random() < 0.7)
    return escaped if escaped != text else (html.escape(text) if html.escape(text) != text else None)


def edit_links(text: str, rng: random.Random) -> str | None:
    """Remove the t.co links, or replace them (another t.co, or an expanded URL); add one if none."""
    if not _TCO_RE.search(text):
        return text.rstrip() + " " + _random_tco(rng)
    if rng.random() < 0.5:
        return re.sub(r"\s*https?://t\.co/\w+", "", text).strip() or None
    repl = _random_tco(rng) if rng.random() < 0.5 else f"https://example.org/{_random_handle(rng)}/page.html"
    return _TCO_RE.sub(lambda _m: repl, text)


def edit_retweet(text: str, rng: random.Random) -> str | None:
    """Remove an ``RT @user:`` prefix, or add one."""
    if _RT_RE.match(text):
        return _RT_RE.sub("", text, count=1)
    return f"RT @{_random_handle(rng)}: {text}"


def edit_emoji(text: str, rng: random.Random) -> str | None:
    """Strip the emoji (only tweets that have some)."""
    stripped = _EMOJI_RE.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", stripped).strip() if stripped != text else None


def edit_space_quotes(text: str, rng: random.Random) -> str | None:
    """Swap straight and curly quotes, and change whitespace (collapse newlines, double some spaces)."""
    swapped = "".join(_QUOTES.get(c, c) for c in text)
    words = swapped.split()
    if rng.random() < 0.5:
        out = " ".join(words)
    else:
        out = "".join(w + rng.choice(("  ", " ", " ", "\n", "\t ")) for w in words).strip()
    return out if out != text else "  " + text.replace(" ", "  ", 1) + " "


def edit_truncate(text: str, rng: random.Random) -> str | None:
    """Cut the tweet at a word boundary after 80-95% of its characters and add ``…`` (RT-style)."""
    cut = text.rfind(" ", 0, int(len(text) * rng.uniform(0.80, 0.95)))
    return text[:cut].rstrip() + "…" if cut > 0 else None


def edit_extra_text(text: str, rng: random.Random) -> str | None:
    """Add text before and after the tweet."""
    return rng.choice(_PREFIXES) + text + rng.choice(_SUFFIXES)


def edit_combined(text: str, rng: random.Random) -> str | None:
    """Two or three of the other edits (truncation aside), one after the other."""
    steps = rng.sample([e for n, e in EDITS.items() if n not in ("combined", "truncate")], rng.randint(2, 3))
    out: str | None = text
    for step in steps:
        out = step(out, rng) or out
    return out if out != text else None


EDITS: dict[str, Edit] = {
    "case": edit_case,
    "entities": edit_entities,
    "links": edit_links,
    "retweet_prefix": edit_retweet,
    "emoji_stripped": edit_emoji,
    "space_quotes": edit_space_quotes,
    "truncate": edit_truncate,
    "extra_text": edit_extra_text,
    "combined": edit_combined,
}


def partial_copy(text: str, rng: random.Random) -> str | None:
    """A contiguous run of 70-85% of the tweet's words, cut from the original text."""
    tokens, spans = tokenize_with_spans(text)
    if len(tokens) < 4:
        return None
    k = max(2, round(len(tokens) * rng.uniform(0.70, 0.85)))
    if k >= len(tokens):
        k = len(tokens) - 1
    start = rng.randint(0, len(tokens) - k)
    return text[spans[start][0] : spans[start + k - 1][1]]


# ------------------------------------------------------------------------------------------- embedding

_BOUNDARY_RE = re.compile(r"(?<=[.!?])[ \t]+(?=\S)|\n+")


def embed(doc: str, tweet: str, rng: random.Random) -> str:
    """Insert ``tweet`` at the sentence boundary nearest a random point in the middle of ``doc``."""
    target = int(len(doc) * rng.uniform(0.35, 0.65))
    bounds = list(_BOUNDARY_RE.finditer(doc))
    if not bounds:
        return doc[:target] + "\n" + tweet + "\n" + doc[target:]
    best = min(bounds, key=lambda m: abs(m.start() - target))
    sep = "\n" if "\n" in best.group() or rng.random() < 0.5 else " "
    return doc[: best.start()] + sep + tweet + sep + doc[best.end() :]


# ----------------------------------------------------------------------------------------------- build


@dataclass
class _Pools:
    """The deduplicated tweets split into indexed items and held-out candidates, with their tokens."""

    items: list[Item]
    heldout: list[tuple[data.Tweet, list[str]]]
    item_tokens: dict[str, list[str]]


def _sample_tweets(root: Path, config: BenchConfig, rng: random.Random) -> list[data.Tweet]:
    """Section E tweets first, then a seeded sample of each source (at most ``pool_per_source``)."""
    by_source = {
        "trump": data.load_trump(root),
        "tweeteval": data.load_tweeteval(root),
        "x": data.load_x_archives(root),
    }
    forced = set(data.section_e_ids())
    out = [t for tweets in by_source.values() for t in tweets if t.id in forced]
    for tweets in by_source.values():
        rest = [t for t in tweets if t.id not in forced]
        out.extend(rng.sample(rest, min(len(rest), config.pool_per_source)))
    return out


def _split_pools(tweets: list[data.Tweet], config: BenchConfig, rng: random.Random) -> _Pools:
    """Deduplicate by normalised text; index section E plus ``items`` tweets (40/40/20 by source)."""
    seen: set[str] = set()
    unique: list[tuple[data.Tweet, list[str]]] = []
    for tweet in tweets:
        tokens = tokenize(tweet.text)
        key = " ".join(tokens)
        if tokens and key not in seen:
            seen.add(key)
            unique.append((tweet, tokens))
    forced = set(data.section_e_ids())
    quota = {"trump": int(config.items * 0.4), "tweeteval": int(config.items * 0.4)}
    quota["x"] = config.items - quota["trump"] - quota["tweeteval"]
    chosen: list[tuple[data.Tweet, list[str]]] = []
    heldout: list[tuple[data.Tweet, list[str]]] = []
    for tweet, tokens in unique:
        if tweet.id in forced or quota[tweet.source] > 0:
            if tweet.id not in forced:
                quota[tweet.source] -= 1
            chosen.append((tweet, tokens))
        else:
            heldout.append((tweet, tokens))
    rng.shuffle(heldout)
    items = [Item(t.id, t.text, len(tokens)) for t, tokens in chosen]
    return _Pools(items, heldout, {t.id: tokens for t, tokens in chosen})


def _gram_index(pools: _Pools) -> dict[tuple[str, ...], list[str]]:
    """Word ``TRAP_PHRASE``-grams of the indexed items -> the items that hold them."""
    grams: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for item_id, tokens in pools.item_tokens.items():
        for gram in {tuple(tokens[i : i + TRAP_PHRASE]) for i in range(len(tokens) - TRAP_PHRASE + 1)}:
            grams[gram].append(item_id)
    return grams


def _shared_items(tokens: list[str], grams: dict[tuple[str, ...], list[str]]) -> set[str]:
    return {
        item
        for i in range(len(tokens) - TRAP_PHRASE + 1)
        for item in grams.get(tuple(tokens[i : i + TRAP_PHRASE]), ())
    }


def _split_negatives(
    pools: _Pools, config: BenchConfig
) -> tuple[list[tuple[data.Tweet, list[str]]], list[tuple[data.Tweet, str, float]]]:
    """Held-out negatives (no 5-word phrase in common with any item) and traps (one, not a copy)."""
    grams = _gram_index(pools)
    clean: list[tuple[data.Tweet, list[str]]] = []
    traps: list[tuple[data.Tweet, str, float]] = []
    per_item: dict[str, int] = defaultdict(int)
    want = 2 * config.negatives
    for tweet, tokens in pools.heldout:
        if len(tokens) < MIN_PLANT_WORDS:
            continue
        shared = _shared_items(tokens, grams)
        if not shared:
            if len(clean) < want:
                clean.append((tweet, tokens))
        elif len(traps) < want:
            shares = {i: copy_share(pools.item_tokens[i], tokens) for i in shared}
            if max(shares.values()) < COPY_RUN:
                item_id = max(sorted(shares), key=lambda i: shares[i])
                if per_item[item_id] < 3:
                    per_item[item_id] += 1
                    traps.append((tweet, item_id, shares[item_id]))
        if len(clean) >= want and len(traps) >= want:
            break
    return clean, traps


class _Builder:
    """Accumulates records and ground truth."""

    def __init__(self, rng: random.Random, hosts: list[data.Doc]) -> None:
        self.rng = rng
        self.hosts = hosts
        self.records: list[Record] = []
        self.planted: list[Planted] = []

    def add(self, text: str, scenario: str, origin: str, **meta: object) -> int:
        self.records.append(Record(text, scenario, origin, dict(meta)))
        return len(self.records) - 1

    def place(self, copy: str, placement: str, scenario: str, **meta: object) -> int:
        """Add ``copy`` standalone, or embedded in a random host document."""
        if placement == "standalone":
            return self.add(copy, scenario, "tweet", **meta)
        host = self.rng.choice(self.hosts)
        return self.add(embed(host.text, copy, self.rng), scenario, host.id, **meta)

    def plant(self, item: Item, copy: str, placement: str, scenario: str, **meta: object) -> None:
        record = self.place(copy, placement, scenario, item=item.id, **meta)
        self.planted.append(Planted(item.id, record, scenario, item.words))


def _plant_positives(b: _Builder, items: list[Item], config: BenchConfig) -> None:
    """Verbatim, edited (evenly over the edit types) and partial copies, standalone and embedded."""
    eligible = [i for i in items if i.words >= MIN_PLANT_WORDS and not i.id.startswith("embedded:")]
    per_edit = max(1, config.per_group // len(EDITS))
    for placement in ("standalone", "embedded"):
        for item in b.rng.sample(eligible, min(config.per_group, len(eligible))):
            b.plant(item, item.text, placement, f"verbatim/{placement}")
        for name, edit in EDITS.items():
            _plant_edited(b, eligible, name, edit, placement, per_edit)
        made = 0
        for item in b.rng.sample(eligible, len(eligible)):
            copy = partial_copy(item.text, b.rng)
            if copy is not None:
                b.plant(item, copy, placement, f"partial/{placement}")
                made += 1
            if made >= config.per_group:
                break


def _plant_edited(b: _Builder, eligible: list[Item], name: str, edit: Edit, placement: str, n: int) -> None:
    """``n`` copies changed by ``edit`` (items the edit does not change are skipped)."""
    made = 0
    for item in b.rng.sample(eligible, len(eligible)):
        copy = edit(item.text, b.rng)
        if copy is not None and copy != item.text:
            b.plant(item, copy, placement, f"edited/{placement}", edit=name)
            made += 1
            if made >= n:
                return


def _plant_negatives(b: _Builder, clean: list, traps: list, config: BenchConfig) -> None:
    """Held-out tweets (half verbatim, half edited) and stock-phrase traps, standalone and embedded."""
    edits = list(EDITS.values())
    for n, (tweet, _tokens) in enumerate(clean):
        placement = "standalone" if n % 2 == 0 else "embedded"
        text = tweet.text if n % 4 < 2 else (b.rng.choice(edits)(tweet.text, b.rng) or tweet.text)
        b.place(text, placement, f"heldout/{placement}", tweet=tweet.id)
    for n, (tweet, item_id, share) in enumerate(traps):
        placement = "standalone" if n % 2 == 0 else "embedded"
        b.place(tweet.text, placement, f"trap/{placement}", tweet=tweet.id, trap_item=item_id, share=share)


def _add_real_embedded(
    b: _Builder, items: list[Item], embedded: list[data.EmbeddedTweet], docs: dict[str, data.Doc]
) -> dict[str, int]:
    """Index the really embedded tweets and plant the truth for their (untouched) pages."""
    by_key = {" ".join(tokenize(i.text)): i for i in items}
    record_of: dict[str, int] = {}
    for tweet in embedded:
        key = " ".join(tokenize(tweet.text))
        if not key or tweet.doc_id not in docs:
            continue
        item = by_key.get(key)
        if item is None:
            item = Item(f"embedded:{tweet.status_id}", tweet.text, len(key.split()))
            by_key[key] = item
            items.append(item)
        if tweet.doc_id not in record_of:
            record_of[tweet.doc_id] = b.add(docs[tweet.doc_id].text, "untouched/web", tweet.doc_id)
        b.planted.append(
            Planted(item.id, record_of[tweet.doc_id], f"real-embedded/{tweet.survival}", item.words)
        )
    return record_of


def build_bench(config: BenchConfig, root: Path | None = None) -> Bench:
    """Generate the benchmark for ``config`` (deterministic for a seed)."""
    root = data.require_real_data(root or data.REAL_DATA)
    rng = random.Random(config.seed)
    pools = _split_pools(_sample_tweets(root, config, rng), config, rng)
    clean, traps = _split_negatives(pools, config)
    web = data.load_web_docs(root)
    bbc = rng.sample(data.load_bbc(root), config.bbc_docs)
    embedded = data.load_embedded_tweets(root)
    special = {t.doc_id for t in embedded} | set(data.SECTION_E_DOCS)
    hosts = [d for d in web + bbc if len(d.text) >= 1500 and d.id not in special]
    b = _Builder(rng, hosts)
    items = list(pools.items)
    _plant_positives(b, items, config)
    _plant_negatives(b, clean, traps, config)
    real_records = _add_real_embedded(b, items, embedded, {d.id: d for d in web})
    others = [d for d in web if d.id not in real_records]
    if config.web_docs is not None:
        others = rng.sample(others, min(config.web_docs, len(others)))
    for doc in others:
        b.add(doc.text, "untouched/web", doc.id)
    for doc in bbc:
        b.add(doc.text, "untouched/bbc", doc.id)
    return Bench(config, items, b.records, b.planted)
