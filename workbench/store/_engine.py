"""The Dask engine as this process reaches it: one client per scheduler address, shared by
everything that sends work there (the engine's models, the store's misses, precompute).

A client is made on first use and kept; one whose scheduler went away is replaced by a new one
on the next use, which connects again once the scheduler is back. An unreachable scheduler is a
:class:`StoreError` naming its address, and so is one lost while its tasks run, or a task
cancelled. The client is never Dask's default, so that other Dask work of the process
(``dask.dataframe`` audits) runs where it would without the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager, suppress
from typing import Any

from workbench._errors import StoreError

MSG_NO_SCHEDULER = (
    "cannot reach the Dask scheduler at {address}: {detail}; start it (dask scheduler) or check "
    "the address"
)
# How long a visitor's click waits for the engine's scheduler to answer.
SERVE_CONNECT_TIMEOUT = "3s"

# One client per scheduler address in this process; the app's views ask from their threads.
_clients: dict[str, Any] = {}
_lock = threading.Lock()


def engine_client(address: str, *, timeout: str = SERVE_CONNECT_TIMEOUT) -> Any:
    """The process's ``distributed.Client`` of the scheduler at ``address``, connected now if
    it is not (waiting ``timeout`` for the scheduler)."""
    from distributed import Client

    with _lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        if client is not None:
            del _clients[address]
            client.close()
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except OSError as err:
            raise StoreError(MSG_NO_SCHEDULER.format(address=address, detail=err)) from None
        _clients[address] = client
        return client


def run_on_engine(address: str, task: Callable[..., Any], *args: Any) -> Any:
    """``task(*args)`` on a worker of the scheduler at ``address``, and its result; an error
    the task raises is raised here as it was, losing the scheduler on the way is a
    :class:`StoreError`."""
    client = engine_client(address)
    with engine_lost_is_store_error(address):
        future = client.submit(task, *args, pure=False)
    return engine_result(address, future)


def map_on_engine(address: str, task: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
    """``task(job)`` for each of ``jobs``, all sent at once to the workers of the scheduler at
    ``address``, and their results in the order of ``jobs``; errors as
    :func:`run_on_engine` raises them, and what has not finished then is cancelled."""
    client = engine_client(address)
    with engine_lost_is_store_error(address):
        futures = client.map(task, jobs, pure=False)
    try:
        return [engine_result(address, future) for future in futures]
    finally:
        cancel_unfinished(client, futures)


def engine_result(address: str, future: Any) -> Any:
    """The result of ``future``, a task sent to the scheduler at ``address``: an error the task
    raised is raised as it was; the future cancelled, or the scheduler lost on the way (the
    client closed, the connection closed or timed out), is a :class:`StoreError`."""
    try:
        return future.result()
    except _lost_engine_errors() as err:
        if future.status == "error":
            raise
        raise StoreError(MSG_NO_SCHEDULER.format(address=address, detail=err)) from None


@contextmanager
def engine_lost_is_store_error(address: str) -> Iterator[None]:
    """Raise losing the scheduler at ``address`` in the block (sending it tasks or data) as a
    :class:`StoreError`."""
    try:
        yield
    except _lost_engine_errors() as err:
        raise StoreError(MSG_NO_SCHEDULER.format(address=address, detail=err)) from None


def cancel_unfinished(client: Any, futures: Iterable[Any]) -> None:
    """Cancel those of ``futures`` not finished yet (nothing to cancel when the client has
    lost its scheduler)."""
    unfinished = [future for future in futures if not future.done()]
    if unfinished:
        with suppress(*_lost_engine_errors()):
            client.cancel(unfinished)


def _lost_engine_errors() -> tuple[type[BaseException], ...]:
    """What a client raises when its scheduler is lost or its futures cancelled."""
    from distributed.client import ClosedClientError
    from distributed.comm import CommClosedError

    return (ClosedClientError, CancelledError, CommClosedError, TimeoutError)
