"""The check as JSON: verdict, rules, findings, warnings, baseline use, and a ``run`` section.

``error`` is ``null``, or (``exit_code`` 2, nothing judged) why the check could not run.

``run`` (times, today's date, the scan's directory) is the only part that differs between two
checks of the same input; everything else is byte-identical.
"""

from __future__ import annotations

import json
from typing import Any

from provenance.check.evaluate import CHECK_SCHEMA_VERSION, CheckReport, ToolError
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
        "scan": report.scan if report.error is None else None,
        "counts": report.counts,
        "rules": [o.describe() for o in report.rules],
        "findings": [finding(f) for f in report.findings],
        "warnings": [finding(f) for f in report.warnings],
        "suppressed": [{"match": m.describe(), "entry": e.describe()} for m, e in report.suppressed],
        "expired_baseline": [e.describe() for e in report.expired_baseline],
        "unused_baseline": [e.describe() for e in report.unused_baseline],
        "error": None if report.error is None else _error(report.error, options),
        "run": {"today": report.today.isoformat(), **options.run},
    }


def _error(error: ToolError, options: RenderOptions) -> dict[str, Any]:
    """Why the check could not run (``exit_code`` 2); ``null`` when it ran."""
    described = error.describe()
    if error.source is not None:
        described["source"] = display_path(error.source, options.root)
    return described


def render(report: CheckReport, options: RenderOptions) -> str:
    """The JSON text (two-space indent, UTF-8, key order fixed)."""
    return json.dumps(check_document(report, options), indent=2, ensure_ascii=False) + "\n"
