"""The evidence is one unit: written tables first and the manifest last, checked by every reader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from gate_world import build_world, write_policy
from typer.testing import CliRunner

from provenance import scan
from provenance.check.baseline import entries_from
from provenance.check.evaluate import evaluate
from provenance.check.policy import Policy
from provenance.cli import app
from provenance.errors import EvidenceError
from provenance.evidence.files import ITEMS_FILE, MANIFEST_FILE, MATCHES_FILE, write_scan_outputs
from provenance.evidence.load import INDEX_FORMAT, load_scan_dir
from provenance.evidence.rederive import verify_scan
from provenance.index.store import FORMAT_NAME
from provenance.report.model import load_report

MIXED = "does not match manifest.json: the evidence is mixed or altered; scan again"
INDEX = "this is a provenance index, not a scan output directory"
POLICY = Policy.from_dict({"policy": {"deny": ["GPL-3.0-only"]}})
WRITE_STEPS = (
    f"{MATCHES_FILE} staged",
    f"{ITEMS_FILE} staged",
    "manifest staged",
    f"{MATCHES_FILE} in place",
    f"{ITEMS_FILE} in place",
    f"{MANIFEST_FILE} in place",
)
"""``write_scan_outputs``' checkpoints: two tables and the manifest staged, then each in place."""
REFUSED_AFTER = (f"{MATCHES_FILE} in place", f"{ITEMS_FILE} in place")
"""Kills after which the directory holds new tables beside the old manifest: refused, not loaded."""
KILLED_SCAN = """
import sys
from provenance import scan
scan([sys.argv[1]], sys.argv[2], sys.argv[3], jobs=1)
"""
runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two scans with different evidence: ``old`` of the release (5 matches), ``new`` of 3 records."""
    w = build_world(tmp_path_factory.mktemp("unit"))
    w["old"], w["new"] = w["root"] / "old", w["root"] / "new"
    scan([w["release"]], w["index"], w["old"], jobs=1)
    scan([w["broken"]], w["index"], w["new"], jobs=1)
    return w


def state(out: Path) -> tuple:
    """Everything a reader of ``out`` sees (raises ``EvidenceError`` where it is refused)."""
    evidence = load_scan_dir(out)
    manifest = {k: v for k, v in evidence.manifest.items() if k != "run"}
    return repr(manifest), evidence.matches.to_pylist(), evidence.items.to_pylist()


def _copy(world: dict, name: str, tmp_path: Path) -> Path:
    out = tmp_path / name
    shutil.copytree(world[name], out)
    return out


@pytest.mark.parametrize("name", [MATCHES_FILE, ITEMS_FILE])
def test_a_table_of_another_scan_is_refused(world: dict, tmp_path: Path, name: str) -> None:
    out = _copy(world, "old", tmp_path)
    shutil.copyfile(world["new"] / name, out / name)  # readable, right columns, other evidence
    with pytest.raises(EvidenceError) as raised:
        load_scan_dir(out)
    assert str(raised.value) == f"{(out / name).as_posix()}: {name} {MIXED}"


def test_mixed_evidence_is_refused_by_check_report_and_baseline(world: dict, tmp_path: Path) -> None:
    out = _copy(world, "old", tmp_path)
    shutil.copyfile(world["new"] / MATCHES_FILE, out / MATCHES_FILE)  # the new table, the old manifest
    for load in (lambda d: evaluate(POLICY, d), load_report, lambda d: entries_from(d, "accepted")):
        with pytest.raises(EvidenceError, match=MIXED):
            load(out)
    # verify still reads it, and reports the table as a difference (exit 1), never as verified.
    problems = verify_scan(out).problems
    assert any(p.startswith(f"{MATCHES_FILE}: SHA-256") for p in problems), problems
    check = [
        "check",
        "--from-scan",
        out,
        "--policy",
        write_policy(tmp_path / "p.toml", '[policy]\ndeny = ["GPL-3.0-only"]\n'),
    ]
    for args in (check, ["report", out]):
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 2 and MIXED in result.stderr, result.output


def test_items_not_read_are_not_checked(world: dict, tmp_path: Path) -> None:
    out = _copy(world, "old", tmp_path)
    shutil.copyfile(world["new"] / ITEMS_FILE, out / ITEMS_FILE)
    assert load_scan_dir(out, items=False).matches.num_rows == 5
    with pytest.raises(EvidenceError, match=f"{ITEMS_FILE} {MIXED}"):
        load_scan_dir(out)
    assert load_scan_dir(out, check_outputs=False).items.num_rows == pq.read_table(out / ITEMS_FILE).num_rows


def test_a_manifest_without_the_tables_hashes_is_refused(world: dict, tmp_path: Path) -> None:
    out = _copy(world, "old", tmp_path)
    manifest = (out / MANIFEST_FILE).read_text(encoding="utf-8")
    (out / MANIFEST_FILE).write_text(manifest.replace('"outputs"', '"outputs_gone"'), encoding="utf-8")
    with pytest.raises(EvidenceError, match=f"manifest.json records no SHA-256 for {MATCHES_FILE}"):
        load_scan_dir(out)


def test_tables_without_a_manifest_are_named_an_interrupted_scan(world: dict, tmp_path: Path) -> None:
    out = _copy(world, "old", tmp_path)
    (out / MANIFEST_FILE).unlink()
    with pytest.raises(EvidenceError, match="not a scan output directory .* an interrupted first scan"):
        load_scan_dir(out)


def test_the_writer_records_every_table_and_leaves_no_temporary_file(world: dict, tmp_path: Path) -> None:
    out = _copy(world, "old", tmp_path)
    (out / ".matches.parquet.tmp-0123456789ab").write_bytes(b"left by a killed writer")
    evidence = load_scan_dir(world["new"])
    write_scan_outputs(
        out, evidence.matches, evidence.items, dict(evidence.manifest), derived=["report.html"]
    )
    assert sorted(p.name for p in out.iterdir()) == [ITEMS_FILE, MANIFEST_FILE, MATCHES_FILE]
    written = load_scan_dir(out)  # every table matches the SHA-256 the manifest now records
    assert written.matches.equals(evidence.matches) and written.items.equals(evidence.items)


def test_an_index_is_named_as_such(world: dict) -> None:
    assert INDEX_FORMAT == FORMAT_NAME
    index = world["index"]
    for load in (load_scan_dir, verify_scan, lambda d: evaluate(POLICY, d), load_report):
        with pytest.raises(EvidenceError) as raised:
            load(index)
        assert (
            str(raised.value)
            == f"{index.as_posix()}: {INDEX} (give the --out directory of `provenance scan`)"
        )
    result = runner.invoke(app, ["verify", str(index)])
    assert result.exit_code == 2 and INDEX in result.stderr and "Traceback" not in result.output


# --- kill -9 at every write step of a re-scan into an existing --out --------------------------


def _killed_scan(
    world: dict, out: Path, kill_at: int | None, trace: bool = False
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_KILL")}
    if kill_at is not None:
        env["PROVENANCE_KILL_AT"] = str(kill_at)
    if trace:
        env["PROVENANCE_KILL_TRACE"] = "1"
    command = [sys.executable, "-c", KILLED_SCAN, str(world["broken"]), str(world["index"]), str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def kill_points(world: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Each write step of a re-scan into an existing --out, and the checkpoint number it has in
    the whole scan (other writers' checkpoints may come before)."""
    out = tmp_path_factory.mktemp("traced") / "old"
    shutil.copytree(world["old"], out)
    traced = _killed_scan(world, out, 10_000, trace=True)
    assert traced.returncode == 0, traced.stderr
    assert state(out) == state(world["new"])
    names = [line.split(": ", 1)[1] for line in traced.stdout.splitlines() if line.startswith("checkpoint ")]
    return {name: number for number, name in enumerate(names, start=1) if name in WRITE_STEPS}


def test_every_write_step_is_a_kill_point(kill_points: dict[str, int]) -> None:
    assert list(kill_points) == list(WRITE_STEPS)


@pytest.mark.parametrize("step", WRITE_STEPS)
def test_a_killed_rescan_leaves_old_or_new_evidence_never_mixed(
    world: dict, kill_points: dict[str, int], tmp_path: Path, step: str
) -> None:
    out = _copy(world, "old", tmp_path)
    old, new = state(world["old"]), state(world["new"])
    killed = _killed_scan(world, out, kill_points[step])
    assert killed.returncode == -9, f"the kill at {step!r} did not happen: {killed.stderr}"
    try:
        seen = state(out)
    except EvidenceError as err:
        # Only between the renames (new tables, old manifest) is the directory refused.
        assert step in REFUSED_AFTER and MIXED in str(err), (step, str(err))
        for load in (lambda d: evaluate(POLICY, d), load_report):
            with pytest.raises(EvidenceError, match=MIXED):
                load(out)
    else:
        assert step not in REFUSED_AFTER, f"killed after {step!r}: mixed evidence was loaded"
        assert seen == (new if step == f"{MANIFEST_FILE} in place" else old), f"killed after {step!r}"
    rerun = _killed_scan(world, out, None)
    assert rerun.returncode == 0, rerun.stderr
    assert state(out) == new
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
