"""The persistent licensed-corpus index."""

from provenance.index.build import (
    BuildResult,
    CompactResult,
    add_to_index,
    build_index,
    compact_index,
    index_info,
)
from provenance.index.params import CorpusInfo, IndexParams
from provenance.index.store import Index

__all__ = [
    "BuildResult",
    "CompactResult",
    "CorpusInfo",
    "Index",
    "IndexParams",
    "add_to_index",
    "build_index",
    "compact_index",
    "index_info",
]
