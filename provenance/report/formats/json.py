"""The JSON report: the complete report for machines, versioned, byte-stable.

Keys are sorted and nothing depends on when the report was written. The only field that changes
between two identical scans is ``run`` (copied from the scan manifest: start and end times, seconds,
jobs, working directory). ``top`` is accepted for the common interface and ignored: every match is
included.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.report.model import Report


def report_body(report: Report) -> dict:
    """The JSON document as a dict (every key documented in README "Reports")."""
    from provenance.report.model import REPORT_SCHEMA_VERSION

    manifest = {k: v for k, v in report.manifest.items() if k != "run"}
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "format": "provenance-report",
        "out_dir": report.out_dir,
        "summary": report.summary,
        "findings": {"by_license": report.by_license, "by_corpus": report.by_corpus},
        "item_dates": report.item_dates,
        "dataset_dates": report.dataset_dates,
        "coverage": report.coverage(),
        "custody": report.custody,
        "manifest": manifest,
        "matches": report.matches,
        "items": report.items,
        "run": report.run,
    }


def render(report: Report, *, top: int = 0) -> str:
    """The complete report as JSON text (sorted keys, two-space indent, trailing newline)."""
    del top
    return json.dumps(report_body(report), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
