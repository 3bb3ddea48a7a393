"""The HTML report: one self-contained page with plots, findings, coverage, matches and custody.

Nothing is loaded from a network (a Content-Security-Policy forbids it); the figures are inline SVG
from matplotlib. Every text from the training data or the licensed corpus is escaped by Jinja2's
autoescaping; only item URLs with an ``http``/``https`` scheme become links.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Template

    from provenance.report.model import Report

MAX_FILES_LISTED = 200
"""Input files listed by name in the summary; the manifest has them all."""


@lru_cache(maxsize=1)
def _template() -> Template:
    from jinja2 import Environment, StrictUndefined

    from provenance.report.formats.html_template import TEMPLATE

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=False)
    return env.from_string(TEMPLATE)


def prepare() -> None:
    """Import this format's heavy dependencies (matplotlib, Jinja2) and compile its template: about
    a second that a caller may spend in a background thread before the first ``render``."""
    from matplotlib.backends import backend_svg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401

    _template()


def percent(share: float) -> str:
    """A share in [0, 1] as a percentage with enough digits to tell small shares from zero."""
    value = 100.0 * share
    return f"{value:.1f}%" if value == 0 or value >= 1 else f"{value:.3g}%"


def _safe_url(url: str | None) -> str | None:
    """The URL when it is plain http(s); anything else (``javascript:``...) is shown as text only."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _view(match: dict) -> dict:
    """A match with the pieces the side-by-side view needs (text before, copy, after)."""
    licensed, snippet = match["licensed_text"], match["snippet"]
    lo, hi = match["doc_start"] - match["snippet_start"], match["doc_end"] - match["snippet_start"]
    return {
        **match,
        "strength": "weak" if match["weak"] else "strong",
        "item_before": licensed[: match["item_start"]],
        "item_copy": licensed[match["item_start"] : match["item_end"]],
        "item_after": licensed[match["item_end"] :],
        "doc_before": snippet[:lo],
        "doc_copy": snippet[lo:hi],
        "doc_after": snippet[hi:],
        "safe_url": _safe_url(match["item_url"]),
        "file_name": match["dataset_file"].rsplit("/", 1)[-1],
        "also_held_by": [c for c in match["corpora"] if c != match["corpus"]],
    }


def shown_value(value: object) -> str:
    """A parameter as its manifest writes it (``false``, ``null``, ``[]``), not as Python prints it."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def render(report: Report, *, top: int = 500) -> str:
    """The HTML page for ``report`` showing the ``top`` strongest matches in full."""
    from provenance.report.formats.plots import all_plots
    from provenance.report.model import REPORT_SCHEMA_VERSION
    from provenance.version import __version__

    summary = report.summary
    files = [
        {**f, "format": source["format"]} for source in report.manifest["inputs"] for f in source["files"]
    ]
    return _template().render(
        style=_style(),
        script=_script(),
        out_dir=report.out_dir,
        s=summary,
        c=summary["counts"],
        sh=summary["shares"],
        p=summary["index"]["params"],
        run=report.run,
        files=files[:MAX_FILES_LISTED],
        files_hidden=max(0, len(files) - MAX_FILES_LISTED),
        dataset_dates=report.dataset_dates,
        item_dates=report.item_dates,
        by_license=report.by_license,
        by_corpus=report.by_corpus,
        plots=all_plots(report),
        coverage=report.coverage(),
        shown=[_view(m) for m in report.strongest(top)],
        custody=report.custody,
        manifest_sha256=report.manifest_file_sha256,
        pct=percent,
        param=shown_value,
        version=__version__,
        schema_version=REPORT_SCHEMA_VERSION,
    )


def _style() -> str:
    from provenance.report.formats.html_template import STYLE

    return STYLE


def _script() -> str:
    from provenance.report.formats.html_template import SCRIPT

    return SCRIPT
