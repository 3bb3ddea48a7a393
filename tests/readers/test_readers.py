"""Readers on the synthetic fixtures and on small generated files (no ../shared needed)."""

from __future__ import annotations

import bz2
import gzip
import json
import logging
import shutil
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from provenance.errors import InputError, UsageError
from provenance.readers import (
    FORMATS,
    InputSource,
    ReaderOptions,
    discover,
    discover_inputs,
    jsonstream,
    read_records,
    read_source,
)
from provenance.readers.common import parse_date
from provenance.readers.detect import classify_json_object
from provenance.readers.records import Record, SkippedRecord

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LICENSED = FIXTURES / "licensed"
TRAINING = FIXTURES / "training"
DEFAULT = ReaderOptions()


def records(paths: list[str | Path], options: ReaderOptions = DEFAULT) -> list[Record]:
    items = list(read_records(paths, options))
    assert all(isinstance(item, Record) for item in items), [i for i in items if not isinstance(i, Record)]
    return items  # type: ignore[return-value]


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("x_archive", "x-archive", 60),
        ("grailbird", "grailbird", 25),
        ("api_v1.jsonl", "twitter-v1", 30),
        ("api_v2.jsonl", "twitter-v2", 36),
        ("generic.csv", "csv", 30),
    ],
)
def test_fixture_licensed_counts(name: str, fmt: str, count: int) -> None:
    (source,) = discover([LICENSED / name], DEFAULT)
    assert source.format == fmt
    items = list(read_source(source, DEFAULT))
    assert len(items) == count
    assert all(isinstance(item, Record) for item in items)
    assert len({item.id for item in items}) == count  # type: ignore[union-attr]
    assert all(int(item.id) > 2**53 for item in items)  # type: ignore[union-attr]


def test_fixture_licensed_folder_discovery_order() -> None:
    sources = discover([LICENSED], DEFAULT)
    assert [(s.name.removeprefix(LICENSED.as_posix() + "/"), s.format) for s in sources] == [
        ("api_v1.jsonl", "twitter-v1"),
        ("api_v2.jsonl", "twitter-v2"),
        ("generic.csv", "csv"),
        ("grailbird", "grailbird"),
        ("x_archive", "x-archive"),
    ]
    assert sum(1 for _ in read_records([LICENSED], DEFAULT)) == 181


def test_fixture_x_archive_note_deleted_and_meta() -> None:
    items = records([LICENSED / "x_archive"], ReaderOptions(include_deleted=True))
    assert len(items) == 62
    deleted = [r for r in items if r.meta.get("deleted") == "true"]
    assert len(deleted) == 2
    assert all(r.source.endswith("x_archive/data/deleted-tweets.js") for r in deleted)
    (long_post,) = [r for r in items if "note_tweet_id" in r.meta]
    assert "…" not in long_post.text and len(long_post.text) > 280
    assert long_post.meta["author"] == "maple_notes"
    assert long_post.meta["author_id"] == "1180000000000000042"
    assert long_post.meta["url"] == f"https://x.com/maple_notes/status/{long_post.id}"
    first = items[0]
    assert first.source == (LICENSED / "x_archive").as_posix() + "/data/tweets.js"
    assert (first.position, first.line) == (0, 2)
    assert first.meta["created_at"].endswith("Z") and first.meta["lang"] in ("en", "ja")


def test_fixture_x_archive_files_for_hashing() -> None:
    (source,) = discover([LICENSED / "x_archive"], DEFAULT)
    names = [p.name for p in source.files()]
    assert names == ["manifest.js", "note-tweet.js", "tweets.js"]
    (with_deleted,) = discover([LICENSED / "x_archive"], ReaderOptions(include_deleted=True))
    assert [p.name for p in with_deleted.files()] == [
        "deleted-tweets.js",
        "manifest.js",
        "note-tweet.js",
        "tweets.js",
    ]


def test_fixture_grailbird_retweets_completed() -> None:
    items = records([LICENSED / "grailbird"])
    retweets = [r for r in items if r.text.startswith("RT @")]
    assert len(retweets) == 4
    assert not any(r.text.endswith("…") for r in retweets)
    assert {r.meta["author"] for r in items} == {"harbor_walks"}
    assert items[0].source.endswith("grailbird/data/js/tweets/2014_01.js")
    assert items[12].source.endswith("grailbird/data/js/tweets/2014_02.js") and items[12].position == 0
    assert all(r.meta["created_at"].startswith("2014-0") for r in items)


def test_fixture_v1_extended_and_retweets() -> None:
    raw = [json.loads(line) for line in (LICENSED / "api_v1.jsonl").read_text(encoding="utf-8").splitlines()]
    items = records([LICENSED / "api_v1.jsonl"])
    for status, record in zip(raw, items, strict=True):
        assert record.id == status["id_str"]
        if "extended_tweet" in status:
            assert record.text == status["extended_tweet"]["full_text"]
        elif "retweeted_status" in status:
            rt = status["retweeted_status"]
            assert record.text == f"RT @{rt['user']['screen_name']}: {rt['text']}"
        else:
            assert record.text == status["text"]
        assert record.meta["author"] == status["user"]["screen_name"]


def test_fixture_v2_retweets_from_includes_and_notices(caplog: pytest.LogCaptureFixture) -> None:
    pages = [
        json.loads(line) for line in (LICENSED / "api_v2.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with caplog.at_level(logging.INFO, logger="provenance.readers"):
        items = records([LICENSED / "api_v2.jsonl"])
    assert len(items) == sum(len(p["data"]) for p in pages) == 36
    assert [r.line for r in items] == [1] * 12 + [2] * 12 + [3] * 12
    assert [r.position for r in items] == list(range(36))
    included = {t["id"]: t for p in pages for t in p["includes"]["tweets"]}
    users = {u["id"]: u["username"] for p in pages for u in p["includes"]["users"]}
    retweets = [t for p in pages for t in p["data"] if "referenced_tweets" in t]
    assert retweets
    by_id = {r.id: r for r in items}
    for tweet in retweets:
        original = included[tweet["referenced_tweets"][0]["id"]]
        assert by_id[tweet["id"]].text == f"RT @{users[original['author_id']]}: {original['text']}"
    assert by_id[retweets[0]["id"]].meta["author"] == users[retweets[0]["author_id"]]
    assert any("API notice: Not Found Error" in message for message in caplog.messages)


def test_fixture_training_formats_agree() -> None:
    jsonl = records([TRAINING / "web.jsonl"])
    parquet = records([TRAINING / "web.parquet"])
    csv_gz = records([TRAINING / "web.csv.gz"])
    assert len(jsonl) == 40
    as_tuples = [[(r.id, r.text, dict(r.meta)) for r in items] for items in (jsonl, parquet, csv_gz)]
    assert as_tuples[0] == as_tuples[1] == as_tuples[2]
    assert all(r.meta["url"].startswith("https://") for r in jsonl)
    assert [s.format for s in discover([TRAINING / "web.csv.gz"], DEFAULT)] == ["csv"]


def test_fixture_planted_ground_truth_is_consistent() -> None:
    planted = json.loads((TRAINING / "planted.json").read_text(encoding="utf-8"))
    assert 12 <= len(planted) <= 18
    assert {p["kind"] for p in planted} == {"whole", "embedded", "edited", "partial"}
    licensed = {r.id: r for r in records([LICENSED])}
    docs = {r.id: r for r in records([TRAINING / "web.jsonl"])}
    for plant in planted:
        item, doc = licensed[plant["item_id"]], docs[plant["doc_id"]]
        if plant["kind"] == "embedded":
            assert item.text in doc.text
        if plant["transform"] == "lowercased":
            assert doc.text == item.text.lower()
        if plant["kind"] == "partial":
            assert " ".join(item.text.split()[:5]) in doc.text


# ----------------------------------------------------------------------------- API and errors


def test_formats_tuple() -> None:
    assert FORMATS[0] == "auto" and "text-file" in FORMATS and len(FORMATS) == 14


def test_missing_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(InputError) as info:
        discover([missing], DEFAULT)
    assert info.value.source == str(missing)
    assert str(missing) in str(info.value)


def test_empty_glob_and_undetectable_and_bad_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no files match"):
        discover([str(tmp_path / "*.jsonl")], DEFAULT)
    odd = tmp_path / "data.xyz"
    odd.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        discover([odd], DEFAULT)
    assert info.value.source == odd.as_posix()
    with pytest.raises(UsageError):
        discover([odd], ReaderOptions(format="yaml"))
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(InputError, match="no data files"):
        discover([empty_dir], DEFAULT)


def test_glob_and_directory_walk(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    write_jsonl(tmp_path / "b" / "2.jsonl", [{"id": "x", "text": "two"}])
    write_jsonl(tmp_path / "a.jsonl", [{"id": "y", "text": "one"}])
    (tmp_path / "README.md").write_text("# not data\n", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("MIT\n", encoding="utf-8")
    (tmp_path / ".hidden.jsonl").write_text('{"text": "hidden"}\n', encoding="utf-8")
    found = discover_inputs([tmp_path], DEFAULT)
    base = tmp_path.as_posix()
    assert [s.name for s in found.sources] == [
        f"{base}/.hidden.jsonl",
        f"{base}/a.jsonl",
        f"{base}/b/2.jsonl",
    ]
    assert [s.path for s in found.skipped] == [f"{base}/LICENSE", f"{base}/README.md"]
    globbed = [s.name for s in discover([f"{base}/**/*.jsonl"], DEFAULT)]
    assert globbed == [f"{base}/a.jsonl", f"{base}/b/2.jsonl"]
    assert [r.text for r in records([tmp_path])] == ["hidden", "one", "two"]


def test_format_override(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.txt", [{"id": "1", "text": "alpha"}, {"id": "2", "text": "beta"}])
    assert [r.text for r in records([path])] == [
        '{"id": "1", "text": "alpha"}',
        '{"id": "2", "text": "beta"}',
    ]
    as_jsonl = records([path], ReaderOptions(format="jsonl"))
    assert [(r.id, r.text) for r in as_jsonl] == [("1", "alpha"), ("2", "beta")]
    (source,) = discover([path], ReaderOptions(format="text-file"))
    assert source.format == "text-file"
    (whole,) = records([path], ReaderOptions(format="text-file"))
    assert whole.id == f"{path.as_posix()}:0" and whole.text.count("\n") == 2


def test_bad_records_are_skipped_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"id": "1", "text": "fine"}\n'
        '{"id": "2", "text": "broken" "x"}\n'
        "\n"
        '{"id": "3", "text": "   "}\n'
        '{"id": "4", "body": 5}\n'
        '{"id": "5", "title": "no text"}\n'
        '["a", "b"]\n'
        "7\n",
        encoding="utf-8",
    )
    items = list(read_records([path], DEFAULT))
    summary = [
        (type(i).__name__, i.position, i.line, getattr(i, "reason", getattr(i, "text", None))) for i in items
    ]
    assert summary == [
        ("Record", 0, 1, "fine"),
        ("SkippedRecord", 1, 2, "invalid JSON: Expecting ',' delimiter at column 30"),
        ("SkippedRecord", 2, 4, "empty text"),
        ("SkippedRecord", 3, 5, "text field body is a number, not a string"),
        ("SkippedRecord", 4, 6, "no text field (tried text, content, full_text, tweet, body)"),
        ("Record", 5, 7, "a"),
        ("Record", 6, 7, "b"),
        ("SkippedRecord", 7, 8, "not a JSON object (int)"),
    ]
    assert items[5].id == f"{path.as_posix()}:5"  # type: ignore[union-attr]


def test_text_id_meta_fields_and_dotted_paths(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "docs.jsonl",
        [{"doc": {"key": 12345678901234567891}, "body": "hello", "meta": {"url": "u1", "n": 2}, "x": None}],
    )
    options = ReaderOptions(text_field="body", id_field="doc.key", meta_fields=("meta.url", "meta.n", "x"))
    (record,) = records([path], options)
    assert record.id == "12345678901234567891"
    assert record.meta == {"meta.url": "u1", "meta.n": "2"}


def test_ids_above_2_53_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "ids.json"
    path.write_text('[{"id": 1234567890123456789, "text": "a"}, {"id_str": "9007199254740993", "text": "b"}]')
    assert [r.id for r in records([path])] == ["1234567890123456789", "9007199254740993"]


def test_empty_and_zero_byte_files(tmp_path: Path) -> None:
    for name in ("empty.json", "empty.jsonl", "empty.csv", "empty.txt"):
        (tmp_path / name).write_bytes(b"")
        assert list(read_records([tmp_path / name], DEFAULT)) == []


# ----------------------------------------------------------------------------- JSON streaming


def test_json_array_streamed_with_tiny_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = records([LICENSED / "x_archive"])
    monkeypatch.setattr(jsonstream, "_CHUNK", 7)
    monkeypatch.setattr(jsonstream, "_MARGIN", 3)
    assert records([LICENSED / "x_archive"]) == expected
    raw = (LICENSED / "x_archive" / "data" / "tweets.js").read_text(encoding="utf-8")
    tweets = json.loads(raw[raw.index("=") + 1 :])
    assert [r.id for r in expected] == [t["tweet"]["id_str"] for t in tweets]


def test_json_concatenated_values_with_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text('{"id": "1", "text": "a"}\n{"id": "2", "text": \n{"id": "3", "text": "c"}\n')
    items = list(read_records([path], DEFAULT))
    assert [type(i).__name__ for i in items] == ["Record", "SkippedRecord", "Record"]
    assert items[1].line == 2 and items[2].line == 3
    assert items[1].reason.startswith("invalid JSON: Expecting")  # type: ignore[union-attr]


def test_json_array_syntax_error_raises_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n{"id": "1", "text": "a"},\n{"id": "2" "text": "b"}\n]\n')
    iterator = read_records([path], DEFAULT)
    assert next(iterator).text == "a"  # type: ignore[union-attr]
    with pytest.raises(InputError) as info:
        next(iterator)
    assert info.value.source == path.as_posix() and info.value.line == 3


def test_detection_by_first_object() -> None:
    assert classify_json_object({"data": [], "includes": {}}) == "twitter-v2"
    assert classify_json_object({"id": "1", "text": "t", "author_id": "2"}) == "twitter-v2"
    assert classify_json_object({"statuses": []}) == "twitter-v1"
    assert classify_json_object({"id_str": "1", "full_text": "t"}) == "twitter-v1"
    assert classify_json_object({"id": 1, "text": "t", "user": {}}) == "twitter-v1"
    assert classify_json_object({"id": 1, "text": "t"}) is None


def test_v1_search_envelope_and_single_status(tmp_path: Path) -> None:
    status = {"id": 1, "id_str": "1500000000000000001", "text": "hi there", "user": {"screen_name": "u"}}
    envelope = tmp_path / "search.json"
    envelope.write_text(json.dumps({"statuses": [status, status], "search_metadata": {}}))
    single = tmp_path / "status.json"
    single.write_text(json.dumps(status, indent=2))
    items = records([envelope, single])
    assert [r.source.split("/")[-1] for r in items] == ["search.json", "search.json", "status.json"]
    assert items[2].meta["url"] == "https://x.com/u/status/1500000000000000001"


def test_v2_flat_and_non_tweet_pages(tmp_path: Path) -> None:
    flat = {"id": "2", "text": "RT @a: trunc…", "author_id": "9", "author": {"username": "b"}}
    flat["referenced_tweets"] = [
        {"type": "retweeted", "id": "3", "text": "full text", "author": {"username": "a"}}
    ]
    counts = {"data": [{"start": "x", "end": "y", "tweet_count": 3}], "meta": {"total_tweet_count": 3}}
    path = write_jsonl(tmp_path / "v2.jsonl", [flat, counts, {"errors": [{"title": "Oops"}]}])
    items = list(read_records([path], DEFAULT))
    assert [type(i).__name__ for i in items] == ["Record", "SkippedRecord"]
    assert items[0].text == "RT @a: full text" and items[0].meta["author"] == "b"  # type: ignore[union-attr]
    assert "not a tweet" in items[1].reason  # type: ignore[union-attr]


def test_v2_note_tweet_beats_text(tmp_path: Path) -> None:
    page = {"data": [{"id": "5", "text": "short…", "note_tweet": {"text": "the long text"}}], "meta": {}}
    path = write_jsonl(tmp_path / "n.jsonl", [page])
    assert [r.text for r in records([path])] == ["the long text"]


# ----------------------------------------------------------------------------- compression and zip


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".zst"])
def test_compression_round_trip(tmp_path: Path, suffix: str) -> None:
    plain = (LICENSED / "api_v2.jsonl").read_bytes()
    compress = {".gz": gzip.compress, ".bz2": bz2.compress, ".zst": zstandard.ZstdCompressor().compress}
    path = tmp_path / f"api_v2.jsonl{suffix}"
    path.write_bytes(compress[suffix](plain))
    (source,) = discover([path], DEFAULT)
    assert source.format == "twitter-v2"
    got = [(r.id, r.text, r.line) for r in records([path])]
    assert got == [(r.id, r.text, r.line) for r in records([LICENSED / "api_v2.jsonl"])]


def test_compression_detected_by_magic_bytes(tmp_path: Path) -> None:
    path = tmp_path / "sneaky.jsonl"
    path.write_bytes(gzip.compress(b'{"id": "1", "text": "zipped"}\n'))
    assert [r.text for r in records([path])] == ["zipped"]


def test_truncated_gzip_raises_naming_file(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join(f'{{"id": "{i}", "text": "t{i}"}}' for i in range(5000))).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        list(read_records([path], DEFAULT))
    assert info.value.source == path.as_posix()


def test_zip_of_x_archive(tmp_path: Path) -> None:
    archive = tmp_path / "twitter-2024.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((LICENSED / "x_archive").rglob("*.js")):
            zf.write(path, "twitter-2024/" + path.relative_to(LICENSED / "x_archive").as_posix())
    (source,) = discover([archive], DEFAULT)
    assert source.format == "x-archive" and source.files() == [archive]
    zipped = records([archive], ReaderOptions(include_deleted=True))
    folder = records([LICENSED / "x_archive"], ReaderOptions(include_deleted=True))
    assert [(r.id, r.text, r.line, dict(r.meta)) for r in zipped] == [
        (r.id, r.text, r.line, dict(r.meta)) for r in folder
    ]
    assert zipped[0].source == f"{archive.as_posix()}!twitter-2024/data/tweets.js"


def test_x_archive_without_manifest_and_data_folder(tmp_path: Path) -> None:
    root = tmp_path / "arch"
    shutil.copytree(LICENSED / "x_archive", root)
    (root / "data" / "manifest.js").unlink()
    items = records([root])
    assert len(items) == 60 and "author" not in items[0].meta
    assert sum("note_tweet_id" in r.meta for r in items) == 1
    assert len(records([root / "data"])) == 60  # the data folder itself is an archive too
    single = records([root / "data" / "tweets.js"])
    assert len(single) == 60 and single[0].source == (root / "data" / "tweets.js").as_posix()


def test_x_archive_manifest_lists_missing_tweets_part(tmp_path: Path) -> None:
    root = tmp_path / "arch"
    shutil.copytree(LICENSED / "x_archive", root)
    (root / "data" / "tweets.js").rename(root / "data" / "tweets-part0.js")
    with pytest.raises(InputError, match="tweets.js, which is missing"):
        list(read_records([root], DEFAULT))


# ----------------------------------------------------------------------------- CSV, Parquet, text


def test_csv_quoted_newlines_and_line_numbers() -> None:
    items = records([LICENSED / "generic.csv"])
    multi = [r for r in items if "\n" in r.text]
    assert len(multi) == 3
    lines = [r.line for r in items]
    assert lines[0] == 2
    for before, after, record in zip(lines, lines[1:], items, strict=False):
        assert after == before + 1 + record.text.count("\n")
    assert items[0].id.isdigit() and len(items[0].id) == 19


def test_tsv_and_meta_fields_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("doc_id\tbody\tlang\nd1\tfirst text\ten\nd2\t\tfr\nd3\tshort\n", encoding="utf-8")
    items = list(read_records([path], ReaderOptions(meta_fields=("lang",))))
    assert items[0] == Record("d1", "first text", path.as_posix(), 0, 2, {"lang": "en"})
    assert items[1] == SkippedRecord(path.as_posix(), 1, "empty text", 3)
    assert isinstance(items[2], SkippedRecord) and "2 fields" in items[2].reason
    with pytest.raises(InputError, match="no text column"):
        list(read_records([path], ReaderOptions(text_field="missing")))


def test_parquet_batches_and_shard_folder(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    for shard in range(3):
        n = 1500
        table = pa.table(
            {
                "id": pa.array([shard * 10**18 + i for i in range(n)], pa.int64()),
                "text": [f"doc {shard}-{i}" for i in range(n)],
                "meta": [{"url": f"https://e.org/{i}"} for i in range(n)],
                "unused": [b"x" * 10] * n,
            }
        )
        pq.write_table(table, shards / f"train-{shard:05d}-of-00003.parquet", row_group_size=500)
    sources = discover([shards], DEFAULT)
    assert [s.path.name for s in sources] == [f"train-{i:05d}-of-00003.parquet" for i in range(3)]
    items = records([shards], ReaderOptions(meta_fields=("meta.url",)))
    assert len(items) == 4500
    assert items[1501].id == str(10**18 + 1) and items[1501].position == 1
    assert items[1501].line is None and items[1501].meta == {"meta.url": "https://e.org/1"}
    with pytest.raises(InputError, match="no text column"):
        list(read_records([shards], ReaderOptions(text_field="body")))


def test_text_lines_blank_lines_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "tweets.txt"
    path.write_bytes(b"first  \r\n\n   \nsecond\rstill second\nthird")
    items = records([path])
    assert [(r.position, r.line, r.text) for r in items] == [
        (0, 1, "first  "),
        (3, 4, "second\rstill second"),
        (4, 5, "third"),
    ]
    assert items[0].id == f"{path.as_posix()}:0"


def test_text_not_utf8_is_skipped_not_reinterpreted(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes("Price: £5\nline two\n".encode("latin-1"))
    (whole,) = list(read_records([path], ReaderOptions(format="text-file")))
    assert isinstance(whole, SkippedRecord) and whole.line == 1
    assert whole.reason == "not valid UTF-8 (byte 0xa3 at column 8)"
    lines = list(read_records([path], DEFAULT))
    assert [type(item) for item in lines] == [SkippedRecord, Record] and lines[1].text == "line two"


def test_csv_not_utf8_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("id,text\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        list(read_records([path], DEFAULT))
    assert info.value.source == path.as_posix() and "UTF-8" in str(info.value)


def test_dates() -> None:
    assert parse_date("Fri Nov 18 21:10:34 +0000 2022") == "2022-11-18T21:10:34Z"
    assert parse_date("2012-01-31 07:57:05 +0000") == "2012-01-31T07:57:05Z"
    assert parse_date("2021-04-01T15:52:31.000Z") == "2021-04-01T15:52:31Z"
    assert parse_date("Wed Dec 23 17:38:18 -0500 2009") == "2009-12-23T22:38:18Z"
    assert parse_date("2/24/2015 11:35") == "2/24/2015 11:35"
    assert parse_date(None) is None


def test_input_source_files_for_plain_file() -> None:
    source = InputSource(LICENSED / "generic.csv", "generic.csv", "csv")
    assert source.files() == [LICENSED / "generic.csv"]


def test_one_default_id_rule_for_records_columns_and_own_ids() -> None:
    from provenance.readers.records import default_id, default_ids, own_id

    positions = [0, 7, 12_345_678_901]
    expected = [default_id("dir/a b.jsonl", p) for p in positions]
    assert expected[1] == "dir/a b.jsonl:7"
    assert default_ids("dir/a b.jsonl", pa.array(positions, pa.int64())).to_pylist() == expected
    assert own_id("dir/a b.jsonl:7", "dir/a b.jsonl", 7) is None
    assert own_id("dir/a b.jsonl:7", "dir/a b.jsonl", 8) == "dir/a b.jsonl:7"
    assert own_id(None, "x", 0) is None and own_id("42", "x", 0) == "42"
