"""SARIF 2.1.0 for GitHub code scanning: one result per violating match (or skipped record).

Each result points at the dataset file (``artifactLocation.uri``, a relative POSIX path) and the
record's 1-based line (``region.startLine``: the JSONL line, or the Parquet row + 1), names the rule,
the licence and the copied text, and carries ``partialFingerprints`` built from the content hashes
so that GitHub recognises the same finding across runs.
"""

from __future__ import annotations

import json
from typing import Any

from provenance.check.evaluate import CheckReport, Finding
from provenance.check.formats.common import RenderOptions, all_findings, artifact_uri, one_line
from provenance.version import __version__

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
MAX_RESULTS = 25_000
"""GitHub code scanning accepts at most this many results per run; the rest are counted."""
FINGERPRINT_KEY = "provenanceMatch/v1"


def _rule(rule_id: str, description: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-") if part),
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {"text": f"{description} Configured in the provenance policy (provenance.toml)."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["licence", "provenance", "dataset"]},
    }


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
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if finding.match is not None:
        m = finding.match
        result["properties"] = {
            "license": m.license,
            "corpus": m.corpus,
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


def sarif_log(report: CheckReport, options: RenderOptions) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rule_ids = [o.rule_id for o in report.rules]
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    findings = all_findings(report)
    results = [_result(f, index[f.rule_id], options) for f in findings[:MAX_RESULTS]]
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
                        "rules": [_rule(o.rule_id, o.description) for o in report.rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "passed": report.passed,
                    "counts": report.counts,
                    "resultsNotWritten": max(0, len(findings) - MAX_RESULTS),
                },
            }
        ],
    }


def render(report: CheckReport, options: RenderOptions) -> str:
    """SARIF 2.1.0 JSON text."""
    return json.dumps(sarif_log(report, options), indent=2, ensure_ascii=False) + "\n"
