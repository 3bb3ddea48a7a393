"""The check as JSON: verdict, rules, findings, warnings, baseline use, and a ``run`` section.

``run`` (times, today's date, the scan's directory) is the only part that differs between two
checks of the same input; everything else is byte-identical.
"""

from __future__ import annotations

import json
from typing import Any

from provenance.check.evaluate import CHECK_SCHEMA_VERSION, CheckReport
from provenance.check.formats.common import RenderOptions, display_path
from provenance.version import __version__


def check_document(report: CheckReport, options: RenderOptions) -> dict[str, Any]:
    """The JSON document as a dict."""

    def finding(f: Any) -> dict[str, Any]:
        return {**f.describe(), "file": display_path(f.dataset_file, options.root)}

    return {
        "schema_version": CHECK_SCHEMA_VERSION,
        "tool": {"name": "provenance", "version": __version__},
        "passed": report.passed,
        "exit_code": report.exit_code,
        "policy": report.policy,
        "baseline": {"source": report.baseline_source},
        "scan": report.scan,
        "counts": report.counts,
        "rules": [o.describe() for o in report.rules],
        "findings": [finding(f) for f in report.findings],
        "warnings": [finding(f) for f in report.warnings],
        "suppressed": [{"match": m.describe(), "entry": e.describe()} for m, e in report.suppressed],
        "expired_baseline": [e.describe() for e in report.expired_baseline],
        "unused_baseline": [e.describe() for e in report.unused_baseline],
        "run": {"today": report.today.isoformat(), **options.run},
    }


def render(report: CheckReport, options: RenderOptions) -> str:
    """The JSON text (two-space indent, UTF-8, key order fixed)."""
    return json.dumps(check_document(report, options), indent=2, ensure_ascii=False) + "\n"
