"""A Markdown step summary (``$GITHUB_STEP_SUMMARY``): verdict, rules, the first findings.

GitHub accepts at most 1 MiB per step summary; the summary lists at most ``MAX_ROWS`` findings and
shrinks that number until the text fits in ``MAX_BYTES``.
"""

from __future__ import annotations

from provenance.check.evaluate import TOOL_ERROR, CheckReport, Finding, ToolError
from provenance.check.formats.common import RenderOptions, display_path, one_line
from provenance.report.formats.markdown import code, escape

MAX_BYTES = 1_000_000
"""Under GitHub's 1 MiB (1,048,576 bytes) step summary limit, with room to spare."""
MAX_ROWS = 100
TEXT_CHARS = 120


def _cell(text: str, width: int | None = None) -> str:
    """Untrusted text in a table cell or a sentence: one line, HTML and Markdown markup inert."""
    return escape(one_line(text), width)


def _finding_row(finding: Finding, options: RenderOptions) -> str:
    place = code(f"{display_path(finding.dataset_file, options.root)}:{finding.line}")
    m = finding.match
    if m is None:
        return f"| {place} | `{finding.rule_id}` | | | {_cell(finding.message, TEXT_CHARS)} |"
    held = _cell(", ".join(m.licenses))  # every licence its text is held under
    return (
        f"| {place} | `{finding.rule_id}` | {held} | {_cell(m.corpus)} / {_cell(m.item_id)}"
        f" | {_cell(m.copied_text, TEXT_CHARS)} |"
    )


def _findings_table(
    title: str, findings: tuple[Finding, ...], rows: int, options: RenderOptions
) -> list[str]:
    if not findings:
        return []
    shown = findings[:rows]
    heading = (
        f"### {title} ({len(findings)})"
        if len(shown) == len(findings)
        else (f"### {title} (first {len(shown)} of {len(findings)})")
    )
    out = [
        heading,
        "",
        "| location | rule | licence | corpus / item | copied text |",
        "|---|---|---|---|---|",
    ]
    out += [_finding_row(f, options) for f in shown]
    return [*out, ""]


def _inputs_skipped(skipped: list[dict], shown: int = 10) -> list[str]:
    """The paths a directory walk did not read, with why: nothing is passed over unseen."""
    if not skipped:
        return []
    lines = [f"{len(skipped):,} path(s) not read:", ""]
    lines += [f"- {code(entry['path'])}: {_cell(entry['reason'])}" for entry in skipped[:shown]]
    if len(skipped) > shown:
        lines.append(f"- ... and {len(skipped) - shown:,} more (the scan manifest lists them all)")
    return [*lines, ""]


def _document(report: CheckReport, rows: int, options: RenderOptions) -> str:
    verdict = "✅ provenance check passed" if report.passed else "❌ provenance check failed"
    scan, counts = report.scan, report.counts
    lines = [
        f"## {verdict}",
        "",
        f"Policy {code(str(report.policy.get('source') or 'inline'))},"
        f" index {code(str(scan['index'].get('digest') or '')[:12])}:"
        f" {scan['records_scanned']:,} records scanned ({scan['records_skipped']:,} skipped),"
        f" {counts['matches']:,} matches, {counts['considered']:,} counted, {counts['weak']:,} weak,"
        f" {counts['ignored'] + counts['ignored_weak']:,} ignored,"
        f" {counts['suppressed']:,} accepted by the baseline.",
        "",
        *_inputs_skipped(scan.get("inputs_skipped", [])),
        "| rule | result | detail |",
        "|---|---|---|",
    ]
    for o in report.rules:
        result = "✅ passed" if o.passed else "❌ failed"
        lines.append(f"| `{o.rule_id}` | {result} | {_cell(o.detail)} |")
    lines.append("")
    lines += _findings_table("Violations", report.findings, rows, options)
    lines += _findings_table("Warnings", report.warnings, rows, options)
    if report.expired_baseline:
        lines += [f"### Expired baseline entries ({len(report.expired_baseline)})", ""]
        lines += [
            f"- `{e.item_content_hash}` ({_cell(e.item_id or '?')}):"
            f" expired {e.expires}, {_cell(e.reason, 200)}"
            for e in report.expired_baseline[:rows]
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def _error_document(error: ToolError, policy: dict, options: RenderOptions) -> str:
    where = ""
    if error.source is not None:
        line = f":{error.line}" if error.line is not None else ""
        where = f" {code(display_path(error.source, options.root) + line)}:"
    source = policy.get("source")
    verdict = f"Policy {code(str(source))}: no verdict" if source else "No verdict"
    return (
        "## ⚠️ provenance check could not run\n\n"
        f"{verdict}, exit 2 (`{TOOL_ERROR}`).\n\n"
        f"**Error**:{where} {_cell(error.message, 2000)}\n"
    )


def render(report: CheckReport, options: RenderOptions) -> str:
    """The summary, at most ``MAX_BYTES`` of UTF-8 (the error alone when the check could not run)."""
    if report.error is not None:
        return _error_document(report.error, report.policy, options)
    rows = MAX_ROWS
    text = _document(report, rows, options)
    while len(text.encode("utf-8")) > MAX_BYTES and rows > 0:
        rows //= 2
        text = _document(report, rows, options)
    return text
