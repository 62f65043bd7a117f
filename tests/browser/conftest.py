"""Shared fixtures for the browser tests.

``serve_app`` starts the main app exactly as ``make serve`` does (``scripts/serve.sh``) on a
free loopback port; ``jupyter_lab`` starts JupyterLab the same way, isolated from the user's
Jupyter setup; ``browser`` is Debian's Chromium driven through Playwright (Playwright's
own browser download cannot work here, so ``make test`` installs the ``chromium`` package).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVE_SCRIPT = REPO / "scripts" / "serve.sh"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# scripts/serve.sh's settings: never inherited, so tests serve the defaults unless they say so.
SERVE_ENV = ("PORT", "WORKBENCH_TOKEN", "WORKBENCH_NOTEBOOK", "WORKBENCH_PREHEAT")
# Polled for readiness: a static file, because every GET of the page itself starts a kernel.
READY_PATH = "/voila/static/voila.js"
STARTUP_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30
# The first render waits for the pre-heated kernel to import the workbench (torch included).
RENDER_TIMEOUT_MS = 120_000


@dataclass
class ServedApp:
    """A running ``scripts/serve.sh``: its base URL, port and log file."""

    url: str
    port: int
    log: Path
    process: subprocess.Popen = field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (Voila then shuts its kernels down), then SIGKILL."""
    if process.poll() is not None:
        return
    for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A factory: ``serve_app(**env)`` starts the app with extra environment variables.

    Every server started is stopped at the end of the session.
    """
    started: list[ServedApp] = []

    def start(**extra_env: str) -> ServedApp:
        port = _free_port()
        log = tmp_path_factory.mktemp("voila") / "voila.log"
        env = {k: v for k, v in os.environ.items() if k not in SERVE_ENV}
        env.update(PORT=str(port), VOILA=str(Path(sys.executable).parent / "voila"))
        env["WORKBENCH_DATA_DIR"] = str(tmp_path_factory.mktemp("workbench-data"))
        env.update(extra_env)
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["bash", str(SERVE_SCRIPT)],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        app = ServedApp(url=f"http://127.0.0.1:{port}/", port=port, log=log, process=process)
        started.append(app)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"voila exited with {process.returncode}:\n{app.log_tail()}")
            try:
                with urllib.request.urlopen(app.url.rstrip("/") + READY_PATH, timeout=5) as r:
                    if r.status == 200:
                        return app
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"voila not ready after {STARTUP_TIMEOUT_S}s:\n{app.log_tail()}")
            time.sleep(0.5)

    yield start
    for app in started:
        _stop(app.process)


@pytest.fixture(scope="session")
def app(serve_app: object) -> ServedApp:
    """The main app served with the default options (no token)."""
    return serve_app()


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token and log file."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen = field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


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

    def start(root: Path = REPO) -> LabServer:
        port, token = _free_port(), secrets.token_hex(16)
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
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        lab = LabServer(f"http://127.0.0.1:{port}/", token, log, process)
        started.append(lab)
        status = urllib.request.Request(
            lab.url + "api/status", headers={"Authorization": f"token {token}"}
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{lab.log_tail()}")
            try:
                with urllib.request.urlopen(status, timeout=5) as r:
                    if r.status == 200:
                        return lab
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab not ready after {STARTUP_TIMEOUT_S}s:\n{lab.log_tail()}")
            time.sleep(0.5)

    yield start
    for lab in started:
        _stop(lab.process)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, or apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: object) -> Iterator:
    """A fresh browser context (own cookies and cache) per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
