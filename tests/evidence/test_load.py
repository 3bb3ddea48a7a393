"""One loader of a scan's output directory, one error naming the directory or file and the fault."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from provenance.check.baseline import entries_from
from provenance.check.evaluate import evaluate
from provenance.check.policy import Policy
from provenance.errors import EvidenceError, InputError, ProvenanceError
from provenance.evidence.files import ITEMS_FILE, MANIFEST_FILE, MATCHES_FILE, items_found_table
from provenance.evidence.load import load_scan_dir
from provenance.evidence.rederive import verify_scan
from provenance.evidence.schema import EVIDENCE_SCHEMA_VERSION, MATCH_SCHEMA
from provenance.report.model import load_report


@pytest.fixture
def scan_dir(tmp_path: Path) -> Path:
    """A scan directory with no matches: the three files, as ``write_scan_outputs`` leaves them."""
    from provenance.evidence.files import write_scan_outputs

    out = tmp_path / "out"
    matches = MATCH_SCHEMA.empty_table()
    manifest = {"schema_version": EVIDENCE_SCHEMA_VERSION, "command": "scan", "counts": {"matches": 0}}
    write_scan_outputs(out, matches, items_found_table(matches), manifest)
    return out


def _fails(directory: Path, *needles: str, items: bool = True) -> EvidenceError:
    with pytest.raises(EvidenceError) as raised:
        load_scan_dir(directory, items=items)
    for needle in needles:
        assert needle in str(raised.value)
    return raised.value


def test_a_scan_directory_loads_as_tables_and_manifest(scan_dir: Path) -> None:
    evidence = load_scan_dir(scan_dir)
    assert evidence.directory == scan_dir
    assert evidence.manifest == json.loads((scan_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert isinstance(evidence.matches, pa.Table) and evidence.matches.schema.names == MATCH_SCHEMA.names
    assert isinstance(evidence.items, pa.Table) and evidence.items.num_rows == 0
    assert (evidence.manifest_path, evidence.matches_path, evidence.items_path) == (
        scan_dir / MANIFEST_FILE,
        scan_dir / MATCHES_FILE,
        scan_dir / ITEMS_FILE,
    )
    assert load_scan_dir(str(scan_dir), items=False).items is None


def test_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    error = _fails(missing, "no such directory", "not a scan output directory")
    assert error.source == missing.as_posix()
    assert str(error) == f"{missing.as_posix()}: no such directory: not a scan output directory"
    assert isinstance(error, InputError) and isinstance(error, ProvenanceError)


def test_a_file_instead_of_a_directory(scan_dir: Path) -> None:
    _fails(scan_dir / MATCHES_FILE, "not a directory: not a scan output directory")


def test_a_directory_without_a_manifest(tmp_path: Path) -> None:
    error = _fails(tmp_path, "no manifest.json: not a scan output directory")
    assert error.source == tmp_path.as_posix()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"command": "scan",', "manifest.json is not valid JSON: "),
        (b"\xff\xfe{}", "manifest.json is not valid UTF-8: "),
        (b"[1, 2]", "manifest.json does not describe a scan"),
        (b'{"command": "index", "counts": {}}', "manifest.json does not describe a scan"),
        (b'{"command": "scan", "counts": {}, "schema_version": 99}', "evidence schema_version 99, this"),
    ],
    ids=["bad-json", "not-utf8", "not-an-object", "not-a-scan", "schema-version"],
)
def test_a_bad_manifest_names_the_file(scan_dir: Path, body: bytes, needle: str) -> None:
    (scan_dir / MANIFEST_FILE).write_bytes(body)
    error = _fails(scan_dir, needle)
    assert error.source == (scan_dir / MANIFEST_FILE).as_posix()


@pytest.mark.parametrize("name", [MATCHES_FILE, ITEMS_FILE])
def test_a_missing_table(scan_dir: Path, name: str) -> None:
    (scan_dir / name).unlink()
    error = _fails(scan_dir, f"{name} is missing")
    assert error.source == scan_dir.as_posix()


def test_items_are_not_needed_when_not_asked_for(scan_dir: Path) -> None:
    (scan_dir / ITEMS_FILE).unlink()
    assert load_scan_dir(scan_dir, items=False).matches.num_rows == 0


@pytest.mark.parametrize(
    "corrupt",
    [lambda b: b"not parquet at all", lambda b: b[: len(b) // 2], lambda b: b[:4] + b"\0" * 64 + b[-8:]],
    ids=["garbage", "truncated", "zeroed"],
)
@pytest.mark.parametrize("name", [MATCHES_FILE, ITEMS_FILE])
def test_a_corrupt_table(scan_dir: Path, name: str, corrupt: Callable[[bytes], bytes]) -> None:
    path = scan_dir / name
    path.write_bytes(corrupt(path.read_bytes()))
    error = _fails(scan_dir, "not a readable Parquet file (")
    assert error.source == path.as_posix()


def test_a_table_without_the_evidence_columns(scan_dir: Path) -> None:
    pq.write_table(pa.table({"item_id": pa.array([], pa.string())}), scan_dir / MATCHES_FILE)
    error = _fails(scan_dir, "not a matches.parquet of a scan: column(s) corpus, license,")
    assert error.source == (scan_dir / MATCHES_FILE).as_posix()


def _check(directory: Path) -> object:
    return evaluate(Policy.from_dict({"policy": {"deny": ["CC-BY-NC-*"]}}), directory)


@pytest.mark.parametrize("load", [load_report, verify_scan, _check], ids=["report", "verify", "check"])
def test_report_verify_and_check_fail_the_same_way(tmp_path: Path, load: Callable[[Path], object]) -> None:
    for directory, needle in (
        (tmp_path / "nowhere", "no such directory: not a scan output directory"),
        (tmp_path, "no manifest.json: not a scan output directory"),
    ):
        with pytest.raises(EvidenceError, match=needle):
            load(directory)


def test_baseline_loads_a_scan_directory_the_same_way(scan_dir: Path, tmp_path: Path) -> None:
    assert entries_from(scan_dir, "accepted") == []
    with pytest.raises(EvidenceError, match="no manifest.json: not a scan output directory"):
        entries_from(tmp_path, "accepted")
