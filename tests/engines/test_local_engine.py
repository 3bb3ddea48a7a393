"""Process fan-out: results in input order, the same as in this process."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from provenance.engines.local import ForkedCall, map_in_order
from provenance.errors import IndexStoreError


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@pytest.mark.parametrize("n", [0, 1, 2, 25])
def test_results_come_back_in_order_for_any_number_of_jobs(n: int) -> None:
    expected = [x * x for x in range(n)]
    for jobs in (1, 2, 3):
        results = list(map_in_order(_square_and_pid, range(n), jobs, window=1))
        assert [value for value, _ in results] == expected


def test_a_single_item_or_one_job_stays_in_this_process() -> None:
    assert {pid for _, pid in map_in_order(_square_and_pid, [3], 4)} == {os.getpid()}
    assert {pid for _, pid in map_in_order(_square_and_pid, range(5), 1)} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in map_in_order(_square_and_pid, range(5), 2)}


def test_paused_gc_pauses_and_restores_the_collector() -> None:
    import gc

    from provenance.engines.local import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("an error inside still restores the collector")
    assert gc.isenabled()


def _fail_naming(source: str) -> None:
    raise IndexStoreError("checksum mismatch", source=source, line=3)


def test_a_forked_call_returns_from_another_process() -> None:
    with ForkedCall(_square_and_pid, 7) as call:
        value, pid = call.result()
    assert value == 49 and pid != os.getpid()
    assert threading.active_count() == 1  # no thread was left running in this process


def test_a_forked_call_raises_what_it_raised() -> None:
    with (
        ForkedCall(_fail_naming, "idx/segments/0001/keys.npy") as call,
        pytest.raises(IndexStoreError) as raised,
    ):
        call.result()
    assert raised.value.source == "idx/segments/0001/keys.npy" and raised.value.line == 3
    assert str(raised.value) == "idx/segments/0001/keys.npy:3: checksum mismatch"


def test_an_unpicklable_result_is_an_error_not_a_hang() -> None:
    with ForkedCall(threading.Lock) as call, pytest.raises(RuntimeError, match="lock"):
        call.result()


def test_leaving_a_forked_call_unasked_ends_its_process() -> None:
    with ForkedCall(time.sleep, 60) as call:
        process = call._process
        assert process.is_alive()
    assert not process.is_alive()


def test_a_forked_call_that_cannot_fork_computes_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork(self: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", no_fork)
    with ForkedCall(_square_and_pid, 6) as call:
        assert call.result() == (36, os.getpid())
    with ForkedCall(_fail_naming, "idx") as call, pytest.raises(IndexStoreError):
        call.result()


def test_a_forked_call_without_fork_computes_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_method(method: str) -> None:
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(multiprocessing, "get_context", no_such_method)
    with ForkedCall(_square_and_pid, 5) as call:
        assert call.result() == (25, os.getpid())


def _forked_call_result() -> tuple[int, int]:
    with ForkedCall(_square_and_pid, 4) as call:
        return call.result()


def test_a_forked_call_in_a_daemonic_worker_computes_there() -> None:
    """multiprocessing forbids a daemonic process (a pool's worker) to start children."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        value, pid = pool.apply(_forked_call_result)
    assert value == 16 and pid != os.getpid()


def test_the_local_engine_is_the_interface_default_and_keeps_order() -> None:
    from provenance.engines.interface import ENGINES, engine_for
    from provenance.engines.local import LocalEngine
    from provenance.errors import UsageError

    assert ENGINES == ("local",)
    engine = engine_for("local", 2)
    assert isinstance(engine, LocalEngine) and engine.jobs == 2
    assert list(engine.map_in_order(_square, range(20))) == [i * i for i in range(20)]
    with pytest.raises(UsageError, match="unknown engine 'ray'"):
        engine_for("ray", 1)


def _square(x: int) -> int:
    return x * x
