"""Readable reports: every format renders, JSON is byte-stable, untrusted text stays inert."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from report_world import IMG, SCRIPT, run_scan
from typer.testing import CliRunner

from provenance.cli import app
from provenance.cli.report import REPORT_FORMATS
from provenance.evidence.rederive import verify_scan
from provenance.report.formats import markdown
from provenance.report.formats.interface import MODULES, ReportFormat, render
from provenance.report.model import REPORT_FILE, REPORT_SCHEMA_VERSION, load_report


@pytest.fixture(scope="module")
def world(report_world: Mapping) -> Mapping:
    """The session's report world (read-only), scanned into ``out``."""
    return report_world


@pytest.fixture(scope="module")
def html(world: dict) -> str:
    return (world["root"] / "out" / REPORT_FILE).read_text(encoding="utf-8")


def test_every_format_renders(world: dict) -> None:
    assert set(MODULES) == set(ReportFormat)
    assert REPORT_FORMATS == tuple(f.value for f in ReportFormat)
    report = load_report(world["root"] / "out")
    for fmt in ReportFormat:
        text = render(report, fmt)
        assert isinstance(text, str) and text
        assert "hostile-1" in text, fmt


def test_scan_writes_the_html_report_and_evidence_still_verifies(world: dict, html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert verify_scan(world["root"] / "out").ok
    for section in ("summary", "findings", "coverage", "match-table", "custody"):
        assert f'id="{section}"' in html
    assert html.count("<svg") == 5
    assert "http://" not in html.split("<svg", 1)[0].replace("http://www.w3.org", "")


def test_html_is_self_contained(html: str) -> None:
    no_svg = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", no_svg.replace("https://x.com/", ""))
    assert "Content-Security-Policy" in html


def test_untrusted_text_is_escaped_in_html(html: str) -> None:
    assert SCRIPT not in html and IMG not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Archive &lt;b&gt;A&lt;/b&gt;" in html
    assert html.count("<script>") == 1  # the report's own


def test_untrusted_text_is_inert_in_markdown(world: dict) -> None:
    text = render(load_report(world["root"] / "out"), ReportFormat.MARKDOWN)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    row = next(line for line in text.splitlines() if "hostile\\-1" in line or "hostile-1" in line)
    assert row.count("|") - row.count("\\|") == 11  # 10 cells: no pipe from the text splits the row
    assert "\\`pipe\\`" in row


def test_markdown_stays_under_one_mib(world: dict) -> None:
    report = load_report(world["root"] / "out")
    report.matches = report.matches * 3000
    text = render(report, ReportFormat.MARKDOWN, top=100_000)
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert f"of {len(report.matches):,}" in text


def test_the_evidence_digest_is_what_a_third_party_computes(world: dict, html: str) -> None:
    """The digest the scan's HTML report shows (computed in a forked process) is the SHA-256 of
    the tables' canonical JSON, as its stated method says, from the Parquet files alone."""
    import pyarrow.parquet as pq

    out = world["root"] / "out"
    tables = {name: pq.read_table(out / f"{name}.parquet").to_pylist() for name in ("items", "matches")}
    body = json.dumps(tables, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert load_report(out).custody["evidence_digest"] == expected
    assert f'<td class="mono">{expected}</td>' in html


def test_json_is_byte_stable_except_run(world: Mapping, tmp_path: Path) -> None:
    out = tmp_path / "again"
    first = render(load_report(run_scan(world, out).out_dir), ReportFormat.JSON)
    second = render(load_report(run_scan(world, out).out_dir), ReportFormat.JSON)
    a, b = json.loads(first), json.loads(second)
    a.pop("run"), b.pop("run")
    assert a == b
    strip = re.compile(r'\n  "run": \{.*?\n  \},?', re.S)
    assert strip.sub("", first) == strip.sub("", second)


def test_html_is_deterministic(world: dict) -> None:
    report = load_report(world["root"] / "out")
    assert render(report, ReportFormat.HTML) == render(report, ReportFormat.HTML)


def test_top_limits_the_matches_shown(world: dict) -> None:
    report = load_report(world["root"] / "out")
    page = render(report, ReportFormat.HTML, top=3)
    assert page.count('<tbody class="match"') == 3
    assert "matches.parquet</code>" in page and "strongest 3 of" in page
    md = render(report, ReportFormat.MARKDOWN, top=2)
    table = md.split("## Top matches", 1)[1].split("## Chain of custody", 1)[0]
    assert sum(line.startswith("| ") for line in table.splitlines()) == 1 + 2  # header + 2 rows


def test_a_scan_that_finds_nothing_says_what_absence_means(world: dict, tmp_path: Path) -> None:
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"id": "x", "text": "nothing licensed here at all, just words"}\n', encoding="utf-8")
    from provenance import scan

    scan([clean], world["index"], tmp_path / "out", jobs=1)
    page = (tmp_path / "out" / REPORT_FILE).read_text(encoding="utf-8")
    assert "This scan found no licensed item" in page
    body = json.loads(render(load_report(tmp_path / "out"), ReportFormat.JSON))
    assert body["coverage"]["absence"].startswith("This scan found no licensed item")


def test_cli_report_formats_and_errors(world: dict, tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(world["root"] / "out")
    result = runner.invoke(app, ["report", out, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema_version"] == REPORT_SCHEMA_VERSION
    target = tmp_path / "r.md"
    result = runner.invoke(app, ["report", out, "--format", "markdown", "--output", str(target)])
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("# Provenance")
    result = runner.invoke(app, ["report", out, "--format", "pdf"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["report", str(tmp_path), "--format", "html"])
    assert result.exit_code == 2 and "not a scan output directory" in result.output


def test_markdown_escape() -> None:
    assert markdown.escape("a|b <x> `c`") == "a\\|b &lt;x&gt; \\`c\\`"
    assert markdown.code("x`y") == "x\\`y" and markdown.code("abc") == "`abc`"
