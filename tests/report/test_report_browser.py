"""The HTML report in a real headless browser (Debian's chromium, driven by Playwright).

The page must open without console errors or dialogs (hostile tweets contain ``<script>`` and
``onerror`` payloads), the filter box must hide rows, a header click must sort, and a screenshot is
taken. Skips with a reason where Playwright or ``/usr/bin/chromium`` is absent (``.ci/run`` installs
both; ``playwright install`` is never needed).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from provenance.report.model import REPORT_FILE

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and shutil.which("chromium") is None,
    reason="/usr/bin/chromium absent (apt-get install chromium; .ci/run does it)",
)


@pytest.fixture(scope="module")
def report_page(report_world: Mapping) -> Path:
    """The HTML report the scan of the session's report world wrote (read-only)."""
    return report_world["out"] / REPORT_FILE


def _visible_rows(page: object) -> int:
    return page.locator("#matches tbody.match:not([hidden])").count()  # type: ignore[attr-defined]


def test_report_opens_filters_sorts_and_renders(report_page: Path, tmp_path: Path) -> None:
    executable = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.on(
                "request", lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(r.url)
            )
            page.goto(report_page.as_uri())
            page.wait_for_load_state("load")

            total = _visible_rows(page)
            assert total >= 10
            assert page.locator("#visible-count").inner_text() == str(total)
            page.locator("#filter").fill("hostile")
            assert _visible_rows(page) == 1
            assert page.locator("#visible-count").inner_text() == "1"
            page.locator("#matches tbody.match:not([hidden]) details summary").click()
            licensed = page.locator("#matches tbody.match:not([hidden]) .pair .text").first.inner_text()
            assert "<script>alert(1)</script>" in licensed  # shown as text, not run
            assert page.locator("#matches tbody.match:not([hidden]) mark").count() == 2
            page.locator("#filter").fill("")
            assert _visible_rows(page) == total

            page.locator('#matches th[data-key="specificity"]').click()
            first = page.locator("#matches tbody.match").first.get_attribute("data-specificity")
            page.locator('#matches th[data-key="specificity"]').click()
            last_first = page.locator("#matches tbody.match").first.get_attribute("data-specificity")
            assert first is not None and last_first is not None and float(first) != float(last_first)

            assert page.locator("svg").count() == 5
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert not problems, problems
