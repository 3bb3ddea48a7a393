"""The coverage model behind the report's statement, checked against measured recall.

Three checks, from the cheapest to the most exact:

1. ``bench/results/accuracy.json`` (committed): scenarios whose construction keeps the item's
   normalised containment at 1.0 (verbatim copies; edits the normaliser undoes: case, entities,
   links, ``RT @user:``, emoji and quotes, which only separate tokens; text added around the copy; and
   combinations of those) are predicted detected with probability 1, and their measured recall
   (items of 8+ words) is >= 0.99. The datasketch baseline's found counts agree with the LSH curve.
   Partial copies and truncations lower containment by construction: the model predicts recall only
   given a length distribution the file does not hold, so they are checked per pair in (3).
2. A synthetic step: copies of k of an item's 20 words, embedded in filler, are found exactly when
   their containment reaches ``min_containment`` (at two settings).
3. Where ``bench/work/seed0`` exists (git-ignored, written by ``bench/accuracy.py``): for every
   planted embedded pair of an 8+ word item, the model's prediction from the pair's measured
   containment agrees with what the scan reported.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from provenance import ScanOptions, scan, tokenize
from provenance.index import CorpusInfo, build_index
from provenance.report.detection import DetectionModel

REPO = Path(__file__).resolve().parents[2]
ACCURACY = REPO / "bench" / "results" / "accuracy.json"
BENCH_WORK = REPO / "bench" / "work" / "seed0"

CONTAINMENT_PRESERVED = {
    "verbatim/standalone",
    "verbatim/embedded",
    "edit:case",
    "edit:entities",
    "edit:links",
    "edit:retweet_prefix",
    "edit:emoji_stripped",
    "edit:space_quotes",
    "edit:extra_text",
    "edit:combined",
    "real-embedded/full",
}
"""Scenarios whose copies keep every normalised shingle of the item (containment 1.0)."""
CONTAINMENT_LOWERED = {
    "edit:truncate",
    "partial/standalone",
    "partial/embedded",
    "real-embedded/partial",
    "edited/standalone",
    "edited/embedded",
    "all kinds",
}
"""Scenarios (or aggregates including them) whose copies may fall below the threshold: per pair, in (3)."""
NOT_RECALL = {
    "real-embedded/absent",
    "trap/embedded",
    "trap/standalone",
    "untouched/web",
    "untouched/bbc",
    "heldout/standalone",
    "heldout/embedded",
    "overall",
}
"""Negatives, aggregates and text lost in extraction: no recall to predict."""


def _model(manifest_like: dict) -> DetectionModel:
    return DetectionModel.from_manifest(manifest_like)


@pytest.fixture(scope="module")
def accuracy() -> dict:
    return json.loads(ACCURACY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bench_model(accuracy: dict) -> DetectionModel:
    options = accuracy["settings"]["default"]["options"]
    params = {"lsh": {"bands": 26, "rows": 3}, "shingles": {"n": 3}}
    return _model({"parameters": {"scan": options}, "index": {"params": params}})


def test_every_benchmark_scenario_is_classified(accuracy: dict) -> None:
    rows = accuracy["settings"]["default"]["rows"]
    unknown = set(rows) - CONTAINMENT_PRESERVED - CONTAINMENT_LOWERED - NOT_RECALL
    assert not unknown, f"classify these scenarios for the coverage model: {sorted(unknown)}"


def test_model_predicts_the_recall_of_containment_preserving_copies(
    accuracy: dict, bench_model: DetectionModel
) -> None:
    rows = accuracy["settings"]["default"]["rows"]
    for name in sorted(CONTAINMENT_PRESERVED & set(rows)):
        predicted = bench_model.anchor_probability(1.0)
        measured = rows[name]["recall"]
        assert predicted == 1.0
        assert measured >= 0.99, f"{name}: model predicts {predicted}, benchmark measured {measured}"


def test_lsh_curve_agrees_with_the_datasketch_baseline(accuracy: dict) -> None:
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(0.5, 128, 0.5, 0.5)  # datasketch MinHashLSH(threshold=0.5) defaults
    baseline = _model(
        {
            "parameters": {"scan": accuracy["settings"]["default"]["options"]},
            "index": {"params": {"lsh": {"bands": bands, "rows": rows}, "shingles": {"n": 3}}},
        }
    )
    found = accuracy["baseline_datasketch"]
    standalone = found["verbatim/standalone"]
    assert standalone["found"] >= round(baseline.lsh_probability(1.0) * standalone["planted"]) - 1
    # A 20-40 word tweet in a page of 500+ words: Jaccard below 0.1, where the curve is tiny.
    expected_embedded = baseline.lsh_probability(0.1) * found["verbatim/embedded"]["planted"]
    assert expected_embedded < 1
    assert found["verbatim/embedded"]["found"] <= 2


def _scan_partial_copies(root: Path, min_containment: float) -> dict[int, bool]:
    """Items of 20 distinct words; record k holds a contiguous run of k words of item k (in filler)."""
    words = [[f"w{i}x{j}" for j in range(20)] for i in range(21)]
    items = root / f"items-{min_containment}.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"i{i}", "text": " ".join(w)}) + "\n" for i, w in enumerate(words)),
        encoding="utf-8",
    )
    rng = random.Random(1)
    filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()
    docs = []
    for k in range(3, 21):
        pad = " ".join(rng.choice(filler) for _ in range(150))
        docs.append({"id": f"k{k}", "text": f"{pad} {' '.join(words[k][:k])} {pad}"})
    train = root / f"train-{min_containment}.jsonl"
    train.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    index = root / f"idx-{min_containment}"
    build_index([items], index, CorpusInfo("c", "LicenseRef-Test"))
    result = scan(
        [train], index, root / f"out-{min_containment}", jobs=1, options=ScanOptions(min_containment)
    )
    found = {int(r["dataset_doc_id"][1:]) for r in result.matches.to_pylist()}
    return {k: k in found for k in range(3, 21)}


@pytest.mark.parametrize("min_containment", [0.65, 0.8])
def test_detection_is_a_step_at_min_containment(tmp_path: Path, min_containment: float) -> None:
    found = _scan_partial_copies(tmp_path, min_containment)
    model = DetectionModel(min_containment, 0.5, 0.5, 6, 20_000, 256, 26, 3, 3)
    for k, was_found in found.items():
        containment = (k - 2) / 18  # distinct 3-grams of the copied run / the item's 18
        coverage_ok = k / 20 >= 0.5
        predicted = model.anchor_probability(containment) == 1.0 and coverage_ok
        assert was_found == predicted, f"k={k} containment={containment:.3f}"


def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = tokenize(text)
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}


@pytest.mark.skipif(
    not (BENCH_WORK / "scan-0").is_dir(), reason="bench/work/seed0 absent (run bench/accuracy.py)"
)
def test_model_predicts_each_planted_embedded_pair() -> None:
    manifest = json.loads((BENCH_WORK / "scan-0" / "manifest.json").read_text(encoding="utf-8"))
    model = DetectionModel.from_manifest(manifest)
    truth = [json.loads(line) for line in (BENCH_WORK / "truth.jsonl").open(encoding="utf-8")]
    pairs = [
        t for t in truth if t["scenario"].endswith(("/embedded", "/full", "/partial")) and t["words"] >= 8
    ]
    wanted = {t["record"] for t in pairs}
    records = {}
    with (BENCH_WORK / "train.jsonl").open(encoding="utf-8") as fh:
        for row, line in enumerate(fh):
            if row in wanted:
                records[row] = json.loads(line)["text"]
    items = {}
    for line in (BENCH_WORK / "items.jsonl").open(encoding="utf-8"):
        obj = json.loads(line)
        items[str(obj.get("id") or obj.get("id_str"))] = obj["text"]
    matches = pq.read_table(BENCH_WORK / "scan-0" / "matches.parquet", columns=["dataset_row", "item_id"])
    found = set(zip(*matches.to_pydict().values(), strict=True))
    disagree = []
    for t in pairs:
        item = _shingles(items[t["item_id"]])
        containment = len(item & _shingles(records[t["record"]])) / len(item)
        predicted = model.anchor_probability(containment) == 1.0
        if predicted != ((t["record"], t["item_id"]) in found):
            disagree.append((t["scenario"], t["item_id"], t["record"], round(containment, 3)))
    assert len(disagree) <= 0.005 * len(pairs), disagree[:20]
