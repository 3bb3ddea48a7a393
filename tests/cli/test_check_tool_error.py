"""``provenance check`` that cannot run (exit 2) still writes the outputs CI reads, with a tool error.

The report of a tool error comes from ``CheckReport.tool_error(message, source=...)``; here it and
the renderer are stand-ins, so that what is checked is the command's part: which files it writes,
with which message, and that the exit code and the error on stderr stay those of the failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import provenance.check.formats.interface as check_formats
import provenance.scanner.pipeline
from provenance.check.evaluate import CheckReport
from provenance.cli import app

runner = CliRunner()


@dataclass
class ToolError:
    message: str
    source: str | None


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A valid policy, a dataset file, an index path that holds nothing, and every output path."""
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\ndeny = ["LicenseRef-Proprietary"]\n', encoding="utf-8")
    data = tmp_path / "train.jsonl"
    data.write_text('{"id": "a", "text": "some words"}\n', encoding="utf-8")
    outputs = {flag: tmp_path / "ci" / name for flag, name in
               [("--sarif", "r.sarif"), ("--junit", "r.xml"), ("--json", "r.json"), ("--summary", "s.md"),
                ("--lines", "r.txt")]}  # fmt: skip
    monkeypatch.setattr(check_formats, "render", lambda report, fmt, options: f"{fmt}|{report.message}\n")
    return {"policy": policy, "data": data, "index": tmp_path / "no-index", "outputs": outputs}


def _check(setup: dict, *extra: str | Path) -> Result:
    args = ["check", setup["data"], "--index", setup["index"], "--policy", setup["policy"], *extra]
    for flag, path in setup["outputs"].items():
        args += [flag, path]
    return runner.invoke(app, [str(a) for a in args])


def _with_tool_error(monkeypatch: pytest.MonkeyPatch) -> list[ToolError]:
    made: list[ToolError] = []

    def tool_error(cls: type, message: str, source: str | None = None) -> ToolError:
        made.append(ToolError(message, source))
        return made[-1]

    monkeypatch.setattr(CheckReport, "tool_error", classmethod(tool_error), raising=False)
    return made


def test_a_failed_scan_writes_every_output_with_the_tool_error(
    setup: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _with_tool_error(monkeypatch)
    result = _check(setup)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ") and "no-index" in result.stderr
    assert len(made) == 1 and "no-index" in made[0].message
    assert made[0].source is not None and "no-index" in made[0].source
    for path in setup["outputs"].values():
        rendered = path.read_text(encoding="utf-8")
        assert rendered.endswith(f"|{made[0].message}\n"), path.name


def test_a_usage_error_is_reported_in_the_outputs_too(setup: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _with_tool_error(monkeypatch)
    result = _check(setup, "--from-scan", setup["data"].parent)
    assert result.exit_code == 2
    assert made and "--from-scan" in made[0].message
    assert setup["outputs"]["--sarif"].is_file()


def test_the_real_tool_error_outputs_say_the_check_could_not_run(tmp_path: Path) -> None:
    """No stand-ins: a check whose index is missing writes SARIF with an unsuccessful invocation,
    JUnit with an error, JSON with the error and exit code 2."""
    import json

    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\ndeny = ["MIT"]\n', encoding="utf-8")
    data = tmp_path / "train.jsonl"
    data.write_text('{"id": "a", "text": "some words"}\n', encoding="utf-8")
    sarif, junit, report = tmp_path / "r.sarif", tmp_path / "r.xml", tmp_path / "r.json"
    args = ["check", data, "--index", tmp_path / "no-index", "--policy", policy]
    result = runner.invoke(
        app, [str(a) for a in [*args, "--sarif", sarif, "--junit", junit, "--json", report]]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    invocation = json.loads(sarif.read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert "no-index" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert "<error" in junit.read_text() and "no-index" in junit.read_text()
    written = json.loads(report.read_text())
    assert written["exit_code"] == 2 and "no-index" in written["error"]["message"]


def test_outputs_that_cannot_be_written_do_not_hide_the_error(
    setup: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(cls: type, message: str, source: str | None = None) -> None:
        raise TypeError("unexpected")

    monkeypatch.setattr(CheckReport, "tool_error", classmethod(broken), raising=False)
    result = _check(setup)
    assert result.exit_code == 2 and "Traceback" not in result.output
    warning, error = result.stderr.splitlines()
    assert "tool-error outputs could not be written: unexpected" in warning
    assert error.startswith("error: ") and "no-index" in error


def test_an_interrupted_check_writes_no_tool_error(setup: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _with_tool_error(monkeypatch)

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(provenance.scanner.pipeline, "scan", interrupted)
    result = _check(setup)
    assert result.exit_code == 130
    assert not made and not any(path.exists() for path in setup["outputs"].values())
