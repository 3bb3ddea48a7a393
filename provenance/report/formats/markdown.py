"""The Markdown report: summary, licence and corpus tables, coverage and top matches.

Meant for a CI step summary or a pull-request comment: always under ``MAX_BYTES``. Texts from the
training data and the licensed corpus are untrusted: every table cell is escaped so that ``|``,
``<``, backticks and Markdown markup render as text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.report.model import Report

MAX_BYTES = 1024 * 1024 - 4096
"""The report stays under 1 MiB (GitHub's step-summary limit), with room to spare."""
MAX_ROWS = 100
"""At most this many matches in the table, whatever ``top`` asks."""
TEXT_WIDTH = 160
"""Characters of a text shown in a table cell."""

_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def escape(text: object, width: int | None = None) -> str:
    """A table-cell-safe rendering of untrusted text: one line, HTML and Markdown markup inert."""
    flat = " ".join(str(text).split())
    if width is not None and len(flat) > width:
        flat = flat[: width - 1] + "…"
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", flat)


def code(text: object) -> str:
    """Untrusted text as an inline code span, or escaped text where a code span cannot hold it."""
    flat = " ".join(str(text).split())
    return escape(flat) if "`" in flat or "|" in flat or not flat else f"`{flat}`"


def _pct(share: float) -> str:
    value = 100.0 * share
    return f"{value:.1f}%" if value == 0 or value >= 1 else f"{value:.3g}%"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _summary(report: Report) -> list[str]:
    s = report.summary
    counts, shares, index = s["counts"], s["shares"], s["index"]
    run = report.run
    return [
        "# Provenance evidence report",
        "",
        f"- **Scanned**: {s['files']:,} file(s), {s['bytes']:,} bytes, "
        f"{counts['records_read']:,} records read "
        f"({counts['scanned']:,} scanned, {counts['skipped']:,} skipped)",
        f"- **Index**: {code(index['path'])} ({index['items']:,} items, {len(index['corpora'])} corpora; "
        f"digest `{index['digest']}`)",
        f"- **Licences**: {', '.join(escape(x) for x in index['licenses']) or '-'}; "
        f"**owners**: {', '.join(escape(x) for x in index['owners']) or '-'}",
        f"- **Found**: {counts['matches']:,} match(es) ({counts['matches_weak']:,} weak) of "
        f"{counts['items_found']:,} licensed item(s) in {shares['matched_records']:,} record(s)",
        f"- **Licensed content**: {_pct(shares['licensed_character_share'])} of characters, "
        f"{_pct(shares['matched_record_share'])} of records",
        f"- **Tool**: provenance {escape(s['tool']['version'])}; "
        f"scan started {escape(run.get('started_at', '?'))}",
        "",
    ]


def _findings(report: Report) -> list[str]:
    lic = [
        [
            escape(r["license"]),
            f"{r['items_found']:,}",
            f"{r['matches']:,}",
            f"{r['strong_matches']:,}",
            f"{r['records_matched']:,}",
            _pct(r["character_share"]),
            _pct(r["record_share"]),
        ]
        for r in report.by_license
    ]
    corpora = [
        [
            escape(r["corpus"]),
            escape(r["license"]),
            f"{r['items'] or 0:,}",
            f"{r['items_found']:,}",
            _pct(r["share_found"]),
            f"{r['matches']:,}",
        ]
        for r in report.by_corpus
    ]
    return [
        "## By licence",
        "",
        *_table(
            ["licence", "items found", "matches", "strong", "records", "chars share", "records share"], lic
        ),
        "## By corpus",
        "",
        *_table(["corpus", "licence", "items", "found", "share found", "matches"], corpora),
    ]


def _coverage(report: Report) -> list[str]:
    cov = report.coverage()
    lines = ["## Coverage", ""]
    if cov["absence"]:
        lines += [f"**{cov['absence']}**", ""]
    return lines + [f"- {s}" for s in cov["statements"]] + [""]


def _matches(report: Report, top: int) -> list[str]:
    shown = report.strongest(min(top, MAX_ROWS))
    total = len(report.matches)
    rows = [
        [
            escape(_held_by(m)),
            escape(m["item_id"]),
            escape(", ".join(m["licenses"])),
            f"{escape(m['dataset_file'])}:{m['dataset_row']}",
            m["kind"],
            f"{m['containment']:.3f}",
            f"{m['jaccard']:.3f}",
            str(m["specificity"]),
            "weak" if m["weak"] else "strong",
            escape(m["licensed_text"], TEXT_WIDTH),
        ]
        for m in shown
    ]
    head = [
        f"## Top matches ({len(shown):,} of {total:,}, strongest first)",
        "",
        f"The complete table is {code(report.out_dir + '/matches.parquet')} "
        f"(or {code(f'provenance report {report.out_dir} --format json')}).",
        "",
    ]
    header = ["corpus", "item", "licence", "record", "kind", "containment", "jaccard", "spec.", "", "text"]
    return head + (_table(header, rows) if rows else ["No matches.", ""])


def _held_by(match: dict) -> str:
    """The match's corpus, and the other corpora that hold its item's text."""
    others = [c for c in match["corpora"] if c != match["corpus"]]
    return match["corpus"] + (f" (also held by {', '.join(others)})" if others else "")


def _custody(report: Report) -> list[str]:
    c = report.custody
    lines = ["## Chain of custody", ""]
    for name, t in c["evidence_tables"].items():
        ok = "matches the manifest" if t["matches_manifest"] else "**differs from the manifest**"
        lines.append(f"- `{name}` SHA-256 `{t['sha256']}` ({ok})")
    lines += [
        f"- evidence digest (report tables) `{c['evidence_digest']}`",
        f"- manifest.json SHA-256 `{report.manifest_file_sha256}`",
        f"- index digest `{c['index_digest']}`",
        f"- re-verify: {code(c['verify_command'])}",
        "",
    ]
    return lines


def render(report: Report, *, top: int = 50) -> str:
    """The Markdown report; rows are dropped from the match table until it fits ``MAX_BYTES``."""
    head = _summary(report) + _findings(report) + _coverage(report)
    tail = _custody(report)
    while True:
        text = "\n".join(head + _matches(report, top) + tail) + "\n"
        if len(text.encode("utf-8")) <= MAX_BYTES or top <= 0:
            return text
        top //= 2
