"""``provenance verify`` re-reads the records of archive inputs, whose matches name the member file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provenance import build_index, scan, verify_scan
from provenance.index import CorpusInfo

ARCHIVE = Path(__file__).resolve().parents[2] / "fixtures" / "licensed" / "x_archive"


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_a_scan_of_an_x_archive_verifies(tmp_path: Path, packed: bool) -> None:
    build_index([ARCHIVE], tmp_path / "idx", CorpusInfo("c", "MIT"))
    given = ARCHIVE
    if packed:
        given = Path(shutil.make_archive(str(tmp_path / "archive"), "zip", ARCHIVE.parent, ARCHIVE.name))
    result = scan([given], tmp_path / "idx", tmp_path / "out", jobs=1)
    files = set(result.matches.column("dataset_file").to_pylist())
    assert result.matches.num_rows > 0 and all(f != str(given) for f in files)  # matches name the member
    report = verify_scan(tmp_path / "out")
    assert report.ok, report.problems[:3]
