"""The data scientist's notebook in JupyterLab: run through the UI, its widgets work."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/data_scientist_tour.ipynb"
RUN_TIMEOUT_MS = 120_000  # the whole tour; 17 s on a quiet 2-core machine
# Shown by the widgets manager instead of a view that failed, or has not arrived yet.
WIDGET_PROBLEMS = ("Error displaying widget", "Loading widget...")
LOCAL_SCHEMES = ("data", "blob", "about")
# Tracebacks, and anything else written to stderr.
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
PROMPTS = (
    "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent)"
)
RUN = r"\[\d+\]:"
# The run is over once the first code cell is numbered ("[1]:", not "[ ]:"), no cell waits
# ("[*]:") and the kernel is idle. Every code cell is then numbered, unless one failed: Run All
# stops there, leaving the rest "[ ]:".
RUN_OVER = f"""
() => {{
  const prompts = ({PROMPTS})();
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return prompts.length > 0 && /{RUN}/.test(prompts[0]) && !prompts.some(p => p.includes('*'))
    && status.getAttribute('data-status') === 'idle';
}}
"""
# A widget's view: the only kind of output JupyterLab marks with no MIME type.
VIEW = ".jp-OutputArea-output:not([data-mime-type])"


def test_notebook_widgets_render_and_respond(jupyter_lab, context, artifacts):
    notebook = REPO / NOTEBOOK
    if not notebook.exists():
        pytest.fail(f"{NOTEBOOK} is missing")
    original = notebook.read_bytes()
    lab = jupyter_lab(REPO)
    page = context.new_page()
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    page.goto(f"{lab.url}lab/tree/{NOTEBOOK}?token={lab.token}")
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(state="attached")

    # Outputs and numbers saved in the notebook would pass for a finished run: clear them first.
    _menu(page, "Edit", "Clear Outputs of All Cells")
    expect(page.locator(".jp-OutputArea-output")).to_have_count(0)
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(RUN_OVER, timeout=RUN_TIMEOUT_MS, polling=250)
    unrun = [p for p in page.evaluate(PROMPTS) if not re.fullmatch(RUN, p.strip())]
    assert not unrun, f"a cell failed: {page.locator(STDERR).all_text_contents()}"

    outputs = page.locator(".jp-OutputArea-output")
    views = page.locator(VIEW)
    count = views.count()
    assert count, f"{NOTEBOOK} displays no widget"
    expect(views.filter(has=page.locator(".jupyter-widgets"))).to_have_count(count)
    for problem in WIDGET_PROBLEMS:
        expect(outputs.get_by_text(problem)).to_have_count(0)
    page.screenshot(path=artifacts / "jupyterlab_rendered.png")

    control, action = _a_widget_to_change(outputs)
    # The cell output holding the widget: its view of the result must change.
    area = control.locator(f"xpath=ancestor::div[{_has_class('jp-OutputArea')}][1]")
    before = area.text_content()
    action()
    expect(area).not_to_have_text(before, timeout=RUN_TIMEOUT_MS)
    area.screenshot(path=artifacts / "jupyterlab_after_change.png")

    outside = [
        url
        for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not outside, f"JupyterLab requested URLs outside the machine: {outside}"
    assert notebook.read_bytes() == original, f"running {NOTEBOOK} in JupyterLab changed the file"


def _menu(page, menu: str, item: str) -> None:
    """Choose ``item`` in JupyterLab's ``menu`` of the menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _a_widget_to_change(outputs):
    """The first widget dropdown with a choice, or else button, and how to use it."""
    dropdowns = outputs.locator(".widget-dropdown select:enabled")
    for index in range(dropdowns.count()):
        select = dropdowns.nth(index)
        options = select.evaluate("e => e.options.length")
        if options > 1:
            current = select.evaluate("e => e.selectedIndex")
            return select, partial(select.select_option, index=(current + 1) % options)
    button = outputs.locator("button.jupyter-button:enabled").first
    if not button.count():
        pytest.fail("the notebook shows no widget dropdown or button to use")
    return button, button.click
