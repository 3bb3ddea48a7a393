"""The README cannot drift from the code: evidence columns, exit codes, the CI command."""

from __future__ import annotations

from pathlib import Path

from provenance.evidence.schema import ITEM_FIELDS, MATCH_FIELDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


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
