"""The importable library surface: everything the CLI does, callable from Python.

>>> from provenance import build_index, CorpusInfo, scan, verify_scan
>>> build_index(["archive/"], "tweets.idx", CorpusInfo("my archive", "LicenseRef-X-Developer-Agreement"))
>>> result = scan(["train.jsonl"], "tweets.idx", "audit/")
>>> verify_scan("audit/").ok
"""

from __future__ import annotations

from provenance.evidence.rederive import VerifyReport, verify_scan
from provenance.index import (
    CorpusInfo,
    Index,
    IndexParams,
    add_to_index,
    build_index,
    compact_index,
    index_info,
)
from provenance.readers import ReaderOptions, read_records
from provenance.scanner.pipeline import ScanOptions, ScanResult, scan
from provenance.text.normalize import NormalizerConfig, normalize, tokenize

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
