"""The parameters an index is built with; a scan must use the same ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provenance.errors import UsageError
from provenance.licenses import expression_error, has_wildcard
from provenance.text.lsh import LSHConfig, choose_lsh
from provenance.text.minhash import DEFAULT_MINHASH, MinHashConfig
from provenance.text.normalize import DEFAULT_NORMALIZER, NormalizerConfig
from provenance.text.shingles import DEFAULT_SHINGLES, ShingleConfig


@dataclass(frozen=True)
class IndexParams:
    """Everything that decides which shingles and sketches an index holds."""

    normalizer: NormalizerConfig = DEFAULT_NORMALIZER
    shingles: ShingleConfig = DEFAULT_SHINGLES
    minhash: MinHashConfig = DEFAULT_MINHASH
    lsh_threshold: float = 0.5
    """Jaccard similarity at which whole-record near-duplicates must be proposed."""
    lsh_min_recall: float = 0.95
    """Probability of proposing a pair at exactly ``lsh_threshold``."""
    lsh_bands_rows: tuple[int, int] | None = None
    """Bands and rows as recorded in an index; chosen by datasketch's optimiser when None."""

    @property
    def lsh(self) -> LSHConfig:
        """The banding: as recorded, or from datasketch's optimiser (cached)."""
        if self.lsh_bands_rows is not None:
            bands, rows = self.lsh_bands_rows
            return LSHConfig(self.lsh_threshold, bands, rows, self.lsh_min_recall)
        return choose_lsh(self.lsh_threshold, self.minhash.num_perm, self.lsh_min_recall)

    def describe(self) -> dict[str, object]:
        """The parameters as stored in the index manifest."""
        return {
            "normalizer": self.normalizer.describe(),
            "shingles": self.shingles.describe(),
            "minhash": self.minhash.describe(),
            "lsh": self.lsh.describe(),
        }

    @classmethod
    def from_description(cls, described: dict) -> IndexParams:
        """Rebuild the parameters from a manifest."""
        lsh = described["lsh"]
        return cls(
            normalizer=NormalizerConfig.from_description(described["normalizer"]),
            shingles=ShingleConfig(
                n=int(described["shingles"]["n"]), seed=int(described["shingles"]["seed"])
            ),
            minhash=MinHashConfig(
                num_perm=int(described["minhash"]["num_perm"]), seed=int(described["minhash"]["seed"])
            ),
            lsh_threshold=float(lsh["threshold"]),
            lsh_min_recall=float(lsh["min_recall"]),
            lsh_bands_rows=(int(lsh["bands"]), int(lsh["rows"])),
        )


@dataclass(frozen=True)
class CorpusInfo:
    """A licensed corpus as the user describes it."""

    name: str
    license: str
    """An SPDX licence identifier or expression, or ``LicenseRef-...``."""
    owner: str | None = None
    terms_url: str | None = None
    acquired: str | None = None
    """Date the corpus was acquired (ISO 8601), as given by the user."""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise UsageError("corpus name must not be empty")
        text = self.license.strip()
        problem = (
            "wildcards are for policies"
            if has_wildcard(text)
            else expression_error(text)
            if text
            else "empty"
        )
        if problem:
            raise UsageError(
                f"licence {self.license!r} is not an SPDX identifier or expression: {problem} "
                "(e.g. CC-BY-4.0, MIT OR Apache-2.0, LicenseRef-X-Developer-Agreement)"
            )
        if self.acquired is not None and not re.match(r"^\d{4}-\d{2}-\d{2}", self.acquired):
            raise UsageError(f"acquired date {self.acquired!r} must be ISO 8601 (YYYY-MM-DD)")
