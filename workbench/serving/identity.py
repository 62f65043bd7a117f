"""Voila's identity provider, also setting the ``_xsrf`` cookie; used by ``workbench serve``.

When a visitor leaves, Voila's page asks the server to shut its kernel down with a POST to
``/voila/api/shutdown/<kernel id>`` that carries the ``_xsrf`` cookie's value, as jupyter_server
requires. Voila never sets that cookie, so the POST is refused (403) and the kernel (about half
a gigabyte with the workbench loaded) lives on until it is culled
(https://github.com/voila-dashboards/voila/issues/1458). Reading ``handler.xsrf_token`` makes
tornado set the cookie, on the page's response as on any other GET.
"""

from __future__ import annotations

import inspect

from jupyter_server.auth.identity import PasswordIdentityProvider, User
from tornado.web import RequestHandler


class XsrfCookieIdentityProvider(PasswordIdentityProvider):
    """Voila's default identity provider (token or none), which also sets the _xsrf cookie."""

    async def get_user(self, handler: RequestHandler) -> User | None:
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        if handler.request.method == "GET":
            # tornado's xsrf_token reads current_user: set it first, as prepare() does next.
            handler.current_user = user
            handler.xsrf_token  # noqa: B018 (read for its effect: tornado sets the cookie)
        return user
