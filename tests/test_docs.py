"""The README and docs/ cannot drift from the code: evidence columns, --help, links, the CI command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance.evidence.schema import ITEM_FIELDS, MATCH_FIELDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
MARKDOWN = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), ROOT / "bench" / "README.md"]

README_LIMIT = 15_000
"""Characters: the README is what a user reads first; reference material lives in docs/."""
HELP_WIDTH = 100
"""Terminal width the README's ``provenance --help`` block is rendered at."""
HELP_BLOCK = re.compile(r"^```\n\$ provenance --help\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def test_every_evidence_column_is_documented() -> None:
    evidence = (DOCS / "evidence-format.md").read_text(encoding="utf-8")
    for name, _, _, doc in MATCH_FIELDS + ITEM_FIELDS:
        assert f"| `{name}` |" in evidence, name
        assert doc in evidence, name


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test " in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_quick_start_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("install:", "demo:", "test:", "lint:", "bench:"):
        assert f"\n{target}" in makefile, target


def test_cli_defaults_are_the_library_defaults() -> None:
    """The CLI repeats the defaults (to keep --help fast without numpy); they must not drift."""
    import inspect

    from provenance.cli.scan import scan_command
    from provenance.scanner.pipeline import ScanOptions

    defaults = ScanOptions()
    params = inspect.signature(scan_command).parameters
    for cli_name, option in [
        ("min_containment", "min_containment"),
        ("min_coverage", "min_coverage"),
        ("min_jaccard", "min_jaccard"),
        ("min_item_words", "min_item_tokens"),
    ]:
        assert params[cli_name].default == getattr(defaults, option), cli_name


def test_readme_is_short() -> None:
    assert len(README) < README_LIMIT, f"README.md has {len(README):,} characters; move detail to docs/"


def _rendered_help() -> str:
    """``provenance --help`` as a user sees it in a terminal HELP_WIDTH wide, without colours.

    A subprocess, so that nothing of pytest's (captured streams, environment) reaches rich. CI sets
    GITHUB_ACTIONS, which makes typer force a colour terminal; those switches are removed, and any
    escape sequence left is stripped. Trailing blanks (rich pads every line) are not compared.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"GITHUB_ACTIONS", "FORCE_COLOR", "PY_COLORS"}}
    env.update(
        COLUMNS=str(HELP_WIDTH),
        TERMINAL_WIDTH=str(HELP_WIDTH),
        TERM="dumb",
        NO_COLOR="1",
        _TYPER_FORCE_DISABLE_TERMINAL="1",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    )
    result = subprocess.run(
        [sys.executable, "-m", "provenance", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return _normalised(ANSI.sub("", result.stdout))


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip("\n")


def test_readme_help_block_is_the_real_help() -> None:
    blocks = HELP_BLOCK.findall(README)
    assert len(blocks) == 1, "README.md needs one ``` block that starts with `$ provenance --help`"
    assert _normalised(blocks[0]) == _rendered_help(), (
        "README.md's `provenance --help` block differs from the command's output; paste the output of\n"
        f"COLUMNS={HELP_WIDTH} TERMINAL_WIDTH={HELP_WIDTH} NO_COLOR=1 provenance --help"
    )


def _commands() -> Iterator[tuple[str, Any]]:
    from typer.main import get_command

    from provenance.cli import app

    def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    yield from walk(get_command(app), "provenance")


def test_every_command_has_help_text() -> None:
    """The whole command tree, so that a command added later cannot go without help."""
    commands = dict(_commands())
    assert {"provenance scan", "provenance check", "provenance index build"} <= commands.keys()
    for path, command in commands.items():
        assert (command.help or "").strip(), f"{path} has no help text"
        for param in command.params:
            assert (getattr(param, "help", None) or "").strip(), f"{path}: {param.name} has no help text"


def test_every_command_is_in_the_readme() -> None:
    for path, _ in _commands():
        assert f"{path} " in README or f"{path}`" in README, f"README.md never shows `{path}`"


def _relative_links(text: str) -> Iterator[str]:
    without_code = re.sub(r"^```.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)
    for target in LINK.findall(without_code):
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#"):
            yield target.split("#", 1)[0]


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_files(page: Path) -> None:
    links = list(_relative_links(page.read_text(encoding="utf-8")))
    missing = [link for link in links if not (page.parent / link).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_readme_links_every_doc() -> None:
    linked = {(ROOT / link).resolve() for link in _relative_links(README)}
    for doc in sorted(DOCS.glob("*.md")):
        assert doc.resolve() in linked, f"README.md does not link {doc.relative_to(ROOT)}"
