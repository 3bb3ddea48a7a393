"""The readable reports (``provenance report --format html|markdown|json``) compared with complete
golden documents: ``tests/golden/report.{html,md,json}``, and the page the scan itself writes,
``tests/golden/scan-report.html``.

The session's report world is copied and scanned inside the copy with relative paths, as a user
runs it (``provenance scan train-00.jsonl train-01.jsonl --index idx --out audit``, then
``provenance report audit --format F``), so that no temporary path reaches the evidence tables.
Replaced before the comparison, and nothing else (``golden_files``):

- the copy's absolute path (the manifest's ``run.working_directory``, ``index.resolved_path``):
  ``<world>``;
- the scan's ``run.started_at`` and ``finished_at`` (both ``<scan time>``) and ``run.seconds``
  (``<scan seconds>``; in the JSON document the value becomes that string);
- the hashes of the files whose bytes name the pyarrow version that wrote them
  (``Volatile.add_written_files``): the SHA-256 of ``matches.parquet``, ``items.parquet`` and
  ``manifest.json`` (with and without its ``run``), and the index digest;
- each SVG plot of the HTML page, reduced to its texts (``svg_texts``).

So the JSON golden pins the schema version, the sorted keys and indent, and every match and item.

Regenerate: ``PROVENANCE_UPDATE_GOLDEN=1 pytest tests/report/test_report_golden.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from golden_files import GOLDEN_DIR, Volatile, assert_golden, json_with, svg_texts
from typer.testing import CliRunner

from provenance.cli import app
from provenance.report.model import REPORT_FILE

FORMATS = {"html": "report.html", "markdown": "report.md", "json": "report.json"}


@pytest.fixture(scope="module")
def rendered(
    report_world: Mapping, copy_world: Callable, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Each format's document as written, and ``scan_html``: the page the scan wrote."""
    root = copy_world(report_world, tmp_path_factory.mktemp("report_golden") / "world")["root"]
    runner = CliRunner()
    texts = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        scan = runner.invoke(
            app, ["scan", "train-00.jsonl", "train-01.jsonl", "--index", "idx", "--out", "audit", "-j", "1"]
        )
        assert scan.exit_code == 0, scan.output
        for fmt in FORMATS:
            result = runner.invoke(app, ["report", "audit", "--format", fmt])
            assert result.exit_code == 0, result.output
            texts[fmt] = result.stdout
    texts["scan_html"] = (root / "audit" / REPORT_FILE).read_text(encoding="utf-8")
    texts["root"] = str(root)
    return texts


@pytest.fixture(scope="module")
def volatile(rendered: dict[str, str]) -> Volatile:
    root = Path(rendered["root"])
    run = json.loads((root / "audit" / "manifest.json").read_text(encoding="utf-8"))["run"]
    volatile = Volatile()
    volatile.add(str(root), "<world>")
    volatile.add(str(root.resolve()), "<world>")
    volatile.add_run(run, "scan")
    volatile.add_written_files(root / "audit", root / "idx")
    volatile.add(f"({run['seconds']} s, ", "(<scan seconds> s, ")  # the HTML page's "Scan run" row
    return volatile


def normalised(fmt: str, text: str, volatile: Volatile) -> str:
    if fmt == "json":
        text = json_with(text, lambda body: body["run"].update(seconds="<scan seconds>"))
    if fmt == "html":
        text = svg_texts(text)
    return volatile(text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_matches_its_golden_file(rendered: dict[str, str], volatile: Volatile, fmt: str) -> None:
    assert_golden(FORMATS[fmt], normalised(fmt, rendered[fmt], volatile))


def test_the_page_the_scan_writes_matches_its_golden_file(
    rendered: dict[str, str], volatile: Volatile
) -> None:
    """``audit/report.html`` as the scan wrote it: today it lists the scan and reader parameters in
    the order the scan holds them, where ``provenance report`` lists them sorted (as read back from
    ``manifest.json``); otherwise the same page."""
    assert_golden("scan-report.html", normalised("html", rendered["scan_html"], volatile))


def test_the_parameters_read_the_same_in_both_pages_and_as_the_manifest_writes_them() -> None:
    """The page the scan writes and ``report --format html`` list the same parameters, sorted, with
    JSON values (``false``, ``null``), not Python's."""
    rows = [
        [
            line
            for line in (GOLDEN_DIR / name).read_text(encoding="utf-8").splitlines()
            if "<th>scan: " in line
        ]
        for name in ("report.html", "scan-report.html")
    ]
    assert rows[0] == rows[1] and rows[0] == sorted(rows[0])
    assert not any(">False<" in r or ">None<" in r or ">True<" in r for r in rows[0])
