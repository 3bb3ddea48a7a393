"""The HTML report's figures: static matplotlib plots rendered to deterministic inline SVG.

No pyplot and no global backend switch: each figure is a ``matplotlib.figure.Figure`` saved with
the SVG backend, a fixed ``svg.hashsalt`` and no date in the metadata, so the same evidence gives
the same bytes. Texts are ``<text>`` elements (``svg.fonttype: none``): the page's own font draws
them. Each figure's element ids carry the figure's name, so that five inline SVGs in one page do
not repeat an id (matplotlib names every figure's parts ``figure_1``, ``axes_1``, ...).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from provenance.report.model import Report

MAX_BARS = 25
"""Bars shown in a per-licence or per-shard plot; the rest are summed into one bar."""
_RC = {
    "svg.hashsalt": "provenance-report",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_SIZE = (6.4, 3.2)
_BLUE, _ORANGE, _GREY = "#1f5fa8", "#d9822b", "#888888"


def _figure(left: float = 0.1) -> tuple[Figure, Axes]:
    """A figure with fixed margins (a layout engine would cost more than the drawing)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=_SIZE)
    fig.subplots_adjust(left=left, right=0.97, top=0.88, bottom=0.16)
    return fig, fig.add_subplot()


def _svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (XML prolog and DOCTYPE removed)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=_GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def scores(report: Report) -> str:
    """Histogram of containment and Jaccard similarity over all matches, with the thresholds."""
    fig, ax = _figure()
    # arrays, not lists: matplotlib checks a list element by element (0.3 s for 20,000 matches)
    containment = np.array([m["containment"] for m in report.matches], dtype=np.float64)
    jaccard = np.array([m["jaccard"] for m in report.matches], dtype=np.float64)
    if len(containment):
        bins = [i / 40 for i in range(41)]
        ax.hist(containment, bins=bins, color=_BLUE, alpha=0.75, label="containment")
        ax.hist(jaccard, bins=bins, histtype="step", color=_ORANGE, linewidth=1.5, label="Jaccard")
        ax.axvline(report.model.min_containment, color=_BLUE, linestyle="--", linewidth=1)
        ax.axvline(report.model.min_jaccard, color=_ORANGE, linestyle=":", linewidth=1)
        ax.set_xlim(0, 1)
        ax.legend(frameon=False)
        ax.set_xlabel("score (dashed: min containment, dotted: min Jaccard)")
        ax.set_ylabel("matches")
    else:
        _empty(ax, "no matches")
    ax.set_title("Similarity and containment of the matches")
    return _svg(fig)


def _bars(ax: Axes, counts: Counter[str], color: str, xlabel: str) -> None:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > MAX_BARS:
        rest = sum(n for _, n in ranked[MAX_BARS - 1 :])
        ranked = [*ranked[: MAX_BARS - 1], (f"{len(ranked) - MAX_BARS + 1} others", rest)]
    labels = [_short(label) for label, _ in ranked][::-1]
    ax.barh(range(len(ranked)), [n for _, n in ranked][::-1], color=color)
    ax.set_yticks(range(len(ranked)), labels)
    ax.set_xlabel(xlabel)


def _short(label: str, width: int = 40) -> str:
    return label if len(label) <= width else "…" + label[-(width - 1) :]


def per_license(report: Report) -> str:
    """Matches per licence (strong and weak together): a match counts under every licence its item's
    text is held under."""
    return _matches_per(report, "licenses", _BLUE, "Matches per licence")


def per_shard(report: Report) -> str:
    """Matches per dataset file (shard)."""
    return _matches_per(report, "dataset_file", _ORANGE, "Matches per dataset shard (file)")


def _matches_per(report: Report, column: str, color: str, title: str) -> str:
    """Horizontal bars of the number of matches per value of ``column`` (per element of a list)."""
    fig, ax = _figure(left=0.36)
    values = (m[column] for m in report.matches)
    counts = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
    if counts:
        _bars(ax, counts, color, "matches")
    else:
        _empty(ax, "no matches")
    ax.set_title(title)
    return _svg(fig)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def item_dates(report: Report) -> str:
    """Matched items by creation date; the dataset's date range is stated, or said to be unknown."""
    from matplotlib import dates as mdates

    fig, ax = _figure()
    seen: dict[tuple[str, str], datetime] = {}
    for m in report.matches:
        when = _parse(m["item_created_at"])
        if when is not None:
            seen[(m["corpus"], m["item_id"])] = when
    if seen:
        values = sorted(mdates.date2num(list(seen.values())))
        ax.hist(values, bins=min(40, max(5, len(values) // 3)), color=_BLUE)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.set_ylabel("matched items")
        ax.set_xlabel("item creation date")
    else:
        _empty(ax, "no matched item has a known creation date")
    ax.set_title("When were the copied items posted? (dataset date range: unknown)", fontsize=9)
    return _svg(fig)


def coverage(report: Report) -> str:
    """Detection probability: the containment step and the LSH curve by Jaccard similarity."""
    fig, ax = _figure()
    curves = report.model.curves()
    for key, color, style, steps, label in (
        ("containment_anchor", _BLUE, "-", "steps-post", "containment (exact anchors)"),
        ("jaccard_lsh", _ORANGE, "--", "default", "Jaccard, LSH path alone"),
        ("jaccard_near_duplicate", _GREY, ":", "steps-post", "Jaccard, near-duplicate"),
    ):
        points = curves[key]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        ax.plot(xs, ys, style, color=color, drawstyle=steps, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("containment or Jaccard similarity of the copy")
    ax.set_ylabel("P(detected)")
    ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1.0, 0.08), fontsize=7)
    ax.set_title("Probability that a copy is detected")
    return _svg(fig)


_ID = re.compile(r'(\bid="|url\(#|xlink:href="#|href="#)([^"#)]+)')


def own_ids(svg: str, name: str) -> str:
    """``svg`` with every element id, and every reference to one, prefixed with ``name-``."""
    return _ID.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)


def all_plots(report: Report) -> dict[str, str]:
    """Every figure of the HTML report, by name, as inline SVG with ids of its own."""
    import matplotlib

    figures = {
        "scores": scores,
        "per_license": per_license,
        "item_dates": item_dates,
        "per_shard": per_shard,
        "coverage": coverage,
    }
    with matplotlib.rc_context(_RC):
        return {name: own_ids(draw(report), name.replace("_", "-")) for name, draw in figures.items()}
