"""The whole review flow on the served ethics app with the keyboard alone: Tab and Shift+Tab
move, arrows, Home, End, Enter and Space operate, text is typed into the focused box; no
click. After every Tab the focused control shows a focus outline, and the controls are met
section by section, in the page's order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from widgets._ethics_app import SECTIONS

from .test_voila_app import PICKER, RENDER_TIMEOUT_S, SUMMARY

pytestmark = pytest.mark.browser

MESSAGE = "I feel hopeless and I want to end it tonight."
REVIEWER = "Keyboard Reviewer"
REASON = "Missed urgent messages for one group; reject until retrained."
# Tab presses between two controls of the flow, at most (the words of two explanations and
# the audit's results lie between some of them).
TAB_LIMIT = 150
# The focused element: whether it shows a focus outline of the app's own (not the browser's
# thin default ring), whether it is on screen, and the region (app section) it lies in.
FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const region = element.closest('[role="region"]');
  const box = element.getBoundingClientRect();
  return {
    page: element === document.body || element === null,
    outlined: element.matches(':focus-visible') && style.outlineStyle !== 'none'
      && parseFloat(style.outlineWidth) >= 2,
    shown: box.width > 0 && box.height > 0,
    region: region ? region.getAttribute('aria-label') : null,
    navigation: element.closest('nav, [role="navigation"]') !== null,
  };
}"""
TITLES = [title for _, title, _ in SECTIONS]


@dataclass
class Stop:
    """Where focus landed: the control's role and accessible name and its section (0 for the
    section list, 1-7 for the app's sections, -1 outside them)."""

    role: str
    name: str
    section: int
    outlined: bool
    shown: bool


@dataclass
class KeyboardWalk:
    """Moves focus with Tab and Shift+Tab and records every stop; roles and names are
    Chromium's own (its accessibility tree, read through the DevTools protocol)."""

    page: object
    stops: list[Stop] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.devtools = self.page.context.new_cdp_session(self.page)

    def role_and_name(self) -> tuple[str, str]:
        """The focused element's role and accessible name in Chromium's accessibility tree."""
        found = self.devtools.send("Runtime.evaluate", {"expression": "document.activeElement"})
        tree = self.devtools.send(
            "Accessibility.getPartialAXTree",
            {"objectId": found["result"]["objectId"], "fetchRelatives": False},
        )
        node = tree["nodes"][0]
        return node.get("role", {}).get("value", ""), node.get("name", {}).get("value", "")

    def focused(self) -> Stop:
        facts = self.page.evaluate(FOCUSED)
        if facts["page"]:  # focus left the page's controls
            return Stop("document", "", -1, outlined=False, shown=False)
        role, name = self.role_and_name()
        if facts["navigation"]:
            section = 0
        else:
            section = TITLES.index(facts["region"]) + 1 if facts["region"] in TITLES else -1
        return Stop(role, name, section, outlined=facts["outlined"], shown=facts["shown"])

    def tab(self, *, back: bool = False) -> Stop:
        self.page.keyboard.press("Shift+Tab" if back else "Tab")
        stop = self.focused()
        if not back:
            self.stops.append(stop)
        return stop

    def tab_to(self, role: str, name: str | re.Pattern) -> Stop:
        """Tab until a control with ``role`` and a name equal to (or matching) ``name`` has
        focus; fail after :data:`TAB_LIMIT` presses."""
        for _ in range(TAB_LIMIT):
            stop = self.tab()
            named = name.search(stop.name) if isinstance(name, re.Pattern) else stop.name == name
            if stop.role == role and named:
                return stop
        pytest.fail(f"no {role} {name!r} within {TAB_LIMIT} Tab presses: {self.stops[-10:]}")


def _idle(page, wait: int) -> None:  # noqa: ANN001
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)


def test_whole_review_with_the_keyboard_alone(browser, app, tmp_path):
    """Choose a model, explain a typed message, read a word's value, run the audit, record a
    decision with its reason, export the report and download it."""
    wait = RENDER_TIMEOUT_S * 1000
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(wait)
    page = context.new_page()
    page.goto(app.url)
    select = page.locator(f"{PICKER} select")
    select.wait_for(state="visible")
    _idle(page, wait)
    walk = KeyboardWalk(page)
    name_cell = page.locator(f"{SUMMARY} table.wb-spec td").first

    # 1. Choose a model: typing its name picks relapse_tabular, Home the first (crisis_text).
    walk.tab_to("combobox", "Model")
    page.keyboard.type("relapse")
    expect(name_cell).to_have_text("relapse_tabular", timeout=wait)
    _idle(page, wait)
    page.keyboard.press("Home")
    expect(name_cell).to_have_text("crisis_text", timeout=wait)
    _idle(page, wait)
    expect(select).to_be_focused()
    walk.tab_to("button", "Review this model")
    page.keyboard.press("Enter")
    examples = page.locator(".wb-example-browser .wb-examples option")
    expect(examples.first).to_be_attached(timeout=wait)
    _idle(page, wait)

    # 2. Type a message and explain it; Tab reaches a highlighted word, which says its value.
    message = page.locator(".wb-text-attribution textarea")
    walk.tab_to("textbox", re.compile("^Type a message"))
    page.keyboard.press("Control+A")
    page.keyboard.type(MESSAGE)
    expect(message).to_have_value(MESSAGE)
    walk.tab_to("button", "Explain")
    page.keyboard.press("Enter")
    expect(page.locator(".wb-text-attribution .wb-top-words").first).to_be_visible(timeout=wait)
    _idle(page, wait)
    word = walk.tab_to("image", re.compile(r": [+-]\d\.\d\d, (towards|away from|neutral)"))
    expect(page.locator(".wb-token:focus")).to_have_count(1)
    assert word.section == 2, word

    # 4. Run the audit with Space.
    walk.tab_to("button", "Run audit")
    page.keyboard.press(" ")
    expect(page.locator(".wb-audit-panel table.wb-metrics")).to_be_visible(timeout=wait)
    _idle(page, wait)

    # 6. Record a decision: name typed, the radio group operated with Space and the arrows
    # (one Tab stop), the reason typed; Shift+Tab goes back one control.
    walk.tab_to("textbox", "Reviewer")
    page.keyboard.type(REVIEWER)
    walk.tab_to("radio", "Approve")
    page.keyboard.press(" ")
    expect(page.get_by_role("radio", name="Approve", exact=True)).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    reject = page.get_by_role("radio", name="Reject")
    expect(reject).to_be_checked()
    expect(reject).to_be_focused()
    after_group = walk.tab()
    assert (after_group.role, after_group.name) == ("textbox", "Conditions"), after_group
    walk.tab_to("textbox", "Comment")
    page.keyboard.type(REASON)
    walk.tab_to("button", "Record decision")
    back = walk.tab(back=True)
    assert (back.role, back.name) == ("textbox", "Comment"), back
    walk.tab()
    page.keyboard.press("Enter")
    expect(page.locator(".wb-review-form .wb-recorded")).to_contain_text(
        f"reject by {REVIEWER}", timeout=wait
    )

    # 7. Export the report and download it from its link.
    walk.tab_to("button", "Export report")
    page.keyboard.press("Enter")
    expect(page.locator("a.wb-download")).to_be_visible(timeout=wait)
    walk.tab_to("link", re.compile(r"^Download .+\.html$"))
    with page.expect_download(timeout=wait) as download:
        page.keyboard.press("Enter")
    report = tmp_path / "report.html"
    download.value.save_as(report)
    context.close()

    text = report.read_text(encoding="utf-8")
    assert REVIEWER in text and REASON in text and "crisis_text" in text
    hidden = [stop for stop in walk.stops if not (stop.outlined and stop.shown)]
    assert not hidden, f"focus not visible at: {hidden}"
    sections = [stop.section for stop in walk.stops]
    assert -1 not in sections, f"focus outside the app's sections: {walk.stops}"
    assert sections == sorted(sections), f"focus order jumps between sections: {sections}"
    assert set(sections) >= {0, 1, 2, 3, 4, 6, 7}, sections
