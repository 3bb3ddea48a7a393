"""Find the line of a key in TOML text: ``tomllib`` gives values, not positions, and errors need them.

This is a line scanner, not a TOML parser: it follows ``[table]`` and ``[[array]]`` headers and
``key = value`` lines (bare, quoted and dotted keys), which is what policy files are made of. Keys
inside inline tables or multi-line strings are found through their enclosing key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PathPart = str | int
_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*(\]\]?)\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_KEY_PART = re.compile(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""")


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _KEY_PART.findall(dotted))


def key_lines(text: str) -> dict[tuple[PathPart, ...], int]:
    """Map every table header and key in ``text`` to its 1-based line (arrays of tables indexed)."""
    found: dict[tuple[PathPart, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    current: tuple[PathPart, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(names, 0)
                counts[names] = index + 1
                current = (*names, index)
            else:
                current = names
            found.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault((*current, *_split_key(key.group(1))), number)
    return found


def locate(text: str, path: Sequence[PathPart], needle: str | None = None) -> int | None:
    """The 1-based line of ``path`` in ``text``, or of its nearest enclosing key that is there.

    With ``needle`` (e.g. an offending list element, quoted as in the file), the first line from the
    key's line on that contains it is returned instead, so a bad element of a multi-line array is
    pointed at exactly.
    """
    lines = key_lines(text)
    path = tuple(path)
    for end in range(len(path), 0, -1):
        number = lines.get(path[:end])
        if number is None:
            continue
        if needle:
            body = text.splitlines()
            for offset, line in enumerate(body[number - 1 :]):
                if needle in line:
                    return number + offset
        return number
    return None
