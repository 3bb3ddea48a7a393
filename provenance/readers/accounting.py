"""Reading with accounting: every record read is either yielded or recorded as skipped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from provenance.engines.progress import ProgressCallback, ProgressUpdate
from provenance.errors import InputError
from provenance.readers import read_source_lists
from provenance.readers.base import InputSource, ReaderOptions
from provenance.readers.records import Record, SkippedRecord


@dataclass
class ReadTally:
    """What reading the inputs accounted for: ``records_read`` = yielded + ``len(skipped)``."""

    records_read: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)


def accounted_batches(
    sources: Sequence[InputSource],
    options: ReaderOptions,
    *,
    batch_size: int,
    strict: bool,
    tally: ReadTally,
    progress: ProgressCallback,
    stage: str,
) -> Iterator[list[Record]]:
    """Records of all sources in batches; skipped ones go to ``tally`` (``strict``: the first one
    raises ``InputError`` naming its file and line). Progress is reported after every batch."""
    total = sum(f.stat().st_size for s in sources for f in s.files())
    done = 0
    batch: list[Record] = []
    for source in sources:
        size = sum(f.stat().st_size for f in source.files())
        text_bytes = 0
        for items in read_source_lists(source, options):
            records = _accounted(items, strict, tally)
            while records:
                room = batch_size - len(batch)
                batch.extend(records[:room])
                text_bytes += sum(len(r.text) for r in records[:room])
                records = records[room:]
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
                    progress(ProgressUpdate(stage, tally.records_read, done + min(text_bytes, size), total))
        done += size
    if batch:
        yield batch
    progress(ProgressUpdate(stage, tally.records_read, total, total))


def _accounted(items: list[Record | SkippedRecord], strict: bool, tally: ReadTally) -> list[Record]:
    """The records among ``items``; the skipped ones go to ``tally`` (``strict``: the first raises)."""
    records = [item for item in items if type(item) is Record]
    if len(records) < len(items):
        for item in items:
            if isinstance(item, SkippedRecord):
                if strict:
                    tally.records_read += items.index(item) + 1
                    raise InputError(item.reason, source=item.source, position=item.position, line=item.line)
                tally.skipped.append(item)
    tally.records_read += len(items)
    return records
