"""The output formats of ``provenance check``: one module each, one ``render`` function each.

``CheckFormat`` names them and ``RENDERERS`` maps every member to its renderer; the mapping is
checked to be exhaustive when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from provenance.check.evaluate import CheckReport
from provenance.check.formats import json as check_json
from provenance.check.formats import junit, lines, sarif
from provenance.check.formats import summary as markdown_summary
from provenance.check.formats.common import RenderOptions

__all__ = ["RENDERERS", "CheckFormat", "RenderOptions", "render"]


class CheckFormat(str, Enum):
    """An output format of ``provenance check``."""

    SARIF = "sarif"
    """SARIF 2.1.0 (GitHub code scanning)."""
    JUNIT = "junit"
    """JUnit XML, one test case per policy rule (GitLab, Jenkins, ...)."""
    SUMMARY = "summary"
    """Markdown step summary (``$GITHUB_STEP_SUMMARY``), under 1 MiB."""
    JSON = "json"
    """Everything, for machines; run times in ``run``."""
    LINES = "lines"
    """``path:line: message``, one finding a line."""


Renderer = Callable[[CheckReport, RenderOptions], str]

RENDERERS: dict[CheckFormat, Renderer] = {
    CheckFormat.SARIF: sarif.render,
    CheckFormat.JUNIT: junit.render,
    CheckFormat.SUMMARY: markdown_summary.render,
    CheckFormat.JSON: check_json.render,
    CheckFormat.LINES: lines.render,
}
_missing = set(CheckFormat) - RENDERERS.keys()
if _missing:  # pragma: no cover - a programming error caught by any import
    raise RuntimeError(f"no renderer for {sorted(f.value for f in _missing)}")


def render(report: CheckReport, fmt: CheckFormat | str, options: RenderOptions | None = None) -> str:
    """``report`` in format ``fmt``."""
    return RENDERERS[CheckFormat(fmt)](report, options or RenderOptions())
