"""Text fields as paths (issue 18): `meta.text`, `messages[].content`, chat-format data found by itself."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from provenance.cli import app
from provenance.errors import UsageError
from provenance.readers import ReaderOptions, discover, fastjsonl, read_block, read_records, read_source
from provenance.readers.records import Record, SkippedRecord

TWEET = "the licensed tweet hides inside the assistant answer of a fine tuning conversation today"
ROLES = ("system", "user", "assistant")


def _conversations(count: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
    rows = []
    for k in range(count):
        messages = [
            {"role": ROLES[m % 3], "content": " ".join(rng.choices(words, k=rng.randint(3, 12)))}
            for m in range(rng.randint(1, 5))
        ]
        row: dict = {"messages": messages}
        if k % 2:
            row["id"] = f"conv-{k}"
        if k == 7:
            messages[-1]["content"] = TWEET
        rows.append(row)
    return rows


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _by_lines(path: Path, options: ReaderOptions, monkeypatch) -> list:
    with monkeypatch.context() as patch:
        patch.setattr(fastjsonl, "applies", lambda *a: False)
        return list(read_records([path], options))


@pytest.mark.parametrize("text_field", [None, "messages[].content"])
def test_each_message_is_a_record_located_by_its_conversation(tmp_path: Path, text_field: str | None) -> None:
    path = _write_jsonl(tmp_path / "chat.jsonl", _conversations(10))
    records = list(read_records([path], ReaderOptions(text_field=text_field)))
    assert all(isinstance(r, Record) for r in records)
    (found,) = [r for r in records if r.text == TWEET]
    assert found.line == 8 and found.meta["role"] == ROLES[(int(found.meta["message"])) % 3]
    assert found.id == f"conv-7#messages[{found.meta['message']}]"
    assert [r.position for r in records] == list(range(len(records)))
    without_id = [r for r in records if r.line == 1]
    assert [r.id for r in without_id] == [f"{path.as_posix()}:{k}" for k in range(len(without_id))]
    assert [r.meta["message"] for r in without_id] == [str(k) for k in range(len(without_id))]


def test_the_block_reader_and_the_line_reader_give_identical_records(tmp_path: Path, monkeypatch) -> None:
    rows = _conversations(200)
    rows[3] = {"messages": [{"role": "user", "content": 5}, {"role": "user"}]}
    rows[8] = {"messages": [{"role": "user", "content": "hello"}, "not an object"]}
    rows[4] = {"messages": []}
    rows[5] = {"text": "a plain record among chats", "id": "plain"}
    rows[6] = {"messages": [{"role": "user", "content": "2024-01-31T10:00:00"}]}  # pyarrow: a timestamp?
    path = _write_jsonl(tmp_path / "chat.jsonl", rows)
    for text_field in (None, "messages[].content"):
        options = ReaderOptions(text_field=text_field)
        with_blocks = list(read_records([path], options))
        assert with_blocks == _by_lines(path, options, monkeypatch)
        source = discover([path], options)[0]
        for block in (128, 1 << 20):
            monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", block)
            assert list(read_source(source, options)) == with_blocks
            placed, shift = [], (0, 0)
            for start, end in fastjsonl.block_bounds(path, block):
                read = read_block(source, start, end, options)
                placed += [(i.position + shift[0], i.line + shift[1]) for i in read.items]
                shift = (shift[0] + read.positions, shift[1] + read.lines)
            assert placed == [(i.position, i.line) for i in with_blocks]
    plain = [i for i in with_blocks if i.line == 6]
    assert len(plain) == 1 and isinstance(plain[0], SkippedRecord)  # an explicit list field has no text
    auto = list(read_records([path], ReaderOptions()))
    assert [i.text for i in auto if isinstance(i, Record) and i.line == 6] == ["a plain record among chats"]
    reasons = [i.reason for i in auto if isinstance(i, SkippedRecord)]
    assert "text field messages[0].content is a number, not a string" in reasons
    assert "no text field (messages[1].content)" in reasons
    assert "no text field (tried text, content, full_text, tweet, body)" in reasons  # a non-object message


def test_gzipped_json_documents_and_parquet_read_chats_alike(tmp_path: Path) -> None:
    rows = _conversations(12)
    jsonl = _write_jsonl(tmp_path / "chat.jsonl", rows)
    zipped = tmp_path / "chat.jsonl.gz"
    zipped.write_bytes(gzip.compress(jsonl.read_bytes()))
    document = tmp_path / "chat.json"
    document.write_text(json.dumps(rows), encoding="utf-8")
    parquet = tmp_path / "chat.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"id": r.get("id"), "messages": r["messages"]} for r in rows]), parquet
    )

    def texts(path: Path) -> list[tuple]:
        items = list(read_records([path], ReaderOptions()))
        where = [i.id.split("#")[1] if "#" in i.id else int(i.id.rsplit(":", 1)[1]) for i in items]
        return [(i.text, i.meta["message"], i.meta.get("role"), k) for i, k in zip(items, where, strict=True)]

    expected = texts(jsonl)
    assert len(expected) > 12 and texts(zipped) == expected and texts(parquet) == expected
    assert texts(document) == expected


def test_a_dotted_text_field_reaches_into_objects(tmp_path: Path, monkeypatch) -> None:
    path = _write_jsonl(
        tmp_path / "nested.jsonl",
        [{"id": "a", "meta": {"text": "nested text one"}}, {"id": "b", "meta": {"text": 3}}, {"id": "c"}],
    )
    options = ReaderOptions(text_field="meta.text")
    items = list(read_records([path], options))
    assert items == _by_lines(path, options, monkeypatch)
    assert [getattr(i, "text", None) or i.reason for i in items] == [
        "nested text one",
        "text field meta.text is a number, not a string",
        "no text field (tried meta.text)",
    ]


def test_a_list_of_strings_and_a_nested_list(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "lists.jsonl", [{"id": "x", "doc": {"paragraphs": ["one para", "two para"]}}]
    )
    items = list(read_records([path], ReaderOptions(text_field="doc.paragraphs[]")))
    assert [(i.id, i.text, i.meta["message"]) for i in items] == [
        ("x#doc.paragraphs[0]", "one para", "0"),
        ("x#doc.paragraphs[1]", "two para", "1"),
    ]


@pytest.mark.parametrize("bad", ["messages[][].content", "messages[0].content", "messages[]content", "[].x"])
def test_a_malformed_path_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError):
        ReaderOptions(text_field=bad)
    result = CliRunner().invoke(app, ["scan", "x.jsonl", "--index", "i", "--out", "o", "--text-field", bad])
    assert result.exit_code == 2 and "--text-field" in result.output


def test_a_licensed_tweet_inside_a_message_is_found_and_located(tmp_path: Path) -> None:
    runner = CliRunner()
    tweets = tmp_path / "tweets.jsonl"
    _write_jsonl(tweets, [{"id": "1700000000000000007", "text": TWEET}])
    chat = _write_jsonl(tmp_path / "chat.jsonl", _conversations(10))
    index, out = tmp_path / "t.idx", tmp_path / "audit"
    built = runner.invoke(
        app, ["index", "build", str(tweets), "--index", str(index), "-c", "t", "--license", "MIT"]
    )
    assert built.exit_code == 0, built.output
    scanned = runner.invoke(app, ["scan", str(chat), "--index", str(index), "--out", str(out), "-j", "1"])
    assert scanned.exit_code == 0, scanned.output
    matches = pq.read_table(out / "matches.parquet").to_pylist()
    assert len(matches) == 1
    match = matches[0]
    record_id = next(v for k, v in match.items() if "id" in k and isinstance(v, str) and "#messages[" in v)
    assert record_id.startswith("conv-7#messages[")
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0
