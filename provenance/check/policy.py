"""Licence policies and baselines for ``provenance check``: what a dataset release may contain.

A policy is read from ``provenance.toml`` (a ``[policy]`` table) or from ``[tool.provenance]`` in
``pyproject.toml``, through a ladder ``from_file`` -> ``from_toml`` -> ``from_dict``. Every problem
is reported with the file, the line of the offending key and what was expected. The smallest
policy is::

    [policy]
    deny = ["LicenseRef-Proprietary"]

Whatever its rules, a policy fails a check whose scan skipped more than half of the records it read,
or read none (``max_skipped_share``, rule ``skipped-share``): a gate does not pass on what it did not
read.

A baseline lists accepted findings keyed by content (``item_content_hash`` and ``doc_sha256``, not
row numbers, which move when shards are rebuilt), each with a reason and an optional expiry date.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from provenance.check.toml_lines import PathPart, locate
from provenance.errors import UsageError
from provenance.licenses import pattern_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "KINDS",
    "Baseline",
    "BaselineEntry",
    "Limit",
    "Policy",
    "PolicyError",
    "WeakHandling",
    "baseline_toml",
    "find_policy",
]

POLICY_FILE = "provenance.toml"
PYPROJECT_FILE = "pyproject.toml"
KINDS = ("near_duplicate", "contained")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_HEX = re.compile(r"^[0-9a-f]+$")
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
DEFAULT_MAX_SKIPPED_SHARE = 0.5
"""More than half of the records skipped unread (or none read): the check fails by default."""


class WeakHandling(str, Enum):
    """What a weak match (flagged ``weak`` by the scan, or below ``min_specificity``) does."""

    IGNORE = "ignore"
    """Not considered at all."""
    WARN = "warn"
    """Reported as a warning; never fails the check."""
    FAIL = "fail"
    """Treated like any other match."""


@dataclass(frozen=True)
class Problem:
    """One validation problem: where (a key path), what is wrong, and a text to point at."""

    path: tuple[PathPart, ...]
    message: str
    needle: str | None = None


class PolicyError(UsageError):
    """A policy or baseline file is invalid; lists every problem as ``file:line: key: message``."""

    def __init__(self, problems: Sequence[tuple[int | None, str]], *, source: str | None = None) -> None:
        self.problems = list(problems)
        first_line = self.problems[0][0] if self.problems else None
        super().__init__(
            self.problems[0][1] if self.problems else "invalid policy", source=source, line=first_line
        )

    def __str__(self) -> str:
        where = self.source or "<policy>"
        return "\n".join(
            f"{where}:{line}: {msg}" if line else f"{where}: {msg}" for line, msg in self.problems
        )


def _dotted(path: Sequence[PathPart]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "an array", dict: "a table", date: "a date"})
    return names.get(type(value), type(value).__name__)


class _Checker:
    """Collects problems while reading a dict, so that all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(
        self, path: Sequence[PathPart], expected: str, value: Any = ..., needle: str | None = None
    ) -> None:
        got = "" if value is ... else f", got {value!r} ({_type_name(value)})"
        self.problems.append(Problem(tuple(path), f"{_dotted(path)}: expected {expected}{got}", needle))

    def table(self, data: Any, path: tuple[PathPart, ...], allowed: Sequence[str]) -> dict:
        if not isinstance(data, dict):
            self.fail(path, "a table", data)
            return {}
        for key in data:
            if key not in allowed:
                self.problems.append(
                    Problem(
                        (*path, key),
                        f"{_dotted((*path, key))}: unknown key;"
                        f" expected one of: {', '.join(sorted(allowed))}",
                    )
                )
        return data

    def number(self, data: dict, key: str, path: tuple[PathPart, ...], lo: float, hi: float) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            self.fail((*path, key), f"a number between {lo:g} and {hi:g}", value)
            return None
        return float(value)

    def count(self, data: dict, key: str, path: tuple[PathPart, ...]) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail((*path, key), "a whole number >= 0", value)
            return None
        return value

    def boolean(self, data: dict, key: str, path: tuple[PathPart, ...]) -> bool | None:
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            self.fail((*path, key), "true or false", value)
            return None
        return value

    def string(self, data: dict, key: str, path: tuple[PathPart, ...]) -> str | None:
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.fail((*path, key), "a non-empty string", value)
            return None
        return value

    def strings(
        self,
        data: dict,
        key: str,
        path: tuple[PathPart, ...],
        check: Callable[[str], str | None] | None = None,
    ) -> tuple[str, ...] | None:
        """A string or an array of strings; ``check`` returns why an element is invalid."""
        value = data.get(key)
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.fail((*path, key), "an array of strings", value)
            return None
        good = []
        for i, item in enumerate(items):
            where = (*path, key) if isinstance(value, str) else (*path, key, i)
            if not isinstance(item, str):
                self.fail(where, "a string", item)
                continue
            error = check(item) if check else None
            if error:
                self.problems.append(Problem(where, f"{_dotted(where)}: {error}", json.dumps(item)))
                continue
            good.append(item)
        return tuple(good)


def _license_check(pattern: str) -> str | None:
    error = pattern_error(pattern)
    if error is None:
        return None
    return (
        f"{error}; expected an SPDX identifier or expression, LicenseRef-..., or a wildcard such as CC-BY-*"
    )


def _kind_check(kind: str) -> str | None:
    return None if kind in KINDS else f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}"


def _corpus_check(pattern: str) -> str | None:
    return None if pattern.strip() else "an empty corpus name"


@dataclass(frozen=True)
class Limit:
    """At most so many matched items, matches, or so large a share of the dataset, for a scope.

    The scope is the matches with a licence that matches one of ``licenses`` and a corpus that
    matches one of ``corpora`` (fnmatch patterns; an empty tuple matches everything), among all the
    licences and corpora that hold the match's text.
    """

    name: str
    licenses: tuple[str, ...] = ()
    corpora: tuple[str, ...] = ()
    max_items: int | None = None
    """Distinct licensed items matched."""
    max_matches: int | None = None
    """Matches (item, training record pairs)."""
    max_share: float | None = None
    """Share of the scanned training records holding at least one match, in [0, 1]."""

    @property
    def rule_id(self) -> str:
        """The rule's id in reports (``limit/<name>``)."""
        return f"limit/{self.name}"

    def describe(self) -> dict[str, Any]:
        """The limit as written in reports."""
        return {
            "name": self.name,
            "license": list(self.licenses),
            "corpus": list(self.corpora),
            "max_items": self.max_items,
            "max_matches": self.max_matches,
            "max_share": self.max_share,
        }


@dataclass(frozen=True)
class BaselineEntry:
    """An accepted finding: this licensed item inside this training record (any record without it)."""

    item_content_hash: str
    reason: str
    doc_sha256: str | None = None
    expires: date | None = None
    """Last day the entry applies; from the next day on the finding fails again."""
    item_id: str | None = None
    corpus: str | None = None
    license: str | None = None
    dataset_file: str | None = None
    dataset_line: int | None = None

    def covers(self, item_content_hash: str, doc_sha256: str) -> bool:
        """Whether this entry is about that (item, training record) pair."""
        return self.item_content_hash == item_content_hash and self.doc_sha256 in (None, doc_sha256)

    def expired(self, today: date) -> bool:
        """Whether the entry no longer applies on ``today``."""
        return self.expires is not None and today > self.expires

    @property
    def key(self) -> tuple[str, str]:
        """The content key: (item hash, training record hash or "")."""
        return (self.item_content_hash, self.doc_sha256 or "")

    def describe(self) -> dict[str, Any]:
        """The entry as written in reports."""
        return {
            "item_content_hash": self.item_content_hash,
            "doc_sha256": self.doc_sha256,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "item_id": self.item_id,
            "corpus": self.corpus,
        }


_ENTRY_KEYS = (
    "item_content_hash",
    "doc_sha256",
    "reason",
    "expires",
    "item_id",
    "corpus",
    "license",
    "dataset_file",
    "dataset_line",
)


def _parse_entry(ck: _Checker, data: Any, path: tuple[PathPart, ...]) -> BaselineEntry | None:
    data = ck.table(data, path, _ENTRY_KEYS)
    before = len(ck.problems)
    item_hash = data.get("item_content_hash")
    if not isinstance(item_hash, str) or not _HEX.match(item_hash):
        expected = "the item's content hash (lower-case hex, from matches.parquet)"
        ck.fail((*path, "item_content_hash"), expected, item_hash if "item_content_hash" in data else ...)
    doc_hash = data.get("doc_sha256")
    if doc_hash is not None and (not isinstance(doc_hash, str) or not re.match(r"^[0-9a-f]{64}$", doc_hash)):
        ck.fail((*path, "doc_sha256"), "the training record's SHA-256 (64 lower-case hex digits)", doc_hash)
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        ck.fail(
            (*path, "reason"),
            "a non-empty string saying why the finding is accepted",
            reason if "reason" in data else ...,
        )
    expires = _parse_date(ck, data.get("expires"), (*path, "expires"))
    for key in ("item_id", "corpus", "license", "dataset_file"):
        ck.string(data, key, path)
    line = ck.count(data, "dataset_line", path)
    if len(ck.problems) > before:
        return None
    return BaselineEntry(
        item_content_hash=item_hash,
        reason=reason,
        doc_sha256=doc_hash,
        expires=expires,
        item_id=data.get("item_id"),
        corpus=data.get("corpus"),
        license=data.get("license"),
        dataset_file=data.get("dataset_file"),
        dataset_line=line,
    )


def _parse_date(ck: _Checker, value: Any, path: tuple[PathPart, ...]) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    ck.fail(path, "a date such as 2026-12-31", value)
    return None


@dataclass(frozen=True)
class Baseline:
    """Accepted findings, from a baseline file and/or the policy's own ``[[accepted]]`` entries."""

    entries: tuple[BaselineEntry, ...] = ()
    source: str | None = None

    def __add__(self, other: Baseline) -> Baseline:
        sources = "; ".join(s for s in (self.source, other.source) if s) or None
        return Baseline(self.entries + other.entries, sources)

    @classmethod
    def from_file(cls, path: str | Path) -> Baseline:
        """Read a baseline file (``[[accepted]]`` entries)."""
        path = Path(path)
        return cls.from_toml(_read_text(path), source=path.as_posix())

    @classmethod
    def from_toml(cls, text: str, *, source: str | None = None) -> Baseline:
        """Parse baseline TOML text."""
        data = _parse_toml(text, source)
        return _raise_or(lambda ck: _baseline_from(ck, data, (), source), text, source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Baseline:
        """Validate an already-parsed baseline document."""
        return _raise_or(lambda ck: _baseline_from(ck, dict(data), (), source), None, source)


def _baseline_from(ck: _Checker, data: dict, prefix: tuple[PathPart, ...], source: str | None) -> Baseline:
    ck.table(data, prefix, ("accepted", "version"))
    return Baseline(_accepted(ck, data, prefix), source)


def _own_accepted(entries: tuple[BaselineEntry, ...], source: str | None) -> Baseline:
    """The policy's own ``[[accepted]]`` entries: named after the policy file only when there are any."""
    return Baseline(entries, source if entries else None)


def _accepted(ck: _Checker, data: dict, prefix: tuple[PathPart, ...]) -> tuple[BaselineEntry, ...]:
    raw = data.get("accepted", [])
    if not isinstance(raw, list):
        ck.fail((*prefix, "accepted"), "an array of tables ([[accepted]])", raw)
        return ()
    entries = [_parse_entry(ck, item, (*prefix, "accepted", i)) for i, item in enumerate(raw)]
    return tuple(e for e in entries if e is not None)


_POLICY_KEYS = (
    "deny",
    "allow",
    "kinds",
    "min_containment",
    "min_jaccard",
    "min_specificity",
    "weak",
    "strict",
    "max_skipped_share",
    "baseline",
    "limit",
)
_LIMIT_KEYS = ("name", "license", "corpus", "max_items", "max_matches", "max_share")


@dataclass(frozen=True)
class Policy:
    """What a dataset release may contain. Every threshold filters matches before the rules run."""

    deny: tuple[str, ...] = ()
    """Licence patterns no match may carry (rule ``deny-license``): a match whose text is held under
    several licences (its ``licenses``: several corpora read it) violates when ANY of them is denied,
    as a rights holder denying their licence means every copy of their text."""
    allow: tuple[str, ...] | None = None
    """When set, every match must carry a licence covered by these patterns (rule ``allow-license``):
    for a text held under several licences, ANY one allowed is enough (one licence to a text is
    enough to use it); a licence that must not be relied on belongs in ``deny``, which wins."""
    kinds: tuple[str, ...] = KINDS
    """Match kinds considered; others are ignored."""
    min_containment: float = 0.0
    """Matches with a lower containment are ignored."""
    min_jaccard: float = 0.0
    """Matches with a lower Jaccard similarity are ignored."""
    min_specificity: int = 0
    """Matches with fewer rare shared shingles than this are weak (as are those the scan flags weak)."""
    weak: WeakHandling = WeakHandling.WARN
    """What weak matches do: ignored, warned about, or counted."""
    limits: tuple[Limit, ...] = ()
    strict: bool = False
    """Skipped or unreadable training records fail the check (rule ``no-skipped-records``)."""
    max_skipped_share: float | None = None
    """Largest share of the training records read that may be skipped unread, in [0, 1] (rule
    ``skipped-share``); a scan that read no record at all counts as all skipped. ``None`` (not set)
    means ``DEFAULT_MAX_SKIPPED_SHARE`` (0.5): a scan that read mostly nothing (a wrong
    ``--text-field`` or ``--format``, a binary file) fails, a few malformed lines do not. Set, the rule
    is always reported; not set, only when records were skipped (or none read)."""
    baseline_file: Path | None = None
    """A baseline file named by the policy (relative to the policy file)."""
    accepted: Baseline = field(default_factory=Baseline)
    """Accepted findings written in the policy file itself."""
    source: str | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Read ``provenance.toml`` (``[policy]``) or ``pyproject.toml`` (``[tool.provenance]``)."""
        path = Path(path)
        return cls.from_toml(_read_text(path), source=path.as_posix(), pyproject=path.name == PYPROJECT_FILE)

    @classmethod
    def from_toml(cls, text: str, *, source: str | None = None, pyproject: bool = False) -> Policy:
        """Parse policy TOML; with ``pyproject`` the policy is the ``[tool.provenance]`` table."""
        data = _parse_toml(text, source)
        prefix: tuple[PathPart, ...] = ()
        if pyproject:
            prefix = ("tool", "provenance")
            data = data.get("tool", {}).get("provenance")
            if data is None:
                raise PolicyError([(None, "no [tool.provenance] table")], source=source)
        return _raise_or(lambda ck: _policy_from(ck, data, prefix, source), text, source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Policy:
        """Validate an already-parsed policy document (``{"policy": {...}, "accepted": [...]}``)."""
        return _raise_or(lambda ck: _policy_from(ck, dict(data), (), source), None, source)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The rules this policy checks, in report order."""
        ids = []
        if self.deny:
            ids.append("deny-license")
        if self.allow is not None:
            ids.append("allow-license")
        ids.extend(limit.rule_id for limit in self.limits)
        if self.strict:
            ids.append("no-skipped-records")
        if self.max_skipped_share is not None:
            ids.append("skipped-share")
        return tuple(ids)

    @property
    def skipped_share_limit(self) -> float:
        """``max_skipped_share``, or its default when the policy does not set it."""
        return DEFAULT_MAX_SKIPPED_SHARE if self.max_skipped_share is None else self.max_skipped_share

    def describe(self) -> dict[str, Any]:
        """The policy as written in reports."""
        return {
            "source": self.source,
            "deny": list(self.deny),
            "allow": list(self.allow) if self.allow is not None else None,
            "kinds": list(self.kinds),
            "min_containment": self.min_containment,
            "min_jaccard": self.min_jaccard,
            "min_specificity": self.min_specificity,
            "weak": self.weak.value,
            "strict": self.strict,
            "max_skipped_share": self.skipped_share_limit,
            "limits": [limit.describe() for limit in self.limits],
            "baseline": self.baseline_file.as_posix() if self.baseline_file else None,
        }

    def load_baseline(self, extra: str | Path | None = None) -> Baseline:
        """The accepted findings: the policy's own, its ``baseline`` file, and ``extra`` (``--baseline``)."""
        baseline = self.accepted
        if self.baseline_file is not None:
            baseline = baseline + Baseline.from_file(self.baseline_file)
        if extra is not None:
            baseline = baseline + Baseline.from_file(extra)
        return baseline


def _policy_from(ck: _Checker, data: Any, prefix: tuple[PathPart, ...], source: str | None) -> Policy:
    doc = ck.table(data, prefix, ("policy", "accepted"))
    if "policy" not in doc:
        if not ck.problems:
            ck.fail((*prefix, "policy"), 'a [policy] table (for example: [policy] deny = ["LicenseRef-..."])')
        return Policy()
    path = (*prefix, "policy")
    raw = ck.table(doc["policy"], path, _POLICY_KEYS)
    weak = raw.get("weak", WeakHandling.WARN.value)
    if weak not in {w.value for w in WeakHandling}:
        ck.fail((*path, "weak"), f"one of {', '.join(repr(w.value) for w in WeakHandling)}", weak)
        weak = WeakHandling.WARN.value
    kinds = ck.strings(raw, "kinds", path, _kind_check)
    if raw.get("kinds") == []:
        ck.fail((*path, "kinds"), f"at least one of {', '.join(KINDS)}")
    limits = _limits(ck, raw.get("limit", []), (*path, "limit"))
    baseline = ck.string(raw, "baseline", path)
    policy = Policy(
        deny=ck.strings(raw, "deny", path, _license_check) or (),
        allow=ck.strings(raw, "allow", path, _license_check),
        kinds=kinds or KINDS,
        min_containment=ck.number(raw, "min_containment", path, 0, 1) or 0.0,
        min_jaccard=ck.number(raw, "min_jaccard", path, 0, 1) or 0.0,
        min_specificity=ck.count(raw, "min_specificity", path) or 0,
        weak=WeakHandling(weak),
        limits=limits,
        strict=bool(ck.boolean(raw, "strict", path)),
        max_skipped_share=ck.number(raw, "max_skipped_share", path, 0, 1),
        baseline_file=_relative_to(baseline, source) if baseline else None,
        accepted=_own_accepted(_accepted(ck, doc, prefix), source),
        source=source,
    )
    if not ck.problems and not policy.rule_ids:
        ck.fail(
            path, "at least one rule: deny, allow, a [[policy.limit]], strict = true or max_skipped_share"
        )
    return policy


def _limits(ck: _Checker, raw: Any, path: tuple[PathPart, ...]) -> tuple[Limit, ...]:
    if not isinstance(raw, list):
        ck.fail(path, "an array of tables ([[policy.limit]])", raw)
        return ()
    limits: list[Limit] = []
    for i, item in enumerate(raw):
        where = (*path, i)
        data = ck.table(item, where, _LIMIT_KEYS)
        licenses = ck.strings(data, "license", where, _license_check) or ()
        corpora = ck.strings(data, "corpus", where, _corpus_check) or ()
        name = ck.string(data, "name", where) or ",".join(licenses + corpora) or "all"
        if "name" in data and isinstance(data["name"], str) and not _NAME.match(data["name"]):
            ck.fail((*where, "name"), "letters, digits, '_', '.' or '-'", data["name"])
        limit = Limit(
            name=name,
            licenses=licenses,
            corpora=corpora,
            max_items=ck.count(data, "max_items", where),
            max_matches=ck.count(data, "max_matches", where),
            max_share=ck.number(data, "max_share", where, 0, 1),
        )
        if isinstance(item, dict) and not {"max_items", "max_matches", "max_share"} & item.keys():
            ck.fail(where, "at least one of max_items, max_matches, max_share")
        if any(other.name == limit.name for other in limits):
            ck.fail(
                (*where, "name") if "name" in data else where, f"a unique name (another limit is {name!r})"
            )
        limits.append(limit)
    return tuple(limits)


def _relative_to(name: str, source: str | None) -> Path:
    path = Path(name)
    if path.is_absolute() or source is None:
        return path
    return Path(source).parent / path


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("file not found", source=path.as_posix()) from None
    except UnicodeDecodeError as err:
        raise UsageError(f"not UTF-8 text ({err.reason})", source=path.as_posix()) from None


def _parse_toml(text: str, source: str | None) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = _TOML_LINE.search(message)
        line = int(found.group(1)) if found else None
        if found is None and "end of document" in message:
            line = max(1, len(text.splitlines()))
        message = _TOML_LINE.sub("", message).strip()
        raise PolicyError([(line, f"invalid TOML: {message}")], source=source) from None


def _raise_or(build: Callable[[_Checker], Any], text: str | None, source: str | None) -> Any:
    ck = _Checker()
    result = build(ck)
    if ck.problems:
        lines = [locate(text, p.path, p.needle) if text is not None else None for p in ck.problems]
        found = zip(lines, (p.message for p in ck.problems), strict=True)
        ordered = sorted(found, key=lambda lm: (lm[0] is None, lm[0] or 0))
        raise PolicyError(ordered, source=source)
    return result


def find_policy(directory: str | Path = ".") -> Path:
    """The policy used when none is named.

    ``provenance.toml`` in ``directory``, else its ``pyproject.toml`` when that has ``[tool.provenance]``.
    """
    directory = Path(directory)
    candidate = directory / POLICY_FILE
    if candidate.is_file():
        return candidate
    pyproject = directory / PYPROJECT_FILE
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        if isinstance(data.get("tool"), dict) and "provenance" in data["tool"]:
            return pyproject
    raise UsageError(
        f"no policy found: pass --policy FILE, or create {POLICY_FILE} (with a [policy] table) or a"
        f" [tool.provenance] table in {PYPROJECT_FILE} in {directory.resolve().as_posix()}"
    )


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def baseline_toml(entries: Sequence[BaselineEntry], *, header: str | None = None) -> str:
    """A baseline file's text: one ``[[accepted]]`` table per entry, in the given order."""
    lines = [f"# {line}" for line in (header or "").splitlines()]
    lines += ["version = 1", ""]
    for entry in entries:
        lines.append("[[accepted]]")
        lines.append(f"item_content_hash = {_toml_string(entry.item_content_hash)}")
        if entry.doc_sha256:
            lines.append(f"doc_sha256 = {_toml_string(entry.doc_sha256)}")
        lines.append(f"reason = {_toml_string(entry.reason)}")
        if entry.expires:
            lines.append(f"expires = {entry.expires.isoformat()}")
        for key in ("item_id", "corpus", "license", "dataset_file"):
            value = getattr(entry, key)
            if value is not None:
                lines.append(f"{key} = {_toml_string(value)}")
        if entry.dataset_line is not None:
            lines.append(f"dataset_line = {entry.dataset_line}")
        lines.append("")
    return "\n".join(lines)
