"""Hostile inputs for provenance, generated on the fly (none is copied from a file): one builder per
defect class of issue 18, and the small valid world they are checked against.

The world (``build_world``): six licensed items whose every word holds a non-ASCII letter
(``fjörd``, ``смола``, ...), indexed as corpus ``acme`` under ``LicenseRef-Proprietary``; a policy
denying that licence; and a training set of 16 records of filler prose where only the **last**
record holds a copy of a licensed item, near its end. So a reader that silently drops the end of a
file (a truncated stream read as a shorter one), or decodes UTF-8 as Latin-1 (the item's words
become mojibake), finds no match and the check passes: the suite's "never passes on what it did not
read" property (``Case.planted``) catches it.

Each hostile input is a ``Case`` (what it is and what its outcome must respect) with a writer that
makes its files in a folder of its own (``write_case``). ``CASES`` lists them by name, in a fixed
order; ``INTACT`` lists the undamaged inputs of each format, each of which must fail the check.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import math
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from synthetic import document

LICENCE = "LicenseRef-Proprietary"
CORPUS = "acme"
POLICY = f'[policy]\ndeny = ["{LICENCE}"]\n'
RECORDS = 16
"""Training records; the last one (``RECORDS - 1``) holds the only licensed copy."""
PLANTED_ROW = RECORDS - 1
VOCABULARY = (
    "fjörd crème müsli smörgås jalapeño façade naïve überall señal dvořák łódź ærø güneş çiçek "
    "żółw ýmir þorn ğarip смола ветер гора лес река θάλασσα ήλιος βουνό δέντρο straße ölçü "
    "kœur piñata fiancée résumé café brûlée noël zürich häfen mañana"
).split()
"""Every word holds a non-ASCII letter: decoded as Latin-1, none of them survives."""
MAX_RECORD_BYTES = 1 << 20
"""The record size limit the huge-record case sets (``--max-record-bytes``), well under its record."""


# --- the valid world -------------------------------------------------------------------------


def licensed_items(n: int = 6, seed: int = 18) -> list[dict]:
    """``n`` licensed items of 14-20 non-ASCII words, with 19-digit string ids."""
    rng = random.Random(seed)
    return [
        {
            "id": str(1_800_000_000_000_000_000 + i),
            "text": " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(14, 20))),
        }
        for i in range(n)
    ]


def training_docs(items: list[dict], seed: int = 7) -> list[dict]:
    """``RECORDS`` records of filler prose (60-100 words); the last holds ``items[0]`` near its end."""
    rng = random.Random(seed)
    docs = [{"id": f"doc-{i}", "text": document(rng, rng.randint(60, 100))} for i in range(RECORDS)]
    last = docs[PLANTED_ROW]
    last["text"] = f"{document(rng, 50)} {items[0]['text']} {document(rng, 4)}"
    return docs


class World:
    """The index, the policy and the data every case is made from (a plain class: hypothesis
    prints its ``repr`` in a failing example's report, not every field)."""

    def __init__(self, root: Path, index: Path, policy: Path, items: list[dict], docs: list[dict]) -> None:
        self.root, self.index, self.policy, self.items, self.docs = root, index, policy, items, docs

    def __repr__(self) -> str:
        return f"World({self.root})"


def build_world(root: Path) -> World:
    """Write the licensed items, build their index (in-process) and write the policy under ``root``."""
    from provenance.api import CorpusInfo, build_index

    items = licensed_items()
    licensed = root / "licensed.jsonl"
    licensed.write_bytes(jsonl_bytes(items))
    index = root / "licensed.idx"
    build_index([licensed], index, CorpusInfo(CORPUS, LICENCE), jobs=1)
    policy = root / "provenance.toml"
    policy.write_text(POLICY, encoding="utf-8")
    return World(root, index, policy, items, training_docs(items))


# --- renderings of a list of records -----------------------------------------------------------


def jsonl_bytes(rows: list[dict], newline: str = "\n") -> bytes:
    """JSON Lines (non-ASCII kept as is, UTF-8)."""
    return "".join(json.dumps(r, ensure_ascii=False) + newline for r in rows).encode("utf-8")


def json_bytes(rows: list[dict]) -> bytes:
    """A JSON array of the records."""
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def csv_bytes(rows: list[dict], newline: str = "\r\n") -> bytes:
    """CSV with an ``id,text`` header."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(["id", "text"])
    writer.writerows([r["id"], r["text"]] for r in rows)
    return buffer.getvalue().encode("utf-8")


def txt_str(rows: list[dict], newline: str = "\n") -> str:
    """Plain text, one record a line."""
    return "".join(r["text"] + newline for r in rows)


def write_parquet(path: Path, ids: list, texts: list, text_type: pa.DataType) -> None:
    pq.write_table(pa.table({"id": pa.array(ids), "text": pa.array(texts, type=text_type)}), path)


def zstd_bytes(data: bytes) -> bytes:
    """A zstd frame with a content checksum, as the ``zstd`` tool writes by default."""
    return zstandard.ZstdCompressor(write_checksum=True).compress(data)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip_bytes,
    "zst": zstd_bytes,
    "bz2": bz2.compress,
}


def x_archive_manifest(count: int, data_types: object = None, user_info: object = None) -> str:
    """``data/manifest.js``: ``window.__THAR_CONFIG`` listing ``data/tweets.js``."""
    config = {
        "userInfo": user_info
        if user_info is not None
        else {"accountId": "1800000000000000999", "userName": "hostile_owner", "displayName": "H"},
        "archiveInfo": {"generationDate": "2024-01-31T10:00:00.000Z", "isPartialArchive": False},
        "dataTypes": data_types
        if data_types is not None
        else {
            "tweets": {
                "files": [
                    {"fileName": "data/tweets.js", "globalName": "YTD.tweets.part0", "count": str(count)}
                ]
            }
        },
    }
    return "window.__THAR_CONFIG = " + json.dumps(config, ensure_ascii=False, indent=2)


def x_archive_tweets(rows: list[dict]) -> str:
    """``data/tweets.js``: ``window.YTD.tweets.part0 = [{"tweet": {...}}, ...]``."""
    tweets = [
        {
            "tweet": {
                "id_str": str(1_810_000_000_000_000_000 + i),
                "id": str(1_810_000_000_000_000_000 + i),
                "created_at": f"Tue Apr 18 02:{i % 60:02d}:56 +0000 2023",
                "full_text": row["text"],
                "lang": "en",
            }
        }
        for i, row in enumerate(rows)
    ]
    return "window.YTD.tweets.part0 = " + json.dumps(tweets, ensure_ascii=False, indent=2)


def write_x_archive(folder: Path, rows: list[dict], manifest: str | None = None) -> None:
    """An X archive folder (``data/manifest.js``, ``data/tweets.js``) holding ``rows`` as tweets."""
    data = folder / "data"
    data.mkdir(parents=True)
    (data / "manifest.js").write_text(manifest or x_archive_manifest(len(rows)), encoding="utf-8")
    (data / "tweets.js").write_text(x_archive_tweets(rows), encoding="utf-8")


def x_archive_zip_bytes(rows: list[dict]) -> bytes:
    """The X archive of ``rows`` as a ``.zip`` (members under ``data/``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/manifest.js", x_archive_manifest(len(rows)))
        archive.writestr("data/tweets.js", x_archive_tweets(rows))
    return buffer.getvalue()


# --- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile input and what its outcome must respect.

    Attributes:
        name: the test id.
        defect: the class of defect it stands for (issue 18's wording).
        input: the path to give the commands, relative to the case's folder.
        planted: the intact input holds a licensed copy (its check exits 1), so this one must exit 1
            or 2: never 0, since it was not (or could not be) read as a whole.
        readable: ``False`` when no record of it can be read as text: the check must not pass.
        names: what an exit-2 message must name (default: the input's file name).
        args: extra options for ``check``, ``scan`` and ``index build`` (reader options).
        min_skipped: unless the command exits 2, at least this many records must be recorded as
            skipped (data that cannot be read whole is a recorded skip or a clear error).
        twin: a case that must end the same way (exit code and counts): the same input gzipped.
        slow: run only in the slow suite (``-m slow``): a variant of a case the default suite runs.
    """

    name: str
    defect: str
    input: str
    planted: bool = True
    readable: bool = True
    names: str | None = None
    args: tuple[str, ...] = ()
    min_skipped: int = 0
    twin: str | None = None
    slow: bool = False

    @property
    def named(self) -> str:
        return self.names or Path(self.input).name


Writer = Callable[[Path, World], None]


@dataclass(frozen=True)
class Spec:
    case: Case
    write: Writer = field(compare=False)


CASES: dict[str, Spec] = {}
INTACT: dict[str, Spec] = {}


def _register(registry: dict[str, Spec], case: Case, write: Writer) -> None:
    assert case.name not in registry, case.name
    registry[case.name] = Spec(case, write)


def hostile(name: str, defect: str, input: str, **kw: object) -> Callable[[Writer], Writer]:
    """Register ``write`` as the writer of the hostile case ``name``."""

    def register(write: Writer) -> Writer:
        _register(CASES, Case(name, defect, input, **kw), write)  # type: ignore[arg-type]
        return write

    return register


def write_case(spec: Spec, root: Path, world: World) -> Path:
    """Write the case's files into ``root/<name>/``; the folder (the commands' working directory)."""
    folder = root / spec.case.name
    folder.mkdir(parents=True)
    spec.write(folder, world)
    return folder


def _bytes_writer(filename: str, make: Callable[[World], bytes]) -> Writer:
    def write(folder: Path, world: World) -> None:
        (folder / filename).write_bytes(make(world))

    return write


def _stray_byte(data: bytes, row: int, at: int = 20) -> bytes:
    """``data`` (one record a line) with a byte that is never UTF-8 (0xFF) inside line ``row``'s text."""
    lines = data.split(b"\n")
    line = lines[row]
    cut = line.index(b'"text"') + at if b'"text"' in line else at
    lines[row] = line[:cut] + b"\xff" + line[cut:]
    return b"\n".join(lines)


# The intact inputs: each must fail the check (exit 1), which proves the world and the "planted"
# claim of every damaged copy of them.

for _name, _file, _make in (
    ("jsonl", "train.jsonl", lambda w: jsonl_bytes(w.docs)),
    ("jsonl-gz", "train.jsonl.gz", lambda w: gzip_bytes(jsonl_bytes(w.docs))),
    ("jsonl-zst", "train.jsonl.zst", lambda w: zstd_bytes(jsonl_bytes(w.docs))),
    ("jsonl-bz2", "train.jsonl.bz2", lambda w: bz2.compress(jsonl_bytes(w.docs))),
    ("json", "train.json", lambda w: json_bytes(w.docs)),
    ("csv", "train.csv", lambda w: csv_bytes(w.docs)),
    ("txt", "train.txt", lambda w: txt_str(w.docs).encode("utf-8")),
    ("x-archive-zip", "archive.zip", lambda w: x_archive_zip_bytes(w.docs)),
):
    _register(INTACT, Case(f"intact-{_name}", "intact", _file), _bytes_writer(_file, _make))

_register(
    INTACT,
    Case("intact-parquet", "intact", "train.parquet"),
    lambda folder, w: write_parquet(
        folder / "train.parquet", [d["id"] for d in w.docs], [d["text"] for d in w.docs], pa.string()
    ),
)


def _intact_x_archive(folder: Path, w: World) -> None:
    write_x_archive(folder / "archive", w.docs)


_register(INTACT, Case("intact-x-archive", "intact", "archive"), _intact_x_archive)


# 1. Truncated compressed streams (and 5: truncated headers, double gzip).

TRUNCATED = "truncated compressed stream (1, 5)"


def _cut(data: bytes, where: str) -> bytes:
    if where == "end":
        return data[:-4]  # the gzip ISIZE, the zstd checksum, the end of the bz2 stream
    return data[: int(len(data) * int(where) / 100)]


for _codec, _cuts in (("zst", ("50", "90", "end")), ("gz", ("50", "end")), ("bz2", ("50", "end"))):
    for _where in _cuts:
        hostile(
            f"truncated-{_codec}-{_where}",
            TRUNCATED,
            f"train.jsonl.{_codec}",
            min_skipped=1,
            slow=(_codec, _where) in (("gz", "50"), ("bz2", "end")),
        )(
            _bytes_writer(
                f"train.jsonl.{_codec}",
                lambda w, c=_codec, x=_where: _cut(COMPRESSORS[c](jsonl_bytes(w.docs)), x),
            )
        )

hostile("truncated-gzip-header", TRUNCATED, "train.jsonl.gz", readable=False)(
    _bytes_writer("train.jsonl.gz", lambda w: gzip_bytes(jsonl_bytes(w.docs))[:5])
)
hostile("truncated-bz2-header", TRUNCATED, "train.jsonl.bz2", readable=False, slow=True)(
    _bytes_writer("train.jsonl.bz2", lambda w: bz2.compress(jsonl_bytes(w.docs))[:6])
)
hostile("double-gzip", TRUNCATED, "train.jsonl.gz")(
    _bytes_writer("train.jsonl.gz", lambda w: gzip_bytes(gzip_bytes(jsonl_bytes(w.docs))))
)


# 5. Archives: garbage, truncated and corrupt .zip files.

ZIPS = "damaged .zip (5, 13)"


def _corrupt_member(w: World) -> bytes:
    """The X archive zip with bytes in the middle of ``data/tweets.js``'s compressed data flipped."""
    data = bytearray(x_archive_zip_bytes(w.docs))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("data/tweets.js")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + info.compress_size // 2, start + info.compress_size // 2 + 16):
        data[offset] ^= 0x5A
    return bytes(data)


hostile("garbage-zip", ZIPS, "archive.zip", planted=False, readable=False)(
    _bytes_writer("archive.zip", lambda w: random.Random(5).randbytes(4096))
)
hostile("truncated-zip", ZIPS, "archive.zip")(
    _bytes_writer("archive.zip", lambda w: (lambda d: d[: len(d) // 2])(x_archive_zip_bytes(w.docs)))
)
hostile("zip-corrupt-member", ZIPS, "archive.zip", names="tweets.js")(
    _bytes_writer("archive.zip", _corrupt_member)
)


# 4. Encodings: invalid UTF-8 and UTF-16, UTF-16 with a BOM, random binary (and the same gzipped).

ENCODINGS = "encoding (4, 5)"

hostile("jsonl-invalid-utf8", ENCODINGS, "train.jsonl")(
    _bytes_writer("train.jsonl", lambda w: _stray_byte(jsonl_bytes(w.docs), 1))
)
hostile("jsonl-utf16-bom", ENCODINGS, "train.jsonl")(
    _bytes_writer("train.jsonl", lambda w: jsonl_bytes(w.docs).decode("utf-8").encode("utf-16"))
)
hostile("jsonl-utf16-no-bom", ENCODINGS, "train.jsonl", slow=True)(
    _bytes_writer("train.jsonl", lambda w: jsonl_bytes(w.docs).decode("utf-8").encode("utf-16-le"))
)
hostile("json-invalid-utf8", ENCODINGS, "train.json")(
    _bytes_writer("train.json", lambda w: _stray_byte(json_bytes(w.docs), 3, at=12))
)
hostile("txt-invalid-utf8", ENCODINGS, "train.txt", twin="txt-invalid-utf8-gz")(
    _bytes_writer("train.txt", lambda w: _stray_byte(txt_str(w.docs).encode("utf-8"), 2))
)
hostile("txt-invalid-utf8-gz", ENCODINGS, "train.txt.gz")(
    _bytes_writer("train.txt.gz", lambda w: gzip_bytes(_stray_byte(txt_str(w.docs).encode("utf-8"), 2)))
)
hostile("txt-utf16-bom", ENCODINGS, "train.txt", twin="txt-utf16-bom-gz")(
    _bytes_writer("train.txt", lambda w: txt_str(w.docs).encode("utf-16"))
)
hostile("txt-utf16-bom-gz", ENCODINGS, "train.txt.gz")(
    _bytes_writer("train.txt.gz", lambda w: gzip_bytes(txt_str(w.docs).encode("utf-16")))
)
hostile("txt-utf16-invalid", ENCODINGS, "train.txt")(
    # a BOM, three records, a lone high surrogate code unit, the rest, and an odd trailing byte
    _bytes_writer(
        "train.txt",
        lambda w: (
            b"\xff\xfe"
            + txt_str(w.docs[:3]).encode("utf-16-le")
            + b"\x00\xd8"
            + txt_str(w.docs[3:]).encode("utf-16-le")
            + b"\x41"
        ),
    )
)
hostile("binary-txt", ENCODINGS, "data.txt", planted=False, readable=False)(
    _bytes_writer("data.txt", lambda w: random.Random(4).randbytes(8192))
)
hostile("binary-jsonl", ENCODINGS, "data.jsonl", planted=False, readable=False)(
    _bytes_writer("data.jsonl", lambda w: random.Random(6).randbytes(8192))
)


# 5. What JSON parsers choke on: a lone surrogate, 100,000-deep nesting.

JSON_LIMITS = "lone surrogate, deep nesting (5)"
DEPTH = 100_000


def _with_line(w: World, row: int, line: bytes) -> bytes:
    lines = jsonl_bytes(w.docs).split(b"\n")
    return b"\n".join([*lines[:row], line, *lines[row:]])


hostile("jsonl-lone-surrogate", JSON_LIMITS, "train.jsonl")(
    _bytes_writer("train.jsonl", lambda w: _with_line(w, 2, b'{"id": "s", "text": "alone \\ud800 here"}'))
)
hostile("jsonl-deep-nesting", JSON_LIMITS, "train.jsonl", min_skipped=1)(
    _bytes_writer(
        "train.jsonl",
        lambda w: _with_line(w, 1, b'{"id": "deep", "text": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"),
    )
)
hostile("json-deep-nesting", JSON_LIMITS, "train.json", min_skipped=1)(
    _bytes_writer(
        "train.json",
        lambda w: json_bytes(w.docs)[:-1] + b", " + b"[" * DEPTH + b"]" * DEPTH + b"]",
    )
)


# 5. An X archive whose manifest.js holds unexpected types.

MANIFEST = "X archive manifest.js of unexpected types (5, 13)"


def _x_archive_with_types(data_types: object) -> Writer:
    def write(folder: Path, w: World) -> None:
        write_x_archive(folder / "archive", w.docs, x_archive_manifest(len(w.docs), data_types=data_types))

    return write


for _name, _types in (
    ("data-types-list", []),
    ("tweets-string", {"tweets": "data/tweets.js"}),
    ("file-name-number", {"tweets": {"files": [{"fileName": 42, "globalName": "YTD.tweets.part0"}]}}),
):
    hostile(f"x-manifest-{_name}", MANIFEST, "archive", names="manifest.js")(_x_archive_with_types(_types))


# 12. Silent wrong parsing: CSV quotes, CR-only line endings (plain and gzipped), Parquet and JSON
# text that is not a string.

PARSING = "silent wrong parsing (12)"


def _unterminated_quote(w: World) -> bytes:
    """CSV whose row 3 opens a quote it never closes."""
    rows = csv_bytes(w.docs).split(b"\r\n")
    assert b'"' not in rows[3], rows[3]
    rows[3] = rows[3].replace(b",", b',"', 1)
    return b"\r\n".join(rows)


hostile("csv-unterminated-quote", PARSING, "train.csv", min_skipped=1)(
    _bytes_writer("train.csv", _unterminated_quote)
)
hostile("jsonl-cr-only", PARSING, "train.jsonl", twin="jsonl-cr-only-gz")(
    _bytes_writer("train.jsonl", lambda w: jsonl_bytes(w.docs, newline="\r"))
)
hostile("jsonl-cr-only-gz", PARSING, "train.jsonl.gz")(
    _bytes_writer("train.jsonl.gz", lambda w: gzip_bytes(jsonl_bytes(w.docs, newline="\r")))
)
hostile("csv-cr-only", PARSING, "train.csv", twin="csv-cr-only-gz", slow=True)(
    _bytes_writer("train.csv", lambda w: csv_bytes(w.docs, newline="\r"))
)
hostile("csv-cr-only-gz", PARSING, "train.csv.gz", slow=True)(
    _bytes_writer("train.csv.gz", lambda w: gzip_bytes(csv_bytes(w.docs, newline="\r")))
)
hostile("parquet-binary-text", PARSING, "train.parquet")(
    lambda folder, w: write_parquet(
        folder / "train.parquet",
        [d["id"] for d in w.docs],
        [d["text"].encode("utf-8") for d in w.docs],
        pa.binary(),
    )
)
hostile("parquet-numeric-text", PARSING, "train.parquet", planted=False, readable=False, min_skipped=RECORDS)(
    lambda folder, w: write_parquet(
        folder / "train.parquet", [d["id"] for d in w.docs], list(range(RECORDS)), pa.int64()
    )
)
hostile("parquet-nan-text", PARSING, "train.parquet", planted=False, readable=False, min_skipped=RECORDS)(
    lambda folder, w: write_parquet(
        folder / "train.parquet",
        [d["id"] for d in w.docs],
        [math.nan if i % 2 else i + 0.5 for i in range(RECORDS)],
        pa.float64(),
    )
)
NOT_STRINGS: tuple[object, ...] = (42, 3.5, {"body": "an object"}, ["a", "list"], None, True)
hostile("jsonl-text-not-strings", PARSING, "train.jsonl", min_skipped=len(NOT_STRINGS))(
    _bytes_writer(
        "train.jsonl",
        lambda w: jsonl_bytes([{"id": f"odd-{i}", "text": v} for i, v in enumerate(NOT_STRINGS)] + w.docs),
    )
)
hostile(
    "jsonl-text-only-not-strings",
    PARSING,
    "train.jsonl",
    planted=False,
    readable=False,
    min_skipped=len(NOT_STRINGS),
)(
    _bytes_writer(
        "train.jsonl",
        lambda w: jsonl_bytes([{"id": f"odd-{i}", "text": v} for i, v in enumerate(NOT_STRINGS)]),
    )
)


# 10. A huge record (here 4 MB, with --max-record-bytes 1 MiB; the slow suite reads 200 MB with the
# default limit).

HUGE = "huge record (10)"


def huge_record_gzip(path: Path, docs: list[dict], record_bytes: int) -> None:
    """A gzipped JSON Lines file: two records, one of ``record_bytes`` of prose, then ``docs``."""
    word = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as fh:
        fh.write(jsonl_bytes(docs[:2]))
        fh.write(b'{"id": "huge", "text": "')
        left = record_bytes
        chunk = word * ((1 << 20) // len(word) + 1)
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk)
        fh.write(b'"}\n')
        fh.write(jsonl_bytes(docs[2:]))


hostile("huge-record", HUGE, "train.jsonl.gz", args=("--max-record-bytes", str(MAX_RECORD_BYTES)))(
    lambda folder, w: huge_record_gzip(folder / "train.jsonl.gz", w.docs, 4 << 20)
)


# 9. The directory walk: data files named LICENSE*, README*, or hidden.

WALK = "directory walk (9)"


def _dataset_folder(hidden_name: str) -> Writer:
    """``release/`` with the clean records in ``data.jsonl`` and the licensed one in ``hidden_name``."""

    def write(folder: Path, w: World) -> None:
        release = folder / "release"
        release.mkdir()
        (release / "data.jsonl").write_bytes(jsonl_bytes(w.docs[:PLANTED_ROW]))
        (release / hidden_name).write_bytes(jsonl_bytes(w.docs[PLANTED_ROW:]))
        (release / "README.md").write_text("# release\n\nThe training data.\n", encoding="utf-8")

    return write


hostile("dir-license-jsonl", WALK, "release", names="LICENSE.jsonl")(_dataset_folder("LICENSE.jsonl"))
hostile("dir-readme-jsonl", WALK, "release", names="README.jsonl", slow=True)(_dataset_folder("README.jsonl"))
hostile("dir-hidden-jsonl", WALK, "release", names=".hidden.jsonl")(_dataset_folder(".hidden.jsonl"))


# 6. Duplicate ids across CSV files (both start at 0).

DUPLICATES = "duplicate ids across files (6)"


def _two_csvs(folder: Path, w: World) -> None:
    release = folder / "release"
    release.mkdir()
    half = RECORDS // 2
    for name, rows in (("a.csv", w.docs[:half]), ("b.csv", w.docs[half:])):
        renumbered = [{"id": str(i), "text": r["text"]} for i, r in enumerate(rows)]
        (release / name).write_bytes(csv_bytes(renumbered))


hostile("csv-duplicate-ids", DUPLICATES, "release")(_two_csvs)


# 8. Inputs with nothing to read: empty, blank lines only, or --text-field pointing nowhere.

NOTHING = "nothing read (8)"

hostile("empty-jsonl", NOTHING, "train.jsonl", planted=False, readable=False)(
    _bytes_writer("train.jsonl", lambda w: b"")
)
hostile("blank-lines-jsonl", NOTHING, "train.jsonl", planted=False, readable=False)(
    _bytes_writer("train.jsonl", lambda w: b"\n\n   \n\t\n\r\n\n")
)
hostile("blank-lines-txt", NOTHING, "train.txt", planted=False, readable=False, slow=True)(
    _bytes_writer("train.txt", lambda w: b"\n \n\t\t\n\n")
)
hostile("text-field-nowhere-jsonl", NOTHING, "train.jsonl", readable=False, args=("--text-field", "nope"))(
    _bytes_writer("train.jsonl", lambda w: jsonl_bytes(w.docs))
)
hostile(
    "text-field-nowhere-csv", NOTHING, "train.csv", readable=False, args=("--text-field", "nope"), slow=True
)(_bytes_writer("train.csv", lambda w: csv_bytes(w.docs)))
