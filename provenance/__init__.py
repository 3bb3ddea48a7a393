"""provenance: find licensed text inside training datasets, with evidence a third party can re-check.

The public API lives in ``provenance.api`` and is re-exported here lazily (every name of its
``__all__``), so that importing the package (and ``provenance --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from provenance.version import __version__ as __version__


def __getattr__(name: str) -> Any:
    api = importlib.import_module("provenance.api")  # not ``from provenance import``: that reads here
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'provenance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*importlib.import_module("provenance.api").__all__, "__version__"})
