"""The importable library surface: everything the CLI does, callable from Python.

>>> from provenance import build_index, CorpusInfo, scan, verify_scan
>>> build_index(["archive/"], "tweets.idx", CorpusInfo("my archive", "LicenseRef-X-Developer-Agreement"))
>>> result = scan(["train.jsonl"], "tweets.idx", "audit/")
>>> verify_scan("audit/").ok
"""

from __future__ import annotations

from .audit import VerifyReport, verify_scan
from .index import CorpusInfo, Index, IndexParams, add_to_index, build_index, compact_index, index_info
from .normalize import NormalizerConfig, normalize, tokenize
from .readers import ReaderOptions, read_records
from .scanner import ScanOptions, ScanResult, scan

__all__ = [
    "CorpusInfo",
    "Index",
    "IndexParams",
    "NormalizerConfig",
    "ReaderOptions",
    "ScanOptions",
    "ScanResult",
    "VerifyReport",
    "add_to_index",
    "build_index",
    "compact_index",
    "index_info",
    "normalize",
    "read_records",
    "scan",
    "tokenize",
    "verify_scan",
]
