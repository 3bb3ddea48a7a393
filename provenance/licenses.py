"""Licence patterns for policies: SPDX identifiers, ``LicenseRef-...`` and shell-style wildcards.

A *pattern* is what a policy lists (``CC-BY-4.0``, ``LicenseRef-Proprietary``, ``CC-BY-*``,
``MIT OR Apache-2.0``); a *licence* is what a corpus in the index carries (an SPDX identifier or
expression, or ``LicenseRef-...``). Matching is case-insensitive, as SPDX identifiers are.
"""

from __future__ import annotations

import fnmatch
import functools
import re

WILDCARD_CHARS = frozenset("*?[")
_LICENSE_REF = re.compile(r"^(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-*?\[\]]+$")
_OPERATORS = frozenset({"AND", "OR", "WITH"})
_TOKEN = re.compile(r"[()]|[^\s()]+")


@functools.lru_cache(maxsize=1)
def _spdx_keys() -> tuple[str, ...]:
    """Every SPDX licence and exception identifier (and alias) the ``license-expression`` package knows."""
    from license_expression import get_spdx_licensing

    licensing = get_spdx_licensing()
    keys: set[str] = set()
    for symbol in licensing.known_symbols.values():
        keys.add(symbol.key)
        keys.update(getattr(symbol, "aliases", ()) or ())
    return tuple(sorted(keys))


@functools.lru_cache(maxsize=1)
def _spdx_keys_lower() -> frozenset[str]:
    return frozenset(k.lower() for k in _spdx_keys())


def license_symbols(expression: str) -> tuple[str, ...]:
    """The identifiers of a licence expression, in order, without operators and parentheses.

    ``"(MIT OR Apache-2.0) AND LicenseRef-X"`` gives ``("MIT", "Apache-2.0", "LicenseRef-X")``.
    """
    return tuple(t for t in _TOKEN.findall(expression) if t not in "()" and t.upper() not in _OPERATORS)


def has_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` uses ``*``, ``?`` or ``[...]``."""
    return any(c in WILDCARD_CHARS for c in pattern)


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable licence pattern, or ``None`` when it is.

    Accepted: ``LicenseRef-...`` (optionally ``DocumentRef-...:LicenseRef-...``), SPDX identifiers
    and expressions the SPDX licence list knows (``GPL-2.0+`` included), and wildcard patterns that
    match at least one known SPDX identifier (``CC-BY-*``) or are ``LicenseRef-`` patterns.
    """
    text = pattern.strip()
    if not text:
        return "an empty licence"
    if has_wildcard(text):
        if text == "*" or _LICENSE_REF.match(text):
            return None
        if " " in text:
            return f"{pattern!r} mixes a wildcard with an expression; use one identifier pattern"
        if not any(fnmatch.fnmatchcase(k, text.lower()) for k in _spdx_keys_lower()):
            return f"{pattern!r} matches no SPDX licence identifier"
        return None
    return expression_error(text)


def expression_error(text: str) -> str | None:
    """Why ``text`` is not an SPDX licence expression (``LicenseRef-...`` allowed), or ``None``."""
    from license_expression import ExpressionError, get_spdx_licensing

    symbols = license_symbols(text)
    if not symbols:
        return f"{text!r} holds no licence identifier"
    unknown = [s for s in symbols if not _LICENSE_REF.match(s) and s.lower() not in _spdx_keys_lower()]
    if unknown and not all(s.endswith("+") and s[:-1].lower() in _spdx_keys_lower() for s in unknown):
        return f"{', '.join(repr(s) for s in unknown)} is not an SPDX licence identifier or LicenseRef-..."
    # Grammar only: LicenseRef symbols are unknown to the SPDX list, so replace them before parsing.
    placeholder = " ".join("MIT" if _LICENSE_REF.match(t) else t for t in _TOKEN.findall(text))
    try:
        get_spdx_licensing().parse(placeholder, validate=False, strict=False)
    except ExpressionError as err:
        return f"{text!r} is not a valid licence expression ({err})"
    return None


def matches(pattern: str, license: str) -> bool:
    """Whether a policy pattern covers a corpus licence (or its whole expression), case-insensitively.

    The pattern is matched against the whole expression first (``deny = ["MIT OR Apache-2.0"]``),
    then against each identifier of the expression.
    """
    pat = " ".join(pattern.split()).lower()
    whole = " ".join(license.split()).lower()
    if fnmatch.fnmatchcase(whole, pat):
        return True
    return any(fnmatch.fnmatchcase(s.lower(), pat) for s in license_symbols(license))


def denied_by(patterns: tuple[str, ...], license: str) -> str | None:
    """The first pattern that denies ``license`` (any identifier of it matches), or ``None``."""
    return next((p for p in patterns if matches(p, license)), None)


def allowed(patterns: tuple[str, ...], license: str) -> bool:
    """Whether ``license`` is allowed: the whole expression, or every identifier of it, is listed."""
    pats = [" ".join(p.split()).lower() for p in patterns]
    whole = " ".join(license.split()).lower()
    if any(fnmatch.fnmatchcase(whole, p) for p in pats):
        return True
    symbols = license_symbols(license)
    return bool(symbols) and all(any(fnmatch.fnmatchcase(s.lower(), p) for p in pats) for s in symbols)
