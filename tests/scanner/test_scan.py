"""The scan: planted copies found, edits survived, coincidences rejected, evidence reproducible."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv  # noqa: F401 - pa.csv
import pyarrow.parquet as pq
import pytest
from synthetic import document, planted_training_set, tweets, write_jsonl

from provenance import ScanOptions, scan
from provenance.evidence.rederive import verify_scan
from provenance.evidence.schema import MATCH_SCHEMA
from provenance.index import CorpusInfo, build_index

LICENSE = "LicenseRef-X-Developer-Agreement"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("scan")
    items = tweets(200)
    items.append({"id": "short-1", "text": "good morning everyone"})
    items.append({"id": "cjk-1", "text": "今日は東京でとても良い天気ですね散歩に行きましょう"})
    build_index([write_jsonl(root / "items.jsonl", items)], root / "idx", CorpusInfo("tweets", LICENSE))
    docs, truth = planted_training_set(items, n_docs=30)
    rng = random.Random(9)
    extra = [
        ("near", items[100]["text"].upper() + " https://t.co/xyz", items[100]["id"]),
        (
            "entities",
            document(rng, 200)
            + " RT @fan: "
            + items[101]["text"].replace(" ", " &amp; ", 1)
            + " "
            + document(rng, 200),
            items[101]["id"],
        ),
        (
            "partial",
            document(rng, 300)
            + " "
            + " ".join(items[102]["text"].split()[: int(0.8 * len(items[102]["text"].split()))])
            + "… "
            + document(rng, 100),
            items[102]["id"],
        ),
        ("cjk", "ニュース：" + items[-1]["text"] + "と彼は書いた。", "cjk-1"),
        ("short", document(rng, 100) + " good morning everyone " + document(rng, 100), None),
        (
            "trap",
            document(rng, 100) + " " + " ".join(items[103]["text"].split()[:4]) + " " + document(rng, 100),
            None,
        ),
    ]
    for name, text, item_id in extra:
        docs.append({"id": name, "text": text})
        if item_id:
            truth.add((len(docs) - 1, item_id))
    train = write_jsonl(root / "train.jsonl", docs)
    with open(train, "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    result = scan([train], root / "idx", root / "out", jobs=1)
    return {"root": root, "train": train, "truth": truth, "result": result, "items": items}


def found_pairs(table: pa.Table) -> set[tuple[int, str]]:
    return {(r["dataset_row"], r["item_id"]) for r in table.to_pylist() if not r["weak"]}


def test_finds_every_planted_copy_and_nothing_else(world: dict) -> None:
    assert found_pairs(world["result"].matches) == world["truth"]


def test_kinds_and_spans(world: dict) -> None:
    rows = {r["dataset_doc_id"]: r for r in world["result"].matches.to_pylist()}
    assert rows["near"]["kind"] == "near_duplicate" and rows["near"]["jaccard"] == 1.0
    embedded = rows["doc-0"]
    assert embedded["kind"] == "contained" and embedded["containment"] == 1.0 and embedded["jaccard"] < 0.2
    doc_text = json.loads(world["train"].read_text().splitlines()[0])["text"]
    assert doc_text[embedded["doc_start"] : embedded["doc_end"]] == world["items"][0]["text"]
    assert (
        embedded["licensed_text"][embedded["item_start"] : embedded["item_end"]] == world["items"][0]["text"]
    )
    assert 0.7 <= rows["partial"]["containment"] < 1.0
    assert rows["cjk"]["containment"] == 1.0


def test_low_information_items_are_set_aside_and_counted(world: dict) -> None:
    manifest = world["result"].manifest
    assert manifest["counts"]["set_aside_low_information"] >= 1
    assert "short-1" not in world["result"].matches.column("item_id").to_pylist()


def test_counts_balance(world: dict) -> None:
    counts = world["result"].manifest["counts"]
    assert counts["records_read"] == counts["scanned"] + counts["skipped"] == 37
    assert counts["skipped"] == 1 and world["result"].manifest["skipped"]["records"][0]["line"] == 37
    assert counts["candidates"] == counts["verified"] + counts["set_aside_low_information"]
    assert counts["verified"] == counts["rejected"] + counts["matches"]
    shares = world["result"].manifest["shares"]
    assert 0 < shares["licensed_character_share"] < 1
    assert shares["matched_records"] == len({row for row, _ in world["truth"]})


def test_manifest_records_inputs_index_and_parameters(world: dict) -> None:
    manifest = json.loads((world["root"] / "out" / "manifest.json").read_text())
    assert manifest["inputs"][0]["files"][0]["sha256"]
    assert len(manifest["index"]["digest"]) == 64
    assert manifest["parameters"]["scan"]["min_containment"] == ScanOptions().min_containment
    assert set(manifest["run"]) >= {"started_at", "finished_at", "seconds"}


def test_schema_is_explicit(world: dict) -> None:
    table = pq.read_table(world["root"] / "out" / "matches.parquet")
    assert table.schema.equals(MATCH_SCHEMA, check_metadata=False)
    keys = [(r["dataset_file"], r["dataset_row"], r["corpus"], r["item_id"]) for r in table.to_pylist()]
    assert keys == sorted(keys)


def test_output_is_byte_identical_whatever_the_jobs(world: dict, tmp_path: Path) -> None:
    scan([world["train"]], world["root"] / "idx", tmp_path / "two", jobs=2)
    for name in ("matches.parquet", "items.parquet"):
        assert (tmp_path / "two" / name).read_bytes() == (world["root"] / "out" / name).read_bytes()
    one = json.loads((world["root"] / "out" / "manifest.json").read_text())
    two = json.loads((tmp_path / "two" / "manifest.json").read_text())
    one.pop("run"), two.pop("run")
    assert one == two


@pytest.mark.parametrize(("form", "jobs"), [("jsonl", 1), ("jsonl", 2), ("csv", 2)])
def test_the_report_reads_the_rows_the_matches_table_holds(
    world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str, jobs: int
) -> None:
    """The report (and its digest) reads the scan's own rows, not ``matches.to_pylist()``: they
    must be the same, value for value, type for type, key for key, whichever reader made them."""
    import provenance.scanner.pipeline as scanner_module

    seen = {}
    write_report = scanner_module.write_scan_report

    def capture(out_dir, manifest, matches, items, match_rows, digest):  # noqa: ANN001, ANN202
        seen.update(matches=matches, rows=match_rows)
        return write_report(out_dir, manifest, matches, items, match_rows, digest)

    monkeypatch.setattr(scanner_module, "write_scan_report", capture)
    train = world["train"]
    if form == "csv":
        docs = [json.loads(line) for line in train.read_text().splitlines()[:-1]]
        train = tmp_path / "train.csv"
        pa.csv.write_csv(pa.Table.from_pylist(docs), train)
    scan([train], world["root"] / "idx", tmp_path / "out", jobs=jobs)
    expected = seen["matches"].to_pylist()
    assert len(expected) > 10 and seen["rows"] == expected
    for row, table_row in zip(seen["rows"], expected, strict=True):
        assert list(row) == list(table_row)
        assert [type(v) for v in row.values()] == [type(v) for v in table_row.values()]


def test_the_collector_stays_paused_until_the_report_is_written(
    world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collections would traverse every row of the evidence while the report is built; the
    collector is back on when ``scan`` returns."""
    import gc

    import provenance.scanner.pipeline as scanner_module

    enabled = []
    write_report = scanner_module.write_scan_report

    def capture(*args):  # noqa: ANN002, ANN202
        enabled.append(gc.isenabled())
        return write_report(*args)

    monkeypatch.setattr(scanner_module, "write_scan_report", capture)
    assert gc.isenabled()
    scan([world["train"]], world["root"] / "idx", tmp_path / "out", jobs=1)
    assert enabled == [False]
    assert gc.isenabled()


def test_blocks_read_as_columns_give_what_the_records_give(world: dict, tmp_path: Path) -> None:
    """With several jobs, workers read blocks pyarrow can parse as Arrow columns (only texts that
    match become Python strings); the evidence equals the one-job scan's, which reads records."""
    docs = [json.loads(line) for line in world["train"].read_text().splitlines()[:-1]]  # no broken line
    docs += [{"id": 7, "text": docs[0]["text"]}, {"id": "empty", "text": "  "}, {"text": docs[0]["text"]}]
    assert any("&amp;" in d["text"] for d in docs)
    train = write_jsonl(tmp_path / "clean.jsonl", docs)
    one = scan([train], world["root"] / "idx", tmp_path / "one", jobs=1)
    two = scan([train], world["root"] / "idx", tmp_path / "two", jobs=2)
    for name in ("matches.parquet", "items.parquet"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    one.manifest.pop("run"), two.manifest.pop("run")
    assert one.manifest == two.manifest
    ids = {r["dataset_row"]: r["dataset_doc_id"] for r in two.matches.to_pylist()}
    assert ids[len(docs) - 3] == "7" and ids[len(docs) - 1] is None
    assert two.manifest["skipped"]["records"][0]["line"] == len(docs) - 1


def test_verify_passes_then_catches_tampering(world: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scan([world["train"]], world["root"] / "idx", out, jobs=1)
    report = verify_scan(out)
    assert report.ok and report.checked == world["result"].matches.num_rows
    rows = pq.read_table(out / "matches.parquet").to_pylist()
    rows[0]["containment"] = 0.99
    pq.write_table(pa.Table.from_pylist(rows, schema=MATCH_SCHEMA), out / "matches.parquet")
    problems = verify_scan(out).problems
    assert any("containment is 0.99" in p for p in problems)
    assert any("SHA-256" in p for p in problems)


def test_verify_catches_a_changed_training_file(world: dict, tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_bytes(world["train"].read_bytes())
    scan([train], world["root"] / "idx", tmp_path / "out", jobs=1)
    train.write_text(train.read_text().replace("lorem", "LOREM", 1))
    assert any("SHA-256 differs" in p for p in verify_scan(tmp_path / "out").problems)


def test_include_low_information_reports_them_as_weak(world: dict, tmp_path: Path) -> None:
    result = scan(
        [world["train"]],
        world["root"] / "idx",
        tmp_path / "out",
        jobs=1,
        options=ScanOptions(include_low_information=True),
    )
    short = [r for r in result.matches.to_pylist() if r["item_id"] == "short-1"]
    assert short and all(r["weak"] for r in short)


def test_scan_of_a_corrupt_index_fails_before_writing_evidence(world: dict, tmp_path: Path) -> None:
    import shutil

    from provenance.errors import IndexStoreError

    index = tmp_path / "idx"
    shutil.copytree(world["root"] / "idx", index)
    target = next((index / "segments").glob("*/band_keys.npy"))
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF  # same size: only the checksum, computed during the scan, can tell
    target.write_bytes(bytes(data))
    with pytest.raises(IndexStoreError, match="checksum mismatch"):
        scan([world["train"]], index, tmp_path / "out")
    assert not (tmp_path / "out" / "matches.parquet").exists()
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_workers_reading_blocks_give_the_evidence_of_one_reader(
    world: dict, tmp_path: Path, cut_blocks: list
) -> None:
    from provenance.readers import ReaderOptions, discover, read_source

    docs = [json.loads(line) for line in world["train"].read_text().splitlines() if line.startswith('{"')]
    lines = []
    for k, doc in enumerate(docs):
        if k % 4 == 0:
            lines.append(json.dumps({"text": doc["text"]}))  # no id: the default id names its row
        elif k % 4 == 1:
            lines.append(json.dumps({"id": f"PLACEHOLDER-{k}", "text": doc["text"]}))
        else:
            lines.append(json.dumps(doc))
        lines.append(["", '{"id": "broken", "text": "no end', '{"id": "m"}', '["a", "list"]'][k % 4])
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(lines) + "\n")
    # some records' own ids equal their default id ("<file>:<position>"): both readers drop them
    source = discover([train], ReaderOptions())[0]
    body = train.read_text()
    for record in read_source(source, ReaderOptions()):
        if getattr(record, "id", "").startswith("PLACEHOLDER-"):
            body = body.replace(f'"{record.id}"', json.dumps(f"{source.name}:{record.position}"))
    assert "PLACEHOLDER" not in body
    train.write_text(body)
    one = scan([train], world["root"] / "idx", tmp_path / "one", jobs=1)
    assert not cut_blocks  # one job reads records in this process
    two = scan([train], world["root"] / "idx", tmp_path / "two", jobs=2)
    assert len(cut_blocks) > 3  # the workers read blocks
    assert one.matches.num_rows > 10
    assert (tmp_path / "one" / "matches.parquet").read_bytes() == (
        tmp_path / "two" / "matches.parquet"
    ).read_bytes()
    for key in ("counts", "shares", "skipped"):
        assert one.manifest[key] == two.manifest[key]
    assert one.manifest["skipped"]["count"] > 10
    ids = one.matches.column("dataset_doc_id").to_pylist()
    assert None in ids and any(ids) and not any(i.startswith(source.name) for i in ids if i)


def test_invalid_utf8_is_skipped_by_a_scan_the_same_way_for_any_jobs(
    world: dict, tmp_path: Path, cut_blocks: list
) -> None:
    """Issue 18: the record holding the bad bytes is skipped with its line (the scan was refused)."""
    body = world["train"].read_bytes()
    train = tmp_path / "train.jsonl"
    train.write_bytes(body + b'{"id": "x", "text": "bad \xff bytes"}\n' + body)
    skipped = []
    for jobs in (1, 2):
        scan([train], world["root"] / "idx", tmp_path / f"out{jobs}", jobs=jobs)
        manifest = json.loads((tmp_path / f"out{jobs}" / "manifest.json").read_text())
        skipped.append(manifest["skipped"]["records"])
    assert len(cut_blocks) > 3
    bad_line = body.count(b"\n") + 1
    reason = "not valid UTF-8 (byte 0xff at byte 26 of the line)"
    assert skipped[0] == skipped[1]
    assert [(s["line"], s["reason"]) for s in skipped[0] if "UTF-8" in s["reason"]] == [(bad_line, reason)]


def test_characters_of_arrow_texts_are_code_points() -> None:
    from provenance.scanner.worker import _characters

    texts = ["", "plain", "naïve café", "東京 😀 x", "e\u0301"] * 3
    array = pa.array(texts, pa.large_string())
    for start, size in ((0, len(texts)), (2, 7), (5, 0), (14, 1)):
        part = texts[start : start + size]
        assert _characters(array.slice(start, size)) == sum(map(len, part)) == _characters(part)
    assert _characters(pa.array(texts)) == sum(map(len, texts))  # not large: pyarrow counts


def test_a_small_item_cache_changes_nothing_but_memory(
    world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers keep at most ``ITEM_CACHE`` analysed items (or one batch's new ones, if more); the
    evidence is the same when it holds two."""
    from provenance.scanner import worker as runner

    calls = []
    make_room = runner._make_room

    def noted(cache: dict, limit: int, adding: int) -> None:
        before = len(cache)
        make_room(cache, limit, adding)
        calls.append((before, len(cache), adding))

    monkeypatch.setattr(runner.Scanner, "ITEM_CACHE", 2)
    monkeypatch.setattr(runner, "_make_room", noted)
    options = ScanOptions(batch_records=4)
    scan([world["train"]], world["root"] / "idx", tmp_path / "small", jobs=1, options=options)
    for name in ("matches.parquet", "items.parquet"):
        assert (tmp_path / "small" / name).read_bytes() == (world["root"] / "out" / name).read_bytes()
    assert all(after + adding <= max(2, adding) for _, after, adding in calls)
    assert any(after < before for before, after, _ in calls)


def test_workers_receive_typed_batches_that_pickle_like_plain_tuples() -> None:
    import pickle

    from provenance.readers.records import Record
    from provenance.scanner.worker import ScanRecord, record_batches

    records = [
        Record("web.jsonl:0", "first page", "web.jsonl", 0, 1),
        Record("own-7", "second page", "web.jsonl", 1, 2),
        Record("web.jsonl:9", "an own id that looks like a default one", "web.jsonl", 2, 3),
    ]
    (batch,) = record_batches(iter([records]))
    assert batch.ids == [None, "own-7", "web.jsonl:9"]
    assert batch.record(1) == ScanRecord("web.jsonl", 1, 2, "own-7", "second page")
    assert pickle.loads(pickle.dumps(batch)) == batch
    tuples = [(r.source, r.position, r.line, i, r.text) for r, i in zip(records, batch.ids, strict=True)]
    assert len(pickle.dumps(batch, protocol=5)) <= len(pickle.dumps(tuples, protocol=5)) + 64
