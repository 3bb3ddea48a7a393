"""Which corpora hold each item's text, and so under which licences and owners it is held."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provenance.errors import IndexStoreError
from provenance.index.store import Index


@dataclass(frozen=True)
class Holding:
    """The corpora that hold one item's text, their licences and their owners: each sorted, without
    repeats (an owner only where a corpus names one)."""

    licenses: tuple[str, ...]
    corpora: tuple[str, ...]
    owners: tuple[str, ...]


class Holdings:
    """The holding of every item of an index.

    An item is one normalised text, indexed once, by the first corpus that read it (its ``corpus``,
    ``license``, ``owner`` and ``id``). Every later record with that text, in the same corpus or
    another, is a duplicate in its segment's ``duplicates.parquet``, which names its corpus and the
    item's content hash: the item is held by that corpus too, under its licence. Most items are held
    by their own corpus alone; only the others are kept here, as sorted item numbers and the index of
    their holding among the few distinct ones, so that a scan looks an item's holding up once,
    whatever the number of matches, and nothing is built per item in Python.
    """

    def __init__(
        self,
        corpora: dict[str, tuple[str, str | None]],
        numbers: np.ndarray | None = None,
        codes: np.ndarray | None = None,
        distinct: list[Holding] | None = None,
    ) -> None:
        self._corpora = corpora
        self._numbers = np.zeros(0, np.int64) if numbers is None else numbers
        """The global numbers of the items held by more than their own corpus, ascending."""
        self._codes = np.zeros(0, np.int64) if codes is None else codes
        """For each of them, its holding in ``_distinct``."""
        self._distinct = distinct or []

    @classmethod
    def of(cls, index: Index, items: pa.Table | None = None) -> Holdings:
        """The holdings of ``index``; ``items`` is its items table with at least ``corpus`` and
        ``content_hash`` (read here when not given). Raises ``IndexStoreError`` where a duplicate
        names a corpus or an item the index does not have."""
        corpora = {c["name"]: (c["license"], c.get("owner")) for c in index.manifest["corpora"]}
        tables = [
            pq.read_table(s.path / "duplicates.parquet", columns=["corpus", "content_hash"])
            for s in index.segments
        ]
        duplicates = pa.concat_tables(tables) if tables else None
        if duplicates is None or duplicates.num_rows == 0:
            return cls(corpora)
        if items is None:
            items = index.items(["corpus", "content_hash"])
        unknown = set(pc.unique(duplicates["corpus"]).to_pylist()) - corpora.keys()
        if unknown:
            raise _damaged(index, f"duplicates of corpora it does not list ({', '.join(sorted(unknown))})")
        return cls(corpora, *_shared(index, corpora, items, duplicates))

    @property
    def shared(self) -> dict[int, Holding]:
        """The items held by more than their own corpus, by global item number."""
        codes = self._codes.tolist()
        return {
            number: self._distinct[code] for number, code in zip(self._numbers.tolist(), codes, strict=True)
        }

    def holding(self, number: int, corpus: str) -> Holding:
        """The holding of item ``number``, whose own corpus is ``corpus``."""
        at = int(np.searchsorted(self._numbers, number))
        if at < len(self._numbers) and self._numbers[at] == number:
            return self._distinct[int(self._codes[at])]
        license, owner = self._corpora[corpus]
        return Holding((license,), (corpus,), (owner,) if owner else ())


_SEPARATOR = "\x00"
"""Joins the corpus names of one item into its key (a corpus name holds no NUL)."""


def _shared(
    index: Index, corpora: dict[str, tuple[str, str | None]], items: pa.Table, duplicates: pa.Table
) -> tuple[np.ndarray, np.ndarray, list[Holding]]:
    """The items that a corpus other than their own also read (ascending), the index of each one's
    holding among the distinct holdings, and those."""
    hashes = pc.unique(duplicates["content_hash"].combine_chunks())
    mask = pc.is_in(items["content_hash"], value_set=hashes)
    numbers = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    if len(numbers) != len(hashes):
        raise _damaged(index, f"{len(hashes) - len(numbers)} duplicate(s) of no item in the index")
    held = pa.table(
        {
            "number": pa.array(numbers, type=pa.int64()),
            "content_hash": items["content_hash"].take(numbers),
            "own": items["corpus"].take(numbers),
        }
    )
    pairs = held.join(duplicates, "content_hash", use_threads=False)
    pairs = pairs.filter(pc.not_equal(pairs["corpus"], pairs["own"]))
    if pairs.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    shared = pc.unique(pairs["number"])
    own = pairs.select(["number", "own"]).rename_columns(["number", "corpus"])
    own = own.filter(pc.is_in(own["number"], value_set=shared))
    every = pa.concat_tables([own, pairs.select(["number", "corpus"])])
    every = every.group_by(["number", "corpus"], use_threads=False).aggregate([])
    every = every.sort_by([("number", "ascending"), ("corpus", "ascending")])
    per_item = every.group_by("number", use_threads=False).aggregate([("corpus", "list")])
    keys = pc.binary_join(per_item["corpus_list"], _SEPARATOR).combine_chunks().dictionary_encode()
    distinct = []
    for key in keys.dictionary.to_pylist():
        names = key.split(_SEPARATOR)
        licenses = sorted({corpora[name][0] for name in names})
        owners = sorted({owner for name in names if (owner := corpora[name][1])})
        distinct.append(Holding(tuple(licenses), tuple(names), tuple(owners)))
    return per_item["number"].to_numpy(), keys.indices.to_numpy().astype(np.int64), distinct


def _damaged(index: Index, problem: str) -> IndexStoreError:
    return IndexStoreError(
        f"duplicates.parquet is damaged: {problem}; rebuild the index", source=str(index.path)
    )
