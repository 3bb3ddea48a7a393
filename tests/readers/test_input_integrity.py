"""Hostile input files, generated here: truncated or doubled compression, broken zips, encodings, binary.

Every one ends in records read in full, records skipped and recorded, or an ``InputError`` that
names the file (and the archive member, and the line where there is one): never a shorter file read
as if whole, and never a traceback. The encoding policy these tests hold is in docs/usage.md
("Input files, encodings and compression").
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import random
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
import zstandard
from gate_world import write_policy
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from provenance.cli import app
from provenance.errors import InputError
from provenance.readers import ReaderOptions, discover, read_records
from provenance.readers.compression import compression_of, open_binary, sniff_compression
from provenance.readers.detect import detect_file_format
from provenance.readers.records import Record, SkippedRecord

DEFAULT = ReaderOptions()
DENY = '[policy]\ndeny = ["LicenseRef-Proprietary"]\n'


def _lines(n: int = 2000, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        json.dumps({"id": str(i), "text": f"record {i} {rng.random()} caf\u00e9"}).encode() + b"\n"
        for i in range(n)
    )


def _read(path: Path, options: ReaderOptions = DEFAULT) -> list:
    return list(read_records([path], options))


def _refused(path: Path, options: ReaderOptions = DEFAULT) -> InputError:
    with pytest.raises(InputError) as info:
        _read(path, options)
    assert info.value.source == path.as_posix(), info.value
    return info.value


# --- (1) every decompressor detects a missing end of stream ----------------------------------


def _compress(kind: str, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data)
    if kind == "bz2":
        return bz2.compress(data)
    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("kind,suffix", [("gzip", ".gz"), ("bz2", ".bz2"), ("zstd", ".zst")])
@pytest.mark.parametrize("share", [0.5, 0.9, 0.999])
def test_a_truncated_compressed_file_is_refused_never_read_short(
    tmp_path: Path, kind: str, suffix: str, share: float
) -> None:
    data = _lines(20_000)
    whole = _compress(kind, data)
    path = tmp_path / f"train.jsonl{suffix}"
    path.write_bytes(whole)
    assert len(_read(path)) == 20_000
    path.write_bytes(whole[: int(len(whole) * share)])
    error = _refused(path)
    assert error.message.startswith(f"truncated {kind} stream: the file ends before its end-of-stream")


def test_a_truncated_zstd_frame_at_every_cut_is_refused(tmp_path: Path) -> None:
    """The zstd reader ends quietly at a truncated frame; the frame walk catches every cut."""
    whole = zstandard.ZstdCompressor(write_checksum=True).compress(_lines(300))
    path = tmp_path / "t.jsonl.zst"
    for cut in range(1, len(whole), max(1, len(whole) // 97)):
        path.write_bytes(whole[:cut])
        with pytest.raises(InputError, match="zstd"):
            with open_binary(path) as fh:
                fh.read()


def test_every_zstd_frame_is_read(tmp_path: Path) -> None:
    """Concatenated frames (``pzstd``, ``cat a.zst b.zst``) and skippable frames: all of it is read."""
    data = _lines(3000)
    skippable = (0x184D2A50).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"pad"
    frames = b"".join(
        zstandard.ZstdCompressor().compress(data[i : i + 40_000]) for i in range(0, len(data), 40_000)
    )
    path = tmp_path / "multi.jsonl.zst"
    path.write_bytes(skippable + frames)
    assert len(_read(path)) == 3000
    path.write_bytes(frames + b"\x28\xb5\x2f")  # a last frame cut inside its magic number
    assert "truncated zstd" in _refused(path).message


def test_corrupt_compressed_data_is_refused(tmp_path: Path) -> None:
    """By the decompressor, or by what it gave before its checksum (bz2 checks a block at its end)."""
    for kind, suffix in (("gzip", ".gz"), ("bz2", ".bz2"), ("zstd", ".zst")):
        whole = bytearray(_compress(kind, _lines(5000)))
        for at in range(len(whole) // 3, len(whole) // 3 + 64):
            whole[at] ^= 0x5A
        path = tmp_path / f"c.jsonl{suffix}"
        path.write_bytes(bytes(whole))
        error = _refused(path)
        assert kind in error.message or error.message.startswith(("not valid UTF-8", "binary data")), error


def test_a_truncated_gzip_header_is_refused(tmp_path: Path) -> None:
    whole = gzip.compress(_lines(10))
    for cut in (2, 5, 9):
        path = tmp_path / f"h{cut}.jsonl.gz"
        path.write_bytes(whole[:cut])
        assert "gzip" in _refused(path).message


@pytest.mark.parametrize("outer", ["gzip", "bz2", "zstd"])
def test_compressed_twice_is_refused_clearly(tmp_path: Path, outer: str) -> None:
    path = tmp_path / "double.jsonl.gz"
    path.write_bytes(_compress(outer, gzip.compress(_lines(10))))
    assert _refused(path).message.startswith(f"compressed twice (gzip inside {outer})")


def test_text_that_starts_like_bz2_is_text(tmp_path: Path) -> None:
    assert compression_of(b"BZh9 is a word") is None
    assert compression_of(bz2.compress(b"x")[:10]) == "bz2" and compression_of(bz2.compress(b"")) == "bz2"
    path = tmp_path / "bzh.txt"
    path.write_bytes(b"BZh91AY is not bz2\nsecond line\n")
    assert sniff_compression(path) is None
    assert [r.text for r in _read(path)] == ["BZh91AY is not bz2", "second line"]


@pytest.mark.parametrize(
    "content,needle",
    [(b"PK\x03\x04garbage", "not a readable .zip"), (b"", "not a readable .zip"), (b"\x00" * 100, "zip")],
)
def test_a_garbage_zip_is_refused(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "archive.zip"
    path.write_bytes(content)
    with pytest.raises(InputError, match=needle) as info:
        discover([path], DEFAULT)
    assert info.value.source == path.as_posix()


def _x_archive_zip(path: Path) -> bytes:
    tweets = [{"tweet": {"id_str": str(i), "full_text": f"tweet number {i} " * 5}} for i in range(200)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(tweets))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_a_truncated_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    whole = _x_archive_zip(path)
    assert len(_read(path)) == 200
    for cut in (len(whole) // 2, len(whole) - 10):
        path.write_bytes(whole[:cut])
        with pytest.raises(InputError) as info:
            _read(path)
        assert info.value.source == path.as_posix() and "zip" in info.value.message


def test_a_corrupt_zip_member_is_named(tmp_path: Path) -> None:
    """Issue 18, 13: an archive's error names the member file, not only the archive."""
    path = tmp_path / "x.zip"
    whole = bytearray(_x_archive_zip(path))
    body = whole.index(b"data/tweets.js") + len("data/tweets.js") + 200  # inside the deflated member
    whole[body : body + 16] = bytes(16)
    path.write_bytes(bytes(whole))
    with pytest.raises(InputError) as info:
        _read(path)
    assert info.value.source == f"{path.as_posix()}!data/tweets.js", info.value


def test_a_bad_byte_in_an_archive_folder_names_the_member_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    (folder / "data").mkdir(parents=True)
    tweets = [{"tweet": {"id_str": "1", "full_text": "one"}}, {"tweet": {"id_str": "2", "full_text": "two"}}]
    text = "window.YTD.tweets.part0 = " + json.dumps(tweets, indent=1)
    (folder / "data" / "tweets.js").write_bytes(
        text.replace("two", "t\udcffo").encode("utf-8", "surrogateescape")
    )
    with pytest.raises(InputError) as info:
        _read(folder)
    at = text.index("two")
    line, column = text[:at].count("\n") + 1, at - text.rfind("\n", 0, at) + 1
    assert (info.value.source, info.value.line) == (f"{folder.as_posix()}/data/tweets.js", line)
    assert info.value.message == f"not valid UTF-8 (byte 0xff at column {column})"


# --- (4) one encoding policy, the same compressed or not --------------------------------------


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzipped"])
def test_a_stray_byte_in_text_skips_its_line_only(tmp_path: Path, gzipped: bool) -> None:
    data = "caf\u00e9 first\n".encode() + b"bad \xff byte\n" + "na\u00efve third\n".encode()
    path = tmp_path / ("story.txt.gz" if gzipped else "story.txt")
    path.write_bytes(gzip.compress(data) if gzipped else data)
    first, bad, third = _read(path)
    assert isinstance(first, Record) and first.text == "caf\u00e9 first" and first.meta == {}
    assert isinstance(bad, SkippedRecord) and (bad.position, bad.line) == (1, 2)
    assert bad.reason == "not valid UTF-8 (byte 0xff at column 5)"
    assert isinstance(third, Record) and third.text == "na\u00efve third"
    (whole,) = _read(path, ReaderOptions(format="text-file"))
    assert isinstance(whole, SkippedRecord) and whole.line == 2 and whole.reason == bad.reason


def _with_a_bad_byte(tmp_path: Path, suffix: str) -> tuple[Path, int]:
    """A file of five records whose fourth holds a 0xFF byte, and the line of that byte."""
    rows = [{"id": str(i), "text": f"row {i}"} for i in range(5)]
    if ".csv" in suffix:
        data = ("id,text\n" + "".join(f"{r['id']},{r['text']}\n" for r in rows)).encode()
    elif ".jsonl" in suffix:
        data = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    else:
        data = json.dumps(rows, indent=1).encode()
    at = data.index(b"row 3") + 3
    data = data[:at] + b"\xff" + data[at:]
    path = tmp_path / f"train{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    return path, data[:at].count(b"\n") + 1


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_invalid_utf8_in_csv_is_refused_with_its_line(tmp_path: Path, suffix: str) -> None:
    path, line = _with_a_bad_byte(tmp_path, suffix)
    error = _refused(path)
    assert error.line == line
    assert error.message.startswith("not valid UTF-8 (byte 0xff")


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".json"])
def test_invalid_utf8_in_json_skips_that_record_with_its_line(tmp_path: Path, suffix: str) -> None:
    path, line = _with_a_bad_byte(tmp_path, suffix)
    read = _read(path, ReaderOptions())
    skipped = [r for r in read if isinstance(r, SkippedRecord)]
    assert [r.text for r in read if isinstance(r, Record)] == ["row 0", "row 1", "row 2", "row 4"]
    assert len(skipped) == 1 and skipped[0].position == 3 and "not valid UTF-8" in skipped[0].reason
    # the line the record starts at: the byte's own line in JSON Lines, its object's first in JSON
    assert skipped[0].line == line if ".jsonl" in suffix else skipped[0].line < line


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".json", ".csv", ".jsonl.gz"])
def test_utf16_and_utf32_are_refused_by_their_bom(tmp_path: Path, encoding: str, suffix: str) -> None:
    text = "id,text\n1,hello\n" if ".csv" in suffix else '{"text": "hello"}\n'
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / f"wide{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    error = _refused(path)
    assert error.message.startswith(f"{encoding[:6].upper()} text (by its byte order mark): only UTF-8")


def test_a_utf8_bom_is_skipped_in_every_text_format(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    (tmp_path / "a.txt").write_bytes(bom + b"hello\n")
    (tmp_path / "b.jsonl").write_bytes(bom + b'{"text": "hello"}\n')
    (tmp_path / "c.csv").write_bytes(bom + b"text\nhello\n")
    (tmp_path / "d.jsonl.gz").write_bytes(gzip.compress(bom + b'{"text": "hello"}\n'))
    assert [r.text for r in _read(tmp_path)] == ["hello"] * 4
    (whole,) = _read(tmp_path / "a.txt", ReaderOptions(format="text-file"))
    assert whole.text == "hello\n"


@pytest.mark.parametrize("fmt", ["auto", "text", "text-file", "jsonl", "csv"])
def test_binary_input_is_refused(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(random.Random(1).randbytes(5000))
    error = _refused(path, ReaderOptions(format=fmt))
    assert error.message.startswith("binary data, not UTF-8 text (a NUL byte at byte")
    utf16_no_bom = tmp_path / "nobom.txt"
    utf16_no_bom.write_bytes("plain words".encode("utf-16-le"))
    assert "UTF-16 or UTF-32" in _refused(utf16_no_bom, ReaderOptions(format=fmt)).message


SUFFIXES = (
    ".jsonl",
    ".json",
    ".json.gz",
    ".jsonl.zst",
    ".csv",
    ".txt",
    ".zip",
    ".parquet",
    ".js",
    "tweets.js",
)


@settings(max_examples=150, deadline=None)
@given(content=st.binary(max_size=300), suffix=st.sampled_from(SUFFIXES))
def test_format_detection_never_raises_anything_but_input_error(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(content)
    try:
        detect_file_format(path, path.as_posix())
    except InputError as err:
        assert err.source == path.as_posix()


def test_format_detection_of_broken_json_leaves_the_reader_to_tell(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert detect_file_format(deep, "deep.json") == "json"
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "\xff"}\n')
    assert detect_file_format(bad, "bad.jsonl") == "jsonl"


# --- the gate, end to end ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def gate(gate_world: Mapping, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("integrity_gate")
    return {**gate_world, "tmp": root, "deny": write_policy(root / "deny.toml", DENY)}


@pytest.mark.parametrize("kind,suffix", [("gzip", ".gz"), ("bz2", ".bz2"), ("zstd", ".zst")])
def test_check_never_passes_on_a_truncated_file(gate: dict, kind: str, suffix: str) -> None:
    data = (gate["release"] / "train.jsonl").read_bytes()
    path = gate["tmp"] / f"train-{kind}.jsonl{suffix}"
    path.write_bytes(_compress(kind, data))
    args = ["check", str(path), "--index", str(gate["index"]), "--policy", str(gate["deny"]), "--jobs", "1"]
    assert CliRunner().invoke(app, args).exit_code == 1  # whole: the copies are found
    path.write_bytes(_compress(kind, data)[: int(len(_compress(kind, data)) * 0.9)])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"error: {path.as_posix()}: truncated {kind} stream" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
