"""Speed and memory against datasketch, on the same real data, in one run (issue: scale).

Sections (each prints ratios, so the result holds on a noisy machine):
1. signatures: datasketch ``MinHash.bulk`` (same shingles, same num_perm, our shingle hash as
   ``hashfunc``; bit-identical output checked) vs ``shingle_batch`` + ``minhash_signatures`` on
   one thread, and vs ``signatures_of_tokens`` on all cores, on real tweets and real long
   documents; all timings include hashing the shingles; each is the fastest of seven runs. Our side
   is timed twice: from Python token lists (encoding them is timed, where datasketch's shingles
   are encoded before its clock starts), and from the tokens already encoded
   (``shingles_of_joined``, ``signatures_of_joined``), like for like.
2. index build, whole processes on the same JSONL: datasketch as users run it (json parsing, word
   3-grams, ``MinHash.bulk``, ``MinHashLSH.insert``) vs ``provenance index build``: items/s, peak
   RSS, bytes per item.
3. scan: end-to-end MB/s of training text (read, normalise, shingle, look up, verify, write) at
   several sizes and with 1 and 2 jobs, against the index of section 2; peak RSS for each. Every
   scan runs three times, in turns; the fastest is reported with the median and every run.

Data: real tweets and documents from ../shared/data/real, read where they lie; the generated
JSONL files go to bench/work/ (git-ignored). Results: bench/results/speed.json.
Run: python bench/speed.py [--items N] [--sizes 250,500,1000] [--scan-rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
WORK = ROOT / "bench" / "work" / "speed"
RESULTS = ROOT / "bench" / "results" / "speed.json"
PROVENANCE = [sys.executable, "-m", "provenance"]

DATASKETCH_BUILD = r"""
import json, sys
from datasketch import MinHash, MinHashLSH
path, num_perm = sys.argv[1], 128
lsh = MinHashLSH(threshold=0.5, num_perm=num_perm)
def shingles(text):
    words = text.lower().split()
    return [" ".join(words[i:i + 3]).encode("utf-8") for i in range(max(1, len(words) - 2))]
batch = []
def flush():
    for (key, _), m in zip(batch, MinHash.bulk([s for _, s in batch], num_perm=num_perm)):
        lsh.insert(key, m)
    batch.clear()
with open(path, encoding="utf-8") as fh:
    for line in fh:
        row = json.loads(line)
        batch.append((row["id"], shingles(row["text"])))
        if len(batch) >= 10000:
            flush()
flush()
"""


def real_tweets() -> list[str]:
    """Every real tweet text of the shared samples (TweetEval, Trump, X archives)."""
    texts = []
    for path in sorted((REAL / "tweeteval" / "datasets").rglob("*_text.txt")):
        texts += [t for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    for path in sorted((REAL / "trump_condensed_2009_2016").glob("*.json")):
        texts += [t["text"] for t in json.loads(path.read_text(encoding="utf-8"))]
    for path in sorted(REAL.glob("x_archive_*/data/tweets.js")):
        body = path.read_text(encoding="utf-8")
        texts += [t["tweet"]["full_text"] for t in json.loads(body[body.index("=") + 1 :])]
    return texts


def real_documents() -> list[str]:
    """Real long documents: extracted web pages and BBC articles."""
    docs = [json.loads(line)["text"] for line in (REAL / "web_docs_extracted" / "web_docs.jsonl").open()]
    bbc = sorted((REAL / "bbc_news_2004_2005" / "bbc").rglob("*.txt"))
    docs += [path.read_bytes().decode("utf-8", errors="replace") for path in bbc]
    return [d for d in docs if len(d) > 200]


def distinct_items(tweets: list[str], n: int, rng: random.Random) -> list[str]:
    """``n`` item texts that the index keeps all of: the real tweets, then word-shuffled copies of
    them, each with words left after normalisation and a normalised text of its own (the index
    keeps one item per normalised text)."""
    from provenance.text.tokens import tokenize_texts

    items: list[str] = []
    seen: set[str] = set()

    def add(candidates: list[str]) -> None:
        tokens, offsets, _ = tokenize_texts(candidates)
        flat = tokens.to_pylist()
        for text, a, b in zip(candidates, offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            normalised = " ".join(flat[a:b])
            if normalised and normalised not in seen:
                seen.add(normalised)
                items.append(text)

    add(list(dict.fromkeys(tweets)))
    base = list(items)
    while len(items) < n:
        copies = []
        for _ in range(min(n - len(items), 100_000)):
            words = rng.choice(base).split()
            rng.shuffle(words)
            copies.append(" ".join(words))
        add(copies)
    return items[:n]


def _proc_kb(pid: int, file: str, field: str) -> int:
    """A ``field: N kB`` line of ``/proc/PID/file``, in KiB; 0 once the process has gone."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith(f"{field}:")), 0)


def _tree_kb(pid: int, file: str, field: str) -> int:
    """``_proc_kb`` summed over a process and its children."""
    return sum(_proc_kb(proc, file, field) for proc in [pid, *_children(pid)])


def _tree_hwm_kb(pid: int) -> int:
    """Sum of the peak resident memory (VmHWM) of a process and its children, in KiB."""
    return _tree_kb(pid, "status", "VmHWM")


def _tree_pss_kb(pid: int) -> int:
    """The memory a process and its children use together now, in KiB: their summed proportional
    set size (a page shared by k processes counts 1/k in each)."""
    return _tree_kb(pid, "smaps_rollup", "Pss")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


PSS_EVERY = 1.0
"""Seconds between two readings of the processes' PSS. Reading ``smaps_rollup`` walks a process's
page tables: 25 ms of CPU for a scan's three processes, so every 50 ms it took a quarter of a core
from the process being measured (12% of this 2-core machine). Once a second it takes 1.3%."""


def peak_rss_mb(command: list[str]) -> tuple[float, float, float]:
    """Run a process; return (seconds, peak resident memory in MB of it and its workers, peak of
    their summed PSS in MB).

    The first measure sums each process's VmHWM (a high-water mark that exec resets, whereas
    wait4's ru_maxrss would count the memory this benchmark process had when it forked), read from
    /proc every 50 ms (0.6 ms of CPU a reading): pages a forked child shares with its parent count
    in both, whenever each peaked. The second is the highest total PSS seen at one moment, which
    counts a shared page once, read every ``PSS_EVERY`` seconds (it can miss a shorter peak).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_pss = 0
    pss_read = -PSS_EVERY
    while proc.poll() is None:
        peak = max(peak, _tree_hwm_kb(proc.pid))
        if time.perf_counter() - pss_read >= PSS_EVERY:
            pss_read = time.perf_counter()
            peak_pss = max(peak_pss, _tree_pss_kb(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        error = proc.stderr.read().decode()[-2000:]
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(command)}\n{error}")
    return seconds, peak / 1024, peak_pss / 1024


REPEATS = 7
"""Signature timings are the best of this many runs on each side: one run takes 20-40 ms on our
side, where this machine's noise is of the same order."""


def best_of(repeats: int, run):  # noqa: ANN001, ANN201
    """(fastest wall time of ``repeats`` runs, the last run's result): the same for every side."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_signatures(tweets: list[str], docs: list[str]) -> dict:
    from provenance.text.minhash import minhash_signatures
    from provenance.text.shingles import shingle_batch

    minhash_signatures(shingle_batch([["warm", "up", "the", "kernels"]]))  # numba compile/cache load
    return {
        name: _signatures_on(texts) for name, texts in (("tweets", tweets[:20000]), ("documents", docs[:300]))
    }


def _signatures_on(texts: list[str]) -> dict:
    from datasketch import MinHash

    from provenance.text.minhash import minhash_signatures, signatures_of_joined, signatures_of_tokens
    from provenance.text.normalize import tokenize
    from provenance.text.shingles import (
        join_tokens,
        shingle_batch,
        shingle_hash32,
        shingle_strings,
        shingles_of_joined,
    )

    tokens = [tokenize(t) for t in texts]
    shingles = [[s.encode("utf-8") for s in shingle_strings(t, 3)] for t in tokens]  # untimed
    n_shingles = sum(map(len, shingles))
    t_theirs, theirs = best_of(REPEATS, lambda: MinHash.bulk(shingles, num_perm=128, hashfunc=shingle_hash32))
    t_default, _ = best_of(REPEATS, lambda: MinHash.bulk(shingles, num_perm=128))
    # From Python token lists: our time includes encoding them (joining into UTF-8 bytes), which
    # datasketch was spared (its shingles were encoded above, untimed).
    t_ours, ours = best_of(REPEATS, lambda: minhash_signatures(shingle_batch(tokens)))
    threads = os.cpu_count() or 1
    t_cores, on_cores = best_of(REPEATS, lambda: signatures_of_tokens(tokens, threads=threads))
    # From the tokens already encoded, as datasketch's shingles are: like for like.
    joined = join_tokens(tokens)  # untimed
    t_encoded, encoded = best_of(REPEATS, lambda: minhash_signatures(shingles_of_joined(joined, len(tokens))))
    t_encoded_cores, encoded_cores = best_of(
        REPEATS, lambda: signatures_of_joined(joined, len(tokens), threads=threads)
    )
    return {
        "records": len(texts),
        "shingles": n_shingles,
        "datasketch_s": round(t_theirs, 4),
        "datasketch_default_hash_s": round(t_default, 4),
        "provenance_s": round(t_ours, 4),
        "provenance_shingles_per_s": round(n_shingles / t_ours),
        "provenance_records_per_s": round(len(texts) / t_ours),
        "speedup": round(t_theirs / t_ours, 1),
        "threads": threads,
        "provenance_all_cores_s": round(t_cores, 4),
        "speedup_all_cores": round(t_theirs / t_cores, 1),
        "speedup_vs_default_sha1_hash": round(t_default / t_ours, 1),
        "provenance_encoded_s": round(t_encoded, 4),
        "speedup_encoded": round(t_theirs / t_encoded, 1),
        "provenance_encoded_all_cores_s": round(t_encoded_cores, 4),
        "speedup_encoded_all_cores": round(t_theirs / t_encoded_cores, 1),
        "bit_identical": all(np.array_equal(m.hashvalues, s) for m, s in zip(theirs, ours, strict=True))
        and all(np.array_equal(other, ours) for other in (on_cores, encoded, encoded_cores)),
    }


def write_items(items: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i, text in enumerate(items):
            fh.write(json.dumps({"id": f"item-{i}", "text": text}) + "\n")
        _at_rest(fh)


def _at_rest(fh) -> None:  # noqa: ANN001
    """Write the file through to disk before it is timed: the kernel's write-back of a file just
    written would otherwise run during the timed runs (seconds of CPU on this machine)."""
    fh.flush()
    os.fsync(fh.fileno())


def bench_build(items_path: Path, n_items: int, index: Path) -> dict:
    script = WORK / "datasketch_build.py"
    script.write_text(DATASKETCH_BUILD)
    t_ds, rss_ds, pss_ds = peak_rss_mb([sys.executable, str(script), str(items_path)])
    t_us, rss_us, pss_us = peak_rss_mb(
        [
            *PROVENANCE,
            "index",
            "build",
            str(items_path),
            "--index",
            str(index),
            "--corpus",
            "bench",
            "--license",
            "MIT",
            "--force",
        ]
    )
    info = json.loads(
        subprocess.run(
            [*PROVENANCE, "index", "info", str(index), "--json"], capture_output=True, text=True, check=True
        ).stdout
    )
    return {
        "items": n_items,
        "datasketch_s": round(t_ds, 1),
        "datasketch_peak_rss_mb": round(rss_ds),
        "datasketch_peak_pss_mb": round(pss_ds),
        "datasketch_items_per_s": round(n_items / t_ds),
        "provenance_s": round(t_us, 1),
        "provenance_peak_rss_mb": round(rss_us),
        "provenance_peak_pss_mb": round(pss_us),
        "provenance_items_per_s": round(n_items / t_us),
        "speedup": round(t_ds / t_us, 2),
        "memory_ratio": round(rss_us / rss_ds, 3),
        "memory_ratio_pss": round(pss_us / pss_ds, 3),
        "index_bytes_per_item": info["bytes_per_item"],
    }


def write_training(docs: list[str], items: list[str], path: Path, megabytes: int, rng: random.Random) -> int:
    """A JSONL of about ``megabytes`` MB of real documents, one planted item every 20 records."""
    target, written, row = megabytes * 1_000_000, 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < target:
            text = rng.choice(docs)
            if row % 20 == 0:
                cut = text.find(". ", len(text) // 2) + 1 or len(text)
                text = f"{text[:cut]} {rng.choice(items)} {text[cut:]}"
            line = json.dumps({"id": f"doc-{row}", "text": text}) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            row += 1
        _at_rest(fh)
    return row


SCAN_ROUNDS = 3
"""Every scan runs this many times, the configurations taking turns (each once, then each again):
this machine's speed drifts by a third within minutes, and a slow moment can only add time. The
fastest run is reported, with the median and every run's time; memory is the highest of any run."""


def bench_scan(
    index: Path,
    docs: list[str],
    items: list[str],
    sizes: list[int],
    rng: random.Random,
    rounds: int = SCAN_ROUNDS,
) -> list[dict]:
    # Every training set is written before any scan is timed: a 1 GB scan right after its file was
    # written (and fsynced) took 25.4 s, and 22.3 s when run again.
    written = {}
    for megabytes in sizes:
        path = WORK / f"train_{megabytes}MB.jsonl"
        written[megabytes] = (path, write_training(docs, items, path, megabytes, rng))
    warm_up = WORK / "train_warm_up.jsonl"
    write_training(docs, items, warm_up, 5, random.Random(1))
    # Untimed: the first scan after the build ran about 40% slower than the same scan a minute
    # later (the system settling after datasketch's 8 GB process; caches of the compiled kernels).
    subprocess.run(
        [*PROVENANCE, "scan", str(warm_up), "--index", str(index), "--out", str(WORK / "scan_warm_up")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    configurations = [(mb, jobs) for mb in sizes for jobs in ((1, 2) if mb == sizes[0] else (2,))]
    measured: dict[tuple[int, int], list[tuple]] = {c: [] for c in configurations}
    for round_number in range(1, rounds + 1):
        for megabytes, jobs in configurations:
            path = written[megabytes][0]
            out = WORK / f"scan_{megabytes}_{jobs}"
            command = [*PROVENANCE, "scan", str(path), "--index", str(index), "--out", str(out)]
            cpu_before = _children_cpu_s()
            seconds, rss, pss = peak_rss_mb([*command, "--jobs", str(jobs)])
            cpu = _children_cpu_s() - cpu_before
            matches = json.loads((out / "manifest.json").read_text())["counts"]["matches"]
            measured[(megabytes, jobs)].append((seconds, rss, pss, matches, cpu))
            text_mb = path.stat().st_size / 1e6
            print(
                f"  [{round_number}/{rounds}] scan {text_mb:7.1f} MB jobs={jobs}: {seconds:7.1f} s, "
                f"{text_mb / seconds:6.2f} MB/s, {cpu:6.1f} CPU s, RSS {rss:6.0f} MB (PSS {pss:6.0f} MB), "
                f"{matches} matches",
                flush=True,
            )
    return [_scan_result(mb, jobs, written[mb], measured[(mb, jobs)]) for mb, jobs in configurations]


def _children_cpu_s() -> float:
    """User and system CPU seconds of this process's finished children (a scan's workers and
    forked helpers included: it waits for them)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scan_result(megabytes: int, jobs: int, written: tuple[Path, int], runs: list[tuple]) -> dict:
    """One configuration's fastest run, every run's time, and the highest memory of any run."""
    path, records = written
    text_mb = path.stat().st_size / 1e6
    times = [run[0] for run in runs]
    matches = {run[3] for run in runs}
    if len(matches) != 1:
        raise SystemExit(f"the {megabytes} MB scan found different matches in its runs: {sorted(matches)}")
    seconds = min(times)
    cpu = [run[4] for run in runs]
    return {
        "megabytes": round(text_mb, 1),
        "records": records,
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "seconds_runs": [round(t, 2) for t in times],
        "seconds_median": round(float(np.median(times)), 2),
        "mb_per_s": round(text_mb / seconds, 2),
        "mb_per_s_per_core": round(text_mb / seconds / jobs, 2),
        "mb_per_s_per_core_median": round(text_mb / float(np.median(times)) / jobs, 2),
        "cpu_seconds_runs": [round(c, 2) for c in cpu],
        "mb_per_cpu_second": round(text_mb / min(cpu), 2),
        "peak_rss_mb": round(max(run[1] for run in runs)),
        "peak_pss_mb": round(max(run[2] for run in runs)),
        "matches": matches.pop(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--items", type=int, default=1_000_000, help="index size (real tweets, made distinct)"
    )
    parser.add_argument("--sizes", default="250,500,1000", help="training set sizes in MB (comma-separated)")
    parser.add_argument(
        "--scan-rounds", type=int, default=SCAN_ROUNDS, help="runs of every scan (the fastest is reported)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not REAL.is_dir():
        sys.exit(f"needs the real data in {REAL}")
    if args.quick:
        args.items, args.sizes, args.scan_rounds = 5000, "1,2", 1
        if args.out == RESULTS:  # a smoke test does not replace the recorded results
            args.out = WORK / "speed_quick.json"
    sizes = [int(s) for s in args.sizes.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    started = time.perf_counter()
    tweets, docs = real_tweets(), real_documents()
    print(f"{len(tweets):,} real tweets, {len(docs):,} real documents")
    results: dict = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}}
    print("1. MinHash signatures (datasketch MinHash.bulk vs provenance):", flush=True)
    results["signatures"] = bench_signatures(tweets, docs)
    for name, r in results["signatures"].items():
        print(
            f"  {name}: {r['provenance_shingles_per_s']:,} shingles/s, {r['speedup']}x datasketch with the "
            f"same hash ({r['speedup_vs_default_sha1_hash']}x with its default sha1) on one thread, "
            f"{r['speedup_all_cores']}x on {r['threads']} threads; from encoded tokens (as datasketch's "
            f"shingles are) {r['speedup_encoded']}x on one thread, {r['speedup_encoded_all_cores']}x on "
            f"{r['threads']}; bit-identical {r['bit_identical']}"
        )
    items = distinct_items(tweets, args.items, rng)
    items_path = WORK / f"items_{args.items}.jsonl"
    write_items(items, items_path)
    print(f"2. index build on {args.items:,} items:", flush=True)
    index = WORK / "items.idx"
    results["build"] = build = bench_build(items_path, args.items, index)
    print(
        f"  datasketch {build['datasketch_s']} s ({build['datasketch_peak_rss_mb']} MB), provenance "
        f"{build['provenance_s']} s ({build['provenance_peak_rss_mb']} MB): {build['speedup']}x faster, "
        f"{build['memory_ratio']:.2f} of the memory ({build['memory_ratio_pss']:.2f} by PSS), "
        f"{build['index_bytes_per_item']} bytes/item",
        flush=True,
    )
    print("3. scan:", flush=True)
    results["scan"] = bench_scan(index, docs, items, sizes, rng, args.scan_rounds)
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"results written to {args.out} ({results['seconds']} s in all)")


if __name__ == "__main__":
    main()
