"""The bundled fixtures end to end: every tweet format indexed, every planted copy found in every
training-set format, nothing else reported, and the evidence re-verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance import CorpusInfo, add_to_index, build_index, scan, verify_scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLANTED = json.loads((FIXTURES / "training" / "planted.json").read_text())


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fx") / "tweets.idx"
    licensed = FIXTURES / "licensed"
    build_index([licensed / "x_archive"], path, CorpusInfo("archive", "LicenseRef-X-Developer-Agreement"))
    add_to_index([licensed / "api_v1.jsonl", licensed / "api_v2.jsonl"], path, CorpusInfo("api", "MIT"))
    add_to_index([licensed / "grailbird", licensed / "generic.csv"], path, CorpusInfo("older", "CC-BY-4.0"))
    return path


@pytest.mark.parametrize("training", ["web.jsonl", "web.parquet", "web.csv.gz"])
def test_planted_copies_found_in_every_format(index: Path, training: str, tmp_path: Path) -> None:
    result = scan([FIXTURES / "training" / training], index, tmp_path / "out", jobs=1)
    found = {(r["dataset_doc_id"], r["item_id"]) for r in result.matches.to_pylist() if not r["weak"]}
    assert found == {(p["doc_id"], p["item_id"]) for p in PLANTED}
    assert verify_scan(tmp_path / "out").ok
