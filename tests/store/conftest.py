"""Dask clusters for the store's tests: one real cluster of two worker processes shared by the
session, and for a test that loses its scheduler mid-run, a cluster of its own whose tasks can
be held until then."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import dask
import pytest
from distributed import LocalCluster
from distributed.core import Status

# A cluster made with silence_logs raises the level of the handlers of the "distributed" logger
# until it closes, and pytest's log capture of the test that made it is one of them: the
# clusters here are made with silence_logs=False.

# How long a held task waits at most for its test to end.
HOLD_SECONDS = 60
CLOSING_CONNECT_TIMEOUT = "0.5s"
# What held_task runs: the task it stands for, how many calls go through, and the events.
_held: dict[str, Any] = {}


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes with a thread each, for every test that only sends them work (a
    test that closes its cluster takes :func:`losing_engine`)."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=False,
    ) as running:
        yield running


def held_task(*args: Any) -> Any:
    """The task ``hold`` stands in for: its first calls run it, later ones wait (for the
    scheduler to be closed) and fail."""
    if next(_held["calls"]) < _held["through"]:
        return _held["task"](*args)
    _held["waiting"].set()
    _held["released"].wait(HOLD_SECONDS)
    raise RuntimeError("held until the scheduler was closed")


@dataclass
class LosingEngine:
    """A cluster of one worker thread in this process, whose scheduler the test closes."""

    cluster: LocalCluster
    monkeypatch: pytest.MonkeyPatch

    @property
    def address(self) -> str:
        return self.cluster.scheduler_address

    @property
    def waiting(self) -> threading.Event:
        """Set once a task is held."""
        return _held["waiting"]

    def hold(self, module: ModuleType, name: str, *, through: int) -> None:
        """Replace the task ``module.name`` so that its first ``through`` calls run and the
        others are held."""
        _held["task"] = getattr(module, name)
        _held["through"] = through
        self.monkeypatch.setattr(module, name, held_task)

    def lose_scheduler(self) -> None:
        """Close the scheduler (the worker and the held tasks stay)."""
        self.cluster.sync(self.cluster.scheduler.close)

    def lose_scheduler_once_held(self) -> None:
        """Close the scheduler, from another thread, once a task is held."""

        def lose() -> None:
            if self.waiting.wait(HOLD_SECONDS):
                self.lose_scheduler()

        threading.Thread(target=lose, daemon=True).start()

    def lose_scheduler_after(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function``, which closes the scheduler after its first call returns."""

        def then_lose(*args: Any) -> Any:
            result = function(*args)
            if self.cluster.scheduler.status == Status.running:
                self.lose_scheduler()
            return result

        return then_lose


@pytest.fixture
def losing_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[LosingEngine]:
    """A cluster of its own (threads, so a task replaced here is what the worker runs)."""
    _held.update(calls=itertools.count(), waiting=threading.Event(), released=threading.Event())
    running = LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=":0",
        silence_logs=False,
    )
    try:
        yield LosingEngine(running, monkeypatch)
    finally:
        _held["released"].set()
        # Closing tries its closed scheduler again until this connect timeout (30 s by default).
        with dask.config.set({"distributed.comm.timeouts.connect": CLOSING_CONNECT_TIMEOUT}):
            running.close()
