"""A baseline names the file its entries came from, and only a file that has entries."""

from __future__ import annotations

from pathlib import Path

from provenance.check.policy import Baseline, Policy

ENTRY = '[[accepted]]\nitem_content_hash = "{h}"\nreason = "licensed"\n'


def test_a_baseline_file_keeps_its_name(tmp_path: Path) -> None:
    path = tmp_path / "accepted.toml"
    path.write_text(ENTRY.format(h="a" * 64), encoding="utf-8")
    assert Baseline.from_file(path).source == str(path)
    assert Baseline.from_toml(ENTRY.format(h="b" * 64), source="x.toml").source == "x.toml"


def test_a_policy_names_itself_as_a_baseline_only_with_accepted_entries(tmp_path: Path) -> None:
    bare = tmp_path / "bare.toml"
    bare.write_text('[policy]\ndeny = ["MIT"]\n', encoding="utf-8")
    assert Policy.from_file(bare).accepted.source is None
    own = tmp_path / "own.toml"
    own.write_text('[policy]\ndeny = ["MIT"]\n\n' + ENTRY.format(h="c" * 64), encoding="utf-8")
    assert Policy.from_file(own).accepted.source == str(own)
