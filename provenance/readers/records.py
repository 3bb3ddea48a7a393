"""The values every reader yields, a record or a record that had to be skipped, and the default id rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

DEFAULT_ID_SEPARATOR = ":"
"""A record without an id of its own is named ``<source>:<position>``."""


def default_id(source: str, position: int) -> str:
    """The id of a record of ``source`` at ``position`` that has no id of its own."""
    return f"{source}{DEFAULT_ID_SEPARATOR}{position}"


def message_id(record_id: str, items: str, index: int) -> str:
    """The id of the message at ``index`` of the list ``items`` (``messages``) of a record that has
    an id of its own: ``<record id>#messages[2]``. (Messages of a record without one take the default
    id of their own position.)"""
    return f"{record_id}#{items}[{index}]"


def default_ids(source: str, positions: pa.Array) -> pa.Array:
    """``default_id`` of each of ``positions`` (int64) of ``source``, as an Arrow string array."""
    return pc.binary_join_element_wise(source, pc.cast(positions, pa.string()), DEFAULT_ID_SEPARATOR)


def own_id(record_id: str | None, source: str, position: int) -> str | None:
    """The record's id of its own: ``None`` when ``record_id`` is none or its default id."""
    return None if record_id == default_id(source, position) else record_id


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 0.8 µs more per record
class Record:
    """One text item read from an input.

    Attributes:
        id: the record's own id exactly as read (tweet ids as strings), or ``default_id``.
        text: the full text (long posts and truncated retweets already completed).
        source: the input file as given by the user (POSIX path); archive members as ``archive!member``.
        position: 0-based record index within ``source`` (line / row / array index order).
        line: 1-based line number in ``source`` where the record starts, where the format has lines.
        meta: string metadata: ``author``, ``created_at`` (ISO 8601 UTC), ``url``, ``lang``,
            ``deleted`` (``"true"``) and any ``--meta-field`` values, when present.
    """

    id: str
    text: str
    source: str
    position: int
    line: int | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record that could not be read; it is counted and reported, never silently lost.

    ``element`` is the 0-based index of the record in the JSON array that held it (a top-level
    array, or a JSON Lines line holding one), where one did: a one-line array's records share a line.
    """

    source: str
    position: int
    reason: str
    line: int | None = None
    element: int | None = None

    def shifted(self, positions: int, lines: int) -> SkippedRecord:
        """This record, read in a block, numbered after the ``positions`` and ``lines`` before it."""
        line = None if self.line is None else self.line + lines
        return SkippedRecord(self.source, self.position + positions, self.reason, line, self.element)

    def where(self) -> str:
        """Human-readable location: ``file:line`` (1-based; ``file:line, element N`` in a JSON
        array, 0-based) or ``file record N`` (0-based)."""
        if self.line is not None:
            element = "" if self.element is None else f", element {self.element}"
            return f"{self.source}:{self.line}{element}"
        return f"{self.source} record {self.position}"
