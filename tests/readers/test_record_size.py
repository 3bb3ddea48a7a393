"""--max-record-bytes (issue 18, point 10): a longer record is skipped and recorded, never read whole."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app
from provenance.cli.common import MAX_RECORD_BYTES_DEFAULT
from provenance.errors import InputError, UsageError
from provenance.readers import ReaderOptions, discover, fastjsonl, read_block, read_records
from provenance.readers.base import DEFAULT_MAX_RECORD_BYTES
from provenance.readers.records import Record, SkippedRecord

HUGE = 200 << 20
SMALL = '{"id": "s%d", "text": "a small record number %d"}\n'
REPO = Path(__file__).resolve().parents[2]
PEAK = """
import resource, sys
from pathlib import Path
from provenance.readers import ReaderOptions, read_records
items = list(read_records([Path(sys.argv[1])], ReaderOptions(max_record_bytes=int(sys.argv[2]))))
print([(type(i).__name__, i.position, i.line, getattr(i, "reason", None)) for i in items])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _huge_line(path: Path, size: int = HUGE, document: bool = False) -> None:
    """A small record, one of ``size`` bytes (a single line), a small record; gzipped (a few hundred KB)."""
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(b"[" if document else b"")
        fh.write((SMALL % (0, 0)).encode().rstrip(b"\n") + (b",\n" if document else b"\n"))
        fh.write(b'{"id": "huge", "text": "')
        chunk = b"word " * (1 << 18)
        for _ in range((size - 30) // len(chunk)):
            fh.write(chunk)
        fh.write(b'"}' + (b",\n" if document else b"\n"))
        fh.write((SMALL % (2, 2)).encode().rstrip(b"\n") + (b"]\n" if document else b"\n"))


def _peak(path: Path, limit: int = DEFAULT_MAX_RECORD_BYTES) -> tuple[list, int]:
    """The items read from ``path`` in a fresh process, and its peak RSS in MB."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), str(limit)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    items, peak = done.stdout.strip().splitlines()
    return eval(items), int(peak)  # noqa: S307 - our own repr of tuples of str/int/None


@pytest.mark.parametrize("document", [False, True], ids=["jsonl.gz", "json.gz"])
def test_a_200mb_record_in_a_small_gzip_is_skipped_in_bounded_memory(tmp_path: Path, document: bool) -> None:
    path = tmp_path / ("huge.json.gz" if document else "huge.jsonl.gz")
    _huge_line(path, document=document)
    assert path.stat().st_size < 2 << 20
    items, peak = _peak(path)
    assert [i[0] for i in items] == ["Record", "SkippedRecord", "Record"]
    kind, position, line, reason = items[1]
    assert (position, line) == (1, 2)
    assert (
        reason.startswith("record of ")
        and f"exceeds --max-record-bytes ({DEFAULT_MAX_RECORD_BYTES})" in reason
    )
    assert int(reason.split()[2]) > 190 << 20
    small = tmp_path / ("small.json.gz" if document else "small.jsonl.gz")
    small.write_bytes(gzip.compress((f"[{SMALL % (0, 0)}]" if document else SMALL % (0, 0)).encode()))
    _, baseline = _peak(small)  # the same process reading one small record of the same format
    # Reading the 200 MB record whole took 557 MB more; the limit leaves room for a few 8 MB chunks.
    assert peak - baseline < 150, f"peak RSS {peak} MB, {baseline} MB for a small file"


def test_the_block_reader_drops_a_long_line_as_it_reads(tmp_path: Path) -> None:
    """Uncompressed JSON Lines (pyarrow's block reader): a 24 MB line, a 1 MB limit, bounded memory."""
    path = tmp_path / "long.jsonl"
    with open(path, "wb") as fh:
        fh.write(
            (SMALL % (0, 0)).encode()
            + b'{"text": "'
            + b"x" * (24 << 20)
            + b'"}\n'
            + (SMALL % (2, 2)).encode()
        )
    items, peak = _peak(path, 1 << 20)
    assert [(i[0], i[1], i[2]) for i in items] == [
        ("Record", 0, 1),
        ("SkippedRecord", 1, 2),
        ("Record", 2, 3),
    ]
    assert items[1][3] == f"record of {(24 << 20) + 12} bytes exceeds --max-record-bytes ({1 << 20})"
    small = tmp_path / "small.jsonl"
    small.write_bytes((SMALL % (0, 0)).encode())
    _, baseline = _peak(small, 1 << 20)  # the same process reading one small record (numba and all)
    assert peak - baseline < 100, f"peak RSS {peak} MB, {baseline} MB for a small file"


@pytest.mark.parametrize("limit", [40, 41, 60, 1000])
@pytest.mark.parametrize("block", [16, 64, 1 << 20])
def test_block_reader_and_line_reader_skip_the_same_lines(
    tmp_path: Path, monkeypatch, limit: int, block: int
) -> None:
    lines = [SMALL % (k, k) for k in range(8)]
    lines[2] = '{"text": "' + "y" * 100 + '"}\n'
    lines[5] = '{"text": "' + "z" * 29 + '"}\n'  # exactly 41 bytes before its LF
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(lines).rstrip("\n"), encoding="utf-8")  # the last line without its LF
    options = ReaderOptions(max_record_bytes=limit)
    monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", block)
    with_blocks = list(read_records([path], options))
    source = discover([path], options)[0]
    ranges = list(fastjsonl.block_bounds(path, block))
    placed, positions, line_shift = [], 0, 0
    for start, end in ranges:
        read = read_block(source, start, end, options)
        placed += [
            (i.position + positions, None if i.line is None else i.line + line_shift) for i in read.items
        ]
        positions, line_shift = positions + read.positions, line_shift + read.lines
    monkeypatch.setattr(fastjsonl, "applies", lambda *a: False)
    by_lines = list(read_records([path], options))
    assert with_blocks == by_lines
    assert placed == [(i.position, i.line) for i in by_lines]
    too_long = {i.line for i in by_lines if isinstance(i, SkippedRecord)}
    assert too_long == {n + 1 for n, text in enumerate(lines) if len(text.rstrip("\n").encode()) > limit}


def test_the_limit_applies_to_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,text\n1,short one\n2," + "w" * 500 + "\n3,short three\n", encoding="utf-8")
    items = list(read_records([path], ReaderOptions(max_record_bytes=100)))
    assert [(type(i).__name__, i.line) for i in items] == [("Record", 2), ("SkippedRecord", 3), ("Record", 4)]
    assert items[1].reason == "record of 502 bytes exceeds --max-record-bytes (100)"
    path.write_text('id,text\n1,"a quoted field\n' + "w" * 500 + '"\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(read_records([path], ReaderOptions(max_record_bytes=100)))
    assert caught.value.line == 2


def test_the_limit_applies_to_json_documents(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    values = [{"text": "short"}, {"text": "v" * 300, "more": [1, {"a": "]"}]}, "x" * 300, {"text": "after"}]
    path.write_text(json.dumps(values, indent=1), encoding="utf-8")
    items = list(read_records([path], ReaderOptions(max_record_bytes=200)))
    assert [type(i).__name__ for i in items] == ["Record", "SkippedRecord", "SkippedRecord", "Record"]
    assert all("exceeds --max-record-bytes (200)" in i.reason for i in items[1:3])
    assert [i.text for i in items if isinstance(i, Record)] == ["short", "after"]


def test_the_cli_flag_reaches_the_readers(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(SMALL % (0, 0) + '{"text": "' + "q " * 200 + '"}\n', encoding="utf-8")
    runner = CliRunner()
    args = ["index", "build", str(path), "--index", str(tmp_path / "i"), "-c", "c", "--license", "MIT"]
    result = runner.invoke(app, [*args, "--max-record-bytes", "100"])
    assert result.exit_code == 0, result.output
    assert "exceeds --max-record-bytes (100)" in result.output and "1 skipped" in result.output
    result = runner.invoke(app, [*args, "--force", "--max-record-bytes", "0"])
    assert result.exit_code == 2
    for command in (["scan", "--help"], ["check", "--help"], ["index", "add", "--help"]):
        assert "--max-record-bytes" in runner.invoke(app, command).output


def test_the_default_is_64_mib_everywhere() -> None:
    assert (
        DEFAULT_MAX_RECORD_BYTES == MAX_RECORD_BYTES_DEFAULT == ReaderOptions().max_record_bytes == 64 << 20
    )
    with pytest.raises(UsageError):
        ReaderOptions(max_record_bytes=0)
