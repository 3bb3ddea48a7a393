"""JUnit XML: one test case per policy rule, failed when the rule is violated.

Every ``time`` attribute is ``0``: a check's run time is reported only in the JSON ``run`` section,
so that two checks of the same input give byte-identical XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from provenance.check.evaluate import TOOL_ERROR, CheckReport, ToolError
from provenance.check.formats.common import RenderOptions, error_line, finding_line, one_line, xml_text

SUITE_NAME = "provenance check"
CLASS_NAME = "provenance.policy"
DETAIL_LINES = 200
"""Findings listed in one failure's text; the rest are counted."""
RUN_TIME = "0"


def _listing(lines: list[str]) -> str:
    shown = lines[:DETAIL_LINES]
    if len(lines) > DETAIL_LINES:
        shown.append(f"... and {len(lines) - DETAIL_LINES} more")
    return xml_text("\n".join(shown))


def _error_case(suite: ET.Element, error: ToolError, options: RenderOptions) -> None:
    """One test case in error: the check could not run, so no rule was judged."""
    case = ET.SubElement(suite, "testcase", {"classname": CLASS_NAME, "name": TOOL_ERROR, "time": RUN_TIME})
    attributes = {"message": xml_text(one_line(error.message)), "type": TOOL_ERROR}
    element = ET.SubElement(case, "error", attributes)
    element.text = xml_text(f"the check could not run (exit 2): {error_line(error, options.root)}")


def render(report: CheckReport, options: RenderOptions) -> str:
    """The JUnit XML document (one test case in error when the check could not run)."""
    failures = sum(not o.passed for o in report.rules)
    errors, tests = (1, 1) if report.error is not None else (0, len(report.rules))
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    suites = ET.Element("testsuites", {"name": SUITE_NAME, **counts, "time": RUN_TIME})
    suite = ET.SubElement(suites, "testsuite", {"name": SUITE_NAME, **counts, "time": RUN_TIME})
    properties = ET.SubElement(suite, "properties")
    facts = [("policy", report.policy.get("source") or "")]
    if report.error is None:  # a check that could not run has no scan to describe
        facts += [
            ("index.digest", report.scan["index"].get("digest") or ""),
            ("records.read", str(report.scan["records_read"])),
            ("records.scanned", str(report.scan["records_scanned"])),
            ("records.skipped", str(report.scan["records_skipped"])),
            ("matches", str(report.counts["matches"])),
        ]
    for name, value in facts:
        ET.SubElement(properties, "property", {"name": name, "value": xml_text(value)})
    if report.error is not None:
        _error_case(suite, report.error, options)
    for outcome in report.rules:
        case = ET.SubElement(
            suite, "testcase", {"classname": CLASS_NAME, "name": outcome.rule_id, "time": RUN_TIME}
        )
        errors = [finding_line(f, options.root) for f in report.findings if f.rule_id == outcome.rule_id]
        warned = [finding_line(f, options.root) for f in report.warnings if f.rule_id == outcome.rule_id]
        if not outcome.passed:
            failure = ET.SubElement(
                case, "failure", {"message": xml_text(outcome.detail), "type": outcome.rule_id}
            )
            failure.text = _listing([outcome.description, *errors])
        if warned:
            ET.SubElement(case, "system-out").text = _listing(warned)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
