"""`workbench serve --model`: the app lists exactly the served models, a broken one plainly."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import expect

import workbench
from workbench.app.catalog import MSG_VISITOR_LOAD_FAILED

from .servers import start_app, wait_for_heated_kernel

pytestmark = pytest.mark.browser

PICKER = ".wb-model-picker"
RENDER_TIMEOUT_S = 120


@pytest.fixture
def served(tmp_path):
    broken = tmp_path / "team_model" / "model.yaml"
    broken.parent.mkdir()
    broken.write_text("kind: [text\n", encoding="utf-8")
    sample = workbench.sample_model_specs()["crisis_text"]
    server = start_app(
        log_dir=tmp_path,
        data_dir=tmp_path,
        options=["--model", str(sample), "--model", str(broken)],
    )
    yield server
    server.stop()


def served_spec_folder(server):
    """The broken spec's folder, which only the operator's log may name."""
    return server.log.parent / "team_model"


def test_the_picker_lists_exactly_the_served_models(browser, served):
    context = browser.new_context()
    context.set_default_timeout(RENDER_TIMEOUT_S * 1000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(served.url)
    select = page.locator(f"{PICKER} select")
    select.wait_for(state="visible")
    expect(select.locator("option")).to_have_text(["crisis_text", "team_model"])
    expect(page.locator(".wb-model-summary table.wb-spec td").first).to_have_text("crisis_text")

    select.select_option("team_model")
    expect(page.locator(".wb-model-summary .wb-error")).to_have_text(MSG_VISITOR_LOAD_FAILED)
    assert str(served_spec_folder(served)) not in page.content()  # the operator's detail
    served.wait_until(
        lambda: "model 'team_model'" in served.log.read_text(encoding="utf-8"),
        what="log the broken model for the operator",
        timeout_s=10,
    )
    assert not errors, f"JavaScript errors on the page: {errors}"
    context.close()


def test_a_version_registered_while_serving_is_listed_on_the_next_page(browser, tmp_path):
    specs = workbench.sample_model_specs()
    catalog = tmp_path / "models.yaml"
    first = {"spec": str(specs["crisis_text"]), "name": "triage", "version": "1"}
    catalog.write_text(yaml.safe_dump({"models": [first]}), encoding="utf-8")
    server = start_app(log_dir=tmp_path, data_dir=tmp_path, options=["--catalog", str(catalog)])
    context = browser.new_context()
    context.set_default_timeout(RENDER_TIMEOUT_S * 1000)
    try:
        # The pre-heated kernel has run the notebook (and read the catalog) before the visit.
        wait_for_heated_kernel(server, used=set())
        second = {"spec": str(specs["crisis_text"]), "name": "triage v2", "version": "2"}
        catalog.write_text(yaml.safe_dump({"models": [first, second]}), encoding="utf-8")
        page = context.new_page()
        page.goto(server.url)
        select = page.locator(f"{PICKER} select")
        select.wait_for(state="visible")
        expect(select.locator("option")).to_have_text(["triage", "triage v2"])
        select.select_option("triage v2")
        version = page.locator(".wb-model-summary table.wb-listing tr", has_text="Version")
        expect(version.locator("td")).to_have_text("2")
    finally:
        context.close()
        server.stop()
