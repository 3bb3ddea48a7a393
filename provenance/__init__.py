"""provenance: find licensed text inside training datasets, with evidence a third party can re-check.

The public API lives in ``provenance.api`` and is re-exported here lazily, so that importing the
package (and ``provenance --help``) stays fast.
"""

from __future__ import annotations

from typing import Any

from provenance.version import __version__ as __version__

_API = {
    "CorpusInfo", "Index", "IndexParams", "NormalizerConfig", "ReaderOptions", "ScanOptions", "ScanResult",
    "VerifyReport", "add_to_index", "build_index", "compact_index", "index_info", "normalize", "read_records",
    "scan", "tokenize", "verify_scan",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _API:
        from provenance import api

        return getattr(api, name)
    raise AttributeError(f"module 'provenance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(_API | {"__version__"})
