"""Who a visitor of the served app is and what they may touch; used by ``workbench serve``.

- **Identity.** jupyter_server's identity provider already names every visitor: an anonymous
  user with a random id, kept in a login cookie signed with the server's secret (set on the
  first page served; with a token, once the token is given). ``VisitorIdentityProvider`` is
  that provider, also setting the ``_xsrf`` cookie: when a visitor leaves, Voila's page asks the
  server to shut its kernel down with a POST to ``/voila/api/shutdown/<kernel id>`` that carries
  the ``_xsrf`` cookie's value, as jupyter_server requires, but Voila never sets that cookie, so
  the POST was refused (https://github.com/voila-dashboards/voila/issues/1458).
- **Each visitor's kernel is theirs.** A kernel belongs to the first visitor that uses it: the
  one whose page it was handed to (its id is written into that page only, and the page
  connects at once). ``VisitorAuthorizer`` refuses (403) anyone else reading it, connecting to
  its websocket or shutting it down, and everyone deleting a kernel through the REST API.
- **No 500s.** Voila's template static files handler fails (500) on a path that is not
  ``<template>/static/<file>`` (``/voila/templates/x/static/../conf.json``), its shutdown
  handler on an unknown kernel, and jupyter_server's logout page on a template Voila lacks.
  Their replacements answer 404, 403 or a redirect; they are added to the application before
  Voila's own routes (``get_handlers``), so they take precedence.
"""

from __future__ import annotations

import inspect
import os
import re

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import PasswordIdentityProvider, User
from jupyter_server.auth.logout import LogoutHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import default
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler

# A template's name as Voila's template folders spell it.
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class VisitorIdentityProvider(PasswordIdentityProvider):
    """Voila's default identity provider (token or none), which also sets the _xsrf cookie,
    records which visitor owns which kernel and replaces the routes that would answer 500."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.kernel_owners: dict[str, str] = {}

    @default("logout_handler_class")
    def _default_logout_handler_class(self) -> type:
        return LeaveHandler

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        if handler.request.method == "GET":
            # tornado's xsrf_token reads current_user: set it first, as prepare() does next.
            handler.current_user = user
            handler.xsrf_token  # noqa: B018 (read for its effect: tornado sets the cookie)
        return user

    def owns(self, user: User, kernel_id: str, running: object) -> bool:
        """Whether ``user`` owns the kernel; the first visitor to ask about it becomes its owner.

        ``running`` is the kernel manager: only a running kernel is claimed, and owners of
        kernels that have ended are forgotten.
        """
        for ended in [k for k in self.kernel_owners if k not in running]:
            del self.kernel_owners[ended]
        if kernel_id not in running:
            return True  # nothing to protect: the handler answers 404
        return self.kernel_owners.setdefault(kernel_id, user.username) == user.username

    def get_handlers(self) -> list[tuple[str, object]]:
        voila = self.parent
        voila.app.add_handlers(
            ".*$",
            [
                (
                    url_path_join(voila.server_url, r"/voila/templates/(.*)"),
                    TemplateStaticHandler,
                ),
                (
                    url_path_join(voila.server_url, r"/voila/api/shutdown/(.*)"),
                    OwnKernelShutdownHandler,
                ),
            ],
        )
        return super().get_handlers()


class VisitorAuthorizer(Authorizer):
    """Kernels are used only by the visitor that owns them, and never deleted over REST."""

    def is_authorized(
        self, handler: web.RequestHandler, user: User, action: str, resource: str
    ) -> bool:
        if resource != "kernels":
            return True
        kernel_id = handler.path_kwargs.get("kernel_id")
        if kernel_id is None or action == "write":
            return False
        return self.identity_provider.owns(user, kernel_id, handler.kernel_manager)


class OwnKernelShutdownHandler(VoilaShutdownKernelHandler):
    """Voila's "shut my kernel down" request, for the visitor that owns the kernel only."""

    @web.authenticated
    async def post(self, kernel_id: str) -> None:
        if kernel_id not in self.kernel_manager:
            raise web.HTTPError(404)
        if not self.identity_provider.owns(self.current_user, kernel_id, self.kernel_manager):
            raise web.HTTPError(403)
        await super().post(kernel_id)


class TemplateStaticHandler(TemplateStaticFileHandler):
    """Voila's template static files, answering 404 to a path that is not
    ``<template>/static/<file>`` once normalised."""

    def parse_url_path(self, path: str) -> str:
        _check_static_path(path)
        return super().parse_url_path(path)

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        _check_static_path(path)
        return super().get_absolute_path(root, path)


def _check_static_path(path: str) -> None:
    parts = os.path.normpath(path).split(os.path.sep, 2)
    if len(parts) != 3 or parts[1] != "static" or not TEMPLATE_NAME.fullmatch(parts[0]):
        raise web.HTTPError(404)


class LeaveHandler(LogoutHandler):
    """Log out (forget the token's login cookie) and go back to the app's page."""

    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.redirect(self.base_url)
