"""``provenance index info`` checks an index's files before describing it: a corrupt one is an error."""

from __future__ import annotations

from pathlib import Path

from synthetic import tweets, write_jsonl
from typer.testing import CliRunner, Result

from provenance.cli import app
from provenance.index import CorpusInfo, IndexParams, build_index

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _index(root: Path) -> Path:
    index = root / "idx"
    corpus = write_jsonl(root / "c.jsonl", tweets(20, seed=3))
    build_index([corpus], index, CorpusInfo("c", "MIT"), params=IndexParams(lsh_bands_rows=(26, 3)))
    return index


def test_index_info_checks_the_files_first(tmp_path: Path) -> None:
    """A byte flipped in a segment (same size): ``index info`` says the index is corrupt, exit 2."""
    index = _index(tmp_path)
    assert invoke("index", "info", index).exit_code == 0
    keys = next(index.glob("segments/*/shingle_keys.npy"))
    data = bytearray(keys.read_bytes())
    data[-1] ^= 0xFF
    keys.write_bytes(bytes(data))
    result = invoke("index", "info", index)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and "checksum mismatch" in result.stderr
    assert "Traceback" not in result.output and not result.stdout
    assert invoke("index", "info", index, "--no-verify-checksums").exit_code == 0
