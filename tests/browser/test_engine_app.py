"""`workbench serve --scheduler`: a visitor reviews a model that the Dask engine's workers serve,
and the visitor's kernel never loads it (torch is never mapped into its memory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from distributed import LocalCluster
from playwright.sync_api import expect

import workbench
from workbench.app.catalog import MSG_OPERATOR_ENGINE

from .servers import REPO, kernel_pids, kernels_started, start_app

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_S = 120
SAMPLE = "crisis_text"


@pytest.fixture
def cluster():
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as running:
        yield running


@pytest.fixture
def served(tmp_path, cluster):
    server = start_app(
        log_dir=tmp_path,
        data_dir=tmp_path,
        options=[
            "--model",
            str(workbench.sample_model_specs()[SAMPLE]),
            "--scheduler",
            cluster.scheduler_address,
        ],
        # The kernels import the workbench of the tree under test.
        PYTHONPATH=str(REPO),
    )
    yield server
    server.stop()


def torch_mapped(pid: int) -> bool:
    """Whether process ``pid`` has torch's libraries in its memory."""
    try:
        return "/torch/" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:  # ended meanwhile
        return False


def test_a_visitor_reviews_a_model_the_engine_serves(browser, served, cluster):
    wait = RENDER_TIMEOUT_S * 1000
    page = browser.new_page()
    page.set_default_timeout(wait)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(served.url)
    page.locator(".wb-model-picker select").select_option(SAMPLE)
    page.locator("button.wb-open-model").click()
    expect(page.locator(".wb-example-browser .wb-examples option").first).to_be_attached(
        timeout=wait
    )
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)
    panel = page.locator(".wb-text-attribution")
    expect(panel.locator("textarea")).not_to_have_value("", timeout=wait)
    panel.locator("button.wb-explain").click()
    expect(panel).to_contain_text("Agreement: Spearman rank correlation", timeout=wait)
    expect(panel.locator(".wb-explanation")).to_have_count(2, timeout=wait)
    expect(panel.locator(".wb-explanation .wb-token").first).to_be_visible(timeout=wait)
    log = served.log.read_text(encoding="utf-8", errors="replace")
    said = MSG_OPERATOR_ENGINE.format(name=SAMPLE, address=cluster.scheduler_address)
    assert log.count(said) == 1, served.log_tail()
    explained = cluster.scheduler.task_prefixes["explain_chunk"].state_counts["memory"]
    assert explained >= 2  # the two methods side by side, on the workers
    pids = [pid for kernel in kernels_started(served) for pid in kernel_pids(kernel)]
    assert pids and not any(torch_mapped(pid) for pid in pids)
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
