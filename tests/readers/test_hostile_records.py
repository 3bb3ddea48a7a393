"""Hostile records (issue 18, points 5, 12, 13): each is a recorded skip or a clear error, never a crash."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from provenance.cli import app
from provenance.errors import InputError
from provenance.readers import ReaderOptions, discover, fastjsonl, read_records, read_source
from provenance.readers.records import Record, SkippedRecord

GOOD = '{"id": "g1", "text": "a perfectly good record"}\n'
runner = CliRunner()


def _summary(items: list) -> list[tuple]:
    return [
        (type(i).__name__, i.position, i.line, getattr(i, "reason", None) or getattr(i, "text", None))
        for i in items
    ]


def _read(path: Path, **options) -> list[Record | SkippedRecord]:
    return list(read_records([path], ReaderOptions(**options)))


def _index_build(path: Path, tmp_path: Path, *extra: str):
    return runner.invoke(
        app,
        [
            "index",
            "build",
            str(path),
            "--index",
            str(tmp_path / "i.idx"),
            "-c",
            "c",
            "--license",
            "MIT",
            *extra,
        ],
    )


# --- 5: invalid UTF-8, UTF-16, lone surrogates, deep nesting, truncated arrays, X manifests --------------


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".json"])
def test_invalid_utf8_in_json_is_a_skipped_record_with_its_line(tmp_path: Path, suffix: str) -> None:
    body = (GOOD + '{"id": "b", "text": "bad \xff\xfe byte"}\n' + GOOD.replace("g1", "g2")).encode("latin-1")
    if suffix == ".json":
        body = b"[" + body.replace(b"}\n{", b"},\n{").rstrip() + b"]\n"
    path = tmp_path / f"data{suffix}"
    path.write_bytes(gzip.compress(body) if suffix.endswith(".gz") else body)
    items = _read(path)
    assert [type(i).__name__ for i in items] == ["Record", "SkippedRecord", "Record"]
    assert items[1].line == 2 and items[1].position == 1 and "not valid UTF-8 (byte 0xff" in items[1].reason
    assert [r.text for r in items if isinstance(r, Record)] == ["a perfectly good record"] * 2


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".json"])
@pytest.mark.parametrize("where", ["text", "unused"])
def test_a_lone_surrogate_escape_skips_the_record(tmp_path: Path, suffix: str, where: str) -> None:
    bad = '{"id": "s", "text": "lone \\ud800 here"}' if where == "text" else '{"text": "ok", "x": "\\udc00"}'
    lines = [GOOD.strip(), bad, '{"id": "p", "text": "a pair \\ud83d\\ude00 is fine"}']
    body = ("[" + ",\n".join(lines) + "]\n") if suffix == ".json" else "\n".join(lines) + "\n"
    path = tmp_path / f"data{suffix}"
    path.write_bytes(gzip.compress(body.encode()) if suffix.endswith(".gz") else body.encode())
    items = _read(path)
    assert [type(i).__name__ for i in items] == ["Record", "SkippedRecord", "Record"]
    assert "lone surrogate" in items[1].reason and items[1].line == 2
    assert items[2].text == "a pair 😀 is fine"
    for record in items[::2]:
        record.text.encode("utf-8")  # every record can be written


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_100k_deep_nesting_is_a_skipped_record(tmp_path: Path, suffix: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    deep_object = '{"text": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}"
    if suffix == ".json":
        body = "[" + ",\n".join([GOOD.strip(), deep, deep_object, GOOD.strip()]) + "]\n"
    else:
        body = "\n".join([GOOD.strip(), deep, deep_object, GOOD.strip()]) + "\n"
    path = tmp_path / f"data{suffix}"
    path.write_text(body, encoding="utf-8")
    items = _read(path)
    assert [type(i).__name__ for i in items] == ["Record", "SkippedRecord", "SkippedRecord", "Record"]
    assert all("nested too deeply" in i.reason for i in items[1:3])
    assert [i.line for i in items] == [1, 2, 3, 4]


def test_a_truncated_json_array_is_an_input_error_with_file_and_line_on_every_path(tmp_path: Path) -> None:
    """Format detection read the first values outside the error translation: ``internal error:
    JsonSyntaxError``, exit 2 as a bug."""
    path = tmp_path / "data.json"
    path.write_text('[{"text": "one", "x": [1, 2', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        discover([path], ReaderOptions())
    assert caught.value.source == path.as_posix() and caught.value.line == 1
    for fmt in ("auto", "json"):
        result = _index_build(path, tmp_path, "--format", fmt)
        assert result.exit_code == 2, result.output
        assert f"{path.as_posix()}:1: invalid JSON" in result.output and "internal error" not in result.output


@pytest.mark.parametrize(
    "manifest",
    [
        '{"dataTypes": []}',
        '{"dataTypes": "tweets"}',
        '{"userInfo": 5}',
        '{"userInfo": {"userName": ["x"]}}',
        '{"dataTypes": {"tweets": "data/tweets.js"}}',
        '{"dataTypes": {"tweets": {"files": "data/tweets.js"}}}',
        '{"dataTypes": {"tweets": {"files": [{"fileName": 3}]}}}',
        "[1, 2]",
    ],
)
@pytest.mark.parametrize("zipped", [False, True])
def test_an_x_manifest_of_unexpected_types_is_an_input_error_naming_it(
    tmp_path: Path, manifest: str, zipped: bool
) -> None:
    import zipfile

    root = tmp_path / "archive"
    (root / "data").mkdir(parents=True)
    (root / "data" / "manifest.js").write_text(f"window.__THAR_CONFIG = {manifest}\n", encoding="utf-8")
    tweet = {"tweet": {"id_str": "1", "full_text": "a tweet in the archive", "created_at": "x"}}
    (root / "data" / "tweets.js").write_text(
        f"window.YTD.tweets.part0 = {json.dumps([tweet])}", encoding="utf-8"
    )
    target = root
    if zipped:
        target = tmp_path / "archive.zip"
        with zipfile.ZipFile(target, "w") as archive:
            for name in ("manifest.js", "tweets.js"):
                archive.write(root / "data" / name, f"data/{name}")
    result = _index_build(target, tmp_path)
    assert result.exit_code == 2, result.output
    member = f"{target.as_posix()}!data/manifest.js" if zipped else f"{target.as_posix()}/data/manifest.js"
    assert member in " ".join(result.output.split()) and "manifest.js" in result.output
    assert "internal error" not in result.output


# --- 12: silent wrong parsing -----------------------------------------------------------------------------


def test_an_unterminated_csv_quote_refuses_the_file_instead_of_merging_rows(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('id,text\n1,first row\n2,"opened and never closed\n3,third\n4,fourth\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        _read(path)
    assert caught.value.line == 3 and "unterminated quote" in caught.value.message
    path.write_text('id,text\n1,"opened\n2,second\n3,"quoted",x\n4,four\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        _read(path)
    assert caught.value.line == 2 and "merge" in caught.value.message


def test_a_malformed_csv_row_on_one_line_is_a_skipped_record(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('id,text\n1,"ab"c\n2,"a quoted\nmulti-line text"\n3,"last open\n', encoding="utf-8")
    assert _summary(_read(path)) == [
        ("SkippedRecord", 0, 2, "malformed row: ',' expected after '\"'"),
        ("Record", 1, 3, "a quoted\nmulti-line text"),
        ("SkippedRecord", 2, 5, "malformed row: unexpected end of data"),
    ]


def test_cr_only_json_lines_read_the_same_gzipped_or_not(tmp_path: Path) -> None:
    """Lines end with LF only (as JSON Lines defines): the plain file's block reader split at a lone
    CR, the gzipped file's line reader did not."""
    body = b'{"text": "first record"}\r{"text": "second record"}\r\n{"text": "third record"}\n'
    plain, zipped = tmp_path / "data.jsonl", tmp_path / "zipped.jsonl.gz"
    plain.write_bytes(body)
    zipped.write_bytes(gzip.compress(body))
    got_plain, got_zipped = _summary(_read(plain)), _summary(_read(zipped))
    assert got_plain == got_zipped
    assert got_plain[0][:3] == ("SkippedRecord", 0, 1) and "lone CR" in got_plain[0][3]
    assert got_plain[1] == ("Record", 1, 2, "third record")


def test_parquet_binary_text_is_decoded_and_invalid_bytes_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    texts = [b"binary but utf-8 \xc3\xa9", b"not utf-8 \xff", None]
    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": pa.array(texts, pa.binary())}), path)
    assert _summary(_read(path)) == [
        ("Record", 0, None, "binary but utf-8 é"),
        ("SkippedRecord", 1, None, "text field text holds bytes that are not valid UTF-8"),
        ("SkippedRecord", 2, None, "no text field (tried text)"),
    ]


def test_parquet_numbers_in_the_text_column_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"text": pa.array([1.5, float("nan")])}), path)
    assert [i.reason for i in _read(path)] == [
        "text field text is a number, not a string",
        "text field text is a number (NaN), not a string",
    ]


NOT_STRINGS = [
    ('{"text": 12}', "a number"),
    ('{"text": 1.5}', "a number"),
    ('{"text": NaN}', "a number (NaN)"),
    ('{"text": {"a": "b"}}', "an object"),
    ('{"text": ["a"]}', "a list"),
    ('{"text": true}', "a boolean"),
]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".json"])
def test_a_text_field_that_is_not_a_string_is_a_skipped_record(tmp_path: Path, suffix: str) -> None:
    lines = [line for line, _ in NOT_STRINGS] + [GOOD.strip()]
    body = ("[" + ",\n".join(lines) + "]") if suffix == ".json" else "\n".join(lines) + "\n"
    path = tmp_path / f"data{suffix}"
    path.write_bytes(gzip.compress(body.encode()) if suffix.endswith(".gz") else body.encode())
    items = _read(path)
    assert [i.reason for i in items[:-1]] == [
        f"text field text is {kind}, not a string" for _, kind in NOT_STRINGS
    ]
    assert items[-1].text == "a perfectly good record"


def test_the_block_reader_skips_non_strings_as_the_line_reader_does(tmp_path: Path, monkeypatch) -> None:
    """A whole block of numeric texts: pyarrow reads the column as numbers, the line reader decides."""
    path = tmp_path / "data.jsonl"
    path.write_text("".join(f'{{"id": "{k}", "text": {k}}}\n' for k in range(50)) + GOOD, encoding="utf-8")
    source = discover([path], ReaderOptions())[0]
    with_blocks = list(read_source(source, ReaderOptions()))
    monkeypatch.setattr(fastjsonl, "applies", lambda *a: False)
    assert list(read_source(source, ReaderOptions())) == with_blocks
    assert {i.reason for i in with_blocks[:50]} == {"text field text is a number, not a string"}


# --- 13: skips in one-line arrays say which element ------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_skips_in_a_one_line_array_name_their_element(tmp_path: Path, suffix: str) -> None:
    elements = [{"text": f"record number {k}"} if k % 3 else {"title": "no text"} for k in range(40)]
    path = tmp_path / f"data{suffix}"
    path.write_text(json.dumps(elements) + "\n", encoding="utf-8")
    skipped = [i for i in _read(path) if isinstance(i, SkippedRecord)]
    assert [(s.line, s.position, s.element) for s in skipped] == [(1, k, k) for k in range(0, 40, 3)]
    assert skipped[-1].where() == f"{path.as_posix()}:1, element 39"
    result = _index_build(path, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"{path.as_posix()}:1, element 3 " in result.output


def test_skips_on_lines_of_their_own_are_shown_as_before(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(GOOD + '{"title": "none"}\n', encoding="utf-8")
    (skipped,) = [i for i in _read(path) if isinstance(i, SkippedRecord)]
    assert skipped.element is None and skipped.where() == f"{path.as_posix()}:2"


def test_a_block_of_deep_objects_goes_through_pyarrow_unharmed(tmp_path: Path) -> None:
    """Every line an object, so the block reaches pyarrow's parser, which must fail cleanly."""
    deep = '{"text": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}"
    path = tmp_path / "deep.jsonl"
    path.write_text(GOOD + deep + "\n" + GOOD, encoding="utf-8")
    assert [type(i).__name__ for i in _read(path)] == ["Record", "SkippedRecord", "Record"]
