"""The block reader for JSON Lines gives exactly what the line reader gives, whatever the blocks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from provenance.readers import ReaderOptions, discover, fastjsonl, read_source

LINES = [
    '{"id": "a1", "text": "hello world"}',
    '{"id": 17, "text": "an integer id"}',
    '{"id": null, "text": "a null id"}',
    '{"text": "no id at all", "url": "https://example.org/x"}',
    '{"id": "u", "text": "url not a string", "url": 5}',
    '{"id": "e", "text": ""}',
    '{"id": "w", "text": "   "}',
    '{"id": "m"}',
    '{"id": "n", "text": null, "content": "from the second text field"}',
    '{"id": "num", "text": 12}',
    '{"id": 1.5, "text": "a float id"}',
    '{"id": "big", "text": "x"} {"id": "two", "text": "objects"}',
    '["a", "list", "line"]',
    '"a bare string"',
    '{"id": "broken", "text": "no end"',
    "",
    "   ",
    "\t ",
    "\x0c",
    '{"id": "esc", "text": "caf\\u00e9 \\ud83d\\ude00 tab\\t"}',
    '{"id": "lone", "text": "lone \\ud800 surrogate"}',
    '{"id": "nested", "text": "t", "meta": {"k": [1, 2]}}',
    '{"id": "", "text": "empty id"}',
    '  {"id": "indented", "text": "leading spaces"}',
    '{"id": "dup", "text": "first", "text": "the last one counts"}',
    '{"id": 123456789012345678901234567890, "text": "an id beyond 64 bits"}',
    '{"id": "split", "text":',
    '"the rest of an object"}',
    '{"id": "trailing", "text": "spaces after"}  ',
]


def _read(path: Path, options: ReaderOptions) -> list:
    return [item for source in discover([path], options) for item in read_source(source, options)]


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, options: ReaderOptions | None = None) -> tuple:
    options = options or ReaderOptions()
    fast = _read(path, options)
    with monkeypatch.context() as patch:
        patch.setattr(fastjsonl, "applies", lambda *args: False)
        slow = _read(path, options)
    return fast, slow


def _random_file(path: Path, seed: int, crlf: bool, bom: bool) -> Path:
    """120 lines drawn from ``LINES`` (half of them from its clean first three), ending in ``\\n``
    or, with ``crlf``, all in one of ``\\n`` and ``\\r\\n``; with or without a byte order mark."""
    rng = random.Random(seed)
    lines = [rng.choice(LINES[:3]) if rng.random() < 0.5 else rng.choice(LINES) for _ in range(120)]
    ending = rng.choice(["\n", "\r\n"]) if crlf else "\n"
    body = ending.join(lines) + rng.choice(["", ending])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8", "surrogatepass"))
    return path


@pytest.mark.parametrize("block", [1 << 20, 97, 16])
@pytest.mark.parametrize("seed", range(40))
def test_random_files_read_identically(tmp_path, monkeypatch, block: int, seed: int) -> None:
    path = _random_file(tmp_path / "data.jsonl", seed, crlf=seed % 3 == 0, bom=seed == 1)
    monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", block)
    fast, slow = _both(path, monkeypatch)
    assert fast == slow
    assert len(fast) > 100


def test_a_blank_line_cannot_hide_a_line_of_two_objects(tmp_path, monkeypatch) -> None:
    # pyarrow skips the blank line and reads two rows from the last one: the row count alone agrees
    path = tmp_path / "tricky.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n\n{"id": "b", "text": "x"} {"id": "c", "text": "y"}\n')
    fast, slow = _both(path, monkeypatch)
    assert fast == slow and fast[1].reason.startswith("invalid JSON") and fast[1].line == 3


def test_an_object_over_two_lines_cannot_offset_a_line_of_two_objects(tmp_path, monkeypatch) -> None:
    # pyarrow reads the first two lines as one row and the last as two: the row count alone agrees
    path = tmp_path / "tricky.jsonl"
    path.write_text('{"id": "a",\n"text": "one"}\n{"id": "b", "text": "x"} {"id": "c", "text": "y"}\n')
    fast, slow = _both(path, monkeypatch)
    assert fast == slow and len(fast) == 3 and all(item.reason.startswith("invalid JSON") for item in fast)


def test_clean_file_takes_the_fast_path_and_matches(tmp_path, monkeypatch) -> None:
    path = tmp_path / "clean.jsonl"
    path.write_text("".join(f'{{"id": {i}, "text": "text number {i}"}}\n' for i in range(500)))
    calls = []
    original = fastjsonl._line_by_line
    monkeypatch.setattr(fastjsonl, "_line_by_line", lambda *a: calls.append(1) or original(*a))
    fast, slow = _both(path, monkeypatch)
    assert fast == slow and len(fast) == 500 and not calls
    assert fast[7].id == "7" and fast[7].line == 8


def test_custom_fields_and_meta_fields(tmp_path, monkeypatch) -> None:
    path = tmp_path / "custom.jsonl"
    path.write_text('{"body": "custom text", "key": "k1", "lang": "en"}\n{"body": "more", "key": 2}\n')
    fast, slow = _both(path, monkeypatch, ReaderOptions(text_field="body", id_field="key"))
    assert fast == slow and [r.id for r in fast] == ["k1", "2"]
    with_meta = ReaderOptions(text_field="body", meta_fields=("lang",))
    assert not fastjsonl.applies(discover([path], with_meta)[0], with_meta, "jsonl")


def _read_in_blocks(path: Path, options: ReaderOptions) -> list:
    """Every block read on its own, then shifted as the scan shifts them."""
    from provenance.readers import read_block
    from provenance.readers.records import Record, SkippedRecord

    items, positions, lines = [], 0, 0
    for source in discover([path], options):
        for start, end in fastjsonl.block_bounds(source.path):
            block = read_block(source, start, end, options)
            for item in block.items:
                position = item.position + positions
                if isinstance(item, SkippedRecord):
                    items.append(SkippedRecord(item.source, position, item.reason, item.line + lines))
                    continue
                own = item.id or f"{item.source}:{position}"
                items.append(Record(own, item.text, item.source, position, item.line + lines, item.meta))
            positions, lines = positions + block.positions, lines + block.lines
    return items


@pytest.mark.parametrize("block", [1 << 20, 97, 16])
@pytest.mark.parametrize("seed", range(0, 40, 3))
def test_blocks_read_on_their_own_add_up_to_the_file(tmp_path, monkeypatch, block: int, seed: int) -> None:
    path = _random_file(tmp_path / "data.jsonl", seed, crlf=seed % 2 == 0, bom=seed % 4 == 1)
    monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", block)
    bounds = list(fastjsonl.block_bounds(path))
    assert bounds[0][0] == 0 and bounds[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    assert all(path.read_bytes()[end - 1 : end] == b"\n" for _, end in bounds[:-1])
    assert _read_in_blocks(path, ReaderOptions()) == _read(path, ReaderOptions())


CLEAN_LINES = [
    '{"id": "a1", "text": "hello world"}',
    '{"id": 17, "text": "an integer id", "url": "https://example.org/17"}',
    '{"id": null, "text": "a null id", "url": ""}',
    '{"text": "no id at all"}',
    '{"id": "", "text": "empty id"}',
    '{"id": "e", "text": ""}',
    '{"id": "w", "text": " \\t "}',
    '{"id": "u", "text": "\\u2003\\u00a0"}',
    '{"id": "v", "text": "\\u200b"}',
    '{"id": "s", "text": "\\u001c"}',
    '{"id": "m"}',
    '{"id": "n", "text": null, "content": "from the second text field"}',
    '{"id": "c", "text": "caf\\u00e9 \\ud83d\\ude00"}',
    '{"id": "p", "text": "\\u4eca\\u65e5\\u306f"}',
]


@pytest.mark.parametrize("seed", range(12))
def test_block_columns_hold_what_read_block_reads(tmp_path, seed: int) -> None:
    from provenance.readers import read_block
    from provenance.readers.records import Record

    rng = random.Random(seed)
    pool = CLEAN_LINES if seed % 3 else LINES  # some blocks need the line reader: no columns then
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(rng.choice(pool) for _ in range(60)) + "\n", encoding="utf-8")
    options = ReaderOptions()
    source = discover([path], options)[0]
    columns_seen = 0
    for start, end in fastjsonl.block_bounds(path, 512):
        block = read_block(source, start, end, options)
        columns = fastjsonl.block_columns(path, start, end, options)
        if columns is None:
            continue
        columns_seen += 1
        records = [r for r in block.items if isinstance(r, Record)]
        skipped = [(s.position, s.line, s.reason) for s in block.items if not isinstance(s, Record)]
        assert columns.ids.to_pylist() == [r.id for r in records]
        assert columns.texts.to_pylist() == [r.text for r in records]
        assert columns.urls.to_pylist() == [r.meta.get("url") for r in records]
        assert columns.positions.tolist() == [r.position for r in records]
        assert [p + 1 for p in columns.positions.tolist()] == [r.line for r in records]
        assert columns.skipped == skipped
        assert columns.lines == block.lines and block.positions == block.lines
    assert columns_seen > 0 or seed % 3 == 0


def test_object_lines_counts_lines_that_each_hold_one_object_shape() -> None:
    """The compiled check equals its definition on random bodies of braces, newlines and text."""

    def defined(body: bytes) -> int | None:
        lines = body.split(b"\n")
        return len(lines) if all(line[:1] == b"{" and line[-1:] == b"}" for line in lines) else None

    rng = random.Random(3)
    bodies = [b"", b"{}", b"{}\n{}", b"\n{}", b"{}\n\n{}", b"{x}\n{", b"}\n{", b"{}{}"]
    bodies += [bytes(rng.choice(b"{}\nx") for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for body in bodies:
        if body.endswith(b"\n"):
            continue  # the caller strips the final newline first
        expected = defined(body) if body else None
        assert fastjsonl._object_lines(body + b"\n", len(body)) == expected, body
