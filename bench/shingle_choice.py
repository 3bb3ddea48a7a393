"""Measure shingle sizes on real tweets: how well copies survive, how often coincidence matches.

For n = 1..5 word n-grams, on real tweets (Trump archive, TweetEval) and real web documents:
- survival: containment of an edited (80% prefix + "…", link removed, case changed) copy,
- coincidence: share of (tweet, unrelated document) pairs with containment >= 0.6,
- postings: distinct shingles per tweet (index size grows with it).
Run: python bench/shingle_choice.py (needs ../shared/data/real).
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from provenance.text.normalize import tokenize
from provenance.text.shingles import shingle_strings

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def load_tweets(limit: int) -> list[str]:
    texts = []
    for path in sorted((REAL / "trump_condensed_2009_2016").glob("*.json")):
        texts += [t["text"] for t in json.loads(path.read_text())]
    texts += (REAL / "tweeteval" / "datasets" / "sentiment" / "test_text.txt").read_text().splitlines()
    rng = random.Random(0)
    rng.shuffle(texts)
    return [t for t in texts if len(tokenize(t)) >= 8][:limit]


def edited(text: str) -> str:
    words = text.split()
    return " ".join(words[: max(1, int(len(words) * 0.8))]).upper() + "…"


def main() -> None:
    if not REAL.is_dir():
        sys.exit(f"needs {REAL}")
    tweets = load_tweets(3000)
    docs = [json.loads(line)["text"] for line in (REAL / "web_docs_extracted" / "web_docs.jsonl").open()]
    print(f"{len(tweets)} tweets of 8+ words, {len(docs)} web documents")
    print("n  survival(mean containment of edited copy)  coincidental pairs (C>=0.6)  shingles/tweet")
    for n in range(1, 6):
        item_sets = [set(shingle_strings(tokenize(t), n)) for t in tweets]
        survival = sum(
            len(s & set(shingle_strings(tokenize(edited(t)), n))) / len(s)
            for t, s in zip(tweets, item_sets, strict=True)
        ) / len(tweets)
        postings = defaultdict(list)
        for i, s in enumerate(item_sets):
            for sh in s:
                postings[sh].append(i)
        coincidences = 0
        for doc in docs:
            counts: dict[int, int] = defaultdict(int)
            for sh in set(shingle_strings(tokenize(doc), n)):
                for i in postings.get(sh, ()):
                    counts[i] += 1
            coincidences += sum(c >= 0.6 * len(item_sets[i]) for i, c in counts.items())
        per = sum(map(len, item_sets)) / len(item_sets)
        print(f"{n}  {survival:.3f}  {coincidences} of {len(tweets) * len(docs):,}  {per:.1f}")


if __name__ == "__main__":
    main()
