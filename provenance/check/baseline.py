"""Write baselines: accept the findings of a scan (or of a check's JSON report) as they are today."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from provenance.atomic import atomic_write_bytes
from provenance.check.evaluate import load_scan
from provenance.check.policy import Baseline, BaselineEntry, baseline_toml
from provenance.errors import UsageError

HEADER = (
    "Accepted findings for `provenance check`, keyed by content: item_content_hash (the licensed\n"
    "item) and doc_sha256 (the training record). Other keys are for people. Give every entry a\n"
    "reason; an entry with `expires` stops applying the day after."
)


def _entry(match: dict[str, Any], reason: str, expires: date | None) -> BaselineEntry:
    return BaselineEntry(
        item_content_hash=match["item_content_hash"],
        doc_sha256=match["doc_sha256"],
        reason=reason,
        expires=expires,
        item_id=match.get("item_id"),
        corpus=match.get("corpus"),
        license=match.get("license"),
        dataset_file=match.get("dataset_file"),
        dataset_line=match.get("dataset_line")
        if match.get("dataset_line") is not None
        else match.get("dataset_row", 0) + 1,
    )


def _matches_of(source: Path) -> list[dict[str, Any]]:
    """Match rows of a scan directory, or the matches behind a check JSON report's findings."""
    if source.is_dir():
        rows, _ = load_scan(source)
        return rows
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("not found", source=source.as_posix()) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UsageError(
            f"neither a scan directory nor a check JSON report ({err})", source=source.as_posix()
        ) from None
    if not isinstance(document, dict) or "findings" not in document:
        raise UsageError("not a check JSON report (no 'findings')", source=source.as_posix())
    found = document["findings"] + document.get("warnings", [])
    return [f["match"] for f in found if f.get("match")]


def entries_from(source: str | Path, reason: str, expires: date | None = None) -> list[BaselineEntry]:
    """One entry per distinct (item, training record) pair found in ``source``, in its order.

    ``source`` is a scan's output directory (every match) or a ``provenance check --json`` report
    (its violations and warnings).
    """
    if not reason.strip():
        raise UsageError("a baseline entry needs a reason")
    entries: dict[tuple[str, str], BaselineEntry] = {}
    for match in _matches_of(Path(source)):
        entry = _entry(match, reason, expires)
        entries.setdefault(entry.key, entry)
    return list(entries.values())


def merge(existing: Sequence[BaselineEntry], new: Iterable[BaselineEntry]) -> tuple[list[BaselineEntry], int]:
    """Existing entries (reasons and expiry kept) followed by the new keys; and how many were new."""
    keys = {e.key for e in existing}
    added = [e for e in new if e.key not in keys]
    return [*existing, *added], len(added)


def write_baseline(
    source: str | Path, output: str | Path, reason: str, expires: date | None = None
) -> tuple[int, int]:
    """Write (or extend) the baseline file ``output`` from ``source``; returns (entries, new entries)."""
    output = Path(output)
    existing = Baseline.from_file(output).entries if output.exists() else ()
    entries, added = merge(existing, entries_from(source, reason, expires))
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(output, baseline_toml(entries, header=HEADER).encode("utf-8"))
    return len(entries), added
