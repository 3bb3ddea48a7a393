"""Item ids are unique within a corpus: an id read again with another text is qualified by its place."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from synthetic import tweets, write_jsonl

from provenance import scan
from provenance.errors import InputError
from provenance.evidence.rederive import verify_scan
from provenance.index import CorpusInfo, Index, add_to_index, build_index, index_info

CORPUS = CorpusInfo("numbered", "MIT")


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Rows numbered from 0 in the ``id`` column, as many exports do per file."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows([i, row["text"]] for i, row in enumerate(rows))
    return path


def training_set(path: Path, texts: list[str]) -> Path:
    """One page per text, quoting it whole."""
    rows = [
        {"id": f"doc-{i}", "text": f"a page that quotes {text} and goes on"} for i, text in enumerate(texts)
    ]
    return write_jsonl(path, rows)


def test_two_csv_files_numbered_from_zero_give_one_item_per_text(tmp_path: Path) -> None:
    first, second = tweets(20, seed=1), tweets(20, seed=2)
    inputs = [write_csv(tmp_path / "a.csv", first), write_csv(tmp_path / "b.csv", second)]
    result = build_index(inputs, tmp_path / "idx", CORPUS)
    assert (result.counts.indexed, result.counts.duplicates, result.counts.ids_qualified) == (40, 0, 20)
    b_csv = inputs[1].as_posix()
    assert result.qualified[0] == ("0", f"0@{b_csv}:0")
    items = Index.open(tmp_path / "idx").items(["id", "text"]).to_pylist()
    ids = [item["id"] for item in items]
    assert ids == [str(i) for i in range(20)] + [f"{i}@{b_csv}:{i}" for i in range(20)]
    assert [item["text"] for item in items] == [row["text"] for row in first + second]
    assert index_info(tmp_path / "idx")["corpora"][0]["ids_qualified"] == 20

    train = training_set(tmp_path / "train.jsonl", [row["text"] for row in first + second])
    scanned = scan([train], tmp_path / "idx", tmp_path / "out", jobs=1)
    assert scanned.matches.num_rows == 40
    assert len(set(scanned.matches.column("item_id").to_pylist())) == 40
    assert scanned.items.num_rows == 40
    report = verify_scan(tmp_path / "out")
    assert report.ok, report.problems
    assert report.checked == 40


def test_the_same_id_with_the_same_text_is_a_duplicate(tmp_path: Path) -> None:
    pull = tweets(10)
    inputs = [write_jsonl(tmp_path / "pull1.jsonl", pull), write_jsonl(tmp_path / "pull2.jsonl", pull[3:])]
    result = build_index(inputs, tmp_path / "idx", CORPUS)
    assert (result.counts.indexed, result.counts.duplicates, result.counts.ids_qualified) == (10, 7, 0)
    assert Index.open(tmp_path / "idx").items(["id"]).column("id").to_pylist() == [r["id"] for r in pull]


def test_ids_are_per_corpus(tmp_path: Path) -> None:
    build_index([write_csv(tmp_path / "a.csv", tweets(5, seed=1))], tmp_path / "idx", CORPUS)
    result = add_to_index(
        [write_csv(tmp_path / "b.csv", tweets(5, seed=2))], tmp_path / "idx", CorpusInfo("other", "MIT")
    )
    assert (result.counts.indexed, result.counts.ids_qualified) == (5, 0)
    items = Index.open(tmp_path / "idx").items(["corpus", "id"]).to_pylist()
    assert [(i["corpus"], i["id"]) for i in items] == [("numbered", str(n)) for n in range(5)] + [
        ("other", str(n)) for n in range(5)
    ]


def test_a_qualified_id_that_is_taken_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "tricky.jsonl"
    texts = [row["text"] for row in tweets(3)]
    rows = [
        {"id": "7", "text": texts[0]},
        {"id": f"7@{source.as_posix()}:2", "text": texts[1]},
        {"id": "7", "text": texts[2]},
    ]
    with pytest.raises(InputError, match="ids must be unique within a corpus") as err:
        build_index([write_jsonl(source, rows)], tmp_path / "idx", CORPUS)
    assert err.value.source == source.as_posix()
    assert not (tmp_path / "idx" / "manifest.json").exists()


def test_the_cli_says_which_ids_it_qualified(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from provenance.cli import app

    inputs = [
        write_csv(tmp_path / "a.csv", tweets(3, seed=1)),
        write_csv(tmp_path / "b.csv", tweets(3, seed=2)),
    ]
    args = [
        "index",
        "build",
        *map(str, inputs),
        "--index",
        str(tmp_path / "idx"),
        "-c",
        "n",
        "--license",
        "MIT",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 record id(s) already named another text of the corpus" in result.output
    assert f"0 -> 0@{inputs[1].as_posix()}:0" in result.output
    info = json.loads(CliRunner().invoke(app, ["index", "info", str(tmp_path / "idx"), "--json"]).output)
    assert info["corpora"][0]["ids_qualified"] == 3
