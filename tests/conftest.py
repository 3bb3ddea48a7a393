"""Shared pytest fixtures, among them the two scanned worlds that several test modules read.

``gate_world`` (the ``provenance check`` world of ``gate_world.py``) and ``report_world`` (the
report world of ``report_world.py``) are each built and scanned once per test session and shared,
read-only: a test that writes into a world takes a copy first (``copy_world``). A world that was
modified anyway fails the session at teardown, naming the files that changed.

A copy holds the master's files, scans included, but a scan's ``manifest.json`` records the
absolute paths of the inputs and the index it read: ``provenance verify`` of a copied scan still
re-hashes the master's files (and ``load_report`` reads the master's index manifest). A test that
changes a copy's inputs and expects the evidence to notice must scan in the copy itself.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def shared_real() -> Path:
    """``<repo>/../shared/data/real`` (the real samples); skips the test where it is absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"../shared/data/real not present: {SHARED_REAL}")
    return SHARED_REAL


@pytest.fixture
def cut_blocks(monkeypatch: pytest.MonkeyPatch) -> list:
    """Cuts JSON Lines into 2 KB blocks and lists every block handed to workers (empty when the
    main process read the records itself)."""
    from provenance.readers import fastjsonl

    cut: list = []
    bounds = fastjsonl.block_bounds

    def counted_bounds(path: Path) -> list:
        cut.extend(bounds(path))
        return cut

    monkeypatch.setattr(fastjsonl, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(fastjsonl, "block_bounds", counted_bounds)
    return cut


# --- the shared worlds -----------------------------------------------------------------------


def _tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``root`` with its size and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
    }


def _read_only(world: dict) -> Iterator[Mapping]:
    """Hand ``world`` out as a read-only mapping; after the session, fail if its files changed."""
    root = world["root"]
    before = _tree_state(root)
    yield MappingProxyType(world)
    after = _tree_state(root)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        pytest.fail(
            f"a test wrote into the shared world {root} (use copy_world): {', '.join(changed[:20])}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def gate_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mapping]:
    """The ``provenance check`` world (``gate_world.build_world``), scanned: ``out`` (the release),
    ``broken_out`` (the release with an unreadable record), ``parquet_out`` (the release as Parquet)
    and ``result`` (the release's ``ScanResult``). Read-only."""
    from gate_world import build_world, scan_world

    world = build_world(tmp_path_factory.mktemp("gate_world"))
    scan_world(world)
    yield from _read_only(world)


@pytest.fixture(scope="session")
def report_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mapping]:
    """The report world (``report_world.build_world``) scanned into ``out`` (``result``: its
    ``ScanResult``; the scan wrote ``out/report.html``). Read-only."""
    from report_world import build_world, run_scan

    world = build_world(tmp_path_factory.mktemp("report_world"))
    world["out"] = world["root"] / "out"
    world["result"] = run_scan(world, world["out"])
    yield from _read_only(world)


def _rebase(value: object, root: Path, dest: Path) -> object:
    if isinstance(value, Path) and value.is_relative_to(root):
        return dest / value.relative_to(root)
    if isinstance(value, list):
        return [_rebase(v, root, dest) for v in value]
    return value


@pytest.fixture(scope="session")
def copy_world() -> Callable[[Mapping, Path], dict]:
    """``copy_world(world, dest)``: a fresh copy of a shared world's folder at ``dest`` (under the
    test's ``tmp_path``, or a module fixture's ``tmp_path_factory.mktemp``), as a dict whose paths
    point into the copy; other values (``result``) are the master's."""

    def copy(world: Mapping, dest: Path) -> dict:
        root = world["root"]
        shutil.copytree(root, dest, symlinks=True)
        return {key: _rebase(value, root, dest) for key, value in world.items()}

    return copy
