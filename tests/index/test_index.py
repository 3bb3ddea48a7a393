"""The on-disk index: round trip, append, compaction, duplicates, accounting, corruption."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from synthetic import tweets, write_jsonl

from provenance.errors import IndexStoreError, UsageError
from provenance.index import CorpusInfo, Index, add_to_index, build_index, compact_index, index_info
from provenance.index.store import manifest_bytes, seal_of
from provenance.text.lsh import band_keys
from provenance.text.minhash import minhash_signatures
from provenance.text.normalize import tokenize
from provenance.text.shingles import shingle_batch, shingle_strings

CORPUS = CorpusInfo("synthetic", "LicenseRef-Test", owner="Test Owner")


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    rows = tweets(120)
    rows.append({"id": "dup-1", "text": rows[0]["text"].upper()})  # exact duplicate after normalisation
    rows.append({"id": "links-only", "text": "https://t.co/abc @someone"})  # nothing left to index
    return write_jsonl(tmp_path / "corpus.jsonl", rows)


def test_build_round_trip(tmp_path: Path, corpus_file: Path) -> None:
    result = build_index([corpus_file], tmp_path / "idx", CORPUS)
    counts = result.counts
    assert (counts.records_read, counts.indexed, counts.duplicates, counts.skipped) == (122, 120, 1, 1)
    index = Index.open(tmp_path / "idx")
    assert index.n_items == 120
    items = index.items().to_pylist()
    assert items[0]["id"] == tweets(120)[0]["id"] and items[0]["license"] == "LicenseRef-Test"
    tokens = [tokenize(r["text"]) for r in items]
    expected = band_keys(minhash_signatures(shingle_batch(tokens)), index.params.lsh)
    segment = index.segments[0]
    assert np.array_equal(segment.band_keys_by_item(), expected)
    assert all(np.all(row[1:] >= row[:-1]) for row in np.asarray(segment.band_keys))
    assert index.item_shingle_counts().tolist() == [len(set(shingle_strings(t, 3))) for t in tokens]
    assert result.skipped[0].reason.startswith("no words left")


def test_worker_processes_build_the_same_segment(tmp_path: Path, corpus_file: Path) -> None:
    for jobs in (1, 2):  # batches of 16 records: several go through the workers, out of step
        build_index([corpus_file], tmp_path / f"idx{jobs}", CORPUS, batch_size=16, jobs=jobs)
    one, two = (Index.open(tmp_path / f"idx{jobs}").segments[0].path for jobs in (1, 2))
    files = sorted(p.name for p in one.iterdir())
    assert files == sorted(p.name for p in two.iterdir()) and "items.parquet" in files
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_info_reports_accounting_and_parameters(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    info = index_info(tmp_path / "idx")
    corpus = info["corpora"][0]
    assert corpus["records_read"] == corpus["indexed"] + corpus["duplicates"] + corpus["skipped"]
    assert info["params"]["normalizer"]["name"] == "provenance-text"
    assert info["params"]["lsh"]["recall_at_threshold"] >= 0.95
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["corpora"][0]["inputs"][0]["files"][0]["sha256"]


def test_add_appends_a_segment_and_counts_cross_corpus_duplicates(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    second = tweets(40, seed=5) + [{"id": "again", "text": tweets(120)[3]["text"]}]
    result = add_to_index(
        [write_jsonl(tmp_path / "more.jsonl", second)], tmp_path / "idx", CorpusInfo("more", "CC-BY-4.0")
    )
    assert (result.counts.indexed, result.counts.duplicates) == (40, 1)
    index = Index.open(tmp_path / "idx")
    assert len(index.segments) == 2 and index.n_items == 160
    assert index.items(["corpus"]).column("corpus").to_pylist()[-1] == "more"


def test_add_refuses_an_existing_corpus_name(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    with pytest.raises(UsageError, match="already has a corpus"):
        add_to_index([corpus_file], tmp_path / "idx", CORPUS)


def test_compact_keeps_items_and_lookups(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    add_to_index(
        [write_jsonl(tmp_path / "more.jsonl", tweets(40, seed=5))],
        tmp_path / "idx",
        CorpusInfo("more", "MIT"),
    )
    before = Index.open(tmp_path / "idx")
    ids_before = before.items(["id"]).column("id").to_pylist()
    postings_before = sorted(
        (int(k), int(i) + int(off))
        for seg, off in zip(before.segments, before.offsets, strict=False)
        for k, i in zip(seg.shingle_keys, seg.shingle_items, strict=False)
    )
    bands_before = np.concatenate([seg.band_keys_by_item() for seg in before.segments], axis=1)
    result = compact_index(tmp_path / "idx")
    assert (result.segments_before, result.segments_after, result.items) == (2, 1, 160)
    after = Index.open(tmp_path / "idx")
    assert after.items(["id"]).column("id").to_pylist() == ids_before
    seg = after.segments[0]
    postings_after = zip(map(int, seg.shingle_keys), map(int, seg.shingle_items), strict=True)
    assert sorted(postings_after) == postings_before
    assert np.array_equal(seg.band_keys_by_item(), bands_before)
    assert all(np.all(row[1:] >= row[:-1]) for row in np.asarray(seg.band_keys))
    assert len(list((tmp_path / "idx" / "segments").iterdir())) == 1


def test_build_refuses_to_overwrite_without_force(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    with pytest.raises(UsageError, match="--force"):
        build_index([corpus_file], tmp_path / "idx", CORPUS)
    build_index([corpus_file], tmp_path / "idx", CorpusInfo("replaced", "MIT"), overwrite=True)
    assert [c["name"] for c in index_info(tmp_path / "idx")["corpora"]] == ["replaced"]


def test_bad_licence_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not an SPDX"):
        CorpusInfo("x", "not a licence!")
    with pytest.raises(UsageError, match="'Foo-1' is not an SPDX licence identifier"):
        CorpusInfo("x", "Foo-1")
    with pytest.raises(UsageError, match="wildcards are for policies"):
        CorpusInfo("x", "CC-BY-*")
    assert CorpusInfo("x", "(MIT OR Apache-2.0) AND LicenseRef-X-Developer-Agreement").license


def test_opening_detects_corruption(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    target = next((tmp_path / "idx" / "segments").glob("*/shingle_keys.npy"))
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(IndexStoreError, match="checksum mismatch"):
        Index.open(tmp_path / "idx")


def test_opening_rejects_other_format_versions(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    manifest_path = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexStoreError, match="version 99"):
        Index.open(tmp_path / "idx")


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["params"]["shingles"].update(n=4),  # opened, it scanned 4-grams: no match, silently
        lambda m: m["corpora"][0].update(license="MIT"),
        lambda m: m.pop("manifest_sha256"),
    ],
)
def test_opening_refuses_a_manifest_edited_by_hand(tmp_path: Path, corpus_file: Path, edit) -> None:  # noqa: ANN001
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    manifest_path = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    edit(manifest)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    with pytest.raises(IndexStoreError, match="manifest.json was edited or damaged"):
        Index.open(tmp_path / "idx")


def test_the_manifest_seal_is_over_its_canonical_json(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    raw = (tmp_path / "idx" / "manifest.json").read_bytes()
    manifest = json.loads(raw)
    assert manifest["manifest_sha256"] == seal_of(manifest)
    assert manifest_bytes(manifest) == raw  # sealing a sealed manifest changes nothing


def test_opening_a_non_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="does not exist"):
        Index.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexStoreError, match="no manifest"):
        Index.open(tmp_path / "empty")


def test_opening_rejects_another_normaliser_version(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    manifest_path = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["params"]["normalizer"]["version"] = 0
    manifest_path.write_bytes(manifest_bytes(manifest))  # sealed, as another version would write it
    with pytest.raises(IndexStoreError, match="normaliser provenance-text v0"):
        Index.open(tmp_path / "idx")


def test_opening_rejects_another_shingle_scheme(tmp_path: Path, corpus_file: Path) -> None:
    build_index([corpus_file], tmp_path / "idx", CORPUS)
    manifest_path = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["params"]["shingles"]["scheme"] = "token-ngram/xxh3-64/poly-fmix64"
    manifest_path.write_bytes(manifest_bytes(manifest))
    with pytest.raises(IndexStoreError, match="hashes shingles as token-ngram/xxh3-64"):
        Index.open(tmp_path / "idx")


@pytest.mark.parametrize(
    "array",
    [
        np.arange(20, dtype=np.uint32).reshape(5, 4),
        np.arange(5, dtype=np.uint64),
        np.arange(12, dtype=np.uint64).reshape(3, 4).T,  # not contiguous
        np.zeros((0, 4), dtype=np.uint32),
        np.zeros(0, dtype=np.int32),
    ],
)
def test_arrays_saved_are_the_file_np_save_writes(tmp_path: Path, array: np.ndarray) -> None:
    import hashlib

    from provenance.index.segment import _save_array

    described = _save_array(tmp_path / "saved.npy", array)
    np.save(tmp_path / "np.npy", np.ascontiguousarray(array))
    written = (tmp_path / "saved.npy").read_bytes()
    assert written == (tmp_path / "np.npy").read_bytes()
    assert np.array_equal(np.load(tmp_path / "saved.npy"), array)
    assert described == {"sha256": hashlib.sha256(written).hexdigest(), "bytes": len(written)}


def test_workers_reading_blocks_build_the_same_segment(tmp_path: Path, cut_blocks: list) -> None:
    rows = tweets(150)
    lines = []
    for k, row in enumerate(rows):
        if k % 5 == 0:
            lines.append(json.dumps({"text": row["text"], "url": f"https://example.org/{k}"}))  # no id
        elif k % 5 == 1:
            lines.append(json.dumps({"id": k, "text": row["text"].upper()}))  # integer id
        else:
            lines.append(json.dumps(row))
        lines.append(['{"id": "e", "text": " "}', '{"id": "m"}', "", "{broken", '["a", "list"]'][k % 5])
    lines.append(json.dumps({"id": "dup", "text": rows[3]["text"]}))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = build_index([corpus], tmp_path / "one", CORPUS, jobs=1)
    assert not cut_blocks
    two = build_index([corpus], tmp_path / "two", CORPUS, jobs=2)
    assert len(cut_blocks) > 5  # the workers read blocks, some with pyarrow and some line by line
    assert (one.counts, one.skipped) == (two.counts, two.skipped)
    assert one.counts.skipped > 50 and one.counts.duplicates >= 1
    paths = [Index.open(tmp_path / name).segments[0].path for name in ("one", "two")]
    for name in sorted(p.name for p in paths[0].iterdir()):
        assert (paths[0] / name).read_bytes() == (paths[1] / name).read_bytes(), name
    ids = Index.open(tmp_path / "two").items(["id"]).column("id").to_pylist()
    assert f"{corpus.as_posix()}:0" in ids and "1" in ids


def test_content_hashes_and_distinct_shingles_of_a_batch_match_their_definitions() -> None:
    from provenance.index.params import IndexParams
    from provenance.index.segment import index_analysis
    from provenance.text.analyse import content_hash
    from provenance.text.normalize import normalize

    texts = [r["text"] for r in tweets(40)] + [
        "https://t.co/x @only",
        "",
        "Ünïcödé ＦＵＬＬ width",
        "a " * 300,
    ]
    analysis = index_analysis(texts, IndexParams())
    assert analysis.digests == [content_hash(normalize(t)) if normalize(t) else None for t in texts]
    assert analysis.n_tokens.tolist() == [len(tokenize(t)) for t in texts]
    for i, text in enumerate(texts):
        keys = analysis.distinct.of(i).tolist()
        expected = sorted(set(shingle_batch([tokenize(text)]).hashes.tolist()))
        assert keys == expected


def test_a_record_with_invalid_utf8_is_skipped_alike_for_any_jobs(tmp_path: Path, cut_blocks: list) -> None:
    """Issue 18: the record holding the bad bytes is skipped with its line (the file was refused)."""
    body = "".join(json.dumps(row) + "\n" for row in tweets(80)).encode()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(body + b'{"id": "x", "text": "bad \xff bytes"}\n' + body)
    skipped = []
    for jobs in (1, 2):
        result = build_index([corpus], tmp_path / f"idx{jobs}", CORPUS, jobs=jobs)
        skipped.append([(s.source, s.position, s.line, s.reason) for s in result.skipped])
    assert len(cut_blocks) > 3  # two jobs: the workers read blocks
    reason = "not valid UTF-8 (byte 0xff at byte 26 of the line)"
    assert skipped[0] == skipped[1] == [(corpus.as_posix(), 80, 81, reason)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_empty_corpus_builds_an_empty_index(tmp_path: Path, jobs: int) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = build_index([empty], tmp_path / "idx", CORPUS, jobs=jobs)
    assert result.counts.records_read == 0
    index = Index.open(tmp_path / "idx")
    assert index.n_items == 0 and index.items().num_rows == 0
