"""A visitor's kernel lives as long as their page (workbench/serving/identity.py sees to it)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.browser

SHUTDOWN_TIMEOUT_S = 20


def _kernel_exists(app, kernel_id: str) -> bool:
    try:
        with urllib.request.urlopen(f"{app.url}api/kernels/{kernel_id}", timeout=10) as response:
            return response.status == 200
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return False
        raise


def test_leaving_the_page_shuts_its_kernel_down(context, app):
    page = context.new_page()
    page.goto(app.url)
    page.locator(".jupyter-widgets").first.wait_for(state="visible")
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').text).kernelId"
    )
    assert _kernel_exists(app, kernel_id)
    assert "_xsrf" in {cookie["name"] for cookie in context.cookies()}, "no _xsrf cookie set"

    page.close(run_before_unload=True)
    deadline = time.monotonic() + SHUTDOWN_TIMEOUT_S
    while _kernel_exists(app, kernel_id):
        assert time.monotonic() < deadline, f"kernel {kernel_id} still running after leaving"
        time.sleep(0.5)
