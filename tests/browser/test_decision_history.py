"""A decision recorded on one page shows on the next page, served by the preheated kernel.

That kernel ran the notebook before the decision existed; the decision form is made, and reads
the history, when the visitor presses *Review this model* (and again when the page shows it).
The test waits, after the first page has rendered, as long as the first kernel took from server
start to first page, so that the next kernel has certainly run the notebook before the decision
is recorded.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from workbench.review import MSG_TOO_LONG

pytestmark = pytest.mark.browser

FORM = ".wb-review-form"
REVIEW_BUTTON = "button.wb-open-model"
REVIEWER = "Reviewer on page one"


def _open(context, url):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    response = page.goto(url)
    assert response is not None and response.ok, f"GET {url} -> {response}"
    page.locator(REVIEW_BUTTON).click()
    page.locator(f"{FORM} .wb-chain-intact").wait_for(state="visible")  # the context's timeout
    return page, errors


def test_decision_recorded_on_one_page_shows_on_the_next(serve_app, browser, artifacts):
    started = time.monotonic()
    app = serve_app()
    first = browser.new_context()
    first.set_default_timeout(120_000)
    page, errors = _open(first, app.url)
    one_kernel_s = time.monotonic() - started
    expect(page.locator(FORM)).to_contain_text("history intact: 0 record(s)")
    time.sleep(one_kernel_s)  # the next (preheated) kernel reads the empty history meanwhile

    page.locator(f"{FORM} .widget-text input").fill(REVIEWER)
    page.locator(f"{FORM} .widget-radio-box label", has_text="Reject").click()
    comment = page.locator(f"{FORM} textarea").nth(1)
    comment.fill("x" * 4_001)
    limit = MSG_TOO_LONG.format(field="comment", length=4_001, limit=4_000)
    expect(page.locator(FORM)).to_contain_text(limit)
    expect(page.locator(f"{FORM} button.wb-record")).to_be_disabled()
    comment.fill("misses urgent messages of older adults")
    expect(page.locator(f"{FORM} button.wb-record")).to_be_enabled()
    page.locator(f"{FORM} button.wb-record").click()
    recorded = page.locator(f"{FORM} .wb-recorded")
    expect(recorded).to_contain_text("Recorded decision #1: reject", timeout=30_000)
    first.close()
    assert not errors, f"JavaScript errors on the first page: {errors}"

    second = browser.new_context()
    second.set_default_timeout(120_000)
    page, errors = _open(second, app.url)
    history = page.locator(FORM)
    expect(history).to_contain_text(f"{REVIEWER}: reject", timeout=30_000)
    expect(history).to_contain_text("history intact: 1 record(s)")
    page.screenshot(path=artifacts / "decision_history_next_page.png", full_page=True)
    second.close()
    assert not errors, f"JavaScript errors on the second page: {errors}"
