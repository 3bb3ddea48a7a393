"""What a newcomer meets first: the demo's last words, the help, the scan summary, a clean checkout."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from synthetic import tweets, write_jsonl
from typer.testing import CliRunner, Result

from provenance.cli import app
from provenance.index import CorpusInfo, IndexParams, build_index

REPO_ROOT = Path(__file__).resolve().parents[2]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
OUTPUT_OPTIONS = ("--out", "--output", "-o", "--sarif", "--junit", "--json", "--lines")
"""Options whose value is a file or directory the command writes."""
DOUBLED = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """An index of 20 tweets and a training file: 3 documents embedding one each, one broken line."""
    items = tweets(20, seed=3)
    index = tmp_path / "idx"
    build_index(
        [write_jsonl(tmp_path / "c.jsonl", items)],
        index,
        CorpusInfo("c", "MIT"),
        params=IndexParams(lsh_bands_rows=(26, 3)),
    )
    lines = [
        json.dumps({"id": f"d{i}", "text": f"plain words here {items[i]['text']} and more"}) for i in range(3)
    ]
    lines.insert(1, '{"id": "broken", "text": "never closed')
    training = tmp_path / "train.jsonl"
    training.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"root": tmp_path, "index": index, "training": training}


def test_the_scan_summary_counts_clearly_and_names_every_file(world: dict[str, Path]) -> None:
    out = world["root"] / "audit"
    result = invoke("scan", world["training"], "--index", world["index"], "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "scan complete: records read 4 = 3 scanned + 1 skipped" in result.stderr
    written = next(line for line in result.stderr.splitlines() if line.startswith("evidence written"))
    for name in ("matches.parquet", "items.parquet", "manifest.json", "report.html"):
        assert name in written and (out / name).is_file(), name


def test_messages_do_not_double_words(world: dict[str, Path]) -> None:
    result = invoke("scan", world["training"], "--index", world["index"], "--out", world["root"] / "o")
    assert not DOUBLED.search(result.stderr), DOUBLED.search(result.stderr)


def test_help_names_exit_code_130() -> None:
    for args in (["--help"], ["check", "--help"]):
        result = runner.invoke(app, args, env={"COLUMNS": "100", "NO_COLOR": "1"})
        assert result.exit_code == 0
        assert re.search(r"130 (interrupted|on Ctrl-C)", " ".join(result.output.split())), args


def _readme_commands() -> list[list[str]]:
    """Every ``provenance ...`` command of the README's code blocks, continuation lines joined."""
    commands = []
    for block in re.findall(r"^```\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("provenance "):
                commands.append(shlex.split(line))
    return commands


def _written_paths(command: list[str]) -> list[str]:
    """The files and directories a command writes: its output options' values, and the index that
    ``index build`` creates."""
    paths = []
    for flag, value in zip(command, command[1:], strict=False):
        if flag in OUTPUT_OPTIONS or (flag in ("--index", "-i") and command[1:3] == ["index", "build"]):
            if value != "-" and not value.startswith(("$", "-")):
                paths.append(value)
    return paths


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_what_the_readme_examples_write_is_git_ignored() -> None:
    written = sorted({p for c in _readme_commands() for p in _written_paths(c)})
    assert {"tweets.idx", "audit/"} <= set(written), written
    written += ["demo-out/", "report.html"]  # make demo's folder; a report written by hand
    probes = [f"{p.rstrip('/')}/manifest.json" if p.endswith(("/", ".idx")) else p for p in written]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *probes],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode == 128:
        pytest.skip(f"not a git checkout: {result.stderr.strip()}")
    not_ignored = [line.split("\t")[-1] for line in result.stdout.splitlines() if line.startswith("::")]
    assert not not_ignored, f"README examples write these into the checkout, not git-ignored: {not_ignored}"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_ends_by_saying_how_to_run_the_command() -> None:
    result = subprocess.run(["make", "-n", "demo"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    tail = result.stdout.strip().splitlines()[-3:]
    assert any(".venv/bin/provenance" in line for line in tail), tail
    assert any("source .venv/bin/activate" in line for line in tail), tail
    assert any("report.html" in line for line in tail), tail
