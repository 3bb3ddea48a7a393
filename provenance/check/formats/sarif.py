"""SARIF 2.1.0 for GitHub code scanning: one result per violating match (or skipped record).

Each result points at the dataset file (``artifactLocation.uri``, a relative POSIX path) and the
record's 1-based line (``region.startLine``: the JSONL line, or the Parquet row + 1), names the rule,
the licence and the copied text, and carries ``partialFingerprints`` built from the content hashes
so that GitHub recognises the same finding across runs. ``invocations[0]`` says how the check
ended: a check that could not run (exit 2) has ``executionSuccessful: false``, the error as a
``toolExecutionNotifications`` entry and no results; the run's ``properties`` hold the verdict and
the records read, scanned and skipped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from provenance.check.evaluate import TOOL_ERROR, CheckReport, Finding, ToolError
from provenance.check.formats.common import (
    RenderOptions,
    all_findings,
    artifact_uri,
    display_path,
    one_line,
)
from provenance.version import __version__

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
MAX_RESULTS = 25_000
"""GitHub code scanning accepts at most this many results per run; the rest are counted."""
FINGERPRINT_KEY = "provenanceMatch/v2"
"""v2: the rule, the dataset file and the (item, record) content; v1 was the content alone, so the
same copy in two files, or under two rules, gave one fingerprint and GitHub could merge the alerts."""


def _rule(rule_id: str, description: str, policy: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-") if part),
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {"text": f"{description} Configured in the provenance policy ({policy})."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["licence", "provenance", "dataset"]},
    }


def _fingerprint(finding: Finding) -> str:
    """Stable across runs (no line: a record moved within its file keeps it), distinct per rule and file."""
    key = f"{finding.rule_id}\n{finding.dataset_file}\n{finding.fingerprint}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(finding: Finding, rule_index: int, options: RenderOptions) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.level.value,
        "message": {"text": one_line(finding.message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(finding.dataset_file, options.root)},
                    "region": {"startLine": finding.line},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding)},
    }
    if finding.match is not None:
        m = finding.match
        result["properties"] = {
            "license": m.license,
            "licenses": list(m.licenses),
            "corpus": m.corpus,
            "corpora": list(m.corpora),
            "itemId": m.item_id,
            "kind": m.kind,
            "containment": m.containment,
            "jaccard": m.jaccard,
            "specificity": m.specificity,
            "weak": m.weak,
            "datasetRow": m.dataset_row,
            "itemContentHash": m.item_content_hash,
            "docSha256": m.doc_sha256,
            "copiedText": m.copied_text,
        }
    return result


def _invocation(report: CheckReport, options: RenderOptions) -> dict[str, Any]:
    """How the check ended: successfully (exit 0 or 1, the verdict), or not (exit 2: a tool error,
    as a ``toolExecutionNotifications`` entry; SARIF 2.1.0 sections 3.20.14 and 3.20.21)."""
    if report.error is None:
        described = "policy holds" if report.passed else "policy violated"
        return {"executionSuccessful": True, "exitCode": report.exit_code, "exitCodeDescription": described}
    return {
        "executionSuccessful": False,
        "exitCode": report.exit_code,
        "exitCodeDescription": "tool error: the check could not run",
        "toolExecutionNotifications": [_notification(report.error, options)],
    }


def _notification(error: ToolError, options: RenderOptions) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": one_line(error.message)},
        "descriptor": {"id": TOOL_ERROR},
    }
    if error.source is not None:
        location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(error.source, options.root)}}
        if error.line is not None:
            location["region"] = {"startLine": error.line}
        notification["locations"] = [{"physicalLocation": location}]
    return notification


def sarif_log(report: CheckReport, options: RenderOptions) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rule_ids = [o.rule_id for o in report.rules]
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    policy = str(report.policy.get("source") or "provenance.toml")
    findings = all_findings(report)
    results = [_result(f, index[f.rule_id], options) for f in findings[:MAX_RESULTS]]
    properties: dict[str, Any] = {
        "passed": report.passed,
        "counts": report.counts,
        "resultsNotWritten": max(0, len(findings) - MAX_RESULTS),
    }
    if report.error is None:
        scan = report.scan
        properties["records"] = {
            "read": scan["records_read"],
            "scanned": scan["records_scanned"],
            "skipped": scan["records_skipped"],
        }
        properties["inputsSkipped"] = [
            {"path": display_path(e["path"], options.root), "reason": e["reason"]}
            for e in scan.get("inputs_skipped", [])
        ]
    else:
        properties["error"] = {**report.error.describe(), "source": None}
        if report.error.source is not None:
            properties["error"]["source"] = display_path(report.error.source, options.root)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "provenance",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(o.rule_id, o.description, policy) for o in report.rules],
                    }
                },
                "invocations": [_invocation(report, options)],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": properties,
            }
        ],
    }


def render(report: CheckReport, options: RenderOptions) -> str:
    """SARIF 2.1.0 JSON text."""
    return json.dumps(sarif_log(report, options), indent=2, ensure_ascii=False) + "\n"
