"""The block stream: blocks read on their own and placed in order give what one reader gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_fastjsonl import CLEAN_LINES, LINES

from provenance.engines.progress import ProgressUpdate
from provenance.readers import ReaderOptions, discover, fastjsonl, read_source
from provenance.readers.accounting import ReadTally
from provenance.readers.blocks import BlockRecords, BlockStream, read_block_records
from provenance.readers.records import Record, SkippedRecord, default_id


def _records(read: BlockRecords) -> list[Record]:
    """The block's records, whichever way it was read (ids ``""`` where none)."""
    if read.columns is None:
        return read.records
    columns = read.columns
    return [
        Record(own, text, read.source, position, position + 1, {"url": url} if url else {})
        for own, text, position, url in zip(
            columns.ids.to_pylist(),
            columns.texts.to_pylist(),
            columns.positions.tolist(),
            columns.urls.to_pylist(),
            strict=True,
        )
    ]


@pytest.mark.parametrize("seed", range(8))
def test_placed_blocks_number_records_as_one_reader(tmp_path: Path, monkeypatch, seed: int) -> None:
    rng = random.Random(seed)
    pool = CLEAN_LINES if seed % 2 else LINES  # clean blocks come back as columns
    paths = []
    for k in range(2):
        path = tmp_path / f"part{k}.jsonl"
        path.write_text("\n".join(rng.choice(pool) for _ in range(90)) + "\n", encoding="utf-8")
        paths.append(path)
    monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", 256)
    options = ReaderOptions()
    sources = discover(paths, options)
    stream, tally, updates = BlockStream(sources, options), ReadTally(), []
    reads = map(read_block_records, stream.blocks())
    records, ways = [], set()
    for read, placement in stream.placed(reads, tally, updates.append, "test"):
        ways.add(read.columns is None)
        for r in _records(read):
            position = r.position + placement.positions
            own = r.id or default_id(r.source, position)
            records.append(Record(own, r.text, r.source, position, r.line + placement.lines, r.meta))
    expected = [item for source in sources for item in read_source(source, options)]
    assert records == [item for item in expected if isinstance(item, Record)]
    assert tally.skipped == [item for item in expected if isinstance(item, SkippedRecord)]
    assert tally.records_read == len(expected)
    assert updates[-1] == ProgressUpdate("test", len(expected), stream.total, stream.total)
    assert (False in ways) if seed % 2 else (True in ways)  # columns / the line reader were used
