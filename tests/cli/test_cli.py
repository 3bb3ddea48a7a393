"""The command line: exit codes, stdout/stderr discipline, and the evidence files it leaves behind."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.main import get_command
from typer.testing import CliRunner, Result

from provenance.cli import app
from provenance.cli.common import FORMATS_HELP

REPO_ROOT = Path(__file__).resolve().parents[2]
SYLLABLES = "ka lo mi re tu van sel dor pim qua zen fo bri gal hux".split()
TWEET_WORDS = [a + b for a in SYLLABLES for b in SYLLABLES]  # 225 invented words
FILLER_WORDS = [a + b + "o" for a in "bcdfgh" for b in "aeiu"]  # disjoint from the tweet words
EMBEDDED = (0, 7, 19)
"""Tweets planted in the training file, one per document."""
BROKEN_LINE = 3
"""1-based line of the training file that is not valid JSON."""

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    """Run the CLI in-process with stdout and stderr captured separately."""
    return runner.invoke(app, [str(a) for a in args])


def _tweets() -> list[dict[str, str]]:
    rng = random.Random(7)
    return [
        {"id": str(1_700_000_000_000_000_000 + i), "text": " ".join(rng.choices(TWEET_WORDS, k=14))}
        for i in range(30)
    ]


def _filler(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(FILLER_WORDS, k=words))


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    """A licensed corpus (30 tweets + one exact duplicate), a second corpus, and a training file."""
    tweets = _tweets()
    corpus = tmp_path / "tweets.jsonl"
    rows = [*tweets, {"id": "1799999999999999999", "text": tweets[3]["text"]}]
    corpus.write_text("".join(json.dumps(t) + "\n" for t in rows), encoding="utf-8")

    rng = random.Random(11)
    other = tmp_path / "other.jsonl"
    other.write_text(
        "".join(
            json.dumps({"id": f"o{i}", "text": " ".join(rng.choices(TWEET_WORDS, k=12))}) + "\n"
            for i in range(5)
        ),
        encoding="utf-8",
    )

    lines = [
        json.dumps({"id": f"doc-{n}", "text": f"{_filler(rng, 60)} {tweets[i]['text']} {_filler(rng, 40)}"})
        for n, i in enumerate(EMBEDDED)
    ]
    lines.insert(BROKEN_LINE - 1, '{"id": "doc-broken", "text": "never closed')
    lines.append(json.dumps({"id": "doc-plain", "text": _filler(rng, 80)}))
    training = tmp_path / "train.jsonl"
    training.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"corpus": corpus, "other": other, "training": training, "root": tmp_path}


def _build(data: dict[str, Path], *extra: str) -> tuple[Result, Path]:
    index = data["root"] / "idx"
    result = invoke(
        "index",
        "build",
        data["corpus"],
        "--index",
        index,
        "--corpus",
        "tweets",
        "--license",
        "CC-BY-4.0",
        "--owner",
        "Example Corp",
        *extra,
    )
    return result, index


def _info(index: Path) -> dict:
    result = invoke("index", "info", index, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _scan(data: dict[str, Path], index: Path, *extra: str) -> tuple[Result, Path]:
    out = data["root"] / "scan-out"
    return invoke("scan", data["training"], "--index", index, "--out", out, "--jobs", "1", *extra), out


def _assert_clean_error(result: Result, *needles: str) -> None:
    """Exit 2 with a one-line ``error: ...`` on stderr naming each needle, and no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: "), result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_build_then_info_json_accounts_for_every_record(data: dict[str, Path]) -> None:
    result, index = _build(data, "--acquired", "2024-05-01")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "records read 31" in result.stderr

    info = _info(index)
    assert info["items"] >= 30
    (corpus,) = info["corpora"]
    assert corpus["name"] == "tweets"
    assert corpus["license"] == "CC-BY-4.0"
    assert corpus["owner"] == "Example Corp"
    assert corpus["records_read"] == 31
    assert corpus["records_read"] == corpus["indexed"] + corpus["duplicates"] + corpus["skipped"]
    assert list(info) == sorted(info)


def test_info_table_goes_to_stdout(data: dict[str, Path]) -> None:
    _, index = _build(data)
    result = invoke("index", "info", index)
    assert result.exit_code == 0, result.output
    for text in ("tweets", "CC-BY-4.0", "Example", "num_perm", "digest"):
        assert text in result.stdout
    assert result.stderr == ""


def test_build_over_an_existing_index_needs_force(data: dict[str, Path]) -> None:
    _build(data)
    again, index = _build(data)
    _assert_clean_error(again, "already exists", "--force")
    forced, _ = _build(data, "--force", "--shingle-size", "2", "--num-perm", "64", "--lsh-threshold", "0.6")
    assert forced.exit_code == 0, forced.output
    params = _info(index)["params"]
    assert params["shingles"]["n"] == 2
    assert params["minhash"]["num_perm"] == 64
    assert params["lsh"]["threshold"] == 0.6


def test_add_second_corpus_then_compact(data: dict[str, Path]) -> None:
    _, index = _build(data)
    added = invoke(
        "index",
        "add",
        data["other"],
        "--index",
        index,
        "--corpus",
        "other",
        "--license",
        "LicenseRef-Example-Terms",
    )
    assert added.exit_code == 0, added.output
    info = _info(index)
    assert [c["name"] for c in info["corpora"]] == ["tweets", "other"]
    assert info["segments"] == 2

    compacted = invoke("index", "compact", index)
    assert compacted.exit_code == 0, compacted.output
    assert "2 segments" in compacted.stderr
    after = _info(index)
    assert after["segments"] == 1
    assert after["items"] == info["items"]

    duplicate = invoke(
        "index", "add", data["other"], "--index", index, "--corpus", "other", "--license", "MIT"
    )
    _assert_clean_error(duplicate, "other")


def test_scan_writes_evidence_and_exits_zero(data: dict[str, Path]) -> None:
    _, index = _build(data)
    result, out = _scan(data, index)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    for name in ("matches.parquet", "items.parquet", "manifest.json"):
        assert (out / name).is_file()
    matches = pq.read_table(out / "matches.parquet")
    assert matches.num_rows == len(EMBEDDED)
    assert pq.read_table(out / "items.parquet").num_rows == len(EMBEDDED)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["skipped"] == 1
    assert f"train.jsonl:{BROKEN_LINE}" in result.stderr
    assert f"{len(EMBEDDED)} match(es)" in result.stderr
    assert "CC-BY-4.0" in result.stderr
    assert "of characters" in result.stderr


def test_scan_strict_stops_at_the_broken_line(data: dict[str, Path]) -> None:
    _, index = _build(data)
    result, out = _scan(data, index, "--strict")
    _assert_clean_error(result, f"train.jsonl:{BROKEN_LINE}")
    assert not (out / "manifest.json").exists()


def test_build_strict_names_the_bad_record(data: dict[str, Path]) -> None:
    bad = data["root"] / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "fine words here"}\n{"id": "2"\n', encoding="utf-8")
    result = invoke(
        "index", "build", bad, "--index", data["root"] / "i", "--corpus", "c", "--license", "MIT", "--strict"
    )
    _assert_clean_error(result, "bad.jsonl:2")


def test_missing_input_is_named_without_traceback(data: dict[str, Path]) -> None:
    missing = data["root"] / "no-such-file.jsonl"
    result = invoke(
        "index", "build", missing, "--index", data["root"] / "i", "--corpus", "c", "--license", "MIT"
    )
    _assert_clean_error(result, "no-such-file.jsonl")
    _, index = _build(data)
    scanned = invoke("scan", missing, "--index", index, "--out", data["root"] / "o", "--jobs", "1")
    _assert_clean_error(scanned, "no-such-file.jsonl")


def test_bad_licence_and_bad_options_exit_2(data: dict[str, Path]) -> None:
    result = invoke(
        "index",
        "build",
        data["corpus"],
        "--index",
        data["root"] / "i",
        "--corpus",
        "c",
        "--license",
        "not a licence!",
    )
    _assert_clean_error(result, "not a licence!")
    bad_format = invoke(
        "index",
        "build",
        data["corpus"],
        "--index",
        data["root"] / "i",
        "--corpus",
        "c",
        "--license",
        "MIT",
        "--format",
        "xml",
    )
    assert bad_format.exit_code == 2
    assert "xml" in bad_format.stderr and "jsonl" in bad_format.stderr
    missing_option = invoke("index", "build", data["corpus"], "--corpus", "c", "--license", "MIT")
    assert missing_option.exit_code == 2
    no_index = invoke("index", "info", data["root"] / "nowhere")
    assert no_index.exit_code == 2 and "Traceback" not in no_index.output


def test_interrupt_exits_130(data: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import provenance.index

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(provenance.index, "build_index", interrupted)
    result, _ = _build(data)
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


def test_verify_passes_then_catches_tampering(data: dict[str, Path]) -> None:
    pytest.importorskip("provenance.evidence.rederive")
    _, index = _build(data)
    _, out = _scan(data, index)
    ok = invoke("verify", out)
    assert ok.exit_code == 0, ok.output
    assert f"{len(EMBEDDED)} match(es) re-derived" in ok.stderr

    matches = pq.read_table(out / "matches.parquet")
    doc_end = matches.column("doc_end")
    tampered = matches.set_column(
        matches.schema.get_field_index("doc_end"), matches.schema.field("doc_end"), pc.add(doc_end, 1)
    )
    pq.write_table(tampered, out / "matches.parquet")
    bad = invoke("verify", out)
    assert bad.exit_code == 1, bad.output
    assert "doc_end" in bad.stdout
    assert "verification failed" in bad.stderr

    not_a_scan = invoke("verify", data["root"])
    _assert_clean_error(not_a_scan)


COMMANDS: list[list[str]] = [
    [],
    ["index"],
    ["index", "build"],
    ["index", "add"],
    ["index", "info"],
    ["index", "compact"],
    ["scan"],
    ["verify"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "provenance")
def test_every_command_has_help(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    group = get_command(app)
    cmd = group
    for name in command:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    assert cmd.help and cmd.help.strip()
    for param in cmd.params:
        assert getattr(param, "help", None), f"{' '.join(command)}: {param.name} has no help text"


def test_format_help_lists_every_reader_format() -> None:
    from provenance.readers import FORMATS

    assert [f.strip() for f in FORMATS_HELP.split(",")] == list(FORMATS)


def test_python_dash_m_help_is_light() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provenance", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "index" in result.stdout and "scan" in result.stdout and "verify" in result.stdout
    probe = "import sys, provenance.cli; print(sorted(m for m in ('numpy', 'pyarrow') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert loaded.stdout.strip() == "[]", "the CLI package must import numpy/pyarrow lazily"


@pytest.mark.parametrize("argv", [["--help"], ["no-such-command"]])
def test_the_objects_left_at_exit_are_frozen(argv: list[str]) -> None:
    """The interpreter's last collection would traverse every object left (half a second after a
    scan): ``main`` freezes them first, whether the command succeeds or fails."""
    probe = (
        "import atexit, gc, sys\n"
        "from provenance.cli import main\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        f"sys.argv = ['provenance', *{argv!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("frozen True"), result.stdout + result.stderr


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc (Linux)")
@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("3", "3")])
def test_blas_thread_pools_are_not_started(preset: str | None, expected: str) -> None:
    """``main`` asks OpenBLAS for one thread (numpy's would spin a thread per core through a
    scan's start-up); numpy imported after it starts no thread. A user's own setting is kept."""
    probe = (
        "import atexit, os, sys\n"
        "from provenance.cli import main\n"
        "def threads():\n"
        "    import numpy\n"
        "    print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))\n"
        "atexit.register(threads)\n"
        "sys.argv = ['provenance', '--version']\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset is not None:
        env["OPENBLAS_NUM_THREADS"] = preset
    command = [sys.executable, "-c", probe]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    setting, threads = result.stdout.split()[-2:]
    assert setting == expected, result.stderr
    if preset is None:
        assert threads == "1"
