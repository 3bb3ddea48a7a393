"""The report file a scan writes next to its evidence: ``report.html``, from the evidence in memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from provenance.atomic import atomic_write_bytes
from provenance.report.formats import html
from provenance.report.formats.interface import ReportFormat, render
from provenance.report.model import REPORT_FILE, build_report


def prepare_report_writer() -> None:
    """Import the HTML report's heavy dependencies (matplotlib, Jinja2) and compile its template:
    about a second that a scan spends in a background thread while its workers run."""
    html.prepare()


def write_scan_report(
    out_dir: str | Path,
    manifest: dict,
    matches: pa.Table,
    items: pa.Table,
    match_rows: list[dict] | None = None,
    digest: Callable[[], str] | None = None,
) -> Path:
    """Write ``report.html`` next to a scan's evidence (called at the end of ``scan``)."""
    out = Path(out_dir)
    report = build_report(out, manifest, matches, items, match_rows, digest)
    target = out / REPORT_FILE
    atomic_write_bytes(target, render(report, ReportFormat.HTML).encode("utf-8"))
    return target
