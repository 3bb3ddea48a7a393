"""The hostile-input suite's fixtures: the valid world, a warm command line, and each case's runs.

``cli`` runs ``provenance`` commands each in a fresh process (``cli_server.py`` forks one per
command from a warm interpreter; ``PROVENANCE_HOSTILE_SUBPROCESS=1`` runs each as
``python -m provenance`` instead, slower). ``outcomes`` writes each case's files and runs each
command on it once (``check``, ``scan`` and its ``verify``, ``index build``), so that the tests
comparing two runs (a case and its gzipped twin, the check and the scan) cost nothing more. The
cases the selected tests need are run ahead, ``PROVENANCE_HOSTILE_WORKERS`` (default 2) at a time,
each worker with a command server of its own; a test waits for its case only.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from generators import CASES, INTACT, Spec, World, build_world, write_case

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
SUBPROCESS_ENV = "PROVENANCE_HOSTILE_SUBPROCESS"
WORKERS_ENV = "PROVENANCE_HOSTILE_WORKERS"
CASE_FIXTURES = ("outcomes",)
"""Tests taking this fixture and a ``name`` parameter run a case of ``generators``."""
COMMAND_TIMEOUT = 120.0
"""Seconds a command may take on the suite's small inputs before it counts as hung."""
STDERR_SHOWN = 6
"""Lines of stderr quoted in a failure message."""


@dataclass(frozen=True)
class Run:
    """One finished command."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    max_rss_kb: int = 0

    def describe(self) -> str:
        """The command, its exit code and the first lines of its stderr, for a failure message."""
        lines = [line for line in self.stderr.splitlines() if line.strip()][:STDERR_SHOWN]
        quoted = "\n    ".join(lines) or "(nothing)"
        hung = " (hung: killed after the timeout)" if self.timed_out else ""
        return f"provenance {' '.join(self.argv)}\n  exit {self.code}{hung}; stderr:\n    {quoted}"

    @property
    def flat_stderr(self) -> str:
        return " ".join(self.stderr.split())


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROVENANCE_DEBUG", "COLUMNS", "LINES")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Cli:
    """``provenance`` commands, each in a process of its own (see the module docstring)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0
        self.lock = threading.Lock()
        """One command at a time: the background cases and a test may share this server."""
        self.server: subprocess.Popen | None = None
        if os.environ.get(SUBPROCESS_ENV, "") in ("", "0"):
            self.server = subprocess.Popen(
                [sys.executable, str(HERE / "cli_server.py"), "--warm"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=_environment(),
                text=True,
            )
            ready = self.server.stdout.readline()
            if not ready.strip():
                raise RuntimeError("the provenance command server did not start")

    def run(
        self, argv: Sequence[str], cwd: Path, *, timeout: float = COMMAND_TIMEOUT, stdin: Path | None = None
    ) -> Run:
        """Run ``provenance ARGV`` in ``cwd`` (standard input: ``/dev/null``, or ``stdin`` through a pipe)."""
        if self.server is None:
            return self.run_python_m(argv, cwd, timeout=timeout, stdin=stdin)
        with self.lock:
            return self._served(argv, cwd, timeout, stdin)

    def _served(self, argv: Sequence[str], cwd: Path, timeout: float, stdin: Path | None) -> Run:
        self.count += 1
        out, err = self.scratch / f"{self.count}.out", self.scratch / f"{self.count}.err"
        request = {
            "argv": list(argv),
            "cwd": str(cwd),
            "stdout": str(out),
            "stderr": str(err),
            "timeout": timeout,
            "stdin": str(stdin) if stdin else None,
        }
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        reply = self.server.stdout.readline()
        if not reply:
            raise RuntimeError("the provenance command server ended")
        answer = json.loads(reply)
        return Run(
            tuple(argv),
            answer["code"],
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
            answer["seconds"],
            answer["timed_out"],
            answer["max_rss_kb"],
        )

    def run_python_m(
        self, argv: Sequence[str], cwd: Path, *, timeout: float = COMMAND_TIMEOUT, stdin: Path | None = None
    ) -> Run:
        """Run ``python -m provenance ARGV`` in ``cwd`` as a plain subprocess."""
        started = time.monotonic()
        feed = subprocess.PIPE if stdin else subprocess.DEVNULL
        with subprocess.Popen(
            [sys.executable, "-m", "provenance", *argv],
            cwd=cwd,
            env=_environment(),
            stdin=feed,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        ) as proc:
            data = stdin.read_bytes() if stdin else None
            try:
                out, err = proc.communicate(data, timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                out, err = proc.communicate()
                timed_out = True
            except BrokenPipeError:  # the command stopped reading its standard input
                out, err = proc.communicate()
                timed_out = False
        return Run(
            tuple(argv),
            proc.returncode,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            round(time.monotonic() - started, 3),
            timed_out,
        )

    def close(self) -> None:
        if self.server is not None:
            self.server.stdin.close()
            self.server.wait(timeout=30)


@pytest.fixture(scope="session")
def hostile_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The index of licensed items, the policy and the training records (``generators.build_world``)."""
    return build_world(tmp_path_factory.mktemp("hostile_world"))


@pytest.fixture(scope="session")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    runner = Cli(tmp_path_factory.mktemp("cli_runs"))
    yield runner
    runner.close()


@dataclass
class CaseRuns:
    """A case's folder and the commands run on it so far."""

    spec: Spec
    folder: Path
    runs: Path
    check: Run | None = None
    check_json: dict | None = None
    check_sarif: dict | None = None
    scan: Run | None = None
    scan_manifest: dict | None = None
    verify: Run | None = None
    build: Run | None = None
    index_manifest: dict | None = None


def _load_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Outcomes:
    """Each case written once and each command run on it once (ahead, when ``prefetch`` was asked)."""

    def __init__(self, root: Path, world: World, clis: Sequence[Cli]) -> None:
        self.root, self.world = root, world
        self.cases: dict[str, CaseRuns] = {}
        self.idle: queue.SimpleQueue[Cli] = queue.SimpleQueue()
        for cli in clis:
            self.idle.put(cli)
        self.pool = ThreadPoolExecutor(max_workers=len(clis), thread_name_prefix="hostile-case")
        self.pending: dict[str, Future] = {}
        self.lock = threading.Lock()

    def prefetch(self, names: Sequence[str]) -> None:
        """Start running every command on each of ``names`` in the background, in order."""
        for name in names:
            with self.lock:
                if name not in self.pending:
                    self.pending[name] = self.pool.submit(self._run_all, name)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def case(self, name: str) -> CaseRuns:
        """The case's folder (written on first use)."""
        with self.lock:
            if name not in self.cases:
                spec = CASES.get(name) or INTACT[name]
                folder = write_case(spec, self.root / "cases", self.world)
                runs = self.root / "runs" / name
                runs.mkdir(parents=True)
                self.cases[name] = CaseRuns(spec, folder, runs)
            return self.cases[name]

    def _run_all(self, name: str) -> CaseRuns:
        cli = self.idle.get()
        try:
            runs = self.case(name)
            self._check(runs, cli)
            self._scan(runs, cli)
            if name in CASES:
                self._build(runs, cli)
            return runs
        finally:
            self.idle.put(cli)

    def _done(self, name: str) -> CaseRuns:
        self.prefetch([name])
        return self.pending[name].result()

    def check(self, name: str) -> CaseRuns:
        """``check INPUT --index --policy --sarif --json --jobs 2``."""
        return self._done(name)

    def scan(self, name: str) -> CaseRuns:
        """``scan INPUT --index --out --jobs 1``, then ``verify OUT`` when the scan succeeded."""
        return self._done(name)

    def build(self, name: str) -> CaseRuns:
        """``index build INPUT --index --corpus --license --jobs 2``."""
        return self._done(name)

    def _check(self, runs: CaseRuns, cli: Cli) -> None:
        case, w = runs.spec.case, self.world
        sarif, report = runs.runs / "check.sarif", runs.runs / "check.json"
        argv = [
            "check",
            case.input,
            "--index",
            str(w.index),
            "--policy",
            str(w.policy),
            "--sarif",
            str(sarif),
            "--json",
            str(report),
            "--jobs",
            "2",
            *case.args,
        ]
        runs.check = cli.run(argv, runs.folder)
        runs.check_json, runs.check_sarif = _load_json(report), _load_json(sarif)

    def _scan(self, runs: CaseRuns, cli: Cli) -> None:
        case, w = runs.spec.case, self.world
        out = runs.runs / "scan"
        argv = ["scan", case.input, "--index", str(w.index), "--out", str(out), "--jobs", "1", *case.args]
        runs.scan = cli.run(argv, runs.folder)
        runs.scan_manifest = _load_json(out / "manifest.json")
        if runs.scan.code == 0:
            runs.verify = cli.run(["verify", str(out)], runs.folder)

    def _build(self, runs: CaseRuns, cli: Cli) -> None:
        case = runs.spec.case
        index = runs.runs / "index"
        argv = [
            "index",
            "build",
            case.input,
            "--index",
            str(index),
            "--corpus",
            "hostile corpus",
            "--license",
            "MIT",
            "--jobs",
            "2",
            *case.args,
        ]
        runs.build = cli.run(argv, runs.folder)
        runs.index_manifest = _load_json(index / "manifest.json")


def _selected_cases(config: pytest.Config) -> list[str]:
    """The cases the selected tests run, in the order they run them (a twin with its case)."""
    names: list[str] = []
    for item in getattr(config, "_hostile_items", []):
        name = getattr(getattr(item, "callspec", None), "params", {}).get("name")
        if name is None or not set(CASE_FIXTURES) & set(item.fixturenames):
            continue
        spec = CASES.get(name) or INTACT.get(name)
        for wanted in (name, spec.case.twin if spec else None):
            if wanted and wanted not in names:
                names.append(wanted)
    return names


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the suite's selected tests (after ``-m`` and ``-k`` deselected the others)."""
    selected = [item for item in session.items if Path(item.path).parent == HERE]
    session.config._hostile_items = selected  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, hostile_world: World, cli: Cli
) -> Iterator[Outcomes]:
    workers = max(1, int(os.environ.get(WORKERS_ENV, "2")))
    extra = [Cli(tmp_path_factory.mktemp("cli_runs")) for _ in range(workers - 1)]
    runner = Outcomes(tmp_path_factory.mktemp("hostile_cases"), hostile_world, [cli, *extra])
    runner.prefetch(_selected_cases(request.config))
    yield runner
    runner.close()
    for other in extra:
        other.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """How many examples each fuzz test ran, and in how long (``test_fuzz.py``)."""
    ran = getattr(config, "_hostile_fuzz", None)
    if ran:
        shown = ", ".join(f"{name} {count} in {seconds:.1f} s" for name, (count, seconds) in ran.items())
        terminalreporter.write_line(f"fuzz examples run: {shown}")
