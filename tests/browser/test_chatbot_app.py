"""The chatbot audit app, served as ``workbench serve chatbot_audit`` with the sample chatbot,
in Debian's Chromium: the whole review, then axe-core on the page and on its report."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from .test_accessibility import _violations
from .test_voila_app import PICKER, SUMMARY, TALL_VIEWPORT

pytestmark = pytest.mark.browser

CHATBOT = "support_chat"
APP = ".wb-chatbot-app"
# Generating a few hundred responses on a loaded two-core machine takes minutes.
AUDIT_TIMEOUT_MS = 600_000
STEP_TIMEOUT_MS = 180_000
REVIEWER = "Chatbot board"


def _idle(page) -> None:  # noqa: ANN001
    expect(page.locator(f"{APP} .wb-working")).to_have_count(0, timeout=AUDIT_TIMEOUT_MS)


def test_chatbot_review_from_audit_to_report(browser, chatbot_app, tmp_path, artifacts):
    """Open the sample chatbot, run the counterfactual audit on the gender personas, read the
    finding, explain a response, record a decision, export the report; axe-core finds nothing
    on the page, before and after, nor on the report."""
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(chatbot_app.url)
    select = page.locator(f"{PICKER} select")
    select.wait_for(state="visible")
    expect(select.locator("option")).to_have_text([CHATBOT], timeout=STEP_TIMEOUT_MS)
    expect(page.locator(f"{SUMMARY} table.wb-spec td").first).to_have_text(
        CHATBOT, timeout=STEP_TIMEOUT_MS
    )
    page.locator("button.wb-open-model").click()
    expect(page.locator(".wb-response-explainer select option").first).to_be_attached(
        timeout=STEP_TIMEOUT_MS
    )
    _idle(page)
    found = {"first page": _violations(page)}

    panel = page.locator(".wb-chat-audit")
    for box in panel.locator("input[type=checkbox]").all():
        label = box.locator("xpath=..").inner_text()
        if (label.strip() == "gender") != box.is_checked():
            box.click()
    panel.locator("button.wb-run-counterfactual").click()
    expect(panel.locator("table.wb-paired")).to_be_visible(timeout=AUDIT_TIMEOUT_MS)
    expect(panel.locator("table.wb-different-pairs tbody tr").first).to_be_visible(
        timeout=STEP_TIMEOUT_MS
    )
    findings = page.locator(".wb-findings")
    expect(findings).to_contain_text("Counterfactual prompts (gender)", timeout=STEP_TIMEOUT_MS)
    expect(findings.locator("li.wb-warning, li.wb-breach").first).to_be_visible(
        timeout=STEP_TIMEOUT_MS
    )
    expect(findings).to_contain_text("man", timeout=STEP_TIMEOUT_MS)

    explainer = page.locator(".wb-response-explainer")
    explainer.locator("button.wb-explain-response").click()
    expect(explainer.locator(".wb-token").first).to_be_visible(timeout=AUDIT_TIMEOUT_MS)
    expect(explainer).to_contain_text("Response", timeout=STEP_TIMEOUT_MS)

    review = page.locator(".wb-review-form")
    review.locator(".widget-text input").fill(REVIEWER)
    review.locator(".widget-radio-box label", has_text="Reject").click()
    review.locator("button.wb-record").click()
    expect(review.locator(".wb-recorded")).to_contain_text(REVIEWER, timeout=STEP_TIMEOUT_MS)
    _idle(page)
    found["audited, explained and decided"] = _violations(page)

    page.locator("button.wb-export").click()
    href = page.locator("a.wb-download").get_attribute("href", timeout=STEP_TIMEOUT_MS)
    page.screenshot(path=artifacts / "chatbot_audit.png", full_page=True)
    report = tmp_path / "report.html"
    report.write_bytes(base64.b64decode(href.split("base64,", 1)[1]))
    text = report.read_text(encoding="utf-8")
    for part in (
        "Chatbot report: support_chat",
        "Counterfactual prompts: rate by persona",
        "Paired differences on the same prompts",
        "Prompt pairs whose responses differ most",
        "max_new_tokens",
        REVIEWER,
    ):
        assert part in text, part
    assert "Outcome rates by group" not in text  # no outcome audit was run
    page.goto(report.as_uri())
    found["HTML report"] = _violations(page)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not any(found.values()), "\n".join(
        f"{state}: {line}" for state, lines in found.items() for line in lines
    )
