"""The served app's kernel manager; used by ``workbench serve``.

jupyter_server's kernel manager, with three changes for kernels that strangers' pages drive:

- **No secrets in kernels.** A kernel starts without the access token in its environment
  (``JUPYTER_TOKEN``, ``WORKBENCH_TOKEN``), and without it in the request URL and query string
  that Voila passes to kernels (``?token=`` on the first visit).
- **Pages cannot end their kernel.** A ``shutdown_request`` sent over the kernel's websocket is
  dropped like the other requests Voila refuses (``execute_request``, ...); a page's kernel
  ends when the visitor leaves (Voila's shutdown request) or when it is culled.
- **Abandoned kernels go soon.** The culler (``cull_idle_timeout``, with ``cull_connected``
  off) measures a kernel's idleness from its last message, its last page disconnecting, or the
  moment it was handed to a page, whichever is latest: a tab that closes without unloading
  leaves its kernel for ``cull_idle_timeout`` (plus up to one ``cull_interval``), a page still
  connected keeps its kernel however long it sits idle, and a kernel just handed to a page is
  not culled before the page connects (Voila skips the pre-heated kernels waiting in its pool).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import validate

SECRET_ENV = ("JUPYTER_TOKEN", "WORKBENCH_TOKEN")
# Voila's request variables for kernels: the page's URL and its query string.
REQUEST_URL_ENV = "VOILA_REQUEST_URL"
QUERY_STRING_ENV = "QUERY_STRING"
TOKEN_PARAMETER = "token"
REFUSED_FROM_PAGES = ("shutdown_request",)


class WorkbenchKernelManager(AsyncMappingKernelManager):
    """Kernels without secrets, that pages cannot shut down, culled soon once abandoned."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._handed_out: set[str] = set()

    @validate("allowed_message_types")
    def _refuse_from_pages(self, proposal: dict) -> list[str]:
        return [kind for kind in proposal["value"] if kind not in REFUSED_FROM_PAGES]

    async def start_kernel(self, **kwargs: object) -> str:
        kwargs["env"] = without_secrets(kwargs.get("env") or os.environ)
        return await super().start_kernel(**kwargs)

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:
        self._handed_out.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        self._restart_idle_clock(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        # Voila's pool manager asks only about kernels out of its pool: one seen here for the
        # first time has just been handed to a page, which may not have connected yet.
        if kernel_id not in self._handed_out:
            self._handed_out.add(kernel_id)
            self._restart_idle_clock(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

    def _restart_idle_clock(self, kernel_id: str) -> None:
        if kernel_id in self:
            self.get_kernel(kernel_id).last_activity = utcnow()


def without_secrets(env: dict[str, str]) -> dict[str, str]:
    """A kernel's environment without the token, neither as a variable nor in a request URL."""
    env = {name: value for name, value in env.items() if name not in SECRET_ENV}
    if QUERY_STRING_ENV in env:
        env[QUERY_STRING_ENV] = _without_token(env[QUERY_STRING_ENV])
    if REQUEST_URL_ENV in env:
        url = urlsplit(env[REQUEST_URL_ENV])
        env[REQUEST_URL_ENV] = urlunsplit(url._replace(query=_without_token(url.query)))
    return env


def _without_token(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(name, value) for name, value in pairs if name != TOKEN_PARAMETER])
