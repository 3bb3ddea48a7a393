"""The readable report formats behind one small interface: ``render(report, fmt)``.

Each format lives in its own module and exposes ``render(report, *, top) -> str``; the mapping below
is exhaustive over ``ReportFormat`` (a test loops over every member).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.report.model import Report


class ReportFormat(str, Enum):
    """A report format: ``provenance report --format VALUE``."""

    HTML = "html"
    MARKDOWN = "markdown"
    JSON = "json"

    @property
    def suffix(self) -> str:
        """The usual file name suffix."""
        return {"html": ".html", "markdown": ".md", "json": ".json"}[self.value]


MODULES: dict[ReportFormat, str] = {
    ReportFormat.HTML: "html",
    ReportFormat.MARKDOWN: "markdown",
    ReportFormat.JSON: "json",
}
"""The module of this package that renders each format (imported on demand)."""


def _renderer(fmt: ReportFormat) -> Callable[..., str]:
    """The format's ``render`` function; only HTML imports matplotlib."""
    return importlib.import_module(f"{__package__}.{MODULES[fmt]}").render


def render(report: Report, fmt: ReportFormat | str, *, top: int | None = None) -> str:
    """``report`` in format ``fmt``; ``top`` limits the matches shown in full (HTML and Markdown)."""
    from provenance.report.model import DEFAULT_TOP

    return _renderer(ReportFormat(fmt))(report, top=DEFAULT_TOP if top is None else top)
