"""Precision/recall benchmark of ``provenance scan`` on tweets planted into real documents.

Run ``python bench/accuracy.py [--seed N] [--out bench/results/accuracy.json] [--min-containment X ...]``
(``--sweep`` runs a set of alternative settings on the same data; ``--check`` exits non-zero when a
target is missed). Generated files go to ``bench/work/`` (git-ignored). See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy_data as data  # noqa: E402
from accuracy_plant import COPY_MIN_WORDS, Bench, BenchConfig, Planted, build_bench, copy_share  # noqa: E402

from provenance import ScanOptions, scan  # noqa: E402
from provenance.index import CorpusInfo, build_index  # noqa: E402
from provenance.readers import ReaderOptions  # noqa: E402
from provenance.text.normalize import tokenize  # noqa: E402
from provenance.text.shingles import shingle_strings  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / "work"
DEFAULT_OUT = BENCH_DIR / "results" / "accuracy.json"
LONG_ITEM = 8
"""Recall targets are for items of at least this many words."""

TARGETS: dict[str, float] = {
    "recall verbatim/standalone": 0.99,
    "recall verbatim/embedded": 0.99,
    "recall edited/standalone": 0.95,
    "recall edited/embedded": 0.95,
    "recall partial/standalone": 0.85,
    "recall partial/embedded": 0.85,
    "recall all kinds": 0.97,
    "precision overall": 0.99,
}

SWEEP: dict[str, dict[str, object]] = {
    "default": {},
    "min_containment=0.5": {"min_containment": 0.5},
    "min_containment=0.7": {"min_containment": 0.7},
    "weak_below_shingles=4": {"weak_below_shingles": 4},
    "weak_below_shingles=8": {"weak_below_shingles": 8},
    "min_item_tokens=5": {"min_item_tokens": 5},
    "min_item_tokens=8": {"min_item_tokens": 8},
    "weak_below_shingles=5": {"weak_below_shingles": 5},
    "weak_below_shingles=4,min_containment=0.7": {"weak_below_shingles": 4, "min_containment": 0.7},
    "weak_below_shingles=4,min_containment=0.65": {"weak_below_shingles": 4, "min_containment": 0.65},
}


# ------------------------------------------------------------------------------------------ evaluation


@dataclass
class Row:
    """One line of the results table (positive scenarios have recall, every scenario has precision)."""

    scenario: str
    planted: int = 0
    planted_long: int = 0
    found_long: int = 0
    planted_short: int = 0
    found_short: int = 0
    tp: int = 0
    fp: int = 0
    weak: int = 0
    fn_long: int = 0
    fn_weak: int = 0
    """Planted pairs (8+ words) reported only as weak rows."""
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        """Recall for items of ``LONG_ITEM``+ words."""
        return self.found_long / self.planted_long if self.planted_long else None

    @property
    def recall_short(self) -> float | None:
        """Recall for items under ``LONG_ITEM`` words."""
        return self.found_short / self.planted_short if self.planted_short else None

    @property
    def precision(self) -> float | None:
        """Correct asserted (non-weak) rows among all asserted rows."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def as_dict(self) -> dict[str, object]:
        out = {k: v for k, v in asdict(self).items() if k != "missed"}
        out.update(
            recall=self.recall,
            recall_short=self.recall_short,
            precision=self.precision,
            missed_examples=self.missed[:5],
        )
        return out


class Judge:
    """Decides whether a reported (item, record) pair is a real copy, with cached tokens."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.truth = {(p.item_id, p.record): p for p in bench.planted}
        self.item_text = {i.id: i.text for i in bench.items}
        self._tokens: dict[tuple[str, object], list[str]] = {}

    def _tok(self, kind: str, key: object, text: str) -> list[str]:
        if (kind, key) not in self._tokens:
            self._tokens[kind, key] = tokenize(text)
        return self._tokens[kind, key]

    def correct(self, item_id: str, record: int) -> bool:
        """Planted copy, or 80%+ of the item's words (6+) as one contiguous run in the record."""
        if (item_id, record) in self.truth:
            return True
        item = self._tok("item", item_id, self.item_text[item_id])
        doc = self._tok("doc", record, self.bench.records[record].text)
        return len(item) >= COPY_MIN_WORDS and copy_share(item, doc) >= 0.8


def _group_keys(p: Planted, bench: Bench) -> list[str]:
    """The table rows a planted pair counts towards."""
    keys = [p.scenario]
    edit = bench.records[p.record].meta.get("edit")
    if edit:
        keys.append(f"edit:{edit}")
    if not p.scenario.startswith("real-embedded/absent"):
        keys.append("all kinds")
    return keys


def evaluate(bench: Bench, matches: list[dict]) -> dict[str, Row]:
    """The results table for one scan's matches."""
    judge = Judge(bench)
    rows: dict[str, Row] = defaultdict(lambda: Row(""))
    asserted: set[tuple[str, int]] = set()
    weak_pairs: set[tuple[str, int]] = set()
    for m in matches:
        pair = (m["item_id"], m["dataset_row"])
        scenario = bench.records[pair[1]].scenario
        edit = bench.records[pair[1]].meta.get("edit")
        keys = [scenario, "overall"] + ([f"edit:{edit}"] if edit else [])
        if m["weak"]:
            weak_pairs.add(pair)
            for key in keys:
                rows[key].weak += 1
            continue
        asserted.add(pair)
        ok = judge.correct(*pair)
        for key in keys:
            if ok:
                rows[key].tp += 1
            else:
                rows[key].fp += 1
    for p in bench.planted:
        found = (p.item_id, p.record) in asserted
        for key in _group_keys(p, bench):
            row = rows[key]
            row.planted += 1
            if p.words >= LONG_ITEM:
                row.planted_long += 1
                row.found_long += found
                if not found:
                    weak = (p.item_id, p.record) in weak_pairs
                    row.fn_long += 1
                    row.fn_weak += weak
                    row.missed.append(f"{p.item_id}@r{p.record}{' (weak)' if weak else ''}")
            else:
                row.planted_short += 1
                row.found_short += found
    for key, row in rows.items():
        row.scenario = key
    return dict(rows)


def target_checks(rows: dict[str, Row]) -> dict[str, tuple[float | None, float, bool]]:
    """Each target: (measured, wanted, met)."""
    out: dict[str, tuple[float | None, float, bool]] = {}
    for name, wanted in TARGETS.items():
        metric, scenario = name.split(" ", 1)
        row = rows.get("overall" if scenario == "overall" else scenario)
        value = None if row is None else (row.precision if metric == "precision" else row.recall)
        out[name] = (value, wanted, value is not None and value >= wanted)
    return out


# ---------------------------------------------------------------------------------------------- baseline


BASELINE_SCENARIOS = ("verbatim/embedded", "edited/embedded", "partial/embedded", "verbatim/standalone")


def baseline_lsh(bench: Bench, scenarios: Iterable[str] = BASELINE_SCENARIOS) -> dict:
    """datasketch MinHashLSH (threshold 0.5, 128 perms) over whole records: planted pairs it finds."""
    from datasketch import MinHash, MinHashLSH

    def sketch(text: str) -> MinHash:
        mh = MinHash(num_perm=128)
        mh.update_batch([s.encode("utf-8") for s in shingle_strings(tokenize(text), 3)])
        return mh

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for item in bench.items:
        lsh.insert(item.id, sketch(item.text), check_duplication=False)
    wanted = set(scenarios)
    by_record: dict[int, list[Planted]] = defaultdict(list)
    for p in bench.planted:
        if p.scenario in wanted:
            by_record[p.record].append(p)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for record, planted in by_record.items():
        hits = set(lsh.query(sketch(bench.records[record].text)))
        for p in planted:
            total[p.scenario] += 1
            found[p.scenario] += p.item_id in hits
    return {s: {"found": found[s], "planted": total[s]} for s in scenarios}


# ------------------------------------------------------------------------------------------------- run


def prepare(config: BenchConfig, work: Path) -> tuple[Bench, Path, Path]:
    """Generate the benchmark, write it under ``work`` and index its items."""
    bench = build_bench(config)
    items_path, train_path = bench.write(work)
    build_index(
        [items_path],
        work / "items.idx",
        CorpusInfo("bench tweets", "LicenseRef-Bench"),
        overwrite=True,
        reader_options=ReaderOptions(format="jsonl"),
    )
    return bench, train_path, work / "items.idx"


def run_setting(
    bench: Bench, train: Path, index: Path, options: ScanOptions, out: Path, jobs: int
) -> tuple[dict[str, Row], dict]:
    """Scan with ``options`` and evaluate."""
    started = time.monotonic()
    res = scan([train], index, out, reader_options=ReaderOptions(format="jsonl"), options=options, jobs=jobs)
    cols = res.matches.select(["item_id", "dataset_row", "weak"]).to_pylist()
    rows = evaluate(bench, cols)
    info = {
        "scan_seconds": round(time.monotonic() - started, 2),
        "counts": res.manifest.get("counts", {}),
        "options": options.describe(),
    }
    return rows, info


ORDER = (
    "verbatim/standalone",
    "verbatim/embedded",
    "edited/standalone",
    "edited/embedded",
    "edit:",
    "partial/standalone",
    "partial/embedded",
    "real-embedded/full",
    "real-embedded/partial",
    "all kinds",
    "real-embedded/absent",
    "heldout/",
    "trap/",
    "untouched/",
    "overall",
)


def _order(name: str) -> tuple[int, str]:
    return next((n for n, prefix in enumerate(ORDER) if name.startswith(prefix)), len(ORDER)), name


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def format_table(rows: dict[str, Row]) -> str:
    """The table as text.

    recall8+/n8+: recall over planted pairs of items with 8+ words; rec<8/n<8: the same for 5-7 words;
    prec/TP/FP: asserted (non-weak) rows in the scenario's records judged right/wrong; FN8+: planted
    pairs (8+ words) not asserted, ``(weak)`` of them reported only as weak; weak: weak rows.
    """
    head = (
        f"{'scenario':<26}{'recall8+':>9}{'n8+':>6}{'rec<8':>8}{'n<8':>5}{'prec':>8}"
        f"{'TP':>6}{'FP':>5}{'FN8+':>6}{'(weak)':>7}{'weak':>6}"
    )
    lines = [head, "-" * len(head)]
    for name in sorted(rows, key=_order):
        r = rows[name]
        lines.append(
            f"{name:<26}{_fmt(r.recall):>9}{r.planted_long:>6}{_fmt(r.recall_short):>8}"
            f"{r.planted_short:>5}{_fmt(r.precision):>8}{r.tp:>6}{r.fp:>5}{r.fn_long:>6}"
            f"{r.fn_weak:>7}{r.weak:>6}"
        )
    return "\n".join(lines)


def _fp_summary(rows: dict[str, Row]) -> dict[str, int]:
    groups = {"traps": "trap/", "heldout tweets": "heldout/", "untouched docs": "untouched/"}
    return {
        label: sum(r.fp for n, r in rows.items() if n.startswith(prefix)) for label, prefix in groups.items()
    }


def report(name: str, rows: dict[str, Row], info: dict) -> dict:
    """Print one setting's table and return its JSON form."""
    checks = target_checks(rows)
    fps = _fp_summary(rows)
    print(f"\n=== {name}  (scan {info['scan_seconds']} s)")
    print(format_table(rows))
    print("false positives: " + ", ".join(f"{k} {v}" for k, v in fps.items()))
    print(
        "targets: "
        + "; ".join(
            f"{k} {_fmt(v).strip()}>={w} {'ok' if ok else 'MISSED'}" for k, (v, w, ok) in checks.items()
        )
    )
    return {
        "rows": {n: rows[n].as_dict() for n in sorted(rows, key=_order)},
        "false_positives": fps,
        "targets": {k: {"value": v, "target": w, "met": ok} for k, (v, w, ok) in checks.items()},
        **info,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results (default: %(default)s)")
    p.add_argument("--work", type=Path, default=WORK_DIR, help="generated files (default: %(default)s)")
    p.add_argument("--items", type=int, default=BenchConfig.items, help="sampled tweets in the index")
    p.add_argument("--per-group", type=int, default=BenchConfig.per_group, help="planted copies per group")
    p.add_argument("--negatives", type=int, default=BenchConfig.negatives)
    p.add_argument("--bbc-docs", type=int, default=BenchConfig.bbc_docs)
    p.add_argument("--web-docs", type=int, default=None, help="untouched web pages (default: all)")
    p.add_argument("--pool-per-source", type=int, default=BenchConfig.pool_per_source)
    p.add_argument("--jobs", type=int, default=2)
    for name, default in asdict(ScanOptions()).items():
        if name in (
            "min_containment",
            "min_jaccard",
            "min_item_tokens",
            "weak_below_shingles",
            "weak_above_item_matches",
        ):
            p.add_argument("--" + name.replace("_", "-"), type=type(default), default=None)
    p.add_argument("--include-low-information", action="store_true", default=None)
    p.add_argument("--sweep", action="store_true", help="also run the alternative settings of SWEEP")
    p.add_argument("--no-baseline", action="store_true", help="skip the datasketch baseline")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed (main setting)")
    return p.parse_args(argv)


def _main_options(args: argparse.Namespace) -> ScanOptions:
    chosen = {k: v for k in asdict(ScanOptions()) if (v := getattr(args, k, None)) is not None}
    return replace(ScanOptions(), **chosen)


def run(args: argparse.Namespace) -> tuple[dict, bool]:
    """Generate, index and scan at each setting; print, and return the results and whether targets are met."""
    config = BenchConfig(
        seed=args.seed,
        items=args.items,
        per_group=args.per_group,
        negatives=args.negatives,
        bbc_docs=args.bbc_docs,
        web_docs=args.web_docs,
        pool_per_source=args.pool_per_source,
    )
    work = args.work / f"seed{args.seed}"
    started = time.monotonic()
    bench, train, index = prepare(config, work)
    print(
        f"benchmark: {len(bench.items)} items, {len(bench.records)} records, {len(bench.planted)} planted "
        f"pairs, built in {time.monotonic() - started:.1f} s ({work})"
    )
    main = _main_options(args)
    settings = {"main" if main != ScanOptions() else "default": main}
    if args.sweep:
        settings.update({n: replace(ScanOptions(), **o) for n, o in SWEEP.items() if n != "default"})
        settings.setdefault("default", ScanOptions())
    results: dict = {"config": asdict(config), "settings": {}}
    met = True
    for n, (name, options) in enumerate(settings.items()):
        rows, info = run_setting(bench, train, index, options, work / f"scan-{n}", args.jobs)
        results["settings"][name] = report(name, rows, info)
        if n == 0:
            met = all(t["met"] for t in results["settings"][name]["targets"].values())
    if not args.no_baseline:
        results["baseline_datasketch"] = baseline = baseline_lsh(bench)
        print(
            "\nbaseline datasketch MinHashLSH(threshold=0.5, num_perm=128) over whole records: "
            + ", ".join(f"{s} {v['found']}/{v['planted']}" for s, v in baseline.items())
        )
    results["seconds"] = round(time.monotonic() - started, 1)
    return results, met


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results, met = run(args)
    except data.MissingDataError as exc:
        print(f"accuracy benchmark: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {args.out} ({results['seconds']} s in all)")
    if args.check and not met:
        print("accuracy check FAILED: a target was missed at the main setting (see 'targets' above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
