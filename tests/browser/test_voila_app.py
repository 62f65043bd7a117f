"""The main app, served as by `make serve`, in Debian's Chromium."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

import workbench
from workbench.app.catalog import chatbot_note

pytestmark = pytest.mark.browser

PICKER = ".wb-model-picker"
SUMMARY = ".wb-model-summary"
# What the notebook's code cells say; none of it may reach the browser (strip_sources).
NOTEBOOK_SOURCE = ("from widgets import", "import EthicsReviewApp", "EthicsReviewApp()", "xmode")
# URLs that never leave the browser.
LOCAL_SCHEMES = ("data", "blob", "about")
RENDER_TIMEOUT_S = 120
TALL_VIEWPORT = {"width": 1280, "height": 4200}
# Clicks Explain in the page and resolves with the milliseconds until a highlighted token
# (a .wb-token with a background colour) shows, or -1 after 30 s.
EXPLAIN_AND_TIME = """
async () => {
    const panel = document.querySelector('.wb-text-attribution');
    const button = panel.querySelector('button.wb-explain');
    const coloured = () => [...panel.querySelectorAll('.wb-token')].some(
        (token) => getComputedStyle(token).backgroundColor !== 'rgba(0, 0, 0, 0)');
    const start = performance.now();
    const shown = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
            if (coloured()) { observer.disconnect(); resolve(performance.now() - start); }
        });
        observer.observe(panel, {childList: true, subtree: true, attributes: true});
        setTimeout(() => { observer.disconnect(); resolve(-1); }, 30000);
    });
    button.click();
    return await shown;
}
"""


def _open(context, app):
    """Open the app, recording every request and websocket the page makes."""
    page = context.new_page()
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    response = page.goto(app.url)
    assert response is not None and response.ok, f"GET {app.url} -> {response}"
    page.locator(f"{PICKER} select").wait_for(state="visible")
    return page, response, urls, errors


def test_model_picker_lists_models_and_updates_summary(context, app, artifacts):
    names_to_paths = workbench.sample_model_specs()
    names = list(names_to_paths)
    assert len(names) >= 2, f"need at least two bundled sample models to switch; got {names}"

    page, _, _, errors = _open(context, app)
    select = page.locator(f"{PICKER} select")
    summary = page.locator(SUMMARY)
    name_cell = summary.locator("table.wb-spec td").first

    expect(select.locator("option")).to_have_text(sorted(names))
    first, second = sorted(names)[:2]
    expect(select).to_have_value(first)
    expect(name_cell).to_have_text(first)
    expect(summary).to_contain_text("Positive class")

    select.select_option(label=second)
    expect(name_cell).to_have_text(second)
    expect(summary).to_contain_text(workbench.load_spec(names_to_paths[second]).description)

    page.screenshot(path=artifacts / "ethics_review.png", full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"


def _choose(page, name):
    """Pick a model, start the review (once per page) and wait until its examples are listed
    and the app is idle."""
    # Loading a model (the first transformers one imports transformers) can take a while.
    wait = RENDER_TIMEOUT_S * 1000
    page.locator(f"{PICKER} select").select_option(name)
    expect(page.locator(f"{SUMMARY} table.wb-spec td").first).to_have_text(name, timeout=wait)
    review = page.locator("button.wb-open-model")
    if review.is_visible():
        review.click()
    examples = page.locator(".wb-example-browser .wb-examples option")
    expect(examples.first).to_be_attached(timeout=wait)
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)


def _choose_chatbot(page, name):
    """Pick a chatbot: the ethics app says where it is reviewed and shows no examples."""
    wait = RENDER_TIMEOUT_S * 1000
    page.locator(f"{PICKER} select").select_option(name)
    expect(page.locator(f"{SUMMARY} table.wb-spec td").first).to_have_text(name, timeout=wait)
    spec = workbench.load_spec(workbench.sample_model_specs()[name])
    expect(page.locator(".wb-note", has_text=chatbot_note(spec))).to_be_visible(timeout=wait)
    expect(page.locator(".wb-example-browser .wb-examples option")).to_have_count(0)


def test_ethics_app_flow_on_every_sample_model(browser, app, artifacts):
    """Pick each model, explain an example, see highlighted tokens (or bars), run the audit; a
    chatbot is pointed to the chatbot app."""
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(RENDER_TIMEOUT_S * 1000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(app.url)
    timings = {}
    for name, path in sorted(workbench.sample_model_specs().items()):
        if workbench.load_spec(path).kind == "generative":
            _choose_chatbot(page, name)
            continue
        _choose(page, name)
        if workbench.load_spec(path).kind == "text":
            expect(page.locator(".wb-text-attribution textarea")).not_to_have_value("")
            elapsed_ms = page.evaluate(EXPLAIN_AND_TIME)
            assert elapsed_ms >= 0, f"{name}: no highlighted token within 30 s"
            timings[name] = round(elapsed_ms / 1000, 3)
            tokens = page.locator(".wb-text-attribution .wb-explanation").first.locator(".wb-token")
            expect(tokens.first).to_be_visible()
            expect(page.locator(".wb-text-attribution")).to_contain_text("Agreement")
        else:
            page.locator(".wb-feature-attribution button.wb-explain").click()
            bars = page.locator(".wb-feature-attribution .js-plotly-plot .bars path")
            expect(bars).to_have_count(len(workbench.load_spec(path).feature_columns))
        page.locator("button.wb-run-audit").click()
        table = page.locator(".wb-audit-panel table.wb-metrics")
        # The audit (bootstrap intervals, calibration, identity swaps) takes seconds under load.
        expect(table).to_be_visible(timeout=RENDER_TIMEOUT_S * 1000)
        expect(table.locator("tbody tr").first).to_be_visible()
        expect(page.locator(".wb-findings li").first).to_be_visible()
        expect(page.locator(".wb-audit-panel .js-plotly-plot .bars path").first).to_be_attached()
        calibration = page.locator(".wb-audit-panel table.wb-calibration")
        expect(calibration.locator("tbody tr").first).to_be_visible()
        curves = page.locator(".wb-audit-panel .js-plotly-plot .scatterlayer .trace")
        expect(curves.first).to_be_attached()
        # The last of the audit's work (its status lines) can finish seconds after the curves.
        expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(
            0, timeout=RENDER_TIMEOUT_S * 1000
        )
        page.locator("button.wb-export").click()
        expect(page.locator("a.wb-download")).to_have_attribute(
            "download", re.compile(name), timeout=RENDER_TIMEOUT_S * 1000
        )
        page.screenshot(path=artifacts / f"ethics_review_{name}.png", full_page=True)
    (artifacts / "click_to_highlight.json").write_text(json.dumps(timings, indent=1) + "\n")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_ethics_app_audits_and_explains_the_transformers_sample_model(browser, app, artifacts):
    """The BERT sample model: audit with findings, then Captum and LIME side by side, per word."""
    wait = RENDER_TIMEOUT_S * 1000
    context = browser.new_context(viewport=TALL_VIEWPORT)
    context.set_default_timeout(wait)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(app.url)
    _choose(page, "crisis_text_bert")
    expect(page.locator(SUMMARY)).to_contain_text("transformers")
    page.locator("button.wb-run-audit").click()
    rows = page.locator(".wb-audit-panel table.wb-metrics tbody tr")
    expect(rows.first).to_be_visible(timeout=wait)
    expect(page.locator(".wb-findings li").first).to_be_visible(timeout=wait)
    expect(page.locator(".wb-ethics-app .wb-working")).to_have_count(0, timeout=wait)

    panel = page.locator(".wb-text-attribution")
    panel.locator("textarea").fill("I feel hopeless and I want to end it tonight.")
    panel.locator("button.wb-explain").click()
    expect(panel).to_contain_text("Agreement: Spearman rank correlation", timeout=wait)
    sides = panel.locator(".wb-explanation")
    expect(sides).to_have_count(2)
    shown = [sides.nth(i).locator(".wb-token").all_inner_texts() for i in range(2)]
    page.screenshot(path=artifacts / "ethics_review_bert_side_by_side.png", full_page=True)
    context.close()
    assert shown[0] == shown[1], shown
    assert "hopeless" in shown[0], shown
    assert not [t for t in shown[0] if t.startswith("##") or t in ("[CLS]", "[SEP]", "[PAD]")]
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_page_has_no_source_and_requests_nothing_outside_the_server(context, app):
    page, response, urls, _ = _open(context, app)
    page.wait_for_load_state("networkidle")

    served, rendered = response.text(), page.content()
    for snippet in NOTEBOOK_SOURCE:
        assert snippet not in served, f"notebook source {snippet!r} in the served HTML"
        assert snippet not in rendered, f"notebook source {snippet!r} in the page"
    assert "Traceback" not in rendered
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com"):
        assert cdn not in served, f"the served HTML refers to {cdn}"

    assert urls, "no request was recorded"
    outside = [
        url
        for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES
        and (urlsplit(url).hostname, urlsplit(url).port) != ("127.0.0.1", app.port)
    ]
    assert not outside, f"the page requested URLs outside the Voila server: {outside}"


def test_first_page_loads_no_plotly_bundle(context, app):
    """The charts are plotly FigureWidgets, which bring their own code when one is drawn; the
    plotly JupyterLab extension (a 4.8 MB bundle of plotly.js for plotly's mime output) is not
    loaded by the served page (--VoilaConfiguration.extension_denylist)."""
    page, _, urls, errors = _open(context, app)
    page.wait_for_load_state("networkidle")
    assert not [url for url in urls if "jupyterlab-plotly" in url]
    assert any("/voila/" in url for url in urls), "the page loaded no Voila code"
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_serves_one_notebook_not_a_directory(app):
    # In directory mode Voila answers these with a listing and a render; here the single
    # notebook's handler redirects them to the (allowlisted, images only) files handler.
    for path in ("voila/api/contents/", "voila/tree/", "voila/render/ethics_review.ipynb"):
        status, _, _ = _get(app.url + path)
        assert status == 302, f"{path} -> {status}: is Voila serving a directory?"
    status, _, _ = _get(app.url + "voila/files/ethics_review.ipynb")
    assert status == 403


def test_token_is_required_when_set(serve_app):
    token = "test-token-0123456789"
    secured = serve_app(WORKBENCH_TOKEN=token)

    status, headers, _ = _get(secured.url)
    assert status == 302 and headers["Location"].startswith("/login"), (status, headers)
    status, headers, _ = _get(secured.url + "?token=wrong")
    assert status == 302 and headers["Location"].startswith("/login"), (status, headers)

    status, _, body = _get(f"{secured.url}?token={token}")
    assert status == 200
    assert "Ethics review workbench" in body


def _get(url: str) -> tuple[int, dict[str, str], str]:
    """GET without following redirects: status, headers and body."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=RENDER_TIMEOUT_S) as response:
            body = response.read().decode("utf-8", errors="replace")
            return response.status, dict(response.headers), body
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None
