"""``path:line: message``, one finding a line: what editors, problem matchers and annotations read."""

from __future__ import annotations

from provenance.check.evaluate import CheckReport
from provenance.check.formats.common import RenderOptions, all_findings, error_line, finding_line


def render(report: CheckReport, options: RenderOptions) -> str:
    """Every error, then every warning, as ``path:line: level [rule] message``; empty when clean.
    A check that could not run is one ``error [tool-error]`` line."""
    if report.error is not None:
        return error_line(report.error, options.root) + "\n"
    return "".join(finding_line(f, options.root) + "\n" for f in all_findings(report))
