"""The persistent licensed-corpus index."""

from .build import BuildResult, CompactResult, add_to_index, build_index, compact_index, index_info
from .params import CorpusInfo, IndexParams
from .store import Index

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
