"""The served app's pool of pre-heated kernels: a kernel taken by a visitor is replaced after
``--pool-refill-delay`` seconds, not at once, so that the replacements leave the cores to the
pages of a crowd still arriving."""

from __future__ import annotations

import time

import pytest

from .servers import get, kernels_started, start_app

pytestmark = pytest.mark.browser

DELAY_S = 6


def test_a_kernel_taken_from_the_pool_is_replaced_after_the_refill_delay(tmp_path):
    server = start_app(
        log_dir=tmp_path,
        data_dir=tmp_path / "data",
        options=["--pool-size", "1", "--pool-refill-delay", str(DELAY_S)],
    )
    try:
        server.wait_until(
            lambda: len(kernels_started(server)) == 1, what="heat its pool", timeout_s=60
        )
        taken = time.monotonic()
        page = get(server.url)
        assert page is not None and b"jupyter-config-data" in page
        server.wait_until(
            lambda: len(kernels_started(server)) == 2,
            what="replace the kernel taken",
            timeout_s=60,
        )
        waited = time.monotonic() - taken
        assert waited >= DELAY_S, f"replaced after {waited:.1f} s, before the delay"
        assert waited < DELAY_S + 30, f"replaced only after {waited:.1f} s"
        assert "Using pre-heated kernel" in server.log_tail(200)
    finally:
        server.stop()
