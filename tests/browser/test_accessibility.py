"""axe-core (through axe-playwright-python, which bundles it) on the served ethics app and its
HTML report: any violation, of any impact, fails."""

from __future__ import annotations

import base64
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .test_voila_app import PICKER, RENDER_TIMEOUT_S, TALL_VIEWPORT, _choose

pytestmark = pytest.mark.browser

TEXT_MODEL = "crisis_text"
MESSAGE = "I feel hopeless and I want to end it tonight."
# Tab presses from the message box to the first highlighted word, at most.
TAB_LIMIT = 20
SAID = re.compile(r"^.+: [+-]\d\.\d\d, (towards .+|away from .+|neutral)$")


def _violations(page) -> list[str]:  # noqa: ANN001
    """axe-core's violations on the page, one line each: rule, impact, help and elements."""
    found = Axe().run(page).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}; "
        + ", ".join(str(node["target"]) for node in rule["nodes"])
        for rule in found
    ]


def _tab_to_a_word(page, panel) -> None:  # noqa: ANN001
    """From the message box, Tab reaches a highlighted word, which says its value and shows a
    focus outline."""
    panel.locator("textarea").focus()
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('wb-token')"):
            break
    word = page.locator(".wb-token:focus")
    expect(word).to_have_count(1)
    expect(word).to_have_attribute("aria-label", SAID)
    assert word.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


def test_app_and_report_have_no_axe_violations(browser, app, tmp_path):
    """The first page; crisis_text explained (a highlighted word reached with Tab) and
    audited; the exported report."""
    wait = RENDER_TIMEOUT_S * 1000
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(wait)
    page = context.new_page()
    page.goto(app.url)
    page.locator(f"{PICKER} select").wait_for(state="visible")
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)
    found = {"first page": _violations(page)}

    _choose(page, TEXT_MODEL)
    panel = page.locator(".wb-text-attribution")
    panel.locator("textarea").fill(MESSAGE)
    panel.locator("button.wb-explain").click()
    expect(panel.locator(".wb-top-words").first).to_be_visible(timeout=wait)
    _tab_to_a_word(page, panel)
    page.locator("button.wb-run-audit").click()
    expect(page.locator(".wb-audit-panel table.wb-metrics")).to_be_visible(timeout=wait)
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)
    found["explained and audited"] = _violations(page)

    page.locator("button.wb-export").click()
    href = page.locator("a.wb-download").get_attribute("href", timeout=wait)
    report = tmp_path / "report.html"
    report.write_bytes(base64.b64decode(href.split("base64,", 1)[1]))
    page.goto(report.as_uri())
    found["HTML report"] = _violations(page)
    context.close()
    assert not any(found.values()), "\n".join(
        f"{state}: {line}" for state, lines in found.items() for line in lines
    )
