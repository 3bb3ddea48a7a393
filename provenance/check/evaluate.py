"""Judge a scan against a licence policy: the verdict of ``provenance check``.

``evaluate(policy, scan, baseline)`` takes a finished scan (a ``ScanResult`` or a scan's output
directory) and returns a ``CheckReport`` that knows its own verdict. Matches go through, in order:

1. the policy's filters (``kinds``, ``min_containment``, ``min_jaccard``): the rest are ignored;
2. the baseline: a match covered by an unexpired entry is suppressed (an expired one no longer
   covers it, so it fails again);
3. weakness (flagged ``weak`` by the scan, or ``specificity < min_specificity``): per ``weak``,
   ignored, reported as a warning, or counted like the rest;
4. the rules: ``deny-license``, ``allow-license``, each ``limit/<name>``, under ``strict``
   ``no-skipped-records``, and ``skipped-share`` (the share of records skipped unread, against the
   policy's ``max_skipped_share``: reported when the policy sets it or when records were skipped).
   A match is judged against every licence its text is held under (``licenses``: each corpus that
   read it): ``deny-license`` fails it when any is denied, ``allow-license`` passes it when any is
   allowed, a limit counts it when any licence and any corpus are in its scope.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance import licenses
from provenance.check.policy import Baseline, BaselineEntry, Limit, Policy, WeakHandling
from provenance.evidence.load import load_scan_dir

if TYPE_CHECKING:
    from provenance.scanner.pipeline import ScanResult

__all__ = ["CheckReport", "Finding", "Level", "MatchRef", "RuleOutcome", "ToolError", "evaluate", "load_scan"]

CHECK_SCHEMA_VERSION = 1
COPIED_TEXT_CHARS = 200
"""Characters of the copied text kept per finding."""

DENY_RULE = "deny-license"
ALLOW_RULE = "allow-license"
SKIPPED_RULE = "no-skipped-records"
SKIPPED_SHARE_RULE = "skipped-share"
TOOL_ERROR = "tool-error"
"""The id under which every format reports a check that could not run."""
EXIT_TOOL_ERROR = 2
COUNT_KEYS = (
    "matches",
    "ignored",
    "ignored_weak",
    "suppressed",
    "weak",
    "considered",
    "violations",
    "warnings",
)


class Level(str, Enum):
    """How serious a finding is: errors fail the check, warnings never do."""

    ERROR = "error"
    WARNING = "warning"


def shorten(text: str, width: int = COPIED_TEXT_CHARS) -> str:
    """One line of at most ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


_NOT_COLUMNS = frozenset(("licenses", "corpora", "copied_text"))
"""``MatchRef`` fields that are not a row's values as they are."""


@dataclass(frozen=True)
class MatchRef:
    """The parts of a match row that a finding needs."""

    item_id: str
    corpus: str
    license: str
    licenses: tuple[str, ...]
    """Every licence the item's text is held under (``license`` among them), sorted."""
    corpora: tuple[str, ...]
    """Every corpus that holds the item's text (``corpus`` among them), sorted."""
    kind: str
    dataset_file: str
    dataset_row: int
    dataset_line: int | None
    dataset_doc_id: str | None
    containment: float
    jaccard: float
    specificity: int
    weak: bool
    item_content_hash: str
    doc_sha256: str
    copied_text: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> MatchRef:
        """From a ``matches.parquet`` row: the copied text is cut from the snippet."""
        start = max(0, row["doc_start"] - row["snippet_start"])
        end = max(start, row["doc_end"] - row["snippet_start"])
        copied = row["snippet"][start:end] or row["licensed_text"]
        held = {"licenses": tuple(row["licenses"]), "corpora": tuple(row["corpora"])}
        return cls(
            **{name: row[name] for name in cls.__dataclass_fields__ if name not in _NOT_COLUMNS},
            **held,
            copied_text=shorten(copied),
        )

    @property
    def shared(self) -> bool:
        """Whether the item's text is held by more than its own corpus."""
        return len(self.corpora) > 1

    @property
    def line(self) -> int:
        """1-based line of the record: its line in line formats, else its row + 1 (Parquet)."""
        return self.dataset_line if self.dataset_line is not None else self.dataset_row + 1

    @property
    def fingerprint(self) -> str:
        """A stable id of the (item, training record) pair, from content only."""
        return hashlib.sha256(f"{self.item_content_hash}:{self.doc_sha256}".encode()).hexdigest()[:32]

    def describe(self) -> dict[str, Any]:
        """The match as written in reports."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Finding:
    """One problem at one place of the dataset: a violating match, or a skipped record."""

    rule_id: str
    level: Level
    dataset_file: str
    line: int
    message: str
    match: MatchRef | None = None
    fingerprint: str = ""

    def describe(self) -> dict[str, Any]:
        """The finding as written in reports."""
        return {
            "rule": self.rule_id,
            "level": self.level.value,
            "file": self.dataset_file,
            "line": self.line,
            "message": self.message,
            "fingerprint": self.fingerprint,
            "match": self.match.describe() if self.match else None,
        }


@dataclass(frozen=True)
class RuleOutcome:
    """One policy rule's result."""

    rule_id: str
    description: str
    passed: bool
    violations: int
    warnings: int
    detail: str

    def describe(self) -> dict[str, Any]:
        """The outcome as written in reports."""
        return {
            "rule": self.rule_id,
            "description": self.description,
            "passed": self.passed,
            "violations": self.violations,
            "warnings": self.warnings,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ToolError:
    """Why a check could not run (the scan or the check itself failed): no verdict, exit 2."""

    message: str
    source: str | None = None
    """The file or directory at fault, when known."""
    line: int | None = None

    @classmethod
    def from_exception(cls, err: BaseException) -> ToolError:
        """The error of an exception: a ``ProvenanceError``'s message, source and line; an
        ``OSError``'s reason and file; any other's type and text."""
        from provenance.errors import ProvenanceError

        if isinstance(err, ProvenanceError):
            message = err.message
            if err.line is None and err.position is not None:
                message = f"record {err.position}: {message}"
            return cls(message, err.source, err.line)
        if isinstance(err, OSError):
            filename = None if err.filename is None else str(err.filename)
            return cls(err.strerror or str(err), filename)
        return cls(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)

    def __str__(self) -> str:
        where = (self.source or "") + (f":{self.line}" if self.source and self.line is not None else "")
        return f"{where}: {self.message}" if where else self.message

    def describe(self) -> dict[str, Any]:
        """The error as written in reports."""
        return {"rule": TOOL_ERROR, "message": self.message, "source": self.source, "line": self.line}


@dataclass(frozen=True)
class CheckReport:
    """The verdict of a check and everything behind it. ``passed`` is false when any rule failed."""

    passed: bool
    rules: tuple[RuleOutcome, ...]
    findings: tuple[Finding, ...]
    """Errors: violating matches and (under strict) skipped records."""
    warnings: tuple[Finding, ...]
    """Weak matches that a rule would have flagged; they never fail the check."""
    suppressed: tuple[tuple[MatchRef, BaselineEntry], ...]
    expired_baseline: tuple[BaselineEntry, ...]
    unused_baseline: tuple[BaselineEntry, ...]
    counts: dict[str, int]
    policy: dict[str, Any]
    scan: dict[str, Any]
    today: date
    baseline_source: str | None = None
    rule_descriptions: dict[str, str] = field(default_factory=dict)
    error: ToolError | None = None
    """Set when the check could not run (``tool_error``): then nothing else is a verdict."""

    @property
    def exit_code(self) -> int:
        """0 when the check passed, 1 when the policy is violated, 2 when it could not run."""
        if self.error is not None:
            return EXIT_TOOL_ERROR
        return 0 if self.passed else 1

    @classmethod
    def tool_error(
        cls,
        message: str | BaseException,
        source: str | None = None,
        *,
        line: int | None = None,
        policy: Policy | None = None,
        today: date | None = None,
    ) -> CheckReport:
        """The report of a check that could not run (the scan or the check failed: ``message``, or
        the exception itself, naming ``source``): not passed, exit 2, no rules or findings. Every
        format renders it (SARIF: an unsuccessful invocation; JUnit: an ``<error>``), so that CI
        shows a tool error, not a pass or a policy violation."""
        if isinstance(message, BaseException):
            error = ToolError.from_exception(message)
        else:
            error = ToolError(message, source, line)
        return cls(
            passed=False,
            rules=(),
            findings=(),
            warnings=(),
            suppressed=(),
            expired_baseline=(),
            unused_baseline=(),
            counts=dict.fromkeys(COUNT_KEYS, 0),
            policy=policy.describe() if policy is not None else {},
            scan=_scan_summary({}),
            today=today or date.today(),
            baseline_source=None,
            error=error,
        )


def load_scan(source: ScanResult | str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The match rows and the manifest of a scan result, or of a scan's output directory (loaded by
    ``load_scan_dir``, whose ``EvidenceError`` names what is wrong with it)."""
    if not isinstance(source, str | Path):
        return source.matches.to_pylist(), source.manifest
    evidence = load_scan_dir(source, items=False)
    return evidence.matches.to_pylist(), evidence.manifest


def _scan_summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """What the check reports about the scan: stable across identical runs (no ``run`` section)."""
    counts = manifest.get("counts", {})
    index = manifest.get("index", {})
    return {
        "index": {"path": index.get("path"), "digest": index.get("digest"), "items": index.get("items")},
        "inputs": [
            {"path": f["path"], "sha256": f["sha256"]}
            for source in manifest.get("inputs", [])
            for f in source.get("files", [])
        ],
        "records_read": counts.get("records_read", 0),
        "records_scanned": counts.get("scanned", 0),
        "records_skipped": counts.get("skipped", 0),
        "inputs_skipped": manifest.get("inputs_skipped", []),
        "matches": counts.get("matches", 0),
    }


def _considered(policy: Policy, m: MatchRef) -> bool:
    return (
        m.kind in policy.kinds and m.containment >= policy.min_containment and m.jaccard >= policy.min_jaccard
    )


def _is_weak(policy: Policy, m: MatchRef) -> bool:
    return m.weak or m.specificity < policy.min_specificity


def _in_scope(limit: Limit, m: MatchRef) -> bool:
    """Whether a limit counts the match: one of the licences its text is held under matches one of
    the limit's, and one of the corpora that hold it one of the limit's corpora."""
    by_license = not limit.licenses or any(
        licenses.matches(p, lic) for p in limit.licenses for lic in m.licenses
    )
    by_corpus = not limit.corpora or any(fnmatchcase(name, p) for p in limit.corpora for name in m.corpora)
    return by_license and by_corpus


def _describe_match(m: MatchRef) -> str:
    where = f"record {m.dataset_row}" + (f" (id {m.dataset_doc_id})" if m.dataset_doc_id else "")
    held = m.license
    if m.shared:
        corpora = ", ".join(map(repr, m.corpora))
        held += f"; its text is held by corpora {corpora} under {', '.join(m.licenses)}"
    return (
        f"item {m.item_id} of corpus {m.corpus!r} ({held}) {m.kind.replace('_', '-')} in {where},"
        f' containment {m.containment:.2f}: "{m.copied_text}"'
    )


class _Evaluation:
    """The working state of one evaluation."""

    def __init__(
        self, policy: Policy, rows: list[dict[str, Any]], manifest: dict, baseline: Baseline, today: date
    ) -> None:
        self.policy = policy
        self.manifest = manifest
        self.baseline = baseline
        self.today = today
        self.counts = {"matches": len(rows), "ignored": 0, "ignored_weak": 0, "suppressed": 0, "weak": 0}
        self.strong: list[MatchRef] = []
        self.weak: list[MatchRef] = []
        self.suppressed: list[tuple[MatchRef, BaselineEntry]] = []
        self.used: set[int] = set()
        self.expired_notes: dict[MatchRef, BaselineEntry] = {}
        self.by_item: dict[str, list[tuple[int, BaselineEntry]]] = {}
        for i, entry in enumerate(baseline.entries):
            self.by_item.setdefault(entry.item_content_hash, []).append((i, entry))
        for row in rows:
            self._sort(MatchRef.from_row(row))

    def _sort(self, m: MatchRef) -> None:
        if not _considered(self.policy, m):
            self.counts["ignored"] += 1
            return
        candidates = self.by_item.get(m.item_content_hash, ())
        covering = [(i, e) for i, e in candidates if e.covers(m.item_content_hash, m.doc_sha256)]
        self.used.update(i for i, _ in covering)
        active = [e for _, e in covering if not e.expired(self.today)]
        if active:
            self.suppressed.append((m, active[0]))
            self.counts["suppressed"] += 1
            return
        if covering:
            self.expired_notes[m] = covering[0][1]
        if _is_weak(self.policy, m) and self.policy.weak is not WeakHandling.FAIL:
            key = "ignored_weak" if self.policy.weak is WeakHandling.IGNORE else "weak"
            self.counts[key] += 1
            if self.policy.weak is WeakHandling.WARN:
                self.weak.append(m)
            return
        self.strong.append(m)

    def finding(self, rule: str, level: Level, m: MatchRef, reason: str) -> Finding:
        message = f"{reason}: {_describe_match(m)}"
        if level is Level.WARNING:
            message = f"weak match, not counted: {message}"
        expired = self.expired_notes.get(m)
        if expired is not None and expired.expires is not None:
            message += f" [baseline entry expired on {expired.expires.isoformat()}: {expired.reason}]"
        return Finding(rule, level, m.dataset_file, m.line, message, m, m.fingerprint)


Reason = Callable[[MatchRef], str | None]
"""Why a match violates a licence rule, or ``None`` when it does not."""


def _license_rule(
    ev: _Evaluation, rule: str, verdict: Reason, matches: Iterable[MatchRef], level: Level
) -> list[Finding]:
    out = []
    for m in matches:
        reason = verdict(m)
        if reason:
            out.append(ev.finding(rule, level, m, reason))
    return out


def _deny_reason(policy: Policy) -> Reason:
    """A match violates ``deny`` when ANY licence its text is held under is denied: a rights holder
    who denies their licence means every copy of their text, whoever else also holds it."""

    def reason(m: MatchRef) -> str | None:
        for lic in m.licenses:
            pattern = licenses.denied_by(policy.deny, lic)
            if pattern:
                named = f" {lic}" if m.shared else ""
                return f"licence{named} denied by {pattern!r}"
        return None

    return reason


def _allow_reason(policy: Policy) -> Reason:
    """A match satisfies ``allow`` when ANY licence its text is held under is allowed: the text is
    available under that licence (a licence that must not be relied on at all belongs in ``deny``)."""
    allowed = policy.allow or ()

    def reason(m: MatchRef) -> str | None:
        if any(licenses.allowed(allowed, lic) for lic in m.licenses):
            return None
        return "no licence of its text in the allow list" if m.shared else "licence not in the allow list"

    return reason


def _rule_license(
    ev: _Evaluation, rule: str, reason: Reason, description: str
) -> tuple[RuleOutcome, list, list]:
    errors = _license_rule(ev, rule, reason, ev.strong, Level.ERROR)
    warnings = _license_rule(ev, rule, reason, ev.weak, Level.WARNING)
    items = len({(f.match.corpus, f.match.item_id) for f in errors if f.match})
    detail = f"{len(errors)} match(es) of {items} item(s)" if errors else "no match"
    if warnings:
        detail += f"; {len(warnings)} weak match(es) warned"
    return RuleOutcome(rule, description, not errors, len(errors), len(warnings), detail), errors, warnings


def _rule_limit(ev: _Evaluation, limit: Limit) -> tuple[RuleOutcome, list, list]:
    scope = [m for m in ev.strong if _in_scope(limit, m)]
    items = len({(m.corpus, m.item_id) for m in scope})
    records = len({(m.dataset_file, m.dataset_row) for m in scope})
    scanned = ev.manifest.get("counts", {}).get("scanned", 0)
    share = records / scanned if scanned else 0.0
    parts, exceeded = [], []
    for label, value, cap in (
        ("items", items, limit.max_items),
        ("matches", len(scope), limit.max_matches),
    ):
        if cap is not None:
            parts.append(f"{value} {label} (max {cap})")
            if value > cap:
                exceeded.append(f"{value} {label} > max {cap}")
    if limit.max_share is not None:
        parts.append(f"{share:.4%} of records (max {limit.max_share:.4%})")
        if share > limit.max_share:
            exceeded.append(f"{share:.4%} of records > max {limit.max_share:.4%}")
    errors = []
    if exceeded:
        reason = f"limit {limit.name} exceeded ({'; '.join(exceeded)})"
        errors = [ev.finding(limit.rule_id, Level.ERROR, m, reason) for m in scope]
    outcome = RuleOutcome(
        limit.rule_id, _limit_description(limit), not exceeded, len(errors), 0, ", ".join(parts)
    )
    return outcome, errors, []


def _limit_description(limit: Limit) -> str:
    scope = []
    if limit.licenses:
        scope.append(f"licence {' or '.join(limit.licenses)}")
    if limit.corpora:
        scope.append(f"corpus {' or '.join(limit.corpora)}")
    caps = []
    if limit.max_items is not None:
        caps.append(f"{limit.max_items} matched item(s)")
    if limit.max_matches is not None:
        caps.append(f"{limit.max_matches} match(es)")
    if limit.max_share is not None:
        caps.append(f"{limit.max_share:.4%} of the dataset's records")
    return f"At most {', '.join(caps)} for {' and '.join(scope) or 'all licensed content'}."


def _rule_skipped(ev: _Evaluation) -> tuple[RuleOutcome, list, list]:
    records = ev.manifest.get("skipped", {}).get("records", [])
    total = ev.manifest.get("skipped", {}).get("count", len(records))
    errors = [
        Finding(
            SKIPPED_RULE,
            Level.ERROR,
            r["source"],
            r["line"] if r.get("line") is not None else r["position"] + 1,
            f"unreadable record {r['position']} skipped (strict policy): {r['reason']}",
            None,
            hashlib.sha256(f"{r['source']}:{r['position']}:{r['reason']}".encode()).hexdigest()[:32],
        )
        for r in records
    ]
    detail = f"{total} record(s) skipped" if total else "every record was read"
    description = "Every training record must be readable (strict): skipped records fail the check."
    return RuleOutcome(SKIPPED_RULE, description, not total, max(total, len(errors)), 0, detail), errors, []


def _skipped_share(manifest: dict) -> tuple[int, int, float]:
    """Records read and skipped by the scan, and the share skipped (1 when none was read)."""
    counts = manifest.get("counts", {})
    read, skipped = counts.get("records_read", 0), counts.get("skipped", 0)
    return read, skipped, skipped / read if read else 1.0


def _applies_skipped_share(policy: Policy, manifest: dict) -> bool:
    """Whether ``skipped-share`` is reported: when the policy sets it, or it has something to say."""
    read, skipped, _ = _skipped_share(manifest)
    return policy.max_skipped_share is not None or skipped > 0 or read == 0


def _skipped_by_file(manifest: dict) -> dict[str, list[dict]]:
    """The skipped records the manifest lists, per file, in its order."""
    by_file: dict[str, list[dict]] = {}
    for r in manifest.get("skipped", {}).get("records", []):
        by_file.setdefault(r["source"], []).append(r)
    return by_file


def _rule_skipped_share(ev: _Evaluation) -> tuple[RuleOutcome, list, list]:
    read, skipped, share = _skipped_share(ev.manifest)
    limit = ev.policy.skipped_share_limit
    failed = share > limit
    level = Level.ERROR if failed else Level.WARNING
    verdict = f"{share:.2%} > max {limit:.2%}" if failed else f"max {limit:.2%}"
    overall = f"{skipped:,} of {read:,} record(s) skipped ({verdict})"
    if not read:
        overall = f"no record read, counted as all skipped ({verdict})"
    found = []
    for source, records in _skipped_by_file(ev.manifest).items():
        first = records[0]
        line = first["line"] if first.get("line") is not None else first["position"] + 1
        message = (
            f"{len(records):,} record(s) of this file skipped, not scanned (first: record"
            f" {first['position']}, {first['reason']}); the scan: {overall}"
        )
        found.append((source, line, message))
    if not read:
        found = [
            (f["path"], 1, f"no record read from this file; the scan: {overall}")
            for source in ev.manifest.get("inputs", [])
            for f in source.get("files", [])
        ]
    findings = [
        Finding(
            SKIPPED_SHARE_RULE,
            level,
            source,
            line,
            message,
            None,
            hashlib.sha256(f"{SKIPPED_SHARE_RULE}:{source}".encode()).hexdigest()[:32],
        )
        for source, line, message in found
    ]
    if not failed and ev.policy.strict:
        findings = []  # ``no-skipped-records`` lists each skipped record already
    description = (
        f"At most {limit:.2%} of the training records read may be skipped unread (max_skipped_share);"
        " a scan that read no record fails."
    )
    errors, warned = (findings, []) if failed else ([], findings)
    outcome = RuleOutcome(SKIPPED_SHARE_RULE, description, not failed, len(errors), len(warned), overall)
    return outcome, errors, warned


def evaluate(
    policy: Policy,
    scan: ScanResult | str | Path,
    baseline: Baseline | None = None,
    *,
    today: date | None = None,
) -> CheckReport:
    """Judge ``scan`` (a result, or a scan's output directory) against ``policy``.

    ``baseline`` adds accepted findings to the policy's own (its ``[[accepted]]`` entries and its
    ``baseline`` file); ``today``
    (default: the local date) decides which entries have expired.
    """
    rows, manifest = load_scan(scan)
    today = today or date.today()
    baseline = policy.load_baseline() + baseline if baseline is not None else policy.load_baseline()
    ev = _Evaluation(policy, rows, manifest, baseline, today)
    outcomes: list[RuleOutcome] = []
    findings: list[Finding] = []
    warnings: list[Finding] = []
    descriptions: dict[str, str] = {}
    rule_ids = policy.rule_ids
    if SKIPPED_SHARE_RULE not in rule_ids and _applies_skipped_share(policy, manifest):
        rule_ids = (*rule_ids, SKIPPED_SHARE_RULE)
    for rule in rule_ids:
        if rule == DENY_RULE:
            desc = f"No match may carry a denied licence ({', '.join(policy.deny)})."
            result = _rule_license(ev, rule, _deny_reason(policy), desc)
        elif rule == ALLOW_RULE:
            desc = f"Every match must carry an allowed licence ({', '.join(policy.allow or ()) or 'none'})."
            result = _rule_license(ev, rule, _allow_reason(policy), desc)
        elif rule == SKIPPED_RULE:
            result = _rule_skipped(ev)
        elif rule == SKIPPED_SHARE_RULE:
            result = _rule_skipped_share(ev)
        else:
            limit = next(lim for lim in policy.limits if lim.rule_id == rule)
            result = _rule_limit(ev, limit)
        outcome, errors, warned = result
        outcomes.append(outcome)
        descriptions[rule] = outcome.description
        findings.extend(errors)
        warnings.extend(warned)
    expired = tuple(e for e in baseline.entries if e.expired(today))
    unused = tuple(e for i, e in enumerate(baseline.entries) if i not in ev.used and not e.expired(today))
    counts = {
        **ev.counts,
        "considered": len(ev.strong),
        "violations": len(findings),
        "warnings": len(warnings),
    }
    return CheckReport(
        passed=all(o.passed for o in outcomes),
        rules=tuple(outcomes),
        findings=tuple(findings),
        warnings=tuple(warnings),
        suppressed=tuple(ev.suppressed),
        expired_baseline=expired,
        unused_baseline=unused,
        counts=counts,
        policy=policy.describe(),
        scan=_scan_summary(manifest),
        today=today,
        baseline_source=baseline.source,
        rule_descriptions=descriptions,
    )
