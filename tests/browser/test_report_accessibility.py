"""The HTML report read by assistive technology and on paper: every table has a caption and
scoped header cells, every image and chart a text alternative (a chart's numbers in the table
its description points to), axe-core finds nothing, and printed on A4 no table is cut off, the
charts' tables show and each highlighted word prints its value."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from playwright.sync_api import expect

from workbench import sample_model_specs
from workbench.app.chat import (
    chat_report,
    chat_run,
    counterfactual_audit,
    open_chat_subject,
    outcome_audit,
)
from workbench.app.pipeline import make_report
from workbench.audit import AuditOptions
from workbench.report import render_html
from workbench.review import Review, ReviewStore

from .test_accessibility import _violations

pytestmark = pytest.mark.browser

# A text model (examples with highlighted words, identity swaps), a tabular one and a chatbot.
MODELS = ("crisis_text", "relapse_tabular", "support_chat")
BOOTSTRAP = 20
ROWS_AUDITED = 600
MITIGATION = "equalized_odds"
# A4 less the report's print margins (12 mm each side), in CSS pixels.
PAPER_WIDTH = round((210 - 24) / 25.4 * 96)
# Every table: its caption, header cells without a scope, and its right edge against the body's.
TABLES = """() => [...document.querySelectorAll('table')].map((table) => ({
  caption: table.caption ? table.caption.textContent.trim() : '',
  unscoped: [...table.querySelectorAll('th')].filter(
    (cell) => !['col', 'row'].includes(cell.getAttribute('scope'))).length,
  columnHeads: table.querySelectorAll('thead th[scope="col"]').length,
  overflow: table.getBoundingClientRect().right - document.body.getBoundingClientRect().right,
  shown: table.checkVisibility(),
}))"""
# Every image: img, svg, canvas and role="img", with its name and what its description points to.
IMAGES = """() => [...document.querySelectorAll('img, svg, canvas, [role="img"]')].map((image) => ({
  tag: image.tagName.toLowerCase(),
  name: image.getAttribute('alt') || image.getAttribute('aria-label') || '',
  describedBy: image.getAttribute('aria-describedby'),
}))"""
# A chart's points as their <title>s say them: group, mean score, observed rate and rows.
POINTS = """(chart) => [...chart.querySelectorAll('circle > title')].map((t) => t.textContent)"""
# The rows of a chart's table: group, mean score and observed rate.
ROWS = """(table) => [...table.tBodies[0].rows].map((row) => [
  row.cells[0].textContent.trim(), row.cells[3].textContent.trim(),
  row.cells[4].textContent.trim()])"""
POINT = re.compile(
    r"^(?P<group>.+): mean score (?P<mean>\S+), observed rate (?P<rate>\S+), \d+ rows$"
)
SAID = re.compile(r": [+-]\d\.\d\d, (towards .+|away from .+|neutral)$")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A report of each of :data:`MODELS`, with a review and a mitigation, as files."""
    folder = tmp_path_factory.mktemp("reports")
    written = {}
    for name in MODELS:
        written[name] = folder / f"{name}.html"
        if name == "support_chat":
            written[name].write_text(_chat_report(folder / "chat.sqlite3"), encoding="utf-8")
            continue
        copy = folder / name
        shutil.copytree(sample_model_specs()[name].parent, copy)
        spec, db, data = copy / "model.yaml", copy / "reviews.sqlite3", copy / "rows.csv"
        pd.read_csv(copy / "data.csv").head(ROWS_AUDITED).to_csv(data, index=False)
        with ReviewStore(db) as store:
            store.record(
                Review.for_spec(spec, decision="reject", reviewer="Ada Board", comment="proxy bias")
            )
        content = make_report(
            spec, data=data, db=db, bootstrap=BOOTSTRAP, mitigation=MITIGATION, progress=False
        )
        written[name].write_text(render_html(content), encoding="utf-8")
    return written


def _chat_report(db) -> str:  # noqa: ANN001
    """The sample chatbot's report: its outcome and counterfactual audits (gender personas)."""
    subject = open_chat_subject(sample_model_specs()["support_chat"])
    options = AuditOptions(bootstrap=BOOTSTRAP, seed=0)
    run = chat_run(
        outcome=outcome_audit(subject, options=options),
        counterfactual=counterfactual_audit(subject, personas=["gender"], options=options),
    )
    return chat_report(subject, run=run, store=db).html


@pytest.mark.parametrize("name", MODELS)
def test_every_table_and_image_of_the_report_reads_without_sight(browser, reports, name):
    page = browser.new_page()
    page.goto(reports[name].as_uri())
    tables, images = page.evaluate(TABLES), page.evaluate(IMAGES)
    assert len(tables) >= 10, tables
    bare = [t for t in tables if not t["caption"] or t["unscoped"] or not t["columnHeads"]]
    assert not bare, f"tables without a caption or with unscoped header cells: {bare}"
    unnamed = [image for image in images if not image["name"]]
    assert not unnamed, unnamed
    charts = page.locator("svg[aria-describedby]")
    assert charts.count() == len([i for i in images if i["tag"] == "svg"])
    assert charts.count() >= 1 or name == "support_chat"
    for index in range(charts.count()):
        chart = charts.nth(index)
        data = page.locator(f"table#{chart.get_attribute('aria-describedby')}")
        expect(data).to_have_count(1)
        rows = {tuple(row) for row in data.evaluate(ROWS)}
        points = [POINT.match(text) for text in chart.evaluate(POINTS)]
        assert points and all(points), points
        missing = [p[0] for p in points if (p["group"], p["mean"], p["rate"]) not in rows]
        assert not missing, f"chart points not in its table: {missing}"
    tokens = [image["name"] for image in images if image["tag"] == "span"]
    if name == "crisis_text":
        assert len(tokens) > 20 and all(SAID.search(said) for said in tokens), tokens
    found = _violations(page)
    page.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", MODELS)
def test_report_prints_on_a4_without_cut_tables_or_colour_only_values(browser, reports, name):
    page = browser.new_page(viewport={"width": PAPER_WIDTH, "height": 1100})
    page.emulate_media(media="print")
    page.goto(reports[name].as_uri())
    tables = page.evaluate(TABLES)
    cut = [t["caption"] for t in tables if t["overflow"] > 1]
    hidden = [t["caption"] for t in tables if not t["shown"]]
    printed = page.locator(".tokens .tok").evaluate_all(
        "(tokens) => tokens.map((t) => getComputedStyle(t, '::after').content)"
    )
    page.close()
    assert not cut, f"tables wider than the page: {cut}"
    assert not hidden, f"tables not printed: {hidden}"
    assert all(re.fullmatch(r'" [+-]\d\.\d\d"', value) for value in printed), printed
    if name == "crisis_text":
        assert len(printed) > 20
