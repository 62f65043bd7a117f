"""Servers and Chromium as the browser tests and ``bench/bench_voila.py`` both start them.

A server runs in its own process group on a free loopback port, its output in a log file; it
is polled until it answers, and stopping it ends its whole group (Voila's kernels included).
The app is always started through ``workbench serve``, as ``make serve`` starts it, so what is
tested and measured is what is served. Chromium is Debian's (Playwright's own browser download
cannot work here).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKBENCH = Path(sys.executable).parent / "workbench"
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
VIEWPORT = {"width": 1280, "height": 900}
# workbench serve's settings: never inherited, so a server runs the defaults unless told so.
SERVE_ENV = (
    "JUPYTER_TOKEN",
    "WORKBENCH_TOKEN",
    "WORKBENCH_MODELS",
    "WORKBENCH_CATALOG",
    "WORKBENCH_SAMPLES",
    "WORKBENCH_ABANDONED_KERNEL_S",
    "WORKBENCH_POOL_SIZE",
    "WORKBENCH_POOL_REFILL_S",
    # Set by pytest while a test runs; ipykernel then leaves stdout/stderr's file descriptors
    # uncaptured, so a server started from a test would not run kernels as served ones do.
    "PYTEST_CURRENT_TEST",
)
# Polled for readiness: a static file, because every GET of the page itself starts a kernel.
READY_PATH = "voila/static/voila.js"
STARTUP_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30
POLL_S = 0.25
# A pre-heated kernel counts as heated once idle and quiet for this long.
QUIET_S = 2.0
HEAT_TIMEOUT_S = 180
# The bundled apps the security tests run against (``workbench serve NAME``).
CHATBOT_APP = "chatbot_audit"
SERVED_APPS = ("ethics_review", CHATBOT_APP)
KERNEL_STARTED = re.compile(r"Kernel started: ([0-9a-f-]{36})")


@dataclass
class Server:
    """A running server: its base URL, port and log file."""

    url: str
    port: int
    log: Path
    process: subprocess.Popen = field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_until(self, condition: Callable[[], object], *, what: str, timeout_s: float) -> None:
        """Poll ``condition`` until true; RuntimeError if the server exits or time runs out."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.log.stem} exited with {self.process.returncode} before it could "
                    f"{what}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.log.stem} did not {what} in {timeout_s} s:\n{self.log_tail()}"
                )
            time.sleep(POLL_S)

    def stop(self) -> None:
        """SIGTERM the server's process group (Voila then shuts its kernels down), then SIGKILL."""
        if self.process.poll() is not None:
            return
        for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                continue


def kernel_pids(kernel_id: str) -> list[int]:
    """The processes running the kernel ``kernel_id`` (its connection file is in their command)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        if f"kernel-{kernel_id}.json".encode() in command:
            pids.append(int(proc.name))
    return pids


def free_port() -> int:
    """A loopback port that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, *, headers: dict[str, str] | None = None) -> bytes | None:
    """The body of a GET of ``url``; None if it is refused or fails."""
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()
    except (urllib.error.URLError, OSError):
        return None


def start(
    command: list[str],
    *,
    port: int,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    ready_path: str,
    headers: dict[str, str] | None = None,
) -> Server:
    """Run ``command`` in its own process group; return once ``ready_path`` answers a GET."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(url=f"http://127.0.0.1:{port}/", port=port, log=log, process=process)
    try:
        server.wait_until(
            lambda: get(server.url + ready_path, headers=headers) is not None,
            what="answer",
            timeout_s=STARTUP_TIMEOUT_S,
        )
    except BaseException:
        server.stop()
        raise
    return server


# Pre-heated kernels of a test server (``--pool-size`` in ``options`` wins): one, as Voila
# serves by default, not the machine default of ten kernels starting on a 2-core machine.
TEST_POOL_SIZE = 1
# ... replaced a second after one is taken (Voila's own delay; ``--pool-refill-delay`` in
# ``options`` wins), since tests open pages one after another.
TEST_REFILL_S = 1


def start_app(
    *,
    log_dir: Path,
    data_dir: Path,
    options: Sequence[str] = (),
    workbench: Path = WORKBENCH,
    cwd: Path = REPO,
    **extra_env: str,
) -> Server:
    """``workbench serve --port PORT OPTIONS`` on a free port, ``extra_env`` added to its
    environment; ``workbench`` and ``cwd`` say which installation serves and from where."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SERVE_ENV}
    env.update(
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_POOL_SIZE=str(TEST_POOL_SIZE),
        WORKBENCH_POOL_REFILL_S=str(TEST_REFILL_S),
    )
    env.update(extra_env)
    return start(
        [str(workbench), "serve", "--port", str(port), *options],
        port=port,
        cwd=cwd,
        env=env,
        log=log_dir / f"workbench-serve-{port}.log",
        ready_path=READY_PATH,
    )


def kernels_started(server: Server) -> list[str]:
    """Ids of the kernels the server has started, from its log."""
    return KERNEL_STARTED.findall(server.log.read_text(encoding="utf-8", errors="replace"))


def wait_for_heated_kernel(server: Server, used: set[str]) -> None:
    """Wait until the newest pool kernel not yet used has run the notebook and is quiet.

    Quiet is read from the kernel's processes (their CPU time stops growing), not from the
    kernels API: asking the API about a kernel would claim it for the asker
    (workbench/serving/identity.py), and the visitor's page would then be refused.
    """
    quiet = {"kernel": None, "cpu": None, "since": 0.0}

    def heated() -> bool:
        fresh = [k for k in kernels_started(server) if k not in used]
        pids = kernel_pids(fresh[-1]) if fresh else []
        if not pids:
            return False
        cpu = sum(cpu_ticks(pid) for pid in pids)
        now = time.monotonic()
        if (fresh[-1], cpu) != (quiet["kernel"], quiet["cpu"]):
            quiet.update(kernel=fresh[-1], cpu=cpu, since=now)
            return False
        return now - quiet["since"] >= QUIET_S

    server.wait_until(heated, what="heat a kernel", timeout_s=HEAT_TIMEOUT_S)


def cpu_ticks(pid: int) -> int:
    """User and system CPU time of process ``pid`` so far, in clock ticks (0 once it ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def launch_chromium(playwright: object) -> object:
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
