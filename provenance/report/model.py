"""The evidence report's data model, built from a scan's output directory.

``load_report(out_dir)`` reads ``manifest.json``, ``matches.parquet`` and ``items.parquet`` (and the
index manifest, where it can still be found, for the corpora's descriptions) and derives everything
the readable reports show: the summary, findings by licence and by corpus, the coverage model and the
chain of custody. The formats live in ``provenance.report.formats`` (one module per format).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from provenance.atomic import sha256_file
from provenance.evidence.files import ITEMS_FILE, MANIFEST_FILE, MATCHES_FILE
from provenance.evidence.load import check_scan_manifest, load_scan_dir
from provenance.evidence.schema import union_length
from provenance.report.detection import DetectionModel

REPORT_SCHEMA_VERSION = 1
"""Version of the JSON report's layout; raised on any incompatible change."""
REPORT_FILE = "report.html"
"""The HTML report a scan writes next to its evidence."""
DEFAULT_TOP = 500
"""Matches shown in full in the HTML and Markdown reports (the strongest first)."""
DATES_UNKNOWN = (
    "unknown: the scan does not record dates of training records, so the dataset's date range "
    "cannot be compared with the items' creation dates"
)


@dataclass
class Report:
    """Everything a readable report shows, derived from one scan's evidence."""

    out_dir: str
    manifest: dict
    matches: list[dict]
    items: list[dict]
    model: DetectionModel
    corpora: list[dict]
    by_license: list[dict]
    by_corpus: list[dict]
    custody_of: Callable[[], dict] = field(repr=False, compare=False)
    """Computes ``custody`` (see there)."""
    item_dates: dict
    dataset_dates: str = DATES_UNKNOWN
    manifest_file_sha256: str | None = None
    """SHA-256 of manifest.json as a file (it changes with ``run``, so the JSON body omits it)."""
    notes: list[str] = field(default_factory=list)

    @cached_property
    def custody(self) -> dict:
        """Hashes that tie the report to its evidence, inputs and index, and how to re-check them.
        Computed when first read: a scan computes the evidence digest in another process while
        this one draws the plots."""
        return self.custody_of()

    @property
    def summary(self) -> dict:
        """What was scanned, against which index, with which tool and parameters."""
        m = self.manifest
        files = [f for source in m["inputs"] for f in source["files"]]
        licences = sorted({c["license"] for c in self.corpora})
        owners = sorted({c["owner"] for c in self.corpora if c.get("owner")})
        return {
            "tool": m["tool"],
            "files": len(files),
            "bytes": sum(f["bytes"] for f in files),
            "inputs": m["inputs"],
            "counts": m["counts"],
            "shares": m["shares"],
            "index": {
                "path": m["index"]["path"],
                "digest": m["index"]["digest"],
                "items": m["index"]["items"],
                "licenses": licences,
                "owners": owners,
                "corpora": self.corpora,
                "params": m["index"]["params"],
            },
            "parameters": m["parameters"],
            "skipped_by_reason": m.get("skipped", {}).get("by_reason", {}),
        }

    @property
    def run(self) -> dict:
        """When and how the scan ran (the only part that differs between identical scans)."""
        return dict(self.manifest.get("run", {}))

    def strongest(self, top: int) -> list[dict]:
        """The ``top`` strongest matches: strong before weak, then by containment and specificity."""
        return sorted(self.matches, key=strength_key)[: max(top, 0)]

    def coverage(self) -> dict:
        """The coverage statement: model parameters, curves and sentences."""
        found = bool(self.matches)
        return {
            "model": self.model.describe(),
            "curves": self.model.curves(),
            "statements": self.model.statements(),
            "absence": None if found else self.model.absence_statement(),
        }


def strength_key(row: dict) -> tuple:
    """Sort key of a match: strong first, then higher containment, specificity, Jaccard; ties by place."""
    return (
        bool(row["weak"]),
        -row["containment"],
        -row["specificity"],
        -row["jaccard"],
        row["dataset_file"],
        row["dataset_row"],
        row["corpus"],
        row["item_id"],
    )


def load_report(out_dir: str | Path) -> Report:
    """The report of the scan whose evidence is in ``out_dir`` (loaded by ``load_scan_dir``)."""
    evidence = load_scan_dir(out_dir)
    return build_report(evidence.directory, evidence.manifest, evidence.matches, evidence.items)


def build_report(
    out_dir: str | Path,
    manifest: dict,
    matches: pa.Table,
    items: pa.Table,
    match_rows: list[dict] | None = None,
    digest: Callable[[], str] | None = None,
) -> Report:
    """The report from evidence already in memory (``match_rows``: ``matches.to_pylist()``, when the
    caller has it; ``digest``: gives ``evidence_digest`` of the tables, when the caller computes
    it); ``out_dir`` holds the written evidence files."""
    out = Path(out_dir)
    check_scan_manifest(manifest, out / MANIFEST_FILE)
    match_rows = matches.to_pylist() if match_rows is None else match_rows
    item_rows = items.to_pylist()
    corpora = _corpora(manifest)
    manifest_file = out / MANIFEST_FILE
    if digest is None:

        def digest() -> str:
            return evidence_digest(match_rows, item_rows)

    return Report(
        out_dir=out.as_posix(),
        manifest=manifest,
        matches=match_rows,
        items=item_rows,
        model=DetectionModel.from_manifest(manifest),
        corpora=corpora,
        by_license=_by_license(match_rows, manifest),
        by_corpus=_by_corpus(match_rows, corpora),
        custody_of=lambda: _custody(out, manifest, digest()),
        item_dates=_item_dates(match_rows),
        manifest_file_sha256=sha256_file(manifest_file) if manifest_file.is_file() else None,
    )


def _index_manifest(manifest: dict) -> dict | None:
    """The index's own manifest, when it is still where the scan found it and unchanged."""
    recorded = manifest["index"]
    for candidate in (recorded.get("path"), recorded.get("resolved_path")):
        if not candidate:
            continue
        path = Path(candidate) / "manifest.json"
        if path.is_file() and sha256_file(path) == recorded.get("digest"):
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def _corpora(manifest: dict) -> list[dict]:
    """Each corpus with licence, owner and item count; acquisition details from the index if reachable."""
    from_index = {c["name"]: c for c in (_index_manifest(manifest) or {}).get("corpora", [])}
    corpora = []
    for c in manifest["index"]["corpora"]:
        extra = from_index.get(c["name"], {})
        corpora.append(
            {
                "name": c["name"],
                "license": c["license"],
                "owner": c.get("owner"),
                "terms_url": c.get("terms_url"),
                "items": c.get("indexed"),
                "shared_items": c.get("shared_items") or 0,
                "acquired": extra.get("acquired"),
                "records_read": extra.get("records_read"),
            }
        )
    return sorted(corpora, key=lambda c: c["name"])


def _by_license(matches: list[dict], manifest: dict) -> list[dict]:
    """Per licence: matches, items, records and the share of the dataset that is its content. A
    match counts under every licence its item's text is held under (``licenses``)."""
    shares = manifest["shares"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in matches:
        for licence in row["licenses"]:
            groups[licence].append(row)
    license_of = {c["name"]: c["license"] for c in manifest["index"]["corpora"]}
    licences = sorted(set(license_of.values()) | set(groups))
    return [_license_row(lic, groups.get(lic, []), shares, license_of) for lic in licences]


def _license_row(licence: str, rows: list[dict], shares: dict, license_of: dict[str, str]) -> dict:
    """One licence's findings; its corpora are those of ``rows`` that hold the texts under it."""
    spans: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        spans[(row["dataset_file"], row["dataset_row"])].append((row["doc_start"], row["doc_end"]))
    characters = sum(union_length(s) for s in spans.values())
    scanned_chars, scanned_records = shares["characters_scanned"], shares["records_scanned"]
    return {
        "license": licence,
        "corpora": sorted({c for r in rows for c in r["corpora"] if license_of.get(c, licence) == licence}),
        "matches": len(rows),
        "strong_matches": sum(not r["weak"] for r in rows),
        "items_found": len({(r["corpus"], r["item_id"]) for r in rows}),
        "records_matched": len(spans),
        "licensed_characters": characters,
        "character_share": characters / scanned_chars if scanned_chars else 0.0,
        "record_share": len(spans) / scanned_records if scanned_records else 0.0,
    }


def _by_corpus(matches: list[dict], corpora: list[dict]) -> list[dict]:
    """Per corpus: how much of it was found in the dataset; a match counts for every corpus that
    holds its item's text (``corpora``), and the share found is of the items it holds: those it
    indexed and those of earlier corpora whose text it read too (``shared_items``)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in matches:
        for corpus in row["corpora"]:
            groups[corpus].append(row)
    out = []
    for c in corpora:
        rows = groups.get(c["name"], [])
        found = len({(r["corpus"], r["item_id"]) for r in rows})
        out.append(
            {
                "corpus": c["name"],
                "license": c["license"],
                "owner": c["owner"],
                "items": c["items"],
                "items_found": found,
                "share_found": found / held if (held := (c["items"] or 0) + c["shared_items"]) else 0.0,
                "matches": len(rows),
                "strong_matches": sum(not r["weak"] for r in rows),
                "records_matched": len({(r["dataset_file"], r["dataset_row"]) for r in rows}),
            }
        )
    return out


def _item_dates(matches: list[dict]) -> dict:
    """Range of the matched items' creation dates (ISO 8601 strings sort chronologically)."""
    dates = sorted({r["item_created_at"] for r in matches if r["item_created_at"]})
    items_with = len({(r["corpus"], r["item_id"]) for r in matches if r["item_created_at"]})
    return {
        "first": dates[0] if dates else None,
        "last": dates[-1] if dates else None,
        "items_with_date": items_with,
        "items_without_date": len({(r["corpus"], r["item_id"]) for r in matches}) - items_with,
    }


def evidence_digest(matches: list[dict], items: list[dict]) -> str:
    """SHA-256 of the evidence tables as the report presents them (canonical JSON of every row)."""
    body = json.dumps(
        {"items": items, "matches": matches}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _custody(out: Path, manifest: dict, digest: str) -> dict:
    """Hashes that tie the report to its evidence (``digest``: ``evidence_digest`` of its tables),
    inputs and index, and how to re-check them."""
    recorded = manifest.get("outputs", {})
    tables = {}
    for name in (MATCHES_FILE, ITEMS_FILE):
        actual = sha256_file(out / name) if (out / name).is_file() else None
        expected = recorded.get(name, {}).get("sha256")
        tables[name] = {"sha256": actual, "manifest_sha256": expected, "matches_manifest": actual == expected}
    core = {k: v for k, v in manifest.items() if k != "run"}
    core_bytes = json.dumps(core, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return {
        "evidence_tables": tables,
        "evidence_digest": digest,
        "evidence_digest_method": "SHA-256 of the JSON {'items': [...], 'matches': [...]} of every "
        "table row, keys sorted, separators ',' and ':', UTF-8",
        "manifest_sha256_without_run": hashlib.sha256(core_bytes).hexdigest(),
        "index_digest": manifest["index"]["digest"],
        "inputs": [
            {"path": f["path"], "sha256": f["sha256"], "bytes": f["bytes"]}
            for source in manifest["inputs"]
            for f in source["files"]
        ],
        "verify_command": f"provenance verify {_shell_quote(out.as_posix())}",
    }


def _shell_quote(path: str) -> str:
    import shlex

    return shlex.quote(path)


def tables_digest(matches: list[dict], items: pa.Table) -> str:
    """``evidence_digest`` of the match rows and the items table (for a forked process: the items'
    rows are made there)."""
    return evidence_digest(matches, items.to_pylist())
