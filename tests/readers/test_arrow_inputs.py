"""Arrow IPC files and streams, Feather v2 and Hugging Face ``save_to_disk`` folders, written with pyarrow."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from provenance.cli import app
from provenance.errors import InputError
from provenance.readers import FORMATS, ReaderOptions, arrow_ipc, discover, read_records
from provenance.readers.records import Record, SkippedRecord

DEFAULT = ReaderOptions()
WORDS = [a + b for a in "ka lo mi re tu van sel dor".split() for b in "pim qua zen fo bri gal hux".split()]
FILLER = [a + b + "o" for a in "bcdfgh" for b in "aeiu"]  # disjoint from WORDS


def table(n: int = 6, offset: int = 0) -> pa.Table:
    """``n`` rows: ids, texts (row 1 null, row 2 empty), a url and a struct column, and one unused."""
    texts = [f"row {offset + i} says hello" for i in range(n)]
    texts[1], texts[2] = None, ""
    return pa.table(
        {
            "id": pa.array([10**18 + offset + i for i in range(n)], pa.int64()),
            "text": texts,
            "url": [f"https://e.org/{offset + i}" for i in range(n)],
            "meta": [{"lang": "en", "n": offset + i} for i in range(n)],
            "blob": [b"x" * 16] * n,
        }
    )


def write_stream(path: Path, data: pa.Table, rows: int = 2) -> Path:
    with pa.ipc.new_stream(path, data.schema) as writer:
        for batch in data.to_batches(max_chunksize=rows):
            writer.write_batch(batch)
    return path


def write_file(path: Path, data: pa.Table, rows: int = 2) -> Path:
    with pa.ipc.new_file(path, data.schema) as writer:
        for batch in data.to_batches(max_chunksize=rows):
            writer.write_batch(batch)
    return path


def save_to_disk(folder: Path, data: pa.Table, shards: int = 1, split: str | None = "train") -> Path:
    """What ``datasets.Dataset.save_to_disk`` writes: contiguous shards as Arrow streams (the schema
    carrying the features), ``state.json`` (sorted keys) and ``dataset_info.json``."""
    folder.mkdir(parents=True)
    features = {
        name: {"dtype": str(data.schema.field(name).type), "_type": "Value"} for name in data.column_names
    }
    schema = data.schema.with_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    names = [f"data-{i:05d}-of-{shards:05d}.arrow" for i in range(shards)]
    per_shard = -(-data.num_rows // shards)
    for i, name in enumerate(names):
        write_stream(folder / name, data.slice(i * per_shard, per_shard).cast(schema), rows=3)
    state = {
        "_data_files": [{"filename": name} for name in names],
        "_fingerprint": "0123456789abcdef",
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": split,
    }
    (folder / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    info = {"builder_name": None, "citation": "", "description": "", "features": features, "splits": None}
    (folder / "dataset_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return folder


def save_dict(folder: Path, splits: dict[str, pa.Table], shards: int = 2) -> Path:
    """What ``datasets.DatasetDict.save_to_disk`` writes: ``dataset_dict.json`` and a folder per split."""
    folder.mkdir(parents=True)
    (folder / "dataset_dict.json").write_text(json.dumps({"splits": list(splits)}), encoding="utf-8")
    for split, data in splits.items():
        save_to_disk(folder / split, data, shards, split)
    return folder


def read(path: Path, options: ReaderOptions = DEFAULT) -> list[Record | SkippedRecord]:
    return list(read_records([path], options))


def expected(name: str, n: int = 6, offset: int = 0) -> list[Record | SkippedRecord]:
    items: list[Record | SkippedRecord] = []
    for i in range(n):
        if i == 1:
            items.append(SkippedRecord(name, i, "no text field (tried text)"))
        elif i == 2:
            items.append(SkippedRecord(name, i, "empty text"))
        else:
            meta = {"url": f"https://e.org/{offset + i}", "meta.lang": "en"}
            items.append(
                Record(str(10**18 + offset + i), f"row {offset + i} says hello", name, i, None, meta)
            )
    return items


# ----------------------------------------------------------------------------- Arrow files


def _gzipped(path: Path, source: Path) -> Path:
    path.write_bytes(gzip.compress(source.read_bytes()))
    return path


WRITERS = {
    "stream.arrow": lambda p, t: write_stream(p, t),
    "file.arrow": lambda p, t: write_file(p, t),
    "table.feather": lambda p, t: feather.write_feather(t, p, chunksize=2),  # lz4-compressed buffers
    "plain.feather": lambda p, t: feather.write_feather(t, p, compression="uncompressed"),
    "file.ipc": lambda p, t: write_file(p, t),
    "stream.arrows": lambda p, t: write_stream(p, t),
    "stream.arrow.gz": lambda p, t: _gzipped(p, write_stream(p.with_name("s.tmp"), t)),
    "file.arrow.gz": lambda p, t: _gzipped(p, write_file(p.with_name("f.tmp"), t)),
}


@pytest.mark.parametrize("filename", sorted(WRITERS))
def test_every_arrow_flavour_gives_the_rows_and_skips(tmp_path: Path, filename: str) -> None:
    path = tmp_path / filename
    WRITERS[filename](path, table())
    (source,) = discover([path], DEFAULT)
    assert source.format == "arrow" and source.files() == [path]
    assert read(path, ReaderOptions(meta_fields=("meta.lang",))) == expected(path.as_posix())


def test_formats_are_listed_and_can_be_forced(tmp_path: Path) -> None:
    assert {"arrow", "hf-dataset"} <= set(FORMATS)
    odd = write_stream(tmp_path / "rows.bin", table())
    with pytest.raises(InputError, match="cannot tell the format"):  # a stream has no magic
        discover([odd], DEFAULT)
    (found,) = discover([write_file(tmp_path / "rows.dat", table())], DEFAULT)
    assert found.format == "arrow"  # an IPC file has
    assert read(odd, ReaderOptions(format="arrow", meta_fields=("meta.lang",))) == expected(odd.as_posix())


def test_field_options_and_non_string_texts(tmp_path: Path) -> None:
    data = pa.table(
        {
            "doc_id": ["a", "b", "c"],
            "body": pa.array([b"bytes are not text", b"no", None], pa.binary()),
            "score": [1.5, float("nan"), 3.0],
            "words": [["x"], ["y"], ["z"]],
            "note": ["first note", "second note", "third note"],
        }
    )
    path = write_stream(tmp_path / "odd.arrow", data)
    name = path.as_posix()
    assert read(path) == [
        SkippedRecord(name, 0, "text field body is not a string (bytes)"),
        SkippedRecord(name, 1, "text field body is not a string (bytes)"),
        SkippedRecord(name, 2, "no text field (tried body)"),
    ]
    assert [i.reason for i in read(path, ReaderOptions(text_field="score"))] == [
        "text field score is not a string (float)"
    ] * 3
    assert read(path, ReaderOptions(text_field="words"))[0].reason.endswith("(list)")
    notes = read(path, ReaderOptions(text_field="note", id_field="score", meta_fields=("words",)))
    assert notes[0] == Record("1.5", "first note", name, 0, None, {"words": '["x"]'})
    assert [r.id for r in notes] == ["1.5", "nan", "3.0"]
    with pytest.raises(InputError, match="no text column") as info:
        read(path, ReaderOptions(text_field="missing"))
    assert info.value.source == name and "doc_id" in str(info.value)


def test_only_the_needed_columns_are_turned_into_values(tmp_path: Path, monkeypatch) -> None:
    path = write_file(tmp_path / "rows.arrow", table())
    seen: list[list[str]] = []
    original = arrow_ipc._row_record

    def spy(emitter, row, *rest):
        seen.append(list(row))
        return original(emitter, row, *rest)

    monkeypatch.setattr(arrow_ipc, "_row_record", spy)
    read(path)
    assert seen and all(columns == ["id", "text", "url"] for columns in seen)


class _CountingFile:
    """A binary file that counts the bytes read from it."""

    def __init__(self, path: Path, counter: list[int]) -> None:
        self._fh, self._counter = path.open("rb"), counter

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._counter[0] += len(data)
        return data

    def __getattr__(self, name: str):
        return getattr(self._fh, name)

    def __enter__(self) -> _CountingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


@pytest.mark.parametrize("writer", [write_stream, write_file])
def test_a_file_is_read_one_record_batch_at_a_time(tmp_path: Path, monkeypatch, writer) -> None:
    """200 batches of 100 rows: the first record comes after reading about one batch of the file, and
    the bytes read grow with the records yielded, not all at once."""
    n = 20_000
    data = pa.table({"text": [f"document number {i} " + "filler " * 20 for i in range(n)]})
    path = writer(tmp_path / "big.arrow", data, rows=100)
    size = path.stat().st_size
    counter = [0]
    monkeypatch.setattr(arrow_ipc, "open_binary", lambda p: _CountingFile(p, counter))
    items = read_records([path], DEFAULT)
    first = next(items)
    assert first.text.startswith("document number 0 ")
    at_first = counter[0]
    assert at_first < size / 50, (at_first, size)
    for _ in range(n // 2 - 1):
        next(items)
    assert size / 3 < counter[0] < size * 2 / 3, (counter[0], size)
    assert sum(1 for _ in items) == n // 2


# ----------------------------------------------------------------------------- Hugging Face folders


def test_a_saved_dataset_is_one_source_numbered_across_its_shards(tmp_path: Path) -> None:
    folder = save_to_disk(tmp_path / "ds", pa.concat_tables([table(6), table(6, offset=6)]), shards=3)
    (source,) = discover([folder], DEFAULT)
    assert (source.format, source.name) == ("hf-dataset", folder.as_posix())
    shards = [f"data-0000{i}-of-00003.arrow" for i in range(3)]
    assert [f.name for f in source.files()] == [*shards, "state.json"]
    items = read(folder, ReaderOptions(meta_fields=("meta.lang",)))
    assert [i.position for i in items] == list(range(12))
    assert items[:6] == expected(folder.as_posix())
    assert items[7] == SkippedRecord(folder.as_posix(), 7, "no text field (tried text)")
    assert items[9].id == str(10**18 + 9) and items[9].source == folder.as_posix()


def test_default_ids_and_a_folder_found_while_walking(tmp_path: Path) -> None:
    data = pa.table({"content": ["one text here", "two text here"]})
    save_to_disk(tmp_path / "corpus" / "web", data)
    write_jsonl = tmp_path / "corpus" / "extra.jsonl"
    write_jsonl.write_text('{"text": "from json lines"}\n', encoding="utf-8")
    sources = discover([tmp_path / "corpus"], DEFAULT)
    root = (tmp_path / "corpus").as_posix()
    assert [(s.name, s.format) for s in sources] == [
        (f"{root}/extra.jsonl", "jsonl"),
        (f"{root}/web", "hf-dataset"),
    ]
    web = [i for i in read(tmp_path / "corpus") if i.source.endswith("/web")]
    assert [(r.id, r.text) for r in web] == [
        (f"{root}/web:0", "one text here"),
        (f"{root}/web:1", "two text here"),
    ]


def test_a_dataset_dict_is_read_split_by_split(tmp_path: Path) -> None:
    folder = save_dict(tmp_path / "dd", {"train": table(6), "test": table(6, offset=100)}, shards=2)
    sources = discover([folder], DEFAULT)
    name = folder.as_posix()
    assert [(s.name, s.format) for s in sources] == [
        (f"{name}/train", "hf-dataset"),
        (f"{name}/test", "hf-dataset"),
    ]
    items = read(folder, ReaderOptions(meta_fields=("meta.lang",)))
    assert items == expected(f"{name}/train") + expected(f"{name}/test", offset=100)
    # a split named on its own (as verify names it) is the same source
    (split,) = discover([f"{name}/test"], DEFAULT)
    assert split == sources[1]
    assert read(folder / "test") == read(folder)[6:]


def test_a_load_dataset_cache_folder_is_one_source_per_arrow_file(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "dataset_info.json").write_text("{}", encoding="utf-8")
    write_stream(folder / "json-train.arrow", table())
    write_stream(folder / "json-test.arrow", table(6, offset=50))
    sources = discover([folder], DEFAULT)
    assert [(s.path.name, s.format) for s in sources] == [
        ("json-test.arrow", "arrow"),
        ("json-train.arrow", "arrow"),
    ]
    assert read(folder, ReaderOptions(meta_fields=("meta.lang",)))[6:] == expected(
        f"{folder.as_posix()}/json-train.arrow"
    )


def _broken(tmp_path: Path, how: str) -> tuple[Path, str]:
    """A saved dataset broken in one way, and what its error must name."""
    if how == "split missing":
        folder = save_dict(tmp_path / "ds", {"train": table()})
        (folder / "dataset_dict.json").write_text('{"splits": ["train", "validation"]}', encoding="utf-8")
        return folder, "validation"
    folder = save_to_disk(tmp_path / "ds", table(), shards=2)
    state = folder / "state.json"
    if how == "missing shard":
        (folder / "data-00001-of-00002.arrow").unlink()
        return folder, "data-00001-of-00002.arrow"
    if how == "state not json":
        state.write_text("{", encoding="utf-8")
        return folder, "ds/state.json"
    if how == "escaping file name":
        state.write_text(json.dumps({"_data_files": [{"filename": "../x.arrow"}]}), encoding="utf-8")
        return folder, "ds/state.json"
    if how == "indices mapping":
        loaded = json.loads(state.read_text())
        state.write_text(json.dumps({**loaded, "_indices_data_files": [{"filename": "indices.arrow"}]}))
        return folder, "flatten_indices"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how", ["missing shard", "state not json", "escaping file name", "indices mapping", "split missing"]
)
def test_a_broken_folder_is_an_error_naming_it(tmp_path: Path, how: str) -> None:
    folder, needle = _broken(tmp_path, how)
    with pytest.raises(InputError) as info:
        discover([folder], DEFAULT)
    assert needle in str(info.value) and "ds" in (info.value.source or "")


def test_a_file_read_as_a_dataset_folder_is_refused(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "rows.arrow", table())
    with pytest.raises(InputError, match="not a Hugging Face save_to_disk folder"):
        read(path, ReaderOptions(format="hf-dataset"))


# ----------------------------------------------------------------------------- bad files


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    good_file = write_file(tmp_path / "good-file.arrow", table(60), rows=5).read_bytes()
    good_stream = write_stream(tmp_path / "good-stream.arrow", table(60), rows=5).read_bytes()
    cases = {
        "garbage.arrow": b"this is not arrow at all\n" * 10,
        "empty.arrow": b"",
        "cut-file.arrow": good_file[: len(good_file) // 2],
        "cut-stream.arrow": good_stream[: len(good_stream) // 2 + 3],
        "magic-only.feather": b"ARROW1\x00\x00",
        "v1.feather": b"FEA1" + b"\x00" * 40,
    }
    paths = {}
    for name, data in cases.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    return paths


def test_truncated_and_garbage_files_are_errors_naming_them(tmp_path: Path) -> None:
    for name, path in _bad_files(tmp_path).items():
        with pytest.raises(InputError) as info:
            read(path)
        assert info.value.source == path.as_posix(), name
    with pytest.raises(InputError, match="Feather v1"):
        read(tmp_path / "v1.feather")


def test_a_corrupt_shard_is_named_in_the_error(tmp_path: Path) -> None:
    folder = save_to_disk(tmp_path / "ds", table(12), shards=2)
    shard = folder / "data-00001-of-00002.arrow"
    shard.write_bytes(shard.read_bytes()[:-40][:200])
    with pytest.raises(InputError) as info:
        read(folder)
    assert info.value.source == f"{folder.as_posix()}/data-00001-of-00002.arrow"


# ----------------------------------------------------------------------------- end to end


runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _tweets() -> list[dict[str, str]]:
    rng = random.Random(3)
    return [
        {"id": str(1_600_000_000_000_000_000 + i), "text": " ".join(rng.choices(WORDS, k=14))}
        for i in range(8)
    ]


def _world(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """An index of 8 tweets, and a DatasetDict whose train split plants tweet 5 at row 13."""
    tweets = _tweets()
    corpus = tmp_path / "tweets.jsonl"
    corpus.write_text("".join(json.dumps(t) + "\n" for t in tweets), encoding="utf-8")
    index = tmp_path / "idx"
    built = invoke("index", "build", corpus, "--index", index, "--corpus", "t", "--license", "CC-BY-4.0")
    assert built.exit_code == 0, built.output
    rng = random.Random(5)
    docs = [" ".join(rng.choices(FILLER, k=80)) for _ in range(20)]
    docs[13] = (
        f"{' '.join(rng.choices(FILLER, k=50))} {tweets[5]['text']} {' '.join(rng.choices(FILLER, k=30))}"
    )
    train = pa.table({"text": docs, "source": ["web"] * 20})
    test = pa.table({"text": [" ".join(rng.choices(FILLER, k=60)) for _ in range(5)], "source": ["web"] * 5})
    return index, save_dict(tmp_path / "release", {"train": train, "test": test}, shards=3), tweets[5]


def test_a_tweet_planted_in_a_saved_dataset_is_found_verified_and_jobs_agree(tmp_path: Path) -> None:
    index, release, tweet = _world(tmp_path)
    outs = {}
    for jobs in ("1", "2"):
        outs[jobs] = tmp_path / f"out-{jobs}"
        result = invoke("scan", release, "--index", index, "--out", outs[jobs], "--jobs", jobs)
        assert result.exit_code == 0, result.output
    (match,) = pq.read_table(outs["1"] / "matches.parquet").to_pylist()
    assert match["dataset_file"] == f"{release.as_posix()}/train"
    assert match["dataset_row"] == 13 and match["item_id"] == tweet["id"]
    assert match["dataset_doc_id"] is None  # no id column: the default id, release/train:13
    for name in ("matches.parquet", "items.parquet"):
        assert (outs["1"] / name).read_bytes() == (outs["2"] / name).read_bytes(), name
    one, two = (json.loads((outs[j] / "manifest.json").read_text()) for j in ("1", "2"))
    one.pop("run"), two.pop("run")
    assert one == two
    inputs = {i["name"]: [f["path"].rsplit("/", 1)[1] for f in i["files"]] for i in one["inputs"]}
    assert inputs[f"{release.as_posix()}/test"] == [
        *(f"data-0000{i}-of-00003.arrow" for i in range(3)),
        "state.json",
    ]
    verified = invoke("verify", outs["1"])
    assert verified.exit_code == 0, verified.output


def test_a_broken_arrow_file_exits_2_naming_it(tmp_path: Path) -> None:
    index, release, _ = _world(tmp_path)
    (tmp_path / "bad").mkdir()
    bad = _bad_files(tmp_path / "bad")
    for name in ("garbage.arrow", "cut-file.arrow", "cut-stream.arrow"):
        result = invoke("scan", bad[name], "--index", index, "--out", tmp_path / "o", "--jobs", "1")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and result.stderr.startswith("error: ")
        assert name in result.stderr
    shard = release / "train" / "data-00002-of-00003.arrow"
    shard.write_bytes(b"garbage" * 30)
    result = invoke("scan", release, "--index", index, "--out", tmp_path / "o", "--jobs", "2")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "train/data-00002-of-00003.arrow" in result.stderr
