"""Shared fixtures for the browser tests.

``serve_app`` starts the main app exactly as ``make serve`` does (``workbench serve``) on a
free loopback port, through ``servers.py`` (which ``bench/bench_voila.py`` shares);
``jupyter_lab`` starts JupyterLab the same way, isolated from the user's Jupyter setup;
``browser`` is Debian's Chromium driven through Playwright (Playwright's own browser download
cannot work here, so ``make test`` installs the ``chromium`` package).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .servers import (
    CHATBOT_APP,
    CHROMIUM,
    REPO,
    SERVED_APPS,
    VIEWPORT,
    Server,
    free_port,
    launch_chromium,
    start,
    start_app,
)

ARTIFACTS = REPO / "test-artifacts"
# The first render waits for the pre-heated kernel to import the workbench (torch included).
RENDER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A factory: ``serve_app(*options, **env)`` starts the app with ``workbench serve``
    options (e.g. another app's name) and extra environment variables.

    Every server started is stopped at the end of the session.
    """
    started: list[Server] = []

    def start_served(*options: str, **extra_env: str) -> Server:
        app = start_app(
            log_dir=tmp_path_factory.mktemp("voila"),
            data_dir=tmp_path_factory.mktemp("workbench-data"),
            options=options,
            **extra_env,
        )
        started.append(app)
        return app

    yield start_served
    for app in started:
        app.stop()


@pytest.fixture(scope="session")
def app(serve_app: object) -> Server:
    """The main app served with the default options (no token)."""
    return serve_app()


@pytest.fixture(scope="session")
def chatbot_app(serve_app: object) -> Server:
    """The chatbot audit app served with the default options (the bundled samples)."""
    return serve_app(CHATBOT_APP)


@pytest.fixture(params=SERVED_APPS)
def each_app(request: pytest.FixtureRequest) -> tuple[str, Server]:
    """Each app notebook in turn, served: its name and its server."""
    fixture = "chatbot_app" if request.param == CHATBOT_APP else "app"
    return request.param, request.getfixturevalue(fixture)


@dataclass
class LabServer:
    """A running JupyterLab and its token."""

    server: Server
    token: str

    @property
    def url(self) -> str:
        return self.server.url


# JupyterLab user settings: nothing fetched from the internet (news, update check), and no
# autosave, so running a notebook of the repository never writes its outputs back.
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A factory: ``jupyter_lab(root)`` starts JupyterLab on a free loopback port with a token.

    Jupyter's config, data and runtime folders and HOME are temporary (the venv's data path,
    with the widgets lab extension, is still found through sys.prefix); the server is told not
    to fetch news, check for updates or query PyPI. Every server started is stopped at the end
    of the session.
    """
    started: list[LabServer] = []

    def start_lab(root: Path = REPO) -> LabServer:
        port, token = free_port(), secrets.token_hex(16)
        home = tmp_path_factory.mktemp("lab-home")
        log = home / "lab.log"
        for name, values in LAB_USER_SETTINGS.items():
            path = home / ".jupyter" / "lab" / "user-settings" / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "WORKBENCH"))}
        env.update(
            HOME=str(home),
            JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
            JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            IPYTHONDIR=str(home / ".ipython"),
            WORKBENCH_DATA_DIR=str(home / "workbench-data"),
            # Read by jupyter_server's identity provider; keeps the token out of the process list.
            JUPYTER_TOKEN=token,
        )
        command = [
            str(Path(sys.executable).parent / "jupyter-lab"),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # The default "pypi" manager asks PyPI for the latest version of each extension.
            "--LabApp.extension_manager=readonly",
            # Checkpoints (made when a notebook is opened) go to the temporary home, not root.
            f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}",
        ]
        if os.geteuid() == 0:  # e.g. in CI containers; JupyterLab refuses root otherwise
            command.append("--allow-root")
        server = start(
            command,
            port=port,
            cwd=root,
            env=env,
            log=log,
            ready_path="api/status",
            headers={"Authorization": f"token {token}"},
        )
        lab = LabServer(server, token)
        started.append(lab)
        return lab

    yield start_lab
    for lab in started:
        lab.server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, or apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: object) -> Iterator:
    """A fresh browser context (own cookies and cache) per test."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
