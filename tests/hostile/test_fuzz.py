"""Fuzzed inputs through the library, for a bounded time: JSON Lines (mutated bytes of valid lines,
random JSON values, random nesting), CSV (random quotes, delimiters, newlines), archives (a ``.zip``
of random members, an X archive folder with a mutated ``tweets.js``) and random bytes under any
data file name (issue 18).

Each example is read (``read_records``), indexed (``build_index``) and, when a record was read,
scanned against the suite's index (``scan``), in this process. Properties: only ``ProvenanceError``
escapes (anything else is a crash: a traceback for the user), its message names the input; what
was read is what the index build and the scan account for (records read = indexed + duplicates +
skipped, = scanned + skipped); an input ``read_records`` refuses is refused by the build too.

Time: ``PROVENANCE_FUZZ_SECONDS`` (default 20) shared by the tests by weight; an example past its
test's share is generated but not run. Examples are derandomized (the same every run) unless
``PROVENANCE_FUZZ_SEED`` names a seed; ``PROVENANCE_FUZZ_SHRINK=1`` shrinks a failing example.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard
from generators import World, write_x_archive, x_archive_manifest, x_archive_tweets
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from provenance.api import CorpusInfo, ReaderOptions, build_index, read_records, scan
from provenance.errors import ProvenanceError
from provenance.readers.records import Record, SkippedRecord

FUZZ_SECONDS = float(os.environ.get("PROVENANCE_FUZZ_SECONDS", "20"))
FUZZ_SEED = os.environ.get("PROVENANCE_FUZZ_SEED")
SHRINK = os.environ.get("PROVENANCE_FUZZ_SHRINK", "") not in ("", "0")
EXAMPLES_PER_SECOND = 12
"""About as many examples as run in a second here (8-10): each test stops at its budget or at
this many, so that examples generated past the budget (their drawing costs time too) stay few."""
WEIGHTS = {"json_lines": 0.25, "json_values": 0.15, "csv": 0.2, "zip": 0.15, "x_archive": 0.15, "bytes": 0.1}


class Budget:
    """A test's share of ``FUZZ_SECONDS``: examples after it are generated but not run, except once
    one failed (hypothesis then runs the failing example again, and shrinks it when asked)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: float | None = None
        self.failed = False
        self.ran = 0

    def __repr__(self) -> str:
        return f"Budget({self.seconds:g} s)"

    def run(self, example: Callable[[], None]) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started = now
        if not self.failed and now - self.started > self.seconds:
            return
        self.ran += 1
        try:
            example()
        except BaseException:
            self.failed = True
            raise


def fuzz(weight: str) -> Callable:
    """Hypothesis settings for a fuzz test with ``WEIGHTS[weight]`` of the time (see the module)."""
    seconds = FUZZ_SECONDS * WEIGHTS[weight]
    phases = (Phase.explicit, Phase.generate, *((Phase.shrink,) if SHRINK else ()))

    def decorate(test: Callable) -> Callable:
        test = settings(
            max_examples=max(10, int(seconds * EXAMPLES_PER_SECOND)),
            deadline=None,
            derandomize=FUZZ_SEED is None,
            database=None,
            phases=phases,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )(test)
        if FUZZ_SEED is not None:
            test = seed(int(FUZZ_SEED))(test)
        return test

    return decorate


@pytest.fixture(scope="module")
def budgets(request: pytest.FixtureRequest) -> Iterator[dict[str, Budget]]:
    """Each fuzz test's budget; afterwards the examples each ran are shown in pytest's summary."""
    shares = {name: Budget(FUZZ_SECONDS * share) for name, share in WEIGHTS.items()}
    yield shares
    request.config._hostile_fuzz = {  # type: ignore[attr-defined]
        name: (b.ran, time.monotonic() - b.started) for name, b in shares.items() if b.started is not None
    }


# --- the properties -----------------------------------------------------------------------------


@dataclass
class Read:
    records: int
    skipped: int


def _contained(stage: str, call: Callable[[], object], name: str) -> object:
    """``call()``, or the ``ProvenanceError`` it raised (which must name ``name``); anything else fails."""
    try:
        return call()
    except ProvenanceError as err:
        assert name in str(err), f"{stage}: the error does not name {name!r}: {err}"
        return err
    except Exception as err:  # noqa: BLE001 - any other exception is a crash, the property's failure
        raise AssertionError(f"{stage} raised {type(err).__name__}: {err}") from err


def _read(paths: list[Path], options: ReaderOptions) -> Read:
    records = skipped = 0
    for item in read_records(paths, options):
        if type(item) is SkippedRecord:
            skipped += 1
            assert item.reason, item
        else:
            assert type(item) is Record, item
            assert isinstance(item.text, str) and isinstance(item.id, str), item
            records += 1
    return Read(records, skipped)


def assert_library_contract(world: World, inputs: list[Path], options: ReaderOptions | None = None) -> None:
    """Read, index and scan ``inputs``: only ``ProvenanceError`` escapes, the counts balance."""
    options = options or ReaderOptions()
    name = inputs[0].name
    read = _contained("read_records", lambda: _read(inputs, options), name)
    with tempfile.TemporaryDirectory(prefix="provenance-fuzz-") as tmp:
        built = _contained(
            "build_index",
            lambda: build_index(
                inputs, Path(tmp) / "idx", CorpusInfo("fuzz", "MIT"), reader_options=options, jobs=1
            ),
            name,
        )
        if isinstance(read, ProvenanceError):
            assert isinstance(built, ProvenanceError), (
                f"read_records refused the input ({read}), the build not"
            )
            return
        if not isinstance(built, ProvenanceError):
            c = built.counts
            assert c.records_read == c.indexed + c.duplicates + c.skipped, c
            assert c.records_read == read.records + read.skipped, (c, read)
            assert c.skipped >= read.skipped, (c, read)
        if read.records == 0:
            return
        result = _contained(
            "scan",
            lambda: scan(inputs, world.index, Path(tmp) / "out", reader_options=options, jobs=1),
            name,
        )
        if not isinstance(result, ProvenanceError):
            c = result.counts
            assert c.records_read == c.scanned + c.skipped, c
            assert (c.records_read, c.skipped) == (read.records + read.skipped, read.skipped), (c, read)
            assert result.manifest["counts"]["records_read"] == c.records_read, result.manifest["counts"]


# --- strategies ----------------------------------------------------------------------------------

INTERESTING = [
    b"\xff",
    b"\x00",
    b"\xed\xa0\x80",
    b"\xc3",
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b"\\",
    b"{",
    b"[",
    b",",
]
"""Bytes that break decoders and parsers: invalid UTF-8, an encoded surrogate, a cut sequence, ..."""
ESCAPES = [b"\\ud800", b"\\udfff", b"\\u0000", b"\\n", b'\\"', b"\\uZZZZ", b"\\"]


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with up to five byte-level mutations (flip, insert, delete, duplicate, truncate)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 5))):
        op = draw(st.sampled_from(["flip", "insert", "escape", "delete", "duplicate", "truncate"]))
        at = draw(st.integers(0, len(out)))
        if op == "flip" and out:
            out[min(at, len(out) - 1)] ^= draw(st.integers(1, 255))
        elif op == "insert":
            out[at:at] = draw(st.sampled_from(INTERESTING) | st.binary(min_size=1, max_size=4))
        elif op == "escape":
            out[at:at] = draw(st.sampled_from(ESCAPES))
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 16))]
        elif op == "duplicate":
            out[at:at] = out[at : at + draw(st.integers(1, 64))]
        elif op == "truncate":
            del out[at:]
    return bytes(out)


def _prose(world: World) -> st.SearchStrategy[str]:
    """Texts: random unicode, or filler around a licensed item (so that scans find matches)."""
    item = st.sampled_from([it["text"] for it in world.items])
    planted = st.builds(lambda a, b, c: f"{a} {b} {c}", st.text(max_size=40), item, st.text(max_size=40))
    return st.text(max_size=80) | planted | st.sampled_from(["", " ", "\t", "🙂" * 3])


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _record(world: World) -> st.SearchStrategy[dict]:
    text = _prose(world) | json_values
    ids = st.none() | st.text(max_size=10) | st.integers() | st.sampled_from(["0", "1", "dup"])
    extra = st.dictionaries(
        st.sampled_from(["meta", "content", "body", "url", "lang"]), json_values, max_size=2
    )
    return st.builds(lambda i, t, e: {**e, "id": i, "text": t}, ids, text, extra)


def _nested(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"text": ' + b"[" * depth + b'"x"' + b"]" * depth + b"}"


def _compressed(data: bytes, codec: str) -> bytes:
    if codec == "gz":
        return gzip.compress(data, mtime=0)
    if codec == "bz2":
        return bz2.compress(data)
    if codec == "zst":
        return zstandard.ZstdCompressor(write_checksum=True).compress(data)
    return data


def _write(folder: Path, filename: str, data: bytes) -> Path:
    path = folder / filename
    path.write_bytes(data)
    return path


# --- the fuzz tests --------------------------------------------------------------------------------


@given(data=st.data())
@fuzz("json_lines")
def test_fuzzed_json_lines(hostile_world: World, budgets: dict[str, Budget], data: st.DataObject) -> None:
    """Valid JSON Lines, then mutated bytes; as ``.jsonl``, ``.ndjson``, ``.json`` or compressed."""
    rows = data.draw(st.lists(_record(hostile_world), min_size=1, max_size=8), label="rows")
    ascii_only = data.draw(st.booleans(), label="ensure_ascii")
    newline = data.draw(st.sampled_from(["\n", "\r\n", "\r"]), label="newline")
    valid = "".join(json.dumps(r, ensure_ascii=ascii_only) + newline for r in rows).encode("utf-8")
    damaged = data.draw(mutated(valid), label="bytes")
    suffix, codec = data.draw(
        st.sampled_from(
            [(".jsonl", ""), (".ndjson", ""), (".json", ""), (".jsonl.gz", "gz"), (".jsonl.zst", "zst")]
        ),
        label="file",
    )

    def example() -> None:
        with tempfile.TemporaryDirectory(prefix="fuzz-jsonl-") as tmp:
            path = _write(Path(tmp), f"train{suffix}", _compressed(damaged, codec))
            assert_library_contract(hostile_world, [path])

    budgets["json_lines"].run(example)


@given(data=st.data())
@fuzz("json_values")
def test_fuzzed_json_values_and_nesting(
    hostile_world: World, budgets: dict[str, Budget], data: st.DataObject
) -> None:
    """Random JSON values one a line (or one document), with a line nested up to 120,000 deep."""
    values = data.draw(st.lists(json_values, max_size=6), label="values")
    lines = [json.dumps(v).encode("utf-8") for v in values]
    if data.draw(st.booleans(), label="nest"):
        depth = data.draw(st.integers(1, 120_000), label="depth")
        kind = data.draw(st.sampled_from(["array", "object", "text"]), label="kind")
        lines.insert(data.draw(st.integers(0, len(lines)), label="at"), _nested(depth, kind))
    as_document = data.draw(st.booleans(), label="as one document")
    body = b"[" + b",".join(lines) + b"]" if as_document else b"\n".join(lines) + b"\n"
    suffix = ".json" if as_document else ".jsonl"
    text_field = data.draw(st.sampled_from([None, "text", "a", "meta.text", "nope"]), label="text_field")

    def example() -> None:
        with tempfile.TemporaryDirectory(prefix="fuzz-json-") as tmp:
            path = _write(Path(tmp), f"values{suffix}", body)
            assert_library_contract(hostile_world, [path], ReaderOptions(text_field=text_field))

    budgets["json_values"].run(example)


CSV_CELL = st.text(alphabet=st.sampled_from(list("ab é,;\"\t\r\n\\'x🙂")), max_size=24)


@given(data=st.data())
@fuzz("csv")
def test_fuzzed_csv(hostile_world: World, budgets: dict[str, Budget], data: st.DataObject) -> None:
    """CSV and TSV: random headers, cells full of quotes, delimiters and newlines, written raw or
    quoted, then mutated; plain or gzipped."""
    header = data.draw(
        st.sampled_from([["id", "text"], ["text"], ["text", "id", "url"]]) | st.lists(CSV_CELL, max_size=3),
        label="header",
    )
    cells = CSV_CELL | _prose(hostile_world)
    rows = data.draw(st.lists(st.lists(cells, max_size=4), max_size=10), label="rows")
    delimiter = data.draw(st.sampled_from([",", "\t", ";"]), label="delimiter")
    newline = data.draw(st.sampled_from(["\n", "\r\n", "\r"]), label="newline")
    if data.draw(st.booleans(), label="quoted"):
        buffer = io.StringIO(newline="")
        quoting = data.draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
        writer.writerows([header, *rows])
        text = buffer.getvalue()
    else:
        text = "".join(delimiter.join(row) + newline for row in [header, *rows])
    damaged = data.draw(mutated(text.encode("utf-8")), label="bytes")
    suffix, codec = data.draw(st.sampled_from([(".csv", ""), (".tsv", ""), (".csv.gz", "gz")]), label="file")

    def example() -> None:
        with tempfile.TemporaryDirectory(prefix="fuzz-csv-") as tmp:
            path = _write(Path(tmp), f"train{suffix}", _compressed(damaged, codec))
            assert_library_contract(hostile_world, [path])

    budgets["csv"].run(example)


MEMBER_NAMES = st.sampled_from(
    [
        "data/tweets.js",
        "data/manifest.js",
        "data/note-tweet.js",
        "data/deleted-tweets.js",
        "tweets.js",
        "data/tweets-part1.js",
        "export/data/tweets.js",
        "data/tweet.js",
        "../escape/data/tweets.js",
        "data/",
    ]
) | st.text(alphabet=st.sampled_from(list("abc/._-é")), min_size=1, max_size=12)


def _tweets_js(world: World, data: st.DataObject) -> bytes:
    rows = data.draw(st.lists(st.builds(lambda t: {"text": t}, _prose(world)), max_size=5), label="tweets")
    return x_archive_tweets(rows).encode("utf-8")


@pytest.mark.filterwarnings("ignore:Duplicate name")
@given(data=st.data())
@fuzz("zip")
def test_fuzzed_zip_archives(hostile_world: World, budgets: dict[str, Budget], data: st.DataObject) -> None:
    """A ``.zip`` of random members (archive names, valid or mutated tweets and manifests, random
    bytes, stored or deflated), the archive's own bytes mutated or not."""
    members = []
    for _ in range(data.draw(st.integers(0, 5), label="members")):
        name = data.draw(MEMBER_NAMES, label="name")
        content = data.draw(
            st.sampled_from(["tweets", "manifest", "mutated tweets", "mutated manifest", "bytes"]),
            label="content",
        )
        if content.endswith("tweets"):
            body = _tweets_js(hostile_world, data)
        elif content.endswith("manifest"):
            body = x_archive_manifest(3).encode("utf-8")
        else:
            body = data.draw(st.binary(max_size=512), label="random bytes")
        if content.startswith("mutated"):
            body = data.draw(mutated(body), label="mutated member")
        members.append((name, body, data.draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body, method in members:
            archive.writestr(zipfile.ZipInfo(name), body, compress_type=method)
    raw = buffer.getvalue()
    if data.draw(st.booleans(), label="mutate the zip"):
        raw = data.draw(mutated(raw), label="zip bytes")
    include_deleted = data.draw(st.booleans(), label="include_deleted")

    def example() -> None:
        with tempfile.TemporaryDirectory(prefix="fuzz-zip-") as tmp:
            path = _write(Path(tmp), "archive.zip", raw)
            assert_library_contract(hostile_world, [path], ReaderOptions(include_deleted=include_deleted))

    budgets["zip"].run(example)


@given(data=st.data())
@fuzz("x_archive")
def test_fuzzed_x_archive_folder(
    hostile_world: World, budgets: dict[str, Budget], data: st.DataObject
) -> None:
    """An X archive folder whose ``tweets.js`` (and maybe ``manifest.js``) is mutated, or whose
    manifest holds random JSON values where the layout expects objects and lists."""
    tweets = data.draw(mutated(_tweets_js(hostile_world, data)), label="tweets.js")
    manifest_kind = data.draw(
        st.sampled_from(["valid", "mutated", "random types", "absent"]), label="manifest"
    )
    manifest = x_archive_manifest(3).encode("utf-8")
    if manifest_kind == "mutated":
        manifest = data.draw(mutated(manifest), label="manifest.js")
    elif manifest_kind == "random types":
        types = data.draw(
            json_values | st.dictionaries(st.sampled_from(["tweets", "noteTweet"]), json_values, max_size=2),
            label="dataTypes",
        )
        user = data.draw(json_values, label="userInfo")
        manifest = x_archive_manifest(3, data_types=types, user_info=user).encode("utf-8")

    def example() -> None:
        with tempfile.TemporaryDirectory(prefix="fuzz-x-") as tmp:
            folder = Path(tmp) / "archive"
            write_x_archive(folder, [])
            (folder / "data" / "tweets.js").write_bytes(tweets)
            if manifest_kind == "absent":
                (folder / "data" / "manifest.js").unlink()
            else:
                (folder / "data" / "manifest.js").write_bytes(manifest)
            assert_library_contract(hostile_world, [folder])

    budgets["x_archive"].run(example)


DATA_NAMES = [
    "data.txt",
    "data.jsonl",
    "data.json",
    "data.csv",
    "data.tsv",
    "data.parquet",
    "tweets.js",
    "2014_01.js",
    "data.zip",
    "data.txt.gz",
    "data.jsonl.zst",
    "data.jsonl.bz2",
    "data.csv.gz",
]


@given(data=st.data())
@fuzz("bytes")
def test_fuzzed_bytes_under_any_data_file_name(
    hostile_world: World, budgets: dict[str, Budget], data: st.DataObject
) -> None:
    """Random bytes (sometimes validly compressed, sometimes a valid prefix) named as any data file."""
    name = data.draw(st.sampled_from(DATA_NAMES), label="name")
    raw = data.draw(st.binary(max_size=1024) | st.sampled_from([b"", b"\n", b"\xef\xbb\xbf", b"\xff\xfe"]))
    if data.draw(st.booleans(), label="prefix"):
        raw = (
            data.draw(st.sampled_from([b"PAR1", b"PK\x03\x04", b"\x1f\x8b", b"BZh9", b"\x28\xb5\x2f\xfd"]))
            + raw
        )
    codec = name.rsplit(".", 1)[-1] if data.draw(st.booleans(), label="compress validly") else ""

    def example() -> None:
        with tempfile.TemporaryDirectory(prefix="fuzz-bytes-") as tmp:
            path = _write(Path(tmp), name, _compressed(raw, codec))
            assert_library_contract(hostile_world, [path])

    budgets["bytes"].run(example)
