"""A visitor's kernel lives as long as their page, and a page whose kernel ended says so
(workbench/serving/identity.py and kernels.py, the workbench template)."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from .servers import kernel_pids

pytestmark = pytest.mark.browser

SHUTDOWN_TIMEOUT_S = 20
SESSION_ENDED = "This session ended; reload to start again."
ENDED_TIMEOUT_MS = 30_000
# Abandoned kernels go after this many seconds in the culling test (default: 90).
ABANDONED_S = 10
CULL_INTERVAL_S = 2  # workbench.serving: a sixth of ABANDONED_S, rounded up
CONTROLS = "button, input, select, textarea"


def _open_app(context, url: str):
    """Open the app; return the page and its kernel's id."""
    page = context.new_page()
    page.goto(url)
    page.locator(".jupyter-widgets").first.wait_for(state="visible")
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').text).kernelId"
    )
    assert kernel_pids(kernel_id), f"no process runs kernel {kernel_id}"
    return page, kernel_id


def _wait_until_gone(kernel_id: str, timeout_s: float) -> float:
    """Seconds until no process runs the kernel; fails after ``timeout_s``."""
    start = time.monotonic()
    while kernel_pids(kernel_id):
        elapsed = time.monotonic() - start
        assert elapsed < timeout_s, f"kernel {kernel_id} still running after {elapsed:.0f} s"
        time.sleep(0.25)
    return time.monotonic() - start


def test_leaving_the_page_shuts_its_kernel_down(context, app):
    page, kernel_id = _open_app(context, app.url)
    assert "_xsrf" in {cookie["name"] for cookie in context.cookies()}, "no _xsrf cookie set"
    page.close(run_before_unload=True)
    _wait_until_gone(kernel_id, SHUTDOWN_TIMEOUT_S)


def test_a_dead_kernel_ends_the_session_on_the_page(context, each_app):
    _, app = each_app
    page, kernel_id = _open_app(context, app.url)
    assert page.locator(f"{CONTROLS}").count() > 0
    for pid in kernel_pids(kernel_id):
        os.kill(pid, signal.SIGKILL)
    banner = page.locator("#wb-session-ended")
    banner.wait_for(state="visible", timeout=ENDED_TIMEOUT_MS)
    assert banner.inner_text() == SESSION_ENDED
    enabled = page.evaluate(
        f"[...document.querySelectorAll('{CONTROLS}')].filter(c => !c.disabled).length"
    )
    assert enabled == 0, f"{enabled} controls still enabled after the session ended"


@pytest.fixture(scope="module")
def quick_culling_app(serve_app):
    return serve_app(WORKBENCH_ABANDONED_KERNEL_S=str(ABANDONED_S))


def test_an_abandoned_kernel_goes_while_a_connected_idle_one_stays(
    browser, quick_culling_app, artifacts
):
    stays = browser.new_context()
    crashes = browser.new_context()
    for context in (stays, crashes):
        context.set_default_timeout(120_000)
    try:
        _, idle_kernel = _open_app(stays, quick_culling_app.url)
        # A tab that closes without unloading (a crash, a lost network): no shutdown request
        # (blocked here as well), its websocket just closes.
        crashes.route("**/voila/api/shutdown/**", lambda route: route.abort())
        crashing, abandoned_kernel = _open_app(crashes, quick_culling_app.url)
        crashing.close(run_before_unload=False)
        lived_s = _wait_until_gone(abandoned_kernel, ABANDONED_S + 10 * CULL_INTERVAL_S + 30)
        # Plus the time a kernel takes to shut down (a few seconds on a busy machine).
        assert lived_s <= ABANDONED_S + CULL_INTERVAL_S + 10, f"abandoned kernel lived {lived_s} s"
        # The page left open has been idle for longer than ABANDONED_S by now.
        time.sleep(2 * CULL_INTERVAL_S)
        assert kernel_pids(idle_kernel), "the kernel of a connected, idle page was culled"
    finally:
        stays.close()
        crashes.close()
    result = {"abandoned_after_s": ABANDONED_S, "abandoned_kernel_lived_s": round(lived_s, 1)}
    (artifacts / "abandoned_kernel.json").write_text(json.dumps(result) + "\n")
