"""``scan --out`` may not destroy or feed on what the scan reads: the index and the inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from synthetic import tweets, write_jsonl
from typer.testing import CliRunner

from provenance import scan
from provenance.cli import app
from provenance.errors import UsageError
from provenance.index import CorpusInfo, Index, build_index

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("out-dir")
    rows = tweets(10)
    build_index([write_jsonl(root / "items.jsonl", rows)], root / "idx", CorpusInfo("c", "CC-BY-4.0"))
    (root / "data").mkdir()
    write_jsonl(root / "data" / "train.jsonl", [{"id": "t0", "text": f"pre {rows[0]['text']} post"}])
    return root


def _copy(world: Path, tmp_path: Path) -> Path:
    shutil.copytree(world, tmp_path / "w")
    return tmp_path / "w"


@pytest.mark.parametrize(
    ("out", "relation"),
    [
        ("idx", "is the index"),
        ("idx/segments", "lies inside the index"),
        (".", "holds the index"),
        ("data", "is the input"),
        ("data/audit", "lies inside the input"),
    ],
)
def test_an_out_dir_on_the_index_or_an_input_is_refused(
    world: Path, tmp_path: Path, out: str, relation: str
) -> None:
    root = _copy(world, tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(UsageError, match=relation):
        scan([root / "data"], root / "idx", root / out)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # nothing written
    Index.open(root / "idx")  # the index is intact


def test_the_cli_refuses_the_index_as_out_with_exit_2(world: Path, tmp_path: Path) -> None:
    root = _copy(world, tmp_path)
    result = runner.invoke(
        app, ["scan", str(root / "data"), "--index", str(root / "idx"), "--out", str(root / "idx")]
    )
    assert result.exit_code == 2 and "is the index" in result.stderr, result.output
    Index.open(root / "idx")


def test_an_empty_out_is_refused(world: Path, tmp_path: Path) -> None:
    root = _copy(world, tmp_path)
    result = runner.invoke(app, ["scan", str(root / "data"), "--index", str(root / "idx"), "--out", ""])
    assert result.exit_code == 2 and "is empty" in result.output
    with pytest.raises(UsageError, match="is empty"):
        scan([root / "data"], root / "idx", "")


def test_an_out_dir_beside_them_is_fine(world: Path, tmp_path: Path) -> None:
    root = _copy(world, tmp_path)
    result = scan([root / "data"], root / "idx", root / "audit")
    assert result.matches.num_rows == 1 and (root / "audit" / "manifest.json").is_file()
