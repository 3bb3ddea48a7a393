"""``provenance check`` and ``provenance baseline`` through the CLI: the exit-code contract and files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from gate_world import PROPRIETARY_ROWS, write_policy
from typer.testing import CliRunner, Result

from provenance.cli import app

runner = CliRunner()
DENY = '[policy]\ndeny = ["LicenseRef-Proprietary"]\n'
CLEAN = '[policy]\ndeny = ["GPL-3.0-only"]\n'


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def world(gate_world: Mapping, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The session's gate world (read-only) with two policies written beside it."""
    policies = tmp_path_factory.mktemp("check_cli")
    return {
        **gate_world,
        "deny": write_policy(policies / "deny.toml", DENY),
        "clean": write_policy(policies / "clean.toml", CLEAN),
    }


def test_exit_1_when_violated_0_when_clean(world: dict, tmp_path: Path) -> None:
    violated = invoke("check", world["release"], "--index", world["index"], "--policy", world["deny"],
                      "--out", tmp_path / "evidence", "--jobs", "1")  # fmt: skip
    assert violated.exit_code == 1, violated.output
    assert "check failed" in violated.output
    assert (tmp_path / "evidence" / "matches.parquet").is_file()  # --out keeps the evidence
    clean = invoke(
        "check", world["release"], "--index", world["index"], "--policy", world["clean"], "-j", "1"
    )
    assert clean.exit_code == 0, clean.output
    assert "check passed" in clean.output


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{release}", "--index", "{root}/missing.idx", "--policy", "{deny}"],
        ["check", "{release}", "--policy", "{deny}"],
        ["check", "--policy", "{deny}"],
        ["check", "--from-scan", "{root}/nowhere", "--policy", "{deny}"],
        ["check", "--from-scan", "{out}", "{release}", "--policy", "{deny}"],
        ["check", "--from-scan", "{out}", "--policy", "{root}/missing.toml"],
        ["check", "--from-scan", "{out}", "--policy", "{deny}", "--baseline", "{root}/missing.toml"],
        ["check", "--from-scan", "{out}", "--policy", "{deny}", "--bogus-option"],
        ["baseline", "{out}", "--output", "{root}/b.toml", "--expires", "tomorrow"],
    ],
)
def test_exit_2_on_usage_input_or_tool_errors(world: dict, args: list[str]) -> None:
    result = invoke(*[a.format(**{k: world[k] for k in ("release", "root", "deny", "out")}) for a in args])
    assert result.exit_code == 2, result.output


def test_exit_2_names_the_policy_line(world: dict, tmp_path: Path) -> None:
    bad = write_policy(tmp_path / "provenance.toml", '[policy]\ndeny = ["LicenseRef-Proprietary"]\nmax = 3\n')
    result = invoke("check", "--from-scan", world["out"], "--policy", bad)
    assert result.exit_code == 2
    assert f"{bad.as_posix()}:3: policy.max: unknown key" in " ".join(result.output.split())


def test_policy_discovery(world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    missing = invoke("check", "--from-scan", world["out"])
    assert missing.exit_code == 2 and "no policy found" in missing.output
    write_policy(tmp_path / "pyproject.toml", '[tool.provenance.policy]\ndeny = ["CC-BY-4.0"]\n')
    assert invoke("check", "--from-scan", world["out"]).exit_code == 1
    write_policy(tmp_path / "provenance.toml", CLEAN)
    assert invoke("check", "--from-scan", world["out"]).exit_code == 0


def test_strict_with_a_skipped_record_fails(world: dict, tmp_path: Path) -> None:
    base = ["check", world["broken"], "--index", world["index"], "--policy", world["clean"], "-j", "1"]
    assert invoke(*base).exit_code == 0
    strict = invoke(*base, "--strict", "--lines", tmp_path / "lines.txt")
    assert strict.exit_code == 1, strict.output
    (line,) = (tmp_path / "lines.txt").read_text(encoding="utf-8").splitlines()
    assert ":4: error [no-skipped-records] unreadable record 3 skipped" in line


def test_baseline_command_accepts_and_expiry_fails_again(world: dict, tmp_path: Path) -> None:
    accepted = tmp_path / "baseline.toml"
    wrote = invoke("baseline", world["out"], "--output", accepted, "--reason", "licensed from Acme")
    assert wrote.exit_code == 0, wrote.output
    text = accepted.read_text(encoding="utf-8")
    assert text.count("[[accepted]]") == 5 and 'reason = "licensed from Acme"' in text
    check = ["check", "--from-scan", world["out"], "--policy", world["deny"], "--baseline"]
    assert invoke(*check, accepted).exit_code == 0
    expired = tmp_path / "expired.toml"
    assert invoke("baseline", world["out"], "-o", expired, "--expires", "2000-01-01").exit_code == 0
    result = invoke(*check, expired, "--lines", "-")
    assert result.exit_code == 1
    assert "baseline entry expired on 2000-01-01" in result.stdout
    # Running it again keeps the existing entries (and their reasons): nothing new.
    again = invoke("baseline", world["out"], "--output", accepted, "--reason", "other")
    assert "5 entr(ies), 0 new" in again.output
    assert 'reason = "other"' not in accepted.read_text(encoding="utf-8")


def test_baseline_from_a_check_report(world: dict, tmp_path: Path) -> None:
    report = tmp_path / "check.json"
    assert (
        invoke("check", "--from-scan", world["out"], "--policy", world["deny"], "--json", report).exit_code
        == 1
    )
    accepted = tmp_path / "baseline.toml"
    assert invoke("baseline", report, "--output", accepted, "--reason", "ok").exit_code == 0
    assert accepted.read_text(encoding="utf-8").count("[[accepted]]") == len(PROPRIETARY_ROWS)
    assert (
        invoke("check", "--from-scan", world["out"], "--policy", world["deny"], "-b", accepted).exit_code == 0
    )


def test_summary_is_appended(world: dict, tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    for _ in range(2):
        invoke("check", "--from-scan", world["out"], "--policy", world["deny"], "--summary", summary)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n") and text.count("provenance check failed") == 2


def test_same_input_twice_gives_identical_outputs(world: dict, tmp_path: Path) -> None:
    """Two full checks (scan included): identical bytes, except the JSON ``run`` section."""
    outputs = []
    for run in ("a", "b"):
        d = tmp_path / run
        result = invoke(
            "check", world["release"], "--index", world["index"], "--policy", world["deny"], "-j", "1",
            "--sarif", d / "r.sarif", "--junit", d / "r.xml", "--summary", d / "s.md",
            "--json", d / "r.json", "--lines", d / "r.txt",
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        outputs.append(d)
    a, b = outputs
    for name in ("r.sarif", "r.xml", "s.md", "r.txt"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ja, jb = (json.loads((d / "r.json").read_text(encoding="utf-8")) for d in outputs)
    assert ja.pop("run").keys() == jb.pop("run").keys()
    assert ja == jb
