"""Reading with accounting: every record read is either yielded or recorded as skipped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..errors import InputError
from ..progress import ProgressCallback, ProgressUpdate
from ..records import Record, SkippedRecord
from .base import InputSource, ReaderOptions


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
    from . import read_source

    total = sum(f.stat().st_size for s in sources for f in s.files())
    done = 0
    batch: list[Record] = []
    for source in sources:
        size = sum(f.stat().st_size for f in source.files())
        text_bytes = 0
        for item in read_source(source, options):
            tally.records_read += 1
            if isinstance(item, SkippedRecord):
                if strict:
                    raise InputError(item.reason, source=item.source, position=item.position, line=item.line)
                tally.skipped.append(item)
                continue
            batch.append(item)
            text_bytes += len(item.text)
            if len(batch) >= batch_size:
                yield batch
                batch = []
                progress(ProgressUpdate(stage, tally.records_read, done + min(text_bytes, size), total))
        done += size
    if batch:
        yield batch
    progress(ProgressUpdate(stage, tally.records_read, total, total))
