"""Readers on the real samples in ../shared/data/real (skipped where absent).

Expected counts were computed independently (plain ``json``/``csv`` one-offs) and agree with
``SOURCES.md``.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from provenance.errors import InputError
from provenance.readers import ReaderOptions, discover, read_records, read_source
from provenance.readers.records import Record, SkippedRecord

pytestmark = pytest.mark.shared_data

DEFAULT = ReaderOptions()


def split(items: list[Record | SkippedRecord]) -> tuple[list[Record], list[SkippedRecord]]:
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, SkippedRecord)]


@pytest.mark.parametrize(
    ("folder", "count", "author", "member"),
    [
        ("x_archive_andreruffert", 1986, "andreruffert", "data/tweets.js"),
        ("x_archive_alrocar", 820, "alrocar", "data/tweets.js"),
        ("x_archive_alrocar_2024", 1223, "alrocar", "data/tweets.js"),
        ("x_archive_smithjd", 1758, None, "data/tweets.js"),
        ("x_archive_lumeninferius_2020", 22, "LumenInferius", "data/tweet.js"),
    ],
)
def test_x_archives(shared_real: Path, folder: str, count: int, author: str | None, member: str) -> None:
    (source,) = discover([shared_real / folder], DEFAULT)
    assert source.format == "x-archive"
    items, skipped = split(list(read_source(source, DEFAULT)))
    assert (len(items), skipped) == (count, [])
    assert len({r.id for r in items}) == count
    assert {r.source for r in items} == {f"{source.name}/{member}"}
    assert {r.meta.get("author") for r in items} == {author}
    assert all(r.meta["created_at"].endswith("Z") and len(r.meta["created_at"]) == 20 for r in items)
    raw = (shared_real / folder / member).read_text(encoding="utf-8")
    expected_ids = [t["tweet"]["id_str"] for t in json.loads(raw[raw.index("=") + 1 :])]
    assert [r.id for r in items] == expected_ids


def test_x_archive_ids_are_exact_strings(shared_real: Path) -> None:
    items, _ = split(list(read_records([shared_real / "x_archive_alrocar_2024"], DEFAULT)))
    assert items[0].id == "1855222380982907193" and int(items[0].id) > 2**53
    assert items[0].meta["url"] == "https://x.com/alrocar/status/1855222380982907193"
    assert items[0].meta["author_id"] == "52338276"


def test_x_archive_note_tweets_complete_truncated_tweets(shared_real: Path) -> None:
    root = shared_real / "x_archive_alrocar_2024"
    items, _ = split(list(read_records([root], DEFAULT)))
    assert len(items) == 1223
    completed = [r for r in items if "note_tweet_id" in r.meta]
    assert len(completed) == 41 and len({r.meta["note_tweet_id"] for r in completed}) == 41
    raw = (root / "data" / "note-tweet.js").read_text(encoding="utf-8")
    notes = {
        n["noteTweet"]["noteTweetId"]: n["noteTweet"]["core"]["text"]
        for n in json.loads(raw[raw.index("=") + 1 :])
    }
    assert all(r.text == notes[r.meta["note_tweet_id"]] for r in completed)
    (tweet,) = [r for r in items if r.id == "1712845356000485462"]
    assert tweet.meta["note_tweet_id"] == "1712845355925082112"
    assert tweet.text.endswith("Check it out 👇") and "…" not in tweet.text


def test_x_archive_include_deleted_empty_file(shared_real: Path) -> None:
    options = ReaderOptions(include_deleted=True)
    items, skipped = split(list(read_records([shared_real / "x_archive_andreruffert"], options)))
    assert (len(items), skipped) == (1986, [])  # deleted-tweets.js is `[ ]`
    # alrocar's manifest lists a deleted-tweets.js that is not in the sample: skipped, not fatal
    assert len(list(read_records([shared_real / "x_archive_alrocar"], options))) == 820


def test_zip_of_real_archive(shared_real: Path, tmp_path: Path) -> None:
    root = shared_real / "x_archive_lumeninferius_2020"
    archive = tmp_path / "lumen.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, path.relative_to(root).as_posix())
    items, _ = split(list(read_records([archive], DEFAULT)))
    assert len(items) == 22
    assert items[0].source == f"{archive.as_posix()}!data/tweet.js"
    assert items[0].meta["author"] == "LumenInferius"


def test_grailbird(shared_real: Path) -> None:
    root = shared_real / "x_archive_grailbird_jaforbes"
    (source,) = discover([root], DEFAULT)
    assert source.format == "grailbird" and len(source.files()) == 47
    items, skipped = split(list(read_source(source, DEFAULT)))
    assert (len(items), skipped) == (2994, [])
    assert {r.meta["author"] for r in items} == {"james_a_forbes"}
    (first,) = [r for r in items if r.id == "164255869880647680"]
    assert first.text == "Damn it why is @IGDA_Sydney so inactive on twitter?  Bizarre"
    assert first.meta["created_at"] == "2012-01-31T07:57:05Z"
    assert first.source == f"{source.name}/data/js/tweets/2012_01.js"
    retweets = [r for r in items if r.text.startswith("RT @")]
    assert len(retweets) >= 480 and sum(r.text.endswith("…") for r in retweets) == 0


def test_grailbird_tweets_csv_named_directly(shared_real: Path) -> None:
    path = shared_real / "x_archive_grailbird_jaforbes" / "tweets.csv"
    items, skipped = split(list(read_records([path], DEFAULT)))
    assert len(items) + len(skipped) > 0 and all(r.id.isdigit() for r in items)


def test_trump_archive(shared_real: Path) -> None:
    folder = shared_real / "trump_condensed_2009_2016"
    sources = discover([folder], DEFAULT)
    assert [s.format for s in sources] == ["twitter-v1"] * 8
    per_file = {s.path.name: len(list(read_source(s, DEFAULT))) for s in sources}
    assert per_file == {
        "condensed_2009.json": 56,
        "condensed_2010.json": 142,
        "condensed_2011.json": 774,
        "condensed_2012.json": 3531,
        "condensed_2013.json": 8144,
        "condensed_2014.json": 5784,
        "condensed_2015.json": 7536,
        "condensed_2016.json": 4225,
    }
    assert sum(per_file.values()) == 30192
    (first, *_) = read_source(sources[0], DEFAULT)
    assert first.id == "6971079756" and "author" not in first.meta  # type: ignore[union-attr]
    assert first.meta["created_at"] == "2009-12-23T17:38:18Z"  # type: ignore[union-attr]


def test_airline_csv(shared_real: Path) -> None:
    path = shared_real / "twitter_us_airline_sentiment" / "Tweets.csv"
    items, skipped = split(list(read_records([path], ReaderOptions(meta_fields=("tweet_created",)))))
    assert (len(items), skipped) == (14640, [])
    assert len({r.id for r in items}) == 14485
    assert items[0].id == "570306133677760513" and items[0].line == 2
    assert items[0].meta["tweet_created"] == "2/24/2015 11:35"
    assert sum("\n" in r.text for r in items) == 138
    assert items[-1].line + items[-1].text.count("\n") == len(path.read_bytes().splitlines())


def test_tweeteval_text_lines(shared_real: Path) -> None:
    items, skipped = split(
        list(read_records([str(shared_real / "tweeteval/datasets/**/*_text.txt")], DEFAULT))
    )
    assert skipped == []
    assert len(items) == 155162  # 155,170 lines, 8 of them blank (hate/train 7, hate/val 1)
    per_source = Counter(r.source.split("datasets/")[1] for r in items)
    assert per_source["emoji/train_text.txt"] == 45000
    assert per_source["hate/train_text.txt"] == 8993


TWARC2 = {
    "2sets.jsonl": (200, 0),
    "brexit.jsonl": (100, 0),
    "cashtags.jsonl": (1, 0),
    "cotweet.jsonl": (1, 0),
    "counts.jsonl": (0, 169),
    "edited.jsonl": (1, 0),
    "edited_after.jsonl": (1, 0),
    "edited_before.jsonl": (1, 0),
    "empty.json": (0, 0),
    "entities_test.jsonl": (474, 0),
    "flat.jsonl": (100, 0),
    "geo_tweets.jsonl": (2, 0),
    "kpop.jsonl": (100, 0),
    "lists.jsonl": (0, 6),
    "many_urls.jsonl": (1, 0),
    "media_policy_violation_off.jsonl": (100, 0),
    "media_policy_violation_on.jsonl": (100, 0),
    "media_tweet.jsonl": (1, 0),
    "mentions_tweet.jsonl": (1, 0),
    "noflat.jsonl": (100, 0),
    "quoted_edit.jsonl": (1, 0),
    "streaming_output_with_error.jsonl": (7, 1),
    "tweets_compliance.jsonl": (0, 2),
    "two_tweets.jsonl": (1, 0),
    "users.jsonl": (0, 96),
    "users_compliance.jsonl": (0, 2),
    "verified_type.jsonl": (1, 0),
    "withheld.jsonl": (215, 0),
}


def test_twarc2_counts(shared_real: Path) -> None:
    folder = shared_real / "twarc2_jsonl_docnow" / "test-data"
    sources = [s for s in discover([folder], DEFAULT) if s.path.suffix != ".csv"]
    got = {}
    for source in sources:
        items, skipped = split(list(read_source(source, DEFAULT)))
        got[source.path.name] = (len(items), len(skipped))
    assert got == TWARC2
    assert sum(n for n, _ in got.values()) == 1509
    formats = {s.path.name: s.format for s in sources}
    assert formats["flat.jsonl"] == formats["counts.jsonl"] == "twitter-v2"
    assert formats["tweets_compliance.jsonl"] == "jsonl" and formats["empty.json"] == "json"


def test_twarc2_broken_line(shared_real: Path) -> None:
    path = shared_real / "twarc2_jsonl_docnow" / "test-data" / "streaming_output_with_error.jsonl"
    items = list(read_records([path], DEFAULT))
    (bad,) = [i for i in items if isinstance(i, SkippedRecord)]
    assert (bad.line, bad.position) == (8, 7)
    assert bad.reason.startswith("invalid JSON: Expecting ',' delimiter")
    assert items[0].id == "1377650090978992134"  # type: ignore[union-attr]
    assert items[0].meta["created_at"] == "2021-04-01T15:52:31Z"  # type: ignore[union-attr]


def test_twarc2_retweets_completed_from_includes(shared_real: Path) -> None:
    path = shared_real / "twarc2_jsonl_docnow" / "test-data" / "noflat.jsonl"
    page = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    included = {t["id"]: t for t in page["includes"]["tweets"]}
    users = {u["id"]: u["username"] for u in page["includes"]["users"]}
    by_id = {r.id: r for r in read_records([path], DEFAULT)}  # type: ignore[union-attr]
    checked = 0
    for tweet in page["data"]:
        refs = [r for r in tweet.get("referenced_tweets", []) if r["type"] == "retweeted"]
        if refs and refs[0]["id"] in included:
            original = included[refs[0]["id"]]
            expected = f"RT @{users[original['author_id']]}: {original['text']}"
            assert by_id[tweet["id"]].text == expected  # type: ignore[union-attr]
            checked += 1
    assert checked == 47
    flat = Path(path.parent / "flat.jsonl")
    flat_texts = {r.id: r.text for r in read_records([flat], DEFAULT)}  # type: ignore[union-attr]
    assert flat_texts == {k: v.text for k, v in by_id.items()}  # type: ignore[union-attr]


V1_COUNTS = {
    "3.2/extended_tweet_in_compat_mode.json": 1,
    "3.2/extended_tweet_in_extended_mode.json": 1,
    "friends_timeline-kesuke.json": 20,
    "get_favorites.json": 1,
    "get_home_timeline.json": 20,
    "get_list_timeline.json": 20,
    "get_list_timeline_count.json": 2,
    "get_list_timeline_count_rts_ent.json": 13,
    "get_list_timeline_id.json": 20,
    "get_list_timeline_max_since.json": 7,
    "get_mentions.json": 19,
    "get_retweets.json": 14,
    "get_retweets_count.json": 24,
    "get_retweets_of_me.json": 1,
    "get_search.json": 1,
    "get_search_geocode.json": 15,
    "get_search_raw.json": 100,
    "get_status.json": 1,
    "get_status_ext_alt.json": 1,
    "get_status_extra_params.json": 1,
    "get_status_promoted_video_tweet.json": 1,
    "get_status_with_place.json": 1,
    "get_statuses.1.json": 100,
    "get_statuses.2.json": 1,
    "get_user_retweets.json": 20,
    "get_user_timeline.json": 20,
    "get_user_timeline_count.json": 63,
    "get_user_timeline_sincemax.json": 6,
    "models/models_direct_message.json": 1,
    "models/models_direct_message_short.json": 1,
    "models/models_hashtag.json": 1,
    "models/models_status.json": 1,
    "models/models_status_no_user.json": 1,
    "models/status_quoted_tweet.json": 1,
    "models/status_quoted_tweet_with_media.json": 1,
    "post_destroy_status.json": 1,
    "post_retweet.json": 1,
    "public_timeline.json": 20,
    "retweet.json": 1,
    "retweets_of_me.json": 1,
    "status-destroy.json": 1,
    "streaming/lines.json": 72,
    "streaming/streaming_extended_tweet.json": 1,
    "user_timeline-kesuke.json": 1,
    "user_timeline.json": 1,
}


def test_v1_counts(shared_real: Path) -> None:
    folder = shared_real / "api_v1_1_python_twitter" / "testdata"
    got = {}
    for source in discover([folder], DEFAULT):
        items, _ = split(list(read_source(source, DEFAULT)))
        if items:
            got[source.name.split("testdata/")[1]] = len(items)
    assert got == V1_COUNTS
    assert sum(got.values()) == 601


def test_v1_streaming_extended_tweets(shared_real: Path) -> None:
    path = shared_real / "api_v1_1_python_twitter" / "testdata" / "streaming" / "lines.json"
    (source,) = discover([path], DEFAULT)
    assert source.format == "twitter-v1"
    items, skipped = split(list(read_source(source, DEFAULT)))
    assert (len(items), skipped) == (72, [])
    lines = path.read_text(encoding="utf-8").splitlines()
    numbered = [(number, json.loads(line)) for number, line in enumerate(lines, 1) if line.strip()]
    for (number, status), record in zip(numbered, items, strict=True):
        assert (record.id, record.line) == (status["id_str"], number)
        if "retweeted_status" not in status:
            assert record.text == status["extended_tweet"]["full_text"]
    assert all(not r.text.endswith("…") for r in items if not r.text.startswith("RT @"))


def test_v1_compat_vs_extended_mode_same_text(shared_real: Path) -> None:
    folder = shared_real / "api_v1_1_python_twitter" / "testdata" / "3.2"
    compat, extended = (
        list(read_records([folder / f"extended_tweet_in_{m}_mode.json"], DEFAULT))
        for m in ("compat", "extended")
    )
    assert compat[0].id == extended[0].id  # type: ignore[union-attr]
    assert compat[0].text.endswith("…") or compat[0].text != extended[0].text  # type: ignore[union-attr]


def test_bbc_latin1_text_file_is_skipped_with_its_line(shared_real: Path) -> None:
    """Only UTF-8 is read (docs/usage.md): a Latin-1 file is not silently reinterpreted."""
    path = shared_real / "bbc_news_2004_2005" / "bbc" / "sport" / "199.txt"
    (skipped,) = read_records([path], ReaderOptions(format="text-file"))
    assert isinstance(skipped, SkippedRecord) and skipped.line == 5
    assert skipped.reason == "not valid UTF-8 (byte 0xa3 at column 176)"


def test_dolma_gzipped_json_lines(shared_real: Path) -> None:
    folder = shared_real / "web_docs_dolma_tests"
    items, skipped = split(list(read_records([folder], DEFAULT)))
    assert (len(items), skipped) == (30, [])


def test_tweepy_cassettes_are_not_an_input_format(shared_real: Path) -> None:
    yaml_cassette = next((shared_real / "api_tweepy_cassettes").rglob("*.yaml"))
    with pytest.raises(InputError):
        discover([yaml_cassette], DEFAULT)
