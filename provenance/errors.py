"""One exception hierarchy for the whole library; the CLI translates it in one place."""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base class for every error the library raises on purpose.

    ``source`` names the file (or index) at fault and ``position`` the record in it
    (0-based record index); ``line`` is the 1-based line number where one applies.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        position: int | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.position = position
        self.line = line

    def __str__(self) -> str:
        where = self.source or ""
        if self.line is not None:
            where += f":{self.line}"
        elif self.position is not None:
            where += f" (record {self.position})"
        return f"{where}: {self.message}" if where else self.message


class InputError(ProvenanceError):
    """An input file or record cannot be read (missing file, bad format, bad record under --strict)."""


class UsageError(ProvenanceError):
    """The caller asked for something inconsistent (bad option values, unknown format)."""


class IndexStoreError(ProvenanceError):
    """The on-disk index is missing, corrupt, or of an incompatible version."""


class EvidenceError(InputError):
    """A scan's output directory cannot be loaded (for ``report``, ``check``, ``baseline`` or
    ``verify``): no manifest.json, a manifest that is not JSON or not of this evidence schema
    version (or an index's), a missing table, one that is not readable Parquet, or one that does
    not match the SHA-256 its manifest records (mixed or altered evidence)."""


VerificationError = EvidenceError
"""The former name of ``EvidenceError`` (``verify``'s loading errors), kept for callers that catch it."""
