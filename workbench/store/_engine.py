"""The Dask engine as this process reaches it: one client per scheduler address, shared by
everything that sends work there (the engine's models, the store's misses, precompute).

A client is made on first use and kept; one whose scheduler went away is replaced by a new one
on the next use, which connects again once the scheduler is back. An unreachable scheduler is a
:class:`StoreError` naming its address. The client is never Dask's default, so that other Dask
work of the process (``dask.dataframe`` audits) runs where it would without the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import CancelledError
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
    from distributed.client import ClosedClientError

    client = engine_client(address)
    try:
        return client.submit(task, *args, pure=False).result()
    except (ClosedClientError, CancelledError) as err:
        raise StoreError(MSG_NO_SCHEDULER.format(address=address, detail=err)) from None
