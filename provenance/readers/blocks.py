"""One block stream for index and scan: workers read JSON Lines blocks, this process places them in order."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from provenance.engines.progress import ProgressCallback, ProgressUpdate
from provenance.errors import InputError
from provenance.readers import fastjsonl, read_block
from provenance.readers.accounting import ReadTally
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.fastjsonl import BlockColumns, block_columns
from provenance.readers.records import Record, SkippedRecord


@dataclass(frozen=True)
class Block:
    """A newline-aligned byte range ``[start, end)`` of a JSON Lines source, for a worker to read."""

    source: InputSource
    start: int
    end: int
    options: ReaderOptions


@dataclass
class BlockTally:
    """What reading one block accounted for, numbered from position 0 and line 1."""

    skipped: list[SkippedRecord]
    positions: int
    """Positions the block used: one per record read, skipped or not."""
    lines: int

    @property
    def records_read(self) -> int:
        """Records read, skipped ones included (each took a position)."""
        return self.positions


@dataclass
class BlockRecords:
    """One block as a worker read it: ``columns`` where pyarrow could read the block, else the line
    reader's ``records``. Positions count from 0 and lines from 1, and a record without an id of its
    own has the id ``""`` (its default id names its position in the file, known once placed)."""

    source: str
    columns: BlockColumns | None
    records: list[Record]
    """The records, where ``columns`` is ``None``."""
    tally: BlockTally


def read_block_records(block: Block) -> BlockRecords:
    """Read one block: straight into Arrow columns where pyarrow can read it, else through the line
    reader's records (the same records, numbered the same)."""
    source = block.source
    columns = block_columns(source.path, block.start, block.end, block.options)
    if columns is None:
        read = read_block(source, block.start, block.end, block.options)
        tally = BlockTally(read.skipped(), read.positions, read.lines)
        return BlockRecords(source.name, None, read.records(), tally)
    skipped = [SkippedRecord(source.name, p, reason, line) for p, line, reason in columns.skipped]
    return BlockRecords(source.name, columns, [], BlockTally(skipped, columns.lines, columns.lines))


class BlockResult(Protocol):
    """What a worker returns for a block: anything that carries the block's tally."""

    @property
    def tally(self) -> BlockTally: ...


Result = TypeVar("Result", bound=BlockResult)


class Placement(NamedTuple):
    """Where a block's results lie in its file: the positions and lines of the blocks before it."""

    block: Block
    positions: int
    lines: int


class BlockStream:
    """Cuts sources into blocks for workers, and places what comes back, in order.

    Where every input ``reads_in_blocks`` (``workers_read_blocks``), the files are cut into
    newline-aligned byte ranges (``blocks``); a worker reads each with ``read_block_records`` and
    returns what it made of it with the block's ``BlockTally``; ``placed`` gives the results back in
    input order, each with the positions and lines of the blocks before it in its file (the
    numbering one reader would have given).
    """

    def __init__(self, sources: list[InputSource], options: ReaderOptions) -> None:
        self.sources, self.options = sources, options
        self.total = sum(s.path.stat().st_size for s in sources)
        self.done = 0
        self._handed_out: deque[Block] = deque()
        self._before: dict[str, tuple[int, int]] = {}

    def blocks(self) -> Iterator[Block]:
        """Every block of every source, in order."""
        for source in self.sources:
            for start, end in fastjsonl.block_bounds(source.path):  # on the module: tests cut it finer
                self._handed_out.append(Block(source, start, end, self.options))
                yield self._handed_out[-1]

    def placed(
        self, results: Iterator[Result], tally: ReadTally, progress: ProgressCallback, stage: str
    ) -> Iterator[tuple[Result, Placement]]:
        """``results`` (one per block, in order), each with its ``Placement``. What each block read
        goes to ``tally`` (the skipped records numbered in the file) and progress is reported after
        each. An ``InputError`` raised reading a block gets its line counted in the file."""
        try:
            for result in results:
                read = result.tally
                placement = self._place(read.positions, read.lines)
                tally.records_read += read.records_read
                tally.skipped.extend(s.shifted(placement.positions, placement.lines) for s in read.skipped)
                progress(ProgressUpdate(stage, tally.records_read, self.done, self.total))
                yield result, placement
        except InputError as error:
            if self._handed_out and error.line is not None:
                block = self._handed_out[0]
                error.line += self._before.get(block.source.name, (0, 0))[1]
            raise

    def _place(self, positions: int, lines: int) -> Placement:
        """The next block back (it used ``positions`` and held ``lines``), with the positions and
        lines before it in its file."""
        block = self._handed_out.popleft()
        before = self._before.get(block.source.name, (0, 0))
        self._before[block.source.name] = (before[0] + positions, before[1] + lines)
        self.done += block.end - block.start
        return Placement(block, before[0], before[1])
