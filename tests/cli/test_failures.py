"""Every failure of a command exits 2 with a one-line reason (130 when interrupted), never a traceback
and never 1, which ``check`` and ``verify`` keep for a finding."""

from __future__ import annotations

import signal
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import provenance.index
from provenance.cli import app, interrupts, root
from provenance.cli.common import failure_of
from provenance.errors import InputError

runner = CliRunner()


def _with_context(error: BaseException, context: BaseException, *, as_cause: bool = False) -> BaseException:
    if as_cause:
        error.__cause__ = context
    else:
        error.__context__ = context
    return error


def _numba_interrupted() -> BaseException:
    """What Ctrl-C inside a numba kernel raises: the dispatcher's SystemError over the interrupt."""
    return _with_context(
        SystemError("CPUDispatcher(<function kernel>) returned a result with an exception set"),
        KeyboardInterrupt(),
    )


def _info_raising(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, error: BaseException, **env: str
) -> Result:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(provenance.index, "index_info", broken)
    return runner.invoke(app, ["index", "info", str(tmp_path)], env=env or None)


@pytest.mark.parametrize(
    ("error", "needles"),
    [
        (MemoryError(), ["out of memory", "--max-record-bytes", "--jobs"]),
        (RecursionError("maximum recursion depth exceeded"), ["nested too deeply"]),
        (InputError("not JSON", source="train.jsonl", line=3), ["train.jsonl:3: not JSON"]),
        (FileNotFoundError(2, "No such file or directory", "gone.jsonl"), ["gone.jsonl: No such file"]),
        (ValueError("boom\n  on two lines"), ["internal error: ValueError: boom on two lines", "report it"]),
        (KeyError("field"), ["internal error: KeyError: 'field'", "PROVENANCE_DEBUG=1"]),
        (SystemError("returned a result with an exception set"), ["internal error: SystemError"]),
    ],
    ids=["memory", "recursion", "input", "os", "value", "key", "system"],
)
def test_every_failure_exits_2_with_a_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, error: BaseException, needles: list[str]
) -> None:
    result = _info_raising(monkeypatch, tmp_path, error)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.stderr
    flat = " ".join(result.stderr.split())
    for needle in needles:
        assert needle in flat, result.stderr


def test_an_internal_error_shows_its_traceback_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = _info_raising(monkeypatch, tmp_path, ZeroDivisionError("division by zero"), PROVENANCE_DEBUG="1")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "internal error: ZeroDivisionError: division by zero" in result.stderr


@pytest.mark.parametrize(
    "error",
    [
        KeyboardInterrupt(),
        _numba_interrupted(),
        _with_context(BrokenProcessPool("a worker ended abruptly"), KeyboardInterrupt(), as_cause=True),
        _with_context(RuntimeError("outer"), _numba_interrupted()),
    ],
    ids=["plain", "numba-kernel", "worker", "deeper"],
)
def test_an_interrupt_anywhere_in_the_chain_exits_130(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, error: BaseException
) -> None:
    result = _info_raising(monkeypatch, tmp_path, error)
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == "interrupted"


def test_a_cycle_in_the_chain_ends_the_walk() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert failure_of(first).code == 2


def test_after_ctrl_c_any_error_exits_130() -> None:
    """A worker ended by Ctrl-C surfaces as a ``BrokenProcessPool`` that names no interrupt."""
    with interrupts.interrupt_handling(exit_when_interrupted=False):
        try:
            signal.raise_signal(signal.SIGINT)
            time.sleep(1)
        except KeyboardInterrupt:
            pass
        assert failure_of(BrokenProcessPool("a child process terminated abruptly")).code == 130
    assert failure_of(BrokenProcessPool("a child process terminated abruptly")).code == 2


def test_what_escapes_the_commands_exits_2_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crashing(**_kwargs: object) -> None:
        raise LookupError("from a typer callback")

    monkeypatch.setattr(root, "app", crashing)
    with pytest.raises(SystemExit) as ended:
        root.run()
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "internal error: LookupError: from a typer callback" in " ".join(err.split())
    assert "Traceback" not in err


def test_an_interrupt_that_escapes_the_commands_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(**_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(root, "app", interrupted)
    with pytest.raises(SystemExit) as ended:
        root.run()
    assert ended.value.code == 130


def test_usage_errors_keep_their_own_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(tmp_path), "--index", str(tmp_path), "--out", "o", "-f", "xml"])
    assert result.exit_code == 2
    assert "unknown format" in result.output and "Traceback" not in result.output
