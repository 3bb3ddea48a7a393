"""A damaged index (edited manifest, swapped or reshaped arrays) is refused with what is wrong."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from synthetic import tweets, write_jsonl

from provenance.errors import IndexStoreError
from provenance.index import CorpusInfo, Index, build_index
from provenance.index.store import manifest_bytes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("damage")
    build_index([write_jsonl(root / "t.jsonl", tweets(30))], root / "idx", CorpusInfo("c", "CC-BY-4.0"))
    return root / "idx"


def _edit(index: Path, change: Callable[[dict], None]) -> None:
    manifest = json.loads((index / "manifest.json").read_text())
    change(manifest)
    (index / "manifest.json").write_bytes(manifest_bytes(manifest))


def _swap_arrays(index: Path) -> None:
    """Swap two array files and their manifest entries, so that every checksum still holds."""
    seg = next((index / "segments").iterdir())
    keys, items = seg / "shingle_keys.npy", seg / "shingle_items.npy"
    keys.rename(seg / "x")
    items.rename(keys)
    (seg / "x").rename(items)

    def swap(m: dict) -> None:
        files = m["segments"][0]["files"]
        files["shingle_keys.npy"], files["shingle_items.npy"] = (
            files["shingle_items.npy"],
            files["shingle_keys.npy"],
        )

    _edit(index, swap)


def _truncate_counts(index: Path) -> None:
    """Replace item_shingles.npy by a shorter array of the right type and re-hash it."""
    import hashlib

    seg = next((index / "segments").iterdir())
    np.save(seg / "item_shingles.npy", np.zeros(3, np.int32))
    data = (seg / "item_shingles.npy").read_bytes()

    def rehash(m: dict) -> None:
        m["segments"][0]["files"]["item_shingles.npy"] = {
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    _edit(index, rehash)


DAMAGE = {
    "corpus segments null": (
        lambda i: _edit(i, lambda m: m["corpora"][0].update(segments=None)),
        "segments must list segments of this index",
    ),
    "segments null": (
        lambda i: _edit(i, lambda m: m.update(segments=None)),
        "segments and corpora must be lists",
    ),
    "negative count": (
        lambda i: _edit(i, lambda m: m["corpora"][0].update(indexed=-5)),
        "indexed is not a count",
    ),
    "count as text": (
        lambda i: _edit(i, lambda m: m["segments"][0].update(items="30")),
        "items is not a count",
    ),
    "file missing from the list": (
        lambda i: _edit(i, lambda m: m["segments"][0]["files"].pop("band_keys.npy")),
        "files must list exactly",
    ),
    "segment id escaping": (
        lambda i: _edit(i, lambda m: m["segments"][0].update(id="..")),
        "is not a directory name",
    ),
    "params not an object": (lambda i: _edit(i, lambda m: m.update(params=[])), "params is not an object"),
    "params unreadable": (
        lambda i: _edit(i, lambda m: m["params"].update(minhash="x")),
        "params cannot be read",
    ),
    "swapped arrays": (_swap_arrays, "shingle_keys.npy holds uint32"),
    "short item counts": (_truncate_counts, "item_shingles.npy holds 3 counts for 30 items"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_index_is_refused_naming_the_damage(built: Path, tmp_path: Path, case: str) -> None:
    index = tmp_path / "idx"
    shutil.copytree(built, index)
    damage, message = DAMAGE[case]
    damage(index)
    with pytest.raises(IndexStoreError, match="rebuild the index") as raised:
        Index.open(index)
    assert message in str(raised.value)
    assert raised.value.source == str(index)


def test_the_undamaged_copy_opens(built: Path, tmp_path: Path) -> None:
    shutil.copytree(built, tmp_path / "idx")
    assert Index.open(tmp_path / "idx").n_items == 30


def test_a_flipped_byte_in_items_parquet_fails_a_scan_naming_the_file(built: Path, tmp_path: Path) -> None:
    """The scan reads items.parquet while its checksum is still being computed in another process:
    whichever finds the damage first, the error names the index file, exit 2, no evidence."""
    from provenance import scan

    index = tmp_path / "idx"
    shutil.copytree(built, index)
    items = next((index / "segments").iterdir()) / "items.parquet"
    data = bytearray(items.read_bytes())
    data[len(data) // 2] ^= 0xFF
    items.write_bytes(bytes(data))
    training = write_jsonl(tmp_path / "t.jsonl", tweets(3))
    with pytest.raises(IndexStoreError, match="items.parquet") as raised:
        scan([training], index, tmp_path / "out", jobs=1)
    assert "rebuild it" in str(raised.value) and not (tmp_path / "out" / "manifest.json").exists()
