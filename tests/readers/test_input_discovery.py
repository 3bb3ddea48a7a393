"""Finding the inputs: pipes and FIFOs read once (never nothing, never a hang), and directory walks
that read every data file whatever its name and list what they skip."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from gate_world import PROPRIETARY_ROWS, write_policy
from synthetic import write_jsonl
from typer.testing import CliRunner

import provenance
from provenance import scan
from provenance.cli import app
from provenance.errors import InputError
from provenance.readers import ReaderOptions, describe_inputs, discover, discover_inputs, read_records, spool
from provenance.readers.records import Record

DEFAULT = ReaderOptions()
JSONL = ReaderOptions(format="jsonl")
PACKAGE_ROOT = Path(provenance.__file__).resolve().parents[1]
DENY = '[policy]\ndeny = ["LicenseRef-Proprietary"]\n'


def _rows(n: int) -> bytes:
    return b"".join(json.dumps({"id": str(i), "text": f"pipe record {i}"}).encode() + b"\n" for i in range(n))


def _write_later(path: str | int, data: bytes, delay: float = 0.0) -> threading.Thread:
    """A writer thread: opens ``path`` (a FIFO) or writes to the descriptor, after ``delay`` seconds."""

    def write() -> None:
        time.sleep(delay)
        if isinstance(path, int):
            with os.fdopen(path, "wb") as fh:
                fh.write(data)
        else:
            with open(path, "wb") as fh:
                fh.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


# --- (2) a pipe or FIFO is read once, in full ---------------------------------------------------


def test_a_pipe_is_read_whole_and_described_as_given(tmp_path: Path) -> None:
    """``<(cat train.jsonl)``: one read into a temporary copy, hashed as it is copied."""
    data = _rows(50_000)  # far more than a pipe buffer holds
    read_end, write_end = os.pipe()
    writer = _write_later(write_end, data)
    given = f"/dev/fd/{read_end}"
    try:
        (source,) = discover([given], JSONL)
    finally:
        os.close(read_end)
    writer.join()
    assert source.name == given and source.path != Path(given)
    assert len([r for r in read_records([source.path], JSONL) if isinstance(r, Record)]) == 50_000
    (described,) = describe_inputs([source])
    assert described["files"] == [
        {"path": given, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    ]


def test_a_fifo_whose_writer_comes_later_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "train.jsonl"
    os.mkfifo(fifo)
    writer = _write_later(str(fifo), _rows(100), delay=0.3)
    (source,) = discover([fifo], DEFAULT)  # the name tells the format, as for a file
    writer.join()
    assert source.format == "jsonl" and len(list(read_records([source.path], DEFAULT))) == 100


def test_a_fifo_nobody_writes_to_is_refused_not_waited_on_forever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "PIPE_WAIT_SECONDS", 0.2)
    fifo = tmp_path / "silent.jsonl"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(InputError, match="a pipe or FIFO that nothing was written to in 0.2 s") as info:
        discover([fifo], DEFAULT)
    assert time.monotonic() - started < 5 and info.value.source == fifo.as_posix()


def test_an_empty_pipe_is_an_empty_input(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(write_end)
    try:
        (source,) = discover([f"/dev/fd/{read_end}"], JSONL)
    finally:
        os.close(read_end)
    assert list(read_records([source.path], JSONL)) == []
    assert describe_inputs([source])[0]["files"][0]["bytes"] == 0


@pytest.fixture(scope="module")
def gate(gate_world: Mapping, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("discovery_gate")
    return {**gate_world, "tmp": root, "deny": write_policy(root / "deny.toml", DENY)}


def test_check_of_a_process_substitution_reads_it(gate: dict) -> None:
    """The issue's ``check <(cat train.jsonl) --format jsonl``: 0 records and exit 0 before."""
    train = gate["release"] / "train.jsonl"
    script = 'exec "$0" -m provenance check <(cat "$1") --format jsonl --index "$2" --policy "$3" --jobs 2'
    result = subprocess.run(
        ["bash", "-c", script, sys.executable, train, gate["index"], gate["deny"]],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)},
        cwd=gate["tmp"],  # not the checkout: ``-m`` would import the package from the working folder
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "records read 12 = 12 scanned + 0 skipped" in output
    assert f"{len(PROPRIETARY_ROWS)} violation(s)" in output


def test_other_special_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a file, a directory or a pipe \\(a character device\\)"):
        discover(["/dev/null"], DEFAULT)


# --- (9) a walk reads every data file and lists the rest ---------------------------------------


def _dataset(root: Path, copies: list[dict]) -> Path:
    folder = root / "dataset"
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "HEAD.jsonl").write_text('{"text": "never read"}\n', encoding="utf-8")
    write_jsonl(folder / "data.jsonl", [{"id": "d0", "text": "ordinary prose"}])
    write_jsonl(folder / "LICENSE.jsonl", copies)
    write_jsonl(folder / ".hidden.jsonl", [{"id": "h0", "text": "hidden prose"}])
    (folder / "README.md").write_text("# A dataset\n", encoding="utf-8")
    (folder / "LICENSE").write_text("MIT\n", encoding="utf-8")
    (folder / "NOTICE.txt").write_text("notice prose\n", encoding="utf-8")
    (folder / ".gitattributes").write_text("* text\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.jsonl")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as bundle:
        bundle.writestr("inner.jsonl", '{"text": "zipped prose"}\n')
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder)
    return folder


def test_data_files_are_read_whatever_their_name_and_the_rest_listed(tmp_path: Path) -> None:
    folder = _dataset(tmp_path, [{"id": f"c{i}", "text": f"copy {i}"} for i in range(51)])
    found = discover_inputs([folder], DEFAULT)
    base = folder.as_posix()
    assert [s.name for s in found.sources] == [
        f"{base}/.hidden.jsonl",
        f"{base}/LICENSE.jsonl",
        f"{base}/NOTICE.txt",
        f"{base}/data.jsonl",
    ]
    assert [(s.path, s.reason) for s in found.skipped] == [
        (f"{base}/.git", "a version-control folder"),
        (
            f"{base}/.gitattributes",
            "no reader for files without an extension; name it with --format to read it",
        ),
        (f"{base}/LICENSE", "no reader for files without an extension; name it with --format to read it"),
        (f"{base}/README.md", "no reader for '.md' files; name it with --format to read it"),
        (f"{base}/bundle.zip", "this .zip does not hold an X archive (no data/tweets.js)"),
        (f"{base}/pipe.jsonl", "not a regular file (a FIFO); name it to read it"),
        (f"{base}/sub/loop", "a link to a folder this walk has already been through"),
    ]
    assert found.skipped[0].describe() == {"path": f"{base}/.git", "reason": "a version-control folder"}
    assert len(list(read_records([folder], DEFAULT))) == 51 + 3


def test_with_a_format_given_a_walk_reads_undotted_files_and_lists_documents(tmp_path: Path) -> None:
    folder = tmp_path / "spark"
    folder.mkdir()
    write_jsonl(folder / "part-00000", [{"text": "spark output"}])
    (folder / ".part-00000.crc").write_bytes(b"\x00\x01crc")
    (folder / "_SUCCESS").write_text("", encoding="utf-8")
    (folder / "README").write_text("about\n", encoding="utf-8")
    write_jsonl(folder / "README.jsonl", [{"text": "data under a document's name"}])
    found = discover_inputs([folder], JSONL)
    base = folder.as_posix()
    assert [s.name for s in found.sources] == [f"{base}/README.jsonl", f"{base}/part-00000"]
    assert [s.path for s in found.skipped] == [
        f"{base}/.part-00000.crc",
        f"{base}/README",
        f"{base}/_SUCCESS",
    ]


def test_a_scan_finds_the_copies_in_license_jsonl(gate: dict) -> None:
    """The issue's dataset folder: ``LICENSE.jsonl`` holding the copies is scanned, not passed over."""
    folder = gate["tmp"] / "walked"
    folder.mkdir()
    write_jsonl(folder / "data.jsonl", [{"id": "clean", "text": "nothing licensed in this record at all"}])
    train = (gate["release"] / "train.jsonl").read_text(encoding="utf-8")
    (folder / "LICENSE.jsonl").write_text(train, encoding="utf-8")
    result = scan([folder], gate["index"], gate["tmp"] / "walked_out", jobs=1)
    files = {row["dataset_file"] for row in result.matches.to_pylist()}
    assert files == {f"{folder.as_posix()}/LICENSE.jsonl"}
    args = ["check", str(folder), "--index", str(gate["index"]), "--policy", str(gate["deny"]), "--jobs", "1"]
    assert CliRunner().invoke(app, args).exit_code == 1


def test_a_folder_of_nothing_readable_says_what_it_passed_over(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# docs only\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        discover([tmp_path], DEFAULT)
    assert info.value.message == (
        f"no data files in this directory; 1 not read, such as {tmp_path.as_posix()}/README.md: "
        "no reader for '.md' files; name it with --format to read it"
    )
