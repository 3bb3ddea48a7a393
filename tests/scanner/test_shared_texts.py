"""A text several corpora read is one item held under every licence: scan, check, verify, report, compact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from synthetic import tweets, write_jsonl
from typer.testing import CliRunner

from provenance import scan
from provenance.check.evaluate import evaluate
from provenance.check.policy import Policy
from provenance.cli import app
from provenance.evidence.load import load_scan_dir
from provenance.evidence.rederive import verify_scan
from provenance.index import CorpusInfo, Index, add_to_index, build_index, compact_index, index_info
from provenance.index.holdings import Holding, Holdings
from provenance.report.formats.interface import render
from provenance.report.model import load_report

CC = CorpusInfo("open tweets", "CC-BY-4.0", owner="Open Owner")
MIT = CorpusInfo("mit tweets", "MIT", owner="MIT Owner")


def copy_index(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """20 texts indexed under CC-BY-4.0, then added again (other ids) as a corpus under MIT, 20 more
    under CC-BY-4.0 alone; a training set quoting all 40; the scan."""
    root = tmp_path_factory.mktemp("shared")
    texts = tweets(40)
    build_index([write_jsonl(root / "cc.jsonl", texts)], root / "idx", CC)
    again = [{"id": f"mit-{i}", "text": row["text"]} for i, row in enumerate(texts[:20])]
    added = add_to_index([write_jsonl(root / "mit.jsonl", again)], root / "idx", MIT)
    pages = [
        {"id": f"doc-{i}", "text": f"a page quoting {row['text']} in full"} for i, row in enumerate(texts)
    ]
    train = write_jsonl(root / "train.jsonl", pages)
    result = scan([train], root / "idx", root / "out", jobs=1)
    return {"root": root, "texts": texts, "added": added, "train": train, "result": result}


def test_index_add_records_the_second_corpus_as_a_holder(world: dict) -> None:
    counts = world["added"].counts
    assert (counts.indexed, counts.duplicates, counts.shared_items) == (0, 20, 20)
    index = Index.open(world["root"] / "idx")
    duplicates = pq.read_table(index.segments[1].path / "duplicates.parquet")
    assert set(duplicates.column("corpus").to_pylist()) == {"mit tweets"}
    holdings = Holdings.of(index)
    both = Holding(("CC-BY-4.0", "MIT"), ("mit tweets", "open tweets"), ("MIT Owner", "Open Owner"))
    assert holdings.shared == dict.fromkeys(range(20), both)
    assert holdings.holding(25, "open tweets") == Holding(("CC-BY-4.0",), ("open tweets",), ("Open Owner",))
    corpora = {c["name"]: c for c in index_info(world["root"] / "idx")["corpora"]}
    assert (corpora["mit tweets"]["shared_items"], corpora["open tweets"]["shared_items"]) == (20, 0)


def test_every_match_carries_every_licence_of_its_text(world: dict) -> None:
    rows = world["result"].matches.to_pylist()
    assert len(rows) == 40
    for row in rows:
        first = int(row["dataset_row"]) < 20
        assert (row["corpus"], row["license"], row["owner"]) == ("open tweets", "CC-BY-4.0", "Open Owner")
        assert row["licenses"] == (["CC-BY-4.0", "MIT"] if first else ["CC-BY-4.0"])
        assert row["corpora"] == (["mit tweets", "open tweets"] if first else ["open tweets"])
        assert row["owners"] == (["MIT Owner", "Open Owner"] if first else ["Open Owner"])
    items = world["result"].items.to_pylist()
    assert sum(item["licenses"] == ["CC-BY-4.0", "MIT"] for item in items) == 20
    assert all(item["corpora"] in (["mit tweets", "open tweets"], ["open tweets"]) for item in items)


def test_deny_of_either_licence_fails_each_shared_match(world: dict) -> None:
    report = evaluate(Policy(deny=("MIT",)), world["root"] / "out")
    assert not report.passed and report.counts["violations"] == 20
    message = report.findings[0].message
    assert message.startswith("licence MIT denied by 'MIT': item")
    assert "held by corpora 'mit tweets', 'open tweets' under CC-BY-4.0, MIT" in message
    assert evaluate(Policy(deny=("CC-BY-*",)), world["root"] / "out").counts["violations"] == 40


def test_allow_passes_a_text_available_under_an_allowed_licence(world: dict) -> None:
    assert evaluate(Policy(allow=("CC-BY-*",)), world["root"] / "out").passed
    only_mit = evaluate(Policy(allow=("MIT",)), world["root"] / "out")
    assert only_mit.counts["violations"] == 20  # the texts held under CC-BY-4.0 alone
    both = evaluate(Policy(deny=("MIT",), allow=("CC-BY-*",)), world["root"] / "out")
    assert [rule.violations for rule in both.rules] == [20, 0]  # deny is judged on its own, and wins


def test_a_limit_counts_every_holder(world: dict) -> None:
    policy = Policy.from_dict({"policy": {"limit": [{"corpus": "mit*", "max_matches": 19}]}})
    outcome = evaluate(policy, world["root"] / "out").rules[0]
    assert not outcome.passed and outcome.detail == "20 matches (max 19)"


def test_check_cli_fails_on_the_denied_second_licence(world: dict, tmp_path: Path) -> None:
    policy = tmp_path / "provenance.toml"
    policy.write_text('[policy]\ndeny = ["MIT"]\n', encoding="utf-8")
    out = tmp_path / "check.json"
    result = CliRunner().invoke(
        app, ["check", "--from-scan", str(world["root"] / "out"), "--policy", str(policy), "--json", str(out)]
    )
    assert result.exit_code == 1, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["counts"]["violations"] == 20
    assert written["findings"][0]["match"]["licenses"] == ["CC-BY-4.0", "MIT"]


def test_verify_passes_and_notices_a_dropped_licence(world: dict, tmp_path: Path) -> None:
    report = verify_scan(world["root"] / "out")
    assert report.ok, report.problems
    out = shutil.copytree(world["root"] / "out", tmp_path / "out")
    matches = pq.read_table(out / "matches.parquet")
    column = matches.schema.get_field_index("licenses")
    dropped = pa.array([[lic] for lic in matches.column("license").to_pylist()], pa.list_(pa.string()))
    pq.write_table(matches.set_column(column, matches.schema.field(column), dropped), out / "matches.parquet")
    problems = verify_scan(out).problems
    assert (
        sum(
            "licenses are ['CC-BY-4.0'] in the report, ['CC-BY-4.0', 'MIT'] in the index" in p
            for p in problems
        )
        == 20
    )


def test_the_report_shows_both_licences(world: dict) -> None:
    report = load_report(world["root"] / "out")
    by_license = {row["license"]: row for row in report.by_license}
    assert (by_license["MIT"]["matches"], by_license["MIT"]["corpora"]) == (20, ["mit tweets"])
    assert (by_license["CC-BY-4.0"]["matches"], by_license["CC-BY-4.0"]["corpora"]) == (40, ["open tweets"])
    by_corpus = {row["corpus"]: row for row in report.by_corpus}
    assert (by_corpus["mit tweets"]["items_found"], by_corpus["mit tweets"]["share_found"]) == (20, 1.0)
    page, markdown = render(report, "html"), render(report, "markdown")
    assert "open tweets (also held by mit tweets)" in page and "CC-BY-4.0, MIT" in page
    assert "| open tweets (also held by mit tweets) |" in markdown and "| CC-BY-4.0, MIT |" in markdown


def test_compaction_keeps_the_holdings(world: dict, tmp_path: Path) -> None:
    index = copy_index(world["root"] / "idx", tmp_path / "idx")
    assert compact_index(index).segments_after == 1
    scan([world["train"]], index, tmp_path / "out", jobs=1)
    for name in ("matches.parquet", "items.parquet"):
        before = pq.read_table(world["root"] / "out" / name)
        assert pq.read_table(tmp_path / "out" / name).equals(before), name
    assert verify_scan(tmp_path / "out").ok
    assert evaluate(Policy(deny=("MIT",)), tmp_path / "out").counts["violations"] == 20


def test_the_evidence_is_the_same_for_any_jobs(world: dict, tmp_path: Path) -> None:
    scan([world["train"]], world["root"] / "idx", tmp_path / "out", jobs=2)
    for name in ("matches.parquet", "items.parquet"):
        assert (tmp_path / "out" / name).read_bytes() == (world["root"] / "out" / name).read_bytes(), name


def test_evidence_written_before_the_holdings_loads_as_held_by_its_corpus(
    world: dict, tmp_path: Path
) -> None:
    out = shutil.copytree(world["root"] / "out", tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in ("matches.parquet", "items.parquet"):
        table = pq.read_table(out / name)
        old = table.drop_columns([c for c in ("licenses", "corpora", "owners") if c in table.column_names])
        pq.write_table(old, out / name)
    manifest.pop("outputs")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    evidence = load_scan_dir(out, check_outputs=False)
    first = evidence.matches.slice(0, 1).to_pylist()[0]
    assert (first["licenses"], first["corpora"], first["owners"]) == (
        ["CC-BY-4.0"],
        ["open tweets"],
        ["Open Owner"],
    )
    assert evidence.items.column("licenses").to_pylist()[0] == ["CC-BY-4.0"]


def test_holdings_of_three_corpora_survive_compaction(tmp_path: Path) -> None:
    texts = tweets(6, seed=3)
    corpora = [
        (CorpusInfo("a", "MIT", owner="Ann"), texts[:4] + texts[:1]),  # a repeat of its own text
        (CorpusInfo("b", "CC0-1.0"), texts[1:3]),
        (CorpusInfo("c", "MIT", owner="Cy"), texts[2:6]),
    ]
    for n, (corpus, rows) in enumerate(corpora):
        source = write_jsonl(
            tmp_path / f"{corpus.name}.jsonl", [{**r, "id": f"{corpus.name}{i}"} for i, r in enumerate(rows)]
        )
        (add_to_index if n else build_index)([source], tmp_path / "idx", corpus)
    expected = {
        1: Holding(("CC0-1.0", "MIT"), ("a", "b"), ("Ann",)),
        2: Holding(("CC0-1.0", "MIT"), ("a", "b", "c"), ("Ann", "Cy")),
        3: Holding(("MIT",), ("a", "c"), ("Ann", "Cy")),
    }
    for _ in range(2):
        holdings = Holdings.of(Index.open(tmp_path / "idx"))
        assert holdings.shared == expected
        assert holdings.holding(0, "a") == Holding(("MIT",), ("a",), ("Ann",))
        assert holdings.holding(4, "c") == Holding(("MIT",), ("c",), ("Cy",))
        compact_index(tmp_path / "idx")
