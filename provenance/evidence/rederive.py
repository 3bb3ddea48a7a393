"""Re-check a scan's evidence from the raw inputs: ``provenance verify DIR``.

Nothing stored in the report is trusted. The index and every scanned file are hashed and compared
with the manifest; then every match is recomputed from the training record read again from its file
and the licensed text read again from the index, and each measured value must come out identical.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from provenance.atomic import sha256_file
from provenance.errors import InputError
from provenance.evidence.files import ITEMS_FILE, MATCHES_FILE
from provenance.evidence.load import load_scan_dir
from provenance.index import Index
from provenance.index.holdings import Holding, Holdings
from provenance.readers import ReaderOptions, discover, read_source
from provenance.readers.records import Record
from provenance.scanner.compare import analyse, compare

_MEASURED = ("jaccard", "containment", "coverage", "shared_shingles", "item_shingles")


@dataclass
class VerifyReport:
    """The outcome of a re-check: ``ok`` when nothing differs."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.problems


def _locate(name: str, manifest: dict) -> Path:
    """A path recorded in the manifest, as given or relative to the scan's working directory."""
    given = Path(name)
    if given.exists():
        return given
    return Path(manifest["run"]["working_directory"]) / given


def _check_outputs(out_dir: Path, manifest: dict, report: VerifyReport) -> None:
    for name, expected in manifest.get("outputs", {}).items():
        actual = sha256_file(out_dir / name) if (out_dir / name).is_file() else "missing"
        if actual != expected["sha256"]:
            report.problems.append(
                f"{name}: SHA-256 {actual} differs from the manifest's {expected['sha256']}"
            )


def _open_index(manifest: dict, report: VerifyReport) -> Index | None:
    recorded = manifest["index"]
    path = _locate(recorded["path"], manifest)
    if not path.exists():
        path = Path(recorded["resolved_path"])
    index = Index.open(path, verify_checksums=True)
    if index.digest() != recorded["digest"]:
        report.problems.append(
            f"index {path}: digest {index.digest()} differs from the scanned {recorded['digest']}"
        )
        return None
    return index


def _check_inputs(manifest: dict, report: VerifyReport) -> None:
    for source in manifest["inputs"]:
        for file in source["files"]:
            path = _locate(file["path"], manifest)
            if not path.is_file():
                report.problems.append(f"{file['path']}: scanned file not found")
            elif sha256_file(path) != file["sha256"]:
                report.problems.append(f"{file['path']}: SHA-256 differs from the scanned file's")


def _records_at(manifest: dict, wanted: dict[str, set[int]]) -> dict[tuple[str, int], Record]:
    """Read again the training records the matches point at, keyed as the matches name them: by the
    record's own source (an archive folder's records name the member file they came from)."""
    reader = manifest["parameters"]["reader"]
    options = ReaderOptions(**{**reader, "meta_fields": tuple(reader["meta_fields"])})
    found: dict[tuple[str, int], Record] = {}
    names = [_locate(s["name"], manifest) for s in manifest["inputs"]]
    for source, recorded in zip(discover(names, options), manifest["inputs"], strict=False):
        if not any(_within(file, (recorded["name"], source.name)) for file in wanted):
            continue
        for item in read_source(source, options):
            if isinstance(item, Record) and item.position in wanted.get(item.source, ()):
                found[(item.source, item.position)] = item
    return found


def _within(file: str, names: tuple[str, ...]) -> bool:
    """Whether the evidence's ``file`` is the input ``names`` name, or a file inside it."""
    return any(
        file == name or file.startswith(name.rstrip("/") + "/") or file.startswith(name + "!")
        for name in names
    )


def _check_match(
    row: dict, record: Record | None, item_text: str | None, n: int, index: Index, report: VerifyReport
) -> None:
    where = f"match {row['dataset_file']} row {row['dataset_row']} / item {row['item_id']}"
    if record is None:
        report.problems.append(f"{where}: the training record is not in the scanned file")
        return
    if item_text is None:
        report.problems.append(f"{where}: the item is not in the index")
        return
    if hashlib.sha256(record.text.encode("utf-8")).hexdigest() != row["doc_sha256"]:
        report.problems.append(f"{where}: the training text differs from the one scanned")
    if item_text != row["licensed_text"]:
        report.problems.append(f"{where}: licensed_text differs from the item's text in the index")
    normalizer = index.params.normalizer
    item, doc = analyse(item_text, n, normalizer), analyse(record.text, n, normalizer)
    evidence = compare(item, doc, n)
    if evidence is None:
        report.problems.append(f"{where}: the texts share no shingle")
        return
    measured = {name: getattr(evidence, name) for name in _MEASURED}
    spans = evidence.char_spans(item, doc)
    measured.update(zip(("item_start", "item_end", "doc_start", "doc_end"), spans, strict=True))
    for name, value in measured.items():
        if value != row[name]:
            report.problems.append(f"{where}: {name} is {row[name]} in the report, {value} measured")


def _check_holding(row: dict, item: dict, held: Holding, report: VerifyReport) -> None:
    """The licence and owner of the match are its item's, and its licences, corpora and owners are
    those the item is held under in the index."""
    where = f"match {row['dataset_file']} row {row['dataset_row']} / item {row['item_id']}"
    for name in ("license", "owner"):
        if row[name] != item[name]:
            report.problems.append(f"{where}: {name} is {row[name]} in the report, {item[name]} in the index")
    for name in ("licenses", "corpora", "owners"):
        indexed = list(getattr(held, name))
        if list(row[name]) != indexed:
            report.problems.append(f"{where}: {name} are {row[name]} in the report, {indexed} in the index")


def verify_scan(out: str | Path) -> VerifyReport:
    """Recompute every match of the scan in ``out`` from the raw index and training files."""
    # The tables' SHA-256 are compared here, as differences (``_check_outputs``), not refused.
    evidence = load_scan_dir(out, items=False, check_outputs=False)
    out_dir, manifest = evidence.directory, evidence.manifest
    report = VerifyReport()
    _check_outputs(out_dir, manifest, report)
    _check_inputs(manifest, report)
    index = _open_index(manifest, report)
    if index is None:
        return report
    matches = evidence.matches.to_pylist()
    if len(matches) != manifest["counts"]["matches"]:
        report.problems.append(
            f"{MATCHES_FILE}: {len(matches)} rows, the manifest counts {manifest['counts']['matches']}"
        )
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in matches:
        wanted[row["dataset_file"]].add(row["dataset_row"])
    try:
        records = _records_at(manifest, wanted)
    except InputError as err:
        report.problems.append(f"re-reading the scanned files failed: {err}")
        return report
    items = index.items(["corpus", "id", "license", "owner", "text", "content_hash"])
    keys = zip(items["corpus"].to_pylist(), items["id"].to_pylist(), strict=True)
    numbers = {key: number for number, key in enumerate(keys)}
    holdings = Holdings.of(index, items)
    n = index.params.shingles.n
    for row in matches:
        record = records.get((row["dataset_file"], row["dataset_row"]))
        number = numbers.get((row["corpus"], row["item_id"]))
        item = None if number is None else items.slice(number, 1).to_pylist()[0]
        _check_match(row, record, None if item is None else item["text"], n, index, report)
        if item is not None:
            _check_holding(row, item, holdings.holding(number, row["corpus"]), report)
        report.checked += 1
    _check_counts(manifest["counts"], report)
    if not (out_dir / ITEMS_FILE).is_file():
        report.problems.append(f"{ITEMS_FILE} is missing")
    return report


def _check_counts(counts: dict, report: VerifyReport) -> None:
    """The manifest's accounting balances."""
    if counts["records_read"] != counts["scanned"] + counts["skipped"]:
        report.problems.append("counts: records_read != scanned + skipped")
    if counts["candidates"] != counts["verified"] + counts["set_aside_low_information"]:
        report.problems.append("counts: candidates != verified + set aside")
    if counts["verified"] != counts["rejected"] + counts["matches"]:
        report.problems.append("counts: verified != rejected + matches")
