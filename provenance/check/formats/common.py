"""What every ``provenance check`` output format shares: options, paths and text clean-up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from provenance.check.evaluate import TOOL_ERROR, CheckReport, Finding, ToolError

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class RenderOptions:
    """How to render a report.

    ``root``: dataset paths are written relative to it where they lie inside it (default: as
    recorded by the scan). ``run``: the run-time facts (times, temporary directories), written only
    by the JSON format, in its ``run`` section: the one part that differs between identical checks.
    """

    root: Path | None = None
    run: dict[str, Any] = field(default_factory=dict)


def display_path(file: str, root: Path | None) -> str:
    """A dataset file as a POSIX path, relative to ``root`` when it lies inside it."""
    path = Path(file)
    if path.is_absolute() and root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
    posix = PurePosixPath(path.as_posix())
    return posix.as_posix()


def artifact_uri(file: str, root: Path | None) -> str:
    """A SARIF ``artifactLocation.uri``: a relative URI reference, or a ``file://`` URI."""
    shown = display_path(file, root)
    if Path(shown).is_absolute():
        return Path(shown).as_uri()
    return quote(shown, safe="/!-._~")


def one_line(text: str) -> str:
    """``text`` on one line."""
    return " ".join(text.split())


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return _XML_INVALID.sub("\ufffd", text)


def all_findings(report: CheckReport) -> tuple[Finding, ...]:
    """Errors, then warnings."""
    return report.findings + report.warnings


def error_line(error: ToolError, root: Path | None) -> str:
    """``path:line: error [tool-error] message`` (``provenance: error ...`` without a path)."""
    where = f"{display_path(error.source, root)}:{error.line or 1}" if error.source else "provenance"
    return f"{where}: error [{TOOL_ERROR}] {one_line(error.message)}"


def finding_line(finding: Finding, root: Path | None) -> str:
    """``path:line: level [rule] message`` on one line."""
    path = display_path(finding.dataset_file, root)
    return f"{path}:{finding.line}: {finding.level.value} [{finding.rule_id}] {one_line(finding.message)}"
