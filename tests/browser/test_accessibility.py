"""axe-core (through axe-playwright-python, which bundles it) on the served ethics app, its
HTML report and the served teaching notebook: any violation, of any impact, fails. The ethics
app's landmarks and headings let a screen-reader or keyboard user jump between its sections."""

from __future__ import annotations

import base64
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from widgets._ethics_app import SECTION_LIST_NAME, SECTIONS

from .servers import start_app
from .test_keyboard import KeyboardWalk
from .test_voila_app import PICKER, RENDER_TIMEOUT_S, TALL_VIEWPORT, _choose

pytestmark = pytest.mark.browser

TEXT_MODEL = "crisis_text"
MESSAGE = "I feel hopeless and I want to end it tonight."
# Tab presses from the message box to the first highlighted word, at most.
TAB_LIMIT = 20
SAID = re.compile(r"^.+: [+-]\d\.\d\d, (towards .+|away from .+|neutral)$")
TEACHING = "teaching_bias_and_explanations"
# Every visible heading of the page in document order: its level and text.
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]')]
  .filter((heading) => heading.checkVisibility())
  .map((heading) => [
    Number(heading.getAttribute('aria-level') || heading.tagName.slice(1)),
    heading.textContent.replace('\u00b6', '').trim(),
  ])"""


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


def test_landmarks_and_headings_lead_to_every_section(browser, app):
    """One main landmark named by the page's title; a named navigation landmark whose links
    lead to the sections; each section a region named by its h2; heading levels never skip;
    the section links work from the keyboard (once the review has started, to the decision
    form's first field)."""
    wait = RENDER_TIMEOUT_S * 1000
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(wait)
    page = context.new_page()
    page.goto(app.url)
    page.locator(f"{PICKER} select").wait_for(state="visible")
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)

    main = page.get_by_role("main")
    expect(main).to_have_count(1)
    expect(main).to_have_accessible_name("Ethics review workbench")
    navigation = page.get_by_role("navigation", name=SECTION_LIST_NAME, exact=True)
    expect(navigation).to_have_count(1)
    expect(navigation.get_by_role("link")).to_have_text([link for _, _, link in SECTIONS])
    for anchor, title, link in SECTIONS:
        region = main.get_by_role("region", name=title, exact=True)
        expect(region).to_have_count(1)
        heading = region.get_by_role("heading", level=2)
        expect(heading).to_have_text(title)
        expect(heading).to_have_id(anchor)
        target = navigation.get_by_role("link", name=link, exact=True)
        expect(target).to_have_attribute("href", f"#{anchor}")

    headings = page.evaluate(HEADINGS)
    levels = [level for level, _ in headings]
    assert levels[0] == 1 and levels.count(1) == 1, headings
    skips = [(a, b) for a, b in zip(headings, headings[1:]) if b[0] > a[0] + 1]
    assert not skips, f"heading levels skip: {skips}"
    assert [text for level, text in headings if level == 2] == [t for _, t, _ in SECTIONS]

    page.locator("button.wb-open-model").click()
    page.locator(".wb-review-form input").first.wait_for(state="visible")
    walk = KeyboardWalk(page)
    walk.tab_to("link", "Decision")
    page.keyboard.press("Enter")
    reached = walk.tab()
    context.close()
    assert (reached.role, reached.name, reached.section) == ("textbox", "Reviewer", 6), reached


@pytest.fixture(scope="module")
def teaching_app(tmp_path_factory):
    """The teaching notebook served as ``workbench serve teaching_bias_and_explanations``."""
    served = start_app(
        log_dir=tmp_path_factory.mktemp("voila"),
        data_dir=tmp_path_factory.mktemp("workbench-data"),
        options=[TEACHING],
    )
    yield served
    served.stop()


def test_teaching_notebook_has_no_axe_violations(browser, teaching_app):
    """The first page; then the bias slider moved one step with the keyboard (the model is
    retrained and audited again) and the message explained."""
    wait = RENDER_TIMEOUT_S * 1000
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(wait)
    page = context.new_page()
    page.goto(teaching_app.url)
    lesson, explainer = page.locator(".wb-bias-lesson"), page.locator(".wb-explanation-lesson")
    expect(lesson.locator("table").first).to_be_visible(timeout=wait)
    expect(page.locator(".wb-working")).to_have_count(0, timeout=wait)
    found = {"first page": _violations(page)}

    lesson.get_by_role("slider", name="Bias").focus()
    page.keyboard.press("ArrowRight")
    expect(lesson).to_contain_text("Bias 5%", timeout=wait)
    explainer.get_by_role("button", name="Explain").press("Enter")
    expect(explainer.locator(".wb-top-words").first).to_be_visible(timeout=wait)
    expect(page.locator(".wb-working")).to_have_count(0, timeout=wait)
    found["bias moved and message explained"] = _violations(page)
    context.close()
    assert not any(found.values()), "\n".join(
        f"{state}: {line}" for state, lines in found.items() for line in lines
    )
