"""Licence policies: parsing, validation errors with lines, licence patterns, every rule, baselines."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from gate_world import OPEN, OPEN_ROWS, PROPRIETARY, PROPRIETARY_ROWS, write_policy
from synthetic import write_jsonl

from provenance import scan
from provenance.check.baseline import entries_from
from provenance.check.evaluate import evaluate
from provenance.check.policy import Baseline, Limit, Policy, PolicyError, WeakHandling, find_policy
from provenance.errors import UsageError
from provenance.licenses import allowed, matches, pattern_error


@pytest.fixture(scope="module")
def world(gate_world: Mapping) -> Mapping:
    """The session's gate world (read-only): ``out`` and ``broken_out`` are its scans."""
    return gate_world


def policy(body: str) -> Policy:
    return Policy.from_toml(body, source="provenance.toml")


def rows_of(findings: tuple) -> list[int]:
    return sorted(f.match.dataset_row for f in findings if f.match is not None)


# --- reading and validating ------------------------------------------------------------------


def test_minimal_deny_file(world: dict, tmp_path: Path) -> None:
    path = write_policy(tmp_path / "provenance.toml", '[policy]\ndeny = ["LicenseRef-Proprietary"]\n')
    loaded = Policy.from_file(path)
    assert loaded.deny == (PROPRIETARY,) and loaded.rule_ids == ("deny-license",)
    report = evaluate(loaded, world["out"])
    assert not report.passed and report.exit_code == 1
    assert rows_of(report.findings) == list(PROPRIETARY_ROWS)
    assert {f.match.license for f in report.findings} == {PROPRIETARY}


def test_pyproject_tool_table(tmp_path: Path) -> None:
    body = '[project]\nname = "x"\n\n[tool.provenance.policy]\ndeny = ["LicenseRef-Proprietary"]\n'
    path = write_policy(tmp_path / "pyproject.toml", body)
    assert Policy.from_file(path).deny == (PROPRIETARY,)
    assert find_policy(tmp_path) == path
    write_policy(tmp_path / "provenance.toml", '[policy]\nallow = ["MIT"]\n')
    assert find_policy(tmp_path) == tmp_path / "provenance.toml"


def test_pyproject_without_table_and_no_policy_at_all(tmp_path: Path) -> None:
    path = write_policy(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(PolicyError, match=r"no \[tool.provenance\] table"):
        Policy.from_file(path)
    with pytest.raises(UsageError, match="no policy found: pass --policy FILE"):
        find_policy(tmp_path)


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ('[policy]\ndeny = ["MIT"]\ncolour = 3\n', 3, "policy.colour: unknown key; expected one of: allow,"),
        ('[policy]\ndeny = ["MIT"]\nmin_containment = "high"\n', 3,
         "policy.min_containment: expected a number between 0 and 1, got 'high' (a string)"),
        ('[policy]\ndeny = ["MIT"]\nmin_jaccard = 1.5\n', 3, "expected a number between 0 and 1, got 1.5"),
        ('[policy]\ndeny = ["MIT"]\nmin_specificity = true\n', 3, "expected a whole number >= 0, got True"),
        ('[policy]\ndeny = [\n  "MIT",\n  "Foo-Bar",\n]\n', 4,
         "policy.deny[1]: 'Foo-Bar' is not an SPDX licence identifier or LicenseRef-...; expected an SPDX"),
        ('[policy]\ndeny = ["XYZ-*"]\n', 2, "'XYZ-*' matches no SPDX licence identifier"),
        ('[policy]\ndeny = ["MIT AND"]\n', 2, "is not a valid licence expression"),
        ('[policy]\ndeny = "MIT"\nweak = "loud"\n', 3,
         "policy.weak: expected one of 'ignore', 'warn', 'fail'"),
        ('[policy]\ndeny = ["MIT"]\nkinds = ["copy"]\n', 3, "unknown kind 'copy'; expected one of"),
        ('[policy]\ndeny = ["MIT"]\nstrict = "yes"\n', 3, "policy.strict: expected true or false"),
        ('[policy]\n\n[[policy.limit]]\nlicense = "MIT"\n', 3,
         "policy.limit[0]: expected at least one of max_items, max_matches, max_share"),
        ('[policy]\n[[policy.limit]]\nmax_items = 1\n[[policy.limit]]\nlicense = "MIT"\nmax_share = -1\n', 6,
         "policy.limit[1].max_share: expected a number between 0 and 1, got -1"),
        ('[policy]\n', 1, "policy: expected at least one rule"),
        ('deny = ["MIT"]\n', 1, "unknown key; expected one of: accepted, policy"),
        ('[policy]\ndeny = ["MIT"\n', 2, "invalid TOML"),
        ('[policy]\ndeny = ["MIT"]\n\n[[accepted]]\nitem_content_hash = "ab"\n', 4,
         "accepted[0].reason: expected a non-empty string"),
        ('[policy]\ndeny = ["MIT"]\n[[accepted]]\nitem_content_hash = "ab"\nreason = "r"\nexpires = "x"\n', 6,
         "accepted[0].expires: expected a date such as 2026-12-31, got 'x'"),
    ],
)  # fmt: skip
def test_validation_errors_name_file_line_and_expectation(body: str, line: int, fragment: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy(body)
    text = str(caught.value)
    assert text.startswith(f"provenance.toml:{line}: "), text
    assert fragment in text, text
    assert isinstance(caught.value, UsageError) and caught.value.line == line


def test_every_problem_is_reported_in_line_order() -> None:
    body = '[policy]\ndeny = ["Nope-1"]\nweak = 1\ncolour = "red"\n'
    with pytest.raises(PolicyError) as caught:
        policy(body)
    assert [line for line, _ in caught.value.problems] == [2, 3, 4]


def test_from_dict_and_pyproject_lines(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy.min_jaccard: expected a number"):
        Policy.from_dict({"policy": {"deny": ["MIT"], "min_jaccard": "x"}})
    body = '[project]\nname = "x"\n[tool.provenance.policy]\ndeny = ["MIT"]\nbogus = 1\n'
    with pytest.raises(PolicyError, match=r"pyproject.toml:5: tool.provenance.policy.bogus: unknown key"):
        Policy.from_file(write_policy(tmp_path / "pyproject.toml", body))


# --- licence patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "license", "expected"),
    [
        ("CC-BY-*", "CC-BY-4.0", True),
        ("CC-BY-*", "CC0-1.0", False),
        ("cc-by-4.0", "CC-BY-4.0", True),
        ("LicenseRef-*", "LicenseRef-Proprietary", True),
        ("LicenseRef-Proprietary", "MIT OR LicenseRef-Proprietary", True),
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0", True),
        ("GPL-*", "MIT", False),
    ],
)
def test_licence_patterns(pattern: str, license: str, expected: bool) -> None:
    assert pattern_error(pattern) is None
    assert matches(pattern, license) is expected


def test_allowed_needs_every_identifier() -> None:
    assert allowed(("MIT", "LicenseRef-*"), "MIT AND LicenseRef-X")
    assert not allowed(("MIT",), "MIT AND LicenseRef-X")
    assert allowed(("MIT AND LicenseRef-X",), "MIT AND LicenseRef-X")


# --- rules -----------------------------------------------------------------------------------


def test_deny_wildcard_and_clean_pass(world: dict) -> None:
    assert rows_of(evaluate(policy('[policy]\ndeny = ["CC-BY-*"]\n'), world["out"]).findings) == list(
        OPEN_ROWS
    )
    report = evaluate(policy('[policy]\ndeny = ["GPL-3.0-only"]\n'), world["out"])
    assert report.passed and not report.findings and report.rules[0].detail == "no match"


def test_allow_list(world: dict) -> None:
    report = evaluate(policy('[policy]\nallow = ["CC-BY-*"]\n'), world["out"])
    assert [o.rule_id for o in report.rules] == ["allow-license"]
    assert rows_of(report.findings) == list(PROPRIETARY_ROWS)
    assert evaluate(policy('[policy]\nallow = ["CC-BY-4.0", "LicenseRef-*"]\n'), world["out"]).passed


@pytest.mark.parametrize(
    ("limit", "passed"),
    [
        ('license = "CC-BY-4.0"\nmax_items = 2', True),
        ('license = "CC-BY-4.0"\nmax_items = 1', False),
        ('corpus = "acme*"\nmax_matches = 3', True),
        ('corpus = "acme*"\nmax_matches = 2', False),
        ("max_share = 0.5", True),  # 5 of 12 records
        ("max_share = 0.4", False),
        ('license = "CC-BY-4.0"\nmax_share = 0.2', True),  # 2 of 12
        ('license = "CC-BY-4.0"\nmax_share = 0.1', False),
    ],
)
def test_limits(world: dict, limit: str, passed: bool) -> None:
    loaded = policy(f'[[policy.limit]]\nname = "cap"\n{limit}\n')
    report = evaluate(loaded, world["out"])
    assert report.rules[0].rule_id == "limit/cap"
    assert report.passed is passed, report.rules[0].detail
    if not passed:
        assert report.findings and all(f.rule_id == "limit/cap" for f in report.findings)
        assert "exceeded" in report.findings[0].message


def test_limit_default_names_are_distinct() -> None:
    loaded = policy(
        '[[policy.limit]]\nlicense = "MIT"\nmax_items = 1\n[[policy.limit]]\ncorpus = "c"\nmax_items = 1\n'
    )
    assert loaded.limits == (
        Limit("MIT", licenses=("MIT",), max_items=1),
        Limit("c", corpora=("c",), max_items=1),
    )


def test_kinds_and_similarity_filters(world: dict) -> None:
    deny_all = '[policy]\ndeny = ["LicenseRef-Proprietary", "CC-BY-4.0"]\n'
    assert len(evaluate(policy(deny_all), world["out"]).findings) == 5
    near_only = evaluate(policy(deny_all + 'kinds = ["near_duplicate"]\n'), world["out"])
    assert near_only.passed and near_only.counts["ignored"] == 5
    by_jaccard = evaluate(policy(deny_all + "min_jaccard = 0.5\n"), world["out"])
    assert by_jaccard.passed and by_jaccard.counts["ignored"] == 5
    assert len(evaluate(policy(deny_all + "min_containment = 0.9\n"), world["out"]).findings) == 5


@pytest.mark.parametrize("handling", list(WeakHandling))
def test_min_specificity_makes_matches_weak(world: dict, handling: WeakHandling) -> None:
    rows = [r for r in world["result"].matches.to_pylist() if r["license"] == OPEN]
    weakest = min(rows, key=lambda r: r["specificity"])
    threshold = weakest["specificity"] + 1
    strong_rows = [r["dataset_row"] for r in rows if r["specificity"] >= threshold]
    body = f'[policy]\ndeny = ["CC-BY-4.0"]\nmin_specificity = {threshold}\nweak = "{handling.value}"\n'
    report = evaluate(policy(body), world["out"])
    if handling is WeakHandling.FAIL:
        assert rows_of(report.findings) == sorted(r["dataset_row"] for r in rows) and not report.warnings
        return
    assert rows_of(report.findings) == sorted(strong_rows)
    warned = rows_of(report.warnings)
    assert warned == ([weakest["dataset_row"]] if handling is WeakHandling.WARN else [])
    assert all(w.message.startswith("weak match, not counted") for w in report.warnings)


def test_strict_fails_on_skipped_records(world: dict) -> None:
    lenient = evaluate(policy('[policy]\ndeny = ["GPL-3.0-only"]\n'), world["broken_out"])
    assert lenient.passed and lenient.scan["records_skipped"] == 1
    strict = evaluate(policy('[policy]\ndeny = ["GPL-3.0-only"]\nstrict = true\n'), world["broken_out"])
    assert not strict.passed
    (finding,) = strict.findings
    assert finding.rule_id == "no-skipped-records" and finding.line == 4
    assert finding.dataset_file.endswith("broken/train.jsonl")
    assert evaluate(policy("[policy]\nstrict = true\n"), world["out"]).passed


# --- baselines -------------------------------------------------------------------------------


def test_baseline_suppresses_by_content_even_when_rows_move(world: dict, tmp_path: Path) -> None:
    loaded = policy('[policy]\ndeny = ["LicenseRef-Proprietary"]\n')
    accepted = Baseline(tuple(entries_from(world["out"], "licensed from Acme")))
    report = evaluate(loaded, world["out"], accepted)
    assert report.passed and report.counts["suppressed"] == 5 and len(report.suppressed) == 5
    # Rebuild the shard in another order: rows move, the content keys still match.
    lines = (world["release"] / "train.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(5).shuffle(lines)
    moved = tmp_path / "moved.jsonl"
    moved.write_text("".join(lines), encoding="utf-8")
    scan([moved], world["index"], tmp_path / "out", jobs=1)
    again = evaluate(loaded, tmp_path / "out", accepted)
    assert again.passed and again.counts["suppressed"] == 5
    # A training record that changed is a new finding.
    docs = [{"id": "x", "text": world["proprietary"][1]["text"] + " and a new sentence about rivers"}]
    scan([write_jsonl(tmp_path / "changed.jsonl", docs)], world["index"], tmp_path / "changed", jobs=1)
    assert not evaluate(loaded, tmp_path / "changed", accepted).passed


def test_expired_baseline_entry_fails_again(world: dict) -> None:
    loaded = policy('[policy]\ndeny = ["LicenseRef-Proprietary"]\n')
    entries = entries_from(world["out"], "trial licence", expires=date(2024, 6, 30))
    accepted = Baseline(tuple(entries))
    assert evaluate(loaded, world["out"], accepted, today=date(2024, 6, 30)).passed  # the last day applies
    report = evaluate(loaded, world["out"], accepted, today=date(2024, 7, 1))
    assert not report.passed and len(report.expired_baseline) == 5
    assert rows_of(report.findings) == list(PROPRIETARY_ROWS)
    assert "[baseline entry expired on 2024-06-30: trial licence]" in report.findings[0].message


def test_inline_accepted_entries_and_unused_ones(world: dict) -> None:
    row = next(r for r in world["result"].matches.to_pylist() if r["dataset_row"] == PROPRIETARY_ROWS[0])
    body = (
        '[policy]\ndeny = ["LicenseRef-Proprietary"]\n\n[[accepted]]\n'
        f'item_content_hash = "{row["item_content_hash"]}"\nreason = "ours"\n\n'
        f'[[accepted]]\nitem_content_hash = "{"0" * 32}"\nreason = "stale"\n'
    )
    report = evaluate(policy(body), world["out"])
    assert rows_of(report.findings) == list(PROPRIETARY_ROWS[1:])
    assert [e.reason for e in report.unused_baseline] == ["stale"]


def test_policy_baseline_key_is_relative_to_the_policy(world: dict, tmp_path: Path) -> None:
    from provenance.check.baseline import write_baseline

    write_baseline(world["out"], tmp_path / "accepted.toml", "reviewed")
    path = write_policy(
        tmp_path / "provenance.toml", '[policy]\ndeny = ["CC-BY-4.0"]\nbaseline = "accepted.toml"\n'
    )
    loaded = Policy.from_file(path)
    assert evaluate(loaded, world["out"]).passed
    assert not evaluate(replace(loaded, baseline_file=None), world["out"]).passed
