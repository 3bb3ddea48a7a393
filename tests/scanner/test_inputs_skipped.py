"""What a directory walk does not read is listed with why: in the manifest, the scan's summary and
every check output."""

from __future__ import annotations

import json
from pathlib import Path

from synthetic import tweets, write_jsonl
from typer.testing import CliRunner

from provenance import scan
from provenance.cli import app
from provenance.index import CorpusInfo, build_index

runner = CliRunner()


def _release(root: Path) -> Path:
    rows = tweets(5)
    build_index([write_jsonl(root / "items.jsonl", rows)], root / "idx", CorpusInfo("c", "MIT"))
    release = root / "release"
    (release / ".git").mkdir(parents=True)
    (release / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (release / "README.md").write_text("# a dataset\n", encoding="utf-8")
    write_jsonl(release / "data.jsonl", [{"id": "a", "text": f"x {rows[0]['text']} y"}])
    (root / "policy.toml").write_text('[policy]\ndeny = ["GPL-3.0-only"]\n', encoding="utf-8")
    return release


def test_the_manifest_and_the_result_list_what_was_not_read(tmp_path: Path) -> None:
    release = _release(tmp_path)
    result = scan([release], tmp_path / "idx", tmp_path / "out")
    listed = {Path(e["path"]).name: e["reason"] for e in result.inputs_skipped}
    assert set(listed) == {".git", "README.md"} and all(listed.values())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs_skipped"] == result.inputs_skipped


def test_the_scan_summary_and_the_check_outputs_show_them(tmp_path: Path) -> None:
    release = _release(tmp_path)
    scanned = runner.invoke(
        app, ["scan", str(release), "--index", str(tmp_path / "idx"), "--out", str(tmp_path / "o")]
    )
    assert scanned.exit_code == 0 and "2 path(s) not read" in scanned.stderr and "README.md" in scanned.stderr
    summary, report, sarif = tmp_path / "s.md", tmp_path / "r.json", tmp_path / "r.sarif"
    args = [
        "check",
        str(release),
        "--index",
        str(tmp_path / "idx"),
        "--policy",
        str(tmp_path / "policy.toml"),
    ]
    checked = runner.invoke(
        app, [*args, "--summary", str(summary), "--json", str(report), "--sarif", str(sarif)]
    )
    assert checked.exit_code == 0, checked.output
    assert "2 path(s) not read" in summary.read_text() and "README.md" in summary.read_text()
    assert len(json.loads(report.read_text())["scan"]["inputs_skipped"]) == 2
    assert len(json.loads(sarif.read_text())["runs"][0]["properties"]["inputsSkipped"]) == 2
