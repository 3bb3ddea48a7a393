"""The importable library surface: everything the CLI does, callable from Python.

>>> from provenance import build_index, CorpusInfo, scan, verify_scan
>>> build_index(["archive/"], "tweets.idx", CorpusInfo("my archive", "LicenseRef-X-Developer-Agreement"))
>>> result = scan(["train.jsonl"], "tweets.idx", "audit/")
>>> verify_scan("audit/").ok

Each name is imported from the module that defines it when it is first read (PEP 562), so that
``import provenance.api`` costs nothing and a command pays only for the stages it uses
(``provenance --help`` imports none). ``provenance.cli`` imports the library through this module
only. The names, by stage:

- readers: ``INPUT_FORMATS``, ``ReaderOptions``, ``SkippedRecord``, ``read_records``;
- text: ``NormalizerConfig``, ``ShingleConfig``, ``MinHashConfig``, ``normalize``, ``tokenize``;
- index: ``Index``, ``IndexParams``, ``CorpusInfo``, ``BuildResult``, ``CompactResult``,
  ``build_index``, ``add_to_index``, ``compact_index``, ``index_info``;
- scan: ``ScanOptions``, ``ScanResult``, ``scan``, with ``ProgressUpdate`` and ``paused_gc``;
- evidence: ``VerifyReport``, ``verify_scan``;
- report: ``Report``, ``ReportFormat``, ``load_report``, ``render_report``;
- check: ``Policy``, ``Baseline``, ``find_policy``, ``CheckReport``, ``check_scan``,
  ``write_baseline``, ``CheckFormat``, ``CheckRenderOptions``, ``render_check``, ``finding_line``;
- files: ``atomic_write_bytes``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provenance.atomic import atomic_write_bytes
    from provenance.check.baseline import write_baseline
    from provenance.check.evaluate import CheckReport
    from provenance.check.evaluate import evaluate as check_scan
    from provenance.check.formats.common import finding_line
    from provenance.check.formats.interface import CheckFormat
    from provenance.check.formats.interface import RenderOptions as CheckRenderOptions
    from provenance.check.formats.interface import render as render_check
    from provenance.check.policy import Baseline, Policy, find_policy
    from provenance.engines.local import paused_gc
    from provenance.engines.progress import ProgressUpdate
    from provenance.evidence.rederive import VerifyReport, verify_scan
    from provenance.index import (
        BuildResult,
        CompactResult,
        CorpusInfo,
        Index,
        IndexParams,
        add_to_index,
        build_index,
        compact_index,
        index_info,
    )
    from provenance.readers import FORMATS as INPUT_FORMATS
    from provenance.readers import ReaderOptions, read_records
    from provenance.readers.records import SkippedRecord
    from provenance.report.formats.interface import ReportFormat
    from provenance.report.formats.interface import render as render_report
    from provenance.report.model import Report, load_report
    from provenance.scanner.pipeline import ScanOptions, ScanResult, scan
    from provenance.text.minhash import MinHashConfig
    from provenance.text.normalize import NormalizerConfig, normalize, tokenize
    from provenance.text.shingles import ShingleConfig

_EXPORTS: dict[str, tuple[str, str]] = {
    # readers
    "INPUT_FORMATS": ("provenance.readers", "FORMATS"),
    "ReaderOptions": ("provenance.readers", "ReaderOptions"),
    "SkippedRecord": ("provenance.readers.records", "SkippedRecord"),
    "read_records": ("provenance.readers", "read_records"),
    # text
    "MinHashConfig": ("provenance.text.minhash", "MinHashConfig"),
    "NormalizerConfig": ("provenance.text.normalize", "NormalizerConfig"),
    "ShingleConfig": ("provenance.text.shingles", "ShingleConfig"),
    "normalize": ("provenance.text.normalize", "normalize"),
    "tokenize": ("provenance.text.normalize", "tokenize"),
    # index
    "BuildResult": ("provenance.index", "BuildResult"),
    "CompactResult": ("provenance.index", "CompactResult"),
    "CorpusInfo": ("provenance.index", "CorpusInfo"),
    "Index": ("provenance.index", "Index"),
    "IndexParams": ("provenance.index", "IndexParams"),
    "add_to_index": ("provenance.index", "add_to_index"),
    "build_index": ("provenance.index", "build_index"),
    "compact_index": ("provenance.index", "compact_index"),
    "index_info": ("provenance.index", "index_info"),
    # scan
    "ProgressUpdate": ("provenance.engines.progress", "ProgressUpdate"),
    "ScanOptions": ("provenance.scanner.pipeline", "ScanOptions"),
    "ScanResult": ("provenance.scanner.pipeline", "ScanResult"),
    "paused_gc": ("provenance.engines.local", "paused_gc"),
    "scan": ("provenance.scanner.pipeline", "scan"),
    # evidence
    "VerifyReport": ("provenance.evidence.rederive", "VerifyReport"),
    "verify_scan": ("provenance.evidence.rederive", "verify_scan"),
    # report
    "Report": ("provenance.report.model", "Report"),
    "ReportFormat": ("provenance.report.formats.interface", "ReportFormat"),
    "load_report": ("provenance.report.model", "load_report"),
    "render_report": ("provenance.report.formats.interface", "render"),
    # check
    "Baseline": ("provenance.check.policy", "Baseline"),
    "CheckFormat": ("provenance.check.formats.interface", "CheckFormat"),
    "CheckRenderOptions": ("provenance.check.formats.interface", "RenderOptions"),
    "CheckReport": ("provenance.check.evaluate", "CheckReport"),
    "Policy": ("provenance.check.policy", "Policy"),
    "check_scan": ("provenance.check.evaluate", "evaluate"),
    "find_policy": ("provenance.check.policy", "find_policy"),
    "finding_line": ("provenance.check.formats.common", "finding_line"),
    "render_check": ("provenance.check.formats.interface", "render"),
    "write_baseline": ("provenance.check.baseline", "write_baseline"),
    # files
    "atomic_write_bytes": ("provenance.atomic", "atomic_write_bytes"),
}
"""Each public name: the module that defines it and its name there (imported on first use)."""

__all__ = [
    "INPUT_FORMATS",
    "Baseline",
    "BuildResult",
    "CheckFormat",
    "CheckRenderOptions",
    "CheckReport",
    "CompactResult",
    "CorpusInfo",
    "Index",
    "IndexParams",
    "MinHashConfig",
    "NormalizerConfig",
    "Policy",
    "ProgressUpdate",
    "ReaderOptions",
    "Report",
    "ReportFormat",
    "ScanOptions",
    "ScanResult",
    "ShingleConfig",
    "SkippedRecord",
    "VerifyReport",
    "add_to_index",
    "atomic_write_bytes",
    "build_index",
    "check_scan",
    "compact_index",
    "find_policy",
    "finding_line",
    "index_info",
    "load_report",
    "normalize",
    "paused_gc",
    "read_records",
    "render_check",
    "render_report",
    "scan",
    "tokenize",
    "verify_scan",
    "write_baseline",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    # Not kept here: read from its module each time (a dictionary lookup once imported), so that
    # a name replaced there (a test's monkeypatch) is replaced here too.
    return getattr(importlib.import_module(module), attribute)


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
