"""Golden files: each output format compared with a complete expected document in ``tests/golden/``.

The documents are produced by the code and reviewed by a person. To write them again from the
current code (then read the diff before committing it)::

    PROVENANCE_UPDATE_GOLDEN=1 pytest tests/report/test_report_golden.py tests/check/test_check_golden.py

Before the comparison only what differs between two identical runs, or between two machines or
dependency versions, is replaced by a named placeholder (``Volatile``); everything else, byte for
byte, is what a user gets.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE_ENV = "PROVENANCE_UPDATE_GOLDEN"
DIFF_LINES = 120
"""Lines of the unified diff shown when a document differs from its golden file."""

_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.S)


def assert_golden(name: str, text: str) -> None:
    """``text`` must equal ``tests/golden/<name>`` byte for byte (``PROVENANCE_UPDATE_GOLDEN=1``
    writes it instead)."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        return
    if not path.is_file():
        pytest.fail(f"{path} is missing: write it with {UPDATE_ENV}=1 and review it", pytrace=False)
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(), text.splitlines(), f"golden/{name}", "rendered", lineterm=""
            )
        )
        shown = "\n".join(diff[:DIFF_LINES]) + ("\n..." if len(diff) > DIFF_LINES else "")
        pytest.fail(
            f"{name} differs from its golden file ({UPDATE_ENV}=1 rewrites it: review the diff)\n{shown}",
            pytrace=False,
        )


class Volatile:
    """Exact values replaced by a named placeholder, longest first (so that a value that contains
    another is replaced whole). Only exact strings are replaced, never a pattern, so that nothing
    else in a document can be hidden by accident."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, value: str, placeholder: str) -> None:
        """Replace ``value`` (at least 8 characters, so that it cannot match by chance)."""
        assert len(value) >= 8, f"too short to replace safely: {value!r}"
        assert self.values.get(value, placeholder) == placeholder, f"{value!r} has two placeholders"
        self.values[value] = placeholder

    def add_written_files(self, out_dir: Path, index_dir: Path) -> None:
        """The hashes of files whose bytes depend on the Parquet writer: every Parquet file names
        the pyarrow version that wrote it (``created_by``), and CI installs the newest pyarrow. So
        the SHA-256 of ``matches.parquet`` and ``items.parquet``, of ``manifest.json`` (which lists
        them) with and without its ``run``, and the index digest (the SHA-256 of the index manifest,
        which lists its Parquet segments and their build time). Each is computed here as the report
        says it is, so a value the code got otherwise stays in the document and shows in the diff.
        The content hashes (records, items, inputs, the evidence digest of the tables' rows) do
        not depend on the writer and stay."""
        for name in ("matches.parquet", "items.parquet", "manifest.json"):
            self.add(sha256_of(out_dir / name), f"<sha256 of {name}>")
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        core = {key: value for key, value in manifest.items() if key != "run"}
        canonical = json.dumps(core, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        self.add(
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(), "<sha256 of manifest.json without run>"
        )
        self.add_index_digest(index_dir)

    def add_index_digest(self, index_dir: Path) -> None:
        """The index digest (SHA-256 of the index's ``manifest.json``), also as its 12-character
        prefix (the check's step summary)."""
        digest = sha256_of(index_dir / "manifest.json")
        self.add(digest, "<index digest>")
        self.add(digest[:12], "<index digest[:12]>")

    def add_run(self, run: dict, who: str) -> None:
        """A run's start and end times, both ``<{who} time>`` (they are often the same second)."""
        for key in ("started_at", "finished_at"):
            self.add(run[key], f"<{who} time>")

    def __call__(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, self.values[value])
        return text


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def json_with(text: str, change: Callable[[dict], None]) -> str:
    """A JSON document with ``change`` applied, written back exactly as the code writes it (two-space
    indent, UTF-8, key order kept); fails if the code did not write it that way."""
    body = json.loads(text)
    dump = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    assert dump == text, "not written as json.dumps(indent=2, ensure_ascii=False) + newline"
    change(body)
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def svg_texts(html: str) -> str:
    """Each inline ``<svg>`` reduced to the texts it draws, one a line (titles, axis labels, tick
    labels, legend, as escaped in the SVG). matplotlib's path data, ids and number formatting may
    change with its version; the plots' bytes are checked deterministic elsewhere."""

    def texts(svg: re.Match[str]) -> str:
        drawn = [" ".join(t.split()) for t in _SVG_TEXT.findall(svg.group(0))]
        return "<svg><!-- golden: the plot's texts only -->\n" + "".join(f"{t}\n" for t in drawn) + "</svg>"

    return _SVG.sub(texts, html)
